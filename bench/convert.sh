#!/bin/bash
# The print processor and the remote provider, measured (reported, not
# asserted):
#  1. text -> PDF: MIB MiB of text through a `datatype = pdf` file: queue,
#     pages/s and MiB/s from submit to landed;
#  2. PDF -> PostScript: that PDF through a `datatype = postscript` queue;
#  3. a BIG MiB PDF through an ipp:// queue with no datatype (cupsd, raw
#     queue, its lpd backend, to a silent LPD sink): its pages counted,
#     then streamed as it is; MiB/s from submit to the sink's last byte.
# Each prints the peak private bytes (smaps_rollup) of every spoolbox
# process kind during it.
# The corpus's conversions timed beside cups-filters' own filters on the
# same files: bench/vs-cups.sh (and make corpus).
# Usage: bench/convert.sh BUILD [MIB] [BIG]   (root; installs nothing)
set -euo pipefail
BUILD=$(cd "${1:?usage: convert.sh BUILD [MIB] [BIG]}" && pwd)
MIB=${2:-8}
BIG=${3:-256}
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/../tests/cups-loopback.sh"
. "$(dirname "$0")/lib.sh"
bench_dir convert
D=$BENCH_DIR
SINK=18519 CUPSP=18633
sb() { "$BUILD/spoolbox" -s "$D/run/spoolbox.sock" "$@"; }
now() { date +%s.%N; }

# Peak private bytes per process name, sampled every 20 ms, into $D/peak.
peak_watch() {
	: >"$D/peak"
	while :; do
		for p in $(pgrep -f 'spoolbox(d|-)'); do
			awk -v c="$(cat "/proc/$p/comm" 2>/dev/null)" \
				'/^(Private_Clean|Private_Dirty|Swap):/ { s += $2 } END { print c, s }' \
				"/proc/$p/smaps_rollup" 2>/dev/null || true # it ended
		done >>"$D/peak"
		sleep 0.02
	done
}
peaks() {
	awk '{ if ($2 > m[$1]) m[$1] = $2 } END { for (k in m) printf "  %-18s %6.1f MiB\n", k, m[k] / 1024 }' \
		"$D/peak" | sort
}
timed() { # timed JOBID: seconds until it completed
	local t0=$1 id=$2
	sb wait "$id" --timeout 3600 >/dev/null
	echo "$(now) - $t0" | bc
}

"$BUILD/sb-lpdsink" "$SINK" >"$D/sink.out" & pids+=($!)
cups_loopback_start "$D/cups" "$CUPSP" >/dev/null 2>&1; pids+=("$CUPS_PID")
cups_queue "$D/cups" "$CUPSP" q "lpd://127.0.0.1:$SINK/q?reserve=none" >/dev/null
cat >"$D/sb.conf" <<CONF
[spooler]
spool_dir = $D/spool
runtime_dir = $D/run
[queue.pdf]
uri = file://$D/pdf
datatype = pdf
[queue.ps]
uri = file://$D/ps
datatype = postscript
[queue.ipp]
uri = ipp://127.0.0.1:$CUPSP/printers/q
CONF
"$BUILD/spoolboxd" -c "$D/sb.conf" >"$D/sb.log" 2>&1 & pids+=($!)
for _ in $(seq 100); do [ -S "$D/run/spoolbox.sock" ] && break; sleep 0.05; done
sleep 0.5

# 1. text -> PDF
awk -v n=$((MIB * 1024 * 1024 / 64)) 'BEGIN { for (i = 1; i <= n; i++) printf "%06d The quick brown fox jumps over the lazy dog; naïve café 0123\n", i }' >"$D/doc.txt"
chmod 644 "$D/doc.txt"
sync
peak_watch & w=$!
t0=$(now); id=$(sb submit -q pdf -t text "$D/doc.txt"); s=$(timed "$t0" "$id")
kill "$w" 2>/dev/null || true; wait "$w" 2>/dev/null || true
pages=$(sb jobs -a --json | jq ".[] | select(.id == $id) | .pages")
mib=$(echo "scale=2; $(stat -c %s "$D/doc.txt") / 1048576" | bc)
echo "text -> PDF: $mib MiB, $pages pages in $s s: $(echo "$pages / $s" | bc) pages/s, $(echo "scale=2; $mib / $s" | bc) MiB/s"
peaks

# 2. PDF -> PostScript, the PDF just made
cp "$D/pdf/job-$id.pdf" "$D/doc.pdf"; chmod 644 "$D/doc.pdf"
sync
peak_watch & w=$!
t0=$(now); id=$(sb submit -q ps "$D/doc.pdf"); s=$(timed "$t0" "$id")
kill "$w" 2>/dev/null || true; wait "$w" 2>/dev/null || true
echo "PDF -> PostScript: $pages pages ($(( $(stat -c %s "$D/doc.pdf") / 1048576 )) MiB in, $(( $(stat -c %s "$D/ps/job-$id.ps") / 1048576 )) MiB out) in $s s: $(echo "$pages / $s" | bc) pages/s"
peaks

# 3. a BIG MiB PDF to an IPP printer: BIG pages, each a 1 MiB content
# stream of comments, with its cross-reference table (awk counts bytes).
head -c $((BIG * 784896)) /dev/urandom | base64 -w 1022 | awk -v big="$BIG" '
	function out(s) { printf "%s", s; off += length(s) }
	function obj(n) { xref[n] = off }
	BEGIN {
		out("%PDF-1.4\n")
		obj(1); out("1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n")
		kids = ""
		for (i = 1; i <= big; i++) kids = kids " " (2 * i + 1) " 0 R"
		obj(2); out("2 0 obj << /Type /Pages /Count " big " /Kids [" kids " ] >> endobj\n")
	}
	(NR - 1) % 1024 == 0 {
		p = (NR - 1) / 1024 + 1
		obj(2 * p + 1); out((2 * p + 1) " 0 obj << /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents " (2 * p + 2) " 0 R >> endobj\n")
		obj(2 * p + 2); out((2 * p + 2) " 0 obj << /Length 1048576 >> stream\n")
	}
	{ out("%" $0 "\n") }
	NR % 1024 == 0 { out("endstream endobj\n") }
	END {
		n = 2 * big + 3; x = off
		out("xref\n0 " n "\n0000000000 65535 f \n")
		for (i = 1; i < n; i++) out(sprintf("%010d 00000 n \n", xref[i]))
		out("trailer << /Size " n " /Root 1 0 R >>\nstartxref\n" x "\n%%EOF\n")
	}' >"$D/big.pdf"
chmod 644 "$D/big.pdf"
qpdf --check "$D/big.pdf" >/dev/null 2>&1 || { echo "the generated PDF is not valid"; exit 1; }
size=$(stat -c %s "$D/big.pdf")
sync
peak_watch & w=$!
t0=$("$BUILD/sb-lpdsink" -t)
sb submit -q ipp "$D/big.pdf" >/dev/null
while [ "$(grep -c '^job' "$D/sink.out")" -lt 1 ]; do
	sleep 0.01
	if sb jobs | grep -q aborted || ! sb jobs -a | grep -q .; then break; fi
	sb jobs -a | tail -n 1 | grep -qE "aborted|retry-wait" && { echo "the job did not print: $(sb jobs -a | tail -n 1)"; exit 1; }
done
s=$(awk -v t0="$t0" 'END { printf "%.3f\n", $4 - t0 }' "$D/sink.out")
kill "$w" 2>/dev/null || true; wait "$w" 2>/dev/null || true
echo "$(( size / 1048576 )) MiB PDF ($BIG pages) through ipp://: $s s, $(echo "scale=1; $size / 1048576 / $s" | bc) MiB/s end to end"
sb jobs -a | tail -n 1
peaks
