/*
 * sbrogue: a rogue worker for the tests, built once per kind it stands
 * in for (ROGUE_KIND: lprmon, remote, printproc, localspl) and put in
 * place of the real binary (SPOOLBOX_LIBEXEC). It misbehaves as
 * SB_ROGUE_MODE says while the wall clock is before SB_ROGUE_UNTIL (ms);
 * a process started after that is the real worker, so the jobs it was
 * given still print. Modes:
 *   garbage    bytes that are no message
 *   oversized  a frame larger than any message may be
 *   order      a valid JobDone before it was given any job
 *   token      for its first JobStart, a JobDone naming another token
 *   flood      valid messages as fast as it can send them
 *   nodrain    ignores Drain and SIGTERM: it is killed
 *   deaf       stops reading its channel: what the broker sends waits
 */
#define _GNU_SOURCE
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "util.h"
#include "worker.h"

#if defined(ROGUE_LPRMON)
#include "lprmon.h"
#define KIND SB__WORKER_KIND__LPRMON
#define RUN(w) lprmon_run(w)
#elif defined(ROGUE_REMOTE)
#include "remote.h"
#define KIND SB__WORKER_KIND__REMOTE
#define RUN(w) remote_run(w)
#elif defined(ROGUE_PRINTPROC)
#include "printproc.h"
#define KIND SB__WORKER_KIND__PRINTPROC
#define RUN(w) printproc_run(w)
#elif defined(ROGUE_LOCALSPL)
#include "localspl.h"
#define KIND SB__WORKER_KIND__LOCALSPL
#define RUN(w) localspl_run(w, magic)
#endif

static void
send_job_done(struct worker *w, uint64_t token, uint64_t job)
{
	Sb__JobDone d = SB__JOB_DONE__INIT;
	sb_env e;

	chan_env_init(&e);
	e.body_case = SB__ENVELOPE__BODY_JOB_DONE;
	e.job_done = &d;
	d.token = token;
	d.job_id = job;
	d.stage = SB__STAGE__DELIVER;
	d.result = SB__RESULT__OK;
	d.error = (char *)"";
	d.landed = (char *)"";
	d.printer_state = (char *)"";
	worker_send(w, &e);
}

/* Misbehave as mode says; returns only for a mode that ends in serving
 * (never, once it misbehaved: the broker stops it). */
static void
misbehave(struct worker *w, const char *mode)
{
	static unsigned char buf[SB_MSG_MAX + 4096];
	sb_env *e;

	log_warn("rogue: %s", mode);
	if (strcmp(mode, "garbage") == 0 || strcmp(mode, "oversized") == 0) {
		size_t n = mode[0] == 'g' ? 64 : sizeof(buf);
		if (getrandom(buf, n < 256 ? n : 256, 0) < 0)
			memset(buf, 0x5a, 256);
		nng_send(w->sock, buf, n, 0);
	} else if (strcmp(mode, "order") == 0) {
		send_job_done(w, 12345, 1);
	} else if (strcmp(mode, "token") == 0) {
		while (worker_next(w, -1, &e) != WORKER_MSG ||
		    e->body_case != SB__ENVELOPE__BODY_JOB_START)
			;
		send_job_done(w, e->job_start->token + 1, e->job_start->job_id);
	} else if (strcmp(mode, "flood") == 0) {
		for (;;)
			send_job_done(w, 777, 1);
	} else if (strcmp(mode, "deaf") == 0) {
		for (;;)
			poll(NULL, 0, -1); /* pause() is not in its sandbox */
	} else if (strcmp(mode, "nodrain") == 0) {
		signal(SIGTERM, SIG_IGN);
		for (;;)
			if (worker_next(w, -1, &e) == WORKER_MSG)
				chan_free(e);
	}
	for (;;) /* what the broker does next is the test's to see */
		if (worker_next(w, -1, &e) == WORKER_MSG)
			chan_free(e);
}

int
main(int argc, char **argv)
{
	const char *mode = getenv("SB_ROGUE_MODE");
	const char *until = getenv("SB_ROGUE_UNTIL");
	struct worker w;
#ifdef ROGUE_LOCALSPL
	void *magic = detect_open();
#endif

	worker_start(&w, argc, argv, KIND);
	if (mode != NULL && until != NULL &&
	    now_wall_ms() < strtoll(until, NULL, 10))
		misbehave(&w, mode);
	RUN(&w);
}
