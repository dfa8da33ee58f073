/*
 * spoolbox-remote: the remote print provider worker (delivery to remote
 * print servers over IPP/IPPS). It is started, supervised and sandboxed
 * like every worker; IPP delivery itself is a later issue, so a job sent
 * to an ipp:// or ipps:// queue is answered at once with a permanent,
 * clear error instead of hanging. Started only by spoolboxd.
 */
#include <stdlib.h>

#include "log.h"
#include "worker.h"

/* The one place remote decides what a message from the broker means. */
static void
remote_from_broker(void *arg, sb_env *e)
{
	struct worker *w = arg;

	switch (e->body_case) {
	case SB__ENVELOPE__BODY_JOB_START:
		if (w->token != 0 || e->job_start->stage != SB__STAGE__DELIVER)
			worker_violation(w, e);
		if (worker_job_begin(w, e->job_start) == 0)
			worker_job_done(w, e->job_start, SB__RESULT__PERMANENT,
			    "IPP delivery is not yet supported", 0, NULL);
		break;
	default:
		worker_violation(w, e);
	}
	chan_free(e);
}

int
main(int argc, char **argv)
{
	struct worker w;

	worker_start(&w, argc, argv, SB__WORKER_KIND__REMOTE);
	worker_serve(&w, remote_from_broker, &w);
}
