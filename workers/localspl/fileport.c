/*
 * fileport: delivery to file:///DIR queues, done by localspl itself (it
 * is the one worker with a filesystem): the job's data (converted when
 * the queue needs it) is copied in the kernel into DIR/job-ID.EXT through
 * a temporary, fsynced and renamed into place.
 * Reports: the reason of a failed copy, in the job's last error.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "localspl.h"
#include "util.h"

int
fileport_deliver(struct job *j, const struct queue *q)
{
	int dt = j->converted ? (int)q->cfg->datatype : j->datatype;
	char tmp[1200], dst[1100];
	uint64_t size = j->converted ? j->out_size : j->size;
	loff_t off = 0;
	struct sb_uri u;
	char err[256];
	int fd;

	if (uri_parse(q->cfg->uri, &u, err, sizeof(err)) != 0) {
		job_set_error(j, "%s", err);
		return -1;
	}
	if (mkdir_p(u.path, 0755) != 0) {
		job_set_error(j, "%s: %s", u.path, strerror(errno));
		return -1;
	}
	snprintf(dst, sizeof(dst), "%s/job-%llu.%s", u.path,
	    (unsigned long long)j->id, datatype_ext(dt));
	snprintf(tmp, sizeof(tmp), "%s.tmp", dst);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0) {
		job_set_error(j, "%s: %s", tmp, strerror(errno));
		return -1;
	}
	while ((uint64_t)off < size) {
		ssize_t n = copy_file_range(j->fd, &off, fd, NULL,
		    size - (uint64_t)off, 0);
		if (n <= 0) {
			job_set_error(j, "writing %s: %s", tmp,
			    n == 0 ? "short input" : strerror(errno));
			goto fail;
		}
	}
	if (fsync(fd) != 0 || rename(tmp, dst) != 0) {
		job_set_error(j, "writing %s: %s", dst, strerror(errno));
		goto fail;
	}
	close(fd);
	fsync_dir(u.path);
	snprintf(j->landed, sizeof(j->landed), "%s", dst);
	return 0;
fail:
	close(fd);
	unlink(tmp);
	return -1;
}
