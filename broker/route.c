/*
 * route: job routing, and messages from workers once they are ready. One
 * function per peer role (from_localspl, from_job_worker); a message is
 * accepted only from the role meant to send it and only about the
 * dispatch (token) that worker holds. Anything else is a protocol
 * violation and the sender is stopped. A dispatch is one stage of one job
 * handed to one worker: JobStart from localspl goes to an idle worker of
 * the kind uri_kind() names (or waits in a FIFO), data and results travel
 * back and forth by token. Answers for clients are returned to the
 * caller, never sent from here.
 * Reports: protocol violations (kind, pid, reason), lost dispatches.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "broker.h"
#include "fdpass.h"
#include "log.h"
#include "util.h"

struct inst *
route_localspl(struct broker *b)
{
	for (size_t i = 0; i < b->ninsts; i++)
		if (b->insts[i].kind == SB__WORKER_KIND__LOCALSPL &&
		    b->insts[i].state == W_READY)
			return &b->insts[i];
	return NULL;
}

static void
violation(struct broker *b, struct inst *w, const sb_env *e, const char *why)
{
	char reason[256];

	snprintf(reason, sizeof(reason), "protocol violation: %s %s", why,
	    e != NULL ? chan_body_name(e) : "");
	log_error("%s.%u pid %d: %s", kind_name(w->kind), w->idx, (int)w->pid,
	    reason);
	supervise_stop(b, w, reason);
}

static struct inst *
inst_by_token(struct broker *b, uint64_t token)
{
	for (size_t i = 0; i < b->ninsts; i++)
		if (b->insts[i].token == token && token != 0)
			return &b->insts[i];
	return NULL;
}

/* Which worker kind does this stage of this job. 0: none can. */
static int
route_kind(const Sb__JobStart *js)
{
	int k;

	if (js->stage == SB__STAGE__CONVERT)
		return SB__WORKER_KIND__PRINTPROC;
	k = uri_kind(js->uri);
	/* file: queues are localspl's own: never routed. */
	return k == SB__WORKER_KIND__LOCALSPL ? 0 : k;
}

/* Tell localspl how a dispatch ended (for workers that cannot). */
static void
job_done_to_spooler(struct broker *b, uint64_t token, uint64_t job_id,
    int stage, int result, const char *error)
{
	Sb__JobDone d = SB__JOB_DONE__INIT;
	struct inst *spl = route_localspl(b);
	sb_env e;

	if (spl == NULL)
		return; /* a new localspl resumes the job from its store */
	chan_env_init(&e);
	e.body_case = SB__ENVELOPE__BODY_JOB_DONE;
	e.job_done = &d;
	d.token = token;
	d.job_id = job_id;
	d.stage = stage;
	d.result = result;
	d.error = (char *)error;
	supervise_send(b, spl, &e);
}

static struct inst *
idle_inst(struct broker *b, int kind)
{
	for (size_t i = 0; i < b->ninsts; i++) {
		struct inst *w = &b->insts[i];
		/* Not one on its way out: its replacement gets the work. */
		if (w->kind == kind && w->state == W_READY && w->token == 0 &&
		    w->slot->cur == w && w->slot->next == NULL)
			return w;
	}
	return NULL;
}

/* The dispatch goes to w: its data first, on the descriptor channel,
 * then the JobStart. */
static void
assign(struct broker *b, struct inst *w, sb_env *e, int fd)
{
	w->token = e->job_start->token;
	w->idle_since = 0;
	w->job_id = e->job_start->job_id;
	w->stage = e->job_start->stage;
	snprintf(w->queue, sizeof(w->queue), "%s", e->job_start->queue);
	snprintf(w->user, sizeof(w->user), "%s", e->job_start->user);
	if (fdpass_send(w->fdchan, w->token, fd) != 0)
		log_warn("job %llu: passing its data to %s.%u: %s",
		    (unsigned long long)w->job_id, kind_name(w->kind), w->idx,
		    strerror(errno)); /* it reports INTERRUPTED: no data */
	if (supervise_send(b, w, e) != 0) {
		/* The worker is being recycled; the reap interrupts it. */
		log_warn("job %llu: dispatch to %s.%u failed",
		    (unsigned long long)w->job_id, kind_name(w->kind), w->idx);
	}
}

/* Work waits with no free worker of its kind: start extra ones, one per
 * waiting dispatch not already covered by a process that is starting. */
static void
grow(struct broker *b)
{
	unsigned waiting[SB_KINDS] = { 0 }, starting[SB_KINDS] = { 0 };

	for (struct queued *q = b->queued; q != NULL; q = q->next)
		waiting[q->kind]++;
	for (size_t i = 0; i < b->ninsts; i++)
		if (b->insts[i].state == W_STARTING)
			starting[b->insts[i].kind]++;
	for (int k = 1; k < SB_KINDS; k++)
		while (waiting[k] > starting[k] && supervise_grow(b, k))
			starting[k]++;
}

/* Conversions of user's running now. */
static unsigned
converting_for(const struct broker *b, const char *user)
{
	unsigned n = 0;

	for (size_t i = 0; i < b->ninsts; i++)
		n += b->insts[i].kind == SB__WORKER_KIND__PRINTPROC &&
		    b->insts[i].token != 0 && strcmp(b->insts[i].user, user) == 0;
	return n;
}

/* The queued JobStart to hand out next (its link), with the idle worker
 * in *w; NULL: none can go now. Oldest first, except that the print
 * processors are shared between users: one with fewer conversions
 * running goes first, and nobody has them all (a user's slow documents
 * delay only that user's others). */
static struct queued **
next_assignable(struct broker *b, struct inst **w)
{
	const struct sb_budget *pp =
	    &b->cfg.workers[SB__WORKER_KIND__PRINTPROC];
	unsigned cap = pp->max_instances > 1 ? pp->max_instances - 1 : 1;
	struct queued **best = NULL, **pq;
	unsigned fewest = UINT_MAX;

	for (pq = &b->queued; *pq != NULL; pq = &(*pq)->next) {
		struct queued *q = *pq;
		unsigned n;
		if ((*w = idle_inst(b, q->kind)) == NULL)
			continue;
		if (q->kind != SB__WORKER_KIND__PRINTPROC)
			return pq;
		n = converting_for(b, q->env->job_start->user);
		if (n < cap && n < fewest) {
			fewest = n;
			best = pq;
		}
	}
	if (best != NULL)
		*w = idle_inst(b, SB__WORKER_KIND__PRINTPROC);
	return best;
}

/* Hand queued JobStarts to idle workers (next_assignable's order). */
void
route_assign(struct broker *b)
{
	struct queued **pp, *q;
	struct inst *w;

	while ((pp = next_assignable(b, &w)) != NULL) {
		q = *pp;
		*pp = q->next;
		if (b->queued_tail == &q->next)
			b->queued_tail = pp;
		assign(b, w, q->env, q->fd);
		close(q->fd);
		chan_free(q->env);
		free(q);
	}
	if (b->queued != NULL)
		grow(b);
}

/* A JobStart from localspl (spl), whose data localspl passed first. */
static void
on_job_start(struct broker *b, struct inst *spl, sb_env *e)
{
	Sb__JobStart *js = e->job_start;
	int kind = route_kind(js), fd;
	struct queued *q;

	if (js->token == 0 || inst_by_token(b, js->token) != NULL) {
		log_error("localspl: job start %llu with a token in use",
		    (unsigned long long)js->job_id);
		chan_free(e);
		return;
	}
	/* Sent before the JobStart: it is there, or localspl broke the
	 * protocol. */
	if ((fd = fdpass_recv_tag(spl->fdchan, js->token, 0)) < 0) {
		violation(b, spl, e, "no job data passed with");
		chan_free(e);
		return;
	}
	if (kind == 0) {
		job_done_to_spooler(b, js->token, js->job_id, js->stage,
		    SB__RESULT__PERMANENT, "no worker delivers to this URI");
		close(fd);
		chan_free(e);
		return;
	}
	if ((q = calloc(1, sizeof(*q))) == NULL)
		fatal("out of memory");
	q->kind = kind;
	q->env = e;
	q->fd = fd;
	*b->queued_tail = q;
	b->queued_tail = &q->next;
	route_assign(b);
}

static void unqueue(struct broker *b, uint64_t token);

/* The service is degraded while localspl's store cannot be written
 * (why), and no longer when it can (""): logged, and told to systemd. */
static void
degraded(struct broker *b, const char *why)
{
	if (why[0] != '\0')
		snprintf(b->degraded, sizeof(b->degraded), "job store: %s",
		    why);
	else
		b->degraded[0] = '\0';
	log_event(why[0] ? LOG_ERR : LOG_INFO, NULL, "%s%s",
	    why[0] ? "degraded: " : "no longer degraded: the job store "
				   "writes again",
	    b->degraded);
	notify_status(b);
}

/* localspl -> broker. Returns an answer for a client, or NULL. */
static sb_env *
from_localspl(struct broker *b, struct inst *w, sb_env *e)
{
	struct inst *to;

	switch (e->body_case) {
	case SB__ENVELOPE__BODY_SUBMIT_REP:
		/* localspl's unit of work: a job accepted into the store;
		 * measured after the batch of answers this one came in
		 * (worker_readable), not once per answer: one group commit
		 * answers many submits at once. */
		if (e->submit_rep->job_id != 0) {
			w->jobs++;
			w->measure_due = 1;
		}
		return e;
	case SB__ENVELOPE__BODY_JOBS_REP:
	case SB__ENVELOPE__BODY_ACCOUNTING_REP:
	case SB__ENVELOPE__BODY_QUOTA_REP:
	case SB__ENVELOPE__BODY_QUEUES_REP:
	case SB__ENVELOPE__BODY_ERROR_REP:
		return e;
	case SB__ENVELOPE__BODY_SPOOLER_HEALTH:
		degraded(b, e->spooler_health->store_error);
		break;
	case SB__ENVELOPE__BODY_JOB_START:
		on_job_start(b, w, e);
		return NULL; /* e is owned by the queue now */
	case SB__ENVELOPE__BODY_ABORT:
		/* A dispatch that ended meanwhile has no one to take it. */
		if ((to = inst_by_token(b, e->abort->token)) != NULL)
			supervise_send(b, to, e);
		else
			unqueue(b, e->abort->token);
		break;
	case SB__ENVELOPE__BODY_OUTPUT_ACK:
		to = inst_by_token(b, e->output_ack->token);
		if (to != NULL && to->kind == SB__WORKER_KIND__PRINTPROC)
			supervise_send(b, to, e);
		break;
	default:
		violation(b, w, e, "localspl may not send");
		break;
	}
	chan_free(e);
	return NULL;
}

/* A dispatch that did not succeed, with its job and queue (the journal's
 * fields): w's job, which its JobDone d just ended. */
static void
log_failed(const struct inst *w, const Sb__JobDone *d)
{
	struct log_about a = supervise_about(w);

	a.job = w->job_id; /* the token is already cleared */
	a.queue = w->queue;
	log_event(LOG_WARNING, &a, "job %llu (queue %s): %s.%u pid %d: %s",
	    (unsigned long long)w->job_id, w->queue, kind_name(w->kind),
	    w->idx, (int)w->pid, d->error[0] ? d->error : "failed");
}

static void caps_answer(struct broker *b, struct inst *w, sb_env *e);
static void caps_changed(struct broker *b, const struct inst *w,
    int32_t changed);
static void caps_lost(struct broker *b, uint64_t token);

/* printproc, lprmon, remote -> broker: only about their own dispatch. */
static void
from_job_worker(struct broker *b, struct inst *w, sb_env *e)
{
	struct inst *spl = route_localspl(b);
	uint64_t token;

	switch (e->body_case) {
	case SB__ENVELOPE__BODY_PRINTER_CAPS:
		if (w->kind != SB__WORKER_KIND__REMOTE ||
		    e->printer_caps->token != w->token ||
		    !(w->token & CAPS_TOKEN_BIT)) {
			violation(b, w, e, "no probe asked for");
			goto out;
		}
		caps_answer(b, w, e);
		route_assign(b);
		goto out;
	case SB__ENVELOPE__BODY_OUTPUT_CHUNK:
		if (w->kind != SB__WORKER_KIND__PRINTPROC) {
			violation(b, w, e, "only printproc may send");
			goto out;
		}
		token = e->output_chunk->token;
		break;
	case SB__ENVELOPE__BODY_JOB_DONE:
		token = e->job_done->token;
		break;
	default:
		violation(b, w, e, "a job worker may not send");
		goto out;
	}
	if (token != w->token || token == 0 || (token & CAPS_TOKEN_BIT)) {
		violation(b, w, e, "token of another dispatch in");
		goto out;
	}
	if (e->body_case == SB__ENVELOPE__BODY_JOB_DONE) {
		caps_changed(b, w, e->job_done->printer_changed);
		e->job_done->job_id = w->job_id; /* the broker's word counts */
		e->job_done->stage = w->stage;
		w->token = 0;
		w->jobs++;
		w->idle_since = now_mono_ms();
		if (e->job_done->result == SB__RESULT__OK)
			w->slot->crashes = 0;
		else
			log_failed(w, e->job_done);
	}
	if (spl != NULL)
		supervise_send(b, spl, e);
	if (e->body_case == SB__ENVELOPE__BODY_JOB_DONE) {
		/* Measure after every job, as well as every sample_interval. */
		supervise_measure(b, w, now_mono_ms(), 1);
		route_assign(b);
	}
out:
	chan_free(e);
}

sb_env *
route_from_worker(struct broker *b, struct inst *w, sb_env *e)
{
	int was_starting = w->state == W_STARTING;

	if (supervise_msg(b, w, e)) {
		if (was_starting)
			route_assign(b); /* a worker may have become ready */
		return NULL;
	}
	if (w->kind == SB__WORKER_KIND__LOCALSPL)
		return from_localspl(b, w, e);
	from_job_worker(b, w, e);
	return NULL;
}

static void
queued_free(struct queued *q)
{
	close(q->fd);
	chan_free(q->env);
	free(q);
}

/* An aborted dispatch still waiting for a worker: gone, and localspl
 * hears it ended. */
static void
unqueue(struct broker *b, uint64_t token)
{
	struct queued **pp, *q;

	for (pp = &b->queued; (q = *pp) != NULL; pp = &q->next) {
		if (q->env->job_start->token != token)
			continue;
		*pp = q->next;
		if (b->queued_tail == &q->next)
			b->queued_tail = pp;
		job_done_to_spooler(b, token, q->env->job_start->job_id,
		    q->env->job_start->stage, SB__RESULT__INTERRUPTED,
		    "aborted before it began");
		queued_free(q);
		return;
	}
}

/* Abort what another worker is doing on behalf of a dead localspl. */
static void
orphan_dispatches(struct broker *b)
{
	Sb__Abort a = SB__ABORT__INIT;
	struct queued *q;
	sb_env e;

	chan_env_init(&e);
	e.body_case = SB__ENVELOPE__BODY_ABORT;
	e.abort = &a;
	a.reason = "local spooler restarted";
	for (size_t i = 0; i < b->ninsts; i++) {
		struct inst *w = &b->insts[i];
		if (w->token == 0 || w->kind == SB__WORKER_KIND__LOCALSPL ||
		    (w->token & CAPS_TOKEN_BIT))
			continue;
		a.token = w->token;
		supervise_send(b, w, &e);
	}
	while ((q = b->queued) != NULL) {
		b->queued = q->next;
		queued_free(q);
	}
	b->queued_tail = &b->queued;
}

/* A worker process is gone: nothing it held is the job's fault. */
void
route_lost(struct broker *b, const struct loss *lost)
{
	if (lost->kind == SB__WORKER_KIND__LOCALSPL) {
		/* A new localspl says again if its store cannot write. */
		b->degraded[0] = '\0';
		orphan_dispatches(b);
		return;
	}
	if (lost->token & CAPS_TOKEN_BIT)
		caps_lost(b, lost->token);
	else if (lost->token != 0)
		job_done_to_spooler(b, lost->token, lost->job_id, lost->stage,
		    lost->result, lost->why);
}

/* ---- what the printers of ipp:// queues can do ---- */

#define CAPS_REFRESH_MS (10 * 60 * 1000) /* asked again this often */
#define CAPS_RETRY_MS (60 * 1000)        /* after a probe that failed */

/* The entry of q (made, or reset when its printer's URI changed). */
static struct caps_entry *
caps_entry(struct broker *b, const struct sb_queue *q)
{
	struct caps_entry *c;

	for (size_t i = 0; i < b->ncaps; i++) {
		c = &b->caps[i];
		if (strcmp(c->queue, q->name) != 0)
			continue;
		if (strcmp(c->uri, q->uri) != 0) {
			free(c->packed);
			*c = (struct caps_entry){ .token = c->token };
			snprintf(c->queue, sizeof(c->queue), "%s", q->name);
			snprintf(c->uri, sizeof(c->uri), "%s", q->uri);
		}
		return c;
	}
	c = realloc(b->caps, (b->ncaps + 1) * sizeof(*c));
	if (c == NULL)
		fatal("out of memory");
	b->caps = c;
	c = &b->caps[b->ncaps++];
	*c = (struct caps_entry){ 0 };
	snprintf(c->queue, sizeof(c->queue), "%s", q->name);
	snprintf(c->uri, sizeof(c->uri), "%s", q->uri);
	return c;
}

static struct caps_entry *
caps_by_token(struct broker *b, uint64_t token)
{
	for (size_t i = 0; i < b->ncaps; i++)
		if (b->caps[i].token == token)
			return &b->caps[i];
	return NULL;
}

/* Ask w what the printer of q can do: a dispatch of the broker's own. */
static void
caps_ask(struct broker *b, struct inst *w, const struct sb_queue *q,
    struct caps_entry *c)
{
	Sb__CapsReq r = SB__CAPS_REQ__INIT;
	char *pem = supervise_ca_pem(q);
	sb_env e;

	c->token = CAPS_TOKEN_BIT | ++b->caps_seq;
	w->token = c->token;
	w->idle_since = 0;
	w->job_id = 0;
	w->stage = SB__STAGE__STAGE_NONE;
	snprintf(w->queue, sizeof(w->queue), "%.63s", q->name);
	snprintf(w->user, sizeof(w->user), "%s", "spoolbox");
	chan_env_init(&e);
	e.body_case = SB__ENVELOPE__BODY_CAPS_REQ;
	e.caps_req = &r;
	r.token = c->token;
	r.queue = (char *)q->name;
	r.uri = (char *)q->uri;
	r.ca_pem = pem != NULL ? pem : (char *)"";
	r.pin_sha256 = (char *)q->pin_sha256;
	supervise_send(b, w, &e); /* a failure stops w: route_lost */
	free(pem);
}

void
route_caps_tick(struct broker *b, uint64_t now)
{
	for (size_t i = 0; i < b->cfg.nqueues; i++) {
		const struct sb_queue *q = &b->cfg.queues[i];
		struct caps_entry *c;
		struct inst *w;
		/* A pool's printers are not asked: it offers the defaults. */
		if (uri_kind(q->uri) != SB__WORKER_KIND__REMOTE ||
		    strchr(q->uri, ',') != NULL)
			continue;
		c = caps_entry(b, q);
		if (c->token != 0 || c->next_ms > now)
			continue;
		/* Jobs first: a probe waits for a remote that is idle. */
		if (b->queued != NULL ||
		    (w = idle_inst(b, SB__WORKER_KIND__REMOTE)) == NULL)
			return;
		caps_ask(b, w, q, c);
	}
}

/* A remote's answer (e, taken): kept packed for QueueInfo. */
static void
caps_answer(struct broker *b, struct inst *w, sb_env *e)
{
	Sb__PrinterCaps *p = e->printer_caps;
	struct caps_entry *c = caps_by_token(b, p->token);
	uint64_t now = now_mono_ms();

	w->token = 0;
	w->idle_since = now;
	if (c == NULL) /* its queue went in a reload */
		return;
	c->token = 0;
	if (p->error[0] != '\0') {
		if (!c->failing)
			log_warn("queue %s: what its printer can do is not "
			    "known: %s (asked again every %d s)", c->queue,
			    p->error, CAPS_RETRY_MS / 1000);
		c->failing = 1;
		c->next_ms = now + CAPS_RETRY_MS;
		return;
	}
	if (c->failing || c->packed == NULL)
		log_info("queue %s: its printer offers %zu media, %zu sides, "
		    "%zu colour modes, %zu supplies", c->queue, p->n_media,
		    p->n_sides, p->n_color_modes, p->n_supplies);
	c->failing = 0;
	c->next_ms = now + CAPS_REFRESH_MS;
	c->changed = p->config_change_time;
	p->fetched = now_wall_ms();
	free(c->packed);
	c->len = sb__printer_caps__get_packed_size(p);
	if ((c->packed = malloc(c->len)) == NULL)
		fatal("out of memory");
	sb__printer_caps__pack(p, c->packed);
}

/* A delivery said the printer's configuration changed: ask again. */
static void
caps_changed(struct broker *b, const struct inst *w, int32_t changed)
{
	for (size_t i = 0; changed != 0 && i < b->ncaps; i++)
		if (strcmp(b->caps[i].queue, w->queue) == 0 &&
		    b->caps[i].packed != NULL && b->caps[i].changed != changed)
			b->caps[i].next_ms = 0;
}

/* A probe that ended with its remote: asked again a little later. */
static void
caps_lost(struct broker *b, uint64_t token)
{
	struct caps_entry *c = caps_by_token(b, token);

	if (c != NULL) {
		c->token = 0;
		c->next_ms = now_mono_ms() + CAPS_RETRY_MS;
	}
}

void
route_caps_refresh(struct broker *b)
{
	for (size_t i = 0; i < b->ncaps; i++)
		b->caps[i].next_ms = 0;
}

Sb__PrinterCaps *
route_caps(const struct broker *b, const char *queue)
{
	for (size_t i = 0; i < b->ncaps; i++)
		if (strcmp(b->caps[i].queue, queue) == 0 &&
		    b->caps[i].packed != NULL)
			return sb__printer_caps__unpack(NULL, b->caps[i].len,
			    b->caps[i].packed);
	return NULL;
}
