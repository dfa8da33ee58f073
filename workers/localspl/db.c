/*
 * db: see db.h.
 */
#include "db.h"

#include <errno.h>
#include <fcntl.h>
#include <unistd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "log.h"
#include "util.h"
#include "vocab.h"

struct db {
	sqlite3 *h;
	sqlite3_stmt *put, *del, *meta_get, *meta_set, *final, *acct_put;
	uint64_t next_id;
	uint64_t next_saved;    /* next_id as the last commit left it */
	int in_tx;
	int walfd;              /* the WAL, to sync a durable commit; -1 */
	char wal[4200];
};

static const char schema[] =
    "CREATE TABLE IF NOT EXISTS jobs ("
    " id INTEGER PRIMARY KEY,"
    " queue TEXT NOT NULL,"
    " state INTEGER NOT NULL,"
    " final INTEGER NOT NULL,"
    " priority INTEGER NOT NULL,"
    " owner TEXT NOT NULL,"
    " submitted INTEGER NOT NULL,"
    " finished INTEGER NOT NULL,"
    " rec BLOB NOT NULL);"
    /* scheduling: a queue's unfinished jobs by priority, then id */
    "CREATE INDEX IF NOT EXISTS jobs_sched ON jobs"
    " (queue, final, priority DESC, id);"
    "CREATE INDEX IF NOT EXISTS jobs_owner ON jobs (owner, id);"
    /* retention: finished jobs by when */
    "CREATE INDEX IF NOT EXISTS jobs_done ON jobs (final, finished);"
    /* the few a crash left at work */
    "CREATE INDEX IF NOT EXISTS jobs_state ON jobs (state) WHERE final = 0;"
    "CREATE TABLE IF NOT EXISTS meta (k TEXT PRIMARY KEY, v INTEGER);"
    /* accounting: a record per finished job, kept apart from the jobs
     * (their history is pruned by its own rules); seq orders them */
    "CREATE TABLE IF NOT EXISTS accounting ("
    " seq INTEGER PRIMARY KEY, job INTEGER NOT NULL,"
    " finished INTEGER NOT NULL, owner TEXT NOT NULL, host TEXT NOT NULL,"
    " queue TEXT NOT NULL, printer TEXT NOT NULL,"
    " datatype INTEGER NOT NULL, pages INTEGER NOT NULL,"
    " copies INTEGER NOT NULL, bytes INTEGER NOT NULL,"
    " submitted INTEGER NOT NULL, started INTEGER NOT NULL,"
    " result INTEGER NOT NULL, error TEXT NOT NULL,"
    " UNIQUE (job, finished));"
    "CREATE INDEX IF NOT EXISTS acct_finished ON accounting (finished);";

/* Quotas count unfinished jobs and their bytes per owner and, for
 * network jobs, per address (the owner's part after '@'), in a queue or
 * in all. Added to a store of an earlier version by the first start: its
 * jobs count 0 bytes until they are saved again. */
static const char quota_schema[] =
    "ALTER TABLE jobs ADD COLUMN size INTEGER NOT NULL DEFAULT 0;"
    "ALTER TABLE jobs ADD COLUMN host TEXT NOT NULL DEFAULT '';";
static const char quota_index[] =
    "DROP INDEX IF EXISTS jobs_user;" /* (queue, owner): one version's */
    "DROP INDEX IF EXISTS jobs_host;"
    "CREATE INDEX IF NOT EXISTS jobs_open_owner ON jobs (owner, queue)"
    " WHERE final = 0;"
    "CREATE INDEX IF NOT EXISTS jobs_open_host ON jobs (host, queue)"
    " WHERE final = 0;";

static int
fail_db(struct db *d, char *err, size_t len, const char *what)
{
	int sys = d->h != NULL ? sqlite3_system_errno(d->h) : 0;

	if (d->h == NULL)
		return fail_why(err, len, "job database: %s: out of memory",
		    what);
	return fail_why(err, len, "job database: %s: %s (%d)%s%s", what,
	    sqlite3_errmsg(d->h), sqlite3_extended_errcode(d->h),
	    sys != 0 ? ": " : "", sys != 0 ? strerror(sys) : "");
}

static int
exec(struct db *d, const char *sql, char *err, size_t len)
{
	char *msg = NULL;

	if (sqlite3_exec(d->h, sql, NULL, NULL, &msg) == SQLITE_OK)
		return 0;
	fail_why(err, len, "job database: %s", msg != NULL ? msg : sql);
	sqlite3_free(msg);
	return -1;
}

/* The quota columns, added once (a store of an earlier version). */
static int
quota_columns(struct db *d, char *err, size_t errlen)
{
	sqlite3_stmt *st;
	int have = 0;

	if (sqlite3_prepare_v2(d->h, "SELECT count(*) FROM"
		" pragma_table_info('jobs') WHERE name = 'host'", -1, &st,
		NULL) != SQLITE_OK)
		return fail_db(d, err, errlen, "reading the schema");
	if (sqlite3_step(st) == SQLITE_ROW)
		have = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	return have ? 0 : exec(d, quota_schema, err, errlen);
}

int
db_open(struct db **out, const char *path, char *err, size_t errlen)
{
	struct db *d = calloc(1, sizeof(*d));

	*out = NULL;
	err[0] = '\0';
	if (d == NULL)
		return fail_why(err, errlen, "job database: out of memory");
	d->walfd = -1;
	snprintf(d->wal, sizeof(d->wal), "%s-wal", path);
	if (sqlite3_open_v2(path, &d->h, SQLITE_OPEN_READWRITE |
		SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK) {
		fail_db(d, err, errlen, path);
		db_close(d);
		return -1;
	}
	/* A localspl killed with its broker may hold the lock a moment
	 * longer than its successor takes to start. */
	sqlite3_busy_timeout(d->h, 5000);
	/* A recycle hands the store over: the next process reads the WAL
	 * back (it is as durable as the database), so closing need not
	 * checkpoint and sync it first (the hand-over's longest step). */
	sqlite3_db_config(d->h, SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, 1, NULL);
	/* WAL: readers never wait. NORMAL: a commit is in order in the
	 * WAL (never corrupt); a durable one also syncs the WAL, which is
	 * what FULL does at every commit (db_commit()). */
	/* temp_store: the sandbox has no temporary directory, and what
	 * SQLite keeps there (statement journals) is small. */
	if (exec(d, "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;"
		    "PRAGMA temp_store=MEMORY;"
		    "PRAGMA foreign_keys=OFF;", err, errlen) != 0 ||
	    exec(d, schema, err, errlen) != 0 || quota_columns(d, err, errlen) ||
	    exec(d, quota_index, err, errlen) != 0 ||
	    sqlite3_prepare_v2(d->h, "INSERT OR REPLACE INTO jobs (id, queue,"
		" state, final, priority, owner, submitted, finished, rec, size,"
		" host) VALUES (?,?,?,?,?,?,?,?,?,?,?)", -1, &d->put, NULL) !=
		SQLITE_OK ||
	    sqlite3_prepare_v2(d->h, "DELETE FROM jobs WHERE id = ?", -1,
		&d->del, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(d->h, "SELECT max(coalesce((SELECT v FROM meta"
		" WHERE k = 'next_id'), 1), coalesce((SELECT max(id) FROM"
		" jobs), 0) + 1)", -1, &d->meta_get, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(d->h, "INSERT OR REPLACE INTO meta VALUES "
		"('next_id', ?)", -1, &d->meta_set, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(d->h, "SELECT final FROM jobs WHERE id = ?", -1,
		&d->final, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(d->h, "INSERT OR IGNORE INTO accounting (job,"
		" finished, owner, host, queue, printer, datatype, pages, copies,"
		" bytes, submitted, started, result, error) VALUES"
		" (?,?,?,?,?,?,?,?,?,?,?,?,?,?)", -1, &d->acct_put, NULL) !=
		SQLITE_OK) {
		if (err[0] == '\0')
			fail_db(d, err, errlen, "preparing");
		db_close(d);
		return -1;
	}
	if (sqlite3_step(d->meta_get) == SQLITE_ROW)
		d->next_id = (uint64_t)sqlite3_column_int64(d->meta_get, 0);
	sqlite3_reset(d->meta_get);
	if (d->next_id == 0)
		d->next_id = 1;
	/* The commit that fills the WAL to this many pages checkpoints it:
	 * syncs the WAL, writes its pages into the database, syncs that,
	 * and the next commit starts the WAL over with a synced header,
	 * 1.5-2 ms in localspl's loop whatever the number of pages (perf
	 * trace of bench/run-throughput.sh; it is the syncs). SQLite's
	 * default, 1000 pages, came every 100-150 jobs printed (7-10 pages
	 * each), which was the paced run's p99; 4000 pages (16 MiB of WAL,
	 * read back in a restart after a crash) make it every 400-600. A thread
	 * of its own cannot take it out of the loop: under a steady stream
	 * its checkpoint never catches up with the commits, and the WAL
	 * never starts over. */
	sqlite3_wal_autocheckpoint(d->h, 4000);
	*out = d;
	return 0;
}

void
db_close(struct db *d)
{
	if (d == NULL)
		return;
	sqlite3_finalize(d->put);
	sqlite3_finalize(d->del);
	sqlite3_finalize(d->meta_get);
	sqlite3_finalize(d->meta_set);
	sqlite3_finalize(d->final);
	sqlite3_finalize(d->acct_put);
	sqlite3_close(d->h);
	if (d->walfd >= 0)
		close(d->walfd);
	free(d);
}

uint64_t
db_next_id(struct db *d)
{
	return d->next_id;
}

int
db_in_tx(const struct db *d)
{
	return d->in_tx;
}

int
db_final(struct db *d, uint64_t id)
{
	int rv = -1;

	sqlite3_bind_int64(d->final, 1, (sqlite3_int64)id);
	if (sqlite3_step(d->final) == SQLITE_ROW)
		rv = sqlite3_column_int(d->final, 0) != 0;
	sqlite3_reset(d->final);
	return rv;
}

int
db_begin(struct db *d, char *err, size_t errlen)
{
	if (d->in_tx)
		return 0;
	if (exec(d, "BEGIN IMMEDIATE", err, errlen) != 0)
		return -1;
	d->in_tx = 1;
	return 0;
}

/* A finished job's accounting record, in the same transaction as its
 * final state (once: a record per job and finishing time). */
static int
account(struct db *d, const struct job *j, char *err, size_t errlen)
{
	sqlite3_stmt *st = d->acct_put;
	int rc;

	sqlite3_bind_int64(st, 1, (sqlite3_int64)j->id);
	sqlite3_bind_int64(st, 2, j->finished);
	sqlite3_bind_text(st, 3, j->user, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, job_host(j), -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 5, j->queue, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 6, j->landed, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 7, j->datatype);
	sqlite3_bind_int64(st, 8, j->pages);
	sqlite3_bind_int64(st, 9, j->copies);
	sqlite3_bind_int64(st, 10, (sqlite3_int64)j->size);
	sqlite3_bind_int64(st, 11, j->submitted);
	sqlite3_bind_int64(st, 12, j->started);
	sqlite3_bind_int(st, 13, j->state);
	sqlite3_bind_text(st, 14, j->last_error, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	return rc == SQLITE_DONE ? 0
				 : fail_db(d, err, errlen, "saving accounting");
}

long
db_accounting(struct db *d, const Sb__AccountingReq *r, size_t limit,
    db_acct_fn fn, void *arg)
{
	sqlite3_stmt *st;
	long n = 0;

	if (sqlite3_prepare_v2(d->h, "SELECT seq, job, owner, host, queue,"
		" printer, datatype, pages, copies, bytes, submitted, started,"
		" finished, result, error FROM accounting WHERE seq > ? AND"
		" finished >= ? AND (? = '' OR owner = ?) AND (? = '' OR"
		" queue = ?) ORDER BY seq LIMIT ?", -1, &st, NULL) != SQLITE_OK)
		return -1;
	sqlite3_bind_int64(st, 1, (sqlite3_int64)r->after_seq);
	sqlite3_bind_int64(st, 2, r->since);
	sqlite3_bind_text(st, 3, r->user, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, r->user, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 5, r->queue, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 6, r->queue, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 7, (sqlite3_int64)limit);
	while (sqlite3_step(st) == SQLITE_ROW) {
		Sb__AccountRecord a = SB__ACCOUNT_RECORD__INIT;
		a.seq = (uint64_t)sqlite3_column_int64(st, 0);
		a.job_id = (uint64_t)sqlite3_column_int64(st, 1);
		a.owner = (char *)sqlite3_column_text(st, 2);
		a.host = (char *)sqlite3_column_text(st, 3);
		a.queue = (char *)sqlite3_column_text(st, 4);
		a.printer = (char *)sqlite3_column_text(st, 5);
		a.datatype = sqlite3_column_int(st, 6);
		a.pages = (uint32_t)sqlite3_column_int64(st, 7);
		a.copies = (uint32_t)sqlite3_column_int64(st, 8);
		a.bytes = (uint64_t)sqlite3_column_int64(st, 9);
		a.submitted = sqlite3_column_int64(st, 10);
		a.started = sqlite3_column_int64(st, 11);
		a.finished = sqlite3_column_int64(st, 12);
		a.result = sqlite3_column_int(st, 13);
		a.error = (char *)sqlite3_column_text(st, 14);
		n++;
		if (fn(arg, &a) != 0)
			break;
	}
	sqlite3_finalize(st);
	return n;
}

/* One number an SQL statement with one text parameter answers. */
static int64_t
scalar(struct db *d, const char *sql, const char *text, int64_t num)
{
	sqlite3_stmt *st;
	int64_t v = 0;

	if (sqlite3_prepare_v2(d->h, sql, -1, &st, NULL) != SQLITE_OK)
		return -1;
	if (text != NULL)
		sqlite3_bind_text(st, 1, text, -1, SQLITE_STATIC);
	else
		sqlite3_bind_int64(st, 1, num);
	if (sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return v;
}

uint64_t
db_pages_total(struct db *d, const char *queue)
{
	_Static_assert(SB__JOB_STATE__COMPLETED == 4, "result = 4 below");
	int64_t v = scalar(d, "SELECT coalesce(sum(pages * copies), 0) FROM"
	    " accounting WHERE queue = ? AND result = 4", queue, 0);

	return v > 0 ? (uint64_t)v : 0;
}

int
db_acct_used(struct db *d, const char *owner, const char *queue,
    int64_t since, uint64_t *jobs, uint64_t *pages)
{
	sqlite3_stmt *st;
	int rc;

	*jobs = *pages = 0;
	if (sqlite3_prepare_v2(d->h, "SELECT count(*), coalesce(sum(pages *"
		" copies), 0) FROM accounting WHERE owner = ? AND finished >= ?"
		" AND result = 4 AND (? IS NULL OR queue = ?)", -1, &st, NULL) !=
	    SQLITE_OK)
		return -1;
	sqlite3_bind_text(st, 1, owner, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, since);
	sqlite3_bind_text(st, 3, queue, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, queue, -1, SQLITE_STATIC);
	if ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		*jobs = (uint64_t)sqlite3_column_int64(st, 0);
		*pages = (uint64_t)sqlite3_column_int64(st, 1);
	}
	sqlite3_finalize(st);
	return rc == SQLITE_ROW ? 0 : -1;
}

long
db_accounting_prune(struct db *d, int64_t older_than)
{
	if (scalar(d, "DELETE FROM accounting WHERE finished < ?", NULL,
		older_than) < 0)
		return -1;
	return sqlite3_changes(d->h);
}

int
db_put(struct db *d, const struct job *j, char *err, size_t errlen)
{
	Sb__JobInfo info;
	uint8_t *buf;
	size_t len;
	int rc;

	job_to_info(j, &info);
	len = sb__job_info__get_packed_size(&info);
	if ((buf = malloc(len ? len : 1)) == NULL)
		return fail_why(err, errlen, "job database: out of memory");
	sb__job_info__pack(&info, buf);
	sqlite3_bind_int64(d->put, 1, (sqlite3_int64)j->id);
	sqlite3_bind_text(d->put, 2, j->queue, -1, SQLITE_STATIC);
	sqlite3_bind_int(d->put, 3, j->state);
	sqlite3_bind_int(d->put, 4, job_state_final(j->state));
	sqlite3_bind_int(d->put, 5, (int)j->priority);
	sqlite3_bind_text(d->put, 6, j->user, -1, SQLITE_STATIC);
	sqlite3_bind_int64(d->put, 7, j->submitted);
	sqlite3_bind_int64(d->put, 8, j->finished);
	sqlite3_bind_blob(d->put, 9, buf, (int)len, SQLITE_STATIC);
	sqlite3_bind_int64(d->put, 10, (sqlite3_int64)j->size);
	sqlite3_bind_text(d->put, 11, job_host(j), -1, SQLITE_STATIC);
	rc = sqlite3_step(d->put);
	sqlite3_reset(d->put);
	sqlite3_clear_bindings(d->put);
	free(buf);
	if (rc != SQLITE_DONE)
		return fail_db(d, err, errlen, "saving a job");
	if (j->id >= d->next_id)
		d->next_id = j->id + 1;
	return job_state_final(j->state) ? account(d, j, err, errlen) : 0;
}

int
db_delete(struct db *d, uint64_t id, char *err, size_t errlen)
{
	int rc;

	sqlite3_bind_int64(d->del, 1, (sqlite3_int64)id);
	rc = sqlite3_step(d->del);
	sqlite3_reset(d->del);
	return rc == SQLITE_DONE ? 0 : fail_db(d, err, errlen, "deleting");
}

int
db_commit(struct db *d, uint64_t next_id, int durable, char *err,
    size_t errlen)
{
	int rc;

	if (!d->in_tx && db_begin(d, err, errlen) != 0)
		return -1;
	if (next_id > d->next_id)
		d->next_id = next_id;
	/* Written when it moved: ids are reserved in blocks, so most
	 * commits leave it, and its two pages stay out of the WAL. */
	rc = SQLITE_DONE;
	if (d->next_id != d->next_saved) {
		sqlite3_bind_int64(d->meta_set, 1,
		    (sqlite3_int64)d->next_id);
		rc = sqlite3_step(d->meta_set);
		sqlite3_reset(d->meta_set);
	}
	if (rc != SQLITE_DONE) {
		fail_db(d, err, errlen, "saving the next id");
		db_rollback(d);
		return -1;
	}
	if (exec(d, "COMMIT", err, errlen) != 0) {
		db_rollback(d);
		return -1;
	}
	d->in_tx = 0;
	d->next_saved = d->next_id;
	if (!durable)
		return 0;
	/* The WAL holds every commit so far, in order: one sync makes this
	 * one durable and those before it. (Its file stays while the
	 * database is open.) */
	if (d->walfd < 0)
		d->walfd = open(d->wal, O_RDONLY | O_CLOEXEC);
	if (d->walfd < 0 || fdatasync(d->walfd) != 0)
		return fail_why(err, errlen, "job database: syncing %s: %s",
		    d->wal, strerror(errno));
	return 0;
}

void
db_rollback(struct db *d)
{
	if (d->in_tx)
		sqlite3_exec(d->h, "ROLLBACK", NULL, NULL, NULL);
	d->in_tx = 0;
}

/* Each row's record (column col) as a job for fn; the count, or -1. */
static long
each(struct db *d, sqlite3_stmt *st, int col, db_each_fn fn, void *arg,
    char *err, size_t errlen)
{
	long n = 0;
	int rc;

	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const void *blob = sqlite3_column_blob(st, col);
		size_t len = (size_t)sqlite3_column_bytes(st, col);
		Sb__JobInfo *r = sb__job_info__unpack(NULL, len, blob);
		struct job *j;
		if (r == NULL) {
			fail_why(err, errlen, "job database: job %lld: a "
			    "record that does not decode",
			    (long long)sqlite3_column_int64(st, 0));
			sqlite3_finalize(st);
			return -1;
		}
		if ((j = calloc(1, sizeof(*j))) == NULL)
			fatal("out of memory");
		job_from_info(j, r);
		j->fd = j->out_fd = j->body_fd = j->src_fd = -1;
		sb__job_info__free_unpacked(r, NULL);
		n++;
		if (fn(arg, j) != 0)
			break;
	}
	if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
		fail_db(d, err, errlen, "reading");
		n = -1;
	}
	sqlite3_finalize(st);
	return n;
}

long
db_page(struct db *d, const struct db_filter *f, size_t limit,
    db_each_fn fn, void *arg, char *err, size_t errlen)
{
	char sql[1024];
	size_t n = 0;
	sqlite3_stmt *st;
	int k = 1;

	n += (size_t)snprintf(sql + n, sizeof(sql) - n,
	    "SELECT id, rec FROM jobs WHERE id > ?");
	if (f->queue != NULL && f->queue[0] != '\0')
		n += (size_t)snprintf(sql + n, sizeof(sql) - n,
		    " AND queue = ?");
	if (f->owner != NULL && f->owner[0] != '\0')
		n += (size_t)snprintf(sql + n, sizeof(sql) - n,
		    " AND owner = ?");
	if (f->unfinished)
		n += (size_t)snprintf(sql + n, sizeof(sql) - n,
		    " AND final = 0");
	if (f->since != 0)
		n += (size_t)snprintf(sql + n, sizeof(sql) - n,
		    " AND submitted >= ?");
	if (f->nstates > 0) {
		n += (size_t)snprintf(sql + n, sizeof(sql) - n,
		    " AND state IN (");
		for (size_t i = 0; i < f->nstates && i < 16; i++)
			n += (size_t)snprintf(sql + n, sizeof(sql) - n, "%s%d",
			    i ? "," : "", f->states[i]);
		n += (size_t)snprintf(sql + n, sizeof(sql) - n, ")");
	}
	snprintf(sql + n, sizeof(sql) - n, " ORDER BY id%s",
	    limit ? " LIMIT ?" : "");
	if (sqlite3_prepare_v2(d->h, sql, -1, &st, NULL) != SQLITE_OK)
		return fail_db(d, err, errlen, "listing");
	sqlite3_bind_int64(st, k++, (sqlite3_int64)f->after_id);
	if (f->queue != NULL && f->queue[0] != '\0')
		sqlite3_bind_text(st, k++, f->queue, -1, SQLITE_STATIC);
	if (f->owner != NULL && f->owner[0] != '\0')
		sqlite3_bind_text(st, k++, f->owner, -1, SQLITE_STATIC);
	if (f->since != 0)
		sqlite3_bind_int64(st, k++, f->since);
	if (limit)
		sqlite3_bind_int64(st, k++, (sqlite3_int64)limit);
	return each(d, st, 1, fn, arg, err, errlen);
}

_Static_assert(SB__JOB_STATE__HELD == 5, "db_ahead's query says 5");

static int
take_one(void *arg, struct job *j)
{
	*(struct job **)arg = j;
	return 1;
}

struct job *
db_get(struct db *d, uint64_t id, char *err, size_t errlen)
{
	struct db_filter f = { .after_id = id - 1 };
	struct job *j = NULL;

	err[0] = '\0';
	if (id == 0 || db_page(d, &f, 1, take_one, &j, err, errlen) < 0 ||
	    j == NULL)
		return NULL;
	if (j->id != id) {
		free(j);
		return NULL;
	}
	return j;
}

long
db_ahead(struct db *d, const char *queue, int64_t prio, uint64_t id,
    size_t limit, db_each_fn fn, void *arg, char *err, size_t errlen)
{
	sqlite3_stmt *st;

	/* (priority DESC, id ASC) after the one given: the index's order. */
	if (sqlite3_prepare_v2(d->h, "SELECT id, rec FROM jobs WHERE queue = ?"
		" AND final = 0 AND (priority < ? OR (priority = ? AND id > ?))"
		" AND state <> 5" /* SB__JOB_STATE__HELD: released, it comes */
		" ORDER BY priority DESC, id LIMIT ?", -1, &st, NULL) !=
	    SQLITE_OK)
		return fail_db(d, err, errlen, "scheduling");
	sqlite3_bind_text(st, 1, queue, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, prio);
	sqlite3_bind_int64(st, 3, prio);
	sqlite3_bind_int64(st, 4, (sqlite3_int64)id);
	sqlite3_bind_int64(st, 5, (sqlite3_int64)limit);
	return each(d, st, 1, fn, arg, err, errlen);
}

/* One count of unfinished jobs (and their bytes) into n, b: in queue
 * (NULL: in every queue), and where what names key (NULL: all). */
static int
count_one(struct db *d, const char *queue, const char *what,
    const char *key, uint64_t *n, uint64_t *b)
{
	char sql[160];
	sqlite3_stmt *st;
	int rc, i = 1;

	*n = *b = 0;
	snprintf(sql, sizeof(sql), "SELECT count(*), coalesce(sum(size), 0)"
	    " FROM jobs WHERE %s%s%s final = 0", key != NULL ? what : "",
	    key != NULL ? " = ? AND" : "", queue != NULL ? " queue = ? AND" : "");
	if (sqlite3_prepare_v2(d->h, sql, -1, &st, NULL) != SQLITE_OK)
		return -1;
	if (key != NULL)
		sqlite3_bind_text(st, i++, key, -1, SQLITE_STATIC);
	if (queue != NULL)
		sqlite3_bind_text(st, i, queue, -1, SQLITE_STATIC);
	if ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		*n = (uint64_t)sqlite3_column_int64(st, 0);
		*b = (uint64_t)sqlite3_column_int64(st, 1);
	}
	sqlite3_finalize(st);
	return rc == SQLITE_ROW ? 0 : -1;
}

int
db_usage(struct db *d, const char *queue, int all, const char *owner,
    const char *host, struct db_usage *u)
{
	uint64_t ignored;

	memset(u, 0, sizeof(*u));
	if ((all && count_one(d, queue, NULL, NULL, &u->jobs, &ignored) != 0) ||
	    (owner != NULL && count_one(d, queue, "owner", owner,
		&u->user_jobs, &u->user_bytes) != 0))
		return -1;
	if (host[0] == '\0')
		return 0;
	return count_one(d, queue, "host", host, &u->host_jobs,
	    &u->host_bytes);
}

/* Delete the rows st selects (id first), at most max; fn sees each
 * first. In the open transaction. The number deleted, or -1. */
static long
delete_selected(struct db *d, sqlite3_stmt *st, size_t max, db_each_fn fn,
    void *arg, char *err, size_t errlen)
{
	uint64_t *ids = calloc(max ? max : 1, sizeof(*ids));
	long n = 0;
	int rc;

	if (ids == NULL) {
		sqlite3_finalize(st);
		return fail_why(err, errlen, "job database: out of memory");
	}
	while ((size_t)n < max && (rc = sqlite3_step(st)) == SQLITE_ROW)
		ids[n++] = (uint64_t)sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	if (n > 0 && db_begin(d, err, errlen) != 0)
		n = -1;
	for (long i = 0; i < n; i++) {
		if (fn != NULL) {
			struct job *j = calloc(1, sizeof(*j));
			if (j == NULL)
				fatal("out of memory");
			j->id = ids[i];
			j->fd = j->out_fd = j->body_fd = j->src_fd = -1;
			fn(arg, j);
		}
		if (db_delete(d, ids[i], err, errlen) != 0) {
			n = -1;
			break;
		}
	}
	free(ids);
	return n;
}

long
db_prune(struct db *d, const char *queue, uint64_t keep, int64_t older_than,
    size_t max, db_each_fn fn, void *arg, char *err, size_t errlen)
{
	sqlite3_stmt *st;

	if (max == 0)
		return 0;
	/* The queue's finished jobs, oldest first, beyond the newest keep
	 * or finished before older_than. */
	if (sqlite3_prepare_v2(d->h, "SELECT id FROM jobs WHERE final = 1"
		" AND queue = ?1 AND (finished < ?2 OR id NOT IN (SELECT id FROM"
		" jobs WHERE final = 1 AND queue = ?1 ORDER BY finished DESC,"
		" id DESC LIMIT ?3)) ORDER BY finished, id LIMIT ?4", -1, &st,
		NULL) != SQLITE_OK)
		return fail_db(d, err, errlen, "retention");
	sqlite3_bind_text(st, 1, queue, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, older_than);
	sqlite3_bind_int64(st, 3, keep > INT64_MAX ? INT64_MAX
						    : (sqlite3_int64)keep);
	sqlite3_bind_int64(st, 4, (sqlite3_int64)max);
	return delete_selected(d, st, max, fn, arg, err, errlen);
}

long
db_prune_owners(struct db *d, uint64_t keep, size_t max, db_each_fn fn,
    void *arg, char *err, size_t errlen)
{
	sqlite3_stmt *st;

	if (max == 0)
		return 0;
	/* Each owner's finished jobs beyond their newest keep. */
	if (sqlite3_prepare_v2(d->h, "SELECT id FROM (SELECT id, row_number()"
		" OVER (PARTITION BY owner ORDER BY finished DESC, id DESC) AS"
		" n FROM jobs WHERE final = 1) WHERE n > ? LIMIT ?", -1, &st,
		NULL) != SQLITE_OK)
		return fail_db(d, err, errlen, "retention");
	sqlite3_bind_int64(st, 1, keep > INT64_MAX ? INT64_MAX
						    : (sqlite3_int64)keep);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)max);
	return delete_selected(d, st, max, fn, arg, err, errlen);
}

int
db_check(struct db *d, char *err, size_t errlen)
{
	sqlite3_stmt *st;
	int ok = 0;

	if (sqlite3_prepare_v2(d->h, "PRAGMA integrity_check", -1, &st,
		NULL) != SQLITE_OK)
		return fail_db(d, err, errlen, "integrity check");
	if (sqlite3_step(st) == SQLITE_ROW) {
		const char *r = (const char *)sqlite3_column_text(st, 0);
		ok = r != NULL && strcmp(r, "ok") == 0;
		if (!ok)
			fail_why(err, errlen, "job database: %s",
			    r != NULL ? r : "?");
	}
	sqlite3_finalize(st);
	return ok ? 0 : -1;
}
