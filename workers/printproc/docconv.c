/*
 * docconv: see docconv.h. poppler reads the PDF from (a duplicate of) the
 * job's descriptor, seeking as it needs; its PostScript leaves through a
 * pipe that a second thread renders into while this one passes the pipe's
 * output on, so no page is gathered whole here. A JPEG is mapped
 * read-only and embedded as it is (cairo's JPEG pass-through: never
 * decoded); a PNG is decoded, so its size is bounded (PNG_MAX_BYTES).
 * Reports: nothing itself; each failure in err.
 */
#define _GNU_SOURCE
#include "docconv.h"

#include <cairo-pdf.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h> /* before jpeglib.h */
#include <jpeglib.h>
#include <poppler.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "chan.h"
#include "config.h"

#define IMAGE_MARGIN 18.0                  /* points: a quarter inch */
#define PNG_MAX_BYTES (40u * 1024 * 1024)  /* decoded: A4 at 300 dpi fits */
#define JPEG_MAX_BYTES (64u * 1024 * 1024) /* mapped, not decoded */
#define DSC_WINDOW 65536

static int __attribute__((format(printf, 3, 4)))
set_err(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return -1;
}

static PopplerDocument *
open_pdf(int fd, char *err, size_t errlen)
{
	GError *gerr = NULL;
	PopplerDocument *doc;
	int own = fcntl(fd, F_DUPFD_CLOEXEC, 0); /* poppler closes its own */

	if (own < 0) {
		set_err(err, errlen, "%s", strerror(errno));
		return NULL;
	}
	doc = poppler_document_new_from_fd(own, NULL, &gerr);
	if (doc == NULL) {
		set_err(err, errlen, "not a readable PDF: %s",
		    gerr != NULL ? gerr->message : "unknown error");
		g_clear_error(&gerr);
	}
	return doc;
}

int
docconv_pdf_pages(int fd, unsigned *pages, char *err, size_t errlen)
{
	PopplerDocument *doc = open_pdf(fd, err, errlen);

	if (doc == NULL)
		return -1;
	*pages = (unsigned)poppler_document_get_n_pages(doc);
	g_object_unref(doc);
	return 0;
}

/* The number after the last "%%Pages:" in buf; -1: none; -2: (atend). */
static long
dsc_pages(const char *buf, size_t n)
{
	long found = -1;

	for (const char *p = buf; (p = memmem(p, n - (size_t)(p - buf),
				       "%%Pages:", 8)) != NULL;
	     p += 8) {
		const char *v = p + 8;
		while (v < buf + n && *v == ' ')
			v++;
		if (v < buf + n && *v == '(')
			found = -2;
		else if (v < buf + n && *v >= '0' && *v <= '9')
			found = strtol(v, NULL, 10);
	}
	return found;
}

int
docconv_ps_pages(int fd, uint64_t size, unsigned *pages, char *err,
    size_t errlen)
{
	char *buf = malloc(DSC_WINDOW + 1);
	ssize_t n;
	long v;

	if (buf == NULL)
		return set_err(err, errlen, "%s", "out of memory");
	*pages = 0;
	n = pread(fd, buf, DSC_WINDOW, 0);
	if (n > 0) {
		buf[n] = '\0';
		v = dsc_pages(buf, (size_t)n);
		if (v == -2 && size > DSC_WINDOW) { /* (atend): the trailer */
			n = pread(fd, buf, DSC_WINDOW, (off_t)(size - DSC_WINDOW));
			v = n > 0 ? dsc_pages(buf, (size_t)n) : -1;
		}
		if (v > 0)
			*pages = (unsigned)v;
	}
	free(buf);
	if (n < 0)
		return set_err(err, errlen, "%s", strerror(errno));
	return 0;
}

/* ---- PDF -> PostScript ---- */

struct ps_render {
	PopplerDocument *doc;
	int fd;          /* the pipe's write end; poppler owns and closes it */
	int n;
	int stop;        /* set by the reader: nobody wants more */
};

static void *
ps_thread(void *arg)
{
	struct ps_render *r = arg;
	PopplerPSFile *ps = poppler_ps_file_new_fd(r->doc, r->fd, 0, r->n);

	for (int i = 0; i < r->n && !__atomic_load_n(&r->stop, __ATOMIC_ACQUIRE);
	     i++) {
		PopplerPage *page = poppler_document_get_page(r->doc, i);
		if (page == NULL)
			continue;
		poppler_page_render_to_ps(page, ps);
		g_object_unref(page);
	}
	poppler_ps_file_free(ps);
	return NULL;
}

int
docconv_pdf_to_ps(int fd, textpdf_emit_cb emit, void *arg, unsigned *pages,
    char *err, size_t errlen)
{
	struct ps_render r = { .doc = open_pdf(fd, err, errlen) };
	unsigned char *buf = malloc(65536);
	pthread_t th;
	int p[2], rv = 0;
	ssize_t n;

	if (r.doc == NULL || buf == NULL) {
		if (r.doc != NULL)
			g_object_unref(r.doc);
		free(buf);
		return r.doc == NULL ? -1 : set_err(err, errlen, "%s", "out of memory");
	}
	r.n = poppler_document_get_n_pages(r.doc);
	if (r.n <= 0 || pipe2(p, O_CLOEXEC) != 0) {
		rv = set_err(err, errlen, "%s", r.n <= 0 ? "the PDF has no pages"
						    : strerror(errno));
		goto out;
	}
	r.fd = p[1];
	if ((errno = pthread_create(&th, NULL, ps_thread, &r)) != 0) {
		rv = set_err(err, errlen, "%s", strerror(errno));
		close(p[0]);
		close(p[1]);
		goto out;
	}
	while ((n = read(p[0], buf, 65536)) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 || emit(arg, buf, (size_t)n) != 0) {
			rv = set_err(err, errlen, "%s", n < 0 ? strerror(errno)
						      : "output refused");
			break;
		}
	}
	__atomic_store_n(&r.stop, 1, __ATOMIC_RELEASE);
	close(p[0]); /* the renderer's writes fail from now on */
	pthread_join(th, NULL);
	*pages = (unsigned)r.n;
out:
	g_object_unref(r.doc);
	free(buf);
	return rv;
}

/* ---- images -> PDF ---- */

struct image {
	cairo_surface_t *surface;
	void *map;       /* a JPEG, mapped; embedded as it is */
	size_t maplen;
};

struct pread_src {
	int fd;
	uint64_t off;
};

static cairo_status_t
png_read_cb(void *closure, unsigned char *data, unsigned int length)
{
	struct pread_src *s = closure;

	while (length > 0) {
		ssize_t n = pread(s->fd, data, length, (off_t)s->off);
		if (n <= 0)
			return CAIRO_STATUS_READ_ERROR;
		s->off += (uint64_t)n;
		data += n;
		length -= (unsigned)n;
	}
	return CAIRO_STATUS_SUCCESS;
}

static int
load_png(int fd, struct image *im, char *err, size_t errlen)
{
	unsigned char h[24];
	struct pread_src src = { .fd = fd };
	uint64_t w, ht;

	if (pread(fd, h, sizeof(h), 0) != (ssize_t)sizeof(h) ||
	    memcmp(h, "\x89PNG\r\n\x1a\n", 8) != 0 || memcmp(h + 12, "IHDR", 4))
		return set_err(err, errlen, "%s", "not a PNG image");
	w = (uint64_t)h[16] << 24 | h[17] << 16 | h[18] << 8 | h[19];
	ht = (uint64_t)h[20] << 24 | h[21] << 16 | h[22] << 8 | h[23];
	if (w * ht * 4 > PNG_MAX_BYTES)
		return set_err(err, errlen, "the PNG image is too large to "
		    "convert (%llux%llu pixels; at most %u MiB decoded)",
		    (unsigned long long)w, (unsigned long long)ht,
		    PNG_MAX_BYTES >> 20);
	im->surface = cairo_image_surface_create_from_png_stream(png_read_cb,
	    &src);
	if (cairo_surface_status(im->surface) != CAIRO_STATUS_SUCCESS)
		return set_err(err, errlen, "unreadable PNG: %s",
		    cairo_status_to_string(cairo_surface_status(im->surface)));
	return 0;
}

struct jpeg_err {
	struct jpeg_error_mgr mgr;
	jmp_buf jb;
};

static void
jpeg_error_exit(j_common_ptr c)
{
	longjmp(((struct jpeg_err *)c->err)->jb, 1);
}

/* The JPEG's size from its header (libjpeg); -1: not a JPEG. */
static int
jpeg_dims(const void *data, size_t len, unsigned *w, unsigned *h)
{
	struct jpeg_decompress_struct ci;
	struct jpeg_err je;
	volatile int rv = -1;

	ci.err = jpeg_std_error(&je.mgr);
	je.mgr.error_exit = jpeg_error_exit;
	jpeg_create_decompress(&ci);
	if (setjmp(je.jb) == 0) {
		jpeg_mem_src(&ci, data, (unsigned long)len);
		if (jpeg_read_header(&ci, TRUE) == JPEG_HEADER_OK) {
			*w = ci.image_width;
			*h = ci.image_height;
			rv = 0;
		}
	}
	jpeg_destroy_decompress(&ci);
	return rv;
}

static int
load_jpeg(int fd, uint64_t size, struct image *im, char *err, size_t errlen)
{
	unsigned w, h;

	if (size == 0 || size > JPEG_MAX_BYTES)
		return set_err(err, errlen, "the JPEG image is too large to "
		    "convert (at most %u MiB)", JPEG_MAX_BYTES >> 20);
	im->map = mmap(NULL, size, PROT_READ, MAP_PRIVATE, fd, 0);
	if (im->map == MAP_FAILED) {
		im->map = NULL;
		return set_err(err, errlen, "%s", strerror(errno));
	}
	im->maplen = size;
	if (jpeg_dims(im->map, size, &w, &h) != 0 || w == 0 || h == 0 ||
	    w > 32767 || h > 32767)
		return set_err(err, errlen, "%s", "not a JPEG image cairo can "
						  "embed");
	/* Never drawn into: its pixels are never touched (nor counted). */
	im->surface = cairo_image_surface_create(CAIRO_FORMAT_RGB24, (int)w,
	    (int)h);
	if (cairo_surface_set_mime_data(im->surface, CAIRO_MIME_TYPE_JPEG,
		im->map, size, NULL, NULL) != CAIRO_STATUS_SUCCESS)
		return set_err(err, errlen, "%s", "cairo refused the JPEG");
	return 0;
}

struct pdf_out {
	textpdf_emit_cb emit;
	void *arg;
};

static cairo_status_t
pdf_write_cb(void *closure, const unsigned char *data, unsigned int length)
{
	struct pdf_out *o = closure;

	return o->emit(o->arg, data, length) == 0 ? CAIRO_STATUS_SUCCESS
						  : CAIRO_STATUS_WRITE_ERROR;
}

/* One page, turned to the image's orientation; the image at 72 dpi,
 * shrunk to fit inside the margins, centered. */
static int
place_image(const struct image *im, const char *paper, const char *title,
    struct pdf_out *o, char *err, size_t errlen)
{
	double pw, ph, iw, ih, s;
	cairo_surface_t *pdf;
	cairo_status_t st;
	cairo_t *cr;

	if (paper_points(paper, 0, &pw, &ph) != 0)
		return set_err(err, errlen, "unknown paper '%s'", paper);
	iw = cairo_image_surface_get_width(im->surface);
	ih = cairo_image_surface_get_height(im->surface);
	if (iw > ih) {
		double t = pw;
		pw = ph;
		ph = t;
	}
	s = (pw - 2 * IMAGE_MARGIN) / iw;
	if ((ph - 2 * IMAGE_MARGIN) / ih < s)
		s = (ph - 2 * IMAGE_MARGIN) / ih;
	if (s > 1)
		s = 1;
	pdf = cairo_pdf_surface_create_for_stream(pdf_write_cb, o, pw, ph);
	cairo_pdf_surface_set_metadata(pdf, CAIRO_PDF_METADATA_TITLE,
	    title != NULL && title[0] ? title : "spoolbox job");
	cairo_pdf_surface_set_metadata(pdf, CAIRO_PDF_METADATA_CREATOR,
	    "spoolbox");
	cr = cairo_create(pdf);
	cairo_translate(cr, (pw - iw * s) / 2, (ph - ih * s) / 2);
	cairo_scale(cr, s, s);
	cairo_set_source_surface(cr, im->surface, 0, 0);
	cairo_paint(cr);
	cairo_show_page(cr);
	cairo_destroy(cr);
	cairo_surface_finish(pdf);
	st = cairo_surface_status(pdf);
	cairo_surface_destroy(pdf);
	if (st != CAIRO_STATUS_SUCCESS)
		return set_err(err, errlen, "making the PDF: %s",
		    cairo_status_to_string(st));
	return 0;
}

int
docconv_image_to_pdf(int fd, uint64_t size, int type, const char *paper,
    const char *title, textpdf_emit_cb emit, void *arg, unsigned *pages,
    char *err, size_t errlen)
{
	struct image im = { 0 };
	struct pdf_out o = { emit, arg };
	int rv;

	rv = type == SB__DATA_TYPE__PNG ? load_png(fd, &im, err, errlen)
					: load_jpeg(fd, size, &im, err, errlen);
	if (rv == 0)
		rv = place_image(&im, paper, title, &o, err, errlen);
	if (im.surface != NULL)
		cairo_surface_destroy(im.surface);
	if (im.map != NULL)
		munmap(im.map, im.maplen);
	*pages = rv == 0 ? 1 : 0;
	return rv;
}
