/*
 * saved: budget changes an admin made live (`spoolbox budget`), kept in
 * SPOOL/budgets.state so that a restart keeps them; a reload reads the
 * config again and its values win: it forgets them (and says so). One
 * line per setting, "KIND KEY VALUE", written whole, durably.
 * Reports: what a start took over from before, and a file it could not
 * read or write.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "broker.h"
#include "log.h"
#include "util.h"

#define SAVED_MAX 256

struct setting {
	char kind[16], key[40], value[40];
};

static void
saved_path(const struct broker *b, char *buf, size_t len)
{
	snprintf(buf, len, "%.4000s/budgets.state", b->cfg.spool_dir);
}

/* The file's settings into s[]; how many. */
static size_t
read_settings(const struct broker *b, struct setting *s)
{
	char path[PATH_MAX], line[160];
	size_t n = 0;
	FILE *f;

	saved_path(b, path, sizeof(path));
	if ((f = fopen(path, "re")) == NULL)
		return 0;
	while (n < SAVED_MAX && fgets(line, sizeof(line), f) != NULL)
		if (sscanf(line, "%15s %39s %39s", s[n].kind, s[n].key,
			s[n].value) == 3)
			n++;
	fclose(f);
	return n;
}

static int
write_settings(const struct broker *b, const struct setting *s, size_t n)
{
	char path[PATH_MAX], tmp[PATH_MAX + 8];
	FILE *f;
	int rv;

	saved_path(b, path, sizeof(path));
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	if (n == 0)
		return unlink(path) == 0 || errno == ENOENT ? 0 : -1;
	if ((f = fopen(tmp, "we")) == NULL)
		return -1;
	for (size_t i = 0; i < n; i++)
		fprintf(f, "%s %s %s\n", s[i].kind, s[i].key, s[i].value);
	rv = fflush(f) == 0 && fsync(fileno(f)) == 0 ? 0 : -1;
	if (fclose(f) != 0 || rv != 0 || rename(tmp, path) != 0) {
		unlink(tmp);
		return -1;
	}
	return fsync_dir(b->cfg.spool_dir);
}

void
saved_apply(struct broker *b)
{
	struct setting *s = calloc(SAVED_MAX, sizeof(*s));
	char err[256], took[1024] = "";
	size_t n = s != NULL ? read_settings(b, s) : 0;

	for (size_t i = 0; i < n; i++) {
		int k = kind_from_name(s[i].kind);
		struct sb_budget nb;
		if (k == 0)
			continue;
		nb = b->cfg.workers[k];
		if (config_budget_set(&nb, s[i].key, s[i].value, err,
			sizeof(err)) != 0 ||
		    config_budget_check(&nb, err, sizeof(err)) != 0) {
			log_warn("budgets.state: %s %s: %s; not taken", s[i].kind,
			    s[i].key, err);
			continue;
		}
		b->cfg.workers[k] = nb;
		snprintf(took + strlen(took), sizeof(took) - strlen(took),
		    "%s%s %s=%s", took[0] ? ", " : "", s[i].kind, s[i].key,
		    s[i].value);
	}
	if (took[0] != '\0')
		log_info("budgets changed live before the restart, kept: %s",
		    took);
	free(s);
}

int
saved_record(struct broker *b, int kind, char **set, size_t nset)
{
	struct setting *s = calloc(SAVED_MAX, sizeof(*s));
	size_t n;
	int rv;

	if (s == NULL)
		return -1;
	n = read_settings(b, s);
	for (size_t i = 0; i < nset; i++) {
		const char *eq = strchr(set[i], '=');
		size_t k;
		if (eq == NULL || eq - set[i] >= 40)
			continue;
		for (k = 0; k < n; k++)
			if (strcmp(s[k].kind, kind_name(kind)) == 0 &&
			    strncmp(s[k].key, set[i], (size_t)(eq - set[i])) ==
				0 &&
			    s[k].key[eq - set[i]] == '\0')
				break;
		if (k == n && n == SAVED_MAX)
			continue;
		snprintf(s[k].kind, sizeof(s[k].kind), "%s", kind_name(kind));
		snprintf(s[k].key, sizeof(s[k].key), "%.*s",
		    (int)(eq - set[i]), set[i]);
		snprintf(s[k].value, sizeof(s[k].value), "%s", eq + 1);
		n += k == n;
	}
	rv = write_settings(b, s, n);
	if (rv != 0)
		log_warn("budgets.state: %s; the change lasts until the next "
			 "restart", strerror(errno));
	free(s);
	return rv;
}

int
saved_forget(struct broker *b)
{
	struct setting *s = calloc(SAVED_MAX, sizeof(*s));
	size_t n = s != NULL ? read_settings(b, s) : 0;

	free(s);
	if (n > 0 && write_settings(b, NULL, 0) != 0)
		return -1;
	return (int)n;
}
