/*
 * notify: telling systemd how the service is (sd_notify(3), libsystemd),
 * when it runs under a unit with Type=notify (NOTIFY_SOCKET set; without
 * it every call here does nothing): READY=1 once every worker slot that
 * should run has a process that said Hello, STATUS= with the workers and
 * queues, RELOADING=1 / READY=1 around a reload, STOPPING=1, and
 * WATCHDOG=1 from the poll loop at half the unit's WatchdogSec= (a broker
 * whose loop hangs is restarted by systemd).
 * Reports: one line when READY=1 is sent.
 */
#include <stdio.h>
#include <stdlib.h>

#include <systemd/sd-daemon.h>

#include "broker.h"
#include "log.h"
#include "util.h"

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
	sd_notifyf(0, "%sSTATUS=%u of %u workers ready, %zu queue(s)%s%s",
	    extra, ready, want, b->cfg.nqueues,
	    b->nlisten ? ", listening on " : "",
	    b->nlisten ? b->cfg.listen[0].addr : "");
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
