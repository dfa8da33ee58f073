#!/bin/bash
# memory_limit is enforced by the kernel between samples: lprmon leaks
# 16 MiB at the start of every job; after one job it is under its 20 MiB
# memory_budget (the broker samples after every job), and the second job's
# leak passes its 24 MiB memory_limit before any sample can see it. The kernel stops it
# mid-job, the broker logs a memory_limit recycle (not a crash) and the
# job completes on the replacement. Run once per backend this host has:
# a memory cgroup (as root) and RLIMIT_DATA.
. "$(dirname "$0")/lib.sh"
skip_if_sanitized "kernel memory limits measure ASan's reservations, not the worker's leak"

PORT=$(free_port)
start_lpd "$PORT"
mkdir "$T/in"
for i in $(seq 1 12); do echo "job $i" >"$T/in/j$i"; done

run_backend() { # run_backend auto|rlimit EXPECTED_NAME
	write_config "sample_interval = 60s" "kernel_limit = $1" \
		"[worker.lprmon]" "debug_leak_bytes_per_job = 16M" \
		"memory_budget = 20M" "memory_limit = 24M" \
		"[queue.lpd]" "uri = lpd://127.0.0.1:$PORT/q"
	start_spoolboxd
	sb workers --json | json_field lprmon pid >/dev/null
	sb workers --json | has "\"kernel_limit\":\"$2\"" ||
		fail "workers does not show kernel limit $2: $(sb workers --json)"
	mapfile -t ids < <(sb submit -q lpd -t raw "$T"/in/j*)
	wait_completed "${ids[@]}"
	sb workers --json >"$T/w.json"
	rec=$(json_field lprmon recycles <"$T/w.json" | max_of)
	[ "$rec" -ge 2 ] || fail "$2: lprmon stopped only $rec times by its limit"
	grep -q "lprmon.0 pid [0-9]* memory_limit: stopped by the kernel ($2)" \
		"$T/spoolboxd.log" || fail "$2: no kernel memory_limit stop logged"
	grep -q "job [0-9]* interrupted (lprmon.0 memory_limit" "$T/spoolboxd.log" ||
		fail "$2: no job was interrupted by the limit (leak happens mid-job)"
	if grep -q "lprmon.*crashed" "$T/spoolboxd.log"; then fail "$2: limit stop counted as a crash"; fi
	stop_spoolboxd
	log "$2: 12 jobs completed across $rec kernel memory_limit stops"
	mv "$T/spoolboxd.log" "$T/spoolboxd-$2.log"
	rm -rf "$T/spool" "$T/run"
}

if [ "$(id -u)" -eq 0 ] && [ -w /sys/fs/cgroup/memory ]; then
	run_backend auto cgroup-v1
fi
run_backend rlimit rlimit-data
log "PASS: memory_limit enforced by the kernel; every job completed"
