#!/bin/bash
# funclen: lengths of the C function definitions in the tree (tests
# excepted): count, median, 90th percentile, how many exceed 60 lines,
# the longest, then each one over 60. A definition starts at a line
# "name(" in column 0 (the return type sits on the line above, STYLE) and
# ends at the next "}" in column 0.
# With --max N: exit 1 naming each function over N lines that has no
# reason for its length: a comment "/* Long: why */" on the line above its
# return type.
# Usage: scripts/funclen.sh [--max N] [DIR]
max=0
if [ "${1:-}" = --max ]; then
	max=$2
	shift 2
fi
cd "${1:-$(dirname "$0")/..}" || exit 2
git ls-files '*.c' | grep -v '^tests/' | while read -r f; do
	awk -v F="$f" '
	{ prev2 = prev1; prev1 = line; line = $0 }
	/^[A-Za-z_][A-Za-z0-9_]*\(/ && !/;[ \t]*$/ { name = $0; sub(/\(.*/, "", name); start = NR; infn = 1
		why = (prev2 ~ /^\/\* Long: /) ? "reason" : "none"; next }
	infn && /^}/ { print NR - start + 1, F ":" name, why; infn = 0 }
	' "$f"
done | sort -n >/tmp/funclen.$$
n=$(wc -l </tmp/funclen.$$)
med=$(awk -v n="$n" 'NR == int((n + 1) / 2) { print $1 }' /tmp/funclen.$$)
p90=$(awk -v n="$n" 'NR == int(n * 0.9) { print $1 }' /tmp/funclen.$$)
over=$(awk '$1 > 60' /tmp/funclen.$$ | wc -l)
echo "functions=$n median=$med p90=$p90 over60=$over longest: $(tail -1 /tmp/funclen.$$ | cut -d' ' -f1,2)"
awk '$1 > 60 { print $1, $2 }' /tmp/funclen.$$
rc=0
if [ "$max" -gt 0 ]; then
	bad=$(awk -v m="$max" '$1 > m && $3 == "none" { print $1, $2 }' /tmp/funclen.$$)
	if [ -n "$bad" ]; then
		echo "over $max lines with no '/* Long: why */' above:"
		echo "$bad"
		rc=1
	else
		echo "every function over $max lines says why"
	fi
fi
rm -f /tmp/funclen.$$
exit "$rc"
