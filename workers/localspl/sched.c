/*
 * sched: what localspl starts next, and the dispatches in flight. Per
 * queue: jobs in priority order, then by id (FIFO); a job waiting for a
 * retry is not due before its next attempt; jobs that need converting
 * are converted ahead (up to CONVERT_AHEAD of one owner at a time, the
 * owner with the fewest first, CONVERT_QUEUE in all: another user's
 * document is not kept waiting behind one owner's slow ones), and one
 * job at a time is delivered, in order, so a printer sees its jobs as
 * submitted.
 * A dispatch is one stage of one job handed to a worker through the
 * broker, named by a token: the job's data goes as a read-only
 * descriptor on the descriptor channel (fdpass.h) just before the
 * JobStart, and localspl keeps no copy of it open; its output (a
 * conversion) and result come back here; a canceled job's dispatch gets
 * an Abort.
 * Reports: every job that aborts or waits for a retry, with the reason.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "fdpass.h"
#include "db.h"
#include "localspl.h"
#include "log.h"
#include "util.h"
#include "vocab.h"

/* IPP orientation-requested: landscape (RFC 8011 5.2.10). */
#define IPP_LANDSCAPE 4

#define CONVERT_AHEAD 2
#define CONVERT_QUEUE 4  /* struct sched_pick's convert[] */
/* A document the print processor dies on this often (a crash, a kill by
 * its memory_limit) is aborted: it would take every new one down too. */
#define CONVERT_LOST_MAX 3

/* Does j need converting before q's printer takes it? */
static int
needs_conversion(const struct job *j, const struct queue *q)
{
	return !j->converted && spl_target_type(j, q) != j->datatype;
}

/* Does j go through printproc first: to be converted, or (PDF and
 * PostScript that go as they are) to have its pages counted? */
static int
needs_pass(const struct job *j, const struct queue *q)
{
	return needs_conversion(j, q) ||
	    (!j->converted && !j->counted &&
		(j->datatype == SB__DATA_TYPE__PDF ||
		    j->datatype == SB__DATA_TYPE__POSTSCRIPT));
}

static void
close_job_files(struct job *j)
{
	if (j->fd >= 0)
		close(j->fd);
	if (j->out_fd >= 0)
		close(j->out_fd);
	if (j->body_fd >= 0)
		close(j->body_fd);
	j->fd = j->out_fd = j->body_fd = -1;
	j->body_len = 0;
}

void
sched_abort(struct spl *s, const struct job *j, const char *why)
{
	Sb__Abort a = SB__ABORT__INIT;
	sb_env e;

	chan_env_init(&e);
	e.body_case = SB__ENVELOPE__BODY_ABORT;
	e.abort = &a;
	a.token = j->token;
	a.reason = (char *)why;
	worker_send(s->w, &e);
}

/* Move a job to a final state and let go of its data. */
void
sched_finish(struct spl *s, struct job *j, int state)
{
	struct queue *q = spl_queue(s, j->queue);

	j->state = state;
	j->finished = now_wall_ms();
	if (q != NULL && state == SB__JOB_STATE__COMPLETED) {
		uint64_t ms = j->finished > j->submitted
		    ? (uint64_t)(j->finished - j->submitted) : 0;
		q->completed++;
		if (q->pages_known) /* else read with this job's record */
			q->pages_total += (uint64_t)j->pages *
			    (j->copies ? j->copies : 1);
		q->latency_sum_ms += ms;
		for (int i = 0; i < SPL_LATENCY_BOUNDS; i++)
			q->latency_le[i] += ms <= spl_latency_bounds_ms[i];
	} else if (q != NULL && state == SB__JOB_STATE__ABORTED) {
		q->failed++;
	}
	/* The final record first, the data after it is committed (by
	 * sched_settle()): killed in between, the next start finds a final
	 * job and its sweep drops what is left of its data; the other way
	 * round it would find a job to print with nothing to print. */
	store_save(&s->store, j);
	s->finished++;
	spl_job_final(s, j->id);
	if (j->token == 0) {
		close_job_files(j);
	} else {
		/* Its worker stops; the JobDone that follows drops the data. */
		sched_abort(s, j, state == SB__JOB_STATE__CANCELED
		    ? j->last_error
		    : "the job is final");
	}
	if (state == SB__JOB_STATE__ABORTED)
		log_warn("job %llu aborted: %s", (unsigned long long)j->id,
		    j->last_error);
}

static struct job *
job_by_token(struct spl *s, uint64_t token)
{
	for (struct job *j = s->store.jobs; j != NULL; j = j->next)
		if (j->token == token && token != 0)
			return j;
	return NULL;
}

const uint32_t spl_latency_bounds_ms[SPL_LATENCY_BOUNDS] = { 1, 2, 5, 10,
	25, 50, 100, 250, 500, 1000, 5000, 30000, 300000, 3600000 };

/* A failed attempt: wait and retry, or apply the queue's error_policy. */
static void
retry_or_give_up(struct spl *s, struct job *j, struct queue *q)
{
	const Sb__QueueConfig *c = q->cfg;

	j->attempts++;
	q->retries++;
	if (c->error_policy != SB__ERROR_POLICY__RETRY &&
	    j->attempts >= c->retry_limit) {
		if (c->error_policy == SB__ERROR_POLICY__ABORT_JOB) {
			sched_finish(s, j, SB__JOB_STATE__ABORTED);
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
	store_save(&s->store, j);
}

/* A pool's printer failed j's delivery: it is passed over for the
 * queue's retry_interval, and j goes to another printer without using a
 * retry, if one is not passed over itself. 1 when so. */
static int
pool_failover(struct spl *s, struct job *j, struct queue *q, struct member *m)
{
	int64_t now = now_wall_ms();
	char uri[1024];

	m->skip_until = now + (int64_t)q->cfg->retry_interval_ms;
	snprintf(m->error, sizeof(m->error), "%.159s", j->last_error);
	pool_uri(q, (size_t)(m - q->members), uri, sizeof(uri));
	for (size_t k = 0; k < q->nmembers; k++)
		if (q->members[k].skip_until <= now) {
			log_info("job %llu: %s failed (%s); passed over for %llu "
			    "ms, another printer of pool %s takes the job",
			    (unsigned long long)j->id, uri, j->last_error,
			    (unsigned long long)q->cfg->retry_interval_ms,
			    q->cfg->name);
			j->state = SB__JOB_STATE__PENDING;
			store_save(&s->store, j);
			return 1;
		}
	return 0;
}

/* ---- the dispatches in flight ---- */

/* Where a chunk r of j's output goes: the output, or its body (kept
 * apart in an unnamed file of the spool, made at its first chunk, and
 * written in order); -1. */
static int
chunk_fd(struct spl *s, struct job *j, const Sb__OutputChunk *r)
{
	if (!r->body)
		return j->out_fd;
	if (r->offset != j->body_len) {
		errno = EINVAL; /* not where the body ends */
		return -1;
	}
	if (j->body_fd < 0)
		j->body_fd = openat(s->store.dir_fd, ".", O_RDWR | O_TMPFILE |
		    O_CLOEXEC, 0600);
	j->body_len += r->data.len;
	return j->body_fd;
}

/* The body, put at at in the output: in the hole its length left there,
 * before the last chunk (eof at end). */
static int
place_body(struct job *j, uint64_t at, uint64_t end)
{
	if (j->body_fd < 0 || at > end || j->body_len > end - at ||
	    lseek(j->out_fd, (off_t)at, SEEK_SET) < 0) {
		errno = EINVAL;
		return -1;
	}
	return store_copy_fd(j->out_fd, j->body_fd, j->body_len);
}

void
sched_output_chunk(struct spl *s, const sb_env *e)
{
	const Sb__OutputChunk *r = e->output_chunk;
	Sb__OutputAck ack = SB__OUTPUT_ACK__INIT;
	struct job *j = job_by_token(s, r->token);
	char tmp[4200], dst[4200];
	sb_env out;
	int fd;

	ack.token = r->token;
	ack.offset = r->offset;
	if (j == NULL || j->stage != SB__STAGE__CONVERT || j->out_fd < 0 ||
	    job_state_final(j->state)) {
		ack.error = j != NULL && job_state_final(j->state) ? "job canceled"
							     : "no such dispatch";
	} else if ((fd = chunk_fd(s, j, r)) < 0 ||
	    pwrite(fd, r->data.data, r->data.len, (off_t)r->offset) !=
		(ssize_t)r->data.len) {
		ack.error = "spool write error";
	} else if (r->eof) {
		store_path(&s->store, j, "out.tmp", tmp, sizeof(tmp));
		store_path(&s->store, j, "out", dst, sizeof(dst));
		j->out_size = r->offset + r->data.len;
		if ((r->body_at != 0 &&
			place_body(j, r->body_at, r->offset) != 0) ||
		    fsync(j->out_fd) != 0 || rename(tmp, dst) != 0)
			ack.error = "spool write error";
	}
	if (ack.error[0] != '\0' && j != NULL)
		job_set_error(j, "%s: %s", ack.error, strerror(errno));
	chan_env_init(&out);
	out.body_case = SB__ENVELOPE__BODY_OUTPUT_ACK;
	out.output_ack = &ack;
	spl_send(s, &out, e->id);
}

/* A delivery or conversion succeeded. */
static void
job_done_ok(struct spl *s, struct job *j, const Sb__JobDone *d)
{
	if (d->stage == SB__STAGE__CONVERT) {
		if (j->counting)
			j->counted = 1;
		else
			j->converted = 1;
		j->pages = d->pages;
		j->state = SB__JOB_STATE__PENDING;
		store_save(&s->store, j);
		return;
	}
	snprintf(j->landed, sizeof(j->landed), "%s", d->landed);
	j->last_error[0] = '\0';
	sched_finish(s, j, SB__JOB_STATE__COMPLETED);
}

/* The printer refused j for its type and said what it takes: convert
 * it to one of those instead (no attempt used). 0: it cannot be. */
static int
refused_for_type(struct spl *s, struct job *j, const struct queue *q)
{
	int had = spl_delivered_type(j, q), want;

	if (q->takes == 0 || spl_printer_takes(q, had))
		return 0;
	j->converted = 0;
	if ((want = spl_target_type(j, q)) == had)
		return 0;
	store_drop_output(&s->store, j);
	log_info("job %llu: the printer of %s does not take %s; converting "
	    "it to %s", (unsigned long long)j->id, q->cfg->name,
	    datatype_name(had), datatype_name(want));
	j->state = SB__JOB_STATE__PENDING;
	store_save(&s->store, j);
	return 1;
}

void
sched_job_done(struct spl *s, const sb_env *e)
{
	const Sb__JobDone *d = e->job_done;
	struct job *j = job_by_token(s, d->token);
	struct queue *mq = NULL;
	struct member *m = pool_member(s, d->token, &mq);
	int result = d->result;
	struct queue *q;

	if (m != NULL)
		m->token = 0; /* the pool's printer is free again */
	if (j == NULL)
		return; /* a dispatch from before a restart */
	j->token = 0;
	close_job_files(j);
	if (job_state_final(j->state)) /* canceled meanwhile: sched_settle() */
		return;             /* drops its data */
	q = spl_queue(s, j->queue);
	if (q != NULL && d->printer_state[0] != '\0')
		snprintf(q->printer_state, sizeof(q->printer_state), "%s",
		    d->printer_state);
	if (q != NULL && d->stage == SB__STAGE__DELIVER)
		q->takes = d->takes;
	if (d->error[0] != '\0')
		job_set_error(j, "%s", d->error);
	if (q != NULL && d->result == SB__RESULT__PERMANENT &&
	    refused_for_type(s, j, q))
		return;
	/* The client's file may have changed under an early dispatch (cut
	 * short, rewritten): its failure is not the job's; once more from
	 * the spool's copy, without using a retry. */
	if (j->early && d->result != SB__RESULT__OK)
		result = SB__RESULT__INTERRUPTED;
	j->early = 0;
	switch (result) {
	case SB__RESULT__OK:
		if (m != NULL)
			m->jobs++;
		job_done_ok(s, j, d);
		break;
	case SB__RESULT__INTERRUPTED:
		if (d->stage == SB__STAGE__CONVERT &&
		    ++j->conv_lost >= CONVERT_LOST_MAX) {
			job_set_error(j, "the print processor ended %u times "
			    "while converting this document (last: %s)",
			    j->conv_lost, d->error);
			sched_finish(s, j, SB__JOB_STATE__ABORTED);
			break;
		}
		log_info("job %llu interrupted (%s); dispatched again",
		    (unsigned long long)j->id, d->error);
		j->state = SB__JOB_STATE__PENDING;
		store_save(&s->store, j);
		break;
	case SB__RESULT__TRANSIENT:
		if (m != NULL && pool_failover(s, j, mq, m))
			break;
		if (q != NULL) {
			retry_or_give_up(s, j, q);
			break;
		}
		/* no queue to retry on */
		__attribute__((fallthrough));
	default:
		sched_finish(s, j, SB__JOB_STATE__ABORTED);
		break;
	}
}

/* ---- what runs next ---- */

static int
open_for_dispatch(struct spl *s, struct job *j, int stage)
{
	char path[4200];

	store_path(&s->store, j,
	    stage == SB__STAGE__DELIVER && j->converted ? "out" : "data",
	    path, sizeof(path));
	/* While the client's file is still being copied in, the dispatch
	 * reads the client's file itself: delivery overlaps the copy. */
	j->early = j->committing && j->src_fd >= 0;
	j->fd = j->early ? fcntl(j->src_fd, F_DUPFD_CLOEXEC, 0)
			 : open(path, O_RDONLY | O_CLOEXEC);
	if (j->fd < 0)
		return -1;
	if (stage == SB__STAGE__CONVERT && !j->counting) {
		store_path(&s->store, j, "out.tmp", path, sizeof(path));
		j->out_fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
		    0600);
		if (j->out_fd < 0) {
			close_job_files(j);
			return -1;
		}
	}
	return 0;
}

/* file: queues are delivered here, by localspl itself. */
static void
deliver_here(struct spl *s, struct job *j, struct queue *q)
{
	j->state = SB__JOB_STATE__PRINTING;
	if (fileport_deliver(j, q) == 0) {
		close_job_files(j);
		j->last_error[0] = '\0';
		sched_finish(s, j, SB__JOB_STATE__COMPLETED);
	} else {
		close_job_files(j);
		retry_or_give_up(s, j, q);
	}
}

/* What the job asks of its pages, and the queue of its marks, into js:
 * its layout wins over the queue's (text: field by field, into text). */
static void
layout_into(Sb__JobStart *js, struct job *j, const struct queue *q,
    Sb__TextLayout *text)
{
	if (chan_text_layout_merge(text, &j->text, q->cfg->text))
		js->text = text;
	/* The job's own media and orientation, else the queue's: its paper
	 * when spoolbox lays out on it (an ipp:// printer may offer others:
	 * they are asked of it, in js->media). */
	js->paper = media_pwg(j->media) != NULL ? j->media : q->cfg->paper;
	js->sides = j->sides[0] ? j->sides : q->cfg->sides;
	js->landscape = j->orientation ? j->orientation == IPP_LANDSCAPE
				      : q->cfg->landscape;
	js->media = j->media[0] ? j->media : q->cfg->media;
	js->print_scaling = j->print_scaling;
	js->page_ranges = j->page_ranges;
	js->number_up = j->number_up;
	js->overrides = j->overrides;
	js->orientation = j->orientation;
	js->banner_start = q->cfg->banner_start;
	js->banner_end = q->cfg->banner_end;
	js->classification = q->cfg->classification;
	js->submitted = j->submitted;
}

/* Start one stage of j: its data on the descriptor channel, then a
 * JobStart to the broker, which routes both. */
static void
dispatch(struct spl *s, struct job *j, struct queue *q, int stage)
{
	Sb__JobStart js = SB__JOB_START__INIT;
	Sb__TextLayout text;
	char member_uri[1024];
	sb_env e;

	j->counting = 0;
	if (stage == SB__STAGE__CONVERT) {
		j->out_type = spl_target_type(j, q);
		j->counting = j->out_type == j->datatype && !job_imposed(j) &&
		    !queue_marks(q);
	}
	if (open_for_dispatch(s, j, stage) != 0) {
		job_set_error(j, "spool file of job %llu: %s",
		    (unsigned long long)j->id, strerror(errno));
		sched_finish(s, j, SB__JOB_STATE__ABORTED);
		return;
	}
	if (stage == SB__STAGE__DELIVER &&
	    uri_kind(q->cfg->uri) == SB__WORKER_KIND__LOCALSPL) {
		if (j->committing) { /* finished before it is stored: no */
			close_job_files(j);
			return;
		}
		deliver_here(s, j, q);
		return;
	}
	if (fdpass_send(WORKER_FDCHAN, s->next_token + 1, j->fd) != 0) {
		job_set_error(j, "passing job %llu's data: %s",
		    (unsigned long long)j->id, strerror(errno));
		close_job_files(j);
		retry_or_give_up(s, j, q);
		return;
	}
	close(j->fd); /* the worker has it now */
	j->fd = -1;
	j->token = ++s->next_token;
	j->stage = stage;
	j->state = stage == SB__STAGE__CONVERT ? SB__JOB_STATE__PROCESSING
					       : SB__JOB_STATE__PRINTING;
	if (j->started == 0)
		j->started = now_wall_ms();
	store_save(&s->store, j); /* what listings show */
	js.job_id = j->id;
	js.stage = stage;
	js.queue = q->cfg->name;
	js.uri = stage == SB__STAGE__DELIVER && q->nmembers > 0
	    ? pool_take(q, j->token, member_uri, sizeof(member_uri))
	    : q->cfg->uri;
	js.from = j->datatype;
	js.to = stage == SB__STAGE__CONVERT ? j->out_type
					    : spl_delivered_type(j, q);
	js.size = stage == SB__STAGE__DELIVER && j->converted ? j->out_size
							      : j->size;
	js.copies = j->copies;
	js.title = j->title;
	js.user = j->user;
	js.filename = j->filename;
	js.token = j->token;
	js.ca_pem = q->cfg->ca_pem;
	js.pin_sha256 = q->cfg->pin_sha256;
	layout_into(&js, j, q, &text);
	js.cpu_limit_ms = q->cfg->cpu_limit_ms;
	js.pdf_ignore_permissions = q->cfg->pdf_ignore_permissions;
	chan_env_init(&e);
	e.body_case = SB__ENVELOPE__BODY_JOB_START;
	e.job_start = &js;
	worker_send(s->w, &e);
}

/* a runs before b: higher priority first, then FIFO by id. */
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
	return !j->uploading && !job_state_final(j->state) &&
	    j->state != SB__JOB_STATE__HELD;
}

/* Jobs of owner in q converting now or just picked. */
static int
converting_for(struct spl *s, const struct queue *q, const char *owner,
    const struct sched_pick *p)
{
	int n = 0;

	for (struct job *j = s->store.jobs; j != NULL; j = j->next)
		n += j->token != 0 && j->stage == SB__STAGE__CONVERT &&
		    strcmp(j->queue, q->cfg->name) == 0 &&
		    strcmp(j->user, owner) == 0;
	for (size_t i = 0; i < p->nconvert; i++)
		n += strcmp(p->convert[i]->user, owner) == 0;
	return n;
}

/* The next job of q to convert ahead, not yet picked: of the owners
 * below CONVERT_AHEAD, one with the fewest converting, then in order;
 * NULL: none. A job waiting for a retry is not converted before it is
 * due. */
static struct job *
next_to_convert(struct spl *s, const struct queue *q, int64_t now,
    const struct sched_pick *p)
{
	struct job *next = NULL;
	int fewest = CONVERT_AHEAD;

	for (struct job *j = s->store.jobs; j != NULL; j = j->next) {
		int picked = 0, n;
		if (strcmp(j->queue, q->cfg->name) != 0 || !waiting(j) ||
		    j->token != 0 || !needs_pass(j, q) ||
		    (j->state == SB__JOB_STATE__RETRY_WAIT &&
			j->next_attempt > now))
			continue;
		for (size_t i = 0; i < p->nconvert; i++)
			picked |= p->convert[i] == j;
		if (picked || (n = converting_for(s, q, j->user, p)) > fewest)
			continue;
		if (n < fewest || job_before(j, next)) {
			fewest = n;
			next = j;
		}
	}
	return fewest < CONVERT_AHEAD ? next : NULL;
}

/* Can j be delivered now: not at work, converted (or counted), and not
 * waiting for a retry? */
static int
deliverable(const struct job *j, const struct queue *q, int64_t now)
{
	return waiting(j) && j->token == 0 && !needs_pass(j, q) &&
	    (j->state != SB__JOB_STATE__RETRY_WAIT || j->next_attempt <= now);
}

/* A pool: as many jobs, in order, as printers are idle. */
static void
pick_for_pool(struct spl *s, const struct queue *q, int64_t now,
    struct sched_pick *out)
{
	size_t n = pool_free(q, now);

	while (out->ndeliver < n) {
		struct job *next = NULL;
		for (struct job *j = s->store.jobs; j != NULL; j = j->next) {
			int picked = 0;
			if (strcmp(j->queue, q->cfg->name) != 0 ||
			    !deliverable(j, q, now))
				continue;
			for (size_t i = 0; i < out->ndeliver; i++)
				picked |= out->deliver[i] == j;
			if (!picked && job_before(j, next))
				next = j;
		}
		if (next == NULL)
			return;
		out->deliver[out->ndeliver++] = next;
	}
}

void
sched_pick(struct spl *s, const struct queue *q, int64_t now,
    struct sched_pick *out)
{
	struct job *head = NULL, *j;
	int converting = 0, delivering = 0;

	memset(out, 0, sizeof(*out));
	for (j = s->store.jobs; j != NULL; j = j->next) {
		if (strcmp(j->queue, q->cfg->name) != 0 || !waiting(j))
			continue;
		if (j->token != 0) {
			converting += j->stage == SB__STAGE__CONVERT;
			delivering += j->stage == SB__STAGE__DELIVER;
		}
		if (job_before(j, head))
			head = j;
	}
	if (q->stopped || q->disabled || head == NULL)
		return;
	/* Convert ahead of delivery, a few jobs at a time. */
	while (converting < CONVERT_QUEUE &&
	    (j = next_to_convert(s, q, now, out)) != NULL) {
		out->convert[out->nconvert++] = j;
		converting++;
	}
	if (q->nmembers > 0) {
		pick_for_pool(s, q, now, out);
		return;
	}
	if (delivering || head->token != 0)
		return;
	if (head->state == SB__JOB_STATE__RETRY_WAIT &&
	    head->next_attempt > now)
		return;
	if (needs_pass(head, q))
		return;
	out->deliver[out->ndeliver++] = head;
}

/* Before j is delivered: past a page_quota, it is held, saying which,
 * until an admin releases it (or, with quota_policy = refuse, or when
 * the store cannot tell, aborted): 1; else 0. */
static int
held_by_quota(struct spl *s, struct job *j, const struct queue *q)
{
	char why[512];
	int rv = quota_pages_past(s, j, q, why, sizeof(why));

	if (rv == 0)
		return 0;
	job_set_error(j, "%s", why);
	if (rv < 0 || s->w->cfg->quota_refuse) {
		log_warn("job %llu aborted: %s", (unsigned long long)j->id, why);
		sched_finish(s, j, SB__JOB_STATE__ABORTED);
		return 1;
	}
	j->state = SB__JOB_STATE__HELD;
	j->hold_at = 0;
	snprintf(j->hold_until, sizeof(j->hold_until), "%s", "quota");
	log_info("job %llu held: %s (an admin's release prints it)",
	    (unsigned long long)j->id, why);
	store_save(&s->store, j);
	return 1;
}

int
sched_run(struct spl *s)
{
	int64_t now = now_wall_ms();
	struct sched_pick p;
	int started = 0;

	for (size_t i = 0; i < s->nqueues; i++) {
		struct queue *q = &s->queues[i];
		sched_pick(s, q, now, &p);
		for (size_t k = 0; k < p.nconvert; k++)
			dispatch(s, p.convert[k], q, SB__STAGE__CONVERT);
		for (size_t k = 0; k < p.ndeliver; k++)
			if (!held_by_quota(s, p.deliver[k], q))
				dispatch(s, p.deliver[k], q, SB__STAGE__DELIVER);
		started += (int)(p.nconvert + p.ndeliver);
	}
	return started;
}

/* ms until the earliest retry is due; -1 when none is. */
int
sched_timeout(struct spl *s)
{
	int64_t now = now_wall_ms(), next = INT64_MAX;

	for (struct job *j = s->store.jobs; j != NULL; j = j->next)
		if (j->state == SB__JOB_STATE__RETRY_WAIT &&
		    j->next_attempt < next)
			next = j->next_attempt;
	if (next == INT64_MAX)
		return -1;
	return spl_wait_ms(next, now);
}

/* ---- what stays in memory ---- */

/* Each queue's look-ahead: at least WINDOW_LOW waiting jobs in memory
 * when there are that many, read WINDOW at a time; past WINDOW_MAX (new
 * jobs ahead of the window), cut back to WINDOW. */
#define WINDOW 32
#define WINDOW_LOW 8
#define WINDOW_MAX 128

/* Is j within q's look-ahead: among the jobs every one of which, before
 * (prio, id) in scheduling order, is in memory? */
static int
in_window(const struct queue *q, const struct job *j)
{
	return q->ahead_all || (int64_t)j->priority > q->ahead_prio ||
	    ((int64_t)j->priority == q->ahead_prio && j->id <= q->ahead_id);
}

static int
busy(const struct job *j)
{
	return j->uploading || j->committing || j->token != 0;
}

struct refill {
	struct spl *s;
	struct queue *q;
	long n;
};

static int
adopt(void *arg, struct job *j)
{
	struct refill *r = arg;

	r->q->ahead_prio = j->priority;
	r->q->ahead_id = j->id;
	r->n++;
	if (store_job(&r->s->store, j->id) != NULL)
		free(j); /* in memory already (new, or at work) */
	else
		store_adopt(&r->s->store, j);
	return 0;
}

static int
cmp_sched(const void *a, const void *b)
{
	const struct job *x = *(struct job *const *)a;
	const struct job *y = *(struct job *const *)b;

	return job_before(x, y) ? -1 : job_before(y, x);
}

/* Cut q's window back to its first WINDOW waiting jobs. */
static void
shrink(struct spl *s, struct queue *q, size_t n)
{
	struct job **v = calloc(n, sizeof(*v)), *j, *next;
	size_t k = 0;

	if (v == NULL)
		fatal("out of memory");
	for (j = s->store.jobs; j != NULL && k < n; j = j->next)
		if (strcmp(j->queue, q->cfg->name) == 0 && waiting(j))
			v[k++] = j;
	qsort(v, k, sizeof(*v), cmp_sched);
	q->ahead_all = 0;
	q->ahead_prio = v[WINDOW - 1]->priority;
	q->ahead_id = v[WINDOW - 1]->id;
	free(v);
	for (j = s->store.jobs; j != NULL; j = next) {
		next = j->next;
		if (strcmp(j->queue, q->cfg->name) == 0 && waiting(j) &&
		    !busy(j) && !in_window(q, j))
			store_evict(&s->store, j);
	}
}

static void
window(struct spl *s, struct queue *q)
{
	struct refill r = { s, q, 0 };
	char err[512];
	size_t n = 0;

	for (const struct job *j = s->store.jobs; j != NULL; j = j->next)
		n += strcmp(j->queue, q->cfg->name) == 0 && waiting(j);
	if (n > WINDOW_MAX) {
		shrink(s, q, n);
		return;
	}
	if (n >= WINDOW_LOW || q->ahead_all)
		return;
	if (db_ahead(s->store.db, q->cfg->name, q->ahead_prio, q->ahead_id,
		WINDOW, adopt, &r, err, sizeof(err)) < 0) {
		log_error("%s", err);
		return;
	}
	if (r.n < WINDOW)
		q->ahead_all = 1;
}

void
sched_settle(struct spl *s)
{
	struct job *j, *next;

	for (j = s->store.jobs; j != NULL; j = next) {
		struct queue *q = spl_queue(s, j->queue);
		next = j->next;
		if (busy(j))
			continue;
		if (job_state_final(j->state)) {
			/* Its final record is committed: the data goes. */
			store_finished(&s->store, j);
			store_evict(&s->store, j);
		} else if (q == NULL || j->state == SB__JOB_STATE__HELD ||
		    !in_window(q, j)) {
			store_evict(&s->store, j);
		}
	}
	for (size_t i = 0; i < s->nqueues; i++)
		window(s, &s->queues[i]);
}

void
sched_window_reset(struct queue *q)
{
	q->ahead_all = 0;
	q->ahead_prio = INT64_MAX;
	q->ahead_id = 0;
}

/* Retention: each queue keeps its newest keep_jobs finished jobs and
 * none finished longer than keep_ms ago; each owner at most
 * history_per_user (when set). Deleted RETAIN_BATCH at a time in the
 * pass's transaction, at most once a second (or after as many jobs
 * finished), so a submit never waits for a large prune. */
#define RETAIN_BATCH 512

void
sched_retain(struct spl *s)
{
	const Sb__Configure *c = s->w->cfg;
	int64_t now = now_wall_ms();
	char err[512];
	long n = 0, got = 0;

	if (now < s->retain_at && s->finished < RETAIN_BATCH)
		return;
	s->finished = 0;
	s->retain_at = now + 1000;
	/* Owners first: one user's many jobs go before another's few. */
	if (c->history_per_user != 0)
		n = got = db_prune_owners(s->store.db, c->history_per_user,
		    RETAIN_BATCH, NULL, NULL, err, sizeof(err));
	for (size_t i = 0; i < s->nqueues && got >= 0; i++) {
		const Sb__QueueConfig *q = s->queues[i].cfg;
		got = db_prune(s->store.db, q->name, q->keep_jobs,
		    q->keep_ms != 0 ? now - (int64_t)q->keep_ms : 0,
		    RETAIN_BATCH, NULL, NULL, err, sizeof(err));
		n += got > 0 ? got : 0;
	}
	if (got < 0)
		log_error("%s", err);
	else if (n > 0)
		s->finished = RETAIN_BATCH; /* more may be due: again soon */
	if (c->accounting_keep_ms != 0 &&
	    db_accounting_prune(s->store.db,
		now - (int64_t)c->accounting_keep_ms) < 0)
		log_error("pruning accounting records failed");
}
