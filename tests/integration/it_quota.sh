#!/bin/bash
# Period quotas per user (CUPS' job-quota-period, job-page-limit): a
# queue's job_quota (2 jobs per 5 s) and [spooler]'s page_quota (5 pages
# per 5 s over every queue). Short periods stand in for an injectable
# clock: the window is real time, and the test waits it out. Past a job
# quota a job is held at submit, past a page quota before delivery (its
# pages are counted by then), each saying which; an admin's release
# prints it; once the period has passed the user prints again; spoolbox
# quota shows use and what is left; with quota_policy = refuse the job is
# refused at submit with one line. Admins are not counted.
. "$(dirname "$0")/lib.sh"
command -v jq >/dev/null || { log "SKIP: jq is not installed"; exit 77; }
make_user

mkdir -p "$T/out"
conf() {
	write_config "page_quota = 5 / 5s" "$@" \
		"[queue.q]" "uri = file://$T/out" "datatype = pdf" "job_quota = 2 / 5s"
}
conf
start_spoolboxd
chmod 755 "$T" "$T/run"
printf 'one\ftwo\n' >"$T/two.txt"
printf '1\f2\f3\f4\f5\f6\n' >"$T/six.txt"
chmod 644 "$T"/*.txt
state() { sb jobs -a --json | jq -r ".[] | select(.id == $1) | .state"; }
error() { sb jobs -a --json | jq -r ".[] | select(.id == $1) | .last_error"; }
is_held() { [ "$(state "$1")" = held ]; }

a=$(sbu submit -q q "$T/two.txt")
wait_completed "$a"
b=$(sbu submit -q q "$T/two.txt")
wait_completed "$b"
c=$(sbu submit -q q "$T/two.txt")
is_held "$c" || fail "a third job in 5 s was not held: $(state "$c")"
error "$c" | has "queue q: $TEST_USER's job_quota is 2 jobs per 5s, 2 used, this job needs 1" ||
	fail "the held job does not say why: $(error "$c")"
sb jobs | has "^$c .*held" || fail "spoolbox jobs does not show job $c held"
# (Used: its completed jobs, and those not finished: the held one too.)
sbu quota >"$T/quota.txt"
has "^q  *jobs  *2  *5s  *3  *0$" "$T/quota.txt" && has "^(all queues)  *pages  *5  *5s  *4  *1$" "$T/quota.txt" ||
	fail "spoolbox quota: $(cat "$T/quota.txt")"
# Admins are not counted, and an admin's release prints the held job.
d=$(sb submit -q q "$T/six.txt")
wait_completed "$d"
sb release "$c" >/dev/null
wait_completed "$c"

# After the period, the user prints again; a job of more pages than are
# left is held before delivery, saying so.
sleep 5.5
e=$(sbu submit -q q "$T/six.txt")
wait_until 30 'a job of 6 pages was not held: $(state '"$e"')' is_held "$e"
error "$e" | has "all queues together: $TEST_USER's page_quota is 5 pages per 5s, 0 used, this job needs 6" ||
	fail "the page quota hold does not say why: $(error "$e")"
[ ! -e "$T/out/job-$e.pdf" ] || fail "the held job printed"
f=$(sbu submit -q q "$T/two.txt")
wait_completed "$f"

# quota_policy = refuse: past the job quota, refused at submit.
conf "quota_policy = refuse"
sb reload >/dev/null
sbu submit -q q "$T/two.txt" >/dev/null 2>&1 || true
expect_err "job_quota is 2 jobs per 5s" sbu submit -q q "$T/two.txt"
log "PASS: job and page quotas per user over a period: held saying why, released by an admin, again after the period, refused by policy, shown by spoolbox quota"
