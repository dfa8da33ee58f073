#!/bin/bash
# A conversion that cannot get a thread is tried again, never failed.
# RLIMIT_NPROC counts every thread of printproc's account on the whole
# host (what made PDF -> PostScript jobs abort with "Resource temporarily
# unavailable" beside other spoolboxd's print processors): a process of
# that account holds every thread the limit leaves while a PDF goes to a
# PostScript queue; the job waits for its next try saying why, and
# completes once the threads are free again.
. "$(dirname "$0")/lib.sh"
[ "$(id -u)" -eq 0 ] || { log "SKIP: needs root to act as printproc's account"; exit 77; }
command -v prlimit >/dev/null || { log "SKIP: no prlimit"; exit 77; }

mkdir -p "$T/out"
write_config "[queue.ps]" "uri = file://$T/out" "datatype = postscript" \
	"retry_interval = 1s" "retry_limit = 1000"
start_spoolboxd
pid=$(worker_pid printproc)
uid=$(awk '/^Uid:/ { print $2 }' "/proc/$pid/status")
[ "$uid" != 0 ] || { log "SKIP: printproc runs as root (no sandbox)"; exit 77; }
limit=$(awk '/^Max processes/ { print $3 }' "/proc/$pid/limits")
# The hog: threads of printproc's account until that account's count
# reaches printproc's own limit (the hog's is the same).
prlimit --nproc="$limit" setpriv --reuid="$uid" --regid="$uid" --clear-groups \
	/usr/bin/python3 -c '
import threading, time
stop, n = threading.Event(), 0
try:
    while True:
        threading.Thread(target=stop.wait, daemon=True).start()
        n += 1
except RuntimeError:
    pass
print("holding", n, flush=True)
time.sleep(600)' >"$T/hog.out" 2>&1 &
HOG=$!
at_exit 'kill $HOG'
wait_until 30 "the hog did not take the threads" 'has holding "$T/hog.out"'
log "a process of uid $uid holds $(awk '{ print $2 }' "$T/hog.out") threads (limit $limit)"

gs -q -dBATCH -dNOPAUSE -dSAFER -sDEVICE=pdfwrite -sOutputFile="$T/doc.pdf" \
	-c '/Helvetica findfont 24 scalefont setfont 72 700 moveto (transient) show showpage'
chmod 644 "$T/doc.pdf"
id=$(sb submit -q ps "$T/doc.pdf")
wait_until 30 "the job did not wait for its next try" \
	'job_line "$id" | has retry-wait'
job_line "$id" | has "thread" || fail "the job does not say why: $(job_line "$id")"
sb jobs -a | awk -v id="$id" '$1 == id' | has aborted && fail "the job was aborted"
kill "$HOG"
wait "$HOG" 2>/dev/null || true
wait_completed "$id"
[ -s "$T/out/job-$id.ps" ] || fail "no PostScript"
log "PASS: no thread for the converter: retry-wait saying why, then completed"
