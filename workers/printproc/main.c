/*
 * spoolbox-printproc: the print processor worker (data-type conversion).
 * Started only by spoolboxd.
 */
#include "printproc.h"

int
main(int argc, char **argv)
{
	struct worker w;

	worker_start(&w, argc, argv, SB__WORKER_KIND__PRINTPROC);
	printproc_run(&w);
}
