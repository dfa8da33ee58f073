/*
 * quota: page_quota and job_quota, per user over a sliding period (CUPS'
 * job-quota-period with job-page-limit): a queue's count its own jobs,
 * [spooler]'s every queue's. What a user used is read from the
 * accounting records (completed jobs finished within the period) and,
 * for jobs, the ones not yet finished too. Jobs are checked at submit
 * (their pages are not known yet), pages before delivery (counted by
 * then: printproc's pass). A job past one is held, saying which (an
 * admin's release lets it through), or with quota_policy = refuse
 * refused at submit and aborted before delivery. Admins' jobs are not
 * counted against.
 * Reports: each hold or abort, with the quota, in the job's error.
 */
#include <stdio.h>
#include <string.h>

#include "db.h"
#include "localspl.h"
#include "util.h"

/* One period quota that applies: a queue's (queue set) or every
 * queue's. */
struct pq {
	const char *queue;
	uint64_t limit, period_ms;
	int pages;
};

/* The quotas of kind (pages or jobs) that apply in q: at most two. */
static size_t
applicable(const struct spl *s, const struct queue *q, int pages,
    struct pq out[2])
{
	const Sb__QueueConfig *c = q->cfg;
	const Sb__Configure *g = s->w->cfg;
	size_t n = 0;

	if (pages ? c->page_quota : c->job_quota)
		out[n++] = (struct pq){ c->name,
			pages ? c->page_quota : c->job_quota,
			pages ? c->page_quota_ms : c->job_quota_ms, pages };
	if (pages ? g->page_quota : g->job_quota)
		out[n++] = (struct pq){ NULL, pages ? g->page_quota : g->job_quota,
			pages ? g->page_quota_ms : g->job_quota_ms, pages };
	return n;
}

/* What owner used of quota p: 0, or -1 (the store failed). */
static int
used(struct spl *s, const char *owner, const struct pq *p, uint64_t *have)
{
	uint64_t jobs, pages;
	struct db_usage u;

	if (db_acct_used(s->store.db, owner, p->queue,
		now_wall_ms() - (int64_t)p->period_ms, &jobs, &pages) != 0)
		return -1;
	if (p->pages) {
		*have = pages;
		return 0;
	}
	if (db_usage(s->store.db, p->queue, 0, owner, "", &u) != 0)
		return -1;
	*have = jobs + u.user_jobs;
	return 0;
}

/* Would need more (pages, or 1 job) take owner past a quota of that
 * kind in q? 1 with why, 0, or -1 with why (the store failed). */
static int
past(struct spl *s, const struct queue *q, const char *owner, int pages,
    uint64_t need, char *why, size_t len)
{
	struct pq p[2];
	size_t n = applicable(s, q, pages, p);
	char per[32];
	uint64_t have;

	for (size_t i = 0; i < n; i++) {
		if (used(s, owner, &p[i], &have) != 0) {
			snprintf(why, len, "job store: counting %s's use failed",
			    owner);
			return -1;
		}
		if (have + need <= p[i].limit)
			continue;
		format_duration(p[i].period_ms, per, sizeof(per));
		snprintf(why, len, "%s%s: %s's %s_quota is %llu %s per %s, "
		    "%llu used, this job needs %llu",
		    p[i].queue != NULL ? "queue " : "",
		    p[i].queue != NULL ? p[i].queue : "all queues together",
		    owner, pages ? "page" : "job",
		    (unsigned long long)p[i].limit, pages ? "pages" : "jobs",
		    per, (unsigned long long)have, (unsigned long long)need);
		return 1;
	}
	return 0;
}

int
quota_jobs_past(struct spl *s, const struct queue *q, const char *owner,
    char *why, size_t len)
{
	return past(s, q, owner, 0, 1, why, len);
}

int
quota_pages_past(struct spl *s, const struct job *j, const struct queue *q,
    char *why, size_t len)
{
	if (j->quota_exempt || j->pages == 0)
		return 0;
	return past(s, q, j->user, 1, (uint64_t)j->pages *
	    (j->copies ? j->copies : 1), why, len);
}

/* One quota's use into u. */
static void
use_of(struct spl *s, const char *owner, const struct pq *p, Sb__QuotaUse *u)
{
	uint64_t have = 0;

	used(s, owner, p, &have);
	sb__quota_use__init(u);
	u->queue = (char *)(p->queue != NULL ? p->queue : "");
	u->kind = p->pages ? "pages" : "jobs";
	u->limit = p->limit;
	u->period_ms = p->period_ms;
	u->used = have;
}

size_t
quota_uses(struct spl *s, const char *owner, Sb__QuotaUse *out, size_t max)
{
	const Sb__Configure *g = s->w->cfg;
	size_t n = 0;

	/* Each queue's own, then [spooler]'s. */
	for (size_t i = 0; i < s->nqueues; i++)
		for (int pages = 1; pages >= 0; pages--) {
			struct pq p[2];
			size_t k = applicable(s, &s->queues[i], pages, p);
			if (k > 0 && p[0].queue != NULL && n < max)
				use_of(s, owner, &p[0], &out[n++]);
		}
	for (int pages = 1; pages >= 0 && n < max; pages--)
		if (pages ? g->page_quota : g->job_quota)
			use_of(s, owner, &(struct pq){ NULL,
			    pages ? g->page_quota : g->job_quota,
			    pages ? g->page_quota_ms : g->job_quota_ms, pages },
			    &out[n++]);
	return n;
}
