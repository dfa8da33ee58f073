/*
 * jobin: windowed pull of job data (see jobin.h). Reports nothing itself.
 */
#include "jobin.h"

#include <stdio.h>

void
jobin_init(struct jobin *in, struct worker *w, uint64_t token, uint64_t size,
    unsigned window)
{
	in->w = w;
	in->token = token;
	in->size = size;
	in->req_off = 0;
	in->got_off = 0;
	in->outstanding = 0;
	in->window = window;
}

void
jobin_request(struct jobin *in)
{
	Sb__DataReq r = SB__DATA_REQ__INIT;
	sb_env e;

	chan_env_init(&e);
	e.body_case = SB__ENVELOPE__BODY_DATA_REQ;
	e.data_req = &r;
	while (in->outstanding < in->window && in->req_off < in->size) {
		uint64_t left = in->size - in->req_off;
		r.token = in->token;
		r.offset = in->req_off;
		r.length = left < SB_CHUNK_SIZE ? (uint32_t)left
						: SB_CHUNK_SIZE;
		worker_send(in->w, &e);
		in->req_off += r.length;
		in->outstanding++;
	}
}

int
jobin_accept(struct jobin *in, const Sb__DataChunk *c, char *err,
    size_t errlen)
{
	uint64_t left = in->size - in->got_off;
	uint64_t want = left < SB_CHUNK_SIZE ? left : SB_CHUNK_SIZE;

	if (c->token != in->token) {
		snprintf(err, errlen, "data for another dispatch");
		return -1;
	}
	if (c->error[0] != '\0') {
		snprintf(err, errlen, "%s", c->error);
		return -1;
	}
	if (c->offset != in->got_off || c->data.len != want) {
		snprintf(err, errlen,
		    "spool data out of order or short at offset %llu",
		    (unsigned long long)c->offset);
		return -1;
	}
	in->got_off += c->data.len;
	in->outstanding--;
	return 0;
}

int
jobin_done(const struct jobin *in)
{
	return in->got_off >= in->size;
}
