#!/bin/bash
# A corpus of documents no one here wrote, through spoolbox to a PDF
# queue and a PostScript queue: PDFs from Debian's documentation (groff's
# gropdf and Ghostscript, pdfTeX), PostScript from groff (a man page) and
# Ghostscript, text (GPL-3, twenty-odd scripts), PNG and JPEG of several
# kinds, and PDFs that must not print (a user password; no permission to
# print). Each output is checked: a PDF passes qpdf --check, PostScript
# renders in Ghostscript to its last page with no error; page counts
# against pdfinfo and the DSC; the first page rendered (30 dpi) against
# the input's within a pixel difference (sb-pixdiff); text comes back
# (pdftotext). Prints a table. CORPUS=full (make corpus) adds every PDF
# under /usr/share/doc.
. "$(dirname "$0")/lib.sh"
for t in gs qpdf pdfinfo pdftotext groff zcat; do
	command -v "$t" >/dev/null || { log "SKIP: $t is not installed"; exit 77; }
done
[ -x "$BUILD/sb-pixdiff" ] || { log "SKIP: no sb-pixdiff in $BUILD"; exit 77; }
. "$(dirname "$0")/../corpus.sh"
C="$T/corpus"
mkdir -p "$T/pdf" "$T/ps"
corpus_build "$C"

write_config "[queue.pdf]" "uri = file://$T/pdf" "datatype = pdf" \
	"[queue.ps]" "uri = file://$T/ps" "datatype = postscript"
start_spoolboxd

# ---- through spoolbox ----
declare -A id
for d in "${docs[@]}" locked.pdf noprint.pdf; do
	for q in pdf ps; do id[$d:$q]=$(sb submit -q "$q" "$C/$d"); done
done
state() { sb jobs -a --json | jq -r ".[] | select(.id == $1) | .state"; }
final() { case "$(state "$1")" in completed|aborted|canceled) return 0 ;; esac; return 1; }
for k in "${!id[@]}"; do wait_until 300 "job ${id[$k]} ($k) did not finish" final "${id[$k]}"; done

# pages FILE: a PDF's (pdfinfo) or a PostScript's (DSC) page count.
pages() {
	case "$1" in
	*.pdf) pdfinfo "$1" 2>/dev/null | awk '/^Pages:/ { print $2 }' ;;
	*) grep -a -m1 '^%%Pages: [0-9]' "$1" | awk '{ print $2 }' ;;
	esac
}
# first FILE: page 1 rendered at 30 dpi, greyscale, into FILE.pgm; on
# A4 when it does not say its size, as the queues' paper is (sb-pixdiff
# compares pages a few percent apart on the area they share).
first() {
	gs -q -dBATCH -dNOPAUSE -dSAFER -sDEVICE=pgmraw -r30 -sPAPERSIZE=a4 \
		-dFirstPage=1 -dLastPage=1 -sOutputFile="$1.pgm" "$1" >/dev/null 2>&1
}
printf '%-28s %-4s %6s %6s %-5s %s\n' DOCUMENT TO PAGES INPUT VALID PIXDIFF >"$T/table"
bad=0
for d in "${docs[@]}"; do
	in="$C/$d"
	inpages=$(case "$d" in *.pdf | *.ps) pages "$in" ;; *) echo - ;; esac)
	for q in pdf ps; do
		j=${id[$d:$q]}
		out=$(ls "$T/$q/job-$j".* 2>/dev/null | head -n 1)
		[ "$(state "$j")" = completed ] && [ -n "$out" ] ||
			{ log "FAIL: $d to $q: job $j $(state "$j")"; bad=1; continue; }
		if [ "$q" = pdf ]; then
			# (A PDF passed as it is keeps the input's warnings.)
			rc=0
			qpdf --check "$out" >/dev/null 2>&1 || rc=$?
			valid=$([ "$rc" = 0 ] && echo yes ||
				{ [ "$rc" = 3 ] && cmp -s "$in" "$out" && echo as-in; } || echo NO)
		else
			gs -q -dBATCH -dNOPAUSE -dSAFER -sDEVICE=nullpage "$out" >"$T/gs.out" 2>&1 &&
				[ ! -s "$T/gs.out" ] && valid=yes || valid=NO
		fi
		n=$(pages "$out")
		diff=-
		if [ "$inpages" != - ]; then
			[ "$n" = "$inpages" ] || { log "FAIL: $d to $q: $n pages, the input has $inpages"; bad=1; }
			first "$in" && first "$out" && diff=$("$BUILD/sb-pixdiff" "$in.pgm" "$out.pgm")
			awk -v d="$diff" 'BEGIN { exit !(d < 12) }' ||
				{ log "FAIL: $d to $q: page 1 differs from the input's by $diff"; bad=1; }
		fi
		[ "$valid" != NO ] || { log "FAIL: $d to $q is not valid"; bad=1; }
		printf '%-28s %-4s %6s %6s %-5s %s\n' "$d" "$q" "$n" "$inpages" "$valid" "$diff" >>"$T/table"
	done
done
cat "$T/table"
pdftotext "$T/pdf/job-${id[gpl3.txt:pdf]}.pdf" - | has "GNU GENERAL PUBLIC LICENSE" || { log "FAIL: GPL-3's text"; bad=1; }
pdftotext "$T/pdf/job-${id[scripts.txt:pdf]}.pdf" - | has "你好，世界" || { log "FAIL: the scripts' text"; bad=1; }
for d in locked.pdf noprint.pdf; do
	for q in pdf ps; do
		[ "$(state "${id[$d:$q]}")" = aborted ] || { log "FAIL: $d to $q printed"; bad=1; }
	done
done
[ "$bad" = 0 ] || fail "the corpus: see above"
log "PASS: ${#docs[@]} documents to PDF and PostScript, valid, pages and first pages as the input's; protected PDFs refused"
