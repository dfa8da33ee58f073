/*
 * notify: telling systemd how the service is (sd_notify(3), libsystemd),
 * when it runs under a unit with Type=notify (NOTIFY_SOCKET set; without
 * it every call here does nothing): READY=1 once every worker slot that
 * should run has a process that said Hello, STATUS= with the workers and
 * queues, RELOADING=1 / READY=1 around a reload, STOPPING=1, and
 * WATCHDOG=1 from the poll loop at half the unit's WatchdogSec= (a broker
 * whose loop hangs is restarted by systemd).
 * Under journald (stderr is the journal's stream), the broker's lines go
 * as structured entries instead (sd_journal_sendv(3)): MESSAGE, PRIORITY,
 * SYSLOG_IDENTIFIER and the SPOOLBOX_* fields of what the line is about
 * (log.h). The workers' lines stay on the stream, with journald's "<N>"
 * priority prefix (log.c), since the journal's socket is not in their view.
 * Reports: one line when READY=1 is sent.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>
#include <unistd.h>

#include <systemd/sd-daemon.h>
#include <systemd/sd-journal.h>

#include "broker.h"
#include "log.h"
#include "util.h"

#define FIELD(name, ...)                                                   \
	do {                                                               \
		int n_ = snprintf(buf + used, sizeof(buf) - used,          \
		    name "=" __VA_ARGS__);                                 \
		if (n_ > 0 && used + (size_t)n_ < sizeof(buf)) {           \
			iov[niov].iov_base = buf + used;                   \
			iov[niov++].iov_len = (size_t)n_;                  \
			used += (size_t)n_ + 1;                            \
		}                                                          \
	} while (0)

static void
journal_sink(int prio, const struct log_about *a, const char *msg)
{
	char buf[2048];
	struct iovec iov[12];
	size_t used = 0;
	int niov = 0;

	FIELD("MESSAGE", "%s", msg);
	FIELD("PRIORITY", "%d", prio);
	FIELD("SYSLOG_IDENTIFIER", "%s", "spoolboxd");
	if (a != NULL && a->kind != NULL) {
		FIELD("SPOOLBOX_KIND", "%s", a->kind);
		FIELD("SPOOLBOX_INSTANCE", "%u", a->inst);
	}
	if (a != NULL && a->pid > 0)
		FIELD("SPOOLBOX_PID", "%ld", a->pid);
	if (a != NULL && a->job != 0)
		FIELD("SPOOLBOX_JOB", "%llu", (unsigned long long)a->job);
	if (a != NULL && a->queue != NULL && a->queue[0] != '\0')
		FIELD("SPOOLBOX_QUEUE", "%s", a->queue);
	if (a != NULL && a->reason != NULL && a->reason[0] != '\0')
		FIELD("SPOOLBOX_REASON", "%s", a->reason);
	if (a != NULL && a->budget != 0) {
		FIELD("SPOOLBOX_FIGURE", "%llu", (unsigned long long)a->figure);
		FIELD("SPOOLBOX_BUDGET", "%llu", (unsigned long long)a->budget);
	}
	/* journald gone: the line, on the stream, is still the journal's. */
	if (sd_journal_sendv(iov, niov) < 0)
		fprintf(stderr, "<%d>spoolboxd[%d]: %s\n", prio, (int)getpid(),
		    msg);
}

void
notify_journal(void)
{
	if (log_journal_stream())
		log_set_sink(journal_sink);
}

void
notify_init(struct broker *b)
{
	uint64_t usec = 0;

	b->notify = getenv("NOTIFY_SOCKET") != NULL;
	b->watchdog_ms = 0;
	if (b->notify && sd_watchdog_enabled(0, &usec) > 0)
		b->watchdog_ms = usec / 2000 ? usec / 2000 : 1;
	b->next_watchdog = 0;
	b->ready_sent = 0;
}

/* Every slot that should run has a process that said Hello. */
static int
all_ready(const struct broker *b, unsigned *ready, unsigned *want)
{
	*ready = *want = 0;
	for (size_t i = 0; i < b->nslots; i++) {
		const struct slot *s = &b->slots[i];
		if (s->dormant || b->failed[s->kind][0] != '\0')
			continue;
		(*want)++;
		*ready += s->cur != NULL && s->cur->state == W_READY;
	}
	return *ready == *want;
}

static void
send_status(struct broker *b, const char *extra)
{
	unsigned ready, want;

	all_ready(b, &ready, &want);
	sd_notifyf(0, "%sSTATUS=%s%s%s%u of %u workers ready, %zu queue(s)%s%s",
	    extra, b->degraded[0] ? "degraded: " : "", b->degraded,
	    b->degraded[0] ? "; " : "", ready, want, b->cfg.nqueues,
	    b->nlisten ? ", listening on " : "",
	    b->nlisten ? b->cfg.listen[0].addr : "");
}

void
notify_status(struct broker *b)
{
	if (b->notify && b->ready_sent)
		send_status(b, "");
}

void
notify_tick(struct broker *b, uint64_t now)
{
	unsigned ready, want;

	if (!b->notify)
		return;
	if (!b->ready_sent && all_ready(b, &ready, &want)) {
		b->ready_sent = 1;
		send_status(b, "READY=1\n");
		log_info("ready: told systemd (%u workers)", ready);
	}
	if (b->watchdog_ms != 0 && now >= b->next_watchdog) {
		sd_notify(0, "WATCHDOG=1");
		b->next_watchdog = now + b->watchdog_ms;
		send_status(b, "");
	}
}

int
notify_timeout(const struct broker *b, uint64_t now, int timeout)
{
	uint64_t left;

	if (!b->notify || b->watchdog_ms == 0)
		return timeout;
	left = b->next_watchdog > now ? b->next_watchdog - now : 0;
	if (timeout < 0 || (uint64_t)timeout > left)
		return (int)left;
	return timeout;
}

void
notify_reloading(struct broker *b)
{
	if (b->notify)
		sd_notify(0, "RELOADING=1");
}

void
notify_reloaded(struct broker *b, const char *msg)
{
	if (b->notify)
		sd_notifyf(0, "READY=1\nSTATUS=%s", msg);
}

void
notify_stopping(struct broker *b)
{
	if (b->notify)
		sd_notify(0, "STOPPING=1");
}
