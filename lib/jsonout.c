/*
 * jsonout: the listings' JSON (jsonout.h). Strings come from other users
 * (titles, file names) and from printers (their error texts): every one
 * goes through json_str().
 */
#include "jsonout.h"

#include <string.h>
#include <time.h>

#include "config.h"
#include "log.h"
#include "util.h"

static const char *const state_names[] = { "none", "pending", "processing",
	"printing", "completed", "held", "canceled", "aborted", "retry-wait" };

const char *
job_state_name(int state)
{
	return state >= 0 && state <= 8 ? state_names[state] : "?";
}

void
job_state_names(char *buf, size_t len)
{
	size_t at = 0;

	buf[0] = '\0';
	for (int k = 1; k <= 8 && at < len; k++)
		at += (size_t)snprintf(buf + at, len - at, "%s%s",
		    k > 1 ? ", " : "", state_names[k]);
}

int
job_states_parse(char *list, Sb__JobState *states, size_t max, size_t *n,
    const char **bad)
{
	char *save = NULL;

	*n = 0;
	for (char *t = strtok_r(list, ",", &save); t != NULL;
	    t = strtok_r(NULL, ",", &save)) {
		int k = 1;
		while (k <= 8 && strcmp(t, job_state_name(k)) != 0)
			k++;
		if (k > 8 || *n == max) {
			*bad = t;
			return -1;
		}
		states[(*n)++] = (Sb__JobState)k;
	}
	return 0;
}

void
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
json_str(FILE *f, const char *s)
{
	const unsigned char *p = (const unsigned char *)(s != NULL ? s : "");

	fputc('"', f);
	while (*p) {
		size_t n = text_utf8_len(p);
		if (n == 0) {
			fputs("\\ufffd", f);
			p++;
		} else if (*p == '"' || *p == '\\') {
			fprintf(f, "\\%c", *p++);
		} else if (*p < 0x20 || *p == 0x7f) {
			fprintf(f, "\\u%04x", *p++);
		} else {
			fwrite(p, 1, n, f);
			p += n;
		}
	}
	fputc('"', f);
}

static void
kv_str(FILE *f, const char *k, const char *v, int comma)
{
	fprintf(f, "%s\"%s\":", comma ? "," : "", k);
	json_str(f, v);
}

static void
kv_u(FILE *f, const char *k, unsigned long long v)
{
	fprintf(f, ",\"%s\":%llu", k, v);
}

/* ,"k":["v",...] */
static void
kv_strs(FILE *f, const char *k, char **v, size_t n)
{
	fprintf(f, ",\"%s\":[", k);
	for (size_t i = 0; i < n; i++) {
		if (i > 0)
			fputc(',', f);
		json_str(f, v[i]);
	}
	fputc(']', f);
}

void
json_job(FILE *f, const Sb__JobInfo *j)
{
	char sub[32], fin[32], nxt[32];

	iso_time(j->submitted, sub, sizeof(sub));
	iso_time(j->finished, fin, sizeof(fin));
	iso_time(j->next_attempt, nxt, sizeof(nxt));
	fprintf(f, "{\"id\":%llu", (unsigned long long)j->id);
	kv_str(f, "queue", j->queue, 1);
	kv_str(f, "state", job_state_name(j->state), 1);
	kv_str(f, "title", j->title, 1);
	kv_str(f, "user", j->user, 1);
	kv_u(f, "uid", j->uid);
	kv_u(f, "size", j->size);
	kv_u(f, "copies", j->copies);
	kv_str(f, "datatype", datatype_name(j->datatype), 1);
	kv_str(f, "printed_as", datatype_name(!j->converted
		? j->datatype
		: j->out_type), 1);
	kv_u(f, "priority", j->priority);
	kv_u(f, "attempts", j->attempts);
	kv_u(f, "pages", j->pages);
	kv_str(f, "last_error", j->last_error, 1);
	kv_str(f, "landed", j->landed, 1);
	kv_str(f, "submitted", sub, 1);
	kv_str(f, "finished", fin, 1);
	kv_str(f, "next_attempt", nxt, 1);
	kv_str(f, "hold_until", j->state == SB__JOB_STATE__HELD
		? j->hold_until
		: "", 1);
	iso_time(j->state == SB__JOB_STATE__HELD ? j->hold_at : 0, nxt,
	    sizeof(nxt));
	kv_str(f, "hold_at", nxt, 1);
	fputc('}', f);
}

/* A pool's printers, "members". */
static void
pool_members(FILE *f, const Sb__QueueInfo *q)
{
	fprintf(f, ",\"members\":[");
	for (size_t k = 0; k < q->n_members; k++) {
		const Sb__PoolMember *m = q->members[k];
		fprintf(f, "%s{", k ? "," : "");
		kv_str(f, "uri", m->uri, 0);
		kv_str(f, "state", m->state, 1);
		kv_u(f, "jobs", m->jobs);
		kv_str(f, "error", m->error, 1);
		fputc('}', f);
	}
	fputc(']', f);
}

/* What an ipp:// queue's printer said it can do (the broker asked). */
static void
printer_caps(FILE *f, const Sb__PrinterCaps *c)
{
	if (c == NULL)
		return;
	fprintf(f, ",\"printer_caps\":{");
	kv_str(f, "error", c->error, 0);
	kv_strs(f, "media", c->media, c->n_media);
	kv_strs(f, "sides", c->sides, c->n_sides);
	kv_strs(f, "color_modes", c->color_modes, c->n_color_modes);
	kv_strs(f, "resolutions", c->resolutions, c->n_resolutions);
	kv_strs(f, "supplies", c->supply_descriptions,
	    c->n_supply_descriptions);
	fprintf(f, ",\"fetched\":%lld}", (long long)c->fetched);
}

void
json_queue(FILE *f, const Sb__QueueInfo *q)
{
	fputc('{', f);
	kv_str(f, "name", q->name, 0);
	kv_str(f, "state", q->state, 1);
	kv_str(f, "reason", q->reason, 1);
	fprintf(f, ",\"accepting\":%s", q->accepting ? "true" : "false");
	kv_str(f, "reject_reason", q->reject_reason, 1);
	kv_str(f, "uri", q->uri, 1);
	kv_str(f, "datatype", datatype_name(q->datatype), 1);
	kv_u(f, "pending", q->pending);
	kv_u(f, "active", q->active);
	kv_u(f, "completed", q->completed);
	kv_u(f, "uploads", q->uploads);
	kv_u(f, "upload_bytes", q->upload_bytes);
	kv_str(f, "printer_state", q->printer_state, 1);
	fprintf(f, ",\"printer_takes\":[");
	for (int dt = 0, n = 0; dt < 32; dt++)
		if (q->takes & (1u << dt))
			fprintf(f, "%s\"%s\"", n++ ? "," : "",
			    datatype_name(dt));
	fputc(']', f);
	kv_strs(f, "inbound", q->inbound, q->n_inbound);
	printer_caps(f, q->caps);
	pool_members(f, q);
	fputc('}', f);
}

void
json_worker(FILE *f, const Sb__WorkerInfo *w)
{
	fputc('{', f);
	kv_str(f, "kind", kind_name(w->kind), 0);
	kv_u(f, "instance", w->instance);
	kv_u(f, "pid", w->pid);
	kv_str(f, "state", w->state, 1);
	kv_u(f, "private_bytes", w->private_bytes);
	kv_u(f, "fds", w->fds);
	kv_u(f, "jobs", w->jobs);
	kv_u(f, "uptime_ms", w->uptime_ms);
	kv_u(f, "restarts", w->restarts);
	kv_u(f, "recycles", w->recycles);
	kv_u(f, "memory_budget", w->memory_budget);
	kv_u(f, "memory_limit", w->memory_limit);
	kv_u(f, "handle_budget", w->handle_budget);
	kv_str(f, "kernel_limit", w->kernel_limit, 1);
	fprintf(f, ",\"sandbox\":{");
	kv_str(f, "seccomp", w->seccomp, 0);
	kv_u(f, "syscalls", w->syscalls);
	kv_u(f, "landlock_abi", w->landlock_abi);
	kv_str(f, "namespaces", w->namespaces, 1);
	kv_u(f, "uid", w->uid);
	kv_u(f, "seccomp_status", w->seccomp_status);
	kv_u(f, "no_new_privs", w->no_new_privs);
	kv_str(f, "cap_eff", w->cap_eff, 1);
	kv_u(f, "own_netns", w->own_netns);
	kv_u(f, "own_mntns", w->own_mntns);
	fputc('}', f);
	kv_str(f, "last_reason", w->last_reason, 1);
	kv_u(f, "current_job", w->current_job);
	fputc('}', f);
}

void
json_account(FILE *f, const Sb__AccountRecord *a)
{
	char t[3][32];

	iso_time(a->submitted, t[0], 32);
	iso_time(a->started, t[1], 32);
	iso_time(a->finished, t[2], 32);
	fprintf(f, "{\"seq\":%llu", (unsigned long long)a->seq);
	kv_u(f, "job", a->job_id);
	kv_str(f, "owner", a->owner, 1);
	kv_str(f, "host", a->host, 1);
	kv_str(f, "queue", a->queue, 1);
	kv_str(f, "printer", a->printer, 1);
	kv_str(f, "type", datatype_name(a->datatype), 1);
	kv_u(f, "pages", a->pages);
	kv_u(f, "copies", a->copies);
	kv_u(f, "bytes", a->bytes);
	kv_str(f, "submitted", t[0], 1);
	kv_str(f, "started", t[1], 1);
	kv_str(f, "finished", t[2], 1);
	kv_str(f, "result", job_state_name(a->result), 1);
	kv_str(f, "error", a->error, 1);
	fputc('}', f);
}

void
json_queues(FILE *f, const Sb__QueuesRep *r)
{
	fputc('[', f);
	for (size_t i = 0; i < r->n_queues; i++) {
		if (i > 0)
			fputc(',', f);
		json_queue(f, r->queues[i]);
	}
	fputs("]\n", f);
}

void
json_workers(FILE *f, const Sb__WorkersRep *r)
{
	fputc('[', f);
	for (size_t i = 0; i < r->n_workers; i++) {
		if (i > 0)
			fputc(',', f);
		json_worker(f, r->workers[i]);
	}
	fputs("]\n", f);
}
