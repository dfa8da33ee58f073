/*
 * db: the job records in SQLite (SPOOL/jobs/jobs.db), for a store that
 * holds 100,000 jobs without holding them in memory (issue 15). WAL
 * mode: a durable commit is on stable storage when db_commit() returns.
 * One row per job: the columns the store asks by (queue, state,
 * priority, owner, submission and finish times) beside the whole record
 * as a JobInfo protobuf (job_to_info(), the one mapping). Writes are
 * grouped: db_begin(), any number of db_put()/db_delete(), one
 * db_commit(), which is what group commit needs. Ids never go back: the
 * highest id handed out is kept with each commit (db_next_id()).
 * Reports: every failure as a one-line reason in err.
 */
#ifndef SB_DB_H
#define SB_DB_H

#include <stddef.h>
#include <stdint.h>

#include "localspl.h"

struct db;

/* Filters of a listing page; "", 0: no filter. */
struct db_filter {
	const char *queue;
	const char *owner;
	const int *states;      /* nstates sb.JobState values */
	size_t nstates;
	int unfinished;         /* only jobs not yet final */
	uint64_t after_id;
	int64_t since;          /* submitted at or after (unix ms) */
};

/* Called for each job found; j is the callee's (free() it) */
typedef int (*db_each_fn)(void *arg, struct job *j);

int db_open(struct db **out, const char *path, char *err, size_t errlen);
void db_close(struct db *d);

int db_begin(struct db *d, char *err, size_t errlen);
int db_put(struct db *d, const struct job *j, char *err, size_t errlen);
int db_delete(struct db *d, uint64_t id, char *err, size_t errlen);
/* Ids up to next_id - 1 are never handed out again. durable: on stable
 * storage on return, with every commit before it; otherwise in order
 * only (a crash of the machine may take back the last ones, never
 * corrupt; a process crash loses nothing). */
int db_commit(struct db *d, uint64_t next_id, int durable, char *err,
    size_t errlen);
void db_rollback(struct db *d);
/* Above every id committed or handed out before. */
uint64_t db_next_id(struct db *d);
/* Is a transaction open (a write not yet committed)? */
int db_in_tx(const struct db *d);
/* Job id: 1 finished, 0 not, -1 no such job. */
int db_final(struct db *d, uint64_t id);

/* Jobs matching f in id order, at most limit (0: all); fn returning
 * non-zero stops. The number found, or -1. */
long db_page(struct db *d, const struct db_filter *f, size_t limit,
    db_each_fn fn, void *arg, char *err, size_t errlen);
/* Job id (the caller's to free()); NULL: none, or an error in err
 * (err[0] != '\0'). */
struct job *db_get(struct db *d, uint64_t id, char *err, size_t errlen);
/* The queue's next unfinished jobs to schedule, not held: by priority
 * (higher first), then id, after (priority, id) = (prio, id) exclusive. */
long db_ahead(struct db *d, const char *queue, int64_t prio, uint64_t id,
    size_t limit, db_each_fn fn, void *arg, char *err, size_t errlen);
/* Unfinished jobs of a queue (NULL: of every queue): in all (when all),
 * and the jobs and bytes of one owner (NULL: not counted) and of one
 * network address (host; "": not counted). Each count reads an index
 * range: only those asked. */
struct db_usage {
	uint64_t jobs;
	uint64_t user_jobs, user_bytes;
	uint64_t host_jobs, host_bytes;
};
int db_usage(struct db *d, const char *queue, int all, const char *owner,
    const char *host, struct db_usage *u);
/* The queue's finished jobs beyond its newest keep, and those finished
 * before older_than (0: none by age), oldest first: deleted in the open
 * transaction (begun if none is), at most max; fn sees each first (only
 * its id is filled in). The number deleted, or -1. */
long db_prune(struct db *d, const char *queue, uint64_t keep,
    int64_t older_than, size_t max, db_each_fn fn, void *arg, char *err,
    size_t errlen);
/* Likewise each owner's finished jobs beyond their newest keep. */
long db_prune_owners(struct db *d, uint64_t keep, size_t max, db_each_fn fn,
    void *arg, char *err, size_t errlen);
/* PRAGMA integrity_check: 0 when "ok". */
int db_check(struct db *d, char *err, size_t errlen);

/* Accounting: db_put() writes a record when a job is final. The records
 * r asks for (seq after r->after_seq, finished since, owner, queue), at
 * most limit, each to fn (its strings live until it returns; non-zero
 * stops): how many, or -1. */
typedef int (*db_acct_fn)(void *arg, const Sb__AccountRecord *a);
long db_accounting(struct db *d, const Sb__AccountingReq *r, size_t limit,
    db_acct_fn fn, void *arg);
/* Pages x copies of queue's completed jobs that accounting keeps. */
uint64_t db_pages_total(struct db *d, const char *queue);
/* owner's completed jobs and their pages x copies finished since (unix
 * ms), in queue (NULL: every queue): 0, or -1. */
int db_acct_used(struct db *d, const char *owner, const char *queue,
    int64_t since, uint64_t *jobs, uint64_t *pages);
/* Records of jobs finished before older_than (unix ms) removed: how
 * many, or -1. */
long db_accounting_prune(struct db *d, int64_t older_than);

#endif
