#!/bin/bash
# A listener port another program holds (CUPS on 631, an lpd on 515):
# spoolboxd refuses to start with one line that names the holder and what
# to do, not a bare "Address already in use".
. "$(dirname "$0")/lib.sh"

PORT=$(free_port)
start_lpd "$PORT" # LPRng's lpd holds it
write_config "[listener]" "lpd = 127.0.0.1:$PORT" "[queue.q]" "uri = file://$T/out"
mkdir -p "$T/out"
if timeout 10 "$BUILD/spoolboxd" -c "$T/spoolbox.conf" -f 2>"$T/err"; then
	fail "spoolboxd started on a port lpd holds"
fi
has "\[listener\] lpd = 127.0.0.1:$PORT: port $PORT is taken by lpd (pid [0-9]*); choose another port" "$T/err" ||
	fail "it said: $(cat "$T/err")"
log "$(grep -o 'fatal: .*' "$T/err")"
log PASS
