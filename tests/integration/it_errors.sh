#!/bin/bash
# Bad input gets a clear one-line error and loses nothing acknowledged:
# malformed config, unknown queue, unreadable file, a garbage message,
# unreachable LPD and IPP printers, and an LPD
# server that hangs up mid-job (the job completes once a real one is back).
. "$(dirname "$0")/lib.sh"

# Malformed config: spoolboxd refuses to start and names file and line.
printf '[spooler]\nsample_interval = 500ms\n[queue.x]\nuri = lpd://h/q\nretry_limit = lots\n' >"$T/bad.conf"
expect_err "bad.conf:5: bad retry_limit 'lots'" "$BUILD/spoolboxd" -c "$T/bad.conf"

# A spool localspl's own account cannot reach: refused at start, one line.
if [ "$(id -u)" -eq 0 ]; then
	mkdir -m 700 "$T/private"
	printf '[spooler]\nspool_dir = %s/private/spool\nruntime_dir = %s/run2\n' "$T" "$T" >"$T/priv.conf"
	expect_err "is not reachable by localspl's account" "$BUILD/spoolboxd" -c "$T/priv.conf"
fi

PORT=$(free_port)
DEAD=$(free_port)
write_config "[queue.lpd]" "uri = lpd://127.0.0.1:$PORT/q" "retry_interval = 1s" \
	"[queue.dead]" "uri = lpd://127.0.0.1:$DEAD/q" "retry_interval = 200ms" \
	"retry_limit = 2" "error_policy = abort-job" \
	"[queue.ipp]" "uri = ipp://127.0.0.1:$DEAD/printers/x" "retry_interval = 200ms" \
	"retry_limit = 2" "error_policy = abort-job"
start_spoolboxd

echo hello >"$T/hello.txt"
expect_err "unknown queue 'nope'" sb submit -q nope "$T/hello.txt"
expect_err "$T/missing: No such file or directory" sb submit -q lpd "$T/missing"
expect_err "-t takes auto, raw, text" sb submit -q lpd -t docx "$T/hello.txt"
expect_err "no job 999" sb cancel 999

# A message that fails validation: an answer that says why; broker lives on.
out=$(head -c 300 /dev/urandom | "$BUILD/tests/sbsend" "$T/run/spoolbox.sock") || fail "no answer to garbage"
echo "$out" | has "^error: " || fail "garbage got '$out'"
out=$(printf '\x08\x63\x10\x01\xd2\x01\x00' | "$BUILD/tests/sbsend" "$T/run/spoolbox.sock")
ver=$(awk '/define SB_PROTOCOL_VERSION/ { print $3 }' "$(dirname "$0")/../../lib/chan.h")
[ "$out" = "error: protocol version 99, expected $ver" ] || fail "wrong version got '$out'"
sb queues >/dev/null || fail "broker stopped answering after garbage"

# An IPP printer nobody answers for: transient, retried, then aborted.
id=$(sb submit -q ipp "$T/hello.txt")
expect_err "aborted: connect to 127.0.0.1:$DEAD: Connection refused" sb wait "$id" --timeout 30

# Unreachable printer: transient, retried, then the queue's policy.
id=$(sb submit -q dead "$T/hello.txt")
expect_err "aborted: connect to 127.0.0.1:$DEAD: Connection refused" sb wait "$id" --timeout 30
sb jobs -a | awk -v id="$id" '$1 == id' | has aborted || fail "job $id not aborted"

# An LPD server that hangs up in the middle of a 3 MiB data file.
"$BUILD/tests/lpdclose" "$PORT" 100000 &
HOSTILE=$!
head -c $((3 * 1024 * 1024)) /dev/urandom >"$T/big"
id=$(sb submit -q lpd -t raw "$T/big")
wait_until 5 - 'job_line "$id" | has retry-wait' || true
job_line "$id" | has "retry-wait.*server closed the connection" ||
	fail "job $id not waiting to retry after the hang-up: $(sb jobs)"
kill "$HOSTILE"
wait "$HOSTILE" 2>/dev/null || true
start_lpd "$PORT"
wait_completed "$id"
cmp -s "$T/big" "$T"/lpd/spool/q/dfA* || fail "job $id arrived damaged"
log "PASS: bad input refused with one-line errors; nothing acknowledged lost"
