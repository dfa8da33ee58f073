/*
 * log: the one logging ladder of every spoolbox process.
 * info / warn / error report and go on; fatal exits (start-up, privilege
 * drop, broken invariant); all lines go to stderr as "PROG[PID]: LEVEL: …".
 */
#ifndef SB_LOG_H
#define SB_LOG_H

#include <stdarg.h>

void log_init(const char *prog);
void log_set_debug(int on);
void log_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void fatal(const char *fmt, ...)
	__attribute__((format(printf, 1, 2), noreturn));

#endif
