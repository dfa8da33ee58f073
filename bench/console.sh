#!/bin/bash
# bench/console.sh BUILD [JOBS]: the web console's pages as a browser
# loads them: bytes, requests and the time to first contentful paint of
# each page (headless Chromium over the DevTools protocol, cache off),
# with JOBS jobs in the store (half printed, half waiting on a disabled
# queue). Reported, never asserted. (root; installs nothing)
set -euo pipefail
BUILD=$(realpath "${1:?usage: bench/console.sh BUILD [JOBS]}")
N=${2:-1000}
T=$(mktemp -d /tmp/sb-bench-console.XXXXXX)
chmod 755 "$T"
PIDS=()
cleanup() { for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$T"; }
trap cleanup EXIT
. "$(dirname "$0")/lib.sh"
P=$(port)
mkdir -p "$T/out"
cat >"$T/sb.conf" <<CONF
[spooler]
spool_dir = $T/spool
runtime_dir = $T/run
[listener]
ipp = 127.0.0.1:$P
tls = on
[queue.files]
uri = file://$T/out
[queue.waiting]
uri = file://$T/out
CONF
"$BUILD/spoolboxd" -c "$T/sb.conf" -f >"$T/sb.log" 2>&1 & PIDS+=($!)
wait_port "$P"
sb() { "$BUILD/spoolbox" -s "$T/run/spoolbox.sock" "$@"; }
sb queue disable waiting >/dev/null
printf 'a small text job\n' >"$T/doc"
for i in $(seq 1 "$N"); do
	sb submit -q "$([ $((i % 2)) = 0 ] && echo files || echo waiting)" -T "job $i" "$T/doc"
done >/dev/null
sleep 2
cat >"$T/spec.json" <<SPEC
{"base": "https://127.0.0.1:$P", "out": "$T/shots", "steps": [
 {"measure": ["/", "/queues", "/queues/waiting", "/jobs", "/jobs/2", "/workers", "/login"], "file": "weights.json"}
]}
SPEC
/usr/bin/python3 "$(dirname "$0")/../tests/integration/console_browser.py" "$T/spec.json" >/dev/null
echo "web console, $N jobs in the store (chromium headless, cache off, loopback TLS):"
jq -r '.[] | "  \(.page)\t\(.bytes) bytes\t\(.requests) requests\tfirst paint \(.first_paint_ms) ms\tload \(.load_ms) ms"' \
	"$T/shots/weights.json" | column -t -s "$(printf '\t')"
