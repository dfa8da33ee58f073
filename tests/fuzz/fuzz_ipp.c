/*
 * fuzz_ipp: libFuzzer target for the listener's IPP request handling: the
 * input is a request body as a client would POST it, read as the server
 * reads it: bounded first (ipp_read_bounded), then decoded by libcups,
 * on a thread with the stack and guard of a connection's (LSN_STACK); whatever decodes goes through the
 * listener's checks of the operation and job template attributes and,
 * for Get-Printer-Attributes, the printer's attributes (ipp_check_request),
 * and the response is encoded as it would be sent. None of it may read
 * or write out of bounds or leak (ASan, UBSan).
 * Build: cmake -DSPOOLBOX_FUZZ=ON with clang; run: fuzz_ipp -max_total_time=N.
 */
#include <pthread.h>
#include <stdint.h>
#include <string.h>

#include <cups/ipp.h>

#include "listener.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct src {
	const uint8_t *p;
	size_t left;
};

static ssize_t
from_buf(void *ctx, ipp_uchar_t *buf, size_t len)
{
	struct src *s = ctx;
	size_t n = len < s->left ? len : s->left;

	memcpy(buf, s->p, n);
	s->p += n;
	s->left -= n;
	return (ssize_t)n;
}

static ssize_t
to_nowhere(void *ctx, ipp_uchar_t *buf, size_t len)
{
	(void)ctx;
	(void)buf;
	return (ssize_t)len;
}

struct run {
	const uint8_t *data;
	size_t size;
	struct conn *c;
};

/* One input, as a connection's thread handles it. */
static void *
run_one(void *arg)
{
	struct run *r = arg;
	struct src s = { r->data, r->size };
	ipp_t *in = ippNew(), *out;
	char why[128];

	if (ipp_read_bounded(from_buf, &s, in, why, sizeof(why)) == 0) {
		out = ipp_check_request(r->c, in);
		ipp_state_t st;
		ippSetState(out, IPP_STATE_IDLE);
		while ((st = ippWriteIO(NULL, to_nowhere, 1, NULL, out)) !=
		    IPP_STATE_DATA && st != IPP_STATE_ERROR)
			;
		ippDelete(out);
	}
	ippDelete(in);
	return NULL;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static Sb__QueueConfig qc = SB__QUEUE_CONFIG__INIT;
	static Sb__Configure cfg = SB__CONFIGURE__INIT;
	static struct worker w;
	static struct lsn_queue q;
	static struct lsn l;
	static struct conn c;
	struct run r = { data, size, &c };
	pthread_attr_t attr;
	pthread_t t;

	if (l.nqueues == 0) {
		qc.name = (char *)"q";
		qc.uri = (char *)"file:///nowhere";
		qc.datatype = SB__DATA_TYPE__PDF;
		qc.paper = (char *)"a4";
		cfg.step_timeout_ms = 30000;
		w.cfg = &cfg;
		q.cfg = &qc;
		l.w = &w;
		l.queues = &q;
		l.nqueues = 1;
		cidr_list_parse("0.0.0.0/0", &l.allow, (char[64]){ 0 }, 64);
		c.l = &l;
		c.peer.ss_family = AF_INET;
		strcpy(c.peer_str, "127.0.0.1");
		ipp_init(&l);
	}
	/* The production thread: its stack and guard (listener.c). */
	pthread_attr_init(&attr);
	pthread_attr_setstacksize(&attr, LSN_STACK);
	pthread_attr_setguardsize(&attr, LSN_STACK_GUARD);
	if (pthread_create(&t, &attr, run_one, &r) != 0)
		__builtin_trap();
	pthread_join(t, NULL);
	pthread_attr_destroy(&attr);
	return 0;
}
