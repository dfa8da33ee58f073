#!/bin/bash
# Text in twenty-odd scripts (and emoji) prints with a glyph for every
# character: fonts-noto-core, fonts-noto-color-emoji and fonts-wqy-zenhei
# (the package recommends them) cover them, and pango finds them through
# fontconfig inside printproc's sandbox. The print processor counts the
# characters no font has and logs them; a private-use character shows
# that the count works. Read back with pdffonts and pdftotext.
. "$(dirname "$0")/lib.sh"
for t in pdffonts pdftotext fc-list; do
	command -v "$t" >/dev/null || { log "SKIP: $t is not installed"; exit 77; }
done
for f in "Noto Sans Devanagari" "Noto Sans Thai" "Noto Color Emoji" "WenQuanYi Zen Hei"; do
	fc-list | has "$f" || { log "SKIP: no $f (make deps installs it)"; exit 77; }
done

mkdir -p "$T/out"
mkdir -p "$T/ps"
write_config "[queue.pdf]" "uri = file://$T/out" "datatype = pdf" \
	"[queue.ps]" "uri = file://$T/ps" "datatype = postscript"
start_spoolboxd
cat >"$T/scripts.txt" <<'EOF'
Latin: Grüße, café, naïve
Greek: Καλημέρα κόσμε
Cyrillic: Привет, мир
Armenian: Բարեւ աշխարհ
Georgian: გამარჯობა
Hebrew: שלום עולם
Arabic: مرحبا بالعالم
Devanagari: नमस्ते दुनिया
Bengali: ওহে বিশ্ব
Gurmukhi: ਸਤ ਸ੍ਰੀ ਅਕਾਲ
Gujarati: નમસ્તે દુનિયા
Tamil: வணக்கம் உலகம்
Telugu: హలో ప్రపంచం
Kannada: ನಮಸ್ಕಾರ ಜಗತ್ತು
Malayalam: നമസ്കാരം ലോകം
Thai: สวัสดีชาวโลก
Lao: ສະບາຍດີ
Khmer: សួស្តីពិភពលោក
Ethiopic: ሰላም ለዓለም
Chinese: 你好，世界
Japanese: こんにちは世界
Korean: 안녕하세요 세계
Emoji: 😀 🖨 👍
EOF
printf 'no font has this: \xf4\x8f\xbf\xbd\n' >"$T/pua.txt"
chmod 644 "$T"/*.txt
a=$(sb submit -q pdf "$T/scripts.txt")
b=$(sb submit -q pdf "$T/pua.txt")
wait_completed "$a" "$b"
has "job $a: .*no glyph" "$T/spoolboxd.log" &&
	fail "characters without a glyph: $(grep "job $a:.*no glyph" "$T/spoolboxd.log")"
has "job $b: 1 characters have no glyph in any installed font" "$T/spoolboxd.log" ||
	fail "a character no font has was not counted"
f="$T/out/job-$a.pdf"
for font in NotoSansDevanagari NotoSansThai NotoSansTamil NotoSansKhmer NotoSansEthiopic WenQuanYiZenHei; do
	pdffonts "$f" | has "$font" || fail "no $font in the PDF: $(pdffonts "$f")"
done
pdftotext "$f" "$T/back.txt"
for line in "Καλημέρα κόσμε" "Привет, мир" "नमस्ते दुनिया" "你好，世界" "안녕하세요 세계" "ሰላም ለዓለም"; do
	has "$line" "$T/back.txt" || fail "'$line' did not come back: $(cat "$T/back.txt")"
done

# To PostScript: the same text, the same engine. With its emoji: by way
# of its PDF and Ghostscript's ps2write (cairo's PostScript would draw
# the page around each colour glyph as an image); without them: cairo's
# PostScript itself, its text read back by Ghostscript's txtwrite.
p=$(sb submit -q ps "$T/scripts.txt")
grep -v '^Emoji' "$T/scripts.txt" >"$T/noemoji.txt"
printf 'Grüße, café: Latin-1 only\n' >"$T/latin.txt"
chmod 644 "$T/latin.txt" "$T/noemoji.txt"
l=$(sb submit -q ps "$T/latin.txt")
n=$(sb submit -q ps "$T/noemoji.txt")
wait_completed "$p" "$l" "$n"
txt() { gs -q -dBATCH -dNOPAUSE -dSAFER -sDEVICE=txtwrite -sOutputFile=- "$@" 2>&1; }
for j in "$l" "$n"; do
	has "%%Creator: cairo" "$T/ps/job-$j.ps" || fail "job $j's PostScript is not cairo's: $(head -3 "$T/ps/job-$j.ps")"
done
txt "$T/ps/job-$l.ps" | has "Grüße, café: Latin-1 only" || fail "Latin text did not come back: $(txt "$T/ps/job-$l.ps")"
txt "$T/ps/job-$n.ps" >"$T/back-ps.txt"
for line in "Καλημέρα κόσμε" "Привет, мир" "你好，世界" "안녕하세요 세계" "ሰላም ለዓለም"; do
	has "$line" "$T/back-ps.txt" || fail "'$line' did not come back from the PostScript: $(cat "$T/back-ps.txt")"
done
gs -q -dBATCH -dNOPAUSE -dSAFER -sDEVICE=nullpage "$T/ps/job-$p.ps" >"$T/gs.out" 2>&1 && [ ! -s "$T/gs.out" ] ||
	fail "Ghostscript does not render the PostScript: $(cat "$T/gs.out")"
# The pages' ink (how far from a blank page) within 10% of the PDF's: a
# script whose glyphs were lost prints blank beside its name (half the
# ink).
if [ -x "$BUILD/sb-pixdiff" ]; then
	echo showpage >"$T/blank.ps"
	for x in "$f" "$T/ps/job-$p.ps" "$T/blank.ps"; do
		gs -q -dBATCH -dNOPAUSE -dSAFER -sDEVICE=pgmraw -r72 -dLastPage=1 \
			-sPAPERSIZE=a4 -dFIXEDMEDIA -sOutputFile="$x.pgm" "$x"
	done
	ink_pdf=$("$BUILD/sb-pixdiff" "$T/blank.ps.pgm" "$f.pgm")
	ink_ps=$("$BUILD/sb-pixdiff" "$T/blank.ps.pgm" "$T/ps/job-$p.ps.pgm")
	awk -v a="$ink_pdf" -v b="$ink_ps" 'BEGIN { exit !(b > a * 0.9 && b < a * 1.1) }' ||
		fail "the PostScript's page has ink $ink_ps, the PDF's $ink_pdf: glyphs lost"
fi
# 17 MiB of text: cairo's PostScript too (its pages go to the spooler as
# the output's body), every character kept: the last line comes back
# whole. (it_drain converts 200 MiB so.)
awk 'BEGIN { for (i = 0; i < 240000; i++) printf "%06d a line of the log, naïve — and long enough to be seventy-two\n", i }' >"$T/big.txt"
chmod 644 "$T/big.txt"
g=$(sb submit -q ps "$T/big.txt")
wait_completed "$g"
pages=$(grep -a -m1 '^%%Pages: [0-9]' "$T/ps/job-$g.ps" | awk '{ print $2 }')
[ "$pages" = 3750 ] || fail "17 MiB of text: $pages pages, not 3750 (64 lines an A4 page)"
has "job $g: .*: .*'?'" "$T/spoolboxd.log" && fail "characters printed as '?': $(grep "job $g" "$T/spoolboxd.log")"
txt -dFirstPage=3750 "$T/ps/job-$g.ps" | has "239999 a line of the log, naïve — and long enough to be seventy-two" ||
	fail "the last line did not come back: $(txt -dFirstPage=3750 "$T/ps/job-$g.ps" | tail -3)"
log "PASS: 22 scripts and emoji printed with a glyph for each character, to PDF and to PostScript (cairo's, and through the PDF for emoji); a missing one is counted; 17 MiB of text to PostScript with every character"
