#!/bin/bash
# The queue and job operations admins expect, against a real lpd:
# reject/accept (new jobs refused with the reason), disable/enable
# (delivery held, jobs still taken; the state survives a restart), move,
# cancel --all, the limits on queued jobs (per queue and per user, with
# [spooler] defaults), and listings in pages with filters; a user who is
# not an admin gets "permission denied" and changes nothing.
. "$(dirname "$0")/lib.sh"
make_user
PORT=$(free_port)
start_lpd "$PORT"
write_config "[queue.office]" "uri = lpd://127.0.0.1:$PORT/q" \
	"[queue.files]" "uri = file://$T/out" \
	"[queue.tiny]" "uri = lpd://127.0.0.1:$(free_port)/q" "retry_interval = 1h" \
	"max_jobs_queued = 2" "max_jobs_per_user = 1"
chmod 644 "$T/spoolbox.conf"
start_spoolboxd
printf 'one page\n' >"$T/doc.txt"
chmod 644 "$T/doc.txt"

# reject: refused with the reason, in one line; accept: taken again.
sb queue reject office --reason "toner on order" >/dev/null
sb queues | grep -q "^office .*rejecting: toner on order" || fail "queues: $(sb queues)"
expect_err "queue office is not accepting jobs: toner on order" sb submit -q office -t raw "$T/doc.txt"
expect_err "permission denied" sbu queue accept office
sb queue accept office >/dev/null
id=$(sb submit -q office -t raw "$T/doc.txt")
wait_completed "$id"

# disable: jobs are taken and wait; the state survives a restart.
sb queue disable office --reason "paper jam" >/dev/null
held=$(sb submit -q office -t raw "$T/doc.txt")
mine=$(sbu submit -q office -t raw "$T/doc.txt")
theirs=$(sbu submit -q office -t raw "$T/doc.txt")
sleep 0.5
[ "$(sb jobs --json | jq -r ".[] | select(.id == $held) | .state")" = pending ] ||
	fail "job $held went on while office is disabled: $(sb jobs)"
stop_spoolboxd
start_spoolboxd
sb queues | grep -q "^office *disabled .*disabled by root: paper jam" ||
	fail "the disable did not survive a restart: $(sb queues)"

# Another user's job: permission denied, nothing changes.
expect_err "is not yours" sbu cancel "$held"
expect_err "is not yours" sbu move "$held" files
[ "$(sb jobs --json | jq -r ".[] | select(.id == $held) | .queue")" = office ] ||
	fail "a refused move moved job $held"

# move: to a queue that prints; the owner may.
sbu move "$mine" files >/dev/null
wait_completed "$mine"
[ -f "$T/out/job-$mine.prn" ] || fail "moved job $mine did not land in files"

# cancel --all: the user's own only; then an admin's, all of them.
out=$(sbu cancel --all -q office)
[ "$out" = "1 job(s) canceled" ] || fail "user cancel --all said: $out"
[ "$(sb jobs -a --json | jq -r ".[] | select(.id == $theirs) | .state")" = canceled ] ||
	fail "job $theirs was not canceled"
[ "$(sb jobs --json | jq -r ".[] | select(.id == $held) | .state")" = pending ] ||
	fail "the user's cancel --all took root's job $held"
out=$(sb cancel --all -q office)
[ "$out" = "1 job(s) canceled" ] || fail "admin cancel --all said: $out"

# enable: delivery goes on.
sb queue enable office >/dev/null
id=$(sb submit -q office -t raw "$T/doc.txt")
wait_completed "$id"

# Listings: pages in id order, filters, JSON as one array.
for _ in $(seq 7); do sb submit -q files -t raw "$T/doc.txt" >/dev/null; done
all=$(sb jobs -a --json | jq length)
[ "$(sb jobs -a --json --limit 3 | jq length)" -eq 3 ] || fail "--limit 3"
first=$(sb jobs -a --json --limit 3 | jq '.[2].id')
next=$(sb jobs -a --json --limit 3 --after "$first" | jq '.[0].id')
[ "$next" -gt "$first" ] || fail "--after $first began at $next"
sb jobs -a --limit 3 2>"$T/more" >/dev/null
has "more after job" "$T/more" || fail "no hint of the next page: $(cat "$T/more")"
n_user=$(sb jobs -a --json --user "$TEST_USER" | jq length)
[ "$n_user" -eq 2 ] || fail "--user $TEST_USER: $n_user jobs, not 2"
[ "$(sb jobs --json --state canceled | jq length)" -eq 2 ] || fail "--state canceled"
[ "$(sb jobs -a --json --since 1h | jq length)" -eq "$all" ] || fail "--since 1h"
[ "$(sb jobs -a --json --since 2099-01-01 | jq length)" -eq 0 ] || fail "--since 2099-01-01"
sb jobs -a | head -n 1 | grep -q ATTEMPTS || fail "-a shows no attempts"
expect_err "'printed' is not a job state (pending, processing, printing, completed, held, canceled, aborted, retry-wait)" sb jobs --state printed
# Limits: tiny takes two jobs in all, one per user (its own).
sbu submit -q tiny -t raw "$T/doc.txt" >/dev/null
expect_err "max_jobs_per_user = 1" sbu submit -q tiny -t raw "$T/doc.txt"
sb submit -q tiny -t raw "$T/doc.txt" >/dev/null
expect_err "queue tiny holds 2 jobs (max_jobs_queued = 2)" sb submit -q tiny -t raw "$T/doc.txt"
# A limit is said as it is, also to a stream: it is not the spooler
# restarting, which the CLI waits out and then (a pipe cannot be read
# again) reports as "the spooler restarted during the upload".
piped() { cat "$T/doc.txt" | sb "$@"; }
expect_err "queue tiny holds 2 jobs (max_jobs_queued = 2)" piped submit -q tiny -t raw -
log "PASS: reject/accept, disable/enable across a restart, move, cancel --all, pages and filters, permission denied"
