/* store: group commit, recovery at start-up, the sweep, the import of
 * the file store. */
#include <check.h>

#include "runner.h"
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "localspl.h"
#include "syncer.h"

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

static struct job *
committed(struct store *s, const char *title, int state)
{
	struct job *j = store_job_new(s);

	ck_assert_ptr_nonnull(j);
	strcpy(j->queue, "q");
	strcpy(j->title, title);
	j->state = state;
	ck_assert_int_eq(store_append(s, j, "abc", 3), 0);
	ck_assert_int_eq(store_data_complete(s, j), 0);
	ck_assert_int_eq(store_commit(s, j), 0);
	return j;
}

static void
sweep_all(struct store *s)
{
	while (store_sweep(s, 7))
		;
}

START_TEST(test_group_commit_boundary)
{
	struct store s;
	struct job *j;
	char err[256];

	ck_assert_int_eq(store_open(&s, dir, err, sizeof(err)), 0);
	j = committed(&s, "hello", SB__JOB_STATE__PRINTING);
	ck_assert_uint_eq(j->id, 1);
	/* No fd is held between chunks. */
	ck_assert_int_eq(j->fd, -1);
	committed(&s, "also", SB__JOB_STATE__PENDING);
	/* One commit for both: what a pass of the event loop does. */
	ck_assert_int_eq(store_flush(&s, 1, err, sizeof(err)), 0);
	/* Synced but not committed when the process dies: never
	 * acknowledged, so it may be lost; and an upload in progress. */
	ck_assert_uint_eq(committed(&s, "lost", SB__JOB_STATE__PENDING)->id,
	    3);
	j = store_job_new(&s);
	ck_assert_uint_eq(j->id, 4);
	ck_assert_int_eq(store_append(&s, j, "up", 2), 0);
	store_close(&s); /* no flush: as killed */
	ck_assert(exists("3.data"));
	ck_assert(exists("4.data"));

	ck_assert_int_eq(store_open(&s, dir, err, sizeof(err)), 0);
	/* Nothing in memory until asked for. */
	ck_assert_ptr_null(store_job(&s, 1));
	j = store_lookup(&s, 1);
	ck_assert_ptr_nonnull(j);
	ck_assert_str_eq(j->title, "hello");
	ck_assert_uint_eq(j->size, 3);
	/* A dispatch cut short resumes as pending. */
	ck_assert_int_eq(j->state, SB__JOB_STATE__PENDING);
	ck_assert_ptr_nonnull(store_lookup(&s, 2));
	ck_assert_ptr_null(store_lookup(&s, 3));
	ck_assert_ptr_null(store_lookup(&s, 4));
	sweep_all(&s);
	ck_assert(exists("1.data"));
	ck_assert(!exists("3.data"));
	ck_assert(!exists("4.data"));
	/* Ids are never handed out twice: not even an upload's. */
	ck_assert_uint_gt(store_job_new(&s)->id, 4);
	store_close(&s);
}
END_TEST

START_TEST(test_finished_data_swept_and_delete)
{
	struct store s;
	struct job *j;
	char err[256];

	ck_assert_int_eq(store_open(&s, dir, err, sizeof(err)), 0);
	j = committed(&s, "done", SB__JOB_STATE__PENDING);
	j->state = SB__JOB_STATE__COMPLETED;
	ck_assert_int_eq(store_save(&s, j), 0);
	j = committed(&s, "gone", SB__JOB_STATE__PENDING);
	ck_assert_int_eq(store_flush(&s, 1, err, sizeof(err)), 0);
	store_job_delete(&s, j);
	ck_assert(!exists("2.data"));
	ck_assert_int_eq(store_flush(&s, 1, err, sizeof(err)), 0);
	store_close(&s); /* killed before job 1's data was dropped */

	ck_assert_int_eq(store_open(&s, dir, err, sizeof(err)), 0);
	sweep_all(&s);
	ck_assert(!exists("1.data"));
	ck_assert_ptr_null(store_lookup(&s, 2));
	ck_assert_int_eq(store_lookup(&s, 1)->state, SB__JOB_STATE__COMPLETED);
	store_close(&s);
}
END_TEST

static struct stat
stat_of(const char *name)
{
	char p[4200];
	struct stat st;

	snprintf(p, sizeof(p), "%s/jobs/%s", dir, name);
	ck_assert_int_eq(stat(p, &st), 0);
	return st;
}

/* ID.data holds exactly want. */
static void
assert_data(uint64_t id, const char *want)
{
	char p[4200], got[64];
	ssize_t n;
	int fd;

	snprintf(p, sizeof(p), "%s/jobs/%llu.data", dir,
	    (unsigned long long)id);
	ck_assert_int_ge(fd = open(p, O_RDONLY), 0);
	n = read(fd, got, sizeof(got));
	close(fd);
	ck_assert_int_eq(n, (ssize_t)strlen(want));
	ck_assert(memcmp(got, want, (size_t)n) == 0);
}

/* A data file no job needs becomes ID.spare, and the next new job's data
 * is written into it (the same inode), cut to the new job's size when its
 * upload completes; a later process finds the spares with its sweep. */
START_TEST(test_spare_data_files)
{
	struct store s;
	struct job *j;
	char err[256];
	ino_t ino;

	ck_assert_int_eq(store_open(&s, dir, err, sizeof(err)), 0);
	j = store_job_new(&s);
	ck_assert_int_eq(store_append(&s, j, "longer", 6), 0);
	ck_assert_int_eq(store_data_complete(&s, j), 0);
	ck_assert_int_eq(store_commit(&s, j), 0);
	ck_assert_int_eq(store_flush(&s, 1, err, sizeof(err)), 0);
	ino = stat_of("1.data").st_ino;
	store_job_delete(&s, j);
	ck_assert(!exists("1.data"));
	ck_assert_uint_eq(stat_of("1.spare").st_ino, ino);
	/* Small: it keeps its blocks, to be overwritten. */
	ck_assert_int_eq(stat_of("1.spare").st_size, 6);
	j = store_job_new(&s);
	ck_assert_int_eq(store_append(&s, j, "ab", 2), 0);
	ck_assert_int_eq(store_append(&s, j, "c", 1), 0); /* no 2nd spare */
	ck_assert(!exists("1.spare"));
	ck_assert_uint_eq(stat_of("2.data").st_ino, ino);
	ck_assert_int_eq(store_data_complete(&s, j), 0);
	ck_assert_int_eq(store_commit(&s, j), 0);
	ck_assert_uint_eq(j->size, 3);
	assert_data(2, "abc"); /* not "abcger": cut to size */
	ck_assert_int_eq(store_flush(&s, 1, err, sizeof(err)), 0);
	store_job_delete(&s, j);
	ck_assert(exists("2.spare"));
	ino = stat_of("2.spare").st_ino;
	store_close(&s);

	ck_assert_int_eq(store_open(&s, dir, err, sizeof(err)), 0);
	sweep_all(&s);
	ck_assert(exists("2.spare"));
	j = store_job_new(&s);
	ck_assert_int_eq(store_append(&s, j, "xyz", 3), 0);
	ck_assert(!exists("2.spare"));
	snprintf(err, sizeof(err), "%llu.data", (unsigned long long)j->id);
	ck_assert_uint_eq(stat_of(err).st_ino, ino);
	store_close(&s);
}
END_TEST

/* A large data file is emptied before it is kept: a spare must not hold
 * disk space idle. */
START_TEST(test_large_spare_emptied)
{
	static char big[100 << 10];
	struct store s;
	struct job *j;
	char err[256];

	ck_assert_int_eq(store_open(&s, dir, err, sizeof(err)), 0);
	j = store_job_new(&s);
	ck_assert_int_eq(store_append(&s, j, big, sizeof(big)), 0);
	ck_assert_int_eq(store_data_complete(&s, j), 0);
	ck_assert_int_eq(store_commit(&s, j), 0);
	ck_assert_int_eq(store_flush(&s, 1, err, sizeof(err)), 0);
	store_job_delete(&s, j);
	ck_assert_int_eq(stat_of("1.spare").st_size, 0);
	store_close(&s);
}
END_TEST

/* An ID.rec of the file store, as it wrote them. */
static void
write_rec(uint64_t id, const char *title)
{
	struct job j = { .id = id, .state = SB__JOB_STATE__PENDING };
	Sb__JobInfo r;
	uint8_t buf[4096];
	char p[256];
	size_t len;
	int fd;

	strcpy(j.queue, "q");
	strcpy(j.title, title);
	job_to_info(&j, &r);
	len = sb__job_info__pack(&r, buf);
	snprintf(p, sizeof(p), "%s/jobs/%llu.rec", dir, (unsigned long long)id);
	fd = open(p, O_WRONLY | O_CREAT, 0600);
	ck_assert_int_eq(write(fd, buf, len), (ssize_t)len);
	close(fd);
}

START_TEST(test_import_file_store)
{
	struct store s;
	char err[256], p[256];
	int fd;

	snprintf(p, sizeof(p), "%s/jobs", dir);
	ck_assert_int_eq(mkdir(p, 0700), 0);
	write_rec(7, "seven");
	write_rec(1030, "late");
	snprintf(p, sizeof(p), "%s/jobs/9.rec", dir);
	fd = open(p, O_WRONLY | O_CREAT, 0600);
	ck_assert_int_eq(write(fd, "\xff\xff\xff\xff", 4), 4);
	close(fd);
	snprintf(p, sizeof(p), "%s/jobs/seq", dir);
	fd = open(p, O_WRONLY | O_CREAT, 0600);
	ck_assert_int_eq(write(fd, "2048\n", 5), 5);
	close(fd);

	ck_assert_int_eq(store_open(&s, dir, err, sizeof(err)), 0);
	ck_assert_str_eq(store_lookup(&s, 7)->title, "seven");
	ck_assert_str_eq(store_lookup(&s, 1030)->title, "late");
	ck_assert(!exists("7.rec"));
	ck_assert(!exists("seq"));
	/* A corrupt record is left for an admin, not fatal. */
	ck_assert(exists("9.rec"));
	ck_assert_uint_gt(store_job_new(&s)->id, 1030);
	store_close(&s);
}
END_TEST

/* The syncer syncs every item, files and a directory, and reports the
 * first failure without skipping the others. */
START_TEST(test_syncer)
{
	struct syncer *y = syncer_new();
	struct sync_item items[40];
	char p[4200];

	ck_assert_ptr_nonnull(y);
	for (int i = 0; i < 40; i++) {
		snprintf(p, sizeof(p), "%s/f%d", dir, i);
		items[i].fd = i == 0 ? open(dir, O_RDONLY | O_DIRECTORY) :
		    open(p, O_WRONLY | O_CREAT, 0600);
		items[i].full = i == 0;
		ck_assert_int_ge(items[i].fd, 0);
		ck_assert_int_eq(write(items[i].fd, "x", i == 0 ? 0 : 1),
		    i == 0 ? -1 : 1);
	}
	ck_assert_int_eq(syncer_run(y, items, 40), 0);
	ck_assert_int_eq(syncer_run(y, items, 1), 0);
	ck_assert_int_eq(syncer_run(y, items, 0), 0);
	/* A bad fd in the middle: -1 with its errno; the rest still run. */
	close(items[20].fd);
	items[20].fd = 1000;
	errno = 0;
	ck_assert_int_eq(syncer_run(y, items, 40), -1);
	ck_assert_int_eq(errno, EBADF);
	ck_assert_int_eq(syncer_run(y, items + 21, 19), 0);
	for (int i = 0; i < 40; i++)
		if (i != 20)
			close(items[i].fd);
	syncer_free(y);
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
	tcase_add_test(tc, test_group_commit_boundary);
	tcase_add_test(tc, test_finished_data_swept_and_delete);
	tcase_add_test(tc, test_import_file_store);
	tcase_add_test(tc, test_unwritable_spool);
	tcase_add_test(tc, test_syncer);
	tcase_add_test(tc, test_spare_data_files);
	tcase_add_test(tc, test_large_spare_emptied);
	suite_add_tcase(s, tc);
	return run_suite(s, 0);
}
