/* log: every line is escaped by one rule (text_safe, shared with the
 * CLI's listings): a printer's or a client's text with newlines, terminal
 * escapes, C1 controls or invalid UTF-8 cannot forge a second log line or
 * reach a terminal raw; valid UTF-8 stays as it is. */
#include <check.h>

#include "runner.h"
#include <string.h>
#include <unistd.h>

#include "log.h"

START_TEST(test_safe)
{
	char buf[256];

	ck_assert_str_eq(text_safe("caf\xc3\xa9 \xe2\x82\xac", 0, buf,
			     sizeof(buf)), "caf\xc3\xa9 \xe2\x82\xac");
	ck_assert_str_eq(text_safe("a\nb\tc\r", 0, buf, sizeof(buf)),
	    "a\\nb\\tc\\x0d");
	ck_assert_str_eq(text_safe("\x1b[2J\x7f", 0, buf, sizeof(buf)),
	    "\\x1b[2J\\x7f");
	ck_assert_str_eq(text_safe("\xc2\x9b" "1m", 0, buf, sizeof(buf)),
	    "\\xc2" "1m"); /* C1 CSI */
	ck_assert_str_eq(text_safe("\xff\xc3(", 0, buf, sizeof(buf)),
	    "\\xff\\xc3(");
	ck_assert_str_eq(text_safe("abcdef", 3, buf, sizeof(buf)), "abc");
}
END_TEST

/* What a log line with outside text writes to stderr. */
static void
logged(const char *outside, char *out, size_t len)
{
	int p[2], saved = dup(2);
	ssize_t n;

	ck_assert_int_eq(pipe(p), 0);
	dup2(p[1], 2);
	log_warn("the printer says: %s", outside);
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	close(p[1]);
	n = read(p[0], out, len - 1);
	close(p[0]);
	ck_assert_int_gt(n, 0);
	out[n] = '\0';
}

START_TEST(test_line)
{
	char out[1024];

	log_init("test");
	logged("pdf\ntest[1]: error: forged\x1b]0;title\x07", out, sizeof(out));
	/* One line, ending in its own newline, the rest escaped. */
	ck_assert_ptr_eq(strchr(out, '\n'), out + strlen(out) - 1);
	ck_assert_ptr_nonnull(strstr(out, "the printer says: pdf\\ntest[1]: "
					  "error: forged\\x1b]0;title\\x07"));
	ck_assert_ptr_null(strchr(out, '\x1b'));
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("log");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_safe);
	tcase_add_test(tc, test_line);
	suite_add_tcase(s, tc);
	return run_suite(s, 0);
}
