/*
 * log: one line per event on stderr, prefixed with the program and pid so
 * that the interleaved output of the broker and its workers stays readable.
 */
#include "log.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char *log_prog = "spoolbox";
static int log_debug_on;

void
log_init(const char *prog)
{
	log_prog = prog;
	if (getenv("SPOOLBOX_DEBUG") != NULL)
		log_debug_on = 1;
}

void
log_set_debug(int on)
{
	log_debug_on = on;
}

static void
log_vline(const char *level, const char *fmt, va_list ap)
{
	char line[1024];
	int n;

	n = snprintf(line, sizeof(line), "%s[%d]: %s", log_prog, (int)getpid(),
	    level);
	if (n < 0 || (size_t)n >= sizeof(line))
		n = 0;
	vsnprintf(line + n, sizeof(line) - (size_t)n, fmt, ap);
	/* One write per line so lines of different processes never mix. */
	fprintf(stderr, "%s\n", line);
}

#define LOG_FN(name, level)                      \
	void name(const char *fmt, ...)          \
	{                                        \
		va_list ap;                      \
		va_start(ap, fmt);               \
		log_vline(level, fmt, ap);       \
		va_end(ap);                      \
	}

LOG_FN(log_info, "")
LOG_FN(log_warn, "warning: ")
LOG_FN(log_error, "error: ")

void
log_debug(const char *fmt, ...)
{
	va_list ap;

	if (!log_debug_on)
		return;
	va_start(ap, fmt);
	log_vline("debug: ", fmt, ap);
	va_end(ap);
}

void
fatal(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vline("fatal: ", fmt, ap);
	va_end(ap);
	exit(1);
}
