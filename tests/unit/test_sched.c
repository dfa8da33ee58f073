/* sched: localspl's order, sched_pick(): priority, then FIFO; held and
 * final jobs skipped; a retry-wait head holds its queue until due;
 * conversions ahead; one delivery at a time; a stopped queue waits. */
#include <check.h>

#include "runner.h"
#include <stdlib.h>
#include <string.h>

#include "localspl.h"

static struct spl s;
static struct queue q;
static Sb__QueueConfig qc = SB__QUEUE_CONFIG__INIT;

static void
setup(void)
{
	memset(&s, 0, sizeof(s));
	qc.name = "office";
	qc.datatype = SB__DATA_TYPE__RAW;
	memset(&q, 0, sizeof(q));
	q.cfg = &qc;
}

static void
teardown(void)
{
	while (s.store.jobs != NULL) {
		struct job *j = s.store.jobs;
		s.store.jobs = j->next;
		free(j);
	}
}

/* A pending job of the queue, in memory. */
static struct job *
add(uint64_t id, const char *queue, unsigned prio, int datatype)
{
	struct job *j = calloc(1, sizeof(*j));

	ck_assert_ptr_nonnull(j);
	j->id = id;
	strcpy(j->queue, queue);
	j->priority = prio;
	j->datatype = datatype;
	j->state = SB__JOB_STATE__PENDING;
	store_adopt(&s.store, j);
	return j;
}

static struct job *
pick_delivery(int64_t now)
{
	struct sched_pick p;

	sched_pick(&s, &q, now, &p);
	return p.ndeliver > 0 ? p.deliver[0] : NULL;
}

START_TEST(test_priority_then_fifo)
{
	add(1, "office", 50, SB__DATA_TYPE__RAW);
	struct job *b = add(2, "office", 80, SB__DATA_TYPE__RAW);
	add(3, "office", 80, SB__DATA_TYPE__RAW);
	add(4, "other", 100, SB__DATA_TYPE__RAW); /* another queue's */
	ck_assert_ptr_eq(pick_delivery(0), b);
	b->state = SB__JOB_STATE__COMPLETED;
	ck_assert_uint_eq(pick_delivery(0)->id, 3);
}
END_TEST

START_TEST(test_held_and_uploading_skipped)
{
	struct job *a = add(1, "office", 50, SB__DATA_TYPE__RAW);
	struct job *b = add(2, "office", 50, SB__DATA_TYPE__RAW);

	a->state = SB__JOB_STATE__HELD;
	b->uploading = 1;
	ck_assert_ptr_null(pick_delivery(0));
	b->uploading = 0;
	ck_assert_ptr_eq(pick_delivery(0), b);
}
END_TEST

START_TEST(test_retry_wait_holds_the_queue_in_order)
{
	struct job *a = add(1, "office", 50, SB__DATA_TYPE__RAW);

	add(2, "office", 50, SB__DATA_TYPE__RAW);
	a->state = SB__JOB_STATE__RETRY_WAIT;
	a->next_attempt = 1000;
	/* Not due: nothing goes, job 2 does not overtake. */
	ck_assert_ptr_null(pick_delivery(999));
	ck_assert_ptr_eq(pick_delivery(1000), a);
}
END_TEST

START_TEST(test_one_delivery_at_a_time)
{
	struct job *a = add(1, "office", 50, SB__DATA_TYPE__RAW);

	add(2, "office", 50, SB__DATA_TYPE__RAW);
	a->token = 42;
	a->stage = SB__STAGE__DELIVER;
	ck_assert_ptr_null(pick_delivery(0));
}
END_TEST

START_TEST(test_stopped_queue_waits)
{
	add(1, "office", 50, SB__DATA_TYPE__RAW);
	q.stopped = 1;
	ck_assert_ptr_null(pick_delivery(0));
}
END_TEST

START_TEST(test_conversions_ahead_in_order)
{
	struct sched_pick p;
	struct job *t1, *t2;

	qc.datatype = SB__DATA_TYPE__POSTSCRIPT;
	t1 = add(1, "office", 50, SB__DATA_TYPE__TEXT);
	t2 = add(2, "office", 50, SB__DATA_TYPE__TEXT);
	add(3, "office", 50, SB__DATA_TYPE__TEXT);
	sched_pick(&s, &q, 0, &p);
	/* Two converted ahead; the head waits for its conversion. */
	ck_assert_uint_eq(p.nconvert, 2);
	ck_assert_ptr_eq(p.convert[0], t1);
	ck_assert_ptr_eq(p.convert[1], t2);
	ck_assert_uint_eq(p.ndeliver, 0);
	/* t1 converted, t2 converting: t1 goes, job 3 converts. */
	t1->converted = 1;
	t2->token = 7;
	t2->stage = SB__STAGE__CONVERT;
	sched_pick(&s, &q, 0, &p);
	ck_assert_ptr_eq(p.deliver[0], t1);
	ck_assert_uint_eq(p.nconvert, 1);
	ck_assert_uint_eq(p.convert[0]->id, 3);
}
END_TEST

/* A conversion that failed transiently is converted again when due. */
START_TEST(test_conversion_retried_when_due)
{
	struct sched_pick p;
	struct job *t;

	qc.datatype = SB__DATA_TYPE__POSTSCRIPT;
	t = add(1, "office", 50, SB__DATA_TYPE__TEXT);
	t->state = SB__JOB_STATE__RETRY_WAIT;
	t->next_attempt = 500;
	sched_pick(&s, &q, 499, &p);
	ck_assert_uint_eq(p.nconvert, 0);
	sched_pick(&s, &q, 500, &p);
	ck_assert_uint_eq(p.nconvert, 1);
	ck_assert_ptr_eq(p.convert[0], t);
}
END_TEST

START_TEST(test_raw_queue_converts_nothing)
{
	struct sched_pick p;
	struct job *t = add(1, "office", 50, SB__DATA_TYPE__TEXT);

	sched_pick(&s, &q, 0, &p);
	ck_assert_uint_eq(p.nconvert, 0);
	ck_assert_ptr_eq(p.deliver[0], t);
}
END_TEST

int
main(void)
{
	Suite *su = suite_create("sched");
	TCase *tc = tcase_create("pick");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_priority_then_fifo);
	tcase_add_test(tc, test_held_and_uploading_skipped);
	tcase_add_test(tc, test_retry_wait_holds_the_queue_in_order);
	tcase_add_test(tc, test_one_delivery_at_a_time);
	tcase_add_test(tc, test_stopped_queue_waits);
	tcase_add_test(tc, test_conversions_ahead_in_order);
	tcase_add_test(tc, test_conversion_retried_when_due);
	tcase_add_test(tc, test_raw_queue_converts_nothing);
	suite_add_tcase(su, tc);
	return run_suite(su, 0);
}
