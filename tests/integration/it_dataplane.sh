#!/bin/bash
# The data plane moves descriptors, not chunks (issue 11): files submitted
# by descriptor and through a pipe (the chunk stream) arrive byte-exact at
# a real LPD server, from 0 bytes to 1 GiB, every spoolbox process's
# memory flat and the spool holding one copy; a delivering lprmon holds
# exactly one job descriptor (into the spool, read-only), none after; an
# lprmon killed mid-sendfile gets its job dispatched again, whole; a
# job written into a longer one's spare data file is cut to its size.
. "$(dirname "$0")/lib.sh"

PORT=$(free_port)
SLOW=$(free_port)
start_lpd "$PORT"
# (preserve_job_files = 0: the first 1 GiB job's data goes when it is
# printed, so the spool holds one copy, the one at work.)
write_config "preserve_job_files = 0" "[queue.lpd]" "uri = lpd://127.0.0.1:$PORT/q" \
	"[queue.slow]" "uri = lpd://127.0.0.1:$SLOW/q" "retry_interval = 500ms"
start_spoolboxd

# check NAME FILE ID: job ID completed and the server has FILE exactly.
check() {
	wait_completed "$3"
	local got
	got=$(ls -t "$T"/lpd/spool/q/dfA* 2>/dev/null | head -1 || true)
	if [ "$(stat -c %s "$2")" -eq 0 ]; then
		sb jobs -a | has "^$3 .*completed" || fail "$1: empty job not completed"
	else
		cmp -s "$2" "$got" || fail "$1: job $3 arrived different"
	fi
	rm -f "$T"/lpd/spool/q/dfA* "$T"/lpd/spool/q/hfA*
}
C=262144
for size in 0 1 $((C - 1)) $C $((C + 1)) $((3 * C + 7)); do
	head -c "$size" /dev/urandom >"$T/f$size"
	check "file $size" "$T/f$size" "$(sb submit -q lpd -t raw "$T/f$size")"
	check "stream $size" "$T/f$size" "$(cat "$T/f$size" | sb submit -q lpd -t raw -)"
done
# A regular file went by descriptor (SCM_RIGHTS), stdin did not, nor a
# file of up to 64 KiB, which goes whole in the request.
if command -v strace >/dev/null; then
	export ASAN_OPTIONS=detect_leaks=0 # LeakSanitizer cannot run traced
	id=$(strace -f -e trace=sendmsg -o "$T/st" "$BUILD/spoolbox" \
		-s "$T/run/spoolbox.sock" submit -q lpd -t raw "$T/f$C")
	has "SCM_RIGHTS" "$T/st" || fail "a regular file was not passed by descriptor"
	check "fd $C traced" "$T/f$C" "$id"
	id=$(cat "$T/f1" | strace -f -e trace=sendmsg -o "$T/st2" "$BUILD/spoolbox" \
		-s "$T/run/spoolbox.sock" submit -q lpd -t raw -)
	has "SCM_RIGHTS" "$T/st2" && fail "a pipe was passed by descriptor"
	check "stream 1 traced" "$T/f1" "$id"
	id=$(strace -f -e trace=sendmsg -o "$T/st3" "$BUILD/spoolbox" \
		-s "$T/run/spoolbox.sock" submit -q lpd -t raw "$T/f1")
	has "SCM_RIGHTS" "$T/st3" && fail "a 1-byte file was passed by descriptor"
	check "inline 1 traced" "$T/f1" "$id"
	unset ASAN_OPTIONS
fi
log "0 B .. 3 chunks + 7: byte-exact by descriptor (inline up to 64 KiB) and by stream"
# A small job's data file is kept for the next job's, whose bytes
# overwrite it; the file is cut to the new job's size when its upload
# is complete (under localspl's sandbox), before anything reads it.
head -c 5000 /dev/urandom >"$T/s5000"
head -c 10 /dev/urandom >"$T/s10"
check "5000 B" "$T/s5000" "$(sb submit -q lpd -t raw "$T/s5000")"
sb queue disable lpd >/dev/null
id=$(cat "$T/s10" | sb submit -q lpd -t raw -)
got=$(stat -c %s "$T/spool/jobs/$id.data")
[ "$got" -eq 10 ] || fail "a 10-byte job's data file holds $got bytes"
sb queue enable lpd >/dev/null
check "10 B into a spare of 5000" "$T/s10" "$id"
# 1 GiB each way, watching every process's private bytes and the spool.
head -c 1G /dev/urandom >"$T/big"
watch_workers "$T/big.json"
( while :; do du -sb "$T/spool" | cut -f1 >>"$T/spool.sizes"; sleep 0.2; done ) &
DU=$!
check "fd 1 GiB" "$T/big" "$(sb submit -q lpd -t raw "$T/big")"
check "stream 1 GiB" "$T/big" "$(cat "$T/big" | sb submit -q lpd -t raw -)"
kill "$DU"; wait "$DU" 2>/dev/null || true
stop_watch
peak=$(grep -o '"private_bytes":[0-9]*' "$T/big.json" | cut -d: -f2 | max_of)
# Flat: what each process (by pid) grew by from its smallest figure.
growth=$(jq -s '[.[][] | select(.pid > 0) | {pid, p: .private_bytes}] | group_by(.pid)
	| map((map(.p) | max) - (map(.p) | min)) | max' "$T/big.json")
spool=$(max_of <"$T/spool.sizes")
log "1 GiB twice: largest worker private bytes $peak, largest growth $growth, largest spool $spool bytes"
bound=$((8 * 1024 * 1024))
if sanitized; then bound=$((bound + 64 * 1024 * 1024)); fi
[ "$growth" -le "$bound" ] || fail "a worker grew by $growth private bytes (to at most $peak)"
[ "$spool" -lt $((1024 * 1024 * 1024 + 64 * 1024 * 1024)) ] ||
	fail "the spool held more than one copy ($spool bytes)"
rm -f "$T/big"

# A delivery in progress, from outside: one descriptor, the job's data.
"$BUILD/sb-lpdsink" -r 20000000 -o "$T/slow.out" "$SLOW" >"$T/sink.out" &
HOSTILE_PIDS="$HOSTILE_PIDS $!"
head -c 60000000 /dev/urandom >"$T/mid"
id=$(sb submit -q slow -t raw "$T/mid")
wait_until 4 - 'sb workers | has "^lprmon .* busy "' || true
pid=$(worker_pid lprmon)
sleep 0.3
# The first dispatch reads the submitted file itself while it is copied
# into the spool; a later one, the spool's copy.
jobfds=$(ls -l /proc/"$pid"/fd | grep -c -e "/spool/jobs/$id.data" -e "$T/mid")
[ "$jobfds" -eq 1 ] || fail "lprmon holds $jobfds descriptors of job $id: $(ls -l /proc/$pid/fd)"
mode=$(awk '/^flags:/ { print $2 }' /proc/"$pid"/fdinfo/"$(ls -l /proc/"$pid"/fd | awk -v j="$id.data|$T/mid" '$0 ~ j { print $9 }')")
[ $((8#$mode & 3)) -eq 0 ] || fail "lprmon's job descriptor is not read-only (flags $mode)"
# Killed in the middle of sendfile: dispatched again, arrives whole.
kill -9 "$pid"
wait_completed "$id"
cmp -s "$T/mid" "$T/slow.out" || fail "job $id not whole after lprmon was killed"
grep -q "job $id interrupted" "$T/spoolboxd.log" || fail "job $id was not re-dispatched"
pid=$(worker_pid lprmon)
[ "$(ls -l /proc/"$pid"/fd | grep -c -e '/spool/' -e "$T/mid")" -eq 0 ] || fail "lprmon kept a job descriptor after the job"
# The submitted file cut short while it is still being sent from: the
# job, acknowledged from the spool's copy, arrives whole all the same.
head -c 60000000 /dev/urandom >"$T/cut"
cp "$T/cut" "$T/cut.orig"
id=$(sb submit -q slow -t raw "$T/cut")
sb workers | has "^lprmon .* busy " || fail "job $id is not being delivered"
: >"$T/cut"
wait_completed "$id"
cmp -s "$T/cut.orig" "$T/slow.out" || fail "job $id not whole after its file was cut short"
grep -q "job $id interrupted" "$T/spoolboxd.log" || fail "job $id was not sent again from the spool"
log "PASS: byte-exact both ways up to 1 GiB, flat memory, one spool copy, one descriptor per delivery, a file cut short mid-delivery"
