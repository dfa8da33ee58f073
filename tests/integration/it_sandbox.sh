#!/bin/bash
# The sandbox as the kernel shows it, from the outside: every worker has
# Seccomp 2, NoNewPrivs 1, CapEff 0; as root its own non-zero uid; localspl
# and printproc in a network namespace that is not the broker's; every
# worker in its own mount namespace whose read-only root holds only the
# libraries, its own channel and its kind's files (seen through
# /proc/PID/root). A worker
# that violates its policy mid-job is killed by the kernel, the broker logs
# a sandbox violation and restarts it, and the job completes.
. "$(dirname "$0")/lib.sh"

PORT=$(free_port)
start_lpd "$PORT"
write_config "[worker.printproc]" "debug_sandbox_violation = 1" \
	"[worker.lprmon]" "debug_sandbox_violation = 1" \
	"[queue.lpd]" "uri = lpd://127.0.0.1:$PORT/q" \
	"[queue.byname]" "uri = lpd://localhost:$PORT/q" \
	"[queue.ps]" "uri = file://$T/ps" "datatype = postscript"
start_spoolboxd

broker_net=$(readlink /proc/"$SB_PID"/ns/net)
broker_mnt=$(readlink /proc/"$SB_PID"/ns/mnt)
# view KIND PID: what the worker's root holds, and what it must not.
view() {
	local root=/proc/$2/root p
	[ "$(readlink "/proc/$2/ns/mnt")" != "$broker_mnt" ] || fail "$1 shares the broker's mount namespace"
	[ -e "$root/usr/lib" ] && [ -e "$root/lib64" ] || fail "$1: no libraries in its root"
	for p in /etc/passwd /etc/shadow /usr/bin /home /root "$BUILD" "$T/spoolbox.conf"; do
		[ ! -e "$root$p" ] || fail "$1 can see $p"
	done
	# The sanitizer runtime needs /proc/self/maps (sandbox.c widens).
	sanitized || [ ! -e "$root/proc/self" ] || fail "$1 can see /proc"
	if touch "$root/x" 2>/dev/null; then fail "$1: its root is writable"; fi
	[ "$(find "$root$T/run/workers" -mindepth 1 -maxdepth 1 | wc -l)" -eq 1 ] ||
		fail "$1 sees other workers' channels"
	case $1 in
	localspl)
		[ -d "$root$T/spool/jobs" ] && [ -d "$root$T/ps" ] || fail "localspl lacks its spool or file: dir"
		[ ! -e "$root/etc/hosts" ] || fail "localspl sees name resolution files" ;;
	printproc)
		[ ! -e "$root$T/spool" ] && [ ! -e "$root/etc/hosts" ] || fail "printproc sees files it has no use for" ;;
	*)
		[ -e "$root/etc/hosts" ] && [ -e "$root/etc/nsswitch.conf" ] || fail "$1 cannot resolve names"
		[ ! -e "$root$T/spool" ] || fail "$1 sees the spool" ;;
	esac
}
for kind in localspl printproc lprmon remote; do
	pid=$(worker_pid "$kind")
	st=/proc/$pid/status
	grep -q "^Seccomp:[[:space:]]*2$" "$st" || fail "$kind: not in seccomp filter mode"
	grep -q "^NoNewPrivs:[[:space:]]*1$" "$st" || fail "$kind: no_new_privs not set"
	grep -q "^CapEff:[[:space:]]*0000000000000000$" "$st" || fail "$kind: has capabilities"
	grep -q "^CapBnd:[[:space:]]*0000000000000000$" "$st" || fail "$kind: bounding set not empty"
	uid=$(awk '/^Uid:/ { print $2 }' "$st")
	if [ "$(id -u)" -eq 0 ]; then
		[ "$uid" -ne 0 ] || fail "$kind runs as root"
	fi
	net=$(readlink "/proc/$pid/ns/net")
	case $kind in
	localspl | printproc) [ "$net" != "$broker_net" ] || fail "$kind shares the broker's network" ;;
	*) [ "$net" = "$broker_net" ] || fail "$kind lost the network it needs" ;;
	esac
	view "$kind" "$pid"
	log "$kind pid $pid: uid $uid, seccomp 2, no_new_privs, no capabilities, net $net, root $(ls /proc/$pid/root | tr '\n' ' ')"
done
uids=$(for k in localspl printproc lprmon remote; do awk '/^Uid:/ { print $2 }' "/proc/$(worker_pid $k)/status"; done | sort -u | wc -l)
[ "$(id -u)" -ne 0 ] || [ "$uids" -eq 4 ] || fail "kinds share uids"
sb workers --json | has '"seccomp":"kill","syscalls":[1-9][0-9]*' || fail "workers --json lacks the sandbox"
[ "$(sb workers --json | grep -o '"own_mntns":1' | wc -l)" -eq "$(sb workers --json | jq length)" ] ||
	fail "workers --json: not every worker in its own mount namespace"

# Violations: the first printproc and lprmon call execve at their first job.
seq 1 100 >"$T/text"
head -c 100000 /dev/urandom >"$T/raw"
a=$(sb submit -q ps -t text "$T/text")
b=$(sb submit -q lpd -t raw "$T/raw")
wait_completed "$a" "$b"
for kind in printproc lprmon; do
	grep -q "$kind.0 pid [0-9]* sandbox violation: killed by seccomp (signal 31, SIGSYS)" \
		"$T/spoolboxd.log" || fail "no sandbox violation logged for $kind"
done
cmp -s "$T/raw" "$T"/lpd/spool/q/dfA* || fail "job $b damaged"
# Name resolution inside lprmon's view and sandbox: hosts, nsswitch.conf,
# the NSS modules, and the resolver's rtnetlink query to sort addresses.
n=$(sb submit -q byname -t raw "$T/text")
wait_completed "$n"
# A localspl restarted over a large store (glibc's qsort then asks
# sysinfo) still lives in its sandbox.
mkdir "$T/many"
for i in $(seq 1 300); do echo "$i" >"$T/many/$i"; done
mapfile -t ids < <(sb submit -q ps -t raw "$T"/many/*)
wait_completed "${ids[@]}"
kill -9 "$(worker_pid localspl)"
wait_until 5 - 'sb workers 2>/dev/null | has "^localspl .* ready "' || true
c=$(sb submit -q ps -t raw "$T/many/1")
wait_completed "$c"
if grep -q "localspl.0 pid [0-9]* sandbox violation" "$T/spoolboxd.log"; then
	fail "localspl violated its sandbox reloading 300 jobs"
fi
log "PASS: sandboxes in force; violators killed by the kernel, jobs completed"
