/*
 * metrics: see metrics.h. Every family is written whole (HELP, TYPE, its
 * samples) so that promtool accepts it; label values are escaped as the
 * format asks, though they are the config's and the broker's own names.
 */
#include "metrics.h"

#include <string.h>

#include "config.h"

static void
family(FILE *f, const char *name, const char *type, const char *help)
{
	fprintf(f, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

static void
label(FILE *f, const char *k, const char *v, int comma)
{
	fprintf(f, "%s%s=\"", comma ? "," : "", k);
	for (; *v; v++) {
		if (*v == '\\' || *v == '"')
			fputc('\\', f);
		if (*v == '\n')
			fputs("\\n", f);
		else
			fputc(*v, f);
	}
	fputc('"', f);
}

/* name{kind="…",instance="…": a series per slot, whatever process fills
 * it, so a recycle continues the series instead of starting another. */
static void
worker_open(FILE *f, const char *name, const Sb__WorkerInfo *w)
{
	char num[16];

	fprintf(f, "%s{", name);
	label(f, "kind", kind_name((int)w->kind), 0);
	snprintf(num, sizeof(num), "%u", w->instance);
	label(f, "instance", num, 1);
}

/* How much a process stands for its slot: the one serving it, else its
 * replacement being started, else one draining, standing by or a zygote
 * (shown by `spoolbox workers`, not as the slot's series). */
static int
rank(const Sb__WorkerInfo *x)
{
	if (x->pid == 0)
		return -1;
	if (strcmp(x->state, "draining") == 0 ||
	    strcmp(x->state, "standby") == 0 ||
	    strcmp(x->state, "zygote") == 0)
		return 0;
	return strcmp(x->state, "starting") == 0 ? 1 : 2;
}

/* Does workers[i] stand for its slot? Only the first of the highest rank
 * among its processes does: one series per slot. */
static int
slot_shown(const Sb__WorkersRep *w, size_t i)
{
	const Sb__WorkerInfo *x = w->workers[i];

	if (rank(x) < 0)
		return 0;
	for (size_t k = 0; k < w->n_workers; k++) {
		const Sb__WorkerInfo *y = w->workers[k];
		if (k == i || y->kind != x->kind || y->instance != x->instance)
			continue;
		if (rank(y) > rank(x) || (rank(y) == rank(x) && k < i))
			return 0;
	}
	return 1;
}

static void
workers(FILE *f, const Sb__WorkersRep *w)
{
	static const struct {
		const char *name, *type, *help;
	} wf[] = {
		{ "spoolbox_worker_private_bytes", "gauge",
		    "Private bytes of the worker process at the last sample." },
		{ "spoolbox_worker_open_fds", "gauge",
		    "Open descriptors of the worker process at the last sample." },
		{ "spoolbox_worker_jobs_total", "counter",
		    "Jobs this worker process has done." },
		{ "spoolbox_worker_uptime_seconds", "gauge",
		    "Seconds since the worker process started." },
		{ "spoolbox_worker_recycles_total", "counter",
		    "Graceful recycles of the worker's slot." },
		{ "spoolbox_worker_restarts_total", "counter",
		    "Restarts of the worker's slot after a crash." },
		{ "spoolbox_worker_memory_budget_bytes", "gauge",
		    "Private bytes above which the worker is recycled." },
		{ "spoolbox_worker_handle_budget", "gauge",
		    "Open descriptors above which the worker is recycled." },
	};

	for (size_t k = 0; k < sizeof(wf) / sizeof(wf[0]); k++) {
		family(f, wf[k].name, wf[k].type, wf[k].help);
		for (size_t i = 0; i < w->n_workers; i++) {
			const Sb__WorkerInfo *x = w->workers[i];
			uint64_t v[] = { x->private_bytes, x->fds, x->jobs,
				x->uptime_ms / 1000, x->recycles, x->restarts,
				x->memory_budget, x->handle_budget };
			if (!slot_shown(w, i))
				continue;
			worker_open(f, wf[k].name, x);
			fprintf(f, "} %llu\n", (unsigned long long)v[k]);
		}
	}
	family(f, "spoolbox_worker_recycles_by_reason_total", "counter",
	    "Recycles of the worker's slot by the rule that called them.");
	for (size_t i = 0; i < w->n_workers; i++) {
		const Sb__WorkerInfo *x = w->workers[i];
		if (!slot_shown(w, i))
			continue;
		for (size_t r = 0; r < x->n_recycles_by; r++) {
			worker_open(f, "spoolbox_worker_recycles_by_reason_total",
			    x);
			label(f, "reason", x->recycles_by[r]->rule, 1);
			fprintf(f, "} %u\n", x->recycles_by[r]->count);
		}
	}
	family(f, "spoolbox_degraded", "gauge",
	    "1 while the service is degraded (the job store cannot be "
	    "written), else 0.");
	fprintf(f, "spoolbox_degraded %d\n", w->degraded[0] != '\0');
	family(f, "spoolbox_broker_samples_total", "counter",
	    "Measurements of a worker from /proc by the broker.");
	fprintf(f, "spoolbox_broker_samples_total %llu\n",
	    (unsigned long long)w->samples);
	family(f, "spoolbox_broker_sample_seconds_total", "counter",
	    "Time the broker spent on those measurements.");
	fprintf(f, "spoolbox_broker_sample_seconds_total %.9f\n",
	    (double)w->sample_ns / 1e9);
}

/* name{queue="…"} value */
static void
queue_value(FILE *f, const char *name, const Sb__QueueInfo *x, uint64_t v)
{
	fprintf(f, "%s{", name);
	label(f, "queue", x->name, 0);
	fprintf(f, "} %llu\n", (unsigned long long)v);
}

static void
latency(FILE *f, const Sb__QueuesRep *q)
{
	const char *name = "spoolbox_queue_delivery_seconds";

	family(f, name, "histogram", "Submit-to-delivered time of the "
	    "queue's jobs since the local spooler started.");
	for (size_t i = 0; i < q->n_queues; i++) {
		const Sb__QueueInfo *x = q->queues[i];
		size_t n = x->n_latency_bounds_ms < x->n_latency_le
		    ? x->n_latency_bounds_ms : x->n_latency_le;
		for (size_t b = 0; b < n; b++) {
			fprintf(f, "%s_bucket{", name);
			label(f, "queue", x->name, 0);
			fprintf(f, ",le=\"%g\"} %llu\n",
			    x->latency_bounds_ms[b] / 1000.0,
			    (unsigned long long)x->latency_le[b]);
		}
		fprintf(f, "%s_bucket{", name);
		label(f, "queue", x->name, 0);
		fprintf(f, ",le=\"+Inf\"} %llu\n",
		    (unsigned long long)x->completed);
		fprintf(f, "%s_sum{", name);
		label(f, "queue", x->name, 0);
		fprintf(f, "} %.3f\n", (double)x->latency_sum_ms / 1000.0);
		queue_value(f, "spoolbox_queue_delivery_seconds_count", x,
		    x->completed);
	}
}

static void
queues(FILE *f, const Sb__QueuesRep *q)
{
	static const struct {
		const char *name, *help;
	} cf[] = {
		{ "spoolbox_queue_completed_total",
		    "Jobs the queue delivered since the local spooler started." },
		{ "spoolbox_queue_failed_total",
		    "Jobs of the queue that failed for good (aborted)." },
		{ "spoolbox_queue_retries_total",
		    "Attempts of the queue's jobs that failed." },
		{ "spoolbox_pages_total",
		    "Pages (x copies) of the queue's completed jobs that "
		    "accounting keeps." },
	};

	family(f, "spoolbox_queue_jobs", "gauge",
	    "Jobs of the queue not yet final, by state.");
	for (size_t i = 0; i < q->n_queues; i++) {
		const Sb__QueueInfo *x = q->queues[i];
		const char *st[] = { "pending", "active", "uploading" };
		uint64_t v[] = { x->pending, x->active, x->uploads };
		for (int k = 0; k < 3; k++) {
			fprintf(f, "spoolbox_queue_jobs{");
			label(f, "queue", x->name, 0);
			label(f, "state", st[k], 1);
			fprintf(f, "} %llu\n", (unsigned long long)v[k]);
		}
	}
	for (size_t k = 0; k < sizeof(cf) / sizeof(cf[0]); k++) {
		family(f, cf[k].name, "counter", cf[k].help);
		for (size_t i = 0; i < q->n_queues; i++) {
			const Sb__QueueInfo *x = q->queues[i];
			uint64_t v[] = { x->completed, x->failed, x->retries,
				x->pages_total };
			queue_value(f, cf[k].name, x, v[k]);
		}
	}
	latency(f, q);
	family(f, "spoolbox_queue_stopped", "gauge",
	    "1 when the queue is stopped (its reason in spoolbox queues).");
	for (size_t i = 0; i < q->n_queues; i++)
		queue_value(f, "spoolbox_queue_stopped", q->queues[i],
		    strcmp(q->queues[i]->state, "ready") != 0);
}

void
metrics_write(FILE *f, const Sb__WorkersRep *w, const Sb__QueuesRep *q)
{
	workers(f, w);
	queues(f, q);
}
