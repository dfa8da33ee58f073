/*
 * pool: the printers of a queue whose uri names several (uri = A, B...),
 * as CUPS' classes and Windows' printer pools: each job goes to the
 * first printer that is idle; one that fails a delivery is passed over
 * for the queue's retry_interval, and its job goes to another without
 * using a retry (sched.c). Their state lives in memory (struct member):
 * a restart of localspl starts them all idle.
 * Reports: nothing itself.
 */
#include <stdio.h>
#include <string.h>

#include "localspl.h"
#include "util.h"

void
pool_setup(struct queue *q, const struct queue *old)
{
	size_t n = 1;

	for (const char *p = q->cfg->uri; *p; p++)
		n += *p == ',';
	if (old != NULL && old->cfg != NULL &&
	    strcmp(old->cfg->uri, q->cfg->uri) == 0)
		return; /* the same printers keep their state */
	memset(q->members, 0, sizeof(q->members));
	q->nmembers = n > 1 && n <= SB_POOL_MAX ? n : 0;
}

void
pool_uri(const struct queue *q, size_t k, char *buf, size_t len)
{
	const char *p = q->cfg->uri;

	for (; k > 0 && *p; p++)
		k -= *p == ',';
	snprintf(buf, len, "%.*s", (int)strcspn(p, ","), p);
}

int
pool_idle(const struct queue *q, int64_t now)
{
	for (size_t k = 0; k < q->nmembers; k++)
		if (q->members[k].token == 0 && q->members[k].skip_until <= now)
			return (int)k;
	return -1;
}

char *
pool_take(struct queue *q, uint64_t token, char *buf, size_t len)
{
	int k = pool_idle(q, now_wall_ms());

	pool_uri(q, k >= 0 ? (size_t)k : 0, buf, len);
	if (k >= 0)
		q->members[k].token = token;
	return buf;
}

size_t
pool_free(const struct queue *q, int64_t now)
{
	size_t n = 0;

	if (q->nmembers == 0)
		return 1;
	for (size_t k = 0; k < q->nmembers; k++)
		n += q->members[k].token == 0 && q->members[k].skip_until <= now;
	return n;
}

struct member *
pool_member(struct spl *s, uint64_t token, struct queue **qp)
{
	for (size_t i = 0; token != 0 && i < s->nqueues; i++)
		for (size_t k = 0; k < s->queues[i].nmembers; k++)
			if (s->queues[i].members[k].token == token) {
				*qp = &s->queues[i];
				return &s->queues[i].members[k];
			}
	return NULL;
}

void
pool_describe(const struct queue *q, int64_t now, Sb__PoolMember *out,
    char (*uris)[1024])
{
	for (size_t k = 0; k < q->nmembers; k++) {
		const struct member *m = &q->members[k];
		sb__pool_member__init(&out[k]);
		pool_uri(q, k, uris[k], sizeof(uris[k]));
		out[k].uri = uris[k];
		out[k].state = m->token != 0 ? "busy"
		    : m->skip_until > now    ? "passed-over"
					     : "idle";
		out[k].jobs = m->jobs;
		out[k].error = (char *)m->error;
		out[k].passed_over_until = m->skip_until > now ? m->skip_until
							       : 0;
	}
}
