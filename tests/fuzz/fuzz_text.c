/*
 * fuzz_text: libFuzzer target for the text layout of plain text into
 * PostScript (textps: tabs, form feeds, wrapping, UTF-8, escaping of
 * what PostScript strings cannot hold): the first byte picks the paper,
 * the orientation and the size of the pieces the input is fed in (the
 * print processor feeds whatever a read returns); the rest is the
 * document. None of it may read or write out of bounds or leak (ASan,
 * UBSan), and every page it starts must be ended.
 * Build: cmake -DSPOOLBOX_FUZZ=ON with clang; run: fuzz_text -max_total_time=N.
 */
#include <stdlib.h>
#include <string.h>

#include "textps.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct count {
	unsigned begun, ended;
};

static void
emit(void *arg, const char *buf, size_t len)
{
	struct count *c = arg;

	if (len >= 7 && memcmp(buf, "%%Page:", 7) == 0)
		c->begun++;
	if (len >= 8 && memcmp(buf, "showpage", 8) == 0)
		c->ended++;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct count c = { 0, 0 };
	struct textps *t;
	size_t piece;

	if (size == 0)
		return 0;
	piece = 1 + (data[0] >> 2);
	t = textps_new(data[0] & 1 ? "letter" : "a4", data[0] & 2, "fuzz",
	    emit, &c);
	if (t == NULL)
		abort();
	for (size_t i = 1; i < size; i += piece)
		textps_feed(t, data + i, size - i < piece ? size - i : piece);
	textps_finish(t);
	if (c.begun != textps_pages(t) || c.ended != c.begun)
		abort(); /* a page not ended, or not counted */
	textps_free(t);
	return 0;
}
