/*
 * worker: the shared start-up of every worker process, so each worker's
 * main reads the same: worker_start (arguments, connect to the broker,
 * Hello, Configure, sandbox) → its own event loop → exit.
 *
 * How a worker finds its channel: the broker execs it as
 *   spoolbox-KIND --channel ipc:///RUNTIME/workers/KIND-N.sock --instance N
 * and listens on that path only after fork, for exactly that child's pid.
 */
#ifndef SB_WORKER_H
#define SB_WORKER_H

#include <nng/nng.h>

#include "chan.h"

struct worker {
	int kind;
	unsigned instance;
	nng_socket sock;
	int recvfd;
	sb_env *cfg_env;        /* owns cfg */
	const Sb__Configure *cfg;
	int draining;
	unsigned namespaces;    /* SBX_NS_*: made by the broker before exec */
	unsigned long jobs;
};

/* Everything up to the event loop; fatal() on any failure. */
void worker_start(struct worker *w, int argc, char **argv, int kind);

/* Send to the broker; a failed send is fatal (the broker is gone). */
void worker_send(struct worker *w, const sb_env *e);

/*
 * Next message from the broker, waiting at most timeout_ms (-1: forever).
 * NULL on timeout. An undecodable message is a protocol violation: exit.
 * Drain is handled here (sets w->draining) and not returned.
 */
sb_env *worker_recv(struct worker *w, int timeout_ms);

/*
 * Fault injection (DESIGN §5): leak as configured. Called once at the start
 * of every job (so a kernel limit hits mid-job) and, in lprmon, on every
 * failed connection (the seed's "event 2004" leak). Exits with status 3
 * when memory runs out, as a real program would.
 */
void worker_leak(struct worker *w);
extern void *volatile leak_sink;

/* Draining and idle: tell the broker and wait to be stopped. */
void worker_drained(struct worker *w) __attribute__((noreturn));

/* Report how a dispatch ended (landed may be NULL). */
void worker_job_done(struct worker *w, const Sb__JobStart *js, int result,
    const char *error, unsigned pages, const char *landed);

/* Called when a job finishes: counts it. */
void worker_job_finished(struct worker *w);

/* Protocol violation by the broker: log and exit. */
void worker_violation(struct worker *w, const sb_env *e)
	__attribute__((noreturn));

#endif
