#!/bin/bash
# Text to PDF through the whole pipeline, in the print processor's
# sandbox: UTF-8 text in Latin, Greek, Cyrillic and CJK scripts comes back
# out of pdftotext as it went in; qpdf accepts the PDF; the pages the job
# records are the pages pdfinfo counts; A4 and Letter.
. "$(dirname "$0")/lib.sh"
for t in pdftotext pdfinfo qpdf; do
	command -v "$t" >/dev/null || { log "SKIP: $t is not installed"; exit 77; }
done

write_config "[queue.pdf]" "uri = file://$T/out" "datatype = pdf" \
	"[queue.letter]" "uri = file://$T/letter" "datatype = pdf" "paper = letter" \
	"[queue.raw]" "uri = file://$T/raw"
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
wait_completed "$a" "$b"
pdf=$T/out/job-$a.pdf
qpdf --check "$pdf" >/dev/null || fail "qpdf refuses job $a's PDF"
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
printf '\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\1\0\0\0\1\x08\x02\0\0\0' >"$T/img.png"
expect_err "queue pdf takes pdf, and there is no conversion from png; job not accepted" \
	sb submit -q pdf "$T/img.png"
log "PASS: Unicode text to PDF ($pages pages, counted right), A4 and Letter; types detected; unconvertible refused"
