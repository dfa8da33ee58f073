#!/bin/bash
# bench/ipp-attrs.sh BUILD [N] [CLIENTS]: Get-Printer-Attributes against
# the listener's IPP port, all attributes each time: CLIENTS ipptool
# processes at once, each sending N requests on its own kept-alive
# connection. Prints requests/s for the whole.
# Reported, never asserted.
set -euo pipefail
BUILD=$(realpath "${1:?usage: bench/ipp-attrs.sh BUILD [N] [CLIENTS]}")
N=${2:-2000}
CLIENTS=${3:-2}
T=$(mktemp -d /tmp/sb-bench-attrs.XXXXXX)
chmod 755 "$T"
cleanup() {
	[ -n "${SB:-}" ] && kill "$SB" 2>/dev/null
	wait 2>/dev/null || true
	rm -rf "$T"
}
trap cleanup EXIT
while :; do
	IP=$((20000 + RANDOM % 10000))
	(exec 3<>"/dev/tcp/127.0.0.1/$IP") 2>/dev/null || break
done
mkdir -p "$T/out"
cat >"$T/sb.conf" <<CONF
[spooler]
spool_dir = $T/spool
runtime_dir = $T/run
[listener]
ipp = 127.0.0.1:$IP
[queue.q]
uri = file://$T/out
datatype = pdf
CONF
"$BUILD/spoolboxd" -c "$T/sb.conf" -f >"$T/sb.log" 2>&1 &
SB=$!
for _ in $(seq 200); do
	(exec 3<>"/dev/tcp/127.0.0.1/$IP") 2>/dev/null && break
	sleep 0.05
done
cat >"$T/one.test" <<'TEST'
{
	OPERATION Get-Printer-Attributes
	GROUP operation-attributes-tag
	ATTR charset attributes-charset utf-8
	ATTR naturalLanguage attributes-natural-language en
	ATTR uri printer-uri $uri
	ATTR name requesting-user-name bench
	STATUS successful-ok
}
TEST
# N requests in one file: ipptool sends them on one connection.
for _ in $(seq "$N"); do cat "$T/one.test"; done >"$T/gpa.test"
uri="ipp://127.0.0.1:$IP/printers/q"
ipptool -t "$uri" "$T/one.test" >/dev/null # warm
# CPU time (ticks) a process has used so far.
cpu() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }
LSN=$(pgrep -f -n spoolbox-listener)
SPL=$(pgrep -f -n spoolbox-localspl)
c0=$(cpu "$LSN") s0=$(cpu "$SPL") b0=$(cpu "$SB")
start=$(date +%s.%N)
for c in $(seq "$CLIENTS"); do
	ipptool -q "$uri" "$T/gpa.test" >"$T/run.$c" 2>&1 &
done
wait_ok=0
for job in $(jobs -p); do
	[ "$job" = "$SB" ] && continue
	wait "$job" || wait_ok=1
done
end=$(date +%s.%N)
c1=$(cpu "$LSN") s1=$(cpu "$SPL") b1=$(cpu "$SB")
[ "$wait_ok" -eq 0 ] || { echo "an ipptool run failed" >&2; exit 1; }
awk -v n="$((N * CLIENTS))" -v s="$start" -v e="$end" -v c="$CLIENTS" \
	-v l="$((c1 - c0))" -v p="$((s1 - s0))" -v b="$((b1 - b0))" -v hz="$(getconf CLK_TCK)" \
	'BEGIN { printf "Get-Printer-Attributes: %d requests from %d clients in %.2f s: %.0f requests/s; CPU per request: listener %.0f us, broker %.0f us, localspl %.0f us\n", n, c, e - s, n / (e - s), l * 1e6 / hz / n, b * 1e6 / hz / n, p * 1e6 / hz / n }'
