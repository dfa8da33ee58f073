#!/bin/bash
# Images to a PDF queue keep their colour and their orientation: an
# Adobe CMYK JPEG (Ghostscript's jpegcmyk: inverted CMYK) of a red page
# prints red, not black (cairo 1.16 would embed it without the /Decode it
# needs, so it is decoded to RGB); a JPEG whose EXIF says "turned right"
# (Orientation 6) prints upright: its left half (red) on top, on a
# portrait page. Over IPP, each job's own layout is honoured:
# print-scaling fill covers the page with a small image (auto leaves it
# small), media na_letter_8.5x11in and orientation-requested landscape
# lay a text job across Letter on an A4 queue. An interlaced PNG prints
# whole (every Adam7 pass; before, only the first pass's rows were read),
# a half transparent one premultiplied. Read back with poppler's
# pdftoppm, a pixel at a time, and pdfinfo.
. "$(dirname "$0")/lib.sh"
for t in gs pdftoppm pdfinfo od ipptool; do
	command -v "$t" >/dev/null || { log "SKIP: $t is not installed"; exit 77; }
done

mkdir -p "$T/out"
IPORT=$(free_port)
write_config "[listener]" "ipp = 127.0.0.1:$IPORT" \
	"[queue.pdf]" "uri = file://$T/out" "datatype = pdf" \
	"[queue.ps]" "uri = file://$T/out" "datatype = postscript"
start_spoolboxd
wait_port "$IPORT"

# rgb PDF X Y: the colour, "R G B", at X% across and Y% down its page.
rgb() {
	pdftoppm -r 20 -singlefile "$1" "$T/px"
	local w h hl
	read -r w h < <(sed -n 2p "$T/px.ppm")
	hl=$(head -n 3 "$T/px.ppm" | wc -c)
	od -An -tu1 -j $((hl + ((h * $3 / 100) * w + w * $2 / 100) * 3)) -N3 "$T/px.ppm" | xargs
}
# reddish "R G B": red high, green and blue low.
reddish() { read -r r g b <<<"$1"; [ "$r" -gt 180 ] && [ "$g" -lt 90 ] && [ "$b" -lt 90 ]; }
whiteish() { read -r r g b <<<"$1"; [ "$r" -gt 245 ] && [ "$g" -gt 245 ] && [ "$b" -gt 245 ]; }
bluish() { read -r r g b <<<"$1"; [ "$b" -gt 180 ] && [ "$r" -lt 90 ] && [ "$g" -lt 90 ]; }
printed() { ls "$T/out"/job-"$1".* | head -n 1; }
# red_left_blue_right JOB WHAT: its page red at 30% across, blue at 70%.
red_left_blue_right() {
	local left right
	left=$(rgb "$(printed "$1")" 30 50)
	right=$(rgb "$(printed "$1")" 70 50)
	reddish "$left" && bluish "$right" || fail "$2: left $left, right $right"
}

# A red page as an Adobe CMYK JPEG.
printf '1 0 0 setrgbcolor clippath fill showpage\n' >"$T/red.ps"
gs -q -dBATCH -dNOPAUSE -sDEVICE=jpegcmyk -r72 -g400x300 -sOutputFile="$T/cmyk.jpg" "$T/red.ps"
chmod 644 "$T/cmyk.jpg"
a=$(sb submit -q pdf "$T/cmyk.jpg")
wait_completed "$a"
c=$(rgb "$(printed "$a")" 50 50)
reddish "$c" || fail "the CMYK JPEG printed as '$c', not red"

# PNGs read straight into cairo's pixels: an interlaced one (every
# Adam7 pass) and one half transparent (premultiplied: pink on white),
# written here with zlib: left half red, right half blue.
/usr/bin/python3 - "$T" <<'PY'
import struct, sys, zlib
def png(path, rows, w, h, color, interlace):
    def chunk(t, d):
        return struct.pack(">I", len(d)) + t + d + struct.pack(">I", zlib.crc32(t + d) & 0xffffffff)
    raw = b""
    passes = [(0, 0, 8, 8), (4, 0, 8, 8), (0, 4, 4, 8), (2, 0, 4, 4), (0, 2, 2, 4), (1, 0, 2, 2), (0, 1, 1, 2)] if interlace else [(0, 0, 1, 1)]
    for x0, y0, dx, dy in passes:
        for y in range(y0, h, dy):
            line = b"".join(rows[y][x] for x in range(x0, w, dx))
            if line:
                raw += b"\0" + line
    ihdr = struct.pack(">IIBBBBB", w, h, 8, color, 0, 0, interlace)
    open(path, "wb").write(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))
w, h = 400, 300
png(sys.argv[1] + "/inter.png", [[b"\xff\0\0" if x < w // 2 else b"\0\0\xff" for x in range(w)] for y in range(h)], w, h, 2, 1)
png(sys.argv[1] + "/alpha.png", [[b"\xff\0\0\x80" if x < w // 2 else b"\0\0\xff\xff" for x in range(w)] for y in range(h)], w, h, 6, 0)
PY
chmod 644 "$T/inter.png" "$T/alpha.png"
i1=$(sb submit -q pdf "$T/inter.png")
i2=$(sb submit -q pdf "$T/alpha.png")
wait_completed "$i1" "$i2"
red_left_blue_right "$i1" "the interlaced PNG"
read -r r g b <<<"$(rgb "$(printed "$i2")" 30 50)"
[ "$r" -gt 240 ] && [ "$g" -gt 100 ] && [ "$g" -lt 160 ] && [ "$b" -gt 100 ] && [ "$b" -lt 160 ] ||
	fail "the half transparent red printed as '$r $g $b', not pink"
bluish "$(rgb "$(printed "$i2")" 70 50)" || fail "the opaque blue half printed as $(rgb "$(printed "$i2")" 70 50)"

# Landscape, left half red, right half blue; EXIF Orientation 6.
printf '1 0 0 setrgbcolor 0 0 400 400 rectfill 0 0 1 setrgbcolor 400 0 400 400 rectfill showpage\n' >"$T/two.ps"
gs -q -dBATCH -dNOPAUSE -sDEVICE=jpeg -r72 -g800x400 -sOutputFile="$T/plain.jpg" "$T/two.ps"
{
	head -c 2 "$T/plain.jpg"
	printf '\xff\xe1\x00\x22Exif\x00\x00MM\x00\x2a\x00\x00\x00\x08\x00\x01'
	printf '\x01\x12\x00\x03\x00\x00\x00\x01\x00\x06\x00\x00\x00\x00\x00\x00'
	tail -c +3 "$T/plain.jpg"
} >"$T/turned.jpg"
chmod 644 "$T/turned.jpg" "$T/plain.jpg"
p=$(sb submit -q pdf "$T/plain.jpg")
e=$(sb submit -q pdf "$T/turned.jpg")
wait_completed "$p" "$e"
red_left_blue_right "$p" "the plain JPEG"
pdfinfo "$(printed "$p")" | has "Page size: *841.89 x 595.28" || fail "the landscape JPEG is not on a landscape page"
top=$(rgb "$(printed "$e")" 50 35)
bottom=$(rgb "$(printed "$e")" 50 65)
reddish "$top" && bluish "$bottom" || fail "EXIF Orientation 6: top $top, bottom $bottom (not turned upright)"
pdfinfo "$(printed "$e")" | has "Page size: *595.28 x 841.89" || fail "the turned JPEG is not on a portrait page"
printf '1 0 0 setrgbcolor clippath fill showpage\n' >"$T/small.ps"
gs -q -dBATCH -dNOPAUSE -sDEVICE=jpeg -r72 -g100x100 -sOutputFile="$T/small.jpg" "$T/small.ps"
chmod 644 "$T/small.jpg"
s1=$(ipp_job "$T/small.jpg" image/jpeg "ATTR keyword print-scaling fill")
s2=$(ipp_job "$T/small.jpg" image/jpeg)
wait_completed "$s1" "$s2"
reddish "$(rgb "$(printed "$s1")" 3 3)" || fail "print-scaling fill: the corner is $(rgb "$(printed "$s1")" 3 3)"
c=$(rgb "$(printed "$s2")" 3 3)
[ "$c" = "255 255 255" ] || fail "print-scaling auto: a small image covers the corner ($c)"
reddish "$(rgb "$(printed "$s2")" 50 50)" || fail "print-scaling auto: no image in the middle"
printf 'across Letter\n' >"$T/t.txt"
chmod 644 "$T/t.txt"
l=$(ipp_job "$T/t.txt" text/plain "ATTR keyword media na_letter_8.5x11in" \
	"ATTR enum orientation-requested 4")
wait_completed "$l"
pdfinfo "$(printed "$l")" | has "Page size: *792 x 612" ||
	fail "media and orientation-requested not honoured: $(pdfinfo "$(printed "$l")" | grep 'Page size')"

# PNG of every kind: 16-bit, palette, 1-bit, and one of 6000 x 4000
# (96 MiB decoded: scaled as it is read, a row at a time). Each prints
# red to PDF, and, through PDF, to PostScript.
for dev in png48 png256 png16m; do
	gs -q -dBATCH -dNOPAUSE -sDEVICE=$dev -r72 -g300x200 -sOutputFile="$T/$dev.png" "$T/small.ps"
done
gs -q -dBATCH -dNOPAUSE -sDEVICE=png16m -r72 -g6000x4000 -sOutputFile="$T/large.png" "$T/small.ps"
gs -q -dBATCH -dNOPAUSE -sDEVICE=pngmono -r72 -g300x200 -sOutputFile="$T/mono.png" -c showpage
chmod 644 "$T"/*.png
ids=()
for f in png48 png256 large; do ids+=("$(sb submit -q pdf "$T/$f.png")"); done
m=$(sb submit -q pdf "$T/mono.png")
wait_completed "${ids[@]}" "$m"
for k in 0 1 2; do
	reddish "$(rgb "$(printed "${ids[$k]}")" 50 50)" ||
		fail "PNG job ${ids[$k]} printed as $(rgb "$(printed "${ids[$k]}")" 50 50), not red"
done
whiteish "$(rgb "$(printed "$m")" 50 50)" || fail "the 1-bit PNG: $(rgb "$(printed "$m")" 50 50)"
ps=$(sb submit -q ps "$T/png256.png")
pj=$(sb submit -q ps "$T/cmyk.jpg")
wait_completed "$ps" "$pj"
for j in "$ps" "$pj"; do
	head -c 4 "$(printed "$j")" | has '%!PS' || fail "image job $j did not become PostScript"
	ps2pdf "$(printed "$j")" "$T/back-$j.pdf"
	reddish "$(rgb "$T/back-$j.pdf" 50 50)" || fail "image job $j to PostScript: $(rgb "$T/back-$j.pdf" 50 50)"
done
log "PASS: CMYK JPEG red, EXIF orientation honoured, print-scaling, media and orientation-requested per job; 16-bit, palette, 1-bit and 6000x4000 PNGs; images to PostScript"
