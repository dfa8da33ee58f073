#!/bin/bash
# Chaos: jobs from the CLI, from LPD clients and from IPP clients of the
# listener while a driver SIGKILLs a random process of spoolbox (every
# worker kind and the broker itself) at random moments, and the printer
# (a real LPRng lpd) hangs for part of the run. Every job whose submit
# was acknowledged (the CLI printed its id, lpr exited 0, ipptool saw
# successful-ok) must arrive at the lpd; duplicates and jobs that arrived
# without an acknowledgement are counted and explained, not failed.
# CHAOS_JOBS jobs in all (default 120, 60 under the sanitizers; `make
# chaos` runs 1000).
. "$(dirname "$0")/lib.sh"

N=${CHAOS_JOBS:-120}
sanitized && N=${CHAOS_JOBS:-60}
PER=$(((N + 2) / 3))
LPORT=$(free_port)
IPORT=$(free_port)
PPORT=$(free_port)
start_lpd "$PPORT"
write_config "max_jobs_per_user = 0" "max_bytes_per_user = 0" \
	"max_jobs_per_host = 0" "max_bytes_per_host = 0" \
	"[listener]" "lpd = 127.0.0.1:$LPORT" "ipp = 127.0.0.1:$IPORT" \
	"[worker.localspl]" "restart_backoff_min = 20ms" "crash_limit = 1000" \
	"[worker.printproc]" "restart_backoff_min = 20ms" "crash_limit = 1000" \
	"[worker.lprmon]" "restart_backoff_min = 20ms" "crash_limit = 1000" \
	"[worker.remote]" "restart_backoff_min = 20ms" "crash_limit = 1000" \
	"[worker.listener]" "restart_backoff_min = 20ms" "crash_limit = 1000" \
	"[queue.lpd]" "uri = lpd://127.0.0.1:$PPORT/q" "retry_interval = 200ms" \
	"retry_limit = 1000"
start_spoolboxd
wait_port "$IPORT"
mkdir -p "$T/in" "$T/acked"

# job SOURCE N: a file whose first line names it, padded to a few kB.
job() {
	local f="$T/in/$1-$2"
	{ printf 'chaos %s %s\n' "$1" "$2"; head -c $((1000 + $2 * 7)) /dev/zero | tr '\0' x; echo; } >"$f"
	echo "$f"
}

from_cli() {
	for i in $(seq 1 "$PER"); do
		f=$(job cli "$i")
		if id=$(timeout -s KILL 20 "$BUILD/spoolbox" -s "$T/run/spoolbox.sock" submit -q lpd -t raw "$f" 2>/dev/null) &&
			[ -n "$id" ]; then echo "cli $i" >>"$T/acked/cli"; fi
	done
}

from_lpd() {
	for i in $(seq 1 "$PER"); do
		f=$(job lpd "$i")
		if lprc timeout -s KILL 20 lpr -P "lpd@127.0.0.1%$LPORT" -h "$f" 2>/dev/null; then
			echo "lpd $i" >>"$T/acked/lpd"
		fi
	done
}

from_ipp() {
	for i in $(seq 1 "$PER"); do
		f=$(job ipp "$i")
		if timeout -s KILL 20 ipptool -T 10 -f "$f" "ipp://127.0.0.1:$IPORT/printers/lpd" /dev/stdin <<'X' >/dev/null 2>&1; then
{
	OPERATION Print-Job
	GROUP operation-attributes-tag
	ATTR charset attributes-charset utf-8
	ATTR naturalLanguage attributes-natural-language en
	ATTR uri printer-uri $uri
	ATTR name requesting-user-name chaos
	ATTR mimeMediaType document-format application/octet-stream
	FILE $filename
	STATUS successful-ok
}
X
			echo "ipp $i" >>"$T/acked/ipp"
		fi
	done
}

from_cli &
P1=$!
from_lpd &
P2=$!
from_ipp &
P3=$!

# The driver: every 0.1-0.4 s a SIGKILL to one of the kinds or the
# broker, each in turn in a shuffled order (the broker is started again
# at once, as systemd would), until the submitters are done and each was
# hit at least once; the printer hung for 2 s a second in (stopped, not
# killed: LPRng files a job only once its client closed, so a kill just
# then loses a job it acknowledged, which is no fault of spoolbox's).
gone() { for p in "$@"; do kill -0 "$p" 2>/dev/null && return 1; done; return 0; }
kills=0
broker_kills=0
printer_down=0
round=0
declare -A killed
targets=()
t0=$SECONDS
while kill -0 "$P1" 2>/dev/null || kill -0 "$P2" 2>/dev/null ||
	kill -0 "$P3" 2>/dev/null || [ "$round" -lt 6 ]; do
	sleep "0.$((1 + RANDOM % 4))"
	if [ "$printer_down" -eq 0 ] && [ $((SECONDS - t0)) -ge 1 ]; then
		pause_lpd
		printer_down=1
		down_at=$SECONDS
	elif [ "$printer_down" -eq 1 ] && [ $((SECONDS - down_at)) -ge 2 ]; then
		resume_lpd
		printer_down=2
	fi
	[ "${#targets[@]}" -gt 0 ] ||
		mapfile -t targets < <(shuf -e localspl printproc lprmon remote listener broker)
	kind=${targets[0]}
	targets=("${targets[@]:1}")
	round=$((round + 1))
	if [ "$kind" = broker ]; then
		# Its workers die with it (PDEATHSIG); the next one starts when
		# they are gone (the listener holds its ports a moment longer).
		old=$(pgrep -d ' ' -P "$SB_PID" || true)
		kill -9 "$SB_PID" 2>/dev/null || continue
		wait "$SB_PID" 2>/dev/null || true
		broker_kills=$((broker_kills + 1))
		# shellcheck disable=SC2086
		wait_until 10 "the killed broker's workers did not end" gone $old
		start_spoolboxd
		continue
	fi
	# The serving process, not its standby.
	pid=$(worker_pid "$kind" 2>/dev/null || true)
	[ -n "$pid" ] || continue
	kill -9 "$pid" 2>/dev/null || continue
	kills=$((kills + 1))
	killed[$kind]=$((${killed[$kind]:-0} + 1))
done
wait "$P1" "$P2" "$P3" || true
[ "$printer_down" -eq 1 ] && resume_lpd
log "$kills workers SIGKILLed ($(for k in "${!killed[@]}"; do printf '%s %s ' "$k" "${killed[$k]}"; done)), the broker $broker_kills times, the printer hung 2 s"

{ cat "$T"/acked/* 2>/dev/null || true; } | sort >"$T/acked.all"
acked=$(wc -l <"$T/acked.all")
[ "$acked" -ge $((N / 5)) ] || fail "only $acked of $N submits acknowledged: the chaos left too little to check"
# arrived: the first line of every data file the lpd kept, one per copy.
arrived() { head -q -n 1 "$T"/lpd/spool/q/df* 2>/dev/null | sed 's/^chaos //' | sort; }
missing() { comm -23 "$T/acked.all" <(arrived | uniq); }
wait_until 180 "acknowledged jobs never arrived: $(missing | head -n 5 | tr '\n' ',')" \
	'[ -z "$(missing)" ]'
arrived >"$T/arrived"
bad=0
for f in "$T"/lpd/spool/q/df*; do
	read -r _ src n <"$f"
	cmp -s "$f" "$T/in/$src-$n" || bad=$((bad + 1))
done
[ "$bad" -eq 0 ] || fail "$bad delivered files differ from what was submitted"
dups=$(uniq -d "$T/arrived" | wc -l)
copies=$(($(wc -l <"$T/arrived") - $(uniq "$T/arrived" | wc -l)))
unacked=$(comm -13 "$T/acked.all" <(uniq "$T/arrived") | wc -l)
kill -0 "$SB_PID" || fail "the broker is not running at the end"
log "$acked of $((3 * PER)) submits acknowledged, all $acked arrived, every file byte-exact; $dups jobs arrived twice or more ($copies extra copies: a delivery the printer took whose end a kill kept from the store is sent again, RFC 1179 has no way to ask the printer); $unacked arrived without an acknowledgement (stored, then the answer was lost to a kill)"
log "PASS: chaos with $N jobs, every acknowledged job delivered"
