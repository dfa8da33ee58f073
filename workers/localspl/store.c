/*
 * store: the durable job store in SPOOL/jobs. Per job: ID.data (as
 * submitted), ID.out (converted, when the queue needs it) and ID.rec (a
 * JobInfo protobuf). A job exists once its record has been renamed into
 * place after fsync of data and record and of the directory; anything else
 * found at start-up (temporaries, data without a record) is debris of an
 * upload that was never acknowledged and is removed. Job ids come from
 * SPOOL/jobs/seq, reserved in blocks so an id is never handed out twice.
 * Reports: I/O errors to the caller, debris removal in the log.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <unistd.h>

#include "localspl.h"
#include "log.h"
#include "util.h"

#define ID_BLOCK 1024

void
store_path(const struct store *s, const struct job *j, const char *ext,
    char *buf, size_t len)
{
	snprintf(buf, len, "%s/%llu.%s", s->dir, (unsigned long long)j->id,
	    ext);
}

int
store_job_final(const struct job *j)
{
	return j->state == SB__JOB_STATE__COMPLETED ||
	    j->state == SB__JOB_STATE__CANCELED ||
	    j->state == SB__JOB_STATE__ABORTED;
}

/* Write a small file durably: temp, fsync, rename, fsync directory. */
static int
write_file_atomic(struct store *s, const char *name, const void *buf,
    size_t len, int durable)
{
	char tmp[64];
	int fd, rv = -1;

	snprintf(tmp, sizeof(tmp), "%s.tmp", name);
	fd = openat(s->dir_fd, tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
	    0600);
	if (fd < 0)
		return -1;
	if (write_all(fd, buf, len) != 0 || (durable && fsync(fd) != 0))
		goto out;
	if (renameat(s->dir_fd, tmp, s->dir_fd, name) != 0)
		goto out;
	if (durable && fsync(s->dir_fd) != 0)
		goto out;
	rv = 0;
out:
	if (rv != 0) {
		int saved = errno;
		unlinkat(s->dir_fd, tmp, 0);
		errno = saved;
	}
	close(fd);
	return rv;
}

int
store_put_state(struct store *s, const char *name, const void *buf,
    size_t len)
{
	return write_file_atomic(s, name, buf, len, 1);
}

uint8_t *
store_get_state(struct store *s, const char *name, size_t *len)
{
	uint8_t *buf = NULL;
	struct stat st;
	int fd = openat(s->dir_fd, name, O_RDONLY | O_CLOEXEC);

	*len = 0;
	if (fd < 0)
		return NULL;
	if (fstat(fd, &st) == 0 && st.st_size < (1 << 20) &&
	    (buf = malloc((size_t)st.st_size + 1)) != NULL &&
	    pread(fd, buf, (size_t)st.st_size, 0) == st.st_size) {
		*len = (size_t)st.st_size;
	} else {
		free(buf);
		buf = NULL;
	}
	close(fd);
	return buf;
}

static int
seq_reserve(struct store *s)
{
	char buf[32];
	int n;

	n = snprintf(buf, sizeof(buf), "%llu\n",
	    (unsigned long long)(s->next_id + ID_BLOCK));
	if (write_file_atomic(s, "seq", buf, (size_t)n, 1) != 0)
		return -1;
	s->reserved = s->next_id + ID_BLOCK;
	return 0;
}

void
store_job_info(const struct job *j, Sb__JobInfo *r)
{
	sb__job_info__init(r);
	r->id = j->id;
	r->queue = (char *)j->queue;
	r->state = j->state;
	r->title = (char *)j->title;
	r->uid = j->uid;
	r->user = (char *)j->user;
	r->size = j->size;
	r->copies = j->copies;
	r->datatype = j->datatype;
	r->priority = j->priority;
	r->attempts = j->attempts;
	r->last_error = (char *)j->last_error;
	r->submitted = j->submitted;
	r->finished = j->finished;
	r->next_attempt = j->next_attempt;
	r->pages = j->pages;
	r->landed = (char *)j->landed;
	r->converted = j->converted;
	r->out_size = j->out_size;
	r->filename = (char *)j->filename;
	r->out_type = j->out_type;
	r->counted = j->counted;
}

static void
copy_str(char *dst, size_t len, const char *src)
{
	snprintf(dst, len, "%s", src != NULL ? src : "");
}

void
store_job_from_info(struct job *j, const Sb__JobInfo *r)
{
	j->id = r->id;
	copy_str(j->queue, sizeof(j->queue), r->queue);
	j->state = r->state;
	copy_str(j->title, sizeof(j->title), r->title);
	j->uid = r->uid;
	copy_str(j->user, sizeof(j->user), r->user);
	j->size = r->size;
	j->copies = r->copies;
	j->datatype = r->datatype;
	j->priority = r->priority;
	j->attempts = r->attempts;
	copy_str(j->last_error, sizeof(j->last_error), r->last_error);
	j->submitted = r->submitted;
	j->finished = r->finished;
	j->next_attempt = r->next_attempt;
	j->pages = r->pages;
	copy_str(j->landed, sizeof(j->landed), r->landed);
	j->converted = r->converted;
	j->out_size = r->out_size;
	copy_str(j->filename, sizeof(j->filename), r->filename);
	j->out_type = r->out_type;
	j->counted = r->counted;
}

int
store_save(struct store *s, struct job *j, int durable)
{
	Sb__JobInfo r;
	uint8_t buf[4096];
	char name[32];
	size_t len;

	store_job_info(j, &r);
	len = sb__job_info__get_packed_size(&r);
	if (len > sizeof(buf)) {
		errno = EOVERFLOW;
		return -1;
	}
	sb__job_info__pack(&r, buf);
	snprintf(name, sizeof(name), "%llu.rec", (unsigned long long)j->id);
	return write_file_atomic(s, name, buf, len, durable);
}

static struct job *
job_alloc(void)
{
	struct job *j = calloc(1, sizeof(*j));

	if (j != NULL) {
		j->fd = -1;
		j->out_fd = -1;
		j->src_fd = -1;
	}
	return j;
}

static void
job_append(struct store *s, struct job *j)
{
	*s->tail = j;
	s->tail = &j->next;
}

/* Read one record; NULL (and logged) when it is unreadable. */
static struct job *
load_record(struct store *s, const char *name)
{
	uint8_t buf[4096];
	Sb__JobInfo *r;
	struct job *j;
	ssize_t n;
	int fd;

	fd = openat(s->dir_fd, name, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return NULL;
	n = read(fd, buf, sizeof(buf));
	close(fd);
	if (n <= 0 || (r = sb__job_info__unpack(NULL, (size_t)n, buf)) ==
		NULL) {
		log_error("job record %s/%s is unreadable; left in place",
		    s->dir, name);
		return NULL;
	}
	if ((j = job_alloc()) == NULL)
		fatal("out of memory");
	store_job_from_info(j, r);
	sb__job_info__free_unpacked(r, NULL);
	return j;
}

static int
cmp_job(const void *a, const void *b)
{
	const struct job *x = *(struct job *const *)a;
	const struct job *y = *(struct job *const *)b;

	return x->id < y->id ? -1 : x->id > y->id;
}

/* A fresh stream over the store's directory, from its start. */
static DIR *
dir_stream(struct store *s)
{
	DIR *d;
	int fd;

	/* Not dup(): that would share the directory's read offset. */
	fd = openat(s->dir_fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return NULL;
	if ((d = fdopendir(fd)) == NULL)
		close(fd);
	return d;
}

/* Records into the list in id order; debris removed. */
static int
load_all(struct store *s)
{
	struct job **v = NULL, *j;
	size_t n = 0, cap = 0;
	struct dirent *de;
	DIR *d;

	if ((d = dir_stream(s)) == NULL)
		return -1;
	while ((de = readdir(d)) != NULL) {
		const char *dot = strrchr(de->d_name, '.');
		if (dot == NULL || de->d_name[0] == '.')
			continue;
		if (strcmp(dot, ".tmp") == 0) {
			unlinkat(s->dir_fd, de->d_name, 0);
			continue;
		}
		if (strcmp(dot, ".rec") != 0)
			continue;
		if ((j = load_record(s, de->d_name)) == NULL)
			continue;
		if (n == cap) {
			cap = cap ? cap * 2 : 64;
			if ((v = realloc(v, cap * sizeof(*v))) == NULL)
				fatal("out of memory");
		}
		v[n++] = j;
	}
	closedir(d);
	if (n > 1)
		qsort(v, n, sizeof(*v), cmp_job);
	for (size_t i = 0; i < n; i++) {
		/* A dispatch cut short by a crash is not the job's fault. */
		if (v[i]->state == SB__JOB_STATE__PROCESSING ||
		    v[i]->state == SB__JOB_STATE__PRINTING)
			v[i]->state = SB__JOB_STATE__PENDING;
		/* Finished, and killed before its data went: it goes now. */
		if (store_job_final(v[i]))
			store_drop_data(s, v[i]);
		if (v[i]->id >= s->next_id)
			s->next_id = v[i]->id + 1;
		job_append(s, v[i]);
	}
	free(v);
	return 0;
}

/* Data files whose job has no record were never acknowledged. */
static void
remove_debris(struct store *s)
{
	struct dirent *de;
	DIR *d;

	if ((d = dir_stream(s)) == NULL)
		return;
	while ((de = readdir(d)) != NULL) {
		char *end;
		unsigned long long id = strtoull(de->d_name, &end, 10);
		if (end == de->d_name ||
		    (strcmp(end, ".data") != 0 && strcmp(end, ".out") != 0))
			continue;
		if (store_job(s, id) != NULL)
			continue;
		log_info("removing %s: upload never acknowledged", de->d_name);
		unlinkat(s->dir_fd, de->d_name, 0);
	}
	closedir(d);
}

int
store_open(struct store *s, const char *spool_dir, char *err, size_t errlen)
{
	char buf[32];
	ssize_t n;
	int fd;

	memset(s, 0, sizeof(*s));
	s->tail = &s->jobs;
	s->next_id = 1;
	snprintf(s->dir, sizeof(s->dir), "%s/jobs", spool_dir);
	if (mkdir_p(s->dir, 0700) != 0 ||
	    (s->dir_fd = open(s->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) <
		0) {
		snprintf(err, errlen, "job store %s: %s", s->dir,
		    strerror(errno));
		return -1;
	}
	if ((fd = openat(s->dir_fd, "seq", O_RDONLY | O_CLOEXEC)) >= 0) {
		n = read(fd, buf, sizeof(buf) - 1);
		close(fd);
		if (n > 0) {
			buf[n] = '\0';
			s->next_id = strtoull(buf, NULL, 10);
		}
	}
	if (s->next_id == 0)
		s->next_id = 1;
	if (load_all(s) != 0 || seq_reserve(s) != 0) {
		snprintf(err, errlen, "job store %s: %s", s->dir,
		    strerror(errno));
		return -1;
	}
	remove_debris(s);
	return 0;
}

void
store_close(struct store *s)
{
	while (s->jobs != NULL) {
		struct job *j = s->jobs;
		s->jobs = j->next;
		if (j->fd >= 0)
			close(j->fd);
		if (j->out_fd >= 0)
			close(j->out_fd);
		free(j);
	}
	if (s->dir_fd >= 0)
		close(s->dir_fd);
}

struct job *
store_job(struct store *s, uint64_t id)
{
	for (struct job *j = s->jobs; j != NULL; j = j->next)
		if (j->id == id)
			return j;
	return NULL;
}

struct job *
store_job_new(struct store *s, char *err, size_t errlen)
{
	char name[32];
	struct job *j;
	int fd;

	if (s->next_id >= s->reserved && seq_reserve(s) != 0) {
		snprintf(err, errlen, "job store: %s", strerror(errno));
		return NULL;
	}
	if ((j = job_alloc()) == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	j->id = s->next_id++;
	snprintf(name, sizeof(name), "%llu.data", (unsigned long long)j->id);
	/* Not held open: an upload costs no fd between its chunks. */
	fd = openat(s->dir_fd, name,
	    O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0) {
		snprintf(err, errlen, "job store: %s", strerror(errno));
		free(j);
		return NULL;
	}
	close(fd);
	j->uploading = 1;
	job_append(s, j);
	return j;
}

/* Open the job's data file for writing (append) or for fsync. */
static int
data_fd(struct store *s, const struct job *j, int flags)
{
	char name[32];

	snprintf(name, sizeof(name), "%llu.data", (unsigned long long)j->id);
	return openat(s->dir_fd, name, O_WRONLY | O_NOFOLLOW | O_CLOEXEC |
	    flags);
}

int
store_append(struct store *s, struct job *j, const void *buf, size_t len)
{
	int fd = data_fd(s, j, O_APPEND), rv;

	if (fd < 0)
		return -1;
	rv = write_all(fd, buf, len);
	if (rv == 0)
		j->size += len;
	close(fd);
	return rv;
}

/* size bytes of in into out at out_off, in the kernel where it can
 * (copy_file_range, else sendfile). (Starting writeback per piece with
 * sync_file_range was tried: it throttled the copy to the disk's speed
 * and delayed the delivery that overlaps the fsync; bench/large.sh.) */
static int
copy_in(int out, loff_t out_off, int in, uint64_t size)
{
	const uint64_t piece = 16 << 20;
	loff_t off = 0;
	int kernel = 1;

	/* Not O_APPEND: copy_file_range refuses it (EBADF). */
	if (lseek(out, out_off, SEEK_SET) != out_off)
		return -1;
	while ((uint64_t)off < size) {
		uint64_t left = size - (uint64_t)off;
		size_t n = left < piece ? left : piece;
		ssize_t got;
		if (kernel)
			got = copy_file_range(in, &off, out, NULL, n, 0);
		else
			got = sendfile(out, in, &off, n);
		if (got < 0 && kernel && (errno == EXDEV || errno == EINVAL ||
		    errno == EOPNOTSUPP || errno == ENOSYS)) {
			kernel = 0; /* another filesystem: sendfile does it */
			continue;
		}
		if (got < 0 && errno == EINTR)
			continue;
		if (got <= 0) {
			if (got == 0)
				errno = EIO; /* shorter than it said */
			return -1;
		}
	}
	return 0;
}

int
store_copy(struct store *s, struct job *j, int in, uint64_t size)
{
	int fd = data_fd(s, j, 0), rv;

	if (fd < 0)
		return -1;
	rv = copy_in(fd, (loff_t)j->size, in, size);
	if (rv == 0)
		j->size += size;
	close(fd);
	return rv;
}

int
store_commit(struct store *s, struct job *j)
{
	int fd = data_fd(s, j, 0), rv;

	if (fd < 0)
		return -1;
	rv = fsync(fd);
	close(fd);
	if (rv != 0)
		return -1;
	j->uploading = 0;
	return store_save(s, j, 1);
}

void
store_drop_output(struct store *s, struct job *j)
{
	char name[32];

	snprintf(name, sizeof(name), "%llu.out", (unsigned long long)j->id);
	unlinkat(s->dir_fd, name, 0);
}

void
store_drop_data(struct store *s, struct job *j)
{
	char name[32];

	snprintf(name, sizeof(name), "%llu.data", (unsigned long long)j->id);
	unlinkat(s->dir_fd, name, 0);
	store_drop_output(s, j);
}

void
store_job_delete(struct store *s, struct job *j)
{
	struct job **pp;
	char name[32];

	store_drop_data(s, j);
	snprintf(name, sizeof(name), "%llu.rec", (unsigned long long)j->id);
	unlinkat(s->dir_fd, name, 0);
	for (pp = &s->jobs; *pp != NULL; pp = &(*pp)->next) {
		if (*pp == j) {
			*pp = j->next;
			if (s->tail == &j->next)
				s->tail = pp;
			break;
		}
	}
	if (j->fd >= 0)
		close(j->fd);
	if (j->out_fd >= 0)
		close(j->out_fd);
	free(j);
}
