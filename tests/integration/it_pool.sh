#!/bin/bash
# A pool: one queue, three AppSocket printers (uri = A, B, C), one of
# them unreachable. Twelve jobs waiting together all print, byte-exact,
# over the two that work (each takes some: each job goes to the first
# idle printer); the unreachable one fails its first job, is
# passed over for retry_interval, and that job goes to another printer
# without using a retry; spoolbox queues shows each printer, its state
# and jobs. A pool names network printers only, two or more
# (test_config).
. "$(dirname "$0")/lib.sh"

SINK="$BUILD/sb-socketsink"
[ -x "$SINK" ] || { log "SKIP: no sb-socketsink in $BUILD"; exit 77; }
command -v jq >/dev/null || { log "SKIP: jq is not installed"; exit 77; }
P1=$(free_port)
P2=$(free_port)
DEAD=$(free_port)
mkdir -p "$T/a" "$T/b"
"$SINK" -o "$T/a" "$P1" >/dev/null 2>&1 &
HOSTILE_PIDS="$HOSTILE_PIDS $!"
"$SINK" -o "$T/b" "$P2" >/dev/null 2>&1 &
HOSTILE_PIDS="$HOSTILE_PIDS $!"
wait_port "$P1"
wait_port "$P2"
write_config "[queue.pool]" \
	"uri = socket://127.0.0.1:$DEAD, socket://127.0.0.1:$P1, socket://127.0.0.1:$P2" \
	"retry_interval = 60s"
start_spoolboxd

# Queued while the pool is disabled, so that they are there together
# when it is enabled (one at a time, the first idle printer takes each).
sb queue disable pool >/dev/null
ids=()
for i in $(seq 1 12); do
	head -c $((100000 + i * 997)) /dev/urandom >"$T/doc$i"
	chmod 644 "$T/doc$i"
	ids+=("$(sb submit -q pool -t raw "$T/doc$i")")
done
sb queue enable pool >/dev/null
wait_completed "${ids[@]}"
sent=$(for i in $(seq 1 12); do md5sum <"$T/doc$i"; done | sort)
got=$(cat "$T"/a/job-* "$T"/b/job-* 2>/dev/null | wc -c)
[ "$(for f in "$T"/a/job-* "$T"/b/job-*; do md5sum <"$f"; done | sort)" = "$sent" ] ||
	fail "the printers did not get the twelve jobs byte-exact ($got bytes)"
na=$(ls "$T/a" | wc -l)
nb=$(ls "$T/b" | wc -l)
[ "$na" -ge 1 ] && [ "$nb" -ge 1 ] || fail "one printer took every job ($na and $nb)"
[ "$(sb jobs -a --json | jq '[.[] | .attempts] | add')" = 0 ] ||
	fail "a failed printer used a job's retry: $(sb jobs -a --json | jq -c '[.[] | {id, attempts}]')"
sb queues --json >"$T/q.json"
jq -e ".[0].members | length == 3" "$T/q.json" >/dev/null || fail "the pool's printers are not shown: $(cat "$T/q.json")"
jq -e ".[0].members[0] | .state == \"passed-over\" and (.error | test(\"connect\"))" "$T/q.json" >/dev/null ||
	fail "the unreachable printer: $(jq -c '.[0].members[0]' "$T/q.json")"
[ "$(jq '[.[0].members[1:][] | .jobs] | add' "$T/q.json")" = 12 ] ||
	fail "the printers' job counts: $(jq -c '.[0].members' "$T/q.json")"
sb queues | has "passed-over  *socket://127.0.0.1:$DEAD" || fail "spoolbox queues: $(sb queues)"
log "PASS: a pool of three printers, one unreachable: 12 jobs byte-exact over the other two ($na and $nb), no retry used, members shown"
