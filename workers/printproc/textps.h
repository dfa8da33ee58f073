/*
 * textps: plain text to PostScript (DSC 3.0), streaming: input is fed in
 * pieces of any size and output leaves through a callback line by line, so
 * no job is ever held whole. Courier at 10 characters and 6 lines per inch
 * (80 columns on A4 and Letter, more across the paper), half-inch margins
 * top and bottom; tabs every 8 columns, form feed starts a page, long
 * lines wrap. UTF-8 is decoded (a byte that is not UTF-8 is Latin-1);
 * Courier's encoding is ISO Latin-1, so a character beyond it prints as
 * "?" (text in other scripts goes to PDF queues with every glyph).
 */
#ifndef SB_TEXTPS_H
#define SB_TEXTPS_H

#include <stddef.h>
#include <stdint.h>

typedef void (*textps_emit_cb)(void *arg, const char *buf, size_t len);

struct textps;

/* paper: "a4" or "letter", across it when landscape; NULL on a bad paper
 * name or no memory. */
struct textps *textps_new(const char *paper, int landscape,
    const char *title, textps_emit_cb emit, void *arg);
void textps_feed(struct textps *t, const uint8_t *p, size_t n);
/* Ends the document (trailer with the page count). */
void textps_finish(struct textps *t);
unsigned textps_pages(const struct textps *t);
/* Characters beyond Latin-1 so far (each printed as "?"). */
unsigned textps_unmapped(const struct textps *t);
unsigned textps_lines_per_page(const struct textps *t);
unsigned textps_columns(const struct textps *t);
void textps_free(struct textps *t);

#endif
