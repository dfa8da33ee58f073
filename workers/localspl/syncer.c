/*
 * syncer: files synced at the same time by a few helper threads. A group
 * commit syncs every new data file of the pass and the directory; one
 * after another, each waits for its own round of I/O and its own device
 * flush (on ext4 without a journal, a new file's fdatasync writes its
 * data, its inode and its directory entry in turn, then flushes). At the
 * same time, their I/O overlaps and the block layer merges the flushes.
 * The caller's thread takes items too; with no helper (none could be
 * started) it does them all, one after another.
 * Reports: the first failure's errno to the caller.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <unistd.h>

#include "syncer.h"

#define HELPERS 3
#define HELPER_STACK (256 * 1024)

struct syncer {
	pthread_mutex_t mu;
	pthread_cond_t work, done;
	pthread_t th[HELPERS];
	int nth;
	const struct sync_item *items; /* NULL between runs */
	size_t n, next, finished;
	int err;                       /* the first failure's errno, or 0 */
	int stop;
};

/* Take and sync items until none is left; mu held on entry and exit. */
static void
take(struct syncer *y)
{
	while (y->items != NULL && y->next < y->n) {
		const struct sync_item *it = &y->items[y->next++];
		int rv, e;

		pthread_mutex_unlock(&y->mu);
		rv = it->full ? fsync(it->fd) : fdatasync(it->fd);
		e = errno;
		pthread_mutex_lock(&y->mu);
		if (rv != 0 && y->err == 0)
			y->err = e;
		if (++y->finished == y->n)
			pthread_cond_signal(&y->done);
	}
}

static void *
helper(void *arg)
{
	struct syncer *y = arg;

	pthread_mutex_lock(&y->mu);
	while (!y->stop) {
		take(y);
		if (!y->stop)
			pthread_cond_wait(&y->work, &y->mu);
	}
	pthread_mutex_unlock(&y->mu);
	return NULL;
}

struct syncer *
syncer_new(void)
{
	struct syncer *y = calloc(1, sizeof(*y));
	sigset_t all, old;
	pthread_attr_t attr;

	if (y == NULL)
		return NULL;
	pthread_mutex_init(&y->mu, NULL);
	pthread_cond_init(&y->work, NULL);
	pthread_cond_init(&y->done, NULL);
	/* Signals stay the main thread's: the helpers block them all. */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	pthread_attr_init(&attr);
	pthread_attr_setstacksize(&attr, HELPER_STACK);
	while (y->nth < HELPERS &&
	    pthread_create(&y->th[y->nth], &attr, helper, y) == 0)
		y->nth++;
	pthread_attr_destroy(&attr);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	return y;
}

void
syncer_free(struct syncer *y)
{
	if (y == NULL)
		return;
	pthread_mutex_lock(&y->mu);
	y->stop = 1;
	pthread_cond_broadcast(&y->work);
	pthread_mutex_unlock(&y->mu);
	for (int i = 0; i < y->nth; i++)
		pthread_join(y->th[i], NULL);
	pthread_cond_destroy(&y->work);
	pthread_cond_destroy(&y->done);
	pthread_mutex_destroy(&y->mu);
	free(y);
}

int
syncer_run(struct syncer *y, const struct sync_item *items, size_t n)
{
	int err;

	if (n == 0)
		return 0;
	pthread_mutex_lock(&y->mu);
	y->items = items;
	y->n = n;
	y->next = y->finished = 0;
	y->err = 0;
	if (n > 1)
		pthread_cond_broadcast(&y->work);
	take(y);
	while (y->finished < y->n)
		pthread_cond_wait(&y->done, &y->mu);
	y->items = NULL;
	err = y->err;
	pthread_mutex_unlock(&y->mu);
	if (err != 0) {
		errno = err;
		return -1;
	}
	return 0;
}
