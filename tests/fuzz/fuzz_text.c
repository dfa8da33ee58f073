/*
 * fuzz_text: libFuzzer target for the text layout (textdoc: tabs, form
 * feeds, wrapping, columns, UTF-8 cut anywhere, bytes that are not
 * UTF-8) into cairo's PostScript: the first byte picks the paper, the
 * orientation and the size of the pieces the input is fed in (the print
 * processor feeds whatever a read returns), the second the columns and
 * the lines per inch; the rest is the document. None of it may read or
 * write out of bounds or leak (ASan, UBSan), and every page it counts
 * must be a DSC page of the output.
 * Build: cmake -DSPOOLBOX_FUZZ=ON with clang; run: fuzz_text -max_total_time=N.
 */
#include <stdlib.h>
#include <string.h>

#include "textdoc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* "%%Page:" at a line's start, counted across the pieces cairo writes. */
struct count {
	unsigned pages;
	size_t matched;
};

static int
emit(void *arg, const unsigned char *buf, size_t len)
{
	static const char pat[] = "\n%%Page:";
	struct count *c = arg;

	for (size_t i = 0; i < len; i++) {
		if (buf[i] == (unsigned char)pat[c->matched])
			c->matched++;
		else
			c->matched = buf[i] == '\n';
		if (c->matched == sizeof(pat) - 1) {
			c->pages++;
			c->matched = 0;
		}
	}
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct count c = { 0, 0 };
	struct textdoc_opts o = { .ps = 1 };
	struct textdoc *t;
	size_t piece;

	if (size < 2)
		return 0;
	piece = 1 + (data[0] >> 2);
	o.columns = 1 + (data[1] & 3);
	o.lpi = 4 + (data[1] >> 2);
	t = textdoc_new(data[0] & 1 ? "letter" : "a4", data[0] & 2, "fuzz",
	    &o, emit, &c);
	if (t == NULL)
		abort();
	for (size_t i = 2; i < size; i += piece)
		textdoc_feed(t, data + i, size - i < piece ? size - i : piece);
	if (textdoc_finish(t) != 0 || c.pages != textdoc_pages(t))
		abort(); /* a page not written, or not counted */
	textdoc_free(t);
	return 0;
}
