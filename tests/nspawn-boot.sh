#!/bin/bash
# nspawn-boot.sh UPPER SHARE SCRIPT [VAR=VALUE...]: boot systemd in a
# container (systemd-nspawn -b) whose root is a throwaway copy of this
# machine (machine-copy.sh; changes go to UPPER), with SHARE bound in at
# the same path, and run SCRIPT there as a
# oneshot unit once multi-user.target is reached (its environment: the
# VAR=VALUE given); the container powers off when it ends. Its output goes
# to SHARE/nspawn-unit.log, the boot's to stdout.
set -euo pipefail
if [ -z "${SB_NSPAWN_NS:-}" ]; then
	exec unshare -m --propagation private env SB_NSPAWN_NS=1 bash "$0" "$@"
fi
UPPER=$1 SHARE=$2 SCRIPT=$3
shift 3
. "$(dirname "$0")/machine-copy.sh"
machine_copy "$UPPER"
R=$UPPER/root
# Its own machine: journald refuses to share the host's id.
systemd-id128 new >"$R/etc/machine-id"
{
	printf '[Unit]\nDescription=the test run in this container\n'
	printf 'After=multi-user.target\n\n[Service]\nType=oneshot\n'
	for kv in "$@"; do printf 'Environment="%s"\n' "$kv"; done
	printf 'ExecStart=/bin/bash %s\n' "$SCRIPT"
	printf 'ExecStopPost=/bin/systemctl poweroff --no-block\n'
	printf 'StandardOutput=append:%s/nspawn-unit.log\n' "$SHARE"
	printf 'StandardError=append:%s/nspawn-unit.log\n' "$SHARE"
	printf 'TimeoutStartSec=240\n'
} >"$R/etc/systemd/system/sbtest.service"
mkdir -p "$R/etc/systemd/system/multi-user.target.wants"
ln -s ../sbtest.service "$R/etc/systemd/system/multi-user.target.wants/sbtest.service"
# No registration with a machined that is not there; no bus of the host.
exec timeout 300 systemd-nspawn -q -D "$R" -b --register=no --keep-unit \
	--link-journal=no --bind="$SHARE" --console=pipe
