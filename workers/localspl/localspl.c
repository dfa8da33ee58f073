/*
 * localspl: the local spooler role. Owns the queues and the job store,
 * answers job and queue requests the broker forwards (with the caller the
 * broker vouches for), decides what runs next and writes file: ports.
 * Scheduling per queue: jobs in priority order, then by id; text jobs are
 * converted ahead (up to CONVERT_AHEAD at a time), and one job at a time
 * is delivered, in order, so a printer sees its jobs as submitted.
 * Reports: every job that aborts or waits for a retry, with the reason.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config.h"
#include "localspl.h"
#include "log.h"
#include "util.h"

#define CONVERT_AHEAD 2

struct queue {
	const Sb__QueueConfig *cfg;
	int stopped;
	char reason[512];
	uint64_t completed;
};

static struct worker *W;
static struct store S;
static struct queue *Q;
static size_t NQ;
static uint64_t next_token;

static struct queue *
queue_find(const char *name)
{
	for (size_t i = 0; i < NQ; i++)
		if (strcmp(Q[i].cfg->name, name) == 0)
			return &Q[i];
	return NULL;
}

static void
send_env(sb_env *e, uint64_t id)
{
	e->id = id;
	worker_send(W, e);
}

static void
reply_error(uint64_t id, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void
reply_error(uint64_t id, int code, const char *fmt, ...)
{
	Sb__ErrorRep er = SB__ERROR_REP__INIT;
	char msg[512];
	va_list ap;
	sb_env e;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	chan_env_init(&e);
	e.body_case = SB__ENVELOPE__BODY_ERROR_REP;
	e.error_rep = &er;
	er.code = code;
	er.message = msg;
	send_env(&e, id);
}

/* What a submitted "auto" job is, from its first bytes. */
static int
detect_type(const uint8_t *p, size_t n)
{
	size_t ctl = 0;

	if (n >= 2 && memcmp(p, "%!", 2) == 0)
		return SB__DATA_TYPE__POSTSCRIPT;
	if (n >= 5 && memcmp(p, "%PDF-", 5) == 0)
		return SB__DATA_TYPE__PDF;
	if (n == 0)
		return SB__DATA_TYPE__RAW;
	for (size_t i = 0; i < n; i++) {
		if (p[i] == 0)
			return SB__DATA_TYPE__RAW;
		if (p[i] < 0x20 && p[i] != '\n' && p[i] != '\r' &&
		    p[i] != '\t' && p[i] != '\f' && p[i] != '\b')
			ctl++;
	}
	/* Escape-heavy data is printer language (PCL, ESC/P), not text. */
	return ctl * 100 > n ? SB__DATA_TYPE__RAW : SB__DATA_TYPE__TEXT;
}

/* The datatype this job must have when it is delivered. */
static int
needs_conversion(const struct job *j, const struct queue *q)
{
	return j->datatype == SB__DATA_TYPE__TEXT &&
	    q->cfg->datatype != SB__DATA_TYPE__RAW;
}

static void
job_set_error(struct job *j, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void
job_set_error(struct job *j, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(j->last_error, sizeof(j->last_error), fmt, ap);
	va_end(ap);
}

static void
prune_history(void)
{
	uint64_t final = 0;
	struct job *j, *next;

	for (j = S.jobs; j != NULL; j = j->next)
		final += store_job_final(j);
	for (j = S.jobs; j != NULL && final > W->cfg->history_limit;
	    j = next) {
		next = j->next;
		if (store_job_final(j) && j->token == 0) {
			store_job_delete(&S, j);
			final--;
		}
	}
}

static void
close_job_files(struct job *j)
{
	if (j->fd >= 0)
		close(j->fd);
	if (j->out_fd >= 0)
		close(j->out_fd);
	j->fd = j->out_fd = -1;
}

/* Move a job to a final state and let go of its data. */
static void
job_finish(struct job *j, int state)
{
	j->state = state;
	j->finished = now_wall_ms();
	if (j->token == 0) {
		close_job_files(j);
		store_drop_data(&S, j);
	}
	if (store_save(&S, j, 0) != 0)
		log_error("job %llu: saving record: %s",
		    (unsigned long long)j->id, strerror(errno));
	if (state == SB__JOB_STATE__ABORTED)
		log_warn("job %llu aborted: %s", (unsigned long long)j->id,
		    j->last_error);
	prune_history();
}

/* ---- client requests (via the broker) ---- */

static int
upload_write(struct job *j, const ProtobufCBinaryData *d)
{
	if (write_all(j->fd, d->data, d->len) != 0)
		return -1;
	j->size += d->len;
	return 0;
}

static void
upload_abandon(struct job *j)
{
	store_job_delete(&S, j);
}

static void
on_submit(const sb_env *e)
{
	const Sb__SubmitReq *r = e->submit_req;
	Sb__SubmitRep rep = SB__SUBMIT_REP__INIT;
	char err[256];
	struct queue *q;
	struct job *j;
	sb_env out;

	if (r->upload == 0) {
		if ((q = queue_find(r->queue)) == NULL) {
			reply_error(e->id, SB__ERROR_CODE__E_NOT_FOUND,
			    "unknown queue '%s'", r->queue);
			return;
		}
		if ((j = store_job_new(&S, err, sizeof(err))) == NULL) {
			reply_error(e->id, SB__ERROR_CODE__E_IO, "%s", err);
			return;
		}
		snprintf(j->queue, sizeof(j->queue), "%s", r->queue);
		snprintf(j->title, sizeof(j->title), "%s", r->title);
		snprintf(j->filename, sizeof(j->filename), "%s", r->filename);
		snprintf(j->user, sizeof(j->user), "%s", e->caller->user);
		j->uid = e->caller->uid;
		j->copies = r->copies;
		j->priority = r->priority;
		j->datatype = r->datatype == SB__DATA_TYPE__AUTO
		    ? detect_type(r->data.data, r->data.len)
		    : (int)r->datatype;
		j->state = SB__JOB_STATE__PENDING;
		j->submitted = now_wall_ms();
	} else {
		j = store_job(&S, r->upload);
		if (j == NULL || !j->uploading || j->uid != e->caller->uid) {
			reply_error(e->id, SB__ERROR_CODE__E_NOT_FOUND,
			    "no upload %llu of yours in progress",
			    (unsigned long long)r->upload);
			return;
		}
	}
	if (upload_write(j, &r->data) != 0 ||
	    (r->final && store_commit(&S, j) != 0)) {
		reply_error(e->id, SB__ERROR_CODE__E_IO,
		    "spool %s: %s; job not accepted", S.dir, strerror(errno));
		upload_abandon(j);
		return;
	}
	rep.upload = j->id;
	rep.job_id = r->final ? j->id : 0;
	if (r->final)
		worker_leak(W); /* fault injection, per job accepted */
	chan_env_init(&out);
	out.body_case = SB__ENVELOPE__BODY_SUBMIT_REP;
	out.submit_rep = &rep;
	send_env(&out, e->id);
}

static void
job_info(const struct job *j, Sb__JobInfo *r)
{
	sb__job_info__init(r);
	r->id = j->id;
	r->queue = (char *)j->queue;
	r->state = j->state;
	r->title = (char *)j->title;
	r->uid = j->uid;
	r->user = (char *)j->user;
	r->size = j->size;
	r->copies = j->copies;
	r->datatype = j->datatype;
	r->priority = j->priority;
	r->attempts = j->attempts;
	r->last_error = (char *)j->last_error;
	r->submitted = j->submitted;
	r->finished = j->finished;
	r->next_attempt = j->next_attempt;
	r->pages = j->pages;
	r->landed = (char *)j->landed;
	r->filename = (char *)j->filename;
}

static void
on_jobs(const sb_env *e)
{
	const Sb__JobsReq *r = e->jobs_req;
	Sb__JobsRep rep = SB__JOBS_REP__INIT;
	Sb__JobInfo *infos = NULL, **ptrs = NULL;
	size_t n = 0, cap = 0, bytes = 0;
	sb_env out;

	for (struct job *j = S.jobs; j != NULL; j = j->next) {
		if (j->uploading || (r->job_id != 0 && j->id != r->job_id) ||
		    (r->queue[0] != '\0' && strcmp(r->queue, j->queue) != 0) ||
		    (r->job_id == 0 && !r->all && store_job_final(j)))
			continue;
		if (n == cap) {
			cap = cap ? 2 * cap : 64;
			infos = realloc(infos, cap * sizeof(*infos));
			ptrs = realloc(ptrs, cap * sizeof(*ptrs));
			if (infos == NULL || ptrs == NULL)
				fatal("out of memory");
		}
		job_info(j, &infos[n]);
		bytes += sb__job_info__get_packed_size(&infos[n]) + 8;
		/* One answer must fit one message: the newest are cut. */
		if (bytes > SB_MSG_MAX - 4096)
			break;
		n++;
	}
	for (size_t i = 0; i < n; i++)
		ptrs[i] = &infos[i];
	if (r->job_id != 0 && n == 0) {
		reply_error(e->id, SB__ERROR_CODE__E_NOT_FOUND,
		    "no job %llu", (unsigned long long)r->job_id);
	} else {
		rep.n_jobs = n;
		rep.jobs = ptrs;
		chan_env_init(&out);
		out.body_case = SB__ENVELOPE__BODY_JOBS_REP;
		out.jobs_rep = &rep;
		send_env(&out, e->id);
	}
	free(infos);
	free(ptrs);
}

static void
on_job_ctl(const sb_env *e)
{
	const Sb__JobCtlReq *r = e->job_ctl_req;
	struct job *j = store_job(&S, r->job_id);
	Sb__JobsRep rep = SB__JOBS_REP__INIT;
	Sb__JobInfo info, *ptr = &info;
	sb_env out;

	if (j == NULL || j->uploading) {
		reply_error(e->id, SB__ERROR_CODE__E_NOT_FOUND, "no job %llu",
		    (unsigned long long)r->job_id);
		return;
	}
	if (j->uid != e->caller->uid && !e->caller->admin) {
		reply_error(e->id, SB__ERROR_CODE__E_PERM,
		    "job %llu belongs to %s", (unsigned long long)j->id,
		    j->user);
		return;
	}
	if (store_job_final(j)) {
		reply_error(e->id, SB__ERROR_CODE__E_STATE,
		    "job %llu is already final", (unsigned long long)j->id);
		return;
	}
	switch (r->action) {
	case SB__JOB_ACTION__CANCEL:
		job_set_error(j, "canceled by %s", e->caller->user);
		job_finish(j, SB__JOB_STATE__CANCELED);
		break;
	case SB__JOB_ACTION__HOLD:
		if (j->token != 0) {
			reply_error(e->id, SB__ERROR_CODE__E_STATE,
			    "job %llu is already being printed",
			    (unsigned long long)j->id);
			return;
		}
		j->state = SB__JOB_STATE__HELD;
		store_save(&S, j, 0);
		break;
	case SB__JOB_ACTION__RELEASE:
		if (j->state != SB__JOB_STATE__HELD) {
			reply_error(e->id, SB__ERROR_CODE__E_STATE,
			    "job %llu is not held", (unsigned long long)j->id);
			return;
		}
		j->state = SB__JOB_STATE__PENDING;
		store_save(&S, j, 0);
		break;
	default:
		reply_error(e->id, SB__ERROR_CODE__E_INVALID, "bad action");
		return;
	}
	job_info(j, &info);
	rep.n_jobs = 1;
	rep.jobs = &ptr;
	chan_env_init(&out);
	out.body_case = SB__ENVELOPE__BODY_JOBS_REP;
	out.jobs_rep = &rep;
	send_env(&out, e->id);
}

static void
on_queues(const sb_env *e)
{
	Sb__QueuesRep rep = SB__QUEUES_REP__INIT;
	Sb__QueueInfo *infos = calloc(NQ ? NQ : 1, sizeof(*infos));
	Sb__QueueInfo **ptrs = calloc(NQ ? NQ : 1, sizeof(*ptrs));
	sb_env out;

	if (infos == NULL || ptrs == NULL)
		fatal("out of memory");
	for (size_t i = 0; i < NQ; i++) {
		Sb__QueueInfo *qi = &infos[i];
		sb__queue_info__init(qi);
		qi->name = Q[i].cfg->name;
		qi->uri = Q[i].cfg->uri;
		qi->datatype = Q[i].cfg->datatype;
		qi->state = Q[i].stopped ? "stopped" : "ready";
		qi->reason = Q[i].reason;
		qi->completed = Q[i].completed;
		for (struct job *j = S.jobs; j != NULL; j = j->next) {
			if (strcmp(j->queue, qi->name) != 0 || j->uploading ||
			    store_job_final(j))
				continue;
			if (j->token != 0)
				qi->active++;
			else
				qi->pending++;
		}
		ptrs[i] = qi;
	}
	rep.n_queues = NQ;
	rep.queues = ptrs;
	chan_env_init(&out);
	out.body_case = SB__ENVELOPE__BODY_QUEUES_REP;
	out.queues_rep = &rep;
	send_env(&out, e->id);
	free(infos);
	free(ptrs);
}

/* ---- job work with other workers ---- */

static struct job *
job_by_token(uint64_t token)
{
	for (struct job *j = S.jobs; j != NULL; j = j->next)
		if (j->token == token && token != 0)
			return j;
	return NULL;
}

static void
on_data_req(const sb_env *e)
{
	const Sb__DataReq *r = e->data_req;
	Sb__DataChunk c = SB__DATA_CHUNK__INIT;
	struct job *j = job_by_token(r->token);
	static uint8_t buf[SB_CHUNK_SIZE];
	uint64_t size;
	ssize_t n = 0;
	sb_env out;

	c.token = r->token;
	c.offset = r->offset;
	if (j == NULL || store_job_final(j)) {
		c.error = j != NULL ? "job canceled" : "no such dispatch";
	} else {
		size = j->stage == SB__STAGE__DELIVER && j->converted
		    ? j->out_size
		    : j->size;
		if (r->offset < size) {
			n = pread(j->fd, buf, r->length, (off_t)r->offset);
			if (n < 0) {
				c.error = "spool read error";
				n = 0;
			}
		}
		c.data.data = buf;
		c.data.len = (size_t)n;
		c.eof = r->offset + (uint64_t)n >= size;
	}
	chan_env_init(&out);
	out.body_case = SB__ENVELOPE__BODY_DATA_CHUNK;
	out.data_chunk = &c;
	send_env(&out, e->id);
}

static void
on_output_chunk(const sb_env *e)
{
	const Sb__OutputChunk *r = e->output_chunk;
	Sb__OutputAck ack = SB__OUTPUT_ACK__INIT;
	struct job *j = job_by_token(r->token);
	char tmp[4200], dst[4200];
	sb_env out;

	ack.token = r->token;
	ack.offset = r->offset;
	if (j == NULL || j->stage != SB__STAGE__CONVERT || j->out_fd < 0 ||
	    store_job_final(j)) {
		ack.error = j != NULL && store_job_final(j) ? "job canceled"
							     : "no such dispatch";
	} else if (pwrite(j->out_fd, r->data.data, r->data.len,
		       (off_t)r->offset) != (ssize_t)r->data.len) {
		ack.error = "spool write error";
	} else if (r->eof) {
		store_path(&S, j, "out.tmp", tmp, sizeof(tmp));
		store_path(&S, j, "out", dst, sizeof(dst));
		j->out_size = r->offset + r->data.len;
		if (fsync(j->out_fd) != 0 || rename(tmp, dst) != 0)
			ack.error = "spool write error";
	}
	if (ack.error[0] != '\0' && j != NULL)
		job_set_error(j, "%s: %s", ack.error, strerror(errno));
	chan_env_init(&out);
	out.body_case = SB__ENVELOPE__BODY_OUTPUT_ACK;
	out.output_ack = &ack;
	send_env(&out, e->id);
}

static void
retry_or_give_up(struct job *j, struct queue *q)
{
	const Sb__QueueConfig *c = q->cfg;

	j->attempts++;
	if (c->error_policy != SB__ERROR_POLICY__RETRY &&
	    j->attempts >= c->retry_limit) {
		if (c->error_policy == SB__ERROR_POLICY__ABORT_JOB) {
			job_finish(j, SB__JOB_STATE__ABORTED);
			return;
		}
		q->stopped = 1;
		snprintf(q->reason, sizeof(q->reason),
		    "stopped after %u failed attempts of job %llu: %s",
		    j->attempts, (unsigned long long)j->id, j->last_error);
		log_warn("queue %s %s", c->name, q->reason);
		j->state = SB__JOB_STATE__PENDING;
	} else {
		j->state = SB__JOB_STATE__RETRY_WAIT;
		j->next_attempt = now_wall_ms() + (int64_t)c->retry_interval_ms;
		log_info("job %llu: %s; retry %u in %llums",
		    (unsigned long long)j->id, j->last_error, j->attempts,
		    (unsigned long long)c->retry_interval_ms);
	}
	store_save(&S, j, 0);
}

static void
on_job_done(const sb_env *e)
{
	const Sb__JobDone *d = e->job_done;
	struct job *j = job_by_token(d->token);
	struct queue *q;

	if (j == NULL)
		return; /* a dispatch from before a restart */
	j->token = 0;
	close_job_files(j);
	if (store_job_final(j)) { /* canceled meanwhile */
		store_drop_data(&S, j);
		return;
	}
	q = queue_find(j->queue);
	if (d->error[0] != '\0')
		job_set_error(j, "%s", d->error);
	switch (d->result) {
	case SB__RESULT__OK:
		if (d->stage == SB__STAGE__CONVERT) {
			j->converted = 1;
			j->pages = d->pages;
			j->state = SB__JOB_STATE__PENDING;
			store_save(&S, j, 0);
		} else {
			snprintf(j->landed, sizeof(j->landed), "%s", d->landed);
			j->last_error[0] = '\0';
			if (q != NULL)
				q->completed++;
			job_finish(j, SB__JOB_STATE__COMPLETED);
		}
		break;
	case SB__RESULT__INTERRUPTED:
		log_info("job %llu interrupted (%s); dispatched again",
		    (unsigned long long)j->id, d->error);
		j->state = SB__JOB_STATE__PENDING;
		store_save(&S, j, 0);
		break;
	case SB__RESULT__TRANSIENT:
		if (q != NULL) {
			retry_or_give_up(j, q);
			break;
		}
		/* no queue to retry on */
		__attribute__((fallthrough));
	default:
		job_finish(j, SB__JOB_STATE__ABORTED);
		break;
	}
}

/* ---- scheduling ---- */

static int
open_for_dispatch(struct job *j, int stage)
{
	char path[4200];

	store_path(&S, j, stage == SB__STAGE__DELIVER && j->converted ? "out"
									: "data",
	    path, sizeof(path));
	j->fd = open(path, O_RDONLY | O_CLOEXEC);
	if (j->fd < 0)
		return -1;
	if (stage == SB__STAGE__CONVERT) {
		store_path(&S, j, "out.tmp", path, sizeof(path));
		j->out_fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
		    0600);
		if (j->out_fd < 0) {
			close_job_files(j);
			return -1;
		}
	}
	return 0;
}

/* Copy the job into a file: port's directory; 0 or -1 with last_error. */
static int
deliver_file(struct job *j, const struct queue *q)
{
	static const char *const ext[] = { "prn", "prn", "txt", "prn", "ps",
		"pdf" };
	int dt = j->converted ? (int)q->cfg->datatype : j->datatype;
	char tmp[1200], dst[1100];
	uint64_t size = j->converted ? j->out_size : j->size;
	loff_t off = 0;
	struct sb_uri u;
	char err[256];
	int fd;

	if (uri_parse(q->cfg->uri, &u, err, sizeof(err)) != 0) {
		job_set_error(j, "%s", err);
		return -1;
	}
	if (mkdir_p(u.path, 0755) != 0) {
		job_set_error(j, "%s: %s", u.path, strerror(errno));
		return -1;
	}
	snprintf(dst, sizeof(dst), "%s/job-%llu.%s", u.path,
	    (unsigned long long)j->id, ext[dt >= 0 && dt <= 5 ? dt : 0]);
	snprintf(tmp, sizeof(tmp), "%s.tmp", dst);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0) {
		job_set_error(j, "%s: %s", tmp, strerror(errno));
		return -1;
	}
	while ((uint64_t)off < size) {
		ssize_t n = copy_file_range(j->fd, &off, fd, NULL,
		    size - (uint64_t)off, 0);
		if (n <= 0) {
			job_set_error(j, "writing %s: %s", tmp,
			    n == 0 ? "short input" : strerror(errno));
			goto fail;
		}
	}
	if (fsync(fd) != 0 || rename(tmp, dst) != 0) {
		job_set_error(j, "writing %s: %s", dst, strerror(errno));
		goto fail;
	}
	close(fd);
	fsync_dir(u.path);
	snprintf(j->landed, sizeof(j->landed), "%s", dst);
	return 0;
fail:
	close(fd);
	unlink(tmp);
	return -1;
}

static void
dispatch(struct job *j, struct queue *q, int stage)
{
	Sb__JobStart js = SB__JOB_START__INIT;
	sb_env e;

	if (open_for_dispatch(j, stage) != 0) {
		job_set_error(j, "spool file of job %llu: %s",
		    (unsigned long long)j->id, strerror(errno));
		job_finish(j, SB__JOB_STATE__ABORTED);
		return;
	}
	if (stage == SB__STAGE__DELIVER && strncmp(q->cfg->uri, "file://",
					      7) == 0) {
		j->state = SB__JOB_STATE__PRINTING;
		if (deliver_file(j, q) == 0) {
			close_job_files(j);
			j->last_error[0] = '\0';
			q->completed++;
			job_finish(j, SB__JOB_STATE__COMPLETED);
		} else {
			close_job_files(j);
			retry_or_give_up(j, q);
		}
		return;
	}
	j->token = ++next_token;
	j->stage = stage;
	j->state = stage == SB__STAGE__CONVERT ? SB__JOB_STATE__PROCESSING
					       : SB__JOB_STATE__PRINTING;
	js.job_id = j->id;
	js.stage = stage;
	js.queue = q->cfg->name;
	js.uri = q->cfg->uri;
	js.from = j->datatype;
	js.to = stage == SB__STAGE__CONVERT || j->converted
	    ? q->cfg->datatype
	    : (Sb__DataType)j->datatype;
	js.size = stage == SB__STAGE__DELIVER && j->converted ? j->out_size
							      : j->size;
	js.copies = j->copies;
	js.title = j->title;
	js.user = j->user;
	js.filename = j->filename;
	js.paper = q->cfg->paper;
	js.token = j->token;
	chan_env_init(&e);
	e.body_case = SB__ENVELOPE__BODY_JOB_START;
	e.job_start = &js;
	worker_send(W, &e);
}

static int
job_before(const struct job *a, const struct job *b)
{
	if (b == NULL)
		return 1;
	return a->priority > b->priority ||
	    (a->priority == b->priority && a->id < b->id);
}

static int
waiting(const struct job *j)
{
	return !j->uploading && !store_job_final(j) &&
	    j->state != SB__JOB_STATE__HELD;
}

static void
schedule_queue(struct queue *q, int64_t now)
{
	struct job *head = NULL, *j;
	int converting = 0, delivering = 0;

	for (j = S.jobs; j != NULL; j = j->next) {
		if (strcmp(j->queue, q->cfg->name) != 0 || !waiting(j))
			continue;
		if (j->token != 0) {
			converting += j->stage == SB__STAGE__CONVERT;
			delivering += j->stage == SB__STAGE__DELIVER;
		}
		if (job_before(j, head))
			head = j;
	}
	if (q->stopped || head == NULL)
		return;
	/* Convert ahead of delivery, a few jobs at a time, in order. */
	while (converting < CONVERT_AHEAD) {
		struct job *next = NULL;
		for (j = S.jobs; j != NULL; j = j->next)
			if (strcmp(j->queue, q->cfg->name) == 0 &&
			    waiting(j) && j->token == 0 && !j->converted &&
			    needs_conversion(j, q) &&
			    j->state != SB__JOB_STATE__RETRY_WAIT &&
			    job_before(j, next))
				next = j;
		if (next == NULL)
			break;
		dispatch(next, q, SB__STAGE__CONVERT);
		converting++;
	}
	if (delivering || head->token != 0)
		return;
	if (head->state == SB__JOB_STATE__RETRY_WAIT &&
	    head->next_attempt > now)
		return;
	if (needs_conversion(head, q) && !head->converted)
		return;
	dispatch(head, q, SB__STAGE__DELIVER);
}

static void
schedule(void)
{
	int64_t now = now_wall_ms();

	for (size_t i = 0; i < NQ; i++)
		schedule_queue(&Q[i], now);
}

/* ms until the earliest retry is due; -1 when none is. */
static int
schedule_timeout(void)
{
	int64_t now = now_wall_ms(), next = INT64_MAX;

	for (struct job *j = S.jobs; j != NULL; j = j->next)
		if (j->state == SB__JOB_STATE__RETRY_WAIT &&
		    j->next_attempt < next)
			next = j->next_attempt;
	if (next == INT64_MAX)
		return -1;
	return next <= now ? 0 : (int)(next - now > 60000 ? 60000 : next - now);
}

static void
dispatch_msg(sb_env *e)
{
	switch (e->body_case) {
	case SB__ENVELOPE__BODY_SUBMIT_REQ:
	case SB__ENVELOPE__BODY_JOBS_REQ:
	case SB__ENVELOPE__BODY_JOB_CTL_REQ:
	case SB__ENVELOPE__BODY_QUEUES_REQ:
		if (e->caller == NULL)
			worker_violation(W, e);
		if (e->body_case == SB__ENVELOPE__BODY_SUBMIT_REQ)
			on_submit(e);
		else if (e->body_case == SB__ENVELOPE__BODY_JOBS_REQ)
			on_jobs(e);
		else if (e->body_case == SB__ENVELOPE__BODY_JOB_CTL_REQ)
			on_job_ctl(e);
		else
			on_queues(e);
		break;
	case SB__ENVELOPE__BODY_DATA_REQ:
		on_data_req(e);
		break;
	case SB__ENVELOPE__BODY_OUTPUT_CHUNK:
		on_output_chunk(e);
		break;
	case SB__ENVELOPE__BODY_JOB_DONE:
		on_job_done(e);
		break;
	default:
		worker_violation(W, e);
	}
}

void
localspl_run(struct worker *w)
{
	char err[512];
	sb_env *e;

	W = w;
	if (getrandom(&next_token, sizeof(next_token), 0) !=
	    sizeof(next_token))
		next_token = (uint64_t)now_wall_ms() << 20;
	next_token &= (1ULL << 62) - 1; /* stays non-zero when incremented */
	NQ = w->cfg->n_queues;
	Q = calloc(NQ ? NQ : 1, sizeof(*Q));
	if (Q == NULL)
		fatal("out of memory");
	for (size_t i = 0; i < NQ; i++)
		Q[i].cfg = w->cfg->queues[i];
	if (store_open(&S, w->cfg->spool_dir, err, sizeof(err)) != 0)
		fatal("%s", err);
	for (;;) {
		schedule();
		e = worker_recv(w, schedule_timeout());
		if (e != NULL) {
			dispatch_msg(e);
			chan_free(e);
		}
		if (w->draining)
			break;
	}
	store_close(&S);
	worker_drained(w);
}
