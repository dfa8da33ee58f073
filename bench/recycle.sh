#!/bin/bash
# Recycle latency and cost: lprmon with max_jobs = 1 (recycled after every
# job) against no recycling. Prints p50/p99 of "recycle began -> the
# replacement is ready" over every recycle, and throughput in both runs.
# Usage: recycle.sh BUILD [N]
set -euo pipefail
BUILD=$(cd "${1:-build}" && pwd)
N=${2:-500}
T=$(mktemp -d /tmp/spoolbox-recycle.XXXXXX)
chmod 755 "$T" # localspl runs as its own account
trap 'pkill -f "$T/spoolbox.conf" 2>/dev/null; rm -rf "$T"' EXIT

run() { # run NAME MAX_JOBS
	local port=$((20000 + RANDOM % 12000)) sb
	rm -rf "$T/spool" "$T/run"
	printf '[spooler]\nspool_dir = %s/spool\nruntime_dir = %s/run\nhistory = 100\n[worker.lprmon]\nmax_jobs = %s\n[queue.b]\nuri = lpd://127.0.0.1:%d/b\n' \
		"$T" "$T" "$2" "$port" >"$T/spoolbox.conf"
	"$BUILD/spoolboxd" -c "$T/spoolbox.conf" >"$T/$1.log" 2>&1 &
	sb=$!
	for _ in $(seq 100); do [ -S "$T/run/spoolbox.sock" ] && break; sleep 0.05; done
	sleep 0.3
	echo "== $1 (lprmon max_jobs = $2)"
	"$BUILD/sb-throughput" -s "$T/run/spoolbox.sock" -q b -p "$port" -n "$N" | grep throughput
	kill "$sb"; wait "$sb" 2>/dev/null || true
}

run no-recycling 0
run recycle-every-job 1
grep -o 'ready [0-9.]* ms after' "$T/recycle-every-job.log" | awk '{ print $2 }' |
	sort -n >"$T/lat"
n=$(wc -l <"$T/lat")
echo "recycles: $n"
echo "recycle began -> replacement ready: p50 $(sed -n "$(((n + 1) / 2))p" "$T/lat") ms," \
	"p99 $(sed -n "$(((n * 99 + 99) / 100))p" "$T/lat") ms, max $(tail -1 "$T/lat") ms"
