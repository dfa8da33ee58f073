#!/bin/bash
# Rogue workers: test binaries in place of the real ones (tests/tools/
# sbrogue.c, the real worker behind them) that send garbage, an oversized
# frame, a JobDone before any job, another dispatch's token, a flood of
# JobDones as fast as it can send, stop reading its channel, or ignore
# Drain and SIGTERM. Each time the broker stays up and
# answers clients (the round trip is printed, not asserted), stops the
# rogue naming why, and the jobs submitted meanwhile print: to a file:
# queue and through lprmon to a real lpd.
. "$(dirname "$0")/lib.sh"

LPORT=$(free_port)
start_lpd "$LPORT"
mkdir -p "$T/libexec" "$T/out"
for k in localspl printproc lprmon remote listener; do
	ln -s "$BUILD/spoolbox-$k" "$T/libexec/spoolbox-$k"
done
export SPOOLBOX_LIBEXEC=$T/libexec
write_config "[worker.lprmon]" "drain_timeout = 1s" "lifetime_jitter = 0" \
	"[queue.files]" "uri = file://$T/out" \
	"[queue.lpd]" "uri = lpd://127.0.0.1:$LPORT/q" "retry_interval = 200ms"
printf 'a job beside a rogue\n' >"$T/doc.txt"
n=0

# rogue KIND MODE WHY: KIND misbehaves as MODE for its first 1.5 s; the
# log must name WHY; jobs to both queues print; the broker lives.
rogue() {
	local kind=$1 mode=$2 why=$3 worst=0 ms t0 f l
	ln -sf "$BUILD/tests/sbrogue-$kind" "$T/libexec/spoolbox-$kind"
	: >"$T/spoolboxd.log"
	SB_ROGUE_MODE=$mode SB_ROGUE_UNTIL=$(($(date +%s%3N) + 1500)) start_spoolboxd
	case $mode in nodrain | deaf) sb budget "$kind" max_lifetime=500ms >/dev/null ;; esac
	f=$(sb submit -q files -t raw "$T/doc.txt")
	l=$(sb submit -q lpd -t raw "$T/doc.txt")
	for _ in $(seq 20); do
		t0=$(date +%s%N)
		sb queues >/dev/null || fail "$kind/$mode: the broker did not answer"
		ms=$((($(date +%s%N) - t0) / 1000000))
		[ "$ms" -gt "$worst" ] && worst=$ms
		sleep 0.1
	done
	WAIT_TIMEOUT=60 wait_completed "$f" "$l"
	case $mode in nodrain | deaf) sb budget "$kind" max_lifetime=0 >/dev/null ;; esac
	kill -0 "$SB_PID" || fail "$kind/$mode: the broker died"
	has -e "$why" "$T/spoolboxd.log" ||
		fail "$kind/$mode: no line says '$why': $(grep -e "$kind" "$T/spoolboxd.log" | tail -n 5)"
	log "$kind/$mode: stopped ($(grep -o -m 1 -e "$why.*" "$T/spoolboxd.log" | cut -c 1-70)); client round trip at worst $worst ms; jobs $f and $l printed"
	stop_spoolboxd
	ln -sf "$BUILD/spoolbox-$kind" "$T/libexec/spoolbox-$kind"
	n=$((n + 1))
}

rogue lprmon garbage "malformed message"
rogue lprmon oversized "its channel closed"
rogue lprmon order "protocol violation"
rogue lprmon token "protocol violation: token of another dispatch"
rogue lprmon nodrain "lprmon.0 pid [0-9]* ended (killed by signal 9"
rogue lprmon deaf "lprmon.0 pid [0-9]* ended (killed by signal 15"
# ROGUE_FLOODS=60 repeats the floods: nng 1.5.2 hung the broker in 1 of 15
# (docs/supervision.md, "Every worker's channel").
for _ in $(seq "${ROGUE_FLOODS:-1}"); do
	rogue lprmon flood "protocol violation: token of another dispatch"
	rogue printproc flood "protocol violation"
done
rogue printproc garbage "malformed message"
rogue remote order "protocol violation"
rogue localspl garbage "malformed message"
[ "$(ls "$T/out" | wc -l)" -eq "$n" ] || fail "$(ls "$T/out" | wc -l) jobs in $T/out, not $n"
log "PASS: $n rogues stopped, the broker up throughout, every job printed"
