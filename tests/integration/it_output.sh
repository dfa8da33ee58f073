#!/bin/bash
# What one user's job shows another (issue 10, case 7): titles with
# newlines or escape sequences cannot fake rows or reach a terminal; JSON
# stays valid UTF-8; title, file name and destination are private to the
# owner and admins; one user's jobs do not evict another's history; and
# the cgroup of a broker that died is removed at the next start.
. "$(dirname "$0")/lib.sh"
make_user

write_config "keep_jobs = 10" "history_per_user = 5" "[queue.out]" "uri = file://$T/out"
start_spoolboxd
echo hello >"$T/doc.txt"
chmod 644 "$T/doc.txt"

# The user's job, titled to fake a row and to reach the terminal.
title=$(printf 'evil\n999 out completed root 1 fake\033[31mred\xff')
a=$(sbu submit -q out -t raw -T "$title" "$T/doc.txt")
wait_completed "$a"
sb jobs -a >"$T/jobs.txt"
[ "$(grep -c . "$T/jobs.txt")" -eq 2 ] || fail "a title added rows: $(cat "$T/jobs.txt")"
has -F 'evil\n999 out' "$T/jobs.txt" || fail "newline not shown escaped: $(cat "$T/jobs.txt")"
if grep -q "$(printf '\033')" "$T/jobs.txt"; then fail "an escape sequence reached the terminal"; fi
sb jobs -a --json >"$T/jobs.json"
jq -e ".[] | select(.id == $a) | .title" "$T/jobs.json" >/dev/null ||
	fail "jobs --json is not valid JSON: $(cat "$T/jobs.json")"
iconv -f UTF-8 -t UTF-8 "$T/jobs.json" >/dev/null || fail "jobs --json is not valid UTF-8"
[ "$(jq -r ".[] | select(.id == $a) | .title" "$T/jobs.json")" = \
	"$(printf 'evil\n999 out completed root 1 fake\033[31mred\357\277\275')" ] ||
	fail "title did not survive JSON: $(jq ".[] | select(.id == $a) | .title" "$T/jobs.json")"

# Private to the owner and admins.
b=$(sb submit -q out -t raw -T "root's secret" "$T/doc.txt")
wait_completed "$b"
sbu jobs -a --json >"$T/user.json"
[ "$(jq -r ".[] | select(.id == $b) | .title" "$T/user.json")" = "(private)" ] ||
	fail "the user sees root's title"
[ "$(jq -r ".[] | select(.id == $b) | .landed" "$T/user.json")" = "(private)" ] ||
	fail "the user sees where root's job landed"
jq -r ".[] | select(.id == $a) | .landed" "$T/user.json" | has "^$T/out/" ||
	fail "the owner does not see where the job landed"
sb jobs -a --json | jq -e ".[] | select(.id == $a) | .title | startswith(\"evil\")" >/dev/null ||
	fail "an admin does not see the user's title"

# History: root fills it; the user's finished jobs stay (each owner keeps
# at most history_per_user, pruned in the background).
for i in $(seq 1 4); do sbu submit -q out -t raw "$T/doc.txt"; done >"$T/user.ids"
mapfile -t mine <"$T/user.ids"
wait_completed "${mine[@]}"
# (each waited for at once: root's own oldest are pruned as it goes)
for i in $(seq 1 20); do wait_completed "$(sb submit -q out -t raw "$T/doc.txt")"; done
wait_until 5 - '[ "$(sb jobs -a --json | jq length)" -eq 10 ]' || true
kept=$(sb jobs -a --json | jq "[.[] | select(.user == \"$TEST_USER\")] | length")
[ "$kept" -eq 5 ] || fail "root's jobs evicted the user's history: $kept of 5 left"
[ "$(sb jobs -a --json | jq length)" -eq 10 ] || fail "history not held to 10"

# A broker that dies leaves its cgroup; the next start removes it.
if [ -d /sys/fs/cgroup/memory ] && grep -q "cgroup-v1" "$T/spoolboxd.log"; then
	dead=$SB_PID
	kill -9 "$SB_PID"
	wait "$SB_PID" 2>/dev/null || true
	SB_PID=
	[ -d "/sys/fs/cgroup/memory/spoolbox-$dead" ] || fail "no cgroup left to clean"
	wait_until 5 - '[ -z "$(cat /sys/fs/cgroup/memory/spoolbox-"$dead"/w*/cgroup.procs 2>/dev/null)" ]' || true
	start_spoolboxd
	[ ! -d "/sys/fs/cgroup/memory/spoolbox-$dead" ] ||
		fail "the dead broker's cgroup spoolbox-$dead is still there"
	grep -q "removed /sys/fs/cgroup/memory/spoolbox-$dead" "$T/spoolboxd.log" ||
		fail "cleanup not logged"
fi
log "PASS: listings escaped and valid, details private, history fair, cgroups cleaned"
