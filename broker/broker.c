/*
 * broker: messages from workers. One dispatch function per peer role; a
 * message is accepted only from the role meant to send it and only about
 * the dispatch (token) that worker holds. Anything else is a protocol
 * violation and the sender is recycled. Job work is routed here: JobStart
 * from localspl goes to an idle worker of the right kind (or waits in a
 * FIFO), data and results travel back and forth by token.
 * Reports: protocol violations (kind, pid, reason), lost dispatches.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "broker.h"
#include "log.h"
#include "util.h"

struct inst *
broker_localspl(struct broker *b)
{
	for (size_t i = 0; i < b->ninsts; i++)
		if (b->insts[i].kind == SB__WORKER_KIND__LOCALSPL &&
		    b->insts[i].state == W_READY)
			return &b->insts[i];
	return NULL;
}

int
broker_try_send(struct inst *w, const sb_env *e)
{
	if (!w->sock_open)
		return NNG_ECLOSED;
	/* Never block: the broker serves everyone from one thread. */
	return chan_send(w->sock, e, NNG_FLAG_NONBLOCK);
}

int
broker_send(struct broker *b, struct inst *w, const sb_env *e)
{
	int rv;

	if (!w->sock_open)
		return -1;
	if ((rv = broker_try_send(w, e)) != 0) {
		char why[128];
		snprintf(why, sizeof(why), "send of %s failed: %s",
		    chan_body_name(e), nng_strerror(rv));
		log_warn("%s.%u pid %d: %s", kind_name(w->kind), w->idx,
		    (int)w->pid, why);
		supervise_stop(b, w, why);
		return -1;
	}
	return 0;
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

size_t
broker_localspl_paths(const struct broker *b, const char *out[17])
{
	size_t n = 0;

	out[n++] = b->cfg.spool_dir;
	for (size_t i = 0; i < b->cfg.nqueues && n < 16; i++)
		if (strncmp(b->cfg.queues[i].uri, "file://", 7) == 0)
			out[n++] = b->cfg.queues[i].uri + 7;
	out[n] = NULL;
	return n;
}

static void
send_configure(struct broker *b, struct inst *w)
{
	const struct sb_budget *bg = &b->cfg.workers[w->kind];
	Sb__Configure c = SB__CONFIGURE__INIT;
	Sb__QueueConfig *qs = NULL, **qp = NULL;
	const char *rw[17];
	sb_env e;

	chan_env_init(&e);
	e.body_case = SB__ENVELOPE__BODY_CONFIGURE;
	e.configure = &c;
	c.debug_leak_bytes_per_job = bg->debug_leak_bytes_per_job;
	c.debug_leak_handles_per_job = (uint32_t)bg->debug_leak_handles_per_job;
	c.io_timeout_ms = b->cfg.io_timeout;
	c.debug_crash_on_start = bg->debug_crash_on_start != 0;
	/* Only the slot's first N processes, so a replacement finishes. */
	c.debug_sandbox_violation = w->slot->restarts <
	    bg->debug_sandbox_violation;
	c.sandbox = b->cfg.sandbox == SANDBOX_AUDIT ? "audit"
	    : b->cfg.sandbox == SANDBOX_OFF	    ? "off"
						    : "enforce";
	c.run_uid = (uint32_t)b->run_uid[w->kind];
	c.run_gid = (uint32_t)b->run_gid[w->kind];
	/* A few fds above the budget: the budget recycles, this is a wall. */
	c.nofile = bg->handle_budget ? (uint32_t)bg->handle_budget + 16 : 0;
	if (w->kind == SB__WORKER_KIND__LOCALSPL) {
		c.spool_dir = b->cfg.spool_dir;
		c.history_limit = (uint32_t)b->cfg.history_limit;
		qs = calloc(b->cfg.nqueues, sizeof(*qs));
		qp = calloc(b->cfg.nqueues, sizeof(*qp));
		if (b->cfg.nqueues > 0 && (qs == NULL || qp == NULL))
			fatal("out of memory");
		for (size_t i = 0; i < b->cfg.nqueues; i++) {
			const struct sb_queue *q = &b->cfg.queues[i];
			sb__queue_config__init(&qs[i]);
			qs[i].name = (char *)q->name;
			qs[i].uri = (char *)q->uri;
			qs[i].datatype = q->datatype;
			qs[i].retry_interval_ms = q->retry_interval;
			qs[i].retry_limit = (uint32_t)q->retry_limit;
			qs[i].error_policy = q->error_policy;
			qs[i].paper = (char *)q->paper;
			qs[i].description = (char *)q->description;
			qp[i] = &qs[i];
		}
		c.n_queues = b->cfg.nqueues;
		c.queues = qp;
		c.n_rw_paths = broker_localspl_paths(b, rw);
		c.rw_paths = (char **)rw;
	}
	broker_send(b, w, &e);
	free(qs);
	free(qp);
}

/* Which worker kind does this stage of this job. 0: none can. */
static int
route_kind(const Sb__JobStart *js)
{
	if (js->stage == SB__STAGE__CONVERT)
		return SB__WORKER_KIND__PRINTPROC;
	if (strncmp(js->uri, "lpd://", 6) == 0)
		return SB__WORKER_KIND__LPRMON;
	if (strncmp(js->uri, "ipp://", 6) == 0 ||
	    strncmp(js->uri, "ipps://", 7) == 0)
		return SB__WORKER_KIND__REMOTE;
	return 0;
}

/* Tell localspl how a dispatch ended (for workers that cannot). */
static void
job_done_to_spooler(struct broker *b, uint64_t token, uint64_t job_id,
    int stage, int result, const char *error)
{
	Sb__JobDone d = SB__JOB_DONE__INIT;
	struct inst *spl = broker_localspl(b);
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
	broker_send(b, spl, &e);
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

static void
assign(struct broker *b, struct inst *w, sb_env *e)
{
	w->token = e->job_start->token;
	w->idle_since = 0;
	w->job_id = e->job_start->job_id;
	w->stage = e->job_start->stage;
	if (broker_send(b, w, e) != 0) {
		/* The worker is being recycled; the reap interrupts it. */
		log_warn("job %llu: dispatch to %s.%u failed",
		    (unsigned long long)w->job_id, kind_name(w->kind), w->idx);
	}
}

/* Hand queued JobStarts to idle workers, oldest first. */
void
broker_dispatch(struct broker *b)
{
	struct queued **pp = &b->queued, *q;
	struct inst *w;

	while ((q = *pp) != NULL) {
		if ((w = idle_inst(b, q->kind)) == NULL) {
			pp = &q->next;
			continue;
		}
		*pp = q->next;
		if (b->queued_tail == &q->next)
			b->queued_tail = pp;
		assign(b, w, q->env);
		chan_free(q->env);
		free(q);
	}
}

static void
on_job_start(struct broker *b, sb_env *e)
{
	Sb__JobStart *js = e->job_start;
	int kind = route_kind(js);
	struct queued *q;

	if (js->token == 0 || inst_by_token(b, js->token) != NULL) {
		log_error("localspl: job start %llu with a token in use",
		    (unsigned long long)js->job_id);
		chan_free(e);
		return;
	}
	if (kind == 0) {
		job_done_to_spooler(b, js->token, js->job_id, js->stage,
		    SB__RESULT__PERMANENT, "no worker delivers to this URI");
		chan_free(e);
		return;
	}
	if ((q = calloc(1, sizeof(*q))) == NULL)
		fatal("out of memory");
	q->kind = kind;
	q->env = e;
	*b->queued_tail = q;
	b->queued_tail = &q->next;
	broker_dispatch(b);
}

/* A draining worker is idle: everything it sent has arrived; stop it. */
static void
drained(struct broker *b, struct inst *w)
{
	if (w->state != W_DRAINING || w->token != 0) {
		violation(b, w, NULL, "drained without a drain or mid-job");
		return;
	}
	supervise_terminate(b, w);
}

/* localspl -> broker */
static void
from_localspl(struct broker *b, struct inst *w, sb_env *e)
{
	struct inst *to;

	switch (e->body_case) {
	case SB__ENVELOPE__BODY_DRAINED:
		drained(b, w);
		break;
	case SB__ENVELOPE__BODY_SUBMIT_REP:
		client_answer(b, e);
		/* localspl's unit of work: a job accepted into the store;
		 * measured after each, like every worker's job. */
		if (e->submit_rep->job_id != 0) {
			w->jobs++;
			budget_measure(b, w, now_mono_ms());
		}
		break;
	case SB__ENVELOPE__BODY_JOBS_REP:
	case SB__ENVELOPE__BODY_QUEUES_REP:
	case SB__ENVELOPE__BODY_ERROR_REP:
		client_answer(b, e);
		break;
	case SB__ENVELOPE__BODY_JOB_START:
		on_job_start(b, e);
		return; /* e is owned by the queue now */
	case SB__ENVELOPE__BODY_DATA_CHUNK:
		/* A dispatch that ended meanwhile has no one to take it. */
		if ((to = inst_by_token(b, e->data_chunk->token)) != NULL)
			broker_send(b, to, e);
		break;
	case SB__ENVELOPE__BODY_OUTPUT_ACK:
		to = inst_by_token(b, e->output_ack->token);
		if (to != NULL && to->kind == SB__WORKER_KIND__PRINTPROC)
			broker_send(b, to, e);
		break;
	default:
		violation(b, w, e, "localspl may not send");
		break;
	}
	chan_free(e);
}

/* printproc, lprmon, remote -> broker: only about their own dispatch. */
static void
from_job_worker(struct broker *b, struct inst *w, sb_env *e)
{
	struct inst *spl = broker_localspl(b);
	uint64_t token;

	switch (e->body_case) {
	case SB__ENVELOPE__BODY_DRAINED:
		drained(b, w);
		goto out;
	case SB__ENVELOPE__BODY_DATA_REQ:
		token = e->data_req->token;
		break;
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
	if (token != w->token || token == 0) {
		violation(b, w, e, "token of another dispatch in");
		goto out;
	}
	if (e->body_case == SB__ENVELOPE__BODY_JOB_DONE) {
		e->job_done->job_id = w->job_id; /* the broker's word counts */
		e->job_done->stage = w->stage;
		w->token = 0;
		w->jobs++;
		w->idle_since = now_mono_ms();
		if (e->job_done->result == SB__RESULT__OK)
			w->slot->crashes = 0;
	}
	if (spl != NULL)
		broker_send(b, spl, e);
	if (e->body_case == SB__ENVELOPE__BODY_JOB_DONE) {
		/* Measure after every job, as well as every sample_interval. */
		budget_measure(b, w, now_mono_ms());
		broker_dispatch(b);
	}
out:
	chan_free(e);
}

void
broker_worker_msg(struct broker *b, struct inst *w, sb_env *e)
{
	if (e->body_case == SB__ENVELOPE__BODY_SANDBOXED &&
	    w->state != W_STARTING && w->seccomp[0] == '\0') {
		/* Shown to admins; enforcement never relies on it. */
		snprintf(w->seccomp, sizeof(w->seccomp), "%s",
		    e->sandboxed->seccomp);
		w->syscalls = e->sandboxed->syscalls;
		w->landlock_abi = e->sandboxed->landlock_abi;
		snprintf(w->namespaces, sizeof(w->namespaces), "%s",
		    e->sandboxed->namespaces);
		chan_free(e);
		return;
	}
	if (w->state == W_STARTING) {
		if (e->body_case != SB__ENVELOPE__BODY_HELLO ||
		    e->hello->kind != (Sb__WorkerKind)w->kind ||
		    (pid_t)e->hello->pid != w->pid) {
			violation(b, w, e, "expected a matching hello, got");
			chan_free(e);
			return;
		}
		chan_free(e);
		send_configure(b, w);
		supervise_ready(b, w);
		log_debug("%s.%u pid %d ready", kind_name(w->kind), w->idx,
		    (int)w->pid);
		broker_dispatch(b);
		return;
	}
	if (w->kind == SB__WORKER_KIND__LOCALSPL)
		from_localspl(b, w, e);
	else
		from_job_worker(b, w, e);
}

/* Abort what another worker is doing on behalf of a dead localspl. */
static void
orphan_dispatches(struct broker *b)
{
	Sb__DataChunk c = SB__DATA_CHUNK__INIT;
	struct queued *q;
	sb_env e;

	chan_env_init(&e);
	e.body_case = SB__ENVELOPE__BODY_DATA_CHUNK;
	e.data_chunk = &c;
	c.error = "local spooler restarted";
	for (size_t i = 0; i < b->ninsts; i++) {
		struct inst *w = &b->insts[i];
		if (w->token == 0 || w->kind == SB__WORKER_KIND__LOCALSPL)
			continue;
		c.token = w->token;
		broker_send(b, w, &e);
	}
	while ((q = b->queued) != NULL) {
		b->queued = q->next;
		chan_free(q->env);
		free(q);
	}
	b->queued_tail = &b->queued;
}

/* A worker process is gone: nothing it held is the job's fault. */
void
broker_worker_lost(struct broker *b, struct inst *w, const char *why)
{
	char msg[320];

	if (w->kind == SB__WORKER_KIND__LOCALSPL) {
		client_fail_pending(b, "local spooler restarting, try again");
		orphan_dispatches(b);
		return;
	}
	if (w->token != 0) {
		snprintf(msg, sizeof(msg), "%s.%u %s", kind_name(w->kind),
		    w->idx, why);
		job_done_to_spooler(b, w->token, w->job_id, w->stage,
		    SB__RESULT__INTERRUPTED, msg);
		w->token = 0;
	}
}
