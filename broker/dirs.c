/*
 * dirs: the directories the broker owns or prepares, handled as root would
 * handle anything a local user might have touched. A directory is opened
 * only through a walk from / with O_NOFOLLOW at every step (safe_dir):
 * every ancestor must be owned by root or the broker's user and not
 * writable by others (a sticky directory such as /tmp is fine: nobody else
 * can rename or remove what is in it), a symbolic link is followed only
 * where its owner is root or the broker's user, and the directory itself
 * is never a link. Its owner and mode are then set to exactly what this
 * file says, through the fd (fchown, fchmod), never trusted as found; what
 * lies below a directory handed to a worker account is walked with
 * O_NOFOLLOW too. Like OpenSSH's StrictModes.
 *   runtime dir     root 0755 (unprivileged: the user, 0700), with the pid
 *                   file (0644), workers/ (0700) and root/ (0700)
 *   spool dir       the broker's (root) 0755, holding jobs/: localspl's
 *                   account, 0700, every file below chowned to it
 *   file: dirs      localspl's account, 0755; one that others may write
 *                   to is refused unless the queue says shared = yes
 * Reports: a directory that fails, with its path and the reason, as one
 * line: fatal at start, a refused reload after.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "broker.h"
#include "log.h"
#include "util.h"

#define SAFE_CREATE 1    /* make what is missing */
#define SAFE_SHARED 2    /* others may write: leave owner and mode */

/* An owner the broker trusts: root, or the broker's own user. */
static int
trusted(uid_t uid)
{
	return uid == 0 || uid == geteuid();
}

/* May dir (fd, at path) hold something the broker relies on? */
static int
safe_parent(int fd, const char *path, char *why, size_t len)
{
	struct stat st;

	if (fstat(fd, &st) != 0)
		return fail_why(why, len, "%s: %s", path, strerror(errno));
	if (!trusted(st.st_uid))
		return fail_why(why, len, "%s is owned by uid %u, not root",
		    path, (unsigned)st.st_uid);
	if ((st.st_mode & 022) != 0 && !(st.st_mode & S_ISVTX))
		return fail_why(why, len, "%s is writable by others (mode %04o)",
		    path, (unsigned)(st.st_mode & 07777));
	return 0;
}

/* Lexically normal: "/a/b/c", no ".", "..", or empty components. */
static int
normalize(const char *in, char *out, size_t len)
{
	char buf[PATH_MAX], *save = NULL, *c;
	size_t n = 0;

	if (in[0] != '/' || strlen(in) >= sizeof(buf))
		return -1;
	strcpy(buf, in);
	out[0] = '\0';
	for (c = strtok_r(buf, "/", &save); c != NULL;
	    c = strtok_r(NULL, "/", &save)) {
		if (strcmp(c, ".") == 0)
			continue;
		if (strcmp(c, "..") == 0) {
			char *slash = strrchr(out, '/');
			n = slash != NULL ? (size_t)(slash - out) : 0;
			out[n] = '\0';
			continue;
		}
		if (n + 1 + strlen(c) + 1 > len)
			return -1;
		n += (size_t)snprintf(out + n, len - n, "/%s", c);
	}
	if (n == 0)
		snprintf(out, len, "/");
	return 0;
}

/* The symlink name in dir (at path dirpath) points elsewhere: the path
 * to walk instead, "target/rest", into next. */
static int
follow(int dir, const char *dirpath, const char *name, const char *rest,
    char *next, size_t len, char *why, size_t wlen)
{
	char target[PATH_MAX], joined[3 * PATH_MAX];
	struct stat st;
	ssize_t n;

	if (fstatat(dir, name, &st, AT_SYMLINK_NOFOLLOW) != 0 ||
	    (n = readlinkat(dir, name, target, sizeof(target) - 1)) < 0)
		return fail_why(why, wlen, "%s/%s: %s", dirpath, name,
		    strerror(errno));
	target[n] = '\0';
	if (!trusted(st.st_uid))
		return fail_why(why, wlen, "%s/%s is a symbolic link owned by "
		    "uid %u", dirpath, name, (unsigned)st.st_uid);
	snprintf(joined, sizeof(joined), "%s/%s/%s",
	    target[0] == '/' ? "" : dirpath, target, rest);
	if (normalize(joined, next, len) != 0)
		return fail_why(why, wlen, "%s/%s: link target too long", dirpath,
		    name);
	return 0;
}

/* Owner and mode exactly as wanted, through the fd. */
static int
set_owner_mode(int fd, const char *path, uid_t uid, gid_t gid, mode_t mode,
    char *why, size_t len)
{
	struct stat st;
	int owner, perm;

	if (fstat(fd, &st) != 0)
		return fail_why(why, len, "%s: %s", path, strerror(errno));
	owner = st.st_uid != uid || st.st_gid != gid;
	perm = (st.st_mode & 07777) != mode;
	if (!owner && !perm)
		return 0;
	errno = EPERM; /* an O_PATH fd: a directory we may not read */
	if (!(fcntl(fd, F_GETFL) & O_PATH) &&
	    (!owner || fchown(fd, uid, gid) == 0) &&
	    (!perm || fchmod(fd, mode) == 0))
		return 0;
	if (errno == EPERM && geteuid() != 0)
		return fail_why(why, len, "%s is uid %u gid %u mode %04o, not "
		    "uid %u gid %u mode %04o, and spoolboxd (not root) cannot "
		    "change that: make it so (the package's tmpfiles.d does)",
		    path, (unsigned)st.st_uid, (unsigned)st.st_gid,
		    (unsigned)(st.st_mode & 07777), (unsigned)uid, (unsigned)gid,
		    (unsigned)mode);
	return fail_why(why, len, "%s is owned by uid %u and cannot be taken "
	    "over (mode %04o): %s", path, (unsigned)st.st_uid,
	    (unsigned)(st.st_mode & 07777), strerror(errno));
}

/* name in dir, as a directory never reached through a link: made when
 * missing (mode), opened O_NOFOLLOW. */
static int
open_entry(int dir, const char *dirpath, const char *name, mode_t mode,
    int flags, char *why, size_t len)
{
	struct stat st;
	int fd;

	if (fstatat(dir, name, &st, AT_SYMLINK_NOFOLLOW) != 0) {
		if (errno != ENOENT || !(flags & SAFE_CREATE))
			return fail_why(why, len, "%s/%s: %s", dirpath, name,
			    strerror(errno));
		if (mkdirat(dir, name, mode) != 0 && errno != EEXIST)
			return fail_why(why, len, "mkdir %s/%s: %s", dirpath, name,
			    strerror(errno));
	} else if (S_ISLNK(st.st_mode)) {
		return fail_why(why, len, "%s/%s is a symbolic link", dirpath,
		    name);
	}
	fd = openat(dir, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	/* Not root: a worker account's 0700 directory can still be
	 * checked (set_owner_mode), though not read. */
	if (fd < 0 && errno == EACCES)
		fd = openat(dir, name, O_PATH | O_DIRECTORY | O_NOFOLLOW |
		    O_CLOEXEC);
	if (fd < 0)
		return fail_why(why, len, "%s/%s: %s", dirpath, name,
		    errno == ELOOP ? "is a symbolic link" : strerror(errno));
	return fd;
}

/*
 * The walk described in the header: path as an O_DIRECTORY fd whose
 * ancestors are safe and whose owner and mode are uid:gid and mode
 * (unless SAFE_SHARED). -1 with the reason in why.
 */
static int
safe_dir(const char *path, uid_t uid, gid_t gid, mode_t mode, int flags,
    char *why, size_t len)
{
	char walk[PATH_MAX], at[PATH_MAX], next[PATH_MAX];
	int dir = -1, hops = 0;
	char *comp, *rest;

restart:
	if (normalize(path, walk, sizeof(walk)) != 0 || strcmp(walk, "/") == 0)
		return fail_why(why, len, "%s: not a usable directory path", path);
	if (dir >= 0)
		close(dir);
	dir = open("/", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	snprintf(at, sizeof(at), "%s", "");
	for (comp = walk + 1; dir >= 0; comp = rest) {
		struct stat st;
		int fd;
		rest = strchr(comp, '/');
		if (rest != NULL)
			*rest++ = '\0';
		if (safe_parent(dir, at[0] ? at : "/", why, len) != 0)
			goto out;
		if (rest != NULL && fstatat(dir, comp, &st,
					AT_SYMLINK_NOFOLLOW) == 0 &&
		    S_ISLNK(st.st_mode)) {
			if (++hops > 16 || follow(dir, at, comp, rest, next,
					       sizeof(next), why, len) != 0) {
				if (hops > 16)
					fail_why(why, len, "%s: too many links",
					    path);
				goto out;
			}
			path = next;
			goto restart;
		}
		fd = open_entry(dir, at[0] ? at : "", comp,
		    rest != NULL ? 0755 : mode, flags, why, len);
		close(dir);
		dir = fd;
		snprintf(at + strlen(at), sizeof(at) - strlen(at), "/%s", comp);
		if (dir < 0 || rest == NULL)
			break;
	}
	if (dir >= 0 && !(flags & SAFE_SHARED) &&
	    set_owner_mode(dir, at, uid, gid, mode, why, len) != 0)
		goto out;
	return dir;
out:
	if (dir >= 0)
		close(dir);
	return -1;
}

/* name inside the trusted directory fd dir, owner and mode exact. */
static int
sub_dir(int dir, const char *dirpath, const char *name, uid_t uid, gid_t gid,
    mode_t mode, char *why, size_t len)
{
	char path[PATH_MAX + 64];
	int fd;

	snprintf(path, sizeof(path), "%s/%s", dirpath, name);
	fd = open_entry(dir, dirpath, name, mode, SAFE_CREATE, why, len);
	if (fd >= 0 && set_owner_mode(fd, path, uid, gid, mode, why, len) != 0) {
		close(fd);
		return -1;
	}
	return fd;
}

/* The pid file: never through a link, only ours. */
static void
lock_pid_file(struct broker *b, int rt)
{
	char pid[32];
	struct stat st;

	b->lock_fd = openat(rt, "spoolboxd.pid",
	    O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0644);
	if (b->lock_fd < 0 || fstat(b->lock_fd, &st) != 0 ||
	    !S_ISREG(st.st_mode) || st.st_uid != geteuid())
		fatal("%s/spoolboxd.pid: %s", b->cfg.runtime_dir,
		    b->lock_fd < 0 && errno == ELOOP ? "is a symbolic link"
		    : b->lock_fd < 0		       ? strerror(errno)
						       : "not our own file");
	if (flock(b->lock_fd, LOCK_EX | LOCK_NB) != 0)
		fatal("another spoolboxd is running on %s", b->cfg.runtime_dir);
	snprintf(pid, sizeof(pid), "%d\n", (int)getpid());
	if (ftruncate(b->lock_fd, 0) != 0 ||
	    write_all(b->lock_fd, pid, strlen(pid)) != 0)
		fatal("%s/spoolboxd.pid: %s", b->cfg.runtime_dir,
		    strerror(errno));
	fchmod(b->lock_fd, 0644);
}

void
dirs_setup(struct broker *b)
{
	/* Other users reach the client socket only in a system install. */
	mode_t mode = b->accounts != ACC_SHARED ? 0755 : 0700;
	char why[PATH_MAX + 128];
	int rt, fd;

	rt = safe_dir(b->cfg.runtime_dir, geteuid(), getegid(), mode,
	    SAFE_CREATE, why, sizeof(why));
	if (rt < 0)
		fatal("runtime dir refused: %s", why);
	lock_pid_file(b, rt);
	/* Worker channels: only the broker (and root) may reach them. */
	snprintf(b->workers_dir, sizeof(b->workers_dir), "%s/workers",
	    b->cfg.runtime_dir);
	snprintf(b->view_root, sizeof(b->view_root), "%s/root",
	    b->cfg.runtime_dir);
	if ((fd = sub_dir(rt, b->cfg.runtime_dir, "workers", geteuid(),
		 getegid(), 0700, why, sizeof(why))) < 0 ||
	    close(fd) != 0 ||
	    (fd = sub_dir(rt, b->cfg.runtime_dir, "root", geteuid(), getegid(),
		 0700, why, sizeof(why))) < 0 ||
	    close(fd) != 0)
		fatal("runtime dir refused: %s", why);
	close(rt);
}

/* chown -R through fds, never following a link: what lies in a directory
 * a worker account owns is that account's to plant. */
static void
chown_tree(int dir, const char *path, uid_t uid, gid_t gid, int depth)
{
	char sub[PATH_MAX + 256];
	struct dirent *de;
	struct stat st;
	DIR *d;
	int fd;

	if (depth > 8 || (fd = dup(dir)) < 0 || (d = fdopendir(fd)) == NULL)
		return;
	rewinddir(d);
	while ((de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0 ||
		    fstatat(dir, de->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0)
			continue;
		snprintf(sub, sizeof(sub), "%s/%s", path, de->d_name);
		if (S_ISDIR(st.st_mode)) {
			int c = openat(dir, de->d_name, O_RDONLY | O_DIRECTORY |
			    O_NOFOLLOW | O_CLOEXEC);
			if (c >= 0) {
				if (fchown(c, uid, gid) != 0)
					log_warn("chown %s: %s", sub,
					    strerror(errno));
				chown_tree(c, sub, uid, gid, depth + 1);
				close(c);
			}
		} else if (S_ISREG(st.st_mode)) {
			if ((st.st_uid != uid || st.st_gid != gid) &&
			    fchownat(dir, de->d_name, uid, gid,
				AT_SYMLINK_NOFOLLOW) != 0)
				log_warn("chown %s: %s", sub, strerror(errno));
		} else {
			log_warn("%s: not a file or directory; left alone",
			    sub);
		}
	}
	closedir(d);
}

/* A file or directory below dir (depth as chown_tree) that is not
 * uid's, named into out with its owner: 1, or 0 when there is none. */
static int
foreign_entry(int dir, const char *path, uid_t uid, int depth, char *out,
    size_t len)
{
	struct dirent *de;
	struct stat st;
	DIR *d;
	int fd, found = 0;

	if (depth > 8 || (fd = dup(dir)) < 0 || (d = fdopendir(fd)) == NULL)
		return 0;
	rewinddir(d);
	while (!found && (de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0 ||
		    fstatat(dir, de->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0)
			continue;
		if (st.st_uid != uid) {
			snprintf(out, len, "%s/%s (uid %u)", path, de->d_name,
			    (unsigned)st.st_uid);
			found = 1;
		} else if (S_ISDIR(st.st_mode)) {
			char sub[PATH_MAX + 256];
			int c = openat(dir, de->d_name, O_RDONLY | O_DIRECTORY |
			    O_NOFOLLOW | O_CLOEXEC);
			snprintf(sub, sizeof(sub), "%s/%s", path, de->d_name);
			if (c >= 0) {
				found = foreign_entry(c, sub, uid, depth + 1,
				    out, len);
				close(c);
			}
		}
	}
	closedir(d);
	return found;
}

/* Can localspl's account reach dir? (Checked as that account.) */
static int
reachable_by(const struct broker *b, const char *dir, uid_t uid, gid_t gid)
{
	uid_t me = geteuid();
	gid_t meg = getegid();
	int ok;

	if (b->accounts == ACC_SHARED)
		return access(dir, R_OK | W_OK | X_OK) == 0;
	if (setegid(gid) != 0 || seteuid(uid) != 0)
		fatal("seteuid %u: %s", (unsigned)uid, strerror(errno));
	/* AT_EACCESS: as the effective ids just set (access() uses the
	 * real ones). */
	ok = faccessat(AT_FDCWD, dir, R_OK | W_OK | X_OK, AT_EACCESS) == 0 ||
	    errno == EROFS; /* reported by the writes themselves */
	if (seteuid(me) != 0 || setegid(meg) != 0)
		fatal("seteuid back to %u: %s", (unsigned)me, strerror(errno));
	return ok;
}

/* Is name in dir uid's and gid's (absent counts when absent_ok)? */
static int
owned_by(int dir, const char *name, uid_t uid, gid_t gid, int absent_ok)
{
	struct stat st;

	if (fstatat(dir, name, &st, AT_SYMLINK_NOFOLLOW) != 0)
		return absent_ok && errno == ENOENT;
	return st.st_uid == uid && st.st_gid == gid;
}

/* The spool: the broker's, with jobs/ inside localspl's, and everything
 * below jobs/ too (a file: dir may sit beside it). */
static int
spool_dir(const struct broker *b, const struct sb_config *c, uid_t uid,
    gid_t gid, char *why, size_t len)
{
	char jobs[PATH_MAX + 16], found[PATH_MAX + 300];
	int fd, sub, same;

	if ((fd = safe_dir(c->spool_dir, geteuid(), getegid(), 0755,
		 SAFE_CREATE, why, len)) < 0)
		return -1;
	snprintf(jobs, sizeof(jobs), "%s/jobs", c->spool_dir);
	/* Already localspl's, and its database too: what else is in it is
	 * localspl's (it made it), and a store of 100,000 jobs is not
	 * walked at every start. (A directory whose owner was set afresh,
	 * by tmpfiles or an admin, over files of an earlier account is
	 * walked.) */
	same = owned_by(fd, "jobs", uid, gid, 0);
	if ((sub = sub_dir(fd, c->spool_dir, "jobs", uid, gid, 0700, why,
		 len)) < 0) {
		close(fd);
		return -1;
	}
	same = same && owned_by(sub, "jobs.db", uid, gid, 1) &&
	    owned_by(sub, "jobs.db-wal", uid, gid, 1) &&
	    owned_by(sub, "jobs.db-shm", uid, gid, 1);
	if (b->accounts == ACC_ROOT && !same)
		chown_tree(sub, jobs, uid, gid, 0);
	/* Without root the broker cannot adopt what another account left
	 * (a spoolboxd run as root, say): localspl would start and fail
	 * every write ("readonly database"). */
	if (b->accounts != ACC_ROOT && !same &&
	    foreign_entry(sub, jobs, uid, 0, found, sizeof(found))) {
		close(sub);
		close(fd);
		return fail_why(why, len, "spool %s holds files of another "
		    "account, first %s; as root run: chown -R %u:%u %s",
		    c->spool_dir, found, (unsigned)uid, (unsigned)gid, jobs);
	}
	close(sub);
	close(fd);
	if (!reachable_by(b, jobs, uid, gid))
		return fail_why(why, len, "spool %s is not reachable by localspl's "
		    "account %s (uid %u)", c->spool_dir,
		    b->cfg.users[SB__WORKER_KIND__LOCALSPL], (unsigned)uid);
	return 0;
}

/* A file: queue's directory: localspl's, 0755, or a shared drop folder
 * the admin named as such. */
static int
file_dir(const struct broker *b, const struct sb_queue *q, const char *path,
    uid_t uid, gid_t gid, char *why, size_t len)
{
	struct stat st;
	int fd;

	fd = safe_dir(path, uid, gid, 0755, SAFE_CREATE | SAFE_SHARED, why,
	    len);
	if (fd < 0 || fstat(fd, &st) != 0) {
		if (fd >= 0)
			close(fd);
		return fail_why(why, len, "file: queue %s: %s", q->name, why);
	}
	if (q->shared) {
		log_warn("file: queue %s: %s is a shared drop folder (mode "
		    "%04o, uid %u): others may write there", q->name, path,
		    (unsigned)(st.st_mode & 07777), (unsigned)st.st_uid);
	} else if ((st.st_mode & 022) != 0 ||
	    (!trusted(st.st_uid) && st.st_uid != uid)) {
		close(fd);
		return fail_why(why, len, "file: queue %s: %s may be written by "
		    "others (uid %u, mode %04o); say shared = yes for a drop "
		    "folder", q->name, path, (unsigned)st.st_uid,
		    (unsigned)(st.st_mode & 07777));
	} else if (set_owner_mode(fd, path, uid, gid, 0755, why, len) != 0) {
		close(fd);
		return -1;
	}
	close(fd);
	if (!reachable_by(b, path, uid, gid))
		return fail_why(why, len, "file: queue %s: %s is not reachable by "
		    "localspl's account (uid %u)", q->name, path,
		    (unsigned)uid);
	return 0;
}

int
dirs_spool(const struct broker *b, const struct sb_config *c, char *why,
    size_t len)
{
	const int spl = SB__WORKER_KIND__LOCALSPL;
	uid_t uid = b->accounts != ACC_SHARED ? b->run_uid[spl] : geteuid();
	gid_t gid = b->accounts != ACC_SHARED ? b->run_gid[spl] : getegid();

	if (spool_dir(b, c, uid, gid, why, len) != 0)
		return -1;
	for (size_t i = 0; i < c->nqueues; i++) {
		const struct sb_queue *q = &c->queues[i];
		struct sb_uri u;
		char err[256];
		if (uri_kind(q->uri) != SB__WORKER_KIND__LOCALSPL)
			continue;
		if (uri_parse(q->uri, &u, err, sizeof(err)) != 0)
			return fail_why(why, len, "queue %s: %s", q->name, err);
		if (file_dir(b, q, u.path, uid, gid, why, len) != 0)
			return -1;
	}
	return 0;
}
