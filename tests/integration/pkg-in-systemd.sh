#!/bin/bash
# Run by it_package.sh as a unit of a systemd booted in a container
# (systemd-nspawn -b on a throwaway copy of this machine): the package
# under the real service manager. dpkg -i starts the units; READY=1 makes
# spoolbox.service active with its STATUS=; WATCHDOG=1 keeps coming (a
# drop-in shortens WatchdogSec= to 2 s: a broker that stopped pinging
# would be killed and restarted); `systemctl reload` picks up a queue
# added as a conf.d drop-in; a job prints through it to a real lpd on the
# host; the workers are still sandboxed under the unit's own filters; the
# journal holds the broker's structured entries; and
# `systemd-analyze security` rates the running unit.
# Env: T, DEB, LPORT, LPD_DIR (the lpd's, on the host). Writes $T/systemd-result: PASS, or why not.
set -uo pipefail
say() { printf 'pkg-in-systemd: %s\n' "$*"; }
fail() {
	say "FAIL: $*"
	printf '%s\n' "$*" >"$T/systemd-result"
	journalctl -u spoolbox.service --no-pager -n 30
	exit 1
}

# This machine's image forbids starting services from maintainer scripts
# (a container's policy-rc.d, exit 101); a Debian machine does not.
rm -f /usr/sbin/policy-rc.d
# This machine has CUPS, whose cups.socket holds port 631 as well: one
# print server per port (packaging/README.md).
systemctl disable --now cups.socket cups.path cups.service >/dev/null 2>&1 || true
mkdir -p /etc/systemd/system/spoolbox.service.d
printf '[Service]\nWatchdogSec=2s\n' >/etc/systemd/system/spoolbox.service.d/50-test.conf
# A fresh install: the copy of this machine's /var may hold the spool of
# a `make demo` run here, owned by accounts this root numbers otherwise.
rm -rf /var/spool/spoolbox
dpkg -i "$DEB" || fail "dpkg -i failed"
for _ in $(seq 100); do
	[ "$(systemctl is-active spoolbox.service)" = active ] && break
	sleep 0.1
done
[ "$(systemctl is-active spoolbox.service)" = active ] ||
	fail "spoolbox.service is $(systemctl is-active spoolbox.service) after install"
[ "$(systemctl is-active spoolbox.socket)" = active ] || {
	systemctl status spoolbox.socket --no-pager
	journalctl -u spoolbox.socket --no-pager
	fail "spoolbox.socket is $(systemctl is-active spoolbox.socket) after install"
}
status=$(systemctl show -P StatusText spoolbox.service)
say "active (READY=1), status: $status"
case $status in *"workers ready"*) ;; *) fail "STATUS= says '$status'" ;; esac
[ "$(systemctl show -P User spoolbox.service)" = spoolbox ] || fail "not run as spoolbox"

w1=$(systemctl show -P WatchdogTimestampMonotonic spoolbox.service)
sleep 3
w2=$(systemctl show -P WatchdogTimestampMonotonic spoolbox.service)
[ -n "$w1" ] && [ "$w2" -gt "$w1" ] || fail "no WATCHDOG=1 in 3 s ($w1 -> $w2)"
[ "$(systemctl show -P NRestarts spoolbox.service)" = 0 ] || fail "the watchdog restarted it"
say "WATCHDOG=1 keeps coming ($w1 -> $w2), no restart"
[ "$(systemctl show -P MemoryMax spoolbox.service)" = 2147483648 ] ||
	fail "MemoryMax is $(systemctl show -P MemoryMax spoolbox.service)"
[ "$(systemctl show -P OOMPolicy spoolbox.service)" = continue ] || fail "OOMPolicy is not continue"
lp=$(spoolbox workers | awk '$1 == "lprmon" && $4 == "ready" { print $3; exit }')
[ "$(cat "/proc/$lp/oom_score_adj")" = 500 ] || fail "lprmon $lp: oom_score_adj $(cat "/proc/$lp/oom_score_adj")"
[ "$(cat "/proc/$(systemctl show -P MainPID spoolbox.service)/oom_score_adj")" = 0 ] || fail "the broker's oom_score_adj changed"
say "MemoryMax=2G, OOMPolicy=continue; workers' oom_score_adj 500, the broker's 0"

printf '[queue.office]\nuri = lpd://127.0.0.1:%s/q\n' "$LPORT" >/etc/spoolbox/conf.d/50-office.conf
pid=$(systemctl show -P MainPID spoolbox.service)
systemctl reload spoolbox.service || fail "systemctl reload failed"
[ "$(systemctl show -P MainPID spoolbox.service)" = "$pid" ] || fail "reload restarted the broker"
for _ in $(seq 100); do spoolbox queues 2>/dev/null | grep -q '^office' && break; sleep 0.1; done
spoolbox queues | grep -q '^office' || fail "the reload did not add the queue: $(spoolbox queues)"
say "systemctl reload: queue office added, same broker (pid $pid)"

# Recycled after its job: a structured journal entry (below).
spoolbox budget lprmon max_jobs=1 >/dev/null || fail "spoolbox budget failed"
printf 'printed under systemd\n' >"$T/under-systemd.txt"
id=$(spoolbox submit -q office -t raw "$T/under-systemd.txt") || fail "submit failed"
spoolbox wait "$id" --timeout 60 || fail "job $id did not print"
grep -lqx 'printed under systemd' "$LPD_DIR/spool/q"/dfA* || fail "job $id is not at the printer"
say "job $id printed through the unit to the host's lpd"

spoolbox workers --json >"$T/systemd-workers.json"
for kind in localspl printproc lprmon remote; do
	e=$(grep -o "{\"kind\":\"$kind\"[^}]*}[^}]*}" "$T/systemd-workers.json")
	for want in '"seccomp_status":2' '"no_new_privs":1' '"namespaces":"user,mnt' \
		'"cap_eff":"0000000000000000"' '"own_mntns":1'; do
		printf '%s' "$e" | grep -qF "$want" || fail "$kind under the unit: no $want: $e"
	done
done
say "every worker sandboxed under the unit (seccomp, user+mnt namespaces, no capabilities)"

journalctl -u spoolbox.service -o json --no-pager >"$T/systemd-journal.json"
grep -q '"SPOOLBOX_KIND":"lprmon"' "$T/systemd-journal.json" ||
	fail "no structured entries in the journal"
if grep -q 'no namespaces were made\|sandbox off' "$T/systemd-journal.json"; then
	fail "a worker fell back under the unit"
fi
systemd-analyze security spoolbox.service >"$T/systemd-security.txt" 2>&1
say "$(tail -n 1 "$T/systemd-security.txt")"
echo PASS >"$T/systemd-result"
