/*
 * pathpolicy: see pathpolicy.h. Pure string checks, no filesystem access
 * (the broker's dirs.c checks ownership and modes when it opens them).
 * Reports: the reason a path is refused.
 */
#include "pathpolicy.h"

#include <stdio.h>
#include <string.h>

/* Never, nor anything below them: the system itself. */
static const char *const system_dirs[] = { "/bin", "/boot", "/dev", "/etc",
	"/lib", "/lib32", "/lib64", "/libx32", "/proc", "/sbin", "/sys",
	"/usr", NULL };

/* Data may live strictly below these. */
static const char *const data_prefixes[] = { "/var/spool/", "/var/lib/",
	"/var/cache/", "/var/tmp/", "/srv/", "/home/", "/root/", "/tmp/",
	"/mnt/", "/media/", "/opt/", "/run/", NULL };

/* The runtime dir strictly below these. */
static const char *const runtime_prefixes[] = { "/run/", "/var/run/",
	"/tmp/", NULL };

static int
below(const char *path, const char *prefix)
{
	size_t n = strlen(prefix);

	return strncmp(path, prefix, n) == 0 && path[n] != '\0';
}

/* Absolute, no empty, "." or ".." components, no trailing slash. */
static int
normal(const char *p)
{
	if (p[0] != '/' || (p[1] != '\0' && p[strlen(p) - 1] == '/'))
		return 0;
	for (const char *c = p; *c; c++) {
		if (*c != '/')
			continue;
		if (c[1] == '/' ||
		    (c[1] == '.' && (c[2] == '/' || c[2] == '\0')) ||
		    (c[1] == '.' && c[2] == '.' && (c[3] == '/' || c[3] == '\0')))
			return 0;
	}
	return 1;
}

static int
system_dir(const char *path)
{
	for (int i = 0; system_dirs[i] != NULL; i++) {
		size_t n = strlen(system_dirs[i]);
		if (strncmp(path, system_dirs[i], n) == 0 &&
		    (path[n] == '\0' || path[n] == '/'))
			return 1;
	}
	return 0;
}

int
pathpolicy_check(const char *path, enum path_use use,
    const char *const *extra, char *why, size_t len)
{
	const char *const *known = use == PATH_RUNTIME ? runtime_prefixes
						       : data_prefixes;

	if (!normal(path)) {
		snprintf(why, len, "'%s' is not a plain absolute path", path);
		return -1;
	}
	if (strcmp(path, "/") == 0 || system_dir(path)) {
		snprintf(why, len, "'%s' is a system directory", path);
		return -1;
	}
	for (int i = 0; known[i] != NULL; i++)
		if (below(path, known[i]))
			return 0;
	for (int i = 0; extra != NULL && extra[i] != NULL; i++)
		if (below(path, extra[i]))
			return 0;
	snprintf(why, len, "'%s' is not below an allowed place (%s...; "
	    "[spooler] allowed_prefixes adds more)", path,
	    use == PATH_RUNTIME ? "/run/, /var/run/, /tmp/"
				: "/var/spool/, /var/lib/, /srv/, /home/");
	return -1;
}
