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

int
main(int argc, char **argv)
{
	struct worker w;
	sb_env *e;

	worker_start(&w, argc, argv, SB__WORKER_KIND__REMOTE);
	for (;;) {
		e = worker_recv(&w, -1);
		if (e == NULL) {
			if (w.draining)
				worker_drained(&w);
			continue;
		}
		if (e->body_case == SB__ENVELOPE__BODY_DATA_CHUNK) {
			chan_free(e); /* from a dispatch that already ended */
			continue;
		}
		if (e->body_case != SB__ENVELOPE__BODY_JOB_START)
			worker_violation(&w, e);
		worker_leak(&w);
		worker_job_done(&w, e->job_start, SB__RESULT__PERMANENT,
		    "IPP delivery is not yet supported", 0, NULL);
		chan_free(e);
		worker_job_finished(&w);
	}
}
