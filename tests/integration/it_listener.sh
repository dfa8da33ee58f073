#!/bin/bash
# The listener with real LPD clients (LPRng's lpr, lpq, lprm): 100 jobs of
# mixed sizes arrive byte-exact at a real LPRng lpd downstream; lpq lists
# held jobs; lprm removes one; and hostile LPD input, each refused with
# the protocol's own error and a log line, leaving nothing behind: a peer
# outside allow, a malformed command, a slow one (a byte a second), a data
# file larger than max_job_size, a truncated one, an unknown subcommand,
# and max_clients idle connections that must not keep a client from
# printing. Then a recycle of the listener under a stream of lpr jobs:
# every acknowledged job prints.
. "$(dirname "$0")/lib.sh"

LPORT=$(free_port)
DPORT=$(free_port)
start_lpd "$DPORT"
write_config "[listener]" "lpd = 127.0.0.1:$LPORT, [::1]:$LPORT" \
	"allow = 127.0.0.0/8" "max_clients = 6" "max_clients_per_host = 6" \
	"step_timeout = 2s" \
	"[worker.listener]" "lifetime_jitter = 0" \
	"[queue.q]" "uri = lpd://127.0.0.1:$DPORT/q" \
	"[queue.dead]" "uri = lpd://127.0.0.1:$(free_port)/x" \
	"retry_interval = 1h" \
	"[queue.nobody]" "uri = file://$T/out" "allow = 10.9.9.0/24" \
	"[queue.small]" "uri = file://$T/out" "max_job_size = 1000"
start_spoolboxd
wait_port "$LPORT"
[ "$(sb workers | awk '$1 == "listener" { print $4 }')" = ready ] ||
	fail "no listener in spoolbox workers"
sb queues --json | has "\"inbound\":\[\"lpd://127.0.0.1:$LPORT/q\",\"lpd://\[::1\]:$LPORT/q\"\]" ||
	fail "spoolbox queues does not say where clients print to q: $(sb queues --json)"

# 100 jobs of mixed sizes (1 byte to 2 MiB), some of two files.
mkdir "$T/in"
for i in $(seq 0 99); do
	case $((i % 10)) in
	1) n=$((1 + RANDOM % 10)) ;;
	9) n=$((RANDOM * 64 % (2 * 1024 * 1024) + 1)) ;;
	*) n=$((RANDOM * 8 % 300000 + 1)) ;;
	esac
	head -c "$n" /dev/urandom >"$T/in/j$i"
done
for i in $(seq 0 99); do
	lprc lpr -P "q@127.0.0.1%$LPORT" -h "$T/in/j$i" || fail "lpr of job $i failed"
done
wait_until 60 - '[ "$(sb jobs -a -q q | grep -c completed)" -ge 100 ]' || true
[ "$(sb jobs -a -q q | grep -c completed)" -eq 100 ] ||
	fail "$(sb jobs -a -q q | grep -c completed) of 100 lpr jobs completed"
want=$(for f in "$T"/in/j*; do md5sum <"$f"; done | sort)
got=$(for f in "$T"/lpd/spool/q/df*; do md5sum <"$f"; done | sort)
[ "$want" = "$got" ] || fail "the LPD server's data files differ from what lpr sent"
sb jobs -a -q q | has "root@127.0.0.1" || fail "jobs not owned by root@127.0.0.1"
log "100 lpr jobs arrived byte-exact downstream"

# Two files and copies in one job: one spoolbox job, their bytes in
# order, 3 copies.
lprc lpr -P "q@127.0.0.1%$LPORT" -h -#3 -J twofiles "$T/in/j1" "$T/in/j2" ||
	fail "lpr of two files failed"
wait_until 10 - 'sb jobs -a -q q | has twofiles' || true
sb jobs -a -q q --json | grep -o '{[^{]*"title":"twofiles"[^}]*' | has '"copies":3' ||
	fail "two files with -#3 are not one job of 3 copies"

# lpq lists held jobs; lprm removes one.
for i in 1 2 3; do lprc lpr -P "dead@127.0.0.1%$LPORT" -h -J "dead$i" "$T/in/j$i"; done
wait_until 5 - '[ "$(sb jobs -q dead | grep -c dead)" -eq 3 ]' || true
mapfile -t dead < <(sb jobs -q dead | awk '$2 == "dead" { print $1 }')
[ "${#dead[@]}" -eq 3 ] || fail "3 jobs to dead expected, got ${#dead[@]}"
sb hold "${dead[1]}" >/dev/null
lprc lpq -P "dead@127.0.0.1%$LPORT" >"$T/lpq.out" 2>&1 || true
grep -q "hold.*${dead[1]}\|${dead[1]}.*hold\|hold \[job ${dead[1]}\]" "$T/lpq.out" ||
	{ cat "$T/lpq.out"; fail "lpq does not list held job ${dead[1]}"; }
for id in "${dead[@]}"; do grep -q "$id" "$T/lpq.out" || fail "lpq misses job $id"; done
lprc lprm -P "dead@127.0.0.1%$LPORT" "${dead[2]}" >"$T/lprm.out" 2>&1 || true
sb jobs -a -q dead | awk -v id="${dead[2]}" '$1 == id' | has canceled ||
	{ cat "$T/lprm.out"; fail "lprm did not remove job ${dead[2]}"; }
log "lpq lists the held job, lprm removed one"

# Hostile input. A queue whose allow list leaves us out:
if lprc lpr -P "nobody@127.0.0.1%$LPORT" -h "$T/in/j1" 2>/dev/null; then
	fail "a peer outside the queue's allow list printed"
fi
has "queue nobody: not in its allow list" "$T/spoolboxd.log" || fail "no log line for allow"
# ... and the listener's: ::1 is not in 127.0.0.0/8, refused before a
# byte is read.
exec {fd}<>"/dev/tcp/::1/$LPORT"
(printf '\2q\n' >&"$fd") 2>/dev/null || true # it may be closed already
# (A reset instead of a close is as good: nothing was answered.)
out=$({ timeout 5 cat <&"$fd" 2>/dev/null || true; } | od -An -tx1 | tr -d ' \n')
exec {fd}>&-
[ -z "$out" ] || fail "a peer outside [listener] allow got an answer: $out"
has "refused ::1: not in \[listener\] allow" "$T/spoolboxd.log" || fail "no log line for ::1"

# A malformed command: the RFC's error byte.
[ "$(lpd_talk "$LPORT" '\011q\n')" = 01 ] || fail "a bad command was not refused with 1"
# A data file larger than the queue's max_job_size: refused at its
# subcommand (2: no room), nothing kept.
[ "$(lpd_talk "$LPORT" '\2small\n\0035000 dfA001x\n')" = 0002 ] ||
	fail "an oversized data file was not refused"
# An unknown receive-job subcommand.
[ "$(lpd_talk "$LPORT" '\2q\n\7junk\n')" = 0001 ] || fail "an unknown subcommand was not refused"
# A truncated data file: the connection ends, nothing of it stays.
[ "$(lpd_talk "$LPORT" '\2q\n\003100000 dfA002x\nonly a few bytes')" = 0000 ] ||
	fail "a data file's subcommand was not acknowledged"
sleep 0.5
sb queues --json | grep -o '"name":"q"[^}]*' | has '"uploads":0' ||
	fail "a truncated upload stayed behind: $(sb queues --json)"
has "data file dfA002x cut short" "$T/spoolboxd.log" || fail "no log line for the cut"
# One byte a second: the step timeout (2 s) ends it.
exec {fd}<>"/dev/tcp/127.0.0.1/$LPORT"
for c in '\2' q x y; do (printf "$c" >&"$fd") 2>/dev/null || break; sleep 1; done
# (A reset instead of a close is as good: nothing was answered.)
out=$({ timeout 5 cat <&"$fd" 2>/dev/null || true; } | od -An -tx1 | tr -d ' \n')
exec {fd}>&-
has "no command: Connection timed out" "$T/spoolboxd.log" || fail "a slow client was not timed out"
[ -z "$out" ] || fail "a slow client got an answer: $out"

# max_clients (6) connections that send nothing do not keep a client from
# printing: the oldest idle one makes room.
idle=()
for i in $(seq 6); do exec {f}<>"/dev/tcp/127.0.0.1/$LPORT"; idle+=("$f"); done
sleep 0.2
before=$(sb jobs -a -q q | grep -c completed)
lprc lpr -P "q@127.0.0.1%$LPORT" -h "$T/in/j5" || fail "lpr failed while 6 idle connections were open"
for f in "${idle[@]}"; do exec {f}>&-; done
has "closed an idle connection from 127.0.0.1 to make room" "$T/spoolboxd.log" ||
	fail "no idle connection was closed"
wait_until 10 "the job did not print" '[ "$(sb jobs -a -q q | grep -c completed)" -gt "$before" ]'
log "hostile LPD input refused, idle connections did not block a client"

# A recycle of the listener under a stream of lpr jobs: the port stays
# open, every job lpr saw acknowledged prints.
before=$(sb jobs -a -q q | grep -c completed)
sb budget listener max_lifetime=1s >/dev/null
ok=0
for i in $(seq 40); do
	if lprc lpr -P "q@127.0.0.1%$LPORT" -h "$T/in/j$((i % 100))"; then ok=$((ok + 1)); fi
	sleep 0.05
done
sb budget listener max_lifetime=0 >/dev/null
recycles=$(sb workers | awk '$1 == "listener" { print $10 }' | sort -n | tail -n 1)
[ "$recycles" -ge 1 ] || fail "the listener was not recycled"
[ "$ok" -eq 40 ] || fail "only $ok of 40 lpr runs succeeded across recycles"
wait_until 30 - '[ "$(sb jobs -a -q q | grep -c completed)" -ge $((before + ok)) ]' || true
[ "$(sb jobs -a -q q | grep -c completed)" -eq $((before + ok)) ] ||
	fail "$ok jobs acknowledged, $(($(sb jobs -a -q q | grep -c completed) - before)) printed"
log "$ok jobs across $recycles listener recycles, none lost"
log PASS
