/*
 * broker internals, shared by the broker's files only:
 *   main.c       arguments, config, start-up, the poll loop
 *   supervise.c  spawning, watching (pidfd) and restarting workers,
 *                sampling them from the outside
 *   broker.c     messages from workers: routing job work between them
 *   client.c     the client API on RUNTIME/spoolbox.sock
 */
#ifndef SB_BROKER_H
#define SB_BROKER_H

#include <limits.h>
#include <stdatomic.h>
#include <stdint.h>
#include <sys/types.h>
#include <time.h>

#include <nng/nng.h>

#include "chan.h"
#include "config.h"

enum inst_state { W_FREE, W_STARTING, W_READY, W_DRAINING };

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
	uint64_t restart_at;    /* cur == NULL: when to spawn again */
	unsigned restarts;
	unsigned recycles;
	unsigned crashes;       /* consecutive, for backoff */
	struct timespec recycle_start; /* when the current recycle began */
	char last_reason[300];
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
	nng_socket sock;
	int sock_open;
	int recvfd;
	char chan_dir[PATH_MAX + 48]; /* RUNTIME/workers/N, only this channel */
	char url[PATH_MAX + 64 + 16];
	uint64_t token;          /* current dispatch, 0 when idle */
	uint64_t job_id;
	int stage;
	uint64_t jobs;           /* jobs done by this process */
	uint64_t started_ms;
	uint64_t idle_since;
	uint64_t lifetime;       /* max_lifetime plus this process's jitter */
	uint64_t drain_deadline;
	int term_sent;
	int killed;              /* we stopped it: not a crash */
	char stop_reason[256];
	char cgroup[PATH_MAX + 32]; /* its memory cgroup, "" when none */
	char seccomp[16];        /* as the worker reported (Sandboxed) */
	unsigned syscalls;
	unsigned landlock_abi;
	char namespaces[64];
	uint64_t private_bytes;  /* last sample */
	unsigned fds;
};

/* A client request forwarded to localspl, waiting for its answer. */
struct pending {
	struct pending *next;
	uint64_t id;         /* our id towards localspl */
	uint64_t client_id;  /* the client's envelope id */
	nng_msg *hdr;        /* holds the client's reply header */
};

/* A JobStart waiting for an idle worker of its kind. */
struct queued {
	struct queued *next;
	int kind;
	sb_env *env;
};

enum limit_backend { LIMIT_NONE, LIMIT_CGROUP1, LIMIT_CGROUP2, LIMIT_RLIMIT };

struct broker {
	struct sb_config cfg;
	struct slot *slots;
	size_t nslots;
	struct inst *insts;      /* the process pool: 2 per slot */
	size_t ninsts;
	enum limit_backend limit;
	uid_t run_uid[SB_KINDS];   /* as root: each kind's own account */
	gid_t run_gid[SB_KINDS];
	char cgroup_root[PATH_MAX];
	char failed[SB_KINDS][256]; /* crash-loop breaker: why a kind failed */
	uint64_t crash_times[SB_KINDS][64];
	unsigned crash_head[SB_KINDS];
	char workers_dir[PATH_MAX + 16];
	char view_root[PATH_MAX + 16]; /* empty: workers' roots are built on it */
	char exe_dir[PATH_MAX];
	nng_socket client;
	int client_fd;
	int sig_fd;
	int lock_fd;
	uint64_t next_id;
	uint64_t next_sample;
	struct pending *pending;
	struct queued *queued, **queued_tail;
	int stopping;
};

/* supervise.c */
void supervise_init(struct broker *b);
void supervise_start(struct broker *b);
void supervise_reap(struct broker *b, struct inst *w);
void supervise_stop(struct broker *b, struct inst *w, const char *reason);
void supervise_terminate(struct broker *b, struct inst *w);
void supervise_unfail(struct broker *b, int kind);
void supervise_ready(struct broker *b, struct inst *w);
void supervise_recycle(struct broker *b, struct inst *w, const char *why);
void supervise_tick(struct broker *b, uint64_t now);
void supervise_sample(struct broker *b, struct inst *w);
void supervise_shutdown(struct broker *b);
int supervise_next_timeout(const struct broker *b, uint64_t now);
const char *supervise_state(const struct inst *w);

/* budget.c */
void budget_init(struct broker *b);
/* Sample w from /proc and act on its budgets. */
void budget_measure(struct broker *b, struct inst *w, uint64_t now);
void budget_limit_child(struct broker *b, struct inst *w);
void budget_limit_ready(struct broker *b, struct inst *w);
void budget_limit_release(struct broker *b, struct inst *w);
void budget_limit_update(struct broker *b, int kind);
const char *budget_backend_name(const struct broker *b);
int budget_killed_by_limit(struct broker *b, struct inst *w, int status,
    char *why, size_t len);

/* sandbox side of the broker (supervise.c) */
void supervise_accounts(struct broker *b);

/* broker.c */
void broker_worker_msg(struct broker *b, struct inst *w, sb_env *e);
/* localspl's read-write paths (spool dir, each file: queue's dir) into
 * out, NULL-ended; their number. Its Landlock rules and mount view. */
size_t broker_localspl_paths(const struct broker *b, const char *out[17]);
void broker_worker_lost(struct broker *b, struct inst *w, const char *why);
void broker_dispatch(struct broker *b);
struct inst *broker_localspl(struct broker *b);
/* Send or recycle w (a full channel means a hung worker); 0 or -1. */
int broker_send(struct broker *b, struct inst *w, const sb_env *e);
/* Send without consequences for w; 0 or an nng error. */
int broker_try_send(struct inst *w, const sb_env *e);

/* client.c */
int client_open(struct broker *b);
void client_close(struct broker *b);
void client_recv(struct broker *b);
void client_answer(struct broker *b, sb_env *e);
void client_fail_pending(struct broker *b, const char *why);
int client_reload(struct broker *b, char *msg, size_t len);

#endif
