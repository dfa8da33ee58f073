#!/bin/bash
# kill -9 of localspl and of the broker in the middle of group commits
# (issue 15): 4 clients submit back to back while KILLS (50) kills land,
# alternating localspl and spoolboxd. Then: no acknowledged job is lost,
# no id was handed out twice, the database passes integrity_check, and
# after a last restart every acknowledged job prints.
. "$(dirname "$0")/lib.sh"
KILLS=${KILLS:-50}

write_config "keep_jobs = 10000000" \
	"[worker.localspl]" "restart_backoff_min = 10ms" \
	"restart_backoff_max = 50ms" "crash_limit = 100000" \
	"[queue.out]" "uri = file://$T/out"
start_spoolboxd

# The clients in a process group of their own, stopped as one.
SB_ACK_LOG="$T/acked" setsid "$BUILD/sb-storebench" submit \
	"$T/run/spoolbox.sock" out 4 100000000 >/dev/null 2>&1 &
CLIENTS=$!
stop_clients() { kill -- -"$CLIENTS" 2>/dev/null || true; }
trap 'stop_clients; cleanup' EXIT

gone() { ! kill -0 "$1" 2>/dev/null; }
for i in $(seq 1 "$KILLS"); do
	sleep "0.$((RANDOM % 3 + 1))"
	spl=$(worker_pid localspl || true)
	if [ $((i % 2)) -eq 1 ] && [ -n "$spl" ]; then
		kill -9 "$spl" 2>/dev/null || true
	else
		kill -9 "$SB_PID"
		wait "$SB_PID" 2>/dev/null || true
		# Its workers die with it (PDEATHSIG); the next one starts
		# when the old localspl is gone.
		wait_until 2 - '[ -z "$spl" ] || gone "$spl"' || true
		start_spoolboxd
	fi
done
stop_clients
wait "$CLIENTS" 2>/dev/null || true
sleep 0.2
acked=$(wc -l <"$T/acked")
log "$KILLS kills, $acked jobs acknowledged meanwhile"
[ "$acked" -gt 100 ] || fail "only $acked jobs were acknowledged"

sort -n "$T/acked" >"$T/acked.sorted"
dup=$(uniq -d "$T/acked.sorted" | head -3)
[ -z "$dup" ] || fail "ids handed out twice: $dup"

# Every acknowledged job is in the database, which is sound.
stop_spoolboxd
db="$T/spool/jobs/jobs.db"
[ "$(sqlite3 "$db" 'PRAGMA integrity_check')" = ok ] || fail "integrity_check failed"
sqlite3 "$db" 'SELECT id FROM jobs ORDER BY id' >"$T/stored"
lost=$(comm -23 <(sort "$T/acked.sorted") <(sort "$T/stored") | head -5)
[ -z "$lost" ] || fail "acknowledged jobs lost: $lost"

# And they all print.
start_spoolboxd
left() { sb queues --json | jq '.[] | select(.name == "out") | .pending + .active'; }
wait_until 120 '$(left) jobs still unprinted' '[ "$(left)" -eq 0 ]'
not_done=$(sqlite3 "$db" 'SELECT count(*) FROM jobs WHERE state <> 4')
[ "$not_done" -eq 0 ] || fail "$not_done jobs did not complete"
log "PASS: $acked acknowledged jobs across $KILLS kills of localspl and spoolboxd: none lost, no id reused, integrity ok, all printed"
