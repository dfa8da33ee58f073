#!/bin/bash
# scripts/package.sh [OUTDIR]: the Debian package from this tree's
# tracked files (packaging/debian becomes debian/), built with
# dpkg-buildpackage -us -uc -b, then checked by lintian. The .deb files
# land in OUTDIR (default: build-pkg/). Fails on a lintian error or on a
# warning not justified in packaging/README.md (its "Lintian" table).
set -euo pipefail
cd "$(dirname "$0")/.."
OUT=$(realpath -m "${1:-build-pkg}")
SRC=$OUT/spoolbox-$(dpkg-parsechangelog -l packaging/debian/changelog -S Version)
rm -rf "$OUT"
mkdir -p "$SRC"
git ls-files -z | xargs -0 tar -cf - | tar -xf - -C "$SRC"
rm -rf "$SRC/debian"
cp -rL packaging/debian "$SRC/debian"
(cd "$SRC" && dpkg-buildpackage -us -uc -b -j"$(nproc)") >"$OUT/build.log" 2>&1 ||
	{ tail -n 40 "$OUT/build.log"; echo "dpkg-buildpackage failed ($OUT/build.log)" >&2; exit 1; }
deb=$(ls "$OUT"/spoolbox_*.deb)
lintian --info --tag-display-limit 0 "$OUT"/*.changes >"$OUT/lintian.log" 2>&1 || true
# Every E: fails; a W: fails unless its tag is justified in the README.
bad=$(grep -E '^E: ' "$OUT/lintian.log" || true)
for tag in $(grep -E '^W: ' "$OUT/lintian.log" | awk '{ print $3 }' | sort -u); do
	grep -q "^| \`$tag\`" packaging/README.md || bad="$bad
W: $tag (not justified in packaging/README.md)"
done
if [ -n "$bad" ]; then
	echo "lintian:$bad" >&2
	exit 1
fi
echo "built $deb; lintian: $(grep -cE '^[EW]: ' "$OUT/lintian.log" || true) error/warning line(s), all justified"
