#!/bin/bash
# The listener's IPP server with real IPP clients: Debian's ipptool and its
# shipped tests (the pass counts are printed; the operation tests and the
# IPP/1.1 and 2.0 conformance suites must pass whole); CUPS forwarding
# queues to us through its ipp and lpd backends; a 256 MiB Print-Job that
# arrives byte-exact with the listener's memory flat; a job canceled by
# someone else is refused; hostile HTTP/IPP is refused with a 400 or the
# IPP status, and a log line.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/../cups-loopback.sh"
command -v cupsd >/dev/null && command -v ipptool >/dev/null ||
	{ log "SKIP: cups-daemon and cups-ipp-utils are not installed"; exit 77; }
# Debian's cups-ipp-utils ships the tests without the documents they
# print (ipp-1.1.test stopped at its first "document-a4.pdf"): the tests
# beside documents made here with Ghostscript.
TESTS=$T/ipptool
mkdir -p "$TESTS"
ln -s /usr/share/cups/ipptool/*.test "$TESTS/"
for p in a4 letter; do
	printf '%%!PS-Adobe-3.0\n%%%%Pages: 1\n%%%%EndComments\n/Helvetica findfont 24 scalefont setfont 72 600 moveto (spoolbox %s) show showpage\n' "$p" >"$TESTS/document-$p.ps"
	gs -q -dBATCH -dNOPAUSE -sPAPERSIZE="$p" -sDEVICE=pdfwrite \
		-sOutputFile="$TESTS/document-$p.pdf" "$TESTS/document-$p.ps"
done
gs -q -dBATCH -dNOPAUSE -sDEVICE=jpeg -r30 -sOutputFile="$TESTS/color.jpg" "$TESTS/document-a4.ps"
gs -q -dBATCH -dNOPAUSE -sDEVICE=jpeggray -r30 -sOutputFile="$TESTS/gray.jpg" "$TESTS/document-a4.ps"
chmod -R a+rX "$TESTS"

IPORT=$(free_port)
LPORT=$(free_port)
write_config "[listener]" "ipp = 127.0.0.1:$IPORT" "lpd = 127.0.0.1:$LPORT" \
	"step_timeout = 5s" \
	"[queue.files]" "uri = file://$T/out" \
	"[queue.dead]" "uri = lpd://127.0.0.1:$(free_port)/x" "retry_interval = 1h"
start_spoolboxd
wait_port "$IPORT"
URI=ipp://127.0.0.1:$IPORT/printers
printf 'Hello from ipptool\n' >"$T/doc.txt"

# ipptool: every test file named by the issue; pass counts printed.
run_ipptool() { # NAME URI TESTFILE [ARGS]: "passed failed" of its summary
	local name=$1 uri=$2 file=$3
	shift 3
	timeout 300 ipptool -t "$@" "$uri" "$TESTS/$file" >"$T/$name.out" 2>&1 || true
	echo "$(grep -c '\[PASS\]' "$T/$name.out") $(grep -c '\[FAIL\]' "$T/$name.out")"
}
for t in get-printer-attributes validate-job print-job create-job get-jobs; do
	read -r p f < <(run_ipptool "$t" "$URI/files" "$t.test" -f "$T/doc.txt")
	log "ipptool $t.test: $p passed, $f failed"
	[ "$f" = 0 ] && [ "$p" -ge 1 ] || { cat "$T/$t.out"; fail "$t.test failed"; }
done
id=$(sb jobs -a -q files | awk 'NR > 1 { print $1 }' | tail -n 1)
read -r p f < <(run_ipptool gja "$URI/files/$id" get-job-attributes.test)
log "ipptool get-job-attributes.test: $p passed, $f failed"
[ "$f" = 0 ] && [ "$p" -ge 1 ] || { cat "$T/gja.out"; fail "get-job-attributes.test failed"; }
ipptool -t -f "$T/doc.txt" "$URI/dead" "$TESTS/print-job.test" >/dev/null ||
	fail "Print-Job to the dead queue failed"
read -r p f < <(run_ipptool ccj "$URI/dead" cancel-current-job.test)
log "ipptool cancel-current-job.test: $p passed, $f failed"
[ "$f" = 0 ] && [ "$p" -eq 2 ] || { cat "$T/ccj.out"; fail "cancel-current-job.test failed"; }
# printer-icons: three PNGs (48, 128, 512 pixels) the listener serves.
icons=$(ipptool -tv "$URI/files" get-printer-attributes.test | sed -n 's/.*printer-icons (1setOf uri) = //p')
[ "$(echo "$icons" | tr ',' '\n' | wc -l)" = 3 ] || fail "printer-icons: '$icons'"
for u in $(echo "$icons" | tr ',' ' '); do
	curl -sf -o "$T/icon.png" "$u" || fail "GET $u failed"
	file "$T/icon.png" | has "PNG image data, \([0-9]*\) x \1," || fail "$u: $(file "$T/icon.png")"
done
# print-as.test: a Print-Job as requesting-user-name $who.
cat >"$T/print-as.test" <<'EOF'
{
	OPERATION Print-Job
	GROUP operation-attributes-tag
	ATTR charset attributes-charset utf-8
	ATTR language attributes-natural-language en
	ATTR uri printer-uri $uri
	ATTR name requesting-user-name $who
	FILE $filename
	STATUS successful-ok
}
EOF
# The suites run where other users' jobs are, printed and waiting.
for who in alice bob; do
	for q in files dead; do
		ipptool -t -d who=$who -f "$T/doc.txt" "$URI/$q" "$T/print-as.test" >/dev/null ||
			fail "Print-Job as $who to $q failed"
	done
done
for t in ipp-1.1 ipp-2.0 ipp-everywhere; do
	read -r p f < <(run_ipptool "$t" "$URI/files" "$t.test" -f "$T/doc.txt")
	log "ipptool $t.test: $p passed, $f failed"
	[ "$f" = 0 ] || { grep -A8 FAIL "$T/$t.out"; fail "$t.test failed"; }
done

# Only the job's owner cancels it (or an admin, at the CLI).
ipptool -t -d who=alice -f "$T/doc.txt" "$URI/dead" "$T/print-as.test" >/dev/null ||
	fail "Print-Job as alice failed"
jid=$(sb jobs -q dead | awk '$4 ~ /^alice@/ { print $1 }' | tail -n 1)
[ -n "$jid" ] || fail "no job of alice@127.0.0.1: $(sb jobs)"
cancel_as() { # WHO STATUS: Cancel-Job of $jid as WHO answers STATUS
	cat >"$T/cancel.test" <<EOF
{
	OPERATION Cancel-Job
	GROUP operation-attributes-tag
	ATTR charset attributes-charset utf-8
	ATTR language attributes-natural-language en
	ATTR uri printer-uri \$uri
	ATTR integer job-id $jid
	ATTR name requesting-user-name $1
	STATUS $2
}
EOF
	ipptool -t "$URI/dead" "$T/cancel.test" >"$T/cancel.out" 2>&1 &&
		grep -q PASS "$T/cancel.out"
}
cancel_as mallory client-error-not-authorized || fail "mallory could cancel alice's job"
cancel_as alice successful-ok || fail "alice could not cancel her job"
sb jobs -a | awk -v id="$jid" '$1 == id' | has canceled || fail "job $jid not canceled"

# Hostile HTTP and IPP: the protocol's own refusals, a log line each.
http() { # BYTES: the status line of the answer
	exec {fd}<>"/dev/tcp/127.0.0.1/$IPORT"
	(printf "$@" >&"$fd") 2>/dev/null || true
	timeout 10 head -n 1 <&"$fd" | tr -d '\r'
	exec {fd}>&-
}
[ "$(http 'POST /printers/files HTTP/1.1\r\nHost: x\r\nContent-Type: application/ipp\r\nContent-Length: 5\r\n\r\nabcde')" = "HTTP/1.1 400 Bad Request" ] ||
	fail "a malformed IPP request was not refused with 400"
has "ipp 127.0.0.1: request refused: the request ended early" "$T/spoolboxd.log" || fail "no log line for it"
[ "$(http 'POST /printers/files HTTP/1.1\r\nHost: x\r\nContent-Type: text/plain\r\nContent-Length: 2\r\n\r\nhi')" = "HTTP/1.1 400 Bad Request" ] ||
	fail "a POST that is not IPP was not refused with 400"
[ "$(http 'BREW /pot HTCPCP/1.0\r\n\r\n')" = "HTTP/1.1 400 Bad Request" ] ||
	fail "a request that is not HTTP was not refused with 400"
# IPP/3.0: HTTP 200 with server-error-version-not-supported (0x0503).
exec {fd}<>"/dev/tcp/127.0.0.1/$IPORT"
(printf 'POST /printers/files HTTP/1.1\r\nHost: x\r\nContent-Type: application/ipp\r\nContent-Length: 9\r\n\r\n\003\000\000\013\000\000\000\001\003' >&"$fd") 2>/dev/null || true
out=$(timeout 10 head -c 400 <&"$fd" | od -An -tx1 | tr -d ' \n')
exec {fd}>&-
printf '%s\n' "$out" | has '0d0a0d0a....0503' || fail "IPP/3.0 was not refused: $out"
cat >"$T/noq.test" <<'EOF'
{
	OPERATION Print-Job
	GROUP operation-attributes-tag
	ATTR charset attributes-charset utf-8
	ATTR language attributes-natural-language en
	ATTR uri printer-uri $uri
	FILE $filename
	STATUS client-error-not-found
}
EOF
ipptool -t -f "$T/doc.txt" "$URI/nosuchqueue" "$T/noq.test" >/dev/null ||
	fail "a job to no queue was not refused with not-found"
# Out of order: a Send-Document for a job no Create-Job made.
cat >"$T/orphan.test" <<'EOF'
{
	OPERATION Send-Document
	GROUP operation-attributes-tag
	ATTR charset attributes-charset utf-8
	ATTR language attributes-natural-language en
	ATTR uri printer-uri $uri
	ATTR integer job-id 999999
	ATTR boolean last-document true
	FILE $filename
	STATUS client-error-not-found
}
EOF
ipptool -t -f "$T/doc.txt" "$URI/files" "$T/orphan.test" >"$T/orphan.out" 2>&1 ||
	{ cat "$T/orphan.out"; fail "a Send-Document without Create-Job was not refused"; }
# One byte a second: the request line never completes within a step.
exec {fd}<>"/dev/tcp/127.0.0.1/$IPORT"
for c in P O S T ' ' /; do (printf '%s' "$c" >&"$fd") 2>/dev/null || break; sleep 1; done
out=$(timeout 10 cat <&"$fd" | head -c 100)
exec {fd}>&-
case $out in "" | "HTTP/1.1 400"*) ;; *) fail "a slow client got: $out" ;; esac
# A Print-Job whose document is cut short leaves nothing behind.
n=$(sb jobs -a | wc -l)
exec {fd}<>"/dev/tcp/127.0.0.1/$IPORT"
(printf 'POST /printers/files HTTP/1.1\r\nHost: x\r\nContent-Type: application/ipp\r\nContent-Length: 100000\r\n\r\n\002\000\000\002\000\000\000\001\001G\000\022attributes-charset\000\005utf-8H\000\033attributes-natural-language\000\002enE\000\013printer-uri\000\036ipp://127.0.0.1/printers/files\003only part of it' >&"$fd") 2>/dev/null || true
sleep 0.5
exec {fd}>&- # the client is gone mid-document
sleep 0.5
has "Print-Job for files refused: the document was cut short" "$T/spoolboxd.log" ||
	fail "no log line for a cut-short Print-Job"
[ "$(sb jobs -a | wc -l)" -eq "$n" ] || fail "a cut-short Print-Job left a job"
sb queues --json | grep -o '"name":"files"[^}]*' | has '"uploads":0' ||
	fail "a cut-short Print-Job left an upload: $(sb queues --json)"
log "hostile HTTP/IPP refused"

# 256 MiB by Print-Job: byte-exact, the listener's memory flat.
if sanitized; then MIB=32; else MIB=256; fi
head -c $((MIB << 20)) /dev/urandom >"$T/big"
watch_workers "$T/w.json"
ipptool -t -f "$T/big" -d filetype=application/octet-stream "$URI/files" \
	"$TESTS/print-job.test" >"$T/big.out" 2>&1 || { cat "$T/big.out"; fail "the big Print-Job failed"; }
stop_watch
id=$(sb jobs -a -q files | awk 'NR > 1 { print $1 }' | tail -n 1)
wait_completed "$id"
cmp -s "$T/big" "$T/out/job-$id.prn" || fail "the $MIB MiB job differs"
peak=$(json_field listener private_bytes <"$T/w.json" | max_of)
log "$MIB MiB through IPP: listener peak private bytes $((peak >> 10)) KiB"
sanitized || [ "$peak" -lt $((16 << 20)) ] || fail "the listener grew to $peak bytes"
rm -f "$T/big" "$T/out/job-$id.prn"

# CUPS' own clients: cupsd forwards a queue to us with its ipp backend
# and another with its lpd backend.
CUPSP=$(free_port)
cups_loopback_start "$T/cups" "$CUPSP" || fail "cupsd did not start"
HOSTILE_PIDS="$HOSTILE_PIDS $CUPS_PID"
cups_queue "$T/cups" "$CUPSP" viaipp "$URI/files" >/dev/null || fail "cups queue viaipp"
cups_queue "$T/cups" "$CUPSP" vialpd "lpd://127.0.0.1:$LPORT/files?reserve=none" >/dev/null ||
	fail "cups queue vialpd"
head -c 300000 /dev/urandom >"$T/raw"
for q in viaipp vialpd; do
	n=$(ls "$T/out" | wc -l)
	ipptool -t -f "$T/raw" -d filetype=application/octet-stream \
		"ipp://127.0.0.1:$CUPSP/printers/$q" "$TESTS/print-job.test" >/dev/null ||
		fail "printing to cupsd's $q failed"
	wait_until 20 - '[ "$(ls "$T/out" | wc -l)" -gt "$n" ]' || true
	f=$(ls -t "$T/out" | head -n 1)
	cmp -s "$T/raw" "$T/out/$f" || fail "cupsd's $q job did not arrive byte-exact"
	log "cupsd's $q backend printed to the listener"
done
log PASS
