/*
 * sandbox: least privilege for every worker, DESIGN §2 and §6.
 *
 * The policies, side by side (what each kind may do after start-up):
 *
 *   kind       files (view and Landlock)      sockets            net ns
 *   localspl   rw: spool dir, file: dirs      AF_UNIX            own
 *   printproc  ro: fonts and their config,    AF_UNIX            own
 *              Ghostscript's resources, libs;
 *              rw: a private /scratch (tmpfs)
 *   lprmon     ro: resolver files, libs       AF_UNIX, INET(6),  host
 *                                             NETLINK_ROUTE
 *   remote     ro: as lprmon + CA bundle      as lprmon          host
 *   listener   none                           AF_UNIX; accepts   own
 *                                             on the sockets the
 *                                             broker passed
 *
 * Every kind's mount namespace also holds the libraries (read-only) and
 * its own channel directory; Landlock then takes the libraries away from
 * kinds that load nothing after start-up (lprmon and remote load NSS
 * modules, printproc its converters).
 *
 * Nobody may execve, ptrace, mount, change uid/gid, load modules, use
 * keyrings or bpf, or create namespaces; the seccomp default for anything
 * not listed is kill-process (audit mode: log and allow). Threads may be
 * created (nng's), processes not: clone must carry CLONE_THREAD and
 * clone3, whose flags a filter cannot see, answers ENOSYS so glibc falls
 * back to clone.
 *
 * Before exec (sandbox_prepare, in the broker's forked child): a user
 * namespace when not root, then mount, ipc, and net for kinds without
 * network; the view; pivot_root.
 * After exec (sandbox_enter), in this order: capability bounding set, supplementary groups, gid, uid (root only), rlimits
 * (core 0, nofile, nproc), PR_SET_PDEATHSIG, no_new_privs, Landlock,
 * seccomp (SCMP_FLTATR_CTL_TSYNC: nng's threads already run).
 * Reports: fatal when a step that is available fails; a step the kernel
 * does not offer (Landlock, user namespaces) is skipped and reported in
 * sandbox_state.
 */
#define _GNU_SOURCE
#include "sandbox.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <linux/capability.h>
#include <linux/landlock.h>
#include <linux/netlink.h>
#include <sched.h>
#include <seccomp.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "kind.h"
#include "log.h"

/* Everyone: memory, threads and nng's event loop, the broker channel. */
static const char *const common_calls[] = { "read", "write", "readv",
	"writev", "close", "fstat", "newfstatat", "statx", "lseek", "mmap",
	"munmap", "mprotect", "madvise", "mremap", "brk", "futex",
	"epoll_create1", "epoll_ctl", "epoll_wait", "epoll_pwait",
	"eventfd2", "pipe2", "poll", "ppoll", "fcntl", "getpid", "gettid",
	"getppid", "getuid", "geteuid", "getgid", "getegid", "getrandom",
	"clock_gettime", "clock_getres", "clock_nanosleep", "nanosleep",
	"gettimeofday", "rt_sigaction", "rt_sigprocmask", "rt_sigreturn",
	"sigaltstack", "exit", "exit_group", "sendmsg", "recvmsg", "sendto",
	"recvfrom", "shutdown", "getsockopt", "setsockopt", "getsockname",
	"getpeername", "connect", "set_robust_list", "rseq", "sched_yield",
	"sched_getaffinity", "restart_syscall", "uname",
	"prlimit64", "dup", "dup3", "pread64",
	/* glibc's qsort asks sysconf(_SC_PHYS_PAGES) for arrays > 1 KiB */
	"sysinfo", NULL };

/* SQLite (the job database) adds faccessat* (does a -wal exist?) and
 * fchown (as root it gives a new -wal the database's owner). */
static const char *const localspl_calls[] = { "openat", "pwrite64",
	"fsync", "fdatasync", "rename", "renameat", "renameat2", "unlink",
	"unlinkat", "mkdir", "mkdirat", "getdents64", "ftruncate",
	"copy_file_range", "sendfile", "sync_file_range", "fstatfs", "access",
	"faccessat", "faccessat2", "fchown", "fallocate", NULL };

/* sendfile: the job's data, from the descriptor the broker passed, to
 * the printer's socket without a copy through user space. */
static const char *const network_calls[] = { "openat", "access", "bind",
	"ioctl", "sendfile", NULL };

/* The listener accepts on sockets the broker opened (in the host's
 * network namespace, where they stay) and serves each connection in a
 * thread of its own; it cannot open, bind or connect one. */
/* socketpair: TLS hands libcups its plaintext through one (lsntls.c);
 * Linux makes pairs of AF_UNIX sockets only. */
static const char *const listener_calls[] = { "accept4", "accept",
	"socketpair", NULL };

/* Is name among calls (NULL-terminated; NULL: none)? */
static int
has_call(const char *const *calls, const char *name)
{
	for (size_t i = 0; calls != NULL && calls[i] != NULL; i++)
		if (strcmp(calls[i], name) == 0)
			return 1;
	return 0;
}

struct policy {
	const char *const *extra;   /* beyond common_calls */
	int inet;                   /* may open AF_INET/AF_INET6 sockets */
	int own_netns;              /* no network: a network namespace */
	int open_eacces;            /* open*(), access*() answer EACCES, not
				     * kill */
	const char *const *files;   /* read-only: in the view and Landlock */
	int nss;                    /* Landlock: libraries too (NSS modules,
				     * printproc's converters: dlopen) */
	int scratch;                /* a private tmpfs, SANDBOX_SCRATCH */
	int thread_per_fd;          /* RLIMIT_NPROC follows nofile */
};

/* printproc's scratch: Ghostscript's pdfwrite keeps its work in files
 * (TMPDIR). Its own tmpfs, gone with the process, so its size bounds
 * it; at a path no host directory has, so Landlock's rule for it can
 * never cover one. */
#define SCRATCH_OPTS "mode=1777,size=64m,nr_inodes=64"

/* Every mount namespace's root: the shared libraries (the /lib links
 * into them come along), read-only. Binaries are exec'd through an fd,
 * so no bin directory. After start-up only kinds with nss may still read
 * them (Landlock). */
static const char *const base_view[] = { "/usr/lib", "/usr/lib64",
	"/etc/ld.so.cache", NULL };
static const char *const resolver_files[] = { "/etc/hosts",
	"/etc/resolv.conf", "/etc/nsswitch.conf", "/etc/host.conf",
	"/etc/gai.conf", "/etc/services", NULL };
static const char *const remote_files[] = { "/etc/hosts",
	"/etc/resolv.conf", "/etc/nsswitch.conf", "/etc/host.conf",
	"/etc/gai.conf", "/etc/services", "/etc/ssl/certs",
	"/usr/share/ca-certificates", NULL };

/* printproc lays text out with pango: fontconfig reads its config and
 * cache and the fonts; Ghostscript its resources, font maps and colour
 * profiles; nothing else. */
/* /usr/share/poppler: poppler-data's CMaps, which Ghostscript's own
 * (/var/lib/ghostscript/CMap) are links to: without them a CID font
 * keyed by Identity-H lost every glyph in Ghostscript. */
static const char *const printproc_files[] = { "/etc/fonts",
	"/usr/share/fontconfig", "/usr/share/fonts", "/var/cache/fontconfig",
	"/usr/share/ghostscript", "/var/lib/ghostscript", "/usr/share/color/icc",
	"/usr/share/poppler", NULL };
/* pwrite64: Ghostscript's ps2write writes its scratch files at offsets
 * (a PDF with large embedded fonts to PostScript). */
static const char *const printproc_calls[] = { "openat", "getdents64",
	"fstatfs", "statfs", "fadvise64",
	"readlink", "readlinkat", "access", "faccessat", "faccessat2",
	"unlink", "unlinkat", "ftruncate", "dup2", "pwrite64", NULL };

/* One row per worker kind, indexed like lib/kind.c's table. */
static const struct policy policies[] = {
	[SB__WORKER_KIND__LOCALSPL] = { .extra = localspl_calls,
	    .own_netns = 1 },
	[SB__WORKER_KIND__PRINTPROC] = { .extra = printproc_calls,
	    .own_netns = 1, .files = printproc_files, .nss = 1,
	    .scratch = 1 },
	[SB__WORKER_KIND__LPRMON] = { .extra = network_calls, .inet = 1,
	    .files = resolver_files, .nss = 1 },
	[SB__WORKER_KIND__REMOTE] = { .extra = network_calls, .inet = 1,
	    .files = remote_files, .nss = 1 },
	[SB__WORKER_KIND__LISTENER] = { .extra = listener_calls,
	    .own_netns = 1, .open_eacces = 1, .thread_per_fd = 1 },
};
#define NPOLICIES ((int)(sizeof(policies) / sizeof(policies[0])))

static void
add_ns(struct sandbox_state *st, const char *ns)
{
	size_t n = strlen(st->namespaces);

	snprintf(st->namespaces + n, sizeof(st->namespaces) - n, "%s%s",
	    n ? "," : "", ns);
}

/* "ID ID 1" into buf without stdio (async-signal-safe). */
static size_t
id_map(char *buf, unsigned id)
{
	char digits[12];
	size_t n = 0, len = 0;

	do
		digits[n++] = (char)('0' + id % 10);
	while ((id /= 10) != 0 && n < sizeof(digits));
	for (int r = 0; r < 2; r++) {
		for (size_t i = n; i > 0; i--)
			buf[len++] = digits[i - 1];
		buf[len++] = ' ';
	}
	buf[len++] = '1';
	return len;
}

/*
 * Before exec: namespaces and the filesystem view (sandbox_prepare).
 * Everything here runs in the broker's forked child, so it is
 * async-signal-safe: syscalls, strlen and memcpy, no allocation.
 */

/* dst = a b, or -1 (ENAMETOOLONG). */
static int
cat_path(char *dst, size_t n, const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);

	if (la + lb + 1 > n) {
		errno = ENAMETOOLONG;
		return -1;
	}
	memcpy(dst, a, la);
	memcpy(dst + la, b, lb + 1);
	return 0;
}

/* root+path's missing directories (0755), the last one a directory or,
 * for a file to bind over, an empty file. */
static int
make_point(const char *root, const char *path, int file)
{
	char p[PATH_MAX];
	size_t rl = strlen(root);
	int fd;

	if (path[0] != '/') {
		errno = EINVAL;
		return -1;
	}
	if (cat_path(p, sizeof(p), root, path) != 0)
		return -1;
	for (char *c = p + rl + 1; *c != '\0'; c++) {
		if (*c != '/')
			continue;
		*c = '\0';
		if (mkdir(p, 0755) != 0 && errno != EEXIST)
			return -1;
		*c = '/';
	}
	if (!file)
		return mkdir(p, 0755) != 0 && errno != EEXIST ? -1 : 0;
	if ((fd = open(p, O_WRONLY | O_CREAT | O_CLOEXEC, 0444)) < 0)
		return -1;
	close(fd);
	return 0;
}

/* src at the same path under root: read-only, or read-write without
 * exec; never suid or devices. A missing src is left out. */
static int
bind_in(const char *root, const char *src, int rw)
{
	struct mount_attr a = { .attr_set = MOUNT_ATTR_NOSUID |
		    MOUNT_ATTR_NODEV |
		    (rw ? MOUNT_ATTR_NOEXEC : MOUNT_ATTR_RDONLY) };
	char dst[PATH_MAX];
	struct stat st;

	if (stat(src, &st) != 0)
		return errno == ENOENT ? 0 : -1;
	if (make_point(root, src, !S_ISDIR(st.st_mode)) != 0 ||
	    cat_path(dst, sizeof(dst), root, src) != 0 ||
	    mount(src, dst, NULL, MS_BIND | MS_REC, NULL) != 0)
		return -1;
	return (int)syscall(SYS_mount_setattr, -1, dst, AT_RECURSIVE, &a,
	    sizeof(a));
}

/* /lib, /lib64...: a symlink into /usr (merged /usr) is copied as a
 * symlink, a real directory is bound read-only. */
static int
link_or_bind(const char *root, const char *path)
{
	char dst[PATH_MAX], target[PATH_MAX];
	struct stat st;
	ssize_t n;

	if (lstat(path, &st) != 0)
		return errno == ENOENT ? 0 : -1;
	if (!S_ISLNK(st.st_mode))
		return bind_in(root, path, 0);
	if ((n = readlink(path, target, sizeof(target) - 1)) < 0 ||
	    cat_path(dst, sizeof(dst), root, path) != 0)
		return -1;
	target[n] = '\0';
	return symlink(target, dst);
}

static int
write_raw(const char *path, const char *buf, size_t len)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -1;
	n = write(fd, buf, len);
	close(fd);
	return n == (ssize_t)len ? 0 : -1;
}

/* Unprivileged: a user namespace mapping our own ids; 0, or -1. */
static int
enter_userns(void)
{
	char map[32];
	uid_t uid = getuid();
	gid_t gid = getgid();

	if (unshare(CLONE_NEWUSER) != 0)
		return -1;
	if (write_raw("/proc/self/setgroups", "deny", 4) != 0 ||
	    write_raw("/proc/self/uid_map", map, id_map(map, uid)) != 0 ||
	    write_raw("/proc/self/gid_map", map, id_map(map, gid)) != 0)
		return -1;
	return 0;
}

/* Mapped: a user namespace whose maps the broker writes (sandbox_map). */
static int
enter_mapped_userns(int fd)
{
	char c = 0;

	/* The broker's own ids changed since it started (a seteuid to
	 * check a directory as localspl), which made it, and this copy of
	 * it, not dumpable: its /proc files, uid_map too, would be root's.
	 * Ours are the broker's again; exec decides afresh. */
	if (prctl(PR_SET_DUMPABLE, 1) != 0 || unshare(CLONE_NEWUSER) != 0 ||
	    write(fd, "u", 1) != 1)
		return -1;
	if (read(fd, &c, 1) != 1 || c != 'm') {
		errno = EPROTO;
		return -1;
	}
	return 0;
}

static int
write_map(pid_t pid, const char *which, unsigned outer, unsigned id)
{
	char path[64], map[80];
	int n;

	snprintf(path, sizeof(path), "/proc/%d/%s", (int)pid, which);
	/* The broker's account is root inside until the worker drops to
	 * its own (the broker refuses a kind whose account is its own). */
	n = snprintf(map, sizeof(map), "0 %u 1\n%u %u 1\n", outer, id, id);
	return write_raw(path, map, (size_t)n);
}

int
sandbox_map(pid_t pid, int fd, uid_t uid, gid_t gid)
{
	char c = 0;

	if (read(fd, &c, 1) != 1 || c != 'u') {
		errno = c == 0 ? ECHILD : EPROTO;
		return -1;
	}
	if (write_map(pid, "uid_map", (unsigned)geteuid(), (unsigned)uid) != 0 ||
	    write_map(pid, "gid_map", (unsigned)getegid(), (unsigned)gid) != 0)
		return -1;
	return write(fd, "m", 1) == 1 ? 0 : -1;
}

#define STEP(name, expr)                  \
	do {                              \
		if ((expr) != 0) {        \
			*step = (name);   \
			return -1;        \
		}                         \
	} while (0)

static int
scratch_in(const char *root)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s%s", root, SANDBOX_SCRATCH);
	if (mkdir(path, 0755) != 0 && errno != EEXIST)
		return -1;
	return mount("tmpfs", path, "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC,
	    SCRATCH_OPTS);
}

/* An empty tmpfs on v->root, then only what the kind needs, then
 * pivot_root into it; the old root is detached. */
static int
build_view(const struct policy *p, const struct sandbox_view *v,
    const char **step)
{
	static const char *const libdirs[] = { "/lib", "/lib64", "/lib32",
		"/libx32", NULL };
	struct mount_attr ro = { .attr_set = MOUNT_ATTR_RDONLY };

	/* Nothing we mount may propagate back to the host. */
	STEP("make / private", mount(NULL, "/", NULL, MS_REC | MS_PRIVATE,
				   NULL));
	STEP("tmpfs root", mount("tmpfs", v->root, "tmpfs",
			       MS_NOSUID | MS_NODEV | MS_NOEXEC,
			       "mode=0755,size=64k,nr_inodes=256"));
	if (p->scratch)
		STEP("scratch", scratch_in(v->root));
	for (int i = 0; base_view[i] != NULL; i++)
		STEP(base_view[i], bind_in(v->root, base_view[i], 0));
	for (int i = 0; libdirs[i] != NULL; i++)
		STEP(libdirs[i], link_or_bind(v->root, libdirs[i]));
	for (int i = 0; p->files != NULL && p->files[i] != NULL; i++)
		STEP(p->files[i], bind_in(v->root, p->files[i], 0));
#ifdef SPOOLBOX_SANITIZE
	/* The sanitizer runtime reads /proc/self/maps (widened, not built
	 * without a sanitizer). */
	STEP("bind /proc", bind_in(v->root, "/proc", 0));
#endif
	STEP("bind the channel", bind_in(v->root, v->channel_dir, 0));
	for (int i = 0; v->rw[i] != NULL; i++)
		STEP(v->rw[i], bind_in(v->root, v->rw[i], 1));
	STEP("read-only root", (int)syscall(SYS_mount_setattr, -1, v->root, 0,
				   &ro, sizeof(ro)));
	STEP("chdir root", chdir(v->root));
	STEP("pivot_root", (int)syscall(SYS_pivot_root, ".", "."));
	STEP("detach the old root", umount2(".", MNT_DETACH));
	STEP("chdir /", chdir("/"));
	return 0;
}

int
sandbox_prepare(int kind, const struct sandbox_view *v, const char **step)
{
	const struct policy *p;
	int flags = CLONE_NEWNS | CLONE_NEWIPC, made = 0;

	*step = "kind";
	if (kind < 1 || kind >= NPOLICIES) {
		errno = EINVAL;
		return -1;
	}
	p = &policies[kind];
	if (v->mapped) {
		STEP("user namespace", enter_mapped_userns(v->map_fd));
		made |= SBX_NS_USER;
	} else if (geteuid() != 0) {
		if (enter_userns() != 0)
			return 0; /* not offered to us: reported, not fatal */
		made |= SBX_NS_USER;
	}
	if (p->own_netns)
		flags |= CLONE_NEWNET;
	STEP("unshare", unshare(flags));
	made |= SBX_NS_MNT | SBX_NS_IPC | (p->own_netns ? SBX_NS_NET : 0);
	if (build_view(p, v, step) != 0)
		return -1;
	return made;
}

/* The namespaces were made before exec (sandbox_prepare): report them. */
static void
report_namespaces(const struct sandbox_spec *spec, struct sandbox_state *st)
{
	static const char *const names[] = { "user", "mnt", "net", "ipc" };

	for (int i = 0; i < 4; i++)
		if (spec->namespaces & (1u << i))
			add_ns(st, names[i]);
	if (spec->namespaces == 0)
		log_warn("no namespaces were made before exec: running in "
			 "the host's mount, net and ipc namespaces");
}

static void
drop_privileges(const struct sandbox_spec *spec)
{
	struct __user_cap_header_struct h = { _LINUX_CAPABILITY_VERSION_3, 0 };
	struct __user_cap_data_struct d[2];

	/* The bounding set goes first: it needs CAP_SETPCAP. What is out
	 * of it already (a zygote's process) stays out. */
	for (int cap = 0; cap <= CAP_LAST_CAP; cap++)
		if (prctl(PR_CAPBSET_READ, cap, 0, 0, 0) == 1 &&
		    prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) != 0 &&
		    geteuid() == 0)
			fatal("PR_CAPBSET_DROP %d: %s", cap, strerror(errno));
	if (geteuid() == 0) {
		if (setgroups(0, NULL) != 0 ||
		    setresgid(spec->gid, spec->gid, spec->gid) != 0 ||
		    setresuid(spec->uid, spec->uid, spec->uid) != 0)
			fatal("dropping to uid %u gid %u: %s",
			    (unsigned)spec->uid, (unsigned)spec->gid,
			    strerror(errno));
		if (setuid(0) == 0)
			fatal("could regain root after dropping it");
	}
	memset(d, 0, sizeof(d));
	if (syscall(SYS_capset, &h, d) != 0)
		fatal("capset: %s", strerror(errno));
}

void
sandbox_early(void)
{
	struct __user_cap_header_struct h = { _LINUX_CAPABILITY_VERSION_3, 0 };
	struct __user_cap_data_struct d[2];
	const uint32_t keep = 1U << CAP_SETUID | 1U << CAP_SETGID |
	    1U << CAP_SETPCAP;

	for (int cap = 0; cap <= CAP_LAST_CAP; cap++)
		if ((cap >= 32 || !(keep & 1U << cap)) &&
		    prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) != 0 &&
		    errno != EINVAL && geteuid() == 0)
			fatal("PR_CAPBSET_DROP %d: %s", cap, strerror(errno));
	memset(d, 0, sizeof(d));
	if (syscall(SYS_capget, &h, d) != 0)
		fatal("capget: %s", strerror(errno));
	d[0].effective &= keep;
	d[0].permitted &= keep;
	d[0].inheritable = 0;
	memset(&d[1], 0, sizeof(d[1]));
	if (syscall(SYS_capset, &h, d) != 0)
		fatal("capset: %s", strerror(errno));
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0)
		fatal("PR_SET_NO_NEW_PRIVS: %s", strerror(errno));
}

static void
set_limits(const struct sandbox_spec *spec, const struct policy *p, uid_t was)
{
	struct rlimit zero = { 0, 0 };
	rlim_t each = 64; /* nng's threads count as tasks */

	/* A thread per connection: bounded by the descriptors. */
	if (p->thread_per_fd && spec->nofile + 32 > each)
		each = spec->nofile + 32;
	/* Per uid: every process of the kind (instances, a replacement, a
	 * standby) counts against one limit. */
	each *= spec->processes > 0 ? spec->processes : 1;
	struct rlimit nproc = { each, each };

	/* Per-uid: only meaningful when the kind has a uid of its own. */
	if (getuid() != was && setrlimit(RLIMIT_NPROC, &nproc) != 0)
		fatal("RLIMIT_NPROC: %s", strerror(errno));
	struct rlimit nofile = { spec->nofile, spec->nofile };

	if (setrlimit(RLIMIT_CORE, &zero) != 0)
		fatal("RLIMIT_CORE: %s", strerror(errno));
	if (spec->nofile > 0 && setrlimit(RLIMIT_NOFILE, &nofile) != 0)
		fatal("RLIMIT_NOFILE %u: %s", spec->nofile, strerror(errno));
	/* Changing credentials cleared the death signal: set it again. */
	if (prctl(PR_SET_PDEATHSIG, SIGKILL) != 0)
		fatal("PR_SET_PDEATHSIG: %s", strerror(errno));
	if (getppid() == 1)
		fatal("the broker is gone");
}

static int
landlock_abi(void)
{
	long abi = syscall(SYS_landlock_create_ruleset, NULL, 0,
	    LANDLOCK_CREATE_RULESET_VERSION);

	return abi < 0 ? 0 : (int)abi;
}

static void
landlock_allow(int rs, const char *path, uint64_t access)
{
	const uint64_t file_rights = LANDLOCK_ACCESS_FS_EXECUTE |
	    LANDLOCK_ACCESS_FS_WRITE_FILE | LANDLOCK_ACCESS_FS_READ_FILE;
	struct landlock_path_beneath_attr pb = { .allowed_access = access };
	struct stat st;

	pb.parent_fd = open(path, O_PATH | O_CLOEXEC);
	if (pb.parent_fd < 0) {
		if (errno == ENOENT)
			return; /* nothing there to allow */
		fatal("landlock: %s: %s", path, strerror(errno));
	}
	/* A rule on a file takes only file rights (else EINVAL). */
	if (fstat(pb.parent_fd, &st) == 0 && !S_ISDIR(st.st_mode))
		pb.allowed_access &= file_rights;
	if (syscall(SYS_landlock_add_rule, rs, LANDLOCK_RULE_PATH_BENEATH, &pb,
		0) != 0)
		fatal("landlock rule %s: %s", path, strerror(errno));
	close(pb.parent_fd);
}

static void
enter_landlock(const struct sandbox_spec *spec, const struct policy *p,
    struct sandbox_state *st)
{
	const uint64_t ro = LANDLOCK_ACCESS_FS_READ_FILE |
	    LANDLOCK_ACCESS_FS_READ_DIR | LANDLOCK_ACCESS_FS_EXECUTE;
	uint64_t all = (LANDLOCK_ACCESS_FS_MAKE_SYM << 1) - 1;
	struct landlock_ruleset_attr attr;
	int abi = landlock_abi(), rs;

	if (abi <= 0)
		return;
	if (abi >= 2)
		all |= LANDLOCK_ACCESS_FS_REFER;
	attr.handled_access_fs = all;
	rs = (int)syscall(SYS_landlock_create_ruleset, &attr, sizeof(attr), 0);
	if (rs < 0)
		fatal("landlock_create_ruleset: %s", strerror(errno));
	for (int i = 0; spec->rw_paths[i] != NULL; i++)
		landlock_allow(rs, spec->rw_paths[i],
		    all & ~(uint64_t)LANDLOCK_ACCESS_FS_EXECUTE);
	for (int i = 0; p->files != NULL && p->files[i] != NULL; i++)
		landlock_allow(rs, p->files[i], ro & ~(uint64_t)
		    LANDLOCK_ACCESS_FS_EXECUTE);
	for (int i = 0; p->nss && base_view[i] != NULL; i++)
		landlock_allow(rs, base_view[i], ro);
	if (p->scratch)
		landlock_allow(rs, SANDBOX_SCRATCH, all & ~(uint64_t)
		    LANDLOCK_ACCESS_FS_EXECUTE);
	if (syscall(SYS_landlock_restrict_self, rs, 0) != 0)
		fatal("landlock_restrict_self: %s", strerror(errno));
	close(rs);
	st->landlock_abi = abi;
}

static int
allow(scmp_filter_ctx ctx, const char *name, unsigned *n)
{
	int nr = seccomp_syscall_resolve_name(name);

	if (nr == __NR_SCMP_ERROR)
		return 0; /* not on this architecture */
	(*n)++;
	return seccomp_rule_add(ctx, SCMP_ACT_ALLOW, nr, 0);
}

/* Calls a library makes that p's kind answers with an errno, never a
 * kill; non-zero when a rule could not be added. */
static int
answer_errnos(scmp_filter_ctx ctx, const struct policy *p)
{
	int rv = 0;

	/* isatty() (GLib's log writer asks it of stderr before a warning
	 * from pango or fontconfig): "not a terminal", for the kinds that
	 * have no ioctl of their own. */
	if (!has_call(p->extra, "ioctl")) {
		rv |= seccomp_rule_add(ctx, SCMP_ACT_ERRNO(ENOTTY),
		    SCMP_SYS(ioctl), 1, SCMP_A1(SCMP_CMP_EQ, TCGETS));
		rv |= seccomp_rule_add(ctx, SCMP_ACT_ERRNO(ENOTTY),
		    SCMP_SYS(ioctl), 1, SCMP_A1(SCMP_CMP_EQ, TIOCGWINSZ));
	}
	if (p->open_eacces) {
		rv |= seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EACCES),
		    SCMP_SYS(openat), 0);
		rv |= seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EACCES),
		    SCMP_SYS(open), 0);
		/* libcups looks for its config files (client.conf...). */
		rv |= seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EACCES),
		    SCMP_SYS(access), 0);
		rv |= seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EACCES),
		    SCMP_SYS(faccessat), 0);
		rv |= seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EACCES),
		    SCMP_SYS(faccessat2), 0);
	}
	return rv;
}

static void
enter_seccomp(const struct sandbox_spec *spec, const struct policy *p,
    struct sandbox_state *st)
{
	uint32_t deflt = spec->mode == SBX_AUDIT ? SCMP_ACT_LOG
						 : SCMP_ACT_KILL_PROCESS;
	scmp_filter_ctx ctx = seccomp_init(deflt);
	unsigned n = 0;
	int rv = 0;

	if (ctx == NULL)
		fatal("seccomp_init failed");
	if (seccomp_attr_set(ctx, SCMP_FLTATR_CTL_TSYNC, 1) != 0)
		fatal("seccomp TSYNC unavailable");
	for (int i = 0; common_calls[i] != NULL; i++)
		rv |= allow(ctx, common_calls[i], &n);
	for (int i = 0; p->extra != NULL && p->extra[i] != NULL; i++)
		rv |= allow(ctx, p->extra[i], &n);
	/* Threads only: clone needs CLONE_THREAD; clone3 hides its flags. */
	rv |= seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(clone), 1,
	    SCMP_A0(SCMP_CMP_MASKED_EQ, CLONE_THREAD, CLONE_THREAD));
	rv |= seccomp_rule_add(ctx, SCMP_ACT_ERRNO(ENOSYS), SCMP_SYS(clone3),
	    0);
	/* nng names its threads; nothing else of prctl is needed. */
	rv |= seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(prctl), 1,
	    SCMP_A0(SCMP_CMP_EQ, PR_SET_NAME));
	/* libcap's constructor (libgs loads it) probes the capability
	 * bounding set: it hears there is none to read. */
	rv |= seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EINVAL), SCMP_SYS(prctl), 1,
	    SCMP_A0(SCMP_CMP_EQ, PR_CAPBSET_READ));
	rv |= seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(socket), 1,
	    SCMP_A0(SCMP_CMP_EQ, AF_UNIX));
	rv |= answer_errnos(ctx, p);
	/* Signals (raise, abort, pthread_kill) to our own threads only. */
	rv |= seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(tgkill), 1,
	    SCMP_A0(SCMP_CMP_EQ, (scmp_datum_t)getpid()));
	n += 5;
	if (p->inet) {
		rv |= seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(socket), 1,
		    SCMP_A0(SCMP_CMP_EQ, AF_INET));
		rv |= seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(socket), 1,
		    SCMP_A0(SCMP_CMP_EQ, AF_INET6));
		/* getaddrinfo sorts several addresses (RFC 3484) by the
		 * host's interface addresses, read over rtnetlink. */
		rv |= seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(socket), 2,
		    SCMP_A0(SCMP_CMP_EQ, AF_NETLINK),
		    SCMP_A2(SCMP_CMP_EQ, NETLINK_ROUTE));
	}
#ifdef SPOOLBOX_SANITIZE
	/* Sanitizer runtimes: widened, never dropped (STYLE). */
	static const char *const san[] = { "sched_getaffinity", "getdents64",
		"open",
		"openat", "readlink", "ioctl", "sigaltstack", NULL };
	for (int i = 0; san[i] != NULL; i++)
		seccomp_rule_add(ctx, SCMP_ACT_ALLOW,
		    seccomp_syscall_resolve_name(san[i]), 0);
#endif
	if (rv != 0)
		fatal("seccomp rules for %s could not be built",
		    kind_name(spec->kind));
	if (seccomp_load(ctx) != 0)
		fatal("seccomp_load failed");
	seccomp_release(ctx);
	snprintf(st->seccomp, sizeof(st->seccomp), "%s",
	    spec->mode == SBX_AUDIT ? "log" : "kill");
	st->syscalls = n;
}

void
sandbox_enter(const struct sandbox_spec *spec, struct sandbox_state *st)
{
	const struct policy *p;

	memset(st, 0, sizeof(*st));
	snprintf(st->seccomp, sizeof(st->seccomp), "off");
	if (spec->kind < 1 || spec->kind >= NPOLICIES)
		fatal("no sandbox policy for kind %d", spec->kind);
	p = &policies[spec->kind];
	if (spec->mode == SBX_OFF) {
		log_warn("sandbox off: %s runs unconfined",
		    kind_name(spec->kind));
		return;
	}
	uid_t was = getuid();

	report_namespaces(spec, st);
	drop_privileges(spec);
	set_limits(spec, p, was);
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0)
		fatal("PR_SET_NO_NEW_PRIVS: %s", strerror(errno));
	enter_landlock(spec, p, st);
	enter_seccomp(spec, p, st);
}
