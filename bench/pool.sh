#!/bin/bash
# bench/pool.sh BUILD [N] [MS]: how a pool's throughput grows with its
# printers: pools of 1, 2 and 4 AppSocket printers (sb-socketsink, each
# taking MS ms over a job, as a printer at work does), N small jobs
# queued on each while it is disabled, then jobs/s from its enabling to
# its last job. Reported, never asserted. (root; installs nothing)
set -euo pipefail
BUILD=$(realpath "${1:?usage: bench/pool.sh BUILD [N] [MS]}")
N=${2:-200}
MS=${3:-50}
. "$(dirname "$0")/lib.sh"
bench_dir bench-pool
T=$BENCH_DIR
P=()
for i in 1 2 3 4; do
	P[$i]=$(port)
	"$BUILD/sb-socketsink" -d "$MS" "${P[$i]}" >"$T/sink$i.log" 2>&1 & pids+=($!)
done
u() { local s=""; for i in $(seq 1 "$1"); do s="$s${s:+, }socket://127.0.0.1:${P[$i]}"; done; echo "$s"; }
cat >"$T/sb.conf" <<CONF
[spooler]
spool_dir = $T/spool
runtime_dir = $T/run
[queue.p1]
uri = $(u 1)
[queue.p2]
uri = $(u 2)
[queue.p4]
uri = $(u 4)
CONF
"$BUILD/spoolboxd" -c "$T/sb.conf" -f >"$T/sb.log" 2>&1 & pids+=($!)
for _ in $(seq 100); do [ -S "$T/run/spoolbox.sock" ] && break; sleep 0.05; done
sb() { "$BUILD/spoolbox" -s "$T/run/spoolbox.sock" "$@"; }
head -c 2048 /dev/urandom >"$T/small"
chmod 644 "$T/small"
lines() { cat "$T"/sink*.log | grep -c '^job' || true; }
base=0
for q in p1 p2 p4; do
	sb queue disable "$q" >/dev/null
	for _ in $(seq 1 "$N"); do sb submit -q "$q" -t raw "$T/small" >/dev/null; done
	t0=$(date +%s.%N)
	sb queue enable "$q" >/dev/null
	while [ "$(lines)" -lt $((base + N)) ]; do sleep 0.02; done
	s=$(awk -v a="$(date +%s.%N)" -v b="$t0" 'BEGIN { print a - b }')
	base=$((base + N))
	printf '%s: %d printers, %d jobs (%d ms each at the printer): %.2f s, %.1f jobs/s\n' \
		"$q" "${q#p}" "$N" "$MS" "$s" "$(awk -v n="$N" -v s="$s" 'BEGIN { print n / s }')"
done
