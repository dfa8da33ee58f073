#!/bin/bash
# callcircles: the call graph between the tree's C files (tests and bench
# excepted), read from a build's object files, and any circle in it. File
# A calls file B when A's object refers to a function that only B defines
# (nm: "U name" in A, "T name" in B); a function handed over by pointer is
# a reference too, so this is a little stricter than calls alone. Prints
# each circle and exits 1, or says there is none.
# Usage: scripts/callcircles.sh BUILD_DIR [--edges]
set -euo pipefail
build=${1:?usage: callcircles.sh BUILD_DIR [--edges]}
src=$(cd "$(dirname "$0")/.." && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# One object per source file: the product's own targets, not tests/bench.
find "$build/CMakeFiles" -name '*.c.o' | grep -v -e '/sb-' -e '/gen/' |
	while read -r o; do
		f=${o#*.dir/}
		f=${f%.o}
		case "$f" in tests/* | bench/*) continue ;; esac
		[ -f "$src/$f" ] || continue
		nm "$o" | awk -v F="$f" '$2 == "T" { print "T", $3, F } $1 == "U" { print "U", $2, F }'
	done | sort -u >"$tmp/syms"
awk '$1 == "T" { def[$2] = def[$2] " " $3; n[$2]++ }
	$1 == "U" { use[NR] = $2 " " $3 }
	END { for (i in use) { split(use[i], u, " ");
		if (n[u[1]] == 1) { d = substr(def[u[1]], 2); if (d != u[2]) print u[2], d } } }' \
	"$tmp/syms" | sort -u >"$tmp/edges"
if [ "${2:-}" = --edges ]; then cat "$tmp/edges"; fi
# tsort names every loop it meets on stderr; an acyclic graph sorts quietly.
if tsort "$tmp/edges" >/dev/null 2>"$tmp/loops"; then
	echo "call graph: $(wc -l <"$tmp/edges") edges between files, no circle"
	exit 0
fi
echo "call circles among the tree's C files (each block is one loop):"
sed -e "s/^tsort: //" -e "s/^.*: input contains a loop:/loop:/" "$tmp/loops"
exit 1
