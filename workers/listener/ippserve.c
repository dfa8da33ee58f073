/*
 * ippserve: an IPP/1.1 and 2.0 server for ipp://HOST:PORT/printers/QUEUE on
 * libcups' server-side HTTP and IPP API (httpAcceptConnection,
 * httpReadRequest, ippRead, ippWrite), as CUPS' ippeveprinter uses it: no
 * encoding or framing of our own. This file is HTTP and dispatch: the
 * connection, one request at a time, GET (a queue's line, /metrics), and
 * the operation table; the operations are ippjob.c's and ippprinter.c's
 * (ippsrv.h).
 * Reports: a line per request that is not IPP, per refused peer.
 */
#define _GNU_SOURCE
#include "ippsrv.h"
#include "metrics.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/time.h>

#include "log.h"
#include "util.h"

/* The operations served: each one's handler, whether it needs a job
 * (job-id, or a job-uri) to act on, and whether it may name the server
 * instead of a queue (ipp://HOST/, ipp://HOST/jobs/N: how CUPS' own
 * clients ask). Anyone the queue's allow list (the server's: the
 * listener's) lets in may call each; localspl decides who may act on
 * which job. */
static const struct ipp_op {
	ipp_op_t op;
	void (*handler)(struct req *r);
	int needs_job;
	int server;
} ops[] = {
	{ IPP_OP_PRINT_JOB, print_job, 0, 0 },
	{ IPP_OP_VALIDATE_JOB, validate_job, 0, 0 },
	{ IPP_OP_CREATE_JOB, create_job, 0, 0 },
	{ IPP_OP_SEND_DOCUMENT, send_document, 1, 0 },
	{ IPP_OP_CANCEL_JOB, cancel_job, 1, 1 },
	{ IPP_OP_GET_JOB_ATTRIBUTES, get_job_attributes, 1, 1 },
	{ IPP_OP_GET_JOBS, get_jobs, 0, 1 },
	{ IPP_OP_GET_PRINTER_ATTRIBUTES, get_printer_attributes, 0, 0 },
	{ IPP_OP_CANCEL_MY_JOBS, cancel_my_jobs, 0, 1 },
	{ IPP_OP_CANCEL_JOBS, cancel_jobs, 0, 0 },
	{ IPP_OP_HOLD_JOB, hold_job, 1, 1 },
	{ IPP_OP_RELEASE_JOB, release_job, 1, 1 },
	{ IPP_OP_RESTART_JOB, restart_job, 1, 1 },
	{ IPP_OP_PURGE_JOBS, cancel_jobs, 0, 0 },
	{ IPP_OP_CLOSE_JOB, close_job, 1, 0 },
	{ IPP_OP_IDENTIFY_PRINTER, identify_printer, 0, 0 },
	{ IPP_OP_CUPS_GET_DEFAULT, cups_get_default, 0, 1 },
	{ IPP_OP_CUPS_GET_PRINTERS, cups_get_printers, 0, 1 },
	{ IPP_OP_CUPS_GET_CLASSES, cups_get_classes, 0, 1 },
};

static const struct ipp_op *
op_find(ipp_op_t op)
{
	for (size_t i = 0; i < sizeof(ops) / sizeof(ops[0]); i++)
		if (ops[i].op == op)
			return &ops[i];
	return NULL;
}

/* Does the resource name the server rather than a queue: /, /printers,
 * /jobs, /jobs/N (CUPS' clients send their jobs' URIs so)? */
static int
names_server(const char *resource)
{
	return strcmp(resource, "/") == 0 || strcmp(resource, "") == 0 ||
	    strcmp(resource, "/printers") == 0 ||
	    strcmp(resource, "/printers/") == 0 ||
	    strcmp(resource, "/jobs") == 0 ||
	    (strncmp(resource, "/jobs/", 6) == 0 &&
		strspn(resource + 6, "0123456789") == strlen(resource + 6));
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
	/* libcups' per-thread globals and its locale are set up on first
	 * use; take that here, before any connection. */
	ipp_t *t = ippNew();
	ippDelete(t);
	printer_build(l);
}

/* The request names the server: every queue this client may use. 0, or
 * -1 after an error status. */
static int
server_scope(struct req *r)
{
	r->q = NULL;
	if (!lsn_allowed(r->c->l, NULL, (const struct sockaddr *)&r->c->peer)) {
		log_warn("ipp %s: not in the listener's allow list",
		    r->c->peer_str);
		status(r, IPP_STATUS_ERROR_FORBIDDEN, "not allowed");
		return -1;
	}
	return 0;
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
	const struct ipp_op *op = op_find(ippGetOperation(r->in));
	/* CUPS' own operations name no URI: the server is the one asked. */
	if (uri == NULL && op != NULL && op->server &&
	    ippGetOperation(r->in) >= IPP_OP_CUPS_GET_DEFAULT)
		return server_scope(r);
	if (uri == NULL || ippGetGroupTag(uri) != IPP_TAG_OPERATION ||
	    httpSeparateURI(HTTP_URI_CODING_ALL, ippGetString(uri, 0, NULL),
		scheme, sizeof(scheme), userpass, sizeof(userpass), host,
		sizeof(host), &port, resource,
		sizeof(resource)) < HTTP_URI_STATUS_OK) {
		status(r, IPP_STATUS_ERROR_BAD_REQUEST, "no printer-uri");
		return -1;
	}
	if (names_server(resource) && op != NULL && op->server)
		return server_scope(r);
	/* /printers/QUEUE, or a job under it: /printers/QUEUE/ID */
	char *qn = resource + 10, *slash;
	if (strncmp(resource, "/printers/", 10) != 0 ||
	    ((slash = strchr(qn, '/')) != NULL && (*slash = '\0', 0)) ||
	    (r->q = lsn_queue(r->c->l, qn)) == NULL) {
		status(r, IPP_STATUS_ERROR_NOT_FOUND, "no printer at %s",
		    ippGetString(uri, 0, NULL));
		return -1;
	}
	if (r->q->cfg->tls_required && !r->tls) {
		r->need_tls = 1;
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
	/* Who the client is: the account it logged in as, or the name it
	 * gives at its address. */
	if (r->token != 0)
		snprintf(r->user, sizeof(r->user), "%s", r->account);
	else
		lsn_identity(r->user, sizeof(r->user), r->name,
		    r->c->peer_str);
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
	const struct ipp_op *op;

	if (prepare(r) != 0)
		return;
	if ((op = op_find(ippGetOperation(r->in))) == NULL)
		status(r, IPP_STATUS_ERROR_OPERATION_NOT_SUPPORTED,
		    "operation %s is not supported",
		    ippOpString(ippGetOperation(r->in)));
	else if (op->needs_job && job_id(r) == 0)
		status(r, IPP_STATUS_ERROR_BAD_REQUEST, "no job-id");
	else
		op->handler(r);
}

/* An HTTP answer with body (len bytes of type); 0 to go on. */
static int
respond_bytes(struct req *r, http_status_t code, const char *type,
    const void *body, size_t len)
{
	httpClearFields(r->http);
	httpSetField(r->http, HTTP_FIELD_CONTENT_TYPE, type);
	httpSetLength(r->http, len);
	if (httpWriteResponse(r->http, code) < 0)
		return -1;
	if (len > 0 && (httpWrite2(r->http, body, len) < 0 ||
			   httpFlushWrite(r->http) < 0))
		return -1;
	return code == HTTP_STATUS_OK ? 0 : -1;
}

/* An HTTP answer without a body beyond a line of text; 0 to go on. */
static int
respond_text(struct req *r, http_status_t code, const char *type,
    const char *text)
{
	return respond_bytes(r, code, type, text, strlen(text));
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

/* GET /printers/QUEUE.ppd: the queue's options as a PPD, which CUPS'
 * clients read to list them (lpoptions -l); to peers its allow list
 * lets in. 0 to go on. */
static int
http_ppd(struct req *r, const char *resource)
{
	char name[80], *text = NULL;
	const struct lsn_queue *q;
	size_t len = 0;
	FILE *f;
	int rv;

	snprintf(name, sizeof(name), "%.*s", (int)(strlen(resource) - 14),
	    resource + 10);
	if ((q = lsn_queue(r->c->l, name)) == NULL ||
	    !lsn_allowed(r->c->l, q, (const struct sockaddr *)&r->c->peer))
		return respond_text(r, HTTP_STATUS_NOT_FOUND, "text/plain",
		    "404 - Not Found\n");
	if ((f = open_memstream(&text, &len)) == NULL)
		return respond_text(r, HTTP_STATUS_SERVER_ERROR, "text/plain",
		    "500 - out of memory\n");
	printer_ppd(q, f);
	fclose(f);
	rv = respond_text(r, HTTP_STATUS_OK, "application/vnd.cups-ppd", text);
	free(text);
	return rv;
}

/* GET or HEAD: a line about the queue (printer-more-info), the PPD, the
 * printer-icons, or the metrics; 0 to go on. */
static int
http_get(struct req *r, const char *resource)
{
	char text[512];
	const struct lsn_queue *q;

	if (strcmp(resource, "/metrics") == 0)
		return http_metrics(r);
	if (console_wants(r, resource, 0))
		return console_serve(r, resource, 0);
	for (int i = 0; i < 3; i++)
		if (strcmp(resource, printer_icons[i].path) == 0)
			return respond_bytes(r, HTTP_STATUS_OK, "image/png",
			    printer_icons[i].png, *printer_icons[i].len);
	if (strncmp(resource, "/printers/", 10) == 0 &&
	    strlen(resource) > 14 &&
	    strcmp(resource + strlen(resource) - 4, ".ppd") == 0)
		return http_ppd(r, resource);
	if (strncmp(resource, "/printers/", 10) != 0 ||
	    (q = lsn_queue(r->c->l, resource + 10)) == NULL)
		return respond_text(r, HTTP_STATUS_NOT_FOUND, "text/plain",
		    "404 - Not Found\n");
	/* Not where it prints: the printer behind is the admin's business. */
	snprintf(text, sizeof(text), "spoolbox queue %s%s%s\n", q->cfg->name,
	    q->cfg->description[0] ? ": " : "", q->cfg->description);
	return respond_text(r, HTTP_STATUS_OK, "text/plain", text);
}

/* ippRead() waits 10 s for bytes when a body ends before the message
 * does; httpRead2() says at once that there are none. */
static ssize_t
read_body(void *http, unsigned char *buf, size_t len)
{
	return httpRead2(http, (char *)buf, len);
}

/* libcups 2.4's httpUpdate() reads a request's header lines in a loop of
 * _httpUpdate(), one line each (exported by libcups, and what cupsd
 * calls), and keeps the last of repeated fields: read here a line at a
 * time, a Content-Length that changes between lines is seen (*twice). */
int _httpUpdate(http_t *http, http_status_t *status);

static http_status_t
update_head(http_t *http, char *cl, size_t cllen, int *twice)
{
	http_status_t st = HTTP_STATUS_ERROR;

	while (_httpUpdate(http, &st)) {
		const char *now = httpGetField(http, HTTP_FIELD_CONTENT_LENGTH);
		if (cl[0] != '\0' && strcmp(cl, now) != 0)
			*twice = 1;
		snprintf(cl, cllen, "%s", now);
	}
	return httpError(http) != 0 ? HTTP_STATUS_ERROR : st;
}

/* Is the body's length said one way only (RFC 9112 6.3)? Both
 * Content-Length and Transfer-Encoding, two lengths (libcups joins a
 * repeated field with a comma), a length that is not a number, or a coding
 * other than chunked: the body's end is ambiguous, so a request could be
 * smuggled past a proxy in front; refused, and the connection closed. */
static int
framing_ok(http_t *http)
{
	const char *cl = httpGetField(http, HTTP_FIELD_CONTENT_LENGTH);
	const char *te = httpGetField(http, HTTP_FIELD_TRANSFER_ENCODING);

	if (cl[0] != '\0' && te[0] != '\0')
		return 0;
	if (te[0] != '\0')
		return strcasecmp(te, "chunked") == 0;
	return cl[strspn(cl, "0123456789")] == '\0' && strlen(cl) <= 18;
}

/* The request line and header, within the step (deadline): the state
 * (GET, POST...), or HTTP_STATE_ERROR after any answer it needed. */
static http_state_t
read_head(struct req *r, char *resource, size_t len, uint64_t deadline)
{
	char cl[32] = "";
	http_state_t st;
	http_status_t hs;
	int twice = 0;

	while ((st = httpReadRequest(r->http, resource, len)) ==
	    HTTP_STATE_WAITING) {
		if (now_mono_ms() > deadline || !httpWait(r->http, 1000))
			return HTTP_STATE_ERROR;
	}
	lsn_set_idle(r->c, 0);
	if (st == HTTP_STATE_ERROR || st == HTTP_STATE_UNKNOWN_METHOD ||
	    st == HTTP_STATE_UNKNOWN_VERSION) {
		if (st != HTTP_STATE_ERROR) {
			log_warn("ipp %s: not an HTTP request", r->c->peer_str);
			respond_text(r, HTTP_STATUS_BAD_REQUEST, "text/plain",
			    "400 - Bad Request\n");
		}
		return HTTP_STATE_ERROR;
	}
	while ((hs = update_head(r->http, cl, sizeof(cl), &twice)) ==
	    HTTP_STATUS_CONTINUE)
		if (now_mono_ms() > deadline)
			return HTTP_STATE_ERROR;
	if (hs != HTTP_STATUS_OK) {
		log_warn("ipp %s: bad HTTP header", r->c->peer_str);
		respond_text(r, HTTP_STATUS_BAD_REQUEST, "text/plain",
		    "400 - Bad Request\n");
		return HTTP_STATE_ERROR;
	}
	if (twice || !framing_ok(r->http)) {
		log_warn("ipp %s: ambiguous HTTP framing (Content-Length "
			 "%s'%s', Transfer-Encoding '%s'): refused",
		    r->c->peer_str, twice ? "given twice, last " : "",
		    httpGetField(r->http, HTTP_FIELD_CONTENT_LENGTH),
		    httpGetField(r->http, HTTP_FIELD_TRANSFER_ENCODING));
		respond_text(r, HTTP_STATUS_BAD_REQUEST, "text/plain",
		    "400 - Bad Request\n");
		return HTTP_STATE_ERROR;
	}
	snprintf(r->host, sizeof(r->host), "%s",
	    httpGetField(r->http, HTTP_FIELD_HOST));
	if (r->host[0] == '\0')
		snprintf(r->host, sizeof(r->host), "localhost");
	return st;
}

/* tls = required and a plain request: 426, and the connection closed
 * (RFC 2817; the client comes back over ipps://). -1. */
static int
upgrade_required(struct req *r)
{
	static const char text[] = "426 - TLS required: ipps://\n";

	log_warn("ipp %s: plain HTTP where TLS is required%s: 426",
	    r->c->peer_str, r->need_tls ? " (the queue's tls_required)" : "");
	httpClearFields(r->http);
	httpSetField(r->http, HTTP_FIELD_CONTENT_TYPE, "text/plain");
	httpSetField(r->http, HTTP_FIELD_UPGRADE, "TLS/1.2, TLS/1.3");
	httpSetField(r->http, HTTP_FIELD_CONNECTION, "Upgrade");
	httpSetLength(r->http, strlen(text));
	if (httpWriteResponse(r->http, HTTP_STATUS_UPGRADE_REQUIRED) == 0 &&
	    httpWrite2(r->http, text, strlen(text)) >= 0)
		httpFlushWrite(r->http);
	return -1;
}

/* 401 and the connection closed: the client comes back with its
 * account's name and password. -1. */
static int
unauthorized(struct req *r)
{
	static const char text[] = "401 - log in with your account\n";

	httpClearFields(r->http);
	httpSetField(r->http, HTTP_FIELD_CONTENT_TYPE, "text/plain");
	httpSetField(r->http, HTTP_FIELD_WWW_AUTHENTICATE,
	    "Basic realm=\"spoolbox\", charset=\"UTF-8\"");
	httpSetLength(r->http, strlen(text));
	if (httpWriteResponse(r->http, HTTP_STATUS_UNAUTHORIZED) == 0 &&
	    httpWrite2(r->http, text, strlen(text)) >= 0)
		httpFlushWrite(r->http);
	return -1;
}

/* auth = basic: the client's account, asked of the broker (PAM) once per
 * connection, and again when the client sends other credentials. Over TLS
 * only. 0, or -1 after a 401 (or a 426). */
static int
login(struct req *r)
{
	const char *h = httpGetField(r->http, HTTP_FIELD_AUTHORIZATION);
	Sb__AuthReq ar;
	char dec[384], who[160], *colon;
	int len = (int)sizeof(dec) - 1;
	sb_env e, *a;

	if (!r->tls)
		return upgrade_required(r);
	if (r->token != 0 && strcmp(h, r->auth) == 0)
		return 0;
	if (strncasecmp(h, "Basic ", 6) != 0 || strlen(h) >= sizeof(r->auth))
		return unauthorized(r);
	httpDecode64_2(dec, &len, h + 6);
	dec[len > 0 ? len : 0] = '\0';
	if ((colon = strchr(dec, ':')) == NULL || colon == dec ||
	    colon - dec >= 64)
		return unauthorized(r);
	*colon = '\0';
	lsn_auth_env(&e, &ar, dec, colon + 1);
	lsn_identity(who, sizeof(who), dec, r->c->peer_str);
	a = lsn_call(r->c->l, &e, who, ANSWER_MS);
	explicit_bzero(colon + 1, strlen(colon + 1));
	if (a == NULL || a->body_case != SB__ENVELOPE__BODY_AUTH_REP) {
		log_warn("ipp %s: login as %s refused", r->c->peer_str, dec);
		chan_free(a);
		return unauthorized(r);
	}
	r->token = a->auth_rep->token;
	snprintf(r->auth, sizeof(r->auth), "%s", h);
	snprintf(r->account, sizeof(r->account), "%s", a->auth_rep->user);
	lsn_set_account(r->token);
	log_info("ipp %s: logged in as %s", r->c->peer_str, r->account);
	chan_free(a);
	return 0;
}

/* A POST's IPP message into r->in, bounded (ippread.c); each read waits
 * at most the socket's timeout, and the step's deadline shuts the socket.
 * 0, or -1 after any answer it needed. */
static int
read_ipp(struct req *r)
{
	char why[128];

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
	if (ipp_read_bounded(read_body, r->http, r->in, why, sizeof(why)) != 0) {
		log_warn("ipp %s: request refused: %s", r->c->peer_str, why);
		respond_text(r, HTTP_STATUS_BAD_REQUEST, "text/plain",
		    "400 - Bad Request\n");
		return -1;
	}
	return 0;
}

/* One HTTP request; 0 to keep the connection, -1 to close it. The
 * request line, its header and its IPP message are one step. */
static int
one_request(struct req *r)
{
	char resource[1024];
	uint64_t deadline = now_mono_ms() + r->c->step_ms;
	http_state_t st;
	int rv = -1;

	lsn_step(r->c, r->c->step_ms);
	st = read_head(r, resource, sizeof(resource), deadline);
	if (st != HTTP_STATE_ERROR && r->c->l->tls == TLS_REQUIRED && !r->tls)
		return upgrade_required(r);
	switch (st) {
	case HTTP_STATE_GET:
	case HTTP_STATE_HEAD:
		return http_get(r, resource);
	case HTTP_STATE_POST:
		if (console_wants(r, resource, 1))
			return console_serve(r, resource, 1);
		if (r->c->l->w->cfg->auth_basic && login(r) != 0)
			return -1;
		break;
	case HTTP_STATE_ERROR:
		return -1;
	default:
		respond_text(r, HTTP_STATUS_METHOD_NOT_ALLOWED, "text/plain",
		    "405 - Method Not Allowed\n");
		return -1;
	}
	if (read_ipp(r) == 0) {
		/* A document streams at its own pace: each read bounded by
		 * the socket's timeout, the whole by max_upload_seconds. */
		lsn_step(r->c, 0);
		process_ipp(r);
		lsn_step(r->c, r->c->step_ms);
		if (r->need_tls) {
			ippDelete(r->in);
			ippDelete(r->out);
			r->in = r->out = NULL;
			return upgrade_required(r);
		}
		/* A document the operation did not read is read and
		 * dropped, so the connection can take the next request. */
		if (httpGetState(r->http) != HTTP_STATE_POST_SEND)
			httpFlush(r->http);
		rv = respond_ipp(r);
	}
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
	lsn_set_account(0);
	/* Every answer says what answers (libcups would say CUPS). */
	httpSetDefaultField(http, HTTP_FIELD_SERVER, "spoolbox/" SPOOLBOX_VERSION);
	/* ipps:// on the same port: a TLS client speaks first. */
	if (c->l->tls != TLS_OFF) {
		int hello = lsn_tls_hello(c);
		if (hello < 0 || (hello == 1 && lsn_tls_start(c) != 0))
			goto out;
		r.tls = hello;
	}
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
out:
	/* Nobody may shut its descriptor once it is closed (and reused). */
	lsn_step(c, 0);
	lsn_set_idle(c, 0);
	explicit_bzero(r.auth, sizeof(r.auth));
	httpClose(http);
}
