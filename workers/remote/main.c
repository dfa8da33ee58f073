/*
 * spoolbox-remote: the remote print provider worker (delivery to remote
 * print servers over IPP/IPPS). Started only by spoolboxd.
 */
#include "remote.h"

int
main(int argc, char **argv)
{
	struct worker w;

	worker_start(&w, argc, argv, SB__WORKER_KIND__REMOTE);
	remote_run(&w);
}
