#!/bin/bash
# bench/listener.sh BUILD [CLIENTS] [JOBS]: CLIENTS real clients at once,
# each printing JOBS small jobs (1-2 KiB, every job a distinct size) to
# spoolbox's listener — LPRng's lpr over LPD, then ipptool's Print-Job
# over IPP — delivered through a raw lpd:// queue to a loopback LPD sink
# (sb-lpdsink); and the same IPP workload sent to a private cupsd (raw
# queue, its lpd backend) in the same run. CUPS has no LPD server of its
# own here (cups-lpd needs an inetd). Prints jobs/s (first submit to last
# delivery) and p50/p99 submit-to-delivered in ms. Needs root, LPRng,
# cups-daemon and cups-ipp-utils. Reported, never asserted.
set -euo pipefail
BUILD=$(realpath "${1:?usage: bench/listener.sh BUILD [CLIENTS] [JOBS]}")
CLIENTS=${2:-8}
JOBS=${3:-50}
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/../tests/cups-loopback.sh"

T=$(mktemp -d /tmp/sb-bench-listener.XXXXXX)
chmod 755 "$T"
PIDS=()
cleanup() {
	for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
	wait 2>/dev/null || true
	[ -n "${KEEP:-}" ] && echo "kept $T" || rm -rf "$T"
}
trap cleanup EXIT

. "$(dirname "$0")/lib.sh"
# LPRng reads only /etc/lprng: the client gets a config of its own.
mkdir -p "$T/lprng"
: >"$T/lprng/printcap"
printf 'printcap_path=%s\nlpd_printcap_path=%s\nunix_socket_path=off\n' \
	"$T/lprng/printcap" "$T/lprng/printcap" >"$T/lprng/lpd.conf"
lprc() {
	unshare -m --propagation private \
		sh -c 'mount --bind "$0" /etc/lprng && exec "$@"' "$T/lprng" "$@"
}

SINK_SB=$(port)
SINK_CUPS=$(port)
LP=$(port)
IP=$(port)
CP=$(port)
"$BUILD/sb-lpdsink" "$SINK_SB" >"$T/sink-sb.out" &
PIDS+=($!)
"$BUILD/sb-lpdsink" "$SINK_CUPS" >"$T/sink-cups.out" &
PIDS+=($!)
mkdir -p "$T/sb"
cat >"$T/sb.conf" <<EOF
[spooler]
spool_dir = $T/sb/spool
runtime_dir = $T/sb/run
[listener]
lpd = 127.0.0.1:$LP
ipp = 127.0.0.1:$IP
max_clients = 64
max_clients_per_host = 64
[queue.q]
uri = lpd://127.0.0.1:$SINK_SB/q
EOF
"$BUILD/spoolboxd" -c "$T/sb.conf" -f >"$T/sb.log" 2>&1 &
PIDS+=($!)
cups_loopback_start "$T/cups" "$CP" >/dev/null 2>&1 || { echo "cupsd did not start" >&2; exit 1; }
PIDS+=("$CUPS_PID")
cups_queue "$T/cups" "$CP" q "lpd://127.0.0.1:$SINK_CUPS/q?reserve=none" >/dev/null
wait_port "$LP"
wait_port "$IP"

# One file per job, each of its own size: the sink's line names it.
mkdir "$T/docs"
for c in $(seq 0 $((CLIENTS - 1))); do
	for j in $(seq 0 $((JOBS - 1))); do
		head -c $((1024 + c * JOBS + j)) /dev/urandom >"$T/docs/$c.$j"
	done
done
OFF=$(awk -v e="$EPOCHREALTIME" -v m="$("$BUILD/sb-lpdsink" -t)" 'BEGIN { printf "%.6f", e - m }')

# run NAME SINKFILE CMD...: every client submits its jobs, CMD FILE each;
# prints "NAME: N jobs, X jobs/s, p50 A ms, p99 B ms".
run() {
	local name=$1 sink=$2
	shift 2
	local before want
	before=$(grep -c '^job' "$sink" || true)
	want=$((before + CLIENTS * JOBS))
	for c in $(seq 0 $((CLIENTS - 1))); do
		(for j in $(seq 0 $((JOBS - 1))); do
			t=$EPOCHREALTIME
			"$@" "$T/docs/$c.$j" >/dev/null 2>&1 || echo "failed $c.$j" >&2
			echo "$((1024 + c * JOBS + j)) $t"
		done >"$T/subs.$name.$c") &
	done
	wait_clients
	for _ in $(seq 1200); do
		[ "$(grep -c '^job' "$sink" || true)" -ge "$want" ] && break
		sleep 0.05
	done
	tail -n +$((before + 1)) "$sink" | grep '^job' >"$T/got.$name"
	cat "$T/subs.$name".* | awk -v off="$OFF" '
		NR == FNR { sub_t[$1] = $2 - off; next }
		$1 == "job" && ($2 in sub_t) {
			printf "%.3f\n", ($4 - sub_t[$2]) * 1000 >"/dev/stderr"
			if (first == "" || sub_t[$2] < first) first = sub_t[$2]
			if ($4 > last) last = $4
			n++
		}
		END { if (n > 0) printf "%d %.1f\n", n, n / (last - first) }' \
		- "$T/got.$name" 2>"$T/lat.$name" >"$T/rate.$name"
	read -r n rate <"$T/rate.$name" || { echo "$name: no job delivered"; return; }
	sort -n "$T/lat.$name" >"$T/lat.$name.s"
	p50=$(sed -n "$(((n + 1) / 2))p" "$T/lat.$name.s")
	p99=$(sed -n "$(((n * 99 + 99) / 100))p" "$T/lat.$name.s")
	printf '%s: %d jobs, %s jobs/s, submit-to-delivered p50 %s ms, p99 %s ms\n' \
		"$name" "$n" "$rate" "$p50" "$p99"
}
wait_clients() {
	local p
	for p in $(jobs -p); do
		case " ${PIDS[*]} " in *" $p "*) ;; *) wait "$p" || true ;; esac
	done
}

lpd_send() { lprc lpr -P "q@127.0.0.1%$1" -h "$2"; }
ipp_send() {
	ipptool -d filetype=application/octet-stream -f "$2" \
		"ipp://127.0.0.1:$1/printers/q" /usr/share/cups/ipptool/print-job.test
}
echo "$CLIENTS clients x $JOBS jobs each, delivered to a loopback LPD sink"
run spoolbox-lpd "$T/sink-sb.out" lpd_send "$LP"
run spoolbox-ipp "$T/sink-sb.out" ipp_send "$IP"
run cups-ipp "$T/sink-cups.out" ipp_send "$CP"
