/*
 * upload: a job from the network goes to localspl as the chunks a local
 * client's pipe would (SubmitReq), through the broker, with up to
 * UPLOAD_WINDOW chunks unanswered so the network, not the round trip,
 * sets the pace; the listener holds one chunk per connection, never the
 * job. The job is acknowledged to the client only once the final chunk's
 * answer names its id (on stable storage); an upload its client
 * abandoned is removed at once (SubmitReq.cancel).
 * Reports: failures in u->err, one line, for the protocol's answer.
 */
#define _GNU_SOURCE
#include "listener.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"

/* localspl's answer within this, or the upload fails. */
#define UPLOAD_ANSWER_MS 60000

void
upload_init(struct upload *u, struct lsn *l, const char *user,
    const char *queue, int datatype)
{
	memset(u, 0, sizeof(*u));
	u->l = l;
	snprintf(u->user, sizeof(u->user), "%s", user);
	snprintf(u->queue, sizeof(u->queue), "%s", queue);
	u->datatype = datatype;
	u->copies = 1;
}

static void
fail(struct upload *u, int code, const char *why)
{
	if (u->failed)
		return;
	u->failed = 1;
	u->code = code;
	snprintf(u->err, sizeof(u->err), "%s", why);
}

/* Take the answer to request id: its SubmitRep's upload/job ids. */
static int
answered(struct upload *u, uint64_t id, uint64_t *job)
{
	sb_env *a = lsn_wait(u->l, id, UPLOAD_ANSWER_MS);
	int rv = -1;

	if (a == NULL) {
		fail(u, SB__ERROR_CODE__E_UNAVAILABLE,
		    "the spooler did not answer in time");
		return -1;
	}
	if (a->body_case == SB__ENVELOPE__BODY_SUBMIT_REP) {
		if (u->id == 0)
			u->id = a->submit_rep->upload;
		if (job != NULL)
			*job = a->submit_rep->job_id;
		rv = 0;
	} else if (a->body_case == SB__ENVELOPE__BODY_ERROR_REP) {
		fail(u, a->error_rep->code, a->error_rep->message);
	} else {
		fail(u, SB__ERROR_CODE__E_IO, "unexpected answer");
	}
	chan_free(a);
	return rv;
}

/* Send what is buffered as one chunk. The first waits for its answer
 * (it names the upload); later ones ride the window. */
static int
send_chunk(struct upload *u, int final, const char *owner, uint64_t *job)
{
	Sb__SubmitReq r = SB__SUBMIT_REQ__INIT;
	sb_env e;
	uint64_t id;

	if (u->failed)
		return -1;
	chan_env_init(&e);
	e.body_case = SB__ENVELOPE__BODY_SUBMIT_REQ;
	e.submit_req = &r;
	r.upload = u->id;
	r.data.data = u->buf;
	r.data.len = u->fill;
	r.final = final != 0;
	if (u->id == 0) {
		r.queue = u->queue;
		r.datatype = u->datatype;
		r.copies = u->copies;
		r.hold_until = u->hold_until;
		r.sides = u->sides;
		r.media = u->media;
		r.orientation = u->orientation;
		r.print_scaling = u->scaling;
		r.page_ranges = u->page_ranges;
		r.number_up = u->number_up;
		r.overrides = u->overrides;
		if (chan_text_layout_set(&u->text))
			r.text = &u->text;
	}
	if (u->id == 0 || final) {
		r.title = u->title;
		r.filename = u->filename;
	}
	if (final) {
		r.copies = u->copies;
		r.owner = owner != NULL ? (char *)owner : (char *)"";
	}
	id = lsn_send(u->l, &e, u->user);
	u->size += u->fill;
	u->fill = 0;
	if (u->id == 0 || final) {
		/* Everything before it first, in order. */
		while (u->n > 0) {
			if (answered(u, u->inflight[u->head], NULL) != 0)
				return -1;
			u->head = (u->head + 1) % UPLOAD_WINDOW;
			u->n--;
		}
		return answered(u, id, job);
	}
	if (u->n == UPLOAD_WINDOW) {
		if (answered(u, u->inflight[u->head], NULL) != 0)
			return -1;
		u->head = (u->head + 1) % UPLOAD_WINDOW;
		u->n--;
	}
	u->inflight[(u->head + u->n) % UPLOAD_WINDOW] = id;
	u->n++;
	return 0;
}

int
upload_start(struct upload *u)
{
	if (u->id != 0)
		return 0;
	if (u->buf == NULL && (u->buf = malloc(UPLOAD_CHUNK)) == NULL)
		fatal("out of memory");
	return send_chunk(u, 0, NULL, NULL);
}

int
upload_write(struct upload *u, const void *p, size_t n)
{
	const unsigned char *b = p;

	if (u->buf == NULL && (u->buf = malloc(UPLOAD_CHUNK)) == NULL)
		fatal("out of memory");
	while (n > 0) {
		size_t take = UPLOAD_CHUNK - u->fill < n ? UPLOAD_CHUNK - u->fill
							 : n;
		memcpy(u->buf + u->fill, b, take);
		u->fill += take;
		b += take;
		n -= take;
		if (u->fill == UPLOAD_CHUNK && send_chunk(u, 0, NULL, NULL) != 0)
			return -1;
	}
	return u->failed ? -1 : 0;
}

uint64_t
upload_finish(struct upload *u, const char *owner)
{
	uint64_t job = 0;

	if (u->buf == NULL && (u->buf = malloc(UPLOAD_CHUNK)) == NULL)
		fatal("out of memory");
	if (send_chunk(u, 1, owner, &job) != 0)
		return 0;
	if (job == 0)
		fail(u, SB__ERROR_CODE__E_IO, "the spooler did not take it");
	u->id = job != 0 ? job : u->id;
	return job;
}

void
upload_abandon(struct upload *u)
{
	Sb__SubmitReq r = SB__SUBMIT_REQ__INIT;
	sb_env e, *a;

	/* What is in flight is answered first; then the upload goes. */
	while (u->n > 0) {
		a = lsn_wait(u->l, u->inflight[u->head], UPLOAD_ANSWER_MS);
		if (a != NULL)
			chan_free(a);
		u->head = (u->head + 1) % UPLOAD_WINDOW;
		u->n--;
	}
	if (u->id == 0)
		return;
	chan_env_init(&e);
	e.body_case = SB__ENVELOPE__BODY_SUBMIT_REQ;
	e.submit_req = &r;
	r.upload = u->id;
	r.cancel = 1;
	if ((a = lsn_call(u->l, &e, u->user, UPLOAD_ANSWER_MS)) != NULL)
		chan_free(a);
	u->id = 0;
}

void
upload_free(struct upload *u)
{
	free(u->buf);
	u->buf = NULL;
}
