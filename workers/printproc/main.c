/*
 * spoolbox-printproc: the print processor worker (data-type conversion).
 * Started only by spoolboxd.
 */
#include "printproc.h"

#include <stdlib.h>
#include <unistd.h>

#include "sandbox.h"

int
main(int argc, char **argv)
{
	struct worker w;

	worker_start(&w, argc, argv, SB__WORKER_KIND__PRINTPROC);
	/* Ghostscript's scratch files and cairo's: the sandbox's private
	 * tmpfs (with sandbox = off, the host's TMPDIR). */
	if (access(SANDBOX_SCRATCH, W_OK) == 0)
		setenv("TMPDIR", SANDBOX_SCRATCH, 1);
	printproc_run(&w);
}
