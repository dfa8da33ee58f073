/*
 * textpdf: see textpdf.h. Layout is pango's (shaping, bidi, line breaks,
 * font fallback through fontconfig); every wrapped line takes the same
 * step, so pagination is the text's own and the page count is known as
 * pages are shown.
 * Reports: nothing itself; a failure is textpdf_finish's -1.
 */
#include "textpdf.h"

#include <cairo-pdf.h>
#include <pango/pangocairo.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"

#define MARGIN 36.0       /* points: half an inch, top and bottom */
#define STEP 12.0         /* points per line: 6 lpi */
#define CPI 10.0          /* characters per inch, as CUPS' texttopdf */
#define COLUMNS 80        /* at least, on A4 and Letter alike */
#define SIDE_MIN 9.0      /* points: the least margin left and right */
#define LINE_MAX_BYTES (64 * 1024) /* a longer "line" is laid out anyway */

struct textpdf {
	textpdf_emit_cb emit;
	void *arg;
	int failed;
	double width, height;
	cairo_surface_t *surface;
	cairo_t *cr;
	PangoLayout *layout;
	double y;             /* next baseline's top on this page */
	double left;          /* the left margin: the text block centered */
	unsigned pages;
	unsigned missing;     /* characters no installed font has */
	int page_used;        /* something is on the current page */
	char *line;           /* the logical line being gathered, UTF-8 */
	size_t len, cap;
	unsigned col;         /* its column, for tabs */
	uint8_t carry[4];     /* a UTF-8 sequence cut at a piece's end */
	size_t ncarry;
};

static cairo_status_t
write_cb(void *closure, const unsigned char *data, unsigned int length)
{
	struct textpdf *t = closure;

	if (t->failed || t->emit(t->arg, data, length) != 0) {
		t->failed = 1;
		return CAIRO_STATUS_WRITE_ERROR;
	}
	return CAIRO_STATUS_SUCCESS;
}

/* The size of font whose characters advance 1/CPI inch: its advance at
 * 10 points, scaled. */
static double
fixed_pitch(PangoLayout *layout, PangoFontDescription *font)
{
	int w = 0;

	pango_font_description_set_size(font, 10 * PANGO_SCALE);
	pango_layout_set_font_description(layout, font);
	pango_layout_set_text(layout, "MMMMMMMMMM", -1);
	pango_layout_get_size(layout, &w, NULL);
	return w > 0 ? 10.0 * (72.0 / CPI) / ((double)w / PANGO_SCALE / 10)
		     : 12.0;
}

struct textpdf *
textpdf_new(const char *paper, int landscape, const char *title,
    textpdf_emit_cb emit, void *arg)
{
	PangoFontDescription *font;
	struct textpdf *t;
	double w, h;

	if (paper_points(paper, landscape, &w, &h) != 0)
		return NULL;
	if ((t = calloc(1, sizeof(*t))) == NULL)
		return NULL;
	t->emit = emit;
	t->arg = arg;
	t->width = w;
	t->height = h;
	t->y = MARGIN;
	t->surface = cairo_pdf_surface_create_for_stream(write_cb, t, w, h);
	cairo_pdf_surface_set_metadata(t->surface, CAIRO_PDF_METADATA_TITLE,
	    title != NULL && title[0] ? title : "spoolbox job");
	cairo_pdf_surface_set_metadata(t->surface, CAIRO_PDF_METADATA_CREATOR,
	    "spoolbox");
	t->cr = cairo_create(t->surface);
	t->layout = pango_cairo_create_layout(t->cr);
	/* A point is a unit of the page (pango's default is 96 dpi, which
	 * made 10pt text 13.3 units: 67 columns on A4). */
	pango_cairo_context_set_resolution(
	    pango_layout_get_context(t->layout), 72.0);
	pango_layout_context_changed(t->layout);
	font = pango_font_description_from_string("DejaVu Sans Mono");
	pango_font_description_set_size(font, (int)(fixed_pitch(t->layout,
	    font) * PANGO_SCALE));
	pango_layout_set_font_description(t->layout, font);
	pango_font_description_free(font);
	/* 80 columns at 10 cpi (576 points) on A4 and Letter, more across
	 * the paper; centered, at least SIDE_MIN from the edges. */
	double tw = 72.0 / CPI * COLUMNS;
	if (tw < w - 4 * SIDE_MIN)
		tw = w - 4 * SIDE_MIN;
	if (tw > w - 2 * SIDE_MIN)
		tw = w - 2 * SIDE_MIN;
	t->left = (w - tw) / 2;
	pango_layout_set_width(t->layout, (int)((tw + 0.5) * PANGO_SCALE));
	pango_layout_set_wrap(t->layout, PANGO_WRAP_WORD_CHAR);
	return t;
}

static void
new_page(struct textpdf *t)
{
	cairo_show_page(t->cr);
	t->pages++;
	t->page_used = 0;
	t->y = MARGIN;
}

/* Lay out the gathered line; each of its wrapped lines takes a step. */
static void
flush_line(struct textpdf *t)
{
	PangoLayoutIter *it;

	pango_layout_set_text(t->layout, t->line != NULL ? t->line : "",
	    (int)t->len);
	t->missing += (unsigned)pango_layout_get_unknown_glyphs_count(
	    t->layout);
	it = pango_layout_get_iter(t->layout);
	do {
		PangoLayoutLine *l = pango_layout_iter_get_line_readonly(it);
		if (t->y + STEP > t->height - MARGIN)
			new_page(t);
		cairo_move_to(t->cr, t->left, t->y + STEP * 0.8);
		pango_cairo_show_layout_line(t->cr, l);
		t->y += STEP;
		t->page_used = 1;
	} while (pango_layout_iter_next_line(it));
	pango_layout_iter_free(it);
	t->len = 0;
	t->col = 0;
}

static void
put(struct textpdf *t, const char *s, size_t n)
{
	if (t->len + n + 1 > t->cap) {
		size_t cap = t->cap ? 2 * t->cap : 256;
		char *p;
		while (cap < t->len + n + 1)
			cap *= 2;
		if ((p = realloc(t->line, cap)) == NULL) {
			t->failed = 1;
			return;
		}
		t->line = p;
		t->cap = cap;
	}
	memcpy(t->line + t->len, s, n);
	t->len += n;
	t->line[t->len] = '\0';
}

/* Length of a valid UTF-8 sequence at p (n bytes left), 0 if none;
 * -1 when it may be complete with more input. */
static int
utf8_seq(const uint8_t *p, size_t n)
{
	int len = p[0] < 0x80 ? 1 : (p[0] & 0xe0) == 0xc0 ? 2
	    : (p[0] & 0xf0) == 0xe0 ? 3
	    : (p[0] & 0xf8) == 0xf0 ? 4
				    : 0;

	if (len <= 1 || p[0] == 0xc0 || p[0] == 0xc1 || p[0] > 0xf4)
		return len == 1 ? 1 : 0;
	for (int i = 1; i < len; i++) {
		if ((size_t)i >= n)
			return -1;
		if ((p[i] & 0xc0) != 0x80)
			return 0;
	}
	return len;
}

/* One character (or control) at p; how many bytes it took. */
static size_t
one(struct textpdf *t, const uint8_t *p, int k)
{
	uint8_t c = p[0];

	if (c == '\n') {
		flush_line(t);
	} else if (c == '\f') {
		if (t->len > 0)
			flush_line(t);
		new_page(t);
	} else if (c == '\t') {
		do
			put(t, " ", 1);
		while (++t->col % 8 != 0);
	} else if (c < 0x20 || c == 0x7f) {
		/* \r and other controls print nothing */
	} else if (k > 0) {
		put(t, (const char *)p, (size_t)k);
		t->col++;
		return (size_t)k;
	} else {
		/* Not UTF-8: read as Latin-1. */
		char u[2] = { (char)(0xc0 | (c >> 6)), (char)(0x80 | (c & 0x3f)) };
		put(t, u, 2);
		t->col++;
	}
	return 1;
}

void
textpdf_feed(struct textpdf *t, const uint8_t *p, size_t n)
{
	size_t i = 0;

	/* Finish a sequence the last piece cut short. */
	while (t->ncarry > 0 && i < n) {
		int k;
		t->carry[t->ncarry++] = p[i++];
		if ((k = utf8_seq(t->carry, t->ncarry)) == -1 && t->ncarry < 4)
			continue;
		for (size_t j = 0; j < t->ncarry;)
			j += one(t, t->carry + j, utf8_seq(t->carry + j,
							t->ncarry - j));
		t->ncarry = 0;
	}
	while (i < n && !t->failed) {
		int k = utf8_seq(p + i, n - i);
		if (k == -1) { /* the rest comes with the next piece */
			memcpy(t->carry, p + i, n - i);
			t->ncarry = n - i;
			return;
		}
		i += one(t, p + i, k);
		if (t->len > LINE_MAX_BYTES)
			flush_line(t);
	}
}

int
textpdf_finish(struct textpdf *t)
{
	for (size_t j = 0; j < t->ncarry;) /* cut short for good: Latin-1 */
		j += one(t, t->carry + j, 0);
	t->ncarry = 0;
	if (t->len > 0)
		flush_line(t);
	if (t->page_used || t->pages == 0) {
		cairo_show_page(t->cr);
		t->pages++;
	}
	cairo_surface_finish(t->surface);
	return t->failed ||
		cairo_surface_status(t->surface) != CAIRO_STATUS_SUCCESS
	    ? -1
	    : 0;
}

unsigned
textpdf_pages(const struct textpdf *t)
{
	return t->pages;
}

void
textpdf_free(struct textpdf *t)
{
	if (t == NULL)
		return;
	g_object_unref(t->layout);
	cairo_destroy(t->cr);
	cairo_surface_destroy(t->surface);
	free(t->line);
	free(t);
}

unsigned
textpdf_missing(const struct textpdf *t)
{
	return t->missing;
}
