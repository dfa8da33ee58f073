/*
 * lprmon: the LPR port monitor role (and AppSocket's, socket://: a TCP
 * stream to a printer, the same privileges). For each DELIVER dispatch
 * to an lpd:// queue it connects to the LPD server, sends the data file straight
 * from the read-only descriptor the broker passed (sendfile: no copy
 * through user space; an Abort from the spooler is looked for between
 * pieces), then the control file, and reports the outcome classified for
 * the spooler: unreachable or dropped = transient (retried with the
 * queue's backoff), refused = permanent. It opens no files.
 * Reports: the reason of every failed delivery, in the job's error.
 */
#include "lprmon.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "log.h"
#include "lpr.h"
#include "util.h"

struct delivery {
	struct worker *w;
	const Sb__JobStart *js;
	int fd;
	int timeout;
	char err[256];
	char aborted[256]; /* the spooler's Abort: why; "" while none */
	int interrupted; /* spooler side failed: not the printer's fault */
};

/* The role's state: the delivery in progress, if any. */
struct lprmon {
	struct worker *w;
	struct delivery *job;
};

static char
lpr_format(int datatype)
{
	switch (datatype) {
	case SB__DATA_TYPE__POSTSCRIPT:
		return 'o';
	case SB__DATA_TYPE__TEXT:
		return 'f';
	default:
		return 'l';
	}
}

static void lprmon_from_broker(void *arg, sb_env *e);

/* Between pieces of data: has the spooler aborted this delivery? */
static int
aborted_cb(void *arg, char *err, size_t errlen)
{
	struct lprmon *m = arg;
	struct delivery *d = m->job;
	sb_env *e;

	while (d->aborted[0] == '\0' &&
	    worker_next(d->w, 0, &e) == WORKER_MSG)
		lprmon_from_broker(m, e);
	if (d->aborted[0] == '\0')
		return 0;
	snprintf(err, errlen, "aborted: %s", d->aborted);
	d->interrupted = 1;
	return 1;
}

/* The control file, sized for the job's copies (a print line each, as
 * RFC 1179 carries copies): malloc'd into *ctl, its length; or -1. */
static int
control_file(const struct lpr_job *lj, const char *df, char **ctl)
{
	size_t len = 1024 + (size_t)(lj->copies ? lj->copies : 1) *
	    (strlen(df) + 2);
	int n;

	if ((*ctl = malloc(len)) == NULL)
		return -1;
	if ((n = lpr_control_file(lj, *ctl, len)) < 0) {
		free(*ctl);
		*ctl = NULL;
	}
	return n;
}

static int
deliver(struct lprmon *m, struct delivery *d, const struct sb_uri *u)
{
	const Sb__JobStart *js = d->js;
	char host[64], df[64], cf[64], *ctl;
	struct lpr_job lj = { 0 };
	int rv, n;

	if (gethostname(host, sizeof(host)) != 0)
		snprintf(host, sizeof(host), "localhost");
	host[sizeof(host) - 1] = '\0';
	lj.host = host;
	lj.user = js->user;
	lj.title = js->title;
	lj.filename = js->filename;
	lj.jobno = (unsigned)(js->job_id % 1000);
	lj.copies = js->copies;
	lj.format = lpr_format(js->to);
	lpr_file_name(&lj, 'd', df, sizeof(df));
	lpr_file_name(&lj, 'c', cf, sizeof(cf));
	if ((n = control_file(&lj, df, &ctl)) < 0) {
		snprintf(d->err, sizeof(d->err), "no control file: out of "
		    "memory");
		return LPR_TRANSIENT;
	}
	d->fd = lpr_connect(u->host, u->port,
	    (int)d->w->cfg->connect_timeout_ms, d->err, sizeof(d->err));
	if (d->fd < 0) {
		/* The seed's "event 2004": a failed connection. */
		worker_leak(d->w);
		free(ctl);
		return d->fd;
	}
	if ((rv = lpr_receive_job(d->fd, u->path, d->timeout, d->err,
		 sizeof(d->err))) != 0 ||
	    (rv = lpr_subcommand(d->fd, 3, js->size, df, d->timeout, d->err,
		 sizeof(d->err))) != 0 ||
	    (rv = lpr_sendfile(d->fd, d->w->job_fd, js->size, d->timeout,
		 aborted_cb, m, d->err, sizeof(d->err))) != 0 ||
	    (rv = lpr_end_file(d->fd, d->timeout, d->err,
		 sizeof(d->err))) != 0 ||
	    (rv = lpr_subcommand(d->fd, 2, (uint64_t)n, cf, d->timeout,
		 d->err, sizeof(d->err))) != 0 ||
	    (rv = lpr_send(d->fd, ctl, (size_t)n, d->timeout, d->err,
		 sizeof(d->err))) != 0 ||
	    (rv = lpr_end_file(d->fd, d->timeout, d->err, sizeof(d->err))) !=
		0) {
		free(ctl);
		return rv;
	}
	free(ctl);
	return LPR_OK;
}

/* AppSocket (JetDirect, socket://host[:9100]): the job's bytes as they
 * are, a half-close, then what the printer says back (PJL status) until
 * it closes or io_timeout passes, into the log. */
static int
deliver_socket(struct lprmon *m, struct delivery *d, const struct sb_uri *u)
{
	char said[256];
	int rv, closed;

	d->fd = lpr_connect(u->host, u->port ? u->port : 9100,
	    (int)d->w->cfg->connect_timeout_ms, d->err, sizeof(d->err));
	if (d->fd < 0) {
		worker_leak(d->w);
		return d->fd;
	}
	if ((rv = lpr_sendfile(d->fd, d->w->job_fd, d->js->size, d->timeout,
		 aborted_cb, m, d->err, sizeof(d->err))) != 0)
		return rv;
	if (shutdown(d->fd, SHUT_WR) != 0) {
		snprintf(d->err, sizeof(d->err), "printer closed the "
		    "connection: %s", strerror(errno));
		return LPR_TRANSIENT;
	}
	closed = lpr_drain(d->fd, d->timeout, said, sizeof(said));
	if (said[0] != '\0')
		log_info("job %llu: the printer at %s:%u said: %s",
		    (unsigned long long)d->js->job_id, u->host,
		    u->port ? u->port : 9100, said);
	if (!closed)
		log_info("job %llu: the printer at %s:%u kept the connection "
		    "open %d ms after the job; closed by spoolbox",
		    (unsigned long long)d->js->job_id, u->host,
		    u->port ? u->port : 9100, d->timeout);
	return LPR_OK;
}

static void
run_job(struct lprmon *m, const Sb__JobStart *js)
{
	struct worker *w = m->w;
	struct delivery d = { .w = w, .js = js, .fd = -1 };
	char landed[1400];
	struct sb_uri u;
	int rv;

	if (worker_job_begin(w, js) != 0)
		return;
	d.timeout = (int)w->cfg->io_timeout_ms;
	if (uri_parse(js->uri, &u, d.err, sizeof(d.err)) != 0 ||
	    (strcmp(u.scheme, "lpd") != 0 && strcmp(u.scheme, "socket") != 0)) {
		rv = LPR_PERMANENT;
	} else if (js->size == 0) {
		/* Nothing to print, and LPRng and others read a data file of
		 * count 0 as "until the connection closes": do not send. */
		rv = LPR_OK;
	} else {
		m->job = &d;
		rv = strcmp(u.scheme, "socket") == 0 ? deliver_socket(m, &d, &u)
						      : deliver(m, &d, &u);
		m->job = NULL;
	}
	if (d.fd >= 0)
		close(d.fd);
	if (rv == LPR_OK) {
		snprintf(landed, sizeof(landed), "%s://%s:%u%s%s%s", u.scheme,
		    u.host, u.port ? u.port : u.scheme[0] == 's' ? 9100 : 515,
		    u.path[0] ? "/" : "", u.path,
		    js->size == 0 ? " (empty job: nothing sent)" : "");
		worker_job_done(w, js, SB__RESULT__OK, NULL, 0, landed);
	} else {
		worker_job_done(w, js, d.interrupted ? SB__RESULT__INTERRUPTED
		    : rv == LPR_TRANSIENT	  ? SB__RESULT__TRANSIENT
						  : SB__RESULT__PERMANENT,
		    d.err, 0, NULL);
	}
}

/* The one place lprmon decides what a message from the broker means. */
static void
lprmon_from_broker(void *arg, sb_env *e)
{
	struct lprmon *m = arg;

	switch (e->body_case) {
	case SB__ENVELOPE__BODY_JOB_START:
		if (m->job != NULL || e->job_start->stage != SB__STAGE__DELIVER)
			worker_violation(m->w, e);
		run_job(m, e->job_start);
		break;
	case SB__ENVELOPE__BODY_ABORT:
		if (m->job == NULL)
			worker_violation(m->w, e);
		snprintf(m->job->aborted, sizeof(m->job->aborted), "%s",
		    e->abort->reason[0] ? e->abort->reason : "by the spooler");
		break;
	default:
		worker_violation(m->w, e);
	}
	chan_free(e);
}

void
lprmon_run(struct worker *w)
{
	struct lprmon m = { .w = w };

	worker_serve(w, lprmon_from_broker, &m);
}
