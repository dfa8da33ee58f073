/*
 * ippserve: an IPP/1.1 and 2.0 server for ipp://HOST:PORT/printers/QUEUE on
 * libcups' server-side HTTP and IPP API (httpAcceptConnection,
 * httpReadRequest, ippRead, ippWrite), as CUPS' ippeveprinter uses it: no
 * encoding or framing of our own. Print-Job, Validate-Job, Create-Job +
 * Send-Document, Cancel-Job, Get-Job-Attributes, Get-Jobs,
 * Get-Printer-Attributes, Identify-Printer. A document streams from
 * httpRead2() into the job's upload (upload.c); the job is acknowledged
 * (its job-id sent) only once localspl has it on stable storage.
 * Reports: a line per job taken, per refusal, per request that is not
 * IPP.
 */
#define _GNU_SOURCE
#include "listener.h"
#include "metrics.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>

#include <cups/cups.h>
#include <cups/http.h>
#include <cups/ipp.h>

#include "config.h"
#include "log.h"
#include "util.h"
#include "vocab.h"

#define ANSWER_MS 30000

/* One request on one connection. */
struct req {
	struct conn *c;
	http_t *http;
	ipp_t *in, *out;
	const struct lsn_queue *q;
	char host[256];          /* as the client reached us (Host:) */
	char user[128];          /* the network identity */
	char name[64];           /* requesting-user-name */
};

static void cancel_one(struct req *r, uint64_t id);

/* MIME types and what spoolbox calls them; AUTO: detected. */
static const struct {
	const char *mime;
	int type;
} formats[] = {
	{ "application/octet-stream", SB__DATA_TYPE__AUTO },
	{ "application/pdf", SB__DATA_TYPE__PDF },
	{ "application/postscript", SB__DATA_TYPE__POSTSCRIPT },
	{ "text/plain", SB__DATA_TYPE__TEXT },
	{ "image/jpeg", SB__DATA_TYPE__JPEG },
	{ "image/png", SB__DATA_TYPE__PNG },
	{ "application/vnd.hp-pcl", SB__DATA_TYPE__PCL },
	{ "image/pwg-raster", SB__DATA_TYPE__PWG_RASTER },
	{ "image/urf", SB__DATA_TYPE__URF },
};
#define NFORMATS (sizeof(formats) / sizeof(formats[0]))

/* Does q take documents of type t? A queue with a datatype takes what
 * the print processor converts to it; a raw queue takes anything. */
static int
takes(const struct lsn_queue *q, int t)
{
	int dt = (int)q->cfg->datatype;

	if (t == SB__DATA_TYPE__AUTO || dt == SB__DATA_TYPE__RAW ||
	    dt == SB__DATA_TYPE__DT_NONE)
		return 1;
	return conversion_exists(t, dt) || datatype_printer_ready(t);
}

/* -1: a format spoolbox does not know. */
static int
format_type(const char *mime)
{
	for (size_t i = 0; i < NFORMATS; i++)
		if (strcasecmp(mime, formats[i].mime) == 0)
			return formats[i].type;
	return -1;
}

void *
ipp_accept(int listen_fd)
{
	/* Blocking: libcups' non-blocking reads wait 10 s for bytes a
	 * complete request does not have. The socket's own timeouts (a
	 * step) bound every read and write instead (ipp_serve). */
	return httpAcceptConnection(listen_fd, 1);
}

int
ipp_fd(void *http)
{
	return httpGetFd(http);
}

void
ipp_close(void *http)
{
	httpClose(http);
}

void
ipp_init(struct lsn *l)
{
	(void)l;
	/* libcups' per-thread globals and its locale are set up on first
	 * use; take that here, before any connection. */
	ipp_t *t = ippNew();
	ippDelete(t);
}

static void
status(struct req *r, ipp_status_t st, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void
status(struct req *r, ipp_status_t st, const char *fmt, ...)
{
	char msg[256];
	va_list ap;

	ippSetStatusCode(r->out, st);
	if (fmt == NULL)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	ippAddString(r->out, IPP_TAG_OPERATION, IPP_TAG_TEXT, "status-message",
	    NULL, msg);
}

static void
printer_uri(const struct req *r, char *buf, size_t len)
{
	snprintf(buf, len, "ipp://%s/printers/%s", r->host, r->q->cfg->name);
}

/* A stable printer-uuid for the queue as reached at host: FNV-1a of
 * both, laid out as a UUID. */
static void
printer_uuid(const struct req *r, char *buf, size_t len)
{
	uint64_t h[2] = { 1469598103934665603ULL, 1099511628211ULL * 7 };
	const char *parts[] = { "spoolbox", r->host, r->q->cfg->name };

	for (int k = 0; k < 2; k++)
		for (size_t i = 0; i < 3; i++)
			for (const char *p = parts[i]; *p; p++) {
				h[k] ^= (unsigned char)*p + (unsigned)k;
				h[k] *= 1099511628211ULL;
			}
	snprintf(buf, len, "urn:uuid:%08x-%04x-5%03x-%04x-%012" PRIx64,
	    (unsigned)(h[0] >> 32), (unsigned)(h[0] >> 16) & 0xffff,
	    (unsigned)h[0] & 0xfff, 0x8000 | ((unsigned)(h[1] >> 48) & 0x3fff),
	    (uint64_t)(h[1] & 0xffffffffffffULL));
}

/* The media spoolbox offers: A4 and US Letter (paper_points()). */
static const char *const media[] = { "iso_a4_210x297mm",
	"na_letter_8.5x11in" };

static const char *
media_name(const struct lsn_queue *q)
{
	if (q->cfg->media[0] != '\0')
		return q->cfg->media;
	return strcasecmp(q->cfg->paper, "letter") == 0 ? media[1] : media[0];
}

static ipp_t *
media_col(const char *name)
{
	ipp_t *col = ippNew(), *size = ippNew();
	int letter = strcmp(name, media[1]) == 0;

	ippAddInteger(size, IPP_TAG_ZERO, IPP_TAG_INTEGER, "x-dimension",
	    letter ? 21590 : 21000);
	ippAddInteger(size, IPP_TAG_ZERO, IPP_TAG_INTEGER, "y-dimension",
	    letter ? 27940 : 29700);
	ippAddCollection(col, IPP_TAG_ZERO, "media-size", size);
	ippAddString(col, IPP_TAG_ZERO, IPP_TAG_KEYWORD, "media-size-name",
	    NULL, name);
	ippDelete(size);
	return col;
}

/* What IPP Everywhere clients look for beyond RFC 8011 (PWG 5100.14):
 * spoolbox passes the job on and does not finish, bin or colour it. */
static void
everywhere_attrs(struct req *r, ipp_t *a)
{
	static const char *const raster_types[] = { "black_1", "sgray_8",
		"srgb_8" };
	static const char *const color_modes[] = { "auto", "monochrome" };
	static const int res[] = { 300, 600 };
	ipp_attribute_t *sizes = NULL, *db = NULL;
	char devid[256];
	time_t up = (time_t)(r->c->l->started_wall_ms / 1000);

	for (int i = 0; i < 2; i++) {
		ipp_t *col = media_col(media[i]);
		ipp_t *size = ippGetCollection(ippFindAttribute(col,
		    "media-size", IPP_TAG_BEGIN_COLLECTION), 0);
		if (sizes == NULL)
			sizes = ippAddCollection(a, IPP_TAG_PRINTER,
			    "media-size-supported", size);
		else
			ippSetCollection(a, &sizes, ippGetCount(sizes), size);
		if (db == NULL)
			db = ippAddCollection(a, IPP_TAG_PRINTER,
			    "media-col-database", col);
		else
			ippSetCollection(a, &db, ippGetCount(db), col);
		ippDelete(col);
	}
	ippAddInteger(a, IPP_TAG_PRINTER, IPP_TAG_ENUM, "finishings-default",
	    IPP_FINISHINGS_NONE);
	ippAddInteger(a, IPP_TAG_PRINTER, IPP_TAG_ENUM, "finishings-supported",
	    IPP_FINISHINGS_NONE);
	ippAddString(a, IPP_TAG_PRINTER, IPP_TAG_KEYWORD, "output-bin-default",
	    NULL, "face-down");
	ippAddString(a, IPP_TAG_PRINTER, IPP_TAG_KEYWORD,
	    "output-bin-supported", NULL, "face-down");
	ippAddString(a, IPP_TAG_PRINTER, IPP_TAG_KEYWORD,
	    "media-source-supported", NULL, "auto");
	ippAddString(a, IPP_TAG_PRINTER, IPP_TAG_KEYWORD,
	    "media-type-supported", NULL, "stationery");
	ippAddInteger(a, IPP_TAG_PRINTER, IPP_TAG_INTEGER,
	    "media-bottom-margin-supported", 423);
	ippAddInteger(a, IPP_TAG_PRINTER, IPP_TAG_INTEGER,
	    "media-left-margin-supported", 423);
	ippAddInteger(a, IPP_TAG_PRINTER, IPP_TAG_INTEGER,
	    "media-right-margin-supported", 423);
	ippAddInteger(a, IPP_TAG_PRINTER, IPP_TAG_INTEGER,
	    "media-top-margin-supported", 423);
	ippAddString(a, IPP_TAG_PRINTER, IPP_TAG_KEYWORD,
	    "identify-actions-default", NULL, "display");
	ippAddString(a, IPP_TAG_PRINTER, IPP_TAG_KEYWORD,
	    "identify-actions-supported", NULL, "display");
	ippAddInteger(a, IPP_TAG_PRINTER, IPP_TAG_INTEGER,
	    "multiple-operation-time-out",
	    (int)(r->c->l->w->cfg->step_timeout_ms / 1000));
	ippAddString(a, IPP_TAG_PRINTER, IPP_TAG_KEYWORD,
	    "multiple-operation-time-out-action", NULL, "abort-job");
	ippAddBoolean(a, IPP_TAG_PRINTER, "preferred-attributes-supported", 0);
	ippAddBoolean(a, IPP_TAG_PRINTER, "page-ranges-supported", 0);
	ippAddString(a, IPP_TAG_PRINTER, IPP_TAG_KEYWORD,
	    "print-color-mode-default", NULL, "auto");
	ippAddStrings(a, IPP_TAG_PRINTER, IPP_TAG_KEYWORD,
	    "print-color-mode-supported", 2, NULL, color_modes);
	ippAddString(a, IPP_TAG_PRINTER, IPP_TAG_KEYWORD,
	    "print-content-optimize-default", NULL, "auto");
	ippAddString(a, IPP_TAG_PRINTER, IPP_TAG_KEYWORD,
	    "print-content-optimize-supported", NULL, "auto");
	ippAddString(a, IPP_TAG_PRINTER, IPP_TAG_KEYWORD,
	    "print-rendering-intent-default", NULL, "auto");
	ippAddString(a, IPP_TAG_PRINTER, IPP_TAG_KEYWORD,
	    "print-rendering-intent-supported", NULL, "auto");
	ippAddDate(a, IPP_TAG_PRINTER, "printer-config-change-date-time",
	    ippTimeToDate(up));
	ippAddInteger(a, IPP_TAG_PRINTER, IPP_TAG_INTEGER,
	    "printer-config-change-time", (int)up);
	ippAddDate(a, IPP_TAG_PRINTER, "printer-state-change-date-time",
	    ippTimeToDate(up));
	ippAddInteger(a, IPP_TAG_PRINTER, IPP_TAG_INTEGER,
	    "printer-state-change-time", (int)up);
	snprintf(devid, sizeof(devid), "MFG:spoolbox;MDL:%s;CMD:%s;",
	    r->q->cfg->name,
	    r->q->cfg->datatype == SB__DATA_TYPE__POSTSCRIPT ? "PS"
	    : r->q->cfg->datatype == SB__DATA_TYPE__PDF	     ? "PDF"
							     : "PDF,PS,PCL,PWGRaster,URF");
	ippAddString(a, IPP_TAG_PRINTER, IPP_TAG_TEXT, "printer-device-id",
	    NULL, devid);
	ippAddOutOfBand(a, IPP_TAG_PRINTER, IPP_TAG_UNKNOWN,
	    "printer-geo-location");
	ippAddString(a, IPP_TAG_PRINTER, IPP_TAG_KEYWORD,
	    "printer-get-attributes-supported", NULL, "document-format");
	ippAddString(a, IPP_TAG_PRINTER, IPP_TAG_TEXT, "printer-organization",
	    NULL, "");
	ippAddString(a, IPP_TAG_PRINTER, IPP_TAG_TEXT,
	    "printer-organizational-unit", NULL, "");
	if (!takes(r->q, SB__DATA_TYPE__PWG_RASTER))
		return;
	/* Raster goes to the printer as it is: what it takes is the
	 * printer's business; these are what IPP Everywhere printers do. */
	ippAddString(a, IPP_TAG_PRINTER, IPP_TAG_KEYWORD,
	    "ipp-features-supported", NULL, "ipp-everywhere");
	ippAddResolutions(a, IPP_TAG_PRINTER,
	    "pwg-raster-document-resolution-supported", 2, IPP_RES_PER_INCH,
	    res, res);
	ippAddString(a, IPP_TAG_PRINTER, IPP_TAG_KEYWORD,
	    "pwg-raster-document-sheet-back", NULL, "normal");
	ippAddStrings(a, IPP_TAG_PRINTER, IPP_TAG_KEYWORD,
	    "pwg-raster-document-type-supported", 3, NULL, raster_types);
}

/* What a queue says of itself; the live part from localspl. */
static ipp_t *
printer_attrs(struct req *r, const Sb__QueueInfo *qi)
{
	static const char *const charsets[] = { "us-ascii", "utf-8" };
	static const char *const versions[] = { "1.1", "2.0" };
	static const char *const sides[] = { "one-sided",
		"two-sided-long-edge", "two-sided-short-edge" };
	static const char *const which[] = { "completed", "not-completed" };
	static const char *const creation[] = { "copies", "media", "media-col",
		"sides", "orientation-requested", "print-quality",
		"multiple-document-handling" };
	static const char *const mdh[] = {
		"separate-documents-collated-copies",
		"separate-documents-uncollated-copies" };
	static const int ops[] = { IPP_OP_PRINT_JOB, IPP_OP_VALIDATE_JOB,
		IPP_OP_CREATE_JOB, IPP_OP_SEND_DOCUMENT, IPP_OP_CANCEL_JOB,
		IPP_OP_GET_JOB_ATTRIBUTES, IPP_OP_GET_JOBS,
		IPP_OP_GET_PRINTER_ATTRIBUTES, IPP_OP_CANCEL_MY_JOBS,
		IPP_OP_CLOSE_JOB, IPP_OP_IDENTIFY_PRINTER };
	static const int orient[] = { IPP_ORIENT_PORTRAIT,
		IPP_ORIENT_LANDSCAPE };
	static const int quality[] = { IPP_QUALITY_DRAFT, IPP_QUALITY_NORMAL,
		IPP_QUALITY_HIGH };
	const Sb__QueueConfig *q = r->q->cfg;
	const char *fmts[NFORMATS], *dmedia = media_name(r->q);
	char uri[1100], more[1100], uuid[64];
	size_t nf = 0;
	ipp_t *a = ippNew(), *col;
	int stopped = qi != NULL && strcmp(qi->state, "ready") != 0;
	int busy = qi != NULL && qi->active > 0;

	for (size_t i = 0; i < NFORMATS; i++)
		if (takes(r->q, formats[i].type))
			fmts[nf++] = formats[i].mime;
	printer_uri(r, uri, sizeof(uri));
	snprintf(more, sizeof(more), "http://%s/printers/%s", r->host, q->name);
	printer_uuid(r, uuid, sizeof(uuid));
	ippAddString(a, IPP_TAG_PRINTER, IPP_TAG_URI, "printer-uri-supported",
	    NULL, uri);
	ippAddString(a, IPP_TAG_PRINTER, IPP_TAG_KEYWORD,
	    "uri-security-supported", NULL, "none");
	ippAddString(a, IPP_TAG_PRINTER, IPP_TAG_KEYWORD,
	    "uri-authentication-supported", NULL, "requesting-user-name");
	ippAddString(a, IPP_TAG_PRINTER, IPP_TAG_NAME, "printer-name", NULL,
	    q->name);
	ippAddString(a, IPP_TAG_PRINTER, IPP_TAG_TEXT, "printer-info", NULL,
	    q->description[0] ? q->description : q->name);
	ippAddString(a, IPP_TAG_PRINTER, IPP_TAG_TEXT, "printer-location",
	    NULL, "");
	ippAddString(a, IPP_TAG_PRINTER, IPP_TAG_TEXT,
	    "printer-make-and-model", NULL, "spoolbox queue");
	ippAddString(a, IPP_TAG_PRINTER, IPP_TAG_URI, "printer-more-info",
	    NULL, more);
	ippAddString(a, IPP_TAG_PRINTER, IPP_TAG_URI, "printer-uuid", NULL,
	    uuid);
	ippAddInteger(a, IPP_TAG_PRINTER, IPP_TAG_ENUM, "printer-state",
	    stopped ? IPP_PSTATE_STOPPED
	    : busy  ? IPP_PSTATE_PROCESSING
		    : IPP_PSTATE_IDLE);
	ippAddString(a, IPP_TAG_PRINTER, IPP_TAG_KEYWORD,
	    "printer-state-reasons", NULL, stopped ? "paused" : "none");
	ippAddString(a, IPP_TAG_PRINTER, IPP_TAG_TEXT, "printer-state-message",
	    NULL, qi != NULL && qi->reason[0] ? qi->reason
	    : stopped			      ? "stopped"
					      : "ready");
	ippAddBoolean(a, IPP_TAG_PRINTER, "printer-is-accepting-jobs", 1);
	ippAddInteger(a, IPP_TAG_PRINTER, IPP_TAG_INTEGER, "queued-job-count",
	    qi != NULL ? (int)(qi->pending + qi->active) : 0);
	ippAddInteger(a, IPP_TAG_PRINTER, IPP_TAG_INTEGER, "printer-up-time",
	    (int)time(NULL));
	ippAddDate(a, IPP_TAG_PRINTER, "printer-current-time",
	    ippTimeToDate(time(NULL)));
	ippAddStrings(a, IPP_TAG_PRINTER, IPP_TAG_KEYWORD, "ipp-versions-supported",
	    2, NULL, versions);
	ippAddIntegers(a, IPP_TAG_PRINTER, IPP_TAG_ENUM, "operations-supported",
	    (int)(sizeof(ops) / sizeof(ops[0])), ops);
	ippAddString(a, IPP_TAG_PRINTER, IPP_TAG_CHARSET, "charset-configured",
	    NULL, "utf-8");
	ippAddStrings(a, IPP_TAG_PRINTER, IPP_TAG_CHARSET, "charset-supported", 2,
	    NULL, charsets);
	ippAddString(a, IPP_TAG_PRINTER, IPP_TAG_LANGUAGE,
	    "natural-language-configured", NULL, "en");
	ippAddString(a, IPP_TAG_PRINTER, IPP_TAG_LANGUAGE,
	    "generated-natural-language-supported", NULL, "en");
	ippAddString(a, IPP_TAG_PRINTER, IPP_TAG_MIMETYPE,
	    "document-format-default", NULL, "application/octet-stream");
	ippAddStrings(a, IPP_TAG_PRINTER, IPP_TAG_MIMETYPE,
	    "document-format-supported", (int)nf, NULL, fmts);
	ippAddString(a, IPP_TAG_PRINTER, IPP_TAG_KEYWORD,
	    "pdl-override-supported", NULL, "attempted");
	ippAddString(a, IPP_TAG_PRINTER, IPP_TAG_KEYWORD,
	    "compression-supported", NULL, "none");
	ippAddInteger(a, IPP_TAG_PRINTER, IPP_TAG_INTEGER, "copies-default", 1);
	ippAddRange(a, IPP_TAG_PRINTER, "copies-supported", 1, 999);
	ippAddString(a, IPP_TAG_PRINTER, IPP_TAG_KEYWORD, "sides-default", NULL,
	    q->sides[0] ? q->sides : "one-sided");
	ippAddStrings(a, IPP_TAG_PRINTER, IPP_TAG_KEYWORD, "sides-supported", 3,
	    NULL, sides);
	ippAddString(a, IPP_TAG_PRINTER, IPP_TAG_KEYWORD, "media-default", NULL,
	    dmedia);
	ippAddStrings(a, IPP_TAG_PRINTER, IPP_TAG_KEYWORD, "media-supported", 2,
	    NULL, media);
	ippAddString(a, IPP_TAG_PRINTER, IPP_TAG_KEYWORD, "media-ready", NULL,
	    dmedia);
	col = media_col(dmedia);
	ippAddCollection(a, IPP_TAG_PRINTER, "media-col-default", col);
	ippAddCollection(a, IPP_TAG_PRINTER, "media-col-ready", col);
	ippDelete(col);
	ippAddString(a, IPP_TAG_PRINTER, IPP_TAG_KEYWORD, "media-col-supported",
	    NULL, "media-size");
	ippAddInteger(a, IPP_TAG_PRINTER, IPP_TAG_ENUM,
	    "orientation-requested-default", q->landscape
		? IPP_ORIENT_LANDSCAPE
		: IPP_ORIENT_PORTRAIT);
	ippAddIntegers(a, IPP_TAG_PRINTER, IPP_TAG_ENUM,
	    "orientation-requested-supported", 2, orient);
	ippAddInteger(a, IPP_TAG_PRINTER, IPP_TAG_ENUM, "print-quality-default",
	    IPP_QUALITY_NORMAL);
	ippAddIntegers(a, IPP_TAG_PRINTER, IPP_TAG_ENUM,
	    "print-quality-supported", 3, quality);
	ippAddResolution(a, IPP_TAG_PRINTER, "printer-resolution-default",
	    IPP_RES_PER_INCH, 600, 600);
	ippAddResolution(a, IPP_TAG_PRINTER, "printer-resolution-supported",
	    IPP_RES_PER_INCH, 600, 600);
	ippAddBoolean(a, IPP_TAG_PRINTER, "color-supported", 0);
	ippAddBoolean(a, IPP_TAG_PRINTER, "multiple-document-jobs-supported", 0);
	ippAddString(a, IPP_TAG_PRINTER, IPP_TAG_KEYWORD,
	    "multiple-document-handling-default", NULL,
	    "separate-documents-collated-copies");
	ippAddStrings(a, IPP_TAG_PRINTER, IPP_TAG_KEYWORD,
	    "multiple-document-handling-supported", 2, NULL, mdh);
	ippAddStrings(a, IPP_TAG_PRINTER, IPP_TAG_KEYWORD,
	    "job-creation-attributes-supported",
	    (int)(sizeof(creation) / sizeof(creation[0])), NULL, creation);
	ippAddStrings(a, IPP_TAG_PRINTER, IPP_TAG_KEYWORD,
	    "which-jobs-supported", 2, NULL, which);
	ippAddBoolean(a, IPP_TAG_PRINTER, "job-ids-supported", 1);
	ippAddInteger(a, IPP_TAG_PRINTER, IPP_TAG_INTEGER, "pages-per-minute", 1);
	ippAddInteger(a, IPP_TAG_PRINTER, IPP_TAG_INTEGER,
	    "job-priority-supported", 100);
	ippAddInteger(a, IPP_TAG_PRINTER, IPP_TAG_INTEGER,
	    "job-priority-default", 50);
	ippAddString(a, IPP_TAG_PRINTER, IPP_TAG_KEYWORD, "job-sheets-default",
	    NULL, "none");
	ippAddString(a, IPP_TAG_PRINTER, IPP_TAG_KEYWORD, "job-sheets-supported",
	    NULL, "none");
	ippAddInteger(a, IPP_TAG_PRINTER, IPP_TAG_INTEGER, "number-up-default",
	    1);
	ippAddInteger(a, IPP_TAG_PRINTER, IPP_TAG_INTEGER, "number-up-supported",
	    1);
	everywhere_attrs(r, a);
	return a;
}

static int
name_cmp(void *a, void *b, void *data)
{
	(void)data;
	return strcmp(a, b);
}

static int
wanted(void *ra, ipp_t *dst, ipp_attribute_t *attr)
{
	(void)dst;
	return ra == NULL || cupsArrayFind(ra, (void *)ippGetName(attr)) != NULL;
}

/* The broker's answer to e, asked as user, if it is of type want (a
 * QueuesRep, a WorkersRep); NULL otherwise. */
static sb_env *
ask(struct req *r, sb_env *e, const char *user, int want)
{
	sb_env *a = lsn_call(r->c->l, e, user, ANSWER_MS);

	if (a != NULL && (int)a->body_case != want) {
		chan_free(a);
		a = NULL;
	}
	return a;
}

/* localspl's view of the queue (NULL when it does not answer). */
static sb_env *
queue_info(struct req *r, const Sb__QueueInfo **qi)
{
	Sb__QueuesReq qr = SB__QUEUES_REQ__INIT;
	sb_env e, *a;

	*qi = NULL;
	chan_env_init(&e);
	e.body_case = SB__ENVELOPE__BODY_QUEUES_REQ;
	e.queues_req = &qr;
	if ((a = ask(r, &e, r->user, SB__ENVELOPE__BODY_QUEUES_REP)) == NULL)
		return NULL;
	for (size_t i = 0; i < a->queues_rep->n_queues; i++)
		if (strcmp(a->queues_rep->queues[i]->name, r->q->cfg->name) == 0)
			*qi = a->queues_rep->queues[i];
	return a;
}

static void
get_printer_attributes(struct req *r)
{
	cups_array_t *ra = ippCreateRequestedArray(r->in);
	const Sb__QueueInfo *qi;
	sb_env *a = queue_info(r, &qi);
	ipp_t *attrs = printer_attrs(r, qi);

	ippCopyAttributes(r->out, attrs, 1, wanted, ra);
	ippDelete(attrs);
	cupsArrayDelete(ra);
	if (a != NULL)
		chan_free(a);
	status(r, IPP_STATUS_OK, NULL);
}

static int
ipp_job_state(int s)
{
	switch (s) {
	case SB__JOB_STATE__HELD:
		return IPP_JSTATE_HELD;
	case SB__JOB_STATE__PROCESSING:
	case SB__JOB_STATE__PRINTING:
		return IPP_JSTATE_PROCESSING;
	case SB__JOB_STATE__COMPLETED:
		return IPP_JSTATE_COMPLETED;
	case SB__JOB_STATE__CANCELED:
		return IPP_JSTATE_CANCELED;
	case SB__JOB_STATE__ABORTED:
		return IPP_JSTATE_ABORTED;
	default:
		return IPP_JSTATE_PENDING;
	}
}

static const char *
job_reason(int s)
{
	switch (s) {
	case SB__JOB_STATE__HELD:
		return "job-hold-until-specified";
	case SB__JOB_STATE__PROCESSING:
	case SB__JOB_STATE__PRINTING:
		return "job-printing";
	case SB__JOB_STATE__COMPLETED:
		return "job-completed-successfully";
	case SB__JOB_STATE__CANCELED:
		return "job-canceled-by-user";
	case SB__JOB_STATE__ABORTED:
		return "aborted-by-system";
	case SB__JOB_STATE__RETRY_WAIT:
		return "printer-stopped";
	default:
		return "job-queued";
	}
}

/* A job's attributes into the response, as many as ra asks for. */
static void
add_job(struct req *r, const Sb__JobInfo *ji, cups_array_t *ra, int sep)
{
	char uri[1200], puri[1100], user[128];
	ipp_t *a = ippNew();

	printer_uri(r, puri, sizeof(puri));
	snprintf(uri, sizeof(uri), "%s/%" PRIu64, puri, ji->id);
	snprintf(user, sizeof(user), "%.*s", (int)strcspn(ji->user, "@"),
	    ji->user);
	ippAddInteger(a, IPP_TAG_JOB, IPP_TAG_INTEGER, "job-id", (int)ji->id);
	ippAddString(a, IPP_TAG_JOB, IPP_TAG_URI, "job-uri", NULL, uri);
	ippAddString(a, IPP_TAG_JOB, IPP_TAG_URI, "job-printer-uri", NULL,
	    puri);
	ippAddInteger(a, IPP_TAG_JOB, IPP_TAG_ENUM, "job-state",
	    ipp_job_state(ji->state));
	ippAddString(a, IPP_TAG_JOB, IPP_TAG_KEYWORD, "job-state-reasons", NULL,
	    job_reason(ji->state));
	if (ji->last_error[0] != '\0')
		ippAddString(a, IPP_TAG_JOB, IPP_TAG_TEXT, "job-state-message",
		    NULL, ji->last_error);
	ippAddString(a, IPP_TAG_JOB, IPP_TAG_NAME, "job-name", NULL,
	    ji->title[0] ? ji->title : "untitled");
	ippAddString(a, IPP_TAG_JOB, IPP_TAG_NAME, "job-originating-user-name",
	    NULL, user);
	ippAddInteger(a, IPP_TAG_JOB, IPP_TAG_INTEGER, "job-k-octets",
	    (int)((ji->size + 1023) / 1024));
	ippAddInteger(a, IPP_TAG_JOB, IPP_TAG_INTEGER, "copies",
	    ji->copies ? (int)ji->copies : 1);
	ippAddInteger(a, IPP_TAG_JOB, IPP_TAG_INTEGER,
	    "job-impressions-completed",
	    ji->state == SB__JOB_STATE__COMPLETED ? (int)ji->pages : 0);
	ippAddInteger(a, IPP_TAG_JOB, IPP_TAG_INTEGER, "job-printer-up-time",
	    (int)time(NULL));
	ippAddInteger(a, IPP_TAG_JOB, IPP_TAG_INTEGER, "time-at-creation",
	    (int)(ji->submitted / 1000));
	if (ji->finished > 0)
		ippAddInteger(a, IPP_TAG_JOB, IPP_TAG_INTEGER,
		    "time-at-completed", (int)(ji->finished / 1000));
	else
		ippAddOutOfBand(a, IPP_TAG_JOB, IPP_TAG_NOVALUE,
		    "time-at-completed");
	ippAddOutOfBand(a, IPP_TAG_JOB, IPP_TAG_NOVALUE, "time-at-processing");
	if (sep)
		ippAddSeparator(r->out);
	ippCopyAttributes(r->out, a, 0, wanted, ra);
	ippDelete(a);
}

/* The short answer to a job operation: job-id, job-uri, job-state. */
static void
job_answer(struct req *r, uint64_t id, int state)
{
	Sb__JobInfo ji = SB__JOB_INFO__INIT;

	ji.id = id;
	ji.state = state;
	ji.user = r->user;
	ji.title = (char *)"";
	ji.last_error = (char *)"";
	cups_array_t *ra = cupsArrayNew(name_cmp, NULL);
	cupsArrayAdd(ra, "job-id");
	cupsArrayAdd(ra, "job-uri");
	cupsArrayAdd(ra, "job-state");
	cupsArrayAdd(ra, "job-state-reasons");
	add_job(r, &ji, ra, 0);
	cupsArrayDelete(ra);
}

/* The job template attributes of a Print-Job, Validate-Job or
 * Create-Job: 0 when every one can be honoured (or substituted without
 * fidelity), -1 after an error status. */
static int
check_template(struct req *r, int *copies, int *type)
{
	ipp_attribute_t *a;
	const char *v;
	int bad = 0;

	*copies = 1;
	*type = SB__DATA_TYPE__AUTO;
	if ((a = ippFindAttribute(r->in, "compression", IPP_TAG_ZERO)) != NULL &&
	    strcmp(ippGetString(a, 0, NULL) ? ippGetString(a, 0, NULL) : "",
		"none") != 0) {
		status(r, IPP_STATUS_ERROR_COMPRESSION_NOT_SUPPORTED,
		    "compression '%s' is not supported",
		    ippGetString(a, 0, NULL) ? ippGetString(a, 0, NULL) : "?");
		ippCopyAttribute(r->out, a, 0);
		return -1;
	}
	if ((a = ippFindAttribute(r->in, "document-format", IPP_TAG_ZERO)) !=
	    NULL) {
		v = ippGetString(a, 0, NULL);
		*type = v != NULL ? format_type(v) : -1;
		if (ippGetValueTag(a) != IPP_TAG_MIMETYPE || *type < 0 ||
		    !takes(r->q, *type)) {
			status(r, IPP_STATUS_ERROR_DOCUMENT_FORMAT_NOT_SUPPORTED,
			    "document-format '%s' is not supported by %s",
			    v ? v : "?", r->q->cfg->name);
			ippCopyAttribute(r->out, a, 0);
			return -1;
		}
	}
	if ((a = ippFindAttribute(r->in, "copies", IPP_TAG_ZERO)) != NULL) {
		if (ippGetValueTag(a) != IPP_TAG_INTEGER || ippGetCount(a) != 1 ||
		    ippGetInteger(a, 0) < 1 || ippGetInteger(a, 0) > 999)
			bad = 1, ippCopyAttribute(r->out, a, 0);
		else
			*copies = ippGetInteger(a, 0);
	}
	if ((a = ippFindAttribute(r->in, "sides", IPP_TAG_ZERO)) != NULL &&
	    (ippGetValueTag(a) != IPP_TAG_KEYWORD || ippGetCount(a) != 1 ||
		(!ippContainsString(a, "one-sided") &&
		    !ippContainsString(a, "two-sided-long-edge") &&
		    !ippContainsString(a, "two-sided-short-edge"))))
		bad = 1, ippCopyAttribute(r->out, a, 0);
	if ((a = ippFindAttribute(r->in, "media", IPP_TAG_ZERO)) != NULL &&
	    (ippGetCount(a) != 1 ||
		(!ippContainsString(a, media[0]) &&
		    !ippContainsString(a, media[1]))))
		bad = 1, ippCopyAttribute(r->out, a, 0);
	if ((a = ippFindAttribute(r->in, "job-name", IPP_TAG_ZERO)) != NULL &&
	    ippGetValueTag(a) != IPP_TAG_NAME &&
	    ippGetValueTag(a) != IPP_TAG_NAMELANG)
		bad = 1, ippCopyAttribute(r->out, a, 0);
	if (bad) {
		/* Moved to the unsupported group, as IPP says. */
		for (a = ippFirstAttribute(r->out); a != NULL;
		    a = ippNextAttribute(r->out))
			if (ippGetGroupTag(a) == IPP_TAG_OPERATION &&
			    strcmp(ippGetName(a), "attributes-charset") != 0 &&
			    strcmp(ippGetName(a),
				"attributes-natural-language") != 0)
				ippSetGroupTag(r->out, &a, IPP_TAG_UNSUPPORTED_GROUP);
		if ((a = ippFindAttribute(r->in, "ipp-attribute-fidelity",
			 IPP_TAG_BOOLEAN)) != NULL &&
		    ippGetBoolean(a, 0)) {
			status(r, IPP_STATUS_ERROR_ATTRIBUTES_OR_VALUES,
			    "unsupported attributes or values");
			return -1;
		}
		status(r, IPP_STATUS_OK_IGNORED_OR_SUBSTITUTED, NULL);
	}
	return 0;
}

static const char *
job_title(struct req *r)
{
	ipp_attribute_t *a = ippFindAttribute(r->in, "job-name", IPP_TAG_NAME);

	if (a == NULL)
		a = ippFindAttribute(r->in, "document-name", IPP_TAG_NAME);
	return a != NULL && ippGetString(a, 0, NULL) != NULL
	    ? ippGetString(a, 0, NULL)
	    : "";
}

/* The request's document into u, to its end; 0, or -1 (u->err, or the
 * connection). */
static int
stream_document(struct req *r, struct upload *u)
{
	char buf[32768];
	ssize_t n;

	while ((n = httpRead2(r->http, buf, sizeof(buf))) > 0)
		if (upload_write(u, buf, (size_t)n) != 0)
			return -1;
	/* End of input before the body's end (its length, or the last
	 * chunk) is a client that went away: nothing of it is kept. */
	if (n < 0 || httpGetState(r->http) == HTTP_STATE_POST_RECV) {
		snprintf(u->err, sizeof(u->err), "the document was cut short");
		u->failed = 1;
		return -1;
	}
	return 0;
}

/* The IPP status a client gets for a spooler's error: the one map, for
 * every operation. */
static ipp_status_t
ipp_status_of(int code)
{
	static const ipp_status_t st[] = {
		[SB__ERROR_CODE__E_INVALID] = IPP_STATUS_ERROR_BAD_REQUEST,
		[SB__ERROR_CODE__E_NOT_FOUND] = IPP_STATUS_ERROR_NOT_FOUND,
		[SB__ERROR_CODE__E_PERM] = IPP_STATUS_ERROR_NOT_AUTHORIZED,
		[SB__ERROR_CODE__E_IO] = IPP_STATUS_ERROR_INTERNAL,
		[SB__ERROR_CODE__E_UNAVAILABLE] = IPP_STATUS_ERROR_BUSY,
		[SB__ERROR_CODE__E_STATE] = IPP_STATUS_ERROR_NOT_POSSIBLE,
		[SB__ERROR_CODE__E_LIMIT] = IPP_STATUS_ERROR_BUSY,
		[SB__ERROR_CODE__E_TOO_LARGE] = IPP_STATUS_ERROR_REQUEST_ENTITY,
		[SB__ERROR_CODE__E_QUOTA] = IPP_STATUS_ERROR_NOT_POSSIBLE,
		[SB__ERROR_CODE__E_FORMAT] =
		    IPP_STATUS_ERROR_DOCUMENT_FORMAT_NOT_SUPPORTED,
	};

	/* A code the table does not name is never "successful-ok". */
	return code > 0 && (size_t)code < sizeof(st) / sizeof(st[0]) &&
		st[code] != IPP_STATUS_OK
	    ? st[code]
	    : IPP_STATUS_ERROR_INTERNAL;
}

static void
upload_failed(struct req *r, struct upload *u, const char *what)
{
	ipp_status_t st = ipp_status_of(u->code);

	log_warn("ipp %s: %s for %s refused: %s", r->c->peer_str, what,
	    r->q->cfg->name, u->err[0] ? u->err : "?");
	upload_abandon(u);
	status(r, st, "%s", u->err[0] ? u->err : "not accepted");
}

static void
print_job(struct req *r)
{
	struct upload u;
	int copies, type;
	uint64_t id;

	if (check_template(r, &copies, &type) != 0)
		return;
	if (httpGetState(r->http) != HTTP_STATE_POST_RECV) {
		status(r, IPP_STATUS_ERROR_BAD_REQUEST, "no document");
		return;
	}
	upload_init(&u, r->c->l, r->user, r->q->cfg->name, type);
	snprintf(u.title, sizeof(u.title), "%s", job_title(r));
	u.copies = (unsigned)copies;
	if (stream_document(r, &u) != 0 ||
	    (id = upload_finish(&u, r->user)) == 0) {
		upload_failed(r, &u, "Print-Job");
		upload_free(&u);
		return;
	}
	log_info("ipp %s: job %" PRIu64 " for %s from %s (%" PRIu64 " bytes)",
	    r->c->peer_str, id, r->q->cfg->name, r->user, u.size);
	upload_free(&u);
	job_answer(r, id, SB__JOB_STATE__PENDING);
}

static void
create_job(struct req *r)
{
	struct upload u;
	int copies, type;

	if (check_template(r, &copies, &type) != 0)
		return;
	upload_init(&u, r->c->l, r->user, r->q->cfg->name, type);
	snprintf(u.title, sizeof(u.title), "%s", job_title(r));
	u.copies = (unsigned)copies;
	if (upload_start(&u) != 0) {
		upload_failed(r, &u, "Create-Job");
		upload_free(&u);
		return;
	}
	upload_free(&u);
	job_answer(r, u.id, SB__JOB_STATE__HELD);
}

/* job-id, or the number at the end of job-uri; 0: neither. */
static uint64_t
job_id(struct req *r)
{
	ipp_attribute_t *a = ippFindAttribute(r->in, "job-id", IPP_TAG_INTEGER);
	const char *u, *s;

	if (a != NULL)
		return ippGetInteger(a, 0) > 0 ? (uint64_t)ippGetInteger(a, 0) : 0;
	if ((a = ippFindAttribute(r->in, "job-uri", IPP_TAG_URI)) == NULL ||
	    (u = ippGetString(a, 0, NULL)) == NULL ||
	    (s = strrchr(u, '/')) == NULL)
		return 0;
	return strtoull(s + 1, NULL, 10);
}

/* The last document of a Create-Job's job is in u: make it a job. */
static void
finish_created(struct req *r, struct upload *u)
{
	uint64_t id = u->id, done;

	if ((done = upload_finish(u, r->user)) == 0) {
		/* Not an upload of this user's (any more). */
		if (u->code == SB__ERROR_CODE__E_UNAVAILABLE)
			u->code = SB__ERROR_CODE__E_NOT_FOUND;
		log_warn("ipp %s: job %" PRIu64 ": %s", r->c->peer_str, id,
		    u->err);
		status(r, u->code == SB__ERROR_CODE__E_NOT_FOUND
			? IPP_STATUS_ERROR_NOT_FOUND
			: IPP_STATUS_ERROR_INTERNAL,
		    "%s", u->err);
		upload_free(u);
		return;
	}
	log_info("ipp %s: job %" PRIu64 " for %s from %s (%" PRIu64 " bytes)",
	    r->c->peer_str, done, r->q->cfg->name, r->user, u->size);
	upload_free(u);
	job_answer(r, done, SB__JOB_STATE__PENDING);
}

static void
send_document(struct req *r)
{
	ipp_attribute_t *last = ippFindAttribute(r->in, "last-document",
	    IPP_TAG_BOOLEAN);
	struct upload u;
	uint64_t id = job_id(r);
	int copies, type;

	if (id == 0 || last == NULL) {
		status(r, IPP_STATUS_ERROR_BAD_REQUEST,
		    id == 0 ? "no job-id" : "no last-document");
		return;
	}
	if (check_template(r, &copies, &type) != 0)
		return;
	upload_init(&u, r->c->l, r->user, r->q->cfg->name, type);
	u.id = id;
	u.copies = 0; /* as Create-Job said */
	if (httpGetState(r->http) == HTTP_STATE_POST_RECV &&
	    stream_document(r, &u) != 0) {
		upload_failed(r, &u, "Send-Document");
		upload_free(&u);
		return;
	}
	if (!ippGetBoolean(last, 0)) {
		status(r, IPP_STATUS_ERROR_MULTIPLE_JOBS_NOT_SUPPORTED,
		    "one document per job");
		upload_abandon(&u);
		upload_free(&u);
		return;
	}
	finish_created(r, &u);
}

/* Close-Job: the job Create-Job made has all its documents. */
static void
close_job(struct req *r)
{
	struct upload u;
	uint64_t id = job_id(r);

	if (id == 0) {
		status(r, IPP_STATUS_ERROR_BAD_REQUEST, "no job-id");
		return;
	}
	upload_init(&u, r->c->l, r->user, r->q->cfg->name, 0);
	u.id = id;
	u.copies = 0;
	finish_created(r, &u);
}


static void
cancel_job(struct req *r)
{
	uint64_t id = job_id(r);

	if (id == 0)
		status(r, IPP_STATUS_ERROR_BAD_REQUEST, "no job-id");
	else
		cancel_one(r, id);
}

static void
cancel_one(struct req *r, uint64_t id)
{
	Sb__JobCtlReq ctl = SB__JOB_CTL_REQ__INIT;
	sb_env e, *a;

	chan_env_init(&e);
	e.body_case = SB__ENVELOPE__BODY_JOB_CTL_REQ;
	e.job_ctl_req = &ctl;
	ctl.job_id = id;
	ctl.action = SB__JOB_ACTION__CANCEL;
	a = lsn_call(r->c->l, &e, r->user, ANSWER_MS);
	if (a != NULL && a->body_case == SB__ENVELOPE__BODY_ERROR_REP &&
	    a->error_rep->code == SB__ERROR_CODE__E_NOT_FOUND) {
		/* A Create-Job still waiting for its document is an upload. */
		Sb__SubmitReq sr = SB__SUBMIT_REQ__INIT;
		sr.upload = id;
		sr.cancel = 1;
		chan_env_init(&e);
		e.body_case = SB__ENVELOPE__BODY_SUBMIT_REQ;
		e.submit_req = &sr;
		sb_env *b = lsn_call(r->c->l, &e, r->user, ANSWER_MS);
		if (b != NULL && b->body_case == SB__ENVELOPE__BODY_SUBMIT_REP) {
			chan_free(a);
			a = b;
		} else if (b != NULL) {
			chan_free(b);
		}
	}
	if (a == NULL)
		status(r, IPP_STATUS_ERROR_BUSY, "the spooler did not answer");
	else if (a->body_case == SB__ENVELOPE__BODY_ERROR_REP)
		status(r, ipp_status_of(a->error_rep->code), "%s",
		    a->error_rep->message);
	else
		log_info("ipp %s: job %" PRIu64 " canceled by %s",
		    r->c->peer_str, id, r->user);
	if (a != NULL)
		chan_free(a);
}

/* Cancel-My-Jobs: every job of the requesting user not yet final, or
 * those of job-ids. */
static void
cancel_my_jobs(struct req *r)
{
	Sb__JobsReq jr = SB__JOBS_REQ__INIT;
	ipp_attribute_t *ids = ippFindAttribute(r->in, "job-ids",
	    IPP_TAG_INTEGER);
	sb_env e, *a;

	chan_env_init(&e);
	e.body_case = SB__ENVELOPE__BODY_JOBS_REQ;
	e.jobs_req = &jr;
	jr.queue = (char *)r->q->cfg->name;
	if ((a = lsn_call(r->c->l, &e, r->user, ANSWER_MS)) == NULL ||
	    a->body_case != SB__ENVELOPE__BODY_JOBS_REP) {
		status(r, IPP_STATUS_ERROR_BUSY, "the spooler did not answer");
		goto out;
	}
	for (size_t i = 0; i < a->jobs_rep->n_jobs; i++) {
		const Sb__JobInfo *ji = a->jobs_rep->jobs[i];
		int pick = ids == NULL;
		for (int k = 0; ids != NULL && k < ippGetCount(ids); k++)
			pick |= (uint64_t)ippGetInteger(ids, k) == ji->id;
		if (pick && strcmp(ji->user, r->user) == 0)
			cancel_one(r, ji->id);
	}
out:
	if (a != NULL)
		chan_free(a);
}

static void
get_jobs(struct req *r, uint64_t id)
{
	Sb__JobsReq jr = SB__JOBS_REQ__INIT;
	ipp_attribute_t *which = ippFindAttribute(r->in, "which-jobs",
	    IPP_TAG_KEYWORD);
	ipp_attribute_t *lim = ippFindAttribute(r->in, "limit", IPP_TAG_INTEGER);
	ipp_attribute_t *mine = ippFindAttribute(r->in, "my-jobs",
	    IPP_TAG_BOOLEAN);
	const char *w = which != NULL ? ippGetString(which, 0, NULL) : NULL;
	int completed = w != NULL && strcmp(w, "completed") == 0, n = 0;
	cups_array_t *ra;
	sb_env e, *a;

	if (w != NULL && !completed && strcmp(w, "not-completed") != 0) {
		status(r, IPP_STATUS_ERROR_ATTRIBUTES_OR_VALUES,
		    "which-jobs '%s' is not supported", w);
		ippCopyAttribute(r->out, which, 0);
		return;
	}
	ra = ippCreateRequestedArray(r->in);
	if (id == 0 && ippFindAttribute(r->in, "requested-attributes",
			   IPP_TAG_KEYWORD) == NULL) {
		ra = cupsArrayNew(name_cmp, NULL);
		cupsArrayAdd(ra, "job-id");
		cupsArrayAdd(ra, "job-uri");
	}
	chan_env_init(&e);
	e.body_case = SB__ENVELOPE__BODY_JOBS_REQ;
	e.jobs_req = &jr;
	jr.queue = (char *)r->q->cfg->name;
	jr.job_id = id;
	jr.all = completed || id != 0;
	a = lsn_call(r->c->l, &e, r->user, ANSWER_MS);
	if (a == NULL) {
		status(r, IPP_STATUS_ERROR_BUSY, "the spooler did not answer");
	} else if (a->body_case == SB__ENVELOPE__BODY_ERROR_REP) {
		status(r, ipp_status_of(a->error_rep->code), "%s",
		    a->error_rep->message);
	} else {
		for (size_t i = 0; i < a->jobs_rep->n_jobs; i++) {
			const Sb__JobInfo *ji = a->jobs_rep->jobs[i];
			int final = job_state_final(ji->state);
			if (id == 0 && final != completed)
				continue;
			if (mine != NULL && ippGetBoolean(mine, 0) &&
			    strcmp(ji->user, r->user) != 0)
				continue;
			if (lim != NULL && n >= ippGetInteger(lim, 0))
				break;
			add_job(r, ji, ra, n++ > 0);
		}
		status(r, IPP_STATUS_OK, NULL);
	}
	if (a != NULL)
		chan_free(a);
	cupsArrayDelete(ra);
}

/* The operation attributes every request starts with (RFC 8011 4.1.4);
 * 0, or -1 after an error status. */
static int
check_operation(struct req *r)
{
	ipp_attribute_t *cs = ippFirstAttribute(r->in);
	ipp_attribute_t *nl = ippNextAttribute(r->in);
	ipp_attribute_t *uri;
	int major, minor = 0;
	char scheme[32], userpass[64], host[256], resource[1024];
	int port;

	major = ippGetVersion(r->in, &minor);
	if (major < 1 || major > 2) {
		status(r, IPP_STATUS_ERROR_VERSION_NOT_SUPPORTED,
		    "IPP/%d.%d is not supported", major, minor);
		return -1;
	}
	if (ippGetRequestId(r->in) <= 0) {
		status(r, IPP_STATUS_ERROR_BAD_REQUEST, "bad request-id %d",
		    ippGetRequestId(r->in));
		return -1;
	}
	if (cs == NULL || ippGetGroupTag(cs) != IPP_TAG_OPERATION ||
	    strcmp(ippGetName(cs), "attributes-charset") != 0 ||
	    ippGetValueTag(cs) != IPP_TAG_CHARSET || nl == NULL ||
	    ippGetGroupTag(nl) != IPP_TAG_OPERATION ||
	    strcmp(ippGetName(nl), "attributes-natural-language") != 0 ||
	    ippGetValueTag(nl) != IPP_TAG_LANGUAGE) {
		status(r, IPP_STATUS_ERROR_BAD_REQUEST,
		    "attributes-charset and attributes-natural-language must "
		    "come first");
		return -1;
	}
	if (strcasecmp(ippGetString(cs, 0, NULL), "utf-8") != 0 &&
	    strcasecmp(ippGetString(cs, 0, NULL), "us-ascii") != 0) {
		status(r, IPP_STATUS_ERROR_CHARSET, "charset %s is not supported",
		    ippGetString(cs, 0, NULL));
		return -1;
	}
	uri = ippFindAttribute(r->in, "printer-uri", IPP_TAG_URI);
	if (uri == NULL)
		uri = ippFindAttribute(r->in, "job-uri", IPP_TAG_URI);
	if (uri == NULL || ippGetGroupTag(uri) != IPP_TAG_OPERATION ||
	    httpSeparateURI(HTTP_URI_CODING_ALL, ippGetString(uri, 0, NULL),
		scheme, sizeof(scheme), userpass, sizeof(userpass), host,
		sizeof(host), &port, resource,
		sizeof(resource)) < HTTP_URI_STATUS_OK) {
		status(r, IPP_STATUS_ERROR_BAD_REQUEST, "no printer-uri");
		return -1;
	}
	/* /printers/QUEUE, or a job under it: /printers/QUEUE/ID */
	char *qn = resource + 10, *slash;
	if (strncmp(resource, "/printers/", 10) != 0 ||
	    ((slash = strchr(qn, '/')) != NULL && (*slash = '\0', 0)) ||
	    (r->q = lsn_queue(r->c->l, qn)) == NULL) {
		status(r, IPP_STATUS_ERROR_NOT_FOUND, "no printer at %s",
		    ippGetString(uri, 0, NULL));
		return -1;
	}
	if (!lsn_allowed(r->c->l, r->q, (const struct sockaddr *)&r->c->peer)) {
		log_warn("ipp %s: queue %s: not in its allow list",
		    r->c->peer_str, qn);
		status(r, IPP_STATUS_ERROR_FORBIDDEN, "not allowed");
		return -1;
	}
	return 0;
}

/* The response begun, the caller named, the operation attributes
 * checked: 0, or -1 after an error status. */
static int
prepare(struct req *r)
{
	ipp_attribute_t *un = ippFindAttribute(r->in, "requesting-user-name",
	    IPP_TAG_NAME);

	r->out = ippNewResponse(r->in);
	snprintf(r->name, sizeof(r->name), "%s",
	    un != NULL && ippGetString(un, 0, NULL) != NULL
		? ippGetString(un, 0, NULL)
		: "anonymous");
	lsn_identity(r->user, sizeof(r->user), r->name, r->c->peer_str);
	return check_operation(r);
}

ipp_t *
ipp_check_request(struct conn *c, ipp_t *in)
{
	struct req r = { .c = c, .in = in };
	int copies, type;

	snprintf(r.host, sizeof(r.host), "localhost:631");
	if (prepare(&r) != 0)
		return r.out;
	switch (ippGetOperation(in)) {
	case IPP_OP_PRINT_JOB:
	case IPP_OP_VALIDATE_JOB:
	case IPP_OP_CREATE_JOB:
	case IPP_OP_SEND_DOCUMENT:
		check_template(&r, &copies, &type);
		break;
	case IPP_OP_GET_PRINTER_ATTRIBUTES: {
		cups_array_t *ra = ippCreateRequestedArray(in);
		ipp_t *attrs = printer_attrs(&r, NULL);
		ippCopyAttributes(r.out, attrs, 1, wanted, ra);
		ippDelete(attrs);
		cupsArrayDelete(ra);
		break;
	}
	default:
		job_id(&r);
		break;
	}
	return r.out;
}

static void
process_ipp(struct req *r)
{
	uint64_t id;

	if (prepare(r) != 0)
		return;
	switch (ippGetOperation(r->in)) {
	case IPP_OP_GET_PRINTER_ATTRIBUTES:
		get_printer_attributes(r);
		break;
	case IPP_OP_VALIDATE_JOB: {
		int copies, type;
		if (check_template(r, &copies, &type) == 0 &&
		    ippGetStatusCode(r->out) == IPP_STATUS_OK)
			status(r, IPP_STATUS_OK, NULL);
		break;
	}
	case IPP_OP_PRINT_JOB:
		print_job(r);
		break;
	case IPP_OP_CREATE_JOB:
		create_job(r);
		break;
	case IPP_OP_SEND_DOCUMENT:
		send_document(r);
		break;
	case IPP_OP_CANCEL_JOB:
		cancel_job(r);
		break;
	case IPP_OP_CANCEL_MY_JOBS:
		cancel_my_jobs(r);
		break;
	case IPP_OP_CLOSE_JOB:
		close_job(r);
		break;
	case IPP_OP_GET_JOB_ATTRIBUTES:
		if ((id = job_id(r)) == 0)
			status(r, IPP_STATUS_ERROR_BAD_REQUEST, "no job-id");
		else
			get_jobs(r, id);
		break;
	case IPP_OP_GET_JOBS:
		get_jobs(r, 0);
		break;
	case IPP_OP_IDENTIFY_PRINTER:
		log_info("ipp %s: %s asks printer %s to identify itself",
		    r->c->peer_str, r->user, r->q->cfg->name);
		break;
	default:
		status(r, IPP_STATUS_ERROR_OPERATION_NOT_SUPPORTED,
		    "operation %s is not supported",
		    ippOpString(ippGetOperation(r->in)));
		break;
	}
}

/* An HTTP answer without a body beyond a line of text; 0 to go on. */
static int
respond_text(struct req *r, http_status_t code, const char *type,
    const char *text)
{
	httpClearFields(r->http);
	httpSetField(r->http, HTTP_FIELD_CONTENT_TYPE, type);
	httpSetLength(r->http, strlen(text));
	if (httpWriteResponse(r->http, code) < 0)
		return -1;
	if (text[0] != '\0' && (httpWrite2(r->http, text, strlen(text)) < 0 ||
				   httpFlushWrite(r->http) < 0))
		return -1;
	return code == HTTP_STATUS_OK ? 0 : -1;
}

static int
respond_ipp(struct req *r)
{
	httpClearFields(r->http);
	httpSetField(r->http, HTTP_FIELD_CONTENT_TYPE, "application/ipp");
	httpSetLength(r->http, ippLength(r->out));
	if (httpWriteResponse(r->http, HTTP_STATUS_OK) < 0)
		return -1;
	ippSetState(r->out, IPP_STATE_IDLE);
	ipp_state_t st;
	while ((st = ippWrite(r->http, r->out)) != IPP_STATE_DATA)
		if (st == IPP_STATE_ERROR) {
			log_warn("ipp %s: the answer could not be sent",
			    r->c->peer_str);
			return -1;
		}
	return 0;
}

/* GET /metrics: `spoolbox metrics`' text, to addresses in metrics_allow. */
static int
http_metrics(struct req *r)
{
	Sb__WorkersReq wr = SB__WORKERS_REQ__INIT;
	Sb__QueuesReq qr = SB__QUEUES_REQ__INIT;
	sb_env e, *w = NULL, *q = NULL;
	char *text = NULL, who[160];
	size_t len = 0;
	FILE *f;
	int rv;

	if (!cidr_list_match(&r->c->l->metrics_allow,
		(const struct sockaddr *)&r->c->peer)) {
		log_warn("ipp %s: GET /metrics refused: not in [listener] "
			 "metrics_allow", r->c->peer_str);
		return respond_text(r, HTTP_STATUS_FORBIDDEN, "text/plain",
		    "403 - Forbidden\n");
	}
	lsn_identity(who, sizeof(who), "metrics", r->c->peer_str);
	chan_env_init(&e);
	e.body_case = SB__ENVELOPE__BODY_WORKERS_REQ;
	e.workers_req = &wr;
	w = ask(r, &e, who, SB__ENVELOPE__BODY_WORKERS_REP);
	chan_env_init(&e);
	e.body_case = SB__ENVELOPE__BODY_QUEUES_REQ;
	e.queues_req = &qr;
	if (w != NULL)
		q = ask(r, &e, who, SB__ENVELOPE__BODY_QUEUES_REP);
	if (q == NULL || (f = open_memstream(&text, &len)) == NULL) {
		rv = respond_text(r, HTTP_STATUS_SERVICE_UNAVAILABLE,
		    "text/plain", "503 - the spooler did not answer\n");
	} else {
		metrics_write(f, w->workers_rep, q->queues_rep);
		fclose(f);
		rv = respond_text(r, HTTP_STATUS_OK, METRICS_CONTENT_TYPE,
		    text);
	}
	free(text);
	if (w != NULL)
		chan_free(w);
	if (q != NULL)
		chan_free(q);
	return rv;
}

/* GET or HEAD: a line about the queue (printer-more-info), or the
 * metrics; 0 to go on. */
static int
http_get(struct req *r, const char *resource)
{
	char text[512];
	const struct lsn_queue *q;

	if (strcmp(resource, "/metrics") == 0)
		return http_metrics(r);
	if (strncmp(resource, "/printers/", 10) != 0 ||
	    (q = lsn_queue(r->c->l, resource + 10)) == NULL)
		return respond_text(r, HTTP_STATUS_NOT_FOUND, "text/plain",
		    "404 - Not Found\n");
	snprintf(text, sizeof(text), "spoolbox queue %s: %s\n", q->cfg->name,
	    q->cfg->description[0] ? q->cfg->description : q->cfg->uri);
	return respond_text(r, HTTP_STATUS_OK, "text/plain", text);
}

/* ippRead() waits 10 s for bytes when a body ends before the message
 * does; httpRead2() says at once that there are none. */
static ssize_t
read_body(void *http, ipp_uchar_t *buf, size_t len)
{
	return httpRead2(http, (char *)buf, len);
}

/* One HTTP request; 0 to keep the connection, -1 to close it. */
static int
one_request(struct req *r)
{
	char resource[1024];
	http_state_t st;
	http_status_t hs;
	ipp_state_t is;
	uint64_t deadline = now_mono_ms() + r->c->step_ms;
	int rv = -1;

	/* The request line, its header and its IPP message: one step. */
	lsn_step(r->c, r->c->step_ms);
	while ((st = httpReadRequest(r->http, resource, sizeof(resource))) ==
	    HTTP_STATE_WAITING) {
		if (now_mono_ms() > deadline || !httpWait(r->http, 1000))
			return -1;
	}
	lsn_set_idle(r->c, 0);
	if (st == HTTP_STATE_ERROR || st == HTTP_STATE_UNKNOWN_METHOD ||
	    st == HTTP_STATE_UNKNOWN_VERSION) {
		if (st != HTTP_STATE_ERROR) {
			log_warn("ipp %s: not an HTTP request", r->c->peer_str);
			respond_text(r, HTTP_STATUS_BAD_REQUEST, "text/plain",
			    "400 - Bad Request\n");
		}
		return -1;
	}
	while ((hs = httpUpdate(r->http)) == HTTP_STATUS_CONTINUE)
		if (now_mono_ms() > deadline)
			return -1;
	if (hs != HTTP_STATUS_OK) {
		log_warn("ipp %s: bad HTTP header", r->c->peer_str);
		respond_text(r, HTTP_STATUS_BAD_REQUEST, "text/plain",
		    "400 - Bad Request\n");
		return -1;
	}
	snprintf(r->host, sizeof(r->host), "%s",
	    httpGetField(r->http, HTTP_FIELD_HOST));
	if (r->host[0] == '\0')
		snprintf(r->host, sizeof(r->host), "localhost");
	switch (st) {
	case HTTP_STATE_GET:
	case HTTP_STATE_HEAD:
		return http_get(r, resource);
	case HTTP_STATE_POST:
		break;
	default:
		respond_text(r, HTTP_STATUS_METHOD_NOT_ALLOWED, "text/plain",
		    "405 - Method Not Allowed\n");
		return -1;
	}
	if (strcmp(httpGetField(r->http, HTTP_FIELD_CONTENT_TYPE),
		"application/ipp") != 0) {
		log_warn("ipp %s: POST of %s, not application/ipp",
		    r->c->peer_str, httpGetField(r->http,
					HTTP_FIELD_CONTENT_TYPE));
		respond_text(r, HTTP_STATUS_BAD_REQUEST, "text/plain",
		    "400 - Bad Request\n");
		return -1;
	}
	if (httpGetExpect(r->http) == HTTP_STATUS_CONTINUE &&
	    httpWriteResponse(r->http, HTTP_STATUS_CONTINUE) < 0)
		return -1;
	r->in = ippNew();
	while ((is = ippReadIO(r->http, read_body, 1, NULL, r->in)) !=
	    IPP_STATE_DATA) {
		if (is == IPP_STATE_ERROR || now_mono_ms() > deadline) {
			log_warn("ipp %s: malformed or incomplete IPP request",
			    r->c->peer_str);
			respond_text(r, HTTP_STATUS_BAD_REQUEST, "text/plain",
			    "400 - Bad Request\n");
			goto out;
		}
	}
	/* A document streams at its own pace: each read bounded by the
	 * socket's timeout, the whole by max_upload_seconds. */
	lsn_step(r->c, 0);
	process_ipp(r);
	lsn_step(r->c, r->c->step_ms);
	/* A document the operation did not read is read and dropped, so
	 * the connection can take the next request. */
	if (httpGetState(r->http) != HTTP_STATE_POST_SEND)
		httpFlush(r->http);
	rv = respond_ipp(r);
out:
	ippDelete(r->in);
	ippDelete(r->out);
	r->in = r->out = NULL;
	return rv;
}

void
ipp_serve(struct conn *c, void *http)
{
	struct req r;

	memset(&r, 0, sizeof(r));
	r.c = c;
	r.http = http;
	/* Every read and write waits at most a step. */
	struct timeval tv = { .tv_sec = (time_t)(c->step_ms / 1000),
		.tv_usec = (suseconds_t)(c->step_ms % 1000) * 1000 };
	setsockopt(c->fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(c->fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	httpSetTimeout(http, (double)c->step_ms / 1000.0, NULL, NULL);
	/* Between requests a kept-alive connection is idle. */
	while (httpWait(http, (int)c->step_ms)) {
		if (one_request(&r) != 0)
			break;
		lsn_step(c, 0);
		lsn_set_idle(c, 1);
	}
	/* Nobody may shut its descriptor once it is closed (and reused). */
	lsn_step(c, 0);
	lsn_set_idle(c, 0);
	httpClose(http);
}
