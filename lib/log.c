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

static void
log_vline(int prio, const struct log_about *a, const char *fmt, va_list ap)
{
	/* The line's word for its priority (syslog.h's order). */
	static const char *const levels[] = { "fatal: ", "fatal: ",
		"fatal: ", "error: ", "warning: ", "", "", "debug: " };
	const char *level = levels[prio & 7];
	char line[1024];
	int n;

	if (log_sink != NULL) {
		vsnprintf(line, sizeof(line), fmt, ap);
		log_sink(prio, a, line);
		return;
	}
	n = log_prefix
	    ? snprintf(line, sizeof(line), "<%d>%s[%d]: %s", prio, log_prog,
		  (int)getpid(), level)
	    : snprintf(line, sizeof(line), "%s[%d]: %s", log_prog,
		  (int)getpid(), level);
	if (n < 0 || (size_t)n >= sizeof(line))
		n = 0;
	vsnprintf(line + n, sizeof(line) - (size_t)n, fmt, ap);
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
