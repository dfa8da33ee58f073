/*
 * printproc: the print processor role. For each CONVERT dispatch it reads
 * the job's data from the read-only descriptor the broker passed
 * (pread: random access, no copy through anyone), converts it, and pushes
 * the result back as OutputChunks that localspl acknowledges; one input
 * chunk and OUT_WINDOW output chunks are held at most, so memory stays
 * flat whatever the job's size (Ghostscript's scratch files aside). It
 * has no network. Conversions: text -> PDF and -> PostScript with real
 * fonts (textdoc.c: pango and cairo; the fonts are the one thing in its
 * view), streamed (PostScript's pages as the output's body, which
 * localspl puts after the fonts cairo writes last); PDF -> PostScript
 * and images -> PDF (docconv.c), read from the descriptor as whole
 * documents; PDF and PostScript that go as they are only have their
 * pages counted (from == to: no output). Others are refused (permanent
 * error); lib/config.c's conversion_exists() is the list localspl checks
 * at submit.
 * Reports: each refused conversion in the job's error.
 */
#define _GNU_SOURCE /* O_TMPFILE */
#include "printproc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <errno.h>
#include <fcntl.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "config.h"
#include "docconv.h"
#include "log.h"
#include "textdoc.h"
#include "util.h"

#define OUT_WINDOW 4
/* Text with colour emoji goes to PostScript through its PDF in
 * printproc's scratch space (64 MiB) if it is at most this long: its
 * PDF takes about half its size (DejaVu and Noto subsets, compressed). */
#define TEXT_VIA_PDF_MAX (16u * 1024 * 1024)

struct printproc;

/* Output, in chunks: the output itself, or its body (below). */
struct out {
	uint8_t *buf;           /* one chunk being filled */
	size_t len;
	uint64_t off;           /* bytes sent so far */
};

struct conv {
	struct printproc *pp;
	struct worker *w;
	const Sb__JobStart *js;
	struct textdoc *t;
	/* cairo's PostScript writes its pages into a temporary file, then
	 * its header and fonts, then the pages copied in: the pages go to
	 * localspl as the output's body as they are written (tmpfile()
	 * below), and the output leaves a hole for them at body_at. */
	struct out o, body;
	uint64_t body_at;       /* 0: no body */
	int body_ended;
	unsigned unacked;
	char err[256];
	int failed;             /* 0, or the sb.Result the job ends with */
	uint64_t began_ms;      /* monotonic: when the conversion began */
};

/* The role's state: the conversion in progress, if any. */
struct printproc {
	struct worker *w;
	struct conv *job;
};

/* What o holds, to localspl: a chunk of the output or of its body. */
static void
send_chunk(struct conv *c, struct out *o, int eof)
{
	Sb__OutputChunk oc = SB__OUTPUT_CHUNK__INIT;
	sb_env e;

	chan_env_init(&e);
	e.body_case = SB__ENVELOPE__BODY_OUTPUT_CHUNK;
	e.output_chunk = &oc;
	oc.token = c->js->token;
	oc.body = o == &c->body;
	oc.offset = o->off;
	oc.data.data = o->buf;
	oc.data.len = o->len;
	oc.eof = eof;
	oc.body_at = eof ? c->body_at : 0;
	worker_send(c->w, &e);
	o->off += o->len;
	o->len = 0;
	c->unacked++;
}

static void
send_output(struct conv *c, int eof)
{
	send_chunk(c, &c->o, eof);
}

static int pump(struct printproc *pp, int timeout_ms);

/* len bytes into o, in chunks; localspl's acknowledgements gate them (at
 * most OUT_WINDOW unacknowledged), so memory stays flat. */
static void
fill(struct conv *c, struct out *o, const char *buf, size_t len)
{
	while (len > 0 && !c->failed) {
		size_t n = SB_CHUNK_SIZE - o->len;
		if (n > len)
			n = len;
		memcpy(o->buf + o->len, buf, n);
		o->len += n;
		buf += n;
		len -= n;
		if (o->len == SB_CHUNK_SIZE)
			send_chunk(c, o, 0);
		while (!c->failed && c->unacked >= OUT_WINDOW)
			pump(c->pp, (int)c->w->cfg->io_timeout_ms);
	}
}

static void
emit_cb(void *arg, const char *buf, size_t len)
{
	fill(arg, &((struct conv *)arg)->o, buf, len);
}

/* ---- the body: tmpfile(3), for cairo's PostScript ---- */

static struct conv *body_conv; /* the PostScript conversion at work */

static ssize_t
body_write(void *cookie, const char *buf, size_t len)
{
	struct conv *c = cookie;

	if (c->body.buf == NULL && (c->body.buf = malloc(SB_CHUNK_SIZE)) == NULL)
		fatal("out of memory");
	if (c->body_ended)
		return -1;
	fill(c, &c->body, buf, len);
	return c->failed ? -1 : (ssize_t)len;
}

/* cairo rewinds the file to copy the pages into its output after the
 * header and fonts: the body ends, and the output goes on after the
 * hole left for it. (A position asked before that: the body's end.) */
static int
body_seek(void *cookie, off64_t *pos, int whence)
{
	struct conv *c = cookie;

	if (whence == SEEK_CUR && *pos == 0) {
		*pos = c->body_ended ? 0 : (off64_t)(c->body.off + c->body.len);
		return 0;
	}
	if (whence != SEEK_SET || *pos != 0 || c->body_ended) {
		errno = ESPIPE;
		return -1;
	}
	if (c->body.len > 0)
		send_chunk(c, &c->body, 0);
	if (c->o.len > 0)
		send_output(c, 0);
	c->body_ended = 1;
	c->body_at = c->o.off;
	c->o.off += c->body.off; /* the hole */
	return 0;
}

/* Nothing comes back: localspl puts the body in place. */
static ssize_t
body_read(void *cookie, char *buf, size_t len)
{
	(void)cookie;
	(void)buf;
	(void)len;
	return 0;
}

static int
body_close(void *cookie)
{
	(void)cookie;
	return 0;
}

/* tmpfile(3), which printproc's libraries find before libc's: for
 * cairo's PostScript of a text (body_conv), the output's body; else an
 * unnamed file in TMPDIR, the scratch tmpfs (glibc's looks only in /tmp,
 * which the sandbox's view does not have; with sandbox = off, the
 * host's). */
FILE *
tmpfile(void)
{
	static const cookie_io_functions_t io = { body_read, body_write,
		body_seek, body_close };
	const char *dir = getenv("TMPDIR");
	struct conv *c = body_conv;
	FILE *f;
	int fd;

	if (c != NULL) {
		body_conv = NULL; /* one body a conversion */
		return fopencookie(c, "w+", io);
	}
	fd = open(dir != NULL && dir[0] == '/' ? dir : "/tmp",
	    O_RDWR | O_TMPFILE | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0)
		return NULL;
	if ((f = fdopen(fd, "w+")) == NULL)
		close(fd);
	return f;
}

static void
fail(struct conv *c, int result, const char *why)
{
	if (c->failed)
		return;
	c->failed = result;
	snprintf(c->err, sizeof(c->err), "%s", why);
}

/* localspl stored (or refused) one output chunk. */
static void
conv_ack(struct conv *c, const Sb__OutputAck *a)
{
	if (a->error[0] != '\0')
		fail(c, SB__RESULT__INTERRUPTED, a->error);
	if (c->unacked > 0)
		c->unacked--;
}

static void printproc_from_broker(void *arg, sb_env *e);

/* Wait at most timeout_ms for one event while converting; a silent
 * spooler fails the job after io_timeout, draining or not. 0 when nothing
 * came (a poll), else 1. */
static int
pump(struct printproc *pp, int timeout_ms)
{
	sb_env *e;

	switch (worker_next(pp->w, timeout_ms, &e)) {
	case WORKER_MSG:
		printproc_from_broker(pp, e);
		return 1;
	case WORKER_TIMEOUT:
		if (timeout_ms != 0)
			fail(pp->job, SB__RESULT__TRANSIENT,
			    "no answer from the spooler within io_timeout");
		return 0;
	case WORKER_DRAIN:
		return 1; /* this dispatch is finished first */
	}
	return 0;
}

/* Feed the whole document through t, read in chunks with pread. */
static void
convert_input(struct printproc *pp, struct conv *c, uint8_t *ibuf)
{
	uint64_t off = 0, size = c->js->size;

	while (!c->failed && off < size) {
		size_t want = size - off < SB_CHUNK_SIZE ? size - off
							 : SB_CHUNK_SIZE;
		ssize_t n;
		while (!c->failed && pump(pp, 0))
			; /* acknowledgements, an abort */
		if (c->failed)
			break;
		n = pread(pp->w->job_fd, ibuf, want, (off_t)off);
		if (n <= 0) {
			fail(c, SB__RESULT__INTERRUPTED, n == 0
			    ? "the job's data is shorter than its size"
			    : strerror(errno));
			break;
		}
		textdoc_feed(c->t, ibuf, (size_t)n);
		off += (uint64_t)n;
	}
}

/* A converter's output, in chunks; no bytes (docconv, while a converter
 * thinks): a look for an Abort. */
static int
pdf_emit_cb(void *arg, const unsigned char *buf, size_t len)
{
	struct conv *c = arg;

	if (len == 0)
		while (!c->failed && pump(c->pp, 0))
			;
	emit_cb(c, (const char *)buf, len);
	return c->failed ? -1 : 0;
}

/* The output's end, its acknowledgements, then JobDone. */
static void
conv_end(struct printproc *pp, struct conv *c, unsigned pages)
{
	if (!c->failed)
		send_output(c, 1);
	while (c->unacked > 0 && !c->failed)
		pump(pp, (int)pp->w->cfg->io_timeout_ms);
	pp->job = NULL;
	if (c->failed) {
		worker_job_done(pp->w, c->js, c->failed, c->err, 0, NULL);
	} else {
		/* What it took, for the journal and bench/vs-cups.sh: from
		 * the first byte read to the last one acknowledged. */
		log_info("job %llu: %s to %s, %u pages, %llu bytes in %llu ms",
		    (unsigned long long)c->js->job_id,
		    datatype_name(c->js->from), datatype_name(c->js->to),
		    pages, (unsigned long long)c->o.off,
		    (unsigned long long)(now_mono_ms() - c->began_ms));
		worker_job_done(pp->w, c->js, SB__RESULT__OK, NULL, pages,
		    NULL);
	}
	free(c->o.buf);
	free(c->body.buf);
}

static void
conv_begin(struct printproc *pp, struct conv *c, const Sb__JobStart *js)
{
	*c = (struct conv){ .pp = pp, .w = pp->w, .js = js,
		.began_ms = now_mono_ms() };
	if ((c->o.buf = malloc(SB_CHUNK_SIZE)) == NULL)
		fatal("out of memory");
	pp->job = c;
}

/* Text to PDF or PostScript (ps), streamed (textdoc), into emit. */
static int
text_render(struct printproc *pp, struct conv *c, int ps,
    textdoc_emit_cb emit, void *arg, unsigned *pages, char *err,
    size_t errlen)
{
	const Sb__JobStart *js = c->js;
	struct textdoc_opts o = { .ps = ps };
	uint8_t *ibuf = malloc(SB_CHUNK_SIZE);
	double w, h;
	int rv = 0;

	if (ibuf == NULL)
		fatal("out of memory");
	if (js->text != NULL)
		o = (struct textdoc_opts){ .ps = ps, .cpi = js->text->cpi,
			.lpi = js->text->lpi, .columns = js->text->columns,
			.top = js->text->top, .right = js->text->right,
			.bottom = js->text->bottom, .left = js->text->left };
	/* PostScript into this conversion's output: its pages as the
	 * output's body (tmpfile(), when cairo makes the surface). */
	body_conv = ps && arg == c ? c : NULL;
	c->t = textdoc_new(js->paper, js->landscape, js->title, &o, emit, arg);
	body_conv = NULL;
	if (c->t == NULL) {
		rv = paper_points(js->paper, js->landscape, &w, &h) != 0
		    ? fail_why(err, errlen, "unknown paper '%s'", js->paper)
		    : fail_why(err, errlen, "the text layout (cpi, lpi, "
			  "columns, margins) leaves no room for a line on %s",
			  js->paper);
	} else {
		convert_input(pp, c, ibuf);
		if (!c->failed && textdoc_finish(c->t) != 0)
			rv = fail_why(err, errlen, "the conversion failed: %s",
			    textdoc_error(c->t));
		*pages = textdoc_pages(c->t);
		if (textdoc_missing(c->t) > 0)
			log_warn("job %llu: %u characters have no glyph in any "
			    "installed font: printed as boxes (a font for their "
			    "script is missing)", (unsigned long long)js->job_id,
			    textdoc_missing(c->t));
		textdoc_free(c->t);
		c->t = NULL;
	}
	free(ibuf);
	return rv;
}

/* The job's document as PDF, into emit: from text, PostScript or an
 * image. 0, -1 or DOCCONV_STUCK, with why in err. */
static int
make_pdf(struct printproc *pp, struct conv *c, textdoc_emit_cb emit,
    void *arg, unsigned *pages, char *err, size_t errlen)
{
	const Sb__JobStart *js = c->js;

	if (js->from == SB__DATA_TYPE__TEXT)
		return text_render(pp, c, 0, emit, arg, pages, err, errlen);
	if (js->from == SB__DATA_TYPE__POSTSCRIPT)
		return docconv_ps_to_pdf(pp->w->job_fd, js->size, js->paper,
		    emit, arg, pages, err, errlen);
	return docconv_image_to_pdf(pp->w->job_fd, js->size, js->from,
	    js->paper, js->title, js->print_scaling, emit, arg, pages, err,
	    errlen);
}

/* The end of a conversion that returned rv. */
static void
doc_end(struct printproc *pp, struct conv *c, int rv, const char *err,
    unsigned pages)
{
	/* A thread or a pipe that could not be had comes back: tried again
	 * with the queue's backoff, never failed for it. */
	if (rv != 0)
		fail(c, rv == DOCCONV_TRANSIENT ? SB__RESULT__TRANSIENT
						: SB__RESULT__PERMANENT, err);
	conv_end(pp, c, pages);
	if (rv == DOCCONV_STUCK) {
		log_warn("job %llu: the converter did not stop (%s); exiting "
		    "for a fresh print processor",
		    (unsigned long long)c->js->job_id, err);
		_exit(4); /* not exit(): the converter thread still runs */
	}
}

/* Whole documents from the descriptor (docconv.c). */
static void
convert_doc(struct printproc *pp, const Sb__JobStart *js)
{
	struct conv c;
	unsigned pages = 0;
	char err[256] = "";
	int rv;

	conv_begin(pp, &c, js);
	if (js->from == SB__DATA_TYPE__PDF)
		rv = docconv_pdf_to_ps(pp->w->job_fd,
		    js->pdf_ignore_permissions, pdf_emit_cb, &c, &pages, err,
		    sizeof(err));
	else if (js->from == SB__DATA_TYPE__TEXT)
		rv = text_render(pp, &c, js->to == SB__DATA_TYPE__POSTSCRIPT,
		    pdf_emit_cb, &c, &pages, err, sizeof(err));
	else
		rv = make_pdf(pp, &c, pdf_emit_cb, &c, &pages, err, sizeof(err));
	doc_end(pp, &c, rv, err, pages);
}

/* ---- page-ranges and number-up: through a PDF in scratch space ---- */

/* A scratch file (printproc's private tmpfs) that a converter writes an
 * intermediate PDF into instead of to localspl. */
struct scratch {
	struct conv *c;
	int fd;
};

static int
scratch_emit_cb(void *arg, const unsigned char *buf, size_t len)
{
	struct scratch *sc = arg;
	struct conv *c = sc->c;

	if (len == 0)
		return pdf_emit_cb(c, NULL, 0); /* a look for an Abort */
	while (len > 0 && !c->failed) {
		ssize_t n = write(sc->fd, buf, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			fail(c, SB__RESULT__PERMANENT, errno == ENOSPC
			    ? "the document is too large to choose its pages "
			      "in the print processor's scratch space"
			    : strerror(errno));
			break;
		}
		buf += n;
		len -= (size_t)n;
	}
	return c->failed ? -1 : 0;
}

/* An unnamed file in TMPDIR (the sandbox's /scratch): its descriptor,
 * or -1 with why in err. */
static int
scratch_file(char *err, size_t errlen)
{
	const char *dir = getenv("TMPDIR");
	int fd = open(dir != NULL ? dir : "/tmp", O_TMPFILE | O_RDWR |
	    O_CLOEXEC, 0600);

	if (fd < 0)
		fail_why(err, errlen, "scratch file: %s", strerror(errno));
	return fd;
}

/* Does the job ask for pages chosen or laid out (page-ranges, number-up,
 * overrides), or its queue for banners or a label on each page? */
static int
imposed(const Sb__JobStart *js)
{
	return js->page_ranges[0] != '\0' || js->number_up > 1 ||
	    js->overrides[0] != '\0' || js->banner_start[0] != '\0' ||
	    js->banner_end[0] != '\0' || js->classification[0] != '\0';
}

/* Through PDF: the job's document as PDF (itself, or converted into a
 * scratch file); its pages chosen and laid out as it asks (page-ranges,
 * number-up, overrides), into the output or a second scratch file; then,
 * for a PostScript queue, the last PDF's PostScript (docconv_pdf_to_ps:
 * Ghostscript's ps2write, poppler for a PDF larger than the scratch
 * space). Images reach PostScript this way too. */
static void
convert_via_pdf(struct printproc *pp, const Sb__JobStart *js)
{
	struct page_override ov[OVERRIDES_MAX];
	const struct docconv_imposition im = { js->page_ranges, js->number_up,
		js->paper, js->title, ov,
		overrides_parse(js->overrides, ov, OVERRIDES_MAX),
		{ js->banner_start, js->banner_end, js->classification,
		    js->job_id, js->user, js->title, js->queue, js->submitted,
		    0 } };
	struct scratch in = { .fd = -1 }, out = { .fd = -1 };
	int src = pp->w->job_fd, rv = 0, ours;
	struct conv c;
	unsigned pages = 0;
	char err[256] = "";

	conv_begin(pp, &c, js);
	in.c = out.c = &c;
	if (js->from != SB__DATA_TYPE__PDF) {
		if ((src = in.fd = scratch_file(err, sizeof(err))) < 0)
			rv = -1;
		else
			rv = make_pdf(pp, &c, scratch_emit_cb, &in, &pages, err,
			    sizeof(err));
	}
	/* The job's own PDF may forbid printing; what printproc made may
	 * not. */
	ours = src != pp->w->job_fd || js->pdf_ignore_permissions;
	if (rv == 0 && !c.failed && imposed(js) &&
	    js->to == SB__DATA_TYPE__PDF) {
		rv = docconv_impose(src, ours, &im, pdf_emit_cb, &c, &pages, err,
		    sizeof(err));
	} else if (rv == 0 && !c.failed && imposed(js)) {
		if ((out.fd = scratch_file(err, sizeof(err))) < 0)
			rv = -1;
		else
			rv = docconv_impose(src, ours, &im, scratch_emit_cb, &out,
			    &pages, err, sizeof(err));
		src = out.fd;
		ours = 1;
	}
	if (rv == 0 && !c.failed && js->to == SB__DATA_TYPE__POSTSCRIPT)
		rv = docconv_pdf_to_ps(src, ours, pdf_emit_cb, &c, &pages, err,
		    sizeof(err));
	if (in.fd >= 0)
		close(in.fd);
	if (out.fd >= 0)
		close(out.fd);
	doc_end(pp, &c, rv, err, pages);
}

/* Does the text have colour emoji (U+1F000..U+1FFFF, or the emoji
 * presentation selector U+FE0F)? cairo's PostScript draws each as an
 * image of the page around it, at 300 dpi: 650 KB of emoji became 1 GB.
 * Read from the descriptor, a chunk at a time; an unreadable one says no
 * (the conversion reports it). */
static int
has_emoji(int fd, uint64_t size)
{
	uint8_t *buf = malloc(SB_CHUNK_SIZE), prev[2] = { 0, 0 };
	uint64_t off = 0;
	ssize_t n;
	int found = 0;

	if (buf == NULL)
		fatal("out of memory");
	while (!found && off < size &&
	    (n = pread(fd, buf, SB_CHUNK_SIZE, (off_t)off)) > 0) {
		for (ssize_t i = 0; i < n && !found; i++) {
			found = (prev[1] == 0xf0 && buf[i] == 0x9f) ||
			    (prev[0] == 0xef && prev[1] == 0xb8 && buf[i] == 0x8f);
			prev[0] = prev[1];
			prev[1] = buf[i];
		}
		off += (uint64_t)n;
	}
	free(buf);
	return found;
}

/* PDF and PostScript going as they are: only their pages are counted. A
 * document that cannot be counted still prints (0 pages: unknown); a PDF
 * that must not be printed (a password, its permissions) fails here. */
static void
count_pages(struct printproc *pp, const Sb__JobStart *js)
{
	unsigned pages = 0;
	char err[256];
	int rv = js->from == SB__DATA_TYPE__PDF
	    ? docconv_pdf_pages(pp->w->job_fd, js->pdf_ignore_permissions,
		  &pages, err, sizeof(err))
	    : docconv_ps_pages(pp->w->job_fd, js->size, &pages, err,
		  sizeof(err));

	if (rv == DOCCONV_REFUSED) {
		worker_job_done(pp->w, js, SB__RESULT__PERMANENT, err, 0, NULL);
		return;
	}
	if (rv != 0)
		log_info("job %llu: pages not counted: %s",
		    (unsigned long long)js->job_id, err);
	worker_job_done(pp->w, js, SB__RESULT__OK, NULL, pages, NULL);
}

/* The document may use limit_ms more of this process's CPU time (every
 * thread's: Ghostscript converts in one of its own); past it the kernel
 * ends the process with SIGXCPU, which the broker reports as the job's
 * fault (cpu_limit). Only the soft limit moves: the hard one stays, so
 * the next document may have its own. */
static void
cpu_limit(uint64_t limit_ms)
{
	struct rlimit rl;
	struct timespec ts;

	if (getrlimit(RLIMIT_CPU, &rl) != 0)
		return;
	if (limit_ms == 0 || clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts) != 0) {
		rl.rlim_cur = rl.rlim_max;
	} else {
		rl.rlim_cur = (rlim_t)ts.tv_sec + 1 + (limit_ms + 999) / 1000;
		if (rl.rlim_max != RLIM_INFINITY && rl.rlim_cur > rl.rlim_max)
			rl.rlim_cur = rl.rlim_max;
	}
	setrlimit(RLIMIT_CPU, &rl);
}

static void
convert(struct printproc *pp, const Sb__JobStart *js)
{
	char why[128];

	if (worker_job_begin(pp->w, js) != 0)
		return;
	cpu_limit(js->cpu_limit_ms);
	if (((imposed(js) && (js->to == SB__DATA_TYPE__PDF ||
				 js->to == SB__DATA_TYPE__POSTSCRIPT)) ||
		(js->to == SB__DATA_TYPE__POSTSCRIPT &&
		    (js->from == SB__DATA_TYPE__PNG ||
			js->from == SB__DATA_TYPE__JPEG))) &&
	    (js->from == js->to || conversion_exists(js->from, js->to))) {
		convert_via_pdf(pp, js);
		return;
	}
	if (js->from == js->to && (js->from == SB__DATA_TYPE__PDF ||
				      js->from == SB__DATA_TYPE__POSTSCRIPT)) {
		count_pages(pp, js);
		return;
	}
	/* Text to PostScript: the text's own PostScript from cairo, but
	 * colour emoji by way of its PDF and Ghostscript (ps2write keeps
	 * them as images of their own), when that PDF fits the scratch. */
	if (js->from == SB__DATA_TYPE__TEXT &&
	    js->to == SB__DATA_TYPE__POSTSCRIPT &&
	    js->size <= TEXT_VIA_PDF_MAX && has_emoji(pp->w->job_fd, js->size)) {
		convert_via_pdf(pp, js);
		return;
	}
	if (js->from != js->to && conversion_exists(js->from, js->to)) {
		convert_doc(pp, js);
		return;
	}
	snprintf(why, sizeof(why), "no conversion from %s to %s",
	    datatype_name(js->from), datatype_name(js->to));
	worker_job_done(pp->w, js, SB__RESULT__PERMANENT, why, 0, NULL);
}

/* The one place printproc decides what a message from the broker means. */
static void
printproc_from_broker(void *arg, sb_env *e)
{
	struct printproc *pp = arg;

	switch (e->body_case) {
	case SB__ENVELOPE__BODY_JOB_START:
		if (pp->job != NULL || e->job_start->stage != SB__STAGE__CONVERT)
			worker_violation(pp->w, e);
		convert(pp, e->job_start);
		break;
	case SB__ENVELOPE__BODY_ABORT:
		if (pp->job == NULL)
			worker_violation(pp->w, e);
		fail(pp->job, SB__RESULT__INTERRUPTED, e->abort->reason);
		break;
	case SB__ENVELOPE__BODY_OUTPUT_ACK:
		if (pp->job == NULL)
			worker_violation(pp->w, e);
		conv_ack(pp->job, e->output_ack);
		break;
	default:
		worker_violation(pp->w, e);
	}
	chan_free(e);
}

void
printproc_run(struct worker *w)
{
	struct printproc pp = { .w = w };

	worker_serve(w, printproc_from_broker, &pp);
}
