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

#define FONT_PT 10
#define LEADING 12
#define MARGIN 36
#define CHAR_W 6 /* Courier: 0.6 em */
#define TAB 8
/* One escaped character is at most 4 bytes ("\ooo"). */
#define LINE_MAX_COLS 256

struct textps {
	textps_emit_cb emit;
	void *arg;
	unsigned width, height;
	unsigned lines, cols;   /* per page, per line */
	unsigned line;          /* current line on the page */
	unsigned col;           /* current column */
	unsigned pages;
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
	t->cols = (t->width - 2 * MARGIN) / CHAR_W;
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
		"/S { %u exch moveto show } bind def\n"
		"%%%%EndProlog\n%%%%BeginSetup\n"
		"<< /PageSize [%u %u] >> setpagedevice\n%%%%EndSetup\n",
	    MARGIN, t->width, t->height);
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

void
textps_feed(struct textps *t, const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		unsigned char c = p[i];
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
			if (c < 0x20 || (c >= 0x7f && c < 0xa0))
				break; /* other controls do not print */
			put_char(t, c);
		}
	}
}

void
textps_finish(struct textps *t)
{
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
