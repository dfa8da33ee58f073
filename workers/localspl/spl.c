/*
 * spl: the services localspl's request, scheduler and port files share,
 * below all of them: a queue by name, messages to the broker, and the
 * rules for which type a queue's printer gets a job in.
 * Reports: nothing; the callers say what failed.
 */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "config.h"
#include "localspl.h"

int
spl_wait_ms(int64_t due, int64_t now)
{
	if (due <= now)
		return 0;
	return due - now > SPL_WAIT_MAX ? SPL_WAIT_MAX : (int)(due - now);
}

int
spl_sooner(int a, int b)
{
	return a < 0 || (b >= 0 && b < a) ? b : a;
}

void
spl_job_final(struct spl *s, uint64_t id)
{
	for (struct spl_waiter *w = s->waiters; w != NULL; w = w->next)
		if (w->e->jobs_req->job_id == id)
			w->until = 0;
}

struct queue *
spl_queue(struct spl *s, const char *name)
{
	for (size_t i = 0; i < s->nqueues; i++)
		if (strcmp(s->queues[i].cfg->name, name) == 0)
			return &s->queues[i];
	return NULL;
}

void
spl_send(struct spl *s, sb_env *e, uint64_t id)
{
	e->id = id;
	worker_send(s->w, e);
}

void
spl_reply_error(struct spl *s, uint64_t id, int code, const char *fmt, ...)
{
	Sb__ErrorRep er = SB__ERROR_REP__INIT;
	char msg[512];
	va_list ap;
	sb_env e;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	chan_env_init(&e);
	e.body_case = SB__ENVELOPE__BODY_ERROR_REP;
	e.error_rep = &er;
	er.code = code;
	er.message = msg;
	spl_send(s, &e, id);
}

#define TYPE_BIT(dt) (1u << (dt))

/* Does the printer of q take dt, as far as it said? (Taking
 * application/octet-stream, RAW, is for printer languages: remote sends
 * those so; text or PDF goes to a printer that names it.) */
int
spl_printer_takes(const struct queue *q, int dt)
{
	return q->takes == 0 || (q->takes & TYPE_BIT(dt)) != 0 ||
	    (datatype_printer_ready(dt) &&
		(q->takes & TYPE_BIT(SB__DATA_TYPE__RAW)) != 0);
}

/* The queue's datatype when the config sets one; otherwise what the
 * printer said it takes (remote queues), PDF first; printer-ready data
 * and anything without a conversion go as they are. */
int
spl_target_type(const struct job *j, const struct queue *q)
{
	static const int preferred[] = { SB__DATA_TYPE__PDF,
		SB__DATA_TYPE__POSTSCRIPT };
	int dt = j->datatype;

	if (datatype_printer_ready(dt))
		return dt;
	if (q->cfg->datatype != SB__DATA_TYPE__RAW)
		return (int)q->cfg->datatype;
	if (spl_printer_takes(q, dt))
		return dt;
	for (size_t i = 0; i < 2; i++)
		if (spl_printer_takes(q, preferred[i]) &&
		    conversion_exists(dt, preferred[i]))
			return preferred[i];
	return dt;
}

int
spl_queue_accepts(const struct queue *q, int from)
{
	if (datatype_printer_ready(from))
		return 1;
	if (q->cfg->datatype != SB__DATA_TYPE__RAW)
		return conversion_exists(from, (int)q->cfg->datatype);
	for (int dt = 0; dt < 32; dt++)
		if (spl_printer_takes(q, dt) && conversion_exists(from, dt))
			return 1;
	return 0;
}

/* What j's output file holds. */
static int
out_type(const struct job *j, const struct queue *q)
{
	return j->out_type != SB__DATA_TYPE__DT_NONE
	    ? j->out_type
	    : (int)q->cfg->datatype;
}

int
spl_delivered_type(const struct job *j, const struct queue *q)
{
	return j->converted ? out_type(j, q) : j->datatype;
}

