/*
 * ippreq: the basics of one IPP request (ippsrv.h): its status, asking
 * the broker, job ids.
 * Reports: nothing.
 */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "config.h"
#include "ippsrv.h"

/* status-message goes in the operation group, which is first and only
 * once (libcups' ippRead refuses a second): an answer that has another
 * group already (the unsupported attributes) is rebuilt around it. */
static void
add_status_message(struct req *r, const char *msg)
{
	ipp_attribute_t *a;
	int major, minor, others = 0;
	ipp_t *n;

	for (a = ippFirstAttribute(r->out); a != NULL && !others;
	    a = ippNextAttribute(r->out))
		others = ippGetGroupTag(a) != IPP_TAG_OPERATION;
	if (!others) {
		ippAddString(r->out, IPP_TAG_OPERATION, IPP_TAG_TEXT,
		    "status-message", NULL, msg);
		return;
	}
	n = ippNew();
	major = ippGetVersion(r->out, &minor);
	ippSetVersion(n, major, minor);
	ippSetRequestId(n, ippGetRequestId(r->out));
	ippSetStatusCode(n, ippGetStatusCode(r->out));
	for (int op = 1; op >= 0; op--) {
		for (a = ippFirstAttribute(r->out); a != NULL;
		    a = ippNextAttribute(r->out))
			if ((ippGetGroupTag(a) == IPP_TAG_OPERATION) == op)
				ippCopyAttribute(n, a, 0);
		if (op)
			ippAddString(n, IPP_TAG_OPERATION, IPP_TAG_TEXT,
			    "status-message", NULL, msg);
	}
	ippDelete(r->out);
	r->out = n;
}

void
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
	add_status_message(r, msg);
}

/* The IPP status a client gets for a spooler's error: the one map, for
 * every operation. */
ipp_status_t
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

/* The broker's answer to e, asked as user, if it is of type want (a
 * QueuesRep, a WorkersRep); NULL otherwise. */
sb_env *
ask(struct req *r, sb_env *e, const char *user, int want)
{
	sb_env *a = lsn_call(r->c->l, e, user, ANSWER_MS);

	if (a != NULL && (int)a->body_case != want) {
		chan_free(a);
		a = NULL;
	}
	return a;
}

void
queue_uri(const struct req *r, const char *name, char *buf, size_t len)
{
	snprintf(buf, len, "%s://%s/printers/%s", r->tls ? "ipps" : "ipp",
	    r->host, name);
}

void
printer_uri(const struct req *r, char *buf, size_t len)
{
	queue_uri(r, r->q->cfg->name, buf, len);
}

int
name_cmp(void *a, void *b, void *data)
{
	(void)data;
	return strcmp(a, b);
}

int
wanted(void *ra, ipp_t *dst, ipp_attribute_t *attr)
{
	(void)dst;
	return ra == NULL || cupsArrayFind(ra, (void *)ippGetName(attr)) != NULL;
}

/* job-id, or the number at the end of job-uri; 0: neither. */
uint64_t
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
