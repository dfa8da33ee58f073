#!/bin/bash
# Text layout as CUPS' texttopdf takes it: cpi, lpi, columns and margins
# from a queue's config, and a job's own cpi, lpi, columns and page-*
# over IPP winning over the queue's, field by field; to PDF and to
# PostScript (the same engine), read back with pdfinfo, pdftotext and
# Ghostscript. A value out of range is an unsupported attribute (an
# error with ipp-attribute-fidelity); a layout that leaves no room on
# the paper fails the job with one line.
. "$(dirname "$0")/lib.sh"
for t in pdftotext pdfinfo ipptool jq gs; do
	command -v "$t" >/dev/null || { log "SKIP: $t is not installed"; exit 77; }
done

mkdir -p "$T/out" "$T/ps"
IPORT=$(free_port)
write_config "[listener]" "ipp = 127.0.0.1:$IPORT" \
	"[queue.pdf]" "uri = file://$T/out" "datatype = pdf" "paper = a4" \
	"[queue.dense]" "uri = file://$T/out" "datatype = pdf" "paper = a4" \
	"cpi = 20" "lpi = 12" "columns = 2" "margins = 72" \
	"[queue.ps]" "uri = file://$T/ps" "datatype = postscript" "paper = a4" \
	"lpi = 12"
start_spoolboxd
wait_port "$IPORT"

# 300 lines of 100 characters ("NNNN" and 96 x's, no spaces to break at).
for i in $(seq 1 300); do printf '%04d%s\n' "$i" "$(head -c 96 /dev/zero | tr '\0' x)"; done >"$T/wide.txt"
chmod 644 "$T/wide.txt"
pages() { pdfinfo "$1" | awk '/^Pages:/ { print $2 }'; }
lines_whole() { pdftotext -layout "$1" - | grep -c '[0-9]\{4\}x\{96\}'; }

# The default: 80 characters a line at 10 cpi, so each line wraps once
# (600 lines), 64 an A4 page: 10 pages.
a=$(sb submit -q pdf "$T/wide.txt")
# dense: 20 cpi in two columns inside 1-inch margins: (595-144-2*3.6)/2
# = 221.9 points a column, 61 characters: each line wraps once; 12 lpi,
# (842-144)/6 = 116 lines a column, 232 a page: 600 lines, 3 pages.
b=$(sb submit -q dense "$T/wide.txt")
# A job's own (over IPP): 15 cpi on the pdf queue, 120 characters a line
# (576 points): none wraps, 300 lines, 64 a page: 5 pages.
c=$(ipp_job "$T/wide.txt" text/plain "ATTR integer cpi 15")
# ... and over dense's, field by field: one column and lpi 6 (the
# queue's cpi 20 and margins hold: 451 points, 112 characters, none
# wraps; (842-144)/12 = 58 lines a page: 6 pages).
d=$(IPPQ=dense ipp_job "$T/wide.txt" text/plain "ATTR integer columns 1" "ATTR integer lpi 6")
# page-left and page-right of 18 points at 10 cpi on the pdf queue:
# 559 points, 77 characters: each line wraps once, 600 lines, 10 pages.
e=$(ipp_job "$T/wide.txt" text/plain "ATTR integer page-left 18" "ATTR integer page-right 18" "ATTR integer page-top 72" "ATTR integer page-bottom 72")
wait_completed "$a" "$b" "$c" "$d" "$e"
f() { ls "$T/out"/job-"$1".* | head -n 1; }
[ "$(pages "$(f "$a")")" = 10 ] || fail "default layout: $(pages "$(f "$a")") pages, not 10"
[ "$(lines_whole "$(f "$a")")" = 0 ] || fail "default layout: 100-character lines did not wrap"
[ "$(pages "$(f "$b")")" = 3 ] || fail "cpi 20, lpi 12, 2 columns, 1-inch margins: $(pages "$(f "$b")") pages, not 3"
pdftotext -layout -f 1 -l 1 "$(f "$b")" - | has '0001x.*0059x' ||
	fail "2 columns: line 59 is not beside line 1: $(pdftotext -layout -f 1 -l 1 "$(f "$b")" - | head -3)"
[ "$(pages "$(f "$c")")" = 5 ] || fail "cpi 15 (IPP): $(pages "$(f "$c")") pages, not 5"
[ "$(lines_whole "$(f "$c")")" = 300 ] || fail "cpi 15 (IPP): $(lines_whole "$(f "$c")") of 300 lines whole"
[ "$(pages "$(f "$d")")" = 6 ] || fail "dense with the job's columns 1 and lpi 6: $(pages "$(f "$d")") pages, not 6"
[ "$(lines_whole "$(f "$d")")" = 300 ] || fail "dense with columns 1: $(lines_whole "$(f "$d")") of 300 lines whole"
# page-top and -bottom of 72: (842-144)/12 = 58 lines a page, 600 lines:
# 11 pages.
[ "$(pages "$(f "$e")")" = 11 ] || fail "page-* margins (IPP): $(pages "$(f "$e")") pages, not 11"

# PostScript, the same layout: the ps queue's lpi 12, 128 lines an A4
# page: 600 lines on 5 pages, as its DSC says and Ghostscript renders.
p=$(sb submit -q ps "$T/wide.txt")
wait_completed "$p"
grep -a -x '%%Pages: 5' "$T/ps/job-$p.ps" >/dev/null || fail "PostScript at 12 lpi: $(grep -a '^%%Pages' "$T/ps/job-$p.ps")"
[ "$(gs -q -dBATCH -dNOPAUSE -dSAFER -sDEVICE=bbox "$T/ps/job-$p.ps" 2>&1 | grep -c '^%%BoundingBox')" = 5 ] ||
	fail "Ghostscript does not render 5 pages of the PostScript"

# Out of range: unsupported, an error with fidelity.
{
	ipp_head Print-Job
	cat <<'EOF'
ATTR boolean ipp-attribute-fidelity true
GROUP job-attributes-tag
ATTR integer cpi 0
ATTR integer columns 99
FILE $filename
STATUS client-error-attributes-or-values-not-supported
EXPECT cpi IN-GROUP unsupported-attributes-tag
EXPECT columns IN-GROUP unsupported-attributes-tag
}
EOF
	ipp_head Get-Printer-Attributes
	cat <<'EOF'
STATUS successful-ok
EXPECT job-creation-attributes-supported WITH-VALUE cpi
EXPECT job-creation-attributes-supported WITH-VALUE page-left
}
EOF
} >"$T/bad.test"
ipptool -t -f "$T/wide.txt" "ipp://127.0.0.1:$IPORT/printers/pdf" "$T/bad.test" >"$T/bad.out" 2>&1 ||
	fail "out-of-range cpi and columns: $(cat "$T/bad.out")"

# Margins that leave no line: the job fails with one line saying so.
n=$(ipp_job "$T/wide.txt" text/plain "ATTR integer page-top 450" "ATTR integer page-bottom 450")
aborted() { sb jobs -a --json | jq -e ".[] | select(.id == $1 and .state == \"aborted\")" >/dev/null; }
wait_until 60 'margins of 900 points on A4 did not abort: $(job_line '"$n"')' aborted "$n"
sb jobs -a --json | jq -r ".[] | select(.id == $n) | .last_error" | has "leaves no room for a line" ||
	fail "no room: $(sb jobs -a --json | jq -r ".[] | select(.id == $n) | .last_error")"
log "PASS: cpi, lpi, columns and margins from the queue and the job (IPP), field by field, to PDF and PostScript; out of range refused; no room fails the job in one line"
