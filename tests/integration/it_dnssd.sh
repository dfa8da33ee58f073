#!/bin/bash
# DNS-SD: the queues the listener serves are advertised through a real
# avahi-daemon (on a private system bus, in a network namespace of the
# test's own): _ipp._tcp with the TXT keys of PWG 5100.14 (rp, ty, pdl,
# UUID the same as the queue's printer-uuid, Duplex, URF, adminurl) and
# no printer-type, _printer._tcp for LPD with printer-type, _ipps._tcp
# once TLS is on. avahi-browse, ippfind and driverless
# (cups-filters-core-drivers) find them; a reload adds and withdraws queues; an
# avahi-daemon that restarts gets them again; a stopped spoolboxd
# withdraws them; dnssd = off advertises nothing.
. "$(dirname "$0")/../ippeve-loopback.sh"
own_netns avahi-daemon dbus-daemon avahi-browse ippfind ipptool driverless
. "$(dirname "$0")/lib.sh"

avahi_start "$T/avahi"
HOSTILE_PIDS="$HOSTILE_PIDS $AVAHI_PIDS"
IPORT=$(free_port)
LPORT=$(free_port)
mkdir -p "$T/out" "$T/raw" "$T/lab"
queues=("[queue.office]" "uri = file://$T/out" "description = Office Laser"
	"sides = two-sided-long-edge" "datatype = pdf"
	"[queue.raw]" "uri = file://$T/raw" "datatype = raw")
write_config "[listener]" "ipp = 127.0.0.1:$IPORT" "lpd = 127.0.0.1:$LPORT" "${queues[@]}"
start_spoolboxd

# browse TYPE: avahi-browse's resolved services of TYPE, one per line.
browse() { timeout 10 avahi-browse -rtpk "$1" 2>/dev/null | grep '^=' || true; }
# txt_of TYPE NAME KEY: that TXT key's value in NAME's record ("-": none).
txt_of() {
	browse "$1" | N=$2 awk -F';' '$4 == ENVIRON["N"] { print $10; exit }' | tr ' ' '\n' |
		sed -n "s/^\"$3=\(.*\)\"\$/\1/p" | head -n 1 | grep . || echo -
}
wait_until 20 'the queues were not advertised: $(browse _ipp._tcp)' \
	'[ "$(browse _ipp._tcp | wc -l)" -ge 2 ]'
# (A browse under load may list a service before it resolved each
# address: the IPv4 one is waited for.)
office_v4() { browse _ipp._tcp | has ";Office\\\\032Laser;_ipp._tcp;local;[^;]*;127.0.0.1;$IPORT;"; }
wait_until 20 'office is not on port $IPORT: $(browse _ipp._tcp)' office_v4
b=$(browse _ipp._tcp)
[ "$(txt_of _ipp._tcp 'Office\032Laser' rp)" = printers/office ] || fail "office's rp: $b"
[ "$(txt_of _ipp._tcp raw rp)" = printers/raw ] || fail "raw's rp: $b"
[ "$(txt_of _ipp._tcp 'Office\032Laser' Duplex)" = T ] || fail "office is two-sided: $b"
[ "$(txt_of _ipp._tcp raw Duplex)" = F ] || fail "raw is one-sided: $b"
txt_of _ipp._tcp raw pdl | has image/pwg-raster || fail "raw takes PWG raster: $b"
txt_of _ipp._tcp 'Office\032Laser' pdl | has application/pdf || fail "office's pdl: $b"
txt_of _ipp._tcp raw pdl | has application/octet-stream && fail "octet-stream is no pdl: $b"
[ "$(txt_of _ipp._tcp raw URF)" != - ] || fail "raw says no URF: $b"
[ "$(txt_of _ipp._tcp raw adminurl)" = "http://localhost:$IPORT/printers/raw" ] ||
	fail "raw's adminurl: $b"
[ "$(txt_of _ipp._tcp raw printer-type)" = - ] || fail "printer-type on _ipp: $b"
[ "$(txt_of _ipp._tcp raw TLS)" = - ] || fail "TLS said with TLS off: $b"
[ -z "$(browse _ipps._tcp)" ] || fail "_ipps._tcp with TLS off: $(browse _ipps._tcp)"

# The UUID is the queue's printer-uuid.
u=$(ipptool -T 10 -tv "ipp://127.0.0.1:$IPORT/printers/office" get-printer-attributes.test |
	sed -n 's/.*printer-uuid.*urn:uuid:\([0-9a-f-]*\).*/\1/p' | head -n 1)
[ -n "$u" ] && [ "$(txt_of _ipp._tcp 'Office\032Laser' UUID)" = "$u" ] ||
	fail "office's UUID is not its printer-uuid ($u): $b"

# LPD: rp is the queue's name; printer-type says two-sided.
l=$(browse _printer._tcp)
echo "$l" | has ";Office\\\\032Laser;_printer._tcp;local;[^;]*;127.0.0.1;$LPORT;" ||
	fail "office's LPD service is not on port $LPORT: $l"
[ "$(txt_of _printer._tcp 'Office\032Laser' rp)" = office ] || fail "office's LPD rp: $l"
[ $(($(txt_of _printer._tcp 'Office\032Laser' printer-type) & 0x10)) -ne 0 ] ||
	fail "office's printer-type does not say two-sided: $l"

# CUPS' ippfind, and driverless (IPP Everywhere printers: no printer-type,
# PWG raster or URF in pdl).
found_by_ippfind() {
	f=$(timeout 10 ippfind -T 3 _ipp._tcp "$@" 2>&1 || true)
	echo "$f" | has "/printers/raw\$"
}
wait_until 30 'ippfind did not find both queues: $f' \
	'found_by_ippfind && echo "$f" | has "/printers/office\$"'
wait_until 30 'ippfind --txt-pdl image/pwg-raster: $f' \
	found_by_ippfind --txt-pdl image/pwg-raster
# (ippfind, under driverless, may stop browsing before the first answer
# comes: a run that lists nothing is tried again.)
found_by_driverless() {
	d=$(timeout 20 driverless 2>&1 || true)
	echo "$d" | has '^ipp://raw\._ipp\._tcp\.local/' && echo "$d" | has '^ipp://Office%20Laser\._ipp\._tcp\.local/'
}
wait_until 30 'driverless did not list both queues: $d' found_by_driverless

# A reload adds lab and withdraws raw; TLS on adds _ipps._tcp.
write_config "[listener]" "ipp = 127.0.0.1:$IPORT" "lpd = 127.0.0.1:$LPORT" "tls = on" \
	"${queues[@]:0:5}" "[queue.lab]" "uri = file://$T/lab"
sb reload >/dev/null
wait_until 20 'lab was not advertised after the reload: $(browse _ipp._tcp)' \
	'browse _ipp._tcp | has ";lab;_ipp._tcp;"'
wait_until 20 'raw was not withdrawn after the reload: $(browse _ipp._tcp)' \
	'! browse _ipp._tcp | has ";raw;_ipp._tcp;"'
wait_until 20 'no _ipps._tcp with TLS on: $(browse _ipps._tcp)' \
	'[ "$(txt_of _ipps._tcp lab TLS)" = 1.2 ]'
[ "$(txt_of _ipps._tcp lab adminurl)" = "https://localhost:$IPORT/printers/lab" ] ||
	fail "lab's adminurl over TLS: $(browse _ipps._tcp)"

# avahi-daemon restarts: the queues come back without a word to spoolbox.
apid=${AVAHI_PIDS##* }
kill "$apid"
wait "$apid" 2>/dev/null || true
avahi-daemon --no-drop-root --no-chroot --no-proc-title >>"$T/avahi/avahi.log" 2>&1 &
HOSTILE_PIDS="$HOSTILE_PIDS $!"
wait_until 20 'not advertised again after avahi-daemon restarted: $(browse _ipp._tcp)' \
	'browse _ipp._tcp | has ";lab;_ipp._tcp;"'

# Stopped: withdrawn.
stop_spoolboxd
wait_until 20 'still advertised after spoolboxd stopped: $(browse _ipp._tcp)' \
	'[ -z "$(browse _ipp._tcp)" ] && [ -z "$(browse _printer._tcp)" ]'

# dnssd = off: nothing.
write_config "[listener]" "ipp = 127.0.0.1:$IPORT" "dnssd = off" "${queues[@]}"
start_spoolboxd
sleep 2
[ -z "$(browse _ipp._tcp)" ] || fail "advertised with dnssd = off: $(browse _ipp._tcp)"
has "DNS-SD: queue office advertised as \"Office Laser\"" "$T/spoolboxd.log" ||
	fail "no log line for the advertisement"
log "PASS: queues advertised over DNS-SD (avahi-browse, ippfind, driverless), on reload, after avahi restarts, withdrawn at stop, none with dnssd = off"
