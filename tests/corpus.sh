# corpus_build DIR: the conversion corpus, written into DIR, its
# documents' names in the array docs; and two PDFs that must not print,
# DIR/locked.pdf (a user password) and DIR/noprint.pdf (no permission to
# print), not in docs. PDFs from Debian's documentation (groff's gropdf
# and Ghostscript, pdfTeX), PostScript from groff (a man page) and
# Ghostscript, text (GPL-3, scripts), PNG and JPEG of several kinds.
# CORPUS=full takes every PDF under /usr/share/doc instead of three.
# Sourced by tests/integration/it_corpus.sh and bench/vs-cups.sh.
corpus_build() {
	local C=$1 f n dev
	docs=()
	mkdir -p "$C"
	corpus_add() { [ -s "$C/$1" ] && docs+=("$1"); }
	if [ "${CORPUS:-}" = full ]; then
		while IFS= read -r f; do
			n=$(echo "${f#/usr/share/doc/}" | tr '/' '_')
			n=${n%.gz}
			case "$f" in *.gz) zcat "$f" >"$C/$n" ;; *) cp "$f" "$C/$n" ;; esac
			[ "$(head -c 4 "$C/$n")" = "%PDF" ] && corpus_add "$n"
		done < <(find /usr/share/doc -name '*.pdf' -o -name '*.pdf.gz' | sort)
	else # three of them (which the full corpus has under their path's name)
		for f in /usr/share/doc/groff-base/examples/mom/typesetting.pdf.gz \
			/usr/share/doc/groff-base/pdf/pdfmark.pdf.gz \
			/usr/share/doc/fontconfig/fontconfig-user.pdf.gz; do
			[ -f "$f" ] && zcat "$f" >"$C/$(basename "$f" .gz)" && corpus_add "$(basename "$f" .gz)"
		done
	fi
	zcat /usr/share/man/man1/ls.1.gz | groff -man -Tps >"$C/ls-man.ps" 2>/dev/null && corpus_add ls-man.ps
	cat >"$C/shapes.ps" <<-'EOF'
	%!PS-Adobe-3.0
	%%Pages: 3
	%%EndComments
	/Helvetica findfont 28 scalefont setfont
	1 1 3 { dup 72 720 moveto (Shapes, page ) show 3 string cvs show
	 0.2 0.5 0.8 setrgbcolor 72 300 300 300 rectfill
	 0.9 0.3 0.1 setrgbcolor 300 200 moveto 200 200 150 0 360 arc fill
	 0 setgray showpage } for
	%%EOF
	EOF
	corpus_add shapes.ps
	gs -q -dBATCH -dNOPAUSE -sDEVICE=pdfwrite -sOutputFile="$C/shapes.pdf" "$C/shapes.ps" && corpus_add shapes.pdf
	cp /usr/share/common-licenses/GPL-3 "$C/gpl3.txt" && corpus_add gpl3.txt
	printf 'Καλημέρα κόσμε\nПривет, мир\nनमस्ते दुनिया\nสวัสดีชาวโลก\n你好，世界\n' >"$C/scripts.txt" && corpus_add scripts.txt
	for dev in png48 png256 pngmono; do
		gs -q -dBATCH -dNOPAUSE -sDEVICE=$dev -r20 -dLastPage=1 -sOutputFile="$C/$dev.png" "$C/shapes.ps" && corpus_add $dev.png
	done
	gs -q -dBATCH -dNOPAUSE -sDEVICE=jpeg -r30 -dLastPage=1 -sOutputFile="$C/photo.jpg" "$C/shapes.ps" && corpus_add photo.jpg
	gs -q -dBATCH -dNOPAUSE -sDEVICE=jpegcmyk -r30 -dLastPage=1 -sOutputFile="$C/cmyk.jpg" "$C/shapes.ps" && corpus_add cmyk.jpg
	qpdf --encrypt user owner 256 -- "$C/shapes.pdf" "$C/locked.pdf"
	qpdf --encrypt "" owner 256 --print=none -- "$C/shapes.pdf" "$C/noprint.pdf"
	chmod -R a+rX "$C"
}
