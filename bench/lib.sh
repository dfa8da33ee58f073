# bench/lib.sh: what the benchmark scripts share (sourced).

# port: a free loopback port below the ephemeral range.
port() {
	local p
	while :; do
		p=$((20000 + RANDOM % 10000))
		(exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null || { echo "$p"; return; }
	done
}

# wait_port PORT: something listens on it within 10 s.
wait_port() {
	for _ in $(seq 200); do
		(exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0
		sleep 0.05
	done
	echo "nothing listens on $1" >&2
	return 1
}

# bench_dir NAME: a fresh directory /tmp/sb-NAME.XXXXXX (mode 755: the
# workers read it) in BENCH_DIR; pids=() begun; on exit the processes in pids
# are stopped and the directory removed (kept with KEEP=1). Use as
# `bench_dir NAME; T=$BENCH_DIR` (not in $(...): the trap must be this
# shell's).
bench_dir() {
	BENCH_DIR=$(mktemp -d "/tmp/sb-$1.XXXXXX")
	chmod 755 "$BENCH_DIR"
	pids=()
	trap bench_cleanup EXIT
}
bench_cleanup() {
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
	wait 2>/dev/null || true
	[ -n "${KEEP:-}" ] || rm -rf "$BENCH_DIR"
}
