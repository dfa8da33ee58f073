/*
 * config: the spoolbox INI file (DESIGN §7), parsed with inih. Sizes like
 * "64M", durations like "30s". An embedded default (config_load with a NULL
 * path) runs a working spooler in a directory the invoking user owns.
 * Errors come back as "FILE:LINE: reason".
 */
#ifndef SB_CONFIG_H
#define SB_CONFIG_H

#include <limits.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "sandbox.h"
#include "util.h"

#define SB_KINDS 6 /* index 1..5 = sb.WorkerKind */


/* Per worker kind: DESIGN §5. Times in ms; 0 means "off" where noted. */
struct sb_budget {
	uint64_t instances;       /* always running */
	uint64_t max_instances;   /* started when work waits (0: instances) */
	uint64_t memory_budget;   /* private bytes: graceful recycle */
	uint64_t memory_limit;    /* hard: kill (and kernel limit) */
	uint64_t handle_budget;   /* open fds: graceful recycle */
	uint64_t max_jobs;        /* 0: off */
	uint64_t max_lifetime;    /* 0: off */
	uint64_t lifetime_jitter;
	uint64_t max_idle;
	uint64_t standby;         /* a process started ahead per slot, 0|1 */
	uint64_t drain_timeout;
	uint64_t restart_backoff_min;
	uint64_t restart_backoff_max;
	uint64_t crash_limit;
	uint64_t crash_window;
	uint64_t debug_leak_bytes_per_job;   /* fault injection */
	uint64_t debug_leak_handles_per_job; /* fault injection */
	uint64_t debug_crash_on_start;       /* fault injection */
	uint64_t debug_sandbox_violation;    /* fault injection: first N */
};

enum sb_key_type { KEY_COUNT, KEY_SIZE, KEY_TIME };
/* A numeric key of the config: where it goes and its bounds. */
struct sb_budget_key {
	const char *name;
	size_t offset;
	enum sb_key_type type;
	uint64_t max;
	uint64_t min;
};
/* NULL-terminated table of the keys of struct sb_budget. */
extern const struct sb_budget_key config_budget_keys[];
const struct sb_budget_key *config_budget_key(const char *name);
/* Set one key from its text form; 0 or -1 with a reason. */
int config_budget_set(struct sb_budget *b, const char *key, const char *val,
    char *err, size_t errlen);
/* Cross-key checks (limit >= budget, ...); 0 or -1 with a reason. */
int config_budget_check(const struct sb_budget *b, char *err, size_t errlen);
void config_budget_format(const struct sb_budget *b,
    const struct sb_budget_key *k, char *buf, size_t len);

/* A queue's uri may name a pool of this many printers at most. */
#define SB_POOL_MAX 8

/* page_quota = N / PERIOD, job_quota likewise: at most limit pages (or
 * jobs) per user over the last period_ms; limit 0: none. */
struct sb_period_quota {
	uint64_t limit, period_ms;
};

struct sb_queue {
	char name[65];
	char uri[1024];
	int datatype;           /* sb.DataType: RAW, POSTSCRIPT or PDF */
	uint64_t retry_interval;
	uint64_t retry_limit;
	uint64_t max_job_size;     /* bytes; 0: no limit */
	uint64_t max_upload_time;  /* ms an upload may take */
	uint64_t cpu_limit;        /* ms of CPU a document's conversion may
				    * take; 0: no limit */
	uint64_t max_jobs_queued;  /* its unfinished jobs; 0: no limit of */
	uint64_t max_jobs_per_user;   /* its own ([spooler]'s still hold) */
	uint64_t max_bytes_per_user;  /* their bytes (apparent size) */
	uint64_t max_jobs_per_host;   /* network jobs of one address */
	uint64_t max_bytes_per_host;
	uint64_t keep_jobs;           /* finished jobs kept (history) */
	uint64_t keep_days;           /* ... and for how long; 0: no limit */
	struct sb_period_quota page_quota, job_quota; /* its jobs' own */
	char banner_start[16];  /* job_sheets = START[, END]: "" (none), */
	char banner_end[16];    /* standard or classified */
	char classification[64]; /* the label banners and pages carry */
	double cpi, lpi;        /* text layout (0: the default, 10 and 6) */
	unsigned columns;       /* text columns a page (0: 1) */
	double margins[4];      /* top, right, bottom, left: points (0: the
				 * default) */
	int error_policy;       /* sb.ErrorPolicy */
	char paper[16];         /* a4 | letter */
	int landscape;          /* orientation = landscape */
	int shared;             /* file: a drop folder others may write to */
	int tls_required;       /* network clients over ipps:// only */
	int pdf_ignore_permissions; /* print PDFs that forbid printing */
	char ca_file[PATH_MAX]; /* ipps: a private CA, PEM ("": the host's) */
	char pin_sha256[65];    /* ipps: the server certificate's SHA-256 */
	char sides[32];         /* IPP sides ("": the printer's default) */
	char media[64];         /* IPP media ("") */
	char sides_supported[96];  /* sides = LIST: what the printer does */
	char media_supported[256]; /* media = LIST; both comma-separated */
	int color;              /* color = yes */
	char description[256];
	char uuid[48];          /* urn:uuid:..., config_queue_uuids() */
	char allow_users[512];  /* who may print here, by name: local  */
	char allow_groups[512]; /* logins or NAME@ADDRESS; by group;   */
	char deny_users[512];   /* who may not ("": nobody named)      */
	char allow[1024];       /* listener: who may print here ("": the
				 * [listener] allow) */
};

/* [listener] lpd = / ipp = : one listening socket (the broker opens it). */
#define SB_LISTEN_MAX 16
struct sb_listen {
	char proto[4];          /* "lpd" | "ipp" */
	char addr[80];          /* as written */
	struct sockaddr_storage ss;
	socklen_t len;
};

struct sb_config {
	char path[PATH_MAX];    /* "(default)" for the embedded one */
	char spool_dir[PATH_MAX];
	char runtime_dir[PATH_MAX];
	char admin_group[64];
	char default_queue[65];      /* "": none (CUPS-Get-Default) */
	uint64_t sample_interval;
	uint64_t io_timeout;
	uint64_t connect_timeout;     /* reaching a printer, ms */
	uint64_t history_limit;       /* keep_jobs (alias: history) */
	uint64_t keep_days;           /* queue default; 0: no age limit */
	uint64_t history_per_user;    /* finished jobs kept per user */
	uint64_t max_clients;         /* client connections in all */
	uint64_t max_clients_per_user;
	uint64_t max_job_size;        /* queue default; 0: no limit */
	uint64_t max_upload_time;     /* queue default, ms */
	struct sb_period_quota page_quota, job_quota; /* per user, every
						       * queue together */
	int quota_refuse;             /* quota_policy = refuse (else hold) */
	uint64_t max_jobs_queued;     /* every queue together; 0: no limit */
	uint64_t max_jobs_per_user;   /* ... of one owner, in all queues */
	uint64_t max_bytes_per_user;  /* likewise (a queue's own limits are */
	uint64_t max_jobs_per_host;   /* its sb_queue's) */
	uint64_t max_bytes_per_host;
	uint64_t cpu_limit;
	uint64_t preserve_job_files;  /* ms a finished job's data is kept
				       * (restart reprints it); 0: none */
	uint64_t accounting_keep;     /* ms accounting records are kept;
				       * 0: for good */
	uint64_t max_uploads;         /* unfinished uploads in all */
	uint64_t max_uploads_per_user;
	uint64_t min_free_bytes;      /* min_free_space as a size, or... */
	uint64_t min_free_permille;   /* ...as a share of the spool's disk */
	enum sandbox_mode sandbox;
	char kernel_limit[16];  /* auto | cgroup | rlimit | none */
	struct sb_budget workers[SB_KINDS];
	char users[SB_KINDS][33];  /* [worker.KIND] user: the kind's account */
	struct sb_queue *queues;
	size_t nqueues;
	/* [spooler] allowed_prefixes: more places for spool and file: dirs,
	 * each ending in '/'. */
	char allowed[8][256];
	size_t nallowed;
	/* [listener]: none of lpd/ipp set, no listener runs */
	struct sb_listen listen[SB_LISTEN_MAX];
	size_t nlisten;
	char lsn_allow[1024];         /* CIDR list, checked */
	char lsn_metrics_allow[1024]; /* GET /metrics: CIDR list; "": nobody */
	char lsn_console_allow[1024]; /* the web console: CIDR list */
	uint64_t lsn_max_clients;     /* connections at once, in all */
	uint64_t lsn_max_clients_per_host;
	uint64_t lsn_step_timeout;    /* ms for one protocol step */
	int lsn_tls;                  /* TLS_OFF, TLS_ON, TLS_REQUIRED */
	char lsn_tls_cert[PATH_MAX];  /* "": a self-signed pair made at the */
	char lsn_tls_key[PATH_MAX];   /* first start, in SPOOL/tls/ */
	int lsn_auth_basic;           /* auth = basic: HTTP Basic, PAM */
	int lsn_dnssd;                /* dnssd = on: queues advertised */
};

enum { TLS_OFF, TLS_ON, TLS_REQUIRED };
const char *config_tls_name(int tls);

/* Load path, or the embedded default when path is NULL. */
int config_load(struct sb_config *c, const char *path, char *err,
    size_t errlen);
/* The same from text (named name in errors); with dropins_of, the
 * drop-ins beside that file too. For config_load and the fuzz target. */
int config_load_text(struct sb_config *c, const char *name, const char *text,
    const char *dropins_of, char *err, size_t errlen);
void config_free(struct sb_config *c);
/* Is name in list (names separated by commas or blanks)? */
int config_name_listed(const char *list, const char *name);
const struct sb_queue *config_queue(const struct sb_config *c,
    const char *name);

/* The runtime directory used when the config does not name one. */
void config_default_runtime_dir(char *buf, size_t len);

/*
 * localspl's read-write paths (the spool dir, each file: queue's dir)
 * into out, NULL-ended; their number. Its Landlock rules and mount view
 * both come from here.
 */
size_t config_localspl_paths(const struct sb_config *c,
    const char *out[SBX_RW_MAX + 1]);

/* Which worker kind delivers to uri: lpd:// lprmon, ipp(s):// remote,
 * file:// localspl itself; 0 for anything else. The one such rule. */
int uri_kind(const char *uri);

const char *kind_name(int kind);
int kind_from_name(const char *name);
const char *datatype_name(int dt);
int datatype_from_name(const char *name);
/* A file name extension for a job of that datatype ("ps", "pdf"...). */
const char *datatype_ext(int dt);
/* Printer languages and raw data: passed to any printer as they are. */
int datatype_printer_ready(int dt);
/* Does printproc turn from into to? (from == to: nothing to do, 1.) */
int conversion_exists(int from, int to);
/* The MIME types IPP and DNS-SD name (application/octet-stream: detect
 * it); the type one names, -1 for one spoolbox does not know. */
#define DATATYPE_NMIMES 9
int datatype_from_mime(const char *mime);
/* Does a queue of datatype queue_dt take documents of type t? One with
 * a datatype takes what the print processor converts to it and printer
 * languages; a raw one (or one with none) takes anything. */
int datatype_taken(int queue_dt, int t);
/* The MIME types it takes, into out[DATATYPE_NMIMES]; their number. */
size_t datatype_mimes_taken(int queue_dt, const char **out);
/* CUPS' printer-type bits for a queue (lpstat, DNS-SD): a printer, not
 * a class; copies; black and white, and colour when color; two-sided
 * when sides (what it offers) says so. */
int queue_printer_type(const char *sides, int color);
/* The sides a queue offers: its sides = list; else all three for an
 * ipp:// printer (asked for the job's), one-sided for any other (it gets
 * the document as it is: only what the admin says it does itself). */
const char *sides_offered(const char *supported, const char *uri);
/* A stable printer-uuid (urn:uuid:...) for queue on server. */
void queue_uuid(const char *server, const char *queue, char *buf,
    size_t len);
/* Each queue's, on this machine (/etc/machine-id, else the host name):
 * what IPP and DNS-SD call it. */
void config_queue_uuids(struct sb_config *c);
/* A queue name: 1..64 of [A-Za-z0-9._-], not starting with '.' or '-'. */
int config_queue_name_ok(const char *s);


#endif
