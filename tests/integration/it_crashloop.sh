#!/bin/bash
# Crash-loop breaker: a worker kind that crashes on start is marked failed
# after crash_limit crashes; its queue shows stopped with the reason; the
# other queues keep printing; an admin's budget change brings it back.
. "$(dirname "$0")/lib.sh"

PORT=$(free_port)
start_lpd "$PORT"
write_config "[worker.remote]" "debug_crash_on_start = 1" "crash_limit = 3" \
	"crash_window = 60s" "restart_backoff_min = 10ms" "restart_backoff_max = 40ms" \
	"[queue.lpd]" "uri = lpd://127.0.0.1:$PORT/q" \
	"[queue.ipp]" "uri = ipp://127.0.0.1:$PORT/printers/x" \
	"retry_interval = 100ms" "retry_limit = 1" "error_policy = abort-job"
"$BUILD/spoolboxd" -c "$T/spoolbox.conf" -f >>"$T/spoolboxd.log" 2>&1 &
SB_PID=$!
wait_until 10 - 'sb workers 2>/dev/null | has "^remote .* failed "' || true
sb workers | has "^remote .* failed .*remote failed: 4 crashes within 60000ms (crash_limit 3)" ||
	fail "remote not marked failed: $(sb workers)"
sb queues | has "^ipp .*stopped.*remote failed" || fail "ipp queue not stopped: $(sb queues)"
sb queues | has "^lpd .*ready" || fail "lpd queue not ready: $(sb queues)"
kill -0 "$SB_PID" || fail "broker died"

echo "still printing" >"$T/a"
id=$(sb submit -q lpd "$T/a")
wait_completed "$id"
# A job for the failed kind waits (nothing is lost or failed meanwhile).
ipp=$(sb submit -q ipp "$T/a")
sleep 0.3
sb jobs | awk -v id="$ipp" '$1 == id' | has printing || fail "ipp job $ipp not waiting"

# No more restarts while failed.
n=$(grep -c "remote.0 pid .* crashed\|remote.0 pid .* exited with status 1" "$T/spoolboxd.log" || true)
sleep 0.3
[ "$(grep -c "remote.0 pid .* crashed\|remote.0 pid .* exited with status 1" "$T/spoolboxd.log" || true)" -eq "$n" ] ||
	fail "a failed kind was restarted"

# The admin fixes the budget: the kind comes back and its job finishes.
sb budget remote debug_crash_on_start=0 >/dev/null
wait_until 5 "remote did not come back" 'sb workers | has "^remote .* ready "'
# (Its "printer" is the LPD server: the job is delivered, and refused.)
if sb wait "$ipp" --timeout 30 2>"$T/err"; then fail "ipp job completed?"; fi
grep -q "job $ipp aborted: " "$T/err" || fail "ipp job: $(cat "$T/err")"
log "PASS: crash loop contained; other queues printed; admin reset works"
