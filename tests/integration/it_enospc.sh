#!/bin/bash
# A full spool is a clean refusal: on a small tmpfs spool with no
# min_free_space (it_fulldisk has one), submits past its size fail with
# one line saying so, every job already taken stays
# whole, and once space is freed (a job canceled) submits work again and
# every job prints, byte for byte, to a real lpd.
if [ -z "${SB_ENOSPC_NS:-}" ]; then
	[ "$(id -u)" -eq 0 ] || { echo "${0##*/}: SKIP: needs root to mount a tmpfs"; exit 77; }
	exec unshare -m --propagation private env SB_ENOSPC_NS=1 bash "$0" "$@"
fi
. "$(dirname "$0")/lib.sh"
mkdir "$T/spool"
mount -t tmpfs -o size=3m,mode=0755 spool "$T/spool"
PORT=$(free_port)
write_config "min_free_space = 0" "[queue.office]" "uri = lpd://127.0.0.1:$PORT/q" "retry_interval = 200ms" \
	"error_policy = retry"
start_spoolboxd
sb queue disable office --reason "filling the spool" >/dev/null
ids=()
for i in $(seq 10); do
	head -c 700000 /dev/urandom >"$T/doc$i"
	if out=$(sb submit -q office -t raw "$T/doc$i" 2>&1); then
		ids+=("$out")
		continue
	fi
	[ "$(printf '%s\n' "$out" | wc -l)" -eq 1 ] || fail "more than one line: $out"
	printf '%s' "$out" | has "No space left on device; job not accepted" || fail "refusal says: $out"
	full=$i
	break
done
[ -n "${full:-}" ] || fail "a 3 MiB spool took 10 jobs of 700 kB"
[ "${#ids[@]}" -ge 2 ] || fail "only ${#ids[@]} jobs fit"
log "spool full after ${#ids[@]} jobs: $out"
# Nothing taken was lost or cut.
for k in "${!ids[@]}"; do
	size=$(sb jobs --json | jq -r ".[] | select(.id == ${ids[$k]}) | .size")
	[ "$size" = 700000 ] || fail "job ${ids[$k]} is now '$size' bytes"
done
# Space freed: the first job goes; the refused one is taken now.
sb cancel "${ids[0]}" >/dev/null
keep=("${ids[@]:1}")
new=$(sb submit -q office -t raw "$T/doc$full") || fail "still refused after space was freed"
keep+=("$new")
docs=()
for k in $(seq 2 $((full - 1))) "$full"; do docs+=("$T/doc$k"); done
start_lpd "$PORT"
sb queue enable office >/dev/null
wait_completed "${keep[@]}"
for d in "${docs[@]}"; do
	found=
	for f in "$T/lpd/spool/q"/dfA*; do cmp -s "$d" "$f" && found=1 && break; done
	[ -n "$found" ] || fail "${d##*/} did not arrive byte for byte"
done
# The printed jobs' data is kept (preserve_job_files, for a restart) and
# fills the spool again; with min_free_space it yields to a new job.
write_config "min_free_space = 512K" "[queue.office]" "uri = lpd://127.0.0.1:$PORT/q" \
	"retry_interval = 200ms" "error_policy = retry"
sb reload >/dev/null
last=$(sb submit -q office -t raw "$T/doc1" 2>&1) || fail "kept data did not yield to a new job: $last; $(ls -la "$T/spool/jobs"; df -k "$T/spool")"
has "the kept data of [0-9]* finished job(s) removed" "$T/spoolboxd.log" ||
	fail "no line for the kept data removed"
wait_completed "$last"
log "PASS: ENOSPC refused in one line, ${#keep[@]} jobs kept whole and printed after space was freed; kept data yields to new jobs"
