/*
 * sandbox: for every worker kind, the real policy is entered in a child
 * process which then tries what its privilege row forbids; each attempt
 * must be denied (an errno, or the kernel killing it with SIGSYS), and
 * what the kind needs must still work.
 */
#define _GNU_SOURCE
#include <check.h>

#include "runner.h"
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "chan.h"
#include "sandbox.h"

#define SUCCEEDED 100
#define KILLED -1

static char dir[64];

enum op { OP_OPEN_OUTSIDE, OP_OPEN_SPOOL, OP_CREATE_IN_SPOOL, OP_INET,
	OP_UNIX, OP_EXEC, OP_PTRACE, OP_SETUID, OP_FORK, OP_WRITE_ETC,
	OP_SIGNAL_SELF, OP_SIGNAL_OTHER, OP_READ_PASSWD, OP_RESOLVE,
	OP_ISATTY };

static int
do_op(enum op op)
{
	char path[128];
	int fd = -1;

	switch (op) {
	case OP_OPEN_OUTSIDE: /* world-readable, outside every worker's view */
		fd = open("/proc/self/environ", O_RDONLY) >= 0 ? 0 : -1;
		if (fd == 0)
			return SUCCEEDED;
		fd = open("/usr/share/common-licenses/GPL-3", O_RDONLY);
		break;
	case OP_OPEN_SPOOL:
		snprintf(path, sizeof(path), "%s/job.data", dir);
		fd = open(path, O_RDONLY);
		break;
	case OP_CREATE_IN_SPOOL:
		snprintf(path, sizeof(path), "%s/new", dir);
		fd = open(path, O_WRONLY | O_CREAT, 0600);
		break;
	case OP_WRITE_ETC:
		fd = open("/etc/spoolbox-sandbox-test", O_WRONLY | O_CREAT, 0600);
		break;
	case OP_INET:
		fd = socket(AF_INET, SOCK_STREAM, 0);
		break;
	case OP_UNIX:
		fd = socket(AF_UNIX, SOCK_STREAM, 0);
		break;
	case OP_EXEC:
		execl("/bin/sh", "sh", "-c", "exit 0", (char *)NULL);
		return errno;
	case OP_PTRACE:
		return ptrace(PTRACE_TRACEME, 0, 0, 0) == 0 ? SUCCEEDED : errno;
	case OP_SETUID:
		return setuid(0) == 0 ? SUCCEEDED : errno;
	case OP_READ_PASSWD: /* /etc, but not a name resolution file */
		fd = open("/etc/passwd", O_RDONLY);
		break;
	case OP_RESOLVE: { /* files, nsswitch, NSS modules */
		struct addrinfo *ai = NULL;
		int rv = getaddrinfo("localhost", "printer", NULL, &ai);
		if (ai != NULL)
			freeaddrinfo(ai);
		return rv == 0 ? SUCCEEDED : 200 + (rv < 0 ? -rv : rv) % 50;
	}
	case OP_SIGNAL_SELF: /* signal 0: only the permission check */
		return syscall(SYS_tgkill, getpid(), gettid(), 0) == 0 ? SUCCEEDED
								       : errno;
	case OP_SIGNAL_OTHER: /* the parent: the broker, in real life */
		return syscall(SYS_tgkill, getppid(), getppid(), 0) == 0
		    ? SUCCEEDED
		    : errno;
	case OP_ISATTY: /* GLib's log writer asks before it warns */
		return isatty(2) ? SUCCEEDED : errno;
	case OP_FORK: {
		pid_t p = fork();
		if (p == 0)
			_exit(0);
		return p > 0 ? SUCCEEDED : errno;
	}
	}
	return fd >= 0 ? SUCCEEDED : errno;
}

/* SUCCEEDED, an errno, or KILLED (by SIGSYS: seccomp). */
static int
try(int kind, enum op op)
{
	struct sandbox_spec spec = { .kind = kind, .mode = SBX_ENFORCE,
		.uid = 65534, .gid = 65534, .nofile = 64 };
	struct sandbox_state st;
	int status;
	pid_t pid;

	if (kind == SB__WORKER_KIND__LOCALSPL)
		spec.rw_paths[0] = dir;
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		sandbox_enter(&spec, &st);
		_exit(do_op(op));
	}
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	if (WIFSIGNALED(status)) {
		ck_assert_int_eq(WTERMSIG(status), SIGSYS);
		return KILLED;
	}
	return WEXITSTATUS(status);
}

static void
setup(void)
{
	char path[128];
	int fd;

	tmpdir_new(dir, sizeof(dir), "sbsandbox");
	chmod(dir, 0777);
	snprintf(path, sizeof(path), "%s/job.data", dir);
	fd = open(path, O_WRONLY | O_CREAT, 0666);
	ck_assert_int_ge(fd, 0);
	close(fd);
	chmod(path, 0666);
}

static void
teardown(void)
{
	tmpdir_remove(dir);
}

/* What no worker may do, whatever its kind. */
static void
forbidden_for_all(int kind)
{
	ck_assert_int_eq(try(kind, OP_EXEC), KILLED);
	ck_assert_int_eq(try(kind, OP_PTRACE), KILLED);
	ck_assert_int_eq(try(kind, OP_SETUID), KILLED);
	ck_assert_int_eq(try(kind, OP_FORK), KILLED);
	ck_assert_int_eq(try(kind, OP_SIGNAL_OTHER), KILLED);
	ck_assert_int_eq(try(kind, OP_SIGNAL_SELF), SUCCEEDED);
	ck_assert_int_eq(try(kind, OP_UNIX), SUCCEEDED); /* the broker channel */
	/* A library asking whether stderr is a terminal hears "no", it is
	 * not killed for it (a worker's stderr is never one). */
	ck_assert_int_eq(try(kind, OP_ISATTY), ENOTTY);
}

START_TEST(test_localspl)
{
	int k = SB__WORKER_KIND__LOCALSPL;

	forbidden_for_all(k);
	ck_assert_int_eq(try(k, OP_INET), KILLED);
	ck_assert_int_eq(try(k, OP_OPEN_OUTSIDE), EACCES);
	ck_assert_int_eq(try(k, OP_WRITE_ETC), EACCES);
	ck_assert_int_eq(try(k, OP_OPEN_SPOOL), SUCCEEDED);
	ck_assert_int_eq(try(k, OP_CREATE_IN_SPOOL), SUCCEEDED);
}
END_TEST

START_TEST(test_printproc)
{
	int k = SB__WORKER_KIND__PRINTPROC;

	forbidden_for_all(k);
	ck_assert_int_eq(try(k, OP_INET), KILLED);
	ck_assert_int_eq(try(k, OP_OPEN_OUTSIDE), EACCES);
	ck_assert_int_eq(try(k, OP_OPEN_SPOOL), EACCES);
	ck_assert_int_eq(try(k, OP_WRITE_ETC), EACCES);
}
END_TEST

static void
network_worker(int k)
{
	forbidden_for_all(k);
	ck_assert_int_eq(try(k, OP_INET), SUCCEEDED);
	ck_assert_int_eq(try(k, OP_OPEN_SPOOL), EACCES);
	ck_assert_int_eq(try(k, OP_CREATE_IN_SPOOL), EACCES);
	ck_assert_int_eq(try(k, OP_WRITE_ETC), EACCES);
	ck_assert_int_eq(try(k, OP_OPEN_OUTSIDE), EACCES);
	ck_assert_int_eq(try(k, OP_READ_PASSWD), EACCES);
	ck_assert_int_eq(try(k, OP_RESOLVE), SUCCEEDED);
}

START_TEST(test_lprmon)
{
	network_worker(SB__WORKER_KIND__LPRMON);
}
END_TEST

START_TEST(test_remote)
{
	network_worker(SB__WORKER_KIND__REMOTE);
}
END_TEST

/*
 * The mount namespace: sandbox_prepare() in a child, which then looks at
 * the root it was given. Returns 0, or the number of the first
 * expectation that failed.
 */
static int
exists(const char *path)
{
	return access(path, F_OK) == 0;
}

static int
gone(const char *path)
{
	return access(path, F_OK) != 0 && errno == ENOENT;
}

static int
erofs(const char *path)
{
	return open(path, O_WRONLY | O_CREAT, 0600) < 0 && errno == EROFS;
}

#define EXPECT(c)                \
	do {                     \
		n++;             \
		if (!(c))        \
			_exit(n); \
	} while (0)

static int
view_child(int kind)
{
	char root[128], chan[128], spool[128], other[128], path[256];
	struct sandbox_view v = { .root = root, .channel_dir = chan };
	int net = kind == SB__WORKER_KIND__LPRMON ||
	    kind == SB__WORKER_KIND__REMOTE;
	const char *step = "";
	int n = 0, made;

	snprintf(root, sizeof(root), "%s/root", dir);
	snprintf(chan, sizeof(chan), "%s/chan", dir);
	snprintf(spool, sizeof(spool), "%s/spool", dir);
	snprintf(other, sizeof(other), "%s/other", dir);
	if (kind == SB__WORKER_KIND__LOCALSPL)
		v.rw[0] = spool;
	made = sandbox_prepare(kind, &v, &step);
	if (made <= 0) {
		fprintf(stderr, "sandbox_prepare: %s: %s\n", step,
		    strerror(errno));
		_exit(made == 0 ? 77 : 99);
	}
	EXPECT((made & SBX_NS_MNT) && (made & SBX_NS_IPC));
	EXPECT(!!(made & SBX_NS_NET) == !net);
	/* The libraries, read-only; nothing else of the host. */
	EXPECT(exists("/usr/lib") && exists("/lib64"));
	EXPECT(erofs("/usr/lib/spoolbox-test"));
	EXPECT(erofs("/spoolbox-test"));
	EXPECT(gone("/etc/passwd") && gone("/usr/bin") && gone("/home"));
	EXPECT(gone(other));
#ifndef SPOOLBOX_SANITIZE
	EXPECT(gone("/proc/self"));
#endif
	/* Its own channel directory, read-only. */
	snprintf(path, sizeof(path), "%s/sock", chan);
	EXPECT(exists(chan) && erofs(path));
	/* The spool: localspl's alone, and writable. */
	snprintf(path, sizeof(path), "%s/new", spool);
	if (kind == SB__WORKER_KIND__LOCALSPL)
		EXPECT(open(path, O_WRONLY | O_CREAT, 0600) >= 0);
	else
		EXPECT(gone(spool));
	/* Name resolution for the network kinds only. */
	EXPECT(net ? exists("/etc/hosts") : gone("/etc/hosts"));
	if (kind == SB__WORKER_KIND__REMOTE)
		EXPECT(exists("/etc/ssl/certs"));
	else
		EXPECT(gone("/etc/ssl"));
	return 0;
}

static void
check_view(int kind)
{
	char path[128];
	int status;
	pid_t pid;

	snprintf(path, sizeof(path), "%s/root", dir);
	ck_assert_int_eq(mkdir(path, 0700), 0);
	snprintf(path, sizeof(path), "%s/chan", dir);
	ck_assert_int_eq(mkdir(path, 0700), 0);
	snprintf(path, sizeof(path), "%s/spool", dir);
	ck_assert_int_eq(mkdir(path, 0700), 0);
	snprintf(path, sizeof(path), "%s/other", dir);
	ck_assert_int_eq(mkdir(path, 0700), 0);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0)
		_exit(view_child(kind));
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert(WIFEXITED(status));
	if (WEXITSTATUS(status) == 77) {
		fprintf(stderr, "no user namespace here: view not checked\n");
		return;
	}
	ck_assert_msg(WEXITSTATUS(status) == 0, "kind %d: view check %d failed",
	    kind, WEXITSTATUS(status));
	/* Nothing of the child's mounts reached the host. */
	snprintf(path, sizeof(path), "%s/root/usr", dir);
	ck_assert(gone(path));
}

/* Once per kind (_i: localspl 1 ... remote 4), each on a fresh dir. */
START_TEST(test_views)
{
	check_view(_i);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("sandbox");
	TCase *tc = tcase_create("policies");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_localspl);
	tcase_add_test(tc, test_printproc);
	tcase_add_test(tc, test_lprmon);
	tcase_add_test(tc, test_remote);
	suite_add_tcase(s, tc);
	tc = tcase_create("views");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_loop_test(tc, test_views, SB__WORKER_KIND__LOCALSPL,
	    SB__WORKER_KIND__REMOTE + 1);
	suite_add_tcase(s, tc);
	return run_suite(s, 1);
}
