#!/bin/bash
# One large raw job from submit to the last byte at a streaming LPD sink
# (sb-lpdsink), CUPS and spoolbox side by side in one run, alternating:
# CUPS 2.4 (private cupsd, raw queue, its own lpd backend; submitted with
# ipptool Print-Job) and spoolbox (spoolbox submit of the file). Prints
# MiB/s per run, the median of each, their ratio, and the largest private
# bytes (smaps_rollup) any spoolbox process reached during its runs.
# Usage: bench/large.sh BUILD [MIB] [RUNS]   (root; installs nothing)
set -euo pipefail
BUILD=$(cd "${1:?usage: large.sh BUILD [MIB] [RUNS]}" && pwd)
MIB=${2:-256}
RUNS=${3:-3}
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/../tests/cups-loopback.sh"
. "$(dirname "$0")/lib.sh"
bench_dir large
D=$BENCH_DIR
SINK=18517 CUPSP=18631

head -c "${MIB}M" /dev/urandom >"$D/job.raw"
chmod 644 "$D/job.raw"
"$BUILD/sb-lpdsink" "$SINK" >"$D/sink.out" & pids+=($!)
cups_loopback_start "$D/cups" "$CUPSP" >/dev/null 2>&1; pids+=("$CUPS_PID")
cups_queue "$D/cups" "$CUPSP" q "lpd://127.0.0.1:$SINK/q?reserve=none" >/dev/null
printf '[spooler]\nspool_dir = %s/spool\nruntime_dir = %s/run\n[queue.q]\nuri = lpd://127.0.0.1:%s/q\n' \
	"$D" "$D" "$SINK" >"$D/sb.conf"
"$BUILD/spoolboxd" -c "$D/sb.conf" >"$D/sb.log" 2>&1 & pids+=($!)
for _ in $(seq 100); do [ -S "$D/run/spoolbox.sock" ] && break; sleep 0.05; done
sleep 0.5

# Wait for the sink's next job line; print end-to-end seconds from t0.
done_after() {
	local t0=$1 want=$2
	while [ "$(grep -c '^job' "$D/sink.out")" -lt "$want" ]; do sleep 0.01; done
	awk -v t0="$t0" 'END { printf "%.3f\n", $4 - t0 }' "$D/sink.out"
}
peak_watch() { # largest private bytes of spoolbox's processes, into $D/peak
	local pids p max=0 v
	while :; do
		for p in $(pgrep -f 'spoolbox(d|-)'); do
			v=$(awk '/^(Private_Clean|Private_Dirty|Swap):/ { s += $2 } END { print s * 1024 }' "/proc/$p/smaps_rollup" 2>/dev/null || echo 0)
			[ "${v:-0}" -gt "$max" ] && max=$v && echo "$max" >"$D/peak"
		done
		sleep 0.02
	done
}
n=0
for r in $(seq "$RUNS"); do
	sync
	t0=$("$BUILD/sb-lpdsink" -t)
	ipptool -f "$D/job.raw" -d filetype=application/octet-stream \
		"ipp://127.0.0.1:$CUPSP/printers/q" /usr/share/cups/ipptool/print-job.test >/dev/null
	n=$((n + 1)); c=$(done_after "$t0" "$n")
	sync
	peak_watch & w=$!
	t0=$("$BUILD/sb-lpdsink" -t)
	"$BUILD/spoolbox" -s "$D/run/spoolbox.sock" submit -q q -t raw "$D/job.raw" >/dev/null
	n=$((n + 1)); s=$(done_after "$t0" "$n")
	kill "$w"; wait "$w" 2>/dev/null || true
	echo "run $r: cups $(echo "$MIB / $c" | bc) MiB/s ($c s), spoolbox $(echo "$MIB / $s" | bc) MiB/s ($s s)"
	echo "$c $s" >>"$D/times"
done
awk '{ print $1 }' "$D/times" | sort -n >"$D/c"; awk '{ print $2 }' "$D/times" | sort -n >"$D/s"
mc=$(sed -n "$(( (RUNS + 1) / 2 ))p" "$D/c"); ms=$(sed -n "$(( (RUNS + 1) / 2 ))p" "$D/s")
echo "median: cups $(echo "$MIB / $mc" | bc) MiB/s, spoolbox $(echo "$MIB / $ms" | bc) MiB/s, ratio $(echo "scale=2; $mc / $ms" | bc)x"
echo "spoolbox peak private bytes of any process: $(( $(cat "$D/peak" 2>/dev/null || echo 0) / 1024 )) KiB"
