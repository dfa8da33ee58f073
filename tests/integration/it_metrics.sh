#!/bin/bash
# spoolbox metrics: Prometheus' text format, accepted by Prometheus' own
# parser (promtool check metrics); the figures move when a job prints
# (the queue's completed count and latency histogram, localspl's jobs),
# when a worker recycles (its slot's recycles, by reason), when a job is
# tried again and when one fails; the broker's sampling cost is counted.
. "$(dirname "$0")/lib.sh"
command -v promtool >/dev/null || { log "SKIP: no promtool (prometheus)"; exit 77; }
PORT=$(free_port) # nothing listens there: every attempt fails
IPORT=$(free_port)
write_config "[listener]" "ipp = 127.0.0.1:$IPORT, [::1]:$IPORT" "allow = 127.0.0.1, ::1" \
	"metrics_allow = 127.0.0.1" \
	"[queue.ps]" "uri = file://$T/out" "datatype = postscript" \
	"[queue.dead]" "uri = lpd://127.0.0.1:$PORT/q" "retry_interval = 100ms" \
	"retry_limit = 2" "error_policy = abort-job"
start_spoolboxd

# An idle broker sleeps in poll: over 2 s it uses well under a tenth of a
# CPU (it once spun on a dormant extra slot's restart time of 0).
ticks() { awk '{ print $14 + $15 }' "/proc/$SB_PID/stat"; }
t0=$(ticks)
sleep 2
used=$(( $(ticks) - t0 ))
[ "$used" -le 20 ] || fail "the idle broker used $used ticks of CPU in 2 s"

metric() { # NAME LABEL-SUBSTRING < metrics: the value
	awk -v n="$1" -v l="$2" 'index($0, n "{") == 1 && index($0, l) { print $NF; exit }'
}
sb metrics >"$T/m1" || fail "spoolbox metrics failed"
promtool check metrics <"$T/m1" >"$T/lint1" 2>&1 || { cat "$T/lint1"; fail "promtool refused the metrics"; }
[ ! -s "$T/lint1" ] || { cat "$T/lint1"; fail "promtool has remarks"; }
for m in spoolbox_worker_private_bytes spoolbox_worker_open_fds spoolbox_worker_jobs_total \
	spoolbox_worker_uptime_seconds spoolbox_worker_recycles_total \
	spoolbox_worker_restarts_total spoolbox_queue_jobs spoolbox_queue_completed_total \
	spoolbox_queue_failed_total spoolbox_queue_retries_total \
	spoolbox_queue_delivery_seconds_bucket spoolbox_queue_delivery_seconds_count; do
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
recycled() {
	sb metrics >"$T/m2"
	[ "$(metric spoolbox_worker_recycles_total 'kind="printproc"' <"$T/m2")" -gt "$r1" ]
}
wait_until 10 - recycled || true
promtool check metrics <"$T/m2" || fail "promtool refused the second metrics"
c2=$(metric spoolbox_queue_completed_total 'queue="ps"' <"$T/m2")
r2=$(metric spoolbox_worker_recycles_total 'kind="printproc"' <"$T/m2")
[ "$c2" -eq $((c1 + 1)) ] || fail "completed went from $c1 to $c2 for one job"
[ "$r2" -gt "$r1" ] || fail "printproc's recycles stayed at $r1"
[ "$(metric spoolbox_worker_recycles_by_reason_total 'reason="max_jobs"' <"$T/m2")" -ge 1 ] ||
	fail "no recycle by max_jobs: $(grep by_reason "$T/m2")"
[ "$(metric spoolbox_queue_delivery_seconds_count 'queue="ps"' <"$T/m2")" -eq "$c2" ] ||
	fail "the latency histogram does not count the job"
[ "$(metric spoolbox_queue_delivery_seconds_bucket 'le="3600"' <"$T/m2")" -eq "$c2" ] ||
	fail "the job is not within the last bucket: $(grep delivery "$T/m2")"
s2=$(awk '$1 == "spoolbox_broker_samples_total" { print $2 }' "$T/m2")
[ "${s2:-0}" -gt 0 ] || fail "the broker's samples are not counted"
# A slot is one series whatever process fills it: no pid label, and the
# printproc series is the same one before and after its recycles.
has -v 'pid="' "$T/m2" || fail "a metric carries a pid: $(grep 'pid="' "$T/m2" | head -n 3)"
[ "$(grep -c '^spoolbox_worker_private_bytes{kind="printproc",instance="0"}' "$T/m2")" -eq 1 ] ||
	fail "printproc.0 is not one series: $(grep private_bytes "$T/m2")"
log "completed $c1 -> $c2, printproc recycles $r1 -> $r2, broker samples $s2"

# The same text from the listener, for Prometheus to scrape: to
# addresses in metrics_allow only (::1 may print, not read metrics).
command -v curl >/dev/null || fail "no curl"
curl -sf -D "$T/h" "http://127.0.0.1:$IPORT/metrics" >"$T/scrape" || fail "GET /metrics failed"
has -i '^content-type: text/plain; version=0.0.4' "$T/h" || fail "content type: $(cat "$T/h")"
promtool check metrics <"$T/scrape" || fail "promtool refused the scraped metrics"
[ "$(metric spoolbox_queue_completed_total 'queue="ps"' <"$T/scrape")" -eq "$c2" ] ||
	fail "the scrape says another completed count: $(grep completed "$T/scrape")"
grep -q '^spoolbox_worker_private_bytes{kind="listener"' "$T/scrape" || fail "no listener in the scrape"
code=$(curl -s -o /dev/null -w '%{http_code}' "http://[::1]:$IPORT/metrics")
[ "$code" = 403 ] || fail "::1 (not in metrics_allow) got $code"

# A job to a printer that is not there: tried, tried again, failed.
id=$(sb submit -q dead -t raw "$T/t.txt")
sb wait "$id" --timeout 30 >/dev/null 2>&1 || true
sb metrics >"$T/m3"
promtool check metrics <"$T/m3" || fail "promtool refused the third metrics"
[ "$(metric spoolbox_queue_retries_total 'queue="dead"' <"$T/m3")" -ge 2 ] ||
	fail "retries: $(grep 'dead' "$T/m3")"
[ "$(metric spoolbox_queue_failed_total 'queue="dead"' <"$T/m3")" -eq 1 ] ||
	fail "failed: $(grep 'dead' "$T/m3")"

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
