#!/bin/bash
# The systemd units (packaging/systemd): systemd-analyze accepts them
# (with this build's binaries at the paths they name) and their exposure
# is printed. systemd does not run here, so the units are not started;
# it_notify covers what spoolboxd tells systemd.
. "$(dirname "$0")/lib.sh"
command -v systemd-analyze >/dev/null || { log "SKIP: no systemd-analyze"; exit 77; }
U=$(dirname "$0")/../../packaging/systemd
sed "s|/usr/sbin/spoolboxd|$BUILD/spoolboxd|" "$U/spoolbox.service" >"$T/spoolbox.service"
cp "$U/spoolbox.socket" "$T/"
systemd-analyze verify --man=no "$T/spoolbox.service" "$T/spoolbox.socket" \
	>"$T/verify.out" 2>&1 || { cat "$T/verify.out"; fail "systemd-analyze verify refused the units"; }
[ ! -s "$T/verify.out" ] || { cat "$T/verify.out"; fail "systemd-analyze verify warned"; }
systemd-analyze security --offline=true "$T/spoolbox.service" >"$T/security.out" 2>&1 ||
	{ cat "$T/security.out"; fail "systemd-analyze security failed"; }
level=$(awk '/Overall exposure level/ { print $(NF - 2) }' "$T/security.out")
log "spoolbox.service exposure: $level (systemd-analyze security --offline=true)"
[ -n "$level" ] || fail "no exposure level in: $(tail -n 3 "$T/security.out")"
log PASS
