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

#include <nng/nng.h>

#include "chan.h"
#include "config.h"

enum inst_state { W_DOWN, W_STARTING, W_READY, W_DRAINING };

/* One worker instance: a slot that outlives the processes filling it. */
struct inst {
	int kind;
	unsigned idx;
	enum inst_state state;
	pid_t pid;
	int pidfd;
	_Atomic long expect_pid; /* read by nng's pipe callback thread */
	nng_socket sock;
	int sock_open;
	int recvfd;
	char url[PATH_MAX + 64];
	uint64_t token;          /* current dispatch, 0 when idle */
	uint64_t job_id;
	int stage;
	uint64_t jobs;           /* jobs done by this process */
	uint64_t started_ms;
	uint64_t restart_at;     /* W_DOWN: when to spawn again */
	unsigned restarts;
	unsigned crashes;        /* consecutive, for backoff */
	int killed;              /* we stopped it: not a crash */
	char last_reason[256];
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

struct broker {
	struct sb_config cfg;
	struct inst *insts;
	size_t ninsts;
	char workers_dir[PATH_MAX + 16];
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
void supervise_spawn(struct broker *b, struct inst *w);
void supervise_reap(struct broker *b, struct inst *w);
void supervise_stop(struct broker *b, struct inst *w, const char *reason);
void supervise_tick(struct broker *b, uint64_t now);
void supervise_sample(struct broker *b, struct inst *w);
void supervise_shutdown(struct broker *b);
int supervise_next_timeout(const struct broker *b, uint64_t now);

/* broker.c */
void broker_worker_msg(struct broker *b, struct inst *w, sb_env *e);
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

#endif
