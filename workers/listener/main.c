/*
 * spoolbox-listener: inbound LPD and IPP. Started only by spoolboxd,
 * which passes it the listening sockets.
 */
#include "listener.h"

int
main(int argc, char **argv)
{
	struct worker w;

	worker_start(&w, argc, argv, SB__WORKER_KIND__LISTENER);
	listener_run(&w);
}
