/*
 * lprmon: the LPR port monitor role. For each DELIVER dispatch to an
 * lpd:// queue it connects to the LPD server, sends the data file while
 * pulling it from localspl (jobin, a window of chunks in flight), then the
 * control file, and reports the outcome classified for the spooler:
 * unreachable or dropped = transient (retried with the queue's backoff),
 * refused = permanent. It opens no files.
 * Reports: the reason of every failed delivery, in the job's error.
 */
#include "lprmon.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "jobin.h"
#include "log.h"
#include "lpr.h"
#include "util.h"

#define WINDOW 4

struct delivery {
	struct worker *w;
	const Sb__JobStart *js;
	int fd;
	int timeout;
	char err[256];
	int interrupted; /* spooler side failed: not the printer's fault */
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

/* Stream the job's bytes from the spooler to the server. */
static int
send_data(struct delivery *d)
{
	struct jobin job, *in = &job;
	sb_env *e;
	int rv;

	jobin_init(in, d->w, d->js->token, d->js->size, WINDOW);
	while (!jobin_done(in)) {
		jobin_request(in);
		e = worker_recv(d->w, d->timeout);
		if (e == NULL) {
			if (d->w->draining)
				continue;
			snprintf(d->err, sizeof(d->err),
			    "no data from the spooler in time");
			d->interrupted = 1;
			return LPR_TRANSIENT;
		}
		if (e->body_case != SB__ENVELOPE__BODY_DATA_CHUNK)
			worker_violation(d->w, e);
		if (e->data_chunk->token != in->token) {
			/* Left over from a dispatch that ended early. */
			chan_free(e);
			continue;
		}
		if (jobin_accept(in, e->data_chunk, d->err,
			sizeof(d->err)) != 0) {
			chan_free(e);
			d->interrupted = 1;
			return LPR_TRANSIENT;
		}
		rv = lpr_send(d->fd, e->data_chunk->data.data,
		    e->data_chunk->data.len, d->timeout, d->err,
		    sizeof(d->err));
		chan_free(e);
		if (rv != LPR_OK)
			return rv;
	}
	return LPR_OK;
}

static int
deliver(struct delivery *d, const struct sb_uri *u)
{
	const Sb__JobStart *js = d->js;
	char host[64], df[64], cf[64], ctl[2048];
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
	if ((n = lpr_control_file(&lj, ctl, sizeof(ctl))) < 0) {
		snprintf(d->err, sizeof(d->err), "control file too long");
		return LPR_PERMANENT;
	}
	d->fd = lpr_connect(u->host, u->port, d->timeout, d->err,
	    sizeof(d->err));
	if (d->fd < 0) {
		/* The seed's "event 2004": a failed connection. */
		worker_leak(d->w);
		return d->fd;
	}
	if ((rv = lpr_receive_job(d->fd, u->path, d->timeout, d->err,
		 sizeof(d->err))) != 0 ||
	    (rv = lpr_subcommand(d->fd, 3, js->size, df, d->timeout, d->err,
		 sizeof(d->err))) != 0 ||
	    (rv = send_data(d)) != 0 ||
	    (rv = lpr_end_file(d->fd, d->timeout, d->err,
		 sizeof(d->err))) != 0 ||
	    (rv = lpr_subcommand(d->fd, 2, (uint64_t)n, cf, d->timeout,
		 d->err, sizeof(d->err))) != 0 ||
	    (rv = lpr_send(d->fd, ctl, (size_t)n, d->timeout, d->err,
		 sizeof(d->err))) != 0 ||
	    (rv = lpr_end_file(d->fd, d->timeout, d->err, sizeof(d->err))) !=
		0)
		return rv;
	return LPR_OK;
}

static void
run_job(struct worker *w, const Sb__JobStart *js)
{
	struct delivery d = { .w = w, .js = js, .fd = -1 };
	char landed[1400];
	struct sb_uri u;
	int rv;

	d.timeout = (int)w->cfg->io_timeout_ms;
	if (uri_parse(js->uri, &u, d.err, sizeof(d.err)) != 0 ||
	    strcmp(u.scheme, "lpd") != 0) {
		rv = LPR_PERMANENT;
	} else if (js->size == 0) {
		/* Nothing to print, and LPRng and others read a data file of
		 * count 0 as "until the connection closes": do not send. */
		rv = LPR_OK;
	} else {
		rv = deliver(&d, &u);
	}
	if (d.fd >= 0)
		close(d.fd);
	if (rv == LPR_OK) {
		snprintf(landed, sizeof(landed), "lpd://%s:%u/%s%s", u.host,
		    u.port ? u.port : 515, u.path,
		    js->size == 0 ? " (empty job: nothing sent)" : "");
		worker_job_done(w, js, SB__RESULT__OK, NULL, 0, landed);
	} else {
		worker_job_done(w, js, d.interrupted ? SB__RESULT__INTERRUPTED
		    : rv == LPR_TRANSIENT	  ? SB__RESULT__TRANSIENT
						  : SB__RESULT__PERMANENT,
		    d.err, 0, NULL);
	}
}

void
lprmon_run(struct worker *w)
{
	sb_env *e;

	for (;;) {
		e = worker_recv(w, -1);
		if (e == NULL) {
			if (w->draining)
				worker_drained(w);
			continue;
		}
		if (e->body_case == SB__ENVELOPE__BODY_DATA_CHUNK) {
			/* Left over from a dispatch that already ended. */
			chan_free(e);
			continue;
		}
		if (e->body_case != SB__ENVELOPE__BODY_JOB_START ||
		    e->job_start->stage != SB__STAGE__DELIVER)
			worker_violation(w, e);
		worker_leak(w);
		run_job(w, e->job_start);
		chan_free(e);
		worker_job_finished(w);
		if (w->draining)
			worker_drained(w);
	}
}
