/*
 * listener: accepting, admission and the broker channel (listener.h).
 * Threads: main (the broker channel: answers to waiting connections,
 * Drain), accept (polls the listening sockets), one per connection.
 * Reports: a line per refused peer and per connection that ends in an
 * error; "draining" and the connections still open.
 */
#define _GNU_SOURCE
#include "listener.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "config.h"
#include "fdpass.h"
#include "log.h"
#include "util.h"

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
static void
deliver(struct lsn *l, sb_env *e)
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
static void
end_late_steps(struct lsn *l)
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
static int
admit(struct lsn *l, struct conn *c, char *why, size_t len)
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

static void
leave(struct lsn *l, struct conn *c)
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

struct conn_start {
	struct conn *c;
	void *http;     /* IPP: libcups' connection */
};

static void *
conn_thread(void *arg)
{
	struct conn_start *st = arg;
	struct conn *c = st->c;
	struct lsn *l = c->l;
	if (st->http != NULL)
		ipp_serve(c, st->http);
	else
		lpd_serve(c);
	leave(l, c);
	free(st);
	free(c);
	return NULL;
}

/* A connection accepted on fd (LPD) or by libcups (http): refuse a peer
 * outside the allow list or over a limit before reading anything; else
 * a thread serves it. */
static void
take(struct lsn *l, int fd, void *http, const struct sockaddr_storage *peer)
{
	struct conn_start *st = calloc(1, sizeof(*st));
	struct conn *c = calloc(1, sizeof(*c));
	char addr[64], why[96];
	pthread_attr_t attr;
	pthread_t t;

	if (st == NULL || c == NULL)
		fatal("out of memory");
	netaddr_string((const struct sockaddr *)peer, addr, sizeof(addr));
	if (!lsn_allowed(l, NULL, (const struct sockaddr *)peer)) {
		log_warn("refused %s: not in [listener] allow", addr);
		goto refuse;
	}
	c->l = l;
	c->fd = http != NULL ? ipp_fd(http) : fd;
	c->peer = *peer;
	c->step_ms = l->w->cfg->step_timeout_ms;
	snprintf(c->peer_str, sizeof(c->peer_str), "%s", addr);
	if (admit(l, c, why, sizeof(why)) != 0) {
		log_warn("refused %s: %s", addr, why);
		goto refuse;
	}
	st->c = c;
	st->http = http;
	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	pthread_attr_setstacksize(&attr, 256 * 1024);
	if (pthread_create(&t, &attr, conn_thread, st) != 0) {
		log_error("no thread for %s: %s", addr, strerror(errno));
		pthread_attr_destroy(&attr);
		leave(l, c);
		goto refuse;
	}
	pthread_attr_destroy(&attr);
	return;
refuse:
	if (http != NULL)
		ipp_close(http);
	else
		close(fd);
	free(st);
	free(c);
}

static void
accept_one(struct lsn *l, size_t i)
{
	struct sockaddr_storage peer;
	socklen_t plen = sizeof(peer);
	void *http;
	int fd;

	if (l->proto[i] == LSN_IPP) {
		if ((http = ipp_accept(l->fd[i])) == NULL)
			return; /* another process took it */
		fd = -1;
		if (getpeername(ipp_fd(http), (struct sockaddr *)&peer,
			&plen) != 0) {
			ipp_close(http);
			return;
		}
		take(l, fd, http, &peer);
		return;
	}
	fd = accept4(l->fd[i], (struct sockaddr *)&peer, &plen, SOCK_CLOEXEC);
	if (fd < 0) {
		if (errno != EAGAIN && errno != ECONNABORTED && errno != EINTR)
			log_warn("accept: %s", strerror(errno));
		if (errno == EMFILE || errno == ENFILE)
			usleep(100000); /* the budget will say so */
		return;
	}
	take(l, fd, NULL, &peer);
}

static void *
accept_thread(void *arg)
{
	struct lsn *l = arg;
	struct pollfd pfd[SB_LISTEN_MAX + 1];
	char drop[64];

	for (;;) {
		pthread_mutex_lock(&l->mtx);
		int draining = l->draining;
		pthread_mutex_unlock(&l->mtx);
		if (draining)
			return NULL; /* the replacement accepts from now on */
		for (size_t i = 0; i < l->nfd; i++)
			pfd[i] = (struct pollfd){ .fd = l->fd[i],
				.events = POLLIN };
		pfd[l->nfd] = (struct pollfd){ .fd = l->wake[0],
			.events = POLLIN };
		if (poll(pfd, l->nfd + 1, -1) < 0 && errno != EINTR)
			fatal("poll: %s", strerror(errno));
		if (pfd[l->nfd].revents && read(l->wake[0], drop,
			sizeof(drop)) < 0) {
			/* nothing to read after all */
		}
		for (size_t i = 0; i < l->nfd; i++)
			if (pfd[i].revents & POLLIN)
				accept_one(l, i);
	}
}

/* The sockets the broker passed before the Configure that names them. */
static void
take_sockets(struct lsn *l)
{
	const Sb__Configure *c = l->w->cfg;

	for (size_t i = 0; i < c->n_listen && i < SB_LISTEN_MAX; i++) {
		int fd = fdpass_recv_tag(WORKER_FDCHAN, c->listen[i]->tag, 2000);
		if (fd < 0)
			fatal("the socket for %s %s did not come",
			    c->listen[i]->proto, c->listen[i]->addr);
		l->fd[l->nfd] = fd;
		l->proto[l->nfd] = strcmp(c->listen[i]->proto, "ipp") == 0
		    ? LSN_IPP
		    : LSN_LPD;
		l->nfd++;
	}
}

static void
take_config(struct lsn *l)
{
	const Sb__Configure *c = l->w->cfg;
	char why[160];

	if (cidr_list_parse(c->allow, &l->allow, why, sizeof(why)) != 0)
		fatal("[listener] allow: %s", why);
	if (cidr_list_parse(c->metrics_allow, &l->metrics_allow, why,
		sizeof(why)) != 0)
		fatal("[listener] metrics_allow: %s", why);
	l->queues = calloc(c->n_queues ? c->n_queues : 1, sizeof(*l->queues));
	if (l->queues == NULL)
		fatal("out of memory");
	for (size_t i = 0; i < c->n_queues; i++) {
		l->queues[i].cfg = c->queues[i];
		if (cidr_list_parse(c->queues[i]->allow, &l->queues[i].allow,
			why, sizeof(why)) != 0)
			fatal("queue %s allow: %s", c->queues[i]->name, why);
	}
	l->nqueues = c->n_queues;
}

static void
from_broker(struct lsn *l, sb_env *e)
{
	switch (e->body_case) {
	case SB__ENVELOPE__BODY_SUBMIT_REP:
	case SB__ENVELOPE__BODY_JOBS_REP:
	case SB__ENVELOPE__BODY_QUEUES_REP:
	case SB__ENVELOPE__BODY_WORKERS_REP:
	case SB__ENVELOPE__BODY_ERROR_REP:
		deliver(l, e);
		return;
	default:
		worker_violation(l->w, e);
	}
}

void
listener_run(struct worker *w)
{
	static struct lsn lsn;
	struct lsn *l = &lsn;
	pthread_t t;
	sb_env *e;

	l->w = w;
	l->started_ms = now_mono_ms();
	l->started_wall_ms = now_wall_ms();
	pthread_mutex_init(&l->mtx, NULL);
	{
		pthread_condattr_t ca;
		pthread_condattr_init(&ca);
		pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
		pthread_cond_init(&l->cv, &ca);
		pthread_condattr_destroy(&ca);
	}
	if (pipe2(l->wake, O_CLOEXEC | O_NONBLOCK) != 0)
		fatal("pipe: %s", strerror(errno));
	take_config(l);
	take_sockets(l);
	ipp_init(l);
	if (pthread_create(&t, NULL, accept_thread, l) != 0)
		fatal("accept thread: %s", strerror(errno));
	uint64_t next_check = now_mono_ms() + 1000;
	for (;;) {
		enum worker_event ev = worker_next(w, 1000, &e);
		if (now_mono_ms() >= next_check) {
			end_late_steps(l);
			next_check = now_mono_ms() + 1000;
		}
		if (ev == WORKER_MSG) {
			from_broker(l, e);
			continue;
		}
		pthread_mutex_lock(&l->mtx);
		if (ev == WORKER_DRAIN && !l->draining) {
			l->draining = 1;
			log_info("draining: %u connection(s) to finish",
			    l->nclients);
		}
		int done = l->draining && l->nclients == 0;
		pthread_mutex_unlock(&l->mtx);
		if (ev == WORKER_DRAIN && write(l->wake[1], "", 1) < 0) {
			/* full: the accept thread is awake anyway */
		}
		if (done)
			worker_drained(w);
	}
}
