/*
 * ipp: IPP client on libcups (see ipp.h). Certificates of ipps printers
 * are verified here with GnuTLS (libcups leaves that to the caller):
 * against the queue's own CA (ca_file) or the host's CA store, with the
 * host name checked, or pinned to a SHA-256 fingerprint.
 * Reports: reasons as strings for the job's last error.
 */
#define _GNU_SOURCE
#include "ipp.h"

#include <cups/cups.h>
#include <errno.h>
#include <netdb.h>
#include <sys/socket.h>
#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>
#include <gnutls/x509.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define PIECE (256 * 1024)

struct ipp_conn {
	http_t *http;
	char uri[1024];
	char host[256];
	char resource[1024];
	int port;
	int timeout_ms;
};

/* libcups' timeout callback: give up (0) when a step outlives the
 * timeout set with httpSetTimeout. */
static int
timeout_cb(http_t *http, void *arg)
{
	(void)http;
	(void)arg;
	return 0;
}

/* Is the server's certificate cr the pinned one? */
static int
pinned(const struct ipp_conn *c, const http_credential_t *cr,
    const char *pin, char *err, size_t errlen)
{
	unsigned char md[32];
	char hex[65];

	gnutls_hash_fast(GNUTLS_DIG_SHA256, cr->data, cr->datalen, md);
	for (int i = 0; i < 32; i++)
		snprintf(hex + 2 * i, 3, "%02x", md[i]);
	if (strcmp(hex, pin) == 0)
		return IPPC_OK;
	snprintf(err, errlen, "certificate of %s is not the pinned one (its "
	    "SHA-256 is %s)", c->host, hex);
	return IPPC_PERMANENT;
}

/* The certificate chain the server sent, checked as the queue says. */
static int
verify_chain(struct ipp_conn *c, const struct ipp_target *t, char *err,
    size_t errlen)
{
	gnutls_x509_trust_list_t list = NULL;
	gnutls_x509_crt_t crts[16];
	gnutls_typed_vdata_st host = { .type = GNUTLS_DT_DNS_HOSTNAME };
	cups_array_t *creds = NULL;
	http_credential_t *cr;
	unsigned n = 0, status = 0;
	int rv = IPPC_PERMANENT;

	if (httpCopyCredentials(c->http, &creds) != 0 ||
	    (cr = cupsArrayFirst(creds)) == NULL) {
		snprintf(err, errlen, "%s sent no certificate", c->host);
		goto out;
	}
	if (t->pin_sha256 != NULL && t->pin_sha256[0] != '\0') {
		rv = pinned(c, cr, t->pin_sha256, err, errlen);
		goto out;
	}
	for (; cr != NULL && n < 16; cr = cupsArrayNext(creds), n++) {
		gnutls_datum_t d = { cr->data, (unsigned)cr->datalen };
		if (gnutls_x509_crt_init(&crts[n]) != 0 ||
		    gnutls_x509_crt_import(crts[n], &d, GNUTLS_X509_FMT_DER)) {
			snprintf(err, errlen, "certificate of %s does not "
			    "decode", c->host);
			n++;
			goto free_crts;
		}
	}
	gnutls_x509_trust_list_init(&list, 0);
	if (t->ca_pem != NULL && t->ca_pem[0] != '\0') {
		gnutls_datum_t ca = { (unsigned char *)t->ca_pem,
			(unsigned)strlen(t->ca_pem) };
		if (gnutls_x509_trust_list_add_trust_mem(list, &ca, NULL,
			GNUTLS_X509_FMT_PEM, 0, 0) <= 0) {
			snprintf(err, errlen, "the queue's ca_file holds no "
			    "certificate");
			goto free_crts;
		}
	} else if (gnutls_x509_trust_list_add_system_trust(list, 0, 0) <= 0) {
		snprintf(err, errlen, "no CA certificates on this host");
		goto free_crts;
	}
	host.data = (unsigned char *)c->host;
	host.size = (unsigned)strlen(c->host);
	if (gnutls_x509_trust_list_verify_crt2(list, crts, n, &host, 1, 0,
		&status, NULL) != 0 || status != 0) {
		gnutls_datum_t why = { NULL, 0 };
		gnutls_certificate_verification_status_print(status,
		    GNUTLS_CRT_X509, &why, 0);
		snprintf(err, errlen, "certificate of %s refused: %s", c->host,
		    why.data != NULL ? (char *)why.data : "not trusted");
		gnutls_free(why.data);
		goto free_crts;
	}
	rv = IPPC_OK;
free_crts:
	for (unsigned i = 0; i < n; i++)
		gnutls_x509_crt_deinit(crts[i]);
	if (list != NULL)
		gnutls_x509_trust_list_deinit(list, 1);
out:
	httpFreeCredentials(creds);
	return rv;
}

/* httpConnect2 failed, and libcups says EHOSTDOWN for every failure:
 * try a plain connection once (the failure path only) for the reason. */
static const char *
why_not(const struct ipp_conn *c, int timeout_ms)
{
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM }, *res;
	static char why[128];
	char port[16];
	int fd, soerr = ETIMEDOUT;
	socklen_t sl = sizeof(soerr);

	snprintf(port, sizeof(port), "%d", c->port);
	if (getaddrinfo(c->host, port, &hints, &res) != 0)
		return "cannot resolve the host";
	fd = socket(res->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
	    0);
	if (fd >= 0 && connect(fd, res->ai_addr, res->ai_addrlen) != 0 &&
	    errno == EINPROGRESS) {
		struct pollfd p = { .fd = fd, .events = POLLOUT };
		if (poll(&p, 1, timeout_ms) > 0)
			getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &sl);
	} else {
		soerr = fd < 0 ? errno : 0;
	}
	if (fd >= 0)
		close(fd);
	freeaddrinfo(res);
	snprintf(why, sizeof(why), "%s", soerr == 0
	    ? "TLS or HTTP set-up failed" : strerror(soerr));
	return why;
}

struct ipp_conn *
ipp_open(const struct ipp_target *t, int *result, char *err, size_t errlen)
{
	char scheme[16], user[64];
	struct ipp_conn *c = calloc(1, sizeof(*c));
	int tls;

	/* Set, so libcups never looks the user up (NSS has no passwd in
	 * the sandbox and would try systemd's userdb): client.conf's
	 * defaults take CUPS_USER. Each request names the job's own user. */
	setenv("CUPS_USER", "spoolbox", 1);
	cupsSetUser("spoolbox");
	*result = IPPC_PERMANENT;
	if (c == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	snprintf(c->uri, sizeof(c->uri), "%s", t->uri);
	c->timeout_ms = t->timeout_ms;
	if (httpSeparateURI(HTTP_URI_CODING_ALL, t->uri, scheme, sizeof(scheme),
		user, sizeof(user), c->host, sizeof(c->host), &c->port,
		c->resource, sizeof(c->resource)) < HTTP_URI_STATUS_OK) {
		snprintf(err, errlen, "bad printer URI %s", t->uri);
		free(c);
		return NULL;
	}
	tls = strcmp(scheme, "ipps") == 0;
	c->http = httpConnect2(c->host, c->port, NULL, AF_UNSPEC,
	    tls ? HTTP_ENCRYPTION_ALWAYS : HTTP_ENCRYPTION_IF_REQUESTED, 1,
	    t->connect_ms, NULL);
	if (c->http == NULL) {
		/* Unreachable, refused, timed out, or no TLS with it. */
		snprintf(err, errlen, "connect to %s:%d: %s", c->host, c->port,
		    why_not(c, t->connect_ms));
		*result = IPPC_TRANSIENT;
		free(c);
		return NULL;
	}
	httpSetTimeout(c->http, t->timeout_ms / 1000.0, timeout_cb, NULL);
	if (tls && (*result = verify_chain(c, t, err, errlen)) != IPPC_OK) {
		ipp_close(c);
		return NULL;
	}
	*result = IPPC_OK;
	return c;
}

void
ipp_close(struct ipp_conn *c)
{
	if (c == NULL)
		return;
	if (c->http != NULL)
		httpClose(c->http);
	free(c);
}

/* How an answer (or its absence) counts for delivery. */
static int
classify(const char *what, ipp_t *resp, char *err, size_t errlen)
{
	ipp_status_t st = cupsLastError();

	if (resp != NULL && ippGetStatusCode(resp) <= IPP_STATUS_OK_EVENTS_COMPLETE)
		return IPPC_OK;
	snprintf(err, errlen, "%s: %s (%s)", what, cupsLastErrorString(),
	    ippErrorString(st));
	switch (st) {
	case IPP_STATUS_ERROR_SERVICE_UNAVAILABLE:
	case IPP_STATUS_ERROR_TEMPORARY:
	case IPP_STATUS_ERROR_NOT_ACCEPTING_JOBS:
	case IPP_STATUS_ERROR_BUSY:
		return IPPC_TRANSIENT;
	default:
		/* No IPP answer at all: the connection broke. */
		if (resp == NULL && st == IPP_STATUS_ERROR_INTERNAL)
			return IPPC_TRANSIENT;
		return IPPC_PERMANENT;
	}
}

static ipp_t *
request(struct ipp_conn *c, ipp_op_t op, const char *user)
{
	ipp_t *r = ippNewRequest(op);

	ippAddString(r, IPP_TAG_OPERATION, IPP_TAG_URI, "printer-uri", NULL,
	    c->uri);
	ippAddString(r, IPP_TAG_OPERATION, IPP_TAG_NAME,
	    "requesting-user-name", NULL, user != NULL && user[0] ? user
								   : "spoolbox");
	return r;
}

/* The values of a keyword/mime attribute, comma-joined into buf. */
static void
join(ipp_attribute_t *a, char *buf, size_t len)
{
	size_t n = 0;

	buf[0] = '\0';
	for (int i = 0; a != NULL && i < ippGetCount(a) && n < len; i++)
		n += (size_t)snprintf(buf + n, len - n, "%s%s", i ? "," : "",
		    ippGetString(a, i, NULL));
}

void
ipp_printer_read(ipp_t *resp, struct ipp_printer *p)
{
	ipp_attribute_t *a;
	int creat = 0, send = 0;

	memset(p, 0, sizeof(*p));
	join(ippFindAttribute(resp, "document-format-supported",
		 IPP_TAG_MIMETYPE), p->formats, sizeof(p->formats));
	join(ippFindAttribute(resp, "printer-state-reasons", IPP_TAG_KEYWORD),
	    p->reasons, sizeof(p->reasons));
	a = ippFindAttribute(resp, "printer-is-accepting-jobs",
	    IPP_TAG_BOOLEAN);
	p->accepting = a == NULL || ippGetBoolean(a, 0);
	a = ippFindAttribute(resp, "printer-state", IPP_TAG_ENUM);
	p->state = a != NULL ? ippGetInteger(a, 0) : 0;
	a = ippFindAttribute(resp, "operations-supported", IPP_TAG_ENUM);
	for (int i = 0; a != NULL && i < ippGetCount(a); i++) {
		creat |= ippGetInteger(a, i) == IPP_OP_CREATE_JOB;
		send |= ippGetInteger(a, i) == IPP_OP_SEND_DOCUMENT;
	}
	p->create_job = creat && send;
	a = ippFindAttribute(resp, "printer-config-change-time",
	    IPP_TAG_INTEGER);
	p->changed = a != NULL ? ippGetInteger(a, 0) : 0;
}

int
ipp_job_state(ipp_t *resp)
{
	ipp_attribute_t *a = ippFindAttribute(resp, "job-state", IPP_TAG_ENUM);

	return a != NULL ? ippGetInteger(a, 0) : 0;
}

int
ipp_printer(struct ipp_conn *c, struct ipp_printer *p, char *err,
    size_t errlen)
{
	static const char *const want[] = { "document-format-supported",
		"operations-supported", "printer-is-accepting-jobs",
		"printer-state", "printer-state-reasons",
		"printer-config-change-time" };
	ipp_t *r = request(c, IPP_OP_GET_PRINTER_ATTRIBUTES, NULL), *resp;
	int rv;

	memset(p, 0, sizeof(*p));
	ippAddStrings(r, IPP_TAG_OPERATION, IPP_TAG_KEYWORD,
	    "requested-attributes", 6, NULL, want);
	resp = cupsDoRequest(c->http, r, c->resource);
	if ((rv = classify("Get-Printer-Attributes", resp, err, errlen)) != 0) {
		ippDelete(resp);
		return rv;
	}
	ipp_printer_read(resp, p);
	ippDelete(resp);
	return IPPC_OK;
}

ipp_t *
ipp_caps(struct ipp_conn *c, int *result, char *err, size_t errlen)
{
	static const char *const want[] = { "media-supported",
		"media-default", "sides-supported", "sides-default",
		"print-color-mode-supported", "print-color-mode-default",
		"printer-resolution-supported", "printer-resolution-default",
		"finishings-supported", "printer-icons", "printer-supply",
		"printer-supply-description", "printer-supply-info-uri",
		"printer-config-change-time" };
	ipp_t *r = request(c, IPP_OP_GET_PRINTER_ATTRIBUTES, NULL), *resp;

	ippAddStrings(r, IPP_TAG_OPERATION, IPP_TAG_KEYWORD,
	    "requested-attributes", (int)(sizeof(want) / sizeof(want[0])),
	    NULL, want);
	resp = cupsDoRequest(c->http, r, c->resource);
	if ((*result = classify("Get-Printer-Attributes", resp, err,
		 errlen)) != IPPC_OK) {
		ippDelete(resp);
		return NULL;
	}
	return resp;
}

static void
job_attributes(ipp_t *r, const struct ipp_job *j)
{
	ippAddString(r, IPP_TAG_OPERATION, IPP_TAG_NAME, "job-name", NULL,
	    j->name != NULL && j->name[0] ? j->name : "spoolbox job");
	if (j->copies > 1) {
		ippAddInteger(r, IPP_TAG_JOB, IPP_TAG_INTEGER, "copies",
		    (int)j->copies);
		/* Collated, as CUPS prints copies of a document by default. */
		ippAddString(r, IPP_TAG_JOB, IPP_TAG_KEYWORD,
		    "multiple-document-handling", NULL,
		    "separate-documents-collated-copies");
	}
	if (j->sides != NULL && j->sides[0])
		ippAddString(r, IPP_TAG_JOB, IPP_TAG_KEYWORD, "sides", NULL,
		    j->sides);
	if (j->media != NULL && j->media[0])
		ippAddString(r, IPP_TAG_JOB, IPP_TAG_KEYWORD, "media", NULL,
		    j->media);
	if (j->scaling != NULL && j->scaling[0])
		ippAddString(r, IPP_TAG_JOB, IPP_TAG_KEYWORD, "print-scaling",
		    NULL, j->scaling);
	if (j->orientation != 0)
		ippAddInteger(r, IPP_TAG_JOB, IPP_TAG_ENUM,
		    "orientation-requested", j->orientation);
}

/* Stream the document: send r with size bytes of fd as its data. */
static int
send_document(struct ipp_conn *c, ipp_t *r, const char *what, int fd,
    uint64_t size, ipp_stop_fn *stop, void *arg, ipp_t **resp, char *err,
    size_t errlen)
{
	char *buf = malloc(PIECE);
	http_status_t st;
	uint64_t off = 0;

	*resp = NULL;
	if (buf == NULL) {
		ippDelete(r);
		snprintf(err, errlen, "out of memory");
		return IPPC_TRANSIENT;
	}
	/* The length is the whole body: the IPP message and the document. */
	st = cupsSendRequest(c->http, r, c->resource, ippLength(r) +
	    (size_t)size);
	ippDelete(r);
	while (st == HTTP_STATUS_CONTINUE && off < size) {
		size_t want = size - off < PIECE ? size - off : PIECE;
		ssize_t n;
		if (stop != NULL && stop(arg, err, errlen)) {
			free(buf);
			return IPPC_TRANSIENT;
		}
		if ((n = pread(fd, buf, want, (off_t)off)) <= 0) {
			snprintf(err, errlen, "reading the job's data: %s",
			    n == 0 ? "shorter than its size" : strerror(errno));
			free(buf);
			return IPPC_TRANSIENT;
		}
		st = cupsWriteRequestData(c->http, buf, (size_t)n);
		off += (uint64_t)n;
	}
	free(buf);
	if (st == HTTP_STATUS_CONTINUE)
		*resp = cupsGetResponse(c->http, c->resource);
	return classify(what, *resp, err, errlen);
}

int
ipp_print(struct ipp_conn *c, const struct ipp_printer *p,
    const struct ipp_job *j, int fd, uint64_t size, ipp_stop_fn *stop,
    void *arg, int *id, char *err, size_t errlen)
{
	ipp_t *r, *resp = NULL;
	ipp_attribute_t *a;
	int rv;

	*id = 0;
	if (p->create_job) {
		r = request(c, IPP_OP_CREATE_JOB, j->user);
		job_attributes(r, j);
		resp = cupsDoRequest(c->http, r, c->resource);
		if ((rv = classify("Create-Job", resp, err, errlen)) != 0)
			goto out;
		a = ippFindAttribute(resp, "job-id", IPP_TAG_INTEGER);
		*id = a != NULL ? ippGetInteger(a, 0) : 0;
		ippDelete(resp);
		r = request(c, IPP_OP_SEND_DOCUMENT, j->user);
		ippAddInteger(r, IPP_TAG_OPERATION, IPP_TAG_INTEGER, "job-id",
		    *id);
		ippAddString(r, IPP_TAG_OPERATION, IPP_TAG_MIMETYPE,
		    "document-format", NULL, j->format);
		ippAddBoolean(r, IPP_TAG_OPERATION, "last-document", 1);
		rv = send_document(c, r, "Send-Document", fd, size, stop, arg,
		    &resp, err, errlen);
	} else {
		r = request(c, IPP_OP_PRINT_JOB, j->user);
		job_attributes(r, j);
		ippAddString(r, IPP_TAG_OPERATION, IPP_TAG_MIMETYPE,
		    "document-format", NULL, j->format);
		rv = send_document(c, r, "Print-Job", fd, size, stop, arg,
		    &resp, err, errlen);
		a = resp != NULL ? ippFindAttribute(resp, "job-id",
					  IPP_TAG_INTEGER)
				 : NULL;
		*id = a != NULL ? ippGetInteger(a, 0) : 0;
	}
out:
	ippDelete(resp);
	return rv;
}

static void
cancel(struct ipp_conn *c, int id)
{
	ipp_t *r = request(c, IPP_OP_CANCEL_JOB, NULL);

	ippAddInteger(r, IPP_TAG_OPERATION, IPP_TAG_INTEGER, "job-id", id);
	ippDelete(cupsDoRequest(c->http, r, c->resource));
}

int
ipp_follow(struct ipp_conn *c, int id, ipp_stop_fn *stop, void *arg,
    int *state, char *err, size_t errlen)
{
	static const char *const want[] = { "job-state", "job-state-reasons" };
	int pause_ms = 20; /* doubling to 1s: most jobs end quickly */

	*state = 0;
	while (id > 0) {
		ipp_t *r = request(c, IPP_OP_GET_JOB_ATTRIBUTES, NULL), *resp;
		ippAddInteger(r, IPP_TAG_OPERATION, IPP_TAG_INTEGER, "job-id",
		    id);
		ippAddStrings(r, IPP_TAG_OPERATION, IPP_TAG_KEYWORD,
		    "requested-attributes", 2, NULL, want);
		resp = cupsDoRequest(c->http, r, c->resource);
		if (resp == NULL || ippGetStatusCode(resp) >
			IPP_STATUS_OK_EVENTS_COMPLETE) {
			/* Purged already, or the printer cannot tell: the
			 * printer accepted the job, which is what counts. */
			ippDelete(resp);
			return IPPC_OK;
		}
		*state = ipp_job_state(resp);
		ippDelete(resp);
		if (*state >= IPP_JSTATE_CANCELED || *state == 0)
			return IPPC_OK;
		if (stop != NULL && stop(arg, err, errlen)) {
			cancel(c, id);
			return IPPC_TRANSIENT;
		}
		poll(NULL, 0, pause_ms);
		pause_ms = pause_ms < 500 ? 2 * pause_ms : 1000;
	}
	return IPPC_OK;
}

const char *
ipp_job_state_name(int state)
{
	static const char *const names[] = { "pending", "held", "processing",
		"stopped", "canceled", "aborted", "completed" };

	return state >= 3 && state <= 9 ? names[state - 3] : "unknown";
}

void
ipp_printer_describe(const struct ipp_printer *p, char *buf, size_t len)
{
	static const char *const states[] = { "idle", "processing",
		"stopped" };

	snprintf(buf, len, "%s, %s%s",
	    p->state >= 3 && p->state <= 5 ? states[p->state - 3] : "unknown",
	    p->reasons[0] ? p->reasons : "none",
	    p->accepting ? "" : ", not accepting jobs");
}

const char *
ipp_mime(int datatype)
{
	/* Indexed by sb.DataType. */
	static const char *const mime[] = { "application/octet-stream",
		"application/octet-stream", "text/plain",
		"application/octet-stream", "application/postscript",
		"application/pdf", "application/vnd.hp-pcl",
		"image/pwg-raster", "image/urf", "image/png", "image/jpeg" };

	return datatype >= 0 && datatype < (int)(sizeof(mime) / sizeof(*mime))
	    ? mime[datatype]
	    : "application/octet-stream";
}

int
ipp_takes(const struct ipp_printer *p, const char *mime)
{
	char list[1030];

	if (p->formats[0] == '\0')
		return 1; /* it did not say: let it try */
	snprintf(list, sizeof(list), ",%s,", p->formats);
	char item[96];
	snprintf(item, sizeof(item), ",%s,", mime);
	return strstr(list, item) != NULL;
}
