#!/bin/bash
# A backlog at scale (issue 15): SCALE_JOBS jobs (the suite: 10000; `make
# scale`: 100000) submitted by 8 clients while their queue's printer is
# off (the queue disabled), then spoolboxd restarted. Prints what it
# measured: submits/s, localspl's private bytes, the restart to the
# first page of `spoolbox jobs -q QUEUE`. Checks: localspl never
# recycled and stayed in its default budget, every job listed after the
# restart, and once the printer is on, every job printed, in order.
. "$(dirname "$0")/lib.sh"
N=${SCALE_JOBS:-10000}
sanitized && N=$((N / 10))

write_config "keep_jobs = $((N + 10))" "max_jobs_queued = 0" \
	"[queue.big]" "uri = file://$T/out"
start_spoolboxd
sb queue disable big --reason "printer off" >/dev/null

t0=$(date +%s%N)
"$BUILD/sb-storebench" submit "$T/run/spoolbox.sock" big 8 "$N" ||
	fail "submits failed"
t1=$(date +%s%N)
log "$N jobs submitted by 8 clients in $(( (t1 - t0) / 1000000 )) ms"

workers() { sb workers --json; }
pb=$(workers | json_field localspl private_bytes)
rc=$(workers | json_field localspl recycles)
log "localspl private bytes with $N jobs queued: $((pb / 1024)) KiB"
[ "$rc" -eq 0 ] || fail "localspl recycled $rc times while the jobs came in"
[ "$pb" -lt $((32 * 1024 * 1024)) ] || fail "localspl holds $pb bytes, over its default budget"

stop_spoolboxd
t0=$(date +%s%N)
"$BUILD/spoolboxd" -c "$T/spoolbox.conf" -f >>"$T/spoolboxd.log" 2>&1 &
SB_PID=$!
until sb jobs -q big --limit 100 >"$T/page" 2>/dev/null; do
	kill -0 "$SB_PID" 2>/dev/null || fail "spoolboxd exited"
	sleep 0.005
done
t1=$(date +%s%N)
log "restart to the first page of $N queued jobs: $(( (t1 - t0) / 1000000 )) ms"
[ "$(grep -c . "$T/page")" -ge 100 ] || fail "the first page is short: $(cat "$T/page")"
pending=$(sb queues --json | jq '.[] | select(.name == "big") | .pending')
[ "$pending" -eq "$N" ] || fail "$pending jobs pending after the restart, not $N"
listed=$(sb jobs -q big --json | jq length)
[ "$listed" -eq "$N" ] || fail "$listed jobs listed, not $N"

t0=$(date +%s%N)
sb queue enable big >/dev/null
printed() { sb queues --json | jq '.[] | select(.name == "big") | .completed'; }
wait_until 600 - 'kill -0 "$SB_PID" 2>/dev/null || fail "spoolboxd exited"
	[ "$(printed)" -eq "$N" ]' || true
t1=$(date +%s%N)
done_n=$(printed)
[ "$done_n" -eq "$N" ] || fail "only $done_n of $N printed"
log "$N jobs printed in $(( (t1 - t0) / 1000000 )) ms"
# In order: by id, each finished no earlier than the one before.
sb jobs -a -q big --json | jq -e 'sort_by(.id) | [.[].finished] as $f |
	all(range(1; $f | length); $f[.] >= $f[. - 1]) and
	all(.[]; .state == "completed")' >/dev/null || fail "not printed in order"
[ "$(ls "$T/out" | wc -l)" -eq "$N" ] || fail "the printer has $(ls "$T/out" | wc -l) files"
rc=$(workers | json_field localspl recycles)
[ "$rc" -eq 0 ] || fail "localspl recycled $rc times"
log "PASS: $N jobs held, listed after a restart, printed in order; localspl never recycled"
