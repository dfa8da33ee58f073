/* detect: a table of sample beginnings of each type, through the real
 * libmagic database, and through the fallback without it. */
#include <check.h>

#include "runner.h"
#include <string.h>

#include "localspl.h"

/* A literal and its length without the terminating NUL. */
#define S(lit) lit, sizeof(lit) - 1

static const struct {
	const char *name;
	const char *bytes;
	size_t len;
	int type;           /* with libmagic */
	int fallback;       /* without */
} samples[] = {
	{ "empty", S(""), SB__DATA_TYPE__RAW, SB__DATA_TYPE__RAW },
	{ "pdf", S("%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< >>\nendobj\n"),
	    SB__DATA_TYPE__PDF, SB__DATA_TYPE__PDF },
	{ "postscript", S("%!PS-Adobe-3.0\n%%Pages: 1\n"),
	    SB__DATA_TYPE__POSTSCRIPT, SB__DATA_TYPE__POSTSCRIPT },
	{ "pjl", S("\x1b%-12345X@PJL JOB\r\n"), SB__DATA_TYPE__PCL,
	    SB__DATA_TYPE__PCL },
	{ "pcl", S("\x1b" "E\x1b&l0O hello"), SB__DATA_TYPE__PCL,
	    SB__DATA_TYPE__PCL },
	{ "pwg", S("RaS2PwgRaster\0\0\0"), SB__DATA_TYPE__PWG_RASTER,
	    SB__DATA_TYPE__PWG_RASTER },
	{ "urf", S("UNIRAST\0\0\0\0\1"), SB__DATA_TYPE__URF,
	    SB__DATA_TYPE__URF },
	{ "png", S("\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\1\0\0\0\1"
		   "\x08\x02\0\0\0"),
	    SB__DATA_TYPE__PNG, SB__DATA_TYPE__RAW },
	{ "jpeg", S("\xff\xd8\xff\xe0\0\x10JFIF\0\1\1\0\0\1\0\1\0\0"),
	    SB__DATA_TYPE__JPEG, SB__DATA_TYPE__RAW },
	{ "utf-8 text", S("Καλημέρα κόσμε\nЗдравствуй\n你好\n"),
	    SB__DATA_TYPE__TEXT, SB__DATA_TYPE__TEXT },
	{ "latin-1 text", S("caf\xe9 na\xefve\n"), SB__DATA_TYPE__TEXT,
	    SB__DATA_TYPE__TEXT },
	{ "escape-heavy", S("\x1bx\x1b@\x1b!\x1b\x1b\x1b\x1b"),
	    SB__DATA_TYPE__RAW, SB__DATA_TYPE__RAW },
	{ "binary", S("\0\1\2\3\4\5\6\7"), SB__DATA_TYPE__RAW,
	    SB__DATA_TYPE__RAW },
	/* Text libmagic takes for HP-GL: two capitals and more. */
	{ "PATH= text", S("PATH=/usr/local/bin:/usr/bin:/bin\nexport PATH\n"
			  "echo the path is set for this shell session\n"),
	    SB__DATA_TYPE__TEXT, SB__DATA_TYPE__TEXT },
	{ "IN; text", S("IN; this line begins like a plotter, and is a "
			"sentence in a letter to a friend.\n"),
	    SB__DATA_TYPE__TEXT, SB__DATA_TYPE__TEXT },
	{ "PAGE text", S("PAGE 1 OF THE MINUTES\nthe meeting began at ten "
			 "and ended at noon\n"),
	    SB__DATA_TYPE__TEXT, SB__DATA_TYPE__TEXT },
	/* Real HP-GL stays what it is: not text for the print processor. */
	{ "hp-gl", S("IN;SP1;PU0,0;PD100,0,100,100,0,100,0,0;PU;SP0;IN;"),
	    SB__DATA_TYPE__RAW, SB__DATA_TYPE__TEXT },
};

START_TEST(test_with_libmagic)
{
	void *m = detect_open();

	ck_assert_ptr_nonnull(m);
	for (size_t i = 0; i < sizeof(samples) / sizeof(samples[0]); i++)
		ck_assert_msg(detect_type(m, (const uint8_t *)samples[i].bytes,
				  samples[i].len) == samples[i].type,
		    "%s: got %d, want %d", samples[i].name,
		    detect_type(m, (const uint8_t *)samples[i].bytes,
			samples[i].len),
		    samples[i].type);
	detect_close(m);
}
END_TEST

START_TEST(test_without)
{
	for (size_t i = 0; i < sizeof(samples) / sizeof(samples[0]); i++)
		ck_assert_msg(detect_type(NULL,
				  (const uint8_t *)samples[i].bytes,
				  samples[i].len) == samples[i].fallback,
		    "%s (no libmagic)", samples[i].name);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("detect");
	TCase *tc = tcase_create("detect");

	tcase_add_test(tc, test_with_libmagic);
	tcase_add_test(tc, test_without);
	suite_add_tcase(s, tc);
	return run_suite(s, 0);
}
