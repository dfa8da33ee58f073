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

#include "textpdf.h"

/* Every call: 0 and the page count in *pages, or -1 with why in err; the
 * converters in a second thread (PDF -> PostScript, PostScript -> PDF)
 * also DOCCONV_STUCK: stopped (canceled, or CONVERT_SECONDS_MAX) but
 * still running, so the process must exit. */
#define DOCCONV_STUCK (-2)
/* A PDF that must not be printed: it needs a password, or its
 * permissions forbid printing (unless ignore_perms). */
#define DOCCONV_REFUSED (-3)
int docconv_pdf_pages(int fd, int ignore_perms, unsigned *pages, char *err,
    size_t errlen);
/* 0 pages: the PostScript does not say (no DSC %%Pages). */
int docconv_ps_pages(int fd, uint64_t size, unsigned *pages, char *err,
    size_t errlen);
int docconv_pdf_to_ps(int fd, int ignore_perms, textpdf_emit_cb emit,
    void *arg, unsigned *pages, char *err, size_t errlen);
/* Ghostscript (libgs, pdfwrite): the PostScript is fed in pieces as it
 * is read; pdfwrite keeps its work in scratch files (printproc's private
 * /tmp) and writes the PDF when the document ends. */
int docconv_ps_to_pdf(int fd, uint64_t size, textpdf_emit_cb emit,
    void *arg, unsigned *pages, char *err, size_t errlen);
/* type: sb.DataType PNG or JPEG; one page of paper ("a4", "letter"),
 * turned to the image's orientation, the image scaled as IPP's
 * print-scaling says (auto, auto-fit, fit, fill, none; NULL: auto). */
int docconv_image_to_pdf(int fd, uint64_t size, int type, const char *paper,
    const char *title, const char *scaling, textpdf_emit_cb emit, void *arg,
    unsigned *pages, char *err, size_t errlen);

#endif
