#!/bin/bash
# The demo: spoolboxd on its embedded default configuration, a sample text
# job through every stage (localspl stores it, printproc makes PostScript,
# lprmon delivers it over RFC 1179 to a real LPD server on 127.0.0.1:515),
# the same job to the default file queue, and where each one landed.
set -euo pipefail
BUILD=$(cd "${1:-build}" && pwd)
SB="$BUILD/spoolbox"
T=$(mktemp -d /tmp/spoolbox-demo.XXXXXX)
chmod 755 "$T"
LPD_PID= SB_PID=

cleanup() {
	[ -n "$SB_PID" ] && kill "$SB_PID" 2>/dev/null && wait "$SB_PID" 2>/dev/null
	[ -n "$LPD_PID" ] && kill -9 "$LPD_PID" 2>/dev/null
	true
}
trap cleanup EXIT

say() { printf '\n== %s\n' "$*"; }

. "$(dirname "$0")/../tests/lpd-loopback.sh"

port_busy() { (exec 3<>/dev/tcp/127.0.0.1/515) 2>/dev/null; }

# A real LPD server (LPRng) for the default "lp" queue, on loopback only,
# in its own mount+pid namespace so the host's /etc/lprng is untouched.
if [ "$(id -u)" -eq 0 ] && ! port_busy; then
	lpd_loopback_start "$T/lpd" 515 lp
	for _ in $(seq 100); do port_busy && break; sleep 0.05; done
	say "LPRng lpd listening on 127.0.0.1:515 (queue lp, spool $T/lpd/spool/lp)"
else
	say "no LPD server started (needs root and a free 127.0.0.1:515)"
fi

say "starting spoolboxd on its embedded default config (log: $T/spoolboxd.log)"
"$BUILD/spoolboxd" -f >"$T/spoolboxd.log" 2>&1 &
SB_PID=$!
for _ in $(seq 100); do
	[ "$("$SB" workers 2>/dev/null | grep -c ' ready ')" -ge 4 ] && break
	sleep 0.05
done
"$SB" workers
"$SB" queues

cat >"$T/sample.txt" <<'TEXT'
spoolbox sample job

This page was submitted as plain text. The local spooler stored it
durably (fsync and atomic rename before the job id was printed), the print
processor turned it into PostScript, and the LPR port monitor delivered it
over RFC 1179. Each of them is its own sandboxed process that the broker
measures from the outside and recycles when it exceeds its budget.

	Q225095: "The spooler service may leak private bytes and handles."
	Not here: a leak lives only as long as one worker process.
TEXT

if [ -n "$LPD_PID" ]; then
	say "spoolbox submit -q lp -t text sample.txt"
	id=$("$SB" submit -q lp -t text -T "spoolbox sample" "$T/sample.txt")
	echo "job $id"
	"$SB" wait "$id" --timeout 30
	say "job $id landed on the LPD server:"
	"$SB" jobs -a | awk -v id="$id" 'NR == 1 || $1 == id'
	ls -l "$T/lpd/spool/lp"/dfA* "$T/lpd/spool/lp"/hfA*
	echo "first lines of the PostScript the LPD server received:"
	head -n 4 "$T/lpd/spool/lp"/dfA*
fi

say "spoolbox submit -q default sample.txt (a file: queue)"
id=$("$SB" submit -q default "$T/sample.txt")
echo "job $id"
"$SB" wait "$id" --timeout 30
landed=$("$SB" jobs -a --json | tr '{' '\n' | grep "\"id\":$id," |
	sed 's/.*"landed":"\([^"]*\)".*/\1/')
say "job $id landed in $landed"
head -n 4 "$landed"

say "workers after the demo (jobs done per worker):"
"$SB" workers
