/*
 * ippprinter: what a queue says of itself over IPP (RFC 8011, PWG
 * 5100.14 IPP Everywhere). Everything that does not change while the
 * listener runs is built once per queue (printer_build, at start; a
 * reload starts a new listener); a request adds what depends on how the
 * client reached us (the printer's URIs and uuid) and the live state
 * from localspl, then takes what it asked for.
 * Reports: a line per Identify-Printer.
 */
#define _GNU_SOURCE
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "config.h"
#include "ippsrv.h"
#include "log.h"

/* The words of a comma-separated list into w[max]: how many. */
static int
list_words(const char *list, char w[][48], int max)
{
	int n = 0;

	for (const char *p = list; *p != '\0' && n < max;
	     p += strcspn(p, ","), p += *p == ',')
		snprintf(w[n++], sizeof(w[0]), "%.*s", (int)strcspn(p, ","), p);
	return n;
}

/* The attribute name: the words of list, as keywords. */
static void
add_keywords(ipp_t *a, const char *name, const char *list)
{
	char w[8][48];
	const char *v[8];
	int n = list_words(list, w, 8);

	for (int i = 0; i < n; i++)
		v[i] = w[i];
	ippAddStrings(a, IPP_TAG_PRINTER, IPP_TAG_KEYWORD, name, n, NULL, v);
}

/* Constant attributes by value type: one line each. */
static const struct {
	const char *name, *value;
} keywords[] = {
	{ "uri-authentication-supported", "requesting-user-name" },
	{ "pdl-override-supported", "attempted" },
	{ "media-col-supported", "media-size" },
	{ "multiple-document-handling-default",
	    "separate-documents-collated-copies" },
	{ "job-sheets-default", "none" },
	{ "job-sheets-supported", "none" },
	/* spoolbox passes the job on and does not finish, bin or colour
	 * it: what IPP Everywhere clients look for beyond RFC 8011. */
	{ "output-bin-default", "face-down" },
	{ "output-bin-supported", "face-down" },
	{ "media-source-supported", "auto" },
	{ "media-type-supported", "stationery" },
	{ "identify-actions-default", "display" },
	{ "identify-actions-supported", "display" },
	{ "multiple-operation-time-out-action", "abort-job" },
	{ "print-color-mode-default", "auto" },
	{ "print-content-optimize-default", "auto" },
	{ "print-content-optimize-supported", "auto" },
	{ "print-rendering-intent-default", "auto" },
	{ "print-rendering-intent-supported", "auto" },
	{ "printer-get-attributes-supported", "document-format" },
};
static const struct {
	const char *name;
	int value;
	ipp_tag_t tag;
} numbers[] = {
	{ "copies-default", 1, IPP_TAG_INTEGER },
	{ "pages-per-minute", 1, IPP_TAG_INTEGER },
	{ "job-priority-supported", 100, IPP_TAG_INTEGER },
	{ "job-priority-default", 50, IPP_TAG_INTEGER },
	{ "number-up-default", 1, IPP_TAG_INTEGER },
	{ "media-bottom-margin-supported", 423, IPP_TAG_INTEGER },
	{ "media-left-margin-supported", 423, IPP_TAG_INTEGER },
	{ "media-right-margin-supported", 423, IPP_TAG_INTEGER },
	{ "media-top-margin-supported", 423, IPP_TAG_INTEGER },
	{ "print-quality-default", IPP_QUALITY_NORMAL, IPP_TAG_ENUM },
	{ "finishings-default", IPP_FINISHINGS_NONE, IPP_TAG_ENUM },
	{ "finishings-supported", IPP_FINISHINGS_NONE, IPP_TAG_ENUM },
};
static const struct {
	const char *name;
	int value;
} booleans[] = {
	{ "multiple-document-jobs-supported", 0 },
	{ "job-ids-supported", 1 },
	{ "preferred-attributes-supported", 0 },
};
#define N(a) (sizeof(a) / sizeof((a)[0]))

/* The default media: the config's, else its paper's if offered, else
 * the first offered (copied into first). */
static const char *
media_name(const struct lsn_queue *q, char (*first)[48])
{
	const char *p = media_pwg(q->cfg->paper);

	if (q->cfg->media[0] != '\0')
		return q->cfg->media;
	if (p != NULL && list_has(queue_media_list(q), p))
		return p;
	list_words(queue_media_list(q), first, 1);
	return *first;
}

/* The media offered, the default and ready ones, and their sizes. */
static void
media_attrs(const struct lsn_queue *q, ipp_t *a)
{
	char first[48];
	const char *dmedia = media_name(q, &first);
	ipp_attribute_t *sizes = NULL, *db = NULL;
	char media[8][48];
	int nmedia = list_words(queue_media_list(q), media, 8);
	ipp_t *col;

	for (int i = 0; i < nmedia; i++) {
		if ((col = media_col_of(media[i])) == NULL)
			continue;
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
	ippAddString(a, IPP_TAG_PRINTER, IPP_TAG_KEYWORD, "media-default", NULL,
	    dmedia);
	add_keywords(a, "media-supported", queue_media_list(q));
	ippAddString(a, IPP_TAG_PRINTER, IPP_TAG_KEYWORD, "media-ready", NULL,
	    dmedia);
	if ((col = media_col_of(dmedia)) != NULL) {
		ippAddCollection(a, IPP_TAG_PRINTER, "media-col-default", col);
		ippAddCollection(a, IPP_TAG_PRINTER, "media-col-ready", col);
		ippDelete(col);
	}
}

/* What a job on q may ask for, and what it gets when it does not. */
static void
template_attrs(const struct lsn_queue *q, ipp_t *a)
{
	static const char *const mdh[] = {
		"separate-documents-collated-copies",
		"separate-documents-uncollated-copies" };
	static const char *const scaling[] = { "auto", "auto-fit", "fit",
		"fill", "none" };
	static const int up[] = { 1, 2, 4, 6, 9, 16 };
	static const char *const overrides[] = { "document-number",
		"document-numbers", "media", "orientation-requested", "pages" };
	static const int orient[] = { IPP_ORIENT_PORTRAIT,
		IPP_ORIENT_LANDSCAPE };
	static const int quality[] = { IPP_QUALITY_DRAFT, IPP_QUALITY_NORMAL,
		IPP_QUALITY_HIGH };
	const char *fmts[DATATYPE_NMIMES];
	size_t nf = datatype_mimes_taken((int)q->cfg->datatype, fmts);

	ippAddString(a, IPP_TAG_PRINTER, IPP_TAG_MIMETYPE,
	    "document-format-default", NULL, "application/octet-stream");
	ippAddStrings(a, IPP_TAG_PRINTER, IPP_TAG_MIMETYPE,
	    "document-format-supported", (int)nf, NULL, fmts);
	ippAddRange(a, IPP_TAG_PRINTER, "copies-supported", 1, 999);
	/* The print processor chooses pages and puts several to a side for
	 * what goes to the printer as PDF or PostScript: every queue's
	 * type; a raw queue refuses a printer language's job that asks. */
	ippAddBoolean(a, IPP_TAG_PRINTER, "page-ranges-supported", 1);
	ippAddIntegers(a, IPP_TAG_PRINTER, IPP_TAG_INTEGER,
	    "number-up-supported", (int)N(up), up);
	/* Pages' own media and orientation, for the first (only) document.
	 * "document-number" is how CUPS 2.4's ipp-everywhere.test spells
	 * PWG 5100.6's "document-numbers"; both are accepted. */
	ippAddStrings(a, IPP_TAG_PRINTER, IPP_TAG_KEYWORD,
	    "overrides-supported", (int)N(overrides), NULL, overrides);
	ippAddString(a, IPP_TAG_PRINTER, IPP_TAG_KEYWORD, "sides-default", NULL,
	    q->cfg->sides[0] ? q->cfg->sides : "one-sided");
	add_keywords(a, "sides-supported", queue_sides_list(q));
	ippAddInteger(a, IPP_TAG_PRINTER, IPP_TAG_ENUM,
	    "orientation-requested-default", q->cfg->landscape
		? IPP_ORIENT_LANDSCAPE
		: IPP_ORIENT_PORTRAIT);
	ippAddIntegers(a, IPP_TAG_PRINTER, IPP_TAG_ENUM,
	    "orientation-requested-supported", (int)N(orient), orient);
	ippAddIntegers(a, IPP_TAG_PRINTER, IPP_TAG_ENUM,
	    "print-quality-supported", (int)N(quality), quality);
	ippAddResolution(a, IPP_TAG_PRINTER, "printer-resolution-default",
	    IPP_RES_PER_INCH, 600, 600);
	ippAddResolution(a, IPP_TAG_PRINTER, "printer-resolution-supported",
	    IPP_RES_PER_INCH, 600, 600);
	ippAddStrings(a, IPP_TAG_PRINTER, IPP_TAG_KEYWORD,
	    "multiple-document-handling-supported", (int)N(mdh), NULL, mdh);
	/* spoolbox passes colour on; the printer's config says it has it. */
	add_keywords(a, "print-color-mode-supported", q->cfg->color
		? "auto,color,monochrome" : "auto,monochrome");
	ippAddBoolean(a, IPP_TAG_PRINTER, "color-supported",
	    (char)q->cfg->color);
	/* Images: "auto" fits one larger than the page, leaves a smaller
	 * one as it is (docconv.c). */
	ippAddString(a, IPP_TAG_PRINTER, IPP_TAG_KEYWORD,
	    "print-scaling-default", NULL, "auto");
	ippAddStrings(a, IPP_TAG_PRINTER, IPP_TAG_KEYWORD,
	    "print-scaling-supported", (int)N(scaling), NULL, scaling);
}

/* The server's own: versions, operations, charsets, jobs it lists. */
static void
server_attrs(const struct lsn *l, ipp_t *a)
{
	static const char *const charsets[] = { "us-ascii", "utf-8" };
	static const char *const versions[] = { "1.1", "2.0" };
	static const char *const which[] = { "completed", "not-completed" };
	static const char *const creation[] = { "copies", "media", "media-col",
		"sides", "orientation-requested", "print-quality",
		"print-scaling", "multiple-document-handling",
		"job-hold-until", "page-ranges", "number-up", "overrides",
		"cpi", "lpi", "columns", "page-top", "page-right",
		"page-bottom", "page-left" };
	static const char *const hold[] = { "no-hold", "indefinite",
		"day-time", "evening", "night", "weekend", "second-shift",
		"third-shift" };
	static const char *const compression[] = { "none", "gzip",
		"deflate" };
	static const int ops[] = { IPP_OP_PRINT_JOB, IPP_OP_VALIDATE_JOB,
		IPP_OP_CREATE_JOB, IPP_OP_SEND_DOCUMENT, IPP_OP_CANCEL_JOB,
		IPP_OP_GET_JOB_ATTRIBUTES, IPP_OP_GET_JOBS,
		IPP_OP_GET_PRINTER_ATTRIBUTES, IPP_OP_CANCEL_MY_JOBS,
		IPP_OP_CLOSE_JOB, IPP_OP_IDENTIFY_PRINTER, IPP_OP_CANCEL_JOBS,
		IPP_OP_PURGE_JOBS, IPP_OP_HOLD_JOB, IPP_OP_RELEASE_JOB,
		IPP_OP_RESTART_JOB,
		IPP_OP_CUPS_GET_DEFAULT, IPP_OP_CUPS_GET_PRINTERS,
		IPP_OP_CUPS_GET_CLASSES };
	time_t up = (time_t)(l->started_wall_ms / 1000);

	ippAddStrings(a, IPP_TAG_PRINTER, IPP_TAG_KEYWORD,
	    "ipp-versions-supported", (int)N(versions), NULL, versions);
	ippAddIntegers(a, IPP_TAG_PRINTER, IPP_TAG_ENUM, "operations-supported",
	    (int)N(ops), ops);
	ippAddString(a, IPP_TAG_PRINTER, IPP_TAG_CHARSET, "charset-configured",
	    NULL, "utf-8");
	ippAddStrings(a, IPP_TAG_PRINTER, IPP_TAG_CHARSET, "charset-supported",
	    (int)N(charsets), NULL, charsets);
	ippAddString(a, IPP_TAG_PRINTER, IPP_TAG_LANGUAGE,
	    "natural-language-configured", NULL, "en");
	ippAddString(a, IPP_TAG_PRINTER, IPP_TAG_LANGUAGE,
	    "generated-natural-language-supported", NULL, "en");
	ippAddStrings(a, IPP_TAG_PRINTER, IPP_TAG_KEYWORD,
	    "job-creation-attributes-supported", (int)N(creation), NULL,
	    creation);
	ippAddStrings(a, IPP_TAG_PRINTER, IPP_TAG_KEYWORD,
	    "which-jobs-supported", (int)N(which), NULL, which);
	ippAddStrings(a, IPP_TAG_PRINTER, IPP_TAG_KEYWORD,
	    "job-hold-until-supported", (int)N(hold), NULL, hold);
	ippAddStrings(a, IPP_TAG_PRINTER, IPP_TAG_KEYWORD,
	    "compression-supported", (int)N(compression), NULL, compression);
	ippAddString(a, IPP_TAG_PRINTER, IPP_TAG_KEYWORD,
	    "job-hold-until-default", NULL, "no-hold");
	ippAddInteger(a, IPP_TAG_PRINTER, IPP_TAG_INTEGER,
	    "multiple-operation-time-out",
	    (int)(l->w->cfg->step_timeout_ms / 1000));
	ippAddDate(a, IPP_TAG_PRINTER, "printer-config-change-date-time",
	    ippTimeToDate(up));
	ippAddInteger(a, IPP_TAG_PRINTER, IPP_TAG_INTEGER,
	    "printer-config-change-time", (int)up);
	ippAddDate(a, IPP_TAG_PRINTER, "printer-state-change-date-time",
	    ippTimeToDate(up));
	ippAddInteger(a, IPP_TAG_PRINTER, IPP_TAG_INTEGER,
	    "printer-state-change-time", (int)up);
}

/* Who the queue is: names, make, device id, organization. */
static void
description_attrs(const struct lsn_queue *q, ipp_t *a)
{
	const Sb__QueueConfig *c = q->cfg;
	char devid[256];

	ippAddString(a, IPP_TAG_PRINTER, IPP_TAG_NAME, "printer-name", NULL,
	    c->name);
	ippAddString(a, IPP_TAG_PRINTER, IPP_TAG_TEXT, "printer-info", NULL,
	    c->description[0] ? c->description : c->name);
	ippAddString(a, IPP_TAG_PRINTER, IPP_TAG_TEXT, "printer-location",
	    NULL, "");
	ippAddString(a, IPP_TAG_PRINTER, IPP_TAG_TEXT,
	    "printer-make-and-model", NULL, "spoolbox " SPOOLBOX_VERSION
	    " queue");
	ippAddInteger(a, IPP_TAG_PRINTER, IPP_TAG_ENUM, "printer-type",
	    queue_printer_type(queue_sides_list(q), q->cfg->color));
	snprintf(devid, sizeof(devid), "MFG:spoolbox;MDL:%s;CMD:%s;", c->name,
	    c->datatype == SB__DATA_TYPE__POSTSCRIPT ? "PS"
	    : c->datatype == SB__DATA_TYPE__PDF	     ? "PDF"
						     : "PDF,PS,PCL,PWGRaster,URF");
	ippAddString(a, IPP_TAG_PRINTER, IPP_TAG_TEXT, "printer-device-id",
	    NULL, devid);
	ippAddOutOfBand(a, IPP_TAG_PRINTER, IPP_TAG_UNKNOWN,
	    "printer-geo-location");
	ippAddString(a, IPP_TAG_PRINTER, IPP_TAG_TEXT, "printer-organization",
	    NULL, "");
	ippAddString(a, IPP_TAG_PRINTER, IPP_TAG_TEXT,
	    "printer-organizational-unit", NULL, "");
}

/* Raster goes to the printer as it is: what it takes is the printer's
 * business; these are what IPP Everywhere printers do. */
static void
raster_attrs(const struct lsn_queue *q, ipp_t *a)
{
	static const char *const raster_types[] = { "black_1", "sgray_8",
		"srgb_8" };
	static const int res[] = { 300, 600 };

	if (!datatype_taken((int)q->cfg->datatype, SB__DATA_TYPE__PWG_RASTER))
		return;
	ippAddString(a, IPP_TAG_PRINTER, IPP_TAG_KEYWORD,
	    "ipp-features-supported", NULL, "ipp-everywhere");
	ippAddResolutions(a, IPP_TAG_PRINTER,
	    "pwg-raster-document-resolution-supported", (int)N(res),
	    IPP_RES_PER_INCH, res, res);
	ippAddString(a, IPP_TAG_PRINTER, IPP_TAG_KEYWORD,
	    "pwg-raster-document-sheet-back", NULL, "normal");
	ippAddStrings(a, IPP_TAG_PRINTER, IPP_TAG_KEYWORD,
	    "pwg-raster-document-type-supported", (int)N(raster_types), NULL,
	    raster_types);
}

void
printer_build(struct lsn *l)
{
	for (size_t i = 0; i < l->nqueues; i++) {
		struct lsn_queue *q = &l->queues[i];
		ipp_t *a = ippNew();
		for (size_t k = 0; k < N(keywords); k++)
			ippAddString(a, IPP_TAG_PRINTER, IPP_TAG_KEYWORD,
			    keywords[k].name, NULL, keywords[k].value);
		for (size_t k = 0; k < N(numbers); k++)
			ippAddInteger(a, IPP_TAG_PRINTER, numbers[k].tag,
			    numbers[k].name, numbers[k].value);
		for (size_t k = 0; k < N(booleans); k++)
			ippAddBoolean(a, IPP_TAG_PRINTER, booleans[k].name,
			    (char)booleans[k].value);
		description_attrs(q, a);
		server_attrs(l, a);
		template_attrs(q, a);
		raster_attrs(q, a);
		ippDelete(q->ipp_attrs);
		q->ipp_attrs = a;
	}
}

extern const unsigned char icon_48[], icon_128[], icon_512[];
extern const size_t icon_48_len, icon_128_len, icon_512_len;
const struct printer_icon printer_icons[3] = {
	{ "/icons/printer-48.png", icon_48, &icon_48_len },
	{ "/icons/printer-128.png", icon_128, &icon_128_len },
	{ "/icons/printer-512.png", icon_512, &icon_512_len },
};

/* The queue's URIs: ipp:// unless TLS is required (by the listener or
 * the queue), ipps:// when TLS is on, each with its security. */
static void
uris_attrs(const struct req *r, ipp_t *a)
{
	struct req plain = *r, tls = *r;
	char uris[2][1100];
	const char *u[2], *sec[2];
	int n = 0;

	plain.tls = 0;
	tls.tls = 1;
	if (r->c->l->tls != TLS_REQUIRED && !r->q->cfg->tls_required) {
		printer_uri(&plain, uris[n], sizeof(uris[n]));
		sec[n++] = "none";
	}
	if (r->c->l->tls != TLS_OFF) {
		printer_uri(&tls, uris[n], sizeof(uris[n]));
		sec[n++] = "tls";
	}
	for (int i = 0; i < n; i++)
		u[i] = uris[i];
	ippAddStrings(a, IPP_TAG_PRINTER, IPP_TAG_URI, "printer-uri-supported",
	    n, NULL, u);
	ippAddStrings(a, IPP_TAG_PRINTER, IPP_TAG_KEYWORD,
	    "uri-security-supported", n, NULL, sec);
}

#define SUPPLY_UNKNOWN "index=1;class=supplyThatIsConsumed;type=other;" \
	"unit=percent;maxcapacity=-2;level=-2;"

/* What depends on how the client reached us, the live state, and the
 * collections (libcups shares a collection between copies by a count it
 * changes without a lock: each request builds its own). */
static void
request_attrs(struct req *r, const Sb__QueueInfo *qi, ipp_t *a)
{
	char more[1100], uuid[64], icons[3][1100];
	const char *icon[3];
	int stopped = qi != NULL && strcmp(qi->state, "ready") != 0;
	int busy = qi != NULL && qi->active > 0;

	snprintf(more, sizeof(more), "%s://%s/printers/%s",
	    r->tls ? "https" : "http", r->host, r->q->cfg->name);
	if (r->q->cfg->uuid[0] != '\0')
		snprintf(uuid, sizeof(uuid), "%s", r->q->cfg->uuid);
	else
		queue_uuid(r->host, r->q->cfg->name, uuid, sizeof(uuid));
	uris_attrs(r, a);
	ippAddString(a, IPP_TAG_PRINTER, IPP_TAG_URI, "printer-more-info",
	    NULL, more);
	/* Supplies: an LPD printer or a file does not report them, so one
	 * entry says so (level and capacity -2: unknown, RFC 3805). */
	ippAddOctetString(a, IPP_TAG_PRINTER, "printer-supply", SUPPLY_UNKNOWN,
	    (int)strlen(SUPPLY_UNKNOWN));
	ippAddString(a, IPP_TAG_PRINTER, IPP_TAG_TEXT,
	    "printer-supply-description", NULL,
	    "Supplies (levels not reported by this printer)");
	ippAddString(a, IPP_TAG_PRINTER, IPP_TAG_URI, "printer-supply-info-uri",
	    NULL, more);
	for (int i = 0; i < 3; i++) {
		snprintf(icons[i], sizeof(icons[i]), "%s://%s%s",
		    r->tls ? "https" : "http", r->host, printer_icons[i].path);
		icon[i] = icons[i];
	}
	ippAddStrings(a, IPP_TAG_PRINTER, IPP_TAG_URI, "printer-icons", 3,
	    NULL, icon);
	ippAddString(a, IPP_TAG_PRINTER, IPP_TAG_URI, "printer-uuid", NULL,
	    uuid);
	ippAddInteger(a, IPP_TAG_PRINTER, IPP_TAG_ENUM, "printer-state",
	    stopped ? IPP_PSTATE_STOPPED
	    : busy  ? IPP_PSTATE_PROCESSING
		    : IPP_PSTATE_IDLE);
	ippAddString(a, IPP_TAG_PRINTER, IPP_TAG_KEYWORD,
	    "printer-state-reasons", NULL, stopped ? "paused" : "none");
	/* Nothing to say when all is well (as CUPS: lpstat prints it). */
	ippAddString(a, IPP_TAG_PRINTER, IPP_TAG_TEXT, "printer-state-message",
	    NULL, qi != NULL && qi->reason[0] ? qi->reason
	    : stopped			      ? "stopped"
					      : "");
	ippAddBoolean(a, IPP_TAG_PRINTER, "printer-is-accepting-jobs",
	    qi == NULL || qi->accepting);
	ippAddInteger(a, IPP_TAG_PRINTER, IPP_TAG_INTEGER, "queued-job-count",
	    qi != NULL ? (int)(qi->pending + qi->active) : 0);
	ippAddInteger(a, IPP_TAG_PRINTER, IPP_TAG_INTEGER, "printer-up-time",
	    (int)time(NULL));
	ippAddDate(a, IPP_TAG_PRINTER, "printer-current-time",
	    ippTimeToDate(time(NULL)));
	media_attrs(r->q, a);
}

/* The printer's own capabilities in qi, when it said them. */
static const Sb__PrinterCaps *
caps_in(const Sb__QueueInfo *qi)
{
	return qi != NULL && qi->caps != NULL && qi->caps->error[0] == '\0'
	    ? qi->caps
	    : NULL;
}

struct wanted_ctx {
	cups_array_t *ra;           /* asked for (NULL: all) */
	const Sb__PrinterCaps *caps;
};

/* Asked for, and not one the printer's own capabilities replace. */
static int
wanted_here(void *arg, ipp_t *dst, ipp_attribute_t *attr)
{
	const struct wanted_ctx *w = arg;

	return !caps_replace(w->caps, ippGetName(attr)) &&
	    wanted(w->ra, dst, attr);
}

/* r's queue's attributes that ra asks for (NULL: all) into dst: the
 * constant part straight from the queue's (its strings shared, not
 * copied: they live as long as the process, and nothing writes them),
 * the rest built, the printer's own capabilities over the defaults. */
static void
queue_attrs(struct req *r, const Sb__QueueInfo *qi, cups_array_t *ra,
    ipp_t *dst)
{
	struct wanted_ctx w = { ra, caps_in(qi) };
	ipp_t *live = ippNew();

	ippCopyAttributes(dst, r->q->ipp_attrs, 1, wanted_here, &w);
	request_attrs(r, qi, live);
	if (w.caps != NULL)
		caps_attrs(w.caps, live);
	ippCopyAttributes(dst, live, 0, wanted, ra);
	ippDelete(live);
}

ipp_t *
printer_attrs(struct req *r, const Sb__QueueInfo *qi)
{
	ipp_t *a = ippNew();

	queue_attrs(r, qi, NULL, a);
	return a;
}

/* localspl's view of every queue (NULL when it does not answer). */
static sb_env *
queues_ask(struct req *r)
{
	Sb__QueuesReq qr = SB__QUEUES_REQ__INIT;
	sb_env e;

	chan_env_init(&e);
	e.body_case = SB__ENVELOPE__BODY_QUEUES_REQ;
	e.queues_req = &qr;
	return ask(r, &e, r->user, SB__ENVELOPE__BODY_QUEUES_REP);
}

/* The queue named in localspl's answer a (NULL: none, or no answer). */
static const Sb__QueueInfo *
queue_find(const sb_env *a, const char *name)
{
	for (size_t i = 0; a != NULL && i < a->queues_rep->n_queues; i++)
		if (strcmp(a->queues_rep->queues[i]->name, name) == 0)
			return a->queues_rep->queues[i];
	return NULL;
}

/* localspl's view of r's queue (NULL when it does not answer). */
static sb_env *
queue_info(struct req *r, const Sb__QueueInfo **qi)
{
	sb_env *a = queues_ask(r);

	*qi = queue_find(a, r->q->cfg->name);
	return a;
}

void
get_printer_attributes(struct req *r)
{
	cups_array_t *ra = ippCreateRequestedArray(r->in);
	const Sb__QueueInfo *qi;
	sb_env *a = queue_info(r, &qi);

	queue_attrs(r, qi, ra, r->out);
	cupsArrayDelete(ra);
	if (a != NULL)
		chan_free(a);
	status(r, IPP_STATUS_OK, NULL);
}

void
offer_of(struct req *r)
{
	const Sb__QueueInfo *qi = NULL;
	sb_env *a = NULL;

	if (uri_kind(r->q->cfg->uri) == SB__WORKER_KIND__REMOTE)
		a = queue_info(r, &qi);
	caps_offered(r->q, caps_in(qi), &r->offer);
	if (a != NULL)
		chan_free(a);
}

void
identify_printer(struct req *r)
{
	log_info("ipp %s: %s asks printer %s to identify itself",
	    r->c->peer_str, r->user, r->q->cfg->name);
}

/* ---- CUPS' own operations, as its clients (lpstat, lp, cancel,
 * lpoptions) send them to the server's URI ---- */

/* One queue as CUPS-Get-Printers lists it: its attributes, and CUPS'
 * device-uri, which here is where to print to it (spoolbox's URI for
 * the queue, never the printer behind it). */
static void
list_queue(struct req *r, const Sb__QueueInfo *qi, cups_array_t *ra,
    int sep)
{
	ipp_t *a = printer_attrs(r, qi);
	char uri[1100];

	printer_uri(r, uri, sizeof(uri));
	ippAddString(a, IPP_TAG_PRINTER, IPP_TAG_URI, "device-uri", NULL, uri);
	ippAddBoolean(a, IPP_TAG_PRINTER, "printer-is-shared", 1);
	ippAddBoolean(a, IPP_TAG_PRINTER, "printer-is-temporary", 0);
	if (sep)
		ippAddSeparator(r->out);
	ippCopyAttributes(r->out, a, 0, wanted, ra);
	ippDelete(a);
}

/* May r's client see queue i (its allow list, else the listener's)? */
static int
visible(const struct req *r, size_t i)
{
	return lsn_allowed(r->c->l, &r->c->l->queues[i],
	    (const struct sockaddr *)&r->c->peer);
}

/* Queue indexes of listener l by name, case aside, as CUPS lists its
 * printers (qsort_r: connection threads sort at once). */
static int
by_name(const void *a, const void *b, void *l)
{
	const struct lsn *x = l;

	return strcasecmp(x->queues[*(const size_t *)a].cfg->name,
	    x->queues[*(const size_t *)b].cfg->name);
}

/* CUPS-Get-Printers: every queue the client may use, in name order from
 * first-printer-name on, at most limit, of the printer-type asked
 * (printer-type-mask); CUPS answers not-found when there is none. */
void
cups_get_printers(struct req *r)
{
	ipp_attribute_t *lim = ippFindAttribute(r->in, "limit",
	    IPP_TAG_INTEGER);
	ipp_attribute_t *first = ippFindAttribute(r->in, "first-printer-name",
	    IPP_TAG_NAME);
	ipp_attribute_t *type = ippFindAttribute(r->in, "printer-type",
	    IPP_TAG_ENUM);
	ipp_attribute_t *mask = ippFindAttribute(r->in, "printer-type-mask",
	    IPP_TAG_ENUM);
	int t = type != NULL ? ippGetInteger(type, 0) : 0;
	int m = mask != NULL ? ippGetInteger(mask, 0) : 0;
	int max = lim != NULL && ippGetInteger(lim, 0) > 0
	    ? ippGetInteger(lim, 0)
	    : INT32_MAX;
	cups_array_t *ra = ippCreateRequestedArray(r->in);
	sb_env *a = queues_ask(r);
	struct lsn *l = r->c->l;
	size_t *order = calloc(l->nqueues ? l->nqueues : 1, sizeof(*order));
	size_t i = 0;
	int n = 0, any = 0;

	if (order == NULL)
		fatal("out of memory");
	for (size_t k = 0; k < l->nqueues; k++)
		order[k] = k;
	qsort_r(order, l->nqueues, sizeof(order[0]), by_name, l);
	if (first != NULL)
		while (i < l->nqueues &&
		    strcasecmp(l->queues[order[i]].cfg->name,
			ippGetString(first, 0, NULL)) != 0)
			i++;
	if (i == l->nqueues)
		i = 0; /* as CUPS: an unknown name starts at the first */
	for (; i < l->nqueues && n < max; i++) {
		if (!visible(r, order[i]))
			continue;
		any = 1;
		if ((queue_printer_type(queue_sides_list(&l->queues[order[i]]),
			 l->queues[order[i]].cfg->color) & m) != t)
			continue;
		r->q = &l->queues[order[i]];
		list_queue(r, queue_find(a, r->q->cfg->name), ra, n++ > 0);
	}
	r->q = NULL;
	free(order);
	if (!any)
		status(r, IPP_STATUS_ERROR_NOT_FOUND, "No destinations added.");
	else
		status(r, IPP_STATUS_OK, NULL);
	cupsArrayDelete(ra);
	if (a != NULL)
		chan_free(a);
}

/* CUPS-Get-Classes: spoolbox has no classes (pools are queues); an
 * empty list, as CUPS gives when it has printers and no class. */
void
cups_get_classes(struct req *r)
{
	for (size_t i = 0; i < r->c->l->nqueues; i++)
		if (visible(r, i)) {
			status(r, IPP_STATUS_OK, NULL);
			return;
		}
	status(r, IPP_STATUS_ERROR_NOT_FOUND, "No destinations added.");
}

/* CUPS-Get-Default: [spooler] default_queue, when this client may use
 * it. */
void
cups_get_default(struct req *r)
{
	const char *name = r->c->l->w->cfg->default_queue;
	cups_array_t *ra;
	sb_env *a;

	for (size_t i = 0; i < r->c->l->nqueues; i++) {
		if (strcmp(r->c->l->queues[i].cfg->name, name) != 0 ||
		    !visible(r, i))
			continue;
		ra = ippCreateRequestedArray(r->in);
		a = queues_ask(r);
		r->q = &r->c->l->queues[i];
		list_queue(r, queue_find(a, name), ra, 0);
		r->q = NULL;
		cupsArrayDelete(ra);
		if (a != NULL)
			chan_free(a);
		status(r, IPP_STATUS_OK, NULL);
		return;
	}
	status(r, IPP_STATUS_ERROR_NOT_FOUND, "No default printer.");
}

/* A PPD for q, as CUPS' clients fetch one (GET /printers/Q.ppd) to list
 * and set options (lpoptions -l): what the IPP attributes offer, the
 * media and sides, with the queue's defaults. Into f. */
void
printer_ppd(const struct lsn_queue *q, FILE *f)
{
	char media[8][48], sizes[8][16], dims[8][32], dflt[16] = "A4";
	char first[48];
	int n = list_words(queue_media_list(q), media, 8);

	for (int i = 0; i < n; i++) { /* iso_a4_210x297mm: A4 */
		double w, h;
		snprintf(sizes[i], sizeof(sizes[i]), "%s", media_short(media[i]));
		sizes[i][0] = (char)(sizes[i][0] - 'a' + 'A');
		paper_points(media[i], 0, &w, &h);
		snprintf(dims[i], sizeof(dims[i]), "%.0f %.0f", w, h);
		if (strcmp(media[i], media_name(q, &first)) == 0)
			snprintf(dflt, sizeof(dflt), "%.15s", sizes[i]);
	}

	fprintf(f, "*PPD-Adobe: \"4.3\"\n*FormatVersion: \"4.3\"\n"
		   "*FileVersion: \"%s\"\n*LanguageVersion: English\n"
		   "*LanguageEncoding: ISOLatin1\n*PCFileName: \"SPOOLBOX.PPD\"\n"
		   "*Manufacturer: \"spoolbox\"\n"
		   "*ModelName: \"spoolbox queue\"\n"
		   "*ShortNickName: \"spoolbox queue\"\n"
		   "*NickName: \"spoolbox %s queue %s\"\n"
		   "*PSVersion: \"(3010.000) 0\"\n*LanguageLevel: \"3\"\n"
		   "*ColorDevice: %s\n*DefaultColorSpace: %s\n"
		   "*FileSystem: False\n*Throughput: \"1\"\n"
		   "*LandscapeOrientation: Plus90\n*TTRasterizer: Type42\n",
	    SPOOLBOX_VERSION, SPOOLBOX_VERSION, q->cfg->name,
	    q->cfg->color ? "True" : "False", q->cfg->color ? "RGB" : "Gray");
	for (int k = 0; k < 2; k++) { /* the same choice by two keywords */
		const char *kw = k == 0 ? "PageSize" : "PageRegion";
		fprintf(f, "*OpenUI *%s/Media Size: PickOne\n"
			   "*OrderDependency: 10 AnySetup *%s\n"
			   "*Default%s: %s\n", kw, kw, kw, dflt);
		for (int i = 0; i < n; i++)
			fprintf(f, "*%s %s/%s: "
				   "\"<</PageSize[%s]>>setpagedevice\"\n",
			    kw, sizes[i], sizes[i], dims[i]);
		fprintf(f, "*CloseUI: *%s\n", kw);
	}
	fprintf(f, "*DefaultImageableArea: %s\n", dflt);
	for (int i = 0; i < n; i++)
		fprintf(f, "*ImageableArea %s/%s: \"0 0 %s\"\n", sizes[i],
		    sizes[i], dims[i]);
	fprintf(f, "*DefaultPaperDimension: %s\n", dflt);
	for (int i = 0; i < n; i++)
		fprintf(f, "*PaperDimension %s/%s: \"%s\"\n", sizes[i],
		    sizes[i], dims[i]);
	fputs("*OpenUI *Duplex/2-Sided Printing: PickOne\n"
	      "*OrderDependency: 10 AnySetup *Duplex\n", f);
	fprintf(f, "*DefaultDuplex: %s\n",
	    strcmp(q->cfg->sides, "two-sided-long-edge") == 0    ? "DuplexNoTumble"
	    : strcmp(q->cfg->sides, "two-sided-short-edge") == 0 ? "DuplexTumble"
								  : "None");
	if (list_has(queue_sides_list(q), "one-sided"))
		fputs("*Duplex None/Off: \"<</Duplex false>>setpagedevice\"\n",
		    f);
	if (list_has(queue_sides_list(q), "two-sided-long-edge"))
		fputs("*Duplex DuplexNoTumble/Long-Edge (Portrait): "
		      "\"<</Duplex true/Tumble false>>setpagedevice\"\n", f);
	if (list_has(queue_sides_list(q), "two-sided-short-edge"))
		fputs("*Duplex DuplexTumble/Short-Edge (Landscape): "
		      "\"<</Duplex true/Tumble true>>setpagedevice\"\n", f);
	fputs("*CloseUI: *Duplex\n*DefaultFont: Courier\n"
	      "*Font Courier: Standard \"(001.005)\" Standard ROM\n", f);
}
