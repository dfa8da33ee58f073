/*
 * banner: a queue's banner pages (job_sheets, as CUPS' job-sheets) and
 * its classification label on every page, drawn with cairo and pango
 * into the job's PDF as the print processor's page pass makes it. What
 * the job says of itself (its title, its owner's name from the network)
 * is laid out as plain text, never markup, its control characters
 * shown as '?', and cut short with an ellipsis where it is too long.
 * Reports: nothing.
 */
#include "banner.h"

#include <pango/pangocairo.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#define MARGIN 54.0 /* points: three quarters of an inch */

/* s with what is not printable as '?', into buf. */
static void
printable(const char *s, char *buf, size_t len)
{
	size_t n = 0;

	for (; *s && n + 1 < len; s++)
		buf[n++] = (unsigned char)*s < 0x20 || *s == 0x7f ? '?' : *s;
	buf[n] = '\0';
}

/* One line of text at (x, y), size points, at most w wide. */
static void
line(cairo_t *cr, const char *text, double x, double y, double w, int size,
    int bold, int center)
{
	PangoLayout *l = pango_cairo_create_layout(cr);
	PangoFontDescription *f = pango_font_description_from_string(
	    bold ? "DejaVu Sans Bold" : "DejaVu Sans");
	char safe[1024];

	printable(text, safe, sizeof(safe));
	pango_font_description_set_absolute_size(f, size * PANGO_SCALE);
	pango_layout_set_font_description(l, f);
	pango_layout_set_width(l, (int)(w * PANGO_SCALE));
	pango_layout_set_ellipsize(l, PANGO_ELLIPSIZE_END);
	pango_layout_set_alignment(l, center ? PANGO_ALIGN_CENTER
					     : PANGO_ALIGN_LEFT);
	/* No ligatures: "fi" of confidential stays two letters, for
	 * whoever searches the output's text. */
	PangoAttrList *al = pango_attr_list_new();
	pango_attr_list_insert(al, pango_attr_font_features_new("liga 0"));
	pango_layout_set_attributes(l, al);
	pango_attr_list_unref(al);
	pango_layout_set_text(l, safe, -1);
	cairo_move_to(cr, x, y);
	pango_cairo_show_layout(cr, l);
	pango_font_description_free(f);
	g_object_unref(l);
}

static void
utc(int64_t ms, char *buf, size_t len)
{
	time_t t = (time_t)(ms / 1000);
	struct tm tm;

	if (gmtime_r(&t, &tm) == NULL || strftime(buf, len,
		"%Y-%m-%d %H:%M:%S UTC", &tm) == 0)
		snprintf(buf, len, "-");
}

void
banner_stamp(cairo_t *cr, double w, double h, const char *label)
{
	if (label == NULL || label[0] == '\0')
		return;
	cairo_save(cr);
	cairo_set_source_rgb(cr, 0, 0, 0);
	line(cr, label, 0, 4, w, 9, 1, 1);
	line(cr, label, 0, h - 16, w, 9, 1, 1);
	cairo_restore(cr);
}

void
banner_page(cairo_t *cr, double w, double h, const struct banner *b,
    int end)
{
	const char *kind = end ? b->end : b->start;
	const char *at = strrchr(b->user, '@');
	char v[4][256], host[128];
	double y = MARGIN + 90;

	snprintf(host, sizeof(host), "%s", at != NULL ? at + 1 : "(local)");
	snprintf(v[0], sizeof(v[0]), "Job %llu%s",
	    (unsigned long long)b->job_id, end ? " (end)" : "");
	utc(b->submitted, v[1], sizeof(v[1]));
	utc((int64_t)time(NULL) * 1000, v[2], sizeof(v[2]));
	snprintf(v[3], sizeof(v[3]), "%u", b->pages);
	cairo_save(cr);
	cairo_set_source_rgb(cr, 0, 0, 0);
	if (strcmp(kind, "classified") == 0)
		line(cr, b->label[0] ? b->label : "classified", MARGIN, MARGIN,
		    w - 2 * MARGIN, 28, 1, 1);
	line(cr, v[0], MARGIN, y, w - 2 * MARGIN, 36, 1, 0);
	y += 70;
	const char *keys[] = { "User", "Host", "Title", "Queue",
		"Submitted", "Printed", "Pages" };
	const char *vals[] = { b->user, host, b->title, b->queue, v[1], v[2],
		v[3] };
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++, y += 28) {
		line(cr, keys[i], MARGIN, y, 100, 14, 1, 0);
		line(cr, vals[i], MARGIN + 110, y, w - 2 * MARGIN - 110, 14, 0,
		    0);
	}
	if (b->label[0] != '\0')
		line(cr, b->label, MARGIN, h - MARGIN - 40, w - 2 * MARGIN, 28,
		    1, 1);
	cairo_restore(cr);
}
