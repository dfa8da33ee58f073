#!/bin/bash
# Hot standby: beside each serving delivery and conversion slot a process
# is started, sandboxed and configured ahead (standby = 1, the default
# for lprmon, remote and printproc), shown as "standby" and taking no
# work. A recycle hands the slot to it at once (lprmon with max_jobs = 1
# is recycled after every job: each replacement was ready before the
# recycle began), a SIGKILL of the serving process too, and the next
# standby follows; with standby = 0 (live, by `spoolbox budget`) none is
# kept. Every job prints byte-exact.
. "$(dirname "$0")/lib.sh"

PORT=$(free_port)
start_lpd "$PORT"
write_config "[worker.lprmon]" "max_jobs = 1" \
	"[queue.lpd]" "uri = lpd://127.0.0.1:$PORT/q" "retry_interval = 200ms"
start_spoolboxd
wait_until 10 "no standby shown: $(sb workers)" \
	'[ "$(sb workers | grep -c " standby ")" -ge 3 ]'
for k in lprmon remote printproc; do
	sb workers | has "^$k .* standby " || fail "no $k standby: $(sb workers)"
done
sb workers --json | jq -e '[.[] | select(.state == "standby")] | all(.private_bytes > 0)' >/dev/null ||
	fail "a standby's memory is not measured: $(sb workers --json)"
[ "$(sb metrics | grep -c '^spoolbox_worker_private_bytes{kind="lprmon",instance="0"}')" -eq 1 ] ||
	fail "not one series for lprmon.0: $(sb metrics | grep 'private_bytes{kind="lprmon"')"

mkdir "$T/in"
for i in $(seq 1 30); do head -c $((3000 + i)) /dev/urandom >"$T/in/r$i"; done
mapfile -t ids < <(sb submit -q lpd -t raw "$T"/in/r*)
wait_completed "${ids[@]}"
took=$(grep -c "lprmon.0 pid [0-9]* replaces pid" "$T/spoolboxd.log" || true)
[ "$took" -ge 25 ] || fail "only $took of 30 recycles handed to a replacement"
ms=$(grep -o "replaces pid [0-9]*, ready [0-9.]* ms" "$T/spoolboxd.log" | awk '{ print $5 }' | sort -n)
log "$took recycles of lprmon after one job each; replacement ready after the recycle began: p50 $(echo "$ms" | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }') ms, max $(echo "$ms" | tail -n 1) ms"

# A SIGKILL of the serving process: the standby serves at once.
pid=$(worker_pid lprmon)
kill -9 "$pid"
wait_until 5 "no standby took over from pid $pid" \
	'has "lprmon.0 pid [0-9]* takes over from pid $pid at once (standby)" "$T/spoolboxd.log"'
id=$(sb submit -q lpd -t raw "$T/in/r1")
wait_completed "$id"

# standby = 0, live: none kept.
sb budget lprmon standby=0 >/dev/null
wait_until 10 "an lprmon standby is still kept: $(sb workers)" \
	'! sb workers | has "^lprmon .* standby "'
want=$(for f in "$T"/in/r*; do md5sum <"$f"; done | sort)
got=$(for f in "$T"/lpd/spool/q/df*; do md5sum <"$f"; done | sort -u)
[ "$want" = "$got" ] || fail "LPD data differs from what was submitted"
log "PASS: standbys ready ahead, handed over at a recycle and a crash, dropped at standby = 0; every job byte-exact"
