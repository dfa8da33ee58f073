#!/bin/bash
# Many printers at once (issue 12): three LPD printers that accept the
# connection and then say nothing, and a healthy fourth. The healthy
# queue's job is not held behind the silent ones: lprmon grows an
# instance per printer that is busy (max_instances), and the extra
# instances retire once idle for max_idle. (Before: one lprmon served
# every queue in turn, io_timeout per silent step.)
. "$(dirname "$0")/lib.sh"

PORT=$(free_port)
start_lpd "$PORT"
S1=$(free_port) S2=$(free_port) S3=$(free_port)
for p in $S1 $S2 $S3; do
	"$BUILD/sb-lpdsink" -s "$p" &
	HOSTILE_PIDS="$HOSTILE_PIDS $!"
done
write_config "io_timeout = 6s" "[worker.lprmon]" "max_idle = 1s" \
	"[queue.s1]" "uri = lpd://127.0.0.1:$S1/q" "retry_interval = 1h" \
	"[queue.s2]" "uri = lpd://127.0.0.1:$S2/q" "retry_interval = 1h" \
	"[queue.s3]" "uri = lpd://127.0.0.1:$S3/q" "retry_interval = 1h" \
	"[queue.ok]" "uri = lpd://127.0.0.1:$PORT/q"
start_spoolboxd
echo "a job" >"$T/doc"
for q in s1 s2 s3; do sb submit -q "$q" -t raw "$T/doc" >/dev/null; done
wait_until 5 - '[ "$(sb workers | grep -c "^lprmon .* busy ")" -ge 3 ]' || true
[ "$(sb workers | grep -c '^lprmon .* busy ')" -eq 3 ] ||
	fail "three lprmon instances should be stuck: $(sb workers)"
# A liveness bound, not a speed test: the silent printers hold their
# instances for io_timeout (6 s) per step.
id=$(sb submit -q ok -t raw "$T/doc")
sb wait "$id" --timeout 4 || fail "the healthy queue's job waited behind the silent printers"
sb jobs | has "^$id " && fail "job $id still listed as not final"
log "healthy queue printed while 3 printers were silent; $(sb workers | grep '^lprmon ' | grep -vc ' standby \| zygote ') lprmon instances"
# Once the silent ones time out (retry-wait for an hour), the extra
# instances idle past max_idle and retire; one stays.
wait_until 20 'extra lprmon instances did not retire: $(sb workers)' \
	'[ "$(sb workers | grep "^lprmon " | grep -vc " standby \| zygote ")" -eq 1 ]'
grep -q "retiring lprmon.[1-9] pid [0-9]*: max_idle" "$T/spoolboxd.log" || fail "no retirement logged"
grep -q "crashed" "$T/spoolboxd.log" && fail "a retirement was counted as a crash"
log "PASS: a printer that hangs delays only its own queue; extra instances retire"
