#!/bin/bash
# bench/lpstat-beside-cups.sh BUILD: what CUPS' own `lpstat -h HOST -t`
# (Debian's cups-client, unpacked: it conflicts with LPRng) prints against
# a private cupsd and against spoolbox, each with the same two queues
# (office, lab) and the same two held jobs on office, one after the
# other. A side-by-side for people (issue 27's note), not a test.
set -euo pipefail
BUILD=$(realpath "${1:?usage: bench/lpstat-beside-cups.sh BUILD}")
SRC=$(cd "$(dirname "$0")/.." && pwd)
. "$SRC/tests/cups-loopback.sh"
C=${SPOOLBOX_PEERS:-/var/cache/spoolbox-tests}/cups-client
if [ ! -x "$C/x/usr/bin/lpstat" ]; then
	mkdir -p "$C"
	(cd "$C" && apt-get download cups-client >/dev/null)
	dpkg-deb -x "$C"/cups-client_*.deb "$C/x"
fi
B=$C/x/usr/bin
T=$(mktemp -d /tmp/sb-bench-lpstat.XXXXXX)
chmod 755 "$T"
cleanup() {
	[ -n "${SB:-}" ] && kill "$SB" 2>/dev/null
	[ -n "${CUPS_PID:-}" ] && kill "$CUPS_PID" 2>/dev/null
	wait 2>/dev/null || true
	rm -rf "$T"
}
trap cleanup EXIT
. "$(dirname "$0")/lib.sh"
CP=$(port)
cups_loopback_start "$T/cups" "$CP" >/dev/null
cups_queue "$T/cups" "$CP" office lpd://127.0.0.1:9/office >/dev/null
cups_queue "$T/cups" "$CP" lab lpd://127.0.0.1:9/lab >/dev/null
SP=$(port)
mkdir -p "$T/out"
cat >"$T/sb.conf" <<CONF
[spooler]
spool_dir = $T/spool
runtime_dir = $T/run
[listener]
ipp = 127.0.0.1:$SP
dnssd = off
[queue.office]
uri = file://$T/out
[queue.lab]
uri = lpd://127.0.0.1:9/lab
CONF
"$BUILD/spoolboxd" -c "$T/sb.conf" -f >"$T/sb.log" 2>&1 &
SB=$!
for _ in $(seq 100); do
	(exec 3<>"/dev/tcp/127.0.0.1/$SP") 2>/dev/null && break
	sleep 0.1
done
printf 'a page\n' >"$T/doc.txt"
chmod 644 "$T/doc.txt"
for h in "127.0.0.1:$CP" "127.0.0.1:$SP"; do
	for _ in 1 2; do
		"$B/lp" -h "$h" -d office -H hold -t report "$T/doc.txt" >/dev/null
	done
done
echo "== CUPS $(dpkg-query -W -f '${Version}' cups-daemon): lpstat -h 127.0.0.1:PORT -t"
"$B/lpstat" -h "127.0.0.1:$CP" -t 2>&1 | sed "s/$CP/PORT/g"
echo
echo "== spoolbox: lpstat -h 127.0.0.1:PORT -t"
"$B/lpstat" -h "127.0.0.1:$SP" -t 2>&1 | sed "s/$SP/PORT/g"
