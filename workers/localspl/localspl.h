/*
 * localspl internals: the job store (store.c) and the spooler role
 * (localspl.c: messages, scheduling, file: ports).
 */
#ifndef SB_LOCALSPL_H
#define SB_LOCALSPL_H

#include <stdint.h>

#include "chan.h"
#include "worker.h"

struct job {
	/* persisted: see store_save() */
	uint64_t id;
	char queue[65];
	int state;          /* sb.JobState */
	char title[256];
	uint32_t uid;
	char user[64];
	uint64_t size;
	uint32_t copies;
	int datatype;       /* as submitted, AUTO resolved */
	uint32_t priority;
	uint32_t attempts;
	char last_error[256];
	int64_t submitted, finished, next_attempt;
	uint32_t pages;
	char landed[1200];
	int converted;
	uint64_t out_size;
	char filename[256];
	/* runtime only */
	int uploading;      /* data still arriving from the client */
	int fd;             /* data (upload) or the file being read/written */
	int out_fd;         /* conversion output while converting */
	uint64_t token;     /* active dispatch, 0 when none */
	int stage;
	struct job *next;
};

struct store {
	char dir[4096];     /* SPOOL/jobs */
	int dir_fd;
	uint64_t next_id;
	uint64_t reserved;  /* ids below this are on disk as used */
	struct job *jobs;   /* ascending id */
	struct job **tail;
};

int store_open(struct store *s, const char *spool_dir, char *err,
    size_t errlen);
void store_close(struct store *s);
/* A new job with a fresh id, its data file open for writing. */
struct job *store_job_new(struct store *s, char *err, size_t errlen);
/* Data and record on stable storage; the job is acknowledged after. */
int store_commit(struct store *s, struct job *j);
/* Rewrite the record; durable: fsync file and directory too. */
int store_save(struct store *s, struct job *j, int durable);
/* Drop the job's data and output files (record stays for history). */
void store_drop_data(struct store *s, struct job *j);
/* Forget the job entirely (record too) and free it. */
void store_job_delete(struct store *s, struct job *j);
struct job *store_job(struct store *s, uint64_t id);
void store_path(const struct store *s, const struct job *j, const char *ext,
    char *buf, size_t len);
int store_job_final(const struct job *j);

void localspl_run(struct worker *w) __attribute__((noreturn));

#endif
