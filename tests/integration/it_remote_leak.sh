#!/bin/bash
# The seed's Win32spl leak, tried on the remote provider: many jobs
# through cupsd and many failed connections; its handle count and private
# bytes, read from /proc by the broker, end where they were after the
# first jobs. (1,000 jobs and 200 failures; fewer under the sanitizer
# build, whose figures are indicative only.)
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/../cups-loopback.sh"
command -v cupsd >/dev/null && command -v ipptool >/dev/null ||
	{ log "SKIP: cups-daemon and cups-ipp-utils are not installed"; exit 77; }
JOBS=${REMOTE_JOBS:-1000} FAILS=200
if sanitized; then JOBS=200 FAILS=50; fi

SINK=$(free_port)
DEAD=$(free_port)
CUPSP=$(free_port)
"$BUILD/sb-lpdsink" "$SINK" >/dev/null &
HOSTILE_PIDS="$HOSTILE_PIDS $!"
cups_loopback_start "$T/cups" "$CUPSP" || fail "cupsd did not start"
HOSTILE_PIDS="$HOSTILE_PIDS $CUPS_PID"
cups_queue "$T/cups" "$CUPSP" q "lpd://127.0.0.1:$SINK/q?reserve=none" >/dev/null ||
	fail "cannot make the cupsd queue"
write_config "history = 50" "[worker.remote]" "max_jobs = 0" \
	"[queue.ipp]" "uri = ipp://127.0.0.1:$CUPSP/printers/q" \
	"[queue.dead]" "uri = ipp://127.0.0.1:$DEAD/printers/q" \
	"retry_limit = 1" "error_policy = abort-job" "retry_interval = 10ms"
start_spoolboxd

echo "a small job" >"$T/doc"
figures() { sb workers --json | jq -r '.[] | select(.kind == "remote") | "\(.fds) \(.private_bytes) \(.pid)"'; }
run() { # run QUEUE N: N jobs, each waited for (the queue takes them in order)
	local last=
	for _ in $(seq "$2"); do last=$(sb submit -q "$1" -t raw "$T/doc"); done
	sb wait "$last" --timeout 600 >/dev/null 2>&1 || true
}
run ipp 20
sleep 0.6 # a fresh sample
read -r fds0 priv0 pid0 <<<"$(figures)"
run ipp "$JOBS"
[ "$(sb jobs -a --json | jq '[.[] | select(.queue == "ipp" and .state == "completed")] | length')" -ge 40 ] ||
	fail "the ipp jobs did not complete"
run dead "$FAILS"
sleep 0.6
read -r fds1 priv1 pid1 <<<"$(figures)"
log "remote pid $pid0: after 20 jobs $fds0 fds, $priv0 private bytes; after $JOBS more and $FAILS failed connections $fds1 fds, $priv1 bytes"
[ "$pid0" = "$pid1" ] || fail "remote was restarted ($pid0 -> $pid1)"
[ "$fds1" -le "$fds0" ] || fail "remote's fds grew from $fds0 to $fds1"
slack=$((256 * 1024))
if sanitized; then slack=$((4 * 1024 * 1024)); fi
[ "$priv1" -le $((priv0 + slack)) ] || fail "remote's private bytes grew from $priv0 to $priv1"
log "PASS: no handle or memory growth over $JOBS jobs and $FAILS failed connections"
