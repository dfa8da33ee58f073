/*
 * textdoc: plain text to PDF or PostScript with real fonts (pango +
 * cairo), streaming: input is fed in pieces of any size and laid out line
 * by line. A PDF leaves through a callback page by page (cairo writes
 * each page as it is shown); cairo's PostScript writes its pages into a
 * temporary file (tmpfile(3), which printproc provides: they go to the
 * spooler as they come) and at the end its header and fonts, then the
 * pages from that file. UTF-8 in any script fontconfig has a font for
 * (a byte that is not UTF-8 is read as Latin-1); DejaVu Sans Mono, by
 * default at 10 characters per inch and 6 lines per inch, as CUPS'
 * texttopdf: 80 characters a line on A4 and Letter (more across the
 * paper), half-inch margins top and bottom, tabs every 8 columns, form
 * feed starts a page, long lines wrap.
 */
#ifndef SB_TEXTDOC_H
#define SB_TEXTDOC_H

#include <stddef.h>
#include <stdint.h>

/* Output: 0, or -1 to stop (the conversion then fails). */
typedef int (*textdoc_emit_cb)(void *arg, const unsigned char *buf,
    size_t len);

struct textdoc;

/* How the text is laid out; 0 in a field: its default. */
struct textdoc_opts {
	int ps;            /* PostScript (DSC 3.0) instead of PDF */
	double cpi, lpi;   /* characters and lines per inch: 10, 6 */
	unsigned columns;  /* text columns side by side on a page: 1 */
	/* points from the paper's edge: 36 at the top and bottom; left and
	 * right: an 80-character line at 10 cpi centered (9 at least) */
	double top, right, bottom, left;
};

/* paper: "a4" or "letter", across it when landscape; opts may be NULL
 * (every default). NULL on a bad paper name, a layout that leaves no
 * line or character room on the page, or no memory. */
struct textdoc *textdoc_new(const char *paper, int landscape,
    const char *title, const struct textdoc_opts *opts, textdoc_emit_cb emit,
    void *arg);
void textdoc_feed(struct textdoc *t, const uint8_t *p, size_t n);
/* Ends the document; 0, or -1 when cairo failed (or emit refused). */
int textdoc_finish(struct textdoc *t);
unsigned textdoc_pages(const struct textdoc *t);
/* Why textdoc_finish failed: its output not taken, no memory, or cairo's
 * word for what went wrong. */
const char *textdoc_error(const struct textdoc *t);
/* Characters no installed font has a glyph for (printed as boxes). */
unsigned textdoc_missing(const struct textdoc *t);
void textdoc_free(struct textdoc *t);

#endif
