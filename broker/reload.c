/*
 * reload: the config read again while everything runs (spoolbox reload,
 * SIGHUP). Budgets, queues and the listener's settings apply live; what
 * needs a restart (instances, addresses, directories) stays, with a note
 * in the answer. A config that does not load changes nothing.
 * Reports: the answer says what changed; the caller logs it.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <string.h>

#include "broker.h"
#include "kind.h"

static int
queues_differ(const struct sb_config *a, const struct sb_config *c)
{
	if (a->nqueues != c->nqueues)
		return 1;
	return memcmp(a->queues, c->queues, a->nqueues * sizeof(*a->queues));
}

/* Do the [spooler] settings localspl takes from Configure differ? */
static int
spool_differs(const struct sb_config *a, const struct sb_config *c)
{
	const uint64_t x[] = { a->history_limit, a->history_per_user,
		a->max_uploads, a->max_uploads_per_user, a->min_free_bytes,
		a->min_free_permille, a->max_jobs_queued, a->max_jobs_per_user,
		a->max_bytes_per_user, a->max_jobs_per_host,
		a->max_bytes_per_host, a->preserve_job_files,
		a->accounting_keep, a->page_quota.limit, a->page_quota.period_ms,
		a->job_quota.limit, a->job_quota.period_ms,
		(uint64_t)a->quota_refuse };
	const uint64_t y[] = { c->history_limit, c->history_per_user,
		c->max_uploads, c->max_uploads_per_user, c->min_free_bytes,
		c->min_free_permille, c->max_jobs_queued, c->max_jobs_per_user,
		c->max_bytes_per_user, c->max_jobs_per_host,
		c->max_bytes_per_host, c->preserve_job_files,
		c->accounting_keep, c->page_quota.limit, c->page_quota.period_ms,
		c->job_quota.limit, c->job_quota.period_ms,
		(uint64_t)c->quota_refuse };

	return memcmp(x, y, sizeof(x)) != 0;
}

/* Does c name a directory for localspl to write that a's view (its
 * sandbox's) lacks? One no longer named may stay in the view. */
static int
localspl_needs_view(const struct sb_config *a, const struct sb_config *c)
{
	const char *x[SBX_RW_MAX + 1], *y[SBX_RW_MAX + 1];
	size_t n = config_localspl_paths(a, x), m = config_localspl_paths(c, y);

	for (size_t i = 0; i < m; i++) {
		size_t k = 0;
		while (k < n && strcmp(x[k], y[i]) != 0)
			k++;
		if (k == n)
			return 1;
	}
	return 0;
}

/* What a reload cannot change without a restart stays, with a note. */
static void
keep_fixed(const struct sb_config *old, struct sb_config *nc, char *notes,
    size_t len)
{
	for (int k = 1; k < SB_KINDS; k++) {
		if (!kind_info(k)->singleton &&
		    (nc->workers[k].instances != old->workers[k].instances ||
			nc->workers[k].max_instances !=
			    old->workers[k].max_instances))
			snprintf(notes + strlen(notes), len - strlen(notes),
			    "; %s instances change needs a restart",
			    kind_name(k));
		nc->workers[k].instances = old->workers[k].instances;
		nc->workers[k].max_instances = old->workers[k].max_instances;
	}
	if (nc->nlisten != old->nlisten ||
	    memcmp(nc->listen, old->listen, sizeof(nc->listen)) != 0)
		snprintf(notes + strlen(notes), len - strlen(notes),
		    "; listener address changes need a restart");
	memcpy(nc->listen, old->listen, sizeof(nc->listen));
	nc->nlisten = old->nlisten;
	if (strcmp(nc->spool_dir, old->spool_dir) != 0 ||
	    strcmp(nc->runtime_dir, old->runtime_dir) != 0)
		snprintf(notes + strlen(notes), len - strlen(notes),
		    "; spool_dir/runtime_dir changes need a restart");
	memcpy(nc->spool_dir, old->spool_dir, sizeof(nc->spool_dir));
	memcpy(nc->runtime_dir, old->runtime_dir, sizeof(nc->runtime_dir));
}

/* localspl learns queues and quotas from a Configure it takes while it
 * runs, so nothing in flight stops; only a new file: directory, which
 * its sandbox must show (review), needs a new process. */
static void
to_localspl(struct broker *b, int review, char *notes, size_t len)
{
	for (size_t i = 0; i < b->nslots; i++) {
		struct slot *s = &b->slots[i];
		if (s->kind != SB__WORKER_KIND__LOCALSPL || s->cur == NULL)
			continue;
		/* Its standby's view lacks them too. */
		if (review && s->spare != NULL)
			supervise_stop(b, s->spare, "reload: the directories "
			    "of its file: queues changed");
		if (review)
			supervise_recycle(b, s->cur, "reload: the directories "
			    "of its file: queues changed", NULL);
		else
			supervise_reconfigure(b, s->cur);
	}
	if (review)
		snprintf(notes + strlen(notes), len - strlen(notes),
		    "; the local spooler restarts for the new file: "
		    "directories (conversions and deliveries in flight are "
		    "done again)");
}

/* Re-read the config file; budgets and queues apply live. */
static int
reload(struct broker *b, char *msg, size_t len)
{
	struct sb_config nc;
	const char *path = strcmp(b->cfg.path, "(default)") == 0
	    ? NULL
	    : b->cfg.path;
	char err[1024], notes[1600] = "";
	int dropped;
	int requeue, respool, relisten, review;

	if (config_load(&nc, path, err, sizeof(err)) != 0) {
		snprintf(msg, len, "reload refused, old config kept: %s", err);
		return -1;
	}
	config_queue_uuids(&nc);
	keep_fixed(&b->cfg, &nc, notes, sizeof(notes));
	if (dirs_spool(b, &nc, err, sizeof(err)) != 0) {
		snprintf(msg, len, "reload refused, old config kept: %s", err);
		config_free(&nc);
		return -1;
	}
	requeue = queues_differ(&b->cfg, &nc);
	respool = requeue || spool_differs(&b->cfg, &nc);
	review = localspl_needs_view(&b->cfg, &nc);
	relisten = requeue || strcmp(nc.lsn_allow, b->cfg.lsn_allow) != 0 ||
	    strcmp(nc.lsn_metrics_allow, b->cfg.lsn_metrics_allow) != 0 ||
	    strcmp(nc.lsn_console_allow, b->cfg.lsn_console_allow) != 0 ||
	    nc.lsn_max_clients != b->cfg.lsn_max_clients ||
	    nc.lsn_max_clients_per_host != b->cfg.lsn_max_clients_per_host ||
	    nc.lsn_step_timeout != b->cfg.lsn_step_timeout ||
	    nc.lsn_tls != b->cfg.lsn_tls ||
	    nc.lsn_auth_basic != b->cfg.lsn_auth_basic ||
	    strcmp(nc.default_queue, b->cfg.default_queue) != 0 ||
	    strcmp(nc.lsn_tls_cert, b->cfg.lsn_tls_cert) != 0 ||
	    strcmp(nc.lsn_tls_key, b->cfg.lsn_tls_key) != 0;
	config_free(&b->cfg);
	b->cfg = nc;
	if ((dropped = saved_forget(b)) > 0)
		snprintf(notes + strlen(notes), sizeof(notes) - strlen(notes),
		    "; %d budget setting(s) made live are dropped: the "
		    "config's values apply", dropped);
	if (relisten && tls_load(b, err, sizeof(err)) != 0)
		snprintf(notes + strlen(notes), sizeof(notes) - strlen(notes),
		    "; %s (the listener takes no TLS connection)", err);
	for (int k = 1; k < SB_KINDS; k++) {
		supervise_unfail(b, k);
		budget_limit_update(b, k);
	}
	gate_update(b);
	b->next_sample = 0;
	if (respool)
		to_localspl(b, review, notes, sizeof(notes));
	/* The listener too learns queues and limits from Configure. */
	for (size_t i = 0; i < b->nslots; i++)
		if (relisten &&
		    b->slots[i].kind == SB__WORKER_KIND__LISTENER &&
		    b->slots[i].cur != NULL)
			supervise_recycle(b, b->slots[i].cur,
			    "reload: its settings changed", NULL);
	dnssd_update(b);
	route_caps_refresh(b);
	snprintf(msg, len, "reloaded %s: %zu queue(s)%s%s", b->cfg.path,
	    b->cfg.nqueues, requeue ? ", queues changed" : "", notes);
	return 0;
}

int
reload_config(struct broker *b, char *msg, size_t len)
{
	int rv;

	notify_reloading(b);
	rv = reload(b, msg, len);
	notify_reloaded(b, msg);
	return rv;
}

