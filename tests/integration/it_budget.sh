#!/bin/bash
# Live tuning: `spoolbox budget` shows and changes a kind's budget without
# restarting the broker, and the change outlasts a restart (not a reload); a non-admin is refused; `spoolbox reload` and
# SIGHUP re-read the config; a bad reload keeps the old config.
. "$(dirname "$0")/lib.sh"

PORT=$(free_port)
start_lpd "$PORT"
write_config "[worker.lprmon]" "max_jobs = 1000" "[queue.lpd]" "uri = lpd://127.0.0.1:$PORT/q"
start_spoolboxd
broker=$SB_PID

sb budget lprmon | has "^max_jobs  *1000$" || fail "budget does not show max_jobs: $(sb budget lprmon)"
default=16M
if sanitized; then default=80M; fi # lib/config.c: room for ASan
sb budget lprmon | has "^memory_budget  *$default$" || fail "default memory_budget not $default"

# A non-admin may look but not change.
if [ "$(id -u)" -eq 0 ]; then
	setpriv --reuid=nobody --regid=nogroup --clear-groups "$BUILD/spoolbox" \
		-s "$T/run/spoolbox.sock" budget lprmon >/dev/null || fail "nobody cannot show budgets"
	if out=$(setpriv --reuid=nobody --regid=nogroup --clear-groups "$BUILD/spoolbox" \
		-s "$T/run/spoolbox.sock" budget lprmon max_jobs=1 2>&1); then
		fail "nobody changed a budget"
	fi
	[ "$out" = "spoolbox: only an admin (root or group admin_group) may change budgets" ] ||
		fail "refusal said: $out"
	if setpriv --reuid=nobody --regid=nogroup --clear-groups "$BUILD/spoolbox" \
		-s "$T/run/spoolbox.sock" reload 2>/dev/null; then fail "nobody reloaded"; fi
fi
if sb budget lprmon max_jobs=lots 2>/dev/null; then fail "bad value accepted"; fi
if sb budget lprmon memory_limit=1M 2>/dev/null; then fail "limit below budget accepted"; fi

# Live: recycle lprmon every 3 jobs, no broker restart.
sb budget lprmon max_jobs=3 | has "^max_jobs  *3$" || fail "max_jobs not changed"
mkdir "$T/in"
for i in $(seq 1 12); do echo "job $i" >"$T/in/j$i"; done
mapfile -t ids < <(sb submit -q lpd -t raw "$T"/in/j*)
wait_completed "${ids[@]}"
rec=$(sb workers --json | json_field lprmon recycles | max_of)
[ "$rec" -ge 3 ] || fail "lprmon recycled $rec times with max_jobs=3 over 12 jobs"
grep -q "recycling lprmon.0 pid [0-9]*: max_jobs: 3 jobs >= 3" "$T/spoolboxd.log" ||
	fail "max_jobs recycle not logged"
[ "$SB_PID" = "$broker" ] && kill -0 "$broker" || fail "broker restarted"

# A live change outlasts a restart (SPOOL/budgets.state) ...
stop_spoolboxd
start_spoolboxd
broker=$SB_PID
sb budget lprmon | has "^max_jobs  *3$" || fail "the live max_jobs=3 did not outlast a restart"
has "budgets changed live before the restart, kept: lprmon max_jobs=3" "$T/spoolboxd.log" ||
	fail "the start did not say what it kept"

# ... until a reload: the file's value comes back, and the reload says the
# live one is dropped; a broken file is refused.
sed -i 's/^max_jobs = 1000$/max_jobs = 777/' "$T/spoolbox.conf"
sb reload | has "reloaded $T/spoolbox.conf.*1 budget setting(s) made live are dropped" ||
	fail "reload output"
sb budget lprmon | has "^max_jobs  *777$" || fail "reload did not apply max_jobs"
echo "[queue.bad" >>"$T/spoolbox.conf"
if out=$(sb reload 2>&1); then fail "broken config reloaded"; fi
echo "$out" | has "reload refused, old config kept: $T/spoolbox.conf:[0-9]*:" || fail "bad reload said: $out"
sb budget lprmon | has "^max_jobs  *777$" || fail "bad reload changed the budget"
# SIGHUP re-reads too (and adds a queue: localspl is recycled to learn it).
sed -i '$d' "$T/spoolbox.conf"
printf '[queue.files]\nuri = file://%s/out\n' "$T" >>"$T/spoolbox.conf"
kill -HUP "$broker"
wait_until 5 - 'sb queues 2>/dev/null | has "^files "' || true
sb queues | has "^files " || fail "SIGHUP did not add the queue"
id=$(sb submit -q files "$T/in/j1")
wait_completed "$id"
log "PASS: budgets change live, admins only, reload and SIGHUP apply"
