#!/bin/bash
# Text to PDF through the whole pipeline, in the print processor's
# sandbox: UTF-8 text in Latin, Greek, Cyrillic and CJK scripts comes back
# out of pdftotext as it went in; qpdf accepts the PDF; the pages the job
# records are the pages pdfinfo counts; A4 and Letter. PDF to PostScript
# (Ghostscript renders it), PostScript and PDF passed as they are with
# their pages counted, PNG and JPEG to PDF (the JPEG embedded as it is);
# data nothing recognizes is refused at submit by PostScript and PDF queues.
. "$(dirname "$0")/lib.sh"
for t in pdftotext pdfinfo pdfimages qpdf gs; do
	command -v "$t" >/dev/null || { log "SKIP: $t is not installed"; exit 77; }
done

write_config "[queue.pdf]" "uri = file://$T/out" "datatype = pdf" \
	"[queue.letter]" "uri = file://$T/letter" "datatype = pdf" "paper = letter" \
	"[queue.land]" "uri = file://$T/land" "datatype = pdf" "orientation = landscape" \
	"[queue.raw]" "uri = file://$T/raw" \
	"[queue.ps]" "uri = file://$T/ps" "datatype = postscript"
start_spoolboxd

cat >"$T/uni.txt" <<'TXT'
Hello, world — naïve café
Καλημέρα κόσμε
Здравствуй, мир
你好，世界
こんにちは世界
TXT
{ cat "$T/uni.txt"; for i in $(seq 1 150); do echo "line $i"; done; } >"$T/long.txt"
chmod 644 "$T"/*.txt
a=$(sb submit -q pdf -t text "$T/long.txt")
b=$(sb submit -q letter -t text "$T/uni.txt")
l=$(sb submit -q land -t text "$T/uni.txt")
wait_completed "$a" "$b" "$l"
pdfinfo "$T/land/job-$l.pdf" | has "Page size: *841.89 x 595.28" || fail "orientation = landscape is not across A4"
pdf=$T/out/job-$a.pdf
qpdf --check "$pdf" >/dev/null || fail "qpdf refuses job $a's PDF"
# 80 columns at 10 cpi on A4 and Letter, as CUPS' texttopdf: none wraps.
for i in $(seq 1 70); do printf '%04d %s\n' "$i" "$(head -c 75 /dev/zero | tr '\0' x)"; done >"$T/c80.txt"
chmod 644 "$T/c80.txt"
c4=$(sb submit -q pdf -t text "$T/c80.txt")
cl=$(sb submit -q letter -t text "$T/c80.txt")
wait_completed "$c4" "$cl"
# To PostScript: the same layout (cairo's PostScript), so "café" is not
# "cafÃ©", what Latin-1 lacks (the dash, and the scripts) is kept, and
# 80 columns fit there too.
cp=$(sb submit -q ps -t text "$T/uni.txt")
c8=$(sb submit -q ps -t text "$T/c80.txt")
wait_completed "$cp" "$c8"
gs -q -dBATCH -dNOPAUSE -dSAFER -sDEVICE=txtwrite -sOutputFile="$T/ps.txt" "$T/ps/job-$cp.ps"
has -F "Hello, world — naïve café" "$T/ps.txt" && ! has "Ã" "$T/ps.txt" ||
	fail "text to PostScript: $(head -n 2 "$T/ps.txt")"
n=$(gs -q -dBATCH -dNOPAUSE -dSAFER -sDEVICE=txtwrite -sOutputFile=- "$T/ps/job-$c8.ps" | tr -d '\r' | grep -c '^ *[0-9]\{4\} x\{75\}$')
[ "$n" = 70 ] || fail "text to PostScript: $n of 70 lines of 80 columns came back whole"
for f in "$T/out/job-$c4.pdf" "$T/letter/job-$cl.pdf"; do
	n=$(pdftotext -layout "$f" - | tr -d '\f' | grep -c '^[0-9]\{4\} x\{75\}$')
	[ "$n" = 70 ] || fail "${f##*/}: $n of 70 lines of 80 columns came back whole"
done
pdftotext -layout "$pdf" "$T/back.txt"
while IFS= read -r line; do
	has -F -- "$line" "$T/back.txt" || fail "'$line' did not come back: $(head -5 "$T/back.txt")"
done <"$T/uni.txt"
pages=$(pdfinfo "$pdf" | awk '/^Pages:/ { print $2 }')
[ "$(sb jobs -a --json | jq ".[] | select(.id == $a) | .pages")" = "$pages" ] ||
	fail "job $a records $(sb jobs -a --json | jq ".[] | select(.id == $a) | .pages") pages, pdfinfo counts $pages"
[ "$pages" -ge 2 ] || fail "155 lines on one page?"
pdfinfo "$T/letter/job-$b.pdf" | has "Page size: *612 x 792" || fail "letter paper not letter"

# -t auto (the default) tells what a job is, records it, and a job no
# conversion can bring to the queue's datatype is refused at submit.
c=$(sb submit -q raw "$pdf")
wait_completed "$c"
[ "$(sb jobs -a --json | jq -r ".[] | select(.id == $c) | .datatype")" = pdf ] ||
	fail "a PDF was not detected as one"
[ -f "$T/raw/job-$c.pdf" ] || fail "the detected PDF did not land as .pdf"
[ "$(sb jobs -a --json | jq ".[] | select(.id == $c) | .pages")" = "$pages" ] ||
	fail "the PDF passed as it is: pages not counted"

# Documents made by real tools: PDF to PostScript (poppler), which
# Ghostscript renders page for page; PostScript going as it is, its pages
# counted from its DSC comments; PNG and JPEG to PDF (cairo).
printf '%%!PS-Adobe-3.0\n%%%%Pages: (atend)\n%%%%EndComments\n/Helvetica findfont 24 scalefont setfont\n1 1 3 { 100 700 moveto (Page ) show 3 string cvs show showpage } for\n%%%%Trailer\n%%%%Pages: 3\n%%%%EOF\n' >"$T/three.ps"
gs -q -dBATCH -dNOPAUSE -sDEVICE=pdfwrite -sOutputFile="$T/three.pdf" "$T/three.ps"
gs -q -dBATCH -dNOPAUSE -sDEVICE=png16m -r20 -dLastPage=1 -sOutputFile="$T/p.png" "$T/three.ps"
gs -q -dBATCH -dNOPAUSE -sDEVICE=jpeg -r20 -dLastPage=1 -sOutputFile="$T/p.jpg" "$T/three.ps"
chmod 644 "$T"/three.* "$T"/p.*
d=$(sb submit -q ps "$T/three.pdf")
e=$(sb submit -q ps "$T/three.ps")
f=$(sb submit -q pdf "$T/p.png")
g=$(sb submit -q pdf "$T/p.jpg")
h=$(sb submit -q pdf "$T/three.ps")
job_pages() { sb jobs -a --json | jq ".[] | select(.id == $1) | .pages"; }
wait_completed "$d" "$e" "$f" "$g" "$h"
qpdf --check "$T/out/job-$h.pdf" >/dev/null || fail "PostScript to PDF job $h: qpdf refuses its PDF"
[ "$(pdftotext "$T/out/job-$h.pdf" - | grep -c 'Page [123]')" = 3 ] ||
	fail "PostScript to PDF job $h: its 3 pages' words did not arrive"
[ "$(job_pages "$h")" = 3 ] || fail "PostScript to PDF job $h: $(job_pages "$h") pages, not 3"
ps=$T/ps/job-$d.ps
gs -q -dBATCH -dNOPAUSE -sDEVICE=txtwrite -sOutputFile="$T/ps.txt" "$ps" ||
	fail "Ghostscript refuses job $d's PostScript"
[ "$(grep -c 'Page [123]' "$T/ps.txt")" = 3 ] || fail "job $d's PostScript does not show its 3 pages: $(cat "$T/ps.txt")"
[ "$(job_pages "$d")" = 3 ] || fail "PDF to PostScript job $d: $(job_pages "$d") pages, not 3"
cmp -s "$T/three.ps" "$T/ps/job-$e.ps" || fail "PostScript job $e was not passed as it is"
[ "$(job_pages "$e")" = 3 ] || fail "PostScript job $e: pages (atend) not counted"
for j in "$f" "$g"; do
	qpdf --check "$T/out/job-$j.pdf" >/dev/null || fail "image job $j: qpdf refuses its PDF"
	[ "$(pdfinfo "$T/out/job-$j.pdf" | awk '/^Pages:/ { print $2 }')" = 1 ] ||
		fail "image job $j: not one page"
done
pdfimages -list "$T/out/job-$g.pdf" | has " jpeg " || fail "the JPEG was not embedded as it is"
# Data nothing recognizes is refused by PostScript and PDF queues (never
# sent raw to such a printer), unless it is sent as raw on purpose.
head -c 4096 /dev/urandom >"$T/noise"
chmod 644 "$T/noise"
for q in ps pdf; do
	expect_err "this is no document spoolbox knows" sb submit -q "$q" "$T/noise"
done
r=$(sb submit -q ps -t raw "$T/noise")
wait_completed "$r"

# PostScript that never ends holds the print processor only until it is
# canceled (libgs cannot be interrupted: that printproc ends, a fresh one
# starts); the next conversion runs.
printf '%%!PS\n{ 1 pop } loop\n' >"$T/loop.ps"
chmod 644 "$T/loop.ps"
k=$(sb submit -q pdf "$T/loop.ps")
wait_until 10 "the endless PostScript job $k is not being converted" 'sb jobs | has "^$k .*processing"'
sb cancel "$k"
m=$(sb submit -q pdf "$T/three.ps")
wait_completed "$m"
sb jobs -a | has "^$k .*canceled" || fail "job $k not canceled: $(sb jobs -a)"
# (The next conversion may run on another print processor of the pool.)
wait_until 30 "no log line for the stuck converter" \
	has "job $k: the converter did not stop" "$T/spoolboxd.log"

# A document the print processor dies on (here: killed under it three
# times) is aborted with why, not retried for ever.
n=$(sb submit -q pdf "$T/loop.ps")
busy_printproc() { sb workers | awk '$1 == "printproc" && $4 == "busy" { print $3 }'; }
for round in 1 2 3; do
	wait_until 10 "round $round: printproc is not converting job $n: \$(sb workers)" \
		'[ -n "$(busy_printproc)" ]'
	pid=$(busy_printproc)
	kill -9 "$pid"
	wait_until 10 - 'sb workers | awk "\$1 == \"printproc\" { print \$3 }" | has -vx "$pid"' || true
done
wait_until 10 - 'sb jobs -a | has "^$n .*aborted"' || true
sb jobs -a | has "^$n .*aborted.*ended 3 times while converting" || fail "job $n not aborted after 3 lost conversions: $(sb jobs -a)"
log "PASS: Unicode text to PDF ($pages pages, counted right), A4 and Letter; PDF to PostScript; images to PDF; pages counted; types detected; noise refused"
