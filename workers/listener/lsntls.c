/*
 * lsntls: TLS on the IPP ports: ipps:// on the same port as ipp://, told
 * apart by the first byte a client sends (a TLS handshake record, 0x16).
 * libcups 2.4 starts server TLS only from certificate files it reads at
 * every handshake, and the listener has no files: it ends TLS itself
 * (GnuTLS, with the pair its Configure carries, tls.c in the broker) and
 * gives libcups the plaintext. The connection's descriptor is swapped
 * (dup3) for one end of a socketpair, so libcups reads and writes the
 * same descriptor number as before, and a thread of the connection pumps
 * records between the client's socket and the other end. The pump ends
 * when either side closes; a step deadline that shuts the swapped
 * descriptor ends it too.
 * Reports: a line per failed handshake.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <gnutls/gnutls.h>

#include "listener.h"
#include "log.h"

#define TLS_HANDSHAKE 0x16 /* the first byte of a TLS client hello */

struct pump {
	gnutls_session_t s;
	int net;       /* the client's socket */
	int plain;     /* libcups' end is the connection's descriptor */
};

void
lsn_tls_init(struct lsn *l)
{
	const Sb__Configure *c = l->w->cfg;
	gnutls_certificate_credentials_t cred;
	gnutls_datum_t crt = { (unsigned char *)c->tls_cert_pem,
		(unsigned)strlen(c->tls_cert_pem) };
	gnutls_datum_t key = { (unsigned char *)c->tls_key_pem,
		(unsigned)strlen(c->tls_key_pem) };
	int rv;

	l->tls = strcmp(c->tls, "required") == 0 ? TLS_REQUIRED
	    : strcmp(c->tls, "on") == 0		 ? TLS_ON
						 : TLS_OFF;
	if (l->tls == TLS_OFF)
		return;
	if (crt.size == 0 || key.size == 0) {
		log_error("tls = %s but no certificate: TLS connections are "
			  "refused", c->tls);
		return;
	}
	if ((rv = gnutls_certificate_allocate_credentials(&cred)) != 0 ||
	    (rv = gnutls_certificate_set_x509_key_mem(cred, &crt, &key,
		 GNUTLS_X509_FMT_PEM)) != 0) {
		log_error("tls: the certificate and key do not load: %s; TLS "
			  "connections are refused", gnutls_strerror(rv));
		return;
	}
	l->tls_cred = cred;
}

int
lsn_tls_hello(struct conn *c)
{
	struct pollfd p = { .fd = c->fd, .events = POLLIN };
	unsigned char b;

	if (poll(&p, 1, (int)c->step_ms) != 1 ||
	    recv(c->fd, &b, 1, MSG_PEEK) != 1)
		return -1;
	return b == TLS_HANDSHAKE;
}

/* Records both ways until either side closes or fails. */
static void *
pump_thread(void *arg)
{
	struct pump *p = arg;
	char buf[16384];

	for (;;) {
		struct pollfd fds[2] = { { p->net, POLLIN, 0 },
			{ p->plain, POLLIN, 0 } };
		ssize_t n;
		if (gnutls_record_check_pending(p->s) == 0 &&
		    poll(fds, 2, -1) < 0 && errno != EINTR)
			break;
		if (gnutls_record_check_pending(p->s) > 0 ||
		    (fds[0].revents & (POLLIN | POLLHUP | POLLERR))) {
			n = gnutls_record_recv(p->s, buf, sizeof(buf));
			if (n == GNUTLS_E_INTERRUPTED)
				continue;
			if (n <= 0 || send(p->plain, buf, (size_t)n,
					  MSG_NOSIGNAL) != n)
				break;
		}
		if (fds[1].revents & (POLLIN | POLLHUP | POLLERR)) {
			n = recv(p->plain, buf, sizeof(buf), 0);
			if (n <= 0 || gnutls_record_send(p->s, buf, (size_t)n) !=
			    n)
				break;
		}
	}
	gnutls_bye(p->s, GNUTLS_SHUT_WR);
	gnutls_deinit(p->s);
	close(p->net);
	close(p->plain);
	free(p);
	return NULL;
}

int
lsn_tls_start(struct conn *c)
{
	struct timeval tv = { .tv_sec = (time_t)(c->step_ms / 1000),
		.tv_usec = (suseconds_t)(c->step_ms % 1000) * 1000 };
	struct pump *p = calloc(1, sizeof(*p));
	pthread_attr_t attr;
	pthread_t t;
	int sp[2] = { -1, -1 }, rv;

	if (p == NULL || c->l->tls_cred == NULL)
		goto fail;
	/* A record that stops halfway waits a step at most. */
	p->net = fcntl(c->fd, F_DUPFD_CLOEXEC, 0);
	setsockopt(p->net, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(p->net, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	if (p->net < 0 || gnutls_init(&p->s, GNUTLS_SERVER) != 0)
		goto fail;
	gnutls_set_default_priority(p->s);
	gnutls_credentials_set(p->s, GNUTLS_CRD_CERTIFICATE, c->l->tls_cred);
	gnutls_transport_set_int(p->s, p->net);
	gnutls_handshake_set_timeout(p->s, (unsigned)c->step_ms);
	do
		rv = gnutls_handshake(p->s);
	while (rv < 0 && !gnutls_error_is_fatal(rv));
	if (rv < 0) {
		log_warn("ipp %s: TLS handshake failed: %s", c->peer_str,
		    gnutls_strerror(rv));
		goto fail;
	}
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sp) != 0 ||
	    dup3(sp[0], c->fd, O_CLOEXEC) < 0)
		goto fail;
	close(sp[0]);
	p->plain = sp[1];
	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	pthread_attr_setstacksize(&attr, 64 * 1024);
	rv = pthread_create(&t, &attr, pump_thread, p);
	pthread_attr_destroy(&attr);
	if (rv == 0)
		return 0;
	log_error("ipp %s: no thread for TLS: %s", c->peer_str, strerror(rv));
	shutdown(c->fd, SHUT_RDWR);
	sp[0] = -1;
fail:
	if (p != NULL) {
		if (p->s != NULL)
			gnutls_deinit(p->s);
		if (p->net >= 0)
			close(p->net);
		free(p);
	}
	if (sp[0] >= 0)
		close(sp[0]);
	if (sp[1] >= 0)
		close(sp[1]);
	return -1;
}
