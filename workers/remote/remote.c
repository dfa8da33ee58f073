/*
 * remote: the remote print provider role. For each DELIVER dispatch to an
 * ipp:// or ipps:// queue it connects to the printer (ipps: the
 * certificate checked as the queue says), asks what the printer takes and
 * how it is (Get-Printer-Attributes), streams the job from the read-only
 * descriptor the broker passed (Create-Job + Send-Document, or
 * Print-Job), follows the remote job until it is final, and reports the
 * outcome classified for the spooler, with the remote job id and state
 * in where it landed and the printer's state for `spoolbox queues`. An
 * Abort from the spooler cancels the remote job (Cancel-Job). The
 * connection is closed on every path.
 * Reports: the reason of every failed delivery, in the job's error.
 */
#include "remote.h"

#include <stdio.h>
#include <string.h>

#include "caps.h"
#include "config.h"
#include "ipp.h"
#include "log.h"

/* The role's state: the delivery in progress, if any. */
struct remote {
	struct worker *w;
	char aborted[256];      /* the spooler's Abort: why; "" while none */
	int busy;
};

static void remote_from_broker(void *arg, sb_env *e);

/* Between steps: has the spooler aborted this delivery? */
static int
aborted_cb(void *arg, char *err, size_t errlen)
{
	struct remote *r = arg;
	sb_env *e;

	while (r->aborted[0] == '\0' && worker_next(r->w, 0, &e) == WORKER_MSG)
		remote_from_broker(r, e);
	if (r->aborted[0] == '\0')
		return 0;
	snprintf(err, errlen, "aborted: %s", r->aborted);
	return 1;
}

static int
result_of(int rv, const struct remote *r)
{
	if (r->aborted[0] != '\0')
		return SB__RESULT__INTERRUPTED;
	return rv == IPPC_OK ? SB__RESULT__OK
	    : rv == IPPC_TRANSIENT ? SB__RESULT__TRANSIENT
				   : SB__RESULT__PERMANENT;
}

/* The sb.DataTypes the printer takes, 1 << type each (0: it did not
 * say); localspl converts a job the printer refuses to one of these. */
static uint32_t
takes_mask(const struct ipp_printer *p)
{
	uint32_t mask = 0;

	if (p->formats[0] == '\0')
		return 0;
	for (int dt = SB__DATA_TYPE__RAW; dt <= SB__DATA_TYPE__JPEG; dt++)
		if (dt != SB__DATA_TYPE__AUTO && ipp_takes(p, ipp_mime(dt)))
			mask |= 1u << dt;
	return mask;
}

/* One delivery; its outcome goes back with JobDone. */
static void
deliver(struct remote *r, const Sb__JobStart *js)
{
	struct ipp_target t = { .uri = js->uri, .ca_pem = js->ca_pem,
		.pin_sha256 = js->pin_sha256,
		.timeout_ms = (int)r->w->cfg->io_timeout_ms,
		.connect_ms = (int)r->w->cfg->connect_timeout_ms };
	struct ipp_job j = { .name = js->title, .user = js->user,
		.format = ipp_mime(js->to), .copies = js->copies,
		.sides = js->sides, .media = js->media,
		.scaling = js->print_scaling,
		/* A document spoolbox laid out is turned already. */
		.orientation = js->from == js->to ? (int)js->orientation : 0 };
	char err[512] = "", landed[1400] = "", state[320] = "";
	struct ipp_printer p = { .formats = "" };
	struct ipp_conn *c;
	int rv, id = 0, jstate = 0;

	if ((c = ipp_open(&t, &rv, err, sizeof(err))) == NULL)
		goto done;
	if ((rv = ipp_printer(c, &p, err, sizeof(err))) != IPPC_OK)
		goto done;
	ipp_printer_describe(&p, state, sizeof(state));
	if (!p.accepting || p.state == 5) {
		snprintf(err, sizeof(err), "printer %s", state);
		rv = IPPC_TRANSIENT;
		goto done;
	}
	/* Printer languages go as application/octet-stream (auto-sensed)
	 * to a printer that does not name them. */
	if (!ipp_takes(&p, j.format) && datatype_printer_ready(js->to) &&
	    ipp_takes(&p, ipp_mime(SB__DATA_TYPE__RAW)))
		j.format = ipp_mime(SB__DATA_TYPE__RAW);
	if (!ipp_takes(&p, j.format)) {
		snprintf(err, sizeof(err), "the printer does not take %s (it "
		    "takes %.400s)", j.format, p.formats);
		rv = IPPC_PERMANENT;
		goto done;
	}
	rv = ipp_print(c, &p, &j, r->w->job_fd, js->size, aborted_cb, r, &id,
	    err, sizeof(err));
	if (rv == IPPC_OK)
		rv = ipp_follow(c, id, aborted_cb, r, &jstate, err,
		    sizeof(err));
	if (rv == IPPC_OK && (jstate == 7 /* canceled */ ||
				 jstate == 8 /* aborted */)) {
		snprintf(err, sizeof(err), "remote job %d %s at the printer",
		    id, ipp_job_state_name(jstate));
		rv = IPPC_PERMANENT;
	}
	snprintf(landed, sizeof(landed), "%s, remote job %d %s", js->uri, id,
	    jstate ? ipp_job_state_name(jstate) : "accepted");
done:
	ipp_close(c);
	worker_job_done_state(r->w, js, result_of(rv, r),
	    rv == IPPC_OK ? NULL : err, 0, rv == IPPC_OK ? landed : NULL,
	    state, takes_mask(&p), p.changed);
}

/* What the printer of a queue can do (the broker asks an idle remote):
 * PrinterCaps back, with why in error when the printer did not say. */
static void
probe(struct remote *r, const Sb__CapsReq *q)
{
	struct ipp_target t = { .uri = q->uri, .ca_pem = q->ca_pem,
		.pin_sha256 = q->pin_sha256,
		.timeout_ms = (int)r->w->cfg->io_timeout_ms,
		.connect_ms = (int)r->w->cfg->connect_timeout_ms };
	Sb__PrinterCaps caps = SB__PRINTER_CAPS__INIT;
	char err[512] = "";
	struct ipp_conn *c;
	ipp_t *resp = NULL;
	int rv;
	sb_env e;

	if ((c = ipp_open(&t, &rv, err, sizeof(err))) != NULL)
		resp = ipp_caps(c, &rv, err, sizeof(err));
	ipp_close(c);
	if (resp != NULL)
		caps_read(resp, &caps);
	ippDelete(resp);
	caps.token = q->token;
	caps.queue = q->queue;
	caps.error = err;
	chan_env_init(&e);
	e.body_case = SB__ENVELOPE__BODY_PRINTER_CAPS;
	e.printer_caps = &caps;
	worker_send(r->w, &e);
	caps.queue = caps.error = NULL;
	if (resp != NULL)
		caps_free(&caps);
}

/* The one place remote decides what a message from the broker means. */
static void
remote_from_broker(void *arg, sb_env *e)
{
	struct remote *r = arg;

	switch (e->body_case) {
	case SB__ENVELOPE__BODY_JOB_START:
		if (r->busy || e->job_start->stage != SB__STAGE__DELIVER)
			worker_violation(r->w, e);
		if (worker_job_begin(r->w, e->job_start) != 0)
			break;
		r->busy = 1;
		r->aborted[0] = '\0';
		deliver(r, e->job_start);
		r->busy = 0;
		break;
	case SB__ENVELOPE__BODY_CAPS_REQ:
		if (r->busy)
			worker_violation(r->w, e);
		probe(r, e->caps_req);
		break;
	case SB__ENVELOPE__BODY_ABORT:
		if (!r->busy)
			worker_violation(r->w, e);
		snprintf(r->aborted, sizeof(r->aborted), "%s",
		    e->abort->reason[0] ? e->abort->reason : "by the spooler");
		break;
	default:
		worker_violation(r->w, e);
	}
	chan_free(e);
}

void
remote_run(struct worker *w)
{
	struct remote r = { .w = w };

	worker_serve(w, remote_from_broker, &r);
}
