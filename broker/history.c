/*
 * history: each slot's last hour, for the web console's charts. A point
 * (private bytes, open handles of the process serving the slot) every
 * HISTORY_STEP_MS, kept in a ring of HISTORY_POINTS; the slot's recycles
 * and restarts in a ring of their own. Pure bookkeeping: supervise.c
 * feeds it at each sample and each recycle, client.c reads it.
 */
#include "broker.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void
history_sample(struct history *h, int64_t at, uint64_t priv, uint32_t fds)
{
	if (h->npt > 0 &&
	    at - h->pt[(h->npt - 1) % HISTORY_POINTS].at < HISTORY_STEP_MS)
		return;
	h->pt[h->npt % HISTORY_POINTS].at = at;
	h->pt[h->npt % HISTORY_POINTS].priv = priv;
	h->pt[h->npt % HISTORY_POINTS].fds = fds;
	h->npt++;
}

void
history_event(struct history *h, int64_t at, uint32_t pid, int restart,
    const char *reason)
{
	struct history_event *e = &h->ev[h->nev++ % HISTORY_EVENTS];

	e->at = at;
	e->pid = pid;
	e->restart = restart;
	snprintf(e->reason, sizeof(e->reason), "%s", reason);
}

/* The points and events since `since` into out (arrays allocated here;
 * history_free() frees them). -1: out of memory. */
int
history_fill(const struct history *h, int64_t since, Sb__SlotHistory *out)
{
	unsigned n = h->npt < HISTORY_POINTS ? h->npt : HISTORY_POINTS;
	unsigned m = h->nev < HISTORY_EVENTS ? h->nev : HISTORY_EVENTS;

	out->at = calloc(n + 1, sizeof(*out->at));
	out->private_bytes = calloc(n + 1, sizeof(*out->private_bytes));
	out->fds = calloc(n + 1, sizeof(*out->fds));
	out->events = calloc(m + 1, sizeof(*out->events));
	if (out->at == NULL || out->private_bytes == NULL || out->fds == NULL ||
	    out->events == NULL)
		return -1;
	for (unsigned i = h->npt - n; i < h->npt; i++) {
		const struct history_point *p = &h->pt[i % HISTORY_POINTS];
		if (p->at < since)
			continue;
		out->at[out->n_at++] = p->at;
		out->private_bytes[out->n_private_bytes++] = p->priv;
		out->fds[out->n_fds++] = p->fds;
	}
	for (unsigned i = h->nev - m; i < h->nev; i++) {
		const struct history_event *e = &h->ev[i % HISTORY_EVENTS];
		Sb__WorkerEvent *w;
		if (e->at < since || (w = malloc(sizeof(*w))) == NULL)
			continue;
		sb__worker_event__init(w);
		w->at = e->at;
		w->pid = e->pid;
		w->what = e->restart ? (char *)"restarted" : (char *)"recycled";
		w->reason = (char *)e->reason;
		out->events[out->n_events++] = w;
	}
	return 0;
}

void
history_free(Sb__SlotHistory *out)
{
	for (size_t i = 0; i < out->n_events; i++)
		free(out->events[i]);
	free(out->events);
	free(out->at);
	free(out->private_bytes);
	free(out->fds);
}
