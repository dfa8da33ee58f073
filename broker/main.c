/*
 * spoolboxd: the broker. Reads the config, creates the runtime directory,
 * starts one process per worker instance and supervises them, routes job
 * work between them and serves the client API. It never exits because a
 * worker did. Usage: spoolboxd [-c CONFIG] [-f] [-d]
 * Reports: start-up failures (fatal), then each worker's lifecycle.
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
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <unistd.h>

#include "broker.h"
#include "log.h"
#include "util.h"

static void
usage(void)
{
	fprintf(stderr, "usage: spoolboxd [-c CONFIG] [-f] [-d]\n");
	exit(2);
}

static void
setup_dirs(struct broker *b)
{
	char lock[PATH_MAX + 32], pid[32];
	/* Other users reach the client socket only in a system install. */
	unsigned mode = geteuid() == 0 ? 0755 : 0700;

	if (mkdir_p(b->cfg.runtime_dir, mode) != 0)
		fatal("runtime dir %s: %s", b->cfg.runtime_dir,
		    strerror(errno));
	chmod(b->cfg.runtime_dir, mode);
	snprintf(lock, sizeof(lock), "%s/spoolboxd.pid", b->cfg.runtime_dir);
	b->lock_fd = open(lock, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	if (b->lock_fd < 0)
		fatal("%s: %s", lock, strerror(errno));
	if (flock(b->lock_fd, LOCK_EX | LOCK_NB) != 0)
		fatal("another spoolboxd is running on %s", b->cfg.runtime_dir);
	snprintf(pid, sizeof(pid), "%d\n", (int)getpid());
	if (ftruncate(b->lock_fd, 0) != 0 ||
	    write_all(b->lock_fd, pid, strlen(pid)) != 0)
		fatal("%s: %s", lock, strerror(errno));
	/* Worker channels: only the broker (and root) may reach them. */
	snprintf(b->workers_dir, sizeof(b->workers_dir), "%s/workers",
	    b->cfg.runtime_dir);
	if (mkdir_p(b->workers_dir, 0700) != 0)
		fatal("%s: %s", b->workers_dir, strerror(errno));
	chmod(b->workers_dir, 0700);
	snprintf(b->view_root, sizeof(b->view_root), "%s/root",
	    b->cfg.runtime_dir);
	if (mkdir_p(b->view_root, 0700) != 0)
		fatal("%s: %s", b->view_root, strerror(errno));
	if (mkdir_p(b->cfg.spool_dir, 0700) != 0)
		fatal("spool dir %s: %s", b->cfg.spool_dir, strerror(errno));
}

static void
setup_signals(struct broker *b)
{
	sigset_t set;

	signal(SIGPIPE, SIG_IGN);
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGCHLD);
	if (sigprocmask(SIG_BLOCK, &set, NULL) != 0)
		fatal("sigprocmask: %s", strerror(errno));
	sigdelset(&set, SIGCHLD); /* pidfds tell us about children */
	b->sig_fd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
	if (b->sig_fd < 0)
		fatal("signalfd: %s", strerror(errno));
}

static void
on_signal(struct broker *b)
{
	struct signalfd_siginfo si;

	while (read(b->sig_fd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
		if (si.ssi_signo == SIGHUP) {
			char msg[512];
			client_reload(b, msg, sizeof(msg));
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
	char err[256];
	nng_msg *m;
	sb_env *e;

	while (w->sock_open &&
	    nng_recvmsg(w->sock, &m, NNG_FLAG_NONBLOCK) == 0) {
		e = chan_decode(m, err, sizeof(err));
		nng_msg_free(m);
		if (e == NULL) {
			char why[320];
			snprintf(why, sizeof(why), "malformed message: %s",
			    err);
			log_error("%s.%u pid %d: %s", kind_name(w->kind),
			    w->idx, (int)w->pid, why);
			supervise_stop(b, w, why);
			return;
		}
		broker_worker_msg(b, w, e);
	}
}

/* One pass of the event loop: wait, then serve whatever is ready. */
static void
loop_once(struct broker *b)
{
	struct pollfd pfd[2 + 2 * 160];
	struct inst *owner[2 + 2 * 160];
	int is_pidfd[2 + 2 * 160];
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
	timeout = supervise_next_timeout(b, now_mono_ms());
	if (poll(pfd, n, timeout) < 0 && errno != EINTR)
		fatal("poll: %s", strerror(errno));
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
			supervise_reap(b, owner[i]);
	supervise_tick(b, now_mono_ms());
}

int
main(int argc, char **argv)
{
	static struct broker broker;
	struct broker *b = &broker;
	const char *config = NULL;
	char err[1024], exe[PATH_MAX];
	ssize_t n;
	int c, rv;

	log_init("spoolboxd");
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
	if (config_load(&b->cfg, config, err, sizeof(err)) != 0)
		fatal("%s", err);
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n <= 0)
		fatal("cannot find my own executable");
	exe[n] = '\0';
	snprintf(b->exe_dir, sizeof(b->exe_dir), "%s", dirname(exe));
	b->queued_tail = &b->queued;
	b->client_fd = -1;

	setup_dirs(b);
	setup_signals(b);
	supervise_init(b);
	supervise_accounts(b);
	budget_init(b);
	if ((rv = client_open(b)) != 0)
		fatal("client socket in %s: %s", b->cfg.runtime_dir,
		    nng_strerror(rv));
	log_info("spool %s, runtime %s, config %s, %zu queue(s)",
	    b->cfg.spool_dir, b->cfg.runtime_dir, b->cfg.path,
	    b->cfg.nqueues);
	supervise_start(b);
	b->next_sample = now_mono_ms() + b->cfg.sample_interval;
	while (!b->stopping)
		loop_once(b);
	supervise_shutdown(b);
	client_close(b);
	if (b->limit == LIMIT_CGROUP1)
		rmdir(b->cgroup_root);
	config_free(&b->cfg);
	free(b->insts);
	free(b->slots);
	log_info("stopped");
	return 0;
}
