#!/bin/bash
# A hostile local user against a root spoolboxd's directories (issue 10,
# cases 1, 2, 6): root never follows a link a user planted, never trusts
# a directory a user could have touched, and sets owners and modes
# exactly; dangerous paths are refused with the line that names them.
. "$(dirname "$0")/lib.sh"
make_user
U=$TEST_USER

# conf FILE SPOOL RUNTIME EXTRA...: a config of its own.
conf() {
	local f=$1 spool=$2 rt=$3
	shift 3
	{ printf '[spooler]\nspool_dir = %s\nruntime_dir = %s\n' "$spool" "$rt"; printf '%s\n' "$@"; } >"$f"
}

# 1. A spool whose parent the user owns: swapped for a link to a tree the
# user wants root to give away. Refused; the target is not touched.
mkdir -p "$T/u1" "$T/victim/sub"
chown "$U:$U" "$T/u1"
as_user ln -s "$T/victim" "$T/u1/spool"
conf "$T/c1.conf" "$T/u1/spool" "$T/run1"
expect_err "spool_dir\|$T/u1 is owned by uid" "$BUILD/spoolboxd" -c "$T/c1.conf"
[ "$(stat -c %u "$T/victim/sub")" -eq 0 ] || fail "root chowned the link's target"

# The same at a reload: the spool's parent handed to the user meanwhile,
# who swaps the spool for a link.
mkdir "$T/p"
conf "$T/spoolbox.conf" "$T/p/spool" "$T/run" "[queue.out]" "uri = file://$T/out"
start_spoolboxd
chown "$U:$U" "$T/p"
as_user mv "$T/p/spool" "$T/p/old"
as_user ln -s "$T/victim" "$T/p/spool"
expect_err "reload refused, old config kept: $T/p is owned by uid" sb reload
kill -HUP "$SB_PID"
wait_until 5 - 'grep -q "SIGHUP: reload refused" "$T/spoolboxd.log"' || true
grep -q "SIGHUP: reload refused, old config kept: $T/p is owned by uid" "$T/spoolboxd.log" ||
	fail "SIGHUP reload was not refused"
[ "$(stat -c %u "$T/victim/sub")" -eq 0 ] || fail "a reload chowned the link's target"
stop_spoolboxd

# A runtime dir whose parent the user owns: the pid file could be a link.
mkdir "$T/u2"
chown "$U:$U" "$T/u2"
echo precious >"$T/victim/file"
as_user mkdir "$T/u2/run"
as_user ln -s "$T/victim/file" "$T/u2/run/spoolboxd.pid"
conf "$T/c2.conf" "$T/spool" "$T/u2/run"
expect_err "runtime dir refused: $T/u2 is owned by uid" "$BUILD/spoolboxd" -c "$T/c2.conf"
[ "$(cat "$T/victim/file")" = precious ] || fail "root wrote through the planted pid file"

# A user's link as the runtime dir itself, in a sticky directory.
mkdir -m 1777 "$T/sticky"
mkdir "$T/victim/rt"
as_user ln -s "$T/victim/rt" "$T/sticky/run"
conf "$T/c3.conf" "$T/spool" "$T/sticky/run"
expect_err "$T/sticky/run is a symbolic link" "$BUILD/spoolboxd" -c "$T/c3.conf"
[ "$(stat -c %a "$T/victim/rt")" = 755 ] || fail "root changed the link target's mode"

# A pid file planted as a link in root's own runtime dir (as if left
# there): refused, the target untouched.
mkdir -p "$T/run4"
ln -s "$T/victim/file" "$T/run4/spoolboxd.pid"
conf "$T/c4.conf" "$T/spool" "$T/run4"
expect_err "spoolboxd.pid: is a symbolic link" "$BUILD/spoolboxd" -c "$T/c4.conf"
[ "$(cat "$T/victim/file")" = precious ] || fail "root wrote through the pid file link"

# Modes are set, not trusted: a 0777 jobs dir and a 0777 spool come back
# 0700 / 0755, owned as the design says.
mkdir -p "$T/spool/jobs"
chmod 0777 "$T/spool" "$T/spool/jobs"
conf "$T/spoolbox.conf" "$T/spool" "$T/run" "[queue.out]" "uri = file://$T/out"
start_spoolboxd
[ "$(stat -c %a "$T/spool/jobs")" = 700 ] || fail "spool/jobs left $(stat -c %a "$T/spool/jobs")"
[ "$(stat -c %a:%u "$T/spool")" = 755:0 ] || fail "spool left $(stat -c %a:%u "$T/spool")"
spl=$(stat -c %u "$T/spool/jobs")
[ "$spl" -ne 0 ] || fail "jobs/ not handed to localspl's account"
stop_spoolboxd

# 2. Dangerous paths, with the line that names them.
printf '[spooler]\n\nspool_dir = /\n' >"$T/c5.conf"
expect_err "c5.conf:3: spool_dir: '/' is a system directory" "$BUILD/spoolboxd" -c "$T/c5.conf"
printf '[spooler]\nspool_dir = %s/spool\nruntime_dir = %s/run\n[queue.all]\nuri = file:///\n' "$T" "$T" >"$T/c6.conf"
expect_err "c6.conf:5: queue all: file: '/' is a system directory" "$BUILD/spoolboxd" -c "$T/c6.conf"
printf '[queue.a]\nuri = lpd://h/q\n[queue.a]\nuri = lpd://h/r\n' >"$T/c7.conf"
expect_err "c7.conf:3: section \[queue.a\] appears twice" "$BUILD/spoolboxd" -c "$T/c7.conf"
printf '[queue...]\nuri = lpd://h/q\n' >"$T/c8.conf"
expect_err "c8.conf:2: bad queue name '..'" "$BUILD/spoolboxd" -c "$T/c8.conf"

# 6. file: queues. A directory the user owns is refused...
mkdir "$T/drop"
chown "$U:$U" "$T/drop"
conf "$T/c9.conf" "$T/spool" "$T/run" "[queue.drop]" "uri = file://$T/drop"
expect_err "file: queue drop: $T/drop may be written by others" "$BUILD/spoolboxd" -c "$T/c9.conf"
# ... unless it is named a shared drop folder; then a link the user plants
# under the job's name is neither written through nor replaced: the job
# lands beside it.
chmod 1777 "$T/drop"
chown root:root "$T/drop"
conf "$T/spoolbox.conf" "$T/spool" "$T/run" "[queue.drop]" "uri = file://$T/drop" "shared = yes"
start_spoolboxd
grep -q "file: queue drop: $T/drop is a shared drop folder" "$T/spoolboxd.log" ||
	fail "no warning for the shared drop folder"
echo "job data" >"$T/data.txt"
first=$(sb submit -q drop -t raw "$T/data.txt")
wait_completed "$first"
for n in $((first + 1)) $((first + 2)) $((first + 3)); do
	as_user ln -s "$T/victim/file" "$T/drop/job-$n.prn"
done
id=$(sb submit -q drop -t raw "$T/data.txt")
wait_completed "$id"
[ "$(cat "$T/victim/file")" = precious ] || fail "root's job data went through the planted link"
[ -L "$T/drop/job-$id.prn" ] || fail "the user's link was replaced"
cmp -s "$T/data.txt" "$T/drop/job-$id.1.prn" || fail "job $id did not land beside the link"
sb jobs -a | has "^$id .*completed.*$T/drop/job-$id.1.prn" || fail "job $id: landed not shown"
log "PASS: links not followed, directories checked and set, dangerous paths refused"
