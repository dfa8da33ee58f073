/*
 * localspl internals, shared by localspl's files only. In layers, each
 * calling only those below it (scripts/callcircles.sh checks):
 *   localspl.c  the role: its state, event loop and one dispatch switch
 *   request.c   client requests the broker forwards (submit, list, control)
 *   sched.c     which job runs next, and the dispatches' data and results
 *   fileport.c  delivery to file: queues
 *   spl.c       queue lookup, messages to the broker, type rules
 *   store.c     the durable job store (files), over db.c (the records)
 *   job.c       a job <-> its record, its error
 * The role's state is one struct spl, passed to each of them.
 */
#ifndef SB_LOCALSPL_H
#define SB_LOCALSPL_H

#include <stdint.h>

#include "chan.h"
#include "config.h"
#include "util.h"
#include "worker.h"

enum { QUOTA_QUEUE, QUOTA_SPOOL, QUOTA_SCOPES };

struct job {
	/* persisted: see store_save() */
	uint64_t id;
	char queue[65];
	int state;          /* sb.JobState */
	char title[256];
	uint32_t uid;
	char user[128];        /* local: the login; network: NAME@ADDRESS */
	uint64_t size;
	uint32_t copies;
	int datatype;       /* as submitted, AUTO resolved */
	uint32_t priority;
	uint32_t attempts;
	char last_error[256];
	int64_t submitted, finished, next_attempt;
	uint32_t pages;
	char landed[1200];
	int converted;      /* ID.out holds the job in out_type */
	uint64_t out_size;
	char filename[256];
	int out_type;       /* sb.DataType; NONE: the queue's datatype */
	int counted;        /* pages counted; the original is delivered */
	int64_t hold_at;    /* HELD: released then (unix ms); 0: by hand */
	char hold_until[24]; /* HELD: as asked (job-hold-until) */
	char sides[32];     /* the job's own template ("", 0: the queue's) */
	char media[32];
	uint32_t orientation;
	char print_scaling[16];
	char page_ranges[256]; /* the job's own imposition */
	uint32_t number_up;
	char overrides[1024];
	Sb__TextLayout text; /* its own cpi, lpi... (0: the queue's) */
	int64_t started;    /* unix ms its first stage began (0: not yet) */
	int quota_exempt;   /* an admin's, or released by one (quota.c) */
	/* runtime only */
	int uploading;      /* data still arriving from the client */
	uint64_t expires;   /* uploading: monotonic ms it is removed at */
	int committing;     /* being made durable: not to be finished */
	int unsynced;       /* committed in this pass: data not yet synced */
	int created;        /* uploading: its data file exists */
	uint64_t stale;     /* uploading: bytes its file held as a spare,
			     * cut to size when the upload ends */
	int src_fd;         /* committing: the client's own file, read-only,
			     * which a first dispatch may read while it is
			     * copied; -1 */
	int fd;             /* data (upload) or the file being read/written */
	int out_fd;         /* conversion output while converting */
	int body_fd;        /* converting: the output's body, kept apart
			     * until its end (an unnamed file; -1) */
	uint64_t body_len;  /* ... its bytes so far, written in order */
	uint64_t token;     /* active dispatch, 0 when none */
	int stage;
	int counting;       /* this CONVERT dispatch only counts pages */
	unsigned conv_lost; /* conversions that ended INTERRUPTED */
	int early;          /* this dispatch reads the client's file */
	/* uploading: its owner's and its address's bytes, in its queue and
	 * in all, when it began (quotas) */
	uint64_t quota[QUOTA_SCOPES][2];
	struct job *next;
};

/* job.c: job <-> JobInfo (the record and the listing), the one mapping;
 * the JobInfo's strings point into j. */
void job_to_info(const struct job *j, Sb__JobInfo *r);
void job_from_info(struct job *j, const Sb__JobInfo *r);
void job_set_error(struct job *j, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* The network address a job came from (its owner's part after '@'); ""
 * for a local user's. */
const char *job_host(const struct job *j);
/* Does j ask for pages to be chosen or put several to a side
 * (page-ranges, number-up)? The print processor does it. */
int job_imposed(const struct job *j);
struct queue;
/* Does q add banners or a label to what it prints (job_sheets,
 * classification)? The print processor does, as it imposes. */
int queue_marks(const struct queue *q);

struct db;

/*
 * The job store: records in SPOOL/jobs/jobs.db (db.c), data in files
 * beside it (ID.data as submitted, ID.out converted). In memory only the
 * resident jobs: uploads, jobs at work, and each queue's look-ahead
 * (sched.c decides which). Every change is written into the open
 * transaction at once; store_flush() commits it, once per pass of the
 * event loop, which is the group commit: a job is acknowledged only
 * after the flush that holds it.
 */
struct store {
	char dir[4096];     /* SPOOL/jobs */
	int dir_fd;
	struct db *db;
	uint64_t next_id;
	uint64_t reserved;  /* ids below are committed as used */
	struct job *jobs;   /* resident, in no order */
	int fresh;          /* new data files: the directory is synced */
	int broken;         /* a write failed: roll back, write again */
	void *sweep;        /* DIR: debris of before the start, removed a
			     * little at a time; NULL when done */
	struct syncer *syncer; /* syncs a commit's files at once */
	int reserve_held;   /* STORE_RESERVE bytes held for a full disk */
	uint64_t spares[128]; /* ID.spare: data files no job needs, reused */
	unsigned nspares;
	uint64_t sweep_below;
	uint64_t preserve_ms; /* a finished job's data kept this long */
	uint64_t resweep_at;  /* preserve_ms: the next sweep (monotonic ms) */
};

int store_open(struct store *s, const char *spool_dir, char *err,
    size_t errlen);
void store_close(struct store *s);
/* A new job with a fresh id (uploading); its data file is created by
 * the first store_append or store_copy. */
struct job *store_job_new(struct store *s);
/* Append to an upload's data (no fd is kept between calls). */
int store_append(struct store *s, struct job *j, const void *buf,
    size_t len);
/* Append size bytes of the file in (from its start), copied in the
 * kernel; in stays the caller's. */
int store_copy(struct store *s, struct job *j, int in, uint64_t size);
/* size bytes of in (from its start) into out at out's file offset, in
 * the kernel where it can (copy_file_range, else sendfile). */
int store_copy_fd(int out, int in, uint64_t size);
/* The upload's data is all there: its file cut to the job's size (a
 * spare it was written into may have held more); before anything reads
 * it. 0 or -1 (errno). */
int store_data_complete(struct store *s, struct job *j);
/* The upload is complete: its record written; it is durable (its data
 * synced, and may be acknowledged) after the next store_flush(). */
int store_commit(struct store *s, struct job *j);
/* The record into the open transaction. */
int store_save(struct store *s, struct job *j);
/* Commit: the directory (new names) and the database; 0, or -1 with the
 * reason (the changes stay in memory and go with the next flush).
 * durable: on stable storage on return (anything acknowledged to a
 * client: new jobs, job and queue control); otherwise state changes of
 * the scheduler's own, synced with the next durable commit (a machine
 * crash may take back the last: a job then prints again, as a crash
 * before a printer's answer does anyway). */
int store_flush(struct store *s, int durable, char *err, size_t errlen);
/* Drop the job's data and output files (record stays for history). */
void store_drop_data(struct store *s, struct job *j);
/* j is finished: its output goes, its data too unless preserve_ms keeps
 * it (restart prints it again). */
void store_finished(struct store *s, struct job *j);
/* Space short: every finished job's kept data removed; bytes freed. */
uint64_t store_drop_preserved(struct store *s);
/* Does j's data file exist (a finished job's: kept for a restart)? */
int store_has_data(struct store *s, const struct job *j);
/* With preserve_ms: a sweep for data kept past it, now and then; ms
 * until the next (-1: none). */
int store_preserve_tick(struct store *s);
void store_drop_output(struct store *s, struct job *j);
/* Forget the job entirely (record too) and free it. */
void store_job_delete(struct store *s, struct job *j);
/* A resident job; NULL when it is not in memory. */
struct job *store_job(struct store *s, uint64_t id);
/* Any job: resident, or read from the database into memory (until the
 * next settle decides it is not needed); NULL: no such job. */
struct job *store_lookup(struct store *s, uint64_t id);
/* A job read from the database, made resident. */
void store_adopt(struct store *s, struct job *j);
/* Out of memory (not off the disk) and freed. */
void store_evict(struct store *s, struct job *j);
/* min_free_space: how much the spool's disk has free (left) and keeps
 * (want: bytes, or permille of it); 0 when there is no reserve or the
 * disk does not say. */
int store_free_space(struct store *s, uint64_t bytes, unsigned permille,
    uint64_t *left, uint64_t *want);
/* Remove up to budget files of what a crash left; 1 while more remain. */
int store_sweep(struct store *s, unsigned budget);
/* A small state file of the spooler's own (the queues' states), durable;
 * get: malloc'd, NULL when there is none. */
int store_put_state(struct store *s, const char *name, const void *buf,
    size_t len);
uint8_t *store_get_state(struct store *s, const char *name, size_t *len);
void store_path(const struct store *s, const struct job *j, const char *ext,
    char *buf, size_t len);

/* Submit-to-delivered latency buckets (ms), as the metrics show them. */
#define SPL_LATENCY_BOUNDS 14
extern const uint32_t spl_latency_bounds_ms[SPL_LATENCY_BOUNDS];

struct queue {
	const Sb__QueueConfig *cfg;
	int stopped;                /* no delivery: an error policy's... */
	char reason[512];
	int disabled;               /* ...or an admin's (spoolbox queue) */
	char disabled_reason[256];
	int rejecting;              /* new jobs refused, saying why */
	char reject_reason[256];
	uint64_t completed;         /* since this process started: */
	uint64_t failed, retries;
	uint64_t latency_le[SPL_LATENCY_BOUNDS]; /* delivered within bound */
	uint64_t latency_sum_ms;
	int64_t ahead_prio;         /* look-ahead: every waiting job up to */
	uint64_t ahead_id;          /* (prio, id) in scheduling order is in */
	int ahead_all;              /* memory; or all of them (sched.c) */
	char printer_state[256];    /* remote: as the printer last said */
	uint32_t takes;             /* remote: types the printer takes, 0: ? */
	uint64_t pages_total;       /* pages x copies accounting keeps, */
	int pages_known;            /* once read from the store */
	/* A pool (uri = A, B...): each printer's state (pool.c); a queue
	 * of one printer has none. */
	struct member {
		uint64_t token;     /* the delivery it takes (0: idle) */
		int64_t skip_until; /* unix ms: failed, passed over until */
		uint64_t jobs;      /* delivered since localspl started */
		char error[160];    /* why it last failed */
	} members[SB_POOL_MAX];
	size_t nmembers;
};

/* The local spooler's state. */
struct spl {
	struct worker *w;
	struct store store;
	struct queue *queues;
	size_t nqueues;
	uint64_t next_token;    /* dispatch tokens: random start, never reused */
	void *magic;            /* libmagic, loaded before the sandbox; NULL */
	uint64_t finished;      /* jobs finished since the last retention */
	int64_t retain_at;      /* ... and when it runs again anyway */
	struct spl_ack *acks;   /* submits answered after the next commit */
	size_t nacks, acks_cap;
	int store_failed;       /* the last commit failed (said once) */
	int64_t release_at;     /* the next timed hold's end (unix ms);
				 * 0: not known, INT64_MAX: none */
	struct spl_waiter *waiters; /* JobsReqs waiting for a final job */
	size_t nwaiters;
};

/* A JobsReq with wait_ms, kept until its job is final (then answered
 * after the commit that made it so) or its wait is over. */
struct spl_waiter {
	sb_env *e;              /* the request (owned) */
	int64_t until;          /* monotonic ms; 0: its job is final */
	struct spl_waiter *next;
};

struct spl_ack {
	uint64_t msg;           /* the request's envelope id */
	uint64_t job;
};

/* spl.c: the type q's printer gets j in (j's own when it goes as it
 * is); may q take a job of type from at all? */
int spl_target_type(const struct job *j, const struct queue *q);
int spl_queue_accepts(const struct queue *q, int from);
/* Does q's printer take dt, as far as it said? */
int spl_printer_takes(const struct queue *q, int dt);
/* What the printer gets when j is delivered now. */
int spl_delivered_type(const struct job *j, const struct queue *q);

/* magic: detect_open()'s, made before the sandbox (may be NULL). */
void localspl_run(struct worker *w, void *magic) __attribute__((noreturn));

/* detect.c: what an "auto" job is (sb.DataType) from its first bytes. */
void *detect_open(void);
void detect_close(void *magic);
int detect_type(void *magic, const uint8_t *p, size_t n);

/* spl.c: the event loop's waits. The ms until due (0 when it is past),
 * at most SPL_WAIT_MAX; the sooner of two waits (-1: none). */
#define SPL_WAIT_MAX 60000
int spl_wait_ms(int64_t due, int64_t now);
int spl_sooner(int a, int b);

/* spl.c: a queue by name; answers to the broker */
struct queue *spl_queue(struct spl *s, const char *name);
/* Job id is final: its waiters are answered after the next commit. */
void spl_job_final(struct spl *s, uint64_t id);
void spl_send(struct spl *s, sb_env *e, uint64_t id);
void spl_reply_error(struct spl *s, uint64_t id, int code, const char *fmt,
    ...) __attribute__((format(printf, 4, 5)));

/* request.c */
/* Remove uploads past their time; ms until the next one is due (-1). */
int request_expire_uploads(struct spl *s);
/* Release held jobs whose job-hold-until came; ms until the next (-1). */
int request_release_due(struct spl *s);
void request_submit(struct spl *s, const sb_env *e);
/* End of a pass: commit, then answer the submits it made durable (or
 * refuse them), then settle memory and run retention. */
void request_commit(struct spl *s);
void request_jobs(struct spl *s, const sb_env *e);
/* A JobsReq that waits (wait_ms) for a job not yet final: kept, 1 (e
 * is taken); 0: answer it now with request_jobs. */
int request_jobs_wait(struct spl *s, sb_env *e);
/* Answer the waiters whose job is final or whose wait is over (all of
 * them when all is set); ms until the next wait is over (-1: none). */
int request_waiters(struct spl *s, int all);
void request_job_ctl(struct spl *s, const sb_env *e);
void request_accounting(struct spl *s, const sb_env *e);
void request_quota(struct spl *s, const sb_env *e);

/* pool.c: the printers of a pool (uri = A, B...), taken in turn. */
/* Its members, from q's uri; kept from old when the uri is the same. */
void pool_setup(struct queue *q, const struct queue *old);
/* Printer k's URI into buf (a queue of one: its uri). */
void pool_uri(const struct queue *q, size_t k, char *buf, size_t len);
/* The first printer free to take a job now, or -1. */
int pool_idle(const struct queue *q, int64_t now);
/* The first idle printer takes the delivery token: its URI, in buf
 * (sched_pick counted one free). */
char *pool_take(struct queue *q, uint64_t token, char *buf, size_t len);
/* How many are free now (a queue of one: 1). */
size_t pool_free(const struct queue *q, int64_t now);
/* Each printer of q as QueuesRep shows it (out[q->nmembers], their
 * URIs into uris: they point there). */
void pool_describe(const struct queue *q, int64_t now, Sb__PoolMember *out,
    char (*uris)[1024]);
/* The member whose delivery token is, or NULL (what queue in *qp). */
struct member *pool_member(struct spl *s, uint64_t token,
    struct queue **qp);

/* quota.c: page_quota and job_quota per user over a period. */
/* Would one more job take owner past a job_quota in q? 1 with why, 0,
 * or -1 with why (the store failed). */
int quota_jobs_past(struct spl *s, const struct queue *q, const char *owner,
    char *why, size_t len);
/* Would j's pages (known once printproc's pass counted them) take its
 * owner past a page_quota in q? As quota_jobs_past. */
int quota_pages_past(struct spl *s, const struct job *j,
    const struct queue *q, char *why, size_t len);
/* owner's use of each quota that applies into out[max]: how many. */
size_t quota_uses(struct spl *s, const char *owner, Sb__QuotaUse *out,
    size_t max);
void request_queues(struct spl *s, const sb_env *e);
void request_queue_ctl(struct spl *s, const sb_env *e);
/* The admins' queue states (disable, reject), as saved in the spool. */
void request_load_queue_states(struct spl *s);

/* sched.c */
/* What to start next on q: the head job to deliver (NULL: none now) and
 * up to *nconv jobs to convert ahead, in order. Pure: no I/O. */
struct sched_pick {
	struct job *deliver[SB_POOL_MAX]; /* in order: one per idle printer */
	size_t ndeliver;
	struct job *convert[4];
	size_t nconvert;
};
void sched_pick(struct spl *s, const struct queue *q, int64_t now,
    struct sched_pick *out);
/* Start what may start now; how many were (a file: delivery finishes
 * at once, and the next may follow). */
int sched_run(struct spl *s);
int sched_timeout(struct spl *s);
void sched_finish(struct spl *s, struct job *j, int state);
/* After a commit: finished, held and out-of-window jobs leave memory
 * (a finished one's data with it); each queue's look-ahead is read. */
void sched_settle(struct spl *s);
void sched_window_reset(struct queue *q);
/* History retention, a batch at a time (see sched.c). */
void sched_retain(struct spl *s);
/* Tell the worker on j's dispatch to stop (through the broker). */
void sched_abort(struct spl *s, const struct job *j, const char *why);
void sched_output_chunk(struct spl *s, const sb_env *e);
void sched_job_done(struct spl *s, const sb_env *e);

/* fileport.c: copy j into q's directory; 0, or -1 with last_error set. */
int fileport_deliver(struct job *j, const struct queue *q);

#endif
