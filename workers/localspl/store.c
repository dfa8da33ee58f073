/*
 * store: the durable job store in SPOOL/jobs: the records in jobs.db
 * (db.c), each job's data beside it (ID.data as submitted, ID.out
 * converted). A job exists once its record is committed, after its data
 * was synced and the directory too (for the data file's name); files of
 * no job, or of a finished one (a crash between its final record and
 * dropping its data), are swept up after the start, a few per pass.
 * Job ids only go up: blocks of them are committed as used before they
 * are handed out. The file store of earlier versions (ID.rec, seq) is
 * imported at the first start.
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
#include <sys/statvfs.h>
#include <unistd.h>

#include "db.h"
#include "localspl.h"
#include "log.h"
#include "syncer.h"
#include "util.h"

#define ID_BLOCK 256
/* Room held for the records on a full disk: a cancel or a delete must
 * always be written (it frees the job's data after). Released when a
 * write finds the disk full, taken again when there is room. */
#define RESERVE_NAME "space.reserve"
#define RESERVE_SIZE (1 << 20)
#define SPARE_KEEP (64 << 10) /* a spare this small keeps its blocks */

void
store_path(const struct store *s, const struct job *j, const char *ext,
    char *buf, size_t len)
{
	snprintf(buf, len, "%s/%llu.%s", s->dir, (unsigned long long)j->id,
	    ext);
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

/* A fresh stream over the store's directory, from its start. */
static DIR *
store_dir_stream(struct store *s)
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

static struct job *
job_alloc(void)
{
	struct job *j = calloc(1, sizeof(*j));

	if (j == NULL)
		fatal("out of memory");
	j->fd = j->out_fd = j->body_fd = j->src_fd = -1;
	return j;
}

static void
job_link(struct store *s, struct job *j)
{
	j->next = s->jobs;
	s->jobs = j;
}

/* Note a failed write: the transaction is rolled back at the flush and
 * every resident job is written again by the next one. */
static int
db_failed(struct store *s, const char *err)
{
	if (!s->broken)
		log_error("%s", err);
	s->broken = 1;
	errno = EIO; /* what the client hears; the log says which */
	return -1;
}

/* Hold the reserve (after a start, or once a full disk has room again);
 * quietly nothing when there is not room for it. */
static void
reserve_take(struct store *s)
{
	int fd;

	if (s->reserve_held)
		return;
	fd = openat(s->dir_fd, RESERVE_NAME, O_WRONLY | O_CREAT | O_NOFOLLOW |
	    O_CLOEXEC, 0600);
	if (fd < 0)
		return;
	if (fallocate(fd, 0, 0, RESERVE_SIZE) == 0) {
		s->reserve_held = 1;
	} else {
		unlinkat(s->dir_fd, RESERVE_NAME, 0);
	}
	close(fd);
}

int
store_free_space(struct store *s, uint64_t bytes, unsigned permille,
    uint64_t *left, uint64_t *want)
{
	struct statvfs v;

	if ((bytes == 0 && permille == 0) || fstatvfs(s->dir_fd, &v) != 0)
		return 0;
	*left = (uint64_t)v.f_bavail * v.f_frsize;
	*want = bytes != 0 ? bytes
			   : (uint64_t)v.f_blocks * v.f_frsize / 1000 * permille;
	return 1;
}

/* A write failed: if the disk is full, give the reserve back so the
 * write can go through. 1 when there is room now. */
static int
reserve_release(struct store *s)
{
	struct statvfs v;

	if (!s->reserve_held || fstatvfs(s->dir_fd, &v) != 0 ||
	    (uint64_t)v.f_bavail * v.f_frsize >= RESERVE_SIZE)
		return 0;
	if (unlinkat(s->dir_fd, RESERVE_NAME, 0) != 0)
		return 0;
	s->reserve_held = 0;
	log_warn("job store %s: the disk is full: writing into the %d MiB "
		 "held for this", s->dir, RESERVE_SIZE >> 20);
	return 1;
}

/* The open transaction again from memory: a failed write may have rolled
 * it back (SQLite does on a full disk). 0 or -1 (err). */
static int
rewrite(struct store *s, char *err, size_t errlen)
{
	db_rollback(s->db);
	s->broken = 0;
	for (struct job *j = s->jobs; j != NULL; j = j->next)
		if (!j->uploading && (db_begin(s->db, err, errlen) != 0 ||
			db_put(s->db, j, err, errlen) != 0))
			return -1;
	return 0;
}

int
store_save(struct store *s, struct job *j)
{
	char err[512];

	if (j->uploading)
		return 0; /* not a job yet: its commit writes it */
	if (db_begin(s->db, err, sizeof(err)) == 0 &&
	    db_put(s->db, j, err, sizeof(err)) == 0)
		return 0;
	/* A full disk: with the reserve given back, the whole transaction
	 * (j among it, resident or not) once more. */
	if (reserve_release(s) && rewrite(s, err, sizeof(err)) == 0 &&
	    db_put(s->db, j, err, sizeof(err)) == 0)
		return 0;
	return db_failed(s, err);
}

/* Open the job's data file for writing (with O_CREAT for the upload's
 * first bytes), for fsync or to cut it to size. */
static int
data_fd(struct store *s, const struct job *j, int flags)
{
	char name[32];

	snprintf(name, sizeof(name), "%llu.data", (unsigned long long)j->id);
	return openat(s->dir_fd, name, O_WRONLY | O_NOFOLLOW | O_CLOEXEC |
	    flags, 0600);
}

/* Sync items[0..n) at the same time and close them; 0 or -1. The
 * directory's item (full) is the store's own fd, kept open. */
static int
sync_close(struct store *s, struct sync_item *items, size_t n)
{
	int rv = syncer_run(s->syncer, items, n), e = errno;

	for (size_t i = 0; i < n; i++)
		if (items[i].fd != s->dir_fd)
			close(items[i].fd);
	errno = e;
	return rv;
}

/* The data of every job committed in this pass on stable storage, and
 * the directory with their names: the writeback of all of them started
 * first, then all synced at the same time (syncer.c). */
static int
sync_data(struct store *s, char *err, size_t errlen)
{
	struct sync_item items[65];
	int e = 0;
	size_t n = 0;

	items[n++] = (struct sync_item){ s->dir_fd, 1 };
	for (struct job *j = s->jobs; j != NULL && e == 0; j = j->next) {
		if (!j->unsynced)
			continue;
		if (n == sizeof(items) / sizeof(items[0])) {
			if (sync_close(s, items, n) != 0)
				e = errno;
			n = 0;
		}
		if (e == 0 && (items[n].fd = data_fd(s, j, 0)) < 0)
			e = errno;
		else if (e == 0) {
			sync_file_range(items[n].fd, 0, 0,
			    SYNC_FILE_RANGE_WRITE);
			items[n++].full = 0;
		}
	}
	if (sync_close(s, items, n) != 0 && e == 0)
		e = errno;
	if (e != 0)
		return fail_why(err, errlen, "job store %s: %s", s->dir,
		    strerror(e));
	for (struct job *j = s->jobs; j != NULL; j = j->next)
		j->unsynced = 0;
	return 0;
}

int
store_flush(struct store *s, int durable, char *err, size_t errlen)
{
	err[0] = '\0';
	/* What the failed transaction held is still in memory. */
	if (s->broken && rewrite(s, err, errlen) != 0)
		s->broken = 1;
	if (!s->broken && !db_in_tx(s->db) && !s->fresh)
		return 0;
	/* The new jobs' data and their names before the commit, so a
	 * committed job's data is found under its name after a crash. */
	if (!s->broken && s->fresh && sync_data(s, err, errlen) != 0)
		s->broken = 1;
	if (!s->broken && db_commit(s->db, s->reserved, durable || s->fresh,
		err, errlen) == 0) {
		s->fresh = 0;
		reserve_take(s);
		return 0;
	}
	/* A full disk: once more, into the reserve. */
	if (!s->broken && reserve_release(s) && rewrite(s, err, errlen) == 0 &&
	    db_commit(s->db, s->reserved, 1, err, errlen) == 0) {
		s->fresh = 0;
		return 0;
	}
	if (err[0] == '\0')
		snprintf(err, errlen, "job store: the write failed");
	s->broken = 1;
	return -1;
}

/* The jobs left in PROCESSING or PRINTING by a crash (their dispatch is
 * gone with it, which is not the job's fault), collected first: rows are
 * not changed under a running query. */
static int
collect_crashed(void *arg, struct job *j)
{
	struct job **list = arg;

	j->next = *list;
	*list = j;
	return 0;
}

/* The store of an earlier version: one ID.rec per job and a seq file.
 * Its records go into the database once; the files after the commit. */
static int
import_records(struct store *s, char *err, size_t errlen)
{
	uint8_t buf[4096];
	struct dirent *de;
	long n = 0;
	DIR *d;

	if (faccessat(s->dir_fd, "seq", F_OK, 0) != 0)
		return 0;
	if ((d = store_dir_stream(s)) == NULL)
		return fail_why(err, errlen, "job store %s: %s", s->dir,
		    strerror(errno));
	while ((de = readdir(d)) != NULL) {
		const char *dot = strrchr(de->d_name, '.');
		Sb__JobInfo *r;
		struct job j;
		ssize_t got;
		int fd;
		if (dot == NULL || strcmp(dot, ".rec") != 0 ||
		    (fd = openat(s->dir_fd, de->d_name, O_RDONLY |
			O_CLOEXEC)) < 0)
			continue;
		got = read(fd, buf, sizeof(buf));
		close(fd);
		if (got <= 0 || (r = sb__job_info__unpack(NULL, (size_t)got,
				     buf)) == NULL) {
			log_error("job record %s/%s is unreadable; left in "
			    "place", s->dir, de->d_name);
			continue;
		}
		memset(&j, 0, sizeof(j));
		job_from_info(&j, r);
		sb__job_info__free_unpacked(r, NULL);
		if (store_save(s, &j) != 0)
			break;
		n++;
	}
	closedir(d);
	if (store_flush(s, 1, err, errlen) != 0)
		return -1;
	/* Committed: the imported files may go (a crash before this only
	 * makes the next start import them again, to the same rows). */
	if ((d = store_dir_stream(s)) != NULL) {
		while ((de = readdir(d)) != NULL) {
			char *end;
			unsigned long long id = strtoull(de->d_name, &end, 10);
			if (end != de->d_name && strcmp(end, ".rec") == 0 &&
			    db_final(s->db, id) >= 0)
				unlinkat(s->dir_fd, de->d_name, 0);
		}
		closedir(d);
	}
	unlinkat(s->dir_fd, "seq", 0);
	fsync(s->dir_fd);
	log_info("job store: %ld job records of the file store imported into "
	    "%s/jobs.db", n, s->dir);
	return 0;
}

int
store_open(struct store *s, const char *spool_dir, char *err, size_t errlen)
{
	static const int crashed[] = { SB__JOB_STATE__PROCESSING,
		SB__JOB_STATE__PRINTING };
	struct db_filter f = { .states = crashed, .nstates = 2,
		.unfinished = 1 };
	struct job *crashed_jobs = NULL;
	char path[4200];
	long n;

	memset(s, 0, sizeof(*s));
	s->dir_fd = -1;
	err[0] = '\0';
	snprintf(s->dir, sizeof(s->dir), "%s/jobs", spool_dir);
	if (mkdir_p(s->dir, 0700) != 0 ||
	    (s->dir_fd = open(s->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) <
		0)
		return fail_why(err, errlen, "job store %s: %s", s->dir,
		    strerror(errno));
	if ((s->syncer = syncer_new()) == NULL)
		return fail_why(err, errlen, "job store: out of memory");
	snprintf(path, sizeof(path), "%s/jobs.db", s->dir);
	if (db_open(&s->db, path, err, errlen) != 0)
		return -1;
	s->next_id = s->reserved = db_next_id(s->db);
	if (import_records(s, err, errlen) != 0)
		return -1;
	n = db_page(s->db, &f, 0, collect_crashed, &crashed_jobs, err, errlen);
	while (crashed_jobs != NULL) {
		struct job *j = crashed_jobs;
		crashed_jobs = j->next;
		j->state = SB__JOB_STATE__PENDING;
		store_save(s, j);
		free(j);
	}
	if (n < 0 || store_flush(s, 1, err, errlen) != 0)
		return -1;
	s->next_id = s->reserved = db_next_id(s->db);
	s->sweep_below = s->next_id;
	s->sweep = store_dir_stream(s);
	reserve_take(s);
	return 0;
}

void
store_close(struct store *s)
{
	while (s->jobs != NULL)
		store_evict(s, s->jobs);
	syncer_free(s->syncer);
	s->syncer = NULL;
	if (s->sweep != NULL)
		closedir(s->sweep);
	db_close(s->db);
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
store_lookup(struct store *s, uint64_t id)
{
	struct job *j = store_job(s, id);
	char err[512];

	if (j != NULL)
		return j;
	if ((j = db_get(s->db, id, err, sizeof(err))) != NULL)
		store_adopt(s, j);
	else if (err[0] != '\0')
		log_error("%s", err);
	return j;
}

void
store_adopt(struct store *s, struct job *j)
{
	j->fd = j->out_fd = j->body_fd = j->src_fd = -1;
	j->next = NULL;
	job_link(s, j);
}

void
store_evict(struct store *s, struct job *j)
{
	for (struct job **pp = &s->jobs; *pp != NULL; pp = &(*pp)->next) {
		if (*pp == j) {
			*pp = j->next;
			break;
		}
	}
	if (j->fd >= 0)
		close(j->fd);
	if (j->out_fd >= 0)
		close(j->out_fd);
	free(j);
}

struct job *
store_job_new(struct store *s)
{
	struct job *j = job_alloc();

	j->id = s->next_id++;
	if (j->id >= s->reserved) {
		/* Upload ids are handed out before their job is committed:
		 * a block of them is kept with the next commit, so a restart
		 * never hands one out again. */
		s->reserved = j->id + ID_BLOCK;
		s->fresh = 1;
	}
	/* Its data file comes with its first bytes (store_append,
	 * store_copy): a delivery that starts from the client's file does
	 * not wait for the filesystem to find an inode. */
	j->uploading = 1;
	job_link(s, j);
	return j;
}

/* The upload's data file, opened for writing just after the bytes the
 * job has so far; created at its first bytes, from a spare when there is
 * one (see retire_data), whose old bytes are overwritten and cut off by
 * store_data_complete(). */
static int
data_write_fd(struct store *s, struct job *j)
{
	char name[32], spare[32];
	struct stat st;
	int fd, reused = 0;

	snprintf(name, sizeof(name), "%llu.data", (unsigned long long)j->id);
	while (!j->created && !reused && s->nspares > 0) {
		snprintf(spare, sizeof(spare), "%llu.spare",
		    (unsigned long long)s->spares[--s->nspares]);
		reused = renameat2(s->dir_fd, spare, s->dir_fd, name,
		    RENAME_NOREPLACE) == 0;
	}
	if ((fd = data_fd(s, j, O_CREAT)) < 0)
		return -1;
	j->created = 1;
	if (reused) /* unknown: cut it whatever it held */
		j->stale = fstat(fd, &st) == 0 ? (uint64_t)st.st_size
					       : UINT64_MAX;
	if (lseek(fd, (off_t)j->size, SEEK_SET) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

int
store_append(struct store *s, struct job *j, const void *buf, size_t len)
{
	int fd = data_write_fd(s, j), rv;

	if (fd < 0)
		return -1;
	rv = write_all(fd, buf, len);
	if (rv == 0)
		j->size += len;
	close(fd);
	return rv;
}

/* (Starting writeback per piece with sync_file_range was tried: it
 * throttled the copy to the disk's speed and delayed the delivery that
 * overlaps the fsync; bench/large.sh.) */
int
store_copy_fd(int out, int in, uint64_t size)
{
	const uint64_t piece = 16 << 20;
	loff_t off = 0;
	int kernel = 1;

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
	int fd = data_write_fd(s, j), rv;

	if (fd < 0)
		return -1;
	rv = store_copy_fd(fd, in, size);
	if (rv == 0)
		j->size += size;
	close(fd);
	return rv;
}

int
store_data_complete(struct store *s, struct job *j)
{
	int fd, rv;

	if (j->stale <= j->size)
		return 0;
	if ((fd = data_fd(s, j, 0)) < 0)
		return -1;
	rv = ftruncate(fd, (off_t)j->size);
	close(fd);
	if (rv == 0)
		j->stale = 0;
	return rv;
}

int
store_commit(struct store *s, struct job *j)
{
	j->uploading = 0;
	j->unsynced = 1;
	s->fresh = 1;
	return store_save(s, j);
}

void
store_drop_output(struct store *s, struct job *j)
{
	char name[32];

	snprintf(name, sizeof(name), "%llu.out", (unsigned long long)j->id);
	unlinkat(s->dir_fd, name, 0);
}

/* Is id in the pool of spares? */
static int
spare_pooled(const struct store *s, uint64_t id)
{
	for (unsigned i = 0; i < s->nspares; i++)
		if (s->spares[i] == id)
			return 1;
	return 0;
}

/* A data file no job needs (ID.data, or an ID.spare found by the
 * sweep): kept as ID.spare for a new job's data, up to the pool's size,
 * else removed. A new file costs the filesystem an inode to find, which
 * on ext4 without a journal means walking past every inode freed in the
 * last seconds: a spooler that freed one per job printed would make each
 * new job's creation slower. A small spare keeps its blocks too, to be
 * overwritten: freeing them costs as much again where the filesystem
 * discards freed blocks at once (mounted with -o discard: 150 us a file
 * here). A larger one is emptied: it would hold disk space idle. Ids are
 * never reused, so the spare's name is free. 1: kept; 0: removed. */
static int
retire_data(struct store *s, uint64_t id, const char *name)
{
	char spare[32];
	int pooled = spare_pooled(s, id), fd = -1;
	struct stat st;

	snprintf(spare, sizeof(spare), "%llu.spare", (unsigned long long)id);
	if (pooled && strcmp(name, spare) == 0)
		return 1; /* the sweep met one of this process's spares */
	if (!pooled && s->nspares < sizeof(s->spares) / sizeof(s->spares[0]) &&
	    fstatat(s->dir_fd, name, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
	    S_ISREG(st.st_mode) && (st.st_size <= SPARE_KEEP ||
	    (fd = openat(s->dir_fd, name, O_WRONLY | O_TRUNC | O_NOFOLLOW |
	    O_CLOEXEC)) >= 0)) {
		if (fd >= 0)
			close(fd);
		if (strcmp(name, spare) == 0 || renameat2(s->dir_fd, name,
		    s->dir_fd, spare, RENAME_NOREPLACE) == 0) {
			s->spares[s->nspares++] = id;
			return 1;
		}
	}
	unlinkat(s->dir_fd, name, 0);
	return 0;
}

void
store_drop_data(struct store *s, struct job *j)
{
	char name[32];

	snprintf(name, sizeof(name), "%llu.data", (unsigned long long)j->id);
	/* Emptied only when no one reads it: a dispatch still at work
	 * reads it through its own descriptor, which an unlink leaves
	 * whole and a truncation would not. */
	if (j->token == 0 && j->fd < 0 && (!j->uploading || j->created))
		retire_data(s, j->id, name);
	else
		unlinkat(s->dir_fd, name, 0);
	store_drop_output(s, j);
}

void
store_finished(struct store *s, struct job *j)
{
	/* A cancel frees the space at once (what a full disk is mended
	 * with); a completed or aborted job's data stays a while. */
	if (s->preserve_ms == 0 || j->state == SB__JOB_STATE__CANCELED)
		store_drop_data(s, j);
	else
		store_drop_output(s, j);
}

uint64_t
store_drop_preserved(struct store *s)
{
	DIR *d = store_dir_stream(s);
	struct dirent *de;
	struct stat st;
	uint64_t freed = 0, id;
	unsigned n = 0;
	char *ext, sz[32];

	if (d == NULL)
		return 0;
	while ((de = readdir(d)) != NULL) {
		id = strtoull(de->d_name, &ext, 10);
		if (ext == de->d_name || strcmp(ext, ".data") != 0 ||
		    id >= s->next_id || store_job(s, id) != NULL ||
		    db_final(s->db, id) != 1 ||
		    fstatat(s->dir_fd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0 ||
		    unlinkat(s->dir_fd, de->d_name, 0) != 0)
			continue;
		freed += (uint64_t)st.st_blocks * 512;
		n++;
	}
	closedir(d);
	if (n > 0) {
		format_size(freed, sz, sizeof(sz));
		log_info("min_free_space: the kept data of %u finished job(s) "
		    "removed (%s; preserve_job_files yields to new jobs)", n,
		    sz);
	}
	return freed;
}

int
store_has_data(struct store *s, const struct job *j)
{
	char name[32];
	struct stat st;

	snprintf(name, sizeof(name), "%llu.data", (unsigned long long)j->id);
	return fstatat(s->dir_fd, name, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
	    S_ISREG(st.st_mode);
}

int
store_preserve_tick(struct store *s)
{
	uint64_t now = now_mono_ms(), every;

	if (s->preserve_ms == 0)
		return -1;
	/* A tenth of the time kept, between a second and ten minutes. */
	every = s->preserve_ms / 10;
	every = every < 1000 ? 1000 : every > 600000 ? 600000 : every;
	if (now >= s->resweep_at) {
		if (s->sweep == NULL) {
			s->sweep_below = s->next_id;
			s->sweep = store_dir_stream(s);
		}
		s->resweep_at = now + every;
	}
	return (int)(s->resweep_at - now);
}

void
store_job_delete(struct store *s, struct job *j)
{
	char err[512];

	store_drop_data(s, j);
	if (!j->uploading && (db_begin(s->db, err, sizeof(err)) != 0 ||
	    db_delete(s->db, j->id, err, sizeof(err)) != 0))
		db_failed(s, err);
	store_evict(s, j);
}

/* One file of the sweep (ID and the rest of its name, ext): why no job
 * needs it ("" for an earlier process's spare), or NULL when one does. */
static const char *
debris(struct store *s, uint64_t id, const char *ext)
{
	char err[256];
	int final;

	if (strcmp(ext, ".spare") == 0)
		return ""; /* pooled again, or removed */
	if (strcmp(ext, ".tmp") != 0 && strcmp(ext, ".out.tmp") != 0 &&
	    strcmp(ext, ".data") != 0 && strcmp(ext, ".out") != 0)
		return NULL;
	if (id >= s->sweep_below || store_job(s, id) != NULL)
		return NULL; /* an upload of this process, or a job at work */
	if ((final = db_final(s->db, id)) == 0)
		return NULL;
	if (final > 0 && strcmp(ext, ".data") == 0 && s->preserve_ms > 0) {
		struct job *j = db_get(s->db, id, err, sizeof(err));
		int keep = j != NULL && j->finished + (int64_t)s->preserve_ms >
		    now_wall_ms();
		free(j);
		if (keep)
			return NULL; /* preserve_job_files: a restart prints it */
		return "its job finished longer ago than preserve_job_files";
	}
	return final < 0 ? "no job has it" : "its job is finished";
}

int
store_sweep(struct store *s, unsigned budget)
{
	struct dirent *de;

	if (s->sweep == NULL)
		return 0;
	while (budget-- > 0) {
		const char *why;
		char *ext;
		uint64_t id;
		int kept = 0;

		if ((de = readdir(s->sweep)) == NULL) {
			closedir(s->sweep);
			s->sweep = NULL;
			return 0;
		}
		id = strtoull(de->d_name, &ext, 10);
		if (ext == de->d_name || (why = debris(s, id, ext)) == NULL)
			continue;
		if (strcmp(ext, ".data") == 0 || strcmp(ext, ".spare") == 0)
			kept = retire_data(s, id, de->d_name);
		else
			unlinkat(s->dir_fd, de->d_name, 0);
		if (why[0] != '\0')
			log_info("%s %s: %s", kept ? "keeping as a spare"
			    : "removing", de->d_name, why);
	}
	return 1;
}
