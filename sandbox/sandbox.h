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

struct sandbox_spec {
	int kind;               /* sb.WorkerKind */
	enum sandbox_mode mode;
	uid_t uid;              /* as root: the kind's own user; else ignored */
	gid_t gid;
	unsigned nofile;        /* RLIMIT_NOFILE (a bit above handle_budget) */
	const char *rw_paths[17]; /* localspl: spool and file: dirs, NULL-ended */
	int in_userns;          /* sandbox_early_userns() already done */
};

/* What was put in place, for `spoolbox workers --json`. */
struct sandbox_state {
	char seccomp[16];       /* "kill", "log" (audit) or "off" */
	unsigned syscalls;      /* syscalls the filter allows */
	int landlock_abi;       /* 0: none */
	char namespaces[64];    /* e.g. "user,net,ipc" */
};

/*
 * Unprivileged only: new user (+ net for kinds without network, + ipc)
 * namespaces for the calling process, mapping its own ids. unshare()
 * refuses CLONE_NEWUSER to a multi-threaded process, and a worker has
 * nng's threads by the time it sandboxes itself, so the broker calls this
 * in the forked child before exec. Async-signal-safe; 0 or -1.
 */
int sandbox_early_userns(int kind);

/* Apply spec to the calling process; fatal() when a step fails. */
void sandbox_enter(const struct sandbox_spec *spec, struct sandbox_state *st);

enum sandbox_mode sandbox_mode_from_name(const char *name);

#endif
