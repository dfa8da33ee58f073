#!/bin/bash
# kill -9 each worker kind once while jobs are in flight: every job still
# completes, byte for byte, and the broker restarts each worker.
. "$(dirname "$0")/lib.sh"

PORT=$(free_port)
start_lpd "$PORT"
write_config "[worker.localspl]" "restart_backoff_min = 20ms" \
	"[worker.printproc]" "restart_backoff_min = 20ms" \
	"[worker.lprmon]" "restart_backoff_min = 20ms" \
	"[worker.remote]" "restart_backoff_min = 20ms" \
	"[queue.lpd]" "uri = lpd://127.0.0.1:$PORT/q" \
	"[queue.ps]" "uri = file://$T/ps" "datatype = postscript"
start_spoolboxd

mkdir "$T/in"
for i in $(seq 1 24); do head -c $((2 * 1024 * 1024 + i)) /dev/urandom >"$T/in/r$i"; done
# Large text jobs keep the print processor busy converting.
for i in $(seq 1 8); do
	seq 1 400000 | sed "s/^/text job $i line /" >"$T/in/t$i"
done

ids=()
submit_some() {
	mapfile -t -O "${#ids[@]}" ids < <(sb submit -q lpd -t raw "$T"/in/r$1 "$T"/in/r$(($1 + 1)) "$T"/in/r$(($1 + 2)))
	mapfile -t -O "${#ids[@]}" ids < <(sb submit -q ps -t text "$T"/in/t$2)
}

round=0
for kind in lprmon printproc localspl remote; do
	submit_some $((round * 3 + 1)) $((round + 1))
	sleep 0.1
	pid=$(worker_pid "$kind")
	[ -n "$pid" ] || fail "no $kind pid"
	kill -9 "$pid"
	log "killed $kind pid $pid"
	submit_some $((round * 3 + 13)) $((round + 5))
	round=$((round + 1))
done

[ "${#ids[@]}" -eq 32 ] || fail "expected 32 job ids, got ${#ids[@]}"
wait_completed "${ids[@]}"

# Each killed kind was restarted with a new pid and shows the crash.
for kind in lprmon printproc localspl remote; do
	sb workers | awk -v k="$kind" '$1 == k && $4 == "ready" && $9 >= 1 { ok = 1 } END { exit !ok }' ||
		fail "$kind was not restarted"
done
want=$(for f in "$T"/in/r*; do md5sum <"$f"; done | sort)
got=$(for f in "$T"/lpd/spool/q/df*; do md5sum <"$f"; done | sort -u)
[ "$want" = "$got" ] || fail "LPD data differs from what was submitted"
[ "$(ls "$T"/ps/*.ps | wc -l)" -eq 8 ] || fail "expected 8 PostScript files"
log "PASS: 32 jobs completed across kill -9 of every worker kind"
