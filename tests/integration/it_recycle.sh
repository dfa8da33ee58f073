#!/bin/bash
# Leaks cannot accumulate: lprmon leaks 1 MiB per job against an 8 MiB
# memory_budget, printproc leaks one fd per job against a handle_budget of
# 16. Both are recycled again and again, their measured figures never pass
# the budget by more than one job's leak, and every job completes.
. "$(dirname "$0")/lib.sh"

PORT=$(free_port)
start_lpd "$PORT"
write_config "sample_interval = 50ms" \
	"[worker.lprmon]" "debug_leak_bytes_per_job = 1M" "memory_budget = 8M" \
	"memory_limit = 256M" \
	"[worker.printproc]" "debug_leak_handles_per_job = 1" "handle_budget = 16" \
	"[queue.lpd]" "uri = lpd://127.0.0.1:$PORT/q" \
	"[queue.ps]" "uri = file://$T/ps" "datatype = postscript"
start_spoolboxd

mkdir "$T/in"
for i in $(seq 1 500); do echo "raw job $i" >"$T/in/r$i"; done
for i in $(seq 1 100); do echo "text job $i" >"$T/in/t$i"; done
watch_workers "$T/workers.json"
mapfile -t ids < <(sb submit -q lpd -t raw "$T"/in/r*)
mapfile -t -O "${#ids[@]}" ids < <(sb submit -q ps -t text "$T"/in/t*)
[ "${#ids[@]}" -eq 600 ] || fail "expected 600 job ids, got ${#ids[@]}"
wait_completed "${ids[@]}"
stop_watch
sb workers --json >"$T/final.json"

rec_lpr=$(json_field lprmon recycles <"$T/final.json" | max_of)
rec_pp=$(json_field printproc recycles <"$T/final.json" | max_of)
max_priv=$(json_field lprmon private_bytes <"$T/workers.json" | max_of)
max_fds=$(json_field printproc fds <"$T/workers.json" | max_of)
log "lprmon: $rec_lpr recycles, largest private bytes seen $max_priv"
log "printproc: $rec_pp recycles, most fds seen $max_fds"
[ "$rec_lpr" -ge 10 ] || fail "lprmon recycled only $rec_lpr times over 500 leaking jobs"
[ "$rec_pp" -ge 3 ] || fail "printproc recycled only $rec_pp times over 100 leaking jobs"
# Budget plus one job's leak (the broker measures after every job); under
# ASan the leak also costs its shadow memory (1/8) and redzones.
bound=$(((8 + 1) * 1024 * 1024))
if sanitized; then bound=$((bound + 256 * 1024)); fi
[ "$max_priv" -le "$bound" ] || fail "lprmon reached $max_priv bytes (bound $bound)"
# Budget, one job's leak, and the job's own descriptor while it runs.
[ "$max_fds" -le 18 ] || fail "printproc reached $max_fds fds"
# Every recycle is logged with the figure and the budget.
grep -q "recycling lprmon.0 pid [0-9]*: memory_budget: private bytes .* MiB > budget 8.0 MiB" \
	"$T/spoolboxd.log" || fail "no logged memory_budget recycle"
grep -q "recycling printproc.0 pid [0-9]*: handle_budget: 17 open fds > budget 16" \
	"$T/spoolboxd.log" || fail "no logged handle_budget recycle"
grep -q "crashed" "$T/spoolboxd.log" && fail "a recycle was counted as a crash"
log "PASS: 600 jobs completed across $rec_lpr + $rec_pp recycles"
