/* store: durable job records, id reservation, recovery at start-up. */
#include <check.h>

#include "runner.h"
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "localspl.h"

static char dir[64];

static void
setup(void)
{
	tmpdir_new(dir, sizeof(dir), "sbstore");
}

static void
teardown(void)
{
	tmpdir_remove(dir);
}

static int
exists(const char *name)
{
	char p[256];
	struct stat st;

	snprintf(p, sizeof(p), "%s/jobs/%s", dir, name);
	return stat(p, &st) == 0;
}

START_TEST(test_commit_and_reload)
{
	struct store s;
	struct job *j;
	char err[256];

	ck_assert_int_eq(store_open(&s, dir, err, sizeof(err)), 0);
	j = store_job_new(&s, err, sizeof(err));
	ck_assert_ptr_nonnull(j);
	ck_assert_uint_eq(j->id, 1);
	strcpy(j->queue, "q");
	strcpy(j->title, "hello");
	j->state = SB__JOB_STATE__PRINTING;
	ck_assert_int_eq(store_append(&s, j, "ab", 2), 0);
	ck_assert_int_eq(store_append(&s, j, "c", 1), 0);
	ck_assert_uint_eq(j->size, 3);
	/* No fd is held between chunks. */
	ck_assert_int_eq(j->fd, -1);
	ck_assert_int_eq(store_commit(&s, j), 0);
	/* Never acknowledged: data without a record. */
	j = store_job_new(&s, err, sizeof(err));
	ck_assert_uint_eq(j->id, 2);
	store_close(&s);
	ck_assert(exists("2.data"));

	ck_assert_int_eq(store_open(&s, dir, err, sizeof(err)), 0);
	j = store_job(&s, 1);
	ck_assert_ptr_nonnull(j);
	ck_assert_str_eq(j->title, "hello");
	ck_assert_uint_eq(j->size, 3);
	/* A dispatch cut short resumes as pending. */
	ck_assert_int_eq(j->state, SB__JOB_STATE__PENDING);
	ck_assert_ptr_null(store_job(&s, 2));
	ck_assert(!exists("2.data"));
	/* Ids are never reused, not even the abandoned upload's. */
	j = store_job_new(&s, err, sizeof(err));
	ck_assert_uint_gt(j->id, 2);
	store_close(&s);
}
END_TEST

START_TEST(test_delete_and_unreadable_record)
{
	struct store s;
	struct job *j;
	char err[256], p[256];
	int fd;

	ck_assert_int_eq(store_open(&s, dir, err, sizeof(err)), 0);
	j = store_job_new(&s, err, sizeof(err));
	ck_assert_int_eq(store_commit(&s, j), 0);
	ck_assert(exists("1.rec"));
	store_job_delete(&s, j);
	ck_assert(!exists("1.rec"));
	ck_assert(!exists("1.data"));
	store_close(&s);

	snprintf(p, sizeof(p), "%s/jobs/9.rec", dir);
	fd = open(p, O_WRONLY | O_CREAT, 0600);
	ck_assert_int_eq(write(fd, "\xff\xff\xff\xff", 4), 4);
	close(fd);
	/* A corrupt record is skipped (and left for an admin), not fatal. */
	ck_assert_int_eq(store_open(&s, dir, err, sizeof(err)), 0);
	ck_assert_ptr_null(store_job(&s, 9));
	ck_assert(exists("9.rec"));
	store_close(&s);
}
END_TEST

START_TEST(test_unwritable_spool)
{
	struct store s;
	char err[256];

	ck_assert_int_eq(store_open(&s, "/proc/nonexistent", err, sizeof(err)),
	    -1);
	ck_assert_ptr_nonnull(strstr(err, "job store /proc/nonexistent/jobs"));
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("store");
	TCase *tc = tcase_create("store");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_commit_and_reload);
	tcase_add_test(tc, test_delete_and_unreadable_record);
	tcase_add_test(tc, test_unwritable_spool);
	suite_add_tcase(s, tc);
	return run_suite(s, 0);
}
