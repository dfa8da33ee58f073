/*
 * kind: one table row per worker kind (lib/kind.c), the only place a
 * kind's name, account and default budgets are written. The sandbox's
 * row for a kind is sandbox.c's policies[kind], indexed the same way.
 */
#ifndef SB_KIND_H
#define SB_KIND_H

#include "config.h"
#include "proto/spoolbox.pb-c.h"

struct kind_info {
	const char *name;      /* [worker.NAME], spoolbox-NAME, logs */
	const char *account;   /* its user in a system install */
	int singleton;         /* one process at most (instances = 1) */
	struct sb_budget defaults;
};

/* The row of kind 1..SB_KINDS-1; NULL for anything else. */
const struct kind_info *kind_info(int kind);

#endif
