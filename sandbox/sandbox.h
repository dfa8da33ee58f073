/*
 * sandbox: one policy per worker kind, side by side (sandbox.c's policy
 * table), and the shared privilege-dropping steps. A worker calls
 * sandbox_enter() once, right after it has connected to the broker and
 * received its Configure, before it touches any input.
 */
#ifndef SB_SANDBOX_H
#define SB_SANDBOX_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

enum sandbox_mode { SBX_ENFORCE, SBX_AUDIT, SBX_OFF };

/* The most read-write paths localspl's view holds: the spool dir and
 * one per file: queue directory. The config refuses more. */
#define SBX_RW_MAX 16

struct sandbox_spec {
	int kind;               /* sb.WorkerKind */
	enum sandbox_mode mode;
	uid_t uid;              /* as root: the kind's own user; else ignored */
	gid_t gid;
	unsigned nofile;        /* RLIMIT_NOFILE (a bit above handle_budget) */
	unsigned processes;     /* of this kind at once, all under its uid
				 * (RLIMIT_NPROC counts them together) */
	const char *rw_paths[SBX_RW_MAX + 1]; /* localspl: spool and file:
						 * dirs, NULL-ended */
	unsigned namespaces;    /* SBX_NS_* made by sandbox_prepare() */
};

/* What was put in place, for `spoolbox workers --json`. */
struct sandbox_state {
	char seccomp[16];       /* "kill", "log" (audit) or "off" */
	unsigned syscalls;      /* syscalls the filter allows */
	int landlock_abi;       /* 0: none */
	char namespaces[64];    /* e.g. "user,net,ipc" */
};

/* Namespaces sandbox_prepare() made; passed to the worker. */
#define SBX_NS_USER 1u
#define SBX_NS_MNT 2u
#define SBX_NS_NET 4u
#define SBX_NS_IPC 8u

/* What a worker's mount namespace holds besides its kind's fixed list
 * (/usr, the /lib links, the linker cache; lprmon and remote: name
 * resolution files; remote: /etc/ssl). */
/* printproc's private scratch directory (its TMPDIR), a tmpfs. */
#define SANDBOX_SCRATCH "/scratch"

struct sandbox_view {
	const char *root;        /* an empty directory to build the root on */
	const char *channel_dir; /* the worker's own socket directory, ro */
	const char *rw[SBX_RW_MAX + 1]; /* localspl: spool and file: dirs;
					 * NULL-ended */
	/* A broker that is not root but holds CAP_SETUID/CAP_SETGID maps
	 * the worker's account into the user namespace the child makes
	 * (sandbox_map): the child says "u" on map_fd once it unshared
	 * and waits for "m". */
	int mapped;
	int map_fd;
};

/*
 * In the broker's forked child, before exec: the one single-threaded
 * moment (unshare refuses CLONE_NEWUSER and CLONE_NEWNS to a threaded
 * process, and a worker has nng's threads once it runs). Unprivileged: a
 * user namespace mapping the caller's ids first. Then new mount and ipc
 * namespaces (and net for kinds without network) and a root that is an
 * empty read-only tmpfs holding only the kind's view, entered with
 * pivot_root. Exec the worker through an fd opened before this: its
 * binary need not be in the view.
 * Async-signal-safe. Returns the SBX_NS_* made (0: no user namespace is
 * offered to this unprivileged user), or -1 with errno set and *step
 * naming what failed.
 */
int sandbox_prepare(int kind, const struct sandbox_view *v, const char **step);

/*
 * The broker's half of a mapped child (sandbox_view.mapped): wait for its
 * "u" on fd, write its uid and gid maps (inside 0 is the broker's own
 * account, which the worker leaves for uid:gid, mapped as themselves),
 * answer "m". The namespace is the broker's own, so it may measure,
 * limit and signal the worker without CAP_SYS_PTRACE or CAP_KILL.
 * 0, or -1 with errno.
 */
int sandbox_map(pid_t pid, int fd, uid_t uid, gid_t gid);

/* Apply spec to the calling process; fatal() when a step fails. */
void sandbox_enter(const struct sandbox_spec *spec, struct sandbox_state *st);

/* A sandboxed worker (and a zygote) before it hears from anyone, before
 * nng starts a thread: no capability but what becoming its account takes
 * (CAP_SETUID, CAP_SETGID, CAP_SETPCAP, in the bounding set too), and
 * no_new_privs; fatal() when that fails. sandbox_enter() drops the rest. */
void sandbox_early(void);

/* "enforce", "audit", "off": the mode's one spelling, in the config and
 * in Configure. from_name: -1 when name is none of them. */
const char *sandbox_mode_name(enum sandbox_mode mode);
int sandbox_mode_from_name(const char *name);

#endif
