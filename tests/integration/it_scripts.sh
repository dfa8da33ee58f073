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

# To PostScript: the same text through pango's PDF (every glyph kept);
# Latin text by the Courier page description (textps).
p=$(sb submit -q ps "$T/scripts.txt")
printf 'Grüße, café: Latin-1 only\n' >"$T/latin.txt"
chmod 644 "$T/latin.txt"
l=$(sb submit -q ps "$T/latin.txt")
wait_completed "$p" "$l"
# (Ghostscript's ps2write keeps the glyphs, not their text: the
# PostScript's page is rendered and compared with the PDF's.)
gs -q -dBATCH -dNOPAUSE -dSAFER -sDEVICE=nullpage "$T/ps/job-$p.ps" >"$T/gs.out" 2>&1 && [ ! -s "$T/gs.out" ] ||
	fail "Ghostscript does not render the PostScript: $(cat "$T/gs.out")"
# Its ink (how far from a blank page) within 10% of the PDF's: a script
# whose glyphs were lost prints blank beside its name (half the ink).
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
has "%%Creator: spoolbox-printproc" "$T/ps/job-$l.ps" || fail "Latin text did not go by textps: $(head -5 "$T/ps/job-$l.ps")"
# Text in other scripts too large for its PDF to fit printproc's scratch
# space (over 16 MiB): by textps, each character beyond Latin-1 a '?',
# and the log says how many.
awk 'BEGIN { for (i = 0; i < 240000; i++) printf "%06d a line of the log, naïve — and long enough to be seventy-two\n", i }' >"$T/big.txt"
chmod 644 "$T/big.txt"
g=$(sb submit -q ps "$T/big.txt")
wait_completed "$g"
has "%%Creator: spoolbox-printproc" "$T/ps/job-$g.ps" || fail "17 MiB of text did not go by textps: $(head -5 "$T/ps/job-$g.ps")"
has "job $g: .* too many to lay out every script .*: 240000 characters beyond Latin-1 printed as '?'" "$T/spoolboxd.log" ||
	fail "no word of the 240000 dashes printed as '?': $(grep "job $g" "$T/spoolboxd.log")"
log "PASS: 22 scripts and emoji printed with a glyph for each character, to PDF and to PostScript; a missing one is counted; 17 MiB of text to PostScript by textps, its dashes '?', counted in the log"
