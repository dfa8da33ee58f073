#!/bin/bash
# An IPP Everywhere printer (ippeveprinter) that takes PDF and JPEG only,
# behind an ipp:// queue with no datatype: the printer's
# document-format-supported decides. Text is refused by the printer,
# then converted to PDF and printed (its words come back out of
# pdftotext); a PNG is converted to PDF; PDF and JPEG go as they are,
# byte-exact, a PDF's pages counted, copies collated; PostScript is
# converted to PDF (Ghostscript).
. "$(dirname "$0")/../ippeve-loopback.sh"
own_netns ippeveprinter avahi-daemon dbus-daemon pdftotext gs
. "$(dirname "$0")/lib.sh"

PORT=$(free_port)
ippeve_start "$T/eve" "$PORT" application/pdf,image/jpeg
HOSTILE_PIDS="$HOSTILE_PIDS $IPPEVE_PIDS"
wait_port "$PORT"
IPORT=$(free_port)
write_config "[listener]" "ipp = 127.0.0.1:$IPORT" "dnssd = off" \
	"[queue.eve]" "uri = ipp://127.0.0.1:$PORT/ipp/print"
start_spoolboxd

# Made by real tools: a 3-page PostScript and PDF, a PNG and a JPEG.
printf '%%!PS-Adobe-3.0\n%%%%Pages: 3\n%%%%EndComments\n/Helvetica findfont 24 scalefont setfont\n1 1 3 { 100 700 moveto (Page ) show 3 string cvs show showpage } for\n' >"$T/three.ps"
gs -q -dBATCH -dNOPAUSE -sDEVICE=pdfwrite -sOutputFile="$T/three.pdf" "$T/three.ps"
gs -q -dBATCH -dNOPAUSE -sDEVICE=png16m -r20 -dLastPage=1 -sOutputFile="$T/p.png" "$T/three.ps"
gs -q -dBATCH -dNOPAUSE -sDEVICE=jpeg -r20 -dLastPage=1 -sOutputFile="$T/p.jpg" "$T/three.ps"
printf 'Καλημέρα κόσμε\nspoolbox to an IPP Everywhere printer\n' >"$T/t.txt"
chmod 644 "$T"/three.* "$T"/p.* "$T"/t.txt

# The document ippeveprinter kept for a job that landed as "remote job N".
received() {
	local n
	n=$(sb jobs -a --json | jq -r ".[] | select(.id == $1) | .landed" | sed -n 's/.*remote job \([0-9]*\).*/\1/p')
	[ -n "$n" ] || fail "job $1: no remote job id in $(sb jobs -a)"
	ls "$T/eve/spool/$n"-* 2>/dev/null | head -n 1
}

t=$(sb submit -q eve "$T/t.txt")
wait_completed "$t"
f=$(received "$t")
case "$f" in *.pdf) ;; *) fail "text job $t arrived as ${f:-nothing}, not PDF" ;; esac
pdftotext "$f" - | has "Καλημέρα κόσμε" || fail "text job $t: the words did not arrive"
[ "$(sb jobs -a --json | jq -r ".[] | select(.id == $t) | .printed_as")" = pdf ] ||
	fail "job $t not recorded as printed as PDF"
sb queues --json | jq -e '.[] | select(.name == "eve") | .printer_takes | index("pdf")' >/dev/null ||
	fail "the printer's formats are not shown: $(sb queues --json)"

p=$(sb submit -q eve "$T/three.pdf")
j=$(sb submit -q eve "$T/p.jpg")
g=$(sb submit -q eve "$T/p.png")
wait_completed "$p" "$j" "$g"
cmp -s "$T/three.pdf" "$(received "$p")" || fail "PDF job $p was not passed as it is"

# Copies reach the printer, collated: what it says of the job.
c=$(sb submit -q eve -n 2 "$T/three.pdf")
wait_completed "$c"
cat >"$T/copies.test" <<'TEST'
{
	NAME "the job's copies"
	OPERATION Get-Job-Attributes
	GROUP operation
	ATTR charset attributes-charset utf-8
	ATTR language attributes-natural-language en
	ATTR uri printer-uri $uri
	ATTR integer job-id $remote_job
	ATTR keyword requested-attributes all
	STATUS successful-ok
	EXPECT copies OF-TYPE integer WITH-VALUE 2
	EXPECT multiple-document-handling WITH-VALUE separate-documents-collated-copies
}
TEST
rj=$(sb jobs -a --json | jq -r ".[] | select(.id == $c) | .landed" | sed -n 's/.*remote job \([0-9]*\).*/\1/p')
ipptool -T 10 -d remote_job="$rj" "ipp://127.0.0.1:$PORT/ipp/print" "$T/copies.test" >"$T/copies.out" 2>&1 ||
	fail "job $c (remote $rj): copies not as sent: $(cat "$T/copies.out")"
cmp -s "$T/p.jpg" "$(received "$j")" || fail "JPEG job $j was not passed as it is"
[ "$(sb jobs -a --json | jq -r ".[] | select(.id == $p) | .pages")" = 3 ] ||
	fail "PDF job $p: pages not counted as 3"
f=$(received "$g")
case "$f" in *.pdf) ;; *) fail "PNG job $g arrived as ${f:-nothing}, not PDF" ;; esac
[ "$(pdfinfo "$f" | awk '/^Pages:/ { print $2 }')" = 1 ] || fail "PNG job $g: not one PDF page"

# A job's own print-scaling reaches the printer, for the JPEG it takes
# as it is (ipptool to the listener, then what the printer kept).
cat >"$T/scaled.test" <<'TEST'
{
	OPERATION Print-Job
	GROUP operation-attributes-tag
	ATTR charset attributes-charset utf-8
	ATTR naturalLanguage attributes-natural-language en
	ATTR uri printer-uri $uri
	ATTR name requesting-user-name alice
	ATTR mimeMediaType document-format image/jpeg
	GROUP job-attributes-tag
	ATTR keyword print-scaling fill
	FILE $filename
	STATUS successful-ok
}
TEST
ipptool -T 10 -f "$T/p.jpg" "ipp://127.0.0.1:$IPORT/printers/eve" "$T/scaled.test" >"$T/scaled.out" 2>&1 ||
	fail "Print-Job with print-scaling: $(cat "$T/scaled.out")"
k=$(sb jobs -a --json | jq -r '[.[] | select(.user == "alice@127.0.0.1")] | last | .id')
wait_completed "$k"
rk=$(sb jobs -a --json | jq -r ".[] | select(.id == $k) | .landed" | sed -n 's/.*remote job \([0-9]*\).*/\1/p')
sed -e 's/EXPECT copies .*/EXPECT print-scaling WITH-VALUE fill/' -e '/multiple-document-handling/d' \
	"$T/copies.test" >"$T/scaling.test"
ipptool -T 10 -d remote_job="$rk" "ipp://127.0.0.1:$PORT/ipp/print" "$T/scaling.test" >"$T/scaling.out" 2>&1 ||
	fail "job $k (remote $rk): print-scaling did not reach the printer: $(cat "$T/scaling.out")"

s=$(sb submit -q eve "$T/three.ps")
wait_completed "$s"
f=$(received "$s")
case "$f" in *.pdf) ;; *) fail "PostScript job $s arrived as ${f:-nothing}, not PDF" ;; esac
[ "$(pdftotext "$f" - | grep -c 'Page [123]')" = 3 ] || fail "PostScript job $s: its 3 pages did not arrive"
log "PASS"
