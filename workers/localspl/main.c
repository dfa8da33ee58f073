/*
 * spoolbox-localspl: the local spooler worker (queues, job store,
 * scheduling, file: ports). Started only by spoolboxd.
 */
#include "localspl.h"

int
main(int argc, char **argv)
{
	struct worker w;
	/* libmagic's database, read before the sandbox closes over /usr. */
	void *magic = detect_open();

	worker_start(&w, argc, argv, SB__WORKER_KIND__LOCALSPL);
	localspl_run(&w, magic);
}
