#ifndef SPOOLBOX_SYNCER_H
#define SPOOLBOX_SYNCER_H

#include <stddef.h>

struct sync_item {
	int fd;
	int full; /* fsync (a directory); else fdatasync */
};

struct syncer;

/* A syncer with its helper threads (as many as could be started, maybe
 * none); NULL only when out of memory. */
struct syncer *syncer_new(void);
void syncer_free(struct syncer *y);
/* Sync items[0..n) at the same time; 0 when all succeeded, else -1 with
 * errno of the first failure (every item is still attempted). */
int syncer_run(struct syncer *y, const struct sync_item *items, size_t n);

#endif
