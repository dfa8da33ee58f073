/* runner: the one main() body of every Check suite here. */
#ifndef SB_TEST_RUNNER_H
#define SB_TEST_RUNNER_H

#include <check.h>
#include <stdio.h>
#include <stdlib.h>

/* Run s; nofork for suites whose tests fork themselves. 0 if all pass. */
static inline int
run_suite(Suite *s, int nofork)
{
	SRunner *sr = srunner_create(s);
	int failed;

	if (nofork)
		srunner_set_fork_status(sr, CK_NOFORK);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}

/* A fresh directory /tmp/NAME.XXXXXX in buf (at least 64 bytes). */
static inline void
tmpdir_new(char *buf, size_t len, const char *name)
{
	snprintf(buf, len, "/tmp/%s.XXXXXX", name);
	ck_assert_ptr_nonnull(mkdtemp(buf));
}

/* Remove a directory made by tmpdir_new, and everything in it. */
static inline void
tmpdir_remove(const char *dir)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	ck_assert_int_eq(system(cmd), 0);
}

#endif
