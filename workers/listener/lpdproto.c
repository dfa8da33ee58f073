/*
 * lpdproto: see lpdproto.h. Strict where a mistake could matter (names,
 * counts, sizes, the queue), lenient where real clients differ (lines
 * spoolbox does not use, LPRng's extension letters, trailing blanks).
 * Reports: nothing itself; each refusal in err.
 */
#include "lpdproto.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "config.h"
#include "util.h"

static int
blank(char ch)
{
	return ch == ' ' || ch == '\t';
}

/* Printable ASCII and bytes of UTF-8 sequences: what a name or title
 * may hold (the CLI escapes what it shows). */
static int
text_ok(const char *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)p[i] < 0x20 || p[i] == 0x7f)
			return 0;
	return 1;
}

int
lpd_name_ok(const char *s, size_t len)
{
	if (len == 0 || len > LPD_NAME_MAX || memchr(s, '/', len) != NULL ||
	    (len == 1 && s[0] == '.') || (len == 2 && s[0] == '.' && s[1] == '.'))
		return 0;
	for (size_t i = 0; i < len; i++)
		if (s[i] <= ' ' || s[i] > '~')
			return 0;
	return 1;
}

/* The next blank-separated field of [*p, end) into dst (cap bytes with
 * its NUL); 0 when there is none, -1 when it is longer than cap - 1. */
static int
next_field(const char **p, const char *end, char *dst, size_t cap)
{
	const char *s;

	while (*p < end && blank(**p))
		(*p)++;
	if (*p == end)
		return 0;
	for (s = *p; *p < end && !blank(**p); (*p)++)
		;
	if ((size_t)(*p - s) >= cap)
		return -1;
	memcpy(dst, s, (size_t)(*p - s));
	dst[*p - s] = '\0';
	return 1;
}

int
lpd_parse_command(const char *line, size_t len, struct lpd_command *c,
    char *err, size_t errlen)
{
	const char *p = line + 1, *end = line + len;
	char arg[33];
	int rv;

	memset(c, 0, sizeof(*c));
	if (len == 0)
		return fail_why(err, errlen, "empty command");
	if (len > LPD_LINE_MAX)
		return fail_why(err, errlen, "command longer than %d bytes",
		    LPD_LINE_MAX);
	if (line[0] < LPD_PRINT_WAITING || line[0] > LPD_REMOVE)
		return fail_why(err, errlen, "unknown command 0x%02x",
		    (unsigned char)line[0]);
	if (!text_ok(p, (size_t)(end - p)))
		return fail_why(err, errlen, "control character in a command");
	c->op = line[0];
	if (next_field(&p, end, c->queue, sizeof(c->queue)) != 1 ||
	    !config_queue_name_ok(c->queue))
		return fail_why(err, errlen, "bad queue name");
	if (c->op == LPD_REMOVE &&
	    next_field(&p, end, c->agent, sizeof(c->agent)) != 1)
		return fail_why(err, errlen, "remove-jobs without an agent");
	while ((rv = next_field(&p, end, arg, sizeof(arg))) == 1) {
		if (c->op == LPD_PRINT_WAITING || c->op == LPD_RECEIVE)
			return fail_why(err, errlen, "unexpected operand '%s'",
			    arg);
		if (c->nargs == LPD_ARGS_MAX)
			return fail_why(err, errlen, "more than %d operands",
			    LPD_ARGS_MAX);
		memcpy(c->args[c->nargs++], arg, sizeof(arg));
	}
	if (rv < 0)
		return fail_why(err, errlen, "an operand longer than %zu bytes",
		    sizeof(arg) - 1);
	return 0;
}

int
lpd_parse_subcommand(const char *line, size_t len, uint64_t max,
    struct lpd_subcommand *s, char *err, size_t errlen)
{
	size_t i = 1, digits = 0;

	memset(s, 0, sizeof(*s));
	if (len == 0)
		return fail_why(err, errlen, "empty subcommand");
	if (line[0] < LPD_SUB_ABORT || line[0] > LPD_SUB_DATA)
		return fail_why(err, errlen, "unknown subcommand 0x%02x",
		    (unsigned char)line[0]);
	s->op = line[0];
	if (s->op == LPD_SUB_ABORT)
		return len == 1 ? 0
				: fail_why(err, errlen, "abort with operands");
	for (; i < len && line[i] >= '0' && line[i] <= '9'; i++, digits++) {
		if (s->count > (UINT64_MAX - 9) / 10)
			return fail_why(err, errlen, "count out of range");
		s->count = s->count * 10 + (uint64_t)(line[i] - '0');
	}
	if (digits == 0 || i == len || line[i] != ' ')
		return fail_why(err, errlen, "expected COUNT SP NAME");
	if (s->count > max)
		return fail_why(err, errlen, "%s file of %llu bytes is larger "
		    "than %llu", s->op == LPD_SUB_CONTROL ? "control" : "data",
		    (unsigned long long)s->count, (unsigned long long)max);
	i++;
	if (!lpd_name_ok(line + i, len - i))
		return fail_why(err, errlen, "bad file name");
	if (len - i < 2 ||
	    memcmp(line + i, s->op == LPD_SUB_CONTROL ? "cf" : "df", 2) != 0)
		return fail_why(err, errlen, "a %s file's name starts with %s",
		    s->op == LPD_SUB_CONTROL ? "control" : "data",
		    s->op == LPD_SUB_CONTROL ? "cf" : "df");
	memcpy(s->name, line + i, len - i);
	s->name[len - i] = '\0';
	return 0;
}

/* A value of a control line into dst: 0, or -1 when it is too long or
 * holds a control character. */
static int
value(const char *v, size_t n, char *dst, size_t cap)
{
	if (n >= cap || !text_ok(v, n))
		return -1;
	memcpy(dst, v, n);
	dst[n] = '\0';
	return 0;
}

/* A print line: count it against its data file. */
static int
print_line(struct lpd_control *c, char letter, const char *v, size_t n,
    char *err, size_t errlen)
{
	struct lpd_file *f = NULL;

	if (!lpd_name_ok(v, n) || n < 2 || memcmp(v, "df", 2) != 0)
		return fail_why(err, errlen, "print line '%c' names a bad data "
		    "file", letter);
	for (size_t i = 0; i < c->nfiles && f == NULL; i++)
		if (strlen(c->files[i].name) == n &&
		    memcmp(c->files[i].name, v, n) == 0)
			f = &c->files[i];
	if (f == NULL) {
		if (c->nfiles == LPD_FILES_MAX)
			return fail_why(err, errlen, "more than %d data files",
			    LPD_FILES_MAX);
		f = &c->files[c->nfiles++];
		memcpy(f->name, v, n);
		f->name[n] = '\0';
		f->kind = letter == 'o' ? LPD_KIND_POSTSCRIPT
		    : letter == 'f' || letter == 'p' ? LPD_KIND_TEXT
						     : LPD_KIND_RAW;
	}
	if (f->copies == LPD_COPIES_MAX)
		return fail_why(err, errlen, "more than %d copies",
		    LPD_COPIES_MAX);
	f->copies++;
	return 0;
}

/* One line of a control file. */
static int
control_line(struct lpd_control *c, const char *l, size_t n, char *err,
    size_t errlen)
{
	const char *v = l + 1;
	size_t vn = n - 1;
	int bad = 0;

	if (n > LPD_LINE_MAX)
		return fail_why(err, errlen, "control line longer than %d bytes",
		    LPD_LINE_MAX);
	if (memchr(l, '\0', n) != NULL)
		return fail_why(err, errlen, "NUL in the control file");
	switch (l[0]) {
	case 'H':
		bad = value(v, vn, c->host, sizeof(c->host));
		break;
	case 'P':
		bad = vn == 0 || value(v, vn, c->user, sizeof(c->user));
		break;
	case 'J':
		bad = value(v, vn < sizeof(c->job_name) ? vn
		    : sizeof(c->job_name) - 1, c->job_name, sizeof(c->job_name));
		break;
	case 'T':
		bad = value(v, vn < sizeof(c->title) ? vn : sizeof(c->title) - 1,
		    c->title, sizeof(c->title));
		break;
	case 'C':
		bad = value(v, vn, c->class_, sizeof(c->class_));
		break;
	case 'N':
		bad = value(v, vn, c->source, sizeof(c->source));
		break;
	case 'c': case 'd': case 'f': case 'g': case 'l': case 'n': case 'o':
	case 'p': case 'r': case 't': case 'v':
		return print_line(c, l[0], v, vn, err, errlen);
	default:
		return 0; /* M, U, L, S, W, I, 1-4, LPRng's extensions */
	}
	return bad ? fail_why(err, errlen, "bad '%c' line in the control file",
			 l[0])
		   : 0;
}

int
lpd_parse_control(const char *buf, size_t len, struct lpd_control *c,
    char *err, size_t errlen)
{
	const char *p = buf, *end = buf + len;

	memset(c, 0, sizeof(*c));
	if (len > LPD_CONTROL_MAX)
		return fail_why(err, errlen, "control file longer than %d bytes",
		    LPD_CONTROL_MAX);
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t n = (size_t)((nl != NULL ? nl : end) - p);
		if (n > 0 && p[n - 1] == '\r')
			n--; /* some clients end lines with CR LF */
		if (n > 0 && control_line(c, p, n, err, errlen) != 0)
			return -1;
		p = nl != NULL ? nl + 1 : end;
	}
	if (c->user[0] == '\0')
		return fail_why(err, errlen, "control file without a P (user) "
		    "line");
	if (c->nfiles == 0)
		return fail_why(err, errlen, "control file prints no data file");
	return 0;
}
