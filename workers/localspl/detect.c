/*
 * detect: what a submitted "auto" job is, from its first bytes. Printer
 * languages libmagic does not name are recognized by their signatures
 * (PJL/PCL, PWG raster, Apple URF); the rest is libmagic's (Debian's
 * libmagic-dev), whose database localspl loads before it enters its
 * sandbox. Without the database, a small fallback tells PDF, PostScript
 * and text from the rest.
 * Reports: nothing; an unknown type is RAW (printer-ready, passed as is).
 */
#include "localspl.h"

#include <magic.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* Escape-heavy data is printer language (PCL, ESC/P), not text. */
static int
looks_like_text(const uint8_t *p, size_t n)
{
	size_t ctl = 0;

	for (size_t i = 0; i < n; i++) {
		if (p[i] == 0)
			return 0;
		if (p[i] < 0x20 && p[i] != '\n' && p[i] != '\r' &&
		    p[i] != '\t' && p[i] != '\f' && p[i] != '\b')
			ctl++;
	}
	return ctl * 100 <= n;
}

/* libmagic calls any text that begins with two capitals and a digit or
 * ';' HP-GL ("PATH=...", "IN; ..."). Real HP-GL is instructions ended by
 * ';', in capitals: a text with few semicolons or with lowercase words
 * is text. */
static int
looks_like_hpgl(const uint8_t *p, size_t n)
{
	size_t semi = 0, lower = 0;

	for (size_t i = 0; i < n; i++) {
		semi += p[i] == ';';
		lower += p[i] >= 'a' && p[i] <= 'z';
	}
	return semi * 40 >= n && lower * 20 < n;
}

static int
starts(const uint8_t *p, size_t n, const char *sig, size_t len)
{
	return n >= len && memcmp(p, sig, len) == 0;
}

/* What libmagic's MIME type means to spoolbox; 0: not one of these. */
static int
from_mime(const char *mime)
{
	static const struct {
		const char *mime;
		int type;
	} map[] = {
		{ "application/pdf", SB__DATA_TYPE__PDF },
		{ "application/postscript", SB__DATA_TYPE__POSTSCRIPT },
		{ "image/png", SB__DATA_TYPE__PNG },
		{ "image/jpeg", SB__DATA_TYPE__JPEG },
		{ "application/vnd.hp-pcl", SB__DATA_TYPE__PCL },
	};

	for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++)
		if (strcmp(mime, map[i].mime) == 0)
			return map[i].type;
	return strncmp(mime, "text/", 5) == 0 ? SB__DATA_TYPE__TEXT : 0;
}

int
detect_type(void *magic, const uint8_t *p, size_t n)
{
	const char *mime = NULL;
	int t;

	if (n == 0)
		return SB__DATA_TYPE__RAW;
	if (starts(p, n, "\x1b%-12345X", 9) || starts(p, n, "\x1b" "E", 2))
		return SB__DATA_TYPE__PCL;
	if (starts(p, n, "RaS2", 4))
		return SB__DATA_TYPE__PWG_RASTER;
	if (starts(p, n, "UNIRAST", 7))
		return SB__DATA_TYPE__URF;
	if (magic != NULL && (mime = magic_buffer(magic, p, n)) != NULL &&
	    (t = from_mime(mime)) != 0)
		return t == SB__DATA_TYPE__TEXT && !looks_like_text(p, n)
		    ? SB__DATA_TYPE__RAW
		    : t;
	if (magic != NULL && mime != NULL &&
	    strcasecmp(mime, "application/vnd.hp-hpgl") == 0 &&
	    looks_like_text(p, n) && !looks_like_hpgl(p, n))
		return SB__DATA_TYPE__TEXT;
	if (starts(p, n, "%PDF-", 5))
		return SB__DATA_TYPE__PDF;
	if (starts(p, n, "%!", 2))
		return SB__DATA_TYPE__POSTSCRIPT;
	return magic == NULL && looks_like_text(p, n) ? SB__DATA_TYPE__TEXT
						      : SB__DATA_TYPE__RAW;
}

void *
detect_open(void)
{
	magic_t m = magic_open(MAGIC_MIME_TYPE | MAGIC_ERROR);

	/* The database lies under /usr/lib, in every worker's view. */
	if (m != NULL && magic_load(m, "/usr/lib/file/magic.mgc") != 0) {
		magic_close(m);
		m = NULL;
	}
	return m;
}

void
detect_close(void *magic)
{
	if (magic != NULL)
		magic_close(magic);
}
