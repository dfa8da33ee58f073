/*
 * printproc: the print processor role. For each CONVERT dispatch it pulls
 * the job's data from localspl (jobin), converts it, and pushes the result
 * back as OutputChunks that localspl acknowledges; at most IN_WINDOW input
 * chunks and one output chunk buffer are held at any time, so memory stays
 * flat whatever the job's size. It has no files and no network.
 * Conversions: text -> postscript. Others are refused (permanent error).
 * Reports: each refused conversion in the job's error.
 */
#include "printproc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jobin.h"
#include "log.h"
#include "textps.h"

#define IN_WINDOW 2
#define OUT_WINDOW 4

struct conv {
	struct worker *w;
	const Sb__JobStart *js;
	struct jobin in;
	uint8_t *obuf;          /* one chunk of output being filled */
	size_t olen;
	uint64_t out_off;       /* bytes sent so far */
	unsigned unacked;
	char err[256];
	int failed;
	int interrupted;
};

static void
send_output(struct conv *c, int eof)
{
	Sb__OutputChunk oc = SB__OUTPUT_CHUNK__INIT;
	sb_env e;

	chan_env_init(&e);
	e.body_case = SB__ENVELOPE__BODY_OUTPUT_CHUNK;
	e.output_chunk = &oc;
	oc.token = c->js->token;
	oc.offset = c->out_off;
	oc.data.data = c->obuf;
	oc.data.len = c->olen;
	oc.eof = eof;
	worker_send(c->w, &e);
	c->out_off += c->olen;
	c->olen = 0;
	c->unacked++;
}

static void
emit_cb(void *arg, const char *buf, size_t len)
{
	struct conv *c = arg;

	while (len > 0 && !c->failed) {
		size_t n = SB_CHUNK_SIZE - c->olen;
		if (n > len)
			n = len;
		memcpy(c->obuf + c->olen, buf, n);
		c->olen += n;
		buf += n;
		len -= n;
		if (c->olen == SB_CHUNK_SIZE)
			send_output(c, 0);
	}
}

static void
fail(struct conv *c, int interrupted, const char *why)
{
	if (c->failed)
		return;
	c->failed = 1;
	c->interrupted = interrupted;
	snprintf(c->err, sizeof(c->err), "%s", why);
}

/* One message from the broker while converting. */
static void
pump(struct conv *c, struct textps *t)
{
	char err[256];
	sb_env *e = worker_recv(c->w, (int)c->w->cfg->io_timeout_ms);

	if (e == NULL) {
		if (!c->w->draining)
			fail(c, 1, "no data from the spooler in time");
		return;
	}
	switch (e->body_case) {
	case SB__ENVELOPE__BODY_DATA_CHUNK:
		if (jobin_accept(&c->in, e->data_chunk, err, sizeof(err)) != 0)
			fail(c, 1, err);
		else
			textps_feed(t, e->data_chunk->data.data,
			    e->data_chunk->data.len);
		break;
	case SB__ENVELOPE__BODY_OUTPUT_ACK:
		if (e->output_ack->token != c->js->token)
			worker_violation(c->w, e);
		if (e->output_ack->error[0] != '\0')
			fail(c, 1, e->output_ack->error);
		c->unacked--;
		break;
	default:
		worker_violation(c->w, e);
	}
	chan_free(e);
}

static void
convert_text(struct worker *w, const Sb__JobStart *js)
{
	struct conv c = { .w = w, .js = js };
	struct textps *t;

	if ((c.obuf = malloc(SB_CHUNK_SIZE)) == NULL)
		fatal("out of memory");
	t = textps_new(js->paper, js->title, emit_cb, &c);
	if (t == NULL) {
		worker_job_done(w, js, SB__RESULT__PERMANENT,
		    "unknown paper size", 0, NULL);
		free(c.obuf);
		return;
	}
	jobin_init(&c.in, w, js->token, js->size, IN_WINDOW);
	while (!c.failed && !jobin_done(&c.in)) {
		/* Output acknowledgements gate new input: memory stays flat. */
		if (c.unacked < OUT_WINDOW)
			jobin_request(&c.in);
		pump(&c, t);
	}
	if (!c.failed) {
		textps_finish(t);
		send_output(&c, 1);
	}
	while (c.unacked > 0 && !c.failed)
		pump(&c, t);
	if (c.failed)
		worker_job_done(w, js, c.interrupted ? SB__RESULT__INTERRUPTED
					      : SB__RESULT__PERMANENT,
		    c.err, 0, NULL);
	else
		worker_job_done(w, js, SB__RESULT__OK, NULL, textps_pages(t),
		    NULL);
	textps_free(t);
	free(c.obuf);
}

static void
convert(struct worker *w, const Sb__JobStart *js)
{
	char why[128];

	if (js->from == SB__DATA_TYPE__TEXT &&
	    js->to == SB__DATA_TYPE__POSTSCRIPT) {
		convert_text(w, js);
		return;
	}
	snprintf(why, sizeof(why), "no conversion from %s to %s",
	    js->from == SB__DATA_TYPE__TEXT ? "text" : "this type",
	    js->to == SB__DATA_TYPE__PDF ? "pdf (not yet supported)"
					 : "the queue's datatype");
	worker_job_done(w, js, SB__RESULT__PERMANENT, why, 0, NULL);
}

void
printproc_run(struct worker *w)
{
	sb_env *e;

	for (;;) {
		e = worker_recv(w, -1);
		if (e == NULL && w->draining)
			worker_drained(w);
		if (e == NULL)
			continue;
		if (e->body_case == SB__ENVELOPE__BODY_DATA_CHUNK ||
		    e->body_case == SB__ENVELOPE__BODY_OUTPUT_ACK) {
			/* Left over from a dispatch that already ended. */
			chan_free(e);
			continue;
		}
		if (e->body_case != SB__ENVELOPE__BODY_JOB_START ||
		    e->job_start->stage != SB__STAGE__CONVERT)
			worker_violation(w, e);
		worker_leak(w);
		convert(w, e->job_start);
		chan_free(e);
		worker_job_finished(w);
		if (w->draining)
			worker_drained(w);
	}
}
