#!/bin/bash
# The front door as a hostile network client tries it: a 5 KB IPP request
# nesting begCollection 500 deep (libcups' parser recurses per level) is
# refused with a 400 and the listener lives on, serving LPD meanwhile;
# HTTP requests with both Content-Length and Transfer-Encoding, two
# Content-Lengths that differ, a list or a signed number as one, or a coding other than chunked are
# refused (RFC 9112 6.3) and the connection closed;
# a queue's page does not show where it prints; a refused cancel does not
# name the job's owner; Get-Jobs shows other users as "(private)".
# Quotas hold for the network: an LPD client is counted by the name its
# control file gives (which arrives last), an IPP client by its address
# whatever names it gives; a local user's bytes count a sparse file's
# length.
. "$(dirname "$0")/lib.sh"
command -v ipptool >/dev/null || { log "SKIP: cups-ipp-utils is not installed"; exit 77; }

IPORT=$(free_port)
LPORT=$(free_port)
make_user
write_config "max_bytes_per_user = 400K" "[listener]" "ipp = 127.0.0.1:$IPORT" "lpd = 127.0.0.1:$LPORT" \
	"step_timeout = 5s" \
	"[queue.files]" "uri = file://$T/out" \
	"[queue.dead]" "uri = lpd://127.0.0.1:$(free_port)/secretq" \
	"retry_interval = 1h" \
	"[queue.quota]" "uri = lpd://127.0.0.1:$(free_port)/x" "retry_interval = 1h" \
	"max_jobs_per_user = 3" "max_jobs_per_host = 5" "max_bytes_per_user = 200K" \
	"[queue.staff]" "uri = file://$T/out" "allow_groups = $TEST_USER" \
	"allow_users = carol@127.0.0.1" "deny_users = mallory" \
	"[queue.nouser]" "uri = file://$T/out" "deny_users = $TEST_USER"
mkdir -p "$T/out"
start_spoolboxd
wait_port "$IPORT"
wait_port "$LPORT"
URI=ipp://127.0.0.1:$IPORT/printers

# be16 N: N as two bytes, for printf.
be16() { printf '\\x%02x\\x%02x' $(($1 >> 8)) $(($1 & 255)); }
# attr TAG NAME VALUE: one attribute, RFC 8010's encoding.
attr() {
	printf "\\x$1$(be16 ${#2})%s$(be16 ${#3})%s" "$2" "$3"
}
# deep N: a Validate-Job whose media-col nests N collections.
deep() {
	local uri="ipp://127.0.0.1:$IPORT/printers/files" i
	printf '\x02\x00\x00\x04\x00\x00\x00\x01\x01'
	attr 47 attributes-charset utf-8
	attr 48 attributes-natural-language en
	attr 45 printer-uri "$uri"
	printf '\x02'
	attr 34 media-col ""
	for ((i = 0; i < $1; i++)); do attr 4a "" media-size; attr 34 "" ""; done
	for ((i = 0; i <= $1; i++)); do attr 37 "" ""; done
	printf '\x03'
}
post() { # FILE: the HTTP status of POSTing it as IPP to the files queue
	curl -s -o "$T/answer" -w '%{http_code}' --data-binary @"$1" \
		-H 'Content-Type: application/ipp' "http://127.0.0.1:$IPORT/printers/files" || true
}

# 1. Deep nesting: refused before libcups parses it; the same listener
# serves an LPD client right after and a request of sane depth.
lsn=$(worker_pid listener)
deep 500 >"$T/deep.ipp"
deep 3 >"$T/shallow.ipp"
log "a $(stat -c %s "$T/deep.ipp")-byte request nesting 500 collections"
code=$(post "$T/deep.ipp")
[ "$code" = 400 ] || fail "the deep request got HTTP '$code', not 400"
has "request refused: collections nested deeper than 8" "$T/spoolboxd.log" ||
	fail "no log line names the refusal"
[ "$(worker_pid listener)" = "$lsn" ] || fail "the listener ($lsn) did not survive: now $(worker_pid listener)"
kill -0 "$lsn" || fail "the listener ($lsn) died"
code=$(post "$T/shallow.ipp")
[ "$code" = 200 ] || fail "a request 3 deep got HTTP '$code'"
printf 'via lpd\n' >"$T/lpd.txt"
lprc lpr -P "files@127.0.0.1%$LPORT" "$T/lpd.txt" || fail "lpr failed after the deep request"
wait_until 20 "the LPD job after the deep request" '[ -n "$(ls "$T/out")" ]'
for i in 1 2 3 4 5; do post "$T/deep.ipp" >/dev/null; done
[ "$(worker_pid listener)" = "$lsn" ] || fail "five deep requests took the listener down"
log "deep nesting refused; the listener (pid $lsn) served on"

# 2. Request smuggling: ambiguous framing is refused and the connection
# closed (nothing after it is read as a request).
raw() { # BYTES: the first line of what comes back
	exec {fd}<>"/dev/tcp/127.0.0.1/$IPORT"
	(printf "$1" >&"$fd") 2>/dev/null || true # closed early: a refusal
	timeout 5 head -n 1 <&"$fd" | tr -d '\r'
	exec {fd}>&-
}
first=$(raw 'POST /printers/files HTTP/1.1\r\nHost: x\r\nContent-Type: application/ipp\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n')
[[ "$first" == "HTTP/1.1 400"* ]] || fail "Content-Length with Transfer-Encoding got '$first'"
first=$(raw 'POST /printers/files HTTP/1.1\r\nHost: x\r\nContent-Type: application/ipp\r\nContent-Length: 0\r\nContent-Length: 40\r\n\r\n')
[[ "$first" == "HTTP/1.1 400"* ]] || fail "two Content-Lengths got '$first'"
first=$(raw 'POST /printers/files HTTP/1.1\r\nHost: x\r\nContent-Type: application/ipp\r\nContent-Length: 4, 4\r\n\r\n')
[[ "$first" == "HTTP/1.1 400"* ]] || fail "a list of Content-Lengths got '$first'"
first=$(raw 'POST /printers/files HTTP/1.1\r\nHost: x\r\nContent-Type: application/ipp\r\nContent-Length: +4\r\n\r\n')
[[ "$first" == "HTTP/1.1 400"* ]] || fail "a signed Content-Length got '$first'"
first=$(raw 'POST /printers/files HTTP/1.1\r\nHost: x\r\nContent-Type: application/ipp\r\nTransfer-Encoding: gzip, chunked\r\n\r\n')
[[ "$first" == "HTTP/1.1 400"* ]] || fail "a Transfer-Encoding other than chunked got '$first'"
has "ambiguous HTTP framing" "$T/spoolboxd.log" || fail "no log line for the smuggling attempts"
log "ambiguous HTTP framing refused"

# 3. What a network client learns: not the upstream URI, not who owns a job it may not cancel, not other users' names.
curl -s "http://127.0.0.1:$IPORT/printers/dead" >"$T/page"
has -v "secretq\|lpd://" "$T/page" || fail "GET /printers/dead shows the upstream: $(cat "$T/page")"
id=$(sb submit -q dead -T "local job" "$T/lpd.txt")
cat >"$T/cancel.test" <<X
{
	OPERATION Cancel-Job
	GROUP operation-attributes-tag
	ATTR charset attributes-charset utf-8
	ATTR naturalLanguage attributes-natural-language en
	ATTR uri printer-uri \$uri
	ATTR integer job-id $id
	ATTR name requesting-user-name mallory
	STATUS client-error-not-authorized
}
X
ipptool -tv "$URI/dead" "$T/cancel.test" >"$T/cancel.out" 2>&1 ||
	fail "mallory's cancel was not refused: $(cat "$T/cancel.out")"
has -v "root" "$T/cancel.out" || fail "the refusal names the owner: $(grep status-message "$T/cancel.out")"
cat >"$T/jobs.test" <<'X'
{
	OPERATION Get-Jobs
	GROUP operation-attributes-tag
	ATTR charset attributes-charset utf-8
	ATTR naturalLanguage attributes-natural-language en
	ATTR uri printer-uri $uri
	ATTR name requesting-user-name mallory
	ATTR keyword requested-attributes job-id,job-originating-user-name,job-name
	STATUS successful-ok
}
X
ipptool -tv "$URI/dead" "$T/jobs.test" >"$T/jobs.out" 2>&1 || fail "Get-Jobs failed: $(cat "$T/jobs.out")"
has "job-originating-user-name (nameWithoutLanguage) = (private)" "$T/jobs.out" ||
	fail "another user's job is not private: $(grep -A3 job-id "$T/jobs.out")"
has -v "local job\|= root" "$T/jobs.out" || fail "Get-Jobs shows another user's details: $(cat "$T/jobs.out")"
log "network clients see no upstream URI, no owner, no other users' details"

# 4. Quotas. LPD: five jobs from alice, three taken.
ok=0
for i in 1 2 3 4 5; do
	if lprc lpr -P "quota@127.0.0.1%$LPORT" -U alice "$T/lpd.txt" 2>/dev/null; then ok=$((ok + 1)); fi
done
[ "$ok" -eq 3 ] || fail "$ok of 5 LPD jobs from alice taken with max_jobs_per_user = 3"
[ "$(sb jobs -q quota | grep -c 'alice@127.0.0.1')" -eq 3 ] || fail "alice's jobs: $(sb jobs -q quota)"
has "max_jobs_per_user = 3" "$T/spoolboxd.log" || fail "the refusal does not name the quota"
# IPP: other names from the same address count for it: 2 more, then no.
# ipp_job NAME QUEUE: a Print-Job as requesting-user-name NAME; its status.
ipp_job() {
	ipptool -tv -d who="$1" -f "$T/lpd.txt" "$URI/$2" /dev/stdin <<'X' 2>&1 | grep -o 'status-code = [a-z-]*' | head -n 1
{
	OPERATION Print-Job
	GROUP operation-attributes-tag
	ATTR charset attributes-charset utf-8
	ATTR naturalLanguage attributes-natural-language en
	ATTR uri printer-uri $uri
	ATTR name requesting-user-name $who
	ATTR mimeMediaType document-format text/plain
	FILE $filename
}
X
}
for u in bob carol; do
	[ "$(ipp_job $u quota)" = "status-code = successful-ok" ] || fail "$u's job was refused under the quota"
done
st=$(ipp_job dave quota)
[ "$st" = "status-code = client-error-not-possible" ] || fail "a 6th job from 127.0.0.1 got '$st' (max_jobs_per_host = 5)"
has "max_jobs_per_host = 5" "$T/spoolboxd.log" || fail "no log line names max_jobs_per_host"
# A local user: bytes as submitted, a sparse file's whole length.
head -c 150000 /dev/urandom >"$T/150k"
truncate -s 20M "$T/sparse"
chmod 644 "$T/150k" "$T/sparse"
sbu submit -q quota -t raw "$T/150k" >/dev/null || fail "150 kB under a 200K quota refused"
expect_err "max_bytes_per_user = 204800" sbu submit -q quota -t raw "$T/150k"
sbu cancel "$(sbu jobs -q quota | awk -v u="$TEST_USER" '$4 == u { print $1 }')" >/dev/null
expect_err "max_bytes_per_user = 204800" sbu submit -q quota -t raw "$T/sparse"
sb submit -q quota -t raw "$T/sparse" >/dev/null || fail "root's (an admin's) job counted against a user quota"
# [spooler]'s quota counts every queue together: 150 kB here and 150 kB
# in dead pass 400K, a third does not.
sbu submit -q quota -t raw "$T/150k" >/dev/null || fail "150 kB under both quotas refused"
sbu submit -q dead -t raw "$T/150k" >/dev/null || fail "300 kB in two queues under a 400K quota refused"
expect_err "all queues together: this job would take you past max_bytes_per_user = 409600 (to 450000)" \
	sbu submit -q dead -t raw "$T/150k"
log "quotas hold: LPD by the control file's name, IPP by address, bytes by length, per queue and over all queues"

# 5. Access lists, for local and network clients alike: staff takes its
# group's members and carol@127.0.0.1; nouser refuses the test's user.
sbu submit -q staff "$T/lpd.txt" >/dev/null || fail "a member of allow_groups was refused"
expect_err "queue nouser: $TEST_USER may not print here (deny_users)" sbu submit -q nouser "$T/lpd.txt"
sb submit -q nouser "$T/lpd.txt" >/dev/null || fail "an admin was refused by deny_users"
st=$(ipp_job carol staff)
[ "$st" = "status-code = successful-ok" ] || fail "carol@127.0.0.1 (allow_users) was refused: $st $(grep "staff" "$T/spoolboxd.log" | tail -n 2)"
[ "$(ipp_job dave staff)" = "status-code = client-error-not-authorized" ] || fail "dave@127.0.0.1 printed to staff"
[ "$(ipp_job mallory staff)" = "status-code = client-error-not-authorized" ] || fail "mallory printed to staff"
has "queue staff: dave@127.0.0.1 may not print here (allow_users, allow_groups)" "$T/spoolboxd.log" ||
	fail "no log line for dave's refusal"
log "access lists hold for local and network clients"
log PASS
