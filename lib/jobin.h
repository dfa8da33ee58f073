/*
 * jobin: a worker's side of reading one job's data from localspl through
 * the broker. Data is pulled with DataReq in chunks, with a window of
 * requests in flight (an nng round trip costs ~250us, so stop-and-wait per
 * chunk would be slow) and never more than the window held in memory.
 */
#ifndef SB_JOBIN_H
#define SB_JOBIN_H

#include <stddef.h>
#include <stdint.h>

#include "worker.h"

struct jobin {
	struct worker *w;
	uint64_t token;
	uint64_t size;
	uint64_t req_off;     /* next offset to request */
	uint64_t got_off;     /* next offset expected */
	unsigned outstanding;
	unsigned window;
};

void jobin_init(struct jobin *in, struct worker *w, uint64_t token,
    uint64_t size, unsigned window);
/* Request more until the window is full or everything is requested. */
void jobin_request(struct jobin *in);
/* Take an arrived chunk: 0 when it is the next one; else -1 and why. */
int jobin_accept(struct jobin *in, const Sb__DataChunk *c, char *err,
    size_t errlen);
/* Everything has arrived. */
int jobin_done(const struct jobin *in);

#endif
