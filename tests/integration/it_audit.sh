#!/bin/bash
# sandbox = audit: a worker that does what its policy forbids is not
# killed (the kernel logs the would-be denial, audit type 1326, in the
# audit log or dmesg) and the job completes. For developing policies; enforce is the default.
. "$(dirname "$0")/lib.sh"

write_config "sandbox = audit" "[worker.printproc]" "debug_sandbox_violation = 1" \
	"[queue.ps]" "uri = file://$T/ps" "datatype = postscript"
start_spoolboxd
sb workers --json | has '"kind":"printproc"[^}]*"seccomp":"log"' || fail "printproc not in audit mode"
pid=$(worker_pid printproc)
seq 1 10 >"$T/t"
id=$(sb submit -q ps -t text "$T/t")
wait_completed "$id"
[ "$(worker_pid printproc)" = "$pid" ] || fail "printproc was killed in audit mode"
grep -q "printproc.0\[$pid\]: mount failed: " "$T/spoolboxd.log" ||
	fail "the forbidden call did not run and fail harmlessly"
# The kernel's record (audit type 1326, syscall=165) goes to the audit log
# or a rate-limited printk: not something a test can count on.
log "PASS: audit mode logs instead of killing"
