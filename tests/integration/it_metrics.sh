#!/bin/bash
# spoolbox metrics: Prometheus' text format, accepted by Prometheus' own
# parser (promtool check metrics); the figures move when a job prints
# (the queue's completed count, localspl's jobs) and when a worker
# recycles (its slot's recycles).
. "$(dirname "$0")/lib.sh"
command -v promtool >/dev/null || { log "SKIP: no promtool (prometheus)"; exit 77; }
write_config "[queue.ps]" "uri = file://$T/out" "datatype = postscript"
start_spoolboxd

metric() { # NAME LABEL-SUBSTRING < metrics: the value
	awk -v n="$1" -v l="$2" 'index($0, n "{") == 1 && index($0, l) { print $NF; exit }'
}
sb metrics >"$T/m1" || fail "spoolbox metrics failed"
promtool check metrics <"$T/m1" >"$T/lint1" 2>&1 || { cat "$T/lint1"; fail "promtool refused the metrics"; }
[ ! -s "$T/lint1" ] || { cat "$T/lint1"; fail "promtool has remarks"; }
for m in spoolbox_worker_private_bytes spoolbox_worker_open_fds spoolbox_worker_jobs_total \
	spoolbox_worker_uptime_seconds spoolbox_worker_recycles_total \
	spoolbox_worker_restarts_total spoolbox_queue_jobs spoolbox_queue_completed_total; do
	grep -q "^$m{" "$T/m1" || fail "no $m"
done
c1=$(metric spoolbox_queue_completed_total 'queue="ps"' <"$T/m1")
r1=$(metric spoolbox_worker_recycles_total 'kind="printproc"' <"$T/m1")
[ "$(metric spoolbox_worker_private_bytes 'kind="localspl"' <"$T/m1")" -gt 0 ] ||
	fail "localspl's private bytes are 0"

# A job prints; printproc converts it and, at max_jobs = 1, recycles.
sb budget printproc max_jobs=1 >/dev/null
printf 'metrics\n' >"$T/t.txt"
id=$(sb submit -q ps -t text "$T/t.txt")
wait_completed "$id"
for _ in $(seq 100); do
	sb metrics >"$T/m2"
	[ "$(metric spoolbox_worker_recycles_total 'kind="printproc"' <"$T/m2")" -gt "$r1" ] && break
	sleep 0.1
done
promtool check metrics <"$T/m2" || fail "promtool refused the second metrics"
c2=$(metric spoolbox_queue_completed_total 'queue="ps"' <"$T/m2")
r2=$(metric spoolbox_worker_recycles_total 'kind="printproc"' <"$T/m2")
[ "$c2" -eq $((c1 + 1)) ] || fail "completed went from $c1 to $c2 for one job"
[ "$r2" -gt "$r1" ] || fail "printproc's recycles stayed at $r1"
log "completed $c1 -> $c2, printproc recycles $r1 -> $r2"

# spoolbox status: one screen with each worker against its budgets, the
# queues, and the recycle just seen with its reason.
sb status >"$T/status" || fail "spoolbox status failed"
has "^spoolboxd: answering on .*worker processes ready" "$T/status" || fail "no service line"
has "^localspl.0 .* \[[#.!]\{10\}\] *[0-9.]*[KMG]*/[0-9.]*[KMG] " "$T/status" ||
	{ cat "$T/status"; fail "no budget bar for localspl"; }
has "^ps  *ready " "$T/status" || fail "no queue ps in the status"
has "printproc.0 pid [0-9]* recycled: max_jobs" "$T/status" ||
	{ cat "$T/status"; fail "the recycle is not among the last ones"; }
log PASS
