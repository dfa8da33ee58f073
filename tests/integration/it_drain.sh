#!/bin/bash
# A worker drained while it waits for the spooler still ends its job by
# io_timeout (transient, retried), not by the broker's drain kill: with
# localspl stopped mid-conversion, the printproc being recycled gives up
# after io_timeout (1s), says Drained and goes; drain_timeout (60s) is
# never reached. Once localspl runs again the job is retried and prints.
. "$(dirname "$0")/lib.sh"

write_config "io_timeout = 1s" "sample_interval = 50ms" \
	"[worker.printproc]" "drain_timeout = 60s" "lifetime_jitter = 0" \
	"[queue.ps]" "uri = file://$T/ps" "datatype = postscript" \
	"retry_interval = 500ms"
start_spoolboxd

# Big enough that the conversion is still running when localspl stops.
head -c 200M < <(yes "a line of text to convert into PostScript, page by page") \
	>"$T/big.txt"
id=$(sb submit -q ps -t text "$T/big.txt")
wait_until 8 - "sb workers | has -E '^printproc +0 +[0-9]+ +busy'" || true
old=$(worker_pid printproc)
spl=$(worker_pid localspl)
sb workers | has -E '^printproc +0 +[0-9]+ +busy' || fail "printproc never got the job"
kill -STOP "$spl"
# Recycle printproc now: its replacement starts, the busy one is drained.
sb budget printproc max_lifetime=10ms >/dev/null
wait_until 10 - 'grep -q "printproc.0 pid $old ended" "$T/spoolboxd.log"' || true
sb budget printproc max_lifetime=0 >/dev/null
kill -CONT "$spl"
grep -q "printproc.0 pid $old ended" "$T/spoolboxd.log" ||
	fail "the drained printproc $old was still waiting after 10s (drain_timeout 60s)"
grep "printproc.0 pid $old" "$T/spoolboxd.log" | has "did not drain" &&
	fail "printproc $old was killed by the drain timeout"
wait_completed "$id"
grep -q "job $id: no answer from the spooler within io_timeout; retry 1" \
	"$T/spoolboxd.log" || fail "job $id did not end by its I/O timeout"
[ "$(stat -c %s "$T"/ps/job-"$id".ps)" -gt 200000000 ] || fail "output too small"
log "PASS: drained printproc $old gave up after io_timeout; job $id retried and printed"
