#!/bin/bash
# PDF rules, as CUPS' pdftopdf keeps them: a PDF that needs a password
# to open (qpdf --encrypt with a user password) is aborted with that
# reason on a PDF queue (where it would go as it is) and a PostScript
# queue (where it is converted); one whose permissions forbid printing
# likewise, unless the queue says pdf_permissions = ignore; an EPS whose
# %%Pages says 0 counts one page.
. "$(dirname "$0")/lib.sh"
for t in qpdf gs; do
	command -v "$t" >/dev/null || { log "SKIP: $t is not installed"; exit 77; }
done

write_config "[queue.pdf]" "uri = file://$T/out" "datatype = pdf" \
	"[queue.ps]" "uri = file://$T/ps" "datatype = postscript" \
	"[queue.any]" "uri = file://$T/any" "datatype = pdf" "pdf_permissions = ignore"
start_spoolboxd

printf '%%!PS\n/Helvetica findfont 24 scalefont setfont 100 700 moveto (secret) show showpage\n' >"$T/one.ps"
gs -q -dBATCH -dNOPAUSE -sDEVICE=pdfwrite -sOutputFile="$T/one.pdf" "$T/one.ps"
qpdf --encrypt user owner 256 -- "$T/one.pdf" "$T/locked.pdf"
qpdf --encrypt "" owner 256 --print=none -- "$T/one.pdf" "$T/noprint.pdf"
chmod 644 "$T"/*.pdf
why() { sb jobs -a --json | jq -r ".[] | select(.id == $1) | \"\(.state): \(.last_error)\""; }
aborted_with() { # JOB TEXT
	local job=$1
	wait_until 30 'job $job is not aborted: $(why "$job")' \
		'[ "$(why "$job" | cut -d: -f1)" = aborted ]'
	why "$job" | has -F "$2" || fail "job $job: $(why "$job"), not '$2'"
}

a=$(sb submit -q pdf "$T/locked.pdf")
b=$(sb submit -q ps "$T/locked.pdf")
aborted_with "$a" "the PDF needs a password to be opened"
aborted_with "$b" "the PDF needs a password to be opened"
[ -z "$(find "$T/out" "$T/ps" -type f 2>/dev/null)" ] || fail "a locked PDF was delivered: $(find "$T/out" "$T/ps" -type f)"

c=$(sb submit -q pdf "$T/noprint.pdf")
d=$(sb submit -q ps "$T/noprint.pdf")
aborted_with "$c" "the PDF's permissions forbid printing it"
aborted_with "$d" "the PDF's permissions forbid printing it"
e=$(sb submit -q any "$T/noprint.pdf")
wait_completed "$e"
cmp -s "$T/noprint.pdf" "$T/any/job-$e.pdf" || fail "pdf_permissions = ignore: job $e not delivered as it is"

# An EPS: one page, whatever its %%Pages says.
printf '%%!PS-Adobe-3.0 EPSF-3.0\n%%%%BoundingBox: 0 0 100 100\n%%%%Pages: 0\n%%%%EndComments\n0 0 moveto 100 100 lineto stroke\n' >"$T/fig.eps"
chmod 644 "$T/fig.eps"
f=$(sb submit -q ps -t postscript "$T/fig.eps")
wait_completed "$f"
[ "$(sb jobs -a --json | jq -r ".[] | select(.id == $f) | .pages")" = 1 ] ||
	fail "the EPS counted $(sb jobs -a --json | jq -r ".[] | select(.id == $f) | .pages") pages, not 1"
log "PASS: password-protected and print-forbidding PDFs refused with why (unless pdf_permissions = ignore); an EPS is one page"
