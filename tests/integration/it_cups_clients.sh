#!/bin/bash
# CUPS' own command-line clients (lpstat, lp, cancel, lpoptions, lpq from Debian's
# cups-client and cups-bsd, unpacked: they conflict with LPRng) against the
# listener: they use CUPS' operations (CUPS-Get-Printers, CUPS-Get-Default,
# CUPS-Get-Classes), Get-Jobs on the server's URI, job URIs
# ipp://HOST/jobs/N and Cancel-Jobs. lpstat -t, -o, -p, -a, -v, -d show
# the queues, their state and the jobs; lpoptions -l the options (the
# queue's PPD); cancel ID and cancel -a QUEUE
# cancel; lp prints; lp -H hold holds (job-hold-until indefinite) until a
# Release-Job (ipptool), Hold-Job holds a waiting job, and spoolbox
# submit --hold waits for spoolbox release; gzip and deflate documents
# are inflated. The answers say Server:
# spoolbox/VERSION.
. "$(dirname "$0")/lib.sh"

# CUPS' clients, from Debian's package file, kept between runs.
C=${SPOOLBOX_PEERS:-/var/cache/spoolbox-tests}/cups-client
if [ ! -x "$C/x/usr/bin/lpstat" ]; then
	mkdir -p "$C"
	deb=$(cd "$C" && apt-get download cups-client >/dev/null 2>&1 && ls cups-client_*.deb | head -1) ||
		true
	[ -n "$deb" ] || { log "SKIP: cannot download Debian's cups-client"; exit 77; }
	dpkg-deb -x "$C/$deb" "$C/x"
fi
if [ ! -x "$C/x/usr/bin/lpq" ]; then # lpq: Debian's cups-bsd
	deb=$(cd "$C" && apt-get download cups-bsd >/dev/null 2>&1 && ls cups-bsd_*.deb | head -1) || true
	[ -z "$deb" ] || dpkg-deb -x "$C/$deb" "$C/x"
fi
B=$C/x/usr/bin
command -v curl >/dev/null || { log "SKIP: no curl"; exit 77; }

mkdir -p "$T/out" "$T/raw"
LPDPORT=$(free_port)
start_lpd "$LPDPORT"
IPORT=$(free_port)
write_config "default_queue = office" "[listener]" "ipp = 127.0.0.1:$IPORT" \
	"[queue.office]" "uri = file://$T/out" "description = Office" \
	"sides = one-sided, two-sided-long-edge, two-sided-short-edge" \
	"[queue.lab]" "uri = lpd://127.0.0.1:$LPDPORT/q" \
	"[queue.raw]" "uri = file://$T/raw" "datatype = raw"
start_spoolboxd
wait_port "$IPORT"
H=127.0.0.1:$IPORT
export CUPS_USER=alice # who the clients say they are

printf 'printed by lp\n' >"$T/doc.txt"
sb queue disable lab --reason "paper jam" >/dev/null
o=$("$B/lp" -h "$H" -d office "$T/doc.txt") || fail "lp to office: $o"
o1=$(echo "$o" | grep -o 'office-[0-9]*') || fail "lp said: $o"
wait_completed "${o1#office-}"
grep -rqx 'printed by lp' "$T/out" || fail "office's job did not arrive: $(ls "$T/out")"
l1=$("$B/lp" -h "$H" -d lab "$T/doc.txt" | grep -o 'lab-[0-9]*') || fail "lp to lab failed"
l2=$("$B/lp" -h "$H" -d lab "$T/doc.txt" | grep -o 'lab-[0-9]*') || fail "lp to lab failed"
l3=$("$B/lp" -h "$H" -d lab "$T/doc.txt" | grep -o 'lab-[0-9]*') || fail "lp to lab failed"
log "lp printed $o1 to office; $l1 $l2 $l3 wait on lab (disabled)"

"$B/lpstat" -h "$H" -t >"$T/t.out" 2>&1 || fail "lpstat -t failed: $(cat "$T/t.out")"
for want in "^scheduler is running" "^system default destination: office" \
	"^device for office: ipp://.*/printers/office" "^device for lab: ipp://.*/printers/lab" \
	"^office accepting requests since" "^lab accepting requests since" \
	"^printer office is idle" "^printer lab disabled since" "paper jam" \
	"^$l1 *alice " "^$l3 *alice "; do
	has "$want" "$T/t.out" || fail "lpstat -t lacks '$want': $(cat "$T/t.out")"
done
# In name order, as CUPS lists them.
[ "$(grep -o '^device for [a-z]*' "$T/t.out" | tr '\n' ' ')" = "device for lab device for office device for raw " ] ||
	fail "lpstat -t does not list the queues by name: $(grep '^device for' "$T/t.out")"
log "lpstat -t:"
sed 's/^/    /' "$T/t.out"
"$B/lpstat" -h "$H" -o lab | has "^$l2 " || fail "lpstat -o lab lacks $l2"
if [ -x "$B/lpq" ]; then
	"$B/lpq" -h "$H" -P lab >"$T/lpq" 2>&1 || fail "lpq: $(cat "$T/lpq")"
	has "^lab is not ready" "$T/lpq" && has "^1st *alice *${l1#lab-} " "$T/lpq" ||
		fail "lpq -P lab: $(cat "$T/lpq")"
	log "lpq -P lab: $(tr '\n' '|' <"$T/lpq")"
fi
"$B/lpstat" -h "$H" -d | has "system default destination: office" || fail "lpstat -d"
"$B/lpstat" -h "$H" -a office | has "^office accepting requests" || fail "lpstat -a office"
"$B/lpstat" -h "$H" -v lab | has "^device for lab: " || fail "lpstat -v lab"
"$B/lpstat" -h "$H" -p office | has "^printer office is idle" || fail "lpstat -p office"
# lpoptions -l reads the queue's PPD (GET /printers/Q.ppd).
"$B/lpoptions" -h "$H" -p office -l >"$T/opts" 2>&1 || fail "lpoptions -l: $(cat "$T/opts")"
has '^PageSize/Media Size: \*A4 Letter$' "$T/opts" || fail "lpoptions -l: $(cat "$T/opts")"
has '^Duplex/2-Sided Printing: \*None DuplexNoTumble DuplexTumble$' "$T/opts" || fail "lpoptions -l: $(cat "$T/opts")"
sb queue reject lab --reason "moving" >/dev/null
"$B/lpstat" -h "$H" -a lab | has "^lab not accepting requests" || fail "lpstat -a of a rejecting queue"
sb queue accept lab >/dev/null

# cancel ID: the job's URI ipp://localhost/jobs/N, the server's scope.
"$B/cancel" -h "$H" "${l1#lab-}" || fail "cancel ${l1#lab-} failed"
sb jobs -a | awk -v id="${l1#lab-}" '$1 == id' | has canceled || fail "job $l1 was not canceled"
# Another user's job: refused.
if CUPS_USER=mallory "$B/cancel" -h "$H" "${l2#lab-}" 2>"$T/err"; then fail "mallory canceled alice's job"; fi
has "not-authorized\|not yours\|Forbidden" "$T/err" || fail "refusal said: $(cat "$T/err")"
# cancel -a QUEUE (Cancel-Jobs): every job of hers there.
"$B/cancel" -h "$H" -a lab || fail "cancel -a lab failed"
[ -z "$("$B/lpstat" -h "$H" -o lab)" ] || fail "jobs left after cancel -a: $("$B/lpstat" -h "$H" -o lab)"
log "cancel $l1 and cancel -a lab canceled; mallory could not cancel alice's job"

# Held: lp -H hold, released over IPP; Hold-Job on a waiting job.
hold_op() { # OPERATION JOBID: as alice, over IPP
	printf '{\n OPERATION %s\n GROUP operation-attributes-tag\n ATTR charset attributes-charset utf-8\n ATTR naturalLanguage attributes-natural-language en\n ATTR uri printer-uri $uri\n ATTR integer job-id %s\n ATTR name requesting-user-name alice\n STATUS successful-ok\n}\n' "$1" "$2" >"$T/op.test"
	ipptool -t "ipp://$H/printers/office" "$T/op.test" >"$T/op.out" 2>&1 || fail "$1 of job $2: $(cat "$T/op.out")"
}
h=$("$B/lp" -h "$H" -d office -H hold "$T/doc.txt" | grep -o 'office-[0-9]*') || fail "lp -H hold failed"
h=${h#office-}
# A job after it prints; the held one stays.
n=$("$B/lp" -h "$H" -d office "$T/doc.txt" | grep -o 'office-[0-9]*') || fail "lp failed"
wait_completed "${n#office-}"
sb jobs | awk -v id="$h" '$1 == id' | has held || fail "job $h is not held: $(sb jobs)"
[ "$(grep -rlx 'printed by lp' "$T/out" | wc -l)" -eq 2 ] || fail "the held job $h printed"
command -v ipptool >/dev/null || { log "SKIP rest: no ipptool"; log PASS; exit 0; }
hold_op Release-Job "$h"
wait_completed "$h"
[ "$(grep -rlx 'printed by lp' "$T/out" | wc -l)" -eq 3 ] || fail "the released job $h did not print"
sb queue disable lab >/dev/null
w=$("$B/lp" -h "$H" -d lab "$T/doc.txt" | grep -o 'lab-[0-9]*') || fail "lp to lab failed"
w=${w#lab-}
hold_op Hold-Job "$w"
sb jobs | awk -v id="$w" '$1 == id' | has held || fail "Hold-Job did not hold job $w: $(sb jobs)"
s=$(sb submit -q office --hold "$T/doc.txt")
sb jobs | awk -v id="$s" '$1 == id' | has held || fail "submit --hold did not hold job $s"
sb release "$s" >/dev/null
wait_completed "$s"
log "lp -H hold held job $h until Release-Job; Hold-Job held $w; submit --hold held $s until release"

# Compressed documents (compression gzip, deflate): inflated as read.
for z in gzip deflate; do
	seq 1 20000 | sed "s/^/$z line /" >"$T/$z.txt"
	printf '{\n OPERATION Print-Job\n GROUP operation-attributes-tag\n ATTR charset attributes-charset utf-8\n ATTR naturalLanguage attributes-natural-language en\n ATTR uri printer-uri $uri\n ATTR name requesting-user-name alice\n ATTR mimeMediaType document-format text/plain\n ATTR keyword compression %s\n COMPRESSION %s\n FILE %s\n STATUS successful-ok\n EXPECT job-id OF-TYPE integer\n}\n' "$z" "$z" "$T/$z.txt" >"$T/z.test"
	ipptool -t "ipp://$H/printers/raw" "$T/z.test" >"$T/z.out" 2>&1 || fail "Print-Job with $z: $(cat "$T/z.out")"
done
wait_until 30 "the compressed jobs did not print" '[ "$(sb jobs -a -q raw | grep -c completed)" -eq 2 ]'
for z in gzip deflate; do
	f=$(grep -rlx "$z line 20000" "$T/raw") || fail "the $z document did not arrive inflated"
	cmp -s "$f" "$T/$z.txt" || fail "the $z document differs after inflating"
done
log "Print-Job with compression gzip and deflate: both inflated byte-exact"

curl -sI "http://$H/printers/office" | has -i "^Server: spoolbox/" || fail "the listener does not say it is spoolbox"
log PASS
