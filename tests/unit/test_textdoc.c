/* textdoc: text to PDF and PostScript with real fonts, checked by real
 * tools: qpdf --check accepts the PDF, pdfinfo and the DSC count the pages
 * textdoc said, pdftotext (and Ghostscript's txtwrite, for PostScript)
 * give back Latin, Greek, Cyrillic and CJK text as it went in, also when
 * the input arrives a byte at a time; cpi, lpi, columns and margins move
 * the lines and pages as they say. */
#include <check.h>

#include "runner.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "textdoc.h"

static char dir[64], pdf[128], ps[128];

static void
setup(void)
{
	tmpdir_new(dir, sizeof(dir), "sbtextdoc");
	snprintf(pdf, sizeof(pdf), "%s/out.pdf", dir);
	snprintf(ps, sizeof(ps), "%s/out.ps", dir);
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

/* Convert text (fed in pieces of step bytes) into pdf, or ps when o says
 * so; its page count. */
static unsigned
convert_opts(const char *text, size_t step, const char *paper,
    const struct textdoc_opts *o)
{
	FILE *f = fopen(o != NULL && o->ps ? ps : pdf, "w");
	struct textdoc *t;
	unsigned pages;
	size_t n = strlen(text);

	ck_assert_ptr_nonnull(f);
	/* "a4 landscape": across A4. */
	t = strcmp(paper, "a4 landscape") == 0
	    ? textdoc_new("a4", 1, "a title", o, to_file, f)
	    : textdoc_new(paper, 0, "a title", o, to_file, f);
	ck_assert_ptr_nonnull(t);
	for (size_t i = 0; i < n; i += step)
		textdoc_feed(t, (const uint8_t *)text + i,
		    n - i < step ? n - i : step);
	ck_assert_int_eq(textdoc_finish(t), 0);
	pages = textdoc_pages(t);
	textdoc_free(t);
	fclose(f);
	return pages;
}

static unsigned
convert(const char *text, size_t step, const char *paper)
{
	return convert_opts(text, step, paper, NULL);
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

/* Every line of unicode is in out, which tool read back. */
static void
lines_in(const char *out, const char *tool, size_t step)
{
	for (const char *l = unicode; *l;) {
		const char *e = strchr(l, '\n');
		char line[256];
		snprintf(line, sizeof(line), "%.*s", (int)(e - l), l);
		ck_assert_msg(strstr(out, line) != NULL,
		    "'%s' not in %s's '%s' (step %zu)", line, tool, out, step);
		l = e + 1;
	}
}

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
		lines_in(out, "pdftotext", step);
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
	struct textdoc *t = textdoc_new("a4", 0, NULL, NULL, refuse, NULL);

	ck_assert_ptr_nonnull(t);
	textdoc_feed(t, (const uint8_t *)"x\n", 2);
	ck_assert_int_eq(textdoc_finish(t), -1);
	ck_assert_str_eq(textdoc_error(t), "its output was not taken");
	textdoc_free(t);
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
	ck_assert_ptr_null(textdoc_new("tabloid", 0, NULL, NULL, to_file, NULL));
}
END_TEST

/* The same text as PostScript: a DSC document Ghostscript reads to its
 * last page, its pages counted in %%Pages, its text given back by
 * Ghostscript's txtwrite (every script: no '?' for what is not Latin-1),
 * and its title a DSC comment. */
START_TEST(test_postscript)
{
	struct textdoc_opts o = { .ps = 1 };
	char cmd[512], out[4096], *text;
	size_t n = 0;

	for (size_t step = 1; step <= 4096; step *= 4096) {
		ck_assert_uint_eq(convert_opts(unicode, step, "a4", &o), 1);
		snprintf(cmd, sizeof(cmd), "gs -q -dNOPAUSE -dBATCH -dSAFER "
		    "-sDEVICE=txtwrite -sOutputFile=- %s 2>&1", ps);
		run(cmd, out, sizeof(out));
		lines_in(out, "txtwrite", step);
	}
	snprintf(cmd, sizeof(cmd), "grep -a -c -x '%%%%Title: a title' %s", ps);
	ck_assert_str_eq(run(cmd, out, sizeof(out)), "1");
	text = calloc(1, 200 * 16 + 16);
	for (int i = 1; i <= 200; i++)
		n += (size_t)sprintf(text + n, "line %d\n", i);
	strcat(text, "\fafter a form feed\n");
	ck_assert_uint_eq(convert_opts(text, 1000, "letter", &o), 5);
	snprintf(cmd, sizeof(cmd), "grep -a -x '%%%%Pages: [0-9]*' %s", ps);
	ck_assert_str_eq(run(cmd, out, sizeof(out)), "%%Pages: 5");
	snprintf(cmd, sizeof(cmd), "gs -q -dNOPAUSE -dBATCH -dSAFER "
	    "-sDEVICE=bbox %s 2>&1 | grep -c '^%%%%BoundingBox'", ps);
	ck_assert_str_eq(run(cmd, out, sizeof(out)), "5");
	free(text);
}
END_TEST

/* n lines "line 1".."line n", in a new buffer. */
static char *
lines(int count, int width)
{
	char *text = calloc((size_t)count, (size_t)width + 16);
	size_t n = 0;

	for (int i = 1; i <= count; i++)
		n += (size_t)sprintf(text + n, "line %-*d|\n", width, i);
	return text;
}

/* cpi, lpi, columns and margins, as CUPS' texttopdf takes them. */
START_TEST(test_layout_options)
{
	char cmd[256], out[4096], *text = lines(200, 1);
	char *wide = lines(1, 140); /* 146 characters */

	/* 6 lpi: 66 lines an A4 page; 12 lpi: 128; 2 columns: 132. */
	ck_assert_uint_eq(convert(text, 4096, "a4"), 4);
	ck_assert_uint_eq(convert_opts(text, 4096, "a4",
			      &(struct textdoc_opts){ .lpi = 12 }), 2);
	ck_assert_uint_eq(convert_opts(text, 4096, "a4",
			      &(struct textdoc_opts){ .columns = 2 }), 2);
	/* 300-point margins top and bottom leave 20 lines. */
	ck_assert_uint_eq(convert_opts(text, 4096, "a4",
			      &(struct textdoc_opts){ .top = 300, .bottom = 300 }),
	    10);
	/* 146 characters: two lines at 10 cpi, one at 20 (160 a line). */
	ck_assert_uint_eq(convert_opts(wide, 4096, "a4",
			      &(struct textdoc_opts){ .cpi = 20 }), 1);
	snprintf(cmd, sizeof(cmd), "pdftotext -layout %s - | grep -c '|'", pdf);
	ck_assert_str_eq(run(cmd, out, sizeof(out)), "1");
	snprintf(cmd, sizeof(cmd), "pdftotext -layout %s - | grep -c '[a-z0-9|]'", pdf);
	ck_assert_str_eq(run(cmd, out, sizeof(out)), "1");
	ck_assert_uint_eq(convert(wide, 4096, "a4"), 1);
	ck_assert_str_eq(run(cmd, out, sizeof(out)), "2");
	/* Margins wider than the paper, or no line between them: refused. */
	ck_assert_ptr_null(textdoc_new("a4", 0, NULL,
	    &(struct textdoc_opts){ .left = 300, .right = 300 }, to_file, NULL));
	ck_assert_ptr_null(textdoc_new("a4", 0, NULL,
	    &(struct textdoc_opts){ .top = 420, .bottom = 420 }, to_file, NULL));
	free(text);
	free(wide);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("textdoc");
	TCase *tc = tcase_create("textdoc");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_unicode_round_trip);
	tcase_add_test(tc, test_pages_and_form_feed);
	tcase_add_test(tc, test_latin1_and_wrap);
	tcase_add_test(tc, test_output_refused);
	tcase_add_test(tc, test_postscript);
	tcase_add_test(tc, test_layout_options);
	tcase_set_timeout(tc, 60);
	suite_add_tcase(s, tc);
	return run_suite(s, 0);
}
