/*
 * proc: the broker's lowest layer: processes and their channels, with no
 * policy. pidfds (so a recycled pid is never signalled), the signalfd,
 * one nng pair1 listener per worker process that accepts only the pid it
 * expects, and figures read from /proc: private bytes
 * (Private_Clean + Private_Dirty + Swap of smaps_rollup), open fds, and
 * the sandbox as the kernel shows it.
 * Reports: connections from a pid other than the one spawned.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <nng/nng.h>
#include <nng/protocol/pair1/pair.h>

#include "broker.h"
#include "util.h"
#include "log.h"

int
proc_signals_open(void)
{
	sigset_t set;
	int fd;

	signal(SIGPIPE, SIG_IGN);
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGCHLD);
	if (sigprocmask(SIG_BLOCK, &set, NULL) != 0)
		fatal("sigprocmask: %s", strerror(errno));
	sigdelset(&set, SIGCHLD); /* pidfds tell us about children */
	fd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
	if (fd < 0)
		fatal("signalfd: %s", strerror(errno));
	return fd;
}

int
proc_pidfd_open(pid_t pid)
{
	return (int)syscall(SYS_pidfd_open, pid, 0);
}

int
proc_ended(const struct inst *w)
{
	siginfo_t si;

	memset(&si, 0, sizeof(si));
	return w->pidfd >= 0 &&
	    waitid(P_PIDFD, (id_t)w->pidfd, &si, WEXITED | WNOHANG | WNOWAIT) ==
	    0 &&
	    si.si_pid != 0;
}

int
proc_signal(struct inst *w, int sig)
{
	if (w->pidfd < 0)
		return -1;
	return (int)syscall(SYS_pidfd_send_signal, w->pidfd, sig, NULL, 0);
}

/* nng thread: drop any pipe whose peer is not the child we spawned. */
static void
pipe_cb(nng_pipe p, nng_pipe_ev ev, void *arg)
{
	struct inst *w = arg;
	uint64_t pid = 0;

	/* The child's pipe gone: a frame over RECVMAXSZ makes nng close it
	 * without a word, or the child hung up; the main loop stops it. */
	if (ev == NNG_PIPE_EV_REM_POST) {
		if (nng_pipe_id(p) == (int)atomic_load(&w->pipe_id))
			atomic_store(&w->chan_broken, 1);
		return;
	}
	/* A zygote's child can connect before the broker has read its pid
	 * from the zygote (spawn_from): wait for it, briefly. A pipe
	 * dropped here would take the Hello already queued on it. */
	for (int i = 0; atomic_load(&w->expect_pid) == -1 && i < 20000; i++)
		usleep(50);
	if (nng_pipe_get_uint64(p, NNG_OPT_IPC_PEER_PID, &pid) != 0 ||
	    (long)pid != atomic_load(&w->expect_pid)) {
		log_warn("%s.%u: dropped a connection from pid %llu "
		    "(expected %ld)", kind_name(w->kind), w->idx,
		    (unsigned long long)pid, atomic_load(&w->expect_pid));
		nng_pipe_close(p);
		return;
	}
	atomic_store(&w->pipe_id, (uint32_t)nng_pipe_id(p));
}

void
proc_channel_name(struct inst *w)
{
	snprintf(w->url, sizeof(w->url), "ipc://%s/sock%x", w->chan_dir,
	    w->gen++ & 0xff);
}

int
proc_channel_open(struct inst *w)
{
	int rv;

	if ((rv = nng_pair1_open(&w->sock)) != 0)
		return rv;
	w->sock_open = 1;
	w->muted = 0;
	nng_socket_set_size(w->sock, NNG_OPT_RECVMAXSZ, SB_MSG_MAX);
	nng_socket_set_int(w->sock, NNG_OPT_SENDBUF, SB_CHAN_BUF);
	nng_socket_set_int(w->sock, NNG_OPT_RECVBUF, SB_CHAN_BUF);
	atomic_store(&w->pipe_id, 0);
	atomic_store(&w->chan_broken, 0);
	w->chan_broken_at = 0;
	nng_pipe_notify(w->sock, NNG_PIPE_EV_ADD_PRE, pipe_cb, w);
	nng_pipe_notify(w->sock, NNG_PIPE_EV_REM_POST, pipe_cb, w);
	unlink(w->url + strlen("ipc://"));
	if ((rv = nng_listen(w->sock, w->url, NULL, 0)) != 0)
		return rv;
	w->recvfd = chan_recvfd(w->sock);
	return w->recvfd < 0 ? NNG_EINTERNAL : 0;
}

/* Channels of ended workers wait here until their pipe is gone, or a
 * second at most. nng 1.5.2 hangs for good, its reaper thread with it and
 * then nng_close, when a pipe closes while its IPC transport is part way
 * through a message: the transport re-arms its read on the stopped aio,
 * which never completes, so the protocol's receive stays queued (seen
 * with gdb on a debug build of nng 1.5.2 under tests/tools/sbrogue.c's
 * flood mode). A pipe closes so by our nng_close, or when a send fails
 * because the peer has ended (proc_send). Left alone, a pipe ends by
 * itself once it reads the peer's end, or stops reading with the receive
 * queue full, and closing after either is safe. Every peer is dead or
 * killed by the time its channel closes, so that takes milliseconds. */
#define GRAVES 256
#define GRAVE_MS 1000
#define GRAVE_POLL_MS 10
static struct {
	nng_socket sock;
	uint32_t pipe_id; /* 0: no pipe was accepted */
	uint64_t at;      /* closed then even with its pipe */
} graves[GRAVES];
static size_t ngraves;

static int
pipe_gone(uint32_t id)
{
	nng_pipe p = NNG_PIPE_INITIALIZER;
	uint64_t pid;

	p.id = id;
	return id == 0 ||
	    nng_pipe_get_uint64(p, NNG_OPT_IPC_PEER_PID, &pid) == NNG_ENOENT;
}

void
proc_graves_tick(uint64_t now)
{
	size_t kept = 0;

	for (size_t i = 0; i < ngraves; i++) {
		if (graves[i].at <= now || pipe_gone(graves[i].pipe_id))
			nng_close(graves[i].sock);
		else
			graves[kept++] = graves[i];
	}
	ngraves = kept;
}

uint64_t
proc_graves_next(uint64_t now)
{
	return ngraves == 0 ? UINT64_MAX : now + GRAVE_POLL_MS;
}

void
proc_graves_flush(void)
{
	for (;;) {
		proc_graves_tick(now_mono_ms());
		if (ngraves == 0)
			return;
		usleep(GRAVE_POLL_MS * 1000);
	}
}

void
proc_channel_close(struct inst *w)
{
	if (!w->sock_open)
		return;
	if (ngraves == GRAVES) { /* the oldest has waited longest */
		nng_close(graves[0].sock);
		memmove(&graves[0], &graves[1], --ngraves * sizeof(graves[0]));
	}
	graves[ngraves].sock = w->sock;
	graves[ngraves].pipe_id = atomic_load(&w->pipe_id);
	graves[ngraves++].at = now_mono_ms() + GRAVE_MS;
	w->sock_open = 0;
	w->recvfd = -1;
}

void
proc_channel_mute(struct inst *w)
{
	w->muted = 1;
	w->recvfd = -1;
}

int
proc_send(struct inst *w, const sb_env *e)
{
	/* Nothing to one we stopped or that has ended: a send failing at
	 * its end would close the pipe while it may still read what the
	 * peer sent (graves). */
	if (!w->sock_open || w->killed || proc_ended(w))
		return NNG_ECLOSED;
	/* Never block: the broker serves everyone from one thread. */
	return chan_send(w->sock, e, NNG_FLAG_NONBLOCK);
}

int
proc_recv(struct inst *w, sb_env **out, char *err, size_t errlen)
{
	nng_msg *m;

	*out = NULL;
	if (!w->sock_open || w->muted ||
	    nng_recvmsg(w->sock, &m, NNG_FLAG_NONBLOCK) != 0)
		return 0;
	*out = chan_decode(m, err, errlen);
	nng_msg_free(m);
	return *out != NULL ? 1 : -1;
}

/* A field of /proc/PID/status in kB ("VmRSS:"), or -1. */
static long long
status_kb(const char *status, const char *field)
{
	const char *p = strstr(status, field);

	return p != NULL ? strtoll(p + strlen(field), NULL, 10) : -1;
}

/* Resident + swapped bytes of w: a bound on its private bytes (private
 * pages are resident or swapped), at a sixth of smaps_rollup's cost.
 * UINT64_MAX when unreadable. */
static uint64_t
private_bound(const struct inst *w)
{
	char path[64], buf[4096];
	long long rss, swap;
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/status", (int)w->pid);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return UINT64_MAX;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return UINT64_MAX;
	buf[n] = '\0';
	rss = status_kb(buf, "VmRSS:");
	swap = status_kb(buf, "VmSwap:");
	if (rss < 0 || swap < 0)
		return UINT64_MAX;
	return (uint64_t)(rss + swap) * 1024;
}

void
proc_sample(struct inst *w, uint64_t below)
{
	char path[64], line[256];
	uint64_t priv = 0, bound;
	unsigned long v;
	unsigned fds = 0;
	struct dirent *de;
	FILE *f;
	DIR *d;

	if (w->pid <= 0)
		return;
	snprintf(path, sizeof(path), "/proc/%d/smaps_rollup", (int)w->pid);
	if (below != 0 && (bound = private_bound(w)) < below) {
		if (w->private_bytes > bound)
			w->private_bytes = bound;
	} else if ((f = fopen(path, "re")) != NULL) {
		while (fgets(line, sizeof(line), f) != NULL) {
			if (sscanf(line, "Private_Clean: %lu kB", &v) == 1 ||
			    sscanf(line, "Private_Dirty: %lu kB", &v) == 1 ||
			    sscanf(line, "Swap: %lu kB", &v) == 1)
				priv += (uint64_t)v * 1024;
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

/* Is pid in a namespace of this type other than the broker's? */
static int
own_ns(pid_t pid, const char *type)
{
	char path[64], mine[64] = "", theirs[64] = "";

	snprintf(path, sizeof(path), "/proc/self/ns/%s", type);
	if (readlink(path, mine, sizeof(mine) - 1) <= 0)
		return 0;
	snprintf(path, sizeof(path), "/proc/%d/ns/%s", (int)pid, type);
	if (readlink(path, theirs, sizeof(theirs) - 1) <= 0)
		return 0;
	return strcmp(mine, theirs) != 0;
}

void
proc_sandbox(struct inst *w)
{
	char path[64], line[256];
	unsigned long long v;
	FILE *f;

	memset(&w->seen, 0, sizeof(w->seen));
	snprintf(path, sizeof(path), "/proc/%d/status", (int)w->pid);
	if ((f = fopen(path, "re")) != NULL) {
		while (fgets(line, sizeof(line), f) != NULL) {
			unsigned u;
			if (sscanf(line, "Uid: %u", &u) == 1)
				w->seen.uid = u;
			else if (sscanf(line, "Seccomp: %u", &u) == 1)
				w->seen.seccomp = u;
			else if (sscanf(line, "NoNewPrivs: %u", &u) == 1)
				w->seen.no_new_privs = u != 0;
			else if (sscanf(line, "CapEff: %llx", &v) == 1)
				snprintf(w->seen.cap_eff,
				    sizeof(w->seen.cap_eff), "%016llx", v);
		}
		fclose(f);
	}
	w->seen.own_netns = own_ns(w->pid, "net");
	w->seen.own_mntns = own_ns(w->pid, "mnt");
}

void
proc_describe_status(int status, char *why, size_t len)
{
	if (WIFSIGNALED(status) && WTERMSIG(status) == SIGSYS)
		snprintf(why, len, "sandbox violation: killed by seccomp "
		    "(signal %d, SIGSYS)", SIGSYS);
	else if (WIFSIGNALED(status))
		snprintf(why, len, "killed by signal %d (%s)",
		    WTERMSIG(status), strsignal(WTERMSIG(status)));
	else if (WEXITSTATUS(status) == 3)
		snprintf(why, len, "out of memory (exit status 3)");
	else
		snprintf(why, len, "exited with status %d",
		    WEXITSTATUS(status));
}
