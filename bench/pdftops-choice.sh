#!/bin/bash
# bench/pdftops-choice.sh BUILD [MAX]: how PDF -> PostScript is made, measured
# on the PDFs under /usr/share/doc (at most MAX, 40 unless given) plus a
# text in many scripts made by cairo (CID fonts): poppler's PostScript
# (pdftops, what printproc used before) beside Ghostscript's ps2write
# (what CUPS' pdftops filter runs, and printproc now): seconds, output
# size, peak memory, whether Ghostscript renders the PostScript to its
# last page, and its first page's ink against the PDF's (a lost glyph
# shows as less ink). Medians at the end. Reported, never asserted.
set -euo pipefail
BUILD=$(realpath "${1:?usage: bench/pdftops-choice.sh BUILD [MAX]}")
MAX=${2:-40}
T=$(mktemp -d /tmp/sb-pdftops.XXXXXX)
trap 'rm -rf "$T"' EXIT
n=0
for f in $(find /usr/share/doc -name '*.pdf' -o -name '*.pdf.gz' | sort); do
	[ "$n" -lt "$MAX" ] || break
	b=$(basename "$f" .gz)
	case "$f" in *.gz) zcat "$f" >"$T/$b" ;; *) cp "$f" "$T/$b" ;; esac
	pdfinfo "$T/$b" >/dev/null 2>&1 || { rm -f "$T/$b"; continue; }
	n=$((n + 1))
done
echo showpage >"$T/blank.ps"
gs -q -dBATCH -dNOPAUSE -sDEVICE=pgmraw -r50 -sPAPERSIZE=a4 -dFIXEDMEDIA -sOutputFile="$T/blank.pgm" "$T/blank.ps"
ink() { # ink FILE: page 1's distance from a blank page (sb-pixdiff)
	gs -q -dBATCH -dNOPAUSE -dSAFER -sDEVICE=pgmraw -r50 -dLastPage=1 -sPAPERSIZE=a4 \
		-dFIXEDMEDIA -sOutputFile="$1.pgm" "$1" >/dev/null 2>&1 || { echo -; return; }
	"$BUILD/sb-pixdiff" "$T/blank.pgm" "$1.pgm"
}
valid() { gs -q -dBATCH -dNOPAUSE -dSAFER -sDEVICE=nullpage "$1" >"$T/gs.out" 2>&1 && [ ! -s "$T/gs.out" ] && echo yes || echo NO; }
printf '%-34s %5s | %7s %9s %7s %-5s %6s | %7s %9s %7s %-5s %6s | %6s\n' PDF PAGES \
	POPPLER BYTES KIB VALID INK PS2WRITE BYTES KIB VALID INK PDF_INK
: >"$T/rows"
for pdf in "$T"/*.pdf; do
	d=$(basename "$pdf")
	p=$(pdfinfo "$pdf" 2>/dev/null | awk '/^Pages:/ { print $2 }')
	s1=$( { /usr/bin/time -f '%e %M' pdftops "$pdf" "$T/p.ps" 2>&1 >/dev/null; } | tail -n 1)
	s2=$( { /usr/bin/time -f '%e %M' gs -q -dBATCH -dNOPAUSE -dSAFER -dNOINTERPOLATE \
		-dShowAcroForm -sDEVICE=ps2write -sOutputFile="$T/g.ps" "$pdf" 2>&1 >/dev/null; } | tail -n 1)
	r="$d $p $(echo "$s1" | awk '{ print $1 }') $(stat -c %s "$T/p.ps") $(echo "$s1" | awk '{ print $2 }') $(valid "$T/p.ps") $(ink "$T/p.ps")"
	r="$r $(echo "$s2" | awk '{ print $1 }') $(stat -c %s "$T/g.ps") $(echo "$s2" | awk '{ print $2 }') $(valid "$T/g.ps") $(ink "$T/g.ps") $(ink "$pdf")"
	echo "$r" >>"$T/rows"
	echo "$r" | awk '{ printf "%-34.34s %5s | %7s %9s %7s %-5s %6s | %7s %9s %7s %-5s %6s | %6s\n", $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13 }'
done
med() { sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
echo
echo "medians over $(wc -l <"$T/rows") PDFs:"
echo "  time: poppler $(awk '{ print $3 }' "$T/rows" | med) s, ps2write $(awk '{ print $8 }' "$T/rows" | med) s"
echo "  size ratio ps2write/poppler: $(awk '{ print $9 / $4 }' "$T/rows" | med)"
echo "  peak KiB: poppler $(awk '{ print $5 }' "$T/rows" | med), ps2write $(awk '{ print $10 }' "$T/rows" | med)"
echo "  not valid: poppler $(awk '$6 != "yes"' "$T/rows" | wc -l), ps2write $(awk '$11 != "yes"' "$T/rows" | wc -l)"
echo "  page 1 ink off the PDF's by >10%: poppler $(awk '$13 > 0 && ($7 < $13 * 0.9 || $7 > $13 * 1.1)' "$T/rows" | wc -l), ps2write $(awk '$13 > 0 && ($12 < $13 * 0.9 || $12 > $13 * 1.1)' "$T/rows" | wc -l)"
