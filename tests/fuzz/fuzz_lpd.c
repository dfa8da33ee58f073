/*
 * fuzz_lpd: libFuzzer target for the listener's LPD parsers. The input's
 * first byte picks the parser (command, subcommand, control file); the
 * rest is what a peer sent. Each must return 0 or -1 with a reason, never
 * read or write out of bounds (run under ASan and UBSan).
 * Build: cmake -DSPOOLBOX_FUZZ=ON with clang; run: fuzz_lpd -max_total_time=N.
 */
#include <stdint.h>
#include <string.h>

#include "lpdproto.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char err[256];
	const char *p = (const char *)data + 1;
	size_t n = size - 1;
	int rv = 0;

	if (size == 0)
		return 0;
	switch (data[0] % 3) {
	case 0: {
		struct lpd_command c;
		rv = lpd_parse_command(p, n, &c, err, sizeof(err));
		if (rv == 0 && (c.nargs > LPD_ARGS_MAX || c.queue[0] == '\0'))
			__builtin_trap();
		break;
	}
	case 1: {
		struct lpd_subcommand s;
		rv = lpd_parse_subcommand(p, n, 1 << 20, &s, err, sizeof(err));
		if (rv == 0 && s.op != LPD_SUB_ABORT &&
		    (s.count > (1 << 20) || strchr(s.name, '/') != NULL))
			__builtin_trap();
		break;
	}
	default: {
		static struct lpd_control c;
		rv = lpd_parse_control(p, n, &c, err, sizeof(err));
		if (rv == 0 && (c.nfiles == 0 || c.user[0] == '\0'))
			__builtin_trap();
		break;
	}
	}
	if (rv != 0 && err[0] == '\0')
		__builtin_trap(); /* every refusal says why */
	return 0;
}
