/*
 * supervise: the broker's side of worker lifetimes. Spawns each worker by
 * fork+exec (nng is not fork-safe: the child touches nothing but exec),
 * listens for it on a private ipc path only for that child's pid, watches
 * it with a pidfd, and keeps every slot filled:
 *   - a crash is restarted after an exponential backoff, and more than
 *     crash_limit crashes of a kind within crash_window mark the kind
 *     failed (its work waits; the reason is shown to admins);
 *   - a graceful recycle starts the replacement first and drains the old
 *     process only once the replacement is ready (localspl, the single
 *     writer of the job store, drains in place and restarts instead);
 *   - a draining process gets drain_timeout for its job, then SIGTERM,
 *     then SIGKILL;
 *   - every sample (and every finished job) is judged by budget_check()
 *     and acted on here.
 * A new process's Hello is answered with its Configure; its Sandboxed and
 * Drained are taken here too. Reaping returns what the process held
 * (struct loss) instead of calling up into routing.
 * Reports: every spawn failure, crash, recycle and restart, with kind,
 * pid, reason, measured figure and budget.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <poll.h>
#include <pwd.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <nng/nng.h>

#include "broker.h"
#include "kind.h"
#include "fdpass.h"
#include "sandbox.h"
#include "log.h"
#include "util.h"

#define TERM_GRACE_MS 2000

const char *
supervise_state(const struct inst *w)
{
	static const char *const names[] = { "free", "starting", "ready",
		"draining", "zygote" };

	if (w->state == W_READY && w->token != 0)
		return "busy";
	if (w->slot != NULL && w->slot->spare == w && w->state != W_FREE)
		return "standby";
	return names[w->state];
}

/* Each kind's account (as root): its own user, or a fixed fallback. */
static void
resolve_accounts(struct broker *b)
{
	for (int k = 1; k < SB_KINDS; k++) {
		struct passwd *pw = getpwnam(b->cfg.users[k]);
		/* Numeric fallback: a fixed, otherwise unused id per kind. */
		b->run_uid[k] = pw != NULL ? pw->pw_uid : (uid_t)(64800 + k);
		b->run_gid[k] = pw != NULL ? pw->pw_gid : (gid_t)(64800 + k);
		if (b->accounts == ACC_MAPPED && (b->run_uid[k] == geteuid() ||
		    b->run_gid[k] == getegid()))
			fatal("%s's account %s is spoolboxd's own: each worker "
			    "kind needs one of its own", kind_name(k),
			    b->cfg.users[k]);
	}
}

/* Slots a kind has: its always-running instances and the extra ones. */
static unsigned
slots_of(const struct sb_budget *bg)
{
	return (unsigned)(bg->max_instances > bg->instances ? bg->max_instances
							    : bg->instances);
}

void
supervise_init(struct broker *b)
{
	size_t n = 0, i = 0;

	/* A zygote's new process is handed to us when its first parent
	 * exits (spawn_from). */
	if (prctl(PR_SET_CHILD_SUBREAPER, 1) != 0)
		fatal("PR_SET_CHILD_SUBREAPER: %s", strerror(errno));
	resolve_accounts(b);
	/* A singleton (the job store's one writer, the listener that holds
	 * the ports) runs alone, whatever the config says. */
	for (int k = 1; k < SB_KINDS; k++) {
		if (kind_info(k)->singleton) {
			b->cfg.workers[k].instances =
			    b->cfg.workers[k].instances > 0;
			b->cfg.workers[k].max_instances = 0;
		}
		n += slots_of(&b->cfg.workers[k]);
	}
	b->slots = calloc(n, sizeof(*b->slots));
	/* Room for a replacement, a standby and a zygote beside every
	 * process, and one more. */
	b->ninsts = 4 * n + 1;
	b->insts = calloc(b->ninsts, sizeof(*b->insts));
	if (b->slots == NULL || b->insts == NULL)
		fatal("out of memory");
	b->nslots = n;
	for (int k = 1; k < SB_KINDS; k++) {
		for (unsigned j = 0; j < slots_of(&b->cfg.workers[k]); j++) {
			b->slots[i].kind = k;
			b->slots[i].idx = j;
			/* Extra slots wait until work waits (supervise_grow). */
			b->slots[i].dormant = j >= b->cfg.workers[k].instances;
			i++;
		}
	}
	for (i = 0; i < b->ninsts; i++) {
		struct inst *w = &b->insts[i];
		w->pidfd = -1;
		w->recvfd = -1;
		w->fdchan = -1;
		/* A directory per process: its mount namespace holds only
		 * its own channel. */
		snprintf(w->chan_dir, sizeof(w->chan_dir), "%s/%zu",
		    b->workers_dir, i);
		if (mkdir(w->chan_dir, 0700) != 0 && errno != EEXIST)
			fatal("%s: %s", w->chan_dir, strerror(errno));
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

static struct inst *
free_inst(struct broker *b)
{
	for (size_t i = 0; i < b->ninsts; i++)
		if (b->insts[i].state == W_FREE && b->insts[i].pidfd < 0)
			return &b->insts[i];
	return NULL;
}

static uint64_t
jitter(uint64_t max)
{
	uint64_t r = 0;

	if (max == 0)
		return 0;
	if (getrandom(&r, sizeof(r), 0) != sizeof(r))
		r = (uint64_t)getpid();
	return r % (max + 1);
}

/* What a kind's mount namespace holds beyond its fixed list. */
static void
view_for(const struct broker *b, int kind, const char *chan_dir,
    struct sandbox_view *v)
{
	memset(v, 0, sizeof(*v));
	v->root = b->view_root;
	v->channel_dir = chan_dir;
	v->mapped = b->accounts == ACC_MAPPED && b->cfg.sandbox != SBX_OFF;
	v->map_fd = WORKER_FDCHAN;
	if (kind == SB__WORKER_KIND__LOCALSPL)
		config_localspl_paths(&b->cfg, v->rw);
}

/* The forked child's one-line reason, written without stdio. */
static void
child_say(const char *kind, const char *step, int err)
{
	const char *parts[] = { "spoolboxd: ", kind, ": sandbox: ", step, ": ",
		strerrorname_np(err), "\n" };
	char line[512];
	size_t n = 0;

	for (size_t i = 0; i < sizeof(parts) / sizeof(parts[0]); i++) {
		const char *p = parts[i] != NULL ? parts[i] : "?";
		size_t l = strlen(p);
		if (n + l >= sizeof(line))
			break;
		memcpy(line + n, p, l);
		n += l;
	}
	if (write(2, line, n) < 0) {
		/* nowhere left to say it */
	}
}

static void __attribute__((noreturn))
child_fail(const char *kind, const char *step, int err)
{
	child_say(kind, step, err);
	_exit(126);
}

/* The forked child: namespaces and the mount view, then exec through an
 * fd (the binary need not be inside the view). Only async-signal-safe
 * calls: nng is not fork-safe and the broker has threads. */
static void __attribute__((noreturn))
exec_child(int kind, const char *path, char **argv, char *ns,
    const struct sandbox_view *view, pid_t parent, int sandbox, int fdchan,
    int cgroup)
{
	sigset_t none;
	int exe, i = 0;

	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (getppid() != parent)
		_exit(1);
	/* The kernel's first choice under memory pressure, before the
	 * broker (and a zygote's processes inherit it). A broker whose ids
	 * changed is not dumpable, and its /proc files are root's: this
	 * copy is made dumpable first (exec decides afresh). */
	prctl(PR_SET_DUMPABLE, 1);
	i = open("/proc/self/oom_score_adj", O_WRONLY | O_CLOEXEC);
	if (i < 0 || write(i, "500", 3) != 3)
		child_say(kind_name(kind), "oom_score_adj", errno);
	if (i >= 0)
		close(i);
	i = 0;
	/* Into its memory cgroup; without it, the budget's sampling and
	 * RLIMIT_DATA still hold. */
	if (cgroup >= 0 && write(cgroup, "0", 1) != 1)
		child_say(kind_name(kind), "joining its memory cgroup", errno);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	signal(SIGPIPE, SIG_DFL);
	/* The descriptor channel is fd 3 (fdpass.h), nothing above it. */
	if (fdchan == WORKER_FDCHAN)
		fcntl(fdchan, F_SETFD, 0);
	else if (dup2(fdchan, WORKER_FDCHAN) != WORKER_FDCHAN)
		child_fail(kind_name(kind), "descriptor channel", errno);
	close_range(WORKER_FDCHAN + 1, ~0U, 0);
	exe = open(path, O_PATH | O_CLOEXEC);
	if (exe < 0)
		child_fail(kind_name(kind), path, errno);
	if (sandbox) {
		const char *step = "";
		int made = sandbox_prepare(kind, view, &step);
		if (made < 0)
			child_fail(kind_name(kind), step, errno);
		/* --namespaces MASK, written without stdio */
		if (made >= 10)
			ns[i++] = '1';
		ns[i++] = (char)('0' + made % 10);
		ns[i] = '\0';
	}
	syscall(SYS_execveat, exe, "", argv, environ, AT_EMPTY_PATH);
	child_fail(kind_name(kind), "execveat", errno);
}

/* A pool entry now holds the new process pid for slot s. */
static void
inst_reset(struct broker *b, struct inst *w, struct slot *s, pid_t pid)
{
	memset(w->stop_reason, 0, sizeof(w->stop_reason));
	memset(&w->seen, 0, sizeof(w->seen));
	w->seccomp[0] = w->namespaces[0] = '\0';
	w->syscalls = w->landlock_abi = 0;
	w->slot = s;
	w->kind = s->kind;
	w->idx = s->idx;
	w->pid = pid;
	atomic_store(&w->expect_pid, (long)pid);
	w->state = W_STARTING;
	w->token = 0;
	w->jobs = 0;
	w->measure_due = 0;
	w->killed = 0;
	w->parked = 0;
	w->zygote_up = 0;
	w->term_sent = 0;
	w->private_bytes = 0;
	w->fds = 0;
	w->data_base = w->data_max = 0;
	w->limit_stale = 0;
	w->started_ms = w->idle_since = now_mono_ms();
	w->jitter = jitter(b->cfg.workers[s->kind].lifetime_jitter);
}

/* The forked child pid watched by a pidfd, its user namespace mapped
 * when it is to be: 0, or -1 with the child gone (the slot is tried
 * again later; never fatal). */
static int
watch_child(struct broker *b, struct slot *s, struct inst *w, pid_t pid,
    int fdchan, int mapped)
{
	w->pidfd = proc_pidfd_open(pid);
	if (w->pidfd >= 0 && mapped &&
	    sandbox_map(pid, fdchan, b->run_uid[s->kind],
		b->run_gid[s->kind]) != 0) {
		log_error("%s.%u: mapping its account %s into its user "
		    "namespace: %s; stopped, retried later", kind_name(s->kind),
		    s->idx, b->cfg.users[s->kind], strerror(errno));
		close(w->pidfd);
		w->pidfd = -1;
	} else if (w->pidfd < 0) {
		/* Out of fds, say: no way to watch it, so it goes. */
		log_error("%s.%u: pidfd_open: %s; stopped, retried later",
		    kind_name(s->kind), s->idx, strerror(errno));
	}
	fcntl(fdchan, F_SETFL, O_NONBLOCK);
	if (w->pidfd >= 0)
		return 0;
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	close(fdchan);
	budget_limit_release(b, w);
	return -1;
}

/* Start a process for slot s by fork+exec, or its zygote (which is never
 * connected: it only reads its descriptor channel); NULL when there is
 * no room or fork fails. */
static struct inst *
spawn_exec(struct broker *b, struct slot *s, int zygote)
{
	char path[PATH_MAX + 32], inst[16];
	struct inst *w = free_inst(b);
	char ns[4] = "0";
	char *argv[] = { path, "--channel", NULL, "--instance", inst,
		"--namespaces", ns, zygote ? "--zygote" : NULL, NULL };
	struct sandbox_view view;
	pid_t parent = getpid(), pid;
	int rv, sp[2], cg;

	if (w == NULL) {
		log_error("no room in the process table for %s.%u",
		    kind_name(s->kind), s->idx);
		return NULL;
	}
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sp) != 0) {
		log_error("%s.%u: descriptor channel: %s", kind_name(s->kind),
		    s->idx, strerror(errno));
		return NULL;
	}
	proc_channel_name(w);
	argv[2] = w->url;
	view_for(b, s->kind, w->chan_dir, &view);
	worker_path(b, s->kind, path, sizeof(path));
	snprintf(inst, sizeof(inst), "%u", s->idx);
	cg = zygote ? -1 : budget_cgroup_prepare(b, w, s->kind);
	pid = fork();
	if (pid < 0) {
		log_error("fork for %s: %s", kind_name(s->kind),
		    strerror(errno));
		close(sp[0]);
		close(sp[1]);
		if (cg >= 0)
			close(cg);
		budget_limit_release(b, w);
		return NULL;
	}
	if (pid == 0)
		exec_child(s->kind, path, argv, ns, &view, parent,
		    b->cfg.sandbox != SBX_OFF, sp[1], cg);
	close(sp[1]);
	if (cg >= 0)
		close(cg);
	if (watch_child(b, s, w, pid, sp[0], view.mapped) != 0)
		return NULL;
	inst_reset(b, w, s, pid);
	w->fdchan = sp[0];
	if (zygote) {
		w->state = W_ZYGOTE;
		w->zygote_up = 0;
		log_debug("started %s.%u's zygote pid %d", kind_name(w->kind),
		    w->idx, (int)pid);
		return w;
	}
	w->nth = ++s->spawned;
	if ((rv = proc_channel_open(w)) != 0) {
		log_error("%s.%u: listen on %s: %s", kind_name(w->kind), w->idx,
		    w->url, nng_strerror(rv));
		supervise_stop(b, w, "channel setup failed");
		return w;
	}
	log_debug("started %s.%u pid %d", kind_name(w->kind), w->idx,
	    (int)pid);
	return w;
}

/* The zygote z did not do as asked: it goes, and processes start by
 * exec until the next one is up. */
static void
zygote_failed(struct broker *b, struct inst *z, const char *what)
{
	log_warn("%s.%u's zygote pid %d: %s; stopped, processes start by "
		 "exec meanwhile", kind_name(z->kind), z->idx, (int)z->pid,
	    what);
	supervise_stop(b, z, what);
}

/*
 * A process for slot s from its zygote: no exec, no new namespaces, no
 * libraries to load. Its channel is in the zygote's directory (the only
 * one its mount view shows), listened on before it exists, for the pid
 * the zygote then names only. NULL: the caller starts one by exec.
 */
static struct inst *
spawn_from(struct broker *b, struct slot *s, struct inst *z)
{
	struct inst *w = free_inst(b);
	unsigned n = z->gen++ & 0xff;
	struct pollfd pfd = { .fd = z->fdchan, .events = POLLIN };
	pid_t pid = 0;
	int sp[2], cg, rv;

	if (w == NULL ||
	    socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sp) != 0)
		return NULL;
	snprintf(w->url, sizeof(w->url), "ipc://%s/sock%x", z->chan_dir, n);
	atomic_store(&w->expect_pid, -1); /* nobody, until the zygote says */
	if ((rv = proc_channel_open(w)) != 0) {
		log_error("%s.%u: listen on %s: %s", kind_name(s->kind),
		    s->idx, w->url, nng_strerror(rv));
		proc_channel_close(w);
		close(sp[0]);
		close(sp[1]);
		return NULL;
	}
	cg = budget_cgroup_prepare(b, w, s->kind);
	if ((cg >= 0 && fdpass_send(z->fdchan, ZYGOTE_CGROUP, cg) != 0) ||
	    fdpass_send(z->fdchan, ZYGOTE_SPAWN | n, sp[1]) != 0)
		zygote_failed(b, z, "a request could not be sent");
	else if (poll(&pfd, 1, 1000) != 1 ||
	    recv(z->fdchan, &pid, sizeof(pid), 0) != sizeof(pid) || pid <= 0)
		zygote_failed(b, z, "no new process within 1 s");
	else if ((w->pidfd = proc_pidfd_open(pid)) < 0)
		log_error("%s.%u: pidfd_open: %s", kind_name(s->kind), s->idx,
		    strerror(errno));
	close(sp[1]);
	if (cg >= 0)
		close(cg);
	if (w->pidfd < 0) {
		if (pid > 0)
			kill(pid, SIGKILL); /* reaped as an orphan */
		atomic_store(&w->expect_pid, 0);
		proc_channel_close(w);
		close(sp[0]);
		budget_limit_release(b, w);
		return NULL;
	}
	fcntl(sp[0], F_SETFL, O_NONBLOCK);
	inst_reset(b, w, s, pid);
	w->fdchan = sp[0];
	w->nth = ++s->spawned;
	log_debug("started %s.%u pid %d from its zygote", kind_name(w->kind),
	    w->idx, (int)pid);
	return w;
}

/* Has zygote z said it waits for requests (its pid, once)? Until then
 * processes start by exec: the broker never waits for one to load. */
static int
zygote_up(struct inst *z)
{
	pid_t pid;

	if (z->zygote_up)
		return 1;
	if (recv(z->fdchan, &pid, sizeof(pid), MSG_DONTWAIT) != sizeof(pid))
		return 0;
	if (pid != z->pid)
		return 0;
	z->zygote_up = 1;
	proc_sandbox(z); /* shown as it is: namespaces, no seccomp yet */
	return 1;
}

void
supervise_zygotes_up(struct broker *b)
{
	for (size_t i = 0; i < b->nslots; i++)
		if (b->slots[i].zyg != NULL &&
		    b->slots[i].zyg->state == W_ZYGOTE)
			zygote_up(b->slots[i].zyg);
}

/* Start a process for slot s: from its zygote when it has one. */
static struct inst *
spawn(struct broker *b, struct slot *s)
{
	struct inst *w = NULL;

	if (s->zyg != NULL && s->zyg->state == W_ZYGOTE && !s->zyg->killed &&
	    zygote_up(s->zyg))
		w = spawn_from(b, s, s->zyg);
	return w != NULL ? w : spawn_exec(b, s, 0);
}

/* Children a zygote made are handed to the broker when their first
 * parent exits; one that ends before anyone knew its pid (or any other
 * orphan) is collected here, never a process of the pool. */
static void
reap_orphans(struct broker *b)
{
	siginfo_t si;

	for (;;) {
		memset(&si, 0, sizeof(si));
		if (waitid(P_ALL, 0, &si, WEXITED | WNOHANG | WNOWAIT) != 0 ||
		    si.si_pid == 0)
			return;
		for (size_t i = 0; i < b->ninsts; i++)
			if (b->insts[i].pidfd >= 0 &&
			    b->insts[i].pid == si.si_pid)
				return; /* its pidfd says so: reaped there */
		if (auth_owns(b, si.si_pid))
			return;
		waitpid(si.si_pid, NULL, WNOHANG);
	}
}

void
supervise_start(struct broker *b)
{
	for (size_t i = 0; i < b->nslots; i++) {
		struct slot *s = &b->slots[i];
		if (s->dormant)
			continue;
		s->cur = spawn(b, s);
		if (s->cur != NULL)
			log_info("started %s.%u pid %d", kind_name(s->kind),
			    s->idx, (int)s->cur->pid);
	}
}

/* An admin's word: forget a kind's crashes and start its slots again. */
void
supervise_unfail(struct broker *b, int kind)
{
	b->failed[kind][0] = '\0';
	memset(b->crash_times[kind], 0, sizeof(b->crash_times[kind]));
	for (size_t i = 0; i < b->nslots; i++) {
		if (b->slots[i].kind != kind)
			continue;
		b->slots[i].crashes = 0;
		if (b->slots[i].cur == NULL)
			b->slots[i].restart_at = 0;
	}
}

void
supervise_stop(struct broker *b, struct inst *w, const char *reason)
{
	(void)b;
	if (w->pidfd < 0)
		return;
	if (reason != NULL && w->stop_reason[0] == '\0') {
		snprintf(w->stop_reason, sizeof(w->stop_reason), "%s", reason);
		snprintf(w->slot->last_reason, sizeof(w->slot->last_reason),
		    "%s", reason);
	}
	w->killed = 1;
	proc_signal(w, SIGKILL);
	/* Nothing more it sent is read: a worker stopped for what it sent
	 * may have filled its channel with more of the same. */
	proc_channel_mute(w);
}

/* Ask a drained process to exit (SIGTERM); it is not a crash. */
static void
terminate(struct inst *w)
{
	if (w->pidfd < 0)
		return;
	w->killed = 1;
	w->term_sent = 1;
	w->drain_deadline = now_mono_ms() + TERM_GRACE_MS;
	proc_signal(w, SIGTERM);
}

static void
send_drain(struct broker *b, struct inst *w)
{
	Sb__Drain d = SB__DRAIN__INIT;
	sb_env e;

	chan_env_init(&e);
	e.body_case = SB__ENVELOPE__BODY_DRAIN;
	e.drain = &d;
	w->state = W_DRAINING;
	w->drain_deadline = now_mono_ms() +
	    b->cfg.workers[w->kind].drain_timeout;
	supervise_send(b, w, &e);
}

/* Milliseconds since s's recycle began. */
static double
since_recycle(const struct slot *s)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (double)(now.tv_sec - s->recycle_start.tv_sec) * 1e3 +
	    (double)(now.tv_nsec - s->recycle_start.tv_nsec) / 1e6;
}

/* A hello arrived: the process is ready; a replacement takes over. */
/* w, the slot's next, is ready: it serves, and the old one drains. */
static void
take_over(struct broker *b, struct slot *s, struct inst *w)
{
	struct inst *old = s->cur;

	s->cur = w;
	s->next = NULL;
	if (old != NULL && old->pidfd >= 0) {
		log_info("%s.%u pid %d replaces pid %d, ready %.3f ms after "
			 "the recycle began",
		    kind_name(w->kind), w->idx, (int)w->pid, (int)old->pid,
		    since_recycle(s));
		send_drain(b, old);
	}
}

static void
ready(struct broker *b, struct inst *w)
{
	struct slot *s = w->slot;

	w->state = W_READY;
	budget_limit_ready(b, w);
	if (s->next == w) {
		take_over(b, s, w);
	} else if (s->in_place) {
		/* localspl's hand-over: the old one stopped first. */
		s->in_place = 0;
		log_info("%s.%u pid %d ready %.3f ms after the recycle began "
			 "(in place)", kind_name(w->kind), w->idx,
		    (int)w->pid, since_recycle(s));
	}
}

/* The slot's standby, taken out of standby (NULL: none). */
static struct inst *
take_spare(struct slot *s)
{
	struct inst *w = s->spare;

	s->spare = NULL;
	return w;
}

int
supervise_grow(struct broker *b, int kind)
{
	for (size_t i = 0; i < b->nslots; i++) {
		struct slot *s = &b->slots[i];
		if (s->kind != kind || !s->dormant || s->cur != NULL ||
		    s->next != NULL || b->failed[kind][0] != '\0')
			continue;
		s->dormant = 0;
		if ((s->cur = spawn(b, s)) == NULL) {
			s->restart_at = now_mono_ms() + 1000;
			return 0;
		}
		log_info("started %s.%u pid %d: work is waiting",
		    kind_name(kind), s->idx, (int)s->cur->pid);
		return 1;
	}
	return 0;
}

/* The rule a reason names: what it says before its colon ("max_jobs",
 * "reload"...), as the metrics and the journal label it. */
static void
rule_of(const char *reason, char *buf, size_t len)
{
	snprintf(buf, len, "%.*s", (int)strcspn(reason, ":"), reason);
}

/* What the journal says a line about w is about: its kind, instance,
 * pid and job; the caller adds the rest. */
struct log_about
supervise_about(const struct inst *w)
{
	return (struct log_about){ .kind = kind_name(w->kind), .inst = w->idx,
		.pid = w->pid, .job = w->token ? w->job_id : 0 };
}

/* A recycle's count by its rule. */
static void
count_rule(struct slot *s, const char *reason)
{
	char rule[sizeof(s->by_rule[0].rule)];
	unsigned k;

	rule_of(reason, rule, sizeof(rule));
	for (k = 0; k < 8 && s->by_rule[k].rule[0] != '\0'; k++)
		if (strcmp(s->by_rule[k].rule, rule) == 0)
			break;
	if (k == 8) /* more rules than there are: fold into the last */
		k = 7;
	if (s->by_rule[k].rule[0] == '\0')
		memcpy(s->by_rule[k].rule, rule, sizeof(rule));
	s->by_rule[k].n++;
}

/* Remember a recycle or restart for `spoolbox status` and the metrics. */
static void
remember(struct broker *b, const struct inst *w, int restart,
    const char *reason)
{
	unsigned i = b->nrecent++ % 8;

	if (!restart)
		count_rule(w->slot, reason);

	b->recent[i].at = now_wall_ms();
	b->recent[i].kind = w->kind;
	b->recent[i].idx = w->idx;
	b->recent[i].pid = w->pid;
	b->recent[i].restart = restart;
	snprintf(b->recent[i].reason, sizeof(b->recent[i].reason), "%s",
	    reason);
	history_event(&w->slot->hist, b->recent[i].at, (uint32_t)w->pid,
	    restart, reason);
}

/* Does a standby of this kind wait for its Configure until it serves?
 * localspl's does: the job store has one writer, and opening it is the
 * start's one step that must wait for the old process to end. */
static int
parks(int kind)
{
	return kind == SB__WORKER_KIND__LOCALSPL;
}

static void send_configure(struct broker *b, struct inst *w);

/* A parked standby serves: its Configure now (it opens the store). */
static void
unpark(struct broker *b, struct inst *w)
{
	w->parked = 0;
	send_configure(b, w);
	ready(b, w);
}

/* Graceful recycle of a serving process (see the file header). */
void
supervise_recycle(struct broker *b, struct inst *w, const char *why,
    const struct budget_over *over)
{
	struct slot *s = w->slot;
	struct log_about a = supervise_about(w);
	char rule[sizeof(s->by_rule[0].rule)];

	if (w != s->cur || s->next != NULL || w->state != W_READY)
		return; /* already on its way out */
	clock_gettime(CLOCK_MONOTONIC, &s->recycle_start);
	s->recycles++;
	snprintf(s->last_reason, sizeof(s->last_reason), "%s", why);
	snprintf(w->stop_reason, sizeof(w->stop_reason), "recycled: %s", why);
	remember(b, w, 0, why);
	rule_of(why, rule, sizeof(rule));
	a.reason = rule;
	if (over != NULL) {
		a.figure = over->figure;
		a.budget = over->budget;
	}
	log_event(LOG_INFO, &a, "recycling %s.%u pid %d: %s",
	    kind_name(w->kind), w->idx, (int)w->pid, why);
	if (s->spare != NULL && !parks(w->kind)) { /* at once, when ready */
		s->next = take_spare(s);
		if (s->next->state == W_READY)
			take_over(b, s, s->next);
		return;
	}
	if (w->kind != SB__WORKER_KIND__LOCALSPL &&
	    (s->next = spawn(b, s)) != NULL)
		return; /* drained once the replacement is ready */
	s->in_place = 1;
	send_drain(b, w); /* in place: the slot restarts when it exits */
}

static uint64_t
backoff_ms(const struct sb_budget *bg, unsigned crashes)
{
	uint64_t d = bg->restart_backoff_min;

	for (unsigned i = 1; i < crashes && d < bg->restart_backoff_max; i++)
		d *= 2;
	return d < bg->restart_backoff_max ? d : bg->restart_backoff_max;
}

/* Crash-loop breaker: record a crash; 1 when the kind is now failed. */
static int
crash_breaker(struct broker *b, int kind, uint64_t now)
{
	const struct sb_budget *bg = &b->cfg.workers[kind];
	unsigned n = 0;

	b->crash_times[kind][b->crash_head[kind]++ % 64] = now;
	for (unsigned i = 0; i < 64; i++)
		if (b->crash_times[kind][i] != 0 &&
		    now - b->crash_times[kind][i] <= bg->crash_window)
			n++;
	if (n <= bg->crash_limit || b->failed[kind][0] != '\0')
		return b->failed[kind][0] != '\0';
	snprintf(b->failed[kind], sizeof(b->failed[kind]),
	    "%s failed: %u crashes within %llums (crash_limit %llu)",
	    kind_name(kind), n, (unsigned long long)bg->crash_window,
	    (unsigned long long)bg->crash_limit);
	log_error("%s; not restarted until an admin changes its budget or "
	    "reloads", b->failed[kind]);
	return 1;
}

/* What the process held when it ended, for routing. */
static void
fill_loss(const struct inst *w, const char *why, struct loss *lost)
{
	memset(lost, 0, sizeof(*lost));
	lost->kind = w->kind;
	lost->token = w->token;
	lost->job_id = w->job_id;
	lost->stage = w->stage;
	lost->result = SB__RESULT__INTERRUPTED;
	snprintf(lost->why, sizeof(lost->why), "%s.%u %s", kind_name(w->kind),
	    w->idx, why);
}

/* w left its slot: when to fill it again (backoff after a crash, never
 * once the kind is failed). */
static void
slot_vacate(struct broker *b, struct slot *s, const struct inst *w,
    int crash)
{
	uint64_t now = now_mono_ms();

	if (s->spare == w) { /* the next one after a pause, a crash's */
		s->spare = NULL;
		s->spare_at = now + (crash ? backoff_ms(&b->cfg.workers[w->kind],
		    s->crashes) : 0);
		if (crash)
			crash_breaker(b, w->kind, now);
		return;
	}
	if (s->cur == w)
		s->cur = NULL;
	else
		s->next = NULL;
	/* localspl's parked standby, once the old one has let go of the
	 * store: the hand-over is its Configure and the store's opening. */
	if (s->cur == NULL && s->next == NULL && s->spare != NULL &&
	    s->spare->parked && !b->stopping) {
		int recycled = s->in_place && !crash;
		s->in_place = 0;
		s->cur = take_spare(s);
		unpark(b, s->cur);
		if (recycled)
			log_info("%s.%u pid %d takes over from pid %d (standby), "
				 "%.3f ms after the recycle began",
			    kind_name(w->kind), w->idx, (int)s->cur->pid,
			    (int)w->pid, since_recycle(s));
		else
			log_info("%s.%u pid %d takes over from pid %d at once "
				 "(standby)", kind_name(w->kind), w->idx,
			    (int)s->cur->pid, (int)w->pid);
		if (crash)
			crash_breaker(b, w->kind, now);
		return;
	}
	/* A standby ready takes the place of one that crashed at once. */
	if (s->cur == NULL && s->next == NULL && s->spare != NULL &&
	    s->spare->state == W_READY && !b->stopping) {
		s->cur = take_spare(s);
		log_info("%s.%u pid %d takes over from pid %d at once "
		    "(standby)", kind_name(w->kind), w->idx, (int)s->cur->pid,
		    (int)w->pid);
		if (crash)
			crash_breaker(b, w->kind, now);
		return;
	}
	if (crash && crash_breaker(b, w->kind, now))
		s->restart_at = UINT64_MAX;
	else if (crash)
		s->restart_at = now + backoff_ms(&b->cfg.workers[w->kind],
		    s->crashes);
	else
		s->restart_at = now;
}

/* A zygote ended: not a slot's process, nothing lost; the next one
 * comes in a second. */
static void
reap_zygote(struct broker *b, struct inst *w, const char *why,
    struct loss *lost)
{
	w->slot->zyg = NULL;
	w->slot->zyg_at = now_mono_ms() + 1000;
	if (!w->killed)
		log_warn("%s.%u's zygote pid %d ended: %s", kind_name(w->kind),
		    w->idx, (int)w->pid, why);
	budget_limit_release(b, w);
	memset(lost, 0, sizeof(*lost));
	lost->kind = w->kind;
	w->state = W_FREE;
	w->pid = 0;
	atomic_store(&w->expect_pid, 0);
}

/* The pidfd said the process ended: collect it and keep the slot filled. */
void
supervise_reap(struct broker *b, struct inst *w, struct loss *lost)
{
	struct slot *s = w->slot;
	char why[256], limit[256];
	int status = 0, crash, cpu;

	if (waitpid(w->pid, &status, 0) < 0)
		status = 0;
	proc_describe_status(status, why, sizeof(why));
	close(w->pidfd);
	w->pidfd = -1;
	proc_channel_close(w);
	if (w->fdchan >= 0)
		close(w->fdchan); /* what was in flight goes with it */
	w->fdchan = -1;
	if (w == s->zyg) {
		reap_zygote(b, w, why, lost);
		return;
	}
	crash = !w->killed && w->state != W_DRAINING;
	/* printproc's RLIMIT_CPU, set per document: the document ran out of
	 * its cpu_limit, which is its fault, not the worker's. */
	cpu = WIFSIGNALED(status) && WTERMSIG(status) == SIGXCPU &&
	    w->token != 0;
	if (crash && cpu) {
		crash = 0;
		snprintf(w->stop_reason, sizeof(w->stop_reason), "cpu_limit: "
		    "the document of job %llu used its CPU time",
		    (unsigned long long)w->job_id);
	}
	if (crash && budget_killed_by_limit(b, w, status, limit,
			 sizeof(limit))) {
		crash = 0; /* the kernel enforced memory_limit: a recycle */
		s->recycles++;
		snprintf(s->last_reason, sizeof(s->last_reason), "%s", limit);
		snprintf(w->stop_reason, sizeof(w->stop_reason), "%s", limit);
		remember(b, w, 0, limit);
	}
	budget_limit_release(b, w);
	if (crash) {
		s->crashes++;
		s->restarts++;
		snprintf(s->last_reason, sizeof(s->last_reason), "crashed: %s",
		    why);
		remember(b, w, 1, s->last_reason);
		struct log_about a = supervise_about(w);
		a.reason = "crashed";
		log_event(LOG_WARNING, &a, "%s.%u pid %d %s",
		    kind_name(w->kind), w->idx, (int)w->pid, why);
	} else {
		struct log_about a = supervise_about(w);
		a.job = 0;
		log_event(LOG_INFO, &a, "%s.%u pid %d ended (%s): %s",
		    kind_name(w->kind), w->idx, (int)w->pid, why,
		    w->stop_reason[0] ? w->stop_reason : "stopped");
	}
	fill_loss(w, crash ? s->last_reason
	    : w->stop_reason[0] ? w->stop_reason
				: why, lost);
	/* A standby held nothing (localspl's: not even the store). */
	if (s->spare == w)
		lost->kind = 0;
	if (cpu)
		lost->result = SB__RESULT__PERMANENT;
	if (s->cur == w || s->next == w || s->spare == w)
		slot_vacate(b, s, w, crash);
	w->state = W_FREE;
	w->pid = 0;
	w->token = 0;
	w->parked = 0;
	atomic_store(&w->expect_pid, 0);
}

/* The lowest memory figure w's budget acts on; 0: none. */
static uint64_t
memory_floor(const struct sb_budget *bg)
{
	if (bg->memory_budget == 0 || (bg->memory_limit != 0 &&
	    bg->memory_limit < bg->memory_budget))
		return bg->memory_limit;
	return bg->memory_budget;
}

/* Sample w from /proc and act on what its budget says. */
void
supervise_measure(struct broker *b, struct inst *w, uint64_t now,
    int after_job)
{
	uint64_t floor = memory_floor(&b->cfg.workers[w->kind]);
	struct budget_sample smp;
	struct budget_over over = { 0 };
	char why[256];

	/* Before its Hello a process may still be the broker's fork, with
	 * the broker's fds: nothing to measure yet. */
	if (w->state == W_STARTING && !w->parked)
		return;
	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	proc_sample(w, !after_job ? 0 : floor != 0 ? floor : UINT64_MAX);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	b->samples++;
	b->sample_ns += (uint64_t)((t1.tv_sec - t0.tv_sec) * 1000000000LL +
	    (t1.tv_nsec - t0.tv_nsec));
	if (w->state != W_READY || w != w->slot->cur)
		return; /* already on its way out */
	smp.private_bytes = w->private_bytes;
	smp.fds = w->fds;
	smp.jobs = w->jobs;
	smp.up_ms = now - w->started_ms;
	/* The current budget's max_lifetime: a live change applies now. */
	smp.lifetime = b->cfg.workers[w->kind].max_lifetime
	    ? b->cfg.workers[w->kind].max_lifetime + w->jitter
	    : 0;
	smp.idle_ms = w->token == 0 ? now - w->idle_since : 0;
	smp.extra = w->idx >= b->cfg.workers[w->kind].instances;
	if (w->limit_stale && w->slot->next == NULL) {
		w->limit_stale = 0;
		supervise_recycle(b, w, "memory_limit: raised past what a "
		    "running process may be given; a new one takes it", NULL);
		return;
	}
	switch (budget_check(&b->cfg.workers[w->kind], &smp, why,
	    sizeof(why), &over)) {
	case BUDGET_KILL: {
		struct log_about a = supervise_about(w);
		a.reason = over.rule;
		a.figure = over.figure;
		a.budget = over.budget;
		log_event(LOG_WARNING, &a, "%s.%u pid %d killed: %s",
		    kind_name(w->kind), w->idx, (int)w->pid, why);
		count_rule(w->slot, why);
		w->slot->recycles++;
		supervise_stop(b, w, why);
		break;
	}
	case BUDGET_RECYCLE:
		if (w->slot->next == NULL) /* else one is already starting */
			supervise_recycle(b, w, why, &over);
		break;
	case BUDGET_RETIRE:
		/* Not needed now: it drains and its slot sleeps until work
		 * waits again. */
		log_info("retiring %s.%u pid %d: %s", kind_name(w->kind),
		    w->idx, (int)w->pid, why);
		w->slot->dormant = 1;
		snprintf(w->stop_reason, sizeof(w->stop_reason),
		    "retired: %.200s", why);
		send_drain(b, w);
		break;
	case BUDGET_OK:
		break;
	}
}

static void
tick_draining(struct inst *w, uint64_t now)
{
	if (w->state != W_DRAINING || w->pidfd < 0)
		return;
	if (!w->term_sent && now >= w->drain_deadline) {
		log_warn("%s.%u pid %d did not drain within drain_timeout: "
		    "SIGTERM", kind_name(w->kind), w->idx, (int)w->pid);
		proc_signal(w, SIGTERM);
		w->term_sent = 1;
		w->drain_deadline = now + TERM_GRACE_MS;
	} else if (w->term_sent && now >= w->drain_deadline) {
		proc_signal(w, SIGKILL);
		w->drain_deadline = UINT64_MAX;
	}
}

/* A slot that should have a process and has none: it is started at its
 * restart_at. (Not a dormant extra slot, nor a failed kind's: those wait
 * for work or an admin, and must not wake the loop.) */
/* Keep a standby beside a serving slot of a kind that has one, none
 * beside one that stopped serving or whose kind says standby = 0. */
static void
tick_standby(struct broker *b, struct slot *s, uint64_t now)
{
	int want = b->cfg.workers[s->kind].standby != 0 &&
	    (!kind_info(s->kind)->singleton || parks(s->kind)) &&
	    !b->stopping && !s->dormant && s->cur != NULL &&
	    b->failed[s->kind][0] == '\0';
	/* Not localspl's: its view follows the config (file: queues). */
	int zyg = want && !kind_info(s->kind)->singleton;

	if (!zyg && s->zyg != NULL && !s->zyg->killed)
		terminate(s->zyg);
	if (zyg && s->zyg == NULL && now >= s->zyg_at &&
	    (s->zyg = spawn_exec(b, s, 1)) == NULL)
		s->zyg_at = now + 1000;
	if (!want && s->spare != NULL && s->spare->state != W_FREE &&
	    !s->spare->killed) {
		terminate(s->spare);
		return;
	}
	if (want && s->spare == NULL && s->next == NULL &&
	    s->cur->state == W_READY && now >= s->spare_at &&
	    (s->spare = spawn(b, s)) == NULL)
		s->spare_at = now + 1000;
}

static int
slot_waits(const struct broker *b, const struct slot *s)
{
	return s->cur == NULL && s->next == NULL && !b->stopping &&
	    !s->dormant && b->failed[s->kind][0] == '\0';
}

void
supervise_tick(struct broker *b, uint64_t now)
{
	int sample = now >= b->next_sample;

	proc_graves_tick(now);
	reap_orphans(b);
	supervise_zygotes_up(b);
	for (size_t i = 0; i < b->nslots; i++) {
		struct slot *s = &b->slots[i];
		tick_standby(b, s, now);
		if (slot_waits(b, s) && now >= s->restart_at) {
			s->cur = spawn(b, s);
			if (s->cur == NULL)
				s->restart_at = now + 1000;
			else
				log_info("started %s.%u pid %d",
				    kind_name(s->kind), s->idx,
				    (int)s->cur->pid);
		}
	}
	for (size_t i = 0; i < b->ninsts; i++) {
		struct inst *w = &b->insts[i];
		if (w->pidfd < 0)
			continue;
		tick_draining(w, now);
		/* A process that dies closes its pipe a moment before its
		 * pidfd says so: only one still alive a second later is
		 * stopped for it (a crash stays a crash). */
		if (atomic_load(&w->chan_broken) && w->chan_broken_at == 0)
			w->chan_broken_at = now;
		if (w->chan_broken_at != 0 && now - w->chan_broken_at >= 1000 &&
		    w->state != W_FREE && w->state != W_DRAINING && !w->killed &&
		    !proc_ended(w)) {
			atomic_store(&w->chan_broken, 0);
			log_error("%s.%u pid %d: its channel closed (a frame over "
			    "the size limit, or it hung up)", kind_name(w->kind),
			    w->idx, (int)w->pid);
			supervise_stop(b, w, "its channel closed");
			continue;
		}
		if (sample)
			supervise_measure(b, w, now, 0);
	}
	if (!sample)
		return;
	b->next_sample = now + b->cfg.sample_interval;
	for (size_t i = 0; i < b->nslots; i++) {
		const struct inst *w = b->slots[i].cur;
		if (w != NULL && w->private_bytes > 0)
			history_sample(&b->slots[i].hist, now_wall_ms(),
			    w->private_bytes, w->fds);
	}
}

int
supervise_next_timeout(const struct broker *b, uint64_t now)
{
	uint64_t next = proc_graves_next(now);

	if (b->next_sample < next)
		next = b->next_sample;

	for (size_t i = 0; i < b->nslots; i++)
		if (slot_waits(b, &b->slots[i]) && b->slots[i].restart_at < next)
			next = b->slots[i].restart_at;
	for (size_t i = 0; i < b->ninsts; i++)
		if (b->insts[i].state == W_DRAINING &&
		    b->insts[i].drain_deadline < next)
			next = b->insts[i].drain_deadline;
	return next <= now ? 0 : (int)(next - now);
}

void
supervise_shutdown(struct broker *b)
{
	uint64_t deadline = now_mono_ms() + 3000;

	b->stopping = 1;
	for (size_t i = 0; i < b->ninsts; i++)
		proc_signal(&b->insts[i], SIGTERM);
	for (size_t i = 0; i < b->ninsts; i++) {
		struct inst *w = &b->insts[i];
		while (w->pidfd >= 0 && now_mono_ms() < deadline) {
			if (waitpid(w->pid, NULL, WNOHANG) == w->pid)
				break;
			usleep(10000);
		}
		if (w->pidfd >= 0) {
			proc_signal(w, SIGKILL);
			waitpid(w->pid, NULL, 0);
			close(w->pidfd);
			w->pidfd = -1;
		}
		proc_channel_close(w);
		if (w->fdchan >= 0)
			close(w->fdchan);
		w->fdchan = -1;
		budget_limit_release(b, w);
	}
	proc_graves_flush();
}

int
supervise_send(struct broker *b, struct inst *w, const sb_env *e)
{
	int rv;

	if ((rv = proc_send(w, e)) == NNG_ECLOSED)
		return -1; /* stopped, or its end is about to be collected */
	if (rv != 0) {
		char why[128];
		snprintf(why, sizeof(why), "send of %s failed: %s",
		    chan_body_name(e), nng_strerror(rv));
		log_warn("%s.%u pid %d: %s", kind_name(w->kind), w->idx,
		    (int)w->pid, why);
		supervise_stop(b, w, why);
		return -1;
	}
	return 0;
}

/* The PEM of a queue's ca_file (read as the broker: the remote worker
 * has no such file in its view), malloc'd; NULL when none or unreadable
 * (logged: ipps then trusts nothing and says so). */
char *
supervise_ca_pem(const struct sb_queue *q)
{
	char *pem;
	FILE *f;
	size_t n;

	if (q->ca_file[0] == '\0')
		return NULL;
	if ((f = fopen(q->ca_file, "re")) == NULL ||
	    (pem = calloc(1, 65537)) == NULL) {
		log_error("queue %s: ca_file %s: %s", q->name, q->ca_file,
		    strerror(errno));
		if (f != NULL)
			fclose(f);
		return NULL;
	}
	n = fread(pem, 1, 65536, f);
	fclose(f);
	pem[n] = '\0';
	return pem;
}

/* A queue as Configure carries it, with its text layout. */
struct queue_msg {
	Sb__QueueConfig c;
	Sb__TextLayout text;
};

/* The queue's text layout, if it sets one, into m. */
static void
queue_text(const struct sb_queue *q, struct queue_msg *m)
{
	if (q->cpi == 0 && q->lpi == 0 && q->columns == 0 &&
	    q->margins[0] == 0 && q->margins[1] == 0 && q->margins[2] == 0 &&
	    q->margins[3] == 0)
		return;
	sb__text_layout__init(&m->text);
	m->text.cpi = q->cpi;
	m->text.lpi = q->lpi;
	m->text.columns = q->columns;
	m->text.top = q->margins[0];
	m->text.right = q->margins[1];
	m->text.bottom = q->margins[2];
	m->text.left = q->margins[3];
	m->c.text = &m->text;
}

/* localspl's queues, as Configure carries them; the caller frees *qs
 * and *qp, and each ca_pem (the other strings point into the config). */
static size_t
queue_configs(const struct sb_config *cfg, struct queue_msg **qs,
    Sb__QueueConfig ***qp)
{
	size_t n = cfg->nqueues;

	*qs = calloc(n ? n : 1, sizeof(**qs));
	*qp = calloc(n ? n : 1, sizeof(**qp));
	if (*qs == NULL || *qp == NULL)
		fatal("out of memory");
	for (size_t i = 0; i < n; i++) {
		const struct sb_queue *q = &cfg->queues[i];
		Sb__QueueConfig *c = &(*qs)[i].c;
		sb__queue_config__init(c);
		queue_text(q, &(*qs)[i]);
		c->name = (char *)q->name;
		c->uri = (char *)q->uri;
		c->datatype = q->datatype;
		c->retry_interval_ms = q->retry_interval;
		c->retry_limit = (uint32_t)q->retry_limit;
		c->error_policy = q->error_policy;
		c->paper = (char *)q->paper;
		c->landscape = q->landscape != 0;
		c->description = (char *)q->description;
		c->uuid = (char *)q->uuid;
		c->max_job_size = q->max_job_size;
		c->max_upload_ms = q->max_upload_time;
		c->cpu_limit_ms = q->cpu_limit;
		c->max_jobs_queued = q->max_jobs_queued;
		c->max_jobs_per_user = q->max_jobs_per_user;
		c->max_bytes_per_user = q->max_bytes_per_user;
		c->max_jobs_per_host = q->max_jobs_per_host;
		c->max_bytes_per_host = q->max_bytes_per_host;
		c->keep_jobs = q->keep_jobs;
		c->keep_ms = q->keep_days * 86400000ULL;
		c->shared = q->shared != 0;
		c->tls_required = q->tls_required != 0;
		c->pdf_ignore_permissions = q->pdf_ignore_permissions != 0;
		c->pin_sha256 = (char *)q->pin_sha256;
		c->sides = (char *)q->sides;
		c->media = (char *)q->media;
		c->sides_supported = (char *)q->sides_supported;
		c->page_quota = q->page_quota.limit;
		c->page_quota_ms = q->page_quota.period_ms;
		c->job_quota = q->job_quota.limit;
		c->job_quota_ms = q->job_quota.period_ms;
		c->banner_start = (char *)q->banner_start;
		c->banner_end = (char *)q->banner_end;
		c->classification = (char *)q->classification;
		c->media_supported = (char *)q->media_supported;
		c->color = q->color != 0;
		c->allow = (char *)q->allow;
		c->ca_pem = supervise_ca_pem(q);
		if (c->ca_pem == NULL)
			c->ca_pem = (char *)protobuf_c_empty_string;
		(*qp)[i] = c;
	}
	return n;
}

/* The listening sockets, each passed on w's descriptor channel before
 * the Configure that names it (tag: its index + 1); their number. */
static size_t
listener_sockets(struct broker *b, struct inst *w, Sb__ListenSock *ls,
    Sb__ListenSock **lp)
{
	size_t n = 0;

	for (size_t i = 0; i < b->nlisten; i++) {
		if (fdpass_send(w->fdchan, i + 1, b->listen_fd[i]) != 0) {
			log_error("%s.%u: passing %s: %s", kind_name(w->kind),
			    w->idx, b->cfg.listen[i].addr, strerror(errno));
			continue;
		}
		sb__listen_sock__init(&ls[n]);
		ls[n].proto = b->cfg.listen[i].proto;
		ls[n].addr = b->cfg.listen[i].addr;
		ls[n].tag = i + 1;
		lp[n] = &ls[n];
		n++;
	}
	return n;
}

/* The answer to a Hello: everything the worker needs to know. */
static void
send_configure(struct broker *b, struct inst *w)
{
	const struct sb_budget *bg = &b->cfg.workers[w->kind];
	Sb__Configure c = SB__CONFIGURE__INIT;
	struct queue_msg *qs = NULL;
	Sb__QueueConfig **qp = NULL;
	Sb__ListenSock ls[SB_LISTEN_MAX], *lp[SB_LISTEN_MAX];
	const char *rw[SBX_RW_MAX + 1];
	sb_env e;

	chan_env_init(&e);
	e.body_case = SB__ENVELOPE__BODY_CONFIGURE;
	e.configure = &c;
	c.debug_leak_bytes_per_job = bg->debug_leak_bytes_per_job;
	c.debug_leak_handles_per_job = (uint32_t)bg->debug_leak_handles_per_job;
	c.io_timeout_ms = b->cfg.io_timeout;
	c.connect_timeout_ms = b->cfg.connect_timeout;
	c.debug_crash_on_start = bg->debug_crash_on_start != 0;
	/* Only the slot's first N processes, so a replacement finishes. */
	c.debug_sandbox_violation = w->nth <= bg->debug_sandbox_violation;
	c.sandbox = (char *)sandbox_mode_name(b->cfg.sandbox);
	c.run_uid = (uint32_t)b->run_uid[w->kind];
	c.run_gid = (uint32_t)b->run_gid[w->kind];
	/* A few fds above the budget: the budget recycles, this is a wall. */
	c.nofile = bg->handle_budget ? (uint32_t)bg->handle_budget + 16 : 0;
	/* Each slot: serving, its replacement, and with standby = 1 the
	 * standby and the zygote (whose first children live a moment). */
	c.processes = (uint32_t)(slots_of(bg) * (2 + 3 * (bg->standby != 0)));
	if (w->kind == SB__WORKER_KIND__LOCALSPL) {
		c.spool_dir = b->cfg.spool_dir;
		c.history_limit = (uint32_t)b->cfg.history_limit;
		c.history_per_user = (uint32_t)b->cfg.history_per_user;
		c.max_uploads = (uint32_t)b->cfg.max_uploads;
		c.max_uploads_per_user = (uint32_t)b->cfg.max_uploads_per_user;
		c.min_free_bytes = b->cfg.min_free_bytes;
		c.min_free_permille = (uint32_t)b->cfg.min_free_permille;
		c.max_jobs_queued = b->cfg.max_jobs_queued;
		c.max_jobs_per_user = b->cfg.max_jobs_per_user;
		c.max_bytes_per_user = b->cfg.max_bytes_per_user;
		c.max_jobs_per_host = b->cfg.max_jobs_per_host;
		c.max_bytes_per_host = b->cfg.max_bytes_per_host;
		c.preserve_ms = b->cfg.preserve_job_files;
		c.accounting_keep_ms = b->cfg.accounting_keep;
		c.page_quota = b->cfg.page_quota.limit;
		c.page_quota_ms = b->cfg.page_quota.period_ms;
		c.job_quota = b->cfg.job_quota.limit;
		c.job_quota_ms = b->cfg.job_quota.period_ms;
		c.quota_refuse = b->cfg.quota_refuse != 0;
		c.n_queues = queue_configs(&b->cfg, &qs, &qp);
		c.queues = qp;
		c.n_rw_paths = config_localspl_paths(&b->cfg, rw);
		c.rw_paths = (char **)rw;
	}
	if (w->kind == SB__WORKER_KIND__LISTENER) {
		c.n_queues = queue_configs(&b->cfg, &qs, &qp);
		c.queues = qp;
		c.n_listen = listener_sockets(b, w, ls, lp);
		c.listen = lp;
		c.allow = b->cfg.lsn_allow;
		c.metrics_allow = b->cfg.lsn_metrics_allow;
		c.console_allow = b->cfg.lsn_console_allow;
		c.max_clients = (uint32_t)b->cfg.lsn_max_clients;
		c.max_clients_per_host = (uint32_t)b->cfg.lsn_max_clients_per_host;
		c.step_timeout_ms = b->cfg.lsn_step_timeout;
		c.max_job_size = b->cfg.max_job_size;
		c.tls = (char *)config_tls_name(b->cfg.lsn_tls);
		c.auth_basic = b->cfg.lsn_auth_basic != 0;
		c.default_queue = b->cfg.default_queue;
		if (b->tls_cert_pem != NULL && b->tls_key_pem != NULL) {
			c.tls_cert_pem = b->tls_cert_pem;
			c.tls_key_pem = b->tls_key_pem;
		}
	}
	supervise_send(b, w, &e);
	for (size_t i = 0; qs != NULL && i < c.n_queues; i++)
		if (qs[i].c.ca_pem != protobuf_c_empty_string)
			free(qs[i].c.ca_pem);
	free(qs);
	free(qp);
}

/* A reload: a serving process learns the new settings without a restart
 * (localspl: queues and limits). One still starting gets them in the
 * answer to its Hello. */
void
supervise_reconfigure(struct broker *b, struct inst *w)
{
	if (w->state == W_READY)
		send_configure(b, w);
}

/* A new process said who it is: the right kind and pid, or it goes. */
static void
hello(struct broker *b, struct inst *w, const sb_env *e)
{
	char why[256];

	if (e->body_case != SB__ENVELOPE__BODY_HELLO ||
	    e->hello->kind != (Sb__WorkerKind)w->kind ||
	    (pid_t)e->hello->pid != w->pid) {
		snprintf(why, sizeof(why), "protocol violation: expected a "
		    "matching hello, got %s", chan_body_name(e));
		log_error("%s.%u pid %d: %s", kind_name(w->kind), w->idx,
		    (int)w->pid, why);
		supervise_stop(b, w, why);
		return;
	}
	if (parks(w->kind) && w == w->slot->spare) {
		w->parked = 1; /* measured and shown; Configure when it serves */
		proc_sandbox(w);
		proc_sample(w, 0);
		log_debug("%s.%u pid %d parked", kind_name(w->kind), w->idx,
		    (int)w->pid);
		return;
	}
	send_configure(b, w);
	ready(b, w);
	log_debug("%s.%u pid %d ready", kind_name(w->kind), w->idx,
	    (int)w->pid);
}

/* What the worker says it put in place: shown, never relied on; beside
 * it what /proc shows, read now (it does not change after). */
static void
sandboxed(struct inst *w, const Sb__Sandboxed *sb)
{
	proc_sandbox(w);
	proc_sample(w, 0); /* figures to show before the first sample */
	snprintf(w->seccomp, sizeof(w->seccomp), "%s", sb->seccomp);
	w->syscalls = sb->syscalls;
	w->landlock_abi = sb->landlock_abi;
	snprintf(w->namespaces, sizeof(w->namespaces), "%s", sb->namespaces);
}

int
supervise_msg(struct broker *b, struct inst *w, sb_env *e)
{
	if (w->state == W_STARTING)
		hello(b, w, e);
	else if (e->body_case == SB__ENVELOPE__BODY_SANDBOXED &&
	    w->seccomp[0] == '\0')
		sandboxed(w, e->sandboxed);
	else if (e->body_case == SB__ENVELOPE__BODY_DRAINED &&
	    w->state == W_DRAINING && w->token == 0)
		terminate(w);
	else if (e->body_case == SB__ENVELOPE__BODY_DRAINED)
		supervise_stop(b, w, "protocol violation: drained without a "
		    "drain or mid-job");
	else
		return 0;
	chan_free(e);
	return 1;
}
