#!/bin/bash
# bench/socket-lpd.sh BUILD [N] [MIB]: socket:// (AppSocket) beside
# lpd:// through spoolbox, each to a loopback printer of this tree's
# (sb-socketsink, sb-lpdsink): N small jobs (2 KiB) submitted back to back
# with the CLI, jobs/s from the first submit to the printer's last job;
# then one MIB MiB job, MiB/s from submit to its last byte. Reported,
# never asserted. (root; installs nothing)
set -euo pipefail
BUILD=$(realpath "${1:?usage: bench/socket-lpd.sh BUILD [N] [MIB]}")
N=${2:-1000}
MIB=${3:-256}
. "$(dirname "$0")/lib.sh"
bench_dir bench-sock
T=$BENCH_DIR
PS=$(port)
PL=$(port)
"$BUILD/sb-socketsink" "$PS" >"$T/sock.log" 2>&1 & pids+=($!)
"$BUILD/sb-lpdsink" "$PL" >"$T/lpd.log" 2>&1 & pids+=($!)
cat >"$T/sb.conf" <<CONF
[spooler]
spool_dir = $T/spool
runtime_dir = $T/run
[queue.sock]
uri = socket://127.0.0.1:$PS
[queue.lpd]
uri = lpd://127.0.0.1:$PL/q
CONF
"$BUILD/spoolboxd" -c "$T/sb.conf" -f >"$T/sb.log" 2>&1 & pids+=($!)
for _ in $(seq 100); do [ -S "$T/run/spoolbox.sock" ] && break; sleep 0.05; done
sb() { "$BUILD/spoolbox" -s "$T/run/spoolbox.sock" "$@"; }
head -c 2048 /dev/urandom >"$T/small"
head -c $((MIB << 20)) /dev/urandom >"$T/big"
chmod 644 "$T/small" "$T/big"
# jobs Q LOG COUNT: seconds until LOG has COUNT job lines.
until_jobs() {
	local t0=$1 log=$2 want=$3
	while [ "$(grep -c '^job' "$log")" -lt "$want" ]; do sleep 0.02; done
	awk -v a="$(date +%s.%N)" -v b="$t0" 'BEGIN { print a - b }'
}
for q in sock lpd; do
	log="$T/$q.log"
	t0=$(date +%s.%N)
	for _ in $(seq 1 "$N"); do sb submit -q "$q" -t raw "$T/small" >/dev/null; done
	s=$(until_jobs "$t0" "$log" "$N")
	printf '%-6s %d jobs of 2 KiB: %.2f s, %.0f jobs/s\n' "$q" "$N" "$s" "$(awk -v n="$N" -v s="$s" 'BEGIN { print n / s }')"
	t0=$(date +%s.%N)
	sb submit -q "$q" -t raw "$T/big" >/dev/null
	s=$(until_jobs "$t0" "$log" "$((N + 1))")
	printf '%-6s one %d MiB job: %.2f s, %.0f MiB/s\n' "$q" "$MIB" "$s" "$(awk -v n="$MIB" -v s="$s" 'BEGIN { print n / s }')"
done
