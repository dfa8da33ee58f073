/*
 * docconv: see docconv.h. poppler reads the PDF from (a duplicate of) the
 * job's descriptor, seeking as it needs; its PostScript leaves through a
 * pipe that a second thread renders into while this one passes the pipe's
 * output on, so no page is gathered whole here. A JPEG is mapped
 * read-only and embedded as it is (cairo's JPEG pass-through: never
 * decoded), except a CMYK one, which cairo 1.16 embeds without the
 * /Decode an Adobe (inverted) CMYK JPEG needs, so it printed nearly
 * black: it is decoded to RGB, scaled down by libjpeg to fit the bound
 * a PNG has (PNG_MAX_BYTES). EXIF orientation (libexif) turns the image
 * as the camera meant.
 * Reports: nothing itself; each failure in err.
 */
#define _GNU_SOURCE
#include "docconv.h"

#include <cairo-pdf.h>
#include <errno.h>
#include <dlfcn.h>
#include <fcntl.h>
#include <limits.h>
#include <ghostscript/iapi.h>
#include <ghostscript/ierrors.h>
#include <stdio.h> /* before jpeglib.h */
#include <jpeglib.h>
#include <math.h>
#include <libexif/exif-data.h>
#include <png.h>
#include <poppler.h>
#include <poll.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "chan.h"
#include "config.h"
#include "util.h"

#define IMAGE_MARGIN 18.0                  /* points: a quarter inch */
#define PNG_MAX_BYTES (40u * 1024 * 1024)  /* decoded: A4 at 300 dpi fits */
#define JPEG_MAX_BYTES (64u * 1024 * 1024) /* mapped, not decoded */
#define DSC_WINDOW 65536
#define CONVERT_SECONDS_MAX 600 /* a document that takes longer is refused */
/* A PDF to PostScript through Ghostscript when it fits printproc's
 * scratch space (64 MiB, beside ps2write's own files); poppler above. */
#define GS_PDF_MAX (40u * 1024 * 1024)

/* ---- Ghostscript and poppler, loaded on first use ---- */

/* Their libraries (and libgs' dozen dependencies) cost printproc some
 * 6 MiB of private bytes once loaded (relocated data, touched pages), so
 * a print processor that never sees PostScript or PDF never loads them.
 * dlopen inside the sandbox: printproc's Landlock rules let it read the
 * libraries, as lprmon's and remote's do. */
#define GS_FUNCS(X) X(gsapi_new_instance) X(gsapi_delete_instance) \
	X(gsapi_set_stdio) X(gsapi_set_arg_encoding) X(gsapi_init_with_args) \
	X(gsapi_run_string_begin) X(gsapi_run_string_continue) \
	X(gsapi_run_string_end) X(gsapi_run_string) X(gsapi_exit)
#define PDF_FUNCS(X) X(poppler_document_new_from_fd) \
	X(poppler_document_get_n_pages) X(poppler_document_get_page) \
	X(poppler_ps_file_new_fd) X(poppler_page_render_to_ps) \
	X(poppler_ps_file_free) X(poppler_document_get_permissions) \
	X(poppler_error_quark) X(poppler_page_get_size) \
	X(poppler_ps_file_set_paper_size) \
	X(poppler_page_render_for_printing)
#define MEMBER(f) __typeof__(f) *f;
#define LOOKUP(f) if ((l->f = (__typeof__(f) *)dlsym(h, #f)) == NULL) bad = #f;

static struct {
	struct { GS_FUNCS(MEMBER) } gs;
	struct { PDF_FUNCS(MEMBER) } pdf;
	int gs_loaded, pdf_loaded;
} lib;

static int
lib_open(const char *soname, void **h, char *err, size_t errlen)
{
	if ((*h = dlopen(soname, RTLD_NOW | RTLD_LOCAL)) == NULL)
		return fail_why(err, errlen, "cannot load %s: %s", soname,
		    dlerror());
	return 0;
}

static int
load_gs(char *err, size_t errlen)
{
	const char *bad = NULL;
	void *h;

	if (lib.gs_loaded)
		return 0;
	if (lib_open("libgs.so.10", &h, err, errlen) != 0)
		return -1;
	__typeof__(lib.gs) *l = &lib.gs;
	GS_FUNCS(LOOKUP)
	if (bad != NULL)
		return fail_why(err, errlen, "libgs has no %s", bad);
	lib.gs_loaded = 1;
	return 0;
}

static int
load_pdf(char *err, size_t errlen)
{
	const char *bad = NULL;
	void *h;

	if (lib.pdf_loaded)
		return 0;
	if (lib_open("libpoppler-glib.so.8", &h, err, errlen) != 0)
		return -1;
	__typeof__(lib.pdf) *l = &lib.pdf;
	PDF_FUNCS(LOOKUP)
	if (bad != NULL)
		return fail_why(err, errlen, "poppler has no %s", bad);
	lib.pdf_loaded = 1;
	return 0;
}

/* The PDF, or NULL with why in err (*refused: one that must not print:
 * it needs a password, or, unless ignore_perms, its permissions forbid
 * printing, as CUPS' pdftopdf says). */
static PopplerDocument *
open_pdf(int fd, int ignore_perms, int *refused, char *err, size_t errlen)
{
	GError *gerr = NULL;
	PopplerDocument *doc;
	int own;

	*refused = 0;
	if (load_pdf(err, errlen) != 0)
		return NULL;
	own = fcntl(fd, F_DUPFD_CLOEXEC, 0); /* poppler closes its own */
	if (own < 0) {
		fail_why(err, errlen, "%s", strerror(errno));
		return NULL;
	}
	doc = lib.pdf.poppler_document_new_from_fd(own, NULL, &gerr);
	if (doc == NULL && gerr != NULL && gerr->domain == lib.pdf.poppler_error_quark() &&
	    gerr->code == POPPLER_ERROR_ENCRYPTED) {
		*refused = 1;
		fail_why(err, errlen, "%s", "the PDF needs a password to be "
					    "opened: it cannot be printed");
	} else if (doc == NULL) {
		fail_why(err, errlen, "not a readable PDF: %s",
		    gerr != NULL ? gerr->message : "unknown error");
	} else if (!ignore_perms &&
	    !(lib.pdf.poppler_document_get_permissions(doc) &
		POPPLER_PERMISSIONS_OK_TO_PRINT)) {
		*refused = 1;
		fail_why(err, errlen, "%s", "the PDF's permissions forbid "
		    "printing it (pdf_permissions = ignore prints it anyway)");
		g_object_unref(doc);
		doc = NULL;
	}
	g_clear_error(&gerr);
	return doc;
}

int
docconv_pdf_pages(int fd, int ignore_perms, unsigned *pages, char *err,
    size_t errlen)
{
	int refused;
	PopplerDocument *doc = open_pdf(fd, ignore_perms, &refused, err,
	    errlen);

	if (doc == NULL)
		return refused ? DOCCONV_REFUSED : -1;
	*pages = (unsigned)lib.pdf.poppler_document_get_n_pages(doc);
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
		return fail_why(err, errlen, "%s", "out of memory");
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
		/* An EPS is one page, whatever its %%Pages says (often 0). */
		else if (v == 0 && memmem(buf, strcspn(buf, "\r\n"), "EPSF", 4))
			*pages = 1;
	}
	free(buf);
	if (n < 0)
		return fail_why(err, errlen, "%s", strerror(errno));
	return 0;
}

/* ---- a converter in a second thread, writing into a pipe ---- */

static time_t
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec;
}

/* The converter's thread writes the document into a pipe; this thread
 * passes the pipe's bytes on to emit as they come (emit waits for
 * localspl's acknowledgements), so the output is never gathered. On a
 * refusal the read end is closed: the converter's writes fail, and it
 * stops early where it looks at *stop. While nothing comes, emit is
 * called with no bytes once a second (printproc then looks for an
 * Abort). A converter that has not stopped 5 s after it was told to (a
 * PostScript `{} loop` never ends, and libgs cannot be interrupted) is
 * left running: -2, DOCCONV_STUCK, and the process must end. */
static int
relay(void *(*fn)(void *), void *targ, int rfd, int *stop,
    textdoc_emit_cb emit, void *arg, char *err, size_t errlen)
{
	unsigned char *buf = malloc(65536);
	time_t end = now_s() + CONVERT_SECONDS_MAX;
	struct timespec grace;
	pthread_t th;
	int rv = 0;
	ssize_t n;

	if (buf == NULL || (errno = pthread_create(&th, NULL, fn, targ)) != 0) {
		/* EAGAIN: RLIMIT_NPROC counts every thread of the kind's
		 * account, on the whole host (docs/sandbox.md). */
		fail_why(err, errlen, "the converter's thread: %s",
		    buf == NULL ? "out of memory" : strerror(errno));
		free(buf);
		close(rfd);
		/* *stop stays 0: the write end is the caller's */
		return DOCCONV_TRANSIENT;
	}
	for (;;) {
		struct pollfd pfd = { .fd = rfd, .events = POLLIN };
		int ready = poll(&pfd, 1, 1000);
		if (ready == 0 && now_s() > end) {
			rv = fail_why(err, errlen, "the conversion took more than "
			    "%d s", CONVERT_SECONDS_MAX);
			break;
		}
		if (ready == 0 && emit(arg, NULL, 0) != 0) {
			rv = fail_why(err, errlen, "%s", "output refused");
			break;
		}
		if (ready <= 0)
			continue;
		if ((n = read(rfd, buf, 65536)) == 0)
			break;
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 || emit(arg, buf, (size_t)n) != 0) {
			rv = fail_why(err, errlen, "%s", n < 0 ? strerror(errno)
						      : "output refused");
			break;
		}
	}
	__atomic_store_n(stop, 1, __ATOMIC_RELEASE);
	close(rfd);
	free(buf);
	clock_gettime(CLOCK_REALTIME, &grace);
	grace.tv_sec += 5;
	if (pthread_timedjoin_np(th, NULL, &grace) != 0)
		return DOCCONV_STUCK;
	return rv;
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
	PopplerPSFile *ps = lib.pdf.poppler_ps_file_new_fd(r->doc, r->fd, 0, r->n);
	PopplerPage *first = lib.pdf.poppler_document_get_page(r->doc, 0);
	double w, h;

	/* The PostScript's paper is the PDF's (its first page's), not
	 * poppler's default. */
	if (first != NULL) {
		lib.pdf.poppler_page_get_size(first, &w, &h);
		lib.pdf.poppler_ps_file_set_paper_size(ps, w, h);
		g_object_unref(first);
	}

	for (int i = 0; i < r->n && !__atomic_load_n(&r->stop, __ATOMIC_ACQUIRE);
	     i++) {
		PopplerPage *page = lib.pdf.poppler_document_get_page(r->doc, i);
		if (page == NULL)
			continue;
		lib.pdf.poppler_page_render_to_ps(page, ps);
		g_object_unref(page);
	}
	lib.pdf.poppler_ps_file_free(ps);
	return NULL;
}

/* poppler's PostScript of r->doc, a page at a time, into emit. */
static int
pdf_to_ps_poppler(struct ps_render *r, textdoc_emit_cb emit, void *arg,
    char *err, size_t errlen)
{
	int p[2], rv;

	if (pipe2(p, O_CLOEXEC) != 0) {
		fail_why(err, errlen, "a pipe: %s", strerror(errno));
		return DOCCONV_TRANSIENT;
	}
	r->fd = p[1];
	rv = relay(ps_thread, r, p[0], &r->stop, emit, arg, err, errlen);
	if (rv == DOCCONV_TRANSIENT && r->stop == 0) /* never ran */
		close(p[1]);
	return rv;
}

/* The PDF at fd (size bytes) copied into a named file in the scratch
 * tmpfs (TMPDIR), for Ghostscript, which names its input and seeks in
 * it. 0, or -1 with why (nothing left behind). */
static int
scratch_copy(int fd, uint64_t size, char *path, size_t len, char *err,
    size_t errlen)
{
	const char *dir = getenv("TMPDIR");
	unsigned char *buf = malloc(65536);
	uint64_t off = 0;
	int out;

	snprintf(path, len, "%s/sb-pdf-XXXXXX", dir != NULL && *dir ? dir
							       : "/tmp");
	if (buf == NULL || (out = mkstemp(path)) < 0) {
		free(buf);
		return fail_why(err, errlen, "a scratch file: %s",
		    strerror(errno));
	}
	while (off < size) {
		size_t want = size - off < 65536 ? size - off : 65536;
		ssize_t n = pread(fd, buf, want, (off_t)off);
		if (n <= 0 || write_all(out, buf, (size_t)n) != 0)
			break;
		off += (uint64_t)n;
	}
	if (off < size)
		fail_why(err, errlen, "a scratch file: %s", errno != 0
			? strerror(errno)
			: "the job is shorter than its size");
	free(buf);
	close(out);
	if (off == size)
		return 0;
	unlink(path);
	return -1;
}


/* ---- PostScript -> PDF ---- */

struct gs_run {
	int fd;                  /* the job */
	uint64_t size;
	const char *device;      /* -sDEVICE=pdfwrite, or ps2write */
	const char *input;       /* a file it reads (a PDF), or NULL: the
				  * job's bytes fed as they are read */
	int stdout_fd;           /* printproc's own stdout, put back at the end */
	int stop;                /* set by the reader: nobody wants more */
	char line[256];          /* what it is writing to stderr */
	size_t linelen;
	char last[256];          /* its last complete line: the error */
	char err[256];           /* why the run failed; "" when it did not */
	unsigned pages;          /* from the "spoolbox-pages:" line */
	char paper[64];          /* -dDEVICE...POINTS: the queue's paper */
	char paperh[64];
};

/* Ghostscript's own output (not the PDF): nothing in, messages out. */
static int GSDLLCALL
gs_stdin(void *h, char *buf, int len)
{
	(void)h, (void)buf, (void)len;
	return 0; /* the document comes by run_string */
}

static int GSDLLCALL
gs_stdout(void *h, const char *str, int len)
{
	(void)h, (void)str;
	return len;
}

/* Keeps the last line it wrote (the error shown when it fails), and
 * reads the page count that the end of the run writes here. */
static int GSDLLCALL
gs_stderr(void *h, const char *str, int len)
{
	struct gs_run *g = h;

	for (int i = 0; i < len; i++) {
		if (str[i] != '\n') {
			if (g->linelen < sizeof(g->line) - 1)
				g->line[g->linelen++] = str[i];
			continue;
		}
		g->line[g->linelen] = '\0';
		if (strncmp(g->line, "spoolbox-pages: ", 16) == 0)
			g->pages = (unsigned)strtoul(g->line + 16, NULL, 10);
		else if (g->linelen > 0)
			memcpy(g->last, g->line, g->linelen + 1);
		g->linelen = 0;
	}
	return len;
}

/* Feed the whole job to the interpreter, in pieces as they are read. */
static int
gs_feed(void *gs, struct gs_run *g, char *buf)
{
	uint64_t off = 0;
	int code, ecode = 0;

	code = lib.gs.gsapi_run_string_begin(gs, 0, &ecode);
	while ((code == 0 || code == gs_error_NeedInput) && off < g->size &&
	    !__atomic_load_n(&g->stop, __ATOMIC_ACQUIRE)) {
		size_t want = g->size - off < 65536 ? g->size - off : 65536;
		ssize_t n = pread(g->fd, buf, want, (off_t)off);
		if (n <= 0)
			return fail_why(g->err, sizeof(g->err), "%s", n == 0
			    ? "the job's data is shorter than its size"
			    : strerror(errno));
		off += (uint64_t)n;
		code = lib.gs.gsapi_run_string_continue(gs, buf, (unsigned)n, 0,
		    &ecode);
	}
	if (code == 0 || code == gs_error_NeedInput)
		code = lib.gs.gsapi_run_string_end(gs, 0, &ecode);
	return code;
}

/* The converter's thread: one Ghostscript session. pdfwrite writes the
 * PDF to stdout, which is the pipe until the session ends. */
static void *
gs_thread(void *arg)
{
	static const char count[] = "(%stderr) (w) file dup "
	    "(\\nspoolbox-pages: ) writestring currentdevice getdeviceprops "
	    ".dicttomark /PageCount get 20 string cvs writestring "
	    "(%stderr) (w) file (\\n) writestring\n";
	struct gs_run *g = arg;
	/* PostScript: a page of the queue's paper unless it asks for its
	 * own (setpagedevice): libgs's own default is Letter. A PDF: each
	 * page its own size, its form fields shown, and what ps2write must
	 * draw as pixels (shadings, transparency) at 300 dpi, as CUPS'
	 * pdftops asks: its default, 720, made groff's slide-demo.pdf 5
	 * times slower and 3 times larger. */
	char *argv[] = { "spoolbox-printproc", "-q", "-dNOPAUSE", "-dSAFER",
		"-dNOINTERPOLATE", (char *)g->device, "-sOutputFile=-",
		g->input ? "-dBATCH" : g->paper,
		g->input ? "-dShowAcroForm" : g->paperh,
		g->input ? "-r300" : NULL, (char *)g->input, NULL };
	int argc = g->input ? 11 : 9;
	char *buf = malloc(65536);
	void *gs = NULL;
	int code, ecode = 0;

	if (buf == NULL || lib.gs.gsapi_new_instance(&gs, g) < 0) {
		fail_why(g->err, sizeof(g->err), "%s", "Ghostscript did not "
		    "start");
		goto out;
	}
	lib.gs.gsapi_set_stdio(gs, gs_stdin, gs_stdout, gs_stderr);
	lib.gs.gsapi_set_arg_encoding(gs, GS_ARG_ENCODING_UTF8);
	code = lib.gs.gsapi_init_with_args(gs, argc, argv);
	if (code == 0 && g->input == NULL)
		code = gs_feed(gs, g, buf);
	if (code == 0 && g->input == NULL)
		code = lib.gs.gsapi_run_string(gs, count, 0, &ecode);
	if (code < 0 && code != gs_error_Quit && g->err[0] == '\0')
		fail_why(g->err, sizeof(g->err), "Ghostscript: %s",
		    g->last[0] ? g->last : "the PostScript failed");
	if (lib.gs.gsapi_exit(gs) < 0 && g->err[0] == '\0') /* the PDF is written */
		fail_why(g->err, sizeof(g->err), "%s", "Ghostscript could not "
		    "finish the PDF");
	lib.gs.gsapi_delete_instance(gs);
out:
	fflush(stdout);
	dup2(g->stdout_fd, STDOUT_FILENO); /* the pipe's end: EOF */
	free(buf);
	return NULL;
}

/* One Ghostscript run (g) in the converter's thread, its output to emit.
 * 0, -1, DOCCONV_STUCK or DOCCONV_TRANSIENT, with why in err. */
static int
gs_relay(struct gs_run *g, textdoc_emit_cb emit, void *arg, unsigned *pages,
    char *err, size_t errlen)
{
	int p[2], rv;

	if (load_gs(err, errlen) != 0)
		return -1;
	/* libgs writes an output file named "-" to the process's stdout. */
	fflush(stdout);
	if (pipe2(p, O_CLOEXEC) != 0) {
		fail_why(err, errlen, "a pipe: %s", strerror(errno));
		return DOCCONV_TRANSIENT;
	}
	if ((g->stdout_fd = fcntl(STDOUT_FILENO, F_DUPFD_CLOEXEC, 3)) < 0) {
		fail_why(err, errlen, "a descriptor: %s", strerror(errno));
		close(p[0]);
		close(p[1]);
		return DOCCONV_TRANSIENT;
	}
	dup2(p[1], STDOUT_FILENO);
	close(p[1]);
	rv = relay(gs_thread, g, p[0], &g->stop, emit, arg, err, errlen);
	if (rv == DOCCONV_TRANSIENT && g->stop == 0) /* never ran */
		dup2(g->stdout_fd, STDOUT_FILENO);
	close(g->stdout_fd);
	if (rv == 0 && g->err[0] != '\0')
		rv = fail_why(err, errlen, "%s", g->err);
	*pages = g->pages;
	return rv;
}

int
docconv_ps_to_pdf(int fd, uint64_t size, const char *paper,
    textdoc_emit_cb emit, void *arg, unsigned *pages, char *err,
    size_t errlen)
{
	struct gs_run g = { .fd = fd, .size = size,
		.device = "-sDEVICE=pdfwrite" };
	double w, h;

	if (paper_points(paper, 0, &w, &h) != 0)
		return fail_why(err, errlen, "unknown paper '%s'", paper);
	snprintf(g.paper, sizeof(g.paper), "-dDEVICEWIDTHPOINTS=%.2f", w);
	snprintf(g.paperh, sizeof(g.paperh), "-dDEVICEHEIGHTPOINTS=%.2f", h);
	return gs_relay(&g, emit, arg, pages, err, errlen);
}

int
docconv_pdf_to_ps(int fd, int ignore_perms, textdoc_emit_cb emit, void *arg,
    unsigned *pages, char *err, size_t errlen)
{
	int refused;
	struct ps_render r = { .doc = open_pdf(fd, ignore_perms, &refused, err,
				   errlen) };
	struct gs_run g = { .device = "-sDEVICE=ps2write" };
	char path[PATH_MAX];
	struct stat st;
	unsigned none;
	int rv;

	if (r.doc == NULL)
		return -1;
	r.n = lib.pdf.poppler_document_get_n_pages(r.doc);
	*pages = r.n > 0 ? (unsigned)r.n : 0;
	if (r.n <= 0) {
		g_object_unref(r.doc);
		return fail_why(err, errlen, "%s", "the PDF has no pages");
	}
	/* Ghostscript's ps2write, as CUPS' pdftops runs it: a fifth of
	 * poppler's PostScript, as fast (bench/pdftops-choice.sh); a PDF
	 * larger than the scratch space takes goes through poppler, which
	 * reads it in place. */
	if (fstat(fd, &st) == 0 && (uint64_t)st.st_size <= GS_PDF_MAX &&
	    load_gs(err, errlen) == 0 &&
	    scratch_copy(fd, (uint64_t)st.st_size, path, sizeof(path), err,
		errlen) == 0) {
		g_object_unref(r.doc);
		g.input = path;
		rv = gs_relay(&g, emit, arg, &none, err, errlen);
		unlink(path);
		return rv;
	}
	rv = pdf_to_ps_poppler(&r, emit, arg, err, errlen);
	g_object_unref(r.doc);
	return rv;
}

/* ---- images -> PDF ---- */

struct image {
	cairo_surface_t *surface;
	void *map;       /* a JPEG, mapped; embedded as it is */
	size_t maplen;
	int orientation; /* EXIF's 1..8; 1 (or 0): as stored */
};

struct pread_src {
	int fd;
	uint64_t off;
};

/* ---- PNG: read a row at a time (libpng), scaled down as it comes ---- */

static char png_why[128]; /* libpng's last error */

static void
png_fail(png_structp png, png_const_charp msg)
{
	snprintf(png_why, sizeof(png_why), "%s", msg);
	png_longjmp(png, 1);
}

static void
png_note(png_structp png, png_const_charp msg)
{
	(void)png; /* a warning: the image is read anyway */
	(void)msg;
}

static void
png_pread(png_structp png, png_bytep data, size_t length)
{
	struct pread_src *s = png_get_io_ptr(png);

	while (length > 0) {
		ssize_t n = pread(s->fd, data, length, (off_t)s->off);
		if (n <= 0)
			png_error(png, "the image's data ends early");
		s->off += (uint64_t)n;
		data += n;
		length -= (size_t)n;
	}
}

/* Every PNG as 8-bit RGBA: 16-bit stripped, palette and grey expanded,
 * transparency to alpha. */
static void
png_to_rgba(png_structp png, png_infop info, int native)
{
	int type = png_get_color_type(png, info);

	int filler = PNG_FILLER_AFTER;

	/* native: cairo's pixel as it is in memory (alpha, red, green, blue
	 * from the high byte): B, G, R, A bytes little-endian, A, R, G, B
	 * big-endian. Else R, G, B, A. */
	if (native && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__) {
		png_set_bgr(png);
	} else if (native) {
		png_set_swap_alpha(png);
		filler = PNG_FILLER_BEFORE;
	}
	png_set_strip_16(png);
	png_set_packing(png);
	if (type == PNG_COLOR_TYPE_PALETTE)
		png_set_palette_to_rgb(png);
	if (type == PNG_COLOR_TYPE_GRAY || type == PNG_COLOR_TYPE_GRAY_ALPHA)
		png_set_gray_to_rgb(png);
	if (png_get_valid(png, info, PNG_INFO_tRNS))
		png_set_tRNS_to_alpha(png);
	png_set_expand_gray_1_2_4_to_8(png);
	png_set_filler(png, 0xff, filler);
	png_read_update_info(png, info);
}

/* Blocks of f x rows RGBA pixels (fewer at the right edge of a w-pixel
 * row) summed in acc, 4 per output pixel, into one row of cairo's ARGB32
 * (premultiplied). */
static void
png_emit_row(const uint32_t *acc, unsigned tw, unsigned w, unsigned f,
    unsigned rows, uint32_t *out)
{
	for (unsigned x = 0; x < tw; x++) {
		const uint32_t *p = acc + 4 * x;
		unsigned n = rows * (x + 1 < tw ? f : w - x * f);
		unsigned a = p[3] / n;
		out[x] = a << 24 | (p[0] / n * a / 255) << 16 |
		    (p[1] / n * a / 255) << 8 | (p[2] / n * a / 255);
	}
}

/* Decode, each f x f block of pixels averaged into one (f: the least
 * that keeps the image within PNG_MAX_BYTES). One decoded row and one
 * row of sums are all that is held beside the result. */
/* A PNG that fits decoded: each row read by libpng straight into the
 * surface as cairo's pixels, every pass of an interlaced
 * one; premultiplied when it has alpha, RGB24 (nothing to analyse or
 * mask) when it has none. */
static int
png_decode_whole(png_structp png, png_infop info, struct image *im)
{
	unsigned w = png_get_image_width(png, info);
	unsigned h = png_get_image_height(png, info);
	int opaque = !(png_get_color_type(png, info) & PNG_COLOR_MASK_ALPHA) &&
	    !png_get_valid(png, info, PNG_INFO_tRNS);
	int passes = png_set_interlace_handling(png);
	unsigned char *px;
	int stride;

	png_to_rgba(png, info, 1);
	im->surface = cairo_image_surface_create(opaque ? CAIRO_FORMAT_RGB24
							: CAIRO_FORMAT_ARGB32,
	    (int)w, (int)h);
	if (cairo_surface_status(im->surface) != CAIRO_STATUS_SUCCESS)
		png_error(png, "out of memory");
	px = cairo_image_surface_get_data(im->surface);
	stride = cairo_image_surface_get_stride(im->surface);
	for (int pass = 0; pass < passes; pass++)
		for (unsigned y = 0; y < h; y++)
			png_read_row(png, px + (size_t)stride * y, NULL);
	for (unsigned y = 0; !opaque && y < h; y++) {
		uint32_t *row = (uint32_t *)(px + (size_t)stride * y);
		for (unsigned x = 0; x < w; x++) {
			uint32_t p = row[x], a = p >> 24;
			row[x] = a << 24 | ((p >> 16 & 0xff) * a / 255) << 16 |
			    ((p >> 8 & 0xff) * a / 255) << 8 | (p & 0xff) * a / 255;
		}
	}
	cairo_surface_mark_dirty(im->surface);
	return 0;
}

static int
png_decode(png_structp png, png_infop info, struct image *im,
    unsigned char **row, uint32_t **acc)
{
	unsigned w = png_get_image_width(png, info);
	unsigned h = png_get_image_height(png, info), f = 1;
	unsigned tw, th, y;
	unsigned char *px;
	int stride;

	while ((uint64_t)((w + f - 1) / f) * ((h + f - 1) / f) * 4 >
	    PNG_MAX_BYTES)
		f++;
	tw = (w + f - 1) / f;
	th = (h + f - 1) / f;
	if (f == 1)
		return png_decode_whole(png, info, im);
	if (png_get_interlace_type(png, info) != PNG_INTERLACE_NONE)
		png_error(png, "an interlaced PNG this large cannot be read "
			       "a row at a time");
	png_to_rgba(png, info, 0);
	im->surface = cairo_image_surface_create(CAIRO_FORMAT_ARGB32, (int)tw,
	    (int)th);
	*row = malloc((size_t)w * 4);
	*acc = calloc((size_t)tw * 4, sizeof(**acc));
	if (cairo_surface_status(im->surface) != CAIRO_STATUS_SUCCESS ||
	    *row == NULL || *acc == NULL)
		png_error(png, "out of memory");
	px = cairo_image_surface_get_data(im->surface);
	stride = cairo_image_surface_get_stride(im->surface);
	for (y = 0; y < h; y++) {
		png_read_row(png, *row, NULL);
		for (unsigned x = 0; x < w; x++)
			for (int c = 0; c < 4; c++)
				(*acc)[4 * (x / f) + (unsigned)c] +=
				    (*row)[4 * x + (unsigned)c];
		if ((y + 1) % f == 0 || y + 1 == h) {
			png_emit_row(*acc, tw, w, f, y % f + 1,
			    (uint32_t *)(px + (size_t)stride * (y / f)));
			memset(*acc, 0, (size_t)tw * 4 * sizeof(**acc));
		}
	}
	cairo_surface_mark_dirty(im->surface);
	return 0;
}

static int
load_png(int fd, struct image *im, char *err, size_t errlen)
{
	struct pread_src src = { .fd = fd };
	unsigned char sig[8];
	unsigned char *volatile row = NULL;
	uint32_t *volatile acc = NULL;
	png_structp png;
	png_infop info = NULL;
	volatile int rv = 0;

	if (pread(fd, sig, sizeof(sig), 0) != (ssize_t)sizeof(sig) ||
	    png_sig_cmp(sig, 0, sizeof(sig)) != 0)
		return fail_why(err, errlen, "%s", "not a PNG image");
	png = png_create_read_struct(PNG_LIBPNG_VER_STRING, NULL, NULL, NULL);
	if (png == NULL || (info = png_create_info_struct(png)) == NULL) {
		png_destroy_read_struct(&png, NULL, NULL);
		return fail_why(err, errlen, "%s", "out of memory");
	}
	png_set_error_fn(png, NULL, png_fail, png_note);
	if (setjmp(png_jmpbuf(png)) == 0) {
		png_set_read_fn(png, &src, png_pread);
		png_read_info(png, info);
		png_decode(png, info, im, (unsigned char **)&row,
		    (uint32_t **)&acc);
	} else {
		rv = fail_why(err, errlen, "unreadable PNG: %s", png_why);
	}
	png_destroy_read_struct(&png, &info, NULL);
	free(row);
	free(acc);
	return rv;
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

/* A CMYK JPEG's scanlines into an RGB image surface, s (1, 2, 4 or 8)
 * times smaller; Adobe's (inverted) and plain CMYK alike. 0 or -1. */
static int
cmyk_decode(struct jpeg_decompress_struct *ci, unsigned s, struct image *im)
{
	JSAMPROW row;
	unsigned char *px;
	int stride;

	ci->scale_num = 1;
	ci->scale_denom = s;
	ci->out_color_space = JCS_CMYK;
	jpeg_start_decompress(ci);
	im->surface = cairo_image_surface_create(CAIRO_FORMAT_RGB24,
	    (int)ci->output_width, (int)ci->output_height);
	if (cairo_surface_status(im->surface) != CAIRO_STATUS_SUCCESS ||
	    (row = malloc((size_t)ci->output_width * 4)) == NULL)
		return -1;
	px = cairo_image_surface_get_data(im->surface);
	stride = cairo_image_surface_get_stride(im->surface);
	while (ci->output_scanline < ci->output_height) {
		uint32_t *out = (uint32_t *)(px + (size_t)stride *
		    ci->output_scanline);
		jpeg_read_scanlines(ci, &row, 1);
		for (unsigned x = 0; x < ci->output_width; x++) {
			unsigned c = row[4 * x], m = row[4 * x + 1],
				 y = row[4 * x + 2], k = row[4 * x + 3];
			if (!ci->saw_Adobe_marker) /* stored as is: invert */
				c = 255 - c, m = 255 - m, y = 255 - y, k = 255 - k;
			out[x] = (c * k / 255) << 16 | (m * k / 255) << 8 |
			    (y * k / 255);
		}
	}
	free(row);
	cairo_surface_mark_dirty(im->surface);
	jpeg_finish_decompress(ci);
	return 0;
}

/* The JPEG's size from its header (libjpeg); a CMYK one is decoded into
 * im->surface. -1: not a JPEG, or a CMYK one too large even at 1/8. */
static int
jpeg_read(const void *data, size_t len, unsigned *w, unsigned *h,
    struct image *im)
{
	struct jpeg_decompress_struct ci;
	struct jpeg_err je;
	volatile int rv = -1;
	volatile unsigned s = 1;

	ci.err = jpeg_std_error(&je.mgr);
	je.mgr.error_exit = jpeg_error_exit;
	jpeg_create_decompress(&ci);
	if (setjmp(je.jb) == 0) {
		jpeg_mem_src(&ci, data, (unsigned long)len);
		if (jpeg_read_header(&ci, TRUE) == JPEG_HEADER_OK) {
			*w = ci.image_width;
			*h = ci.image_height;
			rv = 0;
			while (s < 8 && (uint64_t)(*w / s) * (*h / s) * 4 >
			    PNG_MAX_BYTES)
				s *= 2;
			if (ci.num_components == 4)
				rv = cmyk_decode(&ci, s, im);
		}
	}
	jpeg_destroy_decompress(&ci);
	return rv;
}

/* EXIF's Orientation (1..8), 1 when there is none. */
static int
exif_orientation(const void *data, size_t len)
{
	ExifData *d = exif_data_new_from_data(data, (unsigned)len);
	ExifEntry *e;
	int o = 1;

	if (d == NULL)
		return 1;
	e = exif_data_get_entry(d, EXIF_TAG_ORIENTATION);
	if (e != NULL && e->format == EXIF_FORMAT_SHORT && e->components == 1)
		o = exif_get_short(e->data, exif_data_get_byte_order(d));
	exif_data_unref(d);
	return o >= 1 && o <= 8 ? o : 1;
}

static int
load_jpeg(int fd, uint64_t size, struct image *im, char *err, size_t errlen)
{
	unsigned w, h;

	if (size == 0 || size > JPEG_MAX_BYTES)
		return fail_why(err, errlen, "the JPEG image is too large to "
		    "convert (at most %u MiB)", JPEG_MAX_BYTES >> 20);
	im->map = mmap(NULL, size, PROT_READ, MAP_PRIVATE, fd, 0);
	if (im->map == MAP_FAILED) {
		im->map = NULL;
		return fail_why(err, errlen, "%s", strerror(errno));
	}
	im->maplen = size;
	if (jpeg_read(im->map, size, &w, &h, im) != 0 || w == 0 || h == 0 ||
	    w > 32767 || h > 32767)
		return fail_why(err, errlen, "%s", "not a JPEG image cairo can "
						  "embed");
	im->orientation = exif_orientation(im->map, size);
	if (im->surface != NULL)
		return 0; /* CMYK, decoded */
	/* Never drawn into: its pixels are never touched (nor counted). */
	im->surface = cairo_image_surface_create(CAIRO_FORMAT_RGB24, (int)w,
	    (int)h);
	if (cairo_surface_set_mime_data(im->surface, CAIRO_MIME_TYPE_JPEG,
		im->map, size, NULL, NULL) != CAIRO_STATUS_SUCCESS)
		return fail_why(err, errlen, "%s", "cairo refused the JPEG");
	return 0;
}

struct pdf_out {
	textdoc_emit_cb emit;
	void *arg;
};

static cairo_status_t
pdf_write_cb(void *closure, const unsigned char *data, unsigned int length)
{
	struct pdf_out *o = closure;

	return o->emit(o->arg, data, length) == 0 ? CAIRO_STATUS_SUCCESS
						  : CAIRO_STATUS_WRITE_ERROR;
}

/* A PDF of w x h points (the first page's) written to o. */
static cairo_surface_t *
pdf_surface(struct pdf_out *o, double w, double h, const char *title)
{
	cairo_surface_t *pdf = cairo_pdf_surface_create_for_stream(
	    pdf_write_cb, o, w, h);

	cairo_pdf_surface_set_metadata(pdf, CAIRO_PDF_METADATA_TITLE,
	    title != NULL && title[0] ? title : "spoolbox job");
	cairo_pdf_surface_set_metadata(pdf, CAIRO_PDF_METADATA_CREATOR,
	    "spoolbox");
	return pdf;
}

/* The PDF's end: 0, or -1 with why in err. */
static int
pdf_finish(cairo_surface_t *pdf, char *err, size_t errlen)
{
	cairo_status_t st;

	cairo_surface_finish(pdf);
	st = cairo_surface_status(pdf);
	cairo_surface_destroy(pdf);
	if (st != CAIRO_STATUS_SUCCESS)
		return fail_why(err, errlen, "making the PDF: %s",
		    cairo_status_to_string(st));
	return 0;
}

/* EXIF orientation o (1..8) as the matrix from the stored image (iw x
 * ih) to the upright one (its sides swapped for 5..8). */
static void
orient_matrix(int o, double iw, double ih, cairo_matrix_t *m)
{
	static const double k[9][6] = {
		[2] = { -1, 0, 0, 1, 1, 0 },   /* mirrored */
		[3] = { -1, 0, 0, -1, 1, 1 },  /* upside down */
		[4] = { 1, 0, 0, -1, 0, 1 },   /* mirrored, upside down */
		[5] = { 0, 1, 1, 0, 0, 0 },    /* transposed */
		[6] = { 0, 1, -1, 0, 2, 0 },   /* turned right */
		[7] = { 0, -1, -1, 0, 2, 3 },  /* transversed */
		[8] = { 0, -1, 1, 0, 0, 3 },   /* turned left */
	};
	/* Offsets: 1 iw or ih by axis (x: iw, y: ih); 2 ih on x; 3 iw on y. */
	const double *r = k[o >= 2 && o <= 8 ? o : 0];
	double x0 = r[4] == 1 ? iw : r[4] == 2 ? ih : 0;
	double y0 = r[5] == 1 ? ih : r[5] == 3 ? iw : 0;

	if (o < 2 || o > 8)
		cairo_matrix_init_identity(m);
	else
		cairo_matrix_init(m, r[0], r[1], r[2], r[3], x0, y0);
}

/* The scale of an image (iw x ih points at 72 dpi) on a page pw x ph,
 * as IPP's print-scaling says: fit inside the margins (enlarged too),
 * fill the whole page (cropped), none (as it is, cropped), or auto
 * (auto-fit, ""): fitted when larger, as it is when smaller. */
static double
image_scale(const char *scaling, double pw, double ph, double iw, double ih)
{
	double fit = (pw - 2 * IMAGE_MARGIN) / iw, fill = pw / iw;

	if ((ph - 2 * IMAGE_MARGIN) / ih < fit)
		fit = (ph - 2 * IMAGE_MARGIN) / ih;
	if (ph / ih > fill)
		fill = ph / ih;
	if (scaling != NULL && strcmp(scaling, "fit") == 0)
		return fit;
	if (scaling != NULL && strcmp(scaling, "fill") == 0)
		return fill;
	if (scaling != NULL && strcmp(scaling, "none") == 0)
		return 1;
	return fit < 1 ? fit : 1;
}

/* One page, turned to the image's orientation; the image at 72 dpi,
 * scaled as print-scaling says, centered, upright as EXIF says. */
static int
place_image(const struct image *im, const char *paper, const char *title,
    const char *scaling, struct pdf_out *o, char *err, size_t errlen)
{
	double pw, ph, iw, ih, s;
	cairo_surface_t *pdf;
	cairo_matrix_t m;
	cairo_t *cr;

	if (paper_points(paper, 0, &pw, &ph) != 0)
		return fail_why(err, errlen, "unknown paper '%s'", paper);
	iw = cairo_image_surface_get_width(im->surface);
	ih = cairo_image_surface_get_height(im->surface);
	orient_matrix(im->orientation, iw, ih, &m);
	if (im->orientation >= 5) { /* upright, its sides are swapped */
		double t = iw;
		iw = ih;
		ih = t;
	}
	if (iw > ih) {
		double t = pw;
		pw = ph;
		ph = t;
	}
	s = image_scale(scaling, pw, ph, iw, ih);
	pdf = pdf_surface(o, pw, ph, title);
	cr = cairo_create(pdf);
	cairo_translate(cr, (pw - iw * s) / 2, (ph - ih * s) / 2);
	cairo_scale(cr, s, s);
	cairo_transform(cr, &m);
	cairo_set_source_surface(cr, im->surface, 0, 0);
	cairo_paint(cr);
	cairo_show_page(cr);
	cairo_destroy(cr);
	return pdf_finish(pdf, err, errlen);
}

int
docconv_image_to_pdf(int fd, uint64_t size, int type, const char *paper,
    const char *title, const char *scaling, textdoc_emit_cb emit, void *arg,
    unsigned *pages, char *err, size_t errlen)
{
	struct image im = { 0 };
	struct pdf_out o = { emit, arg };
	int rv;

	rv = type == SB__DATA_TYPE__PNG ? load_png(fd, &im, err, errlen)
					: load_jpeg(fd, size, &im, err, errlen);
	if (rv == 0)
		rv = place_image(&im, paper, title, scaling, &o, err, errlen);
	if (im.surface != NULL)
		cairo_surface_destroy(im.surface);
	if (im.map != NULL)
		munmap(im.map, im.maplen);
	*pages = rv == 0 ? 1 : 0;
	return rv;
}

/* ---- choosing pages and putting several to a side ---- */

/* How number-up n lays pages on a side: cols x rows across the side
 * turned a quarter (2 and 6: portrait pages side by side), or upright. */
struct nup {
	unsigned cols, rows;
	int turned;
};

static struct nup
nup_layout(unsigned n)
{
	switch (n) {
	case 2: return (struct nup){ 2, 1, 1 };
	case 4: return (struct nup){ 2, 2, 0 };
	case 6: return (struct nup){ 3, 2, 1 };
	case 9: return (struct nup){ 3, 3, 0 };
	case 16: return (struct nup){ 4, 4, 0 };
	default: return (struct nup){ 1, 1, 0 };
	}
}

/* Input page p in cell k of a side sw x sh: scaled to fit, centered;
 * landscape (orientation-requested 4): turned a quarter anticlockwise.
 * Turned layouts draw on the side rotated a quarter clockwise, so the
 * pages' tops face its right edge and the first is at the top. */
static void
draw_in_cell(cairo_t *cr, PopplerPage *p, struct nup l, unsigned k,
    double sw, double sh, int landscape)
{
	double lw = l.turned ? sh : sw, lh = l.turned ? sw : sh;
	double cw = lw / l.cols, ch = lh / l.rows, pw, ph, ew, eh, s;

	lib.pdf.poppler_page_get_size(p, &pw, &ph);
	ew = landscape ? ph : pw;
	eh = landscape ? pw : ph;
	s = cw / ew < ch / eh ? cw / ew : ch / eh;
	cairo_save(cr);
	if (l.turned) {
		cairo_translate(cr, sw, 0);
		cairo_rotate(cr, M_PI / 2);
	}
	cairo_translate(cr, (k % l.cols) * cw + (cw - ew * s) / 2,
	    (k / l.cols) * ch + (ch - eh * s) / 2);
	cairo_scale(cr, s, s);
	if (landscape) {
		cairo_translate(cr, 0, pw);
		cairo_rotate(cr, -M_PI / 2);
	}
	cairo_rectangle(cr, 0, 0, pw, ph);
	cairo_clip(cr);
	lib.pdf.poppler_page_render_for_printing(p, cr);
	cairo_restore(cr);
}

/* The override for page n (from 1), or NULL. */
static const struct page_override *
override_of(const struct docconv_imposition *im, unsigned n)
{
	for (int i = 0; i < im->noverrides; i++)
		if (page_in_ranges(im->overrides[i].ranges, n))
			return &im->overrides[i];
	return NULL;
}

/* With one up, the side for page p: its override's media, else the
 * page's own size (turned for landscape). 0, or -1 with why in err. */
static int
own_side(PopplerPage *p, const struct page_override *o, double *sw,
    double *sh, char *err, size_t errlen)
{
	double w, h;

	if (o != NULL && o->media[0] != '\0')
		return paper_points(o->media, 0, sw, sh) == 0
		    ? 0
		    : fail_why(err, errlen, "unknown media %s", o->media);
	lib.pdf.poppler_page_get_size(p, &w, &h);
	*sw = o != NULL && o->orientation == 4 ? h : w;
	*sh = o != NULL && o->orientation == 4 ? w : h;
	return 0;
}

/* A side done: the queue's label on it, and shown. */
static void
stamped_show(cairo_t *cr, const struct docconv_imposition *im, double w,
    double h)
{
	banner_stamp(cr, w, h, im->banner.label);
	cairo_show_page(cr);
}

/* The queue's start (or end) banner, on the job's paper, saying how many
 * of the document's n pages it prints. */
static void
banner_side(cairo_surface_t *pdf, cairo_t *cr,
    const struct docconv_imposition *im, int n, int end)
{
	struct banner b = im->banner;
	double w, h;

	if ((end ? b.end : b.start) == NULL || (end ? b.end : b.start)[0] ==
	    '\0' || paper_points(im->paper, 0, &w, &h) != 0)
		return;
	b.pages = 0;
	for (int i = 1; i <= n; i++)
		b.pages += (unsigned)page_in_ranges(im->page_ranges, (unsigned)i);
	cairo_pdf_surface_set_size(pdf, w, h);
	banner_page(cr, w, h, &b, end);
	cairo_show_page(cr);
}

/* Lay the chosen pages of doc on sides: with one up, each page at its own
 * size (or its override's); with several, on paper. The number of sides,
 * or -1. */
static int
impose_pages(PopplerDocument *doc, const struct docconv_imposition *im,
    struct pdf_out *o, char *err, size_t errlen)
{
	struct nup l = nup_layout(im->number_up);
	unsigned per = l.cols * l.rows, k = 0, sides = 0;
	int n = lib.pdf.poppler_document_get_n_pages(doc), bad = 0;
	double sw = 0, sh = 0;
	cairo_surface_t *pdf;
	cairo_t *cr;

	if (per > 1 && paper_points(im->paper, 0, &sw, &sh) != 0)
		return fail_why(err, errlen, "unknown paper '%s'", im->paper);
	pdf = pdf_surface(o, per > 1 ? sw : 612, per > 1 ? sh : 792, im->title);
	cr = cairo_create(pdf);
	banner_side(pdf, cr, im, n, 0);
	for (int i = 0; i < n && cairo_status(cr) == CAIRO_STATUS_SUCCESS; i++) {
		PopplerPage *p;
		if (!page_in_ranges(im->page_ranges, (unsigned)i + 1) ||
		    (p = lib.pdf.poppler_document_get_page(doc, i)) == NULL)
			continue;
		const struct page_override *ov = override_of(im, (unsigned)i + 1);
		if (per == 1 && (bad = own_side(p, ov, &sw, &sh, err, errlen))) {
			g_object_unref(p);
			break;
		}
		if (per == 1)
			cairo_pdf_surface_set_size(pdf, sw, sh);
		draw_in_cell(cr, p, l, k, sw, sh,
		    ov != NULL && ov->orientation == 4);
		g_object_unref(p);
		if (++k == per) {
			stamped_show(cr, im, sw, sh);
			k = 0;
			sides++;
		}
	}
	if (k > 0) {
		stamped_show(cr, im, sw, sh);
		sides++;
	}
	if (sides > 0)
		banner_side(pdf, cr, im, n, 1);
	cairo_destroy(cr);
	if (bad) {
		cairo_surface_destroy(pdf);
		return -1;
	}
	if (sides == 0) {
		cairo_surface_destroy(pdf);
		return fail_why(err, errlen, "page-ranges %s choose none of "
		    "the document's %d pages", im->page_ranges, n);
	}
	return pdf_finish(pdf, err, errlen) == 0 ? (int)sides : -1;
}

int
docconv_impose(int fd, int ignore_perms, const struct docconv_imposition *im,
    textdoc_emit_cb emit, void *arg, unsigned *pages, char *err,
    size_t errlen)
{
	struct pdf_out o = { emit, arg };
	int refused, sides;
	PopplerDocument *doc = open_pdf(fd, ignore_perms, &refused, err,
	    errlen);

	*pages = 0;
	if (doc == NULL)
		return refused ? DOCCONV_REFUSED : -1;
	sides = impose_pages(doc, im, &o, err, errlen);
	g_object_unref(doc);
	if (sides < 0)
		return -1;
	*pages = (unsigned)sides;
	return 0;
}
