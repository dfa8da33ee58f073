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
void fatal(const char *fmt, ...)
	__attribute__((format(printf, 1, 2), noreturn));

#endif
