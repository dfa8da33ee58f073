/*
 * fuzz_config: libFuzzer target for the config reader: the input is a
 * spoolbox.conf as an admin (or a package's drop-in) writes it, parsed
 * and checked as spoolboxd loads it (config_load_text); a refusal must
 * say why, and nothing may read or write out of bounds or leak.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sb_config c;
	char err[1024], *text = malloc(size + 1);

	if (text == NULL)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	err[0] = '\0';
	if (config_load_text(&c, "fuzz.conf", text, NULL, err, sizeof(err)) ==
	    0)
		config_free(&c);
	else if (err[0] == '\0')
		__builtin_trap(); /* a refusal that does not say why */
	free(text);
	return 0;
}
