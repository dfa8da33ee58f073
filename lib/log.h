/*
 * log: the one logging ladder of every spoolbox process.
 * info / warn / error report and go on; fatal exits (start-up, privilege
 * drop, broken invariant); all lines go to stderr as "PROG[PID]: LEVEL: …",
 * with journald's "<N>" priority prefix when stderr is the journal, or to
 * a sink (the broker's structured journal entries, notify.c).
 */
#ifndef SB_LOG_H
#define SB_LOG_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <syslog.h>

/* What an event is about: the journal's fields (the line says it in words
 * too). Leave what does not apply 0 or NULL. */
struct log_about {
	const char *kind;      /* SPOOLBOX_KIND, with SPOOLBOX_INSTANCE */
	unsigned inst;
	long pid;              /* SPOOLBOX_PID: the worker's */
	uint64_t job;          /* SPOOLBOX_JOB */
	const char *queue;     /* SPOOLBOX_QUEUE */
	const char *reason;    /* SPOOLBOX_REASON: a recycle's rule... */
	uint64_t figure;       /* SPOOLBOX_FIGURE, SPOOLBOX_BUDGET: ...what */
	uint64_t budget;       /* was measured, against what */
};

/* Where lines go instead of stderr (the broker under journald). */
typedef void (*log_sink_fn)(int prio, const struct log_about *a,
    const char *msg);

void log_init(const char *prog);
void log_set_debug(int on);
void log_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* prio: LOG_ERR, LOG_WARNING, LOG_INFO... (syslog.h). */
void log_event(int prio, const struct log_about *a, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Is stderr the journal's stream (JOURNAL_STREAM, systemd.exec(5))? Then
 * every line gets journald's "<N>" priority prefix, until a sink takes
 * them. */
int log_journal_stream(void);
void log_set_sink(log_sink_fn fn);
/* Length of the valid UTF-8 sequence at p (1-4), or 0 if it is not one. */
size_t text_utf8_len(const unsigned char *p);
/* s made safe for a log line or a terminal, at most width characters (0:
 * no limit): control characters (C0, DEL, C1) and invalid bytes as \xNN,
 * newlines and tabs as \n and \t. Into buf (len >= 16). Every log line
 * goes through it; the CLI's listings too. */
const char *text_safe(const char *s, size_t width, char *buf, size_t len);
void fatal(const char *fmt, ...)
	__attribute__((format(printf, 1, 2), noreturn));

#endif
