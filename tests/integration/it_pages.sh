#!/bin/bash
# IPP page-ranges, number-up and overrides (a page's media and
# orientation), done by the print processor for PDF, PostScript and text,
# checked on what lands with pdfinfo and pdftotext: only the pages chosen,
# in order; 2 and 4 to a side, in reading order; a page on other paper,
# one turned;
# the same through a PostScript queue (read back through Ghostscript).
# Ranges that are not ascending are unsupported values (an error with
# ipp-attribute-fidelity); ranges that choose none of the document's
# pages abort the job with one line; a printer language that goes as it
# is (PCL to a raw queue) is refused with one line.
. "$(dirname "$0")/lib.sh"
for t in gs ps2pdf pdftotext pdfinfo ipptool jq; do
	command -v "$t" >/dev/null || { log "SKIP: $t is not installed"; exit 77; }
done

mkdir -p "$T/out"
IPORT=$(free_port)
write_config "[listener]" "ipp = 127.0.0.1:$IPORT" \
	"[queue.pdf]" "uri = file://$T/out" "datatype = pdf" \
	"[queue.ps]" "uri = file://$T/out" "datatype = postscript" \
	"[queue.raw]" "uri = file://$T/out" "datatype = raw"
start_spoolboxd
wait_port "$IPORT"

# Six pages, "Page N" on each, as PostScript and as PDF.
cat >"$T/six.ps" <<'EOF'
%!PS-Adobe-3.0
%%Pages: 6
%%EndComments
/Helvetica findfont 48 scalefont setfont
1 1 6 { 72 400 moveto (Page ) show 3 string cvs show showpage } for
%%EOF
EOF
ps2pdf "$T/six.ps" "$T/six.pdf"
printf 'text page 1\ftext page 2\ftext page 3\n' >"$T/three.txt"
chmod 644 "$T/six.ps" "$T/six.pdf" "$T/three.txt"
printed() { ls "$T/out"/job-"$1".* | head -n 1; }
pages() { pdfinfo "$1" | awk '/^Pages:/ { print $2 }'; }
# side FILE N: the text of side N, on one line.
side() { pdftotext -f "$2" -l "$2" "$1" - | tr -d '\f' | tr -s '\n ' '  '; }

a=$(ipp_job "$T/six.pdf" application/pdf "ATTR rangeOfInteger page-ranges 2-3,5-5")
b=$(ipp_job "$T/six.pdf" application/pdf "ATTR integer number-up 2")
c=$(ipp_job "$T/six.pdf" application/pdf "ATTR integer number-up 4" \
	"ATTR rangeOfInteger page-ranges 1-5")
d=$(ipp_job "$T/three.txt" text/plain "ATTR rangeOfInteger page-ranges 2-2")
wait_completed "$a" "$b" "$c" "$d"

f=$(printed "$a")
[ "$(pages "$f")" = 3 ] || fail "page-ranges 2-3,5: $(pages "$f") pages"
[ "$(side "$f" 1)$(side "$f" 2)$(side "$f" 3)" = "Page 2 Page 3 Page 5 " ] ||
	fail "page-ranges 2-3,5 printed: $(pdftotext "$f" - | tr '\n' ' ')"
f=$(printed "$b")
[ "$(pages "$f")" = 3 ] || fail "number-up 2 of 6 pages: $(pages "$f") sides"
side "$f" 1 | has "Page 1" && side "$f" 1 | has "Page 2" && ! side "$f" 1 | has "Page 3" ||
	fail "number-up 2, side 1: $(side "$f" 1)"
pdfinfo "$f" | has "Page size: *595.28 x 841.89" || fail "number-up 2 is not on A4: $(pdfinfo "$f" | grep 'Page size')"
f=$(printed "$c")
[ "$(pages "$f")" = 2 ] || fail "number-up 4 of pages 1-5: $(pages "$f") sides"
[ "$(side "$f" 2)" = "Page 5 " ] || fail "number-up 4, side 2: $(side "$f" 2)"
for n in 1 2 3 4; do side "$f" 1 | has "Page $n" || fail "number-up 4, side 1 lacks page $n: $(side "$f" 1)"; done
# Reading order on a side: 1 before 2 (left to right), 2 before 3 (rows).
[ "$(pdftotext -layout -f 1 -l 1 "$f" - | grep -o 'Page [0-9]' | tr -d '\n')" = "Page 1Page 2Page 3Page 4" ] ||
	fail "number-up 4 out of order: $(pdftotext -layout -f 1 -l 1 "$f" -)"
f=$(printed "$d")
[ "$(pages "$f")" = 1 ] && side "$f" 1 | has "text page 2" || fail "text, page-ranges 2: $(pdftotext "$f" -)"

# overrides: page 2 on Letter, page 3 landscape (turned anticlockwise:
# its words run up the side, taller than wide); the rest as they were.
o=$(ipp_job "$T/six.pdf" application/pdf "ATTR collection overrides {
MEMBER rangeOfInteger pages 2-2
MEMBER keyword media na_letter_8.5x11in
} , {
MEMBER rangeOfInteger pages 3-3
MEMBER enum orientation-requested 4
}")
wait_completed "$o"
f=$(printed "$o")
sizes=$(pdfinfo -f 1 -l 4 "$f" | awk '/^Page +[0-9]+ size:/ { printf "%s x %s;", $4, $6 }')
[ "$sizes" = "595 x 842;612 x 792;842 x 595;595 x 842;" ] ||
	fail "overrides: the sides are $sizes"
pdftotext -f 3 -l 3 -bbox "$f" - | grep '>Page<' |
	sed -E 's/.*xMin="([0-9.]+)" yMin="([0-9.]+)" xMax="([0-9.]+)" yMax="([0-9.]+)".*/\1 \2 \3 \4/' |
	awk '{ exit !($4 - $2 > $3 - $1) }' ||
	fail "overrides: page 3 is not turned: $(pdftotext -f 3 -l 3 -bbox "$f" - | grep word)"
[ "$(side "$f" 2)" = "Page 2 " ] || fail "overrides: side 2 is $(side "$f" 2)"

# Through a PostScript queue, from PostScript: the same sides as the PDF
# queue's (whose text is read back), each rendered by Ghostscript within
# a pixel difference of the other (0.12 here; another side 0.57) (Ghostscript's PostScript keeps the
# glyphs, not text that pdftotext could read back).
e=$(IPPQ=ps ipp_job "$T/six.ps" application/postscript "ATTR rangeOfInteger page-ranges 4-6" \
	"ATTR integer number-up 2")
e2=$(ipp_job "$T/six.ps" application/postscript "ATTR rangeOfInteger page-ranges 4-6" \
	"ATTR integer number-up 2")
wait_completed "$e" "$e2"
ps2pdf "$(printed "$e")" "$T/e.pdf"
[ "$(pages "$T/e.pdf")" = 2 ] || fail "PostScript, pages 4-6 2-up: $(pages "$T/e.pdf") sides"
f=$(printed "$e2")
side "$f" 1 | has "Page 4" && side "$f" 1 | has "Page 5" && [ "$(side "$f" 2)" = "Page 6 " ] ||
	fail "PostScript to PDF, pages 4-6 2-up: $(side "$f" 1) / $(side "$f" 2)"
if [ -x "$BUILD/sb-pixdiff" ]; then
	for n in 1 2; do
		for x in "$T/e.pdf" "$f"; do
			gs -q -dBATCH -dNOPAUSE -dSAFER -sDEVICE=pgmraw -r72 -dFirstPage=$n \
				-dLastPage=$n -sOutputFile="$x.$n.pgm" "$x"
		done
		d=$("$BUILD/sb-pixdiff" "$f.$n.pgm" "$T/e.pdf.$n.pgm")
		awk -v d="$d" 'BEGIN { exit !(d < 0.3) }' ||
			fail "PostScript, pages 4-6 2-up: side $n differs from the PDF queue's by $d"
	done
fi

# Ranges that choose nothing: aborted, with the reason.
n=$(ipp_job "$T/six.pdf" application/pdf "ATTR rangeOfInteger page-ranges 7-9")
aborted() { sb jobs -a --json | jq -e ".[] | select(.id == $1 and .state == \"aborted\")" >/dev/null; }
wait_until 60 'page-ranges 7-9 of 6 pages did not abort: $(job_line '"$n"')' aborted "$n"
sb jobs -a --json | jq -r ".[] | select(.id == $n) | .last_error" | has "choose none of the document's 6 pages" ||
	fail "page-ranges 7-9: $(sb jobs -a --json | jq -r ".[] | select(.id == $n) | .last_error")"

# Not ascending: unsupported, an error when fidelity is asked.
cat >"$T/bad.test" <<'EOF'
{
OPERATION Print-Job
GROUP operation-attributes-tag
ATTR charset attributes-charset utf-8
ATTR naturalLanguage attributes-natural-language en
ATTR uri printer-uri $uri
ATTR name requesting-user-name alice
ATTR boolean ipp-attribute-fidelity true
GROUP job-attributes-tag
ATTR rangeOfInteger page-ranges 3-4,1-2
FILE $filename
STATUS client-error-attributes-or-values-not-supported
EXPECT page-ranges IN-GROUP unsupported-attributes-tag
}
{
OPERATION Get-Printer-Attributes
GROUP operation-attributes-tag
ATTR charset attributes-charset utf-8
ATTR naturalLanguage attributes-natural-language en
ATTR uri printer-uri $uri
STATUS successful-ok
EXPECT page-ranges-supported WITH-VALUE true
EXPECT number-up-supported WITH-VALUE 4
EXPECT overrides-supported WITH-VALUE pages
}
EOF
ipptool -t -f "$T/six.pdf" "ipp://127.0.0.1:$IPORT/printers/pdf" "$T/bad.test" >"$T/bad.out" 2>&1 ||
	fail "descending page-ranges, or the printer's attributes: $(cat "$T/bad.out")"

# A printer language going as it is (PCL to a raw queue): refused.
printf '\033E\033&l0O text \033E' >"$T/doc.pcl"
chmod 644 "$T/doc.pcl"
out=$(IPPQ=raw ipp_job "$T/doc.pcl" application/vnd.hp-pcl "ATTR integer number-up 2" 2>&1) &&
	fail "the raw queue took a 2-up PCL job: $out"
has "page-ranges and number-up apply to what goes as PDF or PostScript" "$T/job.out" ||
	fail "the raw queue's refusal: $(cat "$T/job.out")"
log "PASS: page-ranges and number-up from PDF, PostScript and text, to PDF and PostScript queues"
