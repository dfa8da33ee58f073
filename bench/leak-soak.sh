#!/bin/bash
# Leak soak: N text jobs (localspl -> printproc -> lprmon -> loopback LPD
# sink) with every worker leaking 64 KiB and one fd per job, once with the
# default budgets (recycling on) and once with every budget off. Samples
# the total private bytes of all spoolbox processes (broker + workers)
# every 0.25s and writes leak-soak.svg with both runs.
# Usage: leak-soak.sh BUILD [N] [OUTDIR]
set -euo pipefail
BUILD=$(cd "${1:-build}" && pwd)
N=${2:-20000}
OUT=$(cd "${3:-.}" && pwd)
T=$(mktemp -d /tmp/spoolbox-soak.XXXXXX)
chmod 755 "$T" # localspl runs as its own account
trap 'pkill -f "$T/spoolbox.conf" 2>/dev/null; rm -rf "$T"' EXIT

private_total() { # all spoolbox processes: the broker and its children
	local sum=0 p v
	for p in $1 $(pgrep -P "$1"); do
		v=$(awk '/^(Private_Clean|Private_Dirty|Swap):/ { s += $2 } END { print s + 0 }' \
			"/proc/$p/smaps_rollup" 2>/dev/null || echo 0)
		sum=$((sum + v))
	done
	echo $((sum * 1024))
}

run() { # run NAME BUDGET_LINES...
	local name=$1 port=$((20000 + RANDOM % 12000)) sb start
	shift
	rm -rf "$T/spool" "$T/run"
	{
		printf '[spooler]\nspool_dir = %s/spool\nruntime_dir = %s/run\n' "$T" "$T"
		printf 'history = 100\nsample_interval = 200ms\n'
		for k in localspl printproc lprmon remote; do
			printf '[worker.%s]\ndebug_leak_bytes_per_job = 64K\n' "$k"
			printf 'debug_leak_handles_per_job = 1\n'
			printf '%s\n' "$@"
			# localspl holds the backlog (~2.3 KB a queued job): its
			# budget must cover it or it recycles for honest memory.
			[ "$k" = localspl ] && [ "$1" != "memory_budget = 0" ] &&
				printf 'memory_budget = 96M\nmemory_limit = 256M\nhandle_budget = 256\n'
		done
		printf '[queue.soak]\nuri = lpd://127.0.0.1:%d/soak\n' "$port"
		printf 'datatype = postscript\n'
	} >"$T/spoolbox.conf"
	"$BUILD/spoolboxd" -c "$T/spoolbox.conf" >"$T/$name.log" 2>&1 &
	sb=$!
	for _ in $(seq 100); do [ -S "$T/run/spoolbox.sock" ] && break; sleep 0.05; done
	sleep 0.3
	start=$(date +%s.%N)
	( while kill -0 "$sb" 2>/dev/null; do
		echo "$(echo "$(date +%s.%N) - $start" | bc) $(private_total "$sb")"
		sleep 0.25
	done ) >"$T/$name.dat" &
	local sampler=$!
	echo "== $name"
	"$BUILD/sb-throughput" -s "$T/run/spoolbox.sock" -q soak -p "$port" \
		-n "$N" -x -z 600 -T 30 || true
	kill "$sb"; wait "$sb" 2>/dev/null || true
	kill "$sampler" 2>/dev/null || true; wait "$sampler" 2>/dev/null || true
	echo "peak private bytes (all processes): $(sort -k2 -n "$T/$name.dat" | tail -1 | awk '{ printf "%.1f MiB", $2 / 1048576 }')"
	echo "recycles logged: $(grep -c 'recycling' "$T/$name.log" || true)"
	cp "$T/$name.dat" "$OUT/leak-soak-$name.dat"
}

run recycling "memory_budget = 16M" "handle_budget = 64"
run no-recycling "memory_budget = 0" "memory_limit = 0" "handle_budget = 0" \
	"max_jobs = 0"

# A plain SVG line chart of both runs (no plotting package needed).
awk -v out="$OUT/leak-soak.svg" '
FNR == 1 { f++ }
{ t[f, FNR] = $1; v[f, FNR] = $2 / 1048576; n[f] = FNR
  if ($1 > tmax) tmax = $1; if ($2 / 1048576 > vmax) vmax = $2 / 1048576 }
END {
	W = 800; H = 420; L = 70; B = 40
	if (tmax == 0) tmax = 1; if (vmax == 0) vmax = 1
	printf "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" font-family=\"sans-serif\" font-size=\"12\">\n", W, H > out
	printf "<rect width=\"100%%\" height=\"100%%\" fill=\"white\"/>\n" > out
	printf "<text x=\"%d\" y=\"20\">spoolbox leak soak: total private bytes of all processes (MiB) over time (s)</text>\n", L > out
	printf "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"black\"/>\n", L, H - B, W - 10, H - B > out
	printf "<line x1=\"%d\" y1=\"30\" x2=\"%d\" y2=\"%d\" stroke=\"black\"/>\n", L, L, H - B > out
	printf "<text x=\"5\" y=\"40\">%.0f MiB</text><text x=\"5\" y=\"%d\">0</text>\n", vmax, H - B > out
	printf "<text x=\"%d\" y=\"%d\">%.0f s</text>\n", W - 60, H - 10, tmax > out
	split("#1f77b4 #d62728", col, " "); split("recycling no-recycling", name, " ")
	for (k = 1; k <= f; k++) {
		printf "<polyline fill=\"none\" stroke=\"%s\" stroke-width=\"2\" points=\"", col[k] > out
		for (i = 1; i <= n[k]; i++)
			printf "%.1f,%.1f ", L + t[k, i] / tmax * (W - L - 10), (H - B) - v[k, i] / vmax * (H - B - 30) > out
		printf "\"/>\n<text x=\"%d\" y=\"%d\" fill=\"%s\">%s</text>\n", L + 10, 40 + 16 * k, col[k], name[k] > out
	}
	print "</svg>" > out
}' "$T/recycling.dat" "$T/no-recycling.dat"
echo "plot: $OUT/leak-soak.svg"
