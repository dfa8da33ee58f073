#!/bin/bash
# The broker as spoolbox.service runs it: an account of its own holding
# only CAP_SETUID and CAP_SETGID (the unit's User=, AmbientCapabilities=
# and CapabilityBoundingSet=). Each worker kind still runs under its own
# uid, in a user namespace the broker maps and owns, so the broker
# measures, limits and stops it without CAP_SYS_PTRACE or CAP_KILL: a job
# goes through printproc and a real lpd, printproc recycles after each
# job, a killed lprmon is replaced, and stopping the broker stops them all.
# A spool it cannot take over without root is refused in one line.
. "$(dirname "$0")/lib.sh"
skip_if_sanitized "the sanitizer runtime reads /proc in ways this account may not"
make_user
BROKER=$TEST_USER

# The ids the broker gives each kind when the accounts do not exist.
kind_uid() {
	local name=$1 n=$2
	getent passwd "$name" | cut -d: -f3 | grep . || echo $((64800 + n))
}
SPL=$(kind_uid spoolbox-spl 1)

chown "$BROKER:$BROKER" "$T"
install -d -o "$BROKER" -g "$BROKER" -m 0755 "$T/spool"
install -d -o "$SPL" -g "$SPL" -m 0700 "$T/spool/jobs"
PORT=$(free_port)
start_lpd "$PORT"
write_config "[queue.lpd]" "uri = lpd://127.0.0.1:$PORT/q" "datatype = postscript" \
	"[worker.printproc]" "max_jobs = 1"
chmod 644 "$T/spoolbox.conf"

SERVICE=(setpriv --reuid="$BROKER" --regid="$BROKER" --clear-groups
	--inh-caps=-all,+setuid,+setgid --ambient-caps=-all,+setuid,+setgid
	--bounding-set=-all,+setuid,+setgid env HOME=/)
# Not through a function: $! must be spoolboxd itself (setpriv and env
# exec it).
"${SERVICE[@]}" "$BUILD/spoolboxd" -c "$T/spoolbox.conf" >"$T/spoolboxd.log" 2>&1 &
SB_PID=$!
wait_until 10 - '[ "$(ready_count)" -ge 4 ]' || true
[ "$(awk '/^CapEff/ { print $2 }' /proc/$SB_PID/status)" = 00000000000000c0 ] ||
	fail "the broker holds more than CAP_SETUID and CAP_SETGID: $(grep ^Cap /proc/$SB_PID/status)"
sb workers --json >"$T/w.json"
broker_uid=$(id -u "$BROKER")
seen=
for kind in localspl printproc lprmon remote; do
	entry=$(grep -o "{\"kind\":\"$kind\"[^}]*}[^}]*}" "$T/w.json")
	uid=$(printf '%s' "$entry" | grep -o '"uid":[0-9]*' | cut -d: -f2)
	[ -n "$uid" ] && [ "$uid" != "$broker_uid" ] && [ "$uid" != 0 ] ||
		fail "$kind runs as uid '$uid' (broker $broker_uid): $entry"
	case " $seen " in *" $uid "*) fail "$kind shares uid $uid with another kind" ;; esac
	seen="$seen $uid"
	echo "$entry" | has '"namespaces":"user,mnt' || fail "$kind: namespaces: $entry"
	echo "$entry" | has '"seccomp_status":2' || fail "$kind: kernel shows no filter"
	echo "$entry" | has '"cap_eff":"0000000000000000"' || fail "$kind keeps capabilities"
	echo "$entry" | has '"private_bytes":[1-9]' || fail "$kind: private bytes not measured"
	echo "$entry" | has '"fds":[1-9]' || fail "$kind: handles not counted"
done
[ "$(sb workers --json | grep -o '"kind":"localspl"[^}]*' | grep -o '"pid":[0-9]*' | cut -d: -f2)" ]

seq 1 300 >"$T/text"
chmod 644 "$T/text"
ids=$(sb submit -q lpd -t text "$T/text" "$T/text" "$T/text")
# shellcheck disable=SC2086
wait_completed $ids
[ "$(ls "$T/lpd/spool/q"/dfA* | wc -l)" -eq 3 ] || fail "lpd holds $(ls "$T/lpd/spool/q" | tr '\n' ' ')"
grep -q '^%!PS' "$T/lpd/spool/q"/dfA* || fail "lpd got no PostScript"
sb workers | awk '$1 == "printproc" && $10 >= 2 { ok = 1 } END { exit !ok }' ||
	fail "printproc did not recycle after each job: $(sb workers)"

old=$(worker_pid lprmon)
kill -9 "$old"
wait_until 10 - 'new=$(worker_pid lprmon); [ -n "$new" ] && [ "$new" != 0 ] &&
	[ "$new" != "$old" ] && sb workers | grep -q "^lprmon .* ready "' || true
[ "$new" != "$old" ] || fail "lprmon was not replaced"
id=$(sb submit -q lpd -t text "$T/text")
wait_completed "$id"

# A reload that changes nothing changes no limit; a memory_limit raised
# live is more than a running worker may be given without
# CAP_SYS_RESOURCE: a new process takes it, and says why.
kill -HUP "$SB_PID"
sb budget lprmon memory_limit=300M >/dev/null
wait_until 5 'lprmon kept its old limit: $(sb workers)' 'sb workers | grep -q "^lprmon .*memory_limit: raised"'
wait_until 10 - 'sb workers | grep -q "^lprmon .* ready "' || true

pids=$(sb workers | awk 'NR > 1 && $3 > 0 { print $3 }')
stop_spoolboxd
for p in $pids; do
	wait_until 5 - '! kill -0 "$p" 2>/dev/null' || true
	kill -0 "$p" 2>/dev/null && fail "worker $p outlived the broker"
done
complaints=$(grep 'error\|warn' "$T/spoolboxd.log" | grep -v "pid $old killed by signal 9" || true)
[ -z "$complaints" ] || fail "the broker complained: $complaints"

# A spool localspl's account does not own: not root, the broker cannot
# take it over, and says what to do.
chown "$BROKER" "$T/spool/jobs"
if "${SERVICE[@]}" "$BUILD/spoolboxd" -c "$T/spoolbox.conf" >"$T/refused.log" 2>&1; then
	fail "started on a spool it cannot hand to localspl"
fi
[ "$(wc -l <"$T/refused.log")" -eq 1 ] || fail "more than one line: $(cat "$T/refused.log")"
has "jobs is uid $broker_uid .* cannot change that" <"$T/refused.log" ||
	fail "refusal says: $(cat "$T/refused.log")"
log "PASS: as an account with CAP_SETUID/CAP_SETGID only: workers under their own uids in mapped user namespaces, measured, recycled, replaced, stopped; a job printed"
