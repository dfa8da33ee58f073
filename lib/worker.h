/*
 * worker: the shared start-up and broker I/O of every worker process, so
 * each worker's main reads the same: worker_start (arguments, connect to
 * the broker, Hello, Configure, sandbox) → its event loop → exit.
 *
 * Every wait for the broker goes through worker_next(), which tells a
 * message from a timeout from a Drain and drops job data left over from
 * an earlier dispatch; each worker kind then has one KIND_from_broker()
 * switch that decides what a message means, ending in worker_violation().
 *
 * How a worker finds its channel: docs/architecture.md ("How a worker
 * finds its channel").
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
	int draining;           /* a Drain arrived: take no new work */
	unsigned namespaces;    /* SBX_NS_*: made by the broker before exec */
	unsigned long jobs;
	uint64_t token;         /* the dispatch being worked on; 0: idle */
	int job_fd;             /* its data, read-only; -1 when none */
};

enum worker_event {
	WORKER_MSG,     /* a message for this worker */
	WORKER_TIMEOUT, /* nothing arrived in time */
	WORKER_DRAIN,   /* a Drain arrived (w->draining is now set) */
};

/* A worker kind's one dispatch switch for messages from the broker; it
 * takes ownership of e. */
typedef void worker_from_broker_fn(void *arg, sb_env *e);

/* Everything up to the event loop; fatal() on any failure. */
void worker_start(struct worker *w, int argc, char **argv, int kind);

/* Send to the broker; a failed send is fatal (the broker is gone). */
void worker_send(struct worker *w, const sb_env *e);

/*
 * The next event from the broker, waiting at most timeout_ms (-1:
 * forever). WORKER_MSG sets *out (the caller owns it). OutputAck and
 * Abort messages whose token is not w->token belong to a dispatch that
 * already ended and are dropped here. An undecodable message is a
 * protocol violation: exit.
 */
enum worker_event worker_next(struct worker *w, int timeout_ms,
    sb_env **out);

/*
 * The event loop of a worker that does one dispatch at a time: every
 * message goes to from_broker; once draining and idle, say Drained.
 */
void worker_serve(struct worker *w, worker_from_broker_fn *from_broker,
    void *arg) __attribute__((noreturn));

/*
 * Fault injection (DESIGN §5): leak as configured. Called at the start of
 * every job (worker_job_begin; localspl: every accepted submission) and,
 * in lprmon, on every failed connection (the seed's "event 2004" leak).
 * Exits with status 3 when memory runs out, as a real program would.
 */
void worker_leak(struct worker *w);
extern void *volatile leak_sink;

/* Draining and idle: tell the broker and wait to be stopped. */
void worker_drained(struct worker *w) __attribute__((noreturn));

/*
 * A dispatch begins: its token is now the worker's, and its data, which
 * the broker passed on the descriptor channel (fdpass.h) just before, is
 * w->job_fd: read-only, a regular file. 0; or -1 when no such descriptor
 * came (the dispatch has then been reported INTERRUPTED). Fault injection
 * leaks here, so a kernel limit hits mid-job.
 */
int worker_job_begin(struct worker *w, const Sb__JobStart *js);

/* Report how the dispatch ended (landed may be NULL) and close its data;
 * the worker is idle again and the job is counted. */
void worker_job_done(struct worker *w, const Sb__JobStart *js, int result,
    const char *error, unsigned pages, const char *landed);
/* The same, with what the printer said of itself (remote): its state,
 * the types it takes (JobDone.takes) and its printer-config-change-time
 * (0: it did not say). */
void worker_job_done_state(struct worker *w, const Sb__JobStart *js,
    int result, const char *error, unsigned pages, const char *landed,
    const char *printer_state, uint32_t takes, int32_t printer_changed);

/* Protocol violation by the broker: log and exit. */
void worker_violation(struct worker *w, const sb_env *e)
	__attribute__((noreturn));

#endif
