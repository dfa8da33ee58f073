#!/bin/bash
# Throughput benchmark: spoolboxd on a temp dir with one lpd:// queue whose
# server is sb-throughput's own loopback sink. Usage: run-throughput.sh BUILD [N]
set -euo pipefail
BUILD=$(cd "${1:-build}" && pwd)
N=${2:-2000}
T=$(mktemp -d /tmp/spoolbox-bench.XXXXXX)
chmod 755 "$T" # localspl runs as its own account
PORT=$((20000 + RANDOM % 12000))
cat >"$T/spoolbox.conf" <<CONF
[spooler]
spool_dir = $T/spool
runtime_dir = $T/run
history = 100
[queue.bench]
uri = lpd://127.0.0.1:$PORT/bench
[queue.bench2]
uri = lpd://127.0.0.1:$((PORT + 1))/bench
CONF
"$BUILD/spoolboxd" -c "$T/spoolbox.conf" >"$T/spoolboxd.log" 2>&1 &
SB=$!
trap 'kill $SB; wait $SB 2>/dev/null; [ -n "${KEEP:-}" ] || rm -rf "$T"' EXIT
for _ in $(seq 100); do [ -S "$T/run/spoolbox.sock" ] && break; sleep 0.05; done
sleep 0.2
echo "spool on: $(df --output=source,fstype "$T" | tail -1)"
echo "-- back to back"
"$BUILD/sb-throughput" -s "$T/run/spoolbox.sock" -q bench -p "$PORT" -n "$N"
echo "-- paced"
"$BUILD/sb-throughput" -s "$T/run/spoolbox.sock" -q bench2 -p "$((PORT + 1))" -n 500 -w
