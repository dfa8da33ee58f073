/*
 * util: small helpers shared by every process: sizes and durations as
 * written in the config ("64M", "30s"), queue URIs, clocks, durable file
 * writes (fsync of file and directory, atomic rename).
 */
#ifndef SB_UTIL_H
#define SB_UTIL_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

int parse_size(const char *s, uint64_t *out);
int parse_duration_ms(const char *s, uint64_t *out);
/* A time back from now ("2h") or a local date and time ("2026-11-26",
 * "2026-11-26T08:30") as unix ms; 0, or -1 when it is neither. */
int parse_since(const char *s, int64_t *out);
int parse_uint(const char *s, uint64_t max, uint64_t *out);
/* "64M" style, for display. */
void format_size(uint64_t v, char *buf, size_t len);
/* ms as a config's duration: 30d, 12h, 90s (the largest unit that
 * divides it). */
void format_duration(uint64_t ms, char *buf, size_t len);
/* v bytes for people: 9.9M, 412K, 1.2G (binary units). */
void format_human(uint64_t v, char *buf, size_t len);

struct sb_uri {
	char scheme[8];   /* lpd, ipp, ipps, file */
	char host[256];
	unsigned port;    /* 0: the scheme's default */
	char path[1024];  /* lpd: queue name; file: directory; ipp: path */
};
/* 0 on success; -1 with a reason in err. */
int uri_parse(const char *s, struct sb_uri *u, char *err, size_t errlen);

uint64_t now_mono_ms(void);
int64_t now_wall_ms(void);
/* job-hold-until when (indefinite, day-time, evening, night, weekend,
 * second-shift, third-shift, HH:MM[:SS] in UTC; no-hold or "": none) at
 * now: 1 held, until *at_ms (unix ms; 0: until released), 0 not held
 * (no-hold, or the period is now), -1 not a time spoolbox knows. */
int hold_release(const char *when, time_t now, int64_t *at_ms);
/* IPP page-ranges as text, "1-3,5-5": ascending ranges of pages from 1
 * that do not overlap, at most PAGE_RANGES_MAX of them. 0 when s is one
 * ("" is: every page), else -1. */
#define PAGE_RANGES_MAX 32
int page_ranges_valid(const char *s);
/* Is page (from 1) in the valid ranges s ("": every page)? */
int page_in_ranges(const char *s, unsigned page);
/* IPP number-up values spoolbox imposes (0: none asked, 1). */
int number_up_valid(unsigned n);
/* A text layout's numbers, each 0 for its default: cpi and lpi 1..100,
 * columns up to TEXT_COLUMNS_MAX, margins (top, right, bottom, left)
 * 0..TEXT_MARGIN_MAX points. NULL when they are, else what is not. */
#define TEXT_COLUMNS_MAX 16
#define TEXT_MARGIN_MAX 1000.0
const char *text_layout_bad(double cpi, double lpi, unsigned columns,
    const double margins[4]);
/* IPP overrides for pages, as text: entries "RANGES[:m=MEDIA][:o=N]"
 * joined by ';' (MEDIA a PWG name media_pwg() knows, N an
 * orientation-requested, 3 or 4). Into o[max]: how many, or -1 when s is
 * not that ("": 0). */
#define OVERRIDES_MAX 8
struct page_override {
	char ranges[256];
	char media[32];     /* "": the page's own */
	unsigned orientation; /* 0: the page's own */
};
int overrides_parse(const char *s, struct page_override *o, size_t max);
/* clock's time ms milliseconds from now: a deadline for
 * pthread_cond_timedwait on a condition variable of that clock. */
struct timespec deadline_ms(clockid_t clock, long ms);

/* Write all of buf to fd, retrying short writes; 0 or -1 with errno. */
int write_all(int fd, const void *buf, size_t len);
/* fsync the directory holding path (or path itself when it is one). */
int fsync_dir(const char *dir);
/* mkdir -p with mode for the last component; 0 or -1 with errno. */
int mkdir_p(const char *path, unsigned mode);

/* A system instance: root, or an account holding CAP_SETUID and
 * CAP_SETGID (spoolbox.service runs the broker as `spoolbox` with just
 * those): system paths, and each worker kind under its own account. */
int system_instance(void);

/* Why something failed, into err (len bytes): always -1, to return. */
int fail_why(char *err, size_t len, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* A paper's size in points, turned when landscape; -1: not a paper
 * spoolbox knows (a4, letter, legal, a5, a3 or their PWG names, as
 * iso_a4_210x297mm; NULL or "": a4). */
int paper_points(const char *paper, int landscape, double *w, double *h);
/* The same paper's size in hundredths of mm (IPP's media-size): 0, or
 * -1 for one spoolbox does not know. */
int media_size(const char *name, int *x, int *y);
/* Its PWG name (iso_a4_210x297mm), or NULL. */
const char *media_pwg(const char *paper);
/* Its short name (a4), the config's paper; "a4" for one not known. */
const char *media_short(const char *name);
/* Is word one of the comma-separated list's? */
int list_has(const char *list, const char *word);

#endif
