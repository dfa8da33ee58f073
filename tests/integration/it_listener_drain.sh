#!/bin/bash
# A recycled listener finishes the upload it was serving: an LPD client
# sends a document slowly, over 40 s (each pause inside step_timeout),
# while the listener is recycled at its start. The draining listener
# keeps serving that connection past 30 s (its kind's drain_timeout is an
# hour, lib/kind.c) and the job prints byte-exact; a new connection is
# served by the replacement meanwhile.
. "$(dirname "$0")/lib.sh"

LPORT=$(free_port)
write_config "[listener]" "lpd = 127.0.0.1:$LPORT" "step_timeout = 10s" \
	"[worker.listener]" "lifetime_jitter = 0" \
	"[queue.q]" "uri = file://$T/out"
mkdir -p "$T/out"
start_spoolboxd
wait_port "$LPORT"
sb budget listener | has -E '^drain_timeout +3600000ms$' ||
	fail "the listener's drain_timeout is not an hour: $(sb budget listener)"

# ack FD: the one byte the server answers, as hex.
ack() { dd bs=1 count=1 <&"$1" 2>/dev/null | od -An -tx1 | tr -d ' \n'; }

head -c 9000 /dev/urandom >"$T/doc"
old=$(worker_pid listener)
exec {fd}<>"/dev/tcp/127.0.0.1/$LPORT"
printf '\2q\n' >&"$fd"
[ "$(ack "$fd")" = 00 ] || fail "receive-job not acknowledged"
printf '\3%d dfA001host\n' 9000 >&"$fd"
[ "$(ack "$fd")" = 00 ] || fail "data file header not acknowledged"
head -c 1000 "$T/doc" >&"$fd"

# The recycle starts now; the upload goes on for another 40 s.
sb budget listener max_lifetime=1s >/dev/null
wait_until 5 "a replacement listener" \
	has "replaces pid $old," "$T/spoolboxd.log"
sb budget listener max_lifetime=0 >/dev/null
for i in $(seq 1 8); do
	sleep 5
	dd if="$T/doc" bs=1000 skip="$i" count=1 status=none >&"$fd"
done
kill -0 "$old" 2>/dev/null || fail "the draining listener (pid $old) ended before its upload did"
printf '\0' >&"$fd"
[ "$(ack "$fd")" = 00 ] || fail "the data file was not acknowledged after 40 s"
ctl=$(printf 'Hhost\nPalice\nJslow\nldfA001host\nNdoc\n')
printf '\2%d cfA001host\n' "$((${#ctl} + 1))" >&"$fd"
[ "$(ack "$fd")" = 00 ] || fail "control file header not acknowledged"
printf '%s\n\0' "$ctl" >&"$fd"
[ "$(ack "$fd")" = 00 ] || fail "control file not acknowledged"
exec {fd}>&-

wait_until 30 "the slow job in $T/out" '[ -n "$(ls "$T/out")" ]'
cmp "$T/doc" "$T/out"/* || fail "the job that outlived its listener differs"
log "a 40 s upload finished on a recycled listener (pid $old), byte-exact"
log PASS
