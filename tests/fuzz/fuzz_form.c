/*
 * fuzz_form: libFuzzer target for what the web console reads from a peer
 * (consoleview.c): a query or form body split into fields by form_get(),
 * and any bytes escaped by html_text() and url_text(). Properties: a
 * field fits its buffer and holds no NUL; escaped text has no markup
 * character and is valid UTF-8; a URL part only unreserved characters
 * and %XX.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ippsrv.h"
#include "log.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
check_escaped(const char *s, size_t n, int url)
{
	for (size_t i = 0; i < n;) {
		const unsigned char *p = (const unsigned char *)s + i;
		size_t k = text_utf8_len(p);
		if (k == 0 || strchr(url ? "<>\"' &=+?#/" : "<>\"'", *p) != NULL)
			__builtin_trap();
		if (url && *p >= 0x80)
			__builtin_trap();
		i += k;
	}
}

static void
escape(const char *in, int url)
{
	char *out = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&out, &len);

	if (f == NULL)
		return;
	if (url)
		url_text(f, in);
	else
		html_text(f, in);
	fclose(f);
	check_escaped(out, len, url);
	free(out);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const keys[] = { "user", "state", "since", "queue",
		"after", "csrf", "action", "a", "" };
	static const size_t sizes[] = { 1, 2, 8, 64, 300 };
	char *in = malloc(size + 1), out[300];

	if (in == NULL)
		return 0;
	memcpy(in, data, size);
	in[size] = '\0';
	for (size_t k = 0; k < sizeof(keys) / sizeof(keys[0]); k++)
		for (size_t s = 0; s < sizeof(sizes) / sizeof(sizes[0]); s++)
			if (form_get(in, keys[k], out, sizes[s]) &&
			    strlen(out) >= sizes[s])
				__builtin_trap();
	escape(in, 0);
	escape(in, 1);
	free(in);
	return 0;
}
