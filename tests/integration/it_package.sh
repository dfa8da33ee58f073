#!/bin/bash
# The Debian package: scripts/package.sh builds it from the tracked tree
# (dpkg-buildpackage -us -uc -b) and lintian passes it; its files land
# where they should; its man pages format without warnings; its units
# pass systemd-analyze verify; and the installed binaries, run from the
# unpacked package with the packaged config (its paths moved into the
# test's directory, a queue added as a conf.d drop-in), print a job end
# to end. (Built once, in the release pass; systemd does not run here.)
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
for _ in $(seq 200); do [ -S "$T/run/spoolbox.sock" ] && break; sleep 0.05; done
pk() { "$T/root/usr/bin/spoolbox" -s "$T/run/spoolbox.sock" "$@"; }
for _ in $(seq 100); do [ "$(pk workers 2>/dev/null | grep -c ' ready ')" -ge 4 ] && break; sleep 0.05; done
printf 'printed by the packaged spoolbox\n' >"$T/doc.txt"
id=$(pk submit -q files -t raw "$T/doc.txt") || fail "submit to the packaged spoolboxd failed"
pk wait "$id" --timeout 60 || fail "job $id did not complete"
cmp -s "$T/doc.txt" "$T/out/job-$id.prn" || fail "job $id did not land byte-exact"
log "the packaged binaries printed job $id"
log PASS
