/*
 * gate: who may hold a connection to the client socket, decided in nng's
 * pipe callbacks before a request is read. At most max_clients
 * connections in all and max_clients_per_user per uid; the last eighth of
 * max_clients is kept for admins (root, the broker's user, admin_group),
 * who are not held to the per-user figure, so a local user who opens
 * connections and sends nothing cannot lock an admin out or run the
 * broker out of fds. A refused connection stays open for a second (at
 * most GATE_REFUSED_MAX of them; more are closed at once) so that its
 * request is answered with why. The admin rule lives here, once, for the
 * client layer too (gate_is_admin is safe from any thread).
 * Reports: refused connections, at most once a second.
 */
#define _GNU_SOURCE
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "broker.h"
#include "log.h"
#include "util.h"

int
gate_is_admin(struct broker *b, uid_t uid)
{
	struct passwd pw, *pp = NULL;
	gid_t groups[256], admin = (gid_t)atomic_load(&b->gate.admin_gid);
	char buf[4096];
	int n = 256;

	if (uid == 0 || uid == geteuid())
		return 1;
	if (atomic_load(&b->gate.admin_gid) < 0 ||
	    getpwuid_r(uid, &pw, buf, sizeof(buf), &pp) != 0 || pp == NULL ||
	    getgrouplist(pw.pw_name, pw.pw_gid, groups, &n) < 0)
		return 0;
	for (int i = 0; i < n; i++)
		if (groups[i] == admin)
			return 1;
	return 0;
}

/* Is uid's account (user) in one of the groups list names? */
static int
in_groups(const char *user, const char *list)
{
	struct passwd pw, *pp = NULL;
	gid_t groups[256];
	char buf[4096], gbuf[4096];
	int n = 256;

	if (getpwnam_r(user, &pw, buf, sizeof(buf), &pp) != 0 || pp == NULL ||
	    getgrouplist(pw.pw_name, pw.pw_gid, groups, &n) < 0)
		return 0;
	for (int i = 0; i < n; i++) {
		struct group gr, *gp = NULL;
		if (getgrgid_r(groups[i], &gr, gbuf, sizeof(gbuf), &gp) == 0 &&
		    gp != NULL && config_name_listed(list, gp->gr_name))
			return 1;
	}
	return 0;
}

const char *
gate_may_print(const struct sb_queue *q, const char *user, int network)
{
	char name[128];

	/* A network client is denied by its NAME too: it chooses the
	 * NAME@ADDRESS, not the name. */
	snprintf(name, sizeof(name), "%.*s", (int)strcspn(user, "@"), user);
	if (config_name_listed(q->deny_users, user) ||
	    (network && config_name_listed(q->deny_users, name)))
		return "deny_users";
	if (q->allow_users[0] == '\0' && q->allow_groups[0] == '\0')
		return NULL;
	if (config_name_listed(q->allow_users, user) ||
	    (!network && q->allow_groups[0] != '\0' &&
		in_groups(user, q->allow_groups)))
		return NULL;
	return q->allow_groups[0] != '\0' ? "allow_users, allow_groups"
					   : "allow_users";
}

void
gate_update(struct broker *b)
{
	struct group gr, *gp = NULL;
	char buf[4096];

	if (getgrnam_r(b->cfg.admin_group, &gr, buf, sizeof(buf), &gp) == 0 &&
	    gp != NULL)
		atomic_store(&b->gate.admin_gid, (long)gp->gr_gid);
	else
		atomic_store(&b->gate.admin_gid, -1L);
	pthread_mutex_lock(&b->gate.mtx);
	b->gate.max = (unsigned)b->cfg.max_clients;
	b->gate.per_user = (unsigned)b->cfg.max_clients_per_user;
	pthread_mutex_unlock(&b->gate.mtx);
}

/* Connections uid holds now (under the lock). */
static unsigned
held_by(const struct gate *g, uint64_t uid)
{
	unsigned n = 0;

	for (unsigned i = 0; i < g->npipes; i++)
		n += g->pipes[i].uid == uid;
	return n;
}

/* Under the lock: may uid hold one more? NULL, or why not. */
static const char *
refusal(struct gate *g, uint64_t uid, int admin)
{
	unsigned reserve = g->max / 8;

	if (g->npipes >= g->max || g->npipes >= GATE_MAX)
		return "max_clients reached";
	if (admin)
		return NULL;
	if (g->npipes >= g->max - reserve)
		return "only admins may connect now (max_clients)";
	if (held_by(g, uid) >= g->per_user)
		return "max_clients_per_user reached";
	return NULL;
}

static void
pipe_added(struct broker *b, nng_pipe p)
{
	struct gate *g = &b->gate;
	uint64_t uid = UINT64_MAX;
	const char *why;
	int admin;

	if (nng_pipe_get_uint64(p, NNG_OPT_IPC_PEER_UID, &uid) != 0) {
		nng_pipe_close(p);
		return;
	}
	admin = gate_is_admin(b, (uid_t)uid);
	pthread_mutex_lock(&g->mtx);
	if ((why = refusal(g, uid, admin)) == NULL) {
		g->pipes[g->npipes].id = nng_pipe_id(p);
		g->pipes[g->npipes++].uid = uid;
	} else {
		if (now_mono_ms() >= g->next_log) {
			g->next_log = now_mono_ms() + 1000;
			log_warn("client connection of uid %llu refused: %s "
			    "(%u open)", (unsigned long long)uid, why,
			    g->npipes);
		}
		if (g->nrefused < GATE_REFUSED_MAX) {
			g->refused[g->nrefused].pipe = p;
			snprintf(g->refused[g->nrefused].why,
			    sizeof(g->refused[0].why), "%s", why);
			g->refused[g->nrefused++].deadline = now_mono_ms() +
			    1000;
			why = NULL; /* kept a moment, to be answered */
		}
	}
	pthread_mutex_unlock(&g->mtx);
	if (why != NULL)
		nng_pipe_close(p);
}

static void
pipe_removed(struct gate *g, nng_pipe p)
{
	int id = nng_pipe_id(p);

	pthread_mutex_lock(&g->mtx);
	for (unsigned i = 0; i < g->npipes; i++)
		if (g->pipes[i].id == id) {
			g->pipes[i] = g->pipes[--g->npipes];
			break;
		}
	for (unsigned i = 0; i < g->nrefused; i++)
		if (nng_pipe_id(g->refused[i].pipe) == id) {
			g->refused[i] = g->refused[--g->nrefused];
			break;
		}
	pthread_mutex_unlock(&g->mtx);
}

const char *
gate_refused(struct broker *b, nng_pipe p, char *buf, size_t len)
{
	struct gate *g = &b->gate;
	const char *rv = NULL;
	int id = nng_pipe_id(p);

	pthread_mutex_lock(&g->mtx);
	for (unsigned i = 0; i < g->nrefused; i++)
		if (nng_pipe_id(g->refused[i].pipe) == id) {
			snprintf(buf, len, "%s", g->refused[i].why);
			rv = buf;
			break;
		}
	pthread_mutex_unlock(&g->mtx);
	return rv;
}

void
gate_tick(struct broker *b, uint64_t now)
{
	struct gate *g = &b->gate;
	nng_pipe done[GATE_REFUSED_MAX];
	unsigned n = 0;

	pthread_mutex_lock(&g->mtx);
	for (unsigned i = 0; i < g->nrefused; i++)
		if (now >= g->refused[i].deadline)
			done[n++] = g->refused[i].pipe;
	pthread_mutex_unlock(&g->mtx);
	/* Closed outside the lock: the close calls pipe_removed. */
	for (unsigned i = 0; i < n; i++)
		nng_pipe_close(done[i]);
}

/* nng thread */
static void
pipe_cb(nng_pipe p, nng_pipe_ev ev, void *arg)
{
	struct broker *b = arg;

	if (ev == NNG_PIPE_EV_ADD_PRE)
		pipe_added(b, p);
	else if (ev == NNG_PIPE_EV_REM_POST)
		pipe_removed(&b->gate, p);
}

void
gate_attach(struct broker *b, nng_socket s)
{
	pthread_mutex_init(&b->gate.mtx, NULL);
	gate_update(b);
	nng_pipe_notify(s, NNG_PIPE_EV_ADD_PRE, pipe_cb, b);
	nng_pipe_notify(s, NNG_PIPE_EV_REM_POST, pipe_cb, b);
}
