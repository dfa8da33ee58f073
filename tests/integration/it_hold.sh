#!/bin/bash
# Hold, release, restart, over the CLI and IPP: job-hold-until
# indefinite waits for a release; an explicit time (HH:MM:SS, UTC, as
# CUPS takes it) is released by localspl when it comes; a period
# (evening) is held until it begins, in the broker's local time, or
# printed at once within it; a bad time is refused in one line. A
# finished job is printed again by spoolbox restart and Restart-Job
# (its owner or an admin; not-possible for a job not finished), while
# preserve_job_files keeps its data; once that has passed, the restart
# says the data is gone. spoolbox wait answers at the end of a hold
# or of its --timeout, having asked once.
. "$(dirname "$0")/lib.sh"
make_user

mkdir -p "$T/out"
IPORT=$(free_port)
write_config "[listener]" "ipp = 127.0.0.1:$IPORT" \
	"[queue.q]" "uri = file://$T/out" "datatype = raw"
start_spoolboxd
wait_port "$IPORT"
printf 'held\n' >"$T/doc.txt"
chmod 644 "$T/doc.txt"
state() { sb jobs -a --json | jq -r ".[] | select(.id == $1) | .$2"; }
inode() { stat -c %i "$T/out/job-$1.txt"; }

# A bad time: one line, nothing stored.
expect_err "bad hold time 'teatime'" sb submit -q q --hold=teatime "$T/doc.txt"

# Indefinite: held until released.
a=$(sb submit -q q --hold "$T/doc.txt")
sleep 0.5
[ "$(state "$a" state)" = held ] || fail "job $a is not held: $(sb jobs -a)"
[ "$(state "$a" hold_until)" = indefinite ] || fail "job $a: $(sb jobs -a --json)"
sb jobs | grep "^$a " | has "held (indefinite) until released" ||
	fail "jobs does not say why $a waits: $(sb jobs)"
# spoolbox wait: localspl answers once the job is final, or when the
# wait is over; one request for the wait, not a poll.
expect_err "job $a not final after 2000ms" sb wait "$a" --timeout 2s
export ASAN_OPTIONS=detect_leaks=0 # LeakSanitizer cannot run traced
strace -f -e trace=sendmsg -o "$T/st" "$BUILD/spoolbox" \
	-s "$T/run/spoolbox.sock" wait "$a" --timeout 2s 2>/dev/null &&
	fail "wait for held job $a succeeded"
unset ASAN_OPTIONS
n=$(grep -c '^[0-9]* *sendmsg(' "$T/st")
[ "$n" -ge 1 ] && [ "$n" -le 4 ] || fail "wait sent $n messages in 2 s: $(cat "$T/st")"
sb wait "$a" &
w=$!
sleep 0.5
sb release "$a" >/dev/null
wait "$w" || fail "wait for job $a, released meanwhile, failed"
wait_completed "$a"

# An explicit time, 3 s ahead in UTC: released when it comes.
when=$(date -u -d "@$(($(date +%s) + 3))" +%H:%M:%S)
b=$(sb submit -q q --hold="$when" "$T/doc.txt")
[ "$(state "$b" state)" = held ] || fail "job $b is not held until $when: $(sb jobs -a)"
[ "$(state "$b" hold_at)" = "$(date -u -d "today $when" +%Y-%m-%dT%H:%M:%SZ)" ] ||
	[ "$(state "$b" hold_at)" = "$(date -u -d "tomorrow $when" +%Y-%m-%dT%H:%M:%SZ)" ] ||
	fail "job $b is held until $(state "$b" hold_at), not $when UTC"
wait_completed "$b"
has "job $b released: its job-hold-until $when came" "$T/spoolboxd.log" ||
	fail "no line for job $b's release"

# A period, in local time: held until it begins, or printed within it.
c=$(sb submit -q q --hold=evening "$T/doc.txt")
h=$((10#$(date +%H)))
if [ "$h" -ge 6 ] && [ "$h" -lt 18 ]; then
	[ "$(state "$c" state)" = held ] || fail "job $c is not held until the evening: $(sb jobs -a)"
	[ "$(state "$c" hold_at)" = "$(date -u -d "today 18:00" +%Y-%m-%dT%H:%M:%SZ)" ] ||
		fail "job $c is held until $(state "$c" hold_at), not 18:00 local"
	sb cancel "$c" >/dev/null
else
	wait_completed "$c"
fi

# Over IPP: job-hold-until a time (a name, as lp -H HH:MM sends it).
cat >"$T/hold.test" <<'TEST'
{
	OPERATION Print-Job
	GROUP operation-attributes-tag
	ATTR charset attributes-charset utf-8
	ATTR naturalLanguage attributes-natural-language en
	ATTR uri printer-uri $uri
	ATTR name requesting-user-name alice
	ATTR mimeMediaType document-format application/octet-stream
	GROUP job-attributes-tag
	ATTR name job-hold-until $when
	FILE $filename
	STATUS successful-ok
	EXPECT job-id OF-TYPE integer
	EXPECT job-uri WITH-VALUE "/printers/q/[0-9]+$/"
	EXPECT job-state WITH-VALUE 4 # pending-held
}
{
	OPERATION Get-Job-Attributes
	GROUP operation-attributes-tag
	ATTR charset attributes-charset utf-8
	ATTR naturalLanguage attributes-natural-language en
	ATTR uri printer-uri $uri
	ATTR integer job-id $job-id
	ATTR name requesting-user-name alice
	STATUS successful-ok
	EXPECT job-state WITH-VALUE 4 # pending-held
	EXPECT job-hold-until WITH-VALUE $when
	EXPECT job-state-reasons WITH-VALUE job-hold-until-specified
}
TEST
when=$(date -u -d "@$(($(date +%s) + 3))" +%H:%M:%S)
ipptool -tv -T 10 -d when="$when" -f "$T/doc.txt" "ipp://127.0.0.1:$IPORT/printers/q" "$T/hold.test" >"$T/hold.out" 2>&1 ||
	fail "Print-Job with job-hold-until $when: $(cat "$T/hold.out")"
d=$(sb jobs -a --json | jq -r '[.[] | select(.user == "alice@127.0.0.1")] | last | .id')
wait_completed "$d"

# Restart: a finished job prints again, by its owner or an admin (a
# file: queue writes its file again: a new inode under the same name).
e=$(sbu submit -q q "$T/doc.txt")
wait_completed "$e"
i1=$(inode "$e")
sb restart "$e" >/dev/null
wait_completed "$e"
i2=$(inode "$e")
[ "$i2" != "$i1" ] || fail "job $e restarted by root: not printed again"
sbu restart "$e" >/dev/null
wait_completed "$e"
[ "$(inode "$e")" != "$i2" ] || fail "job $e restarted by its owner: not printed again"
f=$(sb submit -q q "$T/doc.txt")
wait_completed "$f"
expect_err "not yours" sbu restart "$f"
g=$(sb submit -q q --hold "$T/doc.txt")
expect_err "job $g is not finished" sb restart "$g"
# restart_ipp JOB USER STATUS: Restart-Job as USER answers STATUS.
restart_ipp() {
	sed "s/STATUS_WANTED/$3/" >"$T/restart.test" <<'TEST'
{
	OPERATION Restart-Job
	GROUP operation-attributes-tag
	ATTR charset attributes-charset utf-8
	ATTR naturalLanguage attributes-natural-language en
	ATTR uri printer-uri $uri
	ATTR integer job-id $job
	ATTR name requesting-user-name $who
	STATUS STATUS_WANTED
}
TEST
	ipptool -t -T 10 -d job="$1" -d who="$2" "ipp://127.0.0.1:$IPORT/printers/q" \
		"$T/restart.test" >"$T/restart.out" 2>&1 && has '\[PASS\]' "$T/restart.out" ||
		fail "Restart-Job of job $1 as $2 did not answer $3: $(cat "$T/restart.out")"
}
restart_ipp "$g" root client-error-not-possible
sb cancel "$g" >/dev/null
restart_ipp "$d" bob client-error-not-authorized
i1=$(inode "$d")
restart_ipp "$d" alice successful-ok
wait_completed "$d"
[ "$(inode "$d")" != "$i1" ] || fail "job $d restarted over IPP: not printed again"

# preserve_job_files: the data goes once that has passed.
write_config "preserve_job_files = 1s" "[listener]" "ipp = 127.0.0.1:$IPORT" \
	"[queue.q]" "uri = file://$T/out" "datatype = raw"
sb reload >/dev/null
k=$(sb submit -q q "$T/doc.txt")
wait_completed "$k"
wait_until 20 "job $k's data is still kept after preserve_job_files: $(ls "$T/spool/jobs")" \
	"[ ! -e '$T/spool/jobs/$k.data' ]"
expect_err "job $k's data is no longer kept (preserve_job_files)" sb restart "$k"
log "PASS: hold indefinite/time/period, release, restart over the CLI and IPP, preserve_job_files"
