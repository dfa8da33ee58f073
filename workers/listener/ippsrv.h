/*
 * The listener's IPP server, internal to its files. In layers, each
 * calling only those below it (as PAPPL splits its server):
 *   ippserve.c    HTTP and dispatch: one operation table (operation ->
 *                 handler, the attributes it needs), GET, the connection
 *   ippjob.c      job operations: Print-Job, Create-Job, Send-Document,
 *                 Cancel-Job, Get-Jobs...
 *   ippprinter.c  printer attributes: built once per queue when the
 *                 listener starts (a reload starts a new listener); each
 *                 request adds only the live ones (state, counts, time);
 *                 CUPS' own operations (CUPS-Get-Printers...)
 *   ippreq.c      one request's basics: status, the broker, URIs
 */
#ifndef SB_IPPSRV_H
#define SB_IPPSRV_H

#include <stdio.h>

#include <cups/cups.h>
#include <cups/http.h>
#include <cups/ipp.h>

#include "listener.h"

/* How long an operation waits for the spooler's answer. */
#define ANSWER_MS 30000

/* One request on one connection. */
/* What a queue offers a job now, comma-separated: the printer's own
 * (ippcaps.c) or the config's. */
struct offer {
	char sides[96];
	char media[4160];
};

struct req {
	struct conn *c;
	http_t *http;
	ipp_t *in, *out;
	const struct lsn_queue *q;
	char host[256];          /* as the client reached us (Host:) */
	char user[128];          /* the network identity */
	char name[64];           /* requesting-user-name */
	int tls;                 /* over TLS (ipps://) */
	int need_tls;            /* its queue takes ipps:// only: 426 */
	uint64_t token;          /* logged in (auth = basic): the account's */
	char account[64];        /* ...name */
	char auth[512];          /* ...with this Authorization header */
	struct offer offer;      /* a job's: what its queue offers */
};

/* ippreq.c */
/* The response's status, and a status-message when fmt is not NULL. */
void status(struct req *r, ipp_status_t st, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* The IPP status for a spooler's error (sb.ErrorCode): the one map. */
ipp_status_t ipp_status_of(int code);
/* The broker's answer to e, asked as user, if it is of type want (a
 * QueuesRep, a WorkersRep); NULL otherwise. */
sb_env *ask(struct req *r, sb_env *e, const char *user, int want);
void printer_uri(const struct req *r, char *buf, size_t len);
/* The same for the queue named (a job's, when r names the server). */
void queue_uri(const struct req *r, const char *name, char *buf, size_t len);
/* cupsArray helpers: names compared as strings; an attribute in ra. */
int name_cmp(void *a, void *b, void *data);
int wanted(void *ra, ipp_t *dst, ipp_attribute_t *attr);
/* job-id, or the number at the end of job-uri; 0: neither. */
uint64_t job_id(struct req *r);

/* ippcaps.c: what a queue offers; an ipp:// printer's own capabilities
 * (PrinterCaps). */
/* What q offers, comma-separated: its media and its sides. */
const char *queue_media_list(const struct lsn_queue *q);
const char *queue_sides_list(const struct lsn_queue *q);
/* A media-col of a PWG name libcups knows the size of (pwgMediaForPWG);
 * NULL if not. The caller's to ippDelete(). */
ipp_t *media_col_of(const char *name);
/* Does c replace the listener's attribute name? */
int caps_replace(const Sb__PrinterCaps *c, const char *name);
/* c's attributes into a, in place of those they replace. */
void caps_attrs(const Sb__PrinterCaps *c, ipp_t *a);
/* What q offers (c NULL: its config's) into o. */
void caps_offered(const struct lsn_queue *q, const Sb__PrinterCaps *c,
    struct offer *o);

/* ippprinter.c */
/* What r's queue offers now into r->offer (its printer asked, for an
 * ipp:// queue). */
void offer_of(struct req *r);
/* Build each queue's constant attributes (before any connection). */
void printer_build(struct lsn *l);
/* Every attribute of r's queue; qi: localspl's view (NULL: unknown).
 * The caller's to ippDelete(). */
ipp_t *printer_attrs(struct req *r, const Sb__QueueInfo *qi);
void get_printer_attributes(struct req *r);
void identify_printer(struct req *r);
void cups_get_printers(struct req *r);
void cups_get_classes(struct req *r);
void cups_get_default(struct req *r);
/* q's options as a PPD (GET /printers/Q.ppd, as lpoptions asks). */
void printer_ppd(const struct lsn_queue *q, FILE *f);

/* ippjob.c */
/* The job template attributes: 0 when every one can be honoured (or
 * substituted), -1 after an error status. */
int check_template(struct req *r, int *copies, int *type);
void validate_job(struct req *r);
void print_job(struct req *r);
void create_job(struct req *r);
void send_document(struct req *r);
void close_job(struct req *r);
void cancel_job(struct req *r);
void cancel_my_jobs(struct req *r);
void cancel_jobs(struct req *r);
void hold_job(struct req *r);
void release_job(struct req *r);
void restart_job(struct req *r);
/* printer-icons: 48, 128 and 512 pixels, PNG (icons.c, sb-mkicons). */
struct printer_icon {
	const char *path;
	const unsigned char *png;
	const size_t *len;
};
extern const struct printer_icon printer_icons[3];
void get_job_attributes(struct req *r);
void get_jobs(struct req *r);

/* The web console (console.c over consolepage.c over consolechart.c over
 * consoleview.c):
 * pages on the IPP ports for console_allow, answered in full by the
 * console (its security headers are not among those libcups writes) and
 * the connection closed. */
/* Is this request the console's (GET of its pages, a form's POST)? */
int console_wants(struct req *r, const char *resource, int post);
/* Answer it; -1: the connection closes. */
int console_serve(struct req *r, const char *resource, int post);

/* One console request, as a page sees it. */
struct view {
	struct req *r;
	FILE *f;                 /* the answer's body, as it is written */
	char who[160];           /* the network identity asks go as */
	uint64_t token;          /* the session's account; 0: none */
	char account[64];
	int admin;               /* ...an admin (the broker decides each
				  * action again) */
	char csrf[40];           /* the session's form token */
	char path[256];          /* the resource, without its query */
	const char *query;       /* after '?' ("": none) */
	int status;              /* the answer's HTTP status */
	const char *type;        /* ...and its Content-Type */
	char location[300];      /* 303: where to */
	char cookie[200];        /* a Set-Cookie to send ("": none) */
	int err_code;            /* view_ask's last refusal (sb.ErrorCode;
				  * 0: no answer) */
};
/* consoleview.c: the value of key in an x-www-form-urlencoded text,
 * decoded (1), or 0 when absent. */
int form_get(const char *form, const char *key, char *out, size_t len);
/* The broker's answer to e as the view's caller, of type want; NULL:
 * none, or an error (its text in err when err is not NULL). */
sb_env *view_ask(struct view *v, sb_env *e, int want, char *err,
    size_t errlen);
/* The HTTP status for view_ask's last refusal (403, 404, 503, 400). */
int view_http_status(const struct view *v);

/* consoleview.c: s escaped for HTML (and XML): &<>"' as entities,
 * control characters and invalid UTF-8 as U+FFFD; url_text: for a URL's
 * path or query. */
void html_text(FILE *f, const char *s);
void url_text(FILE *f, const char *s);

/* consolepage.c: each page into v->f, setting v->status (200 when it
 * is not set). */
void page_overview(struct view *v);
void page_queues(struct view *v);
void page_queue(struct view *v, const char *name);
void page_jobs(struct view *v);
void page_job(struct view *v, uint64_t id);
void page_workers(struct view *v);
void page_accounting(struct view *v);
/* /workers/chart/KIND.N.mem.svg or .fds.svg: a slot's chart. */
void page_chart(struct view *v, const char *spec);
void page_login(struct view *v, const char *error);
/* An action's outcome: what was done, or why not; a link back. */
void page_result(struct view *v, int status, const char *what,
    const char *back);
/* JSON under /api/: the CLI's --json. */
void api_queues(struct view *v);
void api_workers(struct view *v);
void api_jobs(struct view *v);

/* consolechart.c: one slot's last hour as SVG: private bytes (or, with
 * handles, open handles) against the budget, its recycles marked and
 * numbered in the order the page lists them. */
void chart_svg(FILE *f, const Sb__SlotHistory *h, int handles, int64_t now);

#endif
