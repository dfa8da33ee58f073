/*
 * fileport: delivery to file:///DIR queues, done by localspl itself (it
 * is the one worker with a filesystem). Everything happens through the
 * directory's fd: the job's data (converted when the queue needs it) is
 * copied in the kernel into a new temporary that no one else can have
 * planted (O_CREAT | O_EXCL | O_NOFOLLOW, a random name), fsynced and
 * renamed to DIR/job-ID.EXT in the same directory, replacing only our
 * own earlier copy of the job: when that name is taken by anything else
 * — a link a user planted in a shared folder, say — the job lands as
 * job-ID.N.EXT (RENAME_NOREPLACE). A
 * directory others may write to is refused unless the queue says it is a
 * shared drop folder.
 * Reports: the reason of a failed copy, in the job's last error.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config.h"
#include "localspl.h"
#include "util.h"

/* The queue's directory, as an fd; -1 with the job's error set. */
static int
open_dir(struct job *j, const struct queue *q, char *dir, size_t len)
{
	struct sb_uri u;
	struct stat st;
	char err[256];
	int fd;

	if (uri_parse(q->cfg->uri, &u, err, sizeof(err)) != 0) {
		job_set_error(j, "%s", err);
		return -1;
	}
	snprintf(dir, len, "%s", u.path);
	fd = open(u.path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st) != 0) {
		job_set_error(j, "%s: %s", u.path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	if ((st.st_mode & 022) != 0 && !q->cfg->shared) {
		job_set_error(j, "%s may be written by others (mode %04o); "
		    "not a shared queue", u.path,
		    (unsigned)(st.st_mode & 07777));
		close(fd);
		return -1;
	}
	return fd;
}

/* A fresh temporary in dir: its name into tmp; the fd, or -1. */
static int
create_tmp(int dir, uint64_t id, char *tmp, size_t len)
{
	uint32_t r;

	for (int tries = 0; tries < 8; tries++) {
		int fd;
		if (getrandom(&r, sizeof(r), 0) != sizeof(r))
			r = (uint32_t)now_mono_ms() + (uint32_t)tries;
		snprintf(tmp, len, ".job-%llu.%08x.tmp", (unsigned long long)id,
		    r);
		fd = openat(dir, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW |
		    O_CLOEXEC, 0644);
		if (fd >= 0 || errno != EEXIST)
			return fd;
	}
	return -1;
}

/* tmp to job-ID.EXT, or job-ID.N.EXT when that name is taken by anything
 * but our own earlier copy of this job (a delivery cut short by a crash
 * is done again, and replaces it); never replacing anyone else's. The
 * name it got into name. */
static int
rename_free(int dir, const char *tmp, uint64_t id, const char *ext,
    char *name, size_t len)
{
	struct stat st;

	for (int n = 0; n < 16; n++) {
		if (n == 0)
			snprintf(name, len, "job-%llu.%s", (unsigned long long)id,
			    ext);
		else
			snprintf(name, len, "job-%llu.%d.%s",
			    (unsigned long long)id, n, ext);
		if (renameat2(dir, tmp, dir, name, RENAME_NOREPLACE) == 0)
			return 0;
		if (errno != EEXIST)
			return -1;
		if (n == 0 && fstatat(dir, name, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
		    S_ISREG(st.st_mode) && st.st_uid == geteuid() &&
		    renameat(dir, tmp, dir, name) == 0)
			return 0;
	}
	return -1;
}

int
fileport_deliver(struct job *j, const struct queue *q)
{
	int dt = spl_delivered_type(j, q);
	uint64_t size = j->converted ? j->out_size : j->size;
	char dir[1024], tmp[64], name[64];
	loff_t off = 0;
	int dfd, fd;

	if ((dfd = open_dir(j, q, dir, sizeof(dir))) < 0)
		return -1;
	if ((fd = create_tmp(dfd, j->id, tmp, sizeof(tmp))) < 0) {
		job_set_error(j, "%s: %s", dir, strerror(errno));
		close(dfd);
		return -1;
	}
	while ((uint64_t)off < size) {
		ssize_t n = copy_file_range(j->fd, &off, fd, NULL,
		    size - (uint64_t)off, 0);
		if (n <= 0) {
			job_set_error(j, "writing %s/%s: %s", dir, tmp,
			    n == 0 ? "short input" : strerror(errno));
			goto fail;
		}
	}
	if (fsync(fd) != 0 || rename_free(dfd, tmp, j->id, datatype_ext(dt),
				  name, sizeof(name)) != 0) {
		job_set_error(j, "writing %s/job-%llu: %s", dir,
		    (unsigned long long)j->id, strerror(errno));
		goto fail;
	}
	close(fd);
	fsync(dfd);
	close(dfd);
	snprintf(j->landed, sizeof(j->landed), "%s/%s", dir, name);
	return 0;
fail:
	close(fd);
	unlinkat(dfd, tmp, 0);
	close(dfd);
	return -1;
}
