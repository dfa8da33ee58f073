#!/bin/bash
# A reload that changes the queues applies them while work is in flight:
# localspl takes the new queues in a Configure while it runs, so a
# conversion in progress goes on (same local spooler, same print
# processor), a queue added takes jobs at once and a queue removed
# refuses them. Only a new file: directory (the local spooler's sandbox
# must show it) restarts the local spooler, and the reload says so; the
# job in flight is then converted again, not lost.
. "$(dirname "$0")/lib.sh"
command -v gs >/dev/null || { log "SKIP: no Ghostscript"; exit 77; }

mkdir -p "$T/out" "$T/out2"
base=("[queue.slow]" "uri = file://$T/out" "datatype = pdf"
	"[queue.txt]" "uri = file://$T/out" "datatype = pdf")
write_config "${base[@]}"
start_spoolboxd
printf '%%!PS\n{ 1 pop } loop\n' >"$T/loop.ps"
printf 'seventeen bytes.\n' >"$T/small.txt"
make_user
chmod 644 "$T/loop.ps" "$T/small.txt"
a=$(sbu submit -q slow "$T/loop.ps") # another user's: conversions are shared fairly between users
wait_until 20 "job $a is not converting" 'job_line "$a" | has processing'
spl=$(worker_pid localspl)

# A queue added, another's type changed.
write_config "[queue.slow]" "uri = file://$T/out" "datatype = pdf" \
	"[queue.txt]" "uri = file://$T/out" "datatype = postscript" \
	"[queue.new]" "uri = file://$T/out" "datatype = pdf"
out=$(sb reload) || fail "reload failed: $out"
echo "$out" | has "3 queue(s), queues changed" || fail "reload said: $out"
echo "$out" | has "restarts" && fail "the local spooler restarted for a queue change: $out"
wait_until 10 "localspl did not take the new queues" 'has "reconfigured: 3 queue(s)" "$T/spoolboxd.log"'
[ "$(worker_pid localspl)" = "$spl" ] || fail "localspl was replaced by a reload that changed queues"
job_line "$a" | has processing || fail "the conversion stopped at the reload: $(job_line "$a")"
has "job $a interrupted" "$T/spoolboxd.log" && fail "job $a was interrupted by the reload"
sb queues | awk '$1 == "txt"' | has postscript || fail "the new datatype is not shown: $(sb queues)"
n=$(sb submit -q new "$T/small.txt") || fail "the new queue refused a job"
wait_completed "$n"
log "a queue added by a reload printed while job $a kept converting (localspl pid $spl kept)"

# The queue removed again: it refuses jobs, the conversion still runs.
write_config "${base[@]}"
sb reload >/dev/null || fail "second reload failed"
wait_until 10 "localspl did not drop the queue" 'has "reconfigured: 2 queue(s)" "$T/spoolboxd.log"'
expect_err "new" sb submit -q new "$T/small.txt"
job_line "$a" | has processing || fail "the conversion stopped at the second reload"
[ "$(worker_pid localspl)" = "$spl" ] || fail "localspl was replaced by the second reload"
log "a queue removed by a reload refuses jobs; still one conversion, never interrupted"

# A new file: directory needs a new local spooler: the reload says so,
# and the job in flight is dispatched again, not lost.
write_config "${base[@]}" "[queue.other]" "uri = file://$T/out2" "datatype = pdf"
out=$(sb reload) || fail "third reload failed: $out"
echo "$out" | has "local spooler restarts for the new file: directories" || fail "reload said: $out"
wait_until 20 "localspl was not replaced" '[ -n "$(worker_pid localspl)" ] && [ "$(worker_pid localspl)" != "$spl" ]'
wait_until 30 "job $a is not converting again" 'job_line "$a" | has processing'
o=$(sb submit -q other "$T/small.txt")
wait_completed "$o"
ls "$T/out2" | has . || fail "nothing arrived in the new directory"
sb cancel "$a" >/dev/null
log PASS
