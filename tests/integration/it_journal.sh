#!/bin/bash
# Logs under systemd: a real systemd-journald (started here, in a mount
# namespace of the test's own, on its own /run/systemd/journal), with
# spoolboxd's stderr on its stream as a unit's would be (JOURNAL_STREAM).
# The broker's lines become structured entries: a recycle carries the
# worker's kind, instance and pid, the rule, the figure and the budget; a
# failed delivery its job id and queue; priorities are right. The
# workers' lines arrive on the stream with their priority.
if [ -z "${SB_JOURNAL_NS:-}" ]; then
	[ "$(id -u)" -eq 0 ] || { echo "${0##*/}: SKIP: needs root for a mount namespace"; exit 77; }
	[ -x /lib/systemd/systemd-journald ] || { echo "${0##*/}: SKIP: no systemd-journald"; exit 77; }
	exec unshare -m --propagation private env SB_JOURNAL_NS=1 bash "$0" "$@"
fi
. "$(dirname "$0")/lib.sh"

mkdir -p /run/systemd /run/log
mount -t tmpfs tmpfs /run/systemd
mount -t tmpfs tmpfs /run/log
mkdir /run/systemd/journal
/lib/systemd/systemd-journald >"$T/journald.log" 2>&1 &
JOURNALD=$!
# cleanup reads the test's status from $?: keep it past the kill.
at_exit 'kill $JOURNALD; wait $JOURNALD'
wait_until 5 'journald did not start: $(cat "$T/journald.log")' '[ -S /run/systemd/journal/stdout ]'
entries() { journalctl -D /run/log/journal -o json --no-pager "$@" 2>/dev/null; }

PORT=$(free_port) # nothing listens there: the delivery fails
write_config "[queue.ps]" "uri = file://$T/out" "datatype = postscript" \
	"[queue.dead]" "uri = lpd://127.0.0.1:$PORT/q" "retry_limit = 1" \
	"error_policy = abort-job" "[worker.printproc]" "max_jobs = 1"
# As systemd runs a unit: stdout and stderr on journald's stream, and
# JOURNAL_STREAM naming it (systemd.exec(5)).
systemd-cat -t spoolboxd bash -c 'JOURNAL_STREAM=$(stat -L -c %d:%i /proc/self/fd/2) \
	exec "$0" -c "$1"' "$BUILD/spoolboxd" "$T/spoolbox.conf" &
SB_PID=$!
wait_until 10 - '[ "$(ready_count)" -ge 4 ]' || true
pp=$(worker_pid printproc)
printf 'journal\n' >"$T/t.txt"
id=$(sb submit -q ps -t text "$T/t.txt")
wait_completed "$id"
bad=$(sb submit -q dead -t raw "$T/t.txt")
sb wait "$bad" --timeout 30 >/dev/null 2>&1 || true
wait_until 10 - 'entries SPOOLBOX_REASON=max_jobs | grep -q . && entries SPOOLBOX_JOB="$bad" | grep -q .' || true

# The recycle: one entry with every field.
rec=$(entries SYSLOG_IDENTIFIER=spoolboxd SPOOLBOX_REASON=max_jobs | head -n 1)
[ -n "$rec" ] || { entries | tail -n 20; fail "no structured recycle entry"; }
for f in '"SPOOLBOX_KIND":"printproc"' '"SPOOLBOX_INSTANCE":"0"' "\"SPOOLBOX_PID\":\"$pp\"" \
	'"SPOOLBOX_FIGURE":"1"' '"SPOOLBOX_BUDGET":"1"' '"PRIORITY":"6"' '"_TRANSPORT":"journal"'; do
	printf '%s' "$rec" | has -F "$f" || fail "the recycle entry has no $f: $rec"
done
printf '%s' "$rec" | has '"MESSAGE":"recycling printproc.0 pid' || fail "message: $rec"

# The failed delivery: job id and queue, a warning.
job=$(entries SPOOLBOX_JOB="$bad" | head -n 1)
[ -n "$job" ] || fail "no entry for job $bad"
printf '%s' "$job" | has -F '"SPOOLBOX_QUEUE":"dead"' || fail "no queue: $job"
printf '%s' "$job" | has -F '"SPOOLBOX_KIND":"lprmon"' || fail "no kind: $job"
printf '%s' "$job" | has -F '"PRIORITY":"4"' || fail "not a warning: $job"

# A worker's warning on the stream, at its priority (localspl says the
# job was aborted).
w=$(entries _TRANSPORT=stdout PRIORITY=4 | grep -F "job $bad aborted" | head -n 1)
[ -n "$w" ] || { entries _TRANSPORT=stdout | tail -n 5; fail "localspl's warning is not in the journal at priority 4"; }
printf '%s' "$w" | has '"MESSAGE":"localspl.0\[[0-9]*\]: warning: job' || fail "worker line: $w"
# And no line kept its "<N>" prefix.
entries | grep -q '"MESSAGE":"<[0-9]>' && fail "a line kept its priority prefix"
log "PASS: structured entries for a recycle and a failed job; worker lines at their priority"
