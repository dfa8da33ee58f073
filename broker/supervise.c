/*
 * supervise: the broker's side of worker lifetimes. Spawns each worker by
 * fork+exec (nng is not fork-safe: the child touches nothing but exec),
 * listens for it on a private ipc path only for that child's pid, watches
 * it with a pidfd, restarts it with exponential backoff after a crash, and
 * samples its private bytes and open fds from /proc.
 * Reports: every spawn failure, crash and restart, with kind and pid.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <nng/nng.h>
#include <nng/protocol/pair1/pair.h>

#include "broker.h"
#include "log.h"
#include "util.h"

static int
pidfd_open_(pid_t pid)
{
	return (int)syscall(SYS_pidfd_open, pid, 0);
}

static int
pidfd_kill(int pidfd, int sig)
{
	return (int)syscall(SYS_pidfd_send_signal, pidfd, sig, NULL, 0);
}

/* nng thread: drop any pipe whose peer is not the child we spawned. */
static void
pipe_cb(nng_pipe p, nng_pipe_ev ev, void *arg)
{
	struct inst *w = arg;
	uint64_t pid = 0;

	(void)ev;
	if (nng_pipe_get_uint64(p, NNG_OPT_IPC_PEER_PID, &pid) != 0 ||
	    (long)pid != atomic_load(&w->expect_pid)) {
		log_warn("%s.%u: dropped a connection from pid %llu "
		    "(expected %ld)", kind_name(w->kind), w->idx,
		    (unsigned long long)pid, atomic_load(&w->expect_pid));
		nng_pipe_close(p);
	}
}

void
supervise_init(struct broker *b)
{
	size_t n = 0, i = 0;

	/* The job store has one writer: localspl always runs alone. */
	b->cfg.workers[SB__WORKER_KIND__LOCALSPL].instances = 1;
	for (int k = 1; k < SB_KINDS; k++)
		n += b->cfg.workers[k].instances;
	b->insts = calloc(n, sizeof(*b->insts));
	if (b->insts == NULL)
		fatal("out of memory");
	b->ninsts = n;
	for (int k = 1; k < SB_KINDS; k++) {
		for (unsigned j = 0; j < b->cfg.workers[k].instances; j++) {
			struct inst *w = &b->insts[i++];
			w->kind = k;
			w->idx = j;
			w->pidfd = -1;
			w->recvfd = -1;
			snprintf(w->url, sizeof(w->url), "ipc://%s/%s-%u.sock",
			    b->workers_dir, kind_name(k), j);
		}
	}
}

static void
worker_path(const struct broker *b, int kind, char *buf, size_t len)
{
	const char *env = getenv("SPOOLBOX_LIBEXEC");

	if (env != NULL && env[0] == '/') {
		snprintf(buf, len, "%s/spoolbox-%s", env, kind_name(kind));
		return;
	}
	/* A build tree keeps the workers beside spoolboxd. */
	snprintf(buf, len, "%s/spoolbox-%s", b->exe_dir, kind_name(kind));
	if (access(buf, X_OK) == 0)
		return;
	snprintf(buf, len, "%s/spoolbox-%s", SPOOLBOX_LIBEXECDIR,
	    kind_name(kind));
}

static void
inst_close_channel(struct inst *w)
{
	if (w->sock_open) {
		nng_close(w->sock);
		w->sock_open = 0;
		w->recvfd = -1;
	}
}

static int
inst_listen(struct inst *w)
{
	int rv;

	if ((rv = nng_pair1_open(&w->sock)) != 0)
		return rv;
	w->sock_open = 1;
	nng_socket_set_size(w->sock, NNG_OPT_RECVMAXSZ, SB_MSG_MAX);
	nng_socket_set_int(w->sock, NNG_OPT_SENDBUF, SB_CHAN_BUF);
	nng_socket_set_int(w->sock, NNG_OPT_RECVBUF, SB_CHAN_BUF);
	nng_pipe_notify(w->sock, NNG_PIPE_EV_ADD_PRE, pipe_cb, w);
	unlink(w->url + strlen("ipc://"));
	if ((rv = nng_listen(w->sock, w->url, NULL, 0)) != 0)
		return rv;
	w->recvfd = chan_recvfd(w->sock);
	return w->recvfd < 0 ? NNG_EINTERNAL : 0;
}

void
supervise_spawn(struct broker *b, struct inst *w)
{
	const char *mode = b->cfg.sandbox == SANDBOX_AUDIT ? "audit"
	    : b->cfg.sandbox == SANDBOX_OFF		   ? "off"
							   : "enforce";
	char path[PATH_MAX + 32], inst[16];
	char *argv[] = { path, "--channel", w->url, "--instance", inst,
		"--sandbox", (char *)mode, NULL };
	pid_t parent = getpid(), pid;
	sigset_t none;
	int rv;

	worker_path(b, w->kind, path, sizeof(path));
	snprintf(inst, sizeof(inst), "%u", w->idx);
	sigemptyset(&none);
	pid = fork();
	if (pid < 0) {
		log_error("fork for %s: %s", kind_name(w->kind),
		    strerror(errno));
		w->restart_at = now_mono_ms() + 1000;
		return;
	}
	if (pid == 0) {
		/* Child: only async-signal-safe calls until exec. */
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (getppid() != parent)
			_exit(1);
		sigprocmask(SIG_SETMASK, &none, NULL);
		signal(SIGPIPE, SIG_DFL);
		close_range(3, ~0U, 0);
		execv(path, argv);
		_exit(127);
	}
	w->pid = pid;
	w->pidfd = pidfd_open_(pid);
	if (w->pidfd < 0)
		fatal("pidfd_open: %s", strerror(errno));
	atomic_store(&w->expect_pid, (long)pid);
	w->state = W_STARTING;
	w->token = 0;
	w->jobs = 0;
	w->killed = 0;
	w->private_bytes = 0;
	w->fds = 0;
	w->started_ms = now_mono_ms();
	if ((rv = inst_listen(w)) != 0) {
		log_error("%s.%u: listen on %s: %s", kind_name(w->kind), w->idx,
		    w->url, nng_strerror(rv));
		supervise_stop(b, w, "channel setup failed");
		return;
	}
	log_info("started %s.%u pid %d", kind_name(w->kind), w->idx,
	    (int)pid);
}

void
supervise_stop(struct broker *b, struct inst *w, const char *reason)
{
	(void)b;
	if (w->pidfd < 0)
		return;
	if (reason != NULL)
		snprintf(w->last_reason, sizeof(w->last_reason), "%s", reason);
	w->killed = 1;
	pidfd_kill(w->pidfd, SIGKILL);
}

static uint64_t
backoff_ms(const struct sb_budget *bg, unsigned crashes)
{
	uint64_t d = bg->restart_backoff_min;

	for (unsigned i = 1; i < crashes && d < bg->restart_backoff_max; i++)
		d *= 2;
	return d < bg->restart_backoff_max ? d : bg->restart_backoff_max;
}

/* The pidfd said the process ended: collect it and plan the restart. */
void
supervise_reap(struct broker *b, struct inst *w)
{
	const struct sb_budget *bg = &b->cfg.workers[w->kind];
	char why[200];
	int status = 0;

	if (waitpid(w->pid, &status, 0) < 0)
		status = 0;
	if (WIFSIGNALED(status))
		snprintf(why, sizeof(why), "killed by signal %d (%s)",
		    WTERMSIG(status), strsignal(WTERMSIG(status)));
	else
		snprintf(why, sizeof(why), "exited with status %d",
		    WEXITSTATUS(status));
	close(w->pidfd);
	w->pidfd = -1;
	inst_close_channel(w);
	if (w->killed || (WIFEXITED(status) && WEXITSTATUS(status) == 0 &&
			     w->state == W_DRAINING)) {
		log_info("%s.%u pid %d stopped: %s", kind_name(w->kind),
		    w->idx, (int)w->pid, w->last_reason);
		w->restart_at = now_mono_ms();
	} else {
		w->crashes++;
		snprintf(w->last_reason, sizeof(w->last_reason), "crashed: %s",
		    why);
		w->restart_at = now_mono_ms() + backoff_ms(bg, w->crashes);
		log_warn("%s.%u pid %d %s; restart in %llums",
		    kind_name(w->kind), w->idx, (int)w->pid, why,
		    (unsigned long long)(w->restart_at - now_mono_ms()));
	}
	w->state = W_DOWN;
	w->restarts++;
	broker_worker_lost(b, w, w->last_reason);
	w->pid = 0;
	atomic_store(&w->expect_pid, 0);
}

/* Private bytes and open fds, measured from the outside. */
void
supervise_sample(struct broker *b, struct inst *w)
{
	char path[64], line[256];
	uint64_t priv = 0, v;
	unsigned fds = 0;
	FILE *f;
	DIR *d;
	struct dirent *de;

	(void)b;
	if (w->pid <= 0)
		return;
	snprintf(path, sizeof(path), "/proc/%d/smaps_rollup", (int)w->pid);
	if ((f = fopen(path, "re")) != NULL) {
		while (fgets(line, sizeof(line), f) != NULL) {
			if (sscanf(line, "Private_Clean: %lu kB",
				(unsigned long *)&v) == 1 ||
			    sscanf(line, "Private_Dirty: %lu kB",
				(unsigned long *)&v) == 1 ||
			    sscanf(line, "Swap: %lu kB",
				(unsigned long *)&v) == 1)
				priv += v * 1024;
		}
		fclose(f);
		w->private_bytes = priv;
	}
	snprintf(path, sizeof(path), "/proc/%d/fd", (int)w->pid);
	if ((d = opendir(path)) != NULL) {
		while ((de = readdir(d)) != NULL)
			if (de->d_name[0] != '.')
				fds++;
		closedir(d);
		w->fds = fds;
	}
}

void
supervise_tick(struct broker *b, uint64_t now)
{
	for (size_t i = 0; i < b->ninsts; i++) {
		struct inst *w = &b->insts[i];
		if (w->state == W_DOWN && !b->stopping && now >= w->restart_at)
			supervise_spawn(b, w);
	}
	if (now >= b->next_sample) {
		for (size_t i = 0; i < b->ninsts; i++)
			supervise_sample(b, &b->insts[i]);
		b->next_sample = now + b->cfg.sample_interval;
	}
}

int
supervise_next_timeout(const struct broker *b, uint64_t now)
{
	uint64_t next = b->next_sample;

	for (size_t i = 0; i < b->ninsts; i++)
		if (b->insts[i].state == W_DOWN && b->insts[i].restart_at < next)
			next = b->insts[i].restart_at;
	return next <= now ? 0 : (int)(next - now);
}

void
supervise_shutdown(struct broker *b)
{
	uint64_t deadline = now_mono_ms() + 3000;

	b->stopping = 1;
	for (size_t i = 0; i < b->ninsts; i++)
		if (b->insts[i].pidfd >= 0)
			pidfd_kill(b->insts[i].pidfd, SIGTERM);
	for (size_t i = 0; i < b->ninsts; i++) {
		struct inst *w = &b->insts[i];
		while (w->pidfd >= 0 && now_mono_ms() < deadline) {
			if (waitpid(w->pid, NULL, WNOHANG) == w->pid)
				break;
			usleep(10000);
		}
		if (w->pidfd >= 0) {
			pidfd_kill(w->pidfd, SIGKILL);
			waitpid(w->pid, NULL, 0);
			close(w->pidfd);
			w->pidfd = -1;
		}
		inst_close_channel(w);
	}
}
