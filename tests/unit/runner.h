/* runner: the one main() body of every Check suite here. */
#ifndef SB_TEST_RUNNER_H
#define SB_TEST_RUNNER_H

#include <check.h>

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

#endif
