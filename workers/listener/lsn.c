/*
 * lsn: what the protocol servers share, below them (listener.h): the
 * broker channel (a request out, its answer back to the connection that
 * waits for it), the queues and allow lists, and the bookkeeping of the
 * connections being served (admission, step deadlines, idle eviction).
 * Reports: a line per connection closed at a deadline or to make room.
 */
#define _GNU_SOURCE
#include "listener.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "log.h"
#include "util.h"

/* The account the client of this thread's connection logged in as (an
 * AuthRep's token; 0: none): every request the thread sends names it.
 * One connection, one thread, so the login stays with its connection. */
static __thread uint64_t lsn_token;

void
lsn_set_account(uint64_t token)
{
	lsn_token = token;
}

void
lsn_auth_env(sb_env *e, Sb__AuthReq *ar, char *user, char *password)
{
	sb__auth_req__init(ar);
	chan_env_init(e);
	e->body_case = SB__ENVELOPE__BODY_AUTH_REQ;
	e->auth_req = ar;
	ar->user = user;
	ar->password = password;
}

/* A request sent to the broker whose answer a connection waits for. */
struct lsn_waiter {
	struct lsn_waiter *next;
	uint64_t id;
	sb_env *answer;
};

const struct lsn_queue *
lsn_queue(const struct lsn *l, const char *name)
{
	for (size_t i = 0; i < l->nqueues; i++)
		if (strcmp(l->queues[i].cfg->name, name) == 0)
			return &l->queues[i];
	return NULL;
}

int
lsn_allowed(const struct lsn *l, const struct lsn_queue *q,
    const struct sockaddr *peer)
{
	if (q != NULL && q->allow.n > 0)
		return cidr_list_match(&q->allow, peer);
	return cidr_list_match(&l->allow, peer);
}

void
lsn_identity(char *out, size_t len, const char *name, const char *addr)
{
	char safe[64];
	size_t n = 0;

	for (const char *p = name; *p != '\0' && n < 32; p++)
		safe[n++] = ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
				(*p >= '0' && *p <= '9') || *p == '.' || *p == '_' ||
				*p == '+' || *p == '-')
		    ? *p
		    : '_';
	if (n == 0)
		safe[n++] = '_';
	safe[n] = '\0';
	snprintf(out, len, "%s@%s", safe, addr);
}

uint64_t
lsn_send(struct lsn *l, sb_env *req, const char *user)
{
	Sb__Caller caller = SB__CALLER__INIT;
	struct lsn_waiter *wt = calloc(1, sizeof(*wt));
	int rv;

	if (wt == NULL)
		fatal("out of memory");
	pthread_mutex_lock(&l->mtx);
	wt->id = ++l->next_id;
	wt->next = l->waiters;
	l->waiters = wt;
	pthread_mutex_unlock(&l->mtx);
	caller.user = (char *)user;
	caller.auth_token = lsn_token;
	req->caller = &caller;
	req->id = wt->id;
	/* nng sockets may be used from any thread. */
	if ((rv = chan_send(l->w->sock, req, 0)) != 0)
		fatal("send %s to broker: %s", chan_body_name(req),
		    nng_strerror(rv));
	req->caller = NULL;
	return wt->id;
}

sb_env *
lsn_wait(struct lsn *l, uint64_t id, int timeout_ms)
{
	struct timespec until;
	struct lsn_waiter **pp, *wt = NULL;
	sb_env *a;

	until = deadline_ms(CLOCK_MONOTONIC, timeout_ms);
	pthread_mutex_lock(&l->mtx);
	for (;;) {
		for (pp = &l->waiters; (wt = *pp) != NULL; pp = &wt->next)
			if (wt->id == id)
				break;
		if (wt == NULL || wt->answer != NULL)
			break;
		if (pthread_cond_timedwait(&l->cv, &l->mtx, &until) ==
		    ETIMEDOUT)
			break;
	}
	if (wt != NULL)
		*pp = wt->next;
	pthread_mutex_unlock(&l->mtx);
	if (wt == NULL)
		return NULL;
	a = wt->answer;
	free(wt);
	return a;
}

sb_env *
lsn_call(struct lsn *l, sb_env *req, const char *user, int timeout_ms)
{
	return lsn_wait(l, lsn_send(l, req, user), timeout_ms);
}

/* An answer from the broker: to its waiter, or dropped (it gave up). */
void
lsn_deliver(struct lsn *l, sb_env *e)
{
	struct lsn_waiter *wt;

	pthread_mutex_lock(&l->mtx);
	for (wt = l->waiters; wt != NULL; wt = wt->next)
		if (wt->id == e->id && wt->answer == NULL) {
			wt->answer = e;
			e = NULL;
			break;
		}
	pthread_cond_broadcast(&l->cv);
	pthread_mutex_unlock(&l->mtx);
	if (e != NULL)
		chan_free(e);
}

void
lsn_step(struct conn *c, uint64_t ms)
{
	pthread_mutex_lock(&c->l->mtx);
	c->deadline = ms ? now_mono_ms() + ms : 0;
	pthread_mutex_unlock(&c->l->mtx);
}

/* A step past its deadline (a request sent a byte a second, say) is
 * ended here: its socket is shut, its thread sees the end. */
void
lsn_end_late_steps(struct lsn *l)
{
	uint64_t now = now_mono_ms();

	pthread_mutex_lock(&l->mtx);
	for (struct conn *c = l->conns; c != NULL; c = c->next)
		if (c->deadline != 0 && c->deadline < now) {
			c->deadline = 0;
			shutdown(c->fd, SHUT_RDWR);
			log_warn("%s: step_timeout passed mid-request: closed",
			    c->peer_str);
		}
	pthread_mutex_unlock(&l->mtx);
}

void
lsn_set_idle(struct conn *c, int idle)
{
	pthread_mutex_lock(&c->l->mtx);
	c->idle = idle;
	c->since = now_mono_ms();
	pthread_mutex_unlock(&c->l->mtx);
}

/* At a limit: the oldest connection (of addr, or any) that has asked for
 * nothing yet is shut down to make room, so connections that only sit
 * there never keep a client from printing. 0 when one was. */
static int
evict_idle(struct lsn *l, const char *addr)
{
	struct conn *old = NULL;

	for (struct conn *c = l->conns; c != NULL; c = c->next)
		if (c->idle && (addr == NULL || strcmp(c->peer_str, addr) == 0) &&
		    (old == NULL || c->since < old->since))
			old = c;
	if (old == NULL)
		return -1;
	old->idle = 0;
	shutdown(old->fd, SHUT_RDWR);
	log_warn("closed an idle connection from %s to make room",
	    old->peer_str);
	return 0;
}

/* Admission: the count in all and per peer address; 0, or -1 with why.
 * c joins the connections being served. */
int
lsn_admit(struct lsn *l, struct conn *c, char *why, size_t len)
{
	const Sb__Configure *cf = l->w->cfg;
	struct lsn_host *h = NULL, *free_h = NULL;
	const char *addr = c->peer_str;
	int rv = -1;

	pthread_mutex_lock(&l->mtx);
	for (size_t i = 0; i < l->nhosts; i++) {
		if (l->hosts[i].n > 0 && strcmp(l->hosts[i].addr, addr) == 0)
			h = &l->hosts[i];
		else if (l->hosts[i].n == 0 && free_h == NULL)
			free_h = &l->hosts[i];
	}
	if (l->nclients >= cf->max_clients && evict_idle(l, NULL) != 0) {
		snprintf(why, len, "%u connections (max_clients)",
		    l->nclients);
	} else if (h != NULL && h->n >= cf->max_clients_per_host &&
	    evict_idle(l, addr) != 0) {
		snprintf(why, len, "%u connections from it "
		    "(max_clients_per_host)", h->n);
	} else {
		if (h == NULL && (h = free_h) == NULL) {
			h = realloc(l->hosts, (l->nhosts + 1) * sizeof(*h));
			if (h == NULL)
				fatal("out of memory");
			l->hosts = h;
			h = &l->hosts[l->nhosts++];
		}
		if (h->n == 0)
			snprintf(h->addr, sizeof(h->addr), "%s", addr);
		h->n++;
		l->nclients++;
		c->idle = 1;
		c->since = now_mono_ms();
		c->next = l->conns;
		l->conns = c;
		rv = 0;
	}
	pthread_mutex_unlock(&l->mtx);
	return rv;
}

void
lsn_leave(struct lsn *l, struct conn *c)
{
	const char *addr = c->peer_str;

	pthread_mutex_lock(&l->mtx);
	for (struct conn **pp = &l->conns; *pp != NULL; pp = &(*pp)->next)
		if (*pp == c) {
			*pp = c->next;
			break;
		}
	for (size_t i = 0; i < l->nhosts; i++)
		if (l->hosts[i].n > 0 && strcmp(l->hosts[i].addr, addr) == 0) {
			l->hosts[i].n--;
			break;
		}
	l->nclients--;
	pthread_mutex_unlock(&l->mtx);
	/* A drain may be waiting for the last one. */
	if (write(l->wake[1], "", 1) < 0) {
		/* the pipe is full: the main thread wakes anyway */
	}
}

