/*
 * pathpolicy: where the config may put the directories a root broker
 * hands to its workers or creates: never / or a system directory (root
 * would give it away), and only strictly below a known place for such
 * data, or below a prefix the admin added (allowed_prefixes).
 */
#ifndef SB_PATHPOLICY_H
#define SB_PATHPOLICY_H

#include <stddef.h>

enum path_use {
	PATH_DATA,      /* spool_dir, file: queue directories */
	PATH_RUNTIME,   /* runtime_dir */
};

/* 0 when path may be used so; else -1 with the reason in why. extra:
 * the admin's prefixes, NULL-ended (may be NULL). */
int pathpolicy_check(const char *path, enum path_use use,
    const char *const *extra, char *why, size_t len);

#endif
