/* lpdproto: RFC 1179 commands, receive-job subcommands and control files
 * as real clients send them (LPRng's lpr, CUPS' lpd backend), and the
 * malformed, oversized and hostile ones refused with their reason. */
#include <check.h>

#include "runner.h"
#include <stdio.h>
#include <string.h>

#include "lpdproto.h"

/* A literal and its length without the terminating NUL. */
#define S(lit) lit, sizeof(lit) - 1

static char err[256];

START_TEST(test_commands)
{
	struct lpd_command c;

	ck_assert_int_eq(lpd_parse_command(S("\002office"), &c, err,
			     sizeof(err)), 0);
	ck_assert_int_eq(c.op, LPD_RECEIVE);
	ck_assert_str_eq(c.queue, "office");
	ck_assert_int_eq(lpd_parse_command(S("\004lp alice 12 13"), &c, err,
			     sizeof(err)), 0);
	ck_assert_int_eq(c.op, LPD_QUEUE_LONG);
	ck_assert_uint_eq(c.nargs, 3);
	ck_assert_str_eq(c.args[2], "13");
	ck_assert_int_eq(lpd_parse_command(S("\005lp root 7"), &c, err,
			     sizeof(err)), 0);
	ck_assert_str_eq(c.agent, "root");
	ck_assert_str_eq(c.args[0], "7");
	ck_assert_int_eq(lpd_parse_command(S("\003lp  "), &c, err,
			     sizeof(err)), 0); /* trailing blanks */
}
END_TEST

START_TEST(test_bad_commands)
{
	static const struct {
		const char *line;
		size_t len;
		const char *why;
	} bad[] = {
		{ S(""), "empty command" },
		{ S("\011lp"), "unknown command 0x09" },
		{ S("\002"), "bad queue name" },
		{ S("\002../etc"), "bad queue name" },
		{ S("\002-x"), "bad queue name" },
		{ S("\002lp extra"), "unexpected operand 'extra'" },
		{ S("\005lp"), "remove-jobs without an agent" },
		{ S("\002lp\033[31m"), "control character in a command" },
		{ S("\003lp 0123456789012345678901234567890123456789"),
		    "an operand longer than 32 bytes" },
	};
	struct lpd_command c;
	char line[2048];

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		ck_assert_int_eq(lpd_parse_command(bad[i].line, bad[i].len, &c,
				     err, sizeof(err)), -1);
		ck_assert_str_eq(err, bad[i].why);
	}
	memset(line, 'a', sizeof(line));
	line[0] = '\002';
	ck_assert_int_eq(lpd_parse_command(line, sizeof(line), &c, err,
			     sizeof(err)), -1);
	ck_assert_str_eq(err, "command longer than 1024 bytes");
	/* 33 operands */
	snprintf(line, sizeof(line), "\003lp");
	for (int i = 0; i < 33; i++)
		strcat(line, " 1");
	ck_assert_int_eq(lpd_parse_command(line, strlen(line), &c, err,
			     sizeof(err)), -1);
	ck_assert_str_eq(err, "more than 32 operands");
}
END_TEST

START_TEST(test_subcommands)
{
	struct lpd_subcommand s;

	ck_assert_int_eq(lpd_parse_subcommand(S("\002123 cfA001client"),
			     65536, &s, err, sizeof(err)), 0);
	ck_assert_int_eq(s.op, LPD_SUB_CONTROL);
	ck_assert_uint_eq(s.count, 123);
	ck_assert_str_eq(s.name, "cfA001client");
	ck_assert_int_eq(lpd_parse_subcommand(S("\0030 dfA001client"), 10, &s,
			     err, sizeof(err)), 0);
	ck_assert_uint_eq(s.count, 0);
	ck_assert_int_eq(lpd_parse_subcommand(S("\001"), 10, &s, err,
			     sizeof(err)), 0);
	ck_assert_int_eq(s.op, LPD_SUB_ABORT);

	ck_assert_int_eq(lpd_parse_subcommand(S("\00311 dfA001h"), 10, &s, err,
			     sizeof(err)), -1);
	ck_assert_str_eq(err, "data file of 11 bytes is larger than 10");
	ck_assert_int_eq(lpd_parse_subcommand(
			     S("\003999999999999999999999 dfA"), UINT64_MAX, &s,
			     err, sizeof(err)), -1);
	ck_assert_str_eq(err, "count out of range");
	ck_assert_int_eq(lpd_parse_subcommand(S("\003 dfA"), 10, &s, err,
			     sizeof(err)), -1);
	ck_assert_str_eq(err, "expected COUNT SP NAME");
	ck_assert_int_eq(lpd_parse_subcommand(S("\0031 df/../x"), 10, &s, err,
			     sizeof(err)), -1);
	ck_assert_str_eq(err, "bad file name");
	ck_assert_int_eq(lpd_parse_subcommand(S("\0021 dfA001h"), 10, &s, err,
			     sizeof(err)), -1);
	ck_assert_str_eq(err, "a control file's name starts with cf");
	/* Found by fuzzing: a one-byte name was read past its end. */
	ck_assert_int_eq(lpd_parse_subcommand(S("\0021 c"), 10, &s, err,
			     sizeof(err)), -1);
	ck_assert_str_eq(err, "a control file's name starts with cf");
	ck_assert_int_eq(lpd_parse_subcommand(S("\001x"), 10, &s, err,
			     sizeof(err)), -1);
	ck_assert_int_eq(lpd_parse_subcommand(S("\0041 dfA"), 10, &s, err,
			     sizeof(err)), -1);
	ck_assert_str_eq(err, "unknown subcommand 0x04");
}
END_TEST

/* What LPRng's lpr sends (its extension lines included), and CUPS' lpd
 * backend with 3 copies. */
START_TEST(test_control_files)
{
	static const char lprng[] = "Hclient\nPalice\nJreport.txt\nCA\n"
	    "Lalice\nA alice@client+123\nD2026-11-25-10:00:00.000\n"
	    "Qoffice\nfdfA123client\nNreport.txt\nUdfA123client\n";
	static const char cups[] = "Hhost\r\nPbob\r\nJslides\r\n"
	    "ldfA001host\r\nldfA001host\r\nldfA001host\r\nodfB001host\r\n";
	struct lpd_control c;

	ck_assert_int_eq(lpd_parse_control(lprng, sizeof(lprng) - 1, &c, err,
			     sizeof(err)), 0);
	ck_assert_str_eq(c.user, "alice");
	ck_assert_str_eq(c.host, "client");
	ck_assert_str_eq(c.job_name, "report.txt");
	ck_assert_str_eq(c.source, "report.txt");
	ck_assert_uint_eq(c.nfiles, 1);
	ck_assert_str_eq(c.files[0].name, "dfA123client");
	ck_assert_int_eq(c.files[0].kind, LPD_KIND_TEXT);
	ck_assert_uint_eq(c.files[0].copies, 1);

	ck_assert_int_eq(lpd_parse_control(cups, sizeof(cups) - 1, &c, err,
			     sizeof(err)), 0);
	ck_assert_str_eq(c.user, "bob");
	ck_assert_uint_eq(c.nfiles, 2);
	ck_assert_uint_eq(c.files[0].copies, 3);
	ck_assert_int_eq(c.files[0].kind, LPD_KIND_RAW);
	ck_assert_int_eq(c.files[1].kind, LPD_KIND_POSTSCRIPT);
}
END_TEST

START_TEST(test_bad_control_files)
{
	static const struct {
		const char *buf;
		size_t len;
		const char *why;
	} bad[] = {
		{ S("Hh\nldfA1h\n"), "control file without a P (user) line" },
		{ S("Hh\nPalice\n"), "control file prints no data file" },
		{ S("Palice\nl../../etc/passwd\n"),
		    "print line 'l' names a bad data file" },
		{ S("Palice\nlcfA001h\n"), "print line 'l' names a bad data file" },
		{ S("P\nldfA1h\n"), "bad 'P' line in the control file" },
		{ S("Pa\033[2Jb\nldfA1h\n"), "bad 'P' line in the control file" },
		{ S("Palice\nH0123456789012345678901234567890123\nldfA1h\n"),
		    "bad 'H' line in the control file" },
		{ S("Palice\nldfA1h\0x\n"), "NUL in the control file" },
	};
	struct lpd_control c;
	static char big[LPD_CONTROL_MAX + 2];

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		ck_assert_int_eq(lpd_parse_control(bad[i].buf, bad[i].len, &c,
				     err, sizeof(err)), -1);
		ck_assert_msg(strcmp(err, bad[i].why) == 0, "%zu: %s", i, err);
	}
	memset(big, 'X', sizeof(big));
	ck_assert_int_eq(lpd_parse_control(big, sizeof(big), &c, err,
			     sizeof(err)), -1);
	ck_assert_str_eq(err, "control file longer than 65536 bytes");
	/* One line of 2000 bytes. */
	memcpy(big, "Palice\nJ", 8);
	memset(big + 8, 'x', 2000);
	ck_assert_int_eq(lpd_parse_control(big, 2008, &c, err, sizeof(err)),
	    -1);
	ck_assert_str_eq(err, "control line longer than 1024 bytes");
	/* 1000 print lines for one file: more copies than allowed. */
	size_t n = (size_t)snprintf(big, sizeof(big), "Palice\n");
	for (int i = 0; i < 1000; i++)
		n += (size_t)snprintf(big + n, sizeof(big) - n, "ldfA1h\n");
	ck_assert_int_eq(lpd_parse_control(big, n, &c, err, sizeof(err)), -1);
	ck_assert_str_eq(err, "more than 999 copies");
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("lpdproto");
	TCase *tc = tcase_create("parse");

	tcase_add_test(tc, test_commands);
	tcase_add_test(tc, test_bad_commands);
	tcase_add_test(tc, test_subcommands);
	tcase_add_test(tc, test_control_files);
	tcase_add_test(tc, test_bad_control_files);
	suite_add_tcase(s, tc);
	return run_suite(s, 0);
}
