/*
 * consoleview: what every part of the web console uses (console.c over
 * consolepage.c over consolechart.c over this): escaping for HTML and
 * URLs, forms' fields, and asking the broker as the view's caller.
 */
#include <string.h>

#include "ippsrv.h"
#include "log.h"

static int
hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int
form_get(const char *form, const char *key, char *out, size_t len)
{
	size_t klen = strlen(key);

	for (const char *p = form; p != NULL && *p;) {
		const char *amp = strchr(p, '&');
		const char *end = amp != NULL ? amp : p + strlen(p);
		if ((size_t)(end - p) > klen && strncmp(p, key, klen) == 0 &&
		    p[klen] == '=') {
			size_t n = 0;
			for (const char *s = p + klen + 1; s < end && n + 1 < len;
			    s++) {
				int hi, lo;
				if (*s == '+') {
					out[n++] = ' ';
				} else if (*s == '%' && end - s >= 3 &&
				    (hi = hexval(s[1])) >= 0 &&
				    (lo = hexval(s[2])) >= 0) {
					out[n++] = (char)(hi * 16 + lo);
					s += 2;
				} else {
					out[n++] = *s;
				}
			}
			out[n] = '\0';
			return memchr(out, '\0', n) == NULL;
		}
		p = amp != NULL ? amp + 1 : NULL;
	}
	if (len > 0)
		out[0] = '\0';
	return 0;
}

sb_env *
view_ask(struct view *v, sb_env *e, int want, char *err, size_t errlen)
{
	sb_env *a = lsn_call(v->r->c->l, e, v->who, ANSWER_MS);

	if (a != NULL && (int)a->body_case == want)
		return a;
	v->err_code = a != NULL && a->body_case == SB__ENVELOPE__BODY_ERROR_REP
	    ? (int)a->error_rep->code
	    : a != NULL ? SB__ERROR_CODE__E_IO : 0;
	if (err != NULL)
		snprintf(err, errlen, "%s", a == NULL
			? "the spooler did not answer"
			: a->body_case == SB__ENVELOPE__BODY_ERROR_REP
			? a->error_rep->message
			: "the spooler answered something else");
	if (a != NULL)
		chan_free(a);
	return NULL;
}

int
view_http_status(const struct view *v)
{
	switch (v->err_code) {
	case SB__ERROR_CODE__E_PERM: return 403;
	case SB__ERROR_CODE__E_NOT_FOUND: return 404;
	case 0:
	case SB__ERROR_CODE__E_UNAVAILABLE: return 503;
	default: return 400;
	}
}

void
html_text(FILE *f, const char *s)
{
	const unsigned char *p = (const unsigned char *)(s != NULL ? s : "");

	while (*p) {
		size_t n = text_utf8_len(p);
		if (n == 0 || (*p < 0x20 && *p != '\n' && *p != '\t') ||
		    *p == 0x7f) {
			fputs("\xef\xbf\xbd", f); /* U+FFFD */
			p++;
			continue;
		}
		switch (*p) {
		case '&': fputs("&amp;", f); break;
		case '<': fputs("&lt;", f); break;
		case '>': fputs("&gt;", f); break;
		case '"': fputs("&quot;", f); break;
		case '\'': fputs("&#39;", f); break;
		default: fwrite(p, 1, n, f); break;
		}
		p += n;
	}
}

void
url_text(FILE *f, const char *s)
{
	for (const unsigned char *p = (const unsigned char *)s; *p; p++)
		if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		    (*p >= '0' && *p <= '9') || strchr("-._~", *p) != NULL)
			fputc(*p, f);
		else
			fprintf(f, "%%%02X", *p);
}
