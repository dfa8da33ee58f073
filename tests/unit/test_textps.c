/* textps: text -> PostScript pagination, checked by ghostscript. */
#include <check.h>

#include "runner.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "textps.h"

struct sink {
	char *buf;
	size_t len;
	unsigned unmapped;      /* textps_unmapped() at the end */
};

static void
sink_cb(void *arg, const char *p, size_t n)
{
	struct sink *s = arg;

	s->buf = realloc(s->buf, s->len + n + 1);
	ck_assert_ptr_nonnull(s->buf);
	memcpy(s->buf + s->len, p, n);
	s->len += n;
	s->buf[s->len] = '\0';
}

/* Convert text; piece > 0 feeds it in pieces of that size. */
static struct sink
convert(const char *paper, const char *text, size_t len, size_t piece,
    unsigned *pages)
{
	struct sink s = { 0 };
	struct textps *t = textps_new(paper, 0, "test", sink_cb, &s);

	ck_assert_ptr_nonnull(t);
	if (piece == 0)
		piece = len ? len : 1;
	for (size_t off = 0; off < len; off += piece)
		textps_feed(t, (const uint8_t *)text + off,
		    len - off < piece ? len - off : piece);
	textps_finish(t);
	*pages = textps_pages(t);
	s.unmapped = textps_unmapped(t);
	textps_free(t);
	return s;
}

/* Pages ghostscript renders: one %%BoundingBox line per page. */
static int
gs_pages(const struct sink *s)
{
	char path[64], cmd[256], line[256];
	int n = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/tmp/textps.%d.ps", (int)getpid());
	f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	fwrite(s->buf, 1, s->len, f);
	fclose(f);
	snprintf(cmd, sizeof(cmd),
	    "gs -q -dSAFER -dNOPAUSE -dBATCH -sDEVICE=bbox %s 2>&1", path);
	f = popen(cmd, "r");
	ck_assert_ptr_nonnull(f);
	while (fgets(line, sizeof(line), f) != NULL) {
		if (strncmp(line, "%%BoundingBox:", 14) == 0)
			n++;
		else if (strncmp(line, "%%HiResBoundingBox:", 19) != 0)
			n = -1000; /* any other output is an error */
	}
	ck_assert_int_eq(pclose(f), 0);
	unlink(path);
	return n;
}

static char *
lines(int n, int width)
{
	char *s = malloc((size_t)n * (size_t)(width + 1) + 1), *p = s;

	for (int i = 0; i < n; i++) {
		for (int c = 0; c < width; c++)
			*p++ = (char)('a' + (i + c) % 26);
		*p++ = '\n';
	}
	*p = '\0';
	return s;
}

static void
check_pages(const char *paper, const char *text, unsigned want)
{
	unsigned pages;
	struct sink s = convert(paper, text, strlen(text), 0, &pages);
	char trailer[64];

	ck_assert_uint_eq(pages, want);
	snprintf(trailer, sizeof(trailer), "%%%%Trailer\n%%%%Pages: %u\n",
	    want);
	ck_assert_ptr_nonnull(strstr(s.buf, trailer));
	ck_assert_int_eq(gs_pages(&s), (int)want);
	free(s.buf);
}

START_TEST(test_geometry)
{
	struct sink s = { 0 };
	struct textps *a4 = textps_new("a4", 0, "", sink_cb, &s);
	struct textps *lt = textps_new("Letter", 0, "", sink_cb, &s);
	struct textps *la = textps_new("a4", 1, "", sink_cb, &s);

	ck_assert_uint_eq(textps_lines_per_page(a4), 64);
	ck_assert_uint_eq(textps_columns(a4), 80);
	ck_assert_uint_eq(textps_lines_per_page(lt), 60);
	ck_assert_uint_eq(textps_columns(lt), 80);
	/* Landscape: across A4, fewer lines of more columns. */
	ck_assert_uint_eq(textps_lines_per_page(la), 43);
	ck_assert_uint_eq(textps_columns(la), 111);
	ck_assert_ptr_null(textps_new("b5", 0, "", sink_cb, &s));
	textps_free(la);
	textps_free(a4);
	textps_free(lt);
}
END_TEST

START_TEST(test_line_pagination)
{
	char *t;

	t = lines(64, 10);
	check_pages("a4", t, 1);
	free(t);
	t = lines(65, 10);
	check_pages("a4", t, 2);
	free(t);
	t = lines(200, 40);
	check_pages("a4", t, 4); /* 64 + 64 + 64 + 8 */
	free(t);
	t = lines(61, 10);
	check_pages("letter", t, 2);
	free(t);
}
END_TEST

START_TEST(test_wrap)
{
	/* 64 lines of 3 * 80 columns wrap into 192 lines: 3 pages. */
	char *t = lines(64, 3 * 80);

	check_pages("a4", t, 3);
	free(t);
}
END_TEST

START_TEST(test_form_feeds_and_tabs)
{
	check_pages("a4", "one\fpage two\fpage three\n", 3);
	/* A form feed that ends a page does not add an empty one. */
	check_pages("a4", "only page\f", 1);
	check_pages("a4", "", 0);
	/* Tab to column 8 then text: 8 + 80 columns = one wrapped line. */
	unsigned pages;
	char line[100];
	memset(line, 'x', 80);
	line[0] = '\t';
	line[80] = '\0';
	struct sink s = convert("a4", line, strlen(line), 0, &pages);
	ck_assert_ptr_nonnull(strstr(s.buf, "(        xxxx"));
	ck_assert_int_eq(gs_pages(&s), 1);
	free(s.buf);
}
END_TEST

START_TEST(test_escapes_and_binary)
{
	static const char text[] = "paren ( ) back \\ latin1 \xe9\xe8 ctl \x01"
				   "\x1b end\r\n";
	unsigned pages;
	struct sink s = convert("a4", text, sizeof(text) - 1, 0, &pages);

	ck_assert_ptr_nonnull(strstr(s.buf, "(paren \\( \\) back \\\\ latin1 "
					    "\\351\\350 ctl  end)"));
	ck_assert_int_eq(gs_pages(&s), 1);
	free(s.buf);
}
END_TEST

/* UTF-8 is decoded: Latin-1's characters print, others as "?", a
 * sequence cut between pieces too; bytes that are not UTF-8 are
 * Latin-1. */
START_TEST(test_utf8)
{
	static const char text[] = "caf\xc3\xa9 na\xc3\xafve \xce\xba\xe4\xbd\xa0 "
				   "\xe9t\xe9\n";
	unsigned pages;

	for (size_t step = 0; step <= 1; step++) {
		struct sink s = convert("a4", text, sizeof(text) - 1, step,
		    &pages);
		ck_assert_msg(strstr(s.buf, "(caf\\351 na\\357ve ?? "
						 "\\351t\\351)") != NULL, "%s",
		    s.buf);
		ck_assert_int_eq(gs_pages(&s), 1);
		ck_assert_uint_eq(s.unmapped, 2); /* the kappa and the CJK */
		free(s.buf);
	}
}
END_TEST

START_TEST(test_streaming_is_chunk_independent)
{
	char *t = lines(150, 100);
	unsigned p1, p2;
	struct sink whole = convert("a4", t, strlen(t), 0, &p1);
	struct sink bytes = convert("a4", t, strlen(t), 1, &p2);

	ck_assert_uint_eq(p1, p2);
	ck_assert_uint_eq(whole.len, bytes.len);
	ck_assert_int_eq(memcmp(whole.buf, bytes.buf, whole.len), 0);
	free(whole.buf);
	free(bytes.buf);
	free(t);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("textps");
	TCase *tc = tcase_create("pagination");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_geometry);
	tcase_add_test(tc, test_line_pagination);
	tcase_add_test(tc, test_wrap);
	tcase_add_test(tc, test_form_feeds_and_tabs);
	tcase_add_test(tc, test_escapes_and_binary);
	tcase_add_test(tc, test_streaming_is_chunk_independent);
	tcase_add_test(tc, test_utf8);
	suite_add_tcase(s, tc);
	return run_suite(s, 0);
}
