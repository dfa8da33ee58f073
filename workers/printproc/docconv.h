/*
 * docconv: conversions that must see a whole document, read from the
 * job's read-only descriptor (never copied into the heap): PDF pages
 * counted and PDF -> PostScript with poppler (the renderer CUPS' own
 * pdftops filter uses), PostScript -> PDF with Ghostscript's library,
 * PNG and JPEG -> PDF with cairo, PostScript pages counted from its DSC
 * comments. Output leaves through emit as it is
 * made.
 */
#ifndef SB_DOCCONV_H
#define SB_DOCCONV_H

#include <stddef.h>
#include <stdint.h>

#include "banner.h"
#include "textdoc.h"
#include "util.h"

/* Every call: 0 and the page count in *pages, or -1 with why in err; the
 * converters in a second thread (PDF -> PostScript, PostScript -> PDF)
 * also DOCCONV_STUCK: stopped (canceled, or CONVERT_SECONDS_MAX) but
 * still running, so the process must exit. */
#define DOCCONV_STUCK (-2)
/* A PDF that must not be printed: it needs a password, or its
 * permissions forbid printing (unless ignore_perms). */
#define DOCCONV_REFUSED (-3)
/* The converter could not start for want of a resource that comes back
 * (a thread, a pipe: EAGAIN, EMFILE, ENOMEM): the job is tried again. */
#define DOCCONV_TRANSIENT (-4)
int docconv_pdf_pages(int fd, int ignore_perms, unsigned *pages, char *err,
    size_t errlen);
/* 0 pages: the PostScript does not say (no DSC %%Pages). */
int docconv_ps_pages(int fd, uint64_t size, unsigned *pages, char *err,
    size_t errlen);
int docconv_pdf_to_ps(int fd, int ignore_perms, textdoc_emit_cb emit,
    void *arg, unsigned *pages, char *err, size_t errlen);
/* Ghostscript (libgs, pdfwrite): the PostScript is fed in pieces as it
 * is read; pdfwrite keeps its work in scratch files (printproc's private
 * /tmp) and writes the PDF when the document ends. */
int docconv_ps_to_pdf(int fd, uint64_t size, const char *paper,
    textdoc_emit_cb emit, void *arg, unsigned *pages, char *err,
    size_t errlen);
/* type: sb.DataType PNG or JPEG; one page of paper ("a4", "letter"),
 * turned to the image's orientation, the image scaled as IPP's
 * print-scaling says (auto, auto-fit, fit, fill, none; NULL: auto). */
int docconv_image_to_pdf(int fd, uint64_t size, int type, const char *paper,
    const char *title, const char *scaling, textdoc_emit_cb emit, void *arg,
    unsigned *pages, char *err, size_t errlen);

/* What a job asks of its pages (IPP page-ranges, number-up). */
struct docconv_imposition {
	const char *page_ranges;  /* "1-3,5-5"; "": every page */
	unsigned number_up;       /* 0, 1, 2, 4, 6, 9, 16 */
	const char *paper;        /* the sides' paper when number_up > 1 */
	const char *title;
	const struct page_override *overrides; /* util.h's; the first that */
	int noverrides;           /* has a page is that page's */
	struct banner banner;     /* the queue's banners and label */
};
/* The PDF on fd with only the pages chosen, number_up of them on each
 * side (poppler draws each page into cairo's PDF: vectors and fonts
 * kept). *pages: the sides made. */
int docconv_impose(int fd, int ignore_perms,
    const struct docconv_imposition *im, textdoc_emit_cb emit, void *arg,
    unsigned *pages, char *err, size_t errlen);

#endif
