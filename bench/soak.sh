#!/bin/bash
# Soak: N text jobs (localspl -> printproc -> lprmon -> loopback LPD sink),
# once with every worker leaking as the seed's components did (64 KiB and
# one descriptor per job, lprmon also per failed connection) under the
# default budgets, once clean with the same budgets. Every 0.5 s it
# samples the private bytes of all processes, the broker's own, the sum
# of the budgets of the workers running, and the recycles so far; then
# draws both runs with gnuplot (soak.png: memory over time, the budgets
# plus the broker as a line, each recycle a mark) and prints, per run,
# throughput, the peak, and the broker's slope (least squares over the
# second half, in bytes per 1,000 jobs), and the leaking/clean ratio.
# SOAK_CHECK=1 (the suite's it_soak): exit non-zero when the leaking run's
# peak passes the budgets plus the broker's, or a run stalls.
# Usage: soak.sh BUILD [N] [OUTDIR]
set -euo pipefail
BUILD=$(cd "${1:-build}" && pwd)
N=${2:-100000}
OUT=$(mkdir -p "${3:-.}" && cd "${3:-.}" && pwd)
T=$(mktemp -d /tmp/spoolbox-soak.XXXXXX)
chmod 755 "$T" # localspl runs as its own account
trap 'pkill -f "$T/spoolbox.conf" 2>/dev/null || true; rm -rf "$T"' EXIT

private_of() { # private bytes of the pids given
	local sum=0 p v
	for p in "$@"; do
		v=$(awk '/^(Private_Clean|Private_Dirty|Swap):/ { s += $2 } END { print s + 0 }' \
			"/proc/$p/smaps_rollup" 2>/dev/null || echo 0)
		sum=$((sum + v))
	done
	echo $((sum * 1024))
}

# sample PID START: "seconds total broker budgets recycles"
sample() {
	local sb=$1 start=$2 w
	w=$("$BUILD/spoolbox" -s "$T/run/spoolbox.sock" workers --json 2>/dev/null || echo '[]')
	printf '%s %s %s %s\n' "$(echo "$(date +%s.%N) - $start" | bc)" \
		"$(private_of "$sb" $(pgrep -P "$sb"))" "$(private_of "$sb")" \
		"$(echo "$w" | jq '[.[] | select(.state != "starting" and .state != "standby" and .state != "zygote") | .memory_budget] | add // 0' 2>/dev/null || echo 0) $(echo "$w" | jq '[group_by(.kind, .instance)[] | max_by(.recycles).recycles] | add // 0' 2>/dev/null || echo 0)"
}

run() { # run NAME LEAK(0|1)
	local name=$1 leak=$2 port=$((20000 + RANDOM % 12000)) sb start
	rm -rf "$T/spool" "$T/run"
	{
		printf '[spooler]\nspool_dir = %s/spool\nruntime_dir = %s/run\n' "$T" "$T"
		printf 'history = 100\nsample_interval = 200ms\nmax_jobs_queued = 0\n'
		for k in localspl printproc lprmon remote; do
			printf '[worker.%s]\n' "$k"
			[ "$leak" = 1 ] && printf 'debug_leak_bytes_per_job = 64K\ndebug_leak_handles_per_job = 1\n'
			# localspl holds the backlog (~2.3 KB a queued job): its
			# budget covers it, or it recycles for honest memory.
			[ "$k" = localspl ] && printf 'memory_budget = 96M\nmemory_limit = 256M\nhandle_budget = 256\n'
		done
		printf '[queue.soak]\nuri = lpd://127.0.0.1:%d/soak\ndatatype = postscript\n' "$port"
	} >"$T/spoolbox.conf"
	"$BUILD/spoolboxd" -c "$T/spoolbox.conf" >"$T/$name.log" 2>&1 &
	sb=$!
	for _ in $(seq 100); do [ -S "$T/run/spoolbox.sock" ] && break; sleep 0.05; done
	sleep 0.3
	start=$(date +%s.%N)
	(while kill -0 "$sb" 2>/dev/null; do sample "$sb" "$start"; sleep 0.5; done) >"$T/$name.dat" &
	local sampler=$!
	"$BUILD/sb-throughput" -s "$T/run/spoolbox.sock" -q soak -p "$port" \
		-n "$N" -x -z 600 -T 120 >"$T/$name.out" || true
	kill "$sb"
	wait "$sb" 2>/dev/null || true
	kill "$sampler" 2>/dev/null || true
	wait "$sampler" 2>/dev/null || true
	cp "$T/$name.dat" "$OUT/soak-$name.dat"
	cp "$T/$name.out" "$OUT/soak-$name.out"
}

# figures NAME: jobs/s, peak, the budget line's peak, recycles, and the
# broker's slope in bytes per 1000 jobs (second half of the run).
figures() {
	local name=$1 rate
	rate=$(awk '/^throughput:/ { print $2 }' "$OUT/soak-$name.out")
	awk -v name="$name" -v rate="${rate:-0}" -v n="$N" '
	{ t[NR] = $1; tot[NR] = $2; brk[NR] = $3; bud[NR] = $4; rec = $5
	  if ($2 > peak) peak = $2; if ($4 + $3 > lim) lim = $4 + $3 }
	END {
		for (i = int(NR / 2) + 1; i <= NR; i++) {
			k++; sx += t[i]; sy += brk[i]; sxx += t[i] * t[i]; sxy += t[i] * brk[i]
		}
		slope = (k > 1 && k * sxx - sx * sx != 0) ? (k * sxy - sx * sy) / (k * sxx - sx * sx) : 0
		per = rate > 0 ? slope / rate * 1000 : 0
		printf "%s: %s jobs/s; peak private %.1f MiB (budgets + broker %.1f MiB); %d recycles; broker %.1f MiB at the end, slope %+.0f bytes per 1000 jobs\n",
			name, rate, peak / 1048576, lim / 1048576, rec, brk[NR] / 1048576, per
		if (peak > lim && lim > 0) exit 3
	}' "$OUT/soak-$name.dat"
}

run leaking 1
run clean 0
rc=0
figures leaking || rc=$?
figures clean || true
a=$(awk '/^throughput:/ { print $2 }' "$OUT/soak-leaking.out")
b=$(awk '/^throughput:/ { print $2 }' "$OUT/soak-clean.out")
if [ -n "$a" ] && [ -n "$b" ]; then
	echo "leaking/clean throughput: $(echo "scale=2; $a / $b" | bc) ($a / $b jobs/s, $N jobs each)"
else
	echo "a run stalled: $(cat "$OUT/soak-leaking.out" "$OUT/soak-clean.out" | grep -i stalled)"
	rc=4
fi

gnuplot <<GP
set terminal pngcairo size 1000,560 font "DejaVu Sans,10"
set output "$OUT/soak.png"
set title "spoolbox soak, $N jobs: private bytes of all processes (MiB) over time (s)"
set xlabel "seconds"
set ylabel "MiB"
set key top left
set yrange [0:*]
prev = 0
plot "$OUT/soak-leaking.dat" using 1:(\$2/1048576) with lines lw 2 lc rgb "#d62728" title "leaking: all processes", \
     "$OUT/soak-leaking.dat" using 1:((\$4+\$3)/1048576) with lines dt 2 lc rgb "#d62728" title "leaking: budgets + broker", \
     "$OUT/soak-leaking.dat" using 1:(r = (\$5 > prev ? \$2/1048576 : NaN), prev = \$5, r) with points pt 7 ps 0.6 lc rgb "black" title "a recycle", \
     "$OUT/soak-clean.dat" using 1:(\$2/1048576) with lines lw 2 lc rgb "#1f77b4" title "clean: all processes", \
     "$OUT/soak-leaking.dat" using 1:(\$3/1048576) with lines lc rgb "#2ca02c" title "leaking: the broker", \
     "$OUT/soak-clean.dat" using 1:(\$3/1048576) with lines lc rgb "#17becf" title "clean: the broker"
GP
echo "plot: $OUT/soak.png"
[ "${SOAK_CHECK:-0}" = 1 ] && exit "$rc"
exit 0
