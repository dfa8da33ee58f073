#!/bin/bash
# The job store at scale (issue 15), reported, never asserted:
#   - the disk's naive durable-create rate, in the same run;
#   - durable submits/s with 1, 8 and 32 concurrent clients, to a queue
#     whose delivery is held (spoolbox queue disable), so every job stays;
#   - with QUEUED jobs held: spoolboxd's restart time to the first page of
#     `spoolbox jobs -q held --limit 100`, and localspl's private bytes;
#   - a fresh `spoolbox workers` process against a bare process start.
# Usage: bench/store.sh BUILD [QUEUED] (default 10000).
set -euo pipefail
BUILD=$(cd "${1:-build}" && pwd)
QUEUED=${2:-10000}
T=$(mktemp -d /tmp/spoolbox-storebench.XXXXXX)
chmod 755 "$T"
cat >"$T/spoolbox.conf" <<CONF
[spooler]
spool_dir = $T/spool
runtime_dir = $T/run
max_jobs_queued = 0
[queue.held]
uri = lpd://127.0.0.1:9/q
CONF
SB=
start() {
	"$BUILD/spoolboxd" -c "$T/spoolbox.conf" >>"$T/spoolboxd.log" 2>&1 &
	SB=$!
}
stop() { kill "$SB"; wait "$SB" 2>/dev/null || true; }
trap 'stop; [ -n "${KEEP:-}" ] || rm -rf "$T"' EXIT
sb() { "$BUILD/spoolbox" -s "$T/run/spoolbox.sock" "$@"; }
ms() { date +%s%3N; }
ready() { for _ in $(seq 400); do sb workers 2>/dev/null | grep -q '^localspl .* ready ' && return; sleep 0.01; done; }

echo "spool on: $(df --output=source,fstype "$T" | tail -1)"
# Beside each rate: the device's cache flushes per job (field 16 of its
# stat) and the CPU time the host took from this machine (steal, in
# ticks of /proc/stat): on a VM whose CPU the host throttles, the rates
# move with it.
DEV=$(basename "$(df --output=source "$T" | tail -1)")
STAT=/sys/class/block/$DEV/stat
probe() { echo "$(awk '{print $16}' "$STAT" 2>/dev/null || echo 0) $(awk '/^cpu /{print $9}' /proc/stat)"; }
phase() { # N COMMAND...: run it, then the flushes per job and the steal
	local n=$1 f0 s0 f1 s1
	shift
	read -r f0 s0 < <(probe)
	"$@"
	read -r f1 s1 < <(probe)
	echo "  ($(awk -v f=$((f1 - f0)) -v n="$n" 'BEGIN {printf "%.2f", f / n}') device flushes per job, $((s1 - s0)) ticks of steal)"
}
mkdir "$T/naive"
phase 2000 "$BUILD/sb-storebench" naive "$T/naive" 2000
# Its files stay until the end: on a filesystem without a journal, ext4
# skips inodes freed in the last seconds when it allocates one, so
# deleting 2000 here would slow the submits' file creation below.

start
ready
sb queue disable held --reason "bench: hold everything" >/dev/null
for c in 1 8 32; do
	phase 2000 "$BUILD/sb-storebench" submit "$T/run/spoolbox.sock" held "$c" 2000
done
have=$((3 * 2000))
if [ "$QUEUED" -gt "$have" ]; then
	"$BUILD/sb-storebench" submit "$T/run/spoolbox.sock" held 8 $((QUEUED - have)) >/dev/null
fi
n=$(sb jobs -q held --json | grep -o '"id":' | wc -l)
echo "queued and held: $n jobs"
sleep 1
pb=$(sb workers --json | grep -o '"kind":"localspl"[^}]*' | grep -o '"private_bytes":[0-9]*' | cut -d: -f2)
echo "localspl private bytes with $n jobs: $((pb / 1024)) KiB"
r=$(sb workers --json | grep -o '"kind":"localspl"[^}]*' | grep -o '"recycles":[0-9]*' | cut -d: -f2)
echo "localspl recycles so far: $r"

stop
t0=$(ms)
start
until sb jobs -q held --limit 100 >/dev/null 2>&1; do sleep 0.005; done
t1=$(ms)
echo "restart to the first page of $n held jobs: $((t1 - t0)) ms"

t0=$(ms); for _ in $(seq 200); do sb workers >/dev/null; done; t1=$(ms)
t2=$(ms); for _ in $(seq 200); do /bin/true; done; t3=$(ms)
echo "a fresh 'spoolbox workers': $(( (t1 - t0) * 5 )) us; a bare process start: $(( (t3 - t2) * 5 )) us (200 of each)"
