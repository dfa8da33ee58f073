/*
 * fuzz_detect: libFuzzer target for format detection (localspl's
 * detect_type on a document's first bytes, libmagic and spoolbox's own
 * signatures): any bytes give one of spoolbox's types, within bounds.
 */
#include <stdint.h>

#include "localspl.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static void *magic;
	static int opened;
	int t;

	if (!opened) {
		magic = detect_open();
		opened = 1;
	}
	t = detect_type(magic, data, size);
	if (t < SB__DATA_TYPE__DT_NONE || t > SB__DATA_TYPE__JPEG)
		__builtin_trap();
	return 0;
}
