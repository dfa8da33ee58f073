#!/bin/bash
# Each queue offers what its printer can do, and jobs are held to it.
# An ipp:// queue: an ippeveprinter with a narrow set (Letter and Legal,
# Legal the default, one-sided, monochrome, 300 dpi, one toner at 42%),
# asked by the broker through a remote (Get-Printer-Attributes) and
# offered by the listener in place of its defaults; a job that asks for
# A4 or two sides is unsupported, one on Legal reaches the printer with
# its media. After the printer is replaced by one that has A4 too, a
# reload asks it again. An LPD queue offers what its config says
# (sides, media, color), and one that says nothing offers one side.
. "$(dirname "$0")/../ippeve-loopback.sh"
own_netns ippeveprinter avahi-daemon dbus-daemon ipptool curl
. "$(dirname "$0")/lib.sh"

# ippeve_narrow CONF PORT: an ippeveprinter with the attributes in CONF.
ippeve_narrow() {
	ippeveprinter -r off -p "$2" -n localhost -d "$T/eve/spool" -k -a "$1" \
		narrow >>"$T/eve/ippeveprinter.log" 2>&1 &
	NARROW_PID=$!
	HOSTILE_PIDS="$HOSTILE_PIDS $NARROW_PID"
}
mkdir -p "$T/eve/spool"
avahi_start "$T/eve"
HOSTILE_PIDS="$AVAHI_PIDS"
cat >"$T/narrow.conf" <<'EOF'
ATTR keyword media-supported na_letter_8.5x11in,na_legal_8.5x14in
ATTR keyword media-default na_legal_8.5x14in
ATTR keyword media-ready na_legal_8.5x14in
ATTR keyword sides-supported one-sided
ATTR keyword sides-default one-sided
ATTR keyword print-color-mode-supported monochrome
ATTR keyword print-color-mode-default monochrome
ATTR resolution printer-resolution-supported 300dpi
ATTR resolution printer-resolution-default 300dpi
ATTR octetString printer-supply "index=1;class=supplyThatIsConsumed;type=toner;unit=percent;maxcapacity=100;level=42;colorantname=black;"
ATTR text printer-supply-description "Black Toner"
ATTR mimeMediaType document-format-supported application/pdf,image/jpeg
EOF
PORT=$(free_port)
ippeve_narrow "$T/narrow.conf" "$PORT"
wait_port "$PORT"
IPORT=$(free_port)
write_config "[listener]" "ipp = 127.0.0.1:$IPORT" "dnssd = off" \
	"[queue.narrow]" "uri = ipp://127.0.0.1:$PORT/ipp/print" \
	"[queue.laser]" "uri = lpd://127.0.0.1:$(free_port)/lp" \
	"sides = one-sided, two-sided-long-edge" \
	"media = na_letter_8.5x11in, na_legal_8.5x14in" "color = yes" \
	"[queue.plain]" "uri = lpd://127.0.0.1:$(free_port)/lp"
start_spoolboxd
wait_port "$IPORT"

# attrs QUEUE: what the listener says of the queue, one line each.
attrs() { ipptool -tv "ipp://127.0.0.1:$IPORT/printers/$1" get-printer-attributes.test 2>&1; }
value() { attrs "$1" | sed -n "s/^ *$2 ([^)]*) = //p"; }
wait_until 30 'narrow: the printer'"'"'s media never offered: $(value narrow media-supported)' \
	eval '[ "$(value narrow media-supported)" = "na_letter_8.5x11in,na_legal_8.5x14in" ]'
has "queue narrow: its printer offers 2 media, 1 sides, 1 colour modes, 1 supplies" "$T/spoolboxd.log" ||
	fail "the broker did not say what the printer offers"
[ "$(value narrow media-default)" = na_legal_8.5x14in ] || fail "narrow: media-default $(value narrow media-default)"
[ "$(value narrow sides-supported)" = one-sided ] || fail "narrow: sides-supported $(value narrow sides-supported)"
[ "$(value narrow print-color-mode-supported)" = monochrome ] ||
	fail "narrow: print-color-mode-supported $(value narrow print-color-mode-supported)"
[ "$(value narrow printer-resolution-supported)" = 300dpi ] ||
	fail "narrow: printer-resolution-supported $(value narrow printer-resolution-supported)"
value narrow printer-supply | has "level=42" || fail "narrow: printer-supply $(value narrow printer-supply)"
[ "$(value narrow printer-supply-description)" = "Black Toner" ] ||
	fail "narrow: printer-supply-description $(value narrow printer-supply-description)"
attrs narrow | has "media-col-database.*y-dimension=35560" || fail "narrow: Legal's size is not in media-col-database"
[ "$(sb queues --json | jq -r '.[] | select(.name == "narrow") | .printer_caps.supplies[0]')" = "Black Toner" ] ||
	fail "spoolbox queues does not show the printer's supplies: $(sb queues --json)"

# Jobs are held to it: A4 and two sides are unsupported, Legal is taken.
gs -q -dBATCH -dNOPAUSE -sDEVICE=pdfwrite -sOutputFile="$T/one.pdf" -c showpage
chmod 644 "$T/one.pdf"
fidelity() { # ATTR-LINE STATUS
	cat >"$T/f.test" <<EOF
{
OPERATION Print-Job
GROUP operation-attributes-tag
ATTR charset attributes-charset utf-8
ATTR naturalLanguage attributes-natural-language en
ATTR uri printer-uri \$uri
ATTR name requesting-user-name alice
ATTR boolean ipp-attribute-fidelity true
ATTR mimeMediaType document-format application/pdf
GROUP job-attributes-tag
$1
FILE \$filename
STATUS $2
}
EOF
	ipptool -t -f "$T/one.pdf" "ipp://127.0.0.1:$IPORT/printers/${3:-narrow}" "$T/f.test" >"$T/f.out" 2>&1
}
fidelity "ATTR keyword media iso_a4_210x297mm" client-error-attributes-or-values-not-supported ||
	fail "narrow took A4: $(cat "$T/f.out")"
fidelity "ATTR keyword sides two-sided-long-edge" client-error-attributes-or-values-not-supported ||
	fail "narrow took two sides: $(cat "$T/f.out")"
l=$(IPPQ=narrow ipp_job "$T/one.pdf" application/pdf "ATTR keyword media na_legal_8.5x14in" \
	"ATTR enum orientation-requested 4")
wait_completed "$l"
rj=$(sb jobs -a --json | jq -r ".[] | select(.id == $l) | .landed" | sed -n 's/.*remote job \([0-9]*\).*/\1/p')
cat >"$T/media.test" <<'EOF'
{
OPERATION Get-Job-Attributes
GROUP operation-attributes-tag
ATTR charset attributes-charset utf-8
ATTR naturalLanguage attributes-natural-language en
ATTR uri printer-uri $uri
ATTR integer job-id $remote_job
STATUS successful-ok
EXPECT media WITH-VALUE na_legal_8.5x14in
EXPECT orientation-requested WITH-VALUE 4
}
EOF
ipptool -T 10 -d remote_job="$rj" "ipp://127.0.0.1:$PORT/ipp/print" "$T/media.test" >"$T/media.out" 2>&1 ||
	fail "job $l: Legal and landscape did not reach the printer: $(cat "$T/media.out")"

# LPD queues: what the config says, and one side when it says nothing.
[ "$(value laser sides-supported)" = one-sided,two-sided-long-edge ] ||
	fail "laser: sides-supported $(value laser sides-supported)"
[ "$(value laser media-supported)" = na_letter_8.5x11in,na_legal_8.5x14in ] ||
	fail "laser: media-supported $(value laser media-supported)"
[ "$(value laser color-supported)" = true ] || fail "laser: color-supported $(value laser color-supported)"
[ "$(value plain sides-supported)" = one-sided ] || fail "plain: sides-supported $(value plain sides-supported)"
[ "$(value plain color-supported)" = false ] || fail "plain: color-supported $(value plain color-supported)"
fidelity "ATTR keyword sides two-sided-long-edge" client-error-attributes-or-values-not-supported plain ||
	fail "plain took two sides: $(cat "$T/f.out")"
curl -sf "http://127.0.0.1:$IPORT/printers/laser.ppd" >"$T/laser.ppd" || fail "no PPD for laser"
has '^\*ColorDevice: True' "$T/laser.ppd" && has '^\*PageSize Legal/Legal' "$T/laser.ppd" &&
	! has '^\*PageSize A4' "$T/laser.ppd" && ! has 'DuplexTumble/' "$T/laser.ppd" ||
	fail "laser's PPD: $(grep -E 'ColorDevice|PageSize |Duplex ' "$T/laser.ppd")"

# Another printer at the same address (now with A4): a reload asks it.
kill "$NARROW_PID"
wait "$NARROW_PID" 2>/dev/null || true
sed 's/na_letter_8.5x11in,na_legal_8.5x14in/iso_a4_210x297mm,na_letter_8.5x11in,na_legal_8.5x14in/' \
	"$T/narrow.conf" >"$T/wider.conf"
ippeve_narrow "$T/wider.conf" "$PORT"
wait_port "$PORT"
sb reload >/dev/null
wait_until 30 'after a reload, the new printer'"'"'s media never offered: $(value narrow media-supported)' \
	eval 'value narrow media-supported | has iso_a4_210x297mm'
fidelity "ATTR keyword media iso_a4_210x297mm" successful-ok || fail "narrow refused A4 after the reload: $(cat "$T/f.out")"
log "PASS: an ipp:// printer's own media, sides, colour, resolutions and supplies offered and held to; LPD queues as their config says"
