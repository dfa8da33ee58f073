#!/bin/bash
# ipps: the remote provider checks the printer's certificate. cupsd speaks
# TLS with a certificate from this test's own CA: a queue naming that CA
# (ca_file) prints; one trusting the host's CA store is refused,
# permanently, with the reason; a pinned certificate prints, a wrong pin
# is refused.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/../cups-loopback.sh"
command -v cupsd >/dev/null && command -v ipptool >/dev/null && command -v openssl >/dev/null ||
	{ log "SKIP: cups-daemon, cups-ipp-utils and openssl are needed"; exit 77; }

mkdir "$T/pki"
(
	cd "$T/pki"
	openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.crt -days 2 \
		-subj "/CN=spoolbox test CA" 2>/dev/null
	openssl req -newkey rsa:2048 -nodes -keyout localhost.key -out srv.csr \
		-subj "/CN=localhost" 2>/dev/null
	printf 'subjectAltName=DNS:localhost,IP:127.0.0.1\n' >ext
	openssl x509 -req -in srv.csr -CA ca.crt -CAkey ca.key -CAcreateserial \
		-out localhost.crt -days 2 -extfile ext 2>/dev/null
) || fail "cannot make the test's CA"
chmod 644 "$T/pki/ca.crt"
pin=$(openssl x509 -in "$T/pki/localhost.crt" -outform DER | sha256sum | cut -d' ' -f1)

SINK=$(free_port)
CUPSP=$(free_port)
"$BUILD/sb-lpdsink" -o "$T/sink.data" "$SINK" >"$T/sink.out" &
HOSTILE_PIDS="$HOSTILE_PIDS $!"
CUPS_TLS_DIR=$T/pki cups_loopback_start "$T/cups" "$CUPSP" || fail "cupsd did not start"
HOSTILE_PIDS="$HOSTILE_PIDS $CUPS_PID"
cups_queue "$T/cups" "$CUPSP" q "lpd://127.0.0.1:$SINK/q?reserve=none" >/dev/null ||
	fail "cannot make the cupsd queue"
U="ipps://localhost:$CUPSP/printers/q"
write_config "io_timeout = 5s" \
	"[queue.ca]" "uri = $U" "ca_file = $T/pki/ca.crt" \
	"[queue.host]" "uri = $U" \
	"[queue.pin]" "uri = $U" "pin_sha256 = $pin" \
	"[queue.badpin]" "uri = $U" "pin_sha256 = $(printf '0%.0s' $(seq 64))"
start_spoolboxd

head -c 500000 /dev/urandom >"$T/raw"
id=$(sb submit -q ca -t raw "$T/raw")
wait_completed "$id"
wait_until 10 - has '^job' "$T/sink.out" || true
cmp -s "$T/raw" "$T/sink.data" || fail "job $id did not arrive byte-exact over ipps"
id=$(sb submit -q host -t raw "$T/raw")
expect_err "aborted: certificate of localhost refused: " sb wait "$id" --timeout 30
id=$(sb submit -q pin -t raw "$T/raw")
wait_completed "$id"
id=$(sb submit -q badpin -t raw "$T/raw")
expect_err "aborted: certificate of localhost is not the pinned one (its SHA-256 is $pin)" \
	sb wait "$id" --timeout 30
log "PASS: ipps with the queue's CA and with a pin; the host's store and a wrong pin refused"
