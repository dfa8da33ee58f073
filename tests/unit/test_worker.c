/* worker: worker_next() against a real nng pair1 channel: messages,
 * timeouts and Drain told apart; acknowledgements and aborts of ended
 * dispatches dropped; order kept; garbage is fatal. Also the descriptor
 * channel: a dispatch's data by tag, stale ones closed, none in time. */
#include <check.h>

#include "runner.h"
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <string.h>
#include <unistd.h>

#include <nng/nng.h>
#include <nng/protocol/pair1/pair.h>

#include <fcntl.h>
#include <sys/socket.h>

#include "fdpass.h"
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

/* The broker side acknowledges output of token at offset. */
static void
send_ack_at(uint64_t token, uint64_t offset)
{
	Sb__OutputAck a = SB__OUTPUT_ACK__INIT;
	sb_env e;

	chan_env_init(&e);
	e.body_case = SB__ENVELOPE__BODY_OUTPUT_ACK;
	e.output_ack = &a;
	a.token = token;
	a.offset = offset;
	ck_assert_int_eq(chan_send(broker_sock, &e, 0), 0);
}

static void
send_ack(uint64_t token)
{
	send_ack_at(token, 0);
}

static void
send_abort(uint64_t token)
{
	Sb__Abort a = SB__ABORT__INIT;
	sb_env e;

	chan_env_init(&e);
	e.body_case = SB__ENVELOPE__BODY_ABORT;
	e.abort = &a;
	a.token = token;
	a.reason = "canceled";
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

/* The next event must be an OutputAck at offset. */
static void
expect_ack(uint64_t offset)
{
	sb_env *e;

	ck_assert_int_eq(worker_next(&w, 2000, &e), WORKER_MSG);
	ck_assert_int_eq(e->body_case, SB__ENVELOPE__BODY_OUTPUT_ACK);
	ck_assert_uint_eq(e->output_ack->offset, offset);
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

START_TEST(test_stale_dropped)
{
	sb_env *e;

	w.token = 7;
	send_ack(5);            /* an earlier dispatch's */
	send_abort(5);
	send_ack_at(7, 0);
	expect_ack(0);
	send_abort(7);
	ck_assert_int_eq(worker_next(&w, 2000, &e), WORKER_MSG);
	ck_assert_int_eq(e->body_case, SB__ENVELOPE__BODY_ABORT);
	chan_free(e);
	/* Nothing else is waiting: the stale ones were dropped. */
	w.token = 0;            /* idle: every ack and abort is stale */
	send_ack(7);
	send_abort(7);
	ck_assert_int_eq(worker_next(&w, 100, &e), WORKER_TIMEOUT);
}
END_TEST

START_TEST(test_drain_in_the_middle_keeps_order)
{
	sb_env *e;

	w.token = 9;
	send_ack_at(9, 0);
	send_drain();
	send_ack_at(9, 4);
	expect_ack(0);
	ck_assert_int_eq(worker_next(&w, 2000, &e), WORKER_DRAIN);
	ck_assert_ptr_null(e);
	ck_assert_int_eq(w.draining, 1);
	expect_ack(4);
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

/* The descriptor channel: the fd for the wanted tag comes back (a
 * different fd number, the same file); an earlier dispatch's is closed;
 * none in time is EAGAIN. */
START_TEST(test_fdpass_by_tag)
{
	char path[] = "/tmp/sbfdpass.XXXXXX";
	struct stat a, b;
	int sp[2], f, got;

	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sp), 0);
	f = mkstemp(path);
	ck_assert_int_ge(f, 0);
	unlink(path);
	ck_assert_int_eq(fdpass_send(sp[0], 41, f), 0);
	ck_assert_int_eq(fdpass_send(sp[0], 42, f), 0);
	got = fdpass_recv_tag(sp[1], 42, 1000);
	ck_assert_int_ge(got, 0);
	ck_assert_int_ne(got, f);
	ck_assert_int_eq(fstat(got, &a), 0);
	ck_assert_int_eq(fstat(f, &b), 0);
	ck_assert_uint_eq(a.st_ino, b.st_ino);
	ck_assert_int_eq(fcntl(got, F_GETFD) & FD_CLOEXEC, FD_CLOEXEC);
	close(got);
	ck_assert_int_eq(fdpass_recv_tag(sp[1], 43, 50), -1);
	ck_assert_int_eq(errno, EAGAIN);
	close(f);
	close(sp[0]);
	close(sp[1]);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("worker");
	TCase *tc = tcase_create("next");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_timeout_is_not_a_message);
	tcase_add_test(tc, test_stale_dropped);
	tcase_add_test(tc, test_drain_in_the_middle_keeps_order);
	tcase_add_test(tc, test_job_start_passes_when_idle);
	tcase_add_exit_test(tc, test_garbage_is_fatal, 1);
	tcase_add_test(tc, test_fdpass_by_tag);
	suite_add_tcase(s, tc);
	return run_suite(s, 0);
}
