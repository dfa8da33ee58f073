/*
 * sandbox: shared steps applied to every worker. This is the backbone's
 * baseline (no_new_privs, no core dumps); the per-kind seccomp, namespace
 * and Landlock policies are added in the sandbox issue and live here too.
 * Reports: fatal when a step fails.
 */
#include "sandbox.h"

#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>

#include "log.h"

void
sandbox_enter(int kind, const char *mode)
{
	struct rlimit no_core = { 0, 0 };

	(void)kind;
	if (strcmp(mode, "off") == 0)
		return;
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0)
		fatal("PR_SET_NO_NEW_PRIVS failed");
	if (setrlimit(RLIMIT_CORE, &no_core) != 0)
		fatal("RLIMIT_CORE failed");
}
