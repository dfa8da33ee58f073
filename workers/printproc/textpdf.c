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
	const char *failed;   /* why it stopped (NULL: it goes on) */
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
	int other;            /* it has more than printable ASCII */
	uint8_t carry[4];     /* a UTF-8 sequence cut at a piece's end */
	size_t ncarry;
	/* Lines of printable ASCII that fit go straight to cairo: the
	 * monospace font's glyphs, one advance apart (no shaping, bidi or
	 * fallback to do); every other line is pango's. */
	cairo_scaled_font_t *mono;   /* pango's font for the text */
	unsigned long ascii[95];     /* its glyph for ' '..'~' */
	double advance;              /* its advance, in points */
	unsigned fit;                /* characters a line holds */
	cairo_glyph_t *glyphs;       /* this page's, shown in one call */
	size_t nglyphs, capglyphs;
};

static cairo_status_t
write_cb(void *closure, const unsigned char *data, unsigned int length)
{
	struct textpdf *t = closure;

	if (t->failed || t->emit(t->arg, data, length) != 0) {
		if (t->failed == NULL)
			t->failed = "its output was not taken";
		return CAIRO_STATUS_WRITE_ERROR;
	}
	return CAIRO_STATUS_SUCCESS;
}

/* The size of font whose characters advance 1/CPI inch: its advance at
 * 10 points (the glyph advance cairo will use, as pango lays out with
 * it), scaled. */
static double
fixed_pitch(PangoLayout *layout, PangoFontDescription *font)
{
	PangoContext *ctx = pango_layout_get_context(layout);
	PangoFont *f;
	cairo_text_extents_t ex = { 0 };

	pango_font_description_set_size(font, 10 * PANGO_SCALE);
	f = pango_font_map_load_font(pango_context_get_font_map(ctx), ctx,
	    font);
	if (f != NULL) {
		cairo_scaled_font_text_extents(pango_cairo_font_get_scaled_font(
		    PANGO_CAIRO_FONT(f)), "M", &ex);
		g_object_unref(f);
	}
	return ex.x_advance > 0 ? 10.0 * (72.0 / CPI) / ex.x_advance : 12.0;
}

/* The glyphs of printable ASCII in the layout's font, and how many fit
 * in tw points; none (every line pango's) if the font does not have
 * them all or is not the same width for each. */
static void
ascii_init(struct textpdf *t, double tw)
{
	PangoContext *ctx = pango_layout_get_context(t->layout);
	PangoFont *f = pango_font_map_load_font(pango_context_get_font_map(ctx),
	    ctx, pango_layout_get_font_description(t->layout));
	cairo_scaled_font_t *sf = f != NULL
	    ? pango_cairo_font_get_scaled_font(PANGO_CAIRO_FONT(f))
	    : NULL;
	cairo_text_extents_t ex;

	for (int c = 0x20; sf != NULL && c < 0x7f; c++) {
		cairo_glyph_t *g = NULL;
		int n = 0;
		char s[2] = { (char)c, 0 };
		if (cairo_scaled_font_text_to_glyphs(sf, 0, 0, s, 1, &g, &n, NULL,
			NULL, NULL) != CAIRO_STATUS_SUCCESS || n != 1 ||
		    g[0].index == 0) {
			cairo_glyph_free(g);
			sf = NULL;
			break;
		}
		t->ascii[c - 0x20] = g[0].index;
		cairo_scaled_font_glyph_extents(sf, g, 1, &ex);
		cairo_glyph_free(g);
		if (c == 0x20)
			t->advance = ex.x_advance;
		else if (ex.x_advance != t->advance)
			sf = NULL;
	}
	if (sf != NULL && t->advance > 0) {
		t->mono = cairo_scaled_font_reference(sf);
		t->fit = (unsigned)((tw + 0.5) / t->advance); /* pango's width */
	}
	if (f != NULL)
		g_object_unref(f);
}

static void new_page(struct textpdf *t);

/* The page's ASCII glyphs so far, to cairo in one call (each call costs
 * cairo more than its glyphs do). */
static void
ascii_flush(struct textpdf *t)
{
	if (t->nglyphs == 0)
		return;
	cairo_set_scaled_font(t->cr, t->mono);
	cairo_show_glyphs(t->cr, t->glyphs, (int)t->nglyphs);
	t->nglyphs = 0;
}

/* n characters of s at the baseline y, gathered for ascii_flush. */
static void
ascii_show(struct textpdf *t, const char *s, size_t n, double y)
{
	if (t->nglyphs + n > t->capglyphs) {
		size_t cap = t->capglyphs ? 2 * t->capglyphs : 8192;
		cairo_glyph_t *g;
		while (cap < t->nglyphs + n)
			cap *= 2;
		if ((g = realloc(t->glyphs, cap * sizeof(*g))) == NULL) {
			t->failed = "out of memory";
			return;
		}
		t->glyphs = g;
		t->capglyphs = cap;
	}
	for (size_t i = 0; i < n; i++)
		t->glyphs[t->nglyphs++] = (cairo_glyph_t){
			t->ascii[(unsigned char)s[i] - 0x20],
			t->left + (double)i * t->advance, y };
}

/* Where the part of s (n characters) that starts a wrapped line ends:
 * after the last run of spaces that leaves a word whole, as pango's
 * word-char wrapping does, else at fit. *next: where the following
 * wrapped line starts (its leading spaces are the end of this one). */
static size_t
ascii_break(const char *s, size_t n, size_t fit, size_t *next)
{
	size_t end = fit;

	if (n <= fit) {
		*next = n;
		return n;
	}
	for (size_t i = fit; i > 0; i--)
		if (s[i] == ' ' && s[i - 1] != ' ') {
			end = i;
			break;
		}
	*next = end;
	while (*next < n && s[*next] == ' ')
		(*next)++;
	return end;
}

/* The gathered line, if it is all printable ASCII, straight to cairo,
 * wrapped at t->fit characters: 1, or 0 for pango to lay out. */
static int
ascii_line(struct textpdf *t)
{
	size_t n = t->len, at = 0;

	if (t->mono == NULL || t->other)
		return 0;
	do {
		size_t next, end = ascii_break(t->line + at, n - at, t->fit,
		    &next);
		if (t->y + STEP > t->height - MARGIN)
			new_page(t);
		ascii_show(t, t->line + at, end, t->y + STEP * 0.8);
		t->y += STEP;
		t->page_used = 1;
		at += next;
	} while (at < n);
	return 1;
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
	/* Unhinted metrics: a vector page has no pixel grid to round to,
	 * and each character then advances exactly 1/CPI inch. */
	cairo_font_options_t *fo = cairo_font_options_create();
	cairo_font_options_set_hint_metrics(fo, CAIRO_HINT_METRICS_OFF);
	cairo_font_options_set_hint_style(fo, CAIRO_HINT_STYLE_NONE);
	pango_cairo_context_set_font_options(pango_layout_get_context(
	    t->layout), fo);
	cairo_font_options_destroy(fo);
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
	ascii_init(t, tw);
	return t;
}

static void
new_page(struct textpdf *t)
{
	ascii_flush(t);
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

	if (ascii_line(t)) {
		t->len = 0;
		t->col = 0;
		return;
	}
	t->other = 0;
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
			t->failed = "out of memory";
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
		if (c >= 0x80) /* printable ASCII comes here from a carry */
			t->other = 1;
		put(t, (const char *)p, (size_t)k);
		t->col++;
		return (size_t)k;
	} else {
		/* Not UTF-8: read as Latin-1. */
		char u[2] = { (char)(0xc0 | (c >> 6)), (char)(0x80 | (c & 0x3f)) };
		t->other = 1;
		put(t, u, 2);
		t->col++;
	}
	return 1;
}

/* How many bytes at p (n left, at most max) are printable ASCII. */
static size_t
ascii_run(const uint8_t *p, size_t n, size_t max)
{
	size_t i = 0;

	if (n > max)
		n = max;
	while (i < n && p[i] >= 0x20 && p[i] < 0x7f)
		i++;
	return i;
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
		size_t run = ascii_run(p + i, n - i, t->len <= LINE_MAX_BYTES
		    ? LINE_MAX_BYTES + 1 - t->len : 1);
		int k;
		if (run > 0) { /* most text: no character to decode */
			put(t, (const char *)p + i, run);
			t->col += (unsigned)run;
			i += run;
			if (t->len > LINE_MAX_BYTES)
				flush_line(t);
			continue;
		}
		k = utf8_seq(p + i, n - i);
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
		ascii_flush(t);
		cairo_show_page(t->cr);
		t->pages++;
	}
	cairo_surface_finish(t->surface);
	return t->failed != NULL ||
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
	if (t->mono != NULL)
		cairo_scaled_font_destroy(t->mono);
	free(t->glyphs);
	free(t->line);
	free(t);
}

const char *
textpdf_error(const struct textpdf *t)
{
	cairo_status_t st = cairo_surface_status(t->surface);

	if (t->failed != NULL)
		return t->failed;
	return st != CAIRO_STATUS_SUCCESS ? cairo_status_to_string(st)
					  : "no error";
}

unsigned
textpdf_missing(const struct textpdf *t)
{
	return t->missing;
}
