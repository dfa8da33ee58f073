#!/bin/bash
# AppSocket (socket://host[:port], JetDirect's port 9100), delivered by
# lprmon: byte-exact to a loopback printer (sb-socketsink), what the
# printer says back (a PJL status) in the log, a printer that keeps the
# connection open closed after io_timeout; a printer that accepts and
# never reads times out, is retried, and delays only its own queue; an
# unreachable one is retried (a socket URI with a path: test_config).
. "$(dirname "$0")/lib.sh"

SINK="$BUILD/sb-socketsink"
[ -x "$SINK" ] || { log "SKIP: no sb-socketsink in $BUILD"; exit 77; }
P1=$(free_port)
P2=$(free_port)
P3=$(free_port)
mkdir -p "$T/got"
"$SINK" -g '@PJL INFO STATUS CODE=10001 "READY"' -o "$T/got" "$P1" >"$T/sink1.log" 2>&1 &
HOSTILE_PIDS="$HOSTILE_PIDS $!"
"$SINK" -s "$P2" >"$T/sink2.log" 2>&1 &
HOSTILE_PIDS="$HOSTILE_PIDS $!"
"$SINK" -k 30 "$P3" >"$T/sink3.log" 2>&1 &
HOSTILE_PIDS="$HOSTILE_PIDS $!"
wait_port "$P1"
wait_port "$P2"
wait_port "$P3"

write_config "io_timeout = 2s" \
	"[queue.jet]" "uri = socket://127.0.0.1:$P1" \
	"[queue.hung]" "uri = socket://127.0.0.1:$P2" "retry_interval = 1s" \
	"[queue.open]" "uri = socket://127.0.0.1:$P3" \
	"[queue.gone]" "uri = socket://127.0.0.1:$(free_port)" "retry_interval = 1s"
start_spoolboxd

# Byte-exact: a small job and 8 MiB of every byte value.
printf 'a small job\n' >"$T/small"
head -c $((8 << 20)) /dev/urandom >"$T/big"
chmod 644 "$T/small" "$T/big"
a=$(sb submit -q jet -t raw "$T/small")
b=$(sb submit -q jet -t raw "$T/big")
wait_completed "$a" "$b"
cmp -s "$T/small" "$T/got/job-1" || fail "the small job did not arrive byte-exact"
cmp -s "$T/big" "$T/got/job-2" || fail "the 8 MiB job did not arrive byte-exact"
job_line "$a" >/dev/null
[ "$(sb jobs -a --json | jq -r ".[] | select(.id == $a) | .landed")" = "socket://127.0.0.1:$P1" ] ||
	fail "job $a landed as $(sb jobs -a --json | jq -r ".[] | select(.id == $a) | .landed")"
has "job $a: the printer at 127.0.0.1:$P1 said: @PJL INFO STATUS CODE=10001 \"READY\"" "$T/spoolboxd.log" ||
	fail "the printer's status is not in the log"

# A printer that holds the connection open after the job: done after
# io_timeout, and said.
o=$(sb submit -q open -t raw "$T/small")
wait_completed "$o"
has "job $o: the printer at 127.0.0.1:$P3 kept the connection open" "$T/spoolboxd.log" ||
	fail "a printer that kept the connection open was not said"

# A printer that never reads: the big job times out and waits to be
# retried; the jet queue prints meanwhile.
# (32 MiB: more than loopback's socket buffers take in, both ends.)
head -c $((32 << 20)) /dev/zero >"$T/huge"
chmod 644 "$T/huge"
h=$(sb submit -q hung -t raw "$T/huge")
wait_until 30 'the hung printer did not time out: $(job_line '"$h"')' \
	eval "sb jobs -a --json | jq -e '.[] | select(.id == $h and .attempts >= 1 and (.last_error | test(\"stopped reading\")))' >/dev/null"
c=$(sb submit -q jet -t raw "$T/small")
wait_completed "$c"
sb jobs --json | jq -e ".[] | select(.id == $h)" >/dev/null || fail "the hung printer's job is not waiting"

# An unreachable printer: retried, not failed.
g=$(sb submit -q gone -t raw "$T/small")
wait_until 20 'the unreachable printer: $(job_line '"$g"')' \
	eval "sb jobs -a --json | jq -e '.[] | select(.id == $g and .attempts >= 1 and (.last_error | test(\"connect\")))' >/dev/null"
sb cancel "$h" >/dev/null
sb cancel "$g" >/dev/null
log "PASS: socket:// byte-exact, the printer's words logged, a printer that never reads or is gone retried, one that holds on closed"
