/* db: the job records in SQLite: commit and reopen, group commit
 * boundaries (what was not committed is not there, and its ids are not
 * handed out twice once committed past), pages and filters, the
 * scheduling order, counts, retention, the integrity check. */
#include <check.h>

#include "runner.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db.h"

static char dir[64], path[128], err[512];

static void
setup(void)
{
	tmpdir_new(dir, sizeof(dir), "sbdb");
	snprintf(path, sizeof(path), "%s/jobs.db", dir);
}

static void
teardown(void)
{
	tmpdir_remove(dir);
}

static struct job
job(uint64_t id, const char *queue, const char *owner, int state,
    uint32_t prio, int64_t submitted)
{
	struct job j;

	memset(&j, 0, sizeof(j));
	j.id = id;
	snprintf(j.queue, sizeof(j.queue), "%s", queue);
	snprintf(j.user, sizeof(j.user), "%s", owner);
	snprintf(j.title, sizeof(j.title), "job %llu", (unsigned long long)id);
	j.state = state;
	j.priority = prio;
	j.submitted = submitted;
	j.finished = state == SB__JOB_STATE__COMPLETED ? submitted + 10 : 0;
	j.size = 100 * id;
	return j;
}

struct seen {
	uint64_t ids[512];
	size_t n;
};

static int
see(void *arg, struct job *j)
{
	struct seen *s = arg;

	if (s->n < 512)
		s->ids[s->n++] = j->id;
	free(j);
	return 0;
}

static void
put_all(struct db *d, struct job *v, size_t n)
{
	ck_assert_int_eq(db_begin(d, err, sizeof(err)), 0);
	for (size_t i = 0; i < n; i++)
		ck_assert_int_eq(db_put(d, &v[i], err, sizeof(err)), 0);
	ck_assert_int_eq(db_commit(d, 0, 1, err, sizeof(err)), 0);
}

START_TEST(test_commit_reopen)
{
	struct db *d;
	struct job v[3] = { job(1, "a", "alice", SB__JOB_STATE__PENDING, 50, 1000),
		job(2, "a", "bob", SB__JOB_STATE__PENDING, 50, 1001),
		job(3, "b", "alice", SB__JOB_STATE__COMPLETED, 50, 1002) };
	struct db_filter f = { 0 };
	struct seen s = { 0 };

	ck_assert_int_eq(db_open(&d, path, err, sizeof(err)), 0);
	ck_assert_uint_eq(db_next_id(d), 1);
	put_all(d, v, 3);
	db_close(d);
	ck_assert_int_eq(db_open(&d, path, err, sizeof(err)), 0);
	ck_assert_int_eq(db_page(d, &f, 0, see, &s, err, sizeof(err)), 3);
	ck_assert_uint_eq(s.ids[0], 1);
	ck_assert_uint_eq(s.ids[2], 3);
	ck_assert_uint_eq(db_next_id(d), 4);
	ck_assert_int_eq(db_check(d, err, sizeof(err)), 0);
	db_close(d);
}
END_TEST

/* A crash between the data's sync and the commit: the transaction is
 * gone, and with it only jobs nobody was told about; ids handed out and
 * committed past are never handed out again. */
START_TEST(test_group_commit_boundary)
{
	struct db *d;
	struct job a = job(1, "a", "alice", SB__JOB_STATE__PENDING, 50, 1);
	struct job b = job(2, "a", "alice", SB__JOB_STATE__PENDING, 50, 2);
	struct job c = job(3, "a", "alice", SB__JOB_STATE__PENDING, 50, 3);
	struct db_filter f = { 0 };
	struct seen s = { 0 };

	ck_assert_int_eq(db_open(&d, path, err, sizeof(err)), 0);
	put_all(d, &a, 1);
	ck_assert_int_eq(db_begin(d, err, sizeof(err)), 0);
	ck_assert_int_eq(db_put(d, &b, err, sizeof(err)), 0);
	ck_assert_int_eq(db_put(d, &c, err, sizeof(err)), 0);
	db_close(d); /* no commit: as if killed */
	ck_assert_int_eq(db_open(&d, path, err, sizeof(err)), 0);
	ck_assert_int_eq(db_page(d, &f, 0, see, &s, err, sizeof(err)), 1);
	ck_assert_uint_eq(s.ids[0], 1);
	/* Ids handed out up to 9 (uploads not yet committed), then a
	 * commit: a restart starts at 10. */
	ck_assert_int_eq(db_commit(d, 10, 1, err, sizeof(err)), 0);
	db_close(d);
	ck_assert_int_eq(db_open(&d, path, err, sizeof(err)), 0);
	ck_assert_uint_eq(db_next_id(d), 10);
	db_close(d);
}
END_TEST

START_TEST(test_pages_and_filters)
{
	static struct job v[300];
	struct db *d;
	struct seen s = { 0 };
	struct db_filter f = { 0 };
	int completed[] = { SB__JOB_STATE__COMPLETED };

	for (size_t i = 0; i < 300; i++)
		v[i] = job(i + 1, i % 2 ? "a" : "b", i % 3 ? "alice" : "bob",
		    i % 5 ? SB__JOB_STATE__PENDING : SB__JOB_STATE__COMPLETED,
		    50, 1000 + (int64_t)i);
	ck_assert_int_eq(db_open(&d, path, err, sizeof(err)), 0);
	put_all(d, v, 300);
	/* Pages of 100 in id order. */
	ck_assert_int_eq(db_page(d, &f, 100, see, &s, err, sizeof(err)), 100);
	ck_assert_uint_eq(s.ids[99], 100);
	f.after_id = 100;
	s.n = 0;
	ck_assert_int_eq(db_page(d, &f, 100, see, &s, err, sizeof(err)), 100);
	ck_assert_uint_eq(s.ids[0], 101);
	f.after_id = 250;
	s.n = 0;
	ck_assert_int_eq(db_page(d, &f, 100, see, &s, err, sizeof(err)), 50);
	/* Filters. */
	f = (struct db_filter){ .queue = "a" };
	ck_assert_int_eq(db_page(d, &f, 0, see, &(struct seen){ 0 }, err,
			     sizeof(err)), 150);
	f = (struct db_filter){ .owner = "bob" };
	ck_assert_int_eq(db_page(d, &f, 0, see, &(struct seen){ 0 }, err,
			     sizeof(err)), 100);
	f = (struct db_filter){ .states = completed, .nstates = 1 };
	ck_assert_int_eq(db_page(d, &f, 0, see, &(struct seen){ 0 }, err,
			     sizeof(err)), 60);
	f = (struct db_filter){ .unfinished = 1 };
	ck_assert_int_eq(db_page(d, &f, 0, see, &(struct seen){ 0 }, err,
			     sizeof(err)), 240);
	f = (struct db_filter){ .since = 1290 };
	ck_assert_int_eq(db_page(d, &f, 0, see, &(struct seen){ 0 }, err,
			     sizeof(err)), 10);
	db_close(d);
}
END_TEST

START_TEST(test_ahead_and_count)
{
	struct job v[8] = { job(1, "q", "alice", SB__JOB_STATE__PENDING, 50, 1),
		job(2, "q", "bob", SB__JOB_STATE__PENDING, 90, 2),
		job(3, "q", "alice", SB__JOB_STATE__COMPLETED, 99, 3),
		job(4, "q", "alice", SB__JOB_STATE__PENDING, 50, 4),
		job(6, "q", "bob", SB__JOB_STATE__HELD, 95, 6),
		job(5, "r", "alice", SB__JOB_STATE__PENDING, 99, 5),
		job(7, "n", "eve@10.0.0.9", SB__JOB_STATE__PENDING, 1, 7),
		job(8, "n", "mallory@10.0.0.9", SB__JOB_STATE__PENDING, 1, 8) };
	struct seen s = { 0 };
	struct db_usage u;
	struct db *d;

	v[6].uid = v[7].uid = SB_NET_UID;
	ck_assert_int_eq(db_open(&d, path, err, sizeof(err)), 0);
	put_all(d, v, 8);
	/* Higher priority first, then id; finished, held and other queues
	 * out. */
	ck_assert_int_eq(db_ahead(d, "q", 101, 0, 10, see, &s, err,
			     sizeof(err)), 3);
	ck_assert_uint_eq(s.ids[0], 2);
	ck_assert_uint_eq(s.ids[1], 1);
	ck_assert_uint_eq(s.ids[2], 4);
	/* The next look-ahead window starts after the last one seen. */
	s.n = 0;
	ck_assert_int_eq(db_ahead(d, "q", 50, 1, 10, see, &s, err,
			     sizeof(err)), 1);
	ck_assert_uint_eq(s.ids[0], 4);
	/* Quotas: a queue's unfinished jobs, an owner's and an address's
	 * (whatever name its clients give) with their bytes. */
	ck_assert_int_eq(db_usage(d, "q", 1, "alice", "", &u), 0);
	ck_assert_uint_eq(u.jobs, 4);
	ck_assert_uint_eq(u.user_jobs, 2);
	ck_assert_uint_eq(u.user_bytes, 100 + 400);
	ck_assert_uint_eq(u.host_jobs, 0);
	ck_assert_int_eq(db_usage(d, "n", 1, "eve@10.0.0.9", "10.0.0.9", &u), 0);
	ck_assert_uint_eq(u.user_jobs, 1);
	ck_assert_uint_eq(u.host_jobs, 2);
	ck_assert_uint_eq(u.host_bytes, 700 + 800);
	/* What is not asked for is not counted. */
	ck_assert_int_eq(db_usage(d, "q", 0, NULL, "", &u), 0);
	ck_assert_uint_eq(u.jobs, 0);
	ck_assert_uint_eq(u.user_jobs, 0);
	db_close(d);
}
END_TEST

START_TEST(test_retention)
{
	static struct job v[50];
	struct db_filter f = { 0 };
	struct seen gone = { 0 };
	struct db *d;

	for (size_t i = 0; i < 50; i++)
		v[i] = job(i + 1, "q", "alice", i < 40
		    ? SB__JOB_STATE__COMPLETED : SB__JOB_STATE__PENDING, 50,
		    1000 + (int64_t)i);
	ck_assert_int_eq(db_open(&d, path, err, sizeof(err)), 0);
	put_all(d, v, 50);
	/* Keep the newest 30 finished: the 10 oldest go, in order. */
	ck_assert_int_eq(db_prune(d, "q", 30, 0, 100, see, &gone, err,
			     sizeof(err)), 10);
	ck_assert_uint_eq(gone.ids[0], 1);
	ck_assert_uint_eq(gone.ids[9], 10);
	/* By age: finished before 1025 (jobs 11..15 finished 1020..1024). */
	gone.n = 0;
	ck_assert_int_eq(db_prune(d, "q", 1000, 1025, 100, see, &gone, err,
			     sizeof(err)), 5);
	/* At most max in one go. */
	gone.n = 0;
	ck_assert_int_eq(db_prune(d, "q", 0, 0, 7, see, &gone, err,
			     sizeof(err)), 7);
	/* Another queue's history is its own. */
	ck_assert_int_eq(db_prune(d, "other", 0, 0, 100, see, &gone, err,
			     sizeof(err)), 0);
	ck_assert_int_eq(db_commit(d, 0, 1, err, sizeof(err)), 0);
	ck_assert_int_eq(db_page(d, &f, 0, see, &(struct seen){ 0 }, err,
			     sizeof(err)), 28);
	/* Per owner: alice keeps her newest 5 finished ones. */
	ck_assert_int_eq(db_prune_owners(d, 5, 100, NULL, NULL, err,
			     sizeof(err)), 13);
	ck_assert_int_eq(db_commit(d, 0, 1, err, sizeof(err)), 0);
	f.unfinished = 0;
	ck_assert_int_eq(db_page(d, &f, 0, see, &(struct seen){ 0 }, err,
			     sizeof(err)), 15);
	ck_assert_int_eq(db_check(d, err, sizeof(err)), 0);
	db_close(d);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("db");
	TCase *tc = tcase_create("db");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_commit_reopen);
	tcase_add_test(tc, test_group_commit_boundary);
	tcase_add_test(tc, test_pages_and_filters);
	tcase_add_test(tc, test_ahead_and_count);
	tcase_add_test(tc, test_retention);
	suite_add_tcase(s, tc);
	return run_suite(s, 0);
}
