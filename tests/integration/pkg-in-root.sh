#!/bin/bash
# Run by it_package.sh inside a throwaway copy of this machine
# (tests/throwaway-root.sh), as root: the package's life as an admin
# lives it. Install; the accounts, the spool's owners, the enabled units;
# the service started as spoolbox.service starts it (ExecStartPre's
# tmpfiles, then spoolboxd as spoolbox with CAP_SETUID and CAP_SETGID
# only); jobs queued to a printer that is down; an upgrade to a newer
# version over the running service, restarted as systemd's
# restart-after-upgrade does; the printer returns and every job prints
# once; remove keeps the spool, purge removes it.
# Env: T (the test's directory, shared with the host), DEB, DEB2 (the
# newer version), LPORT (the printer's port), NJOBS.
set -euo pipefail
. "$T/lpd-loopback.sh"
LPD_PID= SB_PID=
say() { printf 'pkg-in-root: %s\n' "$*"; }
fail() {
	say "FAIL: $*"
	[ -f "$T/root-spoolboxd.log" ] && tail -n 30 "$T/root-spoolboxd.log"
	exit 1
}
finish() {
	if [ -n "$SB_PID" ]; then kill "$SB_PID" 2>/dev/null; wait "$SB_PID" 2>/dev/null || true; fi
	if [ -n "$LPD_PID" ]; then kill -9 "$LPD_PID" 2>/dev/null; wait "$LPD_PID" 2>/dev/null || true; fi
}
trap finish EXIT

# A fresh install: the copy of this machine's /var may hold the spool of
# a `make demo` run here, owned by accounts this root numbers otherwise.
rm -rf /var/spool/spoolbox
dpkg -i "$DEB" >"$T/dpkg-i.log" 2>&1 || { cat "$T/dpkg-i.log"; fail "dpkg -i failed"; }
v1=$(dpkg-query -W -f='${Version}' spoolbox)
for u in spoolbox spoolbox-spl spoolbox-pp spoolbox-lpr spoolbox-rem spoolbox-lsn; do
	getent passwd "$u" >/dev/null || fail "no account $u after install"
done
[ "$(stat -c %U:%a /var/spool/spoolbox)" = spoolbox:755 ] ||
	fail "/var/spool/spoolbox is $(stat -c %U:%a /var/spool/spoolbox)"
[ "$(stat -c %U:%a /var/spool/spoolbox/jobs)" = spoolbox-spl:700 ] ||
	fail "/var/spool/spoolbox/jobs is $(stat -c %U:%a /var/spool/spoolbox/jobs)"
[ -L /etc/systemd/system/multi-user.target.wants/spoolbox.service ] ||
	fail "spoolbox.service is not enabled"
[ -L /etc/systemd/system/sockets.target.wants/spoolbox.socket ] ||
	fail "spoolbox.socket is not enabled"
systemd-analyze verify --man=no /lib/systemd/system/spoolbox.service \
	/lib/systemd/system/spoolbox.socket || fail "systemd-analyze verify refused the installed units"
say "installed $v1: accounts, spool owners, enabled units"

# What spoolbox.service does, without systemd: its ExecStartPre, then
# its ExecStart with its User= and capabilities.
start_service() {
	/usr/bin/systemd-tmpfiles --create spoolbox.conf
	setpriv --reuid=spoolbox --regid=spoolbox --init-groups \
		--inh-caps=-all,+setuid,+setgid --ambient-caps=-all,+setuid,+setgid \
		--bounding-set=-all,+setuid,+setgid \
		/usr/sbin/spoolboxd -c /etc/spoolbox/spoolbox.conf -f >>"$T/root-spoolboxd.log" 2>&1 &
	SB_PID=$!
	for _ in $(seq 200); do
		[ "$(spoolbox workers 2>/dev/null | grep -c ' ready ')" -ge 4 ] && return 0
		sleep 0.05
	done
	fail "the installed service did not start"
}
stop_service() {
	kill "$SB_PID"
	wait "$SB_PID" || true
	SB_PID=
}

# The admin's queue, as a drop-in; its printer is not there yet.
printf '[queue.office]\nuri = lpd://127.0.0.1:%s/q\nretry_interval = 200ms\nerror_policy = retry\n' \
	"$LPORT" >/etc/spoolbox/conf.d/50-office.conf
start_service
ids=()
for i in $(seq "$NJOBS"); do
	printf 'job %s across an upgrade\n' "$i" >"$T/doc$i.txt"
	ids+=("$(spoolbox submit -q office -t raw "$T/doc$i.txt")")
done
sleep 0.5
done_n=$(spoolbox jobs --json | grep -o '"state":"completed"' | wc -l || true)
[ "$done_n" -eq 0 ] || fail "$done_n jobs completed with the printer down"
say "queued ${#ids[*]} jobs (${ids[*]}) with the printer down"

dpkg -i "$DEB2" >"$T/dpkg-i2.log" 2>&1 || { cat "$T/dpkg-i2.log"; fail "the upgrade failed"; }
v2=$(dpkg-query -W -f='${Version}' spoolbox)
[ "$v2" != "$v1" ] || fail "still version $v1 after the upgrade"
dpkg --compare-versions "$v2" gt "$v1" || fail "$v2 is not newer than $v1"
[ -f /etc/spoolbox/conf.d/50-office.conf ] || fail "the upgrade removed the admin's drop-in"
# restart-after-upgrade: systemd stops the old broker and starts the new.
stop_service
start_service
n=$(spoolbox jobs --json | grep -o '"id":' | wc -l)
[ "$n" -ge "$NJOBS" ] || fail "$n jobs after the upgrade, $NJOBS queued"
say "upgraded to $v2 with the service running: $n jobs still there"

lpd_loopback_start "$T/lpd" "$LPORT" q
for id in "${ids[@]}"; do
	spoolbox wait "$id" --timeout 60 || fail "job $id did not print after the upgrade"
done
got=$(ls "$T/lpd/spool/q"/dfA* 2>/dev/null | wc -l)
[ "$got" -eq "$NJOBS" ] || fail "the printer got $got jobs, not $NJOBS"
for i in $(seq "$NJOBS"); do
	grep -lqx "job $i across an upgrade" "$T/lpd/spool/q"/dfA* || fail "job $i is not at the printer"
done
say "the printer returned: all $NJOBS jobs printed, once each"
stop_service

dpkg -r spoolbox >"$T/dpkg-r.log" 2>&1 || { cat "$T/dpkg-r.log"; fail "dpkg -r failed"; }
[ ! -e /usr/sbin/spoolboxd ] || fail "remove left the broker"
[ -d /var/spool/spoolbox/jobs ] || fail "remove took the spool"
[ -f /etc/spoolbox/spoolbox.conf ] || fail "remove took the conffile"
dpkg -P spoolbox >"$T/dpkg-p.log" 2>&1 || { cat "$T/dpkg-p.log"; fail "dpkg -P failed"; }
[ ! -e /var/spool/spoolbox ] || fail "purge left /var/spool/spoolbox"
[ ! -e /etc/spoolbox/spoolbox.conf ] || fail "purge left the conffile"
say "remove kept the spool and the config; purge removed them"
say PASS
