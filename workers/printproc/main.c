/*
 * spoolbox-printproc: the print processor worker (data-type conversion).
 * Started only by spoolboxd.
 */
#define _GNU_SOURCE /* O_TMPFILE */
#include "printproc.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "sandbox.h"

/* tmpfile(3), where cairo's PostScript keeps its pages until the end:
 * glibc's looks in /tmp only, which the sandbox's view does not have.
 * This one, which printproc's libraries find before libc's, makes the
 * file in TMPDIR: the scratch tmpfs (with sandbox = off, the host's). */
FILE *
tmpfile(void)
{
	const char *dir = getenv("TMPDIR");
	int fd = open(dir != NULL && dir[0] == '/' ? dir : "/tmp",
	    O_RDWR | O_TMPFILE | O_EXCL | O_CLOEXEC, 0600);
	FILE *f;

	if (fd < 0)
		return NULL;
	if ((f = fdopen(fd, "w+")) == NULL)
		close(fd);
	return f;
}

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
