#!/bin/bash
# Uploads are bounded (issue 10, case 4): a non-admin's upload past
# max_job_size is refused while it streams and leaves nothing; unfinished
# uploads count against per-user and total limits, cost localspl no fds,
# show in `spoolbox queues` with the space they hold, and are removed after
# max_upload_seconds; meanwhile root's stdin submit goes through.
. "$(dirname "$0")/lib.sh"
make_user

# (preserve_job_files = 0: a finished job's data goes at once, so what
# is left in the spool is the uploads'.)
write_config "max_uploads_per_user = 4" "max_uploads = 32" "preserve_job_files = 0" \
	"[queue.out]" "uri = file://$T/out" "max_job_size = 8M" \
	"max_upload_seconds = 3s"
start_spoolboxd

# 1 GiB from a pipe: refused at the first chunk past 8 MiB.
out=$(head -c 1G /dev/zero | sbu submit -q out -t raw - 2>&1) &&
	fail "a 1 GiB job was accepted"
echo "$out" | has "larger than queue out's max_job_size (8388608 bytes)" ||
	fail "oversized upload said: $out"
# Nothing of its data: an ID.spare (a file kept for the next job),
# emptied as it held more than 64 KiB, is all that may stay beside the
# database.
left=$(find "$T/spool/jobs" -maxdepth 1 -type f ! -name 'jobs.db*' ! -name space.reserve \
	! \( -name '*.spare' -empty \))
[ -z "$left" ] || fail "the refused upload left $left"

# Unfinished uploads: four are the user's share.
hostile uploads "$T/run/spoolbox.sock" out 20
started=$HOSTILE_N
[ "$started" -eq 4 ] || fail "$started unfinished uploads accepted, not 4"
has "4 uploads of yours are unfinished (max_uploads_per_user = 4)" "$T/refusals" ||
	fail "refusal: $(cat "$T/refusals")"
sb queues --json | has '"uploads":4,"upload_bytes":4096' ||
	fail "queues do not show the uploads: $(sb queues --json)"
fds=$(sb workers --json | json_field localspl fds)
log "localspl holds $fds fds with 4 uploads unfinished"
[ "$fds" -lt 20 ] || fail "unfinished uploads hold localspl's fds ($fds)"
# Root's stdin submit goes through meanwhile.
id=$(seq 1 1000 | sb submit -q out -t raw -)
wait_completed "$id"
# Past max_upload_seconds they are gone, with the space they held.
wait_until 10 - 'sb queues --json | has "\"uploads\":0,"' || true
sb queues --json | has '"uploads":0,"upload_bytes":0' || fail "uploads not expired"
[ "$(ls "$T/spool/jobs" | grep -c '\.data$')" -eq 0 ] || fail "expired uploads left data"
grep -q "unfinished after max_upload_seconds: removed" "$T/spoolboxd.log" ||
	fail "expiry not logged"
log "PASS: oversized upload refused while streaming; unfinished uploads limited and expired"
