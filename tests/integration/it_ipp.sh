#!/bin/bash
# The remote provider against a real IPP server, cupsd (private tree, a
# raw queue delivering to a loopback LPD sink): a job streams through
# Create-Job/Send-Document or Print-Job and arrives byte-exact, followed
# to its end (the remote job id and state where it landed; the printer's
# state in `spoolbox queues`); a stopped server means retries, then
# success when it is back; a client-error aborts with the server's text;
# a job canceled locally is canceled at the printer.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/../cups-loopback.sh"
command -v cupsd >/dev/null && command -v ipptool >/dev/null ||
	{ log "SKIP: cups-daemon and cups-ipp-utils are not installed"; exit 77; }

SINK=$(free_port)
SLOW=$(free_port)
CUPSP=$(free_port)
"$BUILD/sb-lpdsink" -o "$T/sink.data" "$SINK" >"$T/sink.out" &
HOSTILE_PIDS="$HOSTILE_PIDS $!"
"$BUILD/sb-lpdsink" -r 2000000 "$SLOW" >"$T/slow.out" &
HOSTILE_PIDS="$HOSTILE_PIDS $!"
cups_loopback_start "$T/cups" "$CUPSP" || fail "cupsd did not start"
HOSTILE_PIDS="$HOSTILE_PIDS $CUPS_PID"
cups_queue "$T/cups" "$CUPSP" q "lpd://127.0.0.1:$SINK/q?reserve=none" >/dev/null ||
	fail "cannot make the cupsd queue"
cups_queue "$T/cups" "$CUPSP" slow "lpd://127.0.0.1:$SLOW/q?reserve=none" >/dev/null
write_config "io_timeout = 5s" \
	"[queue.ipp]" "uri = ipp://127.0.0.1:$CUPSP/printers/q" "retry_interval = 500ms" \
	"[queue.slow]" "uri = ipp://127.0.0.1:$CUPSP/printers/slow" \
	"[queue.nope]" "uri = ipp://127.0.0.1:$CUPSP/printers/nope"
start_spoolboxd

head -c 3000000 /dev/urandom >"$T/raw"
id=$(sb submit -q ipp -t raw "$T/raw")
wait_completed "$id"
wait_until 10 - has '^job' "$T/sink.out" || true
cmp -s "$T/raw" "$T/sink.data" || fail "job $id did not arrive byte-exact through cupsd"
sb jobs -a | has "^$id .*completed.*remote job [0-9]* completed" ||
	fail "no remote job in where it landed: $(sb jobs -a)"
sb queues --json | jq -e '.[] | select(.name == "ipp") | .printer_state | test("idle|processing")' >/dev/null ||
	fail "no printer state in queues: $(sb queues --json)"

# The server stops: retries; it comes back: the job prints.
kill "$CUPS_PID"; wait "$CUPS_PID" 2>/dev/null || true
id=$(sb submit -q ipp -t raw "$T/raw")
wait_until 10 - 'sb jobs | has "^$id .*retry-wait"' || true
sb jobs | has "^$id .*retry-wait.*connect to 127.0.0.1:$CUPSP" || fail "job $id is not retrying: $(sb jobs)"
cups_loopback_start "$T/cups" "$CUPSP" || fail "cupsd did not restart"
HOSTILE_PIDS="$HOSTILE_PIDS $CUPS_PID"
wait_completed "$id"

# A refusal by the server is permanent, with its text.
id=$(sb submit -q nope -t raw "$T/raw")
expect_err "aborted: .*not-found\|aborted: .*does not exist" sb wait "$id" --timeout 30

# Canceled here, canceled there: the remote job is being sent to a slow
# printer when the local job is canceled.
head -c 8000000 /dev/urandom >"$T/big"
id=$(sb submit -q slow -t raw "$T/big")
wait_until 10 - 'sb workers | has "^remote .* busy "' || true
sleep 1
sb cancel "$id" >/dev/null
wait_until 10 - 'grep -q "remote job [0-9]* canceled\|aborted: canceled" "$T/spoolboxd.log"' || true
rjob=$(ipptool -t "ipp://127.0.0.1:$CUPSP/printers/slow" /usr/share/cups/ipptool/get-jobs.test -d which-jobs=all 2>/dev/null | grep -c . || true)
cat >"$T/jobs.test" <<'X'
{
	OPERATION Get-Jobs
	GROUP operation-attributes-tag
	ATTR charset attributes-charset utf-8
	ATTR language attributes-natural-language en
	ATTR uri printer-uri $uri
	ATTR keyword which-jobs all
	ATTR keyword requested-attributes job-id,job-state
	STATUS successful-ok
	DISPLAY job-state
}
X
ipptool "ipp://127.0.0.1:$CUPSP/printers/slow" "$T/jobs.test" >"$T/jobs.out" 2>&1 || true
has "canceled" "$T/jobs.out" || fail "the remote job was not canceled at the printer: $(cat "$T/jobs.out")"
log "PASS: IPP delivery through cupsd: byte-exact, followed, retried, refused, canceled remotely"
