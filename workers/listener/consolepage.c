/*
 * consolepage: the web console's pages (console.c routes to them), plain
 * HTML made here that works without JavaScript, in the manner of
 * `spoolbox status`. Every string from outside (titles, user names,
 * printers' texts, reasons) goes through html_text(). What a page shows
 * is what the broker answers the view's caller: other users' jobs come
 * back "(private)" from localspl, as in the CLI; where a queue prints is
 * shown to admins only, as network clients are never told it.
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "ippsrv.h"
#include "jsonout.h"
#include "log.h"
#include "util.h"

#define JOBS_PAGE 50



static void
page_head(struct view *v, const char *title, int refresh)
{
	FILE *f = v->f;

	fputs("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n"
	      "<meta charset=\"utf-8\">\n"
	      "<meta name=\"viewport\" content=\"width=device-width, "
	      "initial-scale=1\">\n<title>", f);
	html_text(f, title);
	fputs(" - spoolbox</title>\n"
	      "<link rel=\"stylesheet\" href=\"/console.css\">\n"
	      "<link rel=\"icon\" href=\"/icons/printer-48.png\">\n"
	      "<script src=\"/console.js\" defer></script>\n</head>\n<body>\n"
	      "<header><nav><a href=\"/\">spoolbox</a> "
	      "<a href=\"/queues\">Queues</a> <a href=\"/jobs\">Jobs</a> "
	      "<a href=\"/workers\">Workers</a> "
	      "<a href=\"/accounting\">Accounting</a> ", f);
	if (v->token == 0) {
		fputs("<a href=\"/login\">Log in</a>", f);
	} else {
		fputs("<span>", f);
		html_text(f, v->account);
		fprintf(f, "%s</span><form method=\"post\" action=\"/logout\">"
			   "<input type=\"hidden\" name=\"csrf\" value=\"%s\">"
			   "<button type=\"submit\">Log out</button></form>",
		    v->admin ? " (admin)" : "", v->csrf);
	}
	fprintf(f, "</nav></header>\n<main id=\"main\" data-refresh=\"%s\">\n"
		   "<h1>", refresh ? "on" : "off");
	html_text(f, title);
	fputs("</h1>\n", f);
}

static void
page_tail(struct view *v)
{
	fputs("</main>\n<footer>spoolbox " SPOOLBOX_VERSION "</footer>\n"
	      "</body>\n</html>\n", v->f);
}

/* A page that says why there is nothing to show. */
static void
page_error(struct view *v, int status, const char *title, const char *why)
{
	v->status = status;
	page_head(v, title, 0);
	fputs("<p class=\"bad\">", v->f);
	html_text(v->f, why);
	fputs("</p>\n", v->f);
	page_tail(v);
}

void
page_result(struct view *v, int status, const char *what, const char *back)
{
	page_head(v, status < 300 ? "Done" : "Refused", 0);
	v->status = status;
	fprintf(v->f, "<p class=\"%s\">", status < 300 ? "ok" : "bad");
	html_text(v->f, what);
	fputs("</p>\n<p><a href=\"", v->f);
	html_text(v->f, back);
	fputs("\">Back</a></p>\n", v->f);
	page_tail(v);
}

/* The hidden form token and the form's start. */
static void
form_start(struct view *v, const char *action)
{
	fputs("<form class=\"act\" method=\"post\" action=\"", v->f);
	html_text(v->f, action);
	fprintf(v->f, "\"><input type=\"hidden\" name=\"csrf\" "
		      "value=\"%s\">", v->csrf);
}

/* A button that posts action=act to where. */
static void
action_button(struct view *v, const char *where, const char *act,
    const char *label)
{
	form_start(v, where);
	fprintf(v->f, "<input type=\"hidden\" name=\"action\" value=\"%s\">"
		      "<button type=\"submit\">%s</button></form>\n",
	    act, label);
}

static void
when(FILE *f, int64_t ms)
{
	char t[32];

	iso_time(ms, t, sizeof(t));
	fputs(t, f);
}

static void
meter(FILE *f, uint64_t used, uint64_t budget, int size)
{
	char u[32], b[32];

	if (size) {
		format_human(used, u, sizeof(u));
		format_human(budget, b, sizeof(b));
	} else {
		snprintf(u, sizeof(u), "%" PRIu64, used);
		snprintf(b, sizeof(b), "%" PRIu64, budget);
	}
	if (budget > 0)
		fprintf(f, "<meter min=\"0\" max=\"%" PRIu64 "\" high=\"%" PRIu64
			   "\" value=\"%" PRIu64 "\">%s</meter> ",
		    budget, budget * 9 / 10, used < budget ? used : budget, u);
	fprintf(f, "%s / %s", u, budget > 0 ? b : "none");
}

/* The workers; with history, each slot's last hour, or only that of the
 * slot kind.instance when kind is not KIND_NONE. */
static sb_env *
ask_workers(struct view *v, int history, int kind, unsigned instance)
{
	Sb__WorkersReq wr = SB__WORKERS_REQ__INIT;
	sb_env e;

	chan_env_init(&e);
	e.body_case = SB__ENVELOPE__BODY_WORKERS_REQ;
	e.workers_req = &wr;
	wr.history = history;
	wr.history_kind = (Sb__WorkerKind)kind;
	wr.history_instance = instance;
	return view_ask(v, &e, SB__ENVELOPE__BODY_WORKERS_REP, NULL, 0);
}

static sb_env *
ask_queues(struct view *v)
{
	Sb__QueuesReq qr = SB__QUEUES_REQ__INIT;
	sb_env e;

	chan_env_init(&e);
	e.body_case = SB__ENVELOPE__BODY_QUEUES_REQ;
	e.queues_req = &qr;
	return view_ask(v, &e, SB__ENVELOPE__BODY_QUEUES_REP, NULL, 0);
}

/* Every worker process against its budgets (full: and its life). */
static void
workers_table(struct view *v, const Sb__WorkersRep *w, int full)
{
	FILE *f = v->f;

	fprintf(f, "<table id=\"workers\">\n<tr><th>Worker</th><th>PID</th>"
		   "<th>State</th><th>Private bytes</th><th>Handles</th>"
		   "<th>Recycles</th>%s</tr>\n", full
	    ? "<th>Jobs</th><th>Uptime</th><th>Restarts</th>"
	      "<th>Sandbox</th><th>Last reason</th>"
	    : "");
	for (size_t i = 0; i < w->n_workers; i++) {
		const Sb__WorkerInfo *x = w->workers[i];
		fprintf(f, "<tr><td>%s.%u</td><td class=\"n\">%u</td><td>",
		    kind_name((int)x->kind), x->instance, x->pid);
		html_text(f, x->state);
		fputs("</td><td>", f);
		meter(f, x->private_bytes, x->memory_budget, 1);
		fputs("</td><td>", f);
		meter(f, x->fds, x->handle_budget, 0);
		fprintf(f, "</td><td class=\"n\">%u</td>", x->recycles);
		if (full) {
			fprintf(f, "<td class=\"n\">%" PRIu64 "</td><td class=\"n\">"
				   "%.0f s</td><td class=\"n\">%u</td><td>",
			    x->jobs, (double)x->uptime_ms / 1000, x->restarts);
			if (x->seccomp[0] != '\0') {
				html_text(f, x->seccomp);
				fprintf(f, ", %u syscalls, ", x->syscalls);
			}
			fprintf(f, "uid %u, %s</td><td>", x->uid, x->own_netns
				? "own network"
				: "host network");
			html_text(f, x->last_reason);
			fputs("</td>", f);
		}
		fputs("</tr>\n", f);
	}
	fputs("</table>\n", f);
}

/* Recycles and restarts, newest first. */
static void
events_table(struct view *v, Sb__WorkerEvent **ev, size_t n, int numbered)
{
	FILE *f = v->f;

	if (n == 0) {
		fputs("<p>None.</p>\n", f);
		return;
	}
	fprintf(f, "<table>\n<tr>%s<th>When</th><th>Worker</th><th>PID</th>"
		   "<th>What</th><th>Reason</th></tr>\n",
	    numbered ? "<th>#</th>" : "");
	for (size_t i = 0; i < n; i++) {
		const Sb__WorkerEvent *e = ev[numbered ? n - 1 - i : i];
		fputs("<tr>", f);
		if (numbered)
			fprintf(f, "<td class=\"n\">%zu</td>", n - i);
		fputs("<td>", f);
		when(f, e->at);
		fprintf(f, "</td><td>%s.%u</td><td class=\"n\">%u</td><td>",
		    kind_name((int)e->kind), e->instance, e->pid);
		html_text(f, e->what);
		fputs("</td><td>", f);
		html_text(f, e->reason);
		fputs("</td></tr>\n", f);
	}
	fputs("</table>\n", f);
}

/* Queues with state and counts. */
static void
queues_table(struct view *v, const Sb__QueuesRep *q)
{
	FILE *f = v->f;

	fputs("<table id=\"queues\">\n<tr><th>Queue</th><th>State</th>"
	      "<th>Accepting</th><th>Pending</th><th>Active</th>"
	      "<th>Completed</th><th>Reason</th></tr>\n", f);
	for (size_t i = 0; i < q->n_queues; i++) {
		const Sb__QueueInfo *x = q->queues[i];
		fputs("<tr><td><a href=\"/queues/", f);
		url_text(f, x->name);
		fputs("\">", f);
		html_text(f, x->name);
		fputs("</a></td><td>", f);
		html_text(f, x->state);
		fprintf(f, "</td><td>%s</td><td class=\"n\">%u</td>"
			   "<td class=\"n\">%u</td><td class=\"n\">%" PRIu64
			   "</td><td>", x->accepting ? "yes" : "no",
		    x->pending, x->active, x->completed);
		html_text(f, x->reason[0] ? x->reason : x->reject_reason);
		fputs("</td></tr>\n", f);
	}
	fputs("</table>\n", f);
}

void
page_overview(struct view *v)
{
	sb_env *w = ask_workers(v, 0, SB__WORKER_KIND__KIND_NONE, 0);
	sb_env *q = w != NULL ? ask_queues(v) : NULL;
	unsigned ready = 0, stopped = 0;

	if (q == NULL) {
		page_error(v, 503, "Overview", "spoolboxd did not answer");
		if (w != NULL)
			chan_free(w);
		return;
	}
	for (size_t i = 0; i < w->workers_rep->n_workers; i++)
		ready += strcmp(w->workers_rep->workers[i]->state, "ready") == 0 ||
		    strcmp(w->workers_rep->workers[i]->state, "busy") == 0;
	for (size_t i = 0; i < q->queues_rep->n_queues; i++)
		stopped += strcmp(q->queues_rep->queues[i]->state, "ready") != 0;
	page_head(v, "Overview", 1);
	fprintf(v->f, "<p id=\"summary\">spoolboxd is up: %u of %zu worker "
		      "processes ready; %zu queue(s), %u stopped.</p>\n",
	    ready, w->workers_rep->n_workers, q->queues_rep->n_queues,
	    stopped);
	if (w->workers_rep->degraded[0] != '\0') {
		fputs("<p class=\"bad\">Degraded: ", v->f);
		html_text(v->f, w->workers_rep->degraded);
		fputs("</p>\n", v->f);
	}
	fputs("<h2>Workers</h2>\n", v->f);
	workers_table(v, w->workers_rep, 0);
	fputs("<h2>Queues</h2>\n", v->f);
	queues_table(v, q->queues_rep);
	fputs("<h2>Last recycles and restarts</h2>\n", v->f);
	events_table(v, w->workers_rep->recent, w->workers_rep->n_recent, 0);
	page_tail(v);
	chan_free(w);
	chan_free(q);
}

void
page_queues(struct view *v)
{
	sb_env *q = ask_queues(v);

	if (q == NULL) {
		page_error(v, 503, "Queues", "spoolboxd did not answer");
		return;
	}
	page_head(v, "Queues", 1);
	queues_table(v, q->queues_rep);
	page_tail(v);
	chan_free(q);
}

/* A job's last word: where it landed, why it waits, or its error. */
static void
job_detail(FILE *f, const Sb__JobInfo *j)
{
	if (j->state == SB__JOB_STATE__COMPLETED) {
		html_text(f, j->landed);
	} else if (j->state == SB__JOB_STATE__HELD && j->last_error[0] == '\0') {
		fputs("held (", f);
		html_text(f, j->hold_until[0] ? j->hold_until : "indefinite");
		fputs(")", f);
		if (j->hold_at > 0) {
			fputs(" until ", f);
			when(f, j->hold_at);
		}
	} else {
		html_text(f, j->last_error);
	}
}

static void
jobs_table(struct view *v, const Sb__JobsRep *r)
{
	FILE *f = v->f;

	if (r->n_jobs == 0) {
		fputs("<p>No jobs.</p>\n", f);
		return;
	}
	fputs("<table id=\"jobs\">\n<tr><th>ID</th><th>Queue</th><th>State</th>"
	      "<th>User</th><th>Size</th><th>Type</th><th>Pages</th>"
	      "<th>Title</th><th>Detail</th></tr>\n", f);
	for (size_t i = 0; i < r->n_jobs; i++) {
		const Sb__JobInfo *j = r->jobs[i];
		fprintf(f, "<tr><td><a href=\"/jobs/%" PRIu64 "\">%" PRIu64
			   "</a></td><td>", j->id, j->id);
		html_text(f, j->queue);
		fprintf(f, "</td><td>%s</td><td>", job_state_name(j->state));
		html_text(f, j->user);
		fprintf(f, "</td><td class=\"n\">%" PRIu64 "</td><td>%s</td>"
			   "<td class=\"n\">%u</td><td>", j->size,
		    datatype_name(j->datatype), j->pages);
		html_text(f, j->title);
		fputs("</td><td>", f);
		job_detail(f, j);
		fputs("</td></tr>\n", f);
	}
	fputs("</table>\n", f);
}

/* The jobs filters of a query (the CLI's: user, state, since, queue)
 * and its page (after, limit). */
struct jobs_filter {
	char user[128], state[96], since[32], queue[80];
	uint64_t after;
	Sb__JobState states[9];
	Sb__JobsReq req;
};

/* q's filters into jf->req; 0, or -1 with why. */
static int
jobs_filter(const char *q, struct jobs_filter *jf, unsigned limit, char *why,
    size_t len)
{
	char num[24], states[96], names[128];
	const char *bad;

	memset(jf, 0, sizeof(*jf));
	sb__jobs_req__init(&jf->req);
	form_get(q, "user", jf->user, sizeof(jf->user));
	form_get(q, "state", jf->state, sizeof(jf->state));
	form_get(q, "since", jf->since, sizeof(jf->since));
	form_get(q, "queue", jf->queue, sizeof(jf->queue));
	if (form_get(q, "after", num, sizeof(num)))
		jf->after = strtoull(num, NULL, 10);
	if (form_get(q, "limit", num, sizeof(num)) && atoi(num) > 0)
		limit = (unsigned)atoi(num) < 1000 ? (unsigned)atoi(num) : 1000;
	if (jf->since[0] != '\0' &&
	    parse_since(jf->since, &jf->req.since) != 0) {
		snprintf(why, len, "since: give a duration (2h) or a date "
				   "(2026-11-26)");
		return -1;
	}
	snprintf(states, sizeof(states), "%s", jf->state);
	if (job_states_parse(states, jf->states, 9, &jf->req.n_states,
		&bad) != 0) {
		job_state_names(names, sizeof(names));
		snprintf(why, len, "state: one of %s", names);
		return -1;
	}
	jf->req.states = jf->states;
	jf->req.user = jf->user;
	jf->req.queue = jf->queue;
	jf->req.after_id = jf->after;
	jf->req.all = 1;
	jf->req.limit = limit;
	return 0;
}

static sb_env *
ask_jobs(struct view *v, Sb__JobsReq *r, char *err, size_t len)
{
	sb_env e;

	chan_env_init(&e);
	e.body_case = SB__ENVELOPE__BODY_JOBS_REQ;
	e.jobs_req = r;
	return view_ask(v, &e, SB__ENVELOPE__BODY_JOBS_REP, err, len);
}

/* The filters as a form (GET): they stay in the URL. */
static void
jobs_form(struct view *v, const struct jobs_filter *jf)
{
	FILE *f = v->f;

	fputs("<form method=\"get\" action=\"/jobs\"><label>User "
	      "<input name=\"user\" value=\"", f);
	html_text(f, jf->user);
	fputs("\"></label> <label>State <input name=\"state\" "
	      "placeholder=\"held,pending\" value=\"", f);
	html_text(f, jf->state);
	fputs("\"></label> <label>Since <input name=\"since\" "
	      "placeholder=\"2h\" value=\"", f);
	html_text(f, jf->since);
	fputs("\"></label> <label>Queue <input name=\"queue\" value=\"", f);
	html_text(f, jf->queue);
	fputs("\"></label> <button type=\"submit\">Show</button></form>\n", f);
}

void
page_jobs(struct view *v)
{
	struct jobs_filter jf;
	char why[256];
	sb_env *a;

	if (jobs_filter(v->query, &jf, JOBS_PAGE, why, sizeof(why)) != 0) {
		page_error(v, 400, "Jobs", why);
		return;
	}
	if ((a = ask_jobs(v, &jf.req, why, sizeof(why))) == NULL) {
		page_error(v, view_http_status(v), "Jobs", why);
		return;
	}
	page_head(v, "Jobs", 1);
	jobs_form(v, &jf);
	jobs_table(v, a->jobs_rep);
	if (a->jobs_rep->more && a->jobs_rep->n_jobs > 0) {
		fputs("<p><a href=\"/jobs?user=", v->f);
		url_text(v->f, jf.user);
		fputs("&amp;state=", v->f);
		url_text(v->f, jf.state);
		fputs("&amp;since=", v->f);
		url_text(v->f, jf.since);
		fputs("&amp;queue=", v->f);
		url_text(v->f, jf.queue);
		fprintf(v->f, "&amp;after=%" PRIu64 "\">Next page</a></p>\n",
		    a->jobs_rep->jobs[a->jobs_rep->n_jobs - 1]->id);
	}
	page_tail(v);
	chan_free(a);
}

/* A table row: a name and an escaped value. */
static void
row(FILE *f, const char *name, const char *value)
{
	fprintf(f, "<tr><th>%s</th><td>", name);
	html_text(f, value);
	fputs("</td></tr>\n", f);
}

static void
row_time(FILE *f, const char *name, int64_t ms)
{
	char t[32];

	iso_time(ms, t, sizeof(t));
	row(f, name, ms > 0 ? t : "-");
}

/* A job's history: each step it went through, with when. */
static void
job_history(FILE *f, const Sb__JobInfo *j)
{
	char n[160];

	fputs("<table id=\"job\">\n", f);
	row(f, "Queue", j->queue);
	row(f, "State", job_state_name(j->state));
	if (j->state == SB__JOB_STATE__HELD) {
		fputs("<tr><th>Held</th><td>", f);
		job_detail(f, j);
		fputs("</td></tr>\n", f);
	}
	row(f, "Title", j->title);
	row(f, "User", j->user);
	snprintf(n, sizeof(n), "%" PRIu64 " bytes, %s, %u cop%s", j->size,
	    datatype_name(j->datatype), j->copies, j->copies == 1 ? "y" : "ies");
	row(f, "Document", n);
	row_time(f, "Submitted", j->submitted);
	if (j->converted)
		snprintf(n, sizeof(n), "from %s to %s, %" PRIu64 " bytes",
		    datatype_name(j->datatype), datatype_name(j->out_type),
		    j->out_size);
	row(f, "Converted", j->converted ? n : "no: printed as it came");
	snprintf(n, sizeof(n), "%u", j->pages);
	row(f, "Pages", j->pages > 0 ? n : "not counted");
	row_time(f, "Started", j->started);
	snprintf(n, sizeof(n), "%u", j->attempts);
	row(f, "Attempts", n);
	if (j->state == SB__JOB_STATE__RETRY_WAIT)
		row_time(f, "Next attempt", j->next_attempt);
	row_time(f, "Finished", j->finished);
	row(f, "Landed", j->landed[0] ? j->landed : "-");
	row(f, "Last error", j->last_error[0] ? j->last_error : "-");
	fputs("</table>\n", f);
}

/* An admin's actions on a job; move offers the other queues. */
static void
job_actions(struct view *v, const Sb__JobInfo *j, const Sb__QueuesRep *q)
{
	char where[48];

	snprintf(where, sizeof(where), "/jobs/%" PRIu64, j->id);
	fputs("<h2>Actions</h2>\n<div>", v->f);
	action_button(v, where, "hold", "Hold");
	action_button(v, where, "release", "Release");
	action_button(v, where, "cancel", "Cancel");
	action_button(v, where, "restart", "Print again");
	form_start(v, where);
	fputs("<input type=\"hidden\" name=\"action\" value=\"move\">"
	      "<label>to <select name=\"queue\">", v->f);
	for (size_t i = 0; q != NULL && i < q->n_queues; i++) {
		fputs("<option>", v->f);
		html_text(v->f, q->queues[i]->name);
		fputs("</option>", v->f);
	}
	fputs("</select></label> <button type=\"submit\">Move</button>"
	      "</form></div>\n", v->f);
}

void
page_job(struct view *v, uint64_t id)
{
	Sb__JobsReq r = SB__JOBS_REQ__INIT;
	char title[48], why[256];
	sb_env *a, *q;

	r.job_id = id;
	r.all = 1;
	snprintf(title, sizeof(title), "Job %" PRIu64, id);
	if ((a = ask_jobs(v, &r, why, sizeof(why))) == NULL) {
		page_error(v, view_http_status(v), title, why);
		return;
	}
	if (a->jobs_rep->n_jobs == 0) {
		page_error(v, 404, title, "no such job");
		chan_free(a);
		return;
	}
	page_head(v, title, 1);
	job_history(v->f, a->jobs_rep->jobs[0]);
	if (v->admin) {
		q = ask_queues(v);
		job_actions(v, a->jobs_rep->jobs[0], q != NULL ? q->queues_rep
							      : NULL);
		if (q != NULL)
			chan_free(q);
	}
	page_tail(v);
	chan_free(a);
}

/* A queue's facts; where it prints for admins only. */
static void
queue_facts(struct view *v, const Sb__QueueInfo *x)
{
	FILE *f = v->f;
	char n[256];

	fputs("<table id=\"queue\">\n", f);
	snprintf(n, sizeof(n), "%s%s%s", x->state, x->reason[0] ? ": " : "",
	    x->reason);
	row(f, "State", n);
	snprintf(n, sizeof(n), "%s%s", x->accepting ? "yes" : "no: ",
	    x->accepting ? "" : x->reject_reason);
	row(f, "Accepting", n);
	fprintf(f, "<tr><th>Takes</th><td>%s", datatype_name(x->datatype));
	for (int dt = 1, k = 0; dt < 32; dt++)
		if (x->takes & (1u << dt))
			fprintf(f, "%s%s", k++ == 0 ? "; the printer: " : ", ",
			    datatype_name(dt));
	fputs("</td></tr>\n", f);
	row(f, "Prints to", v->admin ? x->uri : "(private)");
	row(f, "Printer", x->printer_state[0] ? x->printer_state : "-");
	for (size_t k = 0; k < x->n_members; k++) {
		snprintf(n, sizeof(n), "%s, %s, %" PRIu64 " jobs%s%s",
		    v->admin ? x->members[k]->uri : "(private)",
		    x->members[k]->state, x->members[k]->jobs,
		    x->members[k]->error[0] ? "; last: " : "",
		    x->members[k]->error);
		row(f, "Pool member", n);
	}
	for (size_t k = 0; k < x->n_inbound; k++)
		row(f, "Network address", x->inbound[k]);
	snprintf(n, sizeof(n), "%u pending, %u active, %" PRIu64 " completed, "
	    "%" PRIu64 " failed", x->pending, x->active, x->completed,
	    x->failed);
	row(f, "Jobs", n);
	fputs("</table>\n", f);
}

static void
queue_actions(struct view *v, const char *name)
{
	char where[128];

	snprintf(where, sizeof(where), "/queues/%s", name);
	fputs("<h2>Actions</h2>\n<div>", v->f);
	action_button(v, where, "enable", "Enable");
	action_button(v, where, "disable", "Disable");
	action_button(v, where, "accept", "Accept jobs");
	form_start(v, where);
	fputs("<input type=\"hidden\" name=\"action\" value=\"reject\">"
	      "<label>Reason <input name=\"reason\"></label> "
	      "<button type=\"submit\">Reject jobs</button></form></div>\n",
	    v->f);
}

void
page_queue(struct view *v, const char *name)
{
	Sb__JobsReq r = SB__JOBS_REQ__INIT;
	const Sb__QueueInfo *x = NULL;
	sb_env *q = ask_queues(v), *a;

	for (size_t i = 0; q != NULL && i < q->queues_rep->n_queues; i++)
		if (strcmp(q->queues_rep->queues[i]->name, name) == 0)
			x = q->queues_rep->queues[i];
	if (x == NULL) {
		page_error(v, q == NULL ? 503 : 404, name, q == NULL
			? "spoolboxd did not answer"
			: "no such queue");
		if (q != NULL)
			chan_free(q);
		return;
	}
	page_head(v, name, 1);
	queue_facts(v, x);
	if (v->admin)
		queue_actions(v, name);
	fputs("<h2>Its jobs</h2>\n", v->f);
	r.queue = (char *)name;
	r.limit = JOBS_PAGE;
	if ((a = ask_jobs(v, &r, NULL, 0)) != NULL) {
		jobs_table(v, a->jobs_rep);
		chan_free(a);
	}
	page_tail(v);
	chan_free(q);
}

/* An admin's form for a kind's budget (blank: unchanged). */
static void
budget_form(struct view *v, const Sb__WorkerInfo *x)
{
	FILE *f = v->f;
	char mem[32];

	format_size(x->memory_budget, mem, sizeof(mem));
	form_start(v, "/workers");
	fprintf(f, "<input type=\"hidden\" name=\"kind\" value=\"%s\">"
		   "<strong>%s</strong> <label>memory_budget <input "
		   "name=\"memory_budget\" size=\"6\" placeholder=\"%s\">"
		   "</label> <label>handle_budget <input name=\"handle_budget\" "
		   "size=\"5\" placeholder=\"%u\"></label> <label>max_jobs "
		   "<input name=\"max_jobs\" size=\"5\"></label> "
		   "<label>max_lifetime <input name=\"max_lifetime\" size=\"5\" "
		   "placeholder=\"1h\"></label> <button type=\"submit\">Set"
		   "</button></form><br>\n",
	    kind_name((int)x->kind), kind_name((int)x->kind), mem,
	    x->handle_budget);
}

/* Each slot: its two charts and its recycles in the hour. */
static void
slot_charts(struct view *v, const Sb__WorkersRep *w)
{
	FILE *f = v->f;

	for (size_t i = 0; i < w->n_history; i++) {
		const Sb__SlotHistory *h = w->history[i];
		const char *k = kind_name((int)h->kind);
		fprintf(f, "<h3 id=\"slot-%s-%u\">%s.%u</h3>\n<div>", k,
		    h->instance, k, h->instance);
		for (int fds = 0; fds <= 1; fds++)
			fprintf(f, "<img class=\"chart\" src=\"/workers/chart/"
				   "%s.%u.%s.svg?n=%zu\" width=\"480\" "
				   "height=\"160\" alt=\"%s of %s.%u over the "
				   "last hour\">", k, h->instance,
			    fds ? "fds" : "mem", h->n_at,
			    fds ? "Open handles" : "Private bytes", k,
			    h->instance);
		fputs("</div>\n", f);
		events_table(v, h->events, h->n_events, 1);
	}
}

void
page_workers(struct view *v)
{
	sb_env *w = ask_workers(v, 1, SB__WORKER_KIND__KIND_NONE, 0);
	int shown[SB_KINDS] = { 0 };

	if (w == NULL) {
		page_error(v, 503, "Workers", "spoolboxd did not answer");
		return;
	}
	page_head(v, "Workers", 1);
	workers_table(v, w->workers_rep, 1);
	if (v->admin) {
		fputs("<h2>Budgets</h2>\n<p>A change applies at the next sample "
		      "and is kept across restarts of spoolboxd (in the spool, "
		      "as <code>spoolbox budget</code> keeps it).</p>\n", v->f);
		for (size_t i = 0; i < w->workers_rep->n_workers; i++) {
			const Sb__WorkerInfo *x = w->workers_rep->workers[i];
			if (x->kind < SB_KINDS && !shown[x->kind]++)
				budget_form(v, x);
		}
	}
	fputs("<h2>The last hour</h2>\n<p>Private bytes and open handles of "
	      "each slot's process, sampled every 10 s; the dashed line is the "
	      "budget, a red line a recycle or restart (numbered as "
	      "listed).</p>\n", v->f);
	slot_charts(v, w->workers_rep);
	page_tail(v);
	chan_free(w);
}

void
page_chart(struct view *v, const char *spec)
{
	char kind[32], what[4];
	unsigned idx;
	int n = 0, k;
	sb_env *w;

	if (sscanf(spec, "%31[a-z].%u.%3[a-z].svg%n", kind, &idx, what,
		&n) != 3 || spec[n] != '\0' ||
	    (strcmp(what, "mem") != 0 && strcmp(what, "fds") != 0)) {
		page_error(v, 404, "Chart", "no such chart");
		return;
	}
	if ((k = kind_from_name(kind)) == SB__WORKER_KIND__KIND_NONE) {
		page_error(v, 404, "Chart", "no such worker slot");
		return;
	}
	if ((w = ask_workers(v, 1, k, idx)) == NULL) {
		page_error(v, 503, "Chart", "spoolboxd did not answer");
		return;
	}
	/* The broker answers that slot's hour only, if it has the slot. */
	if (w->workers_rep->n_history == 1) {
		v->type = "image/svg+xml";
		chart_svg(v->f, w->workers_rep->history[0], what[0] == 'f',
		    now_wall_ms());
	} else {
		page_error(v, 404, "Chart", "no such worker slot");
	}
	chan_free(w);
}

void
page_login(struct view *v, const char *error)
{
	page_head(v, "Log in", 0);
	if (error != NULL) {
		fputs("<p class=\"bad\">", v->f);
		html_text(v->f, error);
		fputs("</p>\n", v->f);
	}
	if (!v->r->tls) {
		fputs("<p>Accounts log in over TLS only: open this page as "
		      "<a href=\"https://", v->f);
		html_text(v->f, v->r->host);
		fputs("/login\">https://", v->f);
		html_text(v->f, v->r->host);
		fputs("/login</a> (<code>[listener] tls = on</code>).</p>\n",
		    v->f);
	} else {
		fputs("<form method=\"post\" action=\"/login\"><p><label>User "
		      "<input name=\"user\" autocomplete=\"username\"></label>"
		      "</p><p><label>Password <input name=\"password\" "
		      "type=\"password\" autocomplete=\"current-password\">"
		      "</label></p><p><button type=\"submit\">Log in</button>"
		      "</p></form>\n<p>With the system's accounts (PAM service "
		      "<code>spoolbox</code>); admins are root and the group "
		      "<code>admin_group</code>.</p>\n", v->f);
	}
	page_tail(v);
}

/* Pages and jobs per user or per queue over a period. */
#define TALLY_MAX 200
struct tally {
	struct tally_row {
		char name[128];
		uint64_t jobs, pages, bytes, failed;
	} rows[TALLY_MAX + 1];       /* the last: everyone else */
	size_t n;
};

static void
tally_add(struct tally *t, const char *name, const Sb__AccountRecord *a)
{
	size_t i = 0;

	while (i < t->n && strcmp(t->rows[i].name, name) != 0)
		i++;
	if (i == t->n && t->n < TALLY_MAX)
		snprintf(t->rows[t->n++].name, sizeof(t->rows[0].name), "%s",
		    name);
	else if (i == t->n)
		snprintf(t->rows[i = TALLY_MAX].name, sizeof(t->rows[0].name),
		    "(others)");
	if (a->result != SB__JOB_STATE__COMPLETED) {
		t->rows[i].failed++;
		return;
	}
	t->rows[i].jobs++;
	t->rows[i].pages += (uint64_t)a->pages * (a->copies ? a->copies : 1);
	t->rows[i].bytes += a->bytes;
}

static void
tally_table(FILE *f, const struct tally *t, const char *what)
{
	char b[32];

	fprintf(f, "<table>\n<tr><th>%s</th><th>Jobs printed</th><th>Pages"
		   "</th><th>Bytes</th><th>Not printed</th></tr>\n", what);
	for (size_t i = 0; i <= TALLY_MAX; i++) {
		const struct tally_row *r = &t->rows[i];
		if (i >= t->n && (i < TALLY_MAX || r->name[0] == '\0'))
			continue;
		format_human(r->bytes, b, sizeof(b));
		fputs("<tr><td>", f);
		html_text(f, r->name);
		fprintf(f, "</td><td class=\"n\">%" PRIu64 "</td><td class=\"n\">"
			   "%" PRIu64 "</td><td class=\"n\">%s</td>"
			   "<td class=\"n\">%" PRIu64 "</td></tr>\n",
		    r->jobs, r->pages, b, r->failed);
	}
	fputs("</table>\n", f);
}

/* Every record since, a page of the broker's answers at a time, into
 * both tallies; 0, or -1 with why. */
static int
tally_records(struct view *v, int64_t since, struct tally *users,
    struct tally *queues, char *why, size_t len)
{
	Sb__AccountingReq r = SB__ACCOUNTING_REQ__INIT;
	sb_env e, *a;

	r.since = since;
	r.limit = 1000;
	for (int page = 0; page < 1000; page++) {
		chan_env_init(&e);
		e.body_case = SB__ENVELOPE__BODY_ACCOUNTING_REQ;
		e.accounting_req = &r;
		if ((a = view_ask(v, &e, SB__ENVELOPE__BODY_ACCOUNTING_REP, why,
			 len)) == NULL)
			return -1;
		for (size_t i = 0; i < a->accounting_rep->n_records; i++) {
			const Sb__AccountRecord *x = a->accounting_rep->records[i];
			tally_add(users, x->owner, x);
			tally_add(queues, x->queue, x);
			r.after_seq = x->seq;
		}
		int more = a->accounting_rep->more &&
		    a->accounting_rep->n_records > 0;
		chan_free(a);
		if (!more)
			break;
	}
	return 0;
}

void
page_accounting(struct view *v)
{
	struct tally *users = calloc(2, sizeof(*users)), *queues = users + 1;
	char since[32], why[256];
	int64_t t;

	if (users == NULL)
		fatal("out of memory");
	if (!form_get(v->query, "since", since, sizeof(since)) ||
	    since[0] == '\0')
		snprintf(since, sizeof(since), "30d");
	if (parse_since(since, &t) != 0) {
		page_error(v, 400, "Accounting", "since: give a duration (30d) "
						 "or a date (2026-11-01)");
	} else if (v->token == 0) {
		page_error(v, 403, "Accounting", "accounting is for logged-in "
						 "accounts: log in (an owner "
						 "sees their own, an admin "
						 "everyone's)");
	} else if (tally_records(v, t, users, queues, why, sizeof(why)) != 0) {
		page_error(v, view_http_status(v), "Accounting", why);
	} else {
		page_head(v, "Accounting", 0);
		fputs("<form method=\"get\" action=\"/accounting\"><label>Since "
		      "<input name=\"since\" value=\"", v->f);
		html_text(v->f, since);
		fputs("\"></label> <button type=\"submit\">Show</button></form>\n"
		      "<h2>Per user</h2>\n", v->f);
		tally_table(v->f, users, "User");
		fputs("<h2>Per queue</h2>\n", v->f);
		tally_table(v->f, queues, "Queue");
		page_tail(v);
	}
	free(users);
}

/* ---- /api/: the CLI's --json ---- */

void
api_queues(struct view *v)
{
	sb_env *q = ask_queues(v);

	v->type = "application/json";
	if (q == NULL) {
		v->status = 503;
		fputs("{\"error\":\"spoolboxd did not answer\"}\n", v->f);
		return;
	}
	json_queues(v->f, q->queues_rep);
	chan_free(q);
}

void
api_workers(struct view *v)
{
	sb_env *w = ask_workers(v, 0, SB__WORKER_KIND__KIND_NONE, 0);

	v->type = "application/json";
	if (w == NULL) {
		v->status = 503;
		fputs("{\"error\":\"spoolboxd did not answer\"}\n", v->f);
		return;
	}
	json_workers(v->f, w->workers_rep);
	chan_free(w);
}

/* /api/jobs?user=&state=&since=&queue=&after=&limit= (at most 1000 a
 * page; the next page: after= the last id). */
void
api_jobs(struct view *v)
{
	struct jobs_filter jf;
	char why[256];
	sb_env *a;

	v->type = "application/json";
	a = NULL;
	if (jobs_filter(v->query, &jf, 100, why, sizeof(why)) != 0)
		v->status = 400;
	else if ((a = ask_jobs(v, &jf.req, why, sizeof(why))) == NULL)
		v->status = view_http_status(v);
	if (a == NULL) {
		fputs("{\"error\":", v->f);
		json_str(v->f, why);
		fputs("}\n", v->f);
		return;
	}
	fputc('[', v->f);
	for (size_t i = 0; i < a->jobs_rep->n_jobs; i++) {
		if (i > 0)
			fputc(',', v->f);
		json_job(v->f, a->jobs_rep->jobs[i]);
	}
	fputs("]\n", v->f);
	chan_free(a);
}
