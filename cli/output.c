/*
 * output: listings for `spoolbox jobs|queues|workers`, as text for people
 * and as JSON (one array of objects) for scripts. Strings come from other
 * users (titles, file names) and from printers (their error texts): text
 * output escapes every control character and invalid UTF-8 byte (so no
 * newline fakes a row and no escape sequence reaches the terminal); JSON
 * output is always valid UTF-8 (an invalid byte becomes U+FFFD).
 */
#include "output.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "config.h"
#include "jsonout.h"
#include "log.h"
#include "util.h"





void
output_jobs_begin(int json, int attempts)
{
	if (json)
		putchar('[');
	else if (attempts)
		printf("%-8s %-12s %-10s %-10s %10s %-10s %5s %8s  %-20s %s\n",
		    "ID", "QUEUE", "STATE", "USER", "SIZE", "TYPE", "PAGES",
		    "ATTEMPTS", "TITLE", "DETAIL");
	else
		printf("%-8s %-12s %-10s %-10s %10s %-10s %5s  %-20s %s\n",
		    "ID", "QUEUE", "STATE", "USER", "SIZE", "TYPE", "PAGES",
		    "TITLE", "DETAIL");
}


/* One page; *first: nothing printed yet (JSON's commas). */
void
output_jobs_page(const Sb__JobsRep *r, int json, int attempts, int *first)
{
	char t[256], d[4096], u[256], pages[16], tries[16];

	for (size_t i = 0; i < r->n_jobs; i++) {
		const Sb__JobInfo *j = r->jobs[i];
		if (json) {
			if (!*first)
				putchar(',');
			json_job(stdout, j);
			*first = 0;
			continue;
		}
		const char *detail = j->state == SB__JOB_STATE__COMPLETED
		    ? j->landed
		    : j->last_error;
		char held[96], at[32];
		if (j->state == SB__JOB_STATE__HELD &&
		    j->last_error[0] == '\0') {
			iso_time(j->hold_at, at, sizeof(at));
			snprintf(held, sizeof(held), "held (%s) until %s",
			    j->hold_until[0] ? j->hold_until : "indefinite",
			    j->hold_at ? at : "released");
			detail = held;
		}
		/* %-20s pads by bytes; a UTF-8 title may show narrower,
		 * never longer than 20 characters. */
		snprintf(pages, sizeof(pages), "-");
		if (j->pages > 0)
			snprintf(pages, sizeof(pages), "%u", j->pages);
		snprintf(tries, sizeof(tries), "%u", j->attempts);
		printf("%-8llu %-12s %-10s %-10s %10llu %-10s %5s%s%*s  %-20s "
		    "%s\n",
		    (unsigned long long)j->id, j->queue,
		    job_state_name(j->state),
		    text_safe(j->user, 0, u, sizeof(u)),
		    (unsigned long long)j->size, datatype_name(j->datatype),
		    pages, attempts ? " " : "", attempts ? 8 : 0,
		    attempts ? tries : "", text_safe(j->title, 20, t,
						sizeof(t)),
		    text_safe(detail, 0, d, sizeof(d)));
		*first = 0;
	}
	fflush(stdout);
}

void
output_jobs_end(int json)
{
	if (json)
		puts("]");
}


/* A pool's printers, a line each under the queue's. */
static void
pool_members(const Sb__QueueInfo *q)
{
	char e[512], u[1100];

	for (size_t k = 0; k < q->n_members; k++) {
		const Sb__PoolMember *m = q->members[k];
		printf("  %-11s %-40s %6llu jobs%s%s\n", m->state,
		    text_safe(m->uri, 0, u, sizeof(u)),
		    (unsigned long long)m->jobs, m->error[0] ? "  last: " : "",
		    text_safe(m->error, 0, e, sizeof(e)));
	}
}


void
output_queues(const Sb__QueuesRep *r, int json)
{
	char why[2048], ps[512], rj[512];

	if (json) {
		json_queues(stdout, r);
		return;
	}
	printf("%-12s %-8s %7s %6s %9s  %-11s %s\n", "QUEUE", "STATE",
	    "PENDING", "ACTIVE", "COMPLETED", "DATATYPE", "URI");
	for (size_t i = 0; i < r->n_queues; i++) {
		const Sb__QueueInfo *q = r->queues[i];
		printf("%-12s %-8s %7u %6u %9llu  %-11s %s%s%s%s%s%s%s", q->name,
		    q->state, q->pending, q->active,
		    (unsigned long long)q->completed,
		    datatype_name(q->datatype), q->uri,
		    q->reason[0] ? "  " : "",
		    text_safe(q->reason, 0, why, sizeof(why)),
		    q->accepting ? "" : "  rejecting: ",
		    q->accepting ? "" : text_safe(q->reject_reason, 0, rj,
						sizeof(rj)),
		    q->printer_state[0] ? "  printer: " : "",
		    text_safe(q->printer_state, 0, ps, sizeof(ps)));
		for (size_t k = 0; k < q->n_inbound; k++)
			printf("%s%s", k ? " " : "  from: ",
			    text_safe(q->inbound[k], 0, ps, sizeof(ps)));
		putchar('\n');
		pool_members(q);
	}
}

void
output_workers(const Sb__WorkersRep *r, int json)
{
	char priv[32], why[1024];

	if (json) {
		json_workers(stdout, r);
		return;
	}
	printf("%-10s %4s %7s %-8s %10s %4s %7s %9s %8s %8s  %s\n", "KIND",
	    "INST", "PID", "STATE", "PRIVATE", "FDS", "JOBS", "UPTIME",
	    "RESTARTS", "RECYCLES", "LAST REASON");
	for (size_t i = 0; i < r->n_workers; i++) {
		const Sb__WorkerInfo *w = r->workers[i];
		snprintf(priv, sizeof(priv), "%.1fM",
		    (double)w->private_bytes / (1 << 20));
		printf("%-10s %4u %7u %-8s %10s %4u %7llu %8.1fs %8u %8u  %s\n",
		    kind_name(w->kind), w->instance, w->pid, w->state, priv,
		    w->fds, (unsigned long long)w->jobs,
		    (double)w->uptime_ms / 1000, w->restarts, w->recycles,
		    text_safe(w->last_reason, 0, why, sizeof(why)));
	}
}

/* used/budget as a bar of width cells: '#' used, '.' left; '!' past it. */
static void
bar(uint64_t used, uint64_t budget, int width)
{
	int n = budget ? (int)(used * (uint64_t)width / budget) : 0;

	putchar('[');
	for (int i = 0; i < width; i++)
		putchar(i < n ? (n > width ? '!' : '#') : '.');
	putchar(']');
}

void
output_status(const char *sock, const Sb__WorkersRep *w,
    const Sb__QueuesRep *q)
{
	unsigned ready = 0, total = 0, stopped = 0;
	char used[32], budget[32], why[512];

	for (size_t i = 0; i < w->n_workers; i++) {
		total++;
		ready += strcmp(w->workers[i]->state, "ready") == 0 ||
		    strcmp(w->workers[i]->state, "busy") == 0;
	}
	for (size_t i = 0; i < q->n_queues; i++)
		stopped += strcmp(q->queues[i]->state, "ready") != 0;
	printf("spoolboxd: answering on %s; %u of %u worker processes ready; "
	       "%zu queue(s), %u stopped\n",
	    sock != NULL ? sock : "(default socket)", ready, total,
	    q->n_queues, stopped);
	if (w->degraded[0] != '\0')
		printf("DEGRADED: %s\n", text_safe(w->degraded, 0, why,
					       sizeof(why)));
	putchar('\n');
	printf("%-12s %7s %-9s %-24s %-24s %s\n", "WORKER", "PID", "STATE",
	    "MEMORY (used/budget)", "HANDLES (used/budget)", "RECYCLES");
	for (size_t i = 0; i < w->n_workers; i++) {
		const Sb__WorkerInfo *x = w->workers[i];
		char name[24], h[24];
		snprintf(name, sizeof(name), "%s.%u", kind_name((int)x->kind),
		    x->instance);
		format_size(x->private_bytes, used, sizeof(used));
		format_size(x->memory_budget, budget, sizeof(budget));
		printf("%-12s %7u %-9s ", name, x->pid, x->state);
		bar(x->private_bytes, x->memory_budget, 10);
		printf(" %5s/%-6s ", used, budget);
		bar(x->fds, x->handle_budget, 10);
		snprintf(h, sizeof(h), "%u/%u", x->fds, x->handle_budget);
		printf(" %-11s %u\n", h, x->recycles);
	}
	printf("\n%-12s %-8s %7s %6s %9s\n", "QUEUE", "STATE", "PENDING",
	    "ACTIVE", "COMPLETED");
	for (size_t i = 0; i < q->n_queues; i++) {
		const Sb__QueueInfo *x = q->queues[i];
		printf("%-12s %-8s %7u %6u %9llu%s%s\n", x->name, x->state,
		    x->pending, x->active, (unsigned long long)x->completed,
		    x->reason[0] ? "  " : "",
		    text_safe(x->reason, 0, why, sizeof(why)));
	}
	printf("\nLAST RECYCLES AND RESTARTS\n");
	if (w->n_recent == 0)
		printf("  none\n");
	for (size_t i = 0; i < w->n_recent && i < 5; i++) {
		const Sb__WorkerEvent *e = w->recent[i];
		time_t t = (time_t)(e->at / 1000);
		struct tm tm;
		char when[32];
		gmtime_r(&t, &tm);
		strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%SZ", &tm);
		printf("  %s %s.%u pid %u %s: %s\n", when,
		    kind_name((int)e->kind), e->instance, e->pid, e->what,
		    text_safe(e->reason, 0, why, sizeof(why)));
	}
}

/* ---- accounting ---- */

/* A CSV field: quoted, its quotes doubled, what is not printable '?'. */
static void
csv_str(const char *s, int comma)
{
	if (comma)
		putchar(',');
	putchar('"');
	for (; *s; s++)
		if (*s == '"')
			fputs("\"\"", stdout);
		else
			putchar((unsigned char)*s < 0x20 ? '?' : *s);
	putchar('"');
}

void
output_accounting_begin(int format)
{
	if (format == OUTPUT_JSON)
		putchar('[');
	else if (format == OUTPUT_CSV)
		puts("job,owner,host,queue,printer,type,pages,copies,bytes,"
		     "submitted,started,finished,result,error");
	else
		printf("%-7s %-20s %-10s %-8s %5s %3s %10s %-20s %s\n", "JOB",
		    "OWNER", "QUEUE", "RESULT", "PAGES", "CPY", "BYTES",
		    "FINISHED", "PRINTER");
}

/* A record's submitted, started and finished times, as ISO 8601. */
static void
account_times(const Sb__AccountRecord *a, char t[3][32])
{
	iso_time(a->submitted, t[0], 32);
	iso_time(a->started, t[1], 32);
	iso_time(a->finished, t[2], 32);
}


static void
account_csv(const Sb__AccountRecord *a)
{
	char t[3][32];

	account_times(a, t);
	printf("%llu", (unsigned long long)a->job_id);
	csv_str(a->owner, 1);
	csv_str(a->host, 1);
	csv_str(a->queue, 1);
	csv_str(a->printer, 1);
	printf(",%s,%u,%u,%llu,%s,%s,%s,%s", datatype_name(a->datatype),
	    a->pages, a->copies, (unsigned long long)a->bytes, t[0], t[1],
	    t[2], job_state_name(a->result));
	csv_str(a->error, 1);
	putchar('\n');
}

void
output_accounting_page(const Sb__AccountingRep *r, int format, int *first)
{
	char owner[256], printer[512], fin[32];

	for (size_t i = 0; i < r->n_records; i++) {
		const Sb__AccountRecord *a = r->records[i];
		if (format == OUTPUT_JSON) {
			if (!*first)
				putchar(',');
			json_account(stdout, a);
		} else if (format == OUTPUT_CSV) {
			account_csv(a);
		} else {
			iso_time(a->finished, fin, sizeof(fin));
			printf("%-7llu %-20s %-10s %-8s %5u %3u %10llu %-20s %s\n",
			    (unsigned long long)a->job_id,
			    text_safe(a->owner, 0, owner, sizeof(owner)),
			    a->queue, job_state_name(a->result), a->pages,
			    a->copies, (unsigned long long)a->bytes, fin,
			    text_safe(a->printer, 0, printer, sizeof(printer)));
		}
		*first = 0;
	}
}

void
output_accounting_end(int format)
{
	if (format == OUTPUT_JSON)
		puts("]");
}

void
output_quota(const Sb__QuotaRep *r)
{
	char who[256];

	if (r->n_uses == 0) {
		printf("no page_quota or job_quota applies to %s\n",
		    text_safe(r->user, 0, who, sizeof(who)));
		return;
	}
	printf("%-20s %-6s %10s %10s %10s %10s\n", "QUEUE", "KIND", "LIMIT",
	    "PERIOD", "USED", "LEFT");
	for (size_t i = 0; i < r->n_uses; i++) {
		const Sb__QuotaUse *u = r->uses[i];
		char per[32];
		format_duration(u->period_ms, per, sizeof(per));
		printf("%-20s %-6s %10llu %10s %10llu %10llu\n",
		    u->queue[0] ? u->queue : "(all queues)", u->kind,
		    (unsigned long long)u->limit, per,
		    (unsigned long long)u->used,
		    (unsigned long long)(u->used < u->limit ? u->limit - u->used
							    : 0));
	}
}
