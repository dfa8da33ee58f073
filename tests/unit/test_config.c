/* config and util: INI parsing, errors with line numbers, sizes, URIs. */
#include <check.h>

#include "runner.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sys/stat.h>

#include "chan.h"
#include "config.h"
#include "util.h"

#include <cups/cups.h>

static char path[64];

static void
write_conf(const char *text)
{
	FILE *f;

	snprintf(path, sizeof(path), "/tmp/sbconf.%d", (int)getpid());
	f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	fputs(text, f);
	fclose(f);
}

START_TEST(test_embedded_default)
{
	struct sb_config c;
	char err[512];

	ck_assert_int_eq(config_load(&c, NULL, err, sizeof(err)), 0);
	ck_assert_uint_eq(c.nqueues, 2);
	ck_assert_ptr_nonnull(config_queue(&c, "default"));
	ck_assert_int_eq(config_queue(&c, "default")->datatype,
	    SB__DATA_TYPE__POSTSCRIPT);
	ck_assert_uint_eq(c.sample_interval, 500);
	ck_assert_uint_eq(c.workers[SB__WORKER_KIND__LPRMON].instances, 1);
	ck_assert_int_eq(c.lsn_dnssd, 1);
	config_free(&c);
}
END_TEST

/* What IPP and DNS-SD say a queue takes, and its printer-uuid. */
START_TEST(test_mimes_and_uuids)
{
	const char *m[DATATYPE_NMIMES];
	size_t n = datatype_mimes_taken(SB__DATA_TYPE__POSTSCRIPT, m);
	struct sb_config c;
	char err[512];
	int has_text = 0, has_png = 0;

	for (size_t i = 0; i < n; i++) {
		has_text |= strcmp(m[i], "text/plain") == 0;
		has_png |= strcmp(m[i], "image/png") == 0;
	}
	/* Text becomes PostScript; a PNG too, through PDF. */
	ck_assert(has_text && has_png);
	ck_assert(conversion_exists(SB__DATA_TYPE__JPEG,
	    SB__DATA_TYPE__POSTSCRIPT));
	ck_assert(!conversion_exists(SB__DATA_TYPE__PCL, SB__DATA_TYPE__PDF));
	ck_assert_uint_eq(datatype_mimes_taken(SB__DATA_TYPE__RAW, m),
	    DATATYPE_NMIMES);
	ck_assert_int_eq(datatype_from_mime("Application/PDF"),
	    SB__DATA_TYPE__PDF);
	ck_assert_int_eq(datatype_from_mime("image/gif"), -1);
	ck_assert_int_eq(queue_printer_type("two-sided-long-edge", 0) &
	    CUPS_PRINTER_DUPLEX, CUPS_PRINTER_DUPLEX);
	ck_assert_int_eq(queue_printer_type("", 0) & CUPS_PRINTER_DUPLEX, 0);
	ck_assert_int_eq(config_load(&c, NULL, err, sizeof(err)), 0);
	config_queue_uuids(&c);
	ck_assert(strncmp(c.queues[0].uuid, "urn:uuid:", 9) == 0);
	ck_assert_uint_eq(strlen(c.queues[0].uuid), 45);
	ck_assert_str_ne(c.queues[0].uuid, c.queues[1].uuid);
	config_free(&c);
}
END_TEST

START_TEST(test_full_file)
{
	struct sb_config c;
	char err[512];

	write_conf("[spooler]\nspool_dir = /var/tmp/x\nruntime_dir = /run/y\n"
		   "admin_group = wheel\nsample_interval = 250ms\n"
		   "[worker.lprmon]\nmemory_budget = 16M\nhandle_budget = 64\n"
		   "max_jobs = 5000\ninstances = 3\nmax_lifetime = 1h\n"
		   "[queue.office]\n"
		   "uri = lpd://printer.example.com:515/raw\n"
		   "datatype = postscript    # what the printer takes\n"
		   "retry_interval = 30s\nretry_limit = 20\n"
		   "error_policy = abort-job\npaper = letter\n");
	ck_assert_msg(config_load(&c, path, err, sizeof(err)) == 0, "%s", err);
	ck_assert_str_eq(c.spool_dir, "/var/tmp/x");
	ck_assert_str_eq(c.admin_group, "wheel");
	ck_assert_uint_eq(c.sample_interval, 250);
	ck_assert_uint_eq(c.workers[SB__WORKER_KIND__LPRMON].memory_budget,
	    16 << 20);
	ck_assert_uint_eq(c.workers[SB__WORKER_KIND__LPRMON].instances, 3);
	ck_assert_uint_eq(c.workers[SB__WORKER_KIND__LPRMON].max_lifetime,
	    3600000);
	ck_assert_uint_eq(c.nqueues, 1);
	ck_assert_int_eq(c.queues[0].datatype, SB__DATA_TYPE__POSTSCRIPT);
	ck_assert_uint_eq(c.queues[0].retry_interval, 30000);
	ck_assert_int_eq(c.queues[0].error_policy,
	    SB__ERROR_POLICY__ABORT_JOB);
	ck_assert_str_eq(c.queues[0].paper, "letter");
	config_free(&c);
	unlink(path);
}
END_TEST

/* Each bad file fails with FILE:LINE: and the reason. */
/* What an LPD printer can do, from the config: lists, the first the
 * default. */
START_TEST(test_capabilities)
{
	struct sb_config c;
	char err[512];
	int x, y;

	write_conf("[queue.a]\nuri = lpd://h/q\n"
		   "sides = two-sided-long-edge,  one-sided\n"
		   "media = na_letter_8.5x11in, iso_a4_210x297mm, "
		   "na_legal_8.5x14in\ncolor = yes\n[queue.b]\n"
		   "uri = ipp://h/ipp/print\n");
	ck_assert_int_eq(config_load(&c, path, err, sizeof(err)), 0);
	ck_assert_str_eq(c.queues[0].sides, "two-sided-long-edge");
	ck_assert_str_eq(c.queues[0].sides_supported,
	    "two-sided-long-edge,one-sided");
	ck_assert_str_eq(c.queues[0].media, "na_letter_8.5x11in");
	ck_assert_str_eq(c.queues[0].media_supported,
	    "na_letter_8.5x11in,iso_a4_210x297mm,na_legal_8.5x14in");
	ck_assert_int_eq(c.queues[0].color, 1);
	ck_assert(list_has(c.queues[0].media_supported, "iso_a4_210x297mm"));
	ck_assert(!list_has(c.queues[0].media_supported, "iso_a4"));
	/* Nothing said: one-sided for LPD, all three for an IPP printer. */
	ck_assert_str_eq(sides_offered(c.queues[0].sides_supported,
			     c.queues[0].uri), "two-sided-long-edge,one-sided");
	ck_assert_str_eq(sides_offered("", "lpd://h/q"), "one-sided");
	ck_assert(strstr(sides_offered(c.queues[1].sides_supported,
			     c.queues[1].uri), "two-sided-short-edge") != NULL);
	ck_assert_int_eq(c.queues[1].color, 0);
	ck_assert_int_eq(queue_printer_type("one-sided", 1) &
	    CUPS_PRINTER_COLOR, CUPS_PRINTER_COLOR);
	ck_assert_int_eq(media_size("na_legal_8.5x14in", &x, &y), 0);
	ck_assert_int_eq(x, 21590);
	ck_assert_int_eq(y, 35560);
	ck_assert_int_eq(media_size("iso_b5", &x, &y), -1);
	config_free(&c);
	unlink(path);
}
END_TEST

/* Text layout, as CUPS' texttopdf options: cpi, lpi, columns, margins
 * (one, two or four numbers, as CSS). */
START_TEST(test_text_layout)
{
	struct sb_config c;
	char err[512];

	write_conf("[queue.a]\nuri = lpd://h/q\ncpi = 12.5\nlpi = 8\n"
		   "columns = 2\nmargins = 36 18\n[queue.b]\n"
		   "uri = lpd://h/r\nmargins = 10 20 30 40\n[queue.c]\n"
		   "uri = lpd://h/s\nmargins = 72\n[queue.d]\nuri = lpd://h/t\n");
	ck_assert_int_eq(config_load(&c, path, err, sizeof(err)), 0);
	ck_assert(c.queues[0].cpi == 12.5 && c.queues[0].lpi == 8);
	ck_assert_uint_eq(c.queues[0].columns, 2);
	ck_assert(c.queues[0].margins[0] == 36 && c.queues[0].margins[1] == 18 &&
	    c.queues[0].margins[2] == 36 && c.queues[0].margins[3] == 18);
	ck_assert(c.queues[1].margins[0] == 10 && c.queues[1].margins[1] == 20 &&
	    c.queues[1].margins[2] == 30 && c.queues[1].margins[3] == 40);
	for (int i = 0; i < 4; i++)
		ck_assert(c.queues[2].margins[i] == 72);
	/* None said: every default (0). */
	ck_assert(c.queues[3].cpi == 0 && c.queues[3].lpi == 0 &&
	    c.queues[3].columns == 0 && c.queues[3].margins[0] == 0);
	config_free(&c);
	unlink(path);
}
END_TEST

START_TEST(test_errors_name_the_line)
{
	static const struct {
		const char *text;
		const char *want;
	} cases[] = {
		{ "[spooler]\nspool_dir = relative\n", ":2: spool_dir must" },
		{ "[queue.a]\nuri = lpd://h/q\n\ndatatype = bogus\n",
		    ":4: bad datatype 'bogus'" },
		{ "[worker.lprmon]\nmemory_budget = 12Q\n",
		    ":2: bad memory_budget '12Q'" },
		{ "[worker.nosuch]\nx = 1\n", ":2: unknown worker kind" },
		{ "[queue.a]\nuri = gopher://h/q\n", ":2: unknown URI scheme" },
		{ "[queue.a]\nuri = lpd://h\n", ":2: lpd URI" },
		{ "[queue.a]\nuri = socket://h:9100/x\n", ":2: socket URI" },
		{ "[queue.a]\nuri = socket://h, file:///tmp/x\n",
		    ":2: a pool takes network printers" },
		{ "[queue.a]\nuri = socket://h,\n", ":2: bad uri 'socket://h,'" },
		{ "[spooler]\nfrobnicate = 1\n", ":2: unknown key 'frobnicate'" },
		{ "[spooler]\nthis line has no equals\n", ":2: syntax error" },
		{ "[queue.a b]\nuri = file:///tmp\n", ":2: bad queue name" },
		{ "[queue.a]\ndatatype = raw\n", "queue 'a' has no uri" },
		{ "[spooler]\ndefault_queue = nosuch\n[queue.a]\n"
		  "uri = lpd://h/q\n", "default_queue = nosuch: no such queue" },
		{ "[worker.printproc]\nmemory_budget = 64M\n"
		  "memory_limit = 32M\n", "memory_limit is below" },
		/* Root would hand these to a worker account. */
		{ "[spooler]\nspool_dir = /\n",
		    ":2: spool_dir: '/' is a system directory" },
		{ "[spooler]\n\nspool_dir = /etc/spool\n",
		    ":3: spool_dir: '/etc/spool' is a system directory" },
		{ "[spooler]\nspool_dir = /var/spool/../../etc\n",
		    ":2: spool_dir: '/var/spool/../../etc' is not a plain" },
		{ "[spooler]\nspool_dir = /var/spool\n",
		    ":2: spool_dir: '/var/spool' is not below an allowed" },
		{ "[spooler]\nruntime_dir = /var/spool/run\n",
		    ":2: runtime_dir: '/var/spool/run' is not below" },
		{ "[queue.a]\n\nuri = file:///\n",
		    ":3: queue a: file: '/' is a system directory" },
		{ "[queue.a]\nuri = file:///usr/lib/x\n",
		    ":2: queue a: file: '/usr/lib/x' is a system directory" },
		{ "[spooler]\nallowed_prefixes = /etc\n",
		    ":2: allowed_prefixes: '/etc' is a system directory" },
		/* A repeated section would merge silently. */
		{ "[queue.a]\nuri = lpd://h/q\n[spooler]\n[queue.a]\n"
		  "uri = lpd://h/r\n",
		    ":4: section [queue.a] appears twice (first at line 1)" },
		{ "[queue.a]\nuri = lpd://h/q\n[queue.a]\nuri = lpd://h/r\n",
		    ":3: section [queue.a] appears twice" },
		{ "[queue..]\nuri = lpd://h/q\n", ":2: bad queue name '.'" },
		{ "[queue...]\nuri = lpd://h/q\n", ":2: bad queue name '..'" },
		{ "[queue.-x]\nuri = lpd://h/q\n", ":2: bad queue name '-x'" },
		{ "[spooler]\nio_timeout = 5ms\n", ":2: bad io_timeout '5ms'" },
		{ "[queue.a]\nuri = lpd://h/q\nmax_job_size = lots\n",
		    ":3: bad max_job_size 'lots'" },
		{ "[listener]\ndnssd = yes\n", ":2: bad dnssd 'yes' (on|off)" },
		{ "[queue.a]\nuri = lpd://h/q\nsides = one-sided, two-sided\n",
		    ":3: bad sides 'two-sided'" },
		{ "[queue.a]\nuri = lpd://h/q\nsides = one-sided,one-sided\n",
		    ":3: bad sides 'one-sided'" },
		{ "[queue.a]\nuri = lpd://h/q\nmedia = a4\n",
		    ":3: bad media 'a4'" },
		{ "[queue.a]\nuri = lpd://h/q\nmedia = ,\n",
		    ":3: bad media '(none)'" },
		{ "[queue.a]\nuri = lpd://h/q\ncolor = maybe\n",
		    ":3: bad color 'maybe' (yes|no)" },
		{ "[queue.a]\nuri = lpd://h/q\ncpi = ten\n",
		    ":3: bad cpi 'ten' (a number)" },
		{ "[queue.a]\nuri = lpd://h/q\ncpi = 0\n",
		    ":3: bad cpi '0' (a number)" },
		{ "[queue.a]\nuri = lpd://h/q\nlpi = 200\n",
		    ":3: bad lpi '200': lpi must be 1..100" },
		{ "[queue.a]\nuri = lpd://h/q\ncolumns = 1.5\n",
		    ":3: bad columns '1.5'" },
		{ "[queue.a]\nuri = lpd://h/q\ncolumns = 17\n",
		    ":3: bad columns '17'" },
		{ "[queue.a]\nuri = lpd://h/q\nmargins = 1 2 3\n",
		    ":3: bad margins '1 2 3' (points: one number" },
		{ "[queue.a]\nuri = lpd://h/q\nmargins = 36 -1\n",
		    ":3: bad margins '36 -1': margins must be 0..1000 points" },
	};
	struct sb_config c;
	char err[512];

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		write_conf(cases[i].text);
		ck_assert_int_eq(config_load(&c, path, err, sizeof(err)), -1);
		ck_assert_msg(strstr(err, cases[i].want) != NULL,
		    "case %zu: '%s' lacks '%s'", i, err, cases[i].want);
		ck_assert_msg(strncmp(err, path, strlen(path)) == 0,
		    "case %zu: '%s' does not name the file", i, err);
	}
	unlink(path);
	ck_assert_int_eq(config_load(&c, "/nonexistent/x.conf", err,
			     sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, "cannot open"));
}
END_TEST

/* An admin's allowed_prefixes place data elsewhere. */
START_TEST(test_allowed_prefixes)
{
	struct sb_config c;
	char err[512];

	write_conf("[spooler]\nspool_dir = /data/print/spool\n"
		   "[queue.out]\nuri = file:///data/print/out\n");
	ck_assert_int_eq(config_load(&c, path, err, sizeof(err)), -1);
	ck_assert_msg(strstr(err, ":2: spool_dir: '/data/print/spool' is "
				  "not below") != NULL, "%s", err);
	write_conf("[spooler]\nallowed_prefixes = /data/print, /srv2/\n"
		   "spool_dir = /data/print/spool\n"
		   "[queue.out]\nuri = file:///data/print/out\n");
	ck_assert_msg(config_load(&c, path, err, sizeof(err)) == 0, "%s", err);
	ck_assert_uint_eq(c.nallowed, 2);
	ck_assert_str_eq(c.allowed[0], "/data/print/");
	config_free(&c);
	unlink(path);
}
END_TEST

/* localspl's view holds the spool and at most 15 file: directories. */
START_TEST(test_file_queue_limit)
{
	struct sb_config c;
	char text[4096] = "", err[512];

	for (int i = 0; i < 16; i++)
		snprintf(text + strlen(text), sizeof(text) - strlen(text),
		    "[queue.q%d]\nuri = file:///var/spool/o%d\n", i, i);
	write_conf(text);
	ck_assert_int_eq(config_load(&c, path, err, sizeof(err)), -1);
	ck_assert_msg(strstr(err, ":32: more than 15 file: queues") != NULL,
	    "%s", err);
	unlink(path);
}
END_TEST

START_TEST(test_sizes_and_durations)
{
	uint64_t v;

	ck_assert_int_eq(parse_size("64M", &v), 0);
	ck_assert_uint_eq(v, 64ULL << 20);
	ck_assert_int_eq(parse_size("1G", &v), 0);
	ck_assert_uint_eq(v, 1ULL << 30);
	ck_assert_int_eq(parse_size("512", &v), 0);
	ck_assert_uint_eq(v, 512);
	ck_assert_int_eq(parse_size("-1", &v), -1);
	ck_assert_int_eq(parse_size("5X", &v), -1);
	ck_assert_int_eq(parse_size("99999999999999999999G", &v), -1);
	ck_assert_int_eq(parse_duration_ms("30s", &v), 0);
	ck_assert_uint_eq(v, 30000);
	ck_assert_int_eq(parse_duration_ms("250ms", &v), 0);
	ck_assert_uint_eq(v, 250);
	ck_assert_int_eq(parse_duration_ms("2m", &v), 0);
	ck_assert_uint_eq(v, 120000);
	ck_assert_int_eq(parse_duration_ms("7", &v), 0);
	ck_assert_uint_eq(v, 7000);
	ck_assert_int_eq(parse_duration_ms("s", &v), -1);
}
END_TEST

START_TEST(test_uris)
{
	struct sb_uri u;
	char err[256];

	ck_assert_int_eq(uri_parse("lpd://printer:5515/raw", &u, err,
			     sizeof(err)), 0);
	ck_assert_str_eq(u.scheme, "lpd");
	ck_assert_str_eq(u.host, "printer");
	ck_assert_uint_eq(u.port, 5515);
	ck_assert_str_eq(u.path, "raw");
	ck_assert_int_eq(uri_parse("lpd://[::1]/q", &u, err, sizeof(err)), 0);
	ck_assert_str_eq(u.host, "::1");
	ck_assert_uint_eq(u.port, 0);
	ck_assert_int_eq(uri_parse("ipp://h:631/printers/x", &u, err,
			     sizeof(err)), 0);
	ck_assert_str_eq(u.path, "printers/x");
	ck_assert_int_eq(uri_parse("file:///var/out", &u, err, sizeof(err)),
	    0);
	ck_assert_str_eq(u.path, "/var/out");
	ck_assert_int_eq(uri_parse("file://rel", &u, err, sizeof(err)), -1);
	ck_assert_int_eq(uri_parse("lpd://h:0/q", &u, err, sizeof(err)), -1);
	ck_assert_int_eq(uri_parse("lpd://h:99999/q", &u, err, sizeof(err)),
	    -1);
	ck_assert_int_eq(uri_parse("lpd://:515/q", &u, err, sizeof(err)), -1);
	ck_assert_int_eq(uri_parse("nonsense", &u, err, sizeof(err)), -1);
}
END_TEST

START_TEST(test_budget_set)
{
	struct sb_budget b;
	char err[256], buf[32];

	memset(&b, 0, sizeof(b));
	ck_assert_int_eq(config_budget_set(&b, "memory_budget", "8M", err,
			     sizeof(err)), 0);
	ck_assert_uint_eq(b.memory_budget, 8 << 20);
	config_budget_format(&b, config_budget_key("memory_budget"), buf,
	    sizeof(buf));
	ck_assert_str_eq(buf, "8M");
	ck_assert_int_eq(config_budget_set(&b, "max_jobs", "500", err,
			     sizeof(err)), 0);
	ck_assert_uint_eq(b.max_jobs, 500);
	ck_assert_int_eq(config_budget_set(&b, "nope", "1", err, sizeof(err)),
	    -1);
	ck_assert_int_eq(config_budget_set(&b, "instances", "17", err,
			     sizeof(err)), -1);
}
END_TEST

/* DIR/conf.d/ *.conf: read after the main file in name order; a drop-in
 * adds a queue or sets a key again (the last wins); its errors name it. */
START_TEST(test_dropins)
{
	char dir[64], main_path[128], d[128], f[160], err[512];
	struct sb_config c;
	FILE *fp;

	tmpdir_new(dir, sizeof(dir), "sbdrop");
	snprintf(main_path, sizeof(main_path), "%s/spoolbox.conf", dir);
	snprintf(d, sizeof(d), "%s/conf.d", dir);
	ck_assert_int_eq(mkdir(d, 0755), 0);
	fp = fopen(main_path, "w");
	fputs("[spooler]\nio_timeout = 5s\n[queue.a]\nuri = lpd://h/a\n", fp);
	fclose(fp);
	snprintf(f, sizeof(f), "%s/20-b.conf", d);
	fp = fopen(f, "w");
	fputs("[queue.b]\nuri = lpd://h/b\n[spooler]\nio_timeout = 9s\n", fp);
	fclose(fp);
	snprintf(f, sizeof(f), "%s/10-a.conf", d);
	fp = fopen(f, "w");
	fputs("[spooler]\nio_timeout = 7s\n[queue.a]\nretry_limit = 3\n", fp);
	fclose(fp);
	snprintf(f, sizeof(f), "%s/README", d); /* not *.conf: not read */
	fp = fopen(f, "w");
	fputs("garbage\n", fp);
	fclose(fp);
	ck_assert_msg(config_load(&c, main_path, err, sizeof(err)) == 0, "%s",
	    err);
	ck_assert_uint_eq(c.nqueues, 2);
	ck_assert_uint_eq(c.io_timeout, 9000); /* 20-b.conf came last */
	ck_assert_uint_eq(config_queue(&c, "a")->retry_limit, 3);
	ck_assert_str_eq(config_queue(&c, "b")->uri, "lpd://h/b");
	config_free(&c);
	snprintf(f, sizeof(f), "%s/30-bad.conf", d);
	fp = fopen(f, "w");
	fputs("[spooler]\n\nio_timeout = soon\n", fp);
	fclose(fp);
	ck_assert_int_ne(config_load(&c, main_path, err, sizeof(err)), 0);
	ck_assert_msg(strstr(err, "30-bad.conf:3:") != NULL, "%s", err);
	unlink(f);
	snprintf(f, sizeof(f), "%s/20-b.conf", d);
	unlink(f);
	snprintf(f, sizeof(f), "%s/10-a.conf", d);
	unlink(f);
	snprintf(f, sizeof(f), "%s/README", d);
	unlink(f);
	rmdir(d);
	unlink(main_path);
	rmdir(dir);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("config");
	TCase *tc = tcase_create("config");

	tcase_add_test(tc, test_embedded_default);
	tcase_add_test(tc, test_full_file);
	tcase_add_test(tc, test_mimes_and_uuids);
	tcase_add_test(tc, test_errors_name_the_line);
	tcase_add_test(tc, test_capabilities);
	tcase_add_test(tc, test_text_layout);
	tcase_add_test(tc, test_allowed_prefixes);
	tcase_add_test(tc, test_file_queue_limit);
	tcase_add_test(tc, test_sizes_and_durations);
	tcase_add_test(tc, test_uris);
	tcase_add_test(tc, test_budget_set);
	tcase_add_test(tc, test_dropins);
	suite_add_tcase(s, tc);
	return run_suite(s, 0);
}
