/*
 * spoolbox: the command line of DESIGN §7. Every command is one or more
 * requests to spoolboxd over its client socket; the broker decides who the
 * caller is. Exit status 0 on success, else 1 with one line on stderr.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <libgen.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "config.h"
#include "jsonout.h"
#include "metrics.h"
#include "output.h"
#include "sbclient.h"
#include "log.h"
#include "util.h"
#include "vocab.h"

static nng_socket S;
static const char *sock_path;

static void __attribute__((noreturn, format(printf, 1, 2)))
die(const char *fmt, ...)
{
	va_list ap;

	fputs("spoolbox: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(1);
}

static void __attribute__((noreturn))
usage(void)
{
	fputs("usage: spoolbox [-s SOCKET] COMMAND ...\n"
	      "  submit -q QUEUE [-t TYPE] [-T TITLE] [-n COPIES]"
	      " [-p PRIORITY] [--hold[=WHEN]] [FILE|-]...\n"
	      "  jobs [-q QUEUE] [-a] [--json] [--limit N] [--after JOBID]\n"
	      "       [-u|--user USER] [--state STATE[,...]] [--since WHEN]\n"
	      "  wait JOBID [--timeout SECONDS]\n"
	      "  accounting [--since WHEN] [-u|--user USER] [-q|--queue QUEUE]"
	      " [--json|--csv]\n"
	      "  quota [USER]\n"
	      "  cancel JOBID | hold JOBID | release JOBID | restart JOBID\n"
	      "  move JOBID QUEUE\n"
	      "  cancel --all -q QUEUE\n"
	      "  queue enable|disable|accept|reject QUEUE [--reason TEXT]\n"
	      "  queues [--json]\n"
	      "  workers [--json]\n"
	      "  budget KIND [KEY=VALUE]...\n"
	      "  reload\n"
	      "  metrics\n"
	      "  status\n",
	    stderr);
	exit(2);
}

static void
connect_broker(void)
{
	char err[512];

	if (sbclient_open(&S, sock_path, err, sizeof(err)) != 0)
		die("%s", err);
}

/* One request; dies on transport errors and on ErrorRep answers. */
static sb_env *
call(sb_env *req)
{
	char err[512];
	sb_env *rep = sbclient_call(S, req, 10000, err, sizeof(err));

	if (rep == NULL)
		die("%s", err);
	if (rep->body_case == SB__ENVELOPE__BODY_ERROR_REP) {
		char why[1024];
		die("%s", text_safe(rep->error_rep->message, 0, why,
			      sizeof(why)));
	}
	return rep;
}

static uint64_t
parse_job_id(const char *s)
{
	uint64_t id;

	if (parse_uint(s, UINT64_MAX, &id) != 0 || id == 0)
		die("'%s' is not a job id", s);
	return id;
}

static int
cmd_submit(int argc, char **argv)
{
	struct sbclient_job j = { .datatype = SB__DATA_TYPE__AUTO, .copies = 1,
		.priority = 50 };
	char err[512], *title = NULL;
	uint64_t v, id;
	int c, status = 0;

	optind = 1;
	static const struct option opts[] = {
		{ "hold", optional_argument, NULL, 'H' },
		{ NULL, 0, NULL, 0 },
	};

	while ((c = getopt_long(argc, argv, "q:t:T:n:p:", opts, NULL)) != -1) {
		switch (c) {
		case 'q':
			j.queue = optarg;
			break;
		case 'H':
			j.hold_until = optarg != NULL ? optarg : "indefinite";
			break;
		case 't':
			j.datatype = datatype_from_name(optarg);
			if (j.datatype == 0)
				die("-t takes auto, raw, text, pdf, postscript, "
				    "pcl, pwg-raster, urf, png or jpeg, not '%s'",
				    optarg);
			break;
		case 'T':
			title = optarg;
			break;
		case 'n':
			if (parse_uint(optarg, 999, &v) != 0 || v == 0)
				die("-n takes copies from 1 to 999");
			j.copies = (unsigned)v;
			break;
		case 'p':
			if (parse_uint(optarg, 100, &v) != 0)
				die("-p takes a priority from 0 to 100");
			j.priority = (unsigned)v;
			break;
		default:
			usage();
		}
	}
	if (j.queue == NULL)
		die("submit needs a queue: -q QUEUE");
	char *stdin_only[] = { "-", NULL };
	char **files = optind < argc ? argv + optind : stdin_only;
	connect_broker();
	for (; *files != NULL; files++) {
		int fd = strcmp(*files, "-") == 0 ? 0
			: open(*files, O_RDONLY | O_CLOEXEC);
		char *copy;
		if (fd < 0) {
			fprintf(stderr, "spoolbox: %s: %s\n", *files,
			    strerror(errno));
			status = 1;
			continue;
		}
		copy = strdup(*files);
		j.filename = fd == 0 ? "stdin" : basename(copy);
		j.title = title != NULL ? title : j.filename;
		id = sbclient_submit(S, fd, &j, err, sizeof(err));
		if (fd != 0)
			close(fd);
		free(copy);
		if (id == 0) {
			fprintf(stderr, "spoolbox: %s: %s\n", *files, err);
			status = 1;
			continue;
		}
		printf("%llu\n", (unsigned long long)id);
		fflush(stdout);
	}
	return status;
}

static int
has_flag(int argc, char **argv, const char *flag)
{
	for (int i = 1; i < argc; i++)
		if (strcmp(argv[i], flag) == 0)
			return 1;
	return 0;
}

/* --state NAME[,NAME...] into r's states. */
static void
parse_states(char *list, Sb__JobsReq *r, Sb__JobState *states, size_t max)
{
	const char *bad;
	char names[128];

	if (job_states_parse(list, states, max, &r->n_states, &bad) != 0) {
		job_state_names(names, sizeof(names));
		die("'%s' is not a job state (%s)", bad, names);
	}
	r->states = states;
}

/* --since, as parse_since() reads it; dies on anything else. */
static int64_t
since_arg(const char *s)
{
	int64_t t;

	if (parse_since(s, &t) != 0)
		die("--since '%s': give a duration (2h) or a date (2026-11-26, "
		    "2026-11-26T08:30)", s);
	return t;
}

static int
cmd_jobs(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "limit", required_argument, NULL, 'l' },
		{ "after", required_argument, NULL, 'A' },
		{ "user", required_argument, NULL, 'u' },
		{ "state", required_argument, NULL, 'S' },
		{ "since", required_argument, NULL, 's' },
		{ NULL, 0, NULL, 0 } };
	Sb__JobsReq r = SB__JOBS_REQ__INIT;
	Sb__JobState states[16];
	sb_env req, *rep;
	int c, json = 0, first = 1, more;
	uint64_t v;

	optind = 1;
	while ((c = getopt_long(argc, argv, "q:au:", opts, NULL)) != -1) {
		if (c == 'q')
			r.queue = optarg;
		else if (c == 'a')
			r.all = 1;
		else if (c == 'j')
			json = 1;
		else if (c == 'l' && parse_uint(optarg, UINT32_MAX, &v) == 0 &&
		    v > 0)
			r.limit = (uint32_t)v;
		else if (c == 'A')
			r.after_id = parse_job_id(optarg);
		else if (c == 'u')
			r.user = optarg;
		else if (c == 'S')
			parse_states(optarg, &r, states, 16);
		else if (c == 's')
			r.since = since_arg(optarg);
		else
			usage();
	}
	if (optind != argc)
		usage();
	connect_broker();
	chan_env_init(&req);
	req.body_case = SB__ENVELOPE__BODY_JOBS_REQ;
	req.jobs_req = &r;
	output_jobs_begin(json, r.all);
	/* Page after page, printed as it comes; --limit: one page. */
	do {
		rep = call(&req);
		if (rep->body_case != SB__ENVELOPE__BODY_JOBS_REP)
			die("unexpected answer %s", chan_body_name(rep));
		output_jobs_page(rep->jobs_rep, json, r.all, &first);
		more = rep->jobs_rep->more && rep->jobs_rep->n_jobs > 0;
		if (more)
			r.after_id = rep->jobs_rep->jobs[
			    rep->jobs_rep->n_jobs - 1]->id;
		chan_free(rep);
	} while (more && r.limit == 0);
	output_jobs_end(json);
	if (more && !json)
		fprintf(stderr, "spoolbox: more after job %llu (--after %llu)\n",
		    (unsigned long long)r.after_id,
		    (unsigned long long)r.after_id);
	return 0;
}

/* spoolbox accounting [--since WHEN] [--user U] [--queue Q] [--json|--csv]:
 * every page of records, in order. */
static int
cmd_accounting(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "csv", no_argument, NULL, 'c' },
		{ "user", required_argument, NULL, 'u' },
		{ "queue", required_argument, NULL, 'q' },
		{ "since", required_argument, NULL, 's' },
		{ NULL, 0, NULL, 0 } };
	Sb__AccountingReq r = SB__ACCOUNTING_REQ__INIT;
	int c, format = OUTPUT_TEXT, first = 1, more;
	sb_env req, *rep;

	optind = 1;
	while ((c = getopt_long(argc, argv, "q:u:", opts, NULL)) != -1) {
		if (c == 'j')
			format = OUTPUT_JSON;
		else if (c == 'c')
			format = OUTPUT_CSV;
		else if (c == 'u')
			r.user = optarg;
		else if (c == 'q')
			r.queue = optarg;
		else if (c == 's')
			r.since = since_arg(optarg);
		else
			usage();
	}
	if (optind != argc)
		usage();
	connect_broker();
	chan_env_init(&req);
	req.body_case = SB__ENVELOPE__BODY_ACCOUNTING_REQ;
	req.accounting_req = &r;
	output_accounting_begin(format);
	do {
		rep = call(&req);
		if (rep->body_case != SB__ENVELOPE__BODY_ACCOUNTING_REP)
			die("unexpected answer %s", chan_body_name(rep));
		output_accounting_page(rep->accounting_rep, format, &first);
		more = rep->accounting_rep->more &&
		    rep->accounting_rep->n_records > 0;
		if (more)
			r.after_seq = rep->accounting_rep->records[
			    rep->accounting_rep->n_records - 1]->seq;
		chan_free(rep);
	} while (more);
	output_accounting_end(format);
	return 0;
}

/* spoolbox quota [USER]: what the user (yourself unless an admin names
 * another) used of each period quota, and what is left. */
static int
cmd_quota(int argc, char **argv)
{
	Sb__QuotaReq r = SB__QUOTA_REQ__INIT;
	sb_env req, *rep;

	if (argc > 2)
		usage();
	if (argc == 2)
		r.user = argv[1];
	connect_broker();
	chan_env_init(&req);
	req.body_case = SB__ENVELOPE__BODY_QUOTA_REQ;
	req.quota_req = &r;
	rep = call(&req);
	if (rep->body_case != SB__ENVELOPE__BODY_QUOTA_REP)
		die("unexpected answer %s", chan_body_name(rep));
	output_quota(rep->quota_rep);
	chan_free(rep);
	return 0;
}

/* Each JobsReq of `wait` asks localspl to answer once the job is final or
 * after this long, whichever comes first. */
#define WAIT_STEP_MS 5000

static int
cmd_wait(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "timeout", required_argument, NULL, 't' },
		{ NULL, 0, NULL, 0 } };
	Sb__JobsReq r = SB__JOBS_REQ__INIT;
	uint64_t timeout_ms = 0, deadline, asked, left, pause = 1;
	sb_env req, *rep;
	int c;

	optind = 1;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (c != 't' || parse_duration_ms(optarg, &timeout_ms) != 0)
			usage();
	}
	if (optind + 1 != argc)
		usage();
	r.job_id = parse_job_id(argv[optind]);
	deadline = now_mono_ms() + timeout_ms;
	connect_broker();
	chan_env_init(&req);
	req.body_case = SB__ENVELOPE__BODY_JOBS_REQ;
	req.jobs_req = &r;
	for (;;) {
		asked = now_mono_ms();
		left = deadline > asked ? deadline - asked : 0;
		r.wait_ms = timeout_ms > 0 && left < WAIT_STEP_MS
		    ? (uint32_t)left
		    : WAIT_STEP_MS;
		rep = call(&req);
		if (rep->body_case != SB__ENVELOPE__BODY_JOBS_REP ||
		    rep->jobs_rep->n_jobs != 1)
			die("unexpected answer %s", chan_body_name(rep));
		const Sb__JobInfo *j = rep->jobs_rep->jobs[0];
		if (job_state_final(j->state)) {
			int ok = j->state == SB__JOB_STATE__COMPLETED;
			char why[1024];
			if (!ok)
				fprintf(stderr, "spoolbox: job %llu %s%s%s\n",
				    (unsigned long long)j->id,
				    job_state_name(j->state),
				    j->last_error[0] ? ": " : "",
				    text_safe(j->last_error, 0, why,
					sizeof(why)));
			chan_free(rep);
			return ok ? 0 : 1;
		}
		chan_free(rep);
		if (timeout_ms > 0 && now_mono_ms() >= deadline)
			die("job %llu not final after %llums",
			    (unsigned long long)r.job_id,
			    (unsigned long long)timeout_ms);
		/* Answered before its wait was over and not final: localspl
		 * was draining for a restart, or had too many waiting. A
		 * pause, growing to 50 ms, before asking again. */
		if (now_mono_ms() - asked < r.wait_ms) {
			struct timespec ts = { 0, (long)pause * 1000000 };
			nanosleep(&ts, NULL);
			pause = pause * 2 < 50 ? pause * 2 : 50;
		}
	}
}

/* cancel|hold|release|restart JOBID, move JOBID QUEUE, cancel --all -q
 * QUEUE. */
static int
cmd_job_ctl(int argc, char **argv, int action)
{
	Sb__JobCtlReq r = SB__JOB_CTL_REQ__INIT;
	sb_env req, *rep;

	r.action = action;
	if (action == SB__JOB_ACTION__CANCEL && argc == 4 &&
	    strcmp(argv[1], "--all") == 0 && strcmp(argv[2], "-q") == 0) {
		r.queue = argv[3];
	} else if (action == SB__JOB_ACTION__MOVE && argc == 3) {
		r.job_id = parse_job_id(argv[1]);
		r.queue = argv[2];
	} else if (action != SB__JOB_ACTION__MOVE && argc == 2) {
		r.job_id = parse_job_id(argv[1]);
	} else {
		usage();
	}
	connect_broker();
	chan_env_init(&req);
	req.body_case = SB__ENVELOPE__BODY_JOB_CTL_REQ;
	req.job_ctl_req = &r;
	rep = call(&req);
	if (r.job_id == 0 && rep->body_case == SB__ENVELOPE__BODY_JOBS_REP)
		printf("%u job(s) canceled\n", rep->jobs_rep->count);
	chan_free(rep);
	return 0;
}

/* queue enable|disable|accept|reject QUEUE [--reason TEXT] */
static int
cmd_queue(int argc, char **argv)
{
	static const char *const verbs[] = { "", "enable", "disable", "accept",
		"reject" };
	Sb__QueueCtlReq r = SB__QUEUE_CTL_REQ__INIT;
	sb_env req, *rep;

	if (argc != 3 && !(argc == 5 && strcmp(argv[3], "--reason") == 0))
		usage();
	for (int k = 1; k <= 4; k++)
		if (strcmp(argv[1], verbs[k]) == 0)
			r.action = (Sb__QueueAction)k;
	if (r.action == SB__QUEUE_ACTION__QUEUE_ACTION_NONE)
		usage();
	r.queue = argv[2];
	if (argc == 5)
		r.reason = argv[4];
	connect_broker();
	chan_env_init(&req);
	req.body_case = SB__ENVELOPE__BODY_QUEUE_CTL_REQ;
	req.queue_ctl_req = &r;
	rep = call(&req);
	chan_free(rep);
	return 0;
}

static int
cmd_queues(int argc, char **argv)
{
	Sb__QueuesReq r = SB__QUEUES_REQ__INIT;
	sb_env req, *rep;

	connect_broker();
	chan_env_init(&req);
	req.body_case = SB__ENVELOPE__BODY_QUEUES_REQ;
	req.queues_req = &r;
	rep = call(&req);
	if (rep->body_case != SB__ENVELOPE__BODY_QUEUES_REP)
		die("unexpected answer %s", chan_body_name(rep));
	output_queues(rep->queues_rep, has_flag(argc, argv, "--json"));
	chan_free(rep);
	return 0;
}

/* Workers and queues, asked together (metrics, status). */
static void
ask_both(sb_env **w, sb_env **q)
{
	Sb__WorkersReq wr = SB__WORKERS_REQ__INIT;
	Sb__QueuesReq qr = SB__QUEUES_REQ__INIT;
	sb_env req;

	connect_broker();
	chan_env_init(&req);
	req.body_case = SB__ENVELOPE__BODY_WORKERS_REQ;
	req.workers_req = &wr;
	*w = call(&req);
	chan_env_init(&req);
	req.body_case = SB__ENVELOPE__BODY_QUEUES_REQ;
	req.queues_req = &qr;
	*q = call(&req);
	if ((*w)->body_case != SB__ENVELOPE__BODY_WORKERS_REP ||
	    (*q)->body_case != SB__ENVELOPE__BODY_QUEUES_REP)
		die("unexpected answer");
}

/* One screen for an admin: workers against their budgets, queues, the
 * last recycles and restarts. */
static int
cmd_status(void)
{
	sb_env *w, *q;

	ask_both(&w, &q);
	output_status(sock_path, w->workers_rep, q->queues_rep);
	chan_free(w);
	chan_free(q);
	return 0;
}

/* Prometheus' text format: the workers' and the queues' figures. */
static int
cmd_metrics(void)
{
	sb_env *w, *q;

	ask_both(&w, &q);
	metrics_write(stdout, w->workers_rep, q->queues_rep);
	chan_free(w);
	chan_free(q);
	return 0;
}

static int
cmd_workers(int argc, char **argv)
{
	Sb__WorkersReq r = SB__WORKERS_REQ__INIT;
	sb_env req, *rep;

	connect_broker();
	chan_env_init(&req);
	req.body_case = SB__ENVELOPE__BODY_WORKERS_REQ;
	req.workers_req = &r;
	rep = call(&req);
	if (rep->body_case != SB__ENVELOPE__BODY_WORKERS_REP)
		die("unexpected answer %s", chan_body_name(rep));
	output_workers(rep->workers_rep, has_flag(argc, argv, "--json"));
	chan_free(rep);
	return 0;
}

static int
cmd_budget(int argc, char **argv)
{
	Sb__BudgetReq r = SB__BUDGET_REQ__INIT;
	sb_env req, *rep;
	int json = has_flag(argc, argv, "--json"), n = 0;

	if (argc < 2)
		usage();
	r.kind = kind_from_name(argv[1]);
	if (r.kind == 0)
		die("unknown worker kind '%s' (localspl, printproc, lprmon, "
		    "remote)", argv[1]);
	char **set = calloc((size_t)argc, sizeof(*set));
	for (int i = 2; i < argc; i++)
		if (strcmp(argv[i], "--json") != 0)
			set[n++] = argv[i];
	r.n_set = (size_t)n;
	r.set = set;
	connect_broker();
	chan_env_init(&req);
	req.body_case = SB__ENVELOPE__BODY_BUDGET_REQ;
	req.budget_req = &r;
	rep = call(&req);
	free(set);
	if (rep->body_case != SB__ENVELOPE__BODY_BUDGET_REP)
		die("unexpected answer %s", chan_body_name(rep));
	const Sb__BudgetRep *b = rep->budget_rep;
	if (json)
		printf("{\"kind\":\"%s\"", kind_name(b->kind));
	for (size_t i = 0; i < b->n_keys && i < b->n_values; i++) {
		if (json)
			printf(",\"%s\":\"%s\"", b->keys[i], b->values[i]);
		else
			printf("%-28s %s\n", b->keys[i], b->values[i]);
	}
	if (json)
		puts("}");
	chan_free(rep);
	return 0;
}

static int
cmd_reload(void)
{
	Sb__ReloadReq r = SB__RELOAD_REQ__INIT;
	sb_env req, *rep;

	connect_broker();
	chan_env_init(&req);
	req.body_case = SB__ENVELOPE__BODY_RELOAD_REQ;
	req.reload_req = &r;
	rep = call(&req);
	if (rep->body_case != SB__ENVELOPE__BODY_RELOAD_REP)
		die("unexpected answer %s", chan_body_name(rep));
	puts(rep->reload_rep->summary);
	chan_free(rep);
	return 0;
}

int
main(int argc, char **argv)
{
	int i = 1;

	if (argc > 2 && strcmp(argv[1], "-s") == 0) {
		sock_path = argv[2];
		i = 3;
	}
	if (i >= argc)
		usage();
	argc -= i;
	argv += i;
	if (strcmp(argv[0], "submit") == 0)
		return cmd_submit(argc, argv);
	if (strcmp(argv[0], "jobs") == 0)
		return cmd_jobs(argc, argv);
	if (strcmp(argv[0], "accounting") == 0)
		return cmd_accounting(argc, argv);
	if (strcmp(argv[0], "quota") == 0)
		return cmd_quota(argc, argv);
	if (strcmp(argv[0], "wait") == 0)
		return cmd_wait(argc, argv);
	if (strcmp(argv[0], "cancel") == 0)
		return cmd_job_ctl(argc, argv, SB__JOB_ACTION__CANCEL);
	if (strcmp(argv[0], "hold") == 0)
		return cmd_job_ctl(argc, argv, SB__JOB_ACTION__HOLD);
	if (strcmp(argv[0], "release") == 0)
		return cmd_job_ctl(argc, argv, SB__JOB_ACTION__RELEASE);
	if (strcmp(argv[0], "restart") == 0)
		return cmd_job_ctl(argc, argv, SB__JOB_ACTION__RESTART);
	if (strcmp(argv[0], "move") == 0)
		return cmd_job_ctl(argc, argv, SB__JOB_ACTION__MOVE);
	if (strcmp(argv[0], "queue") == 0)
		return cmd_queue(argc, argv);
	if (strcmp(argv[0], "queues") == 0)
		return cmd_queues(argc, argv);
	if (strcmp(argv[0], "workers") == 0)
		return cmd_workers(argc, argv);
	if (strcmp(argv[0], "metrics") == 0)
		return cmd_metrics();
	if (strcmp(argv[0], "status") == 0)
		return cmd_status();
	if (strcmp(argv[0], "budget") == 0)
		return cmd_budget(argc, argv);
	if (strcmp(argv[0], "reload") == 0 && argc == 1)
		return cmd_reload();
	fprintf(stderr, "spoolbox: unknown command '%s'\n", argv[0]);
	usage();
}
