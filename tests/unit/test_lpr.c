/* lpr: RFC 1179 control file and file names. */
#include <check.h>

#include "runner.h"
#include <string.h>

#include "lpr.h"

START_TEST(test_control_file_exact)
{
	struct lpr_job j = { .host = "vm", .user = "alice", .title = "report",
		.filename = "report.ps", .jobno = 7, .copies = 2,
		.format = 'o' };
	char buf[512];
	int n = lpr_control_file(&j, buf, sizeof(buf));

	ck_assert_int_eq(n, (int)strlen(buf));
	ck_assert_str_eq(buf, "Hvm\nPalice\nJreport\nodfA007vm\nodfA007vm\n"
			      "UdfA007vm\nNreport.ps\n");
}
END_TEST

START_TEST(test_names_and_sanitising)
{
	struct lpr_job j = { .host = "my host!.example", .user = "bob\nHevil",
		.title = "a\nb", .filename = "", .jobno = 1234, .copies = 1,
		.format = 'l' };
	char buf[512], name[64];

	lpr_file_name(&j, 'c', name, sizeof(name));
	ck_assert_str_eq(name, "cfA234myhost.example");
	ck_assert_int_gt(lpr_control_file(&j, buf, sizeof(buf)), 0);
	/* No field may smuggle in a second line. */
	ck_assert_ptr_null(strstr(buf, "\nHevil"));
	ck_assert_ptr_nonnull(strstr(buf, "Pbob_Hevil\n"));
	ck_assert_ptr_nonnull(strstr(buf, "Ja_b\n"));
	ck_assert_ptr_nonnull(strstr(buf, "ldfA234myhost.example\n"));
	ck_assert_ptr_nonnull(strstr(buf, "Na_b\n")); /* title as name */
}
END_TEST

START_TEST(test_long_user_truncated_and_small_buffer)
{
	struct lpr_job j = { .host = "h", .user =
		"averyveryveryveryverylongusernamethatgoesonandon",
		.title = "", .filename = "f", .jobno = 1, .copies = 999,
		.format = 'l' };
	char small[64], big[32768];

	ck_assert_int_eq(lpr_control_file(&j, small, sizeof(small)), -1);
	ck_assert_int_gt(lpr_control_file(&j, big, sizeof(big)), 0);
	/* RFC 1179: P is at most 31 characters. */
	ck_assert_ptr_nonnull(strstr(big, "Paveryveryveryveryverylonguserna\n"));
	ck_assert_ptr_null(strstr(big, "\nJ"));
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("lpr");
	TCase *tc = tcase_create("control");

	tcase_add_test(tc, test_control_file_exact);
	tcase_add_test(tc, test_names_and_sanitising);
	tcase_add_test(tc, test_long_user_truncated_and_small_buffer);
	suite_add_tcase(s, tc);
	return run_suite(s, 0);
}
