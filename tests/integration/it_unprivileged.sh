#!/bin/bash
# Without root (here: as nobody), every worker is still sandboxed: seccomp,
# no_new_privs, Landlock, and mount/network/ipc namespaces through a user
# namespace the broker creates before exec; the broker still measures
# every worker, and a text job goes through.
. "$(dirname "$0")/lib.sh"
[ "$(id -u)" -eq 0 ] || { log "SKIP: needs root to become nobody"; exit 0; }

chown nobody:nogroup "$T"
write_config "[queue.ps]" "uri = file://$T/ps" "datatype = postscript"
chmod 644 "$T/spoolbox.conf"
as_nobody() { setpriv --reuid=nobody --regid=nogroup --clear-groups env HOME="$T" "$@"; }
# Not through the function: $! must be spoolboxd itself (setpriv and env
# exec it), or the cleanup would stop a subshell and leave the daemon.
setpriv --reuid=nobody --regid=nogroup --clear-groups env HOME="$T" \
	"$BUILD/spoolboxd" -c "$T/spoolbox.conf" >"$T/spoolboxd.log" 2>&1 &
SB_PID=$!
sbn() { as_nobody "$BUILD/spoolbox" -s "$T/run/spoolbox.sock" "$@"; }
wait_until 10 - '[ "$(ready_count sbn)" -ge 4 ]' || true
seq 1 200 >"$T/text"
chmod 644 "$T/text"
id=$(sbn submit -q ps -t text "$T/text")
sbn wait "$id" --timeout 30 || fail "job $id did not complete"
sbn workers --json >"$T/w.json"
for kind in localspl printproc lprmon remote; do
	entry=$(grep -o "{\"kind\":\"$kind\"[^}]*}" "$T/w.json")
	echo "$entry" | has '"seccomp":"kill"' || fail "$kind: no seccomp filter"
	echo "$entry" | has '"seccomp_status":2' || fail "$kind: kernel shows no filter"
	echo "$entry" | has '"no_new_privs":1' || fail "$kind: no no_new_privs"
	echo "$entry" | has '"landlock_abi":[1-9]' || fail "$kind: no Landlock"
	echo "$entry" | has '"private_bytes":[1-9]' || fail "$kind: not measured"
	echo "$entry" | has '"own_mntns":1' || fail "$kind shares the broker's mount namespace"
	case $kind in
	localspl | printproc)
		echo "$entry" | has '"namespaces":"user,mnt,net,ipc"' || fail "$kind: namespaces: $entry"
		echo "$entry" | has '"own_netns":1' || fail "$kind shares the network" ;;
	*)
		echo "$entry" | has '"namespaces":"user,mnt,ipc"' || fail "$kind: namespaces: $entry" ;;
	esac
done
log "unprivileged workers sandboxed (user,mnt,net,ipc), measured, job completed"

# A spool with a file another account left (a spoolboxd run as root): not
# a start that reports ready and fails every write, but one line that
# says what to run.
kill "$SB_PID"
wait "$SB_PID" 2>/dev/null || true
chown root:root "$T/spool/jobs/jobs.db"
rc=0
setpriv --reuid=nobody --regid=nogroup --clear-groups env HOME="$T" \
	"$BUILD/spoolboxd" -c "$T/spoolbox.conf" >"$T/again.log" 2>&1 || rc=$?
[ "$rc" -ne 0 ] || fail "spoolboxd started on a spool it cannot write"
has "jobs/jobs.db (uid 0); as root run: chown -R $(id -u nobody):$(id -g nobody) $T/spool/jobs" "$T/again.log" ||
	fail "no line says what to run: $(cat "$T/again.log")"
[ "$(grep -c . "$T/again.log")" -eq 1 ] || fail "more than one line: $(cat "$T/again.log")"
chown -R "$(id -u nobody):$(id -g nobody)" "$T/spool/jobs"
setpriv --reuid=nobody --regid=nogroup --clear-groups env HOME="$T" \
	"$BUILD/spoolboxd" -c "$T/spoolbox.conf" >>"$T/spoolboxd.log" 2>&1 &
SB_PID=$!
wait_until 10 "not ready after the chown it named" '[ "$(ready_count sbn)" -ge 4 ]'
id=$(sbn submit -q ps -t text "$T/text")
sbn wait "$id" --timeout 30 || fail "job $id did not complete after the chown"
log "PASS: unprivileged workers sandboxed, measured, job completed; a spool another account wrote refused with what to run"
