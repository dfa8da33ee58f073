# Shared helpers for the integration tests: a private temp dir, a real
# LPRng lpd on a loopback port (in its own mount+pid namespace so its
# config never touches the host's /etc), and spoolboxd on the temp dir.
# Everything a test starts is stopped by the EXIT trap.
set -euo pipefail

: "${BUILD:?BUILD must name the build directory}"
T=$(mktemp -d /tmp/spoolbox-test.XXXXXX)
chmod 755 "$T"
LPD_PID=
SB_PID=
TEST_USER=
HOSTILE_PIDS=

log() { printf '%s: %s\n' "${0##*/}" "$*"; }

fail() {
	log "FAIL: $*"
	if [ -f "$T/spoolboxd.log" ]; then
		echo "--- spoolboxd.log (last 40 lines)"
		tail -n 40 "$T/spoolboxd.log"
	fi
	exit 1
}

# Also fails a test whose daemons' logs hold a sanitizer report: a worker
# that aborts is restarted and its job completes, so only its log tells.
# at_exit CMD: run CMD (eval'd, its failure ignored) first at the exit.
EXIT_HOOKS=()
at_exit() { EXIT_HOOKS+=("$1"); }
cleanup() {
	local rc=$? f p h
	set +e
	for h in "${EXIT_HOOKS[@]}"; do eval "$h" 2>/dev/null; done
	for p in $HOSTILE_PIDS; do kill "$p" 2>/dev/null || true; done
	for p in $HOSTILE_PIDS; do wait "$p" 2>/dev/null || true; done
	stop_spoolboxd
	stop_lpd
	if [ -n "$TEST_USER" ]; then
		pkill -9 -u "$TEST_USER" 2>/dev/null || true
		for _ in 1 2 3 4 5; do userdel "$TEST_USER" 2>/dev/null && break; sleep 0.2; done
	fi
	for f in "$T"/*.log; do
		[ -f "$f" ] || continue
		if grep -q -e "ERROR: AddressSanitizer" -e "ERROR: LeakSanitizer" \
			-e "runtime error:" "$f"; then
			log "FAIL: sanitizer report in ${f##*/}:"
			grep -A 20 -m 1 -e "Sanitizer" -e "runtime error:" "$f"
			rc=1
		fi
	done
	if [ -z "${KEEP:-}" ]; then rm -rf "$T" 2>/dev/null || rm -rf "$T" || true; else log "kept $T"; fi
	exit "$rc"
}
trap cleanup EXIT

# make_user: an unprivileged account of this test's own (removed at exit),
# for the hostile-user tests; they run as root.
make_user() {
	[ "$(id -u)" -eq 0 ] || { log "SKIP: needs root to make a user"; exit 77; }
	TEST_USER=sbt$$
	useradd --system --no-create-home --shell /usr/sbin/nologin "$TEST_USER"
}
as_user() { setpriv --reuid="$TEST_USER" --regid="$TEST_USER" --clear-groups env HOME=/ "$@"; }
sbu() { as_user "$BUILD/spoolbox" -s "$T/run/spoolbox.sock" "$@"; }

# expect_err PATTERN CMD...: CMD fails with one line on stderr saying PATTERN.
expect_err() {
	local out
	if out=$("${@:2}" 2>&1); then fail "'${*:2}' succeeded"; fi
	[ "$(printf '%s\n' "$out" | wc -l)" -eq 1 ] || fail "'${*:2}' said more than one line: $out"
	printf '%s\n' "$out" | has -- "$1" || fail "'${*:2}' said '$out', not '$1'"
}

# hostile CMD...: start the test tool as the test's user in the background
# (stopped at exit; not in a $(...), or the exit would not know it);
# waits for its "ready N" line: N in HOSTILE_N, its refusals in
# $T/refusals.
hostile() {
	local out=$T/hostile.$RANDOM
	as_user "$BUILD/tests/sbhostile" "$@" >"$out" 2>&1 &
	HOSTILE_PIDS="$HOSTILE_PIDS $!"
	wait_until 20 - has '^ready' "$out" || true
	grep '^refused' "$out" >"$T/refusals" || true
	HOSTILE_N=$(awk '/^ready/ { print $2 }' "$out")
}

# A TCP port on 127.0.0.1 that nothing listens on, below the kernel's
# ephemeral range (32768-60999 here): an outgoing connection of an earlier
# test (lprmon's, say) may hold a port in that range and the LPD server's
# bind would then fail.
free_port() {
	local p lo
	lo=$(cut -f1 /proc/sys/net/ipv4/ip_local_port_range)
	[ "$lo" -gt 21000 ] || lo=40000
	while :; do
		p=$((20000 + RANDOM % (lo - 20001)))
		# Not one this test has had already: what it started there may
		# not listen yet, so the probe below would not see it taken.
		grep -qx "$p" "$T/ports" 2>/dev/null && continue
		if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then
			echo "$p" >>"$T/ports"
			echo "$p"
			return
		fi
	done
}

wait_port() {
	local port=$1
	wait_until 10 "nothing listens on 127.0.0.1:$port" \
		'(exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null'
}

. "$(dirname "${BASH_SOURCE[0]}")/../lpd-loopback.sh"

# start_lpd PORT: LPRng lpd with queue "q" keeping every job it receives
# in $T/lpd/spool/q (dfA* data, hfA* control).
start_lpd() {
	lpd_loopback_start "$T/lpd" "$1" q
	wait_port "$1"
}

stop_lpd() {
	if [ -n "$LPD_PID" ]; then
		kill -9 "$LPD_PID" 2>/dev/null || true
		wait "$LPD_PID" 2>/dev/null || true
		LPD_PID=
	fi
}

# pause_lpd / resume_lpd: the lpd hangs (every process of its tree
# stopped: connections wait in its backlog) and goes on. A hung printer
# loses nothing; a SIGKILL (stop_lpd) can lose a job LPRng acknowledged
# but had not filed yet (it files a job when the client closes).
lpd_tree() { echo "$1"; for c in $(pgrep -P "$1"); do lpd_tree "$c"; done; }
pause_lpd() { kill -STOP $(lpd_tree "$LPD_PID") 2>/dev/null || true; }
resume_lpd() { kill -CONT $(lpd_tree "$LPD_PID") 2>/dev/null || true; }

sb() { "$BUILD/spoolbox" -s "$T/run/spoolbox.sock" "$@"; }

# write_config EXTRA...: spooler section on $T plus the given lines.
write_config() {
	{
		printf '[spooler]\nspool_dir = %s/spool\nruntime_dir = %s/run\n' \
			"$T" "$T"
		printf '%s\n' "$@"
	} >"$T/spoolbox.conf"
}

# LeakSanitizer's suppressions (sanitizer builds; each with its reason),
# for every daemon a test starts, by start_spoolboxd or by itself.
SB_LSAN_SUPP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)/lsan-daemons.supp
export LSAN_OPTIONS=${LSAN_OPTIONS:-suppressions=$SB_LSAN_SUPP}

start_spoolboxd() {
	"$BUILD/spoolboxd" -c "$T/spoolbox.conf" -f ${SB_DEBUG:+-d} >>"$T/spoolboxd.log" 2>&1 &
	SB_PID=$!
	wait_until 10 "spoolboxd did not get its workers ready" \
		'kill -0 "$SB_PID" 2>/dev/null || fail "spoolboxd exited"
		[ -S "$T/run/spoolbox.sock" ] && [ "$(ready_count)" -ge 4 ]'
}

stop_spoolboxd() {
	if [ -n "$SB_PID" ]; then
		kill "$SB_PID" 2>/dev/null || true
		wait "$SB_PID" 2>/dev/null || true
		SB_PID=
	fi
}

# wait_until SECONDS WHAT CHECK...: run CHECK (a command, or one string of
# shell to eval) every 50 ms until it succeeds; fail naming WHAT when
# SECONDS pass first (WHAT is expanded then: single-quoted, a $(...) in it
# shows the state at the failure). With WHAT "-": return 1 instead, for a
# caller that looks for itself.
wait_until() {
	# Names of its own that a CHECK string will not use.
	local _wu_secs=$1 _wu_end=$((SECONDS + $1)) _wu_what=$2
	shift 2
	while :; do
		if [ $# -eq 1 ]; then eval "$1" && return 0; else "$@" && return 0; fi
		if [ "$SECONDS" -ge "$_wu_end" ]; then
			[ "$_wu_what" = - ] && return 1
			eval "_wu_what=\"$_wu_what\""
			fail "$_wu_what (waited ${_wu_secs}s)"
		fi
		sleep 0.05
	done
}

# ready_count [CLI]: workers ready, as `CLI workers` (sb) lists them.
ready_count() { "${1:-sb}" workers 2>/dev/null | grep -c ' ready '; }
# job_line ID: the job's row of `spoolbox jobs`.
job_line() { sb jobs | awk -v id="$1" '$1 == id'; }

worker_pid() { sb workers | awk -v k="$1" '$1 == k && $4 != "standby" && $4 != "zygote" { print $3; exit }'; }

# wait_completed ID...: every job completes (spoolbox wait exits 0).
wait_completed() {
	local id
	for id in "$@"; do
		sb wait "$id" --timeout ${WAIT_TIMEOUT:-120} || fail "job $id did not complete"
	done
}

# json_field KIND FIELD < workers.json: that field of every KIND entry
# that serves (not a standby or a zygote).
json_field() {
	grep -o "{\"kind\":\"$1\"[^}]*" | grep -v '"state":"\(standby\|zygote\)"' |
		grep -o "\"$2\":[0-9]*" | cut -d: -f2
}

# watch_workers FILE: append `spoolbox workers --json` every 50ms until
# stop_watch; the test reads the largest figures from FILE afterwards.
watch_workers() {
	( while :; do sb workers --json >>"$1" 2>/dev/null || true; sleep 0.05; done ) &
	WATCH_PID=$!
}
stop_watch() { kill "$WATCH_PID" 2>/dev/null || true; wait "$WATCH_PID" 2>/dev/null || true; }
max_of() { sort -n | tail -n 1; }

# has PATTERN...: like `grep -q`, but reads all its input. With pipefail,
# grep -q's early exit would fail the pipeline through SIGPIPE.
has() { grep "$@" >/dev/null; }

# A sanitizer build (-DSPOOLBOX_SANITIZE=ON): ASan's shadow memory and
# reservations dwarf a worker's own memory figures.
sanitized() { [ "${SANITIZE:-OFF}" = ON ]; }
skip_if_sanitized() {
	if sanitized; then
		log "SKIP under the sanitizer build: $*"
		exit 77
	fi
}

# lprc CMD...: an LPRng client (lpr, lpq, lprm) with a config of the
# test's own: LPRng reads only /etc/lprng (and insists on a printcap), so
# it runs in a private mount namespace with $T/lprng bound there.
lprc() {
	if [ ! -f "$T/lprng/lpd.conf" ]; then
		mkdir -p "$T/lprng"
		: >"$T/lprng/printcap"
		printf 'printcap_path=%s\nlpd_printcap_path=%s\nunix_socket_path=off\nmc=999\n' \
			"$T/lprng/printcap" "$T/lprng/printcap" >"$T/lprng/lpd.conf"
	fi
	unshare -m --propagation private \
		sh -c 'mount --bind "$0" /etc/lprng && exec "$@"' "$T/lprng" "$@"
}

# lpd_talk PORT BYTES...: send BYTES (printf format) on a new connection
# and print what comes back (at most 2 s of silence), as hex.
lpd_talk() {
	local port=$1
	shift
	exec {fd}<>"/dev/tcp/127.0.0.1/$port"
	# shellcheck disable=SC2059
	(printf "$@" >&"$fd") 2>/dev/null || true # closed early: a refusal
	timeout 5 cat <&"$fd" | od -An -tx1 | tr -d ' \n'
	exec {fd}>&-
}

# ipp_job FILE FORMAT ATTR...: Print-Job to the queue $IPPQ (pdf) of the
# listener on $IPORT with those job attributes (ipptool "ATTR" lines); the
# job's id.
# ipp_head OPERATION: the start of an ipptool test of it, asked by alice.
ipp_head() {
	printf '{\nOPERATION %s\nGROUP operation-attributes-tag\n' "$1"
	printf 'ATTR charset attributes-charset utf-8\n'
	printf 'ATTR naturalLanguage attributes-natural-language en\n'
	printf 'ATTR uri printer-uri $uri\nATTR name requesting-user-name alice\n'
}
ipp_job() {
	local f=$1 fmt=$2
	shift 2
	{
		ipp_head Print-Job
		printf 'ATTR mimeMediaType document-format %s\n' "$fmt"
		printf 'GROUP job-attributes-tag\n'
		printf '%s\n' "$@"
		printf 'FILE $filename\nSTATUS successful-ok\nDISPLAY job-id\n}\n'
	} >"$T/job.test"
	# (In a $(...): the failure goes to stderr, the exit fails the test.)
	ipptool -t -f "$f" "ipp://127.0.0.1:$IPORT/printers/${IPPQ:-pdf}" "$T/job.test" >"$T/job.out" 2>&1 ||
		{ log "FAIL: Print-Job $*: $(cat "$T/job.out")" >&2; exit 1; }
	sb jobs -a --json | jq -r '[.[] | select(.user == "alice@127.0.0.1")] | last | .id'
}
