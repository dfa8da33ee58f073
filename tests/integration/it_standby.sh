#!/bin/bash
# Hot standby: beside each serving delivery and conversion slot a process
# is started, sandboxed and configured ahead (standby = 1, the default
# for lprmon, remote and printproc), shown as "standby" and taking no
# work. A recycle hands the slot to it at once (lprmon with max_jobs = 1
# is recycled after every job: each replacement was ready before the
# recycle began), a SIGKILL of the serving process too, and the next
# standby follows; with standby = 0 (live, by `spoolbox budget`) none is
# kept. localspl's standby is parked: connected, but given its Configure
# (and so the job store) only once the serving one has let go of it.
# Beside each delivery and conversion slot a zygote (loaded, unsandboxed, holding only
# CAP_SETUID/SETGID/SETPCAP, no_new_privs) makes the slot's processes
# without an exec; they are the broker's children, in their own memory
# cgroup, sandboxed as any other; a zygote killed is replaced, and
# processes start by exec meanwhile. Every job prints byte-exact.
. "$(dirname "$0")/lib.sh"

PORT=$(free_port)
start_lpd "$PORT"
write_config "[worker.lprmon]" "max_jobs = 1" \
	"[queue.lpd]" "uri = lpd://127.0.0.1:$PORT/q" "retry_interval = 200ms"
SB_DEBUG=1 start_spoolboxd # says which processes came from a zygote
wait_until 10 "no standby shown: $(sb workers)" \
	'[ "$(sb workers | grep -c " standby ")" -ge 3 ]'
for k in lprmon remote printproc; do
	sb workers | has "^$k .* standby " || fail "no $k standby: $(sb workers)"
done
sb workers --json | jq -e '[.[] | select(.state == "standby")] | all(.private_bytes > 0)' >/dev/null ||
	fail "a standby's memory is not measured: $(sb workers --json)"
[ "$(sb metrics | grep -c '^spoolbox_worker_private_bytes{kind="lprmon",instance="0"}')" -eq 1 ] ||
	fail "not one series for lprmon.0: $(sb metrics | grep 'private_bytes{kind="lprmon"')"

# The zygotes: one per slot with a standby, shown, few capabilities.
wait_until 10 "no zygotes shown: $(sb workers)" '[ "$(sb workers | grep -c " zygote ")" -ge 3 ]'
for z in $(sb workers | awk '$4 == "zygote" { print $3 }'); do
	st=/proc/$z/status
	grep -q "^NoNewPrivs:[[:space:]]*1$" "$st" || fail "zygote $z: no no_new_privs"
	[ "$(id -u)" -ne 0 ] || grep -q "^CapBnd:[[:space:]]*00000000000001c0$" "$st" ||
		fail "zygote $z keeps capabilities: $(grep Cap "$st")"
done

mkdir "$T/in"
for i in $(seq 1 30); do head -c $((3000 + i)) /dev/urandom >"$T/in/r$i"; done
mapfile -t ids < <(sb submit -q lpd -t raw "$T"/in/r*)
wait_completed "${ids[@]}"
took=$(grep -c "lprmon.0 pid [0-9]* replaces pid" "$T/spoolboxd.log" || true)
[ "$took" -ge 25 ] || fail "only $took of 30 recycles handed to a replacement"
ms=$(grep -o "replaces pid [0-9]*, ready [0-9.]* ms" "$T/spoolboxd.log" | awk '{ print $5 }' | sort -n)
log "$took recycles of lprmon after one job each; replacement ready after the recycle began: p50 $(echo "$ms" | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }') ms, max $(echo "$ms" | tail -n 1) ms"

# Made by the zygote: the broker's child, sandboxed, in its cgroup.
pid=$(worker_pid lprmon)
zpid=$(sb workers | awk '$1 == "lprmon" && $4 == "zygote" { print $3 }')
[ "$(awk '/^PPid:/ { print $2 }' "/proc/$pid/status")" = "$SB_PID" ] || fail "lprmon $pid is not the broker's child"
grep -q "^Seccomp:[[:space:]]*2$" "/proc/$pid/status" || fail "lprmon $pid from the zygote is not sandboxed"
if [ -w /sys/fs/cgroup/memory ] && [ "$(id -u)" -eq 0 ]; then
	grep -q "memory:/spoolbox-$SB_PID/w" "/proc/$pid/cgroup" || fail "lprmon $pid is not in its memory cgroup: $(cat "/proc/$pid/cgroup")"
fi
n=$(grep -c "lprmon.0 pid [0-9]* from its zygote" "$T/spoolboxd.log" || true)
[ "$n" -ge 25 ] || fail "only $n lprmon processes came from the zygote"
# The zygote killed: the next comes, processes start meanwhile.
kill -9 "$zpid"
wait_until 10 "no new lprmon zygote: $(sb workers)" \
	'sb workers | awk -v z="$zpid" '"'"'$1 == "lprmon" && $4 == "zygote" && $3 != z { ok = 1 } END { exit !ok }'"'"''
id=$(sb submit -q lpd -t raw "$T/in/r2")
wait_completed "$id"
log "lprmon's processes came from its zygote $zpid, the broker's children, sandboxed; a new zygote replaced it"

# A SIGKILL of the serving process: the standby serves at once.
pid=$(worker_pid lprmon)
kill -9 "$pid"
wait_until 5 "no standby took over from pid $pid" \
	'has "lprmon.0 pid [0-9]* takes over from pid $pid at once (standby)" "$T/spoolboxd.log"'
id=$(sb submit -q lpd -t raw "$T/in/r1")
wait_completed "$id"

# localspl's standby: parked (Hello said, no Configure, no store open)
# until the serving one has let go of the store, then it serves.
wait_until 10 "no localspl standby: $(sb workers)" 'sb workers | has "^localspl .* standby "'
park=$(sb workers | awk '$1 == "localspl" && $4 == "standby" { print $3 }')
ls -l "/proc/$park/fd/" | has "$T/spool/" && fail "localspl's standby $park has the store open: $(ls -l "/proc/$park/fd")"
spl=$(worker_pid localspl)
sb budget localspl max_jobs=1 >/dev/null # it has done more: recycled now
wait_until 10 "localspl's standby $park did not take over" \
	'has "localspl.0 pid $park takes over from pid $spl (standby)" "$T/spoolboxd.log"'
sb budget localspl max_jobs=1000000 >/dev/null
id=$(sb submit -q lpd -t raw "$T/in/r3")
wait_completed "$id"
id=$(sb submit -q lpd -t raw "$T/in/r4")
wait_completed "$id"
log "localspl: $(grep -o "takes over from pid $spl (standby), [0-9.]* ms after the recycle began" "$T/spoolboxd.log")"

# standby = 0, live: none kept.
sb budget lprmon standby=0 >/dev/null
wait_until 10 "an lprmon standby is still kept: $(sb workers)" \
	'! sb workers | has "^lprmon .* standby "'
want=$(for f in "$T"/in/r*; do md5sum <"$f"; done | sort)
got=$(for f in "$T"/lpd/spool/q/df*; do md5sum <"$f"; done | sort -u)
[ "$want" = "$got" ] || fail "LPD data differs from what was submitted"
log "PASS: standbys ready ahead, handed over at a recycle and a crash, dropped at standby = 0; every job byte-exact"
