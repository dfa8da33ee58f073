#!/bin/bash
# bench/vs-cups.sh BUILD: spoolbox's conversions beside CUPS' own
# filters (cups-filters 1.28 and CUPS' pstops from Debian's package
# files, unpacked: the packages conflict with LPRng; pdftops runs
# Ghostscript's ps2write into pstops, as cupsd does) on the same
# documents: the corpus test's (tests/corpus.sh; CORPUS=full, as `make
# corpus` runs it: every PDF under /usr/share/doc instead of three)
# and larger ones (the valgrind and nettle manuals, 10 MiB of log
# text, a 300 dpi page as PNG and JPEG). For each document and
# conversion: pages, whether the output is valid (qpdf --check;
# Ghostscript to the last page), seconds through spoolbox (submit to
# completed, the CLI's wait), the print processor's own seconds and
# CUPS' filter's, their ratio, the peak memory of each (printproc's
# private bytes, sampled; the filter's maximum RSS) and each output's
# size. Each side runs REPEAT times (default 3), taking turns; the
# best time of each is shown. Then the medians per conversion class.
# Reported, never asserted. (root; downloads the .deb files once,
# installs nothing)
set -euo pipefail
BUILD=$(realpath "${1:?usage: bench/vs-cups.sh BUILD}")
C=${SPOOLBOX_PEERS:-/var/cache/spoolbox-tests}/cups-filters
REPEAT=${REPEAT:-3}
if [ ! -x "$C/x/usr/lib/cups/filter/texttopdf" ] || [ ! -x "$C/x/usr/lib/cups/filter/pstops" ]; then
	mkdir -p "$C"
	(cd "$C" && apt-get download cups-filters libcupsfilters1 libfontembed1 cups-core-drivers >/dev/null)
	for d in "$C"/*.deb; do dpkg-deb -x "$d" "$C/x"; done
fi
. "$(dirname "$0")/lib.sh"
bench_dir vs-cups
T=$BENCH_DIR
# CUPS' filters as cupsd runs them: one directory holding both packages'.
mkdir -p "$T/sbin/filter"
ln -s /usr/lib/cups/filter/* "$C"/x/usr/lib/cups/filter/* "$T/sbin/filter/" 2>/dev/null || true
export CUPS_SERVERBIN=$T/sbin CUPS_DATADIR=$C/x/usr/share/cups
export LD_LIBRARY_PATH=$C/x/usr/lib/x86_64-linux-gnu CHARSET=utf-8

# The corpus test's documents (tests/corpus.sh; CORPUS=full: every PDF
# under /usr/share/doc instead of three), and larger ones: two more
# manuals, 10 MiB of log text, a 300 dpi page as PNG and as JPEG.
D="$T/docs"
mkdir -p "$T/pdf" "$T/ps"
. "$(dirname "$0")/../tests/corpus.sh"
corpus_build "$D" >/dev/null 2>&1
# (Not again when CORPUS=full has them, under their path's name.)
for f in /usr/share/doc/valgrind/valgrind_manual.pdf.gz \
	/usr/share/doc/nettle-dev/nettle.pdf.gz; do
	n=$(basename "$f" .gz) full=$(echo "${f#/usr/share/doc/}" | tr '/' '_')
	[ -f "$f" ] && [ ! -f "$D/${full%.gz}" ] && zcat "$f" >"$D/$n" && docs+=("$n")
done
awk 'BEGIN { for (i = 0; n < 10485760; i++) { l = sprintf("Dec  7 08:%02d:%02d host daemon[%d]: session opened for user root by uid=0 port %d", i % 60, i * 7 % 60, 1000 + i % 500, i); print l; n += length(l) + 1 } }' >"$D/log.txt"
gs -q -dBATCH -dNOPAUSE -sDEVICE=png16m -r300 -dLastPage=1 -sOutputFile="$D/page.png" "$D/ls-man.ps"
gs -q -dBATCH -dNOPAUSE -sDEVICE=jpeg -r300 -dLastPage=1 -sOutputFile="$D/page.jpg" "$D/ls-man.ps"
docs+=(log.txt page.png page.jpg)
chmod -R a+rX "$D"

cat >"$T/sb.conf" <<CONF
[spooler]
spool_dir = $T/spool
runtime_dir = $T/run
preserve_job_files = 0
[queue.pdf]
uri = file://$T/pdf
datatype = pdf
[queue.ps]
uri = file://$T/ps
datatype = postscript
CONF
"$BUILD/spoolboxd" -c "$T/sb.conf" -f >"$T/sb.log" 2>&1 & pids+=($!)
for _ in $(seq 100); do [ -S "$T/run/spoolbox.sock" ] && break; sleep 0.05; done
sb() { "$BUILD/spoolbox" -s "$T/run/spoolbox.sock" "$@"; }
now() { date +%s.%N; }
# peak_pp CMD...: CMD, meanwhile the highest private KiB of any print
# processor into $T/peak.
peak_pp() {
	echo 0 >"$T/peak" # before the sampler's first figure, not over it
	( m=0; while :; do
		for p in $(pgrep -f spoolbox-printproc); do
			v=$(awk '/^(Private_Clean|Private_Dirty):/ { s += $2 } END { print s + 0 }' "/proc/$p/smaps_rollup" 2>/dev/null || echo 0)
			[ "$v" -gt "$m" ] && m=$v && echo "$m" >"$T/peak"
		done
		sleep 0.02
	done ) & local w=$!
	"$@"
	kill "$w"; wait "$w" 2>/dev/null || true
}
valid() {
	case "$1" in
	*.pdf) qpdf --check "$1" >/dev/null 2>&1 && echo yes || echo NO ;;
	*) gs -q -dBATCH -dNOPAUSE -dSAFER -sDEVICE=nullpage "$1" >"$T/gs.out" 2>&1 && [ ! -s "$T/gs.out" ] && echo yes || echo NO ;;
	esac
}
pages() {
	case "$1" in
	*.pdf) pdfinfo "$1" 2>/dev/null | awk '/^Pages:/ { print $2 }' ;;
	*) grep -a -m1 '^%%Pages: [0-9]' "$1" | awk '{ print $2 }' ;;
	esac
}
# cups DOC TO: CUPS' filter for this conversion, into $T/cups.out.
cups_filter() {
	case "$1:$2" in
	*.txt:pdf) echo "texttopdf text/plain" ;;
	*.txt:ps) echo "texttops text/plain" ;;
	*.pdf:ps) echo "pdftops application/pdf" ;;
	*.ps:pdf) echo "gstopdf application/postscript" ;;
	*.png:pdf) echo "imagetopdf image/png" ;;
	*.jpg:pdf) echo "imagetopdf image/jpeg" ;;
	*.png:ps) echo "imagetops image/png" ;;
	*.jpg:ps) echo "imagetops image/jpeg" ;;
	esac
}
# SPOOLBOX: submit to completed (the CLI, the store's fsync, the
# dispatch, delivery to the file: queue); CONVERT: the print processor's
# own time, first byte read to last byte acknowledged (its log line),
# which is what CUPS' filter alone is. RATIO: CUPS' / CONVERT;
# END_TO_END: CUPS' filter / SPOOLBOX.
printf '%-22s %-9s %6s %-5s %8s %8s %8s %6s %6s %9s %9s %9s %9s\n' DOCUMENT CONVERSION PAGES VALID SPOOLBOX CONVERT CUPS RATIO E2E SB_KIB CUPS_KIB SB_BYTES CUPS_BYTES
: >"$T/ratios"
# min A B, max A B (A may be empty: none yet).
min() { awk -v a="$1" -v b="$2" 'BEGIN { print (a == "" || b < a) ? b : a }'; }
max() { awk -v a="$1" -v b="$2" 'BEGIN { print (a == "" || b > a) ? b : a }'; }
for d in "${docs[@]}"; do
	doc=$D/$d
	for to in pdf ps; do
		read -r filter mime < <(cups_filter "$d" "$to") || continue
		[ -n "$filter" ] || continue
		ts='' tv='' tc='' sbpeak='' cpeak='' out=''
		for _ in $(seq "$REPEAT"); do
			rm -f "$out"
			t0=$(now)
			peak_pp sh -c "id=\$('$BUILD/spoolbox' -s '$T/run/spoolbox.sock' submit -q $to '$doc'); '$BUILD/spoolbox' -s '$T/run/spoolbox.sock' wait \$id --timeout 600 >/dev/null; echo \$id >'$T/id'"
			ts=$(min "$ts" "$(awk -v a="$(now)" -v b="$t0" 'BEGIN { print a - b }')")
			out=$(ls "$T/$to/job-$(cat "$T/id")".* 2>/dev/null || true)
			sbpeak=$(max "$sbpeak" "$(cat "$T/peak")")
			v=$(sed -n "s/.*job $(cat "$T/id"): .* in \([0-9]*\) ms$/\1/p" "$T/sb.log" | tail -n 1)
			# (Logged in whole ms: under 1 ms counts as 1, which
			# understates the ratio rather than divide by 0.)
			tv=$(min "$tv" "$(awk -v m="${v:-0}" 'BEGIN { printf "%.3f", (m < 1 ? 1 : m) / 1000 }')")
			# The same sampler runs beside CUPS' filter: it costs
			# both the same share of the CPU.
			t0=$(now)
			peak_pp env CONTENT_TYPE="$mime" /usr/bin/time -f %M -o "$T/rss" "$T/sbin/filter/$filter" 1 root t 1 "" "$doc" >"$T/cups.out" 2>/dev/null || true
			tc=$(min "$tc" "$(awk -v a="$(now)" -v b="$t0" 'BEGIN { print a - b }')")
			cpeak=$(max "$cpeak" "$(tail -n 1 "$T/rss")")
		done
		csize=$(stat -c %s "$T/cups.out")
		if [ -n "$out" ]; then
			sbsize=$(stat -c %s "$out") valid=$(valid "$out") pages=$(pages "$out")
		else # the job did not complete: no output
			sbsize=0 valid=NO pages=-
		fi
		rm -f "$out"
		r=$(awk -v c="$tc" -v s="$tv" 'BEGIN { printf "%.2f", (s > 0 ? c / s : 0) }')
		e=$(awk -v c="$tc" -v s="$ts" 'BEGIN { printf "%.2f", c / s }')
		echo "${d##*.}->$to $r $e $sbsize $csize" >>"$T/ratios"
		printf '%-22s %-9s %6s %-5s %8.2f %8.3f %8.2f %6s %6s %9s %9s %9s %9s\n' "$d" "${d##*.}->$to" "$pages" "$valid" \
			"$ts" "$tv" "$tc" "$r" "$e" "$sbpeak" "$cpeak" "$sbsize" "$csize"
	done
done
echo
echo "median per conversion: time ratio (CUPS' filter / the print processor), end to end (CUPS' filter / spoolbox), size ratio (spoolbox's output / CUPS'):"
median() { sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
for c in $(awk '{ print $1 }' "$T/ratios" | sort -u); do
	m1=$(awk -v c="$c" '$1 == c { print $2 }' "$T/ratios" | median)
	m2=$(awk -v c="$c" '$1 == c { print $3 }' "$T/ratios" | median)
	m3=$(awk -v c="$c" '$1 == c && $5 > 0 { printf "%.2f\n", $4 / $5 }' "$T/ratios" | median)
	echo "  $c $m1 $m2 ${m3:-?}"
done
