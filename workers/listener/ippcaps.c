/*
 * ippcaps: what the printer of an ipp:// or ipps:// queue can do, as it
 * said to a remote (Get-Printer-Attributes, PrinterCaps in QueueInfo,
 * cached and refreshed by the broker), offered in place of the
 * listener's defaults: its media (and their sizes, from libcups' PWG
 * table), sides, colour modes, resolutions, finishings, icons and
 * supplies. What a printer did not say stays the listener's own. Jobs
 * are checked against what is offered, so a job asks the printer only
 * for what it has.
 * Reports: nothing itself.
 */
#include "ippsrv.h"

#include <stdio.h>
#include <string.h>

#include "config.h"

const char *
queue_media_list(const struct lsn_queue *q)
{
	return q->cfg->media_supported[0] ? q->cfg->media_supported
					  : "iso_a4_210x297mm,na_letter_8.5x11in";
}

const char *
queue_sides_list(const struct lsn_queue *q)
{
	return sides_offered(q->cfg->sides_supported, q->cfg->uri);
}

/* Each group of attributes the printer's answer replaces, and whether
 * it said anything of that group. */
static const struct {
	const char *name;
	int group;
} replaced[] = {
	{ "media-supported", 0 }, { "media-default", 0 }, { "media-ready", 0 },
	{ "media-col-database", 0 }, { "media-col-default", 0 },
	{ "media-col-ready", 0 }, { "media-size-supported", 0 },
	{ "sides-supported", 1 }, { "sides-default", 1 },
	{ "print-color-mode-supported", 2 }, { "print-color-mode-default", 2 },
	{ "color-supported", 2 },
	{ "printer-resolution-supported", 3 },
	{ "printer-resolution-default", 3 },
	{ "finishings-supported", 4 },
	{ "printer-icons", 5 },
	{ "printer-supply", 6 }, { "printer-supply-description", 6 },
	{ "printer-supply-info-uri", 6 },
};
#define N(a) (sizeof(a) / sizeof((a)[0]))

static int
said(const Sb__PrinterCaps *c, int group)
{
	size_t n[] = { c->n_media, c->n_sides, c->n_color_modes,
		c->n_resolutions, c->n_finishings, c->n_icons, c->n_supplies };

	return c->error[0] == '\0' && n[group] > 0;
}

int
caps_replace(const Sb__PrinterCaps *c, const char *name)
{
	for (size_t i = 0; c != NULL && i < N(replaced); i++)
		if (strcmp(replaced[i].name, name) == 0)
			return said(c, replaced[i].group);
	return 0;
}

static void
keywords(ipp_t *a, const char *name, char **v, size_t n)
{
	ippAddStrings(a, IPP_TAG_PRINTER, IPP_TAG_KEYWORD, name, (int)n, NULL,
	    (const char *const *)v);
}

static const char *
or_first(const char *dflt, char **v)
{
	return dflt[0] != '\0' ? dflt : v[0];
}

ipp_t *
media_col_of(const char *name)
{
	pwg_media_t *m = pwgMediaForPWG(name);
	ipp_t *col, *size;

	if (m == NULL || m->width <= 0 || m->length <= 0)
		return NULL;
	col = ippNew();
	size = ippNew();
	ippAddInteger(size, IPP_TAG_ZERO, IPP_TAG_INTEGER, "x-dimension",
	    m->width);
	ippAddInteger(size, IPP_TAG_ZERO, IPP_TAG_INTEGER, "y-dimension",
	    m->length);
	ippAddCollection(col, IPP_TAG_ZERO, "media-size", size);
	ippAddString(col, IPP_TAG_ZERO, IPP_TAG_KEYWORD, "media-size-name",
	    NULL, name);
	ippDelete(size);
	return col;
}

static void
media(const Sb__PrinterCaps *c, ipp_t *a)
{
	const char *dflt = or_first(c->media_default, c->media);
	ipp_attribute_t *db = NULL, *sizes = NULL;
	ipp_t *col;

	keywords(a, "media-supported", c->media, c->n_media);
	ippAddString(a, IPP_TAG_PRINTER, IPP_TAG_KEYWORD, "media-default", NULL,
	    dflt);
	ippAddString(a, IPP_TAG_PRINTER, IPP_TAG_KEYWORD, "media-ready", NULL,
	    dflt);
	for (size_t i = 0; i < c->n_media; i++) {
		if ((col = media_col_of(c->media[i])) == NULL)
			continue;
		ipp_t *size = ippGetCollection(ippFindAttribute(col,
		    "media-size", IPP_TAG_BEGIN_COLLECTION), 0);
		if (db == NULL) {
			db = ippAddCollection(a, IPP_TAG_PRINTER,
			    "media-col-database", col);
			sizes = ippAddCollection(a, IPP_TAG_PRINTER,
			    "media-size-supported", size);
		} else {
			ippSetCollection(a, &db, ippGetCount(db), col);
			ippSetCollection(a, &sizes, ippGetCount(sizes), size);
		}
		ippDelete(col);
	}
	if ((col = media_col_of(dflt)) != NULL) {
		ippAddCollection(a, IPP_TAG_PRINTER, "media-col-default", col);
		ippAddCollection(a, IPP_TAG_PRINTER, "media-col-ready", col);
		ippDelete(col);
	}
}

static void
resolutions(const Sb__PrinterCaps *c, ipp_t *a)
{
	ipp_attribute_t *r = NULL;

	for (size_t i = 0; i < c->n_resolutions; i++) {
		int x, y;
		char u[8] = "";
		if (sscanf(c->resolutions[i], "%dx%d%7s", &x, &y, u) != 3)
			continue;
		ipp_res_t units = strcmp(u, "dpi") == 0 ? IPP_RES_PER_INCH
							: IPP_RES_PER_CM;
		if (r == NULL)
			r = ippAddResolution(a, IPP_TAG_PRINTER,
			    "printer-resolution-supported", units, x, y);
		else
			ippSetResolution(a, &r, ippGetCount(r), units, x, y);
		if (strcmp(c->resolutions[i], or_first(c->resolution_default,
						  c->resolutions)) == 0)
			ippAddResolution(a, IPP_TAG_PRINTER,
			    "printer-resolution-default", units, x, y);
	}
}

static void
supplies(const Sb__PrinterCaps *c, ipp_t *a)
{
	ipp_attribute_t *s = NULL;

	for (size_t i = 0; i < c->n_supplies; i++)
		if (s == NULL)
			s = ippAddOctetString(a, IPP_TAG_PRINTER, "printer-supply",
			    c->supplies[i].data, (int)c->supplies[i].len);
		else
			ippSetOctetString(a, &s, ippGetCount(s),
			    c->supplies[i].data, (int)c->supplies[i].len);
	ippAddStrings(a, IPP_TAG_PRINTER, IPP_TAG_TEXT,
	    "printer-supply-description", (int)c->n_supply_descriptions, NULL,
	    (const char *const *)c->supply_descriptions);
	if (c->supply_info_uri[0] != '\0')
		ippAddString(a, IPP_TAG_PRINTER, IPP_TAG_URI,
		    "printer-supply-info-uri", NULL, c->supply_info_uri);
}

/* Each group the printer said, in place of the listener's in a. */
void
caps_attrs(const Sb__PrinterCaps *c, ipp_t *a)
{
	ipp_attribute_t *old;

	for (size_t i = 0; i < N(replaced); i++)
		while (said(c, replaced[i].group) &&
		    (old = ippFindAttribute(a, replaced[i].name, IPP_TAG_ZERO)) !=
			NULL)
			ippDeleteAttribute(a, old);
	if (said(c, 0))
		media(c, a);
	if (said(c, 1)) {
		keywords(a, "sides-supported", c->sides, c->n_sides);
		ippAddString(a, IPP_TAG_PRINTER, IPP_TAG_KEYWORD,
		    "sides-default", NULL, or_first(c->sides_default, c->sides));
	}
	if (said(c, 2)) {
		int color = 0;
		for (size_t i = 0; i < c->n_color_modes; i++)
			color |= strstr(c->color_modes[i], "color") != NULL;
		keywords(a, "print-color-mode-supported", c->color_modes,
		    c->n_color_modes);
		ippAddString(a, IPP_TAG_PRINTER, IPP_TAG_KEYWORD,
		    "print-color-mode-default", NULL,
		    or_first(c->color_mode_default, c->color_modes));
		ippAddBoolean(a, IPP_TAG_PRINTER, "color-supported", (char)color);
	}
	if (said(c, 3))
		resolutions(c, a);
	if (said(c, 4))
		ippAddIntegers(a, IPP_TAG_PRINTER, IPP_TAG_ENUM,
		    "finishings-supported", (int)c->n_finishings, c->finishings);
	if (said(c, 5))
		ippAddStrings(a, IPP_TAG_PRINTER, IPP_TAG_URI, "printer-icons",
		    (int)c->n_icons, NULL, (const char *const *)c->icons);
	if (said(c, 6))
		supplies(c, a);
}

/* v's n words, comma-joined, into buf (what does not fit is left out). */
static void
join(char **v, size_t n, char *buf, size_t len)
{
	size_t used = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < n; i++) {
		int k = snprintf(buf + used, len - used, "%s%s", used ? "," : "",
		    v[i]);
		if (k < 0 || (size_t)k >= len - used) {
			buf[used] = '\0';
			return;
		}
		used += (size_t)k;
	}
}

void
caps_offered(const struct lsn_queue *q, const Sb__PrinterCaps *c,
    struct offer *o)
{
	snprintf(o->sides, sizeof(o->sides), "%s", queue_sides_list(q));
	snprintf(o->media, sizeof(o->media), "%s", queue_media_list(q));
	if (c != NULL && said(c, 1))
		join(c->sides, c->n_sides, o->sides, sizeof(o->sides));
	if (c != NULL && said(c, 0))
		join(c->media, c->n_media, o->media, sizeof(o->media));
}
