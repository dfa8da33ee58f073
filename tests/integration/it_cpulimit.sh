#!/bin/bash
# Conversions cannot starve each other: while one user's endless
# PostScript converts, another's 17-byte text job converts on a second
# print processor (the pool grows to the machine's CPUs, at least two)
# and prints; so it does when one user has more endless documents than
# there are print processors (nobody gets them all); a document that outruns its queue's cpu_limit fails with
# that reason (the kernel's RLIMIT_CPU ends the print processor; the
# broker charges the document, not the worker, and restarts nothing as a
# crash).
. "$(dirname "$0")/lib.sh"
command -v gs >/dev/null || { log "SKIP: no Ghostscript"; exit 77; }

make_user
mkdir -p "$T/out"
write_config "[worker.printproc]" "max_instances = 2" "[queue.slow]" "uri = file://$T/out" "datatype = pdf" \
	"cpu_limit = 10m" "[queue.slow2]" "uri = file://$T/out" "datatype = pdf" \
	"[queue.txt]" "uri = file://$T/out" "datatype = pdf" \
	"[queue.short]" "uri = file://$T/out" "datatype = pdf" "cpu_limit = 2s"
start_spoolboxd
printf '%%!PS\n{ 1 pop } loop\n' >"$T/loop.ps"
printf 'seventeen bytes.\n' >"$T/small.txt"
chmod 644 "$T/loop.ps" "$T/small.txt"
a=$(sbu submit -q slow "$T/loop.ps")
wait_until 20 "the endless job $a is not converting" 'job_line "$a" | has processing'

t0=$(date +%s%N)
t=$(sb submit -q txt "$T/small.txt")
wait_completed "$t"
ms=$((($(date +%s%N) - t0) / 1000000))
job_line "$a" | has processing || fail "the endless job is not converting any more: $(job_line "$a")"
[ "$(sb workers | awk '$1 == "printproc" && $4 != "standby" && $4 != "zygote"' | wc -l)" -ge 2 ] || fail "one print processor only: $(sb workers)"
log "a 17-byte text job printed in $ms ms (submit to completed; reported, not asserted) while another's endless PostScript converted"

b=$(sb submit -q short "$T/loop.ps")
if sb wait "$b" --timeout 120 2>"$T/err"; then fail "the endless job $b completed"; fi
sb jobs -a | awk -v id="$b" '$1 == id' | has "aborted.*cpu_limit" ||
	fail "job $b did not end for its cpu_limit: $(sb jobs -a | awk -v id="$b" '$1 == id')"
has "cpu_limit: the document of job $b used its CPU time" "$T/spoolboxd.log" ||
	fail "no log line names the cpu_limit"
sb workers | awk '$1 == "printproc" { print $9 }' | has -vx 0 &&
	fail "a cpu_limit was counted as a crash: $(sb workers)"
sb cancel "$a" >/dev/null
log "a document past its cpu_limit (2 s) failed with the reason"

# One user's three endless documents, two print processors: theirs take
# one, another user's text job the other.
mine=()
for q in slow slow slow2; do mine+=("$(sbu submit -q "$q" "$T/loop.ps")"); done
wait_until 20 "none of $TEST_USER's endless jobs converts" 'sb jobs -a | has "processing"'
t=$(sb submit -q txt "$T/small.txt")
wait_completed "$t"
for j in "${mine[@]}"; do sb cancel "$j" >/dev/null || true; done
log "a text job printed while one user's three endless documents wanted both print processors"
log PASS
