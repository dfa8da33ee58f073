# lpd_loopback_start DIR PORT QUEUE: a real LPRng lpd on 127.0.0.1:PORT with
# one queue that keeps every job it receives in DIR/spool/QUEUE (dfA* data,
# hfA* control). LPRng reads only /etc/lprng, so it runs in a private
# mount+pid namespace with DIR/etc bound there; the host's /etc stays
# untouched and killing LPD_PID (set here) stops everything it started.
# Used by the integration tests and the demo (sourced; needs root).
lpd_loopback_start() {
	local d=$1 port=$2 queue=$3
	mkdir -p "$d/etc" "$d/spool/$queue" "$d/run"
	chown -R lp:lp "$d/spool" "$d/run"
	cat >"$d/etc/lpd.conf" <<CONF
lpd_listen_port=127.0.0.1%$port
lpd_port=$port
unix_socket_path=off
printcap_path=$d/etc/printcap
lpd_printcap_path=$d/etc/printcap
lockfile=$d/run/lpd
perms_path=$d/etc/lpd.perms
user=lp
group=lp
CONF
	printf 'ACCEPT\nDEFAULT ACCEPT\n' >"$d/etc/lpd.perms"
	printf '%s:sd=%s/spool/%s:lp=/dev/null:save_when_done\n' "$queue" "$d" \
		"$queue" >"$d/etc/printcap"
	# lpd -F exits when its stdin closes: feed it a pipe that stays open.
	unshare -m -p --fork --kill-child --propagation private \
		sh -c "mount --bind '$d/etc' /etc/lprng && sleep infinity | lpd -F" \
		>"$d/lpd.out" 2>&1 &
	LPD_PID=$!
}
