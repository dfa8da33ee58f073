#!/bin/bash
# throwaway-root.sh UPPER SHARE CMD...: run CMD as root of a throwaway copy
# of this machine (machine-copy.sh; its changes go to UPPER), in a mount
# namespace of its own, with a fresh /run and /tmp, the host's /dev, /proc
# and /sys, and SHARE (a test's directory) bound in at the same path. So
# dpkg installs, upgrades and purges a package for real (its database,
# maintainer scripts, systemd-sysusers, systemd-tmpfiles) and the host
# never sees it. pivot_root, not chroot: a chrooted process may not make
# user namespaces, which spoolboxd's workers need.
set -euo pipefail
if [ -z "${SB_THROWAWAY_NS:-}" ]; then
	exec unshare -m --propagation private env SB_THROWAWAY_NS=1 bash "$0" "$@"
fi
UPPER=$1 SHARE=$2
shift 2
. "$(dirname "$0")/machine-copy.sh"
machine_copy "$UPPER"
R=$UPPER/root
mkdir -p "$R/.old"
mount --rbind /dev "$R/dev"
mount --rbind /proc "$R/proc"
mount --rbind /sys "$R/sys"
mount -t tmpfs -o mode=0755 run "$R/run"
mount -t tmpfs -o mode=1777 tmp "$R/tmp"
mkdir -p "$R$SHARE"
mount --bind "$SHARE" "$R$SHARE"
cd "$R"
pivot_root . .old
umount -l /.old
rmdir /.old
cd /
exec "$@"
