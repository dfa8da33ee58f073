/*
 * listener: the one worker that takes inbound connections (LPD, IPP).
 * The broker opened its sockets and passed them; it accepts, refuses
 * peers outside the allow lists before reading a byte, and serves each
 * connection in a thread of its own with a deadline per protocol step.
 * Everything a client asks goes to the broker as the request a local
 * client would make, on behalf of a network identity NAME@ADDRESS.
 */
#ifndef SB_LISTENER_H
#define SB_LISTENER_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <sys/socket.h>

#include "chan.h"
#include "config.h"
#include "netaddr.h"
#include "worker.h"

enum lsn_proto { LSN_LPD, LSN_IPP };

struct lsn_queue {
	const Sb__QueueConfig *cfg;
	struct cidr_list allow;   /* empty: the [listener] allow */
	struct _ipp_s *ipp_attrs; /* its IPP printer attributes that do not
				   * change (ippprinter.c) */
};

struct lsn_waiter;

struct lsn {
	struct worker *w;
	int fd[SB_LISTEN_MAX];
	int proto[SB_LISTEN_MAX];
	size_t nfd;
	struct cidr_list allow;
	struct cidr_list metrics_allow; /* GET /metrics */
	struct cidr_list console_allow; /* the web console (console.c) */
	struct lsn_queue *queues;
	size_t nqueues;
	int wake[2];              /* a Drain wakes the accept thread */
	pthread_mutex_t mtx;      /* what follows */
	pthread_cond_t cv;
	unsigned nclients;
	struct conn *conns;       /* every connection being served */
	struct lsn_host {
		char addr[64];
		unsigned n;
	} *hosts;                 /* connections per peer address */
	size_t nhosts;
	struct lsn_waiter *waiters;
	uint64_t next_id;
	int draining;
	uint64_t started_ms;
	int64_t started_wall_ms;  /* printer-*-change-time */
	char uuid[48];            /* printer-uuid base, this host's */
	int tls;                  /* TLS_OFF, TLS_ON, TLS_REQUIRED */
	void *tls_cred;           /* gnutls credentials; NULL: no TLS */
};

/* One connection: buffered reads with deadlines. */
struct conn {
	struct conn *next;        /* lsn.conns, under lsn.mtx */
	int idle;                 /* nothing asked yet: may be evicted */
	uint64_t since;
	uint64_t deadline;        /* this step ends by then (0: none); the
				   * main thread shuts the socket at it */
	struct lsn *l;
	int fd;
	struct sockaddr_storage peer;
	char peer_str[64];
	uint64_t step_ms;
	unsigned char buf[16384];
	size_t off, len;
};

/* A job upload to localspl through the broker: chunks with a window. */
#define UPLOAD_CHUNK (64 * 1024)
#define UPLOAD_WINDOW 8
struct upload {
	struct lsn *l;
	char user[128];           /* the identity the chunks go as */
	char queue[65];
	int datatype;
	char title[256], filename[256];
	unsigned copies;
	char hold_until[24];      /* job-hold-until ("": none) */
	char sides[32], media[32], scaling[16]; /* the job's own ("": the */
	unsigned orientation;     /* queue's); orientation-requested, 0 */
	char page_ranges[256];    /* "1-3,5-5" ("": every page) */
	unsigned number_up;
	char overrides[1024];     /* util.h's overrides text ("": none) */
	Sb__TextLayout text;      /* cpi, lpi, columns, page-* (all 0:
				   * none asked) */
	uint64_t id;              /* the upload (and job) id; 0: not begun */
	uint64_t inflight[UPLOAD_WINDOW];
	unsigned head, n;         /* ring of chunk requests unanswered */
	unsigned char *buf;       /* UPLOAD_CHUNK */
	size_t fill;
	uint64_t size;
	int failed;
	int code;                 /* sb.ErrorCode of the failure */
	char err[256];
};

/* lsn.c: below the protocol servers */
const struct lsn_queue *lsn_queue(const struct lsn *l, const char *name);
/* May peer print to q (NULL: to the listener at all)? */
int lsn_allowed(const struct lsn *l, const struct lsn_queue *q,
    const struct sockaddr *peer);
/* Send req to the broker as user; its id, for lsn_wait. */
uint64_t lsn_send(struct lsn *l, sb_env *req, const char *user);
/* The answer to id (the caller takes it), or NULL after timeout_ms. */
sb_env *lsn_wait(struct lsn *l, uint64_t id, int timeout_ms);
/* Both: the answer, or NULL. */
sb_env *lsn_call(struct lsn *l, sb_env *req, const char *user,
    int timeout_ms);
/* The current step must end within ms (0: no deadline, e.g. while a
 * document streams: each read is bounded by the socket's timeout). */
void lsn_step(struct conn *c, uint64_t ms);
/* Is c waiting for a request (idle: it may be evicted to make room)? */
void lsn_set_idle(struct conn *c, int idle);
/* NAME@ADDRESS, NAME made safe (letters, digits, ._+- kept). */
void lsn_identity(char *out, size_t len, const char *name,
    const char *addr);
/* The account (an AuthRep's token) the requests this thread sends are
 * made as; 0: the network identity alone. */
void lsn_set_account(uint64_t token);
/* e: an AuthReq (ar) for user and password: PAM's check of an account;
 * both "" with a token set: whose the token is. */
void lsn_auth_env(sb_env *e, Sb__AuthReq *ar, char *user, char *password);
/* An answer from the broker: to the connection waiting for it. */
void lsn_deliver(struct lsn *l, sb_env *e);
/* Shut the sockets of steps past their deadline. */
void lsn_end_late_steps(struct lsn *l);
/* Admission of c (counts in all and per address); 0, or -1 with why. */
int lsn_admit(struct lsn *l, struct conn *c, char *why, size_t len);
/* c is done: it leaves the counts, and a drain may end. */
void lsn_leave(struct lsn *l, struct conn *c);

/* upload.c */
void upload_init(struct upload *u, struct lsn *l, const char *user,
    const char *queue, int datatype);
/* Begin it now, without data (IPP Create-Job): u->id is its job id. */
int upload_start(struct upload *u);
int upload_write(struct upload *u, const void *p, size_t n);
/* The job is complete: its id once on stable storage, or 0 (u->err). */
uint64_t upload_finish(struct upload *u, const char *owner);
/* Abandon it (nothing of it stays); safe on a failed or unbegun one. */
void upload_abandon(struct upload *u);
void upload_free(struct upload *u);

/* conn.c: 0 ok, -1 timeout/EOF/error (why logged by the caller). */
int conn_read_line(struct conn *c, char *out, size_t max, size_t *len);
int conn_read(struct conn *c, void *out, size_t n);
/* Up to max bytes of what is there or comes within the step. */
ssize_t conn_read_some(struct conn *c, void *out, size_t max);
int conn_write(struct conn *c, const void *p, size_t n);

/* lpd.c, ippserve.c: serve one accepted connection. */
void lpd_serve(struct conn *c);
/* http: the libcups connection httpAcceptConnection made (http_t *). */
void ipp_serve(struct conn *c, void *http);
/* The checks of one IPP request that need no spooler (operation and
 * job template attributes, the printer's attributes): the response,
 * the caller's to ippDelete(). For the fuzz target. */
struct _ipp_s;
struct _ipp_s *ipp_check_request(struct conn *c, struct _ipp_s *in);

/* ippread.c: a request's attributes, bounded before libcups parses them
 * (its parser recurses per nested collection): at most IPP_HEAD_MAX
 * bytes, IPP_VALUES_MAX values, collections IPP_DEPTH_MAX deep (PWG's
 * deepest, job-presets > media-col > media-size, is 3). Read through rd
 * up to the end of the attributes (not the document); 0, or -1 with why.
 * The fuzz target reads through it too, on a thread of LSN_STACK. */
#define IPP_HEAD_MAX (256 * 1024)
#define IPP_VALUES_MAX 4096
#define IPP_DEPTH_MAX 8
typedef ssize_t (*ipp_read_fn)(void *ctx, unsigned char *buf, size_t len);
int ipp_read_bounded(ipp_read_fn rd, void *ctx, struct _ipp_s *in,
    char *why, size_t whylen);

/* A connection thread's stack, and the guard below it: a frame larger
 * than the guard could step over it (hence also -fstack-clash-protection,
 * CMakeLists.txt). */
#define LSN_STACK (256 * 1024)
#define LSN_STACK_GUARD (64 * 1024)
/* libcups accepts IPP connections itself: the http_t *, or NULL. */
void *ipp_accept(int listen_fd);
int ipp_fd(void *http);
void ipp_close(void *http);
/* Before the first connection: what does not change (each queue's
 * printer attributes). */
void ipp_init(struct lsn *l);

/* lsntls.c: TLS on the IPP ports (ipps://). The mode and credentials
 * from Configure, before the first connection. */
void lsn_tls_init(struct lsn *l);
/* Does c's client begin with a TLS handshake? 1, 0, or -1 (nothing came
 * within a step). */
int lsn_tls_hello(struct conn *c);
/* End TLS on c: handshake, then c->fd carries the plaintext. 0 or -1. */
int lsn_tls_start(struct conn *c);

/* listener.c: the role, on top */
void listener_run(struct worker *w) __attribute__((noreturn));

#endif
