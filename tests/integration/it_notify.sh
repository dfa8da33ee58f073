#!/bin/bash
# Under systemd (Type=notify): spoolboxd says READY=1 once every worker
# said Hello, STATUS= with workers and queues, WATCHDOG=1 at half of
# WatchdogSec=, RELOADING=1 then READY=1 around a reload, STOPPING=1 at
# the end. systemd does not run here: a test socket stands in for it.
. "$(dirname "$0")/lib.sh"

"$BUILD/tests/notifyrecv" "$T/notify.sock" >"$T/notify.out" 2>&1 &
HOSTILE_PIDS="$HOSTILE_PIDS $!"
wait_until 5 - '[ -S "$T/notify.sock" ]' || true
write_config "[queue.q]" "uri = file://$T/out"
NOTIFY_SOCKET=$T/notify.sock WATCHDOG_USEC=400000 start_spoolboxd
wait_until 5 - has '^READY=1' "$T/notify.out" || true
has '^READY=1 | STATUS=4 of 4 workers ready, 1 queue(s)' "$T/notify.out" ||
	fail "no READY=1 with a status: $(cat "$T/notify.out")"
sleep 1
[ "$(grep -c '^WATCHDOG=1' "$T/notify.out")" -ge 2 ] ||
	fail "no WATCHDOG=1 every 200 ms: $(cat "$T/notify.out")"
sb reload >/dev/null
wait_until 5 - has '^READY=1 | STATUS=reloaded' "$T/notify.out" || true
awk '/^RELOADING=1/ { r = NR } /^READY=1 \| STATUS=reloaded/ && r && NR > r { ok = 1 }
	END { exit !ok }' "$T/notify.out" ||
	fail "no RELOADING=1 then READY=1 around a reload: $(cat "$T/notify.out")"
stop_spoolboxd
has '^STOPPING=1' "$T/notify.out" || fail "no STOPPING=1"
log PASS
