/*
 * textps: text -> PostScript (see textps.h). The document is plain DSC:
 * a prolog defining one show procedure, one %%Page per page, and the page
 * count in the trailer ((atend)), since streaming cannot know it earlier.
 * Reports nothing; every byte sequence converts.
 */
#include "textps.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "config.h"

/* 10 characters and 6 lines per inch, as CUPS' texttops: Courier at 12
 * points advances 7.2 (0.6 em); 80 columns on A4 and Letter. */
#define FONT_PT 12
#define LEADING 12
#define MARGIN 36  /* top and bottom */
#define CHAR_W 7.2
#define COLUMNS 80
#define SIDE_MIN 9 /* the least margin left and right */
#define TAB 8
/* One escaped character is at most 4 bytes ("\ooo"). */
#define LINE_MAX_COLS 256

struct textps {
	textps_emit_cb emit;
	void *arg;
	unsigned width, height;
	unsigned lines, cols;   /* per page, per line */
	double left;            /* margin: the text block centered */
	uint8_t seq[4];         /* a UTF-8 sequence begun, bytes so far */
	unsigned nseq, need;    /* ... and how many it has, and needs */
	unsigned line;          /* current line on the page */
	unsigned col;           /* current column */
	unsigned pages;
	unsigned unmapped;      /* characters beyond Latin-1, printed '?' */
	int page_open;
	int started;
	char title[128];
	char buf[LINE_MAX_COLS * 4 + 1];
	size_t blen;            /* escaped text of the current line */
};

static void
out(struct textps *t, const char *s)
{
	t->emit(t->arg, s, strlen(s));
}

static void
outf(struct textps *t, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void
outf(struct textps *t, const char *fmt, ...)
{
	char line[512];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (n > 0)
		t->emit(t->arg, line, (size_t)n < sizeof(line)
			? (size_t)n
			: sizeof(line) - 1);
}

struct textps *
textps_new(const char *paper, int landscape, const char *title,
    textps_emit_cb emit, void *arg)
{
	struct textps *t;
	size_t j = 0;
	double w, h;

	if (paper_points(paper, landscape, &w, &h) != 0 ||
	    (t = calloc(1, sizeof(*t))) == NULL)
		return NULL;
	t->width = (unsigned)(w + 0.5);
	t->height = (unsigned)(h + 0.5);
	t->emit = emit;
	t->arg = arg;
	t->lines = (t->height - 2 * MARGIN) / LEADING;
	/* 80 columns, more across the paper; at least SIDE_MIN from the
	 * edges (as textpdf.c lays out). */
	double tw = CHAR_W * COLUMNS;
	if (tw < w - 4 * SIDE_MIN)
		tw = w - 4 * SIDE_MIN;
	if (tw > w - 2 * SIDE_MIN)
		tw = w - 2 * SIDE_MIN;
	t->cols = (unsigned)(tw / CHAR_W + 0.01);
	t->left = (w - t->cols * CHAR_W) / 2;
	/* A DSC comment line takes printable ASCII only. */
	for (size_t i = 0; title != NULL && title[i] && j < sizeof(t->title) - 1;
	    i++)
		if (title[i] >= 0x20 && title[i] < 0x7f)
			t->title[j++] = title[i];
	return t;
}

static void
start_doc(struct textps *t)
{
	out(t, "%!PS-Adobe-3.0\n%%Creator: spoolbox-printproc\n");
	outf(t, "%%%%Title: %s\n", t->title);
	outf(t, "%%%%BoundingBox: 0 0 %u %u\n", t->width, t->height);
	outf(t, "%%%%DocumentMedia: %s %u %u 0 () ()\n",
	    t->width == 842 || t->height == 842 ? "A4" : "Letter", t->width,
	    t->height);
	out(t, "%%Pages: (atend)\n%%DocumentNeededResources: font Courier\n"
	       "%%EndComments\n%%BeginProlog\n");
	/* Courier re-encoded as ISO Latin-1 so bytes >= 0xa0 print. */
	outf(t, "/F /Courier findfont dup length dict begin\n"
		"{ 1 index /FID ne { def } { pop pop } ifelse } forall\n"
		"/Encoding ISOLatin1Encoding def currentdict end\n"
		"/Courier-L1 exch definefont pop\n"
		"/S { %.2f exch moveto show } bind def\n"
		"%%%%EndProlog\n%%%%BeginSetup\n"
		"<< /PageSize [%u %u] >> setpagedevice\n%%%%EndSetup\n",
	    t->left, t->width, t->height);
	t->started = 1;
}

static void
open_page(struct textps *t)
{
	if (!t->started)
		start_doc(t);
	t->pages++;
	outf(t, "%%%%Page: %u %u\n/Courier-L1 findfont %d scalefont setfont\n",
	    t->pages, t->pages, FONT_PT);
	t->page_open = 1;
}

static void
close_page(struct textps *t)
{
	if (t->page_open)
		out(t, "showpage\n");
	t->page_open = 0;
}

/* End the current output line (wrap, newline or form feed). */
static void
end_line(struct textps *t)
{
	if (t->blen > 0) {
		if (!t->page_open)
			open_page(t);
		t->buf[t->blen] = '\0';
		outf(t, "(%s) %u S\n", t->buf,
		    t->height - MARGIN - FONT_PT - t->line * LEADING);
	}
	t->blen = 0;
	t->col = 0;
	t->line++; /* blank lines count too: the page opens lazily */
	if (t->line >= t->lines) {
		if (!t->page_open)
			open_page(t); /* a page of blank lines is a page */
		close_page(t);
		t->line = 0;
	}
}

static void
put_char(struct textps *t, unsigned char c)
{
	if (t->col >= t->cols)
		end_line(t);
	if (c == '(' || c == ')' || c == '\\') {
		t->buf[t->blen++] = '\\';
		t->buf[t->blen++] = (char)c;
	} else if (c >= 0x20 && c < 0x7f) {
		t->buf[t->blen++] = (char)c;
	} else {
		snprintf(t->buf + t->blen, 5, "\\%03o", c);
		t->blen += 4;
	}
	t->col++;
}

/* Courier is encoded as ISO Latin-1: a character beyond it prints as a
 * question mark (a PDF queue has every script, textpdf.c). */
static void
put_code(struct textps *t, uint32_t cp)
{
	if (cp >= 0xa0 && cp <= 0xff)
		put_char(t, (unsigned char)cp);
	else if (cp > 0xff) {
		put_char(t, '?');
		t->unmapped++;
	}
}

/* The bytes of a sequence that turned out not to be UTF-8: Latin-1. */
static void
seq_as_latin1(struct textps *t)
{
	for (unsigned i = 0; i < t->nseq; i++)
		put_code(t, t->seq[i]);
	t->nseq = t->need = 0;
}

/* A byte >= 0x80: part of a UTF-8 sequence, or Latin-1. 1 when it was
 * taken, 0 when it must be read again (it ended a broken sequence). */
static int
utf8_byte(struct textps *t, unsigned char c)
{
	if (t->need > 0) {
		if ((c & 0xc0) != 0x80) {
			seq_as_latin1(t);
			return 0;
		}
		t->seq[t->nseq++] = c;
		if (--t->need == 0) {
			uint32_t cp = t->seq[0] & (0x7f >> t->nseq);
			for (unsigned i = 1; i < t->nseq; i++)
				cp = cp << 6 | (t->seq[i] & 0x3f);
			t->nseq = 0;
			put_code(t, cp);
		}
		return 1;
	}
	t->need = c >= 0xc2 && c <= 0xdf ? 1 : (c & 0xf0) == 0xe0 ? 2
	    : c >= 0xf0 && c <= 0xf4			       ? 3
							       : 0;
	t->seq[0] = c;
	t->nseq = 1;
	if (t->need == 0)
		seq_as_latin1(t);
	return 1;
}

void
textps_feed(struct textps *t, const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		unsigned char c = p[i];
		if (c >= 0x80 || t->need > 0) {
			if (!utf8_byte(t, c))
				i--; /* read again, outside the sequence */
			continue;
		}
		switch (c) {
		case '\n':
			end_line(t);
			break;
		case '\f':
			if (t->blen > 0)
				end_line(t);
			if (t->page_open || t->line > 0) {
				if (!t->page_open)
					open_page(t);
				close_page(t);
			}
			t->line = 0;
			break;
		case '\t':
			do
				put_char(t, ' ');
			while (t->col % TAB != 0 && t->col < t->cols);
			break;
		case '\r':
		case '\b':
			break; /* no overstrike: CRLF reads as LF */
		default:
			if (c < 0x20 || c == 0x7f)
				break; /* other controls do not print */
			put_char(t, c);
		}
	}
}

void
textps_finish(struct textps *t)
{
	seq_as_latin1(t); /* cut short for good */
	if (t->blen > 0)
		end_line(t);
	close_page(t);
	if (!t->started)
		start_doc(t);
	outf(t, "%%%%Trailer\n%%%%Pages: %u\n%%%%EOF\n", t->pages);
}

unsigned
textps_pages(const struct textps *t)
{
	return t->pages;
}

unsigned
textps_unmapped(const struct textps *t)
{
	return t->unmapped;
}

unsigned
textps_lines_per_page(const struct textps *t)
{
	return t->lines;
}

unsigned
textps_columns(const struct textps *t)
{
	return t->cols;
}

void
textps_free(struct textps *t)
{
	free(t);
}
