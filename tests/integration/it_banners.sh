#!/bin/bash
# Banner pages (job_sheets = START[, END], as CUPS' job-sheets) and a
# classification label: a PDF queue with a standard banner before and
# after each job, a PostScript queue with a classified one and
# "confidential" on every page. Read back with pdftotext (and Ghostscript
# for PostScript): the banner says the job, its owner, host, title,
# queue, times and pages; a title from the network with markup and a
# control character prints as plain text.
. "$(dirname "$0")/lib.sh"
for t in pdftotext pdfinfo gs ipptool; do
	command -v "$t" >/dev/null || { log "SKIP: $t is not installed"; exit 77; }
done

mkdir -p "$T/out" "$T/ps"
IPORT=$(free_port)
write_config "[listener]" "ipp = 127.0.0.1:$IPORT" \
	"[queue.std]" "uri = file://$T/out" "datatype = pdf" "job_sheets = standard, standard" \
	"[queue.cls]" "uri = file://$T/ps" "datatype = postscript" \
	"job_sheets = classified" "classification = confidential"
start_spoolboxd
wait_port "$IPORT"
printf 'first page\fsecond page\n' >"$T/two.txt"
chmod 644 "$T/two.txt"

a=$(sb submit -q std -T "quarterly report" "$T/two.txt")
n=$(IPPQ=std ipp_job "$T/two.txt" text/plain 'ATTR name job-name "<b>bold</b> & \"x\""')
c=$(sb submit -q cls -T "plan" "$T/two.txt")
wait_completed "$a" "$n" "$c"

f="$T/out/job-$a.pdf"
[ "$(pdfinfo "$f" | awk '/^Pages:/ { print $2 }')" = 4 ] || fail "banner, 2 pages, banner: $(pdfinfo "$f" | grep Pages)"
pdftotext -f 1 -l 1 "$f" "$T/b1.txt"
for w in "Job $a" "User" "root" "Host" "(local)" "Title" "quarterly report" "Queue" "std" "Pages" "Submitted"; do
	has -F -- "$w" "$T/b1.txt" || fail "the start banner lacks '$w': $(cat "$T/b1.txt")"
done
pdftotext -f 2 -l 2 "$f" - | has "first page" || fail "page 2 is not the document's first"
pdftotext -f 4 -l 4 "$f" - | has -F "Job $a (end)" || fail "no end banner: $(pdftotext -f 4 -l 4 "$f" -)"
pdftotext -f 1 -l 1 "$T/out/job-$n.pdf" - | has -F '<b>bold</b> & "x"' ||
	fail "the network title is not shown as it is: $(pdftotext -f 1 -l 1 "$T/out/job-$n.pdf" -)"
pdftotext -f 1 -l 1 "$T/out/job-$n.pdf" - | has -F "127.0.0.1" || fail "the network job's host is not on its banner"

gs -q -dBATCH -dNOPAUSE -dSAFER -sDEVICE=txtwrite -sOutputFile="$T/cls.txt" "$T/ps/job-$c.ps"
[ "$(grep -c confidential "$T/cls.txt")" -ge 4 ] || fail "the label is not on every page: $(cat "$T/cls.txt")"
has "Job $c" "$T/cls.txt" && has "first page" "$T/cls.txt" || fail "the classified job: $(cat "$T/cls.txt")"
log "PASS: standard banners before and after, a classified banner and the label on every page, titles as plain text"
