/*
 * localspl: the local spooler role. Owns the queues and the job store,
 * answers the job and queue requests the broker forwards (with the caller
 * the broker vouches for), decides what runs next and writes file: ports.
 * Its whole life is here: state, event loop, and the one switch that says
 * what a message from the broker means; the work is in request.c,
 * sched.c, fileport.c and store.c.
 * Reports: every job that aborts or waits for a retry, with the reason.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "localspl.h"
#include "log.h"
#include "util.h"
#include "vocab.h"

/* Messages handled before their changes are committed together. */
#define PASS_MAX 64

/* s->queues for Configure c: a queue kept by name keeps its state (an
 * admin's stop and reject, the error policy's, counters, look-ahead);
 * a new one starts as at a start, with its saved state if any. 0, or -1
 * without memory (nothing changed). */
static int
queues_from(struct spl *s, const Sb__Configure *c)
{
	struct queue *nq = calloc(c->n_queues ? c->n_queues : 1, sizeof(*nq));
	int fresh = 0;

	if (nq == NULL)
		return -1;
	for (size_t i = 0; i < c->n_queues; i++) {
		struct queue *old = s->queues != NULL
		    ? spl_queue(s, c->queues[i]->name)
		    : NULL;
		if (old != NULL) {
			nq[i] = *old;
		} else {
			sched_window_reset(&nq[i]);
			fresh = 1;
		}
		nq[i].cfg = c->queues[i];
		pool_setup(&nq[i], old);
	}
	free(s->queues);
	s->queues = nq;
	s->nqueues = c->n_queues;
	if (fresh)
		request_load_queue_states(s); /* the same for the kept ones */
	return 0;
}

/* A Configure after the start (a reload): the queues and the spooler's
 * limits apply from now on, and nothing in flight stops. What the
 * sandbox was built from stays as it was (the broker restarts localspl
 * when that changes). */
static void
reconfigure(struct spl *s, sb_env *e)
{
	struct worker *w = s->w;
	sb_env *was = w->cfg_env;

	if (queues_from(s, e->configure) != 0) {
		log_error("reload: out of memory; the old queues stay");
		chan_free(e);
		return;
	}
	w->cfg_env = e;
	w->cfg = e->configure;
	if (s->store.preserve_ms != w->cfg->preserve_ms)
		s->store.resweep_at = 0; /* a shorter time applies now */
	s->store.preserve_ms = w->cfg->preserve_ms;
	chan_free(was);
	sched_settle(s); /* jobs of a queue gone leave memory; new look-ahead */
	log_info("reconfigured: %zu queue(s)", s->nqueues);
}

/* The one place localspl decides what a message from the broker means. */
static void
localspl_from_broker(struct spl *s, sb_env *e)
{
	/* Client requests come only with the caller attached. */
	if (request_for_localspl(e) && e->caller == NULL)
		worker_violation(s->w, e);
	switch (e->body_case) {
	case SB__ENVELOPE__BODY_SUBMIT_REQ:
		request_submit(s, e);
		break;
	case SB__ENVELOPE__BODY_JOBS_REQ:
		if (request_jobs_wait(s, e))
			return; /* e waits for its job */
		request_jobs(s, e);
		break;
	case SB__ENVELOPE__BODY_JOB_CTL_REQ:
		request_job_ctl(s, e);
		break;
	case SB__ENVELOPE__BODY_QUEUE_CTL_REQ:
		request_queue_ctl(s, e);
		break;
	case SB__ENVELOPE__BODY_QUEUES_REQ:
		request_queues(s, e);
		break;
	case SB__ENVELOPE__BODY_ACCOUNTING_REQ:
		request_accounting(s, e);
		break;
	case SB__ENVELOPE__BODY_QUOTA_REQ:
		request_quota(s, e);
		break;
	case SB__ENVELOPE__BODY_OUTPUT_CHUNK:
		sched_output_chunk(s, e);
		break;
	case SB__ENVELOPE__BODY_JOB_DONE:
		sched_job_done(s, e);
		break;
	case SB__ENVELOPE__BODY_CONFIGURE:
		reconfigure(s, e);
		return; /* e is the configuration now */
	default:
		worker_violation(s->w, e);
	}
	chan_free(e);
}

void
localspl_run(struct worker *w, void *magic)
{
	struct spl s = { .w = w, .magic = magic };
	char err[512];
	sb_env *e;

	if (getrandom(&s.next_token, sizeof(s.next_token), 0) !=
	    sizeof(s.next_token))
		s.next_token = (uint64_t)now_wall_ms() << 20;
	s.next_token &= (1ULL << 62) - 1; /* stays non-zero when incremented */
	if (store_open(&s.store, w->cfg->spool_dir, err, sizeof(err)) != 0)
		fatal("%s", err);
	if (queues_from(&s, w->cfg) != 0)
		fatal("out of memory");
	s.store.preserve_ms = w->cfg->preserve_ms;
	sched_settle(&s); /* each queue's look-ahead */
	/* The single writer of the store drains by stopping at once: the
	 * broker holds work for it meanwhile. */
	while (!w->draining) {
		int t = sched_timeout(&s);
		unsigned n = 0;
		t = spl_sooner(t, request_expire_uploads(&s));
		t = spl_sooner(t, request_release_due(&s));
		t = spl_sooner(t, store_preserve_tick(&s.store));
		int busy = sched_run(&s) > 0;
		if (busy)
			t = 0; /* what it did may let the next start */
		t = spl_sooner(t, request_waiters(&s, 0));
		if (s.store.sweep != NULL)
			t = store_sweep(&s.store, 256) ? 0 : t;
		/* A pass: what has arrived, up to PASS_MAX messages, then
		 * one commit for all of it (group commit). */
		while (n < PASS_MAX && !w->draining &&
		    worker_next(w, n == 0 ? t : 0, &e) == WORKER_MSG) {
			localspl_from_broker(&s, e);
			n++;
		}
		request_commit(&s);
		request_waiters(&s, 0); /* the jobs this pass made final */
	}
	request_commit(&s);
	request_waiters(&s, 1); /* not final yet: their clients ask again */
	store_close(&s.store);
	free(s.acks);
	free(s.queues);
	worker_drained(w);
}
