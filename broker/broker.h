/*
 * broker internals, shared by the broker's files only. The files form
 * layers; each calls only the ones below it, never up:
 *
 *   main.c       arguments, start-up, the poll loop; wires what a layer
 *                returns to the layer that needs it
 *   reload.c     the config read again, applied live
 *   client.c     the client API on RUNTIME/spoolbox.sock
 *   route.c      job routing: messages from workers, JobStarts to idle
 *                workers, data and results by token
 *   supervise.c  worker lifetimes: spawn, hello/configure, recycle,
 *                reap (returns what was lost), restart, budgets applied
 *   budget.c     kernel memory-limit backends, and budget_check(): the
 *                pure decision on one sample against one budget
 *   proc.c, dirs.c, gate.c, fdgate.c, listen.c, notify.c, dnssd.c,
 *   history.c
 *                process handling (pidfd, signals, channels, /proc
 *                sampling), the runtime/spool directories, who may
 *                connect to the client socket, files clients pass by
 *                descriptor, the listener's sockets, what systemd is
 *                told, what DNS-SD advertises
 *
 * Ownership: a decoded envelope (sb_env *) belongs to whoever holds the
 * pointer; a function that "takes" it frees it or hands it on, and says
 * so below. Envelopes built on the stack for sending are never freed.
 */
#ifndef SB_BROKER_H
#define SB_BROKER_H

#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <sys/types.h>
#include <time.h>

#include <nng/nng.h>

#include "chan.h"
#include "config.h"
#include "log.h"

enum inst_state { W_FREE, W_STARTING, W_READY, W_DRAINING, W_ZYGOTE };

/* A slot's last hour (history.c): a point every HISTORY_STEP_MS, and its
 * recycles and restarts. */
#define HISTORY_STEP_MS 10000
#define HISTORY_POINTS 360
#define HISTORY_EVENTS 32
struct history_point {
	int64_t at;              /* unix ms */
	uint64_t priv;
	uint32_t fds;
};
struct history_event {
	int64_t at;
	uint32_t pid;
	int restart;
	char reason[160];
};
struct history {
	struct history_point pt[HISTORY_POINTS];
	unsigned npt;            /* points ever added (the ring's head) */
	struct history_event ev[HISTORY_EVENTS];
	unsigned nev;
};

/*
 * A slot is one configured worker instance (kind, idx); it outlives the
 * processes that fill it. slot->cur serves; slot->next is a replacement
 * being started by a graceful recycle; a draining process belongs to no
 * slot field any more and only finishes its job.
 */
struct slot {
	int kind;
	unsigned idx;
	struct inst *cur;
	struct inst *next;
	struct inst *spare;     /* standby: started ahead, takes no work */
	uint64_t spare_at;      /* when to start the next spare */
	struct inst *zyg;       /* makes its next processes (supervise.c) */
	uint64_t zyg_at;        /* when to start the next zygote */
	unsigned spawned;       /* processes started for it so far */
	uint64_t restart_at;    /* cur == NULL: when to spawn again */
	unsigned restarts;
	unsigned recycles;
	unsigned crashes;       /* consecutive, for backoff */
	struct timespec recycle_start; /* when the current recycle began */
	int in_place;           /* ...and the old process stops first */
	char last_reason[300];
	int dormant;            /* an extra slot nobody needs now: no process */
	struct {                /* recycles by rule (metrics) */
		char rule[24];
		unsigned n;
	} by_rule[8];
	struct history hist;    /* the last hour (history.c) */
};

/* One worker process (an entry of the broker's process pool). */
struct inst {
	struct slot *slot;
	int kind;
	unsigned idx;
	enum inst_state state;
	pid_t pid;
	int pidfd;
	_Atomic long expect_pid; /* read by nng's pipe callback thread */
	_Atomic uint32_t pipe_id; /* the child's pipe, once it connected */
	_Atomic int chan_broken; /* ...and it closed (nng's thread sets) */
	uint64_t chan_broken_at; /* when the main loop first saw that */
	nng_socket sock;
	int sock_open;
	int muted;               /* nothing more read (proc_channel_mute) */
	unsigned gen;            /* channels opened: each has its own name */
	int recvfd;
	int fdchan;              /* our end of its descriptor channel */
	char chan_dir[PATH_MAX + 48]; /* RUNTIME/workers/N, only this channel */
	char url[PATH_MAX + 64 + 16];
	uint64_t token;          /* current dispatch, 0 when idle */
	uint64_t job_id;
	int stage;
	char queue[64];         /* the dispatch's queue (the journal's field) */
	char user[64];          /* ...and its job's owner (fair shares) */
	unsigned nth;           /* its slot's nth process */
	int zygote_up;          /* a zygote that said it waits for requests */
	int parked;             /* localspl's standby: said Hello, has no
				 * Configure (and no store) until it serves */
	uint64_t data_base;     /* VmData at its Hello (RLIMIT_DATA's base) */
	uint64_t data_max;      /* the RLIMIT_DATA set on it; 0: none */
	int limit_stale;        /* memory_limit rose past what we may raise */
	uint64_t jobs;           /* jobs done by this process */
	int measure_due;         /* jobs done in this batch of its messages */
	uint64_t started_ms;
	uint64_t idle_since;
	uint64_t jitter;         /* added to max_lifetime for this process */
	uint64_t drain_deadline;
	int term_sent;
	int killed;              /* we stopped it: not a crash */
	char stop_reason[256];
	char cgroup[PATH_MAX + 32]; /* its memory cgroup, "" when none */
	char seccomp[16];        /* as the worker reported (Sandboxed) */
	unsigned syscalls;
	unsigned landlock_abi;
	char namespaces[64];
	struct {                 /* the sandbox as /proc showed it, read once
				  * the worker said Sandboxed */
		unsigned uid, seccomp;
		int no_new_privs, own_netns, own_mntns;
		char cap_eff[20];
	} seen;
	uint64_t private_bytes;  /* last sample */
	unsigned fds;
};

/* A client request forwarded to localspl, waiting for its answer. */
struct pending {
	struct pending *next;
	uint64_t id;         /* our id towards localspl */
	uint64_t client_id;  /* the client's envelope id */
	nng_msg *hdr;        /* holds the client's reply header; NULL: */
	struct inst *lsn;    /* a listener asked (gone when its pid changed) */
	pid_t lsn_pid;
};

/* A JobStart waiting for an idle worker of its kind, with its data. */
struct queued {
	struct queued *next;
	int kind;
	sb_env *env;
	int fd;                  /* the job's data (read-only), ours to close */
};

/* fdgate.c: files passed by clients, and connections still to speak. */
#define FDGATE_MAX 64
struct fdgate {
	int listen_fd;
	struct {
		int fd;
		uid_t uid;
		uint64_t cookie;
		uint64_t expires;
	} held[FDGATE_MAX];
	struct {
		int fd;
		uint64_t expires;
	} conns[FDGATE_MAX];
	uint64_t next_log;
};

enum limit_backend { LIMIT_NONE, LIMIT_CGROUP1, LIMIT_CGROUP2, LIMIT_RLIMIT };

/* gate.c: client connections held, guarded by mtx (nng's threads). */
#define GATE_MAX 4096
#define GATE_REFUSED_MAX 512
struct gate {
	pthread_mutex_t mtx;
	unsigned max, per_user;
	_Atomic long admin_gid;   /* -1: no admin group */
	unsigned npipes;
	struct {
		int id;
		uint64_t uid;
	} pipes[GATE_MAX];
	/* Refused connections kept open a moment, so their request gets an
	 * answer saying why; closed at their deadline. */
	unsigned nrefused;
	struct {
		nng_pipe pipe;
		char why[64];
		uint64_t deadline;
	} refused[GATE_REFUSED_MAX];
	uint64_t next_log;
};

struct broker {
	struct sb_config cfg;
	struct slot *slots;
	size_t nslots;
	struct inst *insts;      /* the process pool: 2 per slot */
	size_t ninsts;
	enum limit_backend limit;
	/* How workers get their own accounts: ACC_ROOT (the broker is
	 * root and each worker drops to its account), ACC_MAPPED (the broker
	 * is an account with CAP_SETUID/CAP_SETGID and maps each worker's
	 * account into a user namespace of its own, sandbox_map), or
	 * ACC_SHARED (neither: every worker runs as the broker's user). */
	enum { ACC_SHARED, ACC_ROOT, ACC_MAPPED } accounts;
	uid_t run_uid[SB_KINDS];   /* each kind's own account (not shared) */
	gid_t run_gid[SB_KINDS];
	char cgroup_root[PATH_MAX];
	char failed[SB_KINDS][256]; /* crash-loop breaker: why a kind failed */
	uint64_t crash_times[SB_KINDS][64];
	unsigned crash_head[SB_KINDS];
	char workers_dir[PATH_MAX + 16];
	char view_root[PATH_MAX + 16]; /* empty: workers' roots are built on it */
	char exe_dir[PATH_MAX];
	struct auth *auth;      /* network clients' accounts (auth.c) */
	struct dnssd *dnssd;    /* what DNS-SD advertises (dnssd.c) */
	char degraded[512];     /* why the service is degraded (localspl's
				 * store cannot be written); "": it is not */
	char *tls_cert_pem;     /* the listener's TLS pair, as Configure */
	char *tls_key_pem;      /* carries it (tls.c); NULL: TLS off */
	nng_socket client;
	int client_fd;
	struct gate gate;
	struct fdgate fdgate;
	int sig_fd;
	int lock_fd;
	uint64_t next_id;
	uint64_t next_sample;
	struct pending *pending;
	struct queued *queued, **queued_tail;
	/* What each ipp:// queue's printer can do (route.c): asked of an
	 * idle remote, kept packed (a PrinterCaps), passed on in QueueInfo. */
	struct caps_entry {
		char queue[65];
		char uri[1024];       /* asked of this printer */
		uint8_t *packed;      /* its last answer (NULL: none yet) */
		size_t len;
		uint64_t token;       /* a probe out (0: none) */
		uint64_t next_ms;     /* monotonic: ask again then */
		int32_t changed;      /* printer-config-change-time last seen */
		int failing;          /* the last probe failed (said once) */
	} *caps;
	size_t ncaps;
	uint64_t caps_seq;
	int stopping;
	int listen_fd[SB_LISTEN_MAX]; /* the listener's sockets, ours */
	size_t nlisten;
	struct {                 /* the last recycles and restarts, a ring */
		int64_t at;
		int kind;
		unsigned idx;
		pid_t pid;
		int restart;
		char reason[300];
	} recent[8];
	unsigned nrecent;        /* events so far (the ring holds 8) */
	uint64_t samples;        /* /proc samplings of a worker, and the */
	uint64_t sample_ns;      /* time they took (the metrics) */
	int notify;              /* under systemd (NOTIFY_SOCKET) */
	int ready_sent;
	uint64_t watchdog_ms;    /* 0: no watchdog */
	uint64_t next_watchdog;
	/* Re-read the config (main.c); 0, or -1 with the reason in msg. */
	int (*reload)(struct broker *b, char *msg, size_t len);
};

/* What the end of a worker process took with it, for the layers above
 * (supervise_reap fills it; main hands it to route and client). */
struct loss {
	int kind;
	uint64_t token;          /* the dispatch it held; 0: none */
	uint64_t job_id;
	int stage;
	int result;              /* sb.Result for it: INTERRUPTED, or
				  * PERMANENT (the document's fault) */
	char why[320];
};

/* proc.c: processes, channels and /proc, nothing about policy */
int proc_signals_open(void);
int proc_pidfd_open(pid_t pid);
/* Has w's process ended (not yet collected)? */
int proc_ended(const struct inst *w);
int proc_signal(struct inst *w, int sig);
/* A name of its own for w's next channel (before its process forks): a
 * channel closed late (graves) removes its name when it closes. */
void proc_channel_name(struct inst *w);
int proc_channel_open(struct inst *w);
/* The channel closes once its pipe is gone, a second after at most
 * (proc_graves_tick; nng 1.5.2 can hang closing a pipe still reading). */
void proc_channel_close(struct inst *w);
/* Read nothing more from w (it is being stopped for what it sent). */
void proc_channel_mute(struct inst *w);
/* Close the channels that may close now; proc_graves_next says when to
 * look again (UINT64_MAX: none waits). */
void proc_graves_tick(uint64_t now);
uint64_t proc_graves_next(uint64_t now);
/* Close them all, waiting at most a second for their pipes. */
void proc_graves_flush(void);
/* Send without blocking; 0 or an nng error (NNG_ECLOSED: no channel, or
 * the worker was stopped or has ended). */
int proc_send(struct inst *w, const sb_env *e);
/* Next message from w: 1 with *out (the caller takes it), 0 when there
 * is none, -1 when it is malformed (why in err). */
int proc_recv(struct inst *w, sb_env **out, char *err, size_t errlen);
/* Private bytes and open fds into w->private_bytes, w->fds. With below
 * != 0, smaps_rollup is read only when resident + swapped bytes (a bound
 * on private bytes) reach below; else the last figure stays, capped at
 * that bound. */
void proc_sample(struct inst *w, uint64_t below);
/* uid, seccomp, no_new_privs, CapEff and namespaces of w, as the kernel
 * shows them in /proc, into w->seen. */
void proc_sandbox(struct inst *w);
void proc_describe_status(int status, char *why, size_t len);

/* dirs.c */
/* Runtime dir, pid file lock, channel and view dirs; fatal on failure. */
void dirs_setup(struct broker *b);
/* c's spool and file: dirs, checked, made and handed to localspl's
 * account; 0, or -1 with the directory and the reason in why. */
int dirs_spool(const struct broker *b, const struct sb_config *c, char *why,
    size_t len);

/* gate.c */
void gate_attach(struct broker *b, nng_socket s);
/* The config changed: limits and the admin group again. */
void gate_update(struct broker *b);
/* root, the broker's own user, or a member of admin_group; any thread. */
int gate_is_admin(struct broker *b, uid_t uid);
/* May user (a local login, or a network client's NAME@ADDRESS) print to
 * q? NULL, or the rule that refuses: "deny_users", "allow_users"... A
 * local user matches allow_groups by its groups; a network client only
 * by its whole NAME@ADDRESS, and is denied by its NAME alone too. */
const char *gate_may_print(const struct sb_queue *q, const char *user,
    int network);
/* Was pipe refused? Then why, into buf (for the answer), else NULL. */
const char *gate_refused(struct broker *b, nng_pipe p, char *buf,
    size_t len);
/* Close refused connections whose moment has passed. */
void gate_tick(struct broker *b, uint64_t now);

/* fdgate.c */
int fdgate_open(struct broker *b);
void fdgate_close(struct broker *b);
/* What to poll for it: at most max entries into out; their number. */
size_t fdgate_pollfds(struct broker *b, struct pollfd *out, size_t max);
void fdgate_ready(struct broker *b, const struct pollfd *fds, size_t n);
void fdgate_tick(struct broker *b, uint64_t now);
/* The file uid passed under cookie (the caller takes it), or -1. */
int fdgate_take(struct broker *b, uid_t uid, uint64_t cookie);

/* listen.c */
/* Open (or take from systemd) every [listener] address; fatal when one
 * cannot be had. */
void listen_open(struct broker *b);
void listen_close(struct broker *b);

/* notify.c: sd_notify; nothing without NOTIFY_SOCKET */
void notify_journal(void);
void notify_init(struct broker *b);
/* READY=1 once every slot's process said Hello; WATCHDOG=1 when due. */
void notify_tick(struct broker *b, uint64_t now);
/* timeout shortened to the next WATCHDOG=1 */
int notify_timeout(const struct broker *b, uint64_t now, int timeout);
/* auth.c: a network client's credentials checked through PAM in a child
 * (auth_begin; 0, or -1 when it cannot start), its verdict read when its
 * descriptor is ready (auth_ready) or at its deadline (auth_tick), then
 * handed to done: the account's token, 0 when refused. */
typedef void (*auth_done_fn)(struct broker *b, const struct pending *from,
    const char *user, uint64_t token);
int auth_begin(struct broker *b, const struct pending *from,
    const char *user, const char *password);
size_t auth_pollfds(struct broker *b, struct pollfd *out, size_t max);
void auth_ready(struct broker *b, const struct pollfd *fds, size_t n,
    auth_done_fn done);
void auth_tick(struct broker *b, uint64_t now, auth_done_fn done);
/* Is pid a login check's child (collected by auth.c)? */
int auth_owns(const struct broker *b, pid_t pid);
/* The account a token names: 0 (uid, user), or -1 (unknown, expired). */
int auth_account(struct broker *b, uint64_t token, uid_t *uid,
    const char **user);

/* history.c: a slot's last hour. A sample is kept when HISTORY_STEP_MS
 * passed since the last one kept. */
void history_sample(struct history *h, int64_t at, uint64_t priv,
    uint32_t fds);
void history_event(struct history *h, int64_t at, uint32_t pid, int restart,
    const char *reason);
/* What is newer than since, into out (history_free() frees what this
 * allocates; the reasons stay h's). 0, or -1: out of memory. */
int history_fill(const struct history *h, int64_t since,
    Sb__SlotHistory *out);
void history_free(Sb__SlotHistory *out);

/* saved.c: live budget changes kept in SPOOL/budgets.state. apply: onto
 * b->cfg at a start; record: set ("KEY=VALUE") of kind, written durably
 * (0, or -1: the change lasts until the next restart); forget: at a
 * reload, whose config wins (how many were dropped, or -1). */
void saved_apply(struct broker *b);
int saved_record(struct broker *b, int kind, char **set, size_t nset);
int saved_forget(struct broker *b);

/* tls.c: the listener's certificate and key into b->tls_*_pem: read
 * from [listener] tls_cert/tls_key, or a self-signed pair made once in
 * SPOOL/tls/ (0700, the broker's). 0, or -1 with why. */
int tls_load(struct broker *b, char *err, size_t errlen);

/* dnssd.c: advertise the listener's queues through Avahi (its own
 * thread) as b->cfg says, again after a reload (nothing happens when
 * nothing changed); stop withdraws them. */
void dnssd_update(struct broker *b);
void dnssd_stop(struct broker *b);

/* reload.c: re-read the config and apply it (systemd told around it);
 * 0, or -1 with the old config kept; msg says what happened. */
int reload_config(struct broker *b, char *msg, size_t len);

/* STATUS= again now (the service's state changed). */
void notify_status(struct broker *b);
void notify_reloading(struct broker *b);
void notify_reloaded(struct broker *b, const char *msg);
void notify_stopping(struct broker *b);

/* budget.c */
/* RETIRE: an extra instance idle past max_idle goes, not replaced. */
enum budget_verdict { BUDGET_OK, BUDGET_RECYCLE, BUDGET_RETIRE, BUDGET_KILL };
/* One measurement of one process, as budget_check() judges it. */
struct budget_sample {
	uint64_t private_bytes;
	unsigned fds;
	uint64_t jobs;
	uint64_t up_ms;
	uint64_t lifetime;       /* max_lifetime + its jitter; 0: off */
	uint64_t idle_ms;        /* 0 when busy */
	int extra;               /* an instance beyond `instances` */
};
/* What a verdict other than BUDGET_OK is about: its rule, the figure
 * measured and the budget it passed (the journal's fields). */
struct budget_over {
	const char *rule;
	uint64_t figure, budget;
};

/* Pure: what bg says about s; why names the rule, figure and budget. */
enum budget_verdict budget_check(const struct sb_budget *bg,
    const struct budget_sample *s, char *why, size_t len,
    struct budget_over *over);
void budget_init(struct broker *b);
int budget_cgroup_prepare(struct broker *b, struct inst *w, int kind);
void budget_limit_ready(struct broker *b, struct inst *w);
void budget_limit_release(struct broker *b, struct inst *w);
void budget_limit_update(struct broker *b, int kind);
const char *budget_backend_name(const struct broker *b);
int budget_killed_by_limit(struct broker *b, struct inst *w, int status,
    char *why, size_t len);

/* supervise.c */
void supervise_init(struct broker *b);
void supervise_start(struct broker *b);
/* Hello, Sandboxed and Drained: 1 when it took e (and freed it), else 0. */
int supervise_msg(struct broker *b, struct inst *w, sb_env *e);
/* The process ended: collect it, keep its slot filled, fill *lost. */
void supervise_reap(struct broker *b, struct inst *w, struct loss *lost);
void supervise_stop(struct broker *b, struct inst *w, const char *reason);
void supervise_unfail(struct broker *b, int kind);
/* The journal's fields for a line about w: kind, instance, pid, job. */
struct log_about supervise_about(const struct inst *w);
/* Zygotes that have come up since are shown and used from now on. */
void supervise_zygotes_up(struct broker *b);
/* A reload's new settings to a serving process (see supervise.c). */
void supervise_reconfigure(struct broker *b, struct inst *w);
/* over: the budget rule passed (NULL: an admin's or a reload's). */
void supervise_recycle(struct broker *b, struct inst *w, const char *why,
    const struct budget_over *over);
/* Work for kind waits and no instance of it is free or starting: start
 * an extra one, up to max_instances. 1 when one was started. */
int supervise_grow(struct broker *b, int kind);
/* Sample w from /proc and act on its budget. after_job: the sample that
 * follows a job, taken on every one, so smaps_rollup is read only when
 * the memory figures could be near a budget (proc_sample). */
void supervise_measure(struct broker *b, struct inst *w, uint64_t now,
    int after_job);
/* Send to w, or stop it: a full channel means a hung worker; 0 or -1. */
int supervise_send(struct broker *b, struct inst *w, const sb_env *e);
/* The PEM of q's ca_file, malloc'd (NULL: none, or unreadable: logged). */
char *supervise_ca_pem(const struct sb_queue *q);
void supervise_tick(struct broker *b, uint64_t now);
void supervise_shutdown(struct broker *b);
int supervise_next_timeout(const struct broker *b, uint64_t now);
const char *supervise_state(const struct inst *w);

/* route.c */
/* Takes e. Returns an answer for a client (the caller takes it), or NULL. */
sb_env *route_from_worker(struct broker *b, struct inst *w, sb_env *e);
/* A worker process is gone: its dispatch is interrupted; when it was
 * localspl, every other worker's dispatch too. */
void route_lost(struct broker *b, const struct loss *lost);
/* Hand JobStarts waiting in the FIFO to idle workers. */
void route_assign(struct broker *b);
struct inst *route_localspl(struct broker *b);
/* Ask the printers of ipp:// queues what they can do when it is due
 * (every CAPS_REFRESH_MS, sooner when one said it changed), each of an
 * idle remote, one at a time. */
void route_caps_tick(struct broker *b, uint64_t now);
/* A reload: every printer is asked again (it may be another one). */
void route_caps_refresh(struct broker *b);
/* The last answer of queue's printer, as a new PrinterCaps (the caller
 * frees it), or NULL. */
Sb__PrinterCaps *route_caps(const struct broker *b, const char *queue);
/* Is token one of the broker's own probes (never localspl's)? */
#define CAPS_TOKEN_BIT (1ULL << 63)

/* client.c */
int client_open(struct broker *b);
void client_close(struct broker *b);
void client_recv(struct broker *b);
/* Takes e: localspl's answer to a forwarded request, or an error. */
void client_answer(struct broker *b, sb_env *e);
void client_fail_pending(struct broker *b, const char *why);
/* Takes e: a request from a listener, on behalf of a network client. */
void client_from_listener(struct broker *b, struct inst *w, sb_env *e);
/* A login is checked (auth.c's done): the listener gets its token. */
void client_auth_done(struct broker *b, const struct pending *from,
    const char *user, uint64_t token);

#endif
