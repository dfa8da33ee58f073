/*
 * config: INI parsing with inih plus spoolbox's own value checks. The first
 * error stops the load; its message names the file and line.
 */
#define _GNU_SOURCE
#include "config.h"
#include "kind.h"

#include <ctype.h>
#include <errno.h>
#include <glob.h>
#include <libgen.h>
#include <stdarg.h>
#include <ini.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <cups/cups.h>

#include "chan.h"
#include "netaddr.h"
#include "pathpolicy.h"
#include "util.h"

#define CONFIG_MAX (1 << 20)  /* a config file larger than this is refused */

#define B(f) offsetof(struct sb_budget, f)
const struct sb_budget_key config_budget_keys[] = {
	{ "instances", B(instances), KEY_COUNT, 16, 0 },
	{ "max_instances", B(max_instances), KEY_COUNT, 32, 0 },
	{ "memory_budget", B(memory_budget), KEY_SIZE, 1ULL << 40, 0 },
	{ "memory_limit", B(memory_limit), KEY_SIZE, 1ULL << 40, 0 },
	{ "handle_budget", B(handle_budget), KEY_COUNT, 65536, 0 },
	{ "max_jobs", B(max_jobs), KEY_COUNT, UINT32_MAX, 0 },
	{ "max_lifetime", B(max_lifetime), KEY_TIME, 365ULL * 86400000, 0 },
	{ "lifetime_jitter", B(lifetime_jitter), KEY_TIME, 86400000, 0 },
	{ "max_idle", B(max_idle), KEY_TIME, 365ULL * 86400000, 0 },
	{ "standby", B(standby), KEY_COUNT, 1, 0 },
	{ "drain_timeout", B(drain_timeout), KEY_TIME, 3600000, 0 },
	{ "restart_backoff_min", B(restart_backoff_min), KEY_TIME, 3600000, 0 },
	{ "restart_backoff_max", B(restart_backoff_max), KEY_TIME, 3600000, 0 },
	{ "crash_limit", B(crash_limit), KEY_COUNT, 1000000, 0 },
	{ "crash_window", B(crash_window), KEY_TIME, 86400000, 0 },
	{ "debug_leak_bytes_per_job", B(debug_leak_bytes_per_job), KEY_SIZE,
	    1ULL << 30, 0 },
	{ "debug_leak_handles_per_job", B(debug_leak_handles_per_job),
	    KEY_COUNT, 4096, 0 },
	{ "debug_crash_on_start", B(debug_crash_on_start), KEY_COUNT, 1, 0 },
	{ "debug_sandbox_violation", B(debug_sandbox_violation), KEY_COUNT,
	    1000, 0 },
	{ NULL, 0, KEY_COUNT, 0, 0 },
};
#undef B

#define C(f) offsetof(struct sb_config, f)
/* [spooler]'s numeric keys. */
static const struct sb_budget_key spooler_keys[] = {
	{ "sample_interval", C(sample_interval), KEY_TIME, 3600000, 10 },
	{ "io_timeout", C(io_timeout), KEY_TIME, 3600000, 100 },
	{ "connect_timeout", C(connect_timeout), KEY_TIME, 3600000, 100 },
	{ "history", C(history_limit), KEY_COUNT, 100000000, 0 },
	{ "keep_jobs", C(history_limit), KEY_COUNT, 100000000, 0 },
	{ "keep_days", C(keep_days), KEY_COUNT, 36500, 0 },
	{ "history_per_user", C(history_per_user), KEY_COUNT, 10000000, 0 },
	{ "max_clients", C(max_clients), KEY_COUNT, 65536, 8 },
	{ "max_clients_per_user", C(max_clients_per_user), KEY_COUNT, 65536,
	    1 },
	{ "max_job_size", C(max_job_size), KEY_SIZE, 1ULL << 50, 0 },
	{ "max_jobs_queued", C(max_jobs_queued), KEY_COUNT, 1ULL << 40, 0 },
	{ "max_jobs_per_user", C(max_jobs_per_user), KEY_COUNT, 1ULL << 40, 0 },
	{ "max_bytes_per_user", C(max_bytes_per_user), KEY_SIZE, 1ULL << 60, 0 },
	{ "max_jobs_per_host", C(max_jobs_per_host), KEY_COUNT, 1ULL << 40, 0 },
	{ "max_bytes_per_host", C(max_bytes_per_host), KEY_SIZE, 1ULL << 60, 0 },
	{ "max_upload_seconds", C(max_upload_time), KEY_TIME, 86400000, 1000 },
	{ "cpu_limit", C(cpu_limit), KEY_TIME, 86400000, 0 },
	{ "preserve_job_files", C(preserve_job_files), KEY_TIME,
	    366ULL * 86400000, 0 },
	{ "accounting_keep", C(accounting_keep), KEY_TIME,
	    100ULL * 366 * 86400000, 0 },
	{ "max_uploads", C(max_uploads), KEY_COUNT, 4096, 1 },
	{ "max_uploads_per_user", C(max_uploads_per_user), KEY_COUNT, 4096,
	    1 },
	{ NULL, 0, KEY_COUNT, 0, 0 },
};

/* [listener]'s numeric keys. */
static const struct sb_budget_key listener_keys[] = {
	{ "max_clients", C(lsn_max_clients), KEY_COUNT, 4096, 1 },
	{ "max_clients_per_host", C(lsn_max_clients_per_host), KEY_COUNT,
	    4096, 1 },
	{ "step_timeout", C(lsn_step_timeout), KEY_TIME, 3600000, 1000 },
	{ NULL, 0, KEY_COUNT, 0, 0 },
};
#undef C

#define Q(f) offsetof(struct sb_queue, f)
/* [queue.X]'s numeric keys; the size and time limits default to
 * [spooler]'s, the quotas are the queue's own (0: none). */
static const struct sb_budget_key queue_keys[] = {
	{ "retry_interval", Q(retry_interval), KEY_TIME, 86400000, 0 },
	{ "retry_limit", Q(retry_limit), KEY_COUNT, 1000000, 0 },
	{ "max_job_size", Q(max_job_size), KEY_SIZE, 1ULL << 50, 0 },
	{ "max_upload_seconds", Q(max_upload_time), KEY_TIME, 86400000, 1000 },
	{ "cpu_limit", Q(cpu_limit), KEY_TIME, 86400000, 0 },
	{ "max_jobs_queued", Q(max_jobs_queued), KEY_COUNT, 1ULL << 40, 0 },
	{ "max_jobs_per_user", Q(max_jobs_per_user), KEY_COUNT, 1ULL << 40, 0 },
	{ "max_bytes_per_user", Q(max_bytes_per_user), KEY_SIZE, 1ULL << 60, 0 },
	{ "max_jobs_per_host", Q(max_jobs_per_host), KEY_COUNT, 1ULL << 40, 0 },
	{ "max_bytes_per_host", Q(max_bytes_per_host), KEY_SIZE, 1ULL << 60, 0 },
	{ "keep_jobs", Q(keep_jobs), KEY_COUNT, 100000000, 0 },
	{ "keep_days", Q(keep_days), KEY_COUNT, 36500, 0 },
	{ NULL, 0, KEY_COUNT, 0, 0 },
};
#undef Q

static const struct sb_budget_key *key_find(const struct sb_budget_key *table,
    const char *name);

static const char *const dt_names[] = { "none", "raw", "text", "auto",
	"postscript", "pdf", "pcl", "pwg-raster", "urf", "png", "jpeg" };
static const char *const dt_exts[] = { "prn", "prn", "txt", "prn", "ps",
	"pdf", "pcl", "pwg", "urf", "png", "jpg" };

const char *
datatype_ext(int dt)
{
	return dt >= 0 && dt <= SB__DATA_TYPE__JPEG ? dt_exts[dt] : "prn";
}

int
uri_kind(const char *uri)
{
	/* AppSocket is a TCP stream to a printer, as LPD is: the same
	 * privileges (connect out, no files), so the same worker. */
	if (strncmp(uri, "lpd://", 6) == 0 || strncmp(uri, "socket://", 9) == 0)
		return SB__WORKER_KIND__LPRMON;
	if (strncmp(uri, "ipp://", 6) == 0 || strncmp(uri, "ipps://", 7) == 0)
		return SB__WORKER_KIND__REMOTE;
	if (strncmp(uri, "file://", 7) == 0)
		return SB__WORKER_KIND__LOCALSPL;
	return 0;
}

size_t
config_localspl_paths(const struct sb_config *c,
    const char *out[SBX_RW_MAX + 1])
{
	size_t n = 0;

	out[n++] = c->spool_dir;
	for (size_t i = 0; i < c->nqueues && n < SBX_RW_MAX; i++)
		if (uri_kind(c->queues[i].uri) == SB__WORKER_KIND__LOCALSPL)
			out[n++] = c->queues[i].uri + strlen("file://");
	out[n] = NULL;
	return n;
}

const char *
datatype_name(int dt)
{
	return dt >= 0 && dt <= SB__DATA_TYPE__JPEG ? dt_names[dt] : "?";
}

int
datatype_printer_ready(int dt)
{
	return dt == SB__DATA_TYPE__RAW || dt == SB__DATA_TYPE__PCL ||
	    dt == SB__DATA_TYPE__PWG_RASTER || dt == SB__DATA_TYPE__URF;
}

int
conversion_exists(int from, int to)
{
	switch (from) {
	case SB__DATA_TYPE__TEXT:
		return to == from || to == SB__DATA_TYPE__PDF ||
		    to == SB__DATA_TYPE__POSTSCRIPT;
	case SB__DATA_TYPE__PNG:
	case SB__DATA_TYPE__JPEG:
		return to == from || to == SB__DATA_TYPE__PDF ||
		    to == SB__DATA_TYPE__POSTSCRIPT;
	case SB__DATA_TYPE__PDF:
		return to == from || to == SB__DATA_TYPE__POSTSCRIPT;
	case SB__DATA_TYPE__POSTSCRIPT:
		return to == from || to == SB__DATA_TYPE__PDF;
	default:
		return to == from;
	}
}

/* MIME types and what spoolbox calls them (AUTO: detected), in the
 * order IPP lists them. */
static const struct {
	const char *mime;
	int type;
} mimes[] = {
	{ "application/octet-stream", SB__DATA_TYPE__AUTO },
	{ "application/pdf", SB__DATA_TYPE__PDF },
	{ "application/postscript", SB__DATA_TYPE__POSTSCRIPT },
	{ "text/plain", SB__DATA_TYPE__TEXT },
	{ "image/jpeg", SB__DATA_TYPE__JPEG },
	{ "image/png", SB__DATA_TYPE__PNG },
	{ "application/vnd.hp-pcl", SB__DATA_TYPE__PCL },
	{ "image/pwg-raster", SB__DATA_TYPE__PWG_RASTER },
	{ "image/urf", SB__DATA_TYPE__URF },
};
_Static_assert(sizeof(mimes) / sizeof(mimes[0]) == DATATYPE_NMIMES,
    "DATATYPE_NMIMES is the number of MIME types");

int
datatype_from_mime(const char *mime)
{
	for (size_t i = 0; i < DATATYPE_NMIMES; i++)
		if (strcasecmp(mime, mimes[i].mime) == 0)
			return mimes[i].type;
	return -1;
}

int
datatype_taken(int queue_dt, int t)
{
	if (t == SB__DATA_TYPE__AUTO || queue_dt == SB__DATA_TYPE__RAW ||
	    queue_dt == SB__DATA_TYPE__DT_NONE)
		return 1;
	return conversion_exists(t, queue_dt) || datatype_printer_ready(t);
}

size_t
datatype_mimes_taken(int queue_dt, const char **out)
{
	size_t n = 0;

	for (size_t i = 0; i < DATATYPE_NMIMES; i++)
		if (datatype_taken(queue_dt, mimes[i].type))
			out[n++] = mimes[i].mime;
	return n;
}

const char *
sides_offered(const char *supported, const char *uri)
{
	if (supported[0] != '\0')
		return supported;
	return uri_kind(uri) == SB__WORKER_KIND__REMOTE
	    ? "one-sided,two-sided-long-edge,two-sided-short-edge"
	    : "one-sided";
}

int
queue_printer_type(const char *sides, int color)
{
	return CUPS_PRINTER_BW | CUPS_PRINTER_COPIES |
	    (color ? CUPS_PRINTER_COLOR : 0) |
	    (sides != NULL && strstr(sides, "two-sided") != NULL
		    ? CUPS_PRINTER_DUPLEX
		    : 0);
}

void
queue_uuid(const char *server, const char *queue, char *buf, size_t len)
{
	uint64_t h[2] = { 1469598103934665603ULL, 1099511628211ULL * 7 };
	const char *parts[] = { "spoolbox", server, queue };

	/* FNV-1a of both, twice, laid out as a UUID. */
	for (int k = 0; k < 2; k++)
		for (size_t i = 0; i < 3; i++)
			for (const char *p = parts[i]; *p; p++) {
				h[k] ^= (unsigned char)*p + (unsigned)k;
				h[k] *= 1099511628211ULL;
			}
	snprintf(buf, len, "urn:uuid:%08x-%04x-5%03x-%04x-%012llx",
	    (unsigned)(h[0] >> 32), (unsigned)(h[0] >> 16) & 0xffff,
	    (unsigned)h[0] & 0xfff, 0x8000 | ((unsigned)(h[1] >> 48) & 0x3fff),
	    (unsigned long long)(h[1] & 0xffffffffffffULL));
}

void
config_queue_uuids(struct sb_config *c)
{
	char id[128] = "";
	FILE *f = fopen("/etc/machine-id", "re");

	if (f == NULL || fgets(id, sizeof(id), f) == NULL || id[0] == '\n')
		gethostname(id, sizeof(id) - 1);
	if (f != NULL)
		fclose(f);
	id[strcspn(id, "\n")] = '\0';
	for (size_t i = 0; i < c->nqueues; i++)
		queue_uuid(id, c->queues[i].name, c->queues[i].uuid,
		    sizeof(c->queues[i].uuid));
}

/* A list of words, each one ok() takes, into buf (comma-separated, no
 * spaces), its first into first: 0, or -1 naming the bad word in err. */
static int
word_list(const char *val, int (*ok)(const char *), char *buf, size_t len,
    char *first, size_t firstlen, char *bad, size_t badlen)
{
	char copy[512], *w, *save = NULL;
	size_t used = 0;

	snprintf(copy, sizeof(copy), "%s", val);
	buf[0] = first[0] = '\0';
	for (w = strtok_r(copy, ", \t", &save); w != NULL;
	    w = strtok_r(NULL, ", \t", &save)) {
		int n;
		if (!ok(w) || list_has(buf, w) ||
		    (n = snprintf(buf + used, len - used, "%s%s",
			 used ? "," : "", w)) < 0 ||
		    (size_t)n >= len - used) {
			snprintf(bad, badlen, "%s", w);
			return -1;
		}
		used += (size_t)n;
		if (first[0] == '\0')
			snprintf(first, firstlen, "%s", w);
	}
	if (buf[0] == '\0') {
		snprintf(bad, badlen, "%s", "(none)");
		return -1;
	}
	return 0;
}

static int
sides_ok(const char *w)
{
	return strcmp(w, "one-sided") == 0 ||
	    strcmp(w, "two-sided-long-edge") == 0 ||
	    strcmp(w, "two-sided-short-edge") == 0;
}

static int
media_ok(const char *w)
{
	return media_pwg(w) != NULL && strcmp(media_pwg(w), w) == 0;
}

int
datatype_from_name(const char *name)
{
	for (int i = 1; i <= SB__DATA_TYPE__JPEG; i++)
		if (strcasecmp(name, dt_names[i]) == 0)
			return i;
	return 0;
}

const struct sb_budget_key *
config_budget_key(const char *name)
{
	return key_find(config_budget_keys, name);
}

/* One numeric key of a table: parse val by the key's type into base. */
static int
key_set(const struct sb_budget_key *k, void *base, const char *val,
    char *err, size_t errlen)
{
	uint64_t v;
	int rv;

	switch (k->type) {
	case KEY_SIZE:
		rv = parse_size(val, &v);
		break;
	case KEY_TIME:
		rv = parse_duration_ms(val, &v);
		break;
	default:
		rv = parse_uint(val, UINT64_MAX, &v);
		break;
	}
	if (rv != 0 || v > k->max || v < k->min) {
		snprintf(err, errlen, "bad %s '%s'", k->name, val);
		return -1;
	}
	*(uint64_t *)((char *)base + k->offset) = v;
	return 0;
}

static const struct sb_budget_key *
key_find(const struct sb_budget_key *table, const char *name)
{
	for (const struct sb_budget_key *k = table; k->name; k++)
		if (strcmp(k->name, name) == 0)
			return k;
	return NULL;
}

int
config_budget_set(struct sb_budget *b, const char *key, const char *val,
    char *err, size_t errlen)
{
	const struct sb_budget_key *k = config_budget_key(key);

	if (k == NULL) {
		snprintf(err, errlen, "unknown worker key '%s'", key);
		return -1;
	}
	return key_set(k, b, val, err, errlen);
}

int
config_budget_check(const struct sb_budget *b, char *err, size_t errlen)
{
	if (b->instances < 1) {
		snprintf(err, errlen, "instances must be at least 1");
		return -1;
	}
	if (b->max_instances != 0 && b->max_instances < b->instances) {
		snprintf(err, errlen, "max_instances is below instances");
		return -1;
	}
	if (b->memory_limit != 0 && b->memory_limit < b->memory_budget) {
		snprintf(err, errlen, "memory_limit is below memory_budget");
		return -1;
	}
	if (b->restart_backoff_max < b->restart_backoff_min) {
		snprintf(err, errlen,
		    "restart_backoff_max is below restart_backoff_min");
		return -1;
	}
	return 0;
}

void
config_budget_format(const struct sb_budget *b,
    const struct sb_budget_key *k, char *buf, size_t len)
{
	uint64_t v = *(const uint64_t *)((const char *)b + k->offset);

	if (k->type == KEY_SIZE)
		format_size(v, buf, len);
	else if (k->type == KEY_TIME)
		snprintf(buf, len, "%llums", (unsigned long long)v);
	else
		snprintf(buf, len, "%llu", (unsigned long long)v);
}

/* A kind's defaults: its row in lib/kind.c. */
static void
budget_defaults(struct sb_budget *b, int kind)
{
	*b = kind_info(kind)->defaults;
	/* Conversions run side by side, one per CPU (at least two): one
	 * user's slow document holds one print processor, not all. */
	if (kind == SB__WORKER_KIND__PRINTPROC) {
		long n = sysconf(_SC_NPROCESSORS_ONLN);
		b->max_instances = n > 2 ? (uint64_t)n : 2;
	}
#ifdef SPOOLBOX_SANITIZE
	/* ASan's shadow memory and quarantine: ~20-40 MiB per process. */
	b->memory_budget += 64 << 20;
#endif
	b->memory_limit = 4 * b->memory_budget;
}

/* Where a path-valued key was set, for errors found after parsing. */
struct key_line {
	char section[80];
	char key[16];
	int line;
	char file[PATH_MAX]; /* the main file or a drop-in */
};

struct parse_ctx {
	struct sb_config *c;
	const char *file;   /* being read: the main file or a drop-in */
	char err[512];
	struct sb_queue *q; /* the [queue.X] section being read */
	int file_queues;    /* file: queues so far */
	struct key_line *lines;
	size_t nlines;
};

static int set_err(struct parse_ctx *p, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static int
set_err(struct parse_ctx *p, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(p->err, sizeof(p->err), fmt, ap);
	va_end(ap);
	return 0; /* inih: 0 = error on this line */
}

/* "/data, /srv/print/": each normalized to end in '/'. */
static int
allowed_prefixes(struct parse_ctx *p, const char *val)
{
	struct sb_config *c = p->c;
	char buf[1024], *save = NULL, *t, why[256];
	size_t n = 0;

	snprintf(buf, sizeof(buf), "%s", val);
	for (t = strtok_r(buf, ", \t", &save); t != NULL;
	    t = strtok_r(NULL, ", \t", &save)) {
		size_t l = strlen(t);
		if (n == 8 || l + 2 > sizeof(c->allowed[0]))
			return set_err(p, "allowed_prefixes: at most 8, each "
			    "shorter than 254");
		if (l > 1 && t[l - 1] == '/')
			t[--l] = '\0';
		/* A prefix is itself a directory that may hold data dirs. */
		if (pathpolicy_check(t, PATH_DATA, (const char *[]){ "/", NULL },
			why, sizeof(why)) != 0)
			return set_err(p, "allowed_prefixes: %s", why);
		snprintf(c->allowed[n], sizeof(c->allowed[n]), "%s/", t);
		n++;
	}
	c->nallowed = n;
	return 1;
}

/* min_free_space: a size ("64M") or a share of the spool's filesystem
 * ("5%", "0.5%"); 0 turns the reserve off. */
static int
free_space_key(struct parse_ctx *p, const char *val)
{
	size_t n = strlen(val);
	char *end;

	if (n > 1 && val[n - 1] == '%') {
		double pc = strtod(val, &end);
		if (end != val + n - 1 || !(pc >= 0 && pc <= 50))
			return set_err(p, "bad min_free_space '%s' (a size, or "
			    "0-50%%)", val);
		p->c->min_free_permille = (uint64_t)(pc * 10 + 0.5);
		p->c->min_free_bytes = 0;
		return 1;
	}
	if (parse_size(val, &p->c->min_free_bytes) != 0)
		return set_err(p, "bad min_free_space '%s' (a size, or 0-50%%)",
		    val);
	p->c->min_free_permille = 0;
	return 1;
}

/* uri = A, B, ...: a pool, several printers of any network kind that
 * take the queue's jobs in turn (file: is localspl's own, never in
 * one); stored comma-separated without spaces. 1, or 0 with p->err. */
static int
pool_uri(struct parse_ctx *p, struct sb_queue *q, const char *val)
{
	char copy[1024], *m, *save = NULL, why[256];
	struct sb_uri u;
	size_t n = 0;

	snprintf(copy, sizeof(copy), "%s", val);
	q->uri[0] = '\0';
	for (m = strtok_r(copy, ", \t", &save); m != NULL;
	    m = strtok_r(NULL, ", \t", &save)) {
		if (uri_parse(m, &u, why, sizeof(why)) != 0)
			return set_err(p, "%s", why);
		if (uri_kind(m) == SB__WORKER_KIND__LOCALSPL)
			return set_err(p, "a pool takes network printers "
			    "(lpd, socket, ipp, ipps), not '%s'", m);
		if (++n > SB_POOL_MAX)
			return set_err(p, "a pool of more than %d printers",
			    SB_POOL_MAX);
		snprintf(q->uri + strlen(q->uri), sizeof(q->uri) -
		    strlen(q->uri), "%s%s", n > 1 ? "," : "", m);
	}
	if (n < 2)
		return set_err(p, "bad uri '%s' (a pool names two or more "
		    "printers, comma-separated)", val);
	return 1;
}

/* job_sheets = START[, END], each none | standard | classified (CUPS'
 * job-sheets): 1, or 0 with p->err. */
static int
job_sheets_key(struct parse_ctx *p, struct sb_queue *q, const char *val)
{
	char a[32] = "", b[32] = "";
	char *dst[2] = { q->banner_start, q->banner_end };
	const char *v[2] = { a, b };
	int n = sscanf(val, " %31[a-z] , %31[a-z]", a, b);

	if (n < 1)
		return set_err(p, "bad job_sheets '%s' (none|standard|"
		    "classified, optionally a second for the end)", val);
	for (int i = 0; i < 2; i++) {
		if (i == 1 && n < 2) {
			dst[1][0] = '\0';
			break;
		}
		if (strcmp(v[i], "none") != 0 && strcmp(v[i], "standard") != 0 &&
		    strcmp(v[i], "classified") != 0)
			return set_err(p, "bad job_sheets '%s' (none|standard|"
			    "classified)", v[i]);
		snprintf(dst[i], 16, "%s", strcmp(v[i], "none") ? v[i] : "");
	}
	return 1;
}

/* uri = URI, or a pool: 1, or 0 with p->err. */
static int
uri_key(struct parse_ctx *p, struct sb_queue *q, const char *val)
{
	char uerr[256];
	struct sb_uri u;

	if (strlen(val) >= sizeof(q->uri))
		return set_err(p, "uri too long");
	if (strchr(val, ',') != NULL)
		return pool_uri(p, q, val);
	if (uri_parse(val, &u, uerr, sizeof(uerr)) != 0)
		return set_err(p, "%s", uerr);
	if (uri_kind(val) == SB__WORKER_KIND__LOCALSPL &&
	    uri_kind(q->uri) != SB__WORKER_KIND__LOCALSPL &&
	    ++p->file_queues > SBX_RW_MAX - 1)
		return set_err(p, "more than %d file: queues (the spool dir "
		    "and each file: dir make localspl's view, at most %d "
		    "paths)", SBX_RW_MAX - 1, SBX_RW_MAX);
	strcpy(q->uri, val);
	return 1;
}

/* page_quota / job_quota = N / PERIOD ("500 / 30d"): 1 when key is one
 * and val is good, 0 (p->err set) when val is bad, -1 when key is not
 * one. */
static int
period_quota_key(struct parse_ctx *p, const char *key, const char *val,
    struct sb_period_quota *pages, struct sb_period_quota *jobs)
{
	struct sb_period_quota *q = strcmp(key, "page_quota") == 0 ? pages
	    : strcmp(key, "job_quota") == 0			   ? jobs
								   : NULL;
	char n[32], per[32];

	if (q == NULL)
		return -1;
	if (sscanf(val, "%31[0-9] / %31s", n, per) != 2 ||
	    parse_uint(n, 1ULL << 40, &q->limit) != 0 ||
	    parse_duration_ms(per, &q->period_ms) != 0 || q->period_ms == 0)
		return set_err(p, "bad %s '%s' (N / PERIOD, e.g. 500 / 30d; "
		    "0 / 1d: none)", key, val);
	return 1;
}

static int
spooler_key(struct parse_ctx *p, const char *key, const char *val)
{
	const struct sb_budget_key *k;
	struct sb_config *c = p->c;

	if (strcmp(key, "spool_dir") == 0 || strcmp(key, "runtime_dir") == 0) {
		char *dst = key[0] == 's' ? c->spool_dir : c->runtime_dir;
		if (val[0] != '/' || strlen(val) >= PATH_MAX - 64)
			return set_err(p, "%s must be an absolute path: '%s'",
			    key, val);
		strcpy(dst, val);
	} else if (strcmp(key, "admin_group") == 0) {
		if (strlen(val) >= sizeof(c->admin_group))
			return set_err(p, "%s too long: '%s'", key, val);
		strcpy(c->admin_group, val);
	} else if (strcmp(key, "default_queue") == 0) {
		if (strlen(val) >= sizeof(c->default_queue))
			return set_err(p, "%s too long: '%s'", key, val);
		strcpy(c->default_queue, val);
	} else if ((k = key_find(spooler_keys, key)) != NULL) {
		return key_set(k, c, val, p->err, sizeof(p->err)) == 0;
	} else if (strcmp(key, "allowed_prefixes") == 0) {
		return allowed_prefixes(p, val);
	} else if (strcmp(key, "min_free_space") == 0) {
		return free_space_key(p, val);
	} else if (strcmp(key, "page_quota") == 0 ||
	    strcmp(key, "job_quota") == 0) {
		return period_quota_key(p, key, val, &c->page_quota,
		    &c->job_quota);
	} else if (strcmp(key, "quota_policy") == 0) {
		if (strcmp(val, "hold") != 0 && strcmp(val, "refuse") != 0)
			return set_err(p, "bad %s '%s' (hold|refuse)", key, val);
		c->quota_refuse = strcmp(val, "refuse") == 0;
	} else if (strcmp(key, "kernel_limit") == 0) {
		if (strcmp(val, "auto") != 0 && strcmp(val, "cgroup") != 0 &&
		    strcmp(val, "rlimit") != 0 && strcmp(val, "none") != 0)
			return set_err(p, "bad %s '%s' "
			    "(auto|cgroup|rlimit|none)", key, val);
		strcpy(c->kernel_limit, val);
	} else if (strcmp(key, "sandbox") == 0) {
		int m = sandbox_mode_from_name(val);
		if (m < 0)
			return set_err(p, "bad %s '%s' (enforce|audit|off)",
			    key, val);
		c->sandbox = (enum sandbox_mode)m;
	} else {
		return set_err(p, "unknown key '%s' in [spooler]", key);
	}
	return 1;
}

/* 64 hex digits (colons between pairs allowed, as openssl prints) into
 * out[65], lower case and without the colons. */
static int
hex_digest(const char *v, char *out)
{
	size_t n = 0;

	for (; *v; v++) {
		if (*v == ':')
			continue;
		if (!strchr("0123456789abcdefABCDEF", *v) || n >= 64)
			return 0;
		out[n++] = (char)(*v | 0x20);
	}
	out[n] = '\0';
	return n == 64;
}

/* Up to max numbers separated by blanks, all of val, into d: how many
 * (0: not that). */
static int
numbers(const char *val, double *d, int max)
{
	int n = 0;
	char *end;

	while (*val != '\0') {
		if (n == max)
			return 0;
		d[n++] = strtod(val, &end);
		if (end == val || (*end != '\0' && *end != ' ' && *end != '\t'))
			return 0;
		val = end + strspn(end, " \t");
	}
	return n;
}

/* A queue's text layout (cpi, lpi, columns, margins as CUPS' texttopdf
 * takes them), then its own period quotas: as queue_caps_key. */
static int
queue_text_key(struct parse_ctx *p, const char *key, const char *val)
{
	struct sb_queue *q = p->q;
	double d[4];
	const char *bad;
	int n;

	if (strcmp(key, "cpi") == 0 || strcmp(key, "lpi") == 0 ||
	    strcmp(key, "columns") == 0) {
		if (numbers(val, d, 1) != 1 || !(d[0] > 0) ||
		    (strcmp(key, "columns") == 0 && (d[0] > TEXT_COLUMNS_MAX ||
			d[0] != (unsigned)d[0])))
			return set_err(p, "bad %s '%s' (a number)", key, val);
		if (key[0] == 'c' && key[1] == 'p')
			q->cpi = d[0];
		else if (key[0] == 'l')
			q->lpi = d[0];
		else
			q->columns = (unsigned)d[0];
	} else if (strcmp(key, "margins") == 0) {
		/* as CSS: all four; top and bottom, then the sides; or top,
		 * right, bottom, left */
		if ((n = numbers(val, d, 4)) == 0 || n == 3)
			return set_err(p, "bad margins '%s' (points: one number, "
			    "two (top and bottom, left and right) or four (top, "
			    "right, bottom, left))", val);
		for (int i = 0; i < 4; i++)
			q->margins[i] = d[n == 1 ? 0 : n == 2 ? i % 2 : i];
	} else {
		return period_quota_key(p, key, val, &q->page_quota,
		    &q->job_quota);
	}
	if ((bad = text_layout_bad(q->cpi, q->lpi, q->columns, q->margins)) !=
	    NULL)
		return set_err(p, "bad %s '%s': %s", key, val, bad);
	return 1;
}

/* What the printer can do, for clients to choose from (IPP's
 * *-supported, DNS-SD's TXT): 1 when key is one and val is good, 0 (with
 * p->err set) when it is one and val is bad, -1 when key is not one. */
static int
queue_caps_key(struct parse_ctx *p, const char *key, const char *val)
{
	struct sb_queue *q = p->q;
	char bad[64];

	p->err[0] = '\0';
	if (strcmp(key, "sides") == 0) {
		if (word_list(val, sides_ok, q->sides_supported,
			sizeof(q->sides_supported), q->sides, sizeof(q->sides),
			bad, sizeof(bad)) != 0)
			return set_err(p, "bad sides '%s' (a list of one-sided, "
			    "two-sided-long-edge, two-sided-short-edge; the "
			    "first is the default)", bad);
	} else if (strcmp(key, "media") == 0) {
		if (word_list(val, media_ok, q->media_supported,
			sizeof(q->media_supported), q->media, sizeof(q->media),
			bad, sizeof(bad)) != 0)
			return set_err(p, "bad media '%s' (a list of "
			    "iso_a4_210x297mm, na_letter_8.5x11in, "
			    "na_legal_8.5x14in, iso_a5_148x210mm, "
			    "iso_a3_297x420mm; the first is the default)", bad);
	} else if (strcmp(key, "color") == 0) {
		if (strcmp(val, "yes") != 0 && strcmp(val, "no") != 0)
			return set_err(p, "bad color '%s' (yes|no)", val);
		q->color = strcmp(val, "yes") == 0;
	} else if (strcmp(key, "job_sheets") == 0) {
		return job_sheets_key(p, q, val);
	} else if (strcmp(key, "classification") == 0) {
		if (strlen(val) >= sizeof(q->classification) ||
		    strspn(val, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTU"
			   "VWXYZ0123456789 _-/") != strlen(val))
			return set_err(p, "bad classification '%s' (a label of "
			    "letters, digits, spaces and _-/, e.g. "
			    "confidential)", val);
		strcpy(q->classification, val);
	} else {
		/* Not a capability: text layout or the queue's own period
		 * quotas, then. */
		return queue_text_key(p, key, val);
	}
	return 1;
}

/* The keys of ipp:// and ipps:// queues, then queue_caps_key's: 1 when
 * key is one and val is good, 0 (with p->err set) when it is one and val
 * is bad, -1 when key is not one of them. */
static int
queue_ipp_key(struct parse_ctx *p, const char *key, const char *val)
{
	struct sb_queue *q = p->q;

	p->err[0] = '\0';
	if (strcmp(key, "ca_file") == 0) {
		if (val[0] != '/' || strlen(val) >= sizeof(q->ca_file) ||
		    access(val, R_OK) != 0)
			return set_err(p, "ca_file '%s': %s", val, val[0] != '/'
			    ? "not an absolute path"
			    : strerror(errno));
		strcpy(q->ca_file, val);
	} else if (strcmp(key, "pin_sha256") == 0) {
		if (!hex_digest(val, q->pin_sha256))
			return set_err(p, "pin_sha256 must be 64 hex digits "
			    "(the certificate's SHA-256)");
	} else {
		return queue_caps_key(p, key, val);
	}
	return 1;
}

/* An allow list, checked now, kept as written. */
static int
allow_list(struct parse_ctx *p, const char *key, const char *val, char *dst,
    size_t len)
{
	struct cidr_list l = { .n = 0 };
	char why[160];

	if (strlen(val) >= len)
		return set_err(p, "%s: longer than %zu", key, len - 1);
	if (cidr_list_parse(val, &l, why, sizeof(why)) != 0)
		return set_err(p, "%s: %s", key, why);
	strcpy(dst, val);
	return 1;
}

/* allow_users, allow_groups, deny_users: names (logins, groups, or a
 * network client's NAME@ADDRESS), separated by commas or blanks. */
static int
name_list(struct parse_ctx *p, const char *key, const char *val, char *dst,
    size_t len)
{
	if (strlen(val) >= len)
		return set_err(p, "%s: longer than %zu", key, len - 1);
	for (const char *c = val; *c; c++)
		if (!isalnum((unsigned char)*c) && strchr("._-@:[], \t", *c) ==
		    NULL)
			return set_err(p, "%s: '%c' is not in a name", key, *c);
	strcpy(dst, val);
	return 1;
}

int
config_name_listed(const char *list, const char *name)
{
	size_t n = strlen(name);

	for (const char *t = list; *t;) {
		size_t k = strcspn(t, ", \t");
		if (k == n && k > 0 && strncmp(t, name, n) == 0)
			return 1;
		t += k;
		t += strspn(t, ", \t");
	}
	return 0;
}

/* lpd = / ipp = ADDR:PORT, several (a list, or the key again). */
static int
listen_addrs(struct parse_ctx *p, const char *proto, const char *val)
{
	struct sb_config *c = p->c;
	char buf[1024], *save = NULL, *t, why[160];

	snprintf(buf, sizeof(buf), "%s", val);
	for (t = strtok_r(buf, ", \t", &save); t != NULL;
	    t = strtok_r(NULL, ", \t", &save)) {
		struct sb_listen *l = &c->listen[c->nlisten];
		if (c->nlisten == SB_LISTEN_MAX)
			return set_err(p, "more than %d listening addresses",
			    SB_LISTEN_MAX);
		if (strlen(t) >= sizeof(l->addr) ||
		    netaddr_parse(t, &l->ss, &l->len, why, sizeof(why)) != 0)
			return set_err(p, "%s: %s", proto, why);
		for (size_t i = 0; i < c->nlisten; i++)
			if (c->listen[i].len == l->len &&
			    memcmp(&c->listen[i].ss, &l->ss, l->len) == 0)
				return set_err(p, "%s: %s is listed twice",
				    proto, t);
		snprintf(l->proto, sizeof(l->proto), "%s", proto);
		snprintf(l->addr, sizeof(l->addr), "%s", t);
		c->nlisten++;
	}
	return 1;
}

const char *
config_tls_name(int tls)
{
	static const char *const names[] = { "off", "on", "required" };

	return tls >= TLS_OFF && tls <= TLS_REQUIRED ? names[tls] : "?";
}

static int
listener_key(struct parse_ctx *p, const char *key, const char *val)
{
	const struct sb_budget_key *k;

	if (strcmp(key, "lpd") == 0 || strcmp(key, "ipp") == 0)
		return listen_addrs(p, key, val);
	if (strcmp(key, "allow") == 0)
		return allow_list(p, key, val, p->c->lsn_allow,
		    sizeof(p->c->lsn_allow));
	if (strcmp(key, "metrics_allow") == 0)
		return allow_list(p, key, val, p->c->lsn_metrics_allow,
		    sizeof(p->c->lsn_metrics_allow));
	if (strcmp(key, "console_allow") == 0)
		return allow_list(p, key, val, p->c->lsn_console_allow,
		    sizeof(p->c->lsn_console_allow));
	if (strcmp(key, "tls") == 0) {
		for (int t = TLS_OFF; t <= TLS_REQUIRED; t++)
			if (strcmp(val, config_tls_name(t)) == 0) {
				p->c->lsn_tls = t;
				return 1;
			}
		return set_err(p, "bad tls '%s' (off|on|required)", val);
	}
	if (strcmp(key, "auth") == 0) {
		if (strcmp(val, "none") != 0 && strcmp(val, "basic") != 0)
			return set_err(p, "bad auth '%s' (none|basic)", val);
		p->c->lsn_auth_basic = strcmp(val, "basic") == 0;
		return 1;
	}
	if (strcmp(key, "dnssd") == 0) {
		if (strcmp(val, "on") != 0 && strcmp(val, "off") != 0)
			return set_err(p, "bad dnssd '%s' (on|off)", val);
		p->c->lsn_dnssd = strcmp(val, "on") == 0;
		return 1;
	}
	if (strcmp(key, "tls_cert") == 0 || strcmp(key, "tls_key") == 0) {
		char *dst = key[4] == 'c' ? p->c->lsn_tls_cert
					  : p->c->lsn_tls_key;
		if (val[0] != '/' || strlen(val) >= PATH_MAX)
			return set_err(p, "%s must be an absolute path: '%s'",
			    key, val);
		strcpy(dst, val);
		return 1;
	}
	if ((k = key_find(listener_keys, key)) != NULL)
		return key_set(k, p->c, val, p->err, sizeof(p->err)) == 0;
	return set_err(p, "unknown key '%s' in [listener]", key);
}

static int
queue_key(struct parse_ctx *p, const char *key, const char *val)
{
	const struct sb_budget_key *k;
	struct sb_queue *q = p->q;

	if (strcmp(key, "uri") == 0) {
		return uri_key(p, q, val);
	} else if (strcmp(key, "datatype") == 0) {
		q->datatype = datatype_from_name(val);
		if (q->datatype != SB__DATA_TYPE__RAW &&
		    q->datatype != SB__DATA_TYPE__POSTSCRIPT &&
		    q->datatype != SB__DATA_TYPE__PDF)
			return set_err(p, "bad datatype '%s' "
			    "(raw|postscript|pdf)", val);
	} else if ((k = key_find(queue_keys, key)) != NULL) {
		return key_set(k, q, val, p->err, sizeof(p->err)) == 0;
	} else if (strcmp(key, "error_policy") == 0) {
		if (strcmp(val, "retry") == 0)
			q->error_policy = SB__ERROR_POLICY__RETRY;
		else if (strcmp(val, "abort-job") == 0)
			q->error_policy = SB__ERROR_POLICY__ABORT_JOB;
		else if (strcmp(val, "stop-queue") == 0)
			q->error_policy = SB__ERROR_POLICY__STOP_QUEUE;
		else
			return set_err(p, "bad %s '%s' "
			    "(retry|abort-job|stop-queue)", key, val);
	} else if (strcmp(key, "paper") == 0) {
		if (media_pwg(val) == NULL)
			return set_err(p, "bad %s '%s' (a4|letter|legal|a5|a3)",
			    key, val);
		snprintf(q->paper, sizeof(q->paper), "%s", val);
	} else if (strcmp(key, "orientation") == 0) {
		if (strcmp(val, "portrait") != 0 && strcmp(val, "landscape") != 0)
			return set_err(p, "bad %s '%s' (portrait|landscape)", key,
			    val);
		q->landscape = strcmp(val, "landscape") == 0;
	} else if (strcmp(key, "pdf_permissions") == 0) {
		if (strcmp(val, "honor") != 0 && strcmp(val, "ignore") != 0)
			return set_err(p, "bad %s '%s' (honor|ignore)", key, val);
		q->pdf_ignore_permissions = strcmp(val, "ignore") == 0;
	} else if (strcmp(key, "shared") == 0 ||
	    strcmp(key, "tls_required") == 0) {
		if (strcmp(val, "yes") != 0 && strcmp(val, "no") != 0)
			return set_err(p, "bad %s '%s' (yes|no)", key, val);
		*(key[0] == 's' ? &q->shared : &q->tls_required) =
		    strcmp(val, "yes") == 0;
	} else if (queue_ipp_key(p, key, val) >= 0) {
		return p->err[0] == '\0';
	} else if (strcmp(key, "description") == 0) {
		snprintf(q->description, sizeof(q->description), "%s", val);
	} else if (strcmp(key, "allow") == 0) {
		return allow_list(p, key, val, q->allow, sizeof(q->allow));
	} else if (strcmp(key, "allow_users") == 0) {
		return name_list(p, key, val, q->allow_users,
		    sizeof(q->allow_users));
	} else if (strcmp(key, "allow_groups") == 0) {
		return name_list(p, key, val, q->allow_groups,
		    sizeof(q->allow_groups));
	} else if (strcmp(key, "deny_users") == 0) {
		return name_list(p, key, val, q->deny_users,
		    sizeof(q->deny_users));
	} else {
		return set_err(p, "unknown key '%s' in [queue.%s]", key,
		    q->name);
	}
	return 1;
}

int
config_queue_name_ok(const char *s)
{
	size_t n = strlen(s);

	/* ".", "..", hidden and option-like names are reserved. */
	if (n == 0 || n > 64 || s[0] == '.' || s[0] == '-')
		return 0;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
			(*s >= '0' && *s <= '9') || *s == '-' || *s == '_' ||
			*s == '.'))
			return 0;
	return 1;
}

static struct sb_queue *
queue_add(struct parse_ctx *p, const char *name)
{
	struct sb_config *c = p->c;
	struct sb_queue *nq;

	if (!config_queue_name_ok(name)) {
		set_err(p, "bad queue name '%s' (letters, digits, -_., not "
		    "starting with . or -)", name);
		return NULL;
	}
	if (config_queue(c, name) != NULL) {
		set_err(p, "queue '%s' defined twice", name);
		return NULL;
	}
	nq = realloc(c->queues, (c->nqueues + 1) * sizeof(*nq));
	if (nq == NULL) {
		set_err(p, "out of memory");
		return NULL;
	}
	c->queues = nq;
	nq = &c->queues[c->nqueues++];
	memset(nq, 0, sizeof(*nq));
	strcpy(nq->name, name);
	nq->datatype = SB__DATA_TYPE__RAW;
	nq->retry_interval = 30000;
	nq->retry_limit = 20;
	nq->error_policy = SB__ERROR_POLICY__RETRY;
	strcpy(nq->paper, "a4");
	nq->max_job_size = UINT64_MAX;    /* [spooler]'s, once read */
	nq->max_upload_time = UINT64_MAX;
	nq->cpu_limit = UINT64_MAX;
	nq->keep_jobs = UINT64_MAX;
	nq->keep_days = UINT64_MAX;
	return nq;
}

/* Strip a trailing " # comment" (inih only strips ';' comments). */
static void
strip_comment(char *v)
{
	for (char *p = v; *p; p++) {
		if (*p == '#' && (p == v || p[-1] == ' ' || p[-1] == '\t')) {
			*p = '\0';
			break;
		}
	}
	for (size_t n = strlen(v); n > 0 && (v[n - 1] == ' ' ||
	    v[n - 1] == '\t'); n--)
		v[n - 1] = '\0';
}

static int
ini_cb(void *user, const char *section, const char *key, const char *value)
{
	struct parse_ctx *p = user;
	char val[1024];
	int kind;

	if (key == NULL) { /* new section (INI_CALL_HANDLER_ON_NEW_SECTION) */
		return 1;
	}
	if (strlen(value) >= sizeof(val))
		return set_err(p, "value of '%s' too long", key);
	strcpy(val, value);
	strip_comment(val);
	if (strcmp(section, "spooler") == 0)
		return spooler_key(p, key, val);
	if (strcmp(section, "listener") == 0)
		return listener_key(p, key, val);
	if (strncmp(section, "worker.", 7) == 0) {
		kind = kind_from_name(section + 7);
		if (kind == 0)
			return set_err(p, "unknown worker kind '%s' "
			    "(localspl, printproc, lprmon, remote, "
			    "listener)",
			    section + 7);
		if (strcmp(key, "user") == 0) {
			if (strlen(val) == 0 || strlen(val) > 32)
				return set_err(p, "bad user '%s'", val);
			strcpy(p->c->users[kind], val);
			return 1;
		}
		if (config_budget_set(&p->c->workers[kind], key, val, p->err,
			sizeof(p->err)) != 0)
			return 0;
		return 1;
	}
	if (strncmp(section, "queue.", 6) == 0) {
		if (p->q == NULL || strcmp(p->q->name, section + 6) != 0) {
			p->q = (struct sb_queue *)config_queue(p->c,
			    section + 6);
			if (p->q == NULL &&
			    (p->q = queue_add(p, section + 6)) == NULL)
				return 0;
		}
		return queue_key(p, key, val);
	}
	return set_err(p, "unknown section [%s]", section);
}

void
config_default_runtime_dir(char *buf, size_t len)
{
	const char *xdg = getenv("XDG_RUNTIME_DIR");

	if (system_instance())
		snprintf(buf, len, "/run/spoolbox");
	else if (xdg != NULL && xdg[0] == '/')
		snprintf(buf, len, "%s/spoolbox", xdg);
	else
		snprintf(buf, len, "/tmp/spoolbox-%u", (unsigned)geteuid());
}

static void
default_spool_dir(char *buf, size_t len)
{
	const char *state = getenv("XDG_STATE_HOME");
	const char *home = getenv("HOME");
	struct passwd *pw;

	if (system_instance()) {
		snprintf(buf, len, "/var/spool/spoolbox");
	} else if (state != NULL && state[0] == '/') {
		snprintf(buf, len, "%s/spoolbox", state);
	} else {
		if (home == NULL || home[0] != '/') {
			pw = getpwuid(geteuid());
			home = pw != NULL ? pw->pw_dir : "/tmp";
		}
		snprintf(buf, len, "%s/.local/state/spoolbox", home);
	}
}

static void
config_defaults(struct sb_config *c)
{
	memset(c, 0, sizeof(*c));
	default_spool_dir(c->spool_dir, sizeof(c->spool_dir));
	config_default_runtime_dir(c->runtime_dir, sizeof(c->runtime_dir));
	strcpy(c->admin_group, "lpadmin");
	c->sample_interval = 500;
	c->io_timeout = 30000;
	c->connect_timeout = 10000;
	c->history_limit = 1000;
	c->history_per_user = 0;       /* no cap; pruning is fair anyway */
	c->max_clients = 256;
	c->max_clients_per_user = 32;
	c->max_job_size = 2ULL << 30;
	c->max_upload_time = 600000;
	/* A document that converts longer is failed with the reason: one
	 * user's endless PostScript must not hold a print processor. */
	c->cpu_limit = 120000;
	c->preserve_job_files = 86400000; /* a day, as CUPS */
	c->accounting_keep = 400ULL * 86400000; /* a year, and a margin */
	c->max_uploads = 64;
	c->max_uploads_per_user = 8;
	/* Shares of the spool, not unlimited: unfinished jobs of every
	 * queue together, of one owner (admins' are not counted) and of one
	 * network address, in jobs and in bytes as submitted (a sparse file
	 * counts its length). A queue may set its own beside them. */
	c->max_jobs_queued = 100000;
	c->max_jobs_per_user = 1000;
	c->max_bytes_per_user = 8ULL << 30;
	c->max_jobs_per_host = 1000;
	c->max_bytes_per_host = 8ULL << 30;
	/* New jobs stop while the spool's disk has less free: cancels,
	 * deletes and history keep working below it (store.c's reserve).
	 * A size, not a share: a share of a large disk shared with other
	 * things could stop printing while gigabytes are free. */
	c->min_free_bytes = 64 << 20;
	c->sandbox = SBX_ENFORCE;
	strcpy(c->kernel_limit, "auto");
	for (int k = 1; k < SB_KINDS; k++) {
		budget_defaults(&c->workers[k], k);
		snprintf(c->users[k], sizeof(c->users[k]), "%s",
		    kind_info(k)->account);
	}
	strcpy(c->lsn_allow, "127.0.0.0/8, ::1");
	strcpy(c->lsn_console_allow, "127.0.0.0/8, ::1");
	c->lsn_max_clients = 64;
	c->lsn_max_clients_per_host = 16;
	c->lsn_step_timeout = 60000;
	c->lsn_dnssd = 1;
}

/*
 * The embedded default: a PostScript file queue in the spool's output
 * directory, and a queue for an LPD server on this host.
 */
static char *
default_text(const struct sb_config *c)
{
	char *s = NULL;

	if (asprintf(&s,
		"[queue.default]\n"
		"uri = file://%s/output\n"
		"datatype = postscript\n"
		"description = PostScript files in the spool's output dir\n"
		"[queue.lp]\n"
		"uri = lpd://127.0.0.1/lp\n"
		"datatype = postscript\n"
		"description = the LPD server on this host\n",
		c->spool_dir) < 0)
		return NULL;
	return s;
}

/* The whole file, NUL-ended (caller frees), or NULL with errno. */
static char *
read_text(const char *path)
{
	FILE *f = fopen(path, "re");
	char *buf;
	size_t n;

	if (f == NULL)
		return NULL;
	if ((buf = malloc(CONFIG_MAX + 1)) == NULL) {
		fclose(f);
		return NULL;
	}
	n = fread(buf, 1, CONFIG_MAX + 1, f);
	fclose(f);
	if (n > CONFIG_MAX) {
		free(buf);
		errno = EFBIG;
		return NULL;
	}
	buf[n] = '\0';
	return buf;
}

static void
trim(char *s)
{
	size_t n;

	while (*s == ' ' || *s == '\t')
		memmove(s, s + 1, strlen(s));
	n = strlen(s);
	while (n > 0 && strchr(" \t\r", s[n - 1]) != NULL)
		s[--n] = '\0';
}

/* Before inih: every [section] header once only (inih would merge a
 * repeated one silently), and where the path-valued keys are. */
static int
prescan(struct parse_ctx *p, const char *text)
{
	char sec[80] = "", line[1024];
	struct key_line *seen = NULL;
	size_t nseen = 0;
	int no = 0, rv = 0;

	for (const char *l = text; *l != '\0' && rv == 0; no++) {
		size_t n = strcspn(l, "\n");
		snprintf(line, sizeof(line), "%.*s", (int)n, l);
		l += n + (l[n] == '\n');
		trim(line);
		if (line[0] == '[' && line[strlen(line) - 1] == ']') {
			snprintf(sec, sizeof(sec), "%.*s",
			    (int)strlen(line) - 2, line + 1);
			for (size_t i = 0; i < nseen; i++)
				if (strcmp(seen[i].section, sec) == 0) {
					snprintf(p->err, sizeof(p->err), "%d: "
					    "section [%s] appears twice (first "
					    "at line %d)", no + 1, sec,
					    seen[i].line);
					rv = -1;
				}
			seen = realloc(seen, (nseen + 1) * sizeof(*seen));
			if (seen == NULL)
				return -1;
			snprintf(seen[nseen].section, sizeof(seen->section),
			    "%s", sec);
			seen[nseen++].line = no + 1;
			continue;
		}
		if (strchr(line, '=') == NULL)
			continue;
		line[strcspn(line, "=")] = '\0';
		trim(line);
		if (strcmp(line, "spool_dir") != 0 &&
		    strcmp(line, "runtime_dir") != 0 && strcmp(line, "uri") != 0)
			continue;
		p->lines = realloc(p->lines, (p->nlines + 1) * sizeof(*p->lines));
		if (p->lines == NULL)
			return -1;
		snprintf(p->lines[p->nlines].section, sizeof(p->lines->section),
		    "%s", sec);
		snprintf(p->lines[p->nlines].key, sizeof(p->lines->key), "%.15s",
		    line); /* one of the three keys above */
		snprintf(p->lines[p->nlines].file, sizeof(p->lines->file), "%s",
		    p->file);
		p->lines[p->nlines++].line = no + 1;
	}
	free(seen);
	return rv;
}

/* Where a key was last set: "FILE:LINE" ("FILE:0" when unknown, e.g.
 * the default). */
static const char *
where(const struct parse_ctx *p, const char *section, const char *key,
    char *buf, size_t len)
{
	const struct key_line *kl = NULL;

	for (size_t i = 0; i < p->nlines; i++)
		if (strcmp(p->lines[i].section, section) == 0 &&
		    strcmp(p->lines[i].key, key) == 0)
			kl = &p->lines[i]; /* the last one counts */
	snprintf(buf, len, "%s:%d", kl != NULL ? kl->file : p->c->path,
	    kl != NULL ? kl->line : 0);
	return buf;
}

/* Where the directories go, once the whole file is read. */
static int
check_paths(const struct parse_ctx *p, char *err, size_t errlen)
{
	const struct sb_config *c = p->c;
	const char *allowed[9];
	char why[512], sec[80], at[PATH_MAX + 16];
	struct sb_uri u;

	for (size_t i = 0; i <= c->nallowed; i++)
		allowed[i] = i < c->nallowed ? c->allowed[i] : NULL;
	if (pathpolicy_check(c->spool_dir, PATH_DATA, allowed, why,
		sizeof(why)) != 0) {
		snprintf(err, errlen, "%s: spool_dir: %s",
		    where(p, "spooler", "spool_dir", at, sizeof(at)), why);
		return -1;
	}
	if (pathpolicy_check(c->runtime_dir, PATH_RUNTIME, allowed, why,
		sizeof(why)) != 0) {
		snprintf(err, errlen, "%s: runtime_dir: %s",
		    where(p, "spooler", "runtime_dir", at, sizeof(at)), why);
		return -1;
	}
	for (size_t i = 0; i < c->nqueues; i++) {
		const struct sb_queue *q = &c->queues[i];
		if (uri_kind(q->uri) != SB__WORKER_KIND__LOCALSPL ||
		    uri_parse(q->uri, &u, why, sizeof(why)) != 0 ||
		    pathpolicy_check(u.path, PATH_DATA, allowed, why,
			sizeof(why)) == 0)
			continue;
		snprintf(sec, sizeof(sec), "queue.%s", q->name);
		snprintf(err, errlen, "%s: queue %s: file: %s",
		    where(p, sec, "uri", at, sizeof(at)), q->name, why);
		return -1;
	}
	return 0;
}

/* Checks that need the whole file: every queue has a uri, budgets
 * agree with themselves, directories are where they may be. */
static int
check_all(const struct parse_ctx *p, char *err, size_t errlen)
{
	const struct sb_config *c = p->c;
	char why[256];

	for (size_t i = 0; i < c->nqueues; i++) {
		struct sb_queue *q = &p->c->queues[i];
		if (q->uri[0] == '\0') {
			snprintf(err, errlen, "%s: queue '%s' has no uri",
			    c->path, q->name);
			return -1;
		}
		if (q->max_job_size == UINT64_MAX)
			q->max_job_size = c->max_job_size;
		if (q->max_upload_time == UINT64_MAX)
			q->max_upload_time = c->max_upload_time;
		if (q->cpu_limit == UINT64_MAX)
			q->cpu_limit = c->cpu_limit;
		if (q->keep_jobs == UINT64_MAX)
			q->keep_jobs = c->history_limit;
		if (q->keep_days == UINT64_MAX)
			q->keep_days = c->keep_days;
	}
	if (c->default_queue[0] != '\0' &&
	    config_queue(c, c->default_queue) == NULL) {
		snprintf(err, errlen, "%s: default_queue = %s: no such queue",
		    c->path, c->default_queue);
		return -1;
	}
	/* A descriptor per connection, and room for the rest. */
	if (c->nlisten > 0 &&
	    c->workers[SB__WORKER_KIND__LISTENER].handle_budget <
		c->lsn_max_clients + c->nlisten + 16) {
		snprintf(err, errlen, "%s: [worker.listener] handle_budget %llu "
		    "is below [listener] max_clients + %zu", c->path,
		    (unsigned long long)c->workers[SB__WORKER_KIND__LISTENER]
			.handle_budget, c->nlisten + 16);
		return -1;
	}
	for (int k = 1; k < SB_KINDS; k++) {
		if (config_budget_check(&c->workers[k], why, sizeof(why))) {
			snprintf(err, errlen, "%s: [worker.%s]: %s", c->path,
			    kind_name(k), why);
			return -1;
		}
	}
	if ((c->lsn_tls_cert[0] == '\0') != (c->lsn_tls_key[0] == '\0')) {
		snprintf(err, errlen, "%s: [listener]: tls_cert and tls_key go "
		    "together (neither: a self-signed pair is made)", c->path);
		return -1;
	}
	if (c->lsn_auth_basic && c->lsn_tls == TLS_OFF) {
		snprintf(err, errlen, "%s: [listener]: auth = basic needs tls = "
		    "on or required (a password is never sent in the clear)",
		    c->path);
		return -1;
	}
	/* No address to listen on: no listener runs. */
	if (c->nlisten == 0) {
		p->c->workers[SB__WORKER_KIND__LISTENER].instances = 0;
		p->c->workers[SB__WORKER_KIND__LISTENER].max_instances = 0;
	}
	return check_paths(p, err, errlen);
}

/* One file's text into p (the main file or a drop-in, as p->file);
 * 0, or -1 with "FILE:LINE: reason" in err. */
static int
parse_text(struct parse_ctx *p, const char *text, char *err, size_t errlen)
{
	int line;

	p->q = NULL;
	if (prescan(p, text) != 0) {
		snprintf(err, errlen, "%s:%s", p->file,
		    p->err[0] ? p->err : " out of memory");
		return -1;
	}
	line = ini_parse_string(text, ini_cb, p);
	if (line != 0) {
		snprintf(err, errlen, "%s:%d: %s", p->file, line,
		    p->err[0] ? p->err : "syntax error");
		return -1;
	}
	return 0;
}

/* Debian's convention: DIR/conf.d/ *.conf beside the main file, read
 * after it in the order of their names; a drop-in adds sections or sets
 * keys again (the last one read wins). 0, or -1 with the reason. */
static int
parse_dropins(struct parse_ctx *p, const char *path, char *err,
    size_t errlen)
{
	char pattern[PATH_MAX + 32], *dir = strdup(path), *text;
	glob_t g;
	int rv = 0, grv;

	if (dir == NULL)
		return fail_why(err, errlen, "out of memory");
	snprintf(pattern, sizeof(pattern), "%s/conf.d/*.conf", dirname(dir));
	free(dir);
	grv = glob(pattern, 0, NULL, &g);
	if (grv == GLOB_NOMATCH)
		return 0;
	if (grv != 0)
		return fail_why(err, errlen, "%s: cannot list", pattern);
	for (size_t i = 0; i < g.gl_pathc && rv == 0; i++) {
		if ((text = read_text(g.gl_pathv[i])) == NULL) {
			rv = fail_why(err, errlen, "%s: cannot open: %s",
			    g.gl_pathv[i], strerror(errno));
			break;
		}
		p->file = g.gl_pathv[i];
		rv = parse_text(p, text, err, errlen);
		free(text);
	}
	p->file = NULL;
	globfree(&g);
	return rv;
}

int
config_load_text(struct sb_config *c, const char *name, const char *text,
    const char *dropins_of, char *err, size_t errlen)
{
	struct parse_ctx p = { .c = c };

	config_defaults(c);
	snprintf(c->path, sizeof(c->path), "%s", name);
	p.file = c->path;
	if (parse_text(&p, text, err, errlen) != 0 ||
	    (dropins_of != NULL &&
		parse_dropins(&p, dropins_of, err, errlen) != 0))
		goto fail;
	p.file = c->path;
	if (check_all(&p, err, errlen) != 0)
		goto fail;
	free(p.lines);
	return 0;
fail:
	free(p.lines);
	config_free(c);
	return -1;
}

int
config_load(struct sb_config *c, const char *path, char *err, size_t errlen)
{
	char *text;
	int rv;

	config_defaults(c);
	text = path != NULL ? read_text(path) : default_text(c);
	if (text == NULL) {
		snprintf(err, errlen, "%s: cannot open: %s",
		    path != NULL ? path : "(default)", strerror(errno));
		config_free(c);
		return -1;
	}
	rv = config_load_text(c, path != NULL ? path : "(default)", text, path,
	    err, errlen);
	free(text);
	return rv;
}

void
config_free(struct sb_config *c)
{
	if (c == NULL)
		return;
	free(c->queues);
	c->queues = NULL;
	c->nqueues = 0;
}

const struct sb_queue *
config_queue(const struct sb_config *c, const char *name)
{
	for (size_t i = 0; i < c->nqueues; i++)
		if (strcmp(c->queues[i].name, name) == 0)
			return &c->queues[i];
	return NULL;
}
