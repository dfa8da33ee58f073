#!/bin/bash
# funclen: lengths of the C function definitions in the tree (tests
# excepted): count, median, 90th percentile, how many exceed 60 lines,
# the longest, then each one over 60. A definition starts at a line
# "name(" in column 0 (the return type sits on the line above, STYLE) and
# ends at the next "}" in column 0. Usage: scripts/funclen.sh [DIR]
cd "${1:-$(dirname "$0")/..}"
git ls-files '*.c' | grep -v '^tests/' | while read -r f; do
	awk -v F="$f" '
	/^[A-Za-z_][A-Za-z0-9_]*\(/ && !/;[ \t]*$/ { name = $0; sub(/\(.*/, "", name); start = NR; infn = 1; next }
	infn && /^}/ { print NR - start + 1, F ":" name; infn = 0 }
	' "$f"
done | sort -n >/tmp/funclen.$$
n=$(wc -l </tmp/funclen.$$)
med=$(awk -v n="$n" 'NR == int((n + 1) / 2) { print $1 }' /tmp/funclen.$$)
p90=$(awk -v n="$n" 'NR == int(n * 0.9) { print $1 }' /tmp/funclen.$$)
over=$(awk '$1 > 60' /tmp/funclen.$$ | wc -l)
echo "functions=$n median=$med p90=$p90 over60=$over longest: $(tail -1 /tmp/funclen.$$)"
awk '$1 > 60' /tmp/funclen.$$
rm -f /tmp/funclen.$$
