#!/bin/bash
# The soak, short (`make soak` runs 100,000 jobs): 2,000 text jobs with
# every worker leaking 64 KiB and a descriptor per job, beside the same
# without leaks (bench/soak.sh): neither run stalls, and the leaking
# one's private bytes in all never pass the budgets of the workers
# running plus the broker's own. Throughput, the broker's slope and the
# plot are printed, not asserted.
. "$(dirname "$0")/lib.sh"
skip_if_sanitized "the sanitizers' shadow memory is not the workers'"
command -v gnuplot >/dev/null || { log "SKIP: no gnuplot"; exit 77; }
SOAK_CHECK=1 bash "$(dirname "$0")/../../bench/soak.sh" "$BUILD" "${SOAK_JOBS:-2000}" "$T/soak" |
	sed "s/^/${0##*/}: /" || fail "the soak failed (a stall, or memory past the budgets)"
[ -s "$T/soak/soak.png" ] || fail "no plot"
log PASS
