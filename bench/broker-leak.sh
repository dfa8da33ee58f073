#!/bin/bash
# The broker is the one process nothing recycles: run N jobs through an
# lprmon recycled after every job (N recycles), sample the broker's
# private bytes every STEP jobs, print the least-squares slope, and stop
# the broker cleanly so that LeakSanitizer (a -DSPOOLBOX_SANITIZE=ON
# build) reports what it still holds.
# Usage: broker-leak.sh BUILD [N [STEP]]
set -euo pipefail
BUILD=$(cd "${1:-build}" && pwd)
N=${2:-10000}
STEP=${3:-1000}
T=$(mktemp -d /tmp/spoolbox-brokerleak.XXXXXX)
chmod 755 "$T"
trap '{ [ -n "${sb:-}" ] && kill "$sb"; } 2>/dev/null || true; rm -rf "$T"' EXIT
port=$((20000 + RANDOM % 12000))
printf '[spooler]\nspool_dir = %s/spool\nruntime_dir = %s/run\nhistory = 100\n[worker.lprmon]\nmax_jobs = 1\nlifetime_jitter = 0\n[queue.b]\nuri = lpd://127.0.0.1:%d/b\n' \
	"$T" "$T" "$port" >"$T/spoolbox.conf"
ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1} "$BUILD/spoolboxd" -c "$T/spoolbox.conf" >"$T/log" 2>&1 &
sb=$!
for _ in $(seq 100); do [ -S "$T/run/spoolbox.sock" ] && break; sleep 0.05; done
sleep 0.5
private() { awk '/^(Private_Clean|Private_Dirty|Swap):/ { s += $2 } END { print s * 1024 }' "/proc/$sb/smaps_rollup"; }
done_jobs=0
: >"$T/samples"
while [ "$done_jobs" -lt "$N" ]; do
	"$BUILD/sb-throughput" -s "$T/run/spoolbox.sock" -q b -p "$port" -n "$STEP" >/dev/null
	done_jobs=$((done_jobs + STEP))
	echo "$done_jobs $(private)" >>"$T/samples"
done
recycles=$(grep -c "replaces pid\|takes over from" "$T/log" || true)
kill -TERM "$sb"
wait "$sb" || true
awk -v r="$recycles" '{ x[NR] = $1; y[NR] = $2; sx += $1; sy += $2 }
	END { mx = sx / NR; my = sy / NR
		for (i = 1; i <= NR; i++) { num += (x[i] - mx) * (y[i] - my); den += (x[i] - mx) ^ 2 }
		printf "%d jobs, %d recycles; broker private %.2f MiB after %d jobs, %.2f MiB at the end; slope %+.0f bytes per 1000 jobs\n",
			x[NR], r, y[1] / 1048576, x[1], y[NR] / 1048576, den ? 1000 * num / den : 0 }' "$T/samples"
if grep -q "LeakSanitizer\|AddressSanitizer" "$T/log"; then
	echo "sanitizer report:"
	grep -A30 "Sanitizer" "$T/log" | head -60
	exit 1
fi
echo "no sanitizer report from the broker"
