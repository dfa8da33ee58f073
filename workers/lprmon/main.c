/*
 * spoolbox-lprmon: the LPR port monitor worker (RFC 1179 delivery).
 * Started only by spoolboxd.
 */
#include "lprmon.h"

int
main(int argc, char **argv)
{
	struct worker w;

	worker_start(&w, argc, argv, SB__WORKER_KIND__LPRMON);
	lprmon_run(&w);
}
