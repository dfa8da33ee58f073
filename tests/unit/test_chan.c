/* chan: envelope encode/decode and validation. */
#include <check.h>

#include "runner.h"
#include <stdlib.h>
#include <string.h>

#include "chan.h"
#include "util.h"

static sb_env *
roundtrip(const sb_env *in, char *err, size_t errlen)
{
	nng_msg *m;
	sb_env *out;

	ck_assert_int_eq(chan_encode(in, &m), 0);
	out = chan_decode(m, err, errlen);
	nng_msg_free(m);
	return out;
}

START_TEST(test_submit_roundtrip)
{
	Sb__SubmitReq r = SB__SUBMIT_REQ__INIT;
	uint8_t data[100];
	char err[256] = "";
	sb_env e, *d;

	memset(data, 7, sizeof(data));
	chan_env_init(&e);
	e.id = 42;
	e.body_case = SB__ENVELOPE__BODY_SUBMIT_REQ;
	e.submit_req = &r;
	r.queue = "office";
	r.datatype = SB__DATA_TYPE__RAW;
	r.copies = 2;
	r.title = "t";
	r.data.data = data;
	r.data.len = sizeof(data);
	r.final = 1;
	d = roundtrip(&e, err, sizeof(err));
	ck_assert_msg(d != NULL, "%s", err);
	ck_assert_uint_eq(d->id, 42);
	ck_assert_int_eq(d->body_case, SB__ENVELOPE__BODY_SUBMIT_REQ);
	ck_assert_str_eq(d->submit_req->queue, "office");
	ck_assert_uint_eq(d->submit_req->copies, 2);
	ck_assert_uint_eq(d->submit_req->data.len, 100);
	ck_assert_int_eq(d->submit_req->final, 1);
	chan_free(d);
}
END_TEST

START_TEST(test_oversized_rejected_before_decode)
{
	char err[256];
	nng_msg *m;

	ck_assert_int_eq(nng_msg_alloc(&m, SB_MSG_MAX + 1), 0);
	memset(nng_msg_body(m), 0, SB_MSG_MAX + 1);
	ck_assert_ptr_null(chan_decode(m, err, sizeof(err)));
	ck_assert_ptr_nonnull(strstr(err, "exceeds"));
	nng_msg_free(m);
}
END_TEST

START_TEST(test_oversized_chunk_not_encoded)
{
	Sb__OutputChunk c = SB__OUTPUT_CHUNK__INIT;
	sb_env e;
	nng_msg *m;
	uint8_t *big = calloc(1, SB_MSG_MAX + 10);

	chan_env_init(&e);
	e.body_case = SB__ENVELOPE__BODY_OUTPUT_CHUNK;
	e.output_chunk = &c;
	c.token = 1;
	c.data.data = big;
	c.data.len = SB_MSG_MAX + 10;
	ck_assert_int_eq(chan_encode(&e, &m), NNG_EMSGSIZE);
	free(big);
}
END_TEST

START_TEST(test_chunk_over_limit_invalid)
{
	Sb__OutputChunk c = SB__OUTPUT_CHUNK__INIT;
	char err[256];
	sb_env e, *d;
	uint8_t *big = calloc(1, SB_CHUNK_SIZE + 1);

	chan_env_init(&e);
	e.body_case = SB__ENVELOPE__BODY_OUTPUT_CHUNK;
	e.output_chunk = &c;
	c.token = 1;
	c.data.data = big;
	c.data.len = SB_CHUNK_SIZE + 1;
	d = roundtrip(&e, err, sizeof(err));
	ck_assert_ptr_null(d);
	ck_assert_ptr_nonnull(strstr(err, "output chunk of"));
	free(big);
}
END_TEST

START_TEST(test_missing_fields)
{
	Sb__SubmitReq r = SB__SUBMIT_REQ__INIT;
	Sb__Abort ab = SB__ABORT__INIT;
	Sb__JobCtlReq jc = SB__JOB_CTL_REQ__INIT;
	Sb__JobsReq jr = SB__JOBS_REQ__INIT;
	char err[256];
	sb_env e;

	chan_env_init(&e);
	e.body_case = SB__ENVELOPE__BODY_SUBMIT_REQ;
	e.submit_req = &r;
	r.datatype = SB__DATA_TYPE__RAW;
	r.copies = 1;
	ck_assert_int_eq(chan_validate(&e, err, sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, "queue"));
	r.queue = "q";
	r.copies = 0;
	ck_assert_int_eq(chan_validate(&e, err, sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, "copies"));
	r.copies = 1;
	r.datatype = 77;
	ck_assert_int_eq(chan_validate(&e, err, sizeof(err)), -1);
	/* Every type a client may name, images too (IPP's image/jpeg: a
	 * listener was killed for sending it). */
	for (int dt = SB__DATA_TYPE__RAW; dt <= SB__DATA_TYPE__JPEG; dt++) {
		r.datatype = dt;
		ck_assert_int_eq(chan_validate(&e, err, sizeof(err)), 0);
	}
	r.datatype = SB__DATA_TYPE__TEXT;
	ck_assert_int_eq(chan_validate(&e, err, sizeof(err)), 0);

	/* A submit by descriptor carries no data and is final. */
	r.fd_cookie = 99;
	ck_assert_int_eq(chan_validate(&e, err, sizeof(err)), -1);
	r.final = 1;
	ck_assert_int_eq(chan_validate(&e, err, sizeof(err)), 0);
	r.data.len = 1;
	r.data.data = (uint8_t *)"x";
	ck_assert_int_eq(chan_validate(&e, err, sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, "by descriptor"));

	e.body_case = SB__ENVELOPE__BODY_ABORT;
	e.abort = &ab;
	ck_assert_int_eq(chan_validate(&e, err, sizeof(err)), -1); /* token */
	ab.token = 5;
	ck_assert_int_eq(chan_validate(&e, err, sizeof(err)), 0);

	e.body_case = SB__ENVELOPE__BODY_JOB_CTL_REQ;
	e.job_ctl_req = &jc;
	jc.job_id = 3;
	ck_assert_int_eq(chan_validate(&e, err, sizeof(err)), -1); /* action */
	jc.action = SB__JOB_ACTION__HOLD;
	ck_assert_int_eq(chan_validate(&e, err, sizeof(err)), 0);

	/* A wait for a job to be final: one job, at most a minute. */
	e.body_case = SB__ENVELOPE__BODY_JOBS_REQ;
	e.jobs_req = &jr;
	jr.wait_ms = 5000;
	ck_assert_int_eq(chan_validate(&e, err, sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, "no one job"));
	jr.job_id = 7;
	ck_assert_int_eq(chan_validate(&e, err, sizeof(err)), 0);
	jr.wait_ms = 60001;
	ck_assert_int_eq(chan_validate(&e, err, sizeof(err)), -1);
	jr.wait_ms = 60000;
	ck_assert_int_eq(chan_validate(&e, err, sizeof(err)), 0);
}
END_TEST

/* page-ranges: ascending ranges from page 1 that do not overlap;
 * number-up: what the print processor lays out. */
START_TEST(test_page_ranges)
{
	static const char *const good[] = { "", "1-1", "2-3,5-5",
		"1-2,3-4,10-2147483647" };
	static const char *const bad[] = { "0-1", "3-2", "1-2,2-3",
		"3-4,1-2", "1-2,", ",1-2", "1", "1-", "-1", "1-2x", "a-b",
		"1-2,,3-4", "1-2147483648" };
	Sb__SubmitReq r = SB__SUBMIT_REQ__INIT;
	char err[256];
	sb_env e;

	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		ck_assert_msg(page_ranges_valid(good[i]) == 0, "%s", good[i]);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ck_assert_msg(page_ranges_valid(bad[i]) == -1, "%s", bad[i]);
	ck_assert(page_in_ranges("", 7));
	ck_assert(page_in_ranges("2-3,5-5", 3));
	ck_assert(page_in_ranges("2-3,5-5", 5));
	ck_assert(!page_in_ranges("2-3,5-5", 4));
	ck_assert(!page_in_ranges("2-3,5-5", 1));
	ck_assert(number_up_valid(0) && number_up_valid(4) &&
	    number_up_valid(16));
	ck_assert(!number_up_valid(3) && !number_up_valid(32));

	/* overrides: "RANGES[:m=MEDIA][:o=3|4]" joined by ';'. */
	struct page_override ov[OVERRIDES_MAX];
	ck_assert_int_eq(overrides_parse("", ov, OVERRIDES_MAX), 0);
	ck_assert_int_eq(overrides_parse("2-2:m=na_letter_8.5x11in;3-4:o=4",
			     ov, OVERRIDES_MAX), 2);
	ck_assert_str_eq(ov[0].ranges, "2-2");
	ck_assert_str_eq(ov[0].media, "na_letter_8.5x11in");
	ck_assert_uint_eq(ov[0].orientation, 0);
	ck_assert_str_eq(ov[1].ranges, "3-4");
	ck_assert_uint_eq(ov[1].orientation, 4);
	ck_assert_int_eq(overrides_parse("1-1:o=5", ov, OVERRIDES_MAX), -1);
	ck_assert_int_eq(overrides_parse("1-1:o=4:o=3", ov, OVERRIDES_MAX), -1);
	ck_assert_int_eq(overrides_parse("1-1:m=a3", ov, OVERRIDES_MAX), -1);
	ck_assert_int_eq(overrides_parse(":o=4", ov, OVERRIDES_MAX), -1);
	ck_assert_int_eq(overrides_parse("1-1;", ov, OVERRIDES_MAX), -1);
	ck_assert_int_eq(overrides_parse("1-1;2-2;3-3", ov, 2), -1);

	chan_env_init(&e);
	e.body_case = SB__ENVELOPE__BODY_SUBMIT_REQ;
	e.submit_req = &r;
	r.queue = "q";
	r.copies = 1;
	r.datatype = SB__DATA_TYPE__PDF;
	r.overrides = "1-1:o=7";
	ck_assert_int_eq(chan_validate(&e, err, sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, "overrides"));
	r.overrides = "1-1:o=4";
	r.page_ranges = "1-2,4-4";
	r.number_up = 2;
	ck_assert_int_eq(chan_validate(&e, err, sizeof(err)), 0);
	r.page_ranges = "4-4,1-2";
	ck_assert_int_eq(chan_validate(&e, err, sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, "page_ranges"));
	r.page_ranges = "";
	r.number_up = 3;
	ck_assert_int_eq(chan_validate(&e, err, sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, "number_up"));
}
END_TEST

START_TEST(test_unknown_oneof_and_version)
{
	/* version, id=1, then field 99 (varint 5): no known body. */
	static const uint8_t unknown[] = { 0x08, SB_PROTOCOL_VERSION, 0x10, 0x01, 0x98, 0x06,
		0x05 };
	Sb__QueuesReq q = SB__QUEUES_REQ__INIT;
	char err[256];
	nng_msg *m;
	sb_env e;

	ck_assert_int_eq(nng_msg_alloc(&m, sizeof(unknown)), 0);
	memcpy(nng_msg_body(m), unknown, sizeof(unknown));
	ck_assert_ptr_null(chan_decode(m, err, sizeof(err)));
	ck_assert_ptr_nonnull(strstr(err, "no known message body"));
	nng_msg_free(m);

	chan_env_init(&e);
	e.version = 9;
	e.body_case = SB__ENVELOPE__BODY_QUEUES_REQ;
	e.queues_req = &q;
	ck_assert_int_eq(chan_validate(&e, err, sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, "protocol version 9"));
}
END_TEST

START_TEST(test_garbage_does_not_decode)
{
	static const uint8_t garbage[] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
		0xff, 0xff, 0xff, 0xff, 0xff };
	char err[256];
	nng_msg *m;

	ck_assert_int_eq(nng_msg_alloc(&m, sizeof(garbage)), 0);
	memcpy(nng_msg_body(m), garbage, sizeof(garbage));
	ck_assert_ptr_null(chan_decode(m, err, sizeof(err)));
	ck_assert_ptr_nonnull(strstr(err, "does not decode"));
	nng_msg_free(m);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("chan");
	TCase *tc = tcase_create("envelope");

	tcase_add_test(tc, test_submit_roundtrip);
	tcase_add_test(tc, test_oversized_rejected_before_decode);
	tcase_add_test(tc, test_oversized_chunk_not_encoded);
	tcase_add_test(tc, test_chunk_over_limit_invalid);
	tcase_add_test(tc, test_missing_fields);
	tcase_add_test(tc, test_page_ranges);
	tcase_add_test(tc, test_unknown_oneof_and_version);
	tcase_add_test(tc, test_garbage_does_not_decode);
	suite_add_tcase(s, tc);
	return run_suite(s, 0);
}
