/*
 * ippjob: the job operations (ippsrv.h). A document streams from
 * httpRead2() into the job's upload (upload.c); the job is acknowledged
 * (its job-id sent) only once localspl has it on stable storage. The
 * owner checks are localspl's: it answers E_PERM, sent as
 * client-error-not-authorized.
 * Reports: a line per job taken, per refusal, per cancel.
 */
#define _GNU_SOURCE
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "config.h"
#include "ippsrv.h"
#include "log.h"
#include "util.h"
#include "vocab.h"

static void cancel_one(struct req *r, uint64_t id);

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

/* Asked of the server: is the job's queue one this client may use? */
static int
queue_visible(const struct req *r, const char *name)
{
	const struct lsn_queue *q = lsn_queue(r->c->l, name);

	return q != NULL && lsn_allowed(r->c->l, q,
	    (const struct sockaddr *)&r->c->peer);
}

/* A job's attributes into the response, as many as ra asks for. */
static void
add_job(struct req *r, const Sb__JobInfo *ji, cups_array_t *ra, int sep)
{
	char uri[1200], puri[1100], user[128];
	const char *v;
	ipp_t *a = ippNew();

	queue_uri(r, ji->queue, puri, sizeof(puri));
	snprintf(uri, sizeof(uri), "%s/%" PRIu64, puri, ji->id);
	/* Another user's job: its number and state, nothing of who or
	 * what (as `spoolbox jobs` shows it to others). */
	int mine = strcmp(ji->user, r->user) == 0;

	if (mine)
		snprintf(user, sizeof(user), "%.*s",
		    (int)strcspn(ji->user, "@"), ji->user);
	else
		snprintf(user, sizeof(user), "(private)");
	ippAddInteger(a, IPP_TAG_JOB, IPP_TAG_INTEGER, "job-id", (int)ji->id);
	ippAddString(a, IPP_TAG_JOB, IPP_TAG_URI, "job-uri", NULL, uri);
	ippAddString(a, IPP_TAG_JOB, IPP_TAG_URI, "job-printer-uri", NULL,
	    puri);
	ippAddInteger(a, IPP_TAG_JOB, IPP_TAG_ENUM, "job-state",
	    ipp_job_state(ji->state));
	ippAddString(a, IPP_TAG_JOB, IPP_TAG_KEYWORD, "job-state-reasons", NULL,
	    job_reason(ji->state));
	/* A time of day is a name (as lp -H HH:MM sends it), a period a
	 * keyword. */
	v = ji->state == SB__JOB_STATE__HELD && ji->hold_until[0] != '\0'
	    ? ji->hold_until
	    : "no-hold";
	ippAddString(a, IPP_TAG_JOB,
	    strchr(v, ':') != NULL ? IPP_TAG_NAME : IPP_TAG_KEYWORD,
	    "job-hold-until", NULL, v);
	if (ji->last_error[0] != '\0')
		ippAddString(a, IPP_TAG_JOB, IPP_TAG_TEXT, "job-state-message",
		    NULL, ji->last_error);
	ippAddString(a, IPP_TAG_JOB, IPP_TAG_NAME, "job-name", NULL,
	    !mine ? "(private)" : ji->title[0] ? ji->title : "untitled");
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
	ji.queue = (char *)r->q->cfg->name;
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

/* One keyword attribute of the request, if it is one of the words of
 * ok (comma-separated); "" when it is absent, NULL when it is there but
 * not one of them. */
static const char *
keyword_in(struct req *r, const char *name, const char *ok)
{
	ipp_attribute_t *a = ippFindAttribute(r->in, name, IPP_TAG_ZERO);
	const char *v;

	if (a == NULL)
		return "";
	v = ippGetString(a, 0, NULL);
	if (ippGetValueTag(a) != IPP_TAG_KEYWORD || ippGetCount(a) != 1 ||
	    v == NULL || !list_has(ok, v))
		return NULL;
	return v;
}

#define SCALING_OK "auto,auto-fit,fit,fill,none"

/* The job's own layout (sides, media, orientation-requested,
 * print-scaling): honoured per job, from what its queue offers. Those it
 * cannot honour are copied into the answer; 1 when there was one. */
static int
bad_layout(struct req *r)
{
	static const char *const name[] = { "sides", "media", "print-scaling" };
	const char *ok[] = { r->offer.sides, r->offer.media, SCALING_OK };
	ipp_attribute_t *a;
	int bad = 0;

	for (size_t i = 0; i < 3; i++)
		if (keyword_in(r, name[i], ok[i]) == NULL) {
			bad = 1;
			ippCopyAttribute(r->out,
			    ippFindAttribute(r->in, name[i], IPP_TAG_ZERO), 0);
		}
	if ((a = ippFindAttribute(r->in, "orientation-requested",
		 IPP_TAG_ZERO)) != NULL &&
	    (ippGetValueTag(a) != IPP_TAG_ENUM || ippGetCount(a) != 1 ||
		(ippGetInteger(a, 0) != IPP_ORIENT_PORTRAIT &&
		    ippGetInteger(a, 0) != IPP_ORIENT_LANDSCAPE)))
		bad = 1, ippCopyAttribute(r->out, a, 0);
	return bad;
}

/* page-ranges as text ("1-3,5-5") into buf; -1 when they are not
 * ascending ranges of pages that do not overlap. */
static int
page_ranges_text(ipp_attribute_t *a, char *buf, size_t len)
{
	size_t used = 0;

	buf[0] = '\0';
	if (ippGetValueTag(a) != IPP_TAG_RANGE ||
	    ippGetCount(a) > PAGE_RANGES_MAX)
		return -1;
	for (int i = 0; i < ippGetCount(a); i++) {
		int hi, lo = ippGetRange(a, i, &hi);
		int n = snprintf(buf + used, len - used, "%s%d-%d",
		    i > 0 ? "," : "", lo, hi);
		if (n < 0 || (size_t)n >= len - used)
			return -1;
		used += (size_t)n;
	}
	return page_ranges_valid(buf);
}

/* Does the rangeOfInteger a hold n? */
static int
range_has(ipp_attribute_t *a, int n)
{
	for (int i = 0; i < ippGetCount(a); i++) {
		int hi, lo = ippGetRange(a, i, &hi);
		if (n >= lo && n <= hi)
			return 1;
	}
	return 0;
}

/* One overrides collection as util.h's text, appended to buf (used of
 * len): 0, or -1 when it asks what the print processor cannot do. One
 * for other documents than the first (a job has one) is left out. */
static int
override_text(ipp_t *col, const char *media, char *buf, size_t len,
    size_t *used)
{
	char ranges[256] = "1-2147483647", opts[64] = "";
	ipp_attribute_t *a;
	int n;

	for (a = ippFirstAttribute(col); a != NULL; a = ippNextAttribute(col)) {
		const char *name = ippGetName(a), *v = ippGetString(a, 0, NULL);
		int o = ippGetInteger(a, 0);
		if (strcmp(name, "pages") == 0) {
			if (page_ranges_text(a, ranges, sizeof(ranges)) != 0)
				return -1;
		} else if (strcmp(name, "document-numbers") == 0) {
			if (ippGetValueTag(a) != IPP_TAG_RANGE)
				return -1;
			if (!range_has(a, 1))
				return 0;
		} else if (strcmp(name, "media") == 0 && v != NULL &&
		    list_has(media, v)) {
			snprintf(opts + strlen(opts), sizeof(opts) - strlen(opts),
			    ":m=%s", v);
		} else if (strcmp(name, "orientation-requested") == 0 &&
		    ippGetValueTag(a) == IPP_TAG_ENUM &&
		    (o == IPP_ORIENT_PORTRAIT || o == IPP_ORIENT_LANDSCAPE)) {
			snprintf(opts + strlen(opts), sizeof(opts) - strlen(opts),
			    ":o=%d", o);
		} else {
			return -1;
		}
	}
	n = snprintf(buf + *used, len - *used, "%s%s%s", *used ? ";" : "",
	    ranges, opts);
	if (n < 0 || (size_t)n >= len - *used)
		return -1;
	*used += (size_t)n;
	return 0;
}

/* IPP overrides (pages: media, orientation-requested) as util.h's text
 * into buf: 0, or -1 when they are not what the print processor does
 * with the media offered (media). */
static int
overrides_text(ipp_attribute_t *a, const char *media, char *buf, size_t len)
{
	struct page_override ov[OVERRIDES_MAX];
	size_t used = 0;

	buf[0] = '\0';
	if (ippGetValueTag(a) != IPP_TAG_BEGIN_COLLECTION ||
	    ippGetCount(a) > OVERRIDES_MAX)
		return -1;
	for (int i = 0; i < ippGetCount(a); i++)
		if (override_text(ippGetCollection(a, i), media, buf, len,
			&used) != 0)
			return -1;
	return overrides_parse(buf, ov, OVERRIDES_MAX) < 0 ? -1 : 0;
}

/* page-ranges, number-up and overrides as the print processor takes
 * them; 1 when one is not (copied into the answer). */
static int
bad_imposition(struct req *r)
{
	ipp_attribute_t *a;
	char buf[256], ov[1024];
	int bad = 0;

	if ((a = ippFindAttribute(r->in, "page-ranges", IPP_TAG_ZERO)) !=
		NULL &&
	    page_ranges_text(a, buf, sizeof(buf)) != 0)
		bad = 1, ippCopyAttribute(r->out, a, 0);
	if ((a = ippFindAttribute(r->in, "number-up", IPP_TAG_ZERO)) != NULL &&
	    (ippGetValueTag(a) != IPP_TAG_INTEGER || ippGetCount(a) != 1 ||
		ippGetInteger(a, 0) < 1 ||
		!number_up_valid((unsigned)ippGetInteger(a, 0))))
		bad = 1, ippCopyAttribute(r->out, a, 0);
	if ((a = ippFindAttribute(r->in, "overrides", IPP_TAG_ZERO)) != NULL &&
	    overrides_text(a, r->offer.media, ov, sizeof(ov)) != 0)
		bad = 1, ippCopyAttribute(r->out, a, 0);
	return bad;
}

/* CUPS' text options (as its texttopdf takes them), in TextLayout's
 * order, and their least value: a margin may be 0. */
static const struct {
	const char *name;
	double min, max;
} text_opts[7] = {
	{ "cpi", 1, 100 }, { "lpi", 1, 100 }, { "columns", 1, TEXT_COLUMNS_MAX },
	{ "page-top", 0, TEXT_MARGIN_MAX }, { "page-right", 0, TEXT_MARGIN_MAX },
	{ "page-bottom", 0, TEXT_MARGIN_MAX }, { "page-left", 0, TEXT_MARGIN_MAX },
};

/* One text option's value, into *v: an integer (lp sends a number so),
 * or a number as a keyword, name or text for cpi and lpi (12.5). 0, or
 * -1 when it is neither or out of range. */
static int
text_opt(ipp_attribute_t *a, int i, double *v)
{
	const char *s;
	char *end;

	if (ippGetCount(a) != 1)
		return -1;
	if (ippGetValueTag(a) == IPP_TAG_INTEGER) {
		*v = ippGetInteger(a, 0);
	} else if (i < 2 && (s = ippGetString(a, 0, NULL)) != NULL) {
		*v = strtod(s, &end);
		if (end == s || *end != '\0')
			return -1;
	} else {
		return -1;
	}
	return *v >= text_opts[i].min && *v <= text_opts[i].max ? 0 : -1;
}

/* The job's text options, into v[7] (0: not asked); 1 when one is bad
 * (copied into the answer). */
static int
text_layout_of(struct req *r, double v[7])
{
	int bad = 0;

	for (int i = 0; i < 7; i++) {
		ipp_attribute_t *a = ippFindAttribute(r->in, text_opts[i].name,
		    IPP_TAG_ZERO);
		v[i] = 0;
		if (a != NULL && text_opt(a, i, &v[i]) != 0)
			bad = 1, ippCopyAttribute(r->out, a, 0);
	}
	return bad;
}

/* The job's own layout into u (checked by check_template). */
static void
layout_into(struct req *r, struct upload *u)
{
	ipp_attribute_t *a = ippFindAttribute(r->in, "orientation-requested",
	    IPP_TAG_ENUM);
	const char *v;

	if ((v = keyword_in(r, "sides", r->offer.sides)) != NULL)
		snprintf(u->sides, sizeof(u->sides), "%s", v);
	if ((v = keyword_in(r, "media", r->offer.media)) != NULL)
		snprintf(u->media, sizeof(u->media), "%s", v);
	if ((v = keyword_in(r, "print-scaling", SCALING_OK)) != NULL)
		snprintf(u->scaling, sizeof(u->scaling), "%s", v);
	if (a != NULL)
		u->orientation = (unsigned)ippGetInteger(a, 0);
	if ((a = ippFindAttribute(r->in, "page-ranges", IPP_TAG_RANGE)) !=
		NULL &&
	    page_ranges_text(a, u->page_ranges, sizeof(u->page_ranges)) != 0)
		u->page_ranges[0] = '\0';
	if ((a = ippFindAttribute(r->in, "number-up", IPP_TAG_INTEGER)) !=
		NULL &&
	    number_up_valid((unsigned)ippGetInteger(a, 0)))
		u->number_up = (unsigned)ippGetInteger(a, 0);
	if ((a = ippFindAttribute(r->in, "overrides",
		 IPP_TAG_BEGIN_COLLECTION)) != NULL &&
	    overrides_text(a, r->offer.media, u->overrides,
		sizeof(u->overrides)) != 0)
		u->overrides[0] = '\0';
	double t[7];
	if (text_layout_of(r, t) == 0) {
		sb__text_layout__init(&u->text);
		u->text.cpi = t[0];
		u->text.lpi = t[1];
		u->text.columns = (uint32_t)t[2];
		u->text.top = t[3];
		u->text.right = t[4];
		u->text.bottom = t[5];
		u->text.left = t[6];
	}
}

/* The job template attributes of a Print-Job, Validate-Job or
 * Create-Job: 0 when every one can be honoured (or substituted without
 * fidelity), -1 after an error status. */
int
check_template(struct req *r, int *copies, int *type)
{
	ipp_attribute_t *a;
	const char *v;
	int64_t at;
	int bad = 0;

	*copies = 1;
	*type = SB__DATA_TYPE__AUTO;
	offer_of(r);
	if ((a = ippFindAttribute(r->in, "compression", IPP_TAG_ZERO)) != NULL &&
	    (ippGetValueTag(a) != IPP_TAG_KEYWORD || ippGetCount(a) != 1 ||
		(!ippContainsString(a, "none") && !ippContainsString(a, "gzip") &&
		    !ippContainsString(a, "deflate")))) {
		status(r, IPP_STATUS_ERROR_COMPRESSION_NOT_SUPPORTED,
		    "compression '%s' is not supported",
		    ippGetString(a, 0, NULL) ? ippGetString(a, 0, NULL) : "?");
		ippCopyAttribute(r->out, a, 0);
		return -1;
	}
	if ((a = ippFindAttribute(r->in, "document-format", IPP_TAG_ZERO)) !=
	    NULL) {
		v = ippGetString(a, 0, NULL);
		*type = v != NULL ? datatype_from_mime(v) : -1;
		if (ippGetValueTag(a) != IPP_TAG_MIMETYPE || *type < 0 ||
		    !datatype_taken((int)r->q->cfg->datatype, *type)) {
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
	double text[7];
	bad |= bad_layout(r) | bad_imposition(r) | text_layout_of(r, text);
	if ((a = ippFindAttribute(r->in, "job-name", IPP_TAG_ZERO)) != NULL &&
	    ippGetValueTag(a) != IPP_TAG_NAME &&
	    ippGetValueTag(a) != IPP_TAG_NAMELANG)
		bad = 1, ippCopyAttribute(r->out, a, 0);
	/* A period (evening...), an explicit HH:MM in UTC, indefinite. */
	if ((a = ippFindAttribute(r->in, "job-hold-until", IPP_TAG_ZERO)) !=
		NULL &&
	    (ippGetCount(a) != 1 || ippGetString(a, 0, NULL) == NULL ||
		hold_release(ippGetString(a, 0, NULL), time(NULL), &at) < 0))
		bad = 1, ippCopyAttribute(r->out, a, 0);
	if (bad) {
		/* Moved to the unsupported group, as IPP says. */
		for (a = ippFirstAttribute(r->out); a != NULL;
		    a = ippNextAttribute(r->out))
			if (ippGetGroupTag(a) != IPP_TAG_UNSUPPORTED_GROUP &&
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

void
validate_job(struct req *r)
{
	int copies, type;

	if (check_template(r, &copies, &type) == 0 &&
	    ippGetStatusCode(r->out) == IPP_STATUS_OK)
		status(r, IPP_STATUS_OK, NULL);
}

/* job-hold-until (lp -H hold: indefinite) into u, for the broker to
 * turn into a time: 1 when the job is held at all. */
static int
held(struct req *r, struct upload *u)
{
	ipp_attribute_t *a = ippFindAttribute(r->in, "job-hold-until",
	    IPP_TAG_ZERO);
	const char *v = a != NULL ? ippGetString(a, 0, NULL) : NULL;

	if (v == NULL || strcmp(v, "no-hold") == 0)
		return 0;
	snprintf(u->hold_until, sizeof(u->hold_until), "%s", v);
	return 1;
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
 * connection). A compressed one (gzip, deflate) is inflated by libcups
 * as it is read (its Content-Encoding, as ippeveprinter does); what it
 * inflates to counts against the queue's size limit like any job. */
static int
stream_document(struct req *r, struct upload *u)
{
	ipp_attribute_t *z = ippFindAttribute(r->in, "compression",
	    IPP_TAG_KEYWORD);
	char buf[32768];
	ssize_t n;

	if (z != NULL && !ippContainsString(z, "none"))
		httpSetField(r->http, HTTP_FIELD_CONTENT_ENCODING,
		    ippGetString(z, 0, NULL));
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

static void
upload_failed(struct req *r, struct upload *u, const char *what)
{
	ipp_status_t st = ipp_status_of(u->code);

	log_warn("ipp %s: %s for %s refused: %s", r->c->peer_str, what,
	    r->q->cfg->name, u->err[0] ? u->err : "?");
	upload_abandon(u);
	status(r, st, "%s", u->err[0] ? u->err : "not accepted");
}

void
print_job(struct req *r)
{
	struct upload u;
	int copies, type, hold;
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
	hold = held(r, &u);
	layout_into(r, &u);
	if (stream_document(r, &u) != 0 ||
	    (id = upload_finish(&u, r->user)) == 0) {
		upload_failed(r, &u, "Print-Job");
		upload_free(&u);
		return;
	}
	log_info("ipp %s: job %" PRIu64 " for %s from %s (%" PRIu64 " bytes)",
	    r->c->peer_str, id, r->q->cfg->name, r->user, u.size);
	upload_free(&u);
	job_answer(r, id, hold ? SB__JOB_STATE__HELD : SB__JOB_STATE__PENDING);
}

void
create_job(struct req *r)
{
	struct upload u;
	int copies, type;

	if (check_template(r, &copies, &type) != 0)
		return;
	upload_init(&u, r->c->l, r->user, r->q->cfg->name, type);
	snprintf(u.title, sizeof(u.title), "%s", job_title(r));
	u.copies = (unsigned)copies;
	held(r, &u);
	layout_into(r, &u);
	if (upload_start(&u) != 0) {
		upload_failed(r, &u, "Create-Job");
		upload_free(&u);
		return;
	}
	upload_free(&u);
	job_answer(r, u.id, SB__JOB_STATE__HELD);
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

void
send_document(struct req *r)
{
	ipp_attribute_t *last = ippFindAttribute(r->in, "last-document",
	    IPP_TAG_BOOLEAN);
	struct upload u;
	uint64_t id = job_id(r);
	int copies, type;

	if (last == NULL) {
		status(r, IPP_STATUS_ERROR_BAD_REQUEST, "no last-document");
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
void
close_job(struct req *r)
{
	struct upload u;
	uint64_t id = job_id(r);

	upload_init(&u, r->c->l, r->user, r->q->cfg->name, 0);
	u.id = id;
	u.copies = 0;
	finish_created(r, &u);
}

void
cancel_job(struct req *r)
{
	cancel_one(r, job_id(r));
}

/* localspl's JobCtlReq as r's caller: action on job id, or (id 0) on
 * every job of queue it may act on. The answer; NULL: none came. */
static sb_env *
job_ctl_ask(struct req *r, uint64_t id, int action, const char *queue)
{
	Sb__JobCtlReq ctl = SB__JOB_CTL_REQ__INIT;
	sb_env e;

	chan_env_init(&e);
	e.body_case = SB__ENVELOPE__BODY_JOB_CTL_REQ;
	e.job_ctl_req = &ctl;
	ctl.job_id = id;
	ctl.action = action;
	if (queue != NULL)
		ctl.queue = (char *)queue;
	return lsn_call(r->c->l, &e, r->user, ANSWER_MS);
}

/* The answer a as r's status: 1 when it took, else 0 after an error
 * status. */
static int
answer_taken(struct req *r, const sb_env *a)
{
	if (a == NULL)
		status(r, IPP_STATUS_ERROR_BUSY, "the spooler did not answer");
	else if (a->body_case == SB__ENVELOPE__BODY_ERROR_REP)
		status(r, ipp_status_of(a->error_rep->code), "%s",
		    a->error_rep->message);
	else
		return 1;
	return 0;
}

/* Hold-Job, Release-Job and Restart-Job: localspl's hold, release and
 * restart (its owner or an admin's login; a hold not once it is being
 * printed; a restart only of a finished job whose data is kept). */
static void
hold_or_release(struct req *r, int action)
{
	uint64_t id = job_id(r);
	sb_env *a = job_ctl_ask(r, id, action, NULL);

	if (answer_taken(r, a))
		log_info("ipp %s: job %" PRIu64 " %s by %s", r->c->peer_str, id,
		    action == SB__JOB_ACTION__HOLD	   ? "held"
		    : action == SB__JOB_ACTION__RELEASE ? "released"
							: "restarted",
		    r->user);
	if (a != NULL)
		chan_free(a);
}

void
hold_job(struct req *r)
{
	hold_or_release(r, SB__JOB_ACTION__HOLD);
}

void
release_job(struct req *r)
{
	hold_or_release(r, SB__JOB_ACTION__RELEASE);
}

void
restart_job(struct req *r)
{
	hold_or_release(r, SB__JOB_ACTION__RESTART);
}

static void
cancel_one(struct req *r, uint64_t id)
{
	sb_env e, *a = job_ctl_ask(r, id, SB__JOB_ACTION__CANCEL, NULL);

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
	if (answer_taken(r, a))
		log_info("ipp %s: job %" PRIu64 " canceled by %s",
		    r->c->peer_str, id, r->user);
	if (a != NULL)
		chan_free(a);
}

/* Cancel-Jobs and Purge-Jobs (`cancel -a QUEUE`): every unfinished job
 * of the queue its caller may cancel: an admin's login all of them,
 * anyone else their own (localspl decides); job-ids: those. */
void
cancel_jobs(struct req *r)
{
	ipp_attribute_t *ids = ippFindAttribute(r->in, "job-ids",
	    IPP_TAG_INTEGER);
	sb_env *a;

	if (ids != NULL) {
		for (int k = 0; k < ippGetCount(ids); k++)
			cancel_one(r, (uint64_t)ippGetInteger(ids, k));
		return;
	}
	a = job_ctl_ask(r, 0, SB__JOB_ACTION__CANCEL, r->q->cfg->name);
	if (answer_taken(r, a))
		log_info("ipp %s: %u job(s) of %s canceled by %s",
		    r->c->peer_str, a->body_case == SB__ENVELOPE__BODY_JOBS_REP
			? a->jobs_rep->count : 0, r->q->cfg->name, r->user);
	if (a != NULL)
		chan_free(a);
}

/* Cancel-My-Jobs: every job of the requesting user not yet final, or
 * those of job-ids. */
void
cancel_my_jobs(struct req *r)
{
	Sb__JobsReq jr = SB__JOBS_REQ__INIT;
	ipp_attribute_t *ids = ippFindAttribute(r->in, "job-ids",
	    IPP_TAG_INTEGER);
	sb_env e, *a;

	chan_env_init(&e);
	e.body_case = SB__ENVELOPE__BODY_JOBS_REQ;
	e.jobs_req = &jr;
	jr.queue = r->q != NULL ? (char *)r->q->cfg->name : "";
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

/* Get-Jobs (id 0) and Get-Job-Attributes (id). */
static void
jobs(struct req *r, uint64_t id)
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
	/* The server named (ipp://HOST/, /jobs/N): every queue's. */
	jr.queue = r->q != NULL ? (char *)r->q->cfg->name : "";
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
			if (r->q == NULL && !queue_visible(r, ji->queue))
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

void
get_jobs(struct req *r)
{
	jobs(r, 0);
}

void
get_job_attributes(struct req *r)
{
	jobs(r, job_id(r));
}
