/*
 * dirs: the directories the broker owns or prepares. The runtime dir
 * (pid file lock, client socket, one channel dir per worker process, the
 * empty dir workers' roots are built on) and the spool and file: queue
 * dirs, made here and handed to localspl's account, since localspl can
 * create nothing outside them.
 * Reports: fatal when a directory cannot be made or reached; a file:
 * directory that cannot be made is logged and its jobs wait.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "broker.h"
#include "log.h"
#include "util.h"

void
dirs_setup(struct broker *b)
{
	char lock[PATH_MAX + 32], pid[32];
	/* Other users reach the client socket only in a system install. */
	unsigned mode = geteuid() == 0 ? 0755 : 0700;

	if (mkdir_p(b->cfg.runtime_dir, mode) != 0)
		fatal("runtime dir %s: %s", b->cfg.runtime_dir,
		    strerror(errno));
	chmod(b->cfg.runtime_dir, mode);
	snprintf(lock, sizeof(lock), "%s/spoolboxd.pid", b->cfg.runtime_dir);
	b->lock_fd = open(lock, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	if (b->lock_fd < 0)
		fatal("%s: %s", lock, strerror(errno));
	if (flock(b->lock_fd, LOCK_EX | LOCK_NB) != 0)
		fatal("another spoolboxd is running on %s", b->cfg.runtime_dir);
	snprintf(pid, sizeof(pid), "%d\n", (int)getpid());
	if (ftruncate(b->lock_fd, 0) != 0 ||
	    write_all(b->lock_fd, pid, strlen(pid)) != 0)
		fatal("%s: %s", lock, strerror(errno));
	/* Worker channels: only the broker (and root) may reach them. */
	snprintf(b->workers_dir, sizeof(b->workers_dir), "%s/workers",
	    b->cfg.runtime_dir);
	if (mkdir_p(b->workers_dir, 0700) != 0)
		fatal("%s: %s", b->workers_dir, strerror(errno));
	chmod(b->workers_dir, 0700);
	snprintf(b->view_root, sizeof(b->view_root), "%s/root",
	    b->cfg.runtime_dir);
	if (mkdir_p(b->view_root, 0700) != 0)
		fatal("%s: %s", b->view_root, strerror(errno));
	if (mkdir_p(b->cfg.spool_dir, 0700) != 0)
		fatal("spool dir %s: %s", b->cfg.spool_dir, strerror(errno));
}

/* chown -R, for the spool handed to localspl's own account. */
static void
chown_tree(const char *path, uid_t uid, gid_t gid)
{
	char sub[PATH_MAX + 256];
	struct dirent *de;
	DIR *d;

	if (lchown(path, uid, gid) != 0)
		log_warn("chown %s: %s", path, strerror(errno));
	if ((d = opendir(path)) == NULL)
		return;
	while ((de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		snprintf(sub, sizeof(sub), "%s/%s", path, de->d_name);
		if (de->d_type == DT_DIR)
			chown_tree(sub, uid, gid);
		else if (lchown(sub, uid, gid) != 0)
			log_warn("chown %s: %s", sub, strerror(errno));
	}
	closedir(d);
}

/* Can localspl's account reach dir? (Checked as that account.) */
static int
reachable_by(const char *dir, uid_t uid, gid_t gid)
{
	int ok;

	if (geteuid() != 0)
		return access(dir, R_OK | W_OK | X_OK) == 0;
	if (setegid(gid) != 0 || seteuid(uid) != 0)
		fatal("seteuid %u: %s", (unsigned)uid, strerror(errno));
	/* AT_EACCESS: as the effective ids just set (access() uses the
	 * real ones). */
	ok = faccessat(AT_FDCWD, dir, R_OK | W_OK | X_OK, AT_EACCESS) == 0 ||
	    errno == EROFS; /* reported by the writes themselves */
	if (seteuid(0) != 0 || setegid(0) != 0)
		fatal("seteuid back to root: %s", strerror(errno));
	return ok;
}

void
dirs_spool(struct broker *b)
{
	const int spl = SB__WORKER_KIND__LOCALSPL;
	uid_t uid = geteuid() == 0 ? b->run_uid[spl] : geteuid();
	gid_t gid = geteuid() == 0 ? b->run_gid[spl] : getegid();
	char path[PATH_MAX + 16];

	snprintf(path, sizeof(path), "%s/jobs", b->cfg.spool_dir);
	if (mkdir_p(path, 0700) != 0)
		fatal("%s: %s", path, strerror(errno));
	if (geteuid() == 0)
		chown_tree(b->cfg.spool_dir, uid, gid);
	if (!reachable_by(path, uid, gid))
		fatal("spool %s is not reachable by localspl's account %s "
		      "(uid %u): a parent directory denies it",
		    b->cfg.spool_dir, b->cfg.users[spl], (unsigned)uid);
	for (size_t i = 0; i < b->cfg.nqueues; i++) {
		const struct sb_queue *q = &b->cfg.queues[i];
		struct sb_uri u;
		char err[256];
		if (uri_kind(q->uri) != SB__WORKER_KIND__LOCALSPL ||
		    uri_parse(q->uri, &u, err, sizeof(err)) != 0)
			continue;
		if (mkdir_p(u.path, 0755) != 0) {
			log_error("file: queue %s: %s: %s", q->name, u.path,
			    strerror(errno));
			continue;
		}
		if (geteuid() == 0 && lchown(u.path, uid, gid) != 0)
			log_warn("chown %s: %s", u.path, strerror(errno));
		if (!reachable_by(u.path, uid, gid))
			log_error("file: queue %s: %s is not reachable by "
				  "localspl's account (uid %u); its jobs will "
				  "wait and retry",
			    q->name, u.path, (unsigned)uid);
	}
}
