/*
 * textdoc: see textdoc.h. Layout is pango's (shaping, bidi, line breaks,
 * font fallback through fontconfig); every wrapped line takes the same
 * step, so pagination is the text's own and the page count is known as
 * pages are shown. PDF and PostScript are the same drawing on cairo's
 * PDF or PostScript surface.
 * Reports: nothing itself; a failure is textdoc_finish's -1.
 */
#include "textdoc.h"

#include <cairo-pdf.h>
#include <cairo-ps.h>
#include <pango/pangocairo.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"

#define MARGIN 36.0       /* points: half an inch, top and bottom */
#define LPI 6.0           /* lines per inch */
#define CPI 10.0          /* characters per inch, as CUPS' texttopdf */
#define CHARS 80          /* a line's, at least, on A4 and Letter alike */
#define SIDE_MIN 9.0      /* points: the least margin left and right */
#define GUTTER 2          /* characters between text columns */
#define LINE_MAX_BYTES (64 * 1024) /* a longer "line" is laid out anyway */
#define MONO_MAX 0x2600   /* code points mono_range may take: below it */
#define GLYPH_NONE UINT32_MAX

struct textdoc {
	textdoc_emit_cb emit;
	void *arg;
	const char *failed;   /* why it stopped (NULL: it goes on) */
	double width, height;
	cairo_surface_t *surface;
	cairo_t *cr;
	PangoLayout *layout;
	double step;          /* points per line */
	double top, bottom;   /* the margins */
	double x0;            /* the first column's left edge */
	double colw;          /* a column's width, and the space after it */
	double gutter;
	unsigned columns, column;
	double y;             /* next line's top in this column */
	double left;          /* this column's left edge */
	unsigned pages;
	unsigned missing;     /* characters no installed font has */
	int page_used;        /* something is on the current page */
	char *line;           /* the logical line being gathered, UTF-8 */
	size_t len, cap;
	unsigned col;         /* its column, for tabs */
	uint8_t carry[4];     /* a UTF-8 sequence cut at a piece's end */
	size_t ncarry;
	/* A line whose every character the monospace font has, one advance
	 * wide and drawn as it is (no shaping, bidi or fallback to do:
	 * mono_range), goes straight to cairo as that font's glyphs, one
	 * advance apart; every other line is pango's. */
	int simple;                  /* the line gathered so far is one */
	uint32_t *gids;              /* its glyphs, one a character */
	size_t ngids, capgids;
	cairo_scaled_font_t *mono;   /* pango's font for the text */
	uint32_t *gcache;            /* code point -> glyph: 0 not yet asked,
				      * GLYPH_NONE not the font's */
	double advance;              /* its advance, in points */
	unsigned fit;                /* characters a line holds */
	cairo_glyph_t *glyphs;       /* this page's, shown in one call */
	size_t nglyphs, capglyphs;
};

static cairo_status_t
write_cb(void *closure, const unsigned char *data, unsigned int length)
{
	struct textdoc *t = closure;

	if (t->failed || t->emit(t->arg, data, length) != 0) {
		if (t->failed == NULL)
			t->failed = "its output was not taken";
		return CAIRO_STATUS_WRITE_ERROR;
	}
	return CAIRO_STATUS_SUCCESS;
}

/* The size of font whose characters advance 1/cpi inch: its advance at
 * 10 points (the glyph advance cairo will use, as pango lays out with
 * it), scaled. */
static double
fixed_pitch(PangoLayout *layout, PangoFontDescription *font, double cpi)
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
	return ex.x_advance > 0 ? 10.0 * (72.0 / cpi) / ex.x_advance
			       : 12.0 * CPI / cpi;
}

/* Characters a monospace font draws as they are, one after the other:
 * Latin, Greek and Cyrillic letters, punctuation, symbols, arrows, box
 * drawing. Not combining marks, soft hyphens, spaces of other widths,
 * bidi controls or any script that is shaped or written right to left. */
static int
mono_range(uint32_t cp)
{
	return (cp >= 0x20 && cp < 0x7f) ||
	    (cp >= 0xa0 && cp < 0x300 && cp != 0xad) ||
	    (cp >= 0x370 && cp < 0x530 && (cp < 0x483 || cp > 0x489)) ||
	    (cp >= 0x2010 && cp < 0x2028) || (cp >= 0x2030 && cp < 0x205f) ||
	    (cp >= 0x2070 && cp < 0x20d0) || (cp >= 0x2100 && cp < 0x2400) ||
	    (cp >= 0x2500 && cp < MONO_MAX);
}

/* sf's glyph for cp if it has one that advances exactly advance points;
 * GLYPH_NONE if not. */
static uint32_t
glyph_of(cairo_scaled_font_t *sf, uint32_t cp, double advance)
{
	char s[8];
	int len = g_unichar_to_utf8(cp, s), n = 0;
	cairo_glyph_t *g = NULL;
	cairo_text_extents_t ex;
	uint32_t r = GLYPH_NONE;

	if (cairo_scaled_font_text_to_glyphs(sf, 0, 0, s, len, &g, &n, NULL,
		NULL, NULL) == CAIRO_STATUS_SUCCESS && n == 1 && g[0].index != 0) {
		cairo_scaled_font_glyph_extents(sf, g, 1, &ex);
		if (ex.x_advance == advance)
			r = (uint32_t)g[0].index;
	}
	cairo_glyph_free(g);
	return r;
}

/* The monospace font's glyph for cp, 0 if the line must be pango's. */
static uint32_t
mono_glyph(struct textdoc *t, uint32_t cp)
{
	if (t->mono == NULL || !mono_range(cp))
		return 0;
	if (t->gcache[cp] == 0)
		t->gcache[cp] = glyph_of(t->mono, cp, t->advance);
	return t->gcache[cp] == GLYPH_NONE ? 0 : t->gcache[cp];
}

/* The layout's font, if it has every printable ASCII character at one
 * advance (else every line is pango's), and how many characters fit in
 * tw points. */
static void
mono_init(struct textdoc *t, double tw)
{
	PangoContext *ctx = pango_layout_get_context(t->layout);
	PangoFont *f = pango_font_map_load_font(pango_context_get_font_map(ctx),
	    ctx, pango_layout_get_font_description(t->layout));
	cairo_scaled_font_t *sf = f != NULL
	    ? pango_cairo_font_get_scaled_font(PANGO_CAIRO_FONT(f))
	    : NULL;
	cairo_text_extents_t ex;

	if (sf == NULL || (t->gcache = calloc(MONO_MAX,
			       sizeof(*t->gcache))) == NULL) {
		if (f != NULL)
			g_object_unref(f);
		return;
	}
	cairo_scaled_font_text_extents(sf, " ", &ex);
	t->advance = ex.x_advance;
	for (uint32_t c = 0x20; c < 0x7f && t->advance > 0; c++)
		if ((t->gcache[c] = glyph_of(sf, c, t->advance)) == GLYPH_NONE)
			t->advance = 0;
	if (t->advance > 0) {
		t->simple = 1;
		t->mono = cairo_scaled_font_reference(sf);
		t->fit = (unsigned)((tw + 0.5) / t->advance); /* pango's width */
	}
	g_object_unref(f);
}

static void next_column(struct textdoc *t);

/* The page's monospace glyphs so far, to cairo in one call (each call
 * costs cairo more than its glyphs do). */
static void
mono_flush(struct textdoc *t)
{
	if (t->nglyphs == 0)
		return;
	cairo_set_scaled_font(t->cr, t->mono);
	cairo_show_glyphs(t->cr, t->glyphs, (int)t->nglyphs);
	t->nglyphs = 0;
}

/* Room for n more of what *p holds (*cap of size each); -1: no memory. */
static int
grow(void *p, size_t *cap, size_t used, size_t n, size_t size)
{
	size_t c = *cap ? *cap : 256;
	void *q;

	if (used + n <= *cap)
		return 0;
	while (c < used + n)
		c *= 2;
	if ((q = realloc(*(void **)p, c * size)) == NULL)
		return -1;
	*(void **)p = q;
	*cap = c;
	return 0;
}

/* n glyphs at the baseline y, gathered for mono_flush. */
static void
mono_show(struct textdoc *t, const uint32_t *g, size_t n, double y)
{
	if (grow(&t->glyphs, &t->capglyphs, t->nglyphs, n,
		sizeof(*t->glyphs)) != 0) {
		t->failed = "out of memory";
		return;
	}
	for (size_t i = 0; i < n; i++)
		t->glyphs[t->nglyphs++] = (cairo_glyph_t){ g[i],
			t->left + (double)i * t->advance, y };
}

/* Where the part of g (n glyphs) that starts a wrapped line ends: after
 * the last run of spaces that leaves a word whole, as pango's word-char
 * wrapping does, else at fit. *next: where the following wrapped line
 * starts (its leading spaces are the end of this one). */
static size_t
mono_break(const uint32_t *g, size_t n, size_t fit, uint32_t space,
    size_t *next)
{
	size_t end = fit;

	if (n <= fit) {
		*next = n;
		return n;
	}
	for (size_t i = fit; i > 0; i--)
		if (g[i] == space && g[i - 1] != space) {
			end = i;
			break;
		}
	*next = end;
	while (*next < n && g[*next] == space)
		(*next)++;
	return end;
}

/* The gathered line, if it is simple, straight to cairo, wrapped at
 * t->fit characters: 1, or 0 for pango to lay out. */
static int
mono_line(struct textdoc *t)
{
	size_t n = t->ngids, at = 0;

	if (t->mono == NULL || !t->simple)
		return 0;
	do { /* once for an empty line (no glyphs yet: gids NULL) */
		size_t next = 0, end = n == 0 ? 0
		    : mono_break(t->gids + at, n - at, t->fit, t->gcache[' '],
			  &next);
		if (t->y + t->step > t->height - t->bottom)
			next_column(t);
		if (end > 0)
			mono_show(t, t->gids + at, end, t->y + t->step * 0.8);
		t->y += t->step;
		t->page_used = 1;
		at += next;
	} while (at < n);
	return 1;
}

/* Where the text goes on a w x h page: the line step, the margins and
 * the columns. -1 when not one line or character fits. */
static int
geometry(struct textdoc *t, const struct textdoc_opts *o, double w,
    double h)
{
	double adv = 72.0 / (o->cpi > 0 ? o->cpi : CPI);
	/* 80 characters at 10 cpi (576 points) on A4 and Letter, more
	 * across the paper; centered, at least SIDE_MIN from the edges. */
	double tw = 72.0 / CPI * CHARS, left, right;

	if (tw < w - 4 * SIDE_MIN)
		tw = w - 4 * SIDE_MIN;
	if (tw > w - 2 * SIDE_MIN)
		tw = w - 2 * SIDE_MIN;
	left = o->left > 0 ? o->left : (w - tw) / 2;
	right = o->right > 0 ? o->right : (w - tw) / 2;
	t->step = 72.0 / (o->lpi > 0 ? o->lpi : LPI);
	t->top = o->top > 0 ? o->top : MARGIN;
	t->bottom = o->bottom > 0 ? o->bottom : MARGIN;
	t->columns = o->columns > 0 ? o->columns : 1;
	t->gutter = t->columns > 1 ? GUTTER * adv : 0;
	t->colw = (w - left - right - (t->columns - 1) * t->gutter) /
	    t->columns;
	t->x0 = t->left = left;
	t->y = t->top;
	return t->colw >= adv && t->top + t->step <= h - t->bottom ? 0 : -1;
}

/* A DSC comment's text: printable ASCII, at most 200 characters. */
static void
dsc_title(cairo_surface_t *s, const char *title)
{
	char c[216] = "%%Title: ";
	size_t n = strlen(c);

	for (; *title != '\0' && n < sizeof(c) - 1; title++)
		c[n++] = *title >= 0x20 && *title < 0x7f ? *title : '?';
	c[n] = '\0';
	cairo_ps_surface_dsc_comment(s, c);
}

static cairo_surface_t *
surface_new(struct textdoc *t, int ps, const char *title)
{
	cairo_surface_t *s;

	if (title == NULL || title[0] == '\0')
		title = "spoolbox job";
	if (ps) {
		s = cairo_ps_surface_create_for_stream(write_cb, t, t->width,
		    t->height);
		dsc_title(s, title);
		return s;
	}
	s = cairo_pdf_surface_create_for_stream(write_cb, t, t->width,
	    t->height);
	cairo_pdf_surface_set_metadata(s, CAIRO_PDF_METADATA_TITLE, title);
	cairo_pdf_surface_set_metadata(s, CAIRO_PDF_METADATA_CREATOR,
	    "spoolbox");
	return s;
}

/* The layout: DejaVu Sans Mono at cpi, each line as wide as a column. */
static void
layout_new(struct textdoc *t, double cpi)
{
	PangoFontDescription *font;

	t->layout = pango_cairo_create_layout(t->cr);
	/* A point is a unit of the page (pango's default is 96 dpi, which
	 * made 10pt text 13.3 units: 67 columns on A4). */
	pango_cairo_context_set_resolution(
	    pango_layout_get_context(t->layout), 72.0);
	/* Unhinted metrics: a vector page has no pixel grid to round to,
	 * and each character then advances exactly 1/cpi inch. */
	cairo_font_options_t *fo = cairo_font_options_create();
	cairo_font_options_set_hint_metrics(fo, CAIRO_HINT_METRICS_OFF);
	cairo_font_options_set_hint_style(fo, CAIRO_HINT_STYLE_NONE);
	pango_cairo_context_set_font_options(pango_layout_get_context(
	    t->layout), fo);
	cairo_font_options_destroy(fo);
	/* Nor are glyph positions rounded to whole points (7.2 became 7):
	 * each glyph then sits at its own advance, and cairo writes a line
	 * as one string instead of a position for every glyph (5 times the
	 * PostScript, and as much slower). */
	pango_context_set_round_glyph_positions(pango_layout_get_context(
	    t->layout), FALSE);
	pango_layout_context_changed(t->layout);
	font = pango_font_description_from_string("DejaVu Sans Mono");
	pango_font_description_set_size(font, (int)(fixed_pitch(t->layout,
	    font, cpi) * PANGO_SCALE));
	pango_layout_set_font_description(t->layout, font);
	pango_font_description_free(font);
	pango_layout_set_width(t->layout, (int)((t->colw + 0.5) * PANGO_SCALE));
	pango_layout_set_wrap(t->layout, PANGO_WRAP_WORD_CHAR);
	mono_init(t, t->colw);
}

struct textdoc *
textdoc_new(const char *paper, int landscape, const char *title,
    const struct textdoc_opts *opts, textdoc_emit_cb emit, void *arg)
{
	static const struct textdoc_opts defaults = { 0 };
	const struct textdoc_opts *o = opts != NULL ? opts : &defaults;
	struct textdoc *t;
	double w, h;

	if (paper_points(paper, landscape, &w, &h) != 0)
		return NULL;
	if ((t = calloc(1, sizeof(*t))) == NULL)
		return NULL;
	t->emit = emit;
	t->arg = arg;
	t->width = w;
	t->height = h;
	if (geometry(t, o, w, h) != 0) {
		free(t);
		return NULL;
	}
	t->surface = surface_new(t, o->ps, title);
	t->cr = cairo_create(t->surface);
	layout_new(t, o->cpi > 0 ? o->cpi : CPI);
	return t;
}

static void
new_page(struct textdoc *t)
{
	mono_flush(t);
	cairo_show_page(t->cr);
	t->pages++;
	t->page_used = 0;
	t->column = 0;
	t->left = t->x0;
	t->y = t->top;
}

/* The next column's top, on this page or the next. */
static void
next_column(struct textdoc *t)
{
	if (t->column + 1 >= t->columns) {
		new_page(t);
		return;
	}
	t->column++;
	t->left = t->x0 + t->column * (t->colw + t->gutter);
	t->y = t->top;
}

/* Lay out the gathered line; each of its wrapped lines takes a step. */
static void
flush_line(struct textdoc *t)
{
	PangoLayoutIter *it;

	int mono = mono_line(t);

	t->simple = t->mono != NULL;
	t->ngids = 0;
	if (mono) {
		t->len = 0;
		t->col = 0;
		return;
	}
	pango_layout_set_text(t->layout, t->line != NULL ? t->line : "",
	    (int)t->len);
	t->missing += (unsigned)pango_layout_get_unknown_glyphs_count(
	    t->layout);
	it = pango_layout_get_iter(t->layout);
	do {
		PangoLayoutLine *l = pango_layout_iter_get_line_readonly(it);
		if (t->y + t->step > t->height - t->bottom)
			next_column(t);
		cairo_move_to(t->cr, t->left, t->y + t->step * 0.8);
		pango_cairo_show_layout_line(t->cr, l);
		t->y += t->step;
		t->page_used = 1;
	} while (pango_layout_iter_next_line(it));
	pango_layout_iter_free(it);
	t->len = 0;
	t->col = 0;
}

/* n bytes of the line's UTF-8. */
static void
put(struct textdoc *t, const char *s, size_t n)
{
	if (grow(&t->line, &t->cap, t->len, n + 1, 1) != 0) {
		t->failed = "out of memory";
		return;
	}
	memcpy(t->line + t->len, s, n);
	t->len += n;
	t->line[t->len] = '\0';
}

/* n printable ASCII characters: their glyphs too while the line is
 * simple (every one of them is the font's: mono_init). */
static void
put_ascii(struct textdoc *t, const uint8_t *s, size_t n)
{
	put(t, (const char *)s, n);
	t->col += (unsigned)n;
	if (!t->simple)
		return;
	if (grow(&t->gids, &t->capgids, t->ngids, n, sizeof(*t->gids)) != 0) {
		t->failed = "out of memory";
		return;
	}
	for (size_t i = 0; i < n; i++)
		t->gids[t->ngids++] = t->gcache[s[i]];
}

/* One character: its UTF-8 (n bytes) and code point. */
static void
put_char(struct textdoc *t, const char *s, size_t n, uint32_t cp)
{
	uint32_t g = t->simple ? mono_glyph(t, cp) : 0;

	put(t, s, n);
	t->col++;
	if (g == 0)
		t->simple = 0;
	else if (grow(&t->gids, &t->capgids, t->ngids, 1, sizeof(g)) != 0)
		t->failed = "out of memory";
	else
		t->gids[t->ngids++] = g;
}

/* The code point of a valid UTF-8 sequence of k bytes. */
static uint32_t
utf8_cp(const uint8_t *p, int k)
{
	uint32_t cp = k == 1 ? p[0] : p[0] & (0x3fu >> (k - 1));

	for (int i = 1; i < k; i++)
		cp = cp << 6 | (p[i] & 0x3fu);
	return cp;
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
	/* Overlong forms and surrogates are not UTF-8 (pango would refuse
	 * the whole line and draw nothing). */
	if ((len == 3 && ((p[0] == 0xe0 && p[1] < 0xa0) ||
			     (p[0] == 0xed && p[1] >= 0xa0))) ||
	    (len == 4 && ((p[0] == 0xf0 && p[1] < 0x90) ||
			     (p[0] == 0xf4 && p[1] >= 0x90))))
		return 0;
	return len;
}

/* One character (or control) at p; how many bytes it took. */
static size_t
one(struct textdoc *t, const uint8_t *p, int k)
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
			put_char(t, " ", 1, ' ');
		while (t->col % 8 != 0);
	} else if (c < 0x20 || c == 0x7f) {
		/* \r and other controls print nothing */
	} else if (k > 0) {
		put_char(t, (const char *)p, (size_t)k, utf8_cp(p, k));
		return (size_t)k;
	} else {
		/* Not UTF-8: read as Latin-1. */
		char u[2] = { (char)(0xc0 | (c >> 6)), (char)(0x80 | (c & 0x3f)) };
		put_char(t, u, 2, c);
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
textdoc_feed(struct textdoc *t, const uint8_t *p, size_t n)
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
			put_ascii(t, p + i, run);
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
textdoc_finish(struct textdoc *t)
{
	for (size_t j = 0; j < t->ncarry;) /* cut short for good: Latin-1 */
		j += one(t, t->carry + j, 0);
	t->ncarry = 0;
	if (t->len > 0)
		flush_line(t);
	if (t->page_used || t->pages == 0) {
		mono_flush(t);
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
textdoc_pages(const struct textdoc *t)
{
	return t->pages;
}

void
textdoc_free(struct textdoc *t)
{
	if (t == NULL)
		return;
	g_object_unref(t->layout);
	cairo_destroy(t->cr);
	cairo_surface_destroy(t->surface);
	if (t->mono != NULL)
		cairo_scaled_font_destroy(t->mono);
	free(t->glyphs);
	free(t->gids);
	free(t->gcache);
	free(t->line);
	free(t);
}

const char *
textdoc_error(const struct textdoc *t)
{
	cairo_status_t st = cairo_surface_status(t->surface);

	if (t->failed != NULL)
		return t->failed;
	/* Not the output's fault: cairo's PostScript could not keep its
	 * pages in its temporary file (tmpfile(3)). */
	if (cairo_surface_get_type(t->surface) == CAIRO_SURFACE_TYPE_PS &&
	    (st == CAIRO_STATUS_WRITE_ERROR || st == CAIRO_STATUS_TEMP_FILE_ERROR))
		return "the PostScript's pages could not be kept in a temporary "
		       "file until its end";
	return st != CAIRO_STATUS_SUCCESS ? cairo_status_to_string(st)
					  : "no error";
}

unsigned
textdoc_missing(const struct textdoc *t)
{
	return t->missing;
}
