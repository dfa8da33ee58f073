#!/bin/bash
# IPPS on the listener: with tls = required and no certificate named, a
# self-signed pair is made at the first start (SPOOL/tls, the key 0600)
# and served; ipptool prints over ipps:// and the job arrives byte-exact;
# plain HTTP gets 426 Upgrade Required. Then tls = on with tls_cert and
# tls_key named: ipps:// and ipp:// on the same port, both listed.
. "$(dirname "$0")/lib.sh"
command -v ipptool >/dev/null || { log "SKIP: cups-ipp-utils is not installed"; exit 77; }

IPORT=$(free_port)
mkdir -p "$T/out"
write_config "[listener]" "ipp = 127.0.0.1:$IPORT" "tls = required" \
	"step_timeout = 5s" "[queue.files]" "uri = file://$T/out"
start_spoolboxd
wait_port "$IPORT"
crt=$T/spool/tls/spoolbox.crt
[ -s "$crt" ] || fail "no self-signed certificate in $T/spool/tls"
[ "$(stat -c %a "$T/spool/tls/spoolbox.key")" = 600 ] || fail "the key is not 0600"
if command -v openssl >/dev/null; then
	served=$(echo | openssl s_client -connect "127.0.0.1:$IPORT" 2>/dev/null |
		openssl x509 -noout -fingerprint -sha256)
	[ "$served" = "$(openssl x509 -in "$crt" -noout -fingerprint -sha256)" ] ||
		fail "the listener serves another certificate: $served"
fi

code=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$IPORT/printers/files")
[ "$code" = 426 ] || fail "plain HTTP where TLS is required got $code"
has "plain HTTP where TLS is required: 426" "$T/spoolboxd.log" || fail "no log line for the 426"

head -c 5000 /dev/urandom | base64 >"$T/doc.txt"
ipptool -tv -f "$T/doc.txt" "ipps://127.0.0.1:$IPORT/printers/files" \
	/usr/share/cups/ipptool/print-job.test >"$T/print.out" 2>&1 ||
	fail "Print-Job over ipps failed: $(tail -n 20 "$T/print.out")"
wait_until 20 "the job over ipps in $T/out" '[ -n "$(ls "$T/out")" ]'
cmp "$T/doc.txt" "$T/out"/* || fail "the job over ipps differs"
ipptool -tv "ipps://127.0.0.1:$IPORT/printers/files" \
	/usr/share/cups/ipptool/get-printer-attributes.test >"$T/gpa.out" 2>&1 ||
	fail "Get-Printer-Attributes over ipps failed"
has "printer-uri-supported (uri) = ipps://" "$T/gpa.out" ||
	fail "tls = required lists: $(grep -e printer-uri-supported -e uri-security "$T/gpa.out")"
log "tls = required: self-signed pair made and served, 426 for plain HTTP, a job over ipps"

# A named pair, and TLS offered beside plain IPP.
cp "$crt" "$T/my.crt"
cp "$T/spool/tls/spoolbox.key" "$T/my.key"
stop_spoolboxd
write_config "[listener]" "ipp = 127.0.0.1:$IPORT" "tls = on" \
	"tls_cert = $T/my.crt" "tls_key = $T/my.key" \
	"[queue.files]" "uri = file://$T/out" \
	"[queue.secret]" "uri = file://$T/out" "tls_required = yes"
start_spoolboxd
wait_port "$IPORT"
for scheme in ipp ipps; do
	ipptool -tv "$scheme://127.0.0.1:$IPORT/printers/files" \
		/usr/share/cups/ipptool/get-printer-attributes.test >"$T/$scheme.out" 2>&1 ||
		fail "Get-Printer-Attributes over $scheme failed with tls = on"
done
has "uri-security-supported (1setOf keyword) = none,tls" "$T/ipps.out" ||
	fail "tls = on lists: $(grep uri-security "$T/ipps.out")"
# A queue that takes ipps:// only, beside one that takes both.
ipptool -tv "ipp://127.0.0.1:$IPORT/printers/secret" \
	/usr/share/cups/ipptool/get-printer-attributes.test >"$T/secret.out" 2>&1 </dev/null &&
	fail "the tls_required queue answered over plain IPP"
has "(the queue's tls_required): 426" "$T/spoolboxd.log" || fail "no 426 for the tls_required queue"
ipptool -t "ipps://127.0.0.1:$IPORT/printers/secret" \
	/usr/share/cups/ipptool/get-printer-attributes.test >/dev/null 2>&1 ||
	fail "the tls_required queue did not answer over ipps"
write_config "[listener]" "ipp = 127.0.0.1:$IPORT" "tls = on" "tls_cert = $T/my.crt"
expect_err "tls_cert and tls_key go together" "$BUILD/spoolboxd" -c "$T/spoolbox.conf" -f
log "tls = on: ipp:// and ipps:// on one port with a named pair"

make_user
pw="Pw-$RANDOM-$RANDOM"
echo "$TEST_USER:$pw" | chpasswd
stop_spoolboxd
write_config "[listener]" "ipp = 127.0.0.1:$IPORT" "tls = on" "auth = basic" \
	"[queue.files]" "uri = file://$T/out" "[queue.held]" \
	"uri = lpd://127.0.0.1:$(free_port)/x" "retry_interval = 1h"
start_spoolboxd
wait_port "$IPORT"
ipptool -tv -f "$T/doc.txt" "ipps://$TEST_USER:$pw@127.0.0.1:$IPORT/printers/held" \
	/usr/share/cups/ipptool/print-job.test >"$T/login.out" 2>&1 ||
	fail "Print-Job with the account's password failed: $(tail -n 5 "$T/login.out")"
id=$(sb jobs -q held | awk 'NR == 2 { print $1 }')
sb jobs -q held | awk 'NR == 2 { print $4 }' | has -x "$TEST_USER" ||
	fail "the job is not the account's: $(sb jobs -q held)"
sbu cancel "$id" >/dev/null || fail "the account cannot cancel its network job from the CLI"
has "logged in as $TEST_USER" "$T/spoolboxd.log" || fail "no log line for the login"
ipptool -tv -f "$T/doc.txt" "ipps://$TEST_USER:wrong@127.0.0.1:$IPORT/printers/held" \
	/usr/share/cups/ipptool/print-job.test >"$T/wrong.out" 2>&1 </dev/null &&
	fail "a wrong password printed"
has "authentication of $TEST_USER failed" "$T/spoolboxd.log" || fail "no log line for the failed login"
code=$(curl -sk -o /dev/null -w '%{http_code}' --data-binary @"$T/doc.txt" \
	-H 'Content-Type: application/ipp' "https://127.0.0.1:$IPORT/printers/held")
[ "$code" = 401 ] || fail "a POST without credentials got $code"
[ "$(sb jobs -q held | wc -l)" -le 1 ] || fail "a refused login left a job: $(sb jobs -q held)"
code=$(curl -s -o /dev/null -w '%{http_code}' --data-binary @"$T/doc.txt" \
	-H 'Content-Type: application/ipp' "http://127.0.0.1:$IPORT/printers/held")
[ "$code" = 426 ] || fail "a login over plain HTTP got $code, not 426"
write_config "[listener]" "ipp = 127.0.0.1:$IPORT" "auth = basic"
expect_err "auth = basic needs tls = on or required" "$BUILD/spoolboxd" -c "$T/spoolbox.conf" -f
log "auth = basic: a job from a login is the account's; wrong or no password refused"
log PASS
