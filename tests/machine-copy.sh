# machine_copy UPPER: UPPER/root becomes a throwaway copy of this machine
# (sourced, inside a mount namespace of the caller's own): a tmpfs holding
# copy-on-write overlays of the host's /usr, /etc and /var, whose changes
# go to UPPER, the merged-/usr links, and empty /dev, /proc, /sys, /run,
# /tmp and /root for the caller to fill. Used by throwaway-root.sh and
# nspawn-boot.sh.
machine_copy() {
	local upper=$1 d l
	local r=$upper/root
	mkdir -p "$r"
	mount -t tmpfs -o mode=0755 machine-copy "$r"
	for d in usr etc var; do
		mkdir -p "$upper/$d.up" "$upper/$d.work" "$r/$d"
		mount -t overlay overlay \
			-o "lowerdir=/$d,upperdir=$upper/$d.up,workdir=$upper/$d.work" "$r/$d"
	done
	for l in bin sbin lib lib64 lib32; do
		[ -L "/$l" ] && ln -s "$(readlink "/$l")" "$r/$l"
	done
	mkdir -p "$r/dev" "$r/proc" "$r/sys" "$r/run" "$r/tmp" "$r/root"
}
