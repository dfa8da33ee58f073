/*
 * client: the client API on ipc://RUNTIME/spoolbox.sock (nng rep0, raw so
 * that many requests can be in flight while localspl works on them). The
 * caller's uid comes from the pipe, never from the message. Job and queue
 * requests go to localspl with the caller attached; worker listings are
 * answered here.
 * Who may connect at all is gate.c's. Each pass of the broker's loop
 * takes at most CLIENT_BATCH requests, so workers are served between
 * them however fast clients send; worker listings use the figures of the
 * last sample, never /proc on demand.
 * Reports: undecodable client messages (as an ErrorRep to the client).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <nng/nng.h>
#include <nng/protocol/reqrep0/rep.h>
#include <nng/transport/ipc/ipc.h>

#include "broker.h"
#include "fdpass.h"
#include "log.h"
#include "util.h"
#include "vocab.h"

#define CLIENT_BATCH 16

int
client_open(struct broker *b)
{
	char url[PATH_MAX + 32];
	nng_listener l;
	int rv;

	snprintf(url, sizeof(url), "ipc://%s/spoolbox.sock",
	    b->cfg.runtime_dir);
	if ((rv = nng_rep0_open_raw(&b->client)) != 0)
		return rv;
	nng_socket_set_size(b->client, NNG_OPT_RECVMAXSZ, SB_MSG_MAX);
	nng_socket_set_ms(b->client, NNG_OPT_SENDTIMEO, 1000);
	gate_attach(b, b->client);
	unlink(url + strlen("ipc://"));
	if ((rv = nng_listener_create(&l, b->client, url)) != 0)
		return rv;
	/* Any local user may connect; the peer uid decides what they may do. */
	nng_listener_set_int(l, NNG_OPT_IPC_PERMISSIONS, 0666);
	if ((rv = nng_listener_start(l, 0)) != 0)
		return rv;
	b->client_fd = chan_recvfd(b->client);
	return b->client_fd < 0 ? NNG_EINTERNAL : 0;
}

void
client_close(struct broker *b)
{
	nng_close(b->client);
	while (b->pending != NULL) {
		struct pending *p = b->pending;
		b->pending = p->next;
		if (p->hdr != NULL)
			nng_msg_free(p->hdr);
		free(p);
	}
}

/* Send e as the answer to the request whose header hdr holds. */
static void
reply(struct broker *b, nng_msg *hdr, uint64_t id, sb_env *e)
{
	nng_msg *m;

	e->id = id;
	if (chan_encode(e, &m) != 0) {
		log_warn("client answer of %s does not encode",
		    chan_body_name(e));
		return;
	}
	nng_msg_header_append(m, nng_msg_header(hdr), nng_msg_header_len(hdr));
	if (nng_sendmsg(b->client, m, 0) != 0)
		nng_msg_free(m);
}

/* Answer whoever asked: a client (its reply header) or a listener, if
 * the process that asked is still the one in that pool entry. */
static void
answer(struct broker *b, const struct pending *to, sb_env *e)
{
	if (to->hdr != NULL) {
		reply(b, to->hdr, to->client_id, e);
		return;
	}
	if (to->lsn == NULL || to->lsn->pid != to->lsn_pid ||
	    to->lsn->state == W_FREE)
		return;
	e->id = to->client_id;
	supervise_send(b, to->lsn, e);
}

static void
answer_error(struct broker *b, const struct pending *to, int code,
    const char *msg)
{
	Sb__ErrorRep er = SB__ERROR_REP__INIT;
	sb_env e;

	chan_env_init(&e);
	e.body_case = SB__ENVELOPE__BODY_ERROR_REP;
	e.error_rep = &er;
	er.code = code;
	er.message = (char *)msg;
	answer(b, to, &e);
}

/* An ErrorRep to a client (localspl has its own, spl_reply_error). */
static void
client_error(struct broker *b, nng_msg *hdr, uint64_t id, int code,
    const char *msg)
{
	struct pending to = { .hdr = hdr, .client_id = id };

	answer_error(b, &to, code, msg);
}

/* One entry of `spoolbox workers`: slot s, and its live process w (NULL
 * when the slot has none: down or failed). cap holds CapEff's text. */
static void
worker_info(struct broker *b, const struct slot *s, struct inst *w,
    Sb__WorkerInfo *wi, Sb__ReasonCount *rc, Sb__ReasonCount **rcp)
{
	const struct sb_budget *bg = &b->cfg.workers[s->kind];

	sb__worker_info__init(wi);
	for (unsigned k = 0; k < 8 && s->by_rule[k].rule[0] != '\0'; k++) {
		sb__reason_count__init(&rc[k]);
		rc[k].rule = (char *)s->by_rule[k].rule;
		rc[k].count = s->by_rule[k].n;
		rcp[wi->n_recycles_by++] = &rc[k];
	}
	wi->recycles_by = rcp;
	wi->kind = s->kind;
	wi->instance = s->idx;
	wi->restarts = s->restarts;
	wi->recycles = s->recycles;
	wi->last_reason = (char *)s->last_reason;
	wi->kernel_limit = (char *)budget_backend_name(b);
	wi->memory_budget = bg->memory_budget;
	wi->memory_limit = bg->memory_limit;
	wi->handle_budget = (uint32_t)bg->handle_budget;
	if (w == NULL) {
		wi->state = b->failed[s->kind][0] ? "failed" : "down";
		if (b->failed[s->kind][0])
			wi->last_reason = b->failed[s->kind];
		return;
	}
	wi->pid = (uint32_t)w->pid;
	wi->state = (char *)supervise_state(w);
	wi->private_bytes = w->private_bytes;
	wi->fds = w->fds;
	wi->jobs = w->jobs;
	wi->uptime_ms = now_mono_ms() - w->started_ms;
	wi->current_job = w->token != 0 ? w->job_id : 0;
	wi->seccomp = w->seccomp;
	wi->syscalls = w->syscalls;
	wi->landlock_abi = w->landlock_abi;
	wi->namespaces = w->namespaces;
	wi->uid = w->seen.uid;
	wi->seccomp_status = w->seen.seccomp;
	wi->no_new_privs = w->seen.no_new_privs;
	wi->cap_eff = w->seen.cap_eff;
	wi->own_netns = w->seen.own_netns;
	wi->own_mntns = w->seen.own_mntns;
}

/* Each slot's last hour into rep (WorkersReq.history), or only the slot
 * the request names; what it returns goes to slot_histories_free once the
 * answer is sent. */
static Sb__SlotHistory *
slot_histories(struct broker *b, const Sb__WorkersReq *req,
    Sb__WorkersRep *rep)
{
	int64_t since = now_wall_ms() - (int64_t)HISTORY_POINTS * HISTORY_STEP_MS;
	Sb__SlotHistory *h = calloc(b->nslots + 1, sizeof(*h));
	Sb__SlotHistory **hp = calloc(b->nslots + 1, sizeof(*hp));

	if (h == NULL || hp == NULL)
		fatal("out of memory");
	for (size_t i = 0; i < b->nslots; i++) {
		const struct slot *s = &b->slots[i];
		if (s->dormant || (req->history_kind != SB__WORKER_KIND__KIND_NONE &&
			(s->kind != (int)req->history_kind ||
			    s->idx != req->history_instance)))
			continue;
		Sb__SlotHistory *o = &h[rep->n_history];
		sb__slot_history__init(o);
		o->kind = s->kind;
		o->instance = s->idx;
		o->memory_budget = b->cfg.workers[s->kind].memory_budget;
		o->handle_budget =
		    (uint32_t)b->cfg.workers[s->kind].handle_budget;
		if (history_fill(&s->hist, since, o) != 0)
			fatal("out of memory");
		for (size_t k = 0; k < o->n_events; k++) {
			o->events[k]->kind = s->kind;
			o->events[k]->instance = s->idx;
		}
		hp[rep->n_history++] = o;
	}
	rep->history = hp;
	return h;
}

static void
slot_histories_free(Sb__WorkersRep *rep, Sb__SlotHistory *h)
{
	for (size_t i = 0; i < rep->n_history; i++)
		history_free(rep->history[i]);
	free(h);
	free(rep->history);
}

static void
answer_workers(struct broker *b, const struct pending *to,
    const Sb__WorkersReq *req)
{
	Sb__WorkersRep rep = SB__WORKERS_REP__INIT;
	size_t max = b->ninsts + b->nslots, n = 0;
	Sb__WorkerInfo *infos = calloc(max, sizeof(*infos));
	Sb__WorkerInfo **ptrs = calloc(max, sizeof(*ptrs));
	Sb__ReasonCount *rc = calloc(max * 8, sizeof(*rc));
	Sb__ReasonCount **rcp = calloc(max * 8, sizeof(*rcp));
	sb_env e;

	if (infos == NULL || ptrs == NULL || rc == NULL || rcp == NULL)
		fatal("out of memory");
	supervise_zygotes_up(b);
	/* Every slot that has no process (down, failed), then every live
	 * process. */
	for (size_t i = 0; i < b->nslots; i++)
		if (b->slots[i].cur == NULL && b->slots[i].next == NULL &&
		    !b->slots[i].dormant) {
			worker_info(b, &b->slots[i], NULL, &infos[n], &rc[n * 8],
			    &rcp[n * 8]);
			n++;
		}
	for (size_t i = 0; i < b->ninsts; i++) {
		struct inst *w = &b->insts[i];
		if (w->state == W_FREE)
			continue;
		worker_info(b, w->slot, w, &infos[n], &rc[n * 8], &rcp[n * 8]);
		n++;
	}
	for (size_t i = 0; i < n; i++)
		ptrs[i] = &infos[i];
	rep.n_workers = n;
	rep.workers = ptrs;
	/* The recent recycles and restarts, newest first. */
	Sb__WorkerEvent ev[8], *evp[8];
	unsigned nev = b->nrecent < 8 ? b->nrecent : 8;
	for (unsigned k = 0; k < nev; k++) {
		unsigned r = (b->nrecent - 1 - k) % 8;
		sb__worker_event__init(&ev[k]);
		ev[k].at = b->recent[r].at;
		ev[k].kind = b->recent[r].kind;
		ev[k].instance = b->recent[r].idx;
		ev[k].pid = (uint32_t)b->recent[r].pid;
		ev[k].what = b->recent[r].restart ? (char *)"restarted"
						  : (char *)"recycled";
		ev[k].reason = b->recent[r].reason;
		evp[k] = &ev[k];
	}
	rep.n_recent = nev;
	rep.recent = evp;
	rep.samples = b->samples;
	rep.degraded = b->degraded;
	rep.sample_ns = b->sample_ns;
	Sb__SlotHistory *hist = req->history ? slot_histories(b, req, &rep)
					     : NULL;
	chan_env_init(&e);
	e.body_case = SB__ENVELOPE__BODY_WORKERS_REP;
	e.workers_rep = &rep;
	answer(b, to, &e);
	if (hist != NULL)
		slot_histories_free(&rep, hist);
	free(infos);
	free(ptrs);
	free(rc);
	free(rcp);
}

/* Apply "key=value" settings to nb; NULL, or why they are refused. */
static const char *
budget_settings(const Sb__BudgetReq *r, struct sb_budget *nb, char *err,
    size_t errlen)
{
	char kv[160];

	for (size_t i = 0; i < r->n_set; i++) {
		char *eq;
		snprintf(kv, sizeof(kv), "%s", r->set[i]);
		if ((eq = strchr(kv, '=')) == NULL)
			return "settings are KEY=VALUE";
		*eq = '\0';
		if (strcmp(kv, "instances") == 0 ||
		    strcmp(kv, "max_instances") == 0)
			return "instances changes need a restart of spoolboxd";
		if (config_budget_set(nb, kv, eq + 1, err, errlen) != 0)
			return err;
	}
	return config_budget_check(nb, err, errlen) != 0 ? err : NULL;
}

/* Show or change one kind's budget; changes need an admin. */
static void
answer_budget(struct broker *b, const struct pending *from, const sb_env *req,
    uid_t uid)
{
	const Sb__BudgetReq *r = req->budget_req;
	Sb__BudgetRep rep = SB__BUDGET_REP__INIT;
	struct sb_budget nb = b->cfg.workers[r->kind];
	char *keys[32], *vals[32], valbuf[32][32], err[256];
	size_t n = 0;
	sb_env e;

	if (r->n_set > 0 && !gate_is_admin(b, uid)) {
		answer_error(b, from, SB__ERROR_CODE__E_PERM,
		    "only an admin (root or group admin_group) may change "
		    "budgets");
		return;
	}
	if (r->n_set > 0) {
		const char *why = budget_settings(r, &nb, err, sizeof(err));
		if (why != NULL) {
			answer_error(b, from, SB__ERROR_CODE__E_INVALID, why);
			return;
		}
		b->cfg.workers[r->kind] = nb;
		/* An admin's word clears the crash-loop breaker. */
		supervise_unfail(b, r->kind);
		budget_limit_update(b, r->kind);
		b->next_sample = 0; /* effective at the next sample: now */
		log_info("budget of %s changed by uid %u", kind_name(r->kind),
		    (unsigned)uid);
		saved_record(b, r->kind, r->set, r->n_set);
	}
	for (const struct sb_budget_key *k = config_budget_keys;
	    k->name != NULL && n < 32; k++, n++) {
		keys[n] = (char *)k->name;
		config_budget_format(&b->cfg.workers[r->kind], k, valbuf[n],
		    sizeof(valbuf[n]));
		vals[n] = valbuf[n];
	}
	rep.kind = r->kind;
	rep.n_keys = rep.n_values = n;
	rep.keys = keys;
	rep.values = vals;
	chan_env_init(&e);
	e.body_case = SB__ENVELOPE__BODY_BUDGET_REP;
	e.budget_rep = &rep;
	answer(b, from, &e);
}

static void
answer_reload(struct broker *b, nng_msg *hdr, uint64_t id, uid_t uid)
{
	Sb__ReloadRep rep = SB__RELOAD_REP__INIT;
	char msg[1200];
	sb_env e;

	if (!gate_is_admin(b, uid)) {
		client_error(b, hdr, id, SB__ERROR_CODE__E_PERM,
		    "only an admin (root or group admin_group) may reload");
		return;
	}
	if (b->reload(b, msg, sizeof(msg)) != 0) {
		client_error(b, hdr, id, SB__ERROR_CODE__E_INVALID, msg);
		return;
	}
	log_info("%s (by uid %u)", msg, (unsigned)uid);
	rep.summary = msg;
	chan_env_init(&e);
	e.body_case = SB__ENVELOPE__BODY_RELOAD_REP;
	e.reload_rep = &rep;
	reply(b, hdr, id, &e);
}

/* A submit by descriptor: the file uid passed under the request's
 * cookie goes to localspl's descriptor channel, tagged with the id the
 * request will carry there (sent first, so localspl finds it waiting).
 * 0, or -1 after an error answer. */
static int
pass_file(struct broker *b, struct inst *spl, const struct pending *from,
    sb_env *e, uid_t uid, uint64_t id)
{
	Sb__SubmitReq *r = e->submit_req;
	int fd;

	if ((fd = fdgate_take(b, uid, r->fd_cookie)) < 0) {
		answer_error(b, from, SB__ERROR_CODE__E_INVALID,
		    "no file of yours passed under that cookie");
		return -1;
	}
	if (fdpass_send(spl->fdchan, id, fd) != 0) {
		close(fd);
		answer_error(b, from, SB__ERROR_CODE__E_UNAVAILABLE,
		    "local spooler busy, try again");
		return -1;
	}
	close(fd);
	r->fd_cookie = 0;
	r->by_fd = 1;
	return 0;
}

/* A new job, or a job moved, to a queue its access lists close to the
 * caller (allow_users, allow_groups, deny_users): refused here, for local
 * and network clients alike (admins excepted). 1 when it was. */
static int
refused_queue(struct broker *b, const struct pending *from, const sb_env *e,
    const Sb__Caller *caller)
{
	const struct sb_queue *q = NULL;
	const char *rule;
	char why[256];

	if (e->body_case == SB__ENVELOPE__BODY_SUBMIT_REQ &&
	    e->submit_req->upload == 0)
		q = config_queue(&b->cfg, e->submit_req->queue);
	else if (e->body_case == SB__ENVELOPE__BODY_JOB_CTL_REQ &&
	    e->job_ctl_req->action == SB__JOB_ACTION__MOVE)
		q = config_queue(&b->cfg, e->job_ctl_req->queue);
	/* Admins may: they set the lists, and move jobs anywhere. */
	if (q == NULL || caller->admin ||
	    (rule = gate_may_print(q, caller->user,
		 caller->uid == SB_NET_UID)) == NULL)
		return 0;
	snprintf(why, sizeof(why), "queue %s: %s may not print here (%s)",
	    q->name, caller->user, rule);
	log_info("%s", why);
	answer_error(b, from, SB__ERROR_CODE__E_PERM, why);
	return 1;
}

/* A new job's job-hold-until as a time, in the broker's time zone (the
 * workers' sandboxes have none): 0, or -1 after an error answer. */
static int
hold_time(struct broker *b, const struct pending *from, sb_env *e)
{
	Sb__SubmitReq *r = e->submit_req;
	char why[200];
	int held;

	if (e->body_case != SB__ENVELOPE__BODY_SUBMIT_REQ)
		return 0;
	r->hold_at = 0; /* the broker's to set */
	if (r->upload != 0 || r->hold_until[0] == '\0')
		return 0;
	held = hold_release(r->hold_until, time(NULL), &r->hold_at);
	if (held < 0) {
		snprintf(why, sizeof(why), "bad hold time '%.40s' (indefinite, "
		    "day-time, evening, night, weekend, second-shift, "
		    "third-shift or HH:MM in UTC)", r->hold_until);
		answer_error(b, from, SB__ERROR_CODE__E_INVALID, why);
		return -1;
	}
	r->hold = held != 0;
	return 0;
}

/* Pass a job or queue request to localspl with caller attached; from
 * says who gets the answer. A file passed by descriptor is uid's. */
static void
forward(struct broker *b, const struct pending *from, sb_env *e,
    Sb__Caller *caller, uid_t uid)
{
	struct inst *spl = route_localspl(b);
	struct pending *p;

	if (spl == NULL) {
		answer_error(b, from, SB__ERROR_CODE__E_UNAVAILABLE,
		    "local spooler restarting, try again");
		return;
	}
	if (e->body_case == SB__ENVELOPE__BODY_SUBMIT_REQ &&
	    e->submit_req->by_fd) {
		answer_error(b, from, SB__ERROR_CODE__E_INVALID,
		    "by_fd is the broker's to set");
		return;
	}
	if (refused_queue(b, from, e, caller) || hold_time(b, from, e) != 0)
		return;
	if (e->body_case == SB__ENVELOPE__BODY_SUBMIT_REQ &&
	    e->submit_req->fd_cookie != 0 &&
	    (from->hdr == NULL ||
		pass_file(b, spl, from, e, uid, b->next_id + 1) != 0))
		return;
	if ((p = calloc(1, sizeof(*p))) == NULL)
		fatal("out of memory");
	*p = *from;
	if (from->hdr != NULL) {
		if (nng_msg_alloc(&p->hdr, 0) != 0)
			fatal("out of memory");
		nng_msg_header_append(p->hdr, nng_msg_header(from->hdr),
		    nng_msg_header_len(from->hdr));
	}
	p->id = ++b->next_id;
	e->caller = caller;
	e->id = p->id;
	if (proc_send(spl, e) != 0) {
		/* A flood of clients is not localspl's fault: say busy. */
		answer_error(b, p, SB__ERROR_CODE__E_UNAVAILABLE,
		    "local spooler busy, try again");
		if (p->hdr != NULL)
			nng_msg_free(p->hdr);
		free(p);
	} else {
		p->next = b->pending;
		b->pending = p;
	}
	e->caller = NULL; /* the caller's object: not for chan_free */
}

/* uid's account name (its number when it has none), from a cache of a
 * few seconds: getpwuid reads /etc/passwd (or asks NSS) each time, and
 * every request names its caller. The main thread's alone. */
static char *
user_name(uid_t uid)
{
	enum { SLOTS = 16, TTL_MS = 10000 };
	static struct {
		uid_t uid;
		uint64_t until;
		char name[64];
	} cache[SLOTS];
	static unsigned next;
	uint64_t now = now_mono_ms();
	struct passwd *pw;

	for (unsigned i = 0; i < SLOTS; i++)
		if (cache[i].until > now && cache[i].uid == uid)
			return cache[i].name;
	unsigned i = next++ % SLOTS;
	if ((pw = getpwuid(uid)) != NULL)
		snprintf(cache[i].name, sizeof(cache[i].name), "%s",
		    pw->pw_name);
	else
		snprintf(cache[i].name, sizeof(cache[i].name), "%u",
		    (unsigned)uid);
	cache[i].uid = uid;
	cache[i].until = now + TTL_MS;
	return cache[i].name;
}

/* A request of a local client, whose uid the ipc pipe told. */
static void
forward_local(struct broker *b, nng_msg *hdr, sb_env *e, uid_t uid)
{
	struct pending from = { .hdr = hdr, .client_id = e->id };
	Sb__Caller caller = SB__CALLER__INIT;

	caller.uid = (uint32_t)uid;
	caller.admin = gate_is_admin(b, uid);
	caller.user = user_name(uid); /* stays until the next call */
	forward(b, &from, e, &caller, uid);
}

/* A network identity as the listener names it: NAME@ADDRESS, printable,
 * no spaces. */
static int
net_user_ok(const char *u)
{
	size_t n = strlen(u);
	const char *at = strrchr(u, '@');

	if (n < 3 || n > 127 || at == NULL || at == u || at[1] == '\0')
		return 0;
	for (; *u; u++)
		if ((unsigned char)*u <= ' ' || *u == 0x7f)
			return 0;
	return 1;
}

/* A request of a network client that logged in: as its account (uid,
 * name, admin group), the same rules as the CLI's. */
static void
account_forward(struct broker *b, const struct pending *from, sb_env *e)
{
	Sb__Caller caller = SB__CALLER__INIT;
	const char *user;
	char name[64];
	uid_t uid;

	if (auth_account(b, e->caller->auth_token, &uid, &user) != 0) {
		answer_error(b, from, SB__ERROR_CODE__E_PERM,
		    "the login has expired; log in again");
		return;
	}
	/* A kind's budget (the web console): the broker's, as the CLI's. */
	if (e->body_case == SB__ENVELOPE__BODY_BUDGET_REQ) {
		answer_budget(b, from, e, uid);
		return;
	}
	snprintf(name, sizeof(name), "%s", user);
	sb__caller__free_unpacked(e->caller, NULL);
	e->caller = NULL;
	caller.uid = (uint32_t)uid;
	caller.admin = gate_is_admin(b, uid);
	caller.user = name;
	forward(b, from, e, &caller, uid);
}

/* Is the account token names an admin now? */
static int
account_is_admin(struct broker *b, uint64_t token)
{
	const char *user;
	uid_t uid;

	return auth_account(b, token, &uid, &user) == 0 &&
	    gate_is_admin(b, uid);
}

void
client_auth_done(struct broker *b, const struct pending *from,
    const char *user, uint64_t token)
{
	Sb__AuthRep rep = SB__AUTH_REP__INIT;
	sb_env e;

	if (token == 0) {
		answer_error(b, from, SB__ERROR_CODE__E_PERM,
		    "user name or password not accepted");
		return;
	}
	chan_env_init(&e);
	e.body_case = SB__ENVELOPE__BODY_AUTH_REP;
	e.auth_rep = &rep;
	rep.user = (char *)user;
	rep.token = token;
	rep.admin = account_is_admin(b, token);
	answer(b, from, &e);
}

/* Whose is the caller's token (the web console's session)? Answered at
 * once, without PAM: its account, or "expired". */
static void
answer_whoami(struct broker *b, const struct pending *from, uint64_t token)
{
	const char *user;
	char name[64];
	uid_t uid;

	if (auth_account(b, token, &uid, &user) != 0) {
		answer_error(b, from, SB__ERROR_CODE__E_PERM,
		    "the login has expired; log in again");
		return;
	}
	snprintf(name, sizeof(name), "%s", user);
	client_auth_done(b, from, name, token);
}

void
client_from_listener(struct broker *b, struct inst *w, sb_env *e)
{
	struct pending from = { .lsn = w, .lsn_pid = w->pid,
		.client_id = e->id };
	Sb__Caller caller = SB__CALLER__INIT;
	char user[168];

	/* The listener names the network client; never an admin, never a
	 * local uid, never a file by descriptor. */
	if (e->caller == NULL || (e->caller->auth_token == 0 &&
				     !net_user_ok(e->caller->user))) {
		answer_error(b, &from, SB__ERROR_CODE__E_INVALID,
		    "a network request must name its client as NAME@ADDRESS");
		goto out;
	}
	if (e->body_case == SB__ENVELOPE__BODY_SUBMIT_REQ &&
	    e->submit_req->fd_cookie != 0) {
		answer_error(b, &from, SB__ERROR_CODE__E_INVALID,
		    "a network submit cannot pass a file");
		goto out;
	}
	if (e->body_case == SB__ENVELOPE__BODY_AUTH_REQ &&
	    e->auth_req->user[0] == '\0') {
		answer_whoami(b, &from, e->caller->auth_token);
		goto out;
	}
	if (e->body_case == SB__ENVELOPE__BODY_AUTH_REQ) {
		if (auth_begin(b, &from, e->auth_req->user,
			e->auth_req->password) != 0)
			answer_error(b, &from, errno == EPERM
				? SB__ERROR_CODE__E_PERM
				: SB__ERROR_CODE__E_UNAVAILABLE,
			    errno == EPERM ? "a login of this user failed "
					     "just now: wait"
					   : "too many logins at once, try again");
		explicit_bzero(e->auth_req->password,
		    strlen(e->auth_req->password));
		goto out;
	}
	/* The workers' figures, for GET /metrics and the web console (the
	 * listener checks metrics_allow and console_allow): answered here,
	 * not by localspl. */
	if (e->body_case == SB__ENVELOPE__BODY_WORKERS_REQ) {
		answer_workers(b, &from, e->workers_req);
		goto out;
	}
	if (e->caller->auth_token != 0) {
		account_forward(b, &from, e);
		goto out;
	}
	if (e->body_case == SB__ENVELOPE__BODY_BUDGET_REQ) {
		answer_error(b, &from, SB__ERROR_CODE__E_PERM,
		    "budgets are for local users and logged-in accounts");
		goto out;
	}
	/* Who printed what is for local users and logged-in accounts. */
	if (e->body_case == SB__ENVELOPE__BODY_ACCOUNTING_REQ ||
	    e->body_case == SB__ENVELOPE__BODY_QUOTA_REQ) {
		answer_error(b, &from, SB__ERROR_CODE__E_PERM,
		    "accounting is for local users and logged-in accounts");
		goto out;
	}
	snprintf(user, sizeof(user), "%s", e->caller->user);
	sb__caller__free_unpacked(e->caller, NULL);
	e->caller = NULL;
	caller.uid = SB_NET_UID;
	caller.admin = 0;
	caller.user = user;
	forward(b, &from, e, &caller, (uid_t)SB_NET_UID);
out:
	chan_free(e);
}

static void
client_msg(struct broker *b, nng_msg *m)
{
	char err[256], refused[64];
	uint64_t uid = (uint64_t)-1;
	sb_env *e;

	/* Refused at the gate, kept open only to be told why. */
	if (gate_refused(b, nng_msg_get_pipe(m), refused, sizeof(refused)) !=
	    NULL) {
		char why[160];
		snprintf(why, sizeof(why), "spoolboxd refused the connection: "
		    "too many connections (%s)", refused);
		client_error(b, m, 0, SB__ERROR_CODE__E_LIMIT, why);
		return;
	}
	if (nng_pipe_get_uint64(nng_msg_get_pipe(m), NNG_OPT_IPC_PEER_UID,
		&uid) != 0) {
		client_error(b, m, 0, SB__ERROR_CODE__E_PERM,
		    "cannot tell who is calling");
		return;
	}
	if ((e = chan_decode(m, err, sizeof(err))) == NULL) {
		client_error(b, m, 0, SB__ERROR_CODE__E_INVALID, err);
		return;
	}
	if (e->caller != NULL) { /* only the broker says who calls */
		sb__caller__free_unpacked(e->caller, NULL);
		e->caller = NULL;
	}
	if (request_for_localspl(e)) {
		forward_local(b, m, e, (uid_t)uid);
		chan_free(e);
		return;
	}
	switch (e->body_case) {
	case SB__ENVELOPE__BODY_WORKERS_REQ:
		answer_workers(b, &(struct pending){ .hdr = m,
		    .client_id = e->id }, e->workers_req);
		break;
	case SB__ENVELOPE__BODY_BUDGET_REQ:
		answer_budget(b, &(struct pending){ .hdr = m,
		    .client_id = e->id }, e, (uid_t)uid);
		break;
	case SB__ENVELOPE__BODY_RELOAD_REQ:
		answer_reload(b, m, e->id, (uid_t)uid);
		break;
	default:
		client_error(b, m, e->id, SB__ERROR_CODE__E_INVALID,
		    "not a client request");
		break;
	}
	chan_free(e);
}

void
client_recv(struct broker *b)
{
	nng_msg *m;

	/* Bounded: what is left wakes the next poll at once. */
	for (int i = 0; i < CLIENT_BATCH &&
	    nng_recvmsg(b->client, &m, NNG_FLAG_NONBLOCK) == 0; i++) {
		client_msg(b, m);
		nng_msg_free(m);
	}
}

/* Where network clients reach queue q: a URI per listening address and
 * scheme (ipp:// and ipps:// as TLS is on, required, or required by the
 * queue; decoded messages own malloc'd strings, freed with them). */
static void
add_inbound(struct broker *b, Sb__QueueInfo *q)
{
	const struct sb_queue *qc = config_queue(&b->cfg, q->name);
	int tls_only = b->cfg.lsn_tls == TLS_REQUIRED ||
	    (qc != NULL && qc->tls_required);

	if (b->nlisten == 0 || q->n_inbound != 0)
		return;
	q->inbound = calloc(2 * b->nlisten, sizeof(*q->inbound));
	if (q->inbound == NULL)
		fatal("out of memory");
	for (size_t i = 0; i < b->nlisten; i++) {
		const struct sb_listen *l = &b->cfg.listen[i];
		if (strcmp(l->proto, "ipp") != 0) {
			if (asprintf(&q->inbound[q->n_inbound++], "%s://%s/%s",
				l->proto, l->addr, q->name) < 0)
				fatal("out of memory");
			continue;
		}
		for (int tls = 0; tls <= 1; tls++) {
			if ((tls && b->cfg.lsn_tls == TLS_OFF) ||
			    (!tls && tls_only))
				continue;
			if (asprintf(&q->inbound[q->n_inbound++],
				"%s://%s/printers/%s", tls ? "ipps" : "ipp",
				l->addr, q->name) < 0)
				fatal("out of memory");
		}
	}
}

/* A queue whose worker kind failed is stopped, with the reason; and
 * where the listener takes jobs for it. */
static void
annotate_queues(struct broker *b, Sb__QueuesRep *r)
{
	for (size_t i = 0; i < r->n_queues; i++) {
		Sb__QueueInfo *q = r->queues[i];
		add_inbound(b, q);
		if (q->caps == NULL)
			q->caps = route_caps(b, q->name);
		int k = uri_kind(q->uri);
		/* localspl delivers file: queues itself: it never "fails". */
		const char *why = k != 0 && k != SB__WORKER_KIND__LOCALSPL
		    ? b->failed[k]
		    : "";
		if (why[0] == '\0' && q->datatype != SB__DATA_TYPE__RAW)
			why = b->failed[SB__WORKER_KIND__PRINTPROC];
		if (why[0] == '\0')
			continue;
		/* Decoded strings belong to protobuf-c's (malloc) allocator,
		 * except its shared static empty string. */
		if (q->state != protobuf_c_empty_string)
			free(q->state);
		if (q->reason != protobuf_c_empty_string)
			free(q->reason);
		q->state = strdup("stopped");
		q->reason = strdup(why);
		if (q->state == NULL || q->reason == NULL)
			fatal("out of memory");
	}
}

/* localspl answered a forwarded request: pass it to the waiting client. */
void
client_answer(struct broker *b, sb_env *e)
{
	struct pending **pp, *p;

	if (e->body_case == SB__ENVELOPE__BODY_QUEUES_REP)
		annotate_queues(b, e->queues_rep);
	for (pp = &b->pending; (p = *pp) != NULL; pp = &p->next) {
		if (p->id != e->id)
			continue;
		*pp = p->next;
		answer(b, p, e);
		if (p->hdr != NULL)
			nng_msg_free(p->hdr);
		free(p);
		chan_free(e);
		return;
	}
	log_debug("answer %llu from localspl has no client waiting",
	    (unsigned long long)e->id);
	chan_free(e);
}

void
client_fail_pending(struct broker *b, const char *why)
{
	while (b->pending != NULL) {
		struct pending *p = b->pending;
		b->pending = p->next;
		answer_error(b, p, SB__ERROR_CODE__E_UNAVAILABLE, why);
		if (p->hdr != NULL)
			nng_msg_free(p->hdr);
		free(p);
	}
}
