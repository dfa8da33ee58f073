#!/bin/bash
# Accounting: every finished job (completed, aborted, canceled) leaves
# one record in the store, written with its final state, kept apart from
# the job history (keep_jobs = 1 prunes the jobs, not the records) and
# across a restart: owner, queue, printer, type, pages x copies, bytes,
# times, result. spoolbox accounting lists them as text, JSON and CSV,
# filtered by user, queue and time; a user sees only their own; the
# metrics count pages per queue.
. "$(dirname "$0")/lib.sh"
for t in qpdf gs jq pdfinfo; do
	command -v "$t" >/dev/null || { log "SKIP: $t is not installed"; exit 77; }
done
make_user

mkdir -p "$T/out"

write_config "[queue.pdf]" "uri = file://$T/out" "datatype = pdf" "keep_jobs = 1"
start_spoolboxd
chmod 755 "$T" "$T/run"

printf 'page one\fpage two\fpage three\n' >"$T/three.txt"
gs -q -dBATCH -dNOPAUSE -sDEVICE=pdfwrite -sOutputFile="$T/one.pdf" -c showpage
qpdf --encrypt user owner 256 -- "$T/one.pdf" "$T/locked.pdf"
chmod 644 "$T"/*.txt "$T"/*.pdf
c=$(sb submit -q pdf -n 2 "$T/three.txt")
a=$(sb submit -q pdf "$T/locked.pdf")
h=$(sb submit -q pdf --hold "$T/three.txt")
wait_completed "$c"
sb cancel "$h" >/dev/null
u=$(sbu submit -q pdf "$T/three.txt")
wait_completed "$u"
aborted() { sb jobs -a --json | jq -e ".[] | select(.id == $a and .state == \"aborted\")" >/dev/null; }
wait_until 30 'job '"$a"' did not abort' aborted

# Across a restart, and whatever the job history keeps (keep_jobs = 1).
stop_spoolboxd
start_spoolboxd
sb accounting --csv >"$T/acct.csv"
head -n 1 "$T/acct.csv" | has '^job,owner,host,queue,printer,type,pages,copies,bytes,submitted,started,finished,result,error$' ||
	fail "the CSV header: $(head -n 1 "$T/acct.csv")"
[ "$(wc -l <"$T/acct.csv")" = 5 ] || fail "not one record per finished job: $(cat "$T/acct.csv")"
row() { awk -F, -v id="$1" '$1 == id' "$T/acct.csv"; }
row "$c" | has "^$c,\"root\",\"\",\"pdf\",\"$T/out/job-$c.pdf\",text,3,2,$(stat -c %s "$T/three.txt"),.*,completed,\"\"$" ||
	fail "the completed job's record: $(row "$c")"
row "$a" | has ",aborted,\".*password.*\"$" || fail "the aborted job's record: $(row "$a")"
row "$h" | has ',canceled,' || fail "the canceled job's record: $(row "$h")"
# One record each, kept though the job history has pruned the jobs.
[ "$(sb jobs -a --json | jq length)" -le 2 ] || fail "keep_jobs = 1 kept $(sb jobs -a --json | jq length) jobs"

sb accounting --json | jq -e ".[] | select(.job == $c and .pages == 3 and .copies == 2 and .result == \"completed\" and .started != \"-\")" >/dev/null ||
	fail "the JSON record of job $c: $(sb accounting --json)"
[ "$(sb accounting --user "$TEST_USER" --json | jq length)" = 1 ] || fail "--user did not filter"
[ "$(sb accounting --queue nosuch --json | jq length)" = 0 ] || fail "--queue did not filter"
[ "$(sb accounting --since 2099-01-01 --json | jq length)" = 0 ] || fail "--since did not filter"
# A user sees their own records only, whatever they ask.
[ "$(sbu accounting --json | jq -r '[.[].owner] | unique | join(",")')" = "$TEST_USER" ] ||
	fail "a user saw others' records: $(sbu accounting --json)"
sb accounting | has "^$c  *root  *pdf  *completed  *3   2 " || fail "the text listing: $(sb accounting)"

# Pages per queue: 3 x 2 and the user's 3 (the aborted and canceled
# printed none).
sb metrics | has '^spoolbox_pages_total{queue="pdf"} 9$' ||
	fail "spoolbox_pages_total: $(sb metrics | grep pages_total)"
log "PASS: one accounting record per completed, aborted and canceled job, across a restart and apart from the job history; text, JSON and CSV, filtered; a user sees their own; pages counted"
