/* budget: the recycle decision, budget_check(), on samples and budgets:
 * which rule wins, what the reason says, and what is left alone. */
#include <check.h>

#include "runner.h"
#include <string.h>

#include "broker.h"

#define MiB (1024ULL * 1024)

static struct sb_budget bg;
static struct budget_sample smp;
static char why[256];

static void
setup(void)
{
	memset(&bg, 0, sizeof(bg));
	bg.memory_budget = 8 * MiB;
	bg.memory_limit = 32 * MiB;
	bg.handle_budget = 16;
	bg.max_jobs = 100;
	bg.max_idle = 1000;
	memset(&smp, 0, sizeof(smp));
	smp.private_bytes = 2 * MiB;
	smp.fds = 8;
	smp.jobs = 3;
	smp.up_ms = 5000;
	why[0] = '\0';
}

START_TEST(test_within_budget)
{
	ck_assert_int_eq(budget_check(&bg, &smp, why, sizeof(why), NULL),
	    BUDGET_OK);
	ck_assert_str_eq(why, "");
}
END_TEST

START_TEST(test_memory_limit_kills)
{
	smp.private_bytes = 33 * MiB;
	smp.fds = 100; /* over the handle budget too: the limit wins */
	ck_assert_int_eq(budget_check(&bg, &smp, why, sizeof(why), NULL),
	    BUDGET_KILL);
	ck_assert_str_eq(why,
	    "memory_limit: private bytes 33.0 MiB > limit 32.0 MiB");
}
END_TEST

START_TEST(test_memory_budget_recycles)
{
	struct budget_over over = { 0 };

	smp.private_bytes = 9 * MiB;
	ck_assert_int_eq(budget_check(&bg, &smp, why, sizeof(why), &over),
	    BUDGET_RECYCLE);
	ck_assert_str_eq(why,
	    "memory_budget: private bytes 9.0 MiB > budget 8.0 MiB");
	/* The journal's fields: the rule, the figure, the budget. */
	ck_assert_str_eq(over.rule, "memory_budget");
	ck_assert_uint_eq(over.figure, 9 * MiB);
	ck_assert_uint_eq(over.budget, 8 * MiB);
	/* At the budget is within it. */
	smp.private_bytes = 8 * MiB;
	ck_assert_int_eq(budget_check(&bg, &smp, why, sizeof(why), NULL), BUDGET_OK);
}
END_TEST

START_TEST(test_handles_and_jobs)
{
	smp.fds = 17;
	ck_assert_int_eq(budget_check(&bg, &smp, why, sizeof(why), NULL),
	    BUDGET_RECYCLE);
	ck_assert_str_eq(why, "handle_budget: 17 open fds > budget 16");
	smp.fds = 16;
	smp.jobs = 100;
	ck_assert_int_eq(budget_check(&bg, &smp, why, sizeof(why), NULL),
	    BUDGET_RECYCLE);
	ck_assert_str_eq(why, "max_jobs: 100 jobs >= 100");
	bg.max_jobs = 0; /* off */
	ck_assert_int_eq(budget_check(&bg, &smp, why, sizeof(why), NULL), BUDGET_OK);
}
END_TEST

START_TEST(test_lifetime)
{
	smp.lifetime = 4000;
	ck_assert_int_eq(budget_check(&bg, &smp, why, sizeof(why), NULL),
	    BUDGET_RECYCLE);
	ck_assert_str_eq(why, "max_lifetime: up 5000ms > 4000ms (with jitter)");
	smp.lifetime = 0; /* off */
	ck_assert_int_eq(budget_check(&bg, &smp, why, sizeof(why), NULL), BUDGET_OK);
}
END_TEST

START_TEST(test_idle_only_for_extra_instances)
{
	smp.idle_ms = 2000;
	/* The first instance stays, however idle. */
	ck_assert_int_eq(budget_check(&bg, &smp, why, sizeof(why), NULL), BUDGET_OK);
	smp.extra = 1;
	ck_assert_int_eq(budget_check(&bg, &smp, why, sizeof(why), NULL),
	    BUDGET_RETIRE);
	ck_assert_str_eq(why, "max_idle: idle 2000ms > 1000ms");
	smp.idle_ms = 0; /* busy */
	ck_assert_int_eq(budget_check(&bg, &smp, why, sizeof(why), NULL), BUDGET_OK);
}
END_TEST

START_TEST(test_zero_budget_is_off)
{
	memset(&bg, 0, sizeof(bg));
	smp.private_bytes = 1ULL << 40;
	smp.fds = 60000;
	smp.jobs = 1000000;
	ck_assert_int_eq(budget_check(&bg, &smp, why, sizeof(why), NULL), BUDGET_OK);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("budget");
	TCase *tc = tcase_create("check");

	tcase_add_checked_fixture(tc, setup, NULL);
	tcase_add_test(tc, test_within_budget);
	tcase_add_test(tc, test_memory_limit_kills);
	tcase_add_test(tc, test_memory_budget_recycles);
	tcase_add_test(tc, test_handles_and_jobs);
	tcase_add_test(tc, test_lifetime);
	tcase_add_test(tc, test_idle_only_for_extra_instances);
	tcase_add_test(tc, test_zero_budget_is_off);
	suite_add_tcase(s, tc);
	return run_suite(s, 0);
}
