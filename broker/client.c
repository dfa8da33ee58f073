/*
 * client: the client API on ipc://RUNTIME/spoolbox.sock (nng rep0, raw so
 * that many requests can be in flight while localspl works on them). The
 * caller's uid comes from the pipe, never from the message. Job and queue
 * requests go to localspl with the caller attached; worker listings are
 * answered here.
 * Reports: undecodable client messages (as an ErrorRep to the client).
 */
#define _GNU_SOURCE
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
#include "log.h"
#include "util.h"

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

static void
reply_error(struct broker *b, nng_msg *hdr, uint64_t id, int code,
    const char *msg)
{
	Sb__ErrorRep er = SB__ERROR_REP__INIT;
	sb_env e;

	chan_env_init(&e);
	e.body_case = SB__ENVELOPE__BODY_ERROR_REP;
	e.error_rep = &er;
	er.code = code;
	er.message = (char *)msg;
	reply(b, hdr, id, &e);
}

/* Admin: root, the broker's own user, or a member of admin_group. */
static int
is_admin(const struct broker *b, uid_t uid)
{
	struct passwd *pw;
	struct group *gr;
	gid_t groups[256];
	int n = 256;

	if (uid == 0 || uid == geteuid())
		return 1;
	if ((gr = getgrnam(b->cfg.admin_group)) == NULL ||
	    (pw = getpwuid(uid)) == NULL)
		return 0;
	if (getgrouplist(pw->pw_name, pw->pw_gid, groups, &n) < 0)
		return 0;
	for (int i = 0; i < n; i++)
		if (groups[i] == gr->gr_gid)
			return 1;
	return 0;
}

static const char *
state_name(enum inst_state s)
{
	static const char *const names[] = { "down", "starting", "ready",
		"draining" };
	return names[s];
}

static void
answer_workers(struct broker *b, nng_msg *hdr, uint64_t id)
{
	Sb__WorkersRep rep = SB__WORKERS_REP__INIT;
	Sb__WorkerInfo *infos, **ptrs;
	uint64_t now = now_mono_ms();
	sb_env e;

	infos = calloc(b->ninsts, sizeof(*infos));
	ptrs = calloc(b->ninsts, sizeof(*ptrs));
	if (infos == NULL || ptrs == NULL)
		fatal("out of memory");
	for (size_t i = 0; i < b->ninsts; i++) {
		struct inst *w = &b->insts[i];
		Sb__WorkerInfo *wi = &infos[i];
		sb__worker_info__init(wi);
		supervise_sample(b, w);
		wi->kind = w->kind;
		wi->instance = w->idx;
		wi->pid = (uint32_t)w->pid;
		wi->state = (char *)(w->state == W_READY && w->token != 0
			? "busy"
			: state_name(w->state));
		wi->private_bytes = w->pid > 0 ? w->private_bytes : 0;
		wi->fds = w->pid > 0 ? w->fds : 0;
		wi->jobs = w->jobs;
		wi->uptime_ms = w->pid > 0 ? now - w->started_ms : 0;
		wi->restarts = w->restarts;
		wi->last_reason = w->last_reason;
		wi->current_job = w->token != 0 ? w->job_id : 0;
		ptrs[i] = wi;
	}
	rep.n_workers = b->ninsts;
	rep.workers = ptrs;
	chan_env_init(&e);
	e.body_case = SB__ENVELOPE__BODY_WORKERS_REP;
	e.workers_rep = &rep;
	reply(b, hdr, id, &e);
	free(infos);
	free(ptrs);
}

/* Pass a job or queue request to localspl with the caller attached. */
static void
forward(struct broker *b, nng_msg *hdr, sb_env *e, uid_t uid)
{
	struct inst *spl = broker_localspl(b);
	Sb__Caller caller = SB__CALLER__INIT;
	struct passwd *pw;
	char uname[64];
	struct pending *p;

	if (spl == NULL) {
		reply_error(b, hdr, e->id, SB__ERROR_CODE__E_UNAVAILABLE,
		    "local spooler restarting, try again");
		return;
	}
	if ((p = calloc(1, sizeof(*p))) == NULL ||
	    nng_msg_alloc(&p->hdr, 0) != 0)
		fatal("out of memory");
	nng_msg_header_append(p->hdr, nng_msg_header(hdr),
	    nng_msg_header_len(hdr));
	p->client_id = e->id;
	p->id = ++b->next_id;
	pw = getpwuid(uid);
	snprintf(uname, sizeof(uname), "%s",
	    pw != NULL ? pw->pw_name : "?");
	if (pw == NULL)
		snprintf(uname, sizeof(uname), "%u", (unsigned)uid);
	caller.uid = (uint32_t)uid;
	caller.admin = is_admin(b, uid);
	caller.user = uname;
	e->caller = &caller;
	e->id = p->id;
	if (broker_try_send(spl, e) != 0) {
		/* A flood of clients is not localspl's fault: say busy. */
		reply_error(b, p->hdr, p->client_id,
		    SB__ERROR_CODE__E_UNAVAILABLE,
		    "local spooler busy, try again");
		nng_msg_free(p->hdr);
		free(p);
	} else {
		p->next = b->pending;
		b->pending = p;
	}
	e->caller = NULL; /* stack object: not for chan_free */
}

static void
client_msg(struct broker *b, nng_msg *m)
{
	char err[256];
	uint64_t uid = (uint64_t)-1;
	sb_env *e;

	if (nng_pipe_get_uint64(nng_msg_get_pipe(m), NNG_OPT_IPC_PEER_UID,
		&uid) != 0) {
		reply_error(b, m, 0, SB__ERROR_CODE__E_PERM,
		    "cannot tell who is calling");
		return;
	}
	if ((e = chan_decode(m, err, sizeof(err))) == NULL) {
		reply_error(b, m, 0, SB__ERROR_CODE__E_INVALID, err);
		return;
	}
	if (e->caller != NULL) { /* only the broker says who calls */
		sb__caller__free_unpacked(e->caller, NULL);
		e->caller = NULL;
	}
	switch (e->body_case) {
	case SB__ENVELOPE__BODY_SUBMIT_REQ:
	case SB__ENVELOPE__BODY_JOBS_REQ:
	case SB__ENVELOPE__BODY_JOB_CTL_REQ:
	case SB__ENVELOPE__BODY_QUEUES_REQ:
		forward(b, m, e, (uid_t)uid);
		break;
	case SB__ENVELOPE__BODY_WORKERS_REQ:
		answer_workers(b, m, e->id);
		break;
	default:
		reply_error(b, m, e->id, SB__ERROR_CODE__E_INVALID,
		    "not a client request");
		break;
	}
	chan_free(e);
}

void
client_recv(struct broker *b)
{
	nng_msg *m;

	while (nng_recvmsg(b->client, &m, NNG_FLAG_NONBLOCK) == 0) {
		client_msg(b, m);
		nng_msg_free(m);
	}
}

/* localspl answered a forwarded request: pass it to the waiting client. */
void
client_answer(struct broker *b, sb_env *e)
{
	struct pending **pp, *p;

	for (pp = &b->pending; (p = *pp) != NULL; pp = &p->next) {
		if (p->id != e->id)
			continue;
		*pp = p->next;
		reply(b, p->hdr, p->client_id, e);
		nng_msg_free(p->hdr);
		free(p);
		return;
	}
	log_debug("answer %llu from localspl has no client waiting",
	    (unsigned long long)e->id);
}

void
client_fail_pending(struct broker *b, const char *why)
{
	while (b->pending != NULL) {
		struct pending *p = b->pending;
		b->pending = p->next;
		reply_error(b, p->hdr, p->client_id,
		    SB__ERROR_CODE__E_UNAVAILABLE, why);
		nng_msg_free(p->hdr);
		free(p);
	}
}
