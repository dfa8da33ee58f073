/*
 * ippread: an IPP request's attributes read within bounds before libcups
 * parses them. libcups' ippReadIO() recurses once per nested collection,
 * so a small request nesting begCollection hundreds deep runs any thread
 * out of stack; here the encoding (RFC 8010 3.1: a tag, a 2-byte name
 * length and name, a 2-byte value length and value) is walked without
 * recursion, its depth and size counted, and only a request within the
 * bounds is handed to ippReadIO(), from memory. The document that
 * follows the attributes is not read.
 * Reports: nothing; the reason goes to the caller.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cups/ipp.h>

#include "listener.h"
#include "util.h"

#define TAG_END 0x03            /* end-of-attributes-tag */
#define TAG_GROUP_MAX 0x0f      /* delimiter tags: 0x00-0x0f */
#define TAG_BEG_COLLECTION 0x34
#define TAG_END_COLLECTION 0x37

struct bounded {
	ipp_read_fn rd;
	void *ctx;
	unsigned char *buf;
	size_t len, cap;
};

/* n more bytes from the source onto the buffer; 0, or -1 (why). */
static int
need(struct bounded *b, size_t n, char *why, size_t whylen)
{
	if (b->len + n > IPP_HEAD_MAX)
		return fail_why(why, whylen, "attributes larger than %d bytes",
		    IPP_HEAD_MAX);
	if (b->len + n > b->cap) {
		size_t cap = b->cap ? b->cap * 2 : 4096;
		while (cap < b->len + n)
			cap *= 2;
		unsigned char *p = realloc(b->buf, cap);
		if (p == NULL)
			return fail_why(why, whylen, "out of memory");
		b->buf = p;
		b->cap = cap;
	}
	while (n > 0) {
		ssize_t got = b->rd(b->ctx, b->buf + b->len, n);
		if (got <= 0)
			return fail_why(why, whylen, "the request ended early");
		b->len += (size_t)got;
		n -= (size_t)got;
	}
	return 0;
}

/* A 2-byte length just read. */
static size_t
len16(const struct bounded *b)
{
	return (size_t)b->buf[b->len - 2] << 8 | b->buf[b->len - 1];
}

/* Walk the attributes onto b's buffer, counting; 0 or -1 (why). */
static int
walk(struct bounded *b, char *why, size_t whylen)
{
	unsigned depth = 0, values = 0;

	if (need(b, 8, why, whylen) != 0) /* version, operation, id */
		return -1;
	for (;;) {
		if (need(b, 1, why, whylen) != 0)
			return -1;
		unsigned tag = b->buf[b->len - 1];
		if (tag == TAG_END)
			return 0;
		if (tag <= TAG_GROUP_MAX)
			continue;
		if (need(b, 2, why, whylen) != 0 ||
		    need(b, len16(b), why, whylen) != 0 ||
		    need(b, 2, why, whylen) != 0 ||
		    need(b, len16(b), why, whylen) != 0)
			return -1;
		if (++values > IPP_VALUES_MAX)
			return fail_why(why, whylen, "more than %d values",
			    IPP_VALUES_MAX);
		if (tag == TAG_BEG_COLLECTION && ++depth > IPP_DEPTH_MAX)
			return fail_why(why, whylen, "collections nested deeper "
			    "than %d", IPP_DEPTH_MAX);
		if (tag == TAG_END_COLLECTION && depth-- == 0)
			return fail_why(why, whylen, "a collection ends that "
			    "did not begin");
	}
}

struct mem {
	const unsigned char *p;
	size_t left;
};

static ssize_t
from_mem(void *ctx, ipp_uchar_t *buf, size_t len)
{
	struct mem *m = ctx;
	size_t n = len < m->left ? len : m->left;

	memcpy(buf, m->p, n);
	m->p += n;
	m->left -= n;
	return (ssize_t)n;
}

int
ipp_read_bounded(ipp_read_fn rd, void *ctx, struct _ipp_s *in, char *why,
    size_t whylen)
{
	struct bounded b = { .rd = rd, .ctx = ctx };
	struct mem m;
	ipp_state_t st;
	int rv = -1;

	if (walk(&b, why, whylen) != 0)
		goto out;
	m = (struct mem){ b.buf, b.len };
	while ((st = ippReadIO(&m, from_mem, 1, NULL, in)) != IPP_STATE_DATA)
		if (st == IPP_STATE_ERROR) {
			fail_why(why, whylen, "malformed IPP request");
			goto out;
		}
	rv = 0;
out:
	free(b.buf);
	return rv;
}
