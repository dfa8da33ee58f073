/*
 * lpd: an RFC 1179 server on one connection. Receive-job takes control
 * and data files in either order, several data files per control file
 * (one spoolbox job, their bytes in the order they came, copies from the
 * repeated print lines), several jobs per connection; queue state short
 * and long; remove-jobs as the agent named (a network identity, never an
 * admin: localspl applies the owner rule). The last acknowledgement of a
 * job (its final zero byte) is sent only once localspl has the job on
 * stable storage; a connection that ends before leaves nothing behind.
 * Reports: a line per job taken and per refusal, with the peer.
 */
#define _GNU_SOURCE
#include "listener.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "log.h"
#include "lpdproto.h"

#define ANSWER_MS 30000

/* One job being received: its control file and the data files so far. */
struct lpd_job {
	struct upload up;
	int begun;
	int have_ctl;
	struct lpd_control ctl;
	char got[LPD_FILES_MAX][LPD_NAME_MAX + 1];
	size_t ngot;
};

static void
job_reset(struct lpd_job *j)
{
	upload_free(&j->up);
	memset(j, 0, sizeof(*j));
}

static void
job_abandon(struct lpd_job *j)
{
	if (j->begun)
		upload_abandon(&j->up);
	job_reset(j);
}

static int
named(const struct lpd_control *ctl, const char *name)
{
	for (size_t i = 0; i < ctl->nfiles; i++)
		if (strcmp(ctl->files[i].name, name) == 0)
			return 1;
	return 0;
}

static int
complete(const struct lpd_job *j)
{
	if (!j->have_ctl)
		return 0;
	for (size_t i = 0; i < j->ctl.nfiles; i++) {
		size_t k;
		for (k = 0; k < j->ngot; k++)
			if (strcmp(j->got[k], j->ctl.files[i].name) == 0)
				break;
		if (k == j->ngot)
			return 0;
	}
	return 1;
}

static int
ack(struct conn *c, char code)
{
	return conn_write(c, &code, 1);
}

/* The acknowledgement of a job the spooler refused, by its error: the
 * one map. RFC 1179 says only zero (taken) or not; LPRng's lpr reads
 * \2 as "out of room" (too large, over a share, a full queue) and any
 * other as a failure. */
static char
ack_of(int code)
{
	static const char acks[] = {
		[SB__ERROR_CODE__E_TOO_LARGE] = '\2',
		[SB__ERROR_CODE__E_QUOTA] = '\2',
		[SB__ERROR_CODE__E_LIMIT] = '\2',
	};

	return code >= 0 && (size_t)code < sizeof(acks) && acks[code] != 0
	    ? acks[code]
	    : '\1';
}

/* The job's bytes are all here: hand it over, then acknowledge. */
static int
finish(struct conn *c, const char *queue, struct lpd_job *j)
{
	const struct lpd_control *ctl = &j->ctl;
	char owner[128];
	unsigned copies = 1;
	uint64_t id;

	for (size_t i = 0; i < ctl->nfiles; i++)
		if (ctl->files[i].copies > copies)
			copies = ctl->files[i].copies;
	lsn_identity(owner, sizeof(owner), ctl->user, c->peer_str);
	snprintf(j->up.title, sizeof(j->up.title), "%s",
	    ctl->job_name[0] ? ctl->job_name
	    : ctl->title[0]  ? ctl->title
			     : ctl->source);
	snprintf(j->up.filename, sizeof(j->up.filename), "%s", ctl->source);
	j->up.copies = copies;
	id = upload_finish(&j->up, owner);
	if (id == 0) {
		log_warn("lpd %s: job for %s refused: %s", c->peer_str, queue,
		    j->up.err);
		job_abandon(j);
		ack(c, ack_of(j->up.code));
		return -1;
	}
	log_info("lpd %s: job %" PRIu64 " for %s from %s (%" PRIu64
		 " bytes, %u copies)",
	    c->peer_str, id, queue, owner, j->up.size, copies);
	job_reset(j);
	return ack(c, '\0');
}

static void
begin(struct conn *c, const char *queue, struct lpd_job *j)
{
	char who[128];

	/* Every chunk goes as one identity; the control file's user
	 * becomes the owner at the end (SubmitReq.owner). */
	snprintf(who, sizeof(who), "(lpd)@%s", c->peer_str);
	upload_init(&j->up, c->l, who, queue, SB__DATA_TYPE__AUTO);
	j->begun = 1;
}

static int
receive_control(struct conn *c, const char *queue, struct lpd_job *j,
    const struct lpd_subcommand *sc)
{
	char err[160], *buf = malloc(sc->count + 1);
	unsigned char end;
	int rv = -1;

	if (buf == NULL)
		fatal("out of memory");
	if (ack(c, '\0') != 0 || conn_read(c, buf, sc->count) != 0 ||
	    conn_read(c, &end, 1) != 0) {
		log_warn("lpd %s: control file %s: %s", c->peer_str, sc->name,
		    strerror(errno));
		goto out;
	}
	if (end != 0 || lpd_parse_control(buf, sc->count, &j->ctl, err,
			    sizeof(err)) != 0) {
		log_warn("lpd %s: control file %s refused: %s", c->peer_str,
		    sc->name, end != 0 ? "no zero byte after it" : err);
		ack(c, '\1');
		goto out;
	}
	for (size_t i = 0; i < j->ngot; i++)
		if (!named(&j->ctl, j->got[i])) {
			log_warn("lpd %s: control file %s does not print data "
				 "file %s it came with",
			    c->peer_str, sc->name, j->got[i]);
			ack(c, '\1');
			goto out;
		}
	j->have_ctl = 1;
	if (!j->begun)
		begin(c, queue, j);
	rv = complete(j) ? finish(c, queue, j) : ack(c, '\0');
out:
	free(buf);
	return rv;
}

/* Stream count bytes of a data file into the job, then its zero byte. */
static int
receive_data(struct conn *c, const char *queue, struct lpd_job *j,
    const struct lpd_subcommand *sc)
{
	unsigned char buf[16384], end;
	uint64_t left = sc->count;

	if ((j->have_ctl && !named(&j->ctl, sc->name)) ||
	    j->ngot == LPD_FILES_MAX) {
		log_warn("lpd %s: data file %s is not one the control file "
			 "prints", c->peer_str, sc->name);
		ack(c, '\1');
		return -1;
	}
	for (size_t i = 0; i < j->ngot; i++)
		if (strcmp(j->got[i], sc->name) == 0) {
			log_warn("lpd %s: data file %s sent twice",
			    c->peer_str, sc->name);
			ack(c, '\1');
			return -1;
		}
	if (!j->begun)
		begin(c, queue, j);
	if (ack(c, '\0') != 0)
		return -1;
	while (left > 0) {
		ssize_t n = conn_read_some(c, buf,
		    left < sizeof(buf) ? (size_t)left : sizeof(buf));
		if (n < 0) {
			log_warn("lpd %s: data file %s cut short, %" PRIu64
				 " bytes missing: %s",
			    c->peer_str, sc->name, left, strerror(errno));
			return -1;
		}
		if (upload_write(&j->up, buf, (size_t)n) != 0) {
			log_warn("lpd %s: data file %s refused: %s",
			    c->peer_str, sc->name, j->up.err);
			return -1;
		}
		left -= (uint64_t)n;
	}
	if (conn_read(c, &end, 1) != 0 || end != 0) {
		log_warn("lpd %s: data file %s: no zero byte after it",
		    c->peer_str, sc->name);
		ack(c, '\1');
		return -1;
	}
	snprintf(j->got[j->ngot++], LPD_NAME_MAX + 1, "%s", sc->name);
	return complete(j) ? finish(c, queue, j) : ack(c, '\0');
}

static void
receive_job(struct conn *c, const struct lsn_queue *q)
{
	const char *queue = q->cfg->name;
	uint64_t max = q->cfg->max_job_size ? q->cfg->max_job_size
					    : UINT64_MAX;
	struct lpd_job *j = calloc(1, sizeof(*j));
	struct lpd_subcommand sc;
	char line[LPD_LINE_MAX + 1], err[160];
	size_t len;

	if (j == NULL)
		fatal("out of memory");
	if (ack(c, '\0') != 0)
		goto out;
	for (;;) {
		if (conn_read_line(c, line, sizeof(line), &len) != 0) {
			if (j->begun || j->have_ctl)
				log_warn("lpd %s: connection ended with a job "
					 "incomplete (%s): nothing kept",
				    c->peer_str, strerror(errno));
			break;
		}
		/* A data file may be any size up to max_job_size; a control
		 * file is small. */
		if (lpd_parse_subcommand(line, len,
			len > 0 && line[0] == '\3' ? max : LPD_CONTROL_MAX, &sc,
			err, sizeof(err)) != 0) {
			log_warn("lpd %s: %s", c->peer_str, err);
			ack(c, len > 0 && line[0] == '\3' ? '\2' : '\1');
			break;
		}
		if (sc.op == LPD_SUB_ABORT) {
			job_abandon(j);
			continue;
		}
		if ((sc.op == LPD_SUB_CONTROL
			    ? receive_control(c, queue, j, &sc)
			    : receive_data(c, queue, j, &sc)) != 0)
			break;
	}
out:
	job_abandon(j);
	free(j);
}

static const char *
state_word(int state)
{
	switch (state) {
	case SB__JOB_STATE__PROCESSING:
	case SB__JOB_STATE__PRINTING:
		return "active";
	case SB__JOB_STATE__HELD:
		return "hold";
	case SB__JOB_STATE__RETRY_WAIT:
		return "retry";
	default:
		return NULL;
	}
}

/* \3 and \4: the queue's jobs as text, the way lpq shows them. */
static void
queue_state(struct conn *c, const struct lpd_command *cmd, int lng)
{
	Sb__JobsReq r = SB__JOBS_REQ__INIT;
	char who[128], line[512];
	sb_env e, *a;
	unsigned rank = 0;

	chan_env_init(&e);
	e.body_case = SB__ENVELOPE__BODY_JOBS_REQ;
	e.jobs_req = &r;
	r.queue = (char *)cmd->queue;
	lsn_identity(who, sizeof(who), cmd->nargs > 0 ? cmd->args[0] : "(lpq)",
	    c->peer_str);
	if ((a = lsn_call(c->l, &e, who, ANSWER_MS)) == NULL ||
	    a->body_case != SB__ENVELOPE__BODY_JOBS_REP) {
		snprintf(line, sizeof(line), "%s: %s\n", cmd->queue,
		    a != NULL && a->body_case == SB__ENVELOPE__BODY_ERROR_REP
			? a->error_rep->message
			: "the spooler did not answer");
		conn_write(c, line, strlen(line));
		goto out;
	}
	snprintf(line, sizeof(line), "%s is ready (spoolbox), %zu job(s)\n",
	    cmd->queue, a->jobs_rep->n_jobs);
	conn_write(c, line, strlen(line));
	if (a->jobs_rep->n_jobs > 0 && !lng) {
		snprintf(line, sizeof(line), "%-7s%-24s%-7s%-30s%s\n", "Rank",
		    "Owner", "Job", "Files", "Total Size");
		conn_write(c, line, strlen(line));
	}
	for (size_t i = 0; i < a->jobs_rep->n_jobs; i++) {
		const Sb__JobInfo *ji = a->jobs_rep->jobs[i];
		const char *st = state_word(ji->state);
		char rk[16];
		if (st == NULL)
			snprintf(rk, sizeof(rk), "%u", ++rank);
		if (lng)
			snprintf(line, sizeof(line),
			    "\n%s: %s [job %" PRIu64 "]\n\t%-40s%" PRIu64
			    " bytes\n",
			    ji->user, st != NULL ? st : rk, ji->id,
			    ji->title[0] ? ji->title : "(untitled)",
			    ji->size);
		else
			snprintf(line, sizeof(line),
			    "%-7s%-24.23s%-7" PRIu64 "%-30.29s%" PRIu64
			    " bytes\n",
			    st != NULL ? st : rk, ji->user, ji->id,
			    ji->title[0] ? ji->title : "(untitled)", ji->size);
		if (conn_write(c, line, strlen(line)) != 0)
			break;
	}
out:
	if (a != NULL)
		chan_free(a);
}

/* Does a remove-jobs list pick job ji of agent? Empty: the agent's
 * jobs; a number: that job; a name: that user's jobs. */
static int
picked(const struct lpd_command *cmd, const Sb__JobInfo *ji)
{
	char num[24];
	size_t ul = strcspn(ji->user, "@");

	snprintf(num, sizeof(num), "%" PRIu64, ji->id);
	if (cmd->nargs == 0)
		return strlen(cmd->agent) == ul &&
		    strncmp(ji->user, cmd->agent, ul) == 0;
	for (size_t i = 0; i < cmd->nargs; i++)
		if (strcmp(cmd->args[i], num) == 0 ||
		    (strlen(cmd->args[i]) == ul &&
			strncmp(ji->user, cmd->args[i], ul) == 0))
			return 1;
	return 0;
}

/* \5queue agent [list]: cancel as the agent; localspl says who may. */
static void
remove_jobs(struct conn *c, const struct lpd_command *cmd)
{
	Sb__JobsReq r = SB__JOBS_REQ__INIT;
	Sb__JobCtlReq ctl = SB__JOB_CTL_REQ__INIT;
	char who[128], line[400];
	sb_env e, *a, *b;

	lsn_identity(who, sizeof(who), cmd->agent, c->peer_str);
	chan_env_init(&e);
	e.body_case = SB__ENVELOPE__BODY_JOBS_REQ;
	e.jobs_req = &r;
	r.queue = (char *)cmd->queue;
	if ((a = lsn_call(c->l, &e, who, ANSWER_MS)) == NULL)
		return;
	if (a->body_case != SB__ENVELOPE__BODY_JOBS_REP) {
		chan_free(a);
		return;
	}
	for (size_t i = 0; i < a->jobs_rep->n_jobs; i++) {
		const Sb__JobInfo *ji = a->jobs_rep->jobs[i];
		if (!picked(cmd, ji))
			continue;
		chan_env_init(&e);
		e.body_case = SB__ENVELOPE__BODY_JOB_CTL_REQ;
		e.job_ctl_req = &ctl;
		ctl.job_id = ji->id;
		ctl.action = SB__JOB_ACTION__CANCEL;
		b = lsn_call(c->l, &e, who, ANSWER_MS);
		if (b != NULL && b->body_case == SB__ENVELOPE__BODY_JOBS_REP)
			snprintf(line, sizeof(line), "job %" PRIu64
			    " dequeued\n", ji->id);
		else
			snprintf(line, sizeof(line), "job %" PRIu64 ": %s\n",
			    ji->id,
			    b != NULL &&
				    b->body_case == SB__ENVELOPE__BODY_ERROR_REP
				? b->error_rep->message
				: "no answer");
		log_info("lpd %s: remove job %" PRIu64 " as %s: %s",
		    c->peer_str, ji->id, who, line);
		if (b != NULL)
			chan_free(b);
		if (conn_write(c, line, strlen(line)) != 0)
			break;
		/* No list: the agent's first job only (RFC 1179 5.5). */
		if (cmd->nargs == 0)
			break;
	}
	chan_free(a);
}

void
lpd_serve(struct conn *c)
{
	char line[LPD_LINE_MAX + 1], err[160];
	struct lpd_command cmd;
	const struct lsn_queue *q;
	size_t len;

	if (conn_read_line(c, line, sizeof(line), &len) != 0) {
		log_warn("lpd %s: no command: %s", c->peer_str,
		    strerror(errno));
		goto out;
	}
	lsn_set_idle(c, 0);
	if (lpd_parse_command(line, len, &cmd, err, sizeof(err)) != 0) {
		log_warn("lpd %s: %s", c->peer_str, err);
		ack(c, '\1');
		goto out;
	}
	if ((q = lsn_queue(c->l, cmd.queue)) == NULL ||
	    !lsn_allowed(c->l, q, (const struct sockaddr *)&c->peer)) {
		log_warn("lpd %s: queue %s: %s", c->peer_str, cmd.queue,
		    q == NULL ? "no such queue" : "not in its allow list");
		if (cmd.op == LPD_RECEIVE)
			ack(c, '\1');
		else {
			snprintf(line, sizeof(line), "%s: no such queue\n",
			    cmd.queue);
			conn_write(c, line, strlen(line));
		}
		goto out;
	}
	switch (cmd.op) {
	case LPD_PRINT_WAITING:
		break; /* spoolbox always prints what waits */
	case LPD_RECEIVE:
		receive_job(c, q);
		break;
	case LPD_QUEUE_SHORT:
	case LPD_QUEUE_LONG:
		queue_state(c, &cmd, cmd.op == LPD_QUEUE_LONG);
		break;
	case LPD_REMOVE:
		remove_jobs(c, &cmd);
		break;
	}
out:
	lsn_set_idle(c, 0); /* nobody shuts it once closed (and reused) */
	close(c->fd);
}
