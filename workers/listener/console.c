/*
 * console: the web console on the IPP ports (docs/listener.md, "The web
 * console"). Routing, the session, forms and the answer itself; the pages
 * are consolepage.c's.
 *
 * Who may see it: peers in [listener] allow (checked at accept) and in
 * console_allow. What they see: what the broker answers the identity
 * console@ADDRESS (other users' jobs "(private)", as the CLI shows them),
 * or, once logged in, the account's (an admin's: everything).
 *
 * Logging in: a form posted over TLS (ipps:// on the same port); the
 * broker checks the password (PAM, AuthReq) and names the account by a
 * token, which becomes the session cookie (HttpOnly, Secure,
 * SameSite=Strict). Each later request asks the broker whose the token
 * is (AuthReq without a user): nothing about a session is kept here, so
 * a recycled listener keeps its users logged in until the broker's
 * token expires (10 minutes after the login). Every POST but the login
 * carries a form token derived from the session (SHA-256 of the
 * cookie), which another site cannot read, and an Origin, when the
 * browser sends one, naming this host. The actions are the requests the
 * CLI sends (JobCtlReq, QueueCtlReq, BudgetReq): the broker and localspl
 * apply the same rules to them.
 *
 * Answers: libcups writes only the header fields it knows, and a
 * Content-Security-Policy is not one of them, so the console writes its
 * answer whole on the connection's descriptor (the plaintext side when
 * TLS is on) and closes the connection after it.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>

#include "ippsrv.h"
#include "log.h"
#include "netaddr.h"
#include "util.h"

#define FORM_MAX 8192


static const char csp[] =
    "default-src 'none'; script-src 'self'; style-src 'self'; "
    "img-src 'self'; connect-src 'self'; form-action 'self'; "
    "frame-ancestors 'none'; base-uri 'none'";

/* The console's own script: the pages work without it; with it, a
 * page's <main> is fetched again every 5 s (not while a form field has
 * the focus). No inline script anywhere: the policy above forbids it. */
static const char console_js[] =
    "'use strict';\n"
    "(function () {\n"
    "  var main = document.getElementById('main');\n"
    "  if (!main || main.getAttribute('data-refresh') !== 'on') return;\n"
    "  function busy() {\n"
    "    var a = document.activeElement;\n"
    "    return a && /^(INPUT|SELECT|TEXTAREA|BUTTON)$/.test(a.tagName);\n"
    "  }\n"
    "  setInterval(function () {\n"
    "    if (document.hidden || busy()) return;\n"
    "    fetch(location.href, { credentials: 'same-origin' })\n"
    "      .then(function (r) { return r.ok ? r.text() : null; })\n"
    "      .then(function (t) {\n"
    "        if (!t) return;\n"
    "        var d = new DOMParser().parseFromString(t, 'text/html');\n"
    "        var m = d.getElementById('main');\n"
    "        if (m) { main.replaceWith(m); main = m; }\n"
    "      }).catch(function () {});\n"
    "  }, 5000);\n"
    "})();\n";

static const char console_css[] =
    "body{font:14px/1.4 system-ui,sans-serif;margin:0;color:#1d2125}\n"
    "header{background:#27313a;padding:.5em 1em}\n"
    "header a,header span{color:#fff;margin-right:1.2em;"
    "text-decoration:none}\n"
    "header form{display:inline}\n"
    "main{padding:1em}\n"
    "table{border-collapse:collapse;margin:.5em 0 1.5em}\n"
    "th,td{border-bottom:1px solid #d0d5da;padding:.25em .6em;"
    "text-align:left;vertical-align:top}\n"
    "th{background:#eef1f4}\n"
    "td.n{text-align:right;font-variant-numeric:tabular-nums}\n"
    ".bad{color:#b00020;font-weight:600}.ok{color:#11763a}\n"
    ".priv{color:#777;font-style:italic}\n"
    "meter{width:8em}\n"
    "img.chart{border:1px solid #d0d5da;margin:.3em .6em .3em 0}\n"
    "form.act{display:inline-block;margin:0 .4em .4em 0}\n"
    "footer{color:#777;padding:1em;font-size:12px}\n";



/* The form token of the session token. */
static void
csrf_of(uint64_t token, char *out, size_t len)
{
	unsigned char d[32];
	char in[64];

	snprintf(in, sizeof(in), "spoolbox console %016" PRIx64, token);
	if (gnutls_hash_fast(GNUTLS_DIG_SHA256, in, strlen(in), d) != 0)
		fatal("SHA-256 not available");
	for (size_t i = 0; i < 16 && 2 * i + 2 < len; i++)
		snprintf(out + 2 * i, 3, "%02x", d[i]);
}

/* The session cookie's account, asked of the broker; nothing set when
 * there is none, or it expired. */
static void
session_of(struct view *v)
{
	const char *c = httpGetCookie(v->r->http);
	const char *p = c != NULL ? strstr(c, "sbs=") : NULL;
	Sb__AuthReq ar;
	uint64_t token;
	char *end;
	sb_env e, *a;

	if (p == NULL || (p != c && p[-1] != ' ' && p[-1] != ';'))
		return;
	token = strtoull(p + 4, &end, 16);
	if (token == 0 || end != p + 20)
		return;
	lsn_auth_env(&e, &ar, (char *)"", (char *)"");
	lsn_set_account(token);
	a = view_ask(v, &e, SB__ENVELOPE__BODY_AUTH_REP, NULL, 0);
	if (a == NULL) {
		lsn_set_account(0);
		return;
	}
	v->token = token;
	v->admin = a->auth_rep->admin;
	snprintf(v->account, sizeof(v->account), "%s", a->auth_rep->user);
	csrf_of(token, v->csrf, sizeof(v->csrf));
	chan_free(a);
}

static const char *
reason_phrase(int code)
{
	switch (code) {
	case 200: return "OK";
	case 303: return "See Other";
	case 400: return "Bad Request";
	case 403: return "Forbidden";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 413: return "Content Too Large";
	default: return "Service Unavailable";
	}
}

/* The whole answer on the connection's descriptor; -1 (it closes). */
static int
send_answer(struct view *v, const char *body, size_t len, int head)
{
	const char *cookie = v->cookie[0] ? v->cookie : NULL;
	char hdr[2048], date[64];
	time_t now = time(NULL);
	struct tm tm;
	int n;

	gmtime_r(&now, &tm);
	strftime(date, sizeof(date), "%a, %d %b %Y %H:%M:%S GMT", &tm);
	n = snprintf(hdr, sizeof(hdr),
	    "HTTP/1.1 %d %s\r\nServer: spoolbox/" SPOOLBOX_VERSION "\r\n"
	    "Date: %s\r\nContent-Type: %s\r\nContent-Length: %zu\r\n"
	    "Connection: close\r\nCache-Control: no-store\r\n"
	    "Content-Security-Policy: %s\r\n"
	    "X-Content-Type-Options: nosniff\r\nX-Frame-Options: DENY\r\n"
	    "Referrer-Policy: same-origin\r\n%s%s%s%s%s\r\n",
	    v->status, reason_phrase(v->status), date, v->type, len, csp,
	    v->location[0] ? "Location: " : "", v->location,
	    v->location[0] ? "\r\n" : "", cookie != NULL ? cookie : "",
	    cookie != NULL ? "\r\n" : "");
	if (n < 0 || (size_t)n >= sizeof(hdr))
		return -1;
	int fd = httpGetFd(v->r->http);
	if (write_all(fd, hdr, (size_t)n) != 0 ||
	    (!head && len > 0 && write_all(fd, body, len) != 0))
		log_warn("ipp %s: console answer not sent: %s",
		    v->r->c->peer_str, strerror(errno));
	return -1;
}

/* A form's body (x-www-form-urlencoded, at most FORM_MAX) into buf. */
static int
read_form(struct req *r, char *buf, size_t len)
{
	size_t n = 0;
	ssize_t got;

	if (httpGetLength2(r->http) >= (off_t)len)
		return -1;
	while (n + 1 < len && (got = httpRead2(r->http, buf + n,
				   len - 1 - n)) > 0)
		n += (size_t)got;
	buf[n] = '\0';
	return n + 1 < len ? 0 : -1;
}

/* An Origin, when the browser sends one, must be this host. */
static int
origin_ok(struct req *r)
{
	const char *o = httpGetField(r->http, HTTP_FIELD_ORIGIN);
	const char *h = strstr(o, "://");

	return o[0] == '\0' || (h != NULL && strcmp(h + 3, r->host) == 0);
}

/* Log in: the form's account through the broker (PAM); the token
 * becomes the cookie. */
static void
post_login(struct view *v, const char *form)
{
	char user[64], pass[256];
	Sb__AuthReq ar;
	sb_env e, *a;

	if (!v->r->tls) {
		v->status = 403;
		page_login(v, "log in over https:// (TLS) only");
		return;
	}
	if (!form_get(form, "user", user, sizeof(user)) || user[0] == '\0' ||
	    !form_get(form, "password", pass, sizeof(pass))) {
		v->status = 400;
		page_login(v, "give a user name and a password");
		return;
	}
	lsn_auth_env(&e, &ar, user, pass);
	lsn_set_account(0);
	a = view_ask(v, &e, SB__ENVELOPE__BODY_AUTH_REP, NULL, 0);
	explicit_bzero(pass, sizeof(pass));
	if (a == NULL) {
		log_warn("ipp %s: console login as %s refused",
		    v->r->c->peer_str, user);
		v->status = 403;
		page_login(v, "user name or password not accepted");
		return;
	}
	log_info("ipp %s: console login as %s%s", v->r->c->peer_str,
	    a->auth_rep->user, a->auth_rep->admin ? " (admin)" : "");
	snprintf(v->cookie, sizeof(v->cookie),
	    "Set-Cookie: sbs=%016" PRIx64 "; Path=/; HttpOnly; Secure; "
	    "SameSite=Strict", a->auth_rep->token);
	chan_free(a);
	v->status = 303;
	snprintf(v->location, sizeof(v->location), "/");
}


/* The answer a of an action: done (303 to back), or why not. */
static void
acted(struct view *v, sb_env *a, const char *err, const char *what,
    const char *back)
{
	if (a == NULL) {
		page_result(v, view_http_status(v), err, back);
		return;
	}
	log_info("ipp %s: console: %s by %s", v->r->c->peer_str, what,
	    v->account);
	chan_free(a);
	v->status = 303;
	snprintf(v->location, sizeof(v->location), "%s", back);
}

/* cancel, hold, release, restart or move (to queue) job id. */
static void
post_job(struct view *v, uint64_t id, const char *form)
{
	static const struct { const char *name; int action; } acts[] = {
		{ "cancel", SB__JOB_ACTION__CANCEL },
		{ "hold", SB__JOB_ACTION__HOLD },
		{ "release", SB__JOB_ACTION__RELEASE },
		{ "restart", SB__JOB_ACTION__RESTART },
		{ "move", SB__JOB_ACTION__MOVE },
	};
	Sb__JobCtlReq ctl = SB__JOB_CTL_REQ__INIT;
	char act[16], queue[80], err[256], back[64], what[160];
	sb_env e;

	form_get(form, "action", act, sizeof(act));
	form_get(form, "queue", queue, sizeof(queue));
	snprintf(back, sizeof(back), "/jobs/%" PRIu64, id);
	for (size_t i = 0; i < sizeof(acts) / sizeof(acts[0]); i++)
		if (strcmp(act, acts[i].name) == 0)
			ctl.action = acts[i].action;
	if (ctl.action == 0 ||
	    (ctl.action == SB__JOB_ACTION__MOVE && queue[0] == '\0')) {
		page_result(v, 400, "no such action (cancel, hold, release, "
				    "restart, move to a queue)", back);
		return;
	}
	chan_env_init(&e);
	e.body_case = SB__ENVELOPE__BODY_JOB_CTL_REQ;
	e.job_ctl_req = &ctl;
	ctl.job_id = id;
	ctl.queue = queue;
	snprintf(what, sizeof(what), "job %" PRIu64 " %s%s%s", id, act,
	    queue[0] ? " to " : "", queue);
	acted(v, view_ask(v, &e, SB__ENVELOPE__BODY_JOBS_REP, err,
		     sizeof(err)), err, what, back);
}

/* enable, disable, accept or reject (with a reason) queue name. */
static void
post_queue(struct view *v, const char *name, const char *form)
{
	static const char *const acts[] = { "", "enable", "disable", "accept",
		"reject" };
	Sb__QueueCtlReq ctl = SB__QUEUE_CTL_REQ__INIT;
	char act[16], reason[256], err[256], back[128], what[160];
	sb_env e;

	form_get(form, "action", act, sizeof(act));
	form_get(form, "reason", reason, sizeof(reason));
	snprintf(back, sizeof(back), "/queues/%s", name);
	for (int i = 1; i <= 4; i++)
		if (strcmp(act, acts[i]) == 0)
			ctl.action = i;
	if (ctl.action == 0) {
		page_result(v, 400, "no such action (enable, disable, accept, "
				    "reject)", back);
		return;
	}
	chan_env_init(&e);
	e.body_case = SB__ENVELOPE__BODY_QUEUE_CTL_REQ;
	e.queue_ctl_req = &ctl;
	ctl.queue = (char *)name;
	ctl.reason = reason;
	snprintf(what, sizeof(what), "queue %s %s", name, act);
	acted(v, view_ask(v, &e, SB__ENVELOPE__BODY_QUEUES_REP, err,
		     sizeof(err)), err, what, back);
}

/* A kind's budget: the keys the form gives (blank: unchanged). Kept
 * across restarts by the broker (SPOOL/budgets.state). */
static void
post_budget(struct view *v, const char *form)
{
	static const char *const keys[] = { "memory_budget", "handle_budget",
		"max_jobs", "max_lifetime" };
	Sb__BudgetReq br = SB__BUDGET_REQ__INIT;
	char kind[32], val[4][48], set[4][64], *sets[4], err[256], what[160];
	sb_env e;

	form_get(form, "kind", kind, sizeof(kind));
	if ((br.kind = kind_from_name(kind)) <= 0) {
		page_result(v, 400, "no such worker kind", "/workers");
		return;
	}
	for (size_t i = 0; i < 4; i++)
		if (form_get(form, keys[i], val[i], sizeof(val[i])) &&
		    val[i][0] != '\0') {
			snprintf(set[br.n_set], sizeof(set[0]), "%s=%.47s",
			    keys[i], val[i]);
			sets[br.n_set] = set[br.n_set];
			br.n_set++;
		}
	if (br.n_set == 0) {
		page_result(v, 400, "nothing to change", "/workers");
		return;
	}
	br.set = sets;
	chan_env_init(&e);
	e.body_case = SB__ENVELOPE__BODY_BUDGET_REQ;
	e.budget_req = &br;
	snprintf(what, sizeof(what), "budget of %s changed (%s%s)", kind,
	    sets[0], br.n_set > 1 ? "..." : "");
	acted(v, view_ask(v, &e, SB__ENVELOPE__BODY_BUDGET_REP, err,
		     sizeof(err)), err, what, "/workers");
}

/* A form's POST: the login for anyone over TLS; every other action for an
 * admin's session with its form token. */
static void
console_post(struct view *v, const char *form)
{
	char token[40];
	const char *p = v->path;

	if (!origin_ok(v->r)) {
		page_result(v, 403, "a form from another site", "/");
		return;
	}
	if (strcmp(p, "/login") == 0) {
		post_login(v, form);
		return;
	}
	if (v->token == 0) {
		page_result(v, 403, "log in first", "/login");
		return;
	}
	form_get(form, "csrf", token, sizeof(token));
	if (strlen(token) != 32 || strcmp(token, v->csrf) != 0) {
		page_result(v, 403, "the form is stale: load the page again",
		    "/");
		return;
	}
	if (strcmp(p, "/logout") == 0) {
		v->status = 303;
		snprintf(v->location, sizeof(v->location), "/");
		snprintf(v->cookie, sizeof(v->cookie), "Set-Cookie: sbs=; "
		    "Path=/; Max-Age=0; HttpOnly; Secure; SameSite=Strict");
		return;
	}
	if (!v->admin) {
		page_result(v, 403, "the console is read-only for accounts that "
				    "are not admins", "/");
		return;
	}
	if (strncmp(p, "/jobs/", 6) == 0 && strtoull(p + 6, NULL, 10) > 0)
		post_job(v, strtoull(p + 6, NULL, 10), form);
	else if (strncmp(p, "/queues/", 8) == 0 && p[8] != '\0')
		post_queue(v, p + 8, form);
	else if (strcmp(p, "/workers") == 0)
		post_budget(v, form);
	else
		page_result(v, 404, "nothing to do there", "/");
}

/* A page, a chart, the API, or the console's own style and script. */
static void
console_get(struct view *v)
{
	const char *p = v->path;

	if (strcmp(p, "/") == 0)
		page_overview(v);
	else if (strcmp(p, "/queues") == 0)
		page_queues(v);
	else if (strncmp(p, "/queues/", 8) == 0 && p[8] != '\0')
		page_queue(v, p + 8);
	else if (strcmp(p, "/jobs") == 0)
		page_jobs(v);
	else if (strncmp(p, "/jobs/", 6) == 0 && strtoull(p + 6, NULL, 10) > 0)
		page_job(v, strtoull(p + 6, NULL, 10));
	else if (strcmp(p, "/workers") == 0)
		page_workers(v);
	else if (strncmp(p, "/workers/chart/", 15) == 0)
		page_chart(v, p + 15);
	else if (strcmp(p, "/accounting") == 0)
		page_accounting(v);
	else if (strcmp(p, "/login") == 0)
		page_login(v, NULL);
	else if (strcmp(p, "/api/queues") == 0)
		api_queues(v);
	else if (strcmp(p, "/api/workers") == 0)
		api_workers(v);
	else if (strcmp(p, "/api/jobs") == 0)
		api_jobs(v);
	else
		page_result(v, 404, "no such page", "/");
}

static const char *const console_paths[] = { "/", "/queues", "/queues/",
	"/jobs", "/jobs/", "/workers", "/workers/", "/accounting", "/login",
	"/logout", "/api/", "/console.css", "/console.js" };

int
console_wants(struct req *r, const char *resource, int post)
{
	size_t n = strcspn(resource, "?");

	if (post && strcasecmp(httpGetField(r->http, HTTP_FIELD_CONTENT_TYPE),
			"application/x-www-form-urlencoded") != 0)
		return 0;
	for (size_t i = 0; i < sizeof(console_paths) / sizeof(*console_paths);
	    i++) {
		size_t k = strlen(console_paths[i]);
		if (console_paths[i][k - 1] == '/' && k > 1
			? n > k && strncmp(resource, console_paths[i], k) == 0
			: n == k && strncmp(resource, console_paths[i], k) == 0)
			return 1;
	}
	return 0;
}

/* The script and the style sheet, from memory. */
static int
asset(struct view *v, int head)
{
	int js = strcmp(v->path, "/console.js") == 0;

	v->type = js ? "text/javascript" : "text/css";
	return send_answer(v, js ? console_js : console_css,
	    js ? sizeof(console_js) - 1 : sizeof(console_css) - 1, head);
}

int
console_serve(struct req *r, const char *resource, int post)
{
	struct view v = { .r = r, .status = 200,
		.type = "text/html; charset=utf-8" };
	int head = httpGetState(r->http) == HTTP_STATE_HEAD, rv;
	size_t q = strcspn(resource, "?"), len = 0;
	char form[FORM_MAX], *body = NULL;

	snprintf(v.path, sizeof(v.path), "%.*s", (int)q, resource);
	v.query = resource[q] == '?' ? resource + q + 1 : "";
	if ((v.f = open_memstream(&body, &len)) == NULL)
		fatal("out of memory");
	form[0] = '\0';
	lsn_identity(v.who, sizeof(v.who), "console", r->c->peer_str);
	if (!cidr_list_match(&r->c->l->console_allow,
		(const struct sockaddr *)&r->c->peer)) {
		log_warn("ipp %s: console refused: not in [listener] "
			 "console_allow", r->c->peer_str);
		page_result(&v, 403, "not in [listener] console_allow", "/");
	} else if (strcmp(v.path, "/console.js") == 0 ||
	    strcmp(v.path, "/console.css") == 0) {
		fclose(v.f);
		free(body);
		return asset(&v, head);
	} else if (post && read_form(r, form, sizeof(form)) != 0) {
		page_result(&v, 413, "the form is too large", "/");
	} else {
		session_of(&v);
		if (post)
			console_post(&v, form);
		else
			console_get(&v);
	}
	explicit_bzero(form, sizeof(form));
	fclose(v.f);
	rv = send_answer(&v, body, len, head);
	free(body);
	lsn_set_account(r->token);
	return rv;
}
