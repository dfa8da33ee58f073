/*
 * worker: shared worker start-up and broker I/O (see worker.h).
 * Reports: fatal on start-up failures; "leak injected" in debug logs.
 */
#define _GNU_SOURCE
#include "worker.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <nng/nng.h>
#include <nng/protocol/pair1/pair.h>

#include "config.h"
#include "fdpass.h"
#include "log.h"
#include "sandbox.h"
#include "util.h"

#ifdef SPOOLBOX_SANITIZE
/* LeakSanitizer stops the world with ptrace at exit, which the sandbox
 * forbids (it would be a seccomp kill): workers run ASan and UBSan only.
 * ASan's quarantine (256 MiB by default) holds freed memory, which the
 * broker would measure and recycle for: 4 MiB still catches a
 * use-after-free of anything recent. */
const char *__asan_default_options(void);
const char *
__asan_default_options(void)
{
	return "detect_leaks=0:quarantine_size_mb=4";
}
#endif

static void
worker_usage(const char *prog)
{
	fatal("usage: %s --channel URL --instance N [--namespaces MASK] "
	      "[--zygote]", prog);
}

/* In a new process of the zygote: the broker's child, with its own
 * descriptor channel as fd 3 and in its memory cgroup. */
static void
zygote_child(pid_t broker, int fdchan, int cgroup)
{
	/* Its parent, which exits at once, is not the broker: wait to be
	 * handed over (the broker is a child subreaper). */
	for (int i = 0; getppid() != broker; i++) {
		if (i == 20000)
			_exit(1);
		usleep(50);
	}
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (getppid() != broker)
		_exit(1);
	if (cgroup >= 0 && write(cgroup, "0", 1) != 1)
		log_warn("joining my memory cgroup: %s", strerror(errno));
	if (dup2(fdchan, WORKER_FDCHAN) != WORKER_FDCHAN)
		fatal("descriptor channel: %s", strerror(errno));
	close_range(WORKER_FDCHAN + 1, ~0U, 0);
}

/*
 * --zygote: loaded, neither connected nor sandboxed, this process makes
 * the slot's next processes on the broker's word, each cheaper than an
 * exec: namespaces, mount view, libraries and what main() read before
 * worker_start are there already. A request on fd 3 (fdpass.h) names the
 * new process's channel and brings its descriptor channel; a first
 * child forks it and says its pid on fd 3 before it exits, so the new
 * process becomes the broker's (a subreaper). Returns only in a new
 * process, with the URL of its channel; exits when the broker hangs up.
 */
static const char *
zygote(const char *url)
{
	static char mine[PATH_MAX + 64];
	const char *slash = strrchr(url, '/');
	pid_t broker = getppid();
	int cgroup = -1;

	if (slash == NULL)
		fatal("--zygote: no directory in %s", url);
	/* Up (our pid): the broker may ask now. */
	if (write(WORKER_FDCHAN, &(pid_t){ getpid() }, sizeof(pid_t)) !=
	    sizeof(pid_t))
		_exit(1);
	for (;;) {
		uint64_t tag;
		int fd, st;
		pid_t mid, pid;
		if (fdpass_recv(WORKER_FDCHAN, &tag, &fd, -1) != 0) {
			if (errno == EINTR || errno == EPROTO)
				continue;
			_exit(0); /* the broker hung up */
		}
		if (tag == ZYGOTE_CGROUP) {
			if (cgroup >= 0)
				close(cgroup);
			cgroup = fd;
			continue;
		}
		if ((tag & ~0xffULL) != ZYGOTE_SPAWN) {
			close(fd);
			continue;
		}
		if ((mid = fork()) == 0) {
			if ((pid = fork()) == 0) {
				zygote_child(broker, fd, cgroup);
				snprintf(mine, sizeof(mine), "%.*s/sock%x",
				    (int)(slash - url), url,
				    (unsigned)(tag & 0xff));
				return mine;
			}
			if (pid < 0)
				pid = 0;
			if (write(WORKER_FDCHAN, &pid, sizeof(pid)) !=
			    sizeof(pid))
				_exit(1);
			_exit(0);
		}
		if (mid < 0) {
			pid = 0;
			if (write(WORKER_FDCHAN, &pid, sizeof(pid)) !=
			    sizeof(pid))
				_exit(1);
		} else {
			while (waitpid(mid, &st, 0) < 0 && errno == EINTR)
				;
		}
		close(fd);
		if (cgroup >= 0)
			close(cgroup);
		cgroup = -1;
	}
}

static void
worker_connect(struct worker *w, const char *url)
{
	sb_env hello, *e;
	Sb__Hello h = SB__HELLO__INIT;
	int rv;

	if ((rv = nng_pair1_open(&w->sock)) != 0)
		fatal("nng_pair1_open: %s", nng_strerror(rv));
	nng_socket_set_size(w->sock, NNG_OPT_RECVMAXSZ, SB_MSG_MAX);
	nng_socket_set_ms(w->sock, NNG_OPT_SENDTIMEO, 10000);
	nng_socket_set_int(w->sock, NNG_OPT_SENDBUF, SB_CHAN_BUF);
	nng_socket_set_int(w->sock, NNG_OPT_RECVBUF, SB_CHAN_BUF);
	nng_socket_set_ms(w->sock, NNG_OPT_RECONNMINT, 2);
	nng_socket_set_ms(w->sock, NNG_OPT_RECONNMAXT, 50);
	/* Non-blocking: the broker listens only once it knows our pid. */
	if ((rv = nng_dial(w->sock, url, NULL, NNG_FLAG_NONBLOCK)) != 0)
		fatal("dial %s: %s", url, nng_strerror(rv));
	if ((w->recvfd = chan_recvfd(w->sock)) < 0)
		fatal("no receive fd on the broker channel");

	chan_env_init(&hello);
	h.kind = w->kind;
	h.instance = w->instance;
	h.pid = (uint32_t)getpid();
	hello.body_case = SB__ENVELOPE__BODY_HELLO;
	hello.hello = &h;
	if ((rv = chan_send(w->sock, &hello, 0)) != 0)
		fatal("hello to broker: %s", nng_strerror(rv));

	/* localspl's standby waits for it until it is to serve (the
	 * broker's end, or ours, ends the wait too). */
	if (worker_next(w, w->kind == SB__WORKER_KIND__LOCALSPL ? -1 : 10000,
		&e) != WORKER_MSG)
		fatal("no configuration from the broker within 10s");
	if (e->body_case != SB__ENVELOPE__BODY_CONFIGURE)
		worker_violation(w, e);
	w->cfg_env = e;
	w->cfg = e->configure;
	if (w->cfg->debug_crash_on_start)
		fatal("debug_crash_on_start: crashing as configured "
		    "(fault injection)");
}

/* Enter this kind's sandbox as Configure says and tell the broker. */
static void
worker_sandbox(struct worker *w)
{
	const Sb__Configure *c = w->cfg;
	struct sandbox_spec spec = { .kind = w->kind };
	Sb__Sandboxed sb = SB__SANDBOXED__INIT;
	struct sandbox_state st;
	sb_env e;
	size_t i;

	/* chan_validate() checked the mode's name and the paths' number. */
	spec.mode = (enum sandbox_mode)sandbox_mode_from_name(c->sandbox);
	spec.uid = c->run_uid;
	spec.gid = c->run_gid;
	spec.nofile = c->nofile;
	spec.processes = c->processes;
	spec.namespaces = w->namespaces;
	for (i = 0; i < c->n_rw_paths; i++)
		spec.rw_paths[i] = c->rw_paths[i];
	spec.rw_paths[i] = NULL;
	sandbox_enter(&spec, &st);
	chan_env_init(&e);
	e.body_case = SB__ENVELOPE__BODY_SANDBOXED;
	e.sandboxed = &sb;
	sb.seccomp = st.seccomp;
	sb.syscalls = st.syscalls;
	sb.landlock_abi = (uint32_t)st.landlock_abi;
	sb.namespaces = st.namespaces;
	worker_send(w, &e);
}

void
worker_start(struct worker *w, int argc, char **argv, int kind)
{
	static const struct option opts[] = {
		{ "channel", required_argument, NULL, 'c' },
		{ "instance", required_argument, NULL, 'i' },
		{ "namespaces", required_argument, NULL, 'n' },
		{ "zygote", no_argument, NULL, 'z' },
		{ NULL, 0, NULL, 0 },
	};
	const char *url = NULL;
	uint64_t inst = 0, ns = 0;
	char prog[32];
	int c, zyg = 0;

	memset(w, 0, sizeof(*w));
	w->kind = kind;
	w->job_fd = -1;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'c':
			url = optarg;
			break;
		case 'i':
			if (parse_uint(optarg, 1000, &inst) != 0)
				worker_usage(argv[0]);
			break;
		case 'n':
			if (parse_uint(optarg, 15, &ns) != 0)
				worker_usage(argv[0]);
			w->namespaces = (unsigned)ns;
			break;
		case 'z':
			zyg = 1;
			break;
		default:
			worker_usage(argv[0]);
		}
	}
	if (url == NULL)
		worker_usage(argv[0]);
	w->instance = (unsigned)inst;
	snprintf(prog, sizeof(prog), "%s.%u", kind_name(kind), w->instance);
	log_init(strdup(prog));
	/* A printer that hangs up mid-sendfile (which has no MSG_NOSIGNAL)
	 * is an error to report, not a reason to die. */
	signal(SIGPIPE, SIG_IGN);

	/* Namespaces were made for us: we are to be sandboxed. */
	if (w->namespaces != 0)
		sandbox_early();
	if (zyg)
		url = zygote(url);
	worker_connect(w, url);
	worker_sandbox(w);
	log_debug("ready");
}

void
worker_send(struct worker *w, const sb_env *e)
{
	int rv = chan_send(w->sock, e, 0);

	if (rv != 0)
		fatal("send %s to broker: %s", chan_body_name(e),
		    nng_strerror(rv));
}

/* An acknowledgement or an abort for a dispatch this worker is not on. */
static int
stale(const struct worker *w, const sb_env *e)
{
	if (e->body_case == SB__ENVELOPE__BODY_ABORT)
		return e->abort->token != w->token;
	if (e->body_case == SB__ENVELOPE__BODY_OUTPUT_ACK)
		return e->output_ack->token != w->token;
	return 0;
}

/* Wait for the channel to become readable; 0 when it did, -1 at the
 * deadline (UINT64_MAX: none). */
static int
wait_readable(struct worker *w, uint64_t deadline)
{
	struct pollfd pfd = { .fd = w->recvfd, .events = POLLIN };
	int wait = -1;

	if (deadline != UINT64_MAX) {
		uint64_t now = now_mono_ms();
		if (now >= deadline)
			return -1;
		wait = (int)(deadline - now);
	}
	if (poll(&pfd, 1, wait) < 0 && errno != EINTR)
		fatal("poll: %s", strerror(errno));
	return 0;
}

enum worker_event
worker_next(struct worker *w, int timeout_ms, sb_env **out)
{
	uint64_t deadline = timeout_ms < 0
	    ? UINT64_MAX
	    : now_mono_ms() + (uint64_t)timeout_ms;
	char err[256];
	nng_msg *m;
	sb_env *e;
	int rv;

	*out = NULL;
	for (;;) {
		rv = nng_recvmsg(w->sock, &m, NNG_FLAG_NONBLOCK);
		if (rv == NNG_EAGAIN) {
			if (wait_readable(w, deadline) != 0)
				return WORKER_TIMEOUT;
			continue;
		}
		if (rv != 0)
			fatal("receive from broker: %s", nng_strerror(rv));
		e = chan_decode(m, err, sizeof(err));
		nng_msg_free(m);
		if (e == NULL)
			fatal("protocol violation by broker: %s", err);
		if (e->body_case == SB__ENVELOPE__BODY_DRAIN) {
			chan_free(e);
			w->draining = 1;
			log_debug("draining");
			return WORKER_DRAIN;
		}
		if (stale(w, e)) {
			/* Left over from a dispatch that ended early. */
			chan_free(e);
			continue;
		}
		*out = e;
		return WORKER_MSG;
	}
}

void
worker_serve(struct worker *w, worker_from_broker_fn *from_broker, void *arg)
{
	sb_env *e;

	for (;;) {
		if (w->draining && w->token == 0)
			worker_drained(w);
		if (worker_next(w, -1, &e) == WORKER_MSG)
			from_broker(arg, e);
	}
}

void
worker_drained(struct worker *w)
{
	Sb__Drained d = SB__DRAINED__INIT;
	sb_env e, *m;

	chan_env_init(&e);
	e.body_case = SB__ENVELOPE__BODY_DRAINED;
	e.drained = &d;
	worker_send(w, &e);
	for (;;) { /* the broker's SIGTERM ends us */
		if (worker_next(w, -1, &m) == WORKER_MSG)
			chan_free(m);
	}
}

int
worker_job_begin(struct worker *w, const Sb__JobStart *js)
{
	struct stat st;
	int fd, flags;

	w->token = js->token;
	worker_leak(w);
	/* Sent before the JobStart: it is waiting, or it is not coming. */
	fd = fdpass_recv_tag(WORKER_FDCHAN, js->token, 1000);
	if (fd < 0) {
		worker_job_done(w, js, SB__RESULT__INTERRUPTED,
		    "no job data from the broker", 0, NULL);
		return -1;
	}
	flags = fcntl(fd, F_GETFL);
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || flags < 0 ||
	    (flags & O_ACCMODE) != O_RDONLY)
		fatal("protocol violation: job data for dispatch %llu is not "
		    "a read-only file", (unsigned long long)js->token);
	w->job_fd = fd;
	return 0;
}

void
worker_job_done(struct worker *w, const Sb__JobStart *js, int result,
    const char *error, unsigned pages, const char *landed)
{
	worker_job_done_state(w, js, result, error, pages, landed, NULL, 0, 0);
}

void
worker_job_done_state(struct worker *w, const Sb__JobStart *js, int result,
    const char *error, unsigned pages, const char *landed,
    const char *printer_state, uint32_t takes, int32_t printer_changed)
{
	Sb__JobDone d = SB__JOB_DONE__INIT;
	sb_env e;

	chan_env_init(&e);
	e.body_case = SB__ENVELOPE__BODY_JOB_DONE;
	e.job_done = &d;
	d.token = js->token;
	d.job_id = js->job_id;
	d.stage = js->stage;
	d.result = result;
	d.error = (char *)(error != NULL ? error : "");
	d.pages = pages;
	d.landed = (char *)(landed != NULL ? landed : "");
	d.printer_state = (char *)(printer_state != NULL ? printer_state : "");
	d.takes = takes;
	d.printer_changed = printer_changed;
	/* Closed first: the broker measures our fds when this arrives. */
	if (w->job_fd >= 0)
		close(w->job_fd);
	w->job_fd = -1;
	worker_send(w, &e);
	w->token = 0;
	w->jobs++;
}

/* Where injected leaks go, so the compiler cannot drop them. */
void *volatile leak_sink;

void
worker_leak(struct worker *w)
{
	uint64_t bytes;
	char *p;

	if (w->cfg == NULL)
		return;
	/* Fault injection: memory that is touched (so it is private) and
	 * never freed, like the seed's Localspl/Win32spl leaks. */
	bytes = w->cfg->debug_leak_bytes_per_job;
	if (bytes > 0) {
		if ((p = malloc(bytes)) == NULL) {
			/* Like a real program: no memory, no way on. */
			log_error("out of memory (fault injection leak)");
			exit(3);
		}
		memset(p, 0xa5, bytes);
		leak_sink = p;
	}
	if (w->cfg->debug_sandbox_violation) {
		/* Do what no worker may: the kernel must kill us (SIGSYS);
		 * in audit mode it is logged and fails harmlessly (EPERM). */
		log_info("debug_sandbox_violation: calling mount (fault "
			 "injection)");
		if (mount("none", "/nonexistent", "tmpfs", 0, NULL) != 0)
			log_info("mount failed: %s", strerror(errno));
	}
	for (uint32_t i = 0; i < w->cfg->debug_leak_handles_per_job; i++) {
		if (dup(w->recvfd) < 0)
			break;
	}
}

void
worker_violation(struct worker *w, const sb_env *e)
{
	(void)w;
	fatal("protocol violation: unexpected %s from broker",
	    chan_body_name(e));
}
