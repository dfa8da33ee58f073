#!/bin/bash
# The web console on the IPP port. curl: every page answers with the
# security headers and passes tidy; /api/ is the CLI's --json; a hostile
# title is shown escaped; actions need an admin's session, its form token
# and this site's Origin (a non-admin's POST, a stale token, another
# site's form: 403, the job unchanged); logging in needs TLS; console_allow
# keeps others out. Then headless Chromium: each page with its content, a
# login, a hold pressed on a job and seen held, a recycle on the workers
# page; screenshots and the page weights under $BUILD/test-output/console.
. "$(dirname "$0")/lib.sh"
for t in chromium tidy jq curl; do
	command -v "$t" >/dev/null || { log "SKIP: $t is not installed"; exit 77; }
done
/usr/bin/python3 -c 'import websocket' 2>/dev/null ||
	{ log "SKIP: python3-websocket is not installed"; exit 77; }

make_user # the account that is not an admin
ADM=sba$$
groupadd "$ADM"
useradd --system --no-create-home --shell /usr/sbin/nologin -N -G "$ADM" "$ADM"
at_exit 'userdel "$ADM"; groupdel "$ADM"'
pw_adm="Adm-$RANDOM-$RANDOM" pw_user="Usr-$RANDOM-$RANDOM"
printf '%s:%s\n%s:%s\n' "$ADM" "$pw_adm" "$TEST_USER" "$pw_user" | chpasswd

IPORT=$(free_port)
mkdir -p "$T/out" "$T/out2"
conf=("admin_group = $ADM" "[listener]" "ipp = 127.0.0.1:$IPORT" "tls = on")
more=("[worker.printproc]" "max_jobs = 1"
	"[queue.files]" "uri = file://$T/out" "datatype = pdf"
	"[queue.held]" "uri = file://$T/out2")
write_config "${conf[@]}" "${more[@]}"
start_spoolboxd
wait_port "$IPORT"
HOSTILE='<script>alert(1)</script>&"x'\'
printf 'hello\n' | sb submit -q files -T "$HOSTILE" - >/dev/null
sb queue disable held >/dev/null
JOB=$(printf 'wait\n' | sb submit -q held -T waiting -)
wait_completed 1
H=http://127.0.0.1:$IPORT S=https://127.0.0.1:$IPORT

# Pages: 200, the headers, valid HTML.
for p in / /queues /queues/files /jobs "/jobs/$JOB" /workers /login \
	"/jobs?state=pending,held&since=1h&queue=held"; do
	code=$(curl -s -D "$T/h" -o "$T/page.html" -w '%{http_code}' "$H$p")
	[ "$code" = 200 ] || fail "GET $p: $code"
	has -i "^content-security-policy: default-src 'none'; script-src 'self'" "$T/h" ||
		fail "GET $p: no Content-Security-Policy: $(cat "$T/h")"
	has -i "unsafe-inline" "$T/h" && fail "GET $p: the policy allows inline code"
	tidy -q -e -utf8 "$T/page.html" >"$T/tidy" 2>&1
	[ $? -le 1 ] || fail "tidy finds errors in $p: $(cat "$T/tidy")"
	[ "$(grep -c '<script' "$T/page.html")" -le 1 ] || fail "$p has more than its one script"
done
log "every page: 200, a Content-Security-Policy without inline code, tidy finds no errors"

# A slot's chart: its own hour (the broker answers that slot only); a
# slot or a kind there is not: 404.
curl -s -D "$T/h" -o "$T/chart.svg" "$H/workers/chart/printproc.0.mem.svg"
has -i '^content-type: image/svg+xml' "$T/h" && has '<svg' "$T/chart.svg" ||
	fail "no chart of printproc.0: $(cat "$T/h")"
for c in printproc.99.mem.svg nosuch.0.fds.svg printproc.0.cpu.svg; do
	code=$(curl -s -o /dev/null -w '%{http_code}' "$H/workers/chart/$c")
	[ "$code" = 404 ] || fail "chart $c: $code, not 404"
done
log "a slot's chart is SVG; one of a slot or kind there is not, 404"

# /api/: the CLI's --json.
curl -s "$H/api/queues" | jq -S '[.[] | {name, state, accepting, datatype, pending, completed}]' >"$T/a"
sb queues --json | jq -S '[.[] | {name, state, accepting, datatype, pending, completed}]' >"$T/b"
cmp -s "$T/a" "$T/b" || fail "/api/queues differs from queues --json: $(diff "$T/a" "$T/b")"
curl -s "$H/api/workers" | jq -S '[.[] | {kind, instance, pid, memory_budget, handle_budget}] | sort_by(.pid)' >"$T/a"
sb workers --json | jq -S '[.[] | {kind, instance, pid, memory_budget, handle_budget}] | sort_by(.pid)' >"$T/b"
cmp -s "$T/a" "$T/b" || fail "/api/workers differs from workers --json: $(diff "$T/a" "$T/b")"
curl -s "$H/api/jobs?state=pending" | jq -c '[.[] | {id, queue, state}]' >"$T/a"
sb jobs --json --state pending | jq -c '[.[] | {id, queue, state}]' >"$T/b"
cmp -s "$T/a" "$T/b" || fail "/api/jobs differs from jobs --json: $(cat "$T/a" "$T/b")"
code=$(curl -s -o "$T/a" -w '%{http_code}' "$H/api/jobs?state=printed")
[ "$code" = 400 ] && [ "$(jq -r .error "$T/a")" = "state: one of pending, processing, printing, completed, held, canceled, aborted, retry-wait" ] ||
	fail "/api/jobs?state=printed: $code $(cat "$T/a")"
[ "$(curl -s "$H/api/jobs" | jq -r '.[0].title')" = "(private)" ] ||
	fail "an anonymous viewer sees another user's title"
log "/api/queues, /api/workers, /api/jobs: the CLI's --json; other users' details (private)"

# Logging in: over TLS only; the session cookie and its form token.
curl -s -o "$T/page.html" -w '%{http_code}' -d "user=$ADM&password=$pw_adm" "$H/login" |
	grep -qx 403 || fail "a login over plain HTTP was not refused"
has "over https://" "$T/page.html" || fail "the plain login does not say why"
login() { # login USER PW JAR: the session's form token
	curl -sk -c "$3" -o /dev/null -d "user=$1&password=$2" "$S/login"
	curl -sk -b "$3" "$S/" | grep -o 'name="csrf" value="[0-9a-f]*"' | head -n 1 |
		sed 's/.*value="//; s/"$//'
}
cadm=$(login "$ADM" "$pw_adm" "$T/jar.adm")
[ ${#cadm} = 32 ] || fail "no session for the admin: '$cadm'"
cusr=$(login "$TEST_USER" "$pw_user" "$T/jar.usr")
[ ${#cusr} = 32 ] || fail "no session for the user: '$cusr'"
grep -q 'HttpOnly_127.0.0.1.*TRUE.*sbs' "$T/jar.adm" || fail "the cookie is not HttpOnly and Secure: $(cat "$T/jar.adm")"
curl -sk -b "$T/jar.adm" "$S/jobs" >"$T/page.html"
has -F '&lt;script&gt;alert(1)&lt;/script&gt;&amp;&quot;x&#39;' "$T/page.html" ||
	fail "the hostile title is not shown escaped: $(grep -F alert "$T/page.html")"
has -F '<script>alert' "$T/page.html" && fail "the hostile title reached the page as code"
log "logins over TLS only; the hostile title is escaped for the admin who sees it"

# Actions: refused without a session, with a stale token, from another
# site, for a non-admin; the job stays as it was.
post() { curl -sk -o "$T/page.html" -w '%{http_code}' "$@"; }
[ "$(post -d "action=cancel" "$S/jobs/$JOB")" = 403 ] || fail "a POST without a session was not refused"
[ "$(post -b "$T/jar.adm" -d "csrf=00112233445566778899aabbccddeeff&action=cancel" "$S/jobs/$JOB")" = 403 ] ||
	fail "a POST with a stale form token was not refused"
[ "$(post -b "$T/jar.adm" -H 'Origin: https://evil.example' -d "csrf=$cadm&action=cancel" "$S/jobs/$JOB")" = 403 ] ||
	fail "a POST from another site was not refused"
[ "$(post -b "$T/jar.usr" -d "csrf=$cusr&action=cancel" "$S/jobs/$JOB")" = 403 ] ||
	fail "a non-admin's POST was not refused"
has "read-only" "$T/page.html" || fail "the non-admin is not told why"
[ "$(post -b "$T/jar.usr" -d "csrf=$cusr&kind=printproc&memory_budget=1G" "$S/workers")" = 403 ] ||
	fail "a non-admin's budget change was not refused"
job_line "$JOB" | has ' pending ' || fail "a refused action changed the job: $(job_line "$JOB")"
# An admin's: a queue rejected with a reason, a budget changed (kept).
[ "$(post -b "$T/jar.adm" -d "csrf=$cadm&action=reject&reason=toner+low" "$S/queues/files")" = 303 ] ||
	fail "the admin's reject was not done: $(cat "$T/page.html")"
sb queues | grep '^files' | has 'rejecting: toner low' || fail "the queue is not rejecting"
sb queue accept files >/dev/null
[ "$(post -b "$T/jar.adm" -d "csrf=$cadm&kind=lprmon&memory_budget=48M&handle_budget=" "$S/workers")" = 303 ] ||
	fail "the admin's budget change was not done: $(cat "$T/page.html")"
sb budget lprmon | has 'memory_budget *48M' || fail "the budget did not change: $(sb budget lprmon)"
has "budget of lprmon changed" "$T/spoolboxd.log" || fail "no log line for the budget change"
log "actions: 403 without a session, with a stale token, from another site, for a non-admin; an admin's done"

# The browser: pages, a login, a hold pressed, the workers' charts.
OUT=$(cd "$BUILD" && pwd)/test-output/console
rm -rf "$OUT"
cat >"$T/spec.json" <<EOF
{"base": "$S", "out": "$OUT", "steps": [
 {"visit": "/", "expect": ["spoolboxd is up", "localspl.0", "files", "held", "max_jobs"], "shot": "overview"},
 {"visit": "/queues", "expect": ["files", "held", "disabled"], "shot": "queues"},
 {"visit": "/queues/held", "expect": ["Network address", "ipps://", "(private)", "pending"], "shot": "queue"},
 {"visit": "/jobs", "expect": ["(private)"], "absent": ["alert("], "shot": "jobs-anonymous"},
 {"visit": "/workers", "expect": ["printproc.0", "/ 48.0M", "The last hour", "recycled"], "shot": "workers-anonymous"},
 {"visit": "/login", "expect": ["Password"], "shot": "login"},
 {"login": "$ADM", "password": "$pw_adm", "expect": ["$ADM (admin)"]},
 {"visit": "/jobs", "expect": [$(jq -n --arg s "$HOSTILE" '$s'), "waiting"], "shot": "jobs-admin"},
 {"run": ["sh", "-c", "echo late | '$BUILD/spoolbox' -s '$T/run/spoolbox.sock' submit -q held -T 'arrived later' -"]},
 {"refreshed": "arrived later", "seconds": 20},
 {"press": "/jobs/$JOB", "action": "hold", "expect": ["held (indefinite)"], "shot": "job-held"},
 {"visit": "/workers", "expect": ["Budgets", "memory_budget", "max_jobs"], "shot": "workers-admin"},
 {"visit": "/accounting", "expect": ["Per user", "Per queue", "root"], "shot": "accounting"},
 {"measure": ["/", "/queues", "/queues/held", "/jobs", "/jobs/$JOB", "/workers", "/accounting", "/login"], "file": "weights.json"}
]}
EOF
/usr/bin/python3 "$(dirname "$0")/console_browser.py" "$T/spec.json" >"$T/browser.out" 2>&1 ||
	fail "in the browser: $(tail -n 3 "$T/browser.out")"
job_line "$JOB" | has ' held ' || fail "the hold pressed in the browser did not hold the job: $(job_line "$JOB")"
ls "$OUT"/*.png >/dev/null || fail "no screenshots in $OUT"
jq -r '.[] | "  \(.page): \(.bytes) bytes in \(.requests) requests, first paint \(.first_paint_ms) ms"' \
	"$OUT/weights.json"
log "in Chromium: every page with its content, a login, a hold pressed and seen; screenshots in $OUT"

# console_allow: others get 403; printing is not the console's business.
write_config "${conf[@]}" "console_allow = 10.9.9.0/24" "${more[@]}"
sb reload >/dev/null
wait_until 20 "the console still answers loopback" \
	'[ "$(curl -s -o /dev/null -w "%{http_code}" "$H/")" = 403 ]'
[ "$(curl -s -o /dev/null -w '%{http_code}' "$H/printers/files")" = 200 ] ||
	fail "console_allow closed the queue's page too"
has "not in \[listener\] console_allow" "$T/spoolboxd.log" || fail "no log line for the refusal"
log "console_allow: 403 outside it, IPP untouched"
