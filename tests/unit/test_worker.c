/* worker: worker_next() against a real nng pair1 channel: messages,
 * timeouts and Drain told apart; data of ended dispatches dropped; order
 * kept; garbage is fatal. Also jobin's checks of what arrives. */
#include <check.h>

#include "runner.h"
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <nng/nng.h>
#include <nng/protocol/pair1/pair.h>

#include "jobin.h"
#include "worker.h"

static nng_socket broker_sock;
static struct worker w;

static void
setup(void)
{
	char url[64];

	snprintf(url, sizeof(url), "inproc://test-worker-%d", (int)getpid());
	memset(&w, 0, sizeof(w));
	ck_assert_int_eq(nng_pair1_open(&broker_sock), 0);
	ck_assert_int_eq(nng_listen(broker_sock, url, NULL, 0), 0);
	ck_assert_int_eq(nng_pair1_open(&w.sock), 0);
	/* Buffered both ways, as the real channel is: the test sends
	 * several messages before the worker side reads any. */
	nng_socket_set_int(broker_sock, NNG_OPT_SENDBUF, SB_CHAN_BUF);
	nng_socket_set_int(w.sock, NNG_OPT_RECVBUF, SB_CHAN_BUF);
	ck_assert_int_eq(nng_dial(w.sock, url, NULL, 0), 0);
	w.recvfd = chan_recvfd(w.sock);
	ck_assert_int_ge(w.recvfd, 0);
}

static void
teardown(void)
{
	nng_close(w.sock);
	nng_close(broker_sock);
}

/* The broker side sends a DataChunk for token at offset. */
static void
send_chunk(uint64_t token, uint64_t offset)
{
	Sb__DataChunk c = SB__DATA_CHUNK__INIT;
	uint8_t data[4] = { 1, 2, 3, 4 };
	sb_env e;

	chan_env_init(&e);
	e.body_case = SB__ENVELOPE__BODY_DATA_CHUNK;
	e.data_chunk = &c;
	c.token = token;
	c.offset = offset;
	c.data.data = data;
	c.data.len = sizeof(data);
	ck_assert_int_eq(chan_send(broker_sock, &e, 0), 0);
}

static void
send_ack(uint64_t token)
{
	Sb__OutputAck a = SB__OUTPUT_ACK__INIT;
	sb_env e;

	chan_env_init(&e);
	e.body_case = SB__ENVELOPE__BODY_OUTPUT_ACK;
	e.output_ack = &a;
	a.token = token;
	ck_assert_int_eq(chan_send(broker_sock, &e, 0), 0);
}

static void
send_drain(void)
{
	Sb__Drain d = SB__DRAIN__INIT;
	sb_env e;

	chan_env_init(&e);
	e.body_case = SB__ENVELOPE__BODY_DRAIN;
	e.drain = &d;
	ck_assert_int_eq(chan_send(broker_sock, &e, 0), 0);
}

/* The next event must be a DataChunk at offset. */
static void
expect_chunk(uint64_t offset)
{
	sb_env *e;

	ck_assert_int_eq(worker_next(&w, 2000, &e), WORKER_MSG);
	ck_assert_int_eq(e->body_case, SB__ENVELOPE__BODY_DATA_CHUNK);
	ck_assert_uint_eq(e->data_chunk->offset, offset);
	chan_free(e);
}

START_TEST(test_timeout_is_not_a_message)
{
	sb_env *e = (sb_env *)&e;

	ck_assert_int_eq(worker_next(&w, 50, &e), WORKER_TIMEOUT);
	ck_assert_ptr_null(e);
	ck_assert_int_eq(w.draining, 0);
}
END_TEST

START_TEST(test_stale_data_dropped)
{
	w.token = 7;
	send_chunk(5, 0);       /* an earlier dispatch's */
	send_ack(5);
	send_chunk(7, 0);
	expect_chunk(0);
	/* Nothing else is waiting: the stale ones were dropped. */
	w.token = 0;            /* idle: every chunk is stale */
	send_chunk(7, 4);
	send_ack(7);
	sb_env *e;
	ck_assert_int_eq(worker_next(&w, 100, &e), WORKER_TIMEOUT);
}
END_TEST

START_TEST(test_drain_in_the_middle_keeps_order)
{
	sb_env *e;

	w.token = 9;
	send_chunk(9, 0);
	send_drain();
	send_chunk(9, 4);
	expect_chunk(0);
	ck_assert_int_eq(worker_next(&w, 2000, &e), WORKER_DRAIN);
	ck_assert_ptr_null(e);
	ck_assert_int_eq(w.draining, 1);
	expect_chunk(4);
	/* Draining does not turn a timeout into anything else. */
	ck_assert_int_eq(worker_next(&w, 50, &e), WORKER_TIMEOUT);
	ck_assert_int_eq(w.draining, 1);
}
END_TEST

START_TEST(test_job_start_passes_when_idle)
{
	Sb__JobStart js = SB__JOB_START__INIT;
	sb_env e, *got;

	chan_env_init(&e);
	e.body_case = SB__ENVELOPE__BODY_JOB_START;
	e.job_start = &js;
	js.job_id = 3;
	js.token = 11;
	js.stage = SB__STAGE__DELIVER;
	js.copies = 1;
	ck_assert_int_eq(chan_send(broker_sock, &e, 0), 0);
	ck_assert_int_eq(worker_next(&w, 2000, &got), WORKER_MSG);
	ck_assert_int_eq(got->body_case, SB__ENVELOPE__BODY_JOB_START);
	ck_assert_uint_eq(got->job_start->token, 11);
	chan_free(got);
}
END_TEST

/* Bytes that are no Envelope: the broker is broken; the worker exits. */
START_TEST(test_garbage_is_fatal)
{
	static const char junk[] = "\xff\xff\xff\xff not protobuf";
	sb_env *e;

	ck_assert_int_eq(nng_send(broker_sock, (void *)junk, sizeof(junk), 0),
	    0);
	worker_next(&w, 2000, &e);
}
END_TEST

START_TEST(test_jobin_out_of_order)
{
	Sb__DataChunk c = SB__DATA_CHUNK__INIT;
	uint8_t data[4] = { 0 };
	struct jobin in;
	char err[128];

	jobin_init(&in, &w, 5, 8, 2);
	c.token = 5;
	c.data.data = data;
	c.data.len = 4;
	c.offset = 4; /* the second chunk first */
	ck_assert_int_eq(jobin_accept(&in, &c, err, sizeof(err)), -1);
	ck_assert_msg(strstr(err, "out of order") != NULL, "%s", err);
	c.offset = 0;
	c.token = 6;
	ck_assert_int_eq(jobin_accept(&in, &c, err, sizeof(err)), -1);
	c.token = 5;
	c.error = "job canceled";
	ck_assert_int_eq(jobin_accept(&in, &c, err, sizeof(err)), -1);
	ck_assert_str_eq(err, "job canceled");
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("worker");
	TCase *tc = tcase_create("next");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_timeout_is_not_a_message);
	tcase_add_test(tc, test_stale_data_dropped);
	tcase_add_test(tc, test_drain_in_the_middle_keeps_order);
	tcase_add_test(tc, test_job_start_passes_when_idle);
	tcase_add_exit_test(tc, test_garbage_is_fatal, 1);
	tcase_add_test(tc, test_jobin_out_of_order);
	suite_add_tcase(s, tc);
	return run_suite(s, 0);
}
