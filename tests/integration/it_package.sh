#!/bin/bash
# The Debian package: scripts/package.sh builds it from the tracked tree
# (dpkg-buildpackage -us -uc -b) and lintian passes it; its files land
# where they should; its man pages format without warnings; its units
# pass systemd-analyze verify; and the installed binaries, run from the
# unpacked package with the packaged config (its paths moved into the
# test's directory, a queue added as a conf.d drop-in), print a job end
# to end. Then the package's whole life in a throwaway copy of this
# machine (pkg-in-root.sh): install, the service as its unit runs it,
# jobs queued with the printer down, an upgrade over the running service,
# every job printed once, remove, purge. Last, systemd booted in a
# container (tests/nspawn-boot.sh) installs it and runs the real units
# (pkg-in-systemd.sh). (Built once, in the release pass.)
. "$(dirname "$0")/lib.sh"
skip_if_sanitized "the package is built from the release configuration"
for t in dpkg-buildpackage lintian scdoc dh; do
	command -v "$t" >/dev/null || { log "SKIP: no $t"; exit 77; }
done
SRC=$(cd "$(dirname "$0")/../.." && pwd)
bash "$SRC/scripts/package.sh" "$T/pkg" >"$T/package.out" 2>&1 ||
	{ cat "$T/package.out"; fail "the package did not build or lintian refused it"; }
log "$(tail -n 1 "$T/package.out")"
deb=$(ls "$T"/pkg/spoolbox_*_*.deb)
ls "$T"/pkg/spoolbox-dbgsym_*.deb >/dev/null || fail "no dbgsym package"
dpkg -x "$deb" "$T/root"
for f in usr/sbin/spoolboxd usr/bin/spoolbox etc/spoolbox/spoolbox.conf \
	usr/libexec/spoolbox/spoolbox-localspl usr/libexec/spoolbox/spoolbox-printproc \
	usr/libexec/spoolbox/spoolbox-lprmon usr/libexec/spoolbox/spoolbox-remote \
	usr/libexec/spoolbox/spoolbox-listener lib/systemd/system/spoolbox.service \
	lib/systemd/system/spoolbox.socket usr/lib/sysusers.d/spoolbox.conf \
	usr/lib/tmpfiles.d/spoolbox.conf usr/share/man/man8/spoolboxd.8.gz \
	usr/share/man/man1/spoolbox.1.gz usr/share/man/man5/spoolbox.conf.5.gz; do
	[ -e "$T/root/$f" ] || fail "/$f is not in the package"
done
[ -d "$T/root/etc/spoolbox/conf.d" ] || fail "no /etc/spoolbox/conf.d"
dpkg-deb -e "$deb" "$T/ctl"
grep -qx /etc/spoolbox/spoolbox.conf "$T/ctl/conffiles" || fail "the config is not a conffile"
for m in "$T"/root/usr/share/man/man*/*.gz; do
	out=$(LC_ALL=C.UTF-8 MANWIDTH=80 man --warnings -l "$m" 2>&1 >/dev/null)
	[ -z "$out" ] || fail "man --warnings on ${m##*/}: $out"
done
sed "s|/usr/sbin/spoolboxd|$T/root/usr/sbin/spoolboxd|" \
	"$T/root/lib/systemd/system/spoolbox.service" >"$T/spoolbox.service"
cp "$T/root/lib/systemd/system/spoolbox.socket" "$T/"
systemd-analyze verify --man=no "$T/spoolbox.service" "$T/spoolbox.socket" ||
	fail "systemd-analyze verify refused the packaged units"
# Every key of the packaged config is commented out: it loads as is.
mkdir -p "$T/etc/conf.d"
sed -e "s|^\[spooler\]|[spooler]\nspool_dir = $T/spool\nruntime_dir = $T/run|" \
	"$T/root/etc/spoolbox/spoolbox.conf" >"$T/etc/spoolbox.conf"
printf '[queue.files]\nuri = file://%s/out\n' "$T" >"$T/etc/conf.d/50-files.conf"
SPOOLBOX_LIBEXEC=$T/root/usr/libexec/spoolbox \
	"$T/root/usr/sbin/spoolboxd" -c "$T/etc/spoolbox.conf" -f >>"$T/spoolboxd.log" 2>&1 &
SB_PID=$!
wait_until 10 - '[ -S "$T/run/spoolbox.sock" ]' || true
pk() { "$T/root/usr/bin/spoolbox" -s "$T/run/spoolbox.sock" "$@"; }
wait_until 5 - '[ "$(ready_count pk)" -ge 4 ]' || true
printf 'printed by the packaged spoolbox\n' >"$T/doc.txt"
id=$(pk submit -q files -t raw "$T/doc.txt") || fail "submit to the packaged spoolboxd failed"
pk wait "$id" --timeout 60 || fail "job $id did not complete"
cmp -s "$T/doc.txt" "$T/out/job-$id.prn" || fail "job $id did not land byte-exact"
log "the packaged binaries printed job $id"
stop_spoolboxd

# A newer version of the same package, for the upgrade.
dpkg-deb -R "$deb" "$T/v2"
v=$(awk '/^Version:/ { print $2 }' "$T/v2/DEBIAN/control")
sed -i "s/^Version: .*/Version: $v+upgrade1/" "$T/v2/DEBIAN/control"
dpkg-deb -b "$T/v2" "$T/spoolbox-v2.deb" >/dev/null
# The root sees only $T of the host.
cp "$SRC/tests/lpd-loopback.sh" "$SRC/tests/integration/pkg-in-root.sh" "$T/"
T=$T DEB=$deb DEB2=$T/spoolbox-v2.deb LPORT=$(free_port) NJOBS=5 \
	bash "$SRC/tests/throwaway-root.sh" "$T/throwaway" "$T" \
	bash "$T/pkg-in-root.sh" >"$T/in-root.log" 2>&1 ||
	{ cat "$T/in-root.log"; fail "the package's life in a throwaway root"; }
sed 's/^/  /' "$T/in-root.log"

# Under the real service manager: systemd booted in a container.
if ! command -v systemd-nspawn >/dev/null; then
	log "no systemd-nspawn (systemd-container): the unit was not started under systemd"
	log PASS
	exit 0
fi
LPORT=$(free_port)
lpd_loopback_start "$T/lpd2" "$LPORT" q
wait_port "$LPORT"
cp "$SRC/tests/integration/pkg-in-systemd.sh" "$T/"
bash "$SRC/tests/nspawn-boot.sh" "$T/nspawn" "$T" "$T/pkg-in-systemd.sh" \
	"T=$T" "DEB=$deb" "LPORT=$LPORT" "LPD_DIR=$T/lpd2" >"$T/boot.log" 2>&1 </dev/null || true
[ "$(cat "$T/systemd-result" 2>/dev/null)" = PASS ] ||
	{ tail -n 30 "$T/boot.log"; cat "$T/nspawn-unit.log" 2>/dev/null; fail "under systemd: $(cat "$T/systemd-result" 2>/dev/null || echo 'the test unit did not run')"; }
sed 's/^/  /' "$T/nspawn-unit.log"
log PASS
