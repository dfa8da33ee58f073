/*
 * spoolboxd: the broker. Reads the config, creates the runtime directory,
 * starts one process per worker instance and supervises them, routes job
 * work between them and serves the client API. It never exits because a
 * worker did. This file is the top layer (see broker.h): the poll loop
 * and the wiring of what one layer returns to another (a
 * worker's answer for a client, what a dead worker took with it).
 * Usage: spoolboxd [-c CONFIG] [-f] [-d]
 * Reports: start-up failures (fatal), reloads, signals.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <unistd.h>

#include <nng/nng.h>

#include "broker.h"
#include "log.h"
#include "util.h"
#include "vocab.h"

static void
usage(void)
{
	fprintf(stderr, "usage: spoolboxd [-c CONFIG] [-f] [-d]\n");
	exit(2);
}

static void
on_signal(struct broker *b)
{
	struct signalfd_siginfo si;

	while (read(b->sig_fd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
		if (si.ssi_signo == SIGHUP) {
			char msg[512];
			b->reload(b, msg, sizeof(msg));
			log_info("SIGHUP: %s", msg);
			continue;
		}
		log_info("signal %d: shutting down", (int)si.ssi_signo);
		b->stopping = 1;
	}
}

static void
worker_readable(struct broker *b, struct inst *w)
{
	char err[256], why[320];
	sb_env *e, *answer;
	int rv;

	/* Bounded, like the clients: one busy worker cannot starve the
	 * others; what is left wakes the next poll at once. */
	for (int i = 0; i < 256 && (rv = proc_recv(w, &e, err,
					sizeof(err))) != 0; i++) {
		if (rv < 0) {
			snprintf(why, sizeof(why), "malformed message: %s",
			    err);
			log_error("%s.%u pid %d: %s", kind_name(w->kind),
			    w->idx, (int)w->pid, why);
			supervise_stop(b, w, why);
			return;
		}
		/* A listener asks on behalf of network clients. */
		if (w->kind == SB__WORKER_KIND__LISTENER &&
		    w->state != W_STARTING &&
		    (request_for_localspl(e) ||
			e->body_case == SB__ENVELOPE__BODY_WORKERS_REQ ||
			e->body_case == SB__ENVELOPE__BODY_BUDGET_REQ ||
			e->body_case == SB__ENVELOPE__BODY_AUTH_REQ))
			client_from_listener(b, w, e);
		else if ((answer = route_from_worker(b, w, e)) != NULL)
			client_answer(b, answer);
	}
	if (w->measure_due) {
		w->measure_due = 0;
		supervise_measure(b, w, now_mono_ms(), 1);
	}
}

/* A worker process ended: tell routing and the clients what it took. */
static void
worker_ended(struct broker *b, struct inst *w)
{
	struct loss lost;

	supervise_reap(b, w, &lost);
	if (lost.kind == SB__WORKER_KIND__LOCALSPL)
		client_fail_pending(b, "local spooler restarting, try again");
	route_lost(b, &lost);
}

/* One pass of the event loop: wait, then serve whatever is ready. */
static void
loop_once(struct broker *b)
{
	struct pollfd pfd[2 + 2 * 160 + FDGATE_MAX + 1 + 16];
	struct pollfd gate[FDGATE_MAX + 1 + 16];
	struct inst *owner[2 + 2 * 160];
	int is_pidfd[2 + 2 * 160];
	size_t ngate = fdgate_pollfds(b, gate, FDGATE_MAX + 1);
	size_t nauth = auth_pollfds(b, gate + ngate, 16);
	nfds_t n = 0;
	int timeout;

	pfd[n] = (struct pollfd){ .fd = b->sig_fd, .events = POLLIN };
	owner[n++] = NULL;
	pfd[n] = (struct pollfd){ .fd = b->client_fd, .events = POLLIN };
	owner[n++] = NULL;
	for (size_t i = 0; i < b->ninsts && n + 2 <= 2 + 2 * 160; i++) {
		struct inst *w = &b->insts[i];
		if (w->recvfd >= 0) {
			pfd[n] = (struct pollfd){ .fd = w->recvfd,
				.events = POLLIN };
			is_pidfd[n] = 0;
			owner[n++] = w;
		}
		if (w->pidfd >= 0) {
			pfd[n] = (struct pollfd){ .fd = w->pidfd,
				.events = POLLIN };
			is_pidfd[n] = 1;
			owner[n++] = w;
		}
	}
	timeout = notify_timeout(b, now_mono_ms(),
	    supervise_next_timeout(b, now_mono_ms()));
	/* The fd gate's sockets and the logins being checked ride along at
	 * the end. */
	memcpy(pfd + n, gate, (ngate + nauth) * sizeof(*gate));
	if (poll(pfd, n + ngate + nauth, timeout) < 0 && errno != EINTR)
		fatal("poll: %s", strerror(errno));
	fdgate_ready(b, pfd + n, ngate);
	auth_ready(b, pfd + n + ngate, nauth, client_auth_done);
	if (pfd[0].revents)
		on_signal(b);
	if (pfd[1].revents)
		client_recv(b);
	/* Messages first, so a worker's last words arrive before its death. */
	for (nfds_t i = 2; i < n; i++)
		if (pfd[i].revents && !is_pidfd[i])
			worker_readable(b, owner[i]);
	for (nfds_t i = 2; i < n; i++)
		if (pfd[i].revents && is_pidfd[i] && owner[i]->pidfd >= 0)
			worker_ended(b, owner[i]);
	supervise_tick(b, now_mono_ms());
	route_caps_tick(b, now_mono_ms());
	/* A standby that took a slot over (at a crash, or a recycle the
	 * tick began) is ready already: no Hello will say so. */
	if (b->queued != NULL)
		route_assign(b);
	notify_tick(b, now_mono_ms());
	fdgate_tick(b, now_mono_ms());
	gate_tick(b, now_mono_ms());
	auth_tick(b, now_mono_ms(), client_auth_done);
}

/* fds to spare: the soft limit up to the hard one (the client gate and
 * the worker pool stay far below it). */
static void
raise_nofile(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) != 0)
		return;
	rl.rlim_cur = rl.rlim_max > 65536 ? 65536 : rl.rlim_max;
	if (setrlimit(RLIMIT_NOFILE, &rl) != 0)
		log_warn("RLIMIT_NOFILE: %s", strerror(errno));
}

/* The options; the config file named (NULL: the embedded default). */
static const char *
parse_args(int argc, char **argv)
{
	const char *config = NULL;
	int c;

	while ((c = getopt(argc, argv, "c:fdh")) != -1) {
		switch (c) {
		case 'c':
			config = optarg;
			break;
		case 'f':
			break; /* always foreground; a unit file daemonizes */
		case 'd':
			log_set_debug(1);
			break;
		default:
			usage();
		}
	}
	if (optind != argc)
		usage();
	return config;
}

int
main(int argc, char **argv)
{
	static struct broker broker;
	struct broker *b = &broker;
	const char *config = NULL;
	char err[1024], exe[PATH_MAX];
	ssize_t n;
	int rv;

	log_init("spoolboxd");
	notify_journal();
	config = parse_args(argc, argv);
	if (config_load(&b->cfg, config, err, sizeof(err)) != 0)
		fatal("%s", err);
	config_queue_uuids(&b->cfg);
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n <= 0)
		fatal("cannot find my own executable");
	exe[n] = '\0';
	snprintf(b->exe_dir, sizeof(b->exe_dir), "%s", dirname(exe));
	b->queued_tail = &b->queued;
	b->client_fd = -1;
	b->reload = reload_config;

	b->accounts = geteuid() == 0 ? ACC_ROOT
	    : system_instance()	     ? ACC_MAPPED
				     : ACC_SHARED;
	raise_nofile();
	listen_open(b);
	dirs_setup(b);
	b->sig_fd = proc_signals_open();
	supervise_init(b);
	if (dirs_spool(b, &b->cfg, err, sizeof(err)) != 0 ||
	    tls_load(b, err, sizeof(err)) != 0)
		fatal("%s", err);
	saved_apply(b);
	budget_init(b);
	if ((rv = client_open(b)) != 0)
		fatal("client socket in %s: %s", b->cfg.runtime_dir,
		    nng_strerror(rv));
	if (fdgate_open(b) != 0)
		fatal("descriptor socket in %s: %s", b->cfg.runtime_dir,
		    strerror(errno));
	log_info("spool %s, runtime %s, config %s, %zu queue(s)",
	    b->cfg.spool_dir, b->cfg.runtime_dir, b->cfg.path,
	    b->cfg.nqueues);
	supervise_start(b);
	b->next_sample = now_mono_ms() + b->cfg.sample_interval;
	notify_init(b);
	dnssd_update(b);
	while (!b->stopping)
		loop_once(b);
	notify_stopping(b);
	dnssd_stop(b);
	supervise_shutdown(b);
	listen_close(b);
	client_close(b);
	fdgate_close(b);
#ifdef SPOOLBOX_SANITIZE
	/* An answer nng took but had not sent when its socket closed is
	 * freed by nng's own threads: let them finish, so the leak checker
	 * does not see it as ours. */
	nng_fini();
#endif
	if (b->limit == LIMIT_CGROUP1)
		rmdir(b->cgroup_root);
	config_free(&b->cfg);
	free(b->tls_cert_pem);
	free(b->tls_key_pem);
	free(b->auth);
	free(b->insts);
	free(b->slots);
	log_info("stopped");
	return 0;
}
