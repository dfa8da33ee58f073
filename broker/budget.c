/*
 * budget: DESIGN §5 as a decision and as kernel limits, below supervision
 * (which acts on the decision). budget_check() judges one sample the
 * broker measured itself against one kind's budget, with no side effects:
 * memory_limit kills at once; memory_budget, handle_budget, max_jobs,
 * max_lifetime and max_idle recycle gracefully. memory_limit is also
 * given to the kernel so a worker that leaks faster than the broker
 * samples cannot take the host down; the backend is feature-detected at
 * start-up, never assumed:
 *   cgroup-v1  memory.limit_in_bytes in the v1 memory hierarchy (root)
 *   cgroup-v2  memory.max in a delegated v2 subtree
 *   rlimit-data  RLIMIT_DATA = the worker's data at start-up + limit. Not
 *              RLIMIT_AS: thread stacks and glibc's PROT_NONE arena
 *              reservations dominate the address space, so allocations
 *              failed inside nng's threads and hung the channel instead
 *              of failing the leaking allocation.
 * Reports: the backend chosen; a kernel-limit stop (kind, pid, limit).
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "broker.h"
#include "log.h"
#include "util.h"

static int
write_str(const char *dir, const char *file, const char *val)
{
	char path[PATH_MAX + 64];
	int fd, rv;

	snprintf(path, sizeof(path), "%s/%s", dir, file);
	if ((fd = open(path, O_WRONLY | O_CLOEXEC)) < 0)
		return -1;
	rv = write_all(fd, val, strlen(val));
	close(fd);
	return rv;
}

static long long
read_num(const char *dir, const char *file, const char *key)
{
	char path[PATH_MAX + 64], line[128];
	long long v = -1;
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, file);
	if ((f = fopen(path, "re")) == NULL)
		return -1;
	while (fgets(line, sizeof(line), f) != NULL) {
		size_t kl = key != NULL ? strlen(key) : 0;
		if (key == NULL)
			v = atoll(line);
		else if (strncmp(line, key, kl) == 0 &&
		    (line[kl] == ' ' || line[kl] == '\t'))
			v = atoll(line + kl + 1);
		else
			continue;
		break;
	}
	fclose(f);
	return v;
}

/* Is pid a live spoolboxd? */
static int
broker_alive(long pid)
{
	char path[64], comm[32] = "";
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%ld/comm", pid);
	if ((f = fopen(path, "re")) == NULL)
		return 0;
	if (fgets(comm, sizeof(comm), f) == NULL)
		comm[0] = '\0';
	fclose(f);
	return strncmp(comm, "spoolboxd", 9) == 0;
}

/* The groups of a broker that died (SIGKILL, a power cut...) are removed:
 * its workers died with it (PDEATHSIG), so the groups are empty. */
static void
clean_dead_groups(const char *hier)
{
	char path[PATH_MAX], sub[PATH_MAX + 300];
	struct dirent *de, *we;
	DIR *d, *wd;
	char *end;
	long pid;

	if ((d = opendir(hier)) == NULL)
		return;
	while ((de = readdir(d)) != NULL) {
		if (strncmp(de->d_name, "spoolbox-", 9) != 0)
			continue;
		pid = strtol(de->d_name + 9, &end, 10);
		if (*end != '\0' || pid <= 0 || broker_alive(pid))
			continue;
		snprintf(path, sizeof(path), "%s/%s", hier, de->d_name);
		if ((wd = opendir(path)) != NULL) {
			while ((we = readdir(wd)) != NULL) {
				if (we->d_name[0] != 'w')
					continue;
				snprintf(sub, sizeof(sub), "%s/%s", path,
				    we->d_name);
				rmdir(sub);
			}
			closedir(wd);
		}
		if (rmdir(path) == 0)
			log_info("removed %s, left by a broker that died",
			    path);
		else
			log_warn("%s, left by a broker that died: %s", path,
			    strerror(errno));
	}
	closedir(d);
}

/* A v1 memory hierarchy we can create groups in (needs root). */
static int
try_cgroup1(struct broker *b)
{
	snprintf(b->cgroup_root, sizeof(b->cgroup_root),
	    "/sys/fs/cgroup/memory/spoolbox-%d", (int)getpid());
	if (access("/sys/fs/cgroup/memory/memory.limit_in_bytes", F_OK) != 0)
		return -1;
	clean_dead_groups("/sys/fs/cgroup/memory");
	if (mkdir(b->cgroup_root, 0755) != 0)
		return -1;
	return 0;
}

/* A v2 subtree below our own cgroup with the memory controller. */
static int
try_cgroup2(struct broker *b)
{
	char line[PATH_MAX], ctl[PATH_MAX + 64 + 32];
	FILE *f = fopen("/proc/self/cgroup", "re");
	int found = 0;

	if (f == NULL)
		return -1;
	while (fgets(line, sizeof(line), f) != NULL)
		if (strncmp(line, "0::", 3) == 0) {
			line[strcspn(line, "\n")] = '\0';
			found = 1;
			break;
		}
	fclose(f);
	if (!found)
		return -1;
	if (strlen(line) > sizeof(b->cgroup_root) - 64)
		return -1;
	snprintf(b->cgroup_root, sizeof(b->cgroup_root), "/sys/fs/cgroup%.*s",
	    (int)(sizeof(b->cgroup_root) - 64),
	    strcmp(line + 3, "/") == 0 ? "" : line + 3);
	snprintf(ctl, sizeof(ctl), "%s/cgroup.controllers", b->cgroup_root);
	if ((f = fopen(ctl, "re")) == NULL)
		return -1;
	found = fgets(line, sizeof(line), f) != NULL &&
	    strstr(line, "memory") != NULL;
	fclose(f);
	if (!found || write_str(b->cgroup_root, "cgroup.subtree_control",
			  "+memory") != 0)
		return -1;
	return 0;
}

void
budget_init(struct broker *b)
{
	const char *want = b->cfg.kernel_limit;
	int any = strcmp(want, "auto") == 0;

	b->limit = LIMIT_NONE;
	if (strcmp(want, "none") == 0)
		b->limit = LIMIT_NONE;
	else if ((any || strcmp(want, "cgroup") == 0) && try_cgroup1(b) == 0)
		b->limit = LIMIT_CGROUP1;
	else if ((any || strcmp(want, "cgroup") == 0) && try_cgroup2(b) == 0)
		b->limit = LIMIT_CGROUP2;
	else if (any || strcmp(want, "rlimit") == 0)
		b->limit = LIMIT_RLIMIT;
	if (strcmp(want, "cgroup") == 0 && b->limit != LIMIT_CGROUP1 &&
	    b->limit != LIMIT_CGROUP2)
		log_warn("kernel_limit = cgroup: no usable memory cgroup; "
		    "memory_limit is enforced by sampling only");
	log_info("memory_limit kernel backing: %s", budget_backend_name(b));
}

const char *
budget_backend_name(const struct broker *b)
{
	static const char *const names[] = { "none", "cgroup-v1", "cgroup-v2",
		"rlimit-data" };
	return names[b->limit];
}

static void
apply_limit(struct broker *b, struct inst *w)
{
	uint64_t limit = b->cfg.workers[w->kind].memory_limit;
	char val[32];

	if (limit == 0 || w->cgroup[0] == '\0')
		return;
	snprintf(val, sizeof(val), "%llu", (unsigned long long)limit);
	if (write_str(w->cgroup, b->limit == LIMIT_CGROUP1
		    ? "memory.limit_in_bytes"
		    : "memory.max",
		val) != 0)
		log_warn("%s: cannot set memory limit: %s", w->cgroup,
		    strerror(errno));
}

/* Before fork: w's own memory cgroup, made and limited for kind, and
 * its cgroup.procs open for the child to join (it writes "0" there
 * itself: moving a task between cgroups waits for an RCU grace period,
 * which the broker's one thread should not). The fd, or -1 without one. */
int
budget_cgroup_prepare(struct broker *b, struct inst *w, int kind)
{
	char procs[sizeof(w->cgroup) + 16];
	int fd;

	w->cgroup[0] = '\0';
	if (b->limit != LIMIT_CGROUP1 && b->limit != LIMIT_CGROUP2)
		return -1;
	snprintf(w->cgroup, sizeof(w->cgroup), "%s/w%d", b->cgroup_root,
	    (int)(w - b->insts));
	if ((mkdir(w->cgroup, 0755) != 0 && errno != EEXIST)) {
		log_warn("%s: %s", w->cgroup, strerror(errno));
		w->cgroup[0] = '\0';
		return -1;
	}
	w->kind = kind;
	apply_limit(b, w);
	snprintf(procs, sizeof(procs), "%s/cgroup.procs", w->cgroup);
	if ((fd = open(procs, O_WRONLY | O_CLOEXEC)) < 0) {
		log_warn("%s: %s", procs, strerror(errno));
		rmdir(w->cgroup);
		w->cgroup[0] = '\0';
	}
	return fd;
}

/* VmData of the started worker: its private writable memory before any
 * job, which RLIMIT_DATA counts (Linux >= 4.7). */
static uint64_t
vm_data(pid_t pid)
{
	char dir[64];
	long long kb;

	snprintf(dir, sizeof(dir), "/proc/%d", (int)pid);
	kb = read_num(dir, "status", "VmData:");
	return kb > 0 ? (uint64_t)kb * 1024 : 0;
}

static void
set_rlimit(struct broker *b, struct inst *w)
{
	uint64_t limit = b->cfg.workers[w->kind].memory_limit;
	struct rlimit rl;
	uint64_t base;

	if (b->limit != LIMIT_RLIMIT || w->pid <= 0)
		return;
	if (limit == 0) {
		rl.rlim_cur = rl.rlim_max = RLIM_INFINITY;
	} else {
		base = w->data_base ? w->data_base : vm_data(w->pid);
		if (base == 0) {
			log_warn("%s.%u pid %d: no VmData; RLIMIT_DATA not set",
			    kind_name(w->kind), w->idx, (int)w->pid);
			return;
		}
		w->data_base = base;
		rl.rlim_cur = rl.rlim_max = base + limit;
	}
	if (rl.rlim_max == w->data_max)
		return; /* unchanged (a reload that did not touch it) */
	if (prlimit(w->pid, RLIMIT_DATA, &rl, NULL) == 0) {
		w->data_max = rl.rlim_max;
	} else if (errno == EPERM && w->data_max != 0) {
		/* Raising a hard limit needs CAP_SYS_RESOURCE, which a
		 * broker that is not root lacks: a new process takes it. */
		w->limit_stale = 1;
	} else {
		log_warn("%s.%u pid %d: RLIMIT_DATA: %s", kind_name(w->kind),
		    w->idx, (int)w->pid, strerror(errno));
	}
}

/* The worker said hello: all its threads exist, its base is known. */
void
budget_limit_ready(struct broker *b, struct inst *w)
{
	set_rlimit(b, w);
}

void
budget_limit_release(struct broker *b, struct inst *w)
{
	(void)b;
	if (w->cgroup[0] != '\0') {
		rmdir(w->cgroup);
		w->cgroup[0] = '\0';
	}
}

/* Budgets changed live: give the kernel the new memory_limit. */
void
budget_limit_update(struct broker *b, int kind)
{
	for (size_t i = 0; i < b->ninsts; i++) {
		struct inst *w = &b->insts[i];
		/* Never a zygote's: its processes would inherit it. */
		if (w->kind != kind || w->pidfd < 0 || w->state == W_ZYGOTE)
			continue;
		apply_limit(b, w);
		set_rlimit(b, w);
	}
}

/* Did the kernel (not a bug) end this worker, on memory_limit? */
int
budget_killed_by_limit(struct broker *b, struct inst *w, int status,
    char *why, size_t len)
{
	uint64_t limit = b->cfg.workers[w->kind].memory_limit;
	long long n = -1;

	if (w->cgroup[0] != '\0' && WIFSIGNALED(status) &&
	    WTERMSIG(status) == SIGKILL) {
		n = b->limit == LIMIT_CGROUP1
		    ? read_num(w->cgroup, "memory.oom_control", "oom_kill")
		    : read_num(w->cgroup, "memory.events", "oom_kill");
	} else if (b->limit == LIMIT_RLIMIT && WIFEXITED(status) &&
	    WEXITSTATUS(status) == 3) {
		n = 1; /* the worker ran out of address space */
	}
	if (n <= 0)
		return 0;
	snprintf(why, len, "memory_limit: stopped by the kernel (%s) at "
	    "%llu bytes", budget_backend_name(b), (unsigned long long)limit);
	log_warn("%s.%u pid %d %s", kind_name(w->kind), w->idx, (int)w->pid,
	    why);
	return 1;
}

static void
fmt_size(uint64_t v, char *buf, size_t len)
{
	snprintf(buf, len, "%.1f MiB", (double)v / (1 << 20));
}

/* "memory_budget: private bytes 9.0 MiB > budget 8.0 MiB" */
static void
over_size(char *why, size_t len, const char *rule, uint64_t fig,
    uint64_t lim)
{
	char f[32], l[32];

	fmt_size(fig, f, sizeof(f));
	fmt_size(lim, l, sizeof(l));
	snprintf(why, len, "%s: private bytes %s > %s %s", rule, f,
	    strcmp(rule, "memory_limit") == 0 ? "limit" : "budget", l);
}

enum budget_verdict
budget_check(const struct sb_budget *bg, const struct budget_sample *s,
    char *why, size_t len, struct budget_over *over)
{
	struct budget_over none;

	if (over == NULL)
		over = &none;
	if (bg->memory_limit && s->private_bytes > bg->memory_limit) {
		*over = (struct budget_over){ "memory_limit", s->private_bytes,
			bg->memory_limit };
		over_size(why, len, over->rule, s->private_bytes,
		    bg->memory_limit);
		return BUDGET_KILL;
	}
	if (bg->memory_budget && s->private_bytes > bg->memory_budget) {
		*over = (struct budget_over){ "memory_budget", s->private_bytes,
			bg->memory_budget };
		over_size(why, len, over->rule, s->private_bytes,
		    bg->memory_budget);
	} else if (bg->handle_budget && s->fds > bg->handle_budget) {
		*over = (struct budget_over){ "handle_budget", s->fds,
			bg->handle_budget };
		snprintf(why, len, "handle_budget: %u open fds > budget %llu",
		    s->fds, (unsigned long long)bg->handle_budget);
	} else if (bg->max_jobs && s->jobs >= bg->max_jobs) {
		*over = (struct budget_over){ "max_jobs", s->jobs,
			bg->max_jobs };
		snprintf(why, len, "max_jobs: %llu jobs >= %llu",
		    (unsigned long long)s->jobs,
		    (unsigned long long)bg->max_jobs);
	} else if (s->lifetime && s->up_ms > s->lifetime) {
		*over = (struct budget_over){ "max_lifetime", s->up_ms,
			s->lifetime };
		snprintf(why, len,
		    "max_lifetime: up %llums > %llums (with jitter)",
		    (unsigned long long)s->up_ms,
		    (unsigned long long)s->lifetime);
	} else if (s->extra && s->idle_ms && bg->max_idle &&
	    s->idle_ms > bg->max_idle) {
		*over = (struct budget_over){ "max_idle", s->idle_ms,
			bg->max_idle };
		snprintf(why, len, "max_idle: idle %llums > %llums",
		    (unsigned long long)s->idle_ms,
		    (unsigned long long)bg->max_idle);
		return BUDGET_RETIRE;
	} else {
		return BUDGET_OK;
	}
	return BUDGET_RECYCLE;
}
