/*
 * The sandbox modes' names, apart from sandbox.c: the configuration
 * reader needs them, and a program that only reads the configuration
 * (the CLI) should not link libseccomp for it.
 */
#include <string.h>

#include "sandbox.h"

static const char *const mode_names[] = { [SBX_ENFORCE] = "enforce",
	[SBX_AUDIT] = "audit", [SBX_OFF] = "off" };

const char *
sandbox_mode_name(enum sandbox_mode mode)
{
	return (unsigned)mode <= SBX_OFF ? mode_names[mode] : "?";
}

int
sandbox_mode_from_name(const char *name)
{
	for (int m = SBX_ENFORCE; m <= SBX_OFF; m++)
		if (strcmp(name, mode_names[m]) == 0)
			return m;
	return -1;
}
