#!/bin/bash
# A hostile local user against the client socket (issue 10, cases 3, 5):
# 1,100 idle connections neither lock root or another user out nor run
# the broker out of fds (a worker that dies meanwhile is restarted), and a
# client sending requests back to back does not starve delivery.
. "$(dirname "$0")/lib.sh"
make_user

PORT=$(free_port)
start_lpd "$PORT"
write_config "max_clients = 64" "max_clients_per_user = 8" \
	"[queue.lpd]" "uri = lpd://127.0.0.1:$PORT/q"
start_spoolboxd

# Raw connections that never even negotiate: nng holds each for its 10s
# negotiation timeout; the broker's fd limit is far above this.
hostile connect "$T/run/spoolbox.sock" 1100
held=$HOSTILE_N
[ "$held" -ge 1000 ] || fail "the user could only connect $held times"
# Connections that negotiate and then say nothing: the gate keeps the
# user to max_clients_per_user.
hostile dial "$T/run/spoolbox.sock" 100
dialed=$HOSTILE_N
log "the user holds $held raw and $dialed nng connections"
# Root still gets through, and so does another user.
sb workers >/dev/null || fail "root locked out"
setpriv --reuid=nobody --regid=nogroup --clear-groups \
	"$BUILD/spoolbox" -s "$T/run/spoolbox.sock" queues >/dev/null ||
	fail "another user locked out"
# The user itself is told why, in one line.
expect_err "refused the connection: too many connections" sbu queues
grep -q "refused: max_clients_per_user reached" "$T/spoolboxd.log" ||
	fail "refusals not logged"
# A worker that dies now is restarted: no fatal path on fds.
old=$(worker_pid lprmon)
kill -9 "$old"
wait_until 5 - '[ -n "$(worker_pid lprmon)" ] && [ "$(worker_pid lprmon)" != "$old" ] &&
	sb workers | has "^lprmon .* ready "' || true
kill -0 "$SB_PID" || fail "the broker died"
head -c 1000000 /dev/urandom >"$T/small"
id=$(sb submit -q lpd -t raw "$T/small")
wait_completed "$id"
# The idle raw connections are dropped; the dialed ones stay capped.
wait_until 15 - '[ "$(ls /proc/"$SB_PID"/fd | wc -l)" -lt 200 ]' || true
fds=$(ls /proc/"$SB_PID"/fd | wc -l)
log "broker fds with the user's connections still open: $fds"
[ "$fds" -lt 200 ] || fail "the broker still holds $fds fds"

# 5. Requests back to back from 6 connections of the user: a 20 MB job
# still goes through (a liveness bound, not a speed test: it took 46 s
# before, 0.2 s without the flood).
pkill -u "$TEST_USER" sbhostile || true
HOSTILE_PIDS=
sleep 0.5
hostile flood "$T/run/spoolbox.sock" 6
threads=$HOSTILE_N
[ "$threads" -eq 6 ] || fail "flood did not start"
head -c 20000000 /dev/urandom >"$T/big"
start=$(date +%s)
id=$(sb submit -q lpd -t raw "$T/big")
sb wait "$id" --timeout 20 || fail "job $id starved by the flood"
log "20 MB job delivered in $(($(date +%s) - start)) s during the flood"
cmp -s "$T/big" "$(ls -t "$T"/lpd/spool/q/dfA* | head -1)" || fail "job $id damaged"
log "PASS: idle connections capped per user, admins served, delivery not starved"
