/*
 * log: one line per event on stderr, prefixed with the program and pid so
 * that the interleaved output of the broker and its workers stays readable.
 */
#include "log.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const char *log_prog = "spoolbox";
static int log_debug_on;
static int log_prefix;      /* journald's "<N>" before each line */
static log_sink_fn log_sink;

void
log_init(const char *prog)
{
	log_prog = prog;
	if (getenv("SPOOLBOX_DEBUG") != NULL)
		log_debug_on = 1;
	log_prefix = log_journal_stream();
}

int
log_journal_stream(void)
{
	const char *env = getenv("JOURNAL_STREAM");
	unsigned long long dev, ino;
	struct stat st;

	return env != NULL && sscanf(env, "%llu:%llu", &dev, &ino) == 2 &&
	    fstat(2, &st) == 0 && (unsigned long long)st.st_dev == dev &&
	    (unsigned long long)st.st_ino == ino;
}

void
log_set_sink(log_sink_fn fn)
{
	log_sink = fn;
}

void
log_set_debug(int on)
{
	log_debug_on = on;
}

/* Length of the valid UTF-8 sequence at p (1-4), or 0 if it is not one
 * (overlong forms, surrogates and values past U+10FFFF are not). */
size_t
text_utf8_len(const unsigned char *p)
{
	unsigned c = p[0], n, min, v;

	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf)
		n = 2, min = 0x80, v = c & 0x1f;
	else if (c >= 0xe0 && c <= 0xef)
		n = 3, min = 0x800, v = c & 0x0f;
	else if (c >= 0xf0 && c <= 0xf4)
		n = 4, min = 0x10000, v = c & 0x07;
	else
		return 0;
	for (unsigned i = 1; i < n; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		v = (v << 6) | (p[i] & 0x3f);
	}
	if (v < min || v > 0x10ffff || (v >= 0xd800 && v <= 0xdfff))
		return 0;
	return n;
}

/*
 * s made safe for a terminal, at most width characters (0: no limit):
 * control characters (C0, DEL, C1) and invalid bytes as \xNN, newlines
 * and tabs as \n and \t; everything else as is. Into buf (len >= 16).
 */
const char *
text_safe(const char *s, size_t width, char *buf, size_t len)
{
	const unsigned char *p = (const unsigned char *)(s != NULL ? s : "");
	size_t o = 0, chars = 0;

	while (*p && (width == 0 || chars < width)) {
		size_t n = text_utf8_len(p);
		char esc[16];
		int c1 = n == 2 && p[0] == 0xc2 && p[1] < 0xa0;
		if (n == 0 || *p < 0x20 || *p == 0x7f || c1) {
			if (*p == '\n' || *p == '\t')
				snprintf(esc, sizeof(esc), "\\%c",
				    *p == '\n' ? 'n' : 't');
			else
				snprintf(esc, sizeof(esc), "\\x%02x", *p);
			n = c1 ? 2 : 1;
		} else {
			memcpy(esc, p, n);
			esc[n] = '\0';
		}
		if (o + strlen(esc) + 1 > len)
			break;
		memcpy(buf + o, esc, strlen(esc));
		o += strlen(esc);
		p += n;
		chars++;
	}
	buf[o] = '\0';
	return buf;
}

static void
log_vline(int prio, const struct log_about *a, const char *fmt, va_list ap)
{
	/* The line's word for its priority (syslog.h's order). */
	static const char *const levels[] = { "fatal: ", "fatal: ",
		"fatal: ", "error: ", "warning: ", "", "", "debug: " };
	const char *level = levels[prio & 7];
	char msg[1024], safe[2048], line[2200];
	int n;

	/* Outside text (a printer's, a client's, a document's) may carry
	 * newlines and escapes: every line is escaped as a whole, by the
	 * rule the CLI's listings use, so none can forge another. */
	vsnprintf(msg, sizeof(msg), fmt, ap);
	text_safe(msg, 0, safe, sizeof(safe));
	if (log_sink != NULL) {
		log_sink(prio, a, safe);
		return;
	}
	n = log_prefix
	    ? snprintf(line, sizeof(line), "<%d>%s[%d]: %s", prio, log_prog,
		  (int)getpid(), level)
	    : snprintf(line, sizeof(line), "%s[%d]: %s", log_prog,
		  (int)getpid(), level);
	if (n < 0 || (size_t)n >= sizeof(line))
		n = 0;
	snprintf(line + n, sizeof(line) - (size_t)n, "%s", safe);
	/* One write per line so lines of different processes never mix. */
	fprintf(stderr, "%s\n", line);
}

#define LOG_FN(name, prio)                       \
	void name(const char *fmt, ...)          \
	{                                        \
		va_list ap;                      \
		va_start(ap, fmt);               \
		log_vline(prio, NULL, fmt, ap);  \
		va_end(ap);                      \
	}

LOG_FN(log_info, LOG_INFO)
LOG_FN(log_warn, LOG_WARNING)
LOG_FN(log_error, LOG_ERR)

void
log_event(int prio, const struct log_about *a, const char *fmt, ...)
{
	va_list ap;

	if (prio == LOG_DEBUG && !log_debug_on)
		return;
	va_start(ap, fmt);
	log_vline(prio, a, fmt, ap);
	va_end(ap);
}

void
log_debug(const char *fmt, ...)
{
	va_list ap;

	if (!log_debug_on)
		return;
	va_start(ap, fmt);
	log_vline(LOG_DEBUG, NULL, fmt, ap);
	va_end(ap);
}

void
fatal(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vline(LOG_CRIT, NULL, fmt, ap);
	va_end(ap);
	exit(1);
}
