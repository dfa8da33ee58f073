# cups_loopback_start DIR PORT: a private cupsd on 127.0.0.1:PORT with its
# whole tree in DIR, able to deliver to LPD servers: its lpd backend comes
# from Debian's cups package file (the package itself conflicts with
# LPRng; ../shared/PEERS.md). Sets CUPS_PID. Needs root, cups-daemon and
# cups-ipp-utils. With CUPS_TLS_DIR set (holding localhost.crt and
# localhost.key) it also speaks ipps on the same port, as "localhost".
# cups_queue DIR PORT NAME DEVICE_URI makes a raw queue.
# Sourced by the tests and the benchmarks.
cups_loopback_start() {
	local d=$1 port=$2 deb
	mkdir -p "$d/etc" "$d/spool" "$d/cache" "$d/state" "$d/log" "$d/tmp" \
		"$d/bin/backend" "$d/x"
	chown root:lp "$d/spool" && chmod 0770 "$d/spool"
	if [ ! -x "$d/x/usr/lib/cups/backend-available/lpd" ]; then
		deb=$(cd "$d" && apt-get download cups >/dev/null 2>&1 && ls cups_*.deb | head -1)
		[ -n "$deb" ] || { echo "cannot download Debian's cups package" >&2; return 1; }
		dpkg -x "$d/$deb" "$d/x"
	fi
	for f in /usr/lib/cups/*; do
		[ "$(basename "$f")" = backend ] || ln -sf "$f" "$d/bin/"
	done
	cp -a /usr/lib/cups/backend/. "$d/bin/backend/"
	install -m 0700 -o root -g root "$d/x/usr/lib/cups/backend-available/lpd" "$d/bin/backend/lpd"
	cat >"$d/etc/cupsd.conf" <<CONF
Listen 127.0.0.1:$port
ServerName localhost
Browsing Off
LogLevel warn
MaxJobs 0
PreserveJobFiles No
<Location />
  Order allow,deny
  Allow 127.0.0.1
</Location>
<Policy default>
  <Limit All>
    Order deny,allow
  </Limit>
</Policy>
CONF
	cat >"$d/etc/cups-files.conf" <<CONF
ServerRoot $d/etc
ServerBin $d/bin
RequestRoot $d/spool
TempDir $d/tmp
CacheDir $d/cache
StateDir $d/state
ErrorLog $d/log/error_log
AccessLog $d/log/access_log
PageLog $d/log/page_log
ServerKeychain $d/etc/ssl
User lp
Group lp
SystemGroup root
CONF
	mkdir -p "$d/etc/ssl"
	if [ -n "${CUPS_TLS_DIR:-}" ]; then
		cp "$CUPS_TLS_DIR/localhost.crt" "$CUPS_TLS_DIR/localhost.key" "$d/etc/ssl/"
	fi
	cupsd -f -c "$d/etc/cupsd.conf" -s "$d/etc/cups-files.conf" &
	CUPS_PID=$!
	for _ in $(seq 100); do
		(exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && return 0
		sleep 0.1
	done
	echo "cupsd did not start (see $d/log/error_log)" >&2
	return 1
}

cups_queue() {
	local d=$1 port=$2 name=$3 dev=$4
	cat >"$d/add.test" <<'T'
{
	OPERATION CUPS-Add-Modify-Printer
	GROUP operation-attributes-tag
	ATTR charset attributes-charset utf-8
	ATTR language attributes-natural-language en
	ATTR uri printer-uri $uri
	GROUP printer-attributes-tag
	ATTR uri device-uri $device
	ATTR enum printer-state 3
	ATTR boolean printer-is-accepting-jobs true
	STATUS successful-ok
}
T
	ipptool -d device="$dev" "ipp://127.0.0.1:$port/printers/$name" "$d/add.test"
}
