/*
 * listener: the role on top (listener.h): accepting, handing each
 * connection to its protocol server (lpd.c, ippserve.c), and the one
 * switch for what the broker sends.
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
	lsn_leave(l, c);
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
	if (lsn_admit(l, c, why, sizeof(why)) != 0) {
		log_warn("refused %s: %s", addr, why);
		goto refuse;
	}
	st->c = c;
	st->http = http;
	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	pthread_attr_setstacksize(&attr, LSN_STACK);
	pthread_attr_setguardsize(&attr, LSN_STACK_GUARD);
	if (pthread_create(&t, &attr, conn_thread, st) != 0) {
		log_error("no thread for %s: %s", addr, strerror(errno));
		pthread_attr_destroy(&attr);
		lsn_leave(l, c);
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
	if (cidr_list_parse(c->console_allow, &l->console_allow, why,
		sizeof(why)) != 0)
		fatal("[listener] console_allow: %s", why);
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

/* The one place the listener decides what a message from the broker
 * means. */
static void
listener_from_broker(struct lsn *l, sb_env *e)
{
	switch (e->body_case) {
	case SB__ENVELOPE__BODY_SUBMIT_REP:
	case SB__ENVELOPE__BODY_JOBS_REP:
	case SB__ENVELOPE__BODY_QUEUES_REP:
	case SB__ENVELOPE__BODY_WORKERS_REP:
	case SB__ENVELOPE__BODY_AUTH_REP:
	case SB__ENVELOPE__BODY_ACCOUNTING_REP:
	case SB__ENVELOPE__BODY_BUDGET_REP:
	case SB__ENVELOPE__BODY_ERROR_REP:
		lsn_deliver(l, e);
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
	lsn_tls_init(l);
	ipp_init(l);
	if (pthread_create(&t, NULL, accept_thread, l) != 0)
		fatal("accept thread: %s", strerror(errno));
	uint64_t next_check = now_mono_ms() + 1000;
	for (;;) {
		enum worker_event ev = worker_next(w, 1000, &e);
		if (now_mono_ms() >= next_check) {
			lsn_end_late_steps(l);
			next_check = now_mono_ms() + 1000;
		}
		if (ev == WORKER_MSG) {
			listener_from_broker(l, e);
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
