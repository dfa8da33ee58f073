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
#include "log.h"
#include "util.h"

static const char *const state_names[] = { "none", "pending", "processing",
	"printing", "completed", "held", "canceled", "aborted", "retry-wait" };

const char *
output_state_name(int state)
{
	return state >= 0 && state <= 8 ? state_names[state] : "?";
}


static void
json_str(const char *s)
{
	const unsigned char *p = (const unsigned char *)(s != NULL ? s : "");

	putchar('"');
	while (*p) {
		size_t n = text_utf8_len(p);
		if (n == 0) {
			fputs("\\ufffd", stdout);
			p++;
		} else if (*p == '"' || *p == '\\') {
			printf("\\%c", *p++);
		} else if (*p < 0x20 || *p == 0x7f) {
			printf("\\u%04x", *p++);
		} else {
			fwrite(p, 1, n, stdout);
			p += n;
		}
	}
	putchar('"');
}


static void
json_kv_str(const char *k, const char *v, int comma)
{
	printf("%s\"%s\":", comma ? "," : "", k);
	json_str(v);
}

static void
json_kv_u(const char *k, unsigned long long v)
{
	printf(",\"%s\":%llu", k, v);
}

static void
iso_time(int64_t ms, char *buf, size_t len)
{
	time_t t = (time_t)(ms / 1000);
	struct tm tm;

	if (ms <= 0 || gmtime_r(&t, &tm) == NULL) {
		snprintf(buf, len, "-");
		return;
	}
	strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

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

static void
job_json(const Sb__JobInfo *j)
{
	char sub[32], fin[32], nxt[32];

	iso_time(j->submitted, sub, sizeof(sub));
	iso_time(j->finished, fin, sizeof(fin));
	iso_time(j->next_attempt, nxt, sizeof(nxt));
	printf("{\"id\":%llu", (unsigned long long)j->id);
	json_kv_str("queue", j->queue, 1);
	json_kv_str("state", output_state_name(j->state), 1);
	json_kv_str("title", j->title, 1);
	json_kv_str("user", j->user, 1);
	json_kv_u("uid", j->uid);
	json_kv_u("size", j->size);
	json_kv_u("copies", j->copies);
	json_kv_str("datatype", datatype_name(j->datatype), 1);
	json_kv_str("printed_as", datatype_name(!j->converted
		? j->datatype
		: j->out_type), 1);
	json_kv_u("priority", j->priority);
	json_kv_u("attempts", j->attempts);
	json_kv_u("pages", j->pages);
	json_kv_str("last_error", j->last_error, 1);
	json_kv_str("landed", j->landed, 1);
	json_kv_str("submitted", sub, 1);
	json_kv_str("finished", fin, 1);
	json_kv_str("next_attempt", nxt, 1);
	json_kv_str("hold_until", j->state == SB__JOB_STATE__HELD
		? j->hold_until
		: "", 1);
	iso_time(j->state == SB__JOB_STATE__HELD ? j->hold_at : 0, nxt,
	    sizeof(nxt));
	json_kv_str("hold_at", nxt, 1);
	putchar('}');
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
			job_json(j);
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
		    output_state_name(j->state),
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

/* ,"k":["v",...] */
static void
json_kv_strs(const char *k, char **v, size_t n)
{
	printf(",\"%s\":[", k);
	for (size_t i = 0; i < n; i++) {
		if (i > 0)
			putchar(',');
		json_str(v[i]);
	}
	putchar(']');
}

/* A pool's printers: as text, a line each under the queue's; as JSON,
 * "members". */
static void
pool_members(const Sb__QueueInfo *q, int json)
{
	char e[512], u[1100];

	if (json) {
		printf(",\"members\":[");
		for (size_t k = 0; k < q->n_members; k++) {
			const Sb__PoolMember *m = q->members[k];
			printf("%s{", k ? "," : "");
			json_kv_str("uri", m->uri, 0);
			json_kv_str("state", m->state, 1);
			json_kv_u("jobs", m->jobs);
			json_kv_str("error", m->error, 1);
			putchar('}');
		}
		putchar(']');
		return;
	}
	for (size_t k = 0; k < q->n_members; k++) {
		const Sb__PoolMember *m = q->members[k];
		printf("  %-11s %-40s %6llu jobs%s%s\n", m->state,
		    text_safe(m->uri, 0, u, sizeof(u)),
		    (unsigned long long)m->jobs, m->error[0] ? "  last: " : "",
		    text_safe(m->error, 0, e, sizeof(e)));
	}
}

/* What an ipp:// queue's printer said it can do (the broker asked). */
static void
json_caps(const Sb__PrinterCaps *c)
{
	if (c == NULL)
		return;
	printf(",\"printer_caps\":{");
	json_kv_str("error", c->error, 0);
	json_kv_strs("media", c->media, c->n_media);
	json_kv_strs("sides", c->sides, c->n_sides);
	json_kv_strs("color_modes", c->color_modes, c->n_color_modes);
	json_kv_strs("resolutions", c->resolutions, c->n_resolutions);
	json_kv_strs("supplies", c->supply_descriptions,
	    c->n_supply_descriptions);
	printf(",\"fetched\":%lld}", (long long)c->fetched);
}

void
output_queues(const Sb__QueuesRep *r, int json)
{
	char why[2048], ps[512], rj[512];

	if (json)
		putchar('[');
	else
		printf("%-12s %-8s %7s %6s %9s  %-11s %s\n", "QUEUE", "STATE",
		    "PENDING", "ACTIVE", "COMPLETED", "DATATYPE", "URI");
	for (size_t i = 0; i < r->n_queues; i++) {
		const Sb__QueueInfo *q = r->queues[i];
		if (!json) {
			printf("%-12s %-8s %7u %6u %9llu  %-11s %s%s%s%s%s%s%s",
			    q->name, q->state, q->pending, q->active,
			    (unsigned long long)q->completed,
			    datatype_name(q->datatype), q->uri,
			    q->reason[0] ? "  " : "",
			    text_safe(q->reason, 0, why, sizeof(why)),
			    q->accepting ? "" : "  rejecting: ",
			    q->accepting ? "" : text_safe(q->reject_reason,
							0, rj, sizeof(rj)),
			    q->printer_state[0] ? "  printer: " : "",
			    text_safe(q->printer_state, 0, ps, sizeof(ps)));
			for (size_t k = 0; k < q->n_inbound; k++)
				printf("%s%s", k ? " " : "  from: ",
				    text_safe(q->inbound[k], 0, ps,
					sizeof(ps)));
			putchar('\n');
			pool_members(q, 0);
			continue;
		}
		printf("%s{", i ? "," : "");
		json_kv_str("name", q->name, 0);
		json_kv_str("state", q->state, 1);
		json_kv_str("reason", q->reason, 1);
		printf(",\"accepting\":%s", q->accepting ? "true" : "false");
		json_kv_str("reject_reason", q->reject_reason, 1);
		json_kv_str("uri", q->uri, 1);
		json_kv_str("datatype", datatype_name(q->datatype), 1);
		json_kv_u("pending", q->pending);
		json_kv_u("active", q->active);
		json_kv_u("completed", q->completed);
		json_kv_u("uploads", q->uploads);
		json_kv_u("upload_bytes", q->upload_bytes);
		json_kv_str("printer_state", q->printer_state, 1);
		printf(",\"printer_takes\":[");
		for (int dt = 0, n = 0; dt < 32; dt++)
			if (q->takes & (1u << dt))
				printf("%s\"%s\"", n++ ? "," : "",
				    datatype_name(dt));
		printf("],\"inbound\":[");
		for (size_t k = 0; k < q->n_inbound; k++) {
			if (k > 0)
				putchar(',');
			json_str(q->inbound[k]);
		}
		putchar(']');
		json_caps(q->caps);
		pool_members(q, 1);
		putchar('}');
	}
	if (json)
		puts("]");
}

void
output_workers(const Sb__WorkersRep *r, int json)
{
	char priv[32], why[1024];

	if (json)
		putchar('[');
	else
		printf("%-10s %4s %7s %-8s %10s %4s %7s %9s %8s %8s  %s\n",
		    "KIND", "INST", "PID", "STATE", "PRIVATE", "FDS", "JOBS",
		    "UPTIME", "RESTARTS", "RECYCLES", "LAST REASON");
	for (size_t i = 0; i < r->n_workers; i++) {
		const Sb__WorkerInfo *w = r->workers[i];
		if (!json) {
			snprintf(priv, sizeof(priv), "%.1fM",
			    (double)w->private_bytes / (1 << 20));
			printf("%-10s %4u %7u %-8s %10s %4u %7llu %8.1fs %8u "
			       "%8u  %s\n",
			    kind_name(w->kind), w->instance, w->pid, w->state,
			    priv, w->fds, (unsigned long long)w->jobs,
			    (double)w->uptime_ms / 1000, w->restarts,
			    w->recycles,
			    text_safe(w->last_reason, 0, why, sizeof(why)));
			continue;
		}
		printf("%s{", i ? "," : "");
		json_kv_str("kind", kind_name(w->kind), 0);
		json_kv_u("instance", w->instance);
		json_kv_u("pid", w->pid);
		json_kv_str("state", w->state, 1);
		json_kv_u("private_bytes", w->private_bytes);
		json_kv_u("fds", w->fds);
		json_kv_u("jobs", w->jobs);
		json_kv_u("uptime_ms", w->uptime_ms);
		json_kv_u("restarts", w->restarts);
		json_kv_u("recycles", w->recycles);
		json_kv_u("memory_budget", w->memory_budget);
		json_kv_u("memory_limit", w->memory_limit);
		json_kv_u("handle_budget", w->handle_budget);
		json_kv_str("kernel_limit", w->kernel_limit, 1);
		printf(",\"sandbox\":{");
		json_kv_str("seccomp", w->seccomp, 0);
		json_kv_u("syscalls", w->syscalls);
		json_kv_u("landlock_abi", w->landlock_abi);
		json_kv_str("namespaces", w->namespaces, 1);
		json_kv_u("uid", w->uid);
		json_kv_u("seccomp_status", w->seccomp_status);
		json_kv_u("no_new_privs", w->no_new_privs);
		json_kv_str("cap_eff", w->cap_eff, 1);
		json_kv_u("own_netns", w->own_netns);
		json_kv_u("own_mntns", w->own_mntns);
		putchar('}');
		json_kv_str("last_reason", w->last_reason, 1);
		json_kv_u("current_job", w->current_job);
		putchar('}');
	}
	if (json)
		puts("]");
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
account_json(const Sb__AccountRecord *a)
{
	char t[3][32];

	account_times(a, t);
	printf("{\"seq\":%llu", (unsigned long long)a->seq);
	json_kv_u("job", a->job_id);
	json_kv_str("owner", a->owner, 1);
	json_kv_str("host", a->host, 1);
	json_kv_str("queue", a->queue, 1);
	json_kv_str("printer", a->printer, 1);
	json_kv_str("type", datatype_name(a->datatype), 1);
	json_kv_u("pages", a->pages);
	json_kv_u("copies", a->copies);
	json_kv_u("bytes", a->bytes);
	json_kv_str("submitted", t[0], 1);
	json_kv_str("started", t[1], 1);
	json_kv_str("finished", t[2], 1);
	json_kv_str("result", output_state_name(a->result), 1);
	json_kv_str("error", a->error, 1);
	putchar('}');
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
	    t[2], output_state_name(a->result));
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
			account_json(a);
		} else if (format == OUTPUT_CSV) {
			account_csv(a);
		} else {
			iso_time(a->finished, fin, sizeof(fin));
			printf("%-7llu %-20s %-10s %-8s %5u %3u %10llu %-20s %s\n",
			    (unsigned long long)a->job_id,
			    text_safe(a->owner, 0, owner, sizeof(owner)),
			    a->queue, output_state_name(a->result), a->pages,
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
		if (u->period_ms % 86400000 == 0)
			snprintf(per, sizeof(per), "%llud",
			    (unsigned long long)(u->period_ms / 86400000));
		else
			snprintf(per, sizeof(per), "%llus",
			    (unsigned long long)(u->period_ms / 1000));
		printf("%-20s %-6s %10llu %10s %10llu %10llu\n",
		    u->queue[0] ? u->queue : "(all queues)", u->kind,
		    (unsigned long long)u->limit, per,
		    (unsigned long long)u->used,
		    (unsigned long long)(u->used < u->limit ? u->limit - u->used
							    : 0));
	}
}
