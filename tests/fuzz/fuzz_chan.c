/*
 * fuzz_chan: libFuzzer target for the envelope decoder and validator
 * (chan_decode: the size cap, protobuf-c's unpacking, chan_validate on
 * every body): the input is a message as any peer (a worker, a client)
 * could put on a channel. A message is taken or refused with a reason;
 * nothing may read or write out of bounds or leak.
 */
#include <stdint.h>
#include <string.h>

#include "chan.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char err[256];
	nng_msg *m;
	sb_env *e;

	if (nng_msg_alloc(&m, 0) != 0)
		return 0;
	nng_msg_append(m, data, size);
	err[0] = '\0';
	e = chan_decode(m, err, sizeof(err));
	if (e == NULL && err[0] == '\0')
		__builtin_trap(); /* refused without a reason */
	chan_free(e);
	nng_msg_free(m);
	return 0;
}
