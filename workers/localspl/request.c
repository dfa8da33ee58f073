/*
 * request: the client requests the broker forwards to localspl, each with
 * the caller the broker vouches for: submit (a streamed upload that is
 * acknowledged only once on stable storage), job listings, job control
 * (owner or admin) and queue listings.
 * Reports: refusals to the client as ErrorRep, with the reason.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config.h"
#include "fdpass.h"
#include "db.h"
#include "localspl.h"
#include "log.h"
#include "util.h"
#include "vocab.h"

/* Is j the caller's? A local user by uid; a network client (uid
 * SB_NET_UID) by its NAME@ADDRESS. */
static int
owns(const struct job *j, const Sb__Caller *c)
{
	return j->uid == c->uid &&
	    (c->uid != SB_NET_UID || strcmp(j->user, c->user) == 0);
}

/* Unfinished uploads: in all, and of the caller. */
static void
count_uploads(struct spl *s, const Sb__Caller *c, unsigned *all,
    unsigned *mine)
{
	*all = *mine = 0;
	for (struct job *j = s->store.jobs; j != NULL; j = j->next)
		if (j->uploading) {
			(*all)++;
			*mine += owns(j, c);
		}
}

/* May the caller start another upload? 0, or -1 after an answer. */
static int
upload_allowed(struct spl *s, const sb_env *e)
{
	const Sb__Configure *c = s->w->cfg;
	unsigned all, mine;

	count_uploads(s, e->caller, &all, &mine);
	if (!e->caller->admin && mine >= c->max_uploads_per_user) {
		spl_reply_error(s, e->id, SB__ERROR_CODE__E_QUOTA,
		    "%u uploads of yours are unfinished "
		    "(max_uploads_per_user = %u)", mine,
		    c->max_uploads_per_user);
		return -1;
	}
	if (all >= c->max_uploads) {
		spl_reply_error(s, e->id, SB__ERROR_CODE__E_LIMIT,
		    "%u uploads are in progress (max_uploads = %u), try again",
		    all, c->max_uploads);
		return -1;
	}
	return 0;
}

/* Answer e with a format error and remove j: -1. */
static int
refuse_job(struct spl *s, const sb_env *e, struct job *j, const char *fmt,
    ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	spl_reply_error(s, e->id, SB__ERROR_CODE__E_FORMAT, "%s", msg);
	store_job_delete(&s->store, j);
	return -1;
}

/* Can the print processor choose j's pages and put several to a side
 * when its printer gets dt? */
static int
imposable(int dt)
{
	return dt == SB__DATA_TYPE__PDF || dt == SB__DATA_TYPE__POSTSCRIPT;
}

/* An "auto" job's type from its first bytes, once there are some (an IPP
 * Create-Job begins without any) or it is complete; refused when its
 * queue cannot take it, or cannot impose it as it asks. 0, or -1 after
 * an answer (the job is gone). */
static int
settle_type(struct spl *s, const sb_env *e, struct job *j,
    const uint8_t *head, size_t headlen)
{
	const struct queue *q = spl_queue(s, j->queue);

	if (j->datatype == SB__DATA_TYPE__AUTO) {
		if (headlen == 0 && !e->submit_req->final)
			return 0;
		j->datatype = detect_type(s->magic, head, headlen);
		/* Data nothing recognizes is not sent raw to a PostScript or
		 * PDF printer, which would print garbage or nothing
		 * "completed". */
		if (j->datatype == SB__DATA_TYPE__RAW && headlen > 0 &&
		    (q->cfg->datatype == SB__DATA_TYPE__POSTSCRIPT ||
			q->cfg->datatype == SB__DATA_TYPE__PDF))
			return refuse_job(s, e, j, "queue %s takes %s, and this "
			    "is no document spoolbox knows (text, PDF, "
			    "PostScript, PNG, JPEG or a printer language); -t "
			    "raw sends it as it is; job not accepted",
			    q->cfg->name, datatype_name((int)q->cfg->datatype));
		if (!spl_queue_accepts(q, j->datatype))
			return refuse_job(s, e, j, "queue %s takes %s, and there "
			    "is no conversion from %s; job not accepted",
			    q->cfg->name, q->cfg->datatype != SB__DATA_TYPE__RAW
				? datatype_name((int)q->cfg->datatype)
				: "what its printer says it takes",
			    datatype_name(j->datatype));
	}
	if (job_imposed(j) && !imposable(spl_target_type(j, q)))
		return refuse_job(s, e, j, "queue %s sends %s to its printer: "
		    "page-ranges and number-up apply to what goes as PDF or "
		    "PostScript; job not accepted", q->cfg->name,
		    datatype_name(spl_target_type(j, q)));
	return 0;
}

/* The queue a request names; NULL after an error answer. */
static struct queue *
queue_named(struct spl *s, const sb_env *e, const char *name)
{
	struct queue *q = spl_queue(s, name);

	if (q == NULL)
		spl_reply_error(s, e->id, SB__ERROR_CODE__E_NOT_FOUND,
		    "unknown queue '%s'", name);
	return q;
}

/* Does q take new jobs? 0, or -1 after an answer with its reason. */
static int
queue_accepting(struct spl *s, const sb_env *e, const struct queue *q)
{
	if (!q->rejecting)
		return 0;
	spl_reply_error(s, e->id, SB__ERROR_CODE__E_STATE,
	    "queue %s is not accepting jobs%s%s", q->cfg->name,
	    q->reject_reason[0] ? ": " : "", q->reject_reason);
	return -1;
}

/* A job's bytes a quota does not count (an admin's, a local user's for
 * the per-address ones). */
#define NO_QUOTA UINT64_MAX

/* Each limit on unfinished jobs is the queue's own, or the spooler's
 * over every queue together ([spooler]); 0: no limit. */
struct limits {
	const char *queue;   /* the queue counted; NULL: every queue */
	uint64_t jobs_queued, jobs_per_user, bytes_per_user, jobs_per_host,
	    bytes_per_host;
};

static struct limits
limits_of(const struct spl *s, const struct queue *q, int scope)
{
	const Sb__QueueConfig *c = q->cfg;
	const Sb__Configure *g = s->w->cfg;

	if (scope == QUOTA_QUEUE)
		return (struct limits){ c->name, c->max_jobs_queued,
			c->max_jobs_per_user, c->max_bytes_per_user,
			c->max_jobs_per_host, c->max_bytes_per_host };
	return (struct limits){ NULL, g->max_jobs_queued,
		g->max_jobs_per_user, g->max_bytes_per_user,
		g->max_jobs_per_host, g->max_bytes_per_host };
}

/* Would a job of bytes pass a share of l? The quota's name, with what it
 * would count (have) and its limit; NULL: none would. base: the owner's
 * and the address's bytes there now, NO_QUOTA where not counted; u:
 * their jobs, or NULL when the job is counted already (its upload goes
 * on). */
static const char *
over_quota(const struct limits *l, const struct db_usage *u,
    const uint64_t base[2], uint64_t bytes, uint64_t *have, uint64_t *max)
{
	const struct {
		int applies;
		uint64_t have, max;
		const char *name;
	} rules[] = {
		{ base[0] != NO_QUOTA && u != NULL,
		    u != NULL ? u->user_jobs + 1 : 0, l->jobs_per_user,
		    "max_jobs_per_user" },
		{ base[0] != NO_QUOTA, base[0] + bytes, l->bytes_per_user,
		    "max_bytes_per_user" },
		{ base[1] != NO_QUOTA && u != NULL,
		    u != NULL ? u->host_jobs + 1 : 0, l->jobs_per_host,
		    "max_jobs_per_host" },
		{ base[1] != NO_QUOTA, base[1] + bytes, l->bytes_per_host,
		    "max_bytes_per_host" },
	};

	for (size_t i = 0; i < sizeof(rules) / sizeof(rules[0]); i++)
		if (rules[i].applies && rules[i].max != 0 &&
		    rules[i].have > rules[i].max) {
			*have = rules[i].have;
			*max = rules[i].max;
			return rules[i].name;
		}
	return NULL;
}

static void
refuse_quota(struct spl *s, uint64_t id, const struct limits *l,
    const char *quota, uint64_t max, uint64_t have)
{
	spl_reply_error(s, id, SB__ERROR_CODE__E_QUOTA,
	    "%s%s: this job would take you past %s = %llu (to %llu); job not "
	    "accepted", l->queue != NULL ? "queue " : "",
	    l->queue != NULL ? l->queue : "all queues together", quota,
	    (unsigned long long)max, (unsigned long long)have);
}

/* May owner have one more job of bytes within l: max_jobs_queued, and
 * the quotas per user and per network address, in jobs and bytes? 0
 * (base: what the owner and the address hold there now), or -1 after an
 * answer. Admins' jobs are not counted per user. */
static int
scope_has_room(struct spl *s, const sb_env *e, const struct limits *l,
    const char *owner, uint64_t bytes, uint64_t base[2])
{
	const char *at = strrchr(owner, '@'), *quota;
	/* Only what a limit set here needs is counted (a submit's cost). */
	int user = !e->caller->admin && strncmp(owner, "(lpd)@", 6) != 0 &&
	    (l->jobs_per_user != 0 || l->bytes_per_user != 0);
	int host = e->caller->uid == SB_NET_UID && at != NULL &&
	    (l->jobs_per_host != 0 || l->bytes_per_host != 0);
	struct db_usage u;
	uint64_t have, max;

	if (db_usage(s->store.db, l->queue, l->jobs_queued != 0,
		user ? owner : NULL, host ? at + 1 : "", &u) != 0) {
		spl_reply_error(s, e->id, SB__ERROR_CODE__E_IO,
		    "job store: counting %s's jobs failed; job not accepted",
		    l->queue != NULL ? l->queue : "the spool");
		return -1;
	}
	if (l->jobs_queued != 0 && u.jobs >= l->jobs_queued) {
		spl_reply_error(s, e->id, SB__ERROR_CODE__E_LIMIT,
		    "%s%s holds %llu jobs (max_jobs_queued = %llu); job not "
		    "accepted", l->queue != NULL ? "queue " : "",
		    l->queue != NULL ? l->queue : "the spool",
		    (unsigned long long)u.jobs,
		    (unsigned long long)l->jobs_queued);
		return -1;
	}
	base[0] = user ? u.user_bytes : NO_QUOTA;
	base[1] = host ? u.host_bytes : NO_QUOTA;
	if ((quota = over_quota(l, &u, base, bytes, &have, &max)) == NULL)
		return 0;
	refuse_quota(s, e->id, l, quota, max, have);
	return -1;
}

/* May owner have one more job of bytes on q, within its own limits and
 * the spooler's? 0 (base: what the owner and the address hold now, per
 * scope), or -1 after an answer. An LPD job's owner is known only at its
 * end (the control file may follow the data): until then its address
 * counts for it, and the end asks again for the owner. */
static int
queue_has_room(struct spl *s, const sb_env *e, const struct queue *q,
    const char *owner, uint64_t bytes, uint64_t base[QUOTA_SCOPES][2])
{
	for (int sc = 0; sc < QUOTA_SCOPES; sc++) {
		struct limits l = limits_of(s, q, sc);
		if (scope_has_room(s, e, &l, owner, bytes, base[sc]) != 0)
			return -1;
	}
	return 0;
}

/* Would j, grown by more bytes, pass a quota? 0, or -1 after an answer. */
static int
upload_within_quotas(struct spl *s, const sb_env *e, const struct job *j,
    uint64_t more)
{
	const struct queue *q = spl_queue(s, j->queue);
	const char *quota;
	uint64_t have, max;

	for (int sc = 0; q != NULL && sc < QUOTA_SCOPES; sc++) {
		struct limits l = limits_of(s, q, sc);
		if ((quota = over_quota(&l, NULL, j->quota[sc], j->size + more,
			 &have, &max)) != NULL) {
			refuse_quota(s, e->id, &l, quota, max, have);
			return -1;
		}
	}
	return 0;
}

/* A new job with the request's attributes; head: its first bytes. */
static struct job *
upload_begin(struct spl *s, const sb_env *e, const uint8_t *head,
    size_t headlen)
{
	const Sb__SubmitReq *r = e->submit_req;
	struct queue *q = queue_named(s, e, r->queue);
	uint64_t base[QUOTA_SCOPES][2];
	char why[512];
	int over = 0;
	struct job *j;

	if (q == NULL || queue_accepting(s, e, q) != 0 ||
	    upload_allowed(s, e) != 0 ||
	    queue_has_room(s, e, q, e->caller->user, 1, base) != 0)
		return NULL;
	if (!e->caller->admin && (over = quota_jobs_past(s, q, e->caller->user,
				      why, sizeof(why))) != 0 &&
	    (over < 0 || s->w->cfg->quota_refuse)) {
		spl_reply_error(s, e->id, over < 0 ? SB__ERROR_CODE__E_IO
						   : SB__ERROR_CODE__E_QUOTA,
		    "%s; job not accepted", why);
		return NULL;
	}
	j = store_job_new(&s->store);
	j->quota_exempt = e->caller->admin;
	memcpy(j->quota, base, sizeof(j->quota));
	snprintf(j->queue, sizeof(j->queue), "%s", r->queue);
	snprintf(j->title, sizeof(j->title), "%s", r->title);
	snprintf(j->filename, sizeof(j->filename), "%s", r->filename);
	snprintf(j->user, sizeof(j->user), "%s", e->caller->user);
	j->uid = e->caller->uid;
	j->copies = r->copies;
	j->priority = r->priority;
	j->datatype = (int)r->datatype;
	snprintf(j->sides, sizeof(j->sides), "%s", r->sides);
	snprintf(j->media, sizeof(j->media), "%s", r->media);
	j->orientation = r->orientation;
	snprintf(j->print_scaling, sizeof(j->print_scaling), "%s",
	    r->print_scaling);
	snprintf(j->page_ranges, sizeof(j->page_ranges), "%s", r->page_ranges);
	j->number_up = r->number_up;
	snprintf(j->overrides, sizeof(j->overrides), "%s", r->overrides);
	chan_text_layout_merge(&j->text, r->text, NULL);
	/* Held (job-hold-until indefinite, submit --hold): nothing is done
	 * with it until someone releases it. */
	j->state = r->hold ? SB__JOB_STATE__HELD : SB__JOB_STATE__PENDING;
	if (r->hold) {
		j->hold_at = r->hold_at;
		snprintf(j->hold_until, sizeof(j->hold_until), "%s",
		    r->hold_until[0] ? r->hold_until : "indefinite");
		if (j->hold_at > 0 && j->hold_at < s->release_at)
			s->release_at = j->hold_at;
	}
	if (over > 0) { /* held, saying why, until an admin releases it */
		j->state = SB__JOB_STATE__HELD;
		j->hold_at = 0;
		snprintf(j->hold_until, sizeof(j->hold_until), "quota");
		job_set_error(j, "%s", why);
	}
	j->submitted = now_wall_ms();
	j->expires = now_mono_ms() + q->cfg->max_upload_ms;
	if (settle_type(s, e, j, head, headlen) != 0)
		return NULL;
	return j;
}

int
request_expire_uploads(struct spl *s)
{
	uint64_t now = now_mono_ms(), next = UINT64_MAX;
	struct job *j, *n;

	for (j = s->store.jobs; j != NULL; j = n) {
		n = j->next;
		if (!j->uploading)
			continue;
		if (j->expires <= now) {
			log_info("upload %llu of %s (%llu bytes) unfinished "
			    "after max_upload_seconds: removed",
			    (unsigned long long)j->id, j->user,
			    (unsigned long long)j->size);
			store_job_delete(&s->store, j);
		} else if (j->expires < next) {
			next = j->expires;
		}
	}
	if (next == UINT64_MAX)
		return -1;
	return spl_wait_ms((int64_t)next, (int64_t)now);
}

/* Is there room for more bytes of j: within its queue's max_job_size,
 * and with the spool's disk keeping min_free_space free after them? 0,
 * or -1 after an answer (the upload removed). */
static int
room_for(struct spl *s, const sb_env *e, struct job *j, uint64_t more)
{
	const Sb__Configure *c = s->w->cfg;
	const struct queue *q = spl_queue(s, j->queue);
	uint64_t max = q != NULL ? q->cfg->max_job_size : 0;
	uint64_t left, want;
	char a[32], b[32];

	if (max != 0 && j->size + more > max) {
		spl_reply_error(s, e->id, SB__ERROR_CODE__E_TOO_LARGE,
		    "job larger than queue %s's max_job_size (%llu bytes); not "
		    "accepted", j->queue, (unsigned long long)max);
	} else if (upload_within_quotas(s, e, j, more) != 0) {
		/* answered */
	} else if (store_free_space(&s->store, c->min_free_bytes,
		       c->min_free_permille, &left, &want) == 0 ||
	    left >= want + more ||
	    (store_drop_preserved(&s->store) > 0 &&
		(store_free_space(&s->store, c->min_free_bytes,
		     c->min_free_permille, &left, &want) == 0 ||
		    left >= want + more))) {
		return 0;
	} else {
		format_size(left, a, sizeof(a));
		format_size(want, b, sizeof(b));
		spl_reply_error(s, e->id, SB__ERROR_CODE__E_LIMIT,
		    "the spool's disk has %s free, min_free_space keeps %s; "
		    "job not accepted", a, b);
	}
	store_job_delete(&s->store, j);
	return -1;
}

/* The answer to a submit; job_id only once it is on stable storage. */
static void
reply_submit(struct spl *s, const sb_env *e, const struct job *j, int final)
{
	Sb__SubmitRep rep = SB__SUBMIT_REP__INIT;
	sb_env out;

	rep.upload = j->id;
	rep.job_id = final ? j->id : 0;
	if (final)
		worker_leak(s->w); /* fault injection, per job accepted */
	chan_env_init(&out);
	out.body_case = SB__ENVELOPE__BODY_SUBMIT_REP;
	out.submit_rep = &rep;
	spl_send(s, &out, e->id);
}

/* j could not be stored: a dispatch already at work on it is aborted,
 * the client hears why, and the job is gone. */
static void
io_error(struct spl *s, const sb_env *e, struct job *j)
{
	if (j->token != 0)
		sched_abort(s, j, "the job could not be stored");
	spl_reply_error(s, e->id, SB__ERROR_CODE__E_IO,
	    "spool %s: %s; job not accepted", s->store.dir, strerror(errno));
	store_job_delete(&s->store, j);
}

/* May q's delivery start before the job is committed? Yes when another
 * worker delivers it; file: queues are written by localspl itself, from
 * the spool, so only committed jobs. */
static int
dispatch_before_commit(const struct queue *q)
{
	return q != NULL && uri_kind(q->cfg->uri) != SB__WORKER_KIND__LOCALSPL;
}

/*
 * The job's data is complete: make it durable and acknowledge it. Its
 * delivery may start first, so it overlaps the fsyncs (a large job prints
 * while the disk writes it back); the acknowledgement still waits for
 * stable storage. Should the commit fail, the dispatch is aborted and the
 * client hears "not accepted" (the printer may have printed it: on the
 * disk error path only).
 */
static void
commit_and_reply(struct spl *s, const sb_env *e, struct job *j)
{
	if (store_data_complete(&s->store, j) != 0) {
		io_error(s, e, j);
		return;
	}
	j->uploading = 0;
	j->committing = 1; /* never pruned or finished before the commit */
	if (dispatch_before_commit(spl_queue(s, j->queue)))
		sched_run(s);
	j->committing = 0;
	if (store_commit(&s->store, j) != 0) {
		io_error(s, e, j);
		return;
	}
	/* Answered after the pass's commit (request_commit). */
	if (s->nacks == s->acks_cap) {
		s->acks_cap = s->acks_cap ? 2 * s->acks_cap : 64;
		s->acks = realloc(s->acks, s->acks_cap * sizeof(*s->acks));
		if (s->acks == NULL)
			fatal("out of memory");
	}
	s->acks[s->nacks++] = (struct spl_ack){ e->id, j->id };
}

/* The broker hears when the store stops (why) or starts ("") writing. */
static void
say_health(struct spl *s, const char *why)
{
	Sb__SpoolerHealth h = SB__SPOOLER_HEALTH__INIT;
	sb_env e;

	chan_env_init(&e);
	e.body_case = SB__ENVELOPE__BODY_SPOOLER_HEALTH;
	e.spooler_health = &h;
	h.store_error = (char *)why;
	spl_send(s, &e, 0);
}

void
request_commit(struct spl *s)
{
	char err[512];
	int failed = store_flush(&s->store, s->nacks > 0, err,
	    sizeof(err)) != 0;

	for (size_t i = 0; i < s->nacks; i++) {
		struct job *j = store_job(&s->store, s->acks[i].job);
		if (j == NULL)
			continue;
		if (!failed) {
			reply_submit(s, &(sb_env){ .id = s->acks[i].msg }, j,
			    1);
			continue;
		}
		if (j->token != 0)
			sched_abort(s, j, "the job could not be stored");
		spl_reply_error(s, s->acks[i].msg, SB__ERROR_CODE__E_IO,
		    "%s; job not accepted", err);
		store_job_delete(&s->store, j);
	}
	s->nacks = 0;
	if (failed) {
		if (!s->store_failed) {
			log_error("%s", err);
			say_health(s, err);
		}
		s->store_failed = 1;
		return;
	}
	if (s->store_failed) {
		log_info("job store: writing again");
		say_health(s, "");
	}
	s->store_failed = 0;
	sched_settle(s);
	sched_retain(s);
}

/* A first dispatch of j before its data is in the spool, reading the
 * client's file src (size bytes) instead; not to file: queues, which
 * localspl delivers itself from the spool. */
static void
dispatch_early(struct spl *s, struct job *j, int src, uint64_t size)
{
	if (!dispatch_before_commit(spl_queue(s, j->queue)))
		return;
	j->size = size;
	j->uploading = 0;
	j->committing = 1;
	j->src_fd = src;
	sched_run(s);
	j->src_fd = -1;
	j->size = 0; /* store_copy counts it in */
	j->uploading = 1;
}

/* The whole job as a descriptor the client opened (passed on by the
 * broker): copied into the spool in the kernel, synced, acknowledged. */
static void
submit_by_fd(struct spl *s, const sb_env *e)
{
	int fd = fdpass_recv_tag(WORKER_FDCHAN, e->id, 1000);
	uint8_t head[4096];
	struct stat st;
	struct job *j;
	ssize_t n;

	if (fd < 0) {
		spl_reply_error(s, e->id, SB__ERROR_CODE__E_UNAVAILABLE,
		    "the file did not come with the request; try again");
		return;
	}
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) ||
	    (n = pread(fd, head, sizeof(head), 0)) < 0) {
		spl_reply_error(s, e->id, SB__ERROR_CODE__E_INVALID,
		    "not a readable regular file");
		goto out;
	}
	if ((j = upload_begin(s, e, head, (size_t)n)) == NULL)
		goto out;
	if (room_for(s, e, j, (uint64_t)st.st_size) != 0)
		goto out;
	/* Delivery from the client's file may begin now, overlapping the
	 * copy; the acknowledgement still waits for the copy's fsync. */
	if ((fcntl(fd, F_GETFL) & O_ACCMODE) == O_RDONLY)
		dispatch_early(s, j, fd, (uint64_t)st.st_size);
	if (store_copy(&s->store, j, fd, (uint64_t)st.st_size) != 0) {
		io_error(s, e, j);
	} else {
		commit_and_reply(s, e, j);
	}
out:
	close(fd);
}

/* What the final chunk says that the first did not know (an LPD
 * control file after its data): it wins. An owner it names has its share
 * of the queue counted now: 0, or -1 after an answer (the upload
 * removed). */
static int
final_attributes(struct spl *s, const sb_env *e, struct job *j)
{
	const Sb__SubmitReq *r = e->submit_req;
	uint64_t base[QUOTA_SCOPES][2];

	if (r->title[0] != '\0')
		snprintf(j->title, sizeof(j->title), "%s", r->title);
	if (r->filename[0] != '\0')
		snprintf(j->filename, sizeof(j->filename), "%s", r->filename);
	if (r->copies != 0)
		j->copies = r->copies;
	if (e->caller->uid != SB_NET_UID || r->owner[0] == '\0' ||
	    strcmp(r->owner, j->user) == 0)
		return 0;
	snprintf(j->user, sizeof(j->user), "%s", r->owner);
	if (queue_has_room(s, e, spl_queue(s, j->queue), j->user,
		j->size + r->data.len, base) != 0) {
		store_job_delete(&s->store, j);
		return -1;
	}
	memcpy(j->quota, base, sizeof(j->quota));
	return 0;
}

void
request_submit(struct spl *s, const sb_env *e)
{
	const Sb__SubmitReq *r = e->submit_req;
	struct job *j;

	if (r->by_fd) {
		submit_by_fd(s, e);
		return;
	}
	if (r->upload == 0) {
		if ((j = upload_begin(s, e, r->data.data, r->data.len)) == NULL)
			return;
		if (r->final && final_attributes(s, e, j) != 0)
			return;
	} else {
		j = store_job(&s->store, r->upload);
		if (j == NULL || !j->uploading || !owns(j, e->caller)) {
			/* Unavailable: a client that can read its input
			 * again starts over. */
			spl_reply_error(s, e->id,
			    SB__ERROR_CODE__E_UNAVAILABLE,
			    "upload %llu is gone (the spooler restarted or "
			    "the upload expired)",
			    (unsigned long long)r->upload);
			return;
		}
		if (r->cancel) {
			log_info("upload %llu of %s (%llu bytes) abandoned by "
				 "its client: removed",
			    (unsigned long long)j->id, j->user,
			    (unsigned long long)j->size);
			store_job_delete(&s->store, j);
			reply_submit(s, e, &(struct job){ .id = r->upload }, 0);
			return;
		}
		if (r->final && final_attributes(s, e, j) != 0)
			return;
		if (settle_type(s, e, j, r->data.data, r->data.len) != 0)
			return;
	}
	if (room_for(s, e, j, r->data.len) != 0)
		return;
	if (store_append(&s->store, j, r->data.data, r->data.len) != 0)
		io_error(s, e, j);
	else if (r->final)
		commit_and_reply(s, e, j);
	else
		reply_submit(s, e, j, 0);
}

/* Answer with the jobs in infos[0..n). */
static void
send_jobs(struct spl *s, uint64_t id, Sb__JobInfo *infos, size_t n,
    int more)
{
	Sb__JobsRep rep = SB__JOBS_REP__INIT;
	Sb__JobInfo **ptrs = calloc(n ? n : 1, sizeof(*ptrs));
	sb_env out;

	if (ptrs == NULL)
		fatal("out of memory");
	for (size_t i = 0; i < n; i++)
		ptrs[i] = &infos[i];
	rep.n_jobs = n;
	rep.jobs = ptrs;
	rep.more = more;
	chan_env_init(&out);
	out.body_case = SB__ENVELOPE__BODY_JOBS_REP;
	out.jobs_rep = &rep;
	spl_send(s, &out, id);
	free(ptrs);
}

/* Title, file name, where it landed and its errors are the owner's and
 * the admins' to see; everyone else sees "(private)". */
static void
hide_private(Sb__JobInfo *r, const Sb__Caller *caller)
{
	static char private[] = "(private)";

	if (caller->admin || (r->uid == caller->uid &&
		(caller->uid != SB_NET_UID || strcmp(r->user, caller->user) == 0)))
		return;
	r->title = private;
	r->filename = private;
	r->landed = r->landed[0] ? private : r->landed;
	r->last_error = r->last_error[0] ? private : r->last_error;
}

/* A page of accounting records being gathered (copies: the store's
 * strings live only while each is read). */
struct acct_page {
	Sb__AccountRecord **recs;
	size_t n, cap, bytes, limit;
	int more;
};

static int
acct_add(void *arg, const Sb__AccountRecord *a)
{
	struct acct_page *p = arg;
	size_t len = sb__account_record__get_packed_size(a);
	uint8_t *buf;

	if (p->n == p->limit || p->bytes + len + 8 > SB_MSG_MAX - 4096) {
		p->more = 1;
		return 1;
	}
	if (p->n == p->cap) {
		p->cap = p->cap ? 2 * p->cap : 64;
		if ((p->recs = realloc(p->recs, p->cap * sizeof(*p->recs))) ==
		    NULL)
			fatal("out of memory");
	}
	if ((buf = malloc(len ? len : 1)) == NULL)
		fatal("out of memory");
	sb__account_record__pack(a, buf);
	p->recs[p->n] = sb__account_record__unpack(NULL, len, buf);
	free(buf);
	if (p->recs[p->n] == NULL)
		fatal("out of memory");
	p->n++;
	p->bytes += len + 8;
	return 0;
}

/* Accounting records: an owner's own, or any an admin asks for; one
 * page in seq order (the next after the last seq here). */
void
request_accounting(struct spl *s, const sb_env *e)
{
	Sb__AccountingReq r = *e->accounting_req;
	Sb__AccountingRep rep = SB__ACCOUNTING_REP__INIT;
	struct acct_page p = { .limit = 5000 };
	sb_env out;

	if (!e->caller->admin)
		r.user = e->caller->user;
	if (r.limit != 0 && r.limit < p.limit)
		p.limit = r.limit;
	/* One more than fits: whether there is a next page. */
	if (db_accounting(s->store.db, &r, p.limit + 1, acct_add, &p) < 0) {
		spl_reply_error(s, e->id, SB__ERROR_CODE__E_IO,
		    "reading accounting records failed");
	} else {
		rep.records = p.recs;
		rep.n_records = p.n;
		rep.more = p.more;
		chan_env_init(&out);
		out.body_case = SB__ENVELOPE__BODY_ACCOUNTING_REP;
		out.accounting_rep = &rep;
		spl_send(s, &out, e->id);
	}
	for (size_t i = 0; i < p.n; i++)
		sb__account_record__free_unpacked(p.recs[i], NULL);
	free(p.recs);
}

/* What a user used of each period quota (spoolbox quota): one's own,
 * or, for an admin, anyone's. */
void
request_quota(struct spl *s, const sb_env *e)
{
	Sb__QuotaRep rep = SB__QUOTA_REP__INIT;
	Sb__QuotaUse uses[64], *ptrs[64];
	const char *who = e->caller->admin && e->quota_req->user[0]
	    ? e->quota_req->user
	    : e->caller->user;
	sb_env out;

	rep.user = (char *)who;
	rep.n_uses = quota_uses(s, who, uses, 64);
	for (size_t i = 0; i < rep.n_uses; i++)
		ptrs[i] = &uses[i];
	rep.uses = ptrs;
	chan_env_init(&out);
	out.body_case = SB__ENVELOPE__BODY_QUOTA_REP;
	out.quota_rep = &rep;
	spl_send(s, &out, e->id);
}

/* A listing page being gathered. */
struct page {
	const sb_env *e;
	Sb__JobInfo *infos;
	struct job **jobs;      /* what infos point into */
	size_t n, cap, bytes;
	int more;
};

static int
page_add(void *arg, struct job *j)
{
	struct page *p = arg;
	const Sb__JobsReq *r = p->e->jobs_req;
	Sb__JobInfo *info;

	if (r->limit != 0 && p->n == r->limit) {
		p->more = 1;
		free(j);
		return 1;
	}
	if (p->n == p->cap) {
		p->cap = p->cap ? 2 * p->cap : 64;
		p->infos = realloc(p->infos, p->cap * sizeof(*p->infos));
		p->jobs = realloc(p->jobs, p->cap * sizeof(*p->jobs));
		if (p->infos == NULL || p->jobs == NULL)
			fatal("out of memory");
	}
	info = &p->infos[p->n];
	job_to_info(j, info);
	hide_private(info, p->e->caller);
	p->bytes += sb__job_info__get_packed_size(info) + 8;
	/* One answer must fit one message: the rest is the next page's
	 * (after the last id here). */
	if (p->bytes > SB_MSG_MAX - 4096) {
		p->more = 1;
		free(j);
		return 1;
	}
	p->jobs[p->n++] = j;
	return 0;
}

void
request_jobs(struct spl *s, const sb_env *e)
{
	const Sb__JobsReq *r = e->jobs_req;
	struct page p = { .e = e };
	struct db_filter f = { .queue = r->queue, .owner = r->user,
		.states = (const int *)r->states, .nstates = r->n_states,
		.unfinished = !r->all && r->n_states == 0,
		.after_id = r->after_id, .since = r->since };
	char err[512];

	_Static_assert(sizeof(*r->states) == sizeof(int), "JobState is int");
	if (r->job_id != 0) {
		/* One job, whatever its state. */
		struct job *j = db_get(s->store.db, r->job_id, err,
		    sizeof(err));
		if (j != NULL)
			page_add(&p, j);
	} else if (db_page(s->store.db, &f, r->limit ? r->limit + 1 : 0,
		       page_add, &p, err, sizeof(err)) < 0) {
		spl_reply_error(s, e->id, SB__ERROR_CODE__E_IO, "%s", err);
		goto out;
	}
	if (r->job_id != 0 && p.n == 0)
		spl_reply_error(s, e->id, SB__ERROR_CODE__E_NOT_FOUND,
		    "no job %llu", (unsigned long long)r->job_id);
	else
		send_jobs(s, e->id, p.infos, p.n, p.more);
out:
	for (size_t i = 0; i < p.n; i++)
		free(p.jobs[i]);
	free(p.infos);
	free(p.jobs);
}

/* At most this many wait at once (more are answered at once, and their
 * clients ask again), each for its wait_ms (at most 60 s: chan.c). */
#define WAITERS_MAX 1024

int
request_jobs_wait(struct spl *s, sb_env *e)
{
	const Sb__JobsReq *r = e->jobs_req;
	struct spl_waiter *w;
	struct job *j;
	char err[512];
	int final;

	if (r->wait_ms == 0 || r->job_id == 0 || s->nwaiters >= WAITERS_MAX)
		return 0;
	if ((j = db_get(s->store.db, r->job_id, err, sizeof(err))) == NULL)
		return 0; /* request_jobs says what is wrong */
	final = job_state_final(j->state);
	free(j);
	if (final || (w = calloc(1, sizeof(*w))) == NULL)
		return 0;
	w->e = e;
	w->until = (int64_t)now_mono_ms() + r->wait_ms;
	w->next = s->waiters;
	s->waiters = w;
	s->nwaiters++;
	return 1;
}

int
request_waiters(struct spl *s, int all)
{
	int64_t now = (int64_t)now_mono_ms(), next = INT64_MAX;
	struct spl_waiter **pp = &s->waiters, *w;

	while ((w = *pp) != NULL) {
		if (all || w->until <= now) {
			*pp = w->next;
			s->nwaiters--;
			request_jobs(s, w->e);
			chan_free(w->e);
			free(w);
			continue;
		}
		if (w->until < next)
			next = w->until;
		pp = &w->next;
	}
	return next == INT64_MAX ? -1 : spl_wait_ms(next, now);
}

/* j to the queue the request names, if it may go there now; 0, or -1
 * after an error answer. */
static int
job_move(struct spl *s, const sb_env *e, struct job *j)
{
	const char *to = e->job_ctl_req->queue;
	struct queue *q = queue_named(s, e, to);

	if (q == NULL)
		return -1;
	if (j->token != 0) {
		spl_reply_error(s, e->id, SB__ERROR_CODE__E_STATE,
		    "job %llu is being printed; cancel it, or move it after",
		    (unsigned long long)j->id);
		return -1;
	}
	if (queue_accepting(s, e, q) != 0)
		return -1;
	if (!spl_queue_accepts(q, j->datatype)) {
		spl_reply_error(s, e->id, SB__ERROR_CODE__E_FORMAT,
		    "queue %s cannot print %s", to,
		    datatype_name(j->datatype));
		return -1;
	}
	if (job_imposed(j) && !imposable(spl_target_type(j, q))) {
		spl_reply_error(s, e->id, SB__ERROR_CODE__E_FORMAT,
		    "queue %s cannot choose pages or put several to a side "
		    "for its printer's %s", to,
		    datatype_name(spl_target_type(j, q)));
		return -1;
	}
	/* What was converted was converted for the old queue's printer. */
	store_drop_output(&s->store, j);
	j->converted = 0;
	j->counted = 0;
	j->out_type = SB__DATA_TYPE__DT_NONE;
	j->attempts = 0;
	j->next_attempt = 0;
	if (j->state == SB__JOB_STATE__RETRY_WAIT)
		j->state = SB__JOB_STATE__PENDING;
	snprintf(j->queue, sizeof(j->queue), "%s", to);
	return 0;
}

static void
release(struct job *j)
{
	j->state = SB__JOB_STATE__PENDING;
	j->hold_at = 0;
	j->hold_until[0] = '\0';
}

/* A finished job whose data is kept, as if just submitted. */
static void
restart(struct job *j)
{
	release(j);
	j->attempts = 0;
	j->finished = 0;
	j->next_attempt = 0;
	j->pages = 0;
	j->converted = 0;
	j->out_size = 0;
	j->out_type = 0;
	j->counted = 0;
	j->last_error[0] = '\0';
	j->landed[0] = '\0';
}

/* Held jobs whose job-hold-until came, into ids (the rest: the next). */
struct due {
	int64_t now, next;
	uint64_t ids[64];
	size_t n;
};

static int
collect_due(void *arg, struct job *j)
{
	struct due *d = arg;

	if (j->hold_at > 0 && j->hold_at <= d->now && d->n < 64)
		d->ids[d->n++] = j->id;
	else if (j->hold_at > 0 && j->hold_at < d->next)
		d->next = j->hold_at;
	free(j);
	return 0;
}

int
request_release_due(struct spl *s)
{
	static const int held[] = { SB__JOB_STATE__HELD };
	struct db_filter f = { .queue = "", .owner = "", .states = held,
		.nstates = 1 };
	struct due d = { .now = now_wall_ms(), .next = INT64_MAX };
	char err[256];

	if (s->release_at != 0 && s->release_at > d.now)
		return s->release_at == INT64_MAX
		    ? -1
		    : spl_wait_ms(s->release_at, d.now);
	if (db_page(s->store.db, &f, 0, collect_due, &d, err,
		sizeof(err)) < 0) {
		log_warn("releasing held jobs: %s", err);
		s->release_at = d.now + SPL_WAIT_MAX;
		return SPL_WAIT_MAX;
	}
	for (size_t i = 0; i < d.n; i++) {
		struct job *j = store_lookup(&s->store, d.ids[i]);
		if (j == NULL || j->state != SB__JOB_STATE__HELD)
			continue;
		log_info("job %llu released: its job-hold-until %s came",
		    (unsigned long long)j->id, j->hold_until);
		release(j);
		store_save(&s->store, j);
	}
	/* More than one batch due: the next pass takes the rest. */
	s->release_at = d.n == 64 ? 0 : d.next;
	return d.n == 64 ? 0 : request_release_due(s);
}

/* Apply one control action to j; 0, or -1 after an error answer. */
static int
job_ctl(struct spl *s, const sb_env *e, struct job *j)
{
	switch (e->job_ctl_req->action) {
	case SB__JOB_ACTION__CANCEL:
		job_set_error(j, "canceled by %s", e->caller->user);
		sched_finish(s, j, SB__JOB_STATE__CANCELED);
		return 0;
	case SB__JOB_ACTION__HOLD:
		if (j->token != 0) {
			spl_reply_error(s, e->id, SB__ERROR_CODE__E_STATE,
			    "job %llu is already being printed",
			    (unsigned long long)j->id);
			return -1;
		}
		j->state = SB__JOB_STATE__HELD;
		j->hold_at = 0;
		snprintf(j->hold_until, sizeof(j->hold_until), "indefinite");
		break;
	case SB__JOB_ACTION__MOVE:
		if (job_move(s, e, j) != 0)
			return -1;
		break;
	case SB__JOB_ACTION__RELEASE:
		if (j->state != SB__JOB_STATE__HELD) {
			spl_reply_error(s, e->id, SB__ERROR_CODE__E_STATE,
			    "job %llu is not held", (unsigned long long)j->id);
			return -1;
		}
		release(j);
		/* An admin's release lets a job past the period quotas. */
		j->quota_exempt |= e->caller->admin;
		break;
	case SB__JOB_ACTION__RESTART:
		if (!store_has_data(&s->store, j)) {
			spl_reply_error(s, e->id, SB__ERROR_CODE__E_STATE,
			    "job %llu's data is no longer kept "
			    "(preserve_job_files)", (unsigned long long)j->id);
			return -1;
		}
		restart(j);
		log_info("job %llu restarted by %s", (unsigned long long)j->id,
		    e->caller->user);
		break;
	default:
		spl_reply_error(s, e->id, SB__ERROR_CODE__E_INVALID,
		    "bad action");
		return -1;
	}
	store_save(&s->store, j);
	return 0;
}

/* Job ids gathered from a listing. */
struct ids {
	uint64_t *v;
	size_t n, cap;
};

static int
collect_id(void *arg, struct job *j)
{
	struct ids *ids = arg;

	if (ids->n == ids->cap) {
		ids->cap = ids->cap ? 2 * ids->cap : 256;
		if ((ids->v = realloc(ids->v, ids->cap * sizeof(*ids->v))) ==
		    NULL)
			fatal("out of memory");
	}
	ids->v[ids->n++] = j->id;
	free(j);
	return 0;
}

/* Commit what a request changed before it is answered; 0, or -1 after
 * an error answer. */
static int
commit_now(struct spl *s, const sb_env *e)
{
	char err[512];

	if (store_flush(&s->store, 1, err, sizeof(err)) == 0)
		return 0;
	spl_reply_error(s, e->id, SB__ERROR_CODE__E_IO, "%s", err);
	return -1;
}

/* cancel --all -q QUEUE: every unfinished job there the caller may
 * cancel (an admin: all of them). Ids first (rows are not changed under
 * a running query), then in batches, each committed and let go of, so
 * a queue of 100,000 never sits in memory. */
static void
cancel_all(struct spl *s, const sb_env *e)
{
	const char *queue = e->job_ctl_req->queue;
	struct db_filter f = { .queue = queue, .unfinished = 1,
		.owner = e->caller->admin ? NULL : e->caller->user };
	Sb__JobsRep rep = SB__JOBS_REP__INIT;
	struct ids ids = { 0 };
	char err[512];
	struct job *j;
	sb_env out;

	if (queue_named(s, e, queue) == NULL)
		return;
	if (db_page(s->store.db, &f, 0, collect_id, &ids, err,
		sizeof(err)) < 0) {
		spl_reply_error(s, e->id, SB__ERROR_CODE__E_IO, "%s", err);
		goto out;
	}
	for (size_t i = 0; i < ids.n; i++) {
		j = store_lookup(&s->store, ids.v[i]);
		if (j == NULL || j->uploading || job_state_final(j->state) ||
		    (!owns(j, e->caller) && !e->caller->admin))
			continue;
		job_set_error(j, "canceled by %s", e->caller->user);
		sched_finish(s, j, SB__JOB_STATE__CANCELED);
		if (++rep.count % 512 == 0) {
			if (commit_now(s, e) != 0)
				goto out;
			sched_settle(s);
		}
	}
	/* The rest committed before the answer (the last ids may have been
	 * skipped, so not at the loop's last turn). */
	if (commit_now(s, e) != 0)
		goto out;
	chan_env_init(&out);
	out.body_case = SB__ENVELOPE__BODY_JOBS_REP;
	out.jobs_rep = &rep;
	spl_send(s, &out, e->id);
out:
	free(ids.v);
}

void
request_job_ctl(struct spl *s, const sb_env *e)
{
	const Sb__JobCtlReq *r = e->job_ctl_req;
	struct job *j = store_lookup(&s->store, r->job_id);
	Sb__JobInfo info;

	if (r->job_id == 0) {
		cancel_all(s, e);
		return;
	}
	if (j == NULL || j->uploading) {
		spl_reply_error(s, e->id, SB__ERROR_CODE__E_NOT_FOUND,
		    "no job %llu", (unsigned long long)r->job_id);
		return;
	}
	/* The job's state first (RFC 8011 4.3.3: not-possible whoever
	 * asks; a restart takes only a finished job), then whose it is. */
	if (job_state_final(j->state) !=
	    (r->action == SB__JOB_ACTION__RESTART)) {
		spl_reply_error(s, e->id, SB__ERROR_CODE__E_STATE,
		    job_state_final(j->state) ? "job %llu is already final"
					      : "job %llu is not finished",
		    (unsigned long long)j->id);
		return;
	}
	if (!owns(j, e->caller) && !e->caller->admin) {
		/* Who owns it is not the caller's to learn. */
		spl_reply_error(s, e->id, SB__ERROR_CODE__E_PERM,
		    "job %llu is not yours", (unsigned long long)j->id);
		return;
	}
	if (job_ctl(s, e, j) != 0 || commit_now(s, e) != 0)
		return;
	job_to_info(j, &info);
	send_jobs(s, e->id, &info, 1, 0);
}

/* What the QueueInfos' pool members point into. */
struct pools {
	Sb__PoolMember *members, **ptrs;
	char (*uris)[1024];
};

/* Each pool's printers into its QueueInfo (infos[nq]). */
static struct pools
pools_into(struct spl *s, Sb__QueueInfo *infos, size_t nq)
{
	struct pools p = { 0 };
	size_t total = 0, at = 0;
	int64_t now = now_wall_ms();

	for (size_t i = 0; i < nq; i++)
		total += s->queues[i].nmembers;
	if (total == 0)
		return p;
	p.members = calloc(total, sizeof(*p.members));
	p.ptrs = calloc(total, sizeof(*p.ptrs));
	p.uris = calloc(total, sizeof(*p.uris));
	if (p.members == NULL || p.ptrs == NULL || p.uris == NULL)
		fatal("out of memory");
	for (size_t i = 0; i < nq; i++) {
		const struct queue *q = &s->queues[i];
		pool_describe(q, now, p.members + at, p.uris + at);
		for (size_t k = 0; k < q->nmembers; k++)
			p.ptrs[at + k] = &p.members[at + k];
		infos[i].members = p.ptrs + at;
		infos[i].n_members = q->nmembers;
		at += q->nmembers;
	}
	return p;
}

void
request_queues(struct spl *s, const sb_env *e)
{
	Sb__QueuesRep rep = SB__QUEUES_REP__INIT;
	size_t nq = s->nqueues;
	Sb__QueueInfo *infos = calloc(nq ? nq : 1, sizeof(*infos));
	Sb__QueueInfo **ptrs = calloc(nq ? nq : 1, sizeof(*ptrs));
	struct pools pools;
	struct db_usage u;
	sb_env out;

	if (infos == NULL || ptrs == NULL)
		fatal("out of memory");
	for (size_t i = 0; i < nq; i++) {
		struct queue *q = &s->queues[i];
		Sb__QueueInfo *qi = &infos[i];
		sb__queue_info__init(qi);
		if (!q->pages_known) { /* then counted as jobs complete */
			q->pages_total += db_pages_total(s->store.db,
			    q->cfg->name);
			q->pages_known = 1;
		}
		qi->pages_total = q->pages_total;
		qi->name = q->cfg->name;
		qi->uri = q->cfg->uri;
		qi->datatype = q->cfg->datatype;
		qi->state = q->stopped ? "stopped" : q->disabled ? "disabled"
							    : "ready";
		qi->reason = (char *)(q->stopped ? q->reason
						 : q->disabled_reason);
		qi->accepting = !q->rejecting;
		qi->reject_reason = (char *)q->reject_reason;
		qi->completed = q->completed;
		qi->failed = q->failed;
		qi->retries = q->retries;
		qi->n_latency_bounds_ms = SPL_LATENCY_BOUNDS;
		qi->latency_bounds_ms = (uint32_t *)spl_latency_bounds_ms;
		qi->n_latency_le = SPL_LATENCY_BOUNDS;
		qi->latency_le = (uint64_t *)q->latency_le;
		qi->latency_sum_ms = q->latency_sum_ms;
		qi->printer_state = (char *)q->printer_state;
		qi->takes = q->takes;
		for (struct job *j = s->store.jobs; j != NULL; j = j->next) {
			if (strcmp(j->queue, qi->name) != 0 ||
			    job_state_final(j->state))
				continue;
			if (j->uploading) {
				qi->uploads++;
				qi->upload_bytes += j->size;
			} else if (j->token != 0)
				qi->active++;
		}
		/* The rest of the unfinished ones, most not in memory. */
		if (db_usage(s->store.db, qi->name, 1, NULL, "", &u) == 0 &&
		    u.jobs > qi->active)
			qi->pending = u.jobs - qi->active;
		ptrs[i] = qi;
	}
	rep.n_queues = nq;
	rep.queues = ptrs;
	pools = pools_into(s, infos, nq);
	chan_env_init(&out);
	out.body_case = SB__ENVELOPE__BODY_QUEUES_REP;
	out.queues_rep = &rep;
	spl_send(s, &out, e->id);
	free(pools.members);
	free(pools.ptrs);
	free(pools.uris);
	free(infos);
	free(ptrs);
}

#define QUEUE_STATES "queues.state"

void
request_load_queue_states(struct spl *s)
{
	Sb__QueueStates *st;
	size_t len;
	uint8_t *buf = store_get_state(&s->store, QUEUE_STATES, &len);

	if (buf == NULL)
		return;
	if ((st = sb__queue_states__unpack(NULL, len, buf)) == NULL) {
		log_error("%s/%s is not a queue state file; queues start "
			  "enabled and accepting", s->store.dir, QUEUE_STATES);
		free(buf);
		return;
	}
	for (size_t i = 0; i < st->n_queues; i++) {
		const Sb__QueueState *x = st->queues[i];
		struct queue *q = spl_queue(s, x->name);
		if (q == NULL)
			continue; /* a queue no longer configured */
		q->disabled = x->disabled;
		snprintf(q->disabled_reason, sizeof(q->disabled_reason), "%s",
		    x->disabled_reason);
		q->rejecting = x->rejecting;
		snprintf(q->reject_reason, sizeof(q->reject_reason), "%s",
		    x->reject_reason);
	}
	sb__queue_states__free_unpacked(st, NULL);
	free(buf);
}

/* Every queue's state, durably, before the admin hears it took. */
static int
save_queue_states(struct spl *s)
{
	Sb__QueueStates st = SB__QUEUE_STATES__INIT;
	Sb__QueueState *v = calloc(s->nqueues ? s->nqueues : 1, sizeof(*v));
	Sb__QueueState **p = calloc(s->nqueues ? s->nqueues : 1, sizeof(*p));
	uint8_t *buf;
	size_t len;
	int rv;

	if (v == NULL || p == NULL)
		fatal("out of memory");
	for (size_t i = 0; i < s->nqueues; i++) {
		struct queue *q = &s->queues[i];
		sb__queue_state__init(&v[i]);
		v[i].name = (char *)q->cfg->name;
		v[i].disabled = q->disabled;
		v[i].disabled_reason = q->disabled_reason;
		v[i].rejecting = q->rejecting;
		v[i].reject_reason = q->reject_reason;
		p[i] = &v[i];
	}
	st.n_queues = s->nqueues;
	st.queues = p;
	len = sb__queue_states__get_packed_size(&st);
	if ((buf = malloc(len ? len : 1)) == NULL)
		fatal("out of memory");
	sb__queue_states__pack(&st, buf);
	rv = store_put_state(&s->store, QUEUE_STATES, buf, len);
	free(buf);
	free(v);
	free(p);
	return rv;
}

void
request_queue_ctl(struct spl *s, const sb_env *e)
{
	const Sb__QueueCtlReq *r = e->queue_ctl_req;
	struct queue *q, was;

	if (!e->caller->admin) {
		spl_reply_error(s, e->id, SB__ERROR_CODE__E_PERM,
		    "permission denied: only an admin changes a queue");
		return;
	}
	if ((q = queue_named(s, e, r->queue)) == NULL)
		return;
	was = *q;
	switch (r->action) {
	case SB__QUEUE_ACTION__Q_ENABLE:
		/* Also what restarts a queue its error policy stopped. */
		q->disabled = q->stopped = 0;
		q->disabled_reason[0] = q->reason[0] = '\0';
		break;
	case SB__QUEUE_ACTION__Q_DISABLE:
		q->disabled = 1;
		snprintf(q->disabled_reason, sizeof(q->disabled_reason),
		    "disabled by %s%s%s", e->caller->user,
		    r->reason[0] ? ": " : "", r->reason);
		break;
	case SB__QUEUE_ACTION__Q_ACCEPT:
		q->rejecting = 0;
		q->reject_reason[0] = '\0';
		break;
	case SB__QUEUE_ACTION__Q_REJECT:
		q->rejecting = 1;
		snprintf(q->reject_reason, sizeof(q->reject_reason), "%s",
		    r->reason[0] ? r->reason : "rejected by an admin");
		break;
	default:
		spl_reply_error(s, e->id, SB__ERROR_CODE__E_INVALID,
		    "bad queue action");
		return;
	}
	if (save_queue_states(s) != 0) {
		int err = errno;
		*q = was;
		spl_reply_error(s, e->id, SB__ERROR_CODE__E_IO,
		    "saving the queue's state: %s; nothing changed",
		    strerror(err));
		return;
	}
	log_info("queue %s: %s by %s", q->cfg->name,
	    q->rejecting ? "rejecting" : q->disabled ? "disabled" : "ready",
	    e->caller->user);
	request_queues(s, e);
}
