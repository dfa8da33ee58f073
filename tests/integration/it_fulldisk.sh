#!/bin/bash
# A full disk is recovered with spoolbox alone: on an 8 MiB tmpfs spool
# with min_free_space = 1M, submits stop with one line naming the reserve
# while the disk still has room; then something else fills the disk to
# the last block and spoolboxd restarts; `spoolbox cancel` still works
# (the job store writes into the room it held for this), frees the jobs'
# data, and submits are taken again. Filled once more, reserve and all,
# the store cannot write and the service reports itself degraded until it
# can again. Prints what was refused, reserved
# and how long the recovery took.
if [ -z "${SB_FULL_NS:-}" ]; then
	[ "$(id -u)" -eq 0 ] || { echo "${0##*/}: SKIP: needs root to mount a tmpfs"; exit 77; }
	exec unshare -m --propagation private env SB_FULL_NS=1 bash "$0" "$@"
fi
. "$(dirname "$0")/lib.sh"
mkdir "$T/spool"
mount -t tmpfs -o size=8m,mode=0755 spool "$T/spool"
write_config "min_free_space = 1M" "[queue.office]" \
	"uri = lpd://127.0.0.1:$(free_port)/q" "retry_interval = 1h"
start_spoolboxd
sb queue disable office --reason "filling the spool" >/dev/null
ids=()
refused=0
for i in $(seq 20); do
	head -c 700000 /dev/urandom >"$T/doc$i"
	if out=$(sb submit -q office -t raw "$T/doc$i" 2>&1); then
		ids+=("$out")
		continue
	fi
	[ "$(printf '%s\n' "$out" | wc -l)" -eq 1 ] || fail "more than one line: $out"
	printf '%s' "$out" | has "min_free_space keeps 1M; job not accepted" ||
		fail "the refusal does not name the reserve: $out"
	refused=$((refused + 1))
	[ "$refused" -ge 3 ] && break
done
[ "${#ids[@]}" -ge 4 ] || fail "only ${#ids[@]} jobs fit in 8 MiB"
free_kb=$(df -k --output=avail "$T/spool" | tail -n 1)
log "${#ids[@]} jobs taken, $refused refused with '$out'; ${free_kb} KiB still free"
[ "$free_kb" -ge 1024 ] || fail "the reserve was not kept: $free_kb KiB free"

# Something else takes the rest, to the last block; the store's WAL is
# emptied by a restart.
dd if=/dev/zero of="$T/spool/filler" bs=4k 2>/dev/null || true
[ "$(df -k --output=avail "$T/spool" | tail -n 1)" -eq 0 ] || fail "the disk is not full"
stop_spoolboxd
start_spoolboxd
t0=$(date +%s%N)
out=$(sb cancel "${ids[0]}" 2>&1) || fail "cancel on a full disk: $out"
t1=$(date +%s%N)
has "disk is full: writing into the 1 MiB held for this" "$T/spoolboxd.log" ||
	fail "the store did not say it used its reserve"
for id in "${ids[@]:1:4}"; do sb cancel "$id" >/dev/null || fail "cancel $id"; done
sb jobs -a | awk -v id="${ids[0]}" '$1 == id' | has canceled || fail "job ${ids[0]} is not canceled"
wait_until 10 "the canceled jobs' data freed" '[ "$(df -k --output=avail "$T/spool" | tail -n 1)" -ge 1800 ]'
new=$(sb submit -q office -t raw "$T/doc1") || fail "no submit after the recovery"
sb jobs | has "^$new " || fail "job $new is not listed"
log "recovered a full disk by cancel in $(((t1 - t0) / 1000000)) ms; job $new taken after"

# Filled again, reserve and all: the store cannot write, and the service
# says it is degraded (status, metrics) until it writes again.
dd if=/dev/zero of="$T/spool/filler2" bs=4k 2>/dev/null || true
sb cancel "${ids[5]}" >/dev/null 2>&1 || true # takes the reserve
dd if=/dev/zero of="$T/spool/filler3" bs=4k 2>/dev/null || true
sb cancel "${ids[6]}" >/dev/null 2>&1 || true # cannot be written
wait_until 10 "the service does not say it is degraded: \$(sb status | head -n 3)" \
	'sb status | has "^DEGRADED: job store: "'
sb metrics | has -x "spoolbox_degraded 1" || fail "the metrics do not say degraded"
rm -f "$T/spool/filler" "$T/spool/filler2" "$T/spool/filler3"
sb hold "${ids[7]}" >/dev/null || fail "no hold after the disk was freed"
wait_until 10 "still degraded after the disk was freed" '! sb status | has "^DEGRADED"'
sb metrics | has -x "spoolbox_degraded 0" || fail "the metrics still say degraded"
has "no longer degraded: the job store writes again" "$T/spoolboxd.log" ||
	fail "no log line for the end of the degraded state"
log "degraded while the store could not write, and said so; ready again after"
log PASS
