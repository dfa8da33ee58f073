/*
 * kind: the worker kinds' table (kind.h). Every default a kind has is
 * here, written once; lib/config.c starts each [worker.KIND] from it.
 * Reports: nothing.
 */
#include <stddef.h>
#include <string.h>

#include "kind.h"

/* What every kind has unless its row says otherwise. */
#define COMMON_DEFAULTS                                                 \
	.instances = 1, .memory_budget = 16 << 20, .handle_budget = 64,  \
	.max_jobs = 10000, .lifetime_jitter = 60000, .max_idle = 300000,  \
	.drain_timeout = 30000, .restart_backoff_min = 100,               \
	.restart_backoff_max = 30000, .crash_limit = 10,                  \
	.crash_window = 60000

/* A row names only what differs from COMMON_DEFAULTS, which it repeats
 * first: the later initializer wins, as C says. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Woverride-init"
static const struct kind_info kinds[SB_KINDS] = {
	[SB__WORKER_KIND__LOCALSPL] = {
		.name = "localspl", .account = "spoolbox-spl",
		.singleton = 1,
		/* Its memory is bounded by its look-ahead, not by the jobs
		 * it has taken: a backlog of 100,000 must not recycle it ten
		 * times (its memory and handle budgets still do, on a
		 * leak). */
		.defaults = { COMMON_DEFAULTS, .memory_budget = 32 << 20,
		    .handle_budget = 256, .max_jobs = 1000000, .standby = 1 },
	},
	[SB__WORKER_KIND__PRINTPROC] = {
		.name = "printproc", .account = "spoolbox-pp",
		/* It maps fonts and fontconfig's cache (pango): read-only
		 * pages no other process maps count as private. */
		.defaults = { COMMON_DEFAULTS, .memory_budget = 64 << 20,
		    .standby = 1 },
	},
	/* Delivery grows with the printers that are busy at once: one that
	 * hangs delays only its own queue. */
	[SB__WORKER_KIND__LPRMON] = {
		.name = "lprmon", .account = "spoolbox-lpr",
		.defaults = { COMMON_DEFAULTS, .max_instances = 8,
		    .standby = 1 },
	},
	[SB__WORKER_KIND__REMOTE] = {
		.name = "remote", .account = "spoolbox-rem",
		.defaults = { COMMON_DEFAULTS, .max_instances = 8,
		    .standby = 1 },
	},
	/* A descriptor per connection (max_clients, 64 by default), and a
	 * connection in progress finishes on the process being recycled: a
	 * large upload takes a while. */
	[SB__WORKER_KIND__LISTENER] = {
		.name = "listener", .account = "spoolbox-lsn",
		.singleton = 1,
		.defaults = { COMMON_DEFAULTS, .handle_budget = 160,
		    .drain_timeout = 3600000 },
	},
};
#pragma GCC diagnostic pop

const struct kind_info *
kind_info(int kind)
{
	return kind > 0 && kind < SB_KINDS ? &kinds[kind] : NULL;
}

const char *
kind_name(int kind)
{
	return kind > 0 && kind < SB_KINDS ? kinds[kind].name : "?";
}

int
kind_from_name(const char *name)
{
	for (int k = 1; k < SB_KINDS; k++)
		if (strcmp(name, kinds[k].name) == 0)
			return k;
	return 0;
}
