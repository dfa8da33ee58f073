/* textpdf: text to PDF with real fonts, checked by real tools: qpdf
 * --check accepts the file, pdfinfo counts the pages textpdf said, and
 * pdftotext gives back Latin, Greek, Cyrillic and CJK text as it went in,
 * also when the input arrives a byte at a time. */
#include <check.h>

#include "runner.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "textpdf.h"

static char dir[64], pdf[128];

static void
setup(void)
{
	tmpdir_new(dir, sizeof(dir), "sbtextpdf");
	snprintf(pdf, sizeof(pdf), "%s/out.pdf", dir);
}

static void
teardown(void)
{
	tmpdir_remove(dir);
}

static int
to_file(void *arg, const unsigned char *buf, size_t len)
{
	return fwrite(buf, 1, len, arg) == len ? 0 : -1;
}

/* Convert text (fed in pieces of step bytes) into pdf; its page count. */
static unsigned
convert(const char *text, size_t step, const char *paper)
{
	FILE *f = fopen(pdf, "w");
	struct textpdf *t;
	unsigned pages;
	size_t n = strlen(text);

	ck_assert_ptr_nonnull(f);
	/* "a4 landscape": across A4. */
	t = strcmp(paper, "a4 landscape") == 0
	    ? textpdf_new("a4", 1, "a title", to_file, f)
	    : textpdf_new(paper, 0, "a title", to_file, f);
	ck_assert_ptr_nonnull(t);
	for (size_t i = 0; i < n; i += step)
		textpdf_feed(t, (const uint8_t *)text + i,
		    n - i < step ? n - i : step);
	ck_assert_int_eq(textpdf_finish(t), 0);
	pages = textpdf_pages(t);
	textpdf_free(t);
	fclose(f);
	return pages;
}

/* The output of a shell command, trimmed, into buf. */
static const char *
run(const char *cmd, char *buf, size_t len)
{
	FILE *p = popen(cmd, "r");
	size_t n;

	ck_assert_ptr_nonnull(p);
	n = fread(buf, 1, len - 1, p);
	buf[n] = '\0';
	pclose(p);
	while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == '\f' ||
			    buf[n - 1] == ' '))
		buf[--n] = '\0';
	return buf;
}

static const char unicode[] = "Hello, world\n"
			      "Καλημέρα κόσμε\n"
			      "Здравствуй, мир\n"
			      "你好，世界\n";

START_TEST(test_unicode_round_trip)
{
	char cmd[256], out[4096];

	for (size_t step = 1; step <= 4096; step *= 4096) {
		ck_assert_uint_eq(convert(unicode, step, "a4"), 1);
		snprintf(cmd, sizeof(cmd), "qpdf --check %s >/dev/null 2>&1 && "
		    "echo ok", pdf);
		ck_assert_str_eq(run(cmd, out, sizeof(out)), "ok");
		snprintf(cmd, sizeof(cmd), "pdftotext -layout %s -", pdf);
		run(cmd, out, sizeof(out));
		for (const char *l = unicode; *l;) {
			const char *e = strchr(l, '\n');
			char line[256];
			snprintf(line, sizeof(line), "%.*s", (int)(e - l), l);
			ck_assert_msg(strstr(out, line) != NULL,
			    "'%s' not in pdftotext's '%s' (step %zu)", line,
			    out, step);
			l = e + 1;
		}
	}
}
END_TEST

START_TEST(test_pages_and_form_feed)
{
	char cmd[256], out[256], *text;
	size_t n = 0;

	/* 200 lines: 66 fit an A4 page (12pt steps, half-inch margins). */
	text = calloc(1, 200 * 16 + 16);
	for (int i = 1; i <= 200; i++)
		n += (size_t)sprintf(text + n, "line %d\n", i);
	strcat(text, "\fafter a form feed\n");
	ck_assert_uint_eq(convert(text, 1000, "a4"), 5);
	snprintf(cmd, sizeof(cmd), "pdfinfo %s | awk '/^Pages:/ { print $2 }'",
	    pdf);
	ck_assert_str_eq(run(cmd, out, sizeof(out)), "5");
	snprintf(cmd, sizeof(cmd), "pdfinfo %s | awk '/^Page size:/ { print $3 \"x\" $5 }'",
	    pdf);
	ck_assert_str_eq(run(cmd, out, sizeof(out)), "595.28x841.89");
	ck_assert_uint_eq(convert("x", 1, "letter"), 1);
	ck_assert_str_eq(run(cmd, out, sizeof(out)), "612x792");
	ck_assert_uint_eq(convert("x", 1, "a4 landscape"), 1);
	ck_assert_str_eq(run(cmd, out, sizeof(out)), "841.89x595.28");
	free(text);
}
END_TEST

static int
refuse(void *arg, const unsigned char *buf, size_t len)
{
	(void)arg;
	(void)buf;
	(void)len;
	return -1;
}

/* An output that is not taken fails the document, and says so. */
START_TEST(test_output_refused)
{
	struct textpdf *t = textpdf_new("a4", 0, NULL, refuse, NULL);

	ck_assert_ptr_nonnull(t);
	textpdf_feed(t, (const uint8_t *)"x\n", 2);
	ck_assert_int_eq(textpdf_finish(t), -1);
	ck_assert_str_eq(textpdf_error(t), "its output was not taken");
	textpdf_free(t);
}
END_TEST

START_TEST(test_latin1_and_wrap)
{
	char cmd[256], out[4096];
	char text[600] = "caf\xe9 na\xefve\n"; /* Latin-1, not UTF-8 */

	memset(text + strlen(text), 'w', 300); /* wraps, not cut */
	ck_assert_uint_eq(convert(text, 7, "a4"), 1);
	snprintf(cmd, sizeof(cmd), "pdftotext %s - | tr -d '\\n'", pdf);
	run(cmd, out, sizeof(out));
	ck_assert_msg(strstr(out, "café naïve") != NULL, "%s", out);
	ck_assert_uint_eq(strspn(strstr(out, "w"), "w"), 300);
	ck_assert_ptr_null(textpdf_new("tabloid", 0, NULL, to_file, NULL));
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("textpdf");
	TCase *tc = tcase_create("textpdf");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_unicode_round_trip);
	tcase_add_test(tc, test_pages_and_form_feed);
	tcase_add_test(tc, test_latin1_and_wrap);
	tcase_add_test(tc, test_output_refused);
	tcase_set_timeout(tc, 60);
	suite_add_tcase(s, tc);
	return run_suite(s, 0);
}
