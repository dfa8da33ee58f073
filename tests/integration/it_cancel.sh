#!/bin/bash
# cancel of a job mid-delivery to a real LPRng lpd: the transfer is
# aborted at the server (RFC 1179's abort subcommand), so the lpd keeps
# no job to print; the job ends canceled; the next job prints.
. "$(dirname "$0")/lib.sh"
PORT=$(free_port)
start_lpd "$PORT"
write_config "[queue.office]" "uri = lpd://127.0.0.1:$PORT/q"
start_spoolboxd
head -c $((400 * 1024 * 1024)) /dev/zero >"$T/big"
# Held until it is whole in the spool, so that the delivery is what the
# cancel cuts short.
sb queue disable office >/dev/null
id=$(sb submit -q office -t raw "$T/big")
sb queue enable office >/dev/null
wait_until 4 'job $id never went to the printer (state $(sb jobs --json | jq -r ".[] | select(.id == $id) | .state"))' \
	'[ "$(sb jobs --json | jq -r ".[] | select(.id == $id) | .state")" = printing ]'
sleep 0.2 # some of it on its way
sb cancel "$id" >/dev/null
sb wait "$id" --timeout 30 2>"$T/wait.err" && fail "job $id completed after its cancel"
has "canceled" "$T/wait.err" || fail "job $id ended: $(cat "$T/wait.err")"
sleep 0.5
ls "$T/lpd/spool/q" >"$T/lpd.ls"
if grep -q '^[ch]fA' "$T/lpd.ls"; then
	fail "the lpd kept a job to print: $(tr '\n' ' ' <"$T/lpd.ls")"
fi
printf 'after the cancel\n' >"$T/small"
next=$(sb submit -q office -t raw "$T/small")
wait_completed "$next"
grep -lqx 'after the cancel' "$T/lpd/spool/q"/dfA* || fail "the next job did not print"
log "PASS: job $id canceled mid-delivery, nothing left at the lpd, the next job printed"
