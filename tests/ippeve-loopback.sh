# own_netns TOOL...: run the calling test again, from the start, in a
# network and mount namespace of its own (unless it is there already);
# SKIP (77) without root or one of the tools.
own_netns() {
	[ -z "${SB_IN_NETNS:-}" ] || return 0
	for t in "$@"; do
		command -v "$t" >/dev/null || { echo "SKIP: $t is not installed"; exit 77; }
	done
	[ "$(id -u)" -eq 0 ] || { echo "SKIP: needs root for a network namespace"; exit 77; }
	exec unshare -n -m --propagation private env SB_IN_NETNS=1 bash "$0"
}

# avahi_start DIR: a private system bus (its socket in DIR) and an
# avahi-daemon on it, for the caller's network and mount namespace;
# exports DBUS_SYSTEM_BUS_ADDRESS, sets AVAHI_PIDS.
avahi_start() {
	local d=$1
	mkdir -p "$d" /run/avahi-daemon
	mount -t tmpfs -o mode=0755 tmpfs /run/avahi-daemon
	ip link set lo up
	export DBUS_SYSTEM_BUS_ADDRESS="unix:path=$d/system_bus_socket"
	dbus-daemon --system --address="$DBUS_SYSTEM_BUS_ADDRESS" --nofork \
		--nopidfile >"$d/dbus.log" 2>&1 &
	AVAHI_PIDS=$!
	for _ in $(seq 100); do [ -S "$d/system_bus_socket" ] && break; sleep 0.05; done
	avahi-daemon --no-drop-root --no-chroot --no-proc-title \
		>"$d/avahi.log" 2>&1 &
	AVAHI_PIDS="$AVAHI_PIDS $!"
}

# ippeve_start DIR PORT FORMATS: CUPS' ippeveprinter (an IPP Everywhere
# printer) on 127.0.0.1:PORT taking the MIME types FORMATS (comma
# separated), keeping every document it receives in DIR/spool. It will
# not start without DNS-SD, so this runs a private system bus and avahi;
# call it inside a network and mount namespace of the caller's own
# (unshare -n -m; ../shared/PEERS.md): avahi's /run/avahi-daemon is a
# tmpfs here. Sets IPPEVE_PIDS (stop them with kill). Needs root,
# cups-ipp-utils, dbus and avahi-daemon.
ippeve_start() {
	local d=$1 port=$2 formats=$3
	mkdir -p "$d/spool"
	avahi_start "$d"
	IPPEVE_PIDS=$AVAHI_PIDS
	ippeveprinter -r off -p "$port" -n localhost -d "$d/spool" -k \
		-f "$formats" "spoolbox test" >"$d/ippeveprinter.log" 2>&1 &
	IPPEVE_PIDS="$IPPEVE_PIDS $!"
}
