/*
 * caps: a printer's Get-Printer-Attributes answer as the PrinterCaps the
 * broker keeps and the listener offers for its queue. Bounded as chan.c
 * checks it: values that are not keywords, and what does not fit, are
 * left out, so a printer's odd answer costs its odd values, never the
 * remote's channel.
 * Reports: nothing itself.
 */
#include "caps.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char *
dup_or_die(const char *s)
{
	char *d = strdup(s);

	if (d == NULL)
		abort();
	return d;
}

/* Up to max values of the attribute name that ok() takes (ok NULL:
 * strings under 256 bytes), strdup'd; how many in *n. */
static char **
strings(ipp_t *resp, const char *name, size_t max, int (*ok)(const char *),
    size_t *n)
{
	ipp_attribute_t *a = ippFindAttribute(resp, name, IPP_TAG_ZERO);
	int count = a != NULL ? ippGetCount(a) : 0;
	char **v = calloc(max, sizeof(*v));

	*n = 0;
	if (v == NULL)
		abort();
	for (int i = 0; i < count && *n < max; i++) {
		const char *s = ippGetString(a, i, NULL);
		if (s != NULL && (ok != NULL ? ok(s) : strlen(s) < 256))
			v[(*n)++] = dup_or_die(s);
	}
	return v;
}

/* One string of the attribute name that ok() takes, or "" (strdup'd). */
static char *
one(ipp_t *resp, const char *name, int (*ok)(const char *))
{
	ipp_attribute_t *a = ippFindAttribute(resp, name, IPP_TAG_ZERO);
	const char *s = a != NULL ? ippGetString(a, 0, NULL) : NULL;

	return dup_or_die(s != NULL && ok(s) ? s : "");
}

static int
uri_ok(const char *s)
{
	return strlen(s) < 1024 && strncmp(s, "http", 4) == 0;
}

static void
resolution(ipp_attribute_t *a, int i, char *buf, size_t len)
{
	ipp_res_t units;
	int y, x = ippGetResolution(a, i, &y, &units);

	snprintf(buf, len, "%dx%d%s", x, y,
	    units == IPP_RES_PER_INCH ? "dpi" : "dpcm");
}

static void
resolutions(ipp_t *resp, Sb__PrinterCaps *c)
{
	ipp_attribute_t *a = ippFindAttribute(resp,
	    "printer-resolution-supported", IPP_TAG_RESOLUTION);
	char buf[32];

	c->resolutions = calloc(16, sizeof(*c->resolutions));
	if (c->resolutions == NULL)
		abort();
	for (int i = 0; a != NULL && i < ippGetCount(a) && i < 16; i++) {
		resolution(a, i, buf, sizeof(buf));
		c->resolutions[c->n_resolutions++] = dup_or_die(buf);
	}
	a = ippFindAttribute(resp, "printer-resolution-default",
	    IPP_TAG_RESOLUTION);
	buf[0] = '\0';
	if (a != NULL)
		resolution(a, 0, buf, sizeof(buf));
	c->resolution_default = dup_or_die(buf);
}

/* printer-supply and its descriptions, in pairs. */
static void
supplies(ipp_t *resp, Sb__PrinterCaps *c)
{
	ipp_attribute_t *s = ippFindAttribute(resp, "printer-supply",
	    IPP_TAG_STRING);
	ipp_attribute_t *d = ippFindAttribute(resp,
	    "printer-supply-description", IPP_TAG_ZERO);
	int n = s != NULL && d != NULL && ippGetCount(s) == ippGetCount(d)
	    ? ippGetCount(s)
	    : 0;

	c->supplies = calloc(32, sizeof(*c->supplies));
	c->supply_descriptions = calloc(32, sizeof(char *));
	if (c->supplies == NULL || c->supply_descriptions == NULL)
		abort();
	for (int i = 0; i < n && i < 32; i++) {
		int len = 0;
		const void *v = ippGetOctetString(s, i, &len);
		const char *t = ippGetString(d, i, NULL);
		uint8_t *copy;
		if (v == NULL || len <= 0 || len > 1023 || t == NULL ||
		    strlen(t) >= 256 || (copy = malloc((size_t)len)) == NULL)
			continue;
		memcpy(copy, v, (size_t)len);
		c->supplies[c->n_supplies].data = copy;
		c->supplies[c->n_supplies++].len = (size_t)len;
		c->supply_descriptions[c->n_supply_descriptions++] =
		    dup_or_die(t);
	}
}

void
caps_read(ipp_t *resp, Sb__PrinterCaps *c)
{
	ipp_attribute_t *a;

	c->media = strings(resp, "media-supported", 64, chan_keyword_ok,
	    &c->n_media);
	c->media_default = one(resp, "media-default", chan_keyword_ok);
	c->sides = strings(resp, "sides-supported", 3, chan_keyword_ok,
	    &c->n_sides);
	c->sides_default = one(resp, "sides-default", chan_keyword_ok);
	c->color_modes = strings(resp, "print-color-mode-supported", 16,
	    chan_keyword_ok, &c->n_color_modes);
	c->color_mode_default = one(resp, "print-color-mode-default",
	    chan_keyword_ok);
	resolutions(resp, c);
	a = ippFindAttribute(resp, "finishings-supported", IPP_TAG_ENUM);
	c->finishings = calloc(64, sizeof(*c->finishings));
	if (c->finishings == NULL)
		abort();
	for (int i = 0; a != NULL && i < ippGetCount(a) && i < 64; i++)
		c->finishings[c->n_finishings++] = ippGetInteger(a, i);
	c->icons = strings(resp, "printer-icons", 4, uri_ok, &c->n_icons);
	supplies(resp, c);
	c->supply_info_uri = one(resp, "printer-supply-info-uri", uri_ok);
	a = ippFindAttribute(resp, "printer-config-change-time",
	    IPP_TAG_INTEGER);
	c->config_change_time = a != NULL ? ippGetInteger(a, 0) : 0;
}

static void
free_strings(char **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

void
caps_free(Sb__PrinterCaps *c)
{
	free_strings(c->media, c->n_media);
	free_strings(c->sides, c->n_sides);
	free_strings(c->color_modes, c->n_color_modes);
	free_strings(c->resolutions, c->n_resolutions);
	free_strings(c->icons, c->n_icons);
	free_strings(c->supply_descriptions, c->n_supply_descriptions);
	for (size_t i = 0; i < c->n_supplies; i++)
		free(c->supplies[i].data);
	free(c->supplies);
	free(c->finishings);
	free(c->media_default);
	free(c->sides_default);
	free(c->color_mode_default);
	free(c->resolution_default);
	free(c->supply_info_uri);
}
