/*
 * textpdf: plain text to PDF with real fonts (pango + cairo), streaming:
 * input is fed in pieces of any size, laid out line by line, and the PDF
 * leaves through a callback page by page (cairo writes each page as it is
 * shown), so no job is held whole. UTF-8 in any script fontconfig has a
 * font for (a byte that is not UTF-8 is read as Latin-1); DejaVu Sans
 * Mono at 10 characters per inch and 6 lines per inch, as CUPS'
 * texttopdf: 80 columns on A4 and Letter (more across the paper),
 * half-inch margins top and bottom, tabs every 8 columns, form feed
 * starts a page, long lines wrap.
 */
#ifndef SB_TEXTPDF_H
#define SB_TEXTPDF_H

#include <stddef.h>
#include <stdint.h>

/* Output: 0, or -1 to stop (the conversion then fails). */
typedef int (*textpdf_emit_cb)(void *arg, const unsigned char *buf,
    size_t len);

struct textpdf;

/* paper: "a4" or "letter", across it when landscape; NULL on a bad paper
 * name or no memory. */
struct textpdf *textpdf_new(const char *paper, int landscape,
    const char *title, textpdf_emit_cb emit, void *arg);
void textpdf_feed(struct textpdf *t, const uint8_t *p, size_t n);
/* Ends the document; 0, or -1 when cairo failed (or emit refused). */
int textpdf_finish(struct textpdf *t);
unsigned textpdf_pages(const struct textpdf *t);
/* Why textpdf_finish failed: its output not taken, no memory, or cairo's
 * word for what went wrong. */
const char *textpdf_error(const struct textpdf *t);
/* Characters no installed font has a glyph for (printed as boxes). */
unsigned textpdf_missing(const struct textpdf *t);
void textpdf_free(struct textpdf *t);

#endif
