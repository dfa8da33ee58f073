/*
 * util: see util.h. Reports nothing; callers log.
 */
#define _GNU_SOURCE /* strptime */
#include "util.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <linux/capability.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

int
parse_uint(const char *s, uint64_t max, uint64_t *out)
{
	char *end;
	unsigned long long v;

	if (s == NULL || !isdigit((unsigned char)*s))
		return -1;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno != 0 || *end != '\0' || v > max)
		return -1;
	*out = v;
	return 0;
}

/* Number followed by one unit from units[] (scale[] gives its factor). */
static int
parse_scaled(const char *s, const char *const units[],
    const uint64_t scale[], uint64_t *out)
{
	char *end;
	unsigned long long v;

	if (s == NULL || !isdigit((unsigned char)*s))
		return -1;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno != 0)
		return -1;
	for (int i = 0; units[i] != NULL; i++) {
		if (strcasecmp(end, units[i]) != 0)
			continue;
		if (v > UINT64_MAX / scale[i])
			return -1;
		*out = v * scale[i];
		return 0;
	}
	return -1;
}

int
parse_size(const char *s, uint64_t *out)
{
	static const char *const units[] = { "", "B", "K", "KB", "KiB", "M",
		"MB", "MiB", "G", "GB", "GiB", NULL };
	static const uint64_t scale[] = { 1, 1, 1ULL << 10, 1ULL << 10,
		1ULL << 10, 1ULL << 20, 1ULL << 20, 1ULL << 20, 1ULL << 30,
		1ULL << 30, 1ULL << 30 };

	return parse_scaled(s, units, scale, out);
}

int
parse_duration_ms(const char *s, uint64_t *out)
{
	/* A bare number is seconds, as administrators write timeouts. */
	static const char *const units[] = { "", "ms", "s", "m", "min", "h",
		"d", NULL };
	static const uint64_t scale[] = { 1000, 1, 1000, 60000, 60000,
		3600000, 86400000 };

	return parse_scaled(s, units, scale, out);
}

void
format_size(uint64_t v, char *buf, size_t len)
{
	if (v >= (1ULL << 30) && v % (1ULL << 30) == 0)
		snprintf(buf, len, "%lluG", (unsigned long long)(v >> 30));
	else if (v >= (1ULL << 20) && v % (1ULL << 20) == 0)
		snprintf(buf, len, "%lluM", (unsigned long long)(v >> 20));
	else if (v >= (1ULL << 10) && v % (1ULL << 10) == 0)
		snprintf(buf, len, "%lluK", (unsigned long long)(v >> 10));
	else
		snprintf(buf, len, "%llu", (unsigned long long)v);
}

void
format_duration(uint64_t ms, char *buf, size_t len)
{
	if (ms > 0 && ms % 86400000 == 0)
		snprintf(buf, len, "%llud", (unsigned long long)(ms / 86400000));
	else if (ms > 0 && ms % 3600000 == 0)
		snprintf(buf, len, "%lluh", (unsigned long long)(ms / 3600000));
	else
		snprintf(buf, len, "%llus", (unsigned long long)(ms / 1000));
}

void
format_human(uint64_t v, char *buf, size_t len)
{
	static const char units[] = "KMGT";
	double x = (double)v;
	int u = -1;

	while (x >= 1024 && u < 3) {
		x /= 1024;
		u++;
	}
	if (u < 0)
		snprintf(buf, len, "%llu", (unsigned long long)v);
	else
		snprintf(buf, len, x < 100 ? "%.1f%c" : "%.0f%c", x, units[u]);
}

/* An lpd URI names a queue; a socket URI names none. */
static int
uri_path_ok(const struct sb_uri *u, const char *s, char *err, size_t errlen)
{
	if (strcmp(u->scheme, "lpd") == 0 &&
	    (u->path[0] == '\0' || strchr(u->path, '/') != NULL ||
		strchr(u->path, '?') != NULL)) {
		snprintf(err, errlen, "lpd URI '%s' needs a queue: "
		    "lpd://host[:port]/queue", s);
		return -1;
	}
	if (strcmp(u->scheme, "socket") == 0 && u->path[0] != '\0') {
		snprintf(err, errlen, "socket URI '%s' has no path: "
		    "socket://host[:port] (9100 unless given)", s);
		return -1;
	}
	return 0;
}

int
uri_parse(const char *s, struct sb_uri *u, char *err, size_t errlen)
{
	const char *p, *hs, *he, *slash;
	size_t n;

	memset(u, 0, sizeof(*u));
	p = strstr(s, "://");
	if (p == NULL || (size_t)(p - s) >= sizeof(u->scheme)) {
		snprintf(err, errlen, "'%s' is not a URI (scheme://...)", s);
		return -1;
	}
	memcpy(u->scheme, s, (size_t)(p - s));
	hs = p + 3;
	if (strcmp(u->scheme, "file") == 0) {
		if (hs[0] != '/' || strlen(hs) >= sizeof(u->path)) {
			snprintf(err, errlen,
			    "file URI '%s' needs an absolute directory", s);
			return -1;
		}
		strcpy(u->path, hs);
		return 0;
	}
	if (strcmp(u->scheme, "lpd") != 0 && strcmp(u->scheme, "ipp") != 0 &&
	    strcmp(u->scheme, "ipps") != 0 &&
	    strcmp(u->scheme, "socket") != 0) {
		snprintf(err, errlen,
		    "unknown URI scheme '%s' (lpd, socket, ipp, ipps, file)",
		    u->scheme);
		return -1;
	}
	slash = strchr(hs, '/');
	he = slash != NULL ? slash : hs + strlen(hs);
	if (*hs == '[') { /* [v6]:port */
		const char *rb = memchr(hs, ']', (size_t)(he - hs));
		if (rb == NULL)
			goto bad;
		n = (size_t)(rb - hs - 1);
		if (n == 0 || n >= sizeof(u->host))
			goto bad;
		memcpy(u->host, hs + 1, n);
		p = rb + 1;
	} else {
		const char *colon = memchr(hs, ':', (size_t)(he - hs));
		p = colon != NULL ? colon : he;
		n = (size_t)(p - hs);
		if (n == 0 || n >= sizeof(u->host))
			goto bad;
		memcpy(u->host, hs, n);
	}
	if (p < he) {
		uint64_t port;
		char num[8];
		if (*p != ':' || (size_t)(he - p - 1) >= sizeof(num))
			goto bad;
		memcpy(num, p + 1, (size_t)(he - p - 1));
		num[he - p - 1] = '\0';
		if (parse_uint(num, 65535, &port) != 0 || port == 0)
			goto bad;
		u->port = (unsigned)port;
	}
	if (slash != NULL) {
		if (strlen(slash + 1) >= sizeof(u->path))
			goto bad;
		strcpy(u->path, slash + 1);
	}
	return uri_path_ok(u, s, err, errlen);
bad:
	snprintf(err, errlen, "malformed host or port in URI '%s'", s);
	return -1;
}

uint64_t
now_mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

struct timespec
deadline_ms(clockid_t clock, long ms)
{
	struct timespec t;

	clock_gettime(clock, &t);
	t.tv_sec += ms / 1000;
	t.tv_nsec += (ms % 1000) * 1000000;
	if (t.tv_nsec >= 1000000000) {
		t.tv_sec++;
		t.tv_nsec -= 1000000000;
	}
	return t;
}

int64_t
now_wall_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int
write_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;

	while (len > 0) {
		ssize_t n = write(fd, p, len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

int
fsync_dir(const char *dir)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	int rv;

	if (fd < 0)
		return -1;
	rv = fsync(fd);
	close(fd);
	return rv;
}

int
mkdir_p(const char *path, unsigned mode)
{
	char buf[PATH_MAX];
	size_t len = strlen(path);

	if (len == 0 || len >= sizeof(buf)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	memcpy(buf, path, len + 1);
	for (char *p = buf + 1; *p != '\0'; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(buf, 0755) != 0 && errno != EEXIST)
			return -1;
		*p = '/';
	}
	if (mkdir(buf, mode) != 0 && errno != EEXIST)
		return -1;
	return 0;
}

int
fail_why(char *err, size_t len, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, len, fmt, ap);
	va_end(ap);
	return -1;
}

int
system_instance(void)
{
	struct __user_cap_header_struct h = { _LINUX_CAPABILITY_VERSION_3, 0 };
	struct __user_cap_data_struct d[2];
	const uint32_t need = (1u << CAP_SETUID) | (1u << CAP_SETGID);

	if (geteuid() == 0)
		return 1;
	if (syscall(SYS_capget, &h, d) != 0)
		return 0;
	return (d[0].effective & need) == need;
}

/* now's local time moved to hour:00 on the day days ahead. */
static time_t
local_at(time_t now, int days, int hour)
{
	struct tm t;

	localtime_r(&now, &t);
	t.tm_mday += days;
	t.tm_hour = hour;
	t.tm_min = t.tm_sec = 0;
	t.tm_isdst = -1;
	return mktime(&t);
}

/* An explicit time: HH:MM[:SS] in UTC (as CUPS and lp -H take it), the
 * next one to come; -1 when when is not one. */
static time_t
utc_next(const char *when, time_t now)
{
	unsigned h, m, sec = 0;
	char end;
	struct tm t;
	time_t at;
	int n = sscanf(when, "%2u:%2u:%2u%c", &h, &m, &sec, &end);

	if ((n != 2 && n != 3) || h > 23 || m > 59 || sec > 59 ||
	    strspn(when, "0123456789:") != strlen(when))
		return -1;
	gmtime_r(&now, &t);
	t.tm_hour = (int)h;
	t.tm_min = (int)m;
	t.tm_sec = (int)sec;
	at = timegm(&t);
	return at <= now ? at + 86400 : at;
}

int
hold_release(const char *when, time_t now, int64_t *at_ms)
{
	struct tm t;
	time_t at = 0;
	int h;

	localtime_r(&now, &t);
	h = t.tm_hour;
	*at_ms = 0;
	if (when == NULL || when[0] == '\0' || strcmp(when, "no-hold") == 0)
		return 0;
	if (strcmp(when, "indefinite") == 0)
		return 1;
	/* The periods of RFC 8011 5.2.2 as CUPS counts them, in local time:
	 * held until the period begins, printed at once within it. */
	if (strcmp(when, "day-time") == 0)
		at = h < 6 ? local_at(now, 0, 6) : h >= 18 ? local_at(now, 1, 6) : 0;
	else if (strcmp(when, "evening") == 0 || strcmp(when, "night") == 0)
		at = h >= 6 && h < 18 ? local_at(now, 0, 18) : 0;
	else if (strcmp(when, "second-shift") == 0)
		at = h < 16 ? local_at(now, 0, 16) : 0;
	else if (strcmp(when, "third-shift") == 0)
		at = h >= 8 ? local_at(now, 1, 0) : 0;
	else if (strcmp(when, "weekend") == 0)
		at = t.tm_wday == 0 || t.tm_wday == 6
		    ? 0
		    : local_at(now, 6 - t.tm_wday, 0);
	else if ((at = utc_next(when, now)) < 0)
		return -1;
	*at_ms = (int64_t)at * 1000;
	return at != 0;
}

/* The next range of s at *p: its first and last page; 0, or -1 at the
 * end or on anything else. */
static int
next_range(const char **p, unsigned long *lo, unsigned long *hi)
{
	char *end;

	if (**p == '\0' || !isdigit((unsigned char)**p))
		return -1;
	*lo = strtoul(*p, &end, 10);
	if (*end != '-' || !isdigit((unsigned char)end[1]))
		return -1;
	*hi = strtoul(end + 1, &end, 10);
	*p = *end == ',' ? end + 1 : end;
	return 0;
}

int
page_ranges_valid(const char *s)
{
	unsigned long lo, hi, last = 0;
	const char *p = s;
	int n = 0;

	if (s[0] == '\0')
		return 0;
	while (n++ < PAGE_RANGES_MAX && next_range(&p, &lo, &hi) == 0) {
		if (lo == 0 || lo > hi || lo <= last || hi > INT32_MAX)
			return -1;
		last = hi;
		if (*p == '\0')
			return p[-1] == ',' ? -1 : 0;
	}
	return -1;
}

int
page_in_ranges(const char *s, unsigned page)
{
	unsigned long lo, hi;
	const char *p = s;

	if (s[0] == '\0')
		return 1;
	while (next_range(&p, &lo, &hi) == 0)
		if (page >= lo && page <= hi)
			return 1;
	return 0;
}

int
number_up_valid(unsigned n)
{
	return n <= 2 || n == 4 || n == 6 || n == 9 || n == 16;
}

const char *
text_layout_bad(double cpi, double lpi, unsigned columns,
    const double margins[4])
{
	/* (Written so that NaN is out of every range.) */
	if (!(cpi == 0 || (cpi >= 1 && cpi <= 100)))
		return "cpi must be 1..100";
	if (!(lpi == 0 || (lpi >= 1 && lpi <= 100)))
		return "lpi must be 1..100";
	if (columns > TEXT_COLUMNS_MAX)
		return "columns must be 1..16";
	for (int i = 0; i < 4; i++)
		if (!(margins[i] >= 0 && margins[i] <= TEXT_MARGIN_MAX))
			return "margins must be 0..1000 points";
	return NULL;
}

/* One entry of overrides text, "RANGES[:m=MEDIA][:o=N]", of length len,
 * into o: 0, or -1. */
static int
override_parse(const char *s, size_t len, struct page_override *o)
{
	char buf[320], *f, *save = NULL;

	if (len >= sizeof(buf))
		return -1;
	memcpy(buf, s, len);
	buf[len] = '\0';
	*o = (struct page_override){ 0 };
	if ((f = strtok_r(buf, ":", &save)) == NULL || f != buf ||
	    strlen(f) >= sizeof(o->ranges) || page_ranges_valid(f) != 0 ||
	    f[0] == '\0')
		return -1;
	strcpy(o->ranges, f);
	while ((f = strtok_r(NULL, ":", &save)) != NULL) {
		if (strncmp(f, "m=", 2) == 0 && media_pwg(f + 2) != NULL &&
		    strcmp(media_pwg(f + 2), f + 2) == 0 &&
		    o->media[0] == '\0' && strlen(f + 2) < sizeof(o->media))
			snprintf(o->media, sizeof(o->media), "%s", f + 2);
		else if ((strcmp(f, "o=3") == 0 || strcmp(f, "o=4") == 0) &&
		    o->orientation == 0)
			o->orientation = (unsigned)(f[2] - '0');
		else
			return -1;
	}
	return 0;
}

int
overrides_parse(const char *s, struct page_override *o, size_t max)
{
	size_t n = 0;

	while (*s != '\0') {
		size_t len = strcspn(s, ";");
		if (n == max || override_parse(s, len, &o[n]) != 0)
			return -1;
		n++;
		s += len;
		if (*s == ';' && *++s == '\0')
			return -1;
	}
	return (int)n;
}

/* The papers spoolbox lays out on and offers: PWG 5101.1's name, the
 * short one the config's paper takes, the size in hundredths of mm. */
static const struct {
	const char *pwg, *paper;
	int x, y;
} medias[] = {
	{ "iso_a4_210x297mm", "a4", 21000, 29700 },
	{ "na_letter_8.5x11in", "letter", 21590, 27940 },
	{ "na_legal_8.5x14in", "legal", 21590, 35560 },
	{ "iso_a5_148x210mm", "a5", 14800, 21000 },
	{ "iso_a3_297x420mm", "a3", 29700, 42000 },
};

/* name's entry (by either name), or -1. */
static int
media_index(const char *name)
{
	for (size_t i = 0; i < sizeof(medias) / sizeof(medias[0]); i++)
		if (strcasecmp(name, medias[i].pwg) == 0 ||
		    strcasecmp(name, medias[i].paper) == 0)
			return (int)i;
	return -1;
}

int
media_size(const char *name, int *x, int *y)
{
	int i = media_index(name);

	if (i < 0)
		return -1;
	*x = medias[i].x;
	*y = medias[i].y;
	return 0;
}

const char *
media_pwg(const char *paper)
{
	int i = media_index(paper);

	return i < 0 ? NULL : medias[i].pwg;
}

const char *
media_short(const char *name)
{
	int i = media_index(name);

	return i < 0 ? "a4" : medias[i].paper;
}

int
paper_points(const char *paper, int landscape, double *w, double *h)
{
	int x, y;
	double t;

	if (media_size(paper == NULL || paper[0] == '\0' ? "a4" : paper, &x,
		&y) != 0)
		return -1;
	/* Points to a hundredth, as PostScript's and PDF's page sizes say
	 * them (A4: 595.28 x 841.89). */
	*w = (double)(long)(x * 7200.0 / 2540 + 0.5) / 100;
	*h = (double)(long)(y * 7200.0 / 2540 + 0.5) / 100;
	if (landscape)
		t = *w, *w = *h, *h = t;
	return 0;
}

int
list_has(const char *list, const char *word)
{
	size_t n = strlen(word);

	for (const char *p = list; *p != '\0';
	     p += strcspn(p, ","), p += *p == ',')
		if (strncmp(p, word, n) == 0 && (p[n] == ',' || p[n] == '\0'))
			return 1;
	return 0;
}

int
parse_since(const char *s, int64_t *out)
{
	static const char *const fmts[] = { "%Y-%m-%dT%H:%M:%S",
		"%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%d" };
	uint64_t ago;
	struct tm tm;

	if (parse_duration_ms(s, &ago) == 0) {
		*out = now_wall_ms() - (int64_t)ago;
		return 0;
	}
	for (size_t i = 0; i < sizeof(fmts) / sizeof(fmts[0]); i++) {
		const char *end;
		memset(&tm, 0, sizeof(tm));
		tm.tm_isdst = -1;
		if ((end = strptime(s, fmts[i], &tm)) != NULL && *end == '\0') {
			*out = (int64_t)mktime(&tm) * 1000;
			return 0;
		}
	}
	return -1;
}
