/*
 * chan: envelope encoding, decoding and validation (see chan.h).
 * Reports: nothing itself; validation failures come back as strings.
 */
#include "chan.h"
#include "util.h"

#include <stdio.h>
#include <string.h>

#include "sandbox.h"

void
chan_env_init(sb_env *e)
{
	sb__envelope__init(e);
	e->version = SB_PROTOCOL_VERSION;
}

int
chan_encode(const sb_env *e, nng_msg **out)
{
	size_t len = sb__envelope__get_packed_size(e);
	nng_msg *m;
	int rv;

	if (len > SB_MSG_MAX)
		return NNG_EMSGSIZE;
	if ((rv = nng_msg_alloc(&m, len)) != 0)
		return rv;
	sb__envelope__pack(e, nng_msg_body(m));
	*out = m;
	return 0;
}

sb_env *
chan_decode(nng_msg *m, char *err, size_t errlen)
{
	size_t len = nng_msg_len(m);
	sb_env *e;

	if (len > SB_MSG_MAX) {
		snprintf(err, errlen, "message of %zu bytes exceeds %d", len,
		    SB_MSG_MAX);
		return NULL;
	}
	e = sb__envelope__unpack(NULL, len, nng_msg_body(m));
	if (e == NULL) {
		snprintf(err, errlen, "message of %zu bytes does not decode",
		    len);
		return NULL;
	}
	if (chan_validate(e, err, errlen) != 0) {
		chan_free(e);
		return NULL;
	}
	return e;
}

void
chan_free(sb_env *e)
{
	if (e != NULL)
		sb__envelope__free_unpacked(e, NULL);
}

int
chan_send(nng_socket s, const sb_env *e, int flags)
{
	nng_msg *m;
	int rv;

	if ((rv = chan_encode(e, &m)) != 0)
		return rv;
	if ((rv = nng_sendmsg(s, m, flags)) != 0)
		nng_msg_free(m);
	return rv;
}

int
chan_recvfd(nng_socket s)
{
	int fd = -1;

	if (nng_socket_get_int(s, NNG_OPT_RECVFD, &fd) != 0)
		return -1;
	return fd;
}

const char *
chan_body_name(const sb_env *e)
{
	const ProtobufCFieldDescriptor *f;

	if (e->body_case == SB__ENVELOPE__BODY__NOT_SET)
		return "(none)";
	f = protobuf_c_message_descriptor_get_field(&sb__envelope__descriptor,
	    (unsigned)e->body_case);
	return f != NULL ? f->name : "(unknown)";
}

/* Checks that fail set err and return -1 from chan_validate. */
#define CHECK(cond, ...)                                  \
	do {                                              \
		if (!(cond)) {                            \
			snprintf(err, errlen, __VA_ARGS__); \
			return -1;                        \
		}                                         \
	} while (0)

static int
str_ok(const char *s)
{
	return s != NULL && strlen(s) <= SB_STR_MAX;
}

int
chan_keyword_ok(const char *s)
{
	size_t n = s != NULL ? strlen(s) : 0;

	return n > 0 && n < 64 &&
	    strspn(s, "abcdefghijklmnopqrstuvwxyz0123456789_.-") == n;
}

int
chan_text_layout_merge(Sb__TextLayout *dst, const Sb__TextLayout *own,
    const Sb__TextLayout *base)
{
	static const Sb__TextLayout none = SB__TEXT_LAYOUT__INIT;
	const Sb__TextLayout *o = own != NULL ? own : &none;
	const Sb__TextLayout *b = base != NULL ? base : &none;

	sb__text_layout__init(dst);
	dst->cpi = o->cpi != 0 ? o->cpi : b->cpi;
	dst->lpi = o->lpi != 0 ? o->lpi : b->lpi;
	dst->columns = o->columns != 0 ? o->columns : b->columns;
	dst->top = o->top != 0 ? o->top : b->top;
	dst->right = o->right != 0 ? o->right : b->right;
	dst->bottom = o->bottom != 0 ? o->bottom : b->bottom;
	dst->left = o->left != 0 ? o->left : b->left;
	return chan_text_layout_set(dst);
}

int
chan_text_layout_set(const Sb__TextLayout *t)
{
	return t->cpi != 0 || t->lpi != 0 || t->columns != 0 || t->top != 0 ||
	    t->right != 0 || t->bottom != 0 || t->left != 0;
}

/* A TextLayout's numbers in range (NULL: none): NULL, or what is not. */
static const char *
text_layout_msg_bad(const Sb__TextLayout *t)
{
	if (t == NULL)
		return NULL;
	return text_layout_bad(t->cpi, t->lpi, t->columns,
	    (const double[4]){ t->top, t->right, t->bottom, t->left });
}

static int
validate_submit(const Sb__SubmitReq *r, char *err, size_t errlen)
{
	CHECK(r->data.len <= SB_CHUNK_SIZE, "submit chunk of %zu bytes",
	    r->data.len);
	CHECK((r->fd_cookie == 0 && !r->by_fd) ||
		(r->final && r->upload == 0 && r->data.len == 0),
	    "submit by descriptor: one final request, no data");
	CHECK(strlen(r->title) <= 255 && strlen(r->filename) <= 255,
	    "submit: title or file name longer than 255");
	CHECK(strlen(r->owner) <= 127 && (r->owner[0] == '\0' || r->final),
	    "submit: owner longer than 127, or not on the final chunk");
	/* Later chunks: 0 copies leaves them as the first chunk said. */
	CHECK(r->copies <= 999 && (r->upload != 0 || r->copies >= 1),
	    "submit: copies %u out of range 1..999", r->copies);
	if (r->upload != 0)
		return 0;
	CHECK(!r->cancel, "submit: cancel of no upload");
	CHECK(r->queue[0] != '\0' && strlen(r->queue) <= 64,
	    "submit: queue name missing or too long");
	/* Any type a client may name (IPP's document-format, -t): images
	 * and printer languages too. */
	CHECK(r->datatype >= SB__DATA_TYPE__RAW &&
		r->datatype <= SB__DATA_TYPE__JPEG,
	    "submit: datatype %d out of range", r->datatype);
	CHECK(r->priority <= 100, "submit: priority %u out of range 0..100",
	    r->priority);
	CHECK(strlen(r->hold_until) <= 23, "submit: hold_until too long");
	CHECK(r->sides[0] == '\0' || strcmp(r->sides, "one-sided") == 0 ||
		strcmp(r->sides, "two-sided-long-edge") == 0 ||
		strcmp(r->sides, "two-sided-short-edge") == 0,
	    "submit: bad sides");
	/* Any PWG name: an ipp:// printer may offer media spoolbox does not
	 * lay out on (its conversions use the queue's paper then). */
	CHECK(r->media[0] == '\0' || chan_keyword_ok(r->media), "submit: bad media");
	CHECK(r->orientation == 0 || r->orientation == 3 || r->orientation == 4,
	    "submit: bad orientation");
	CHECK(r->print_scaling[0] == '\0' ||
		strcmp(r->print_scaling, "auto") == 0 ||
		strcmp(r->print_scaling, "auto-fit") == 0 ||
		strcmp(r->print_scaling, "fit") == 0 ||
		strcmp(r->print_scaling, "fill") == 0 ||
		strcmp(r->print_scaling, "none") == 0,
	    "submit: bad print_scaling");
	CHECK(strlen(r->page_ranges) < 256 && page_ranges_valid(r->page_ranges) == 0,
	    "submit: bad page_ranges");
	CHECK(number_up_valid(r->number_up), "submit: bad number_up %u",
	    r->number_up);
	struct page_override ov[OVERRIDES_MAX];
	CHECK(strlen(r->overrides) < 1024 &&
		overrides_parse(r->overrides, ov, OVERRIDES_MAX) >= 0,
	    "submit: bad overrides");
	const char *bad = text_layout_msg_bad(r->text);
	CHECK(bad == NULL, "submit: text layout: %s", bad);
	return 0;
}

static int
validate_hello(const Sb__Hello *h, char *err, size_t errlen)
{
	CHECK(h->kind >= SB__WORKER_KIND__LOCALSPL &&
		h->kind <= SB__WORKER_KIND__LISTENER,
	    "hello: kind %d out of range", h->kind);
	CHECK(h->pid != 0, "hello: pid missing");
	return 0;
}

static int
validate_configure(const Sb__Configure *c, char *err, size_t errlen)
{
	for (size_t i = 0; i < c->n_queues; i++) {
		const char *bad = text_layout_msg_bad(c->queues[i]->text);
		CHECK(c->queues[i]->name[0] != '\0' &&
			c->queues[i]->uri[0] != '\0',
		    "configure: queue %zu lacks name or uri", i);
		CHECK(bad == NULL, "configure: queue %zu: text layout: %s", i,
		    bad);
	}
	CHECK(c->debug_leak_bytes_per_job <= (1ULL << 30),
	    "configure: leak bytes out of range");
	CHECK(sandbox_mode_from_name(c->sandbox) >= 0,
	    "configure: sandbox mode '%.32s' unknown", c->sandbox);
	CHECK(c->n_rw_paths <= SBX_RW_MAX,
	    "configure: %zu read-write paths (at most %d)", c->n_rw_paths,
	    SBX_RW_MAX);
	CHECK(c->tls[0] == '\0' || strcmp(c->tls, "off") == 0 ||
		strcmp(c->tls, "on") == 0 || strcmp(c->tls, "required") == 0,
	    "configure: tls '%.16s' unknown", c->tls);
	return 0;
}

static int
validate_job_ctl(const Sb__JobCtlReq *r, char *err, size_t errlen)
{
	CHECK(r->job_id != 0 || (r->action == SB__JOB_ACTION__CANCEL &&
				   r->queue[0] != '\0'),
	    "job control: no job id");
	CHECK(r->action >= SB__JOB_ACTION__CANCEL &&
		r->action <= SB__JOB_ACTION__RESTART,
	    "job control: action %d out of range", r->action);
	CHECK(str_ok(r->queue), "job control: queue name too long");
	CHECK(r->action != SB__JOB_ACTION__MOVE || r->queue[0] != '\0',
	    "job control: move needs a queue");
	return 0;
}

static int
validate_job_start(const Sb__JobStart *js, char *err, size_t errlen)
{
	const char *bad = text_layout_msg_bad(js->text);

	CHECK(js->job_id != 0, "job start: no job id");
	CHECK(js->token != 0, "job start: no token");
	CHECK(js->stage == SB__STAGE__CONVERT ||
		js->stage == SB__STAGE__DELIVER,
	    "job start: stage %d out of range", js->stage);
	CHECK(js->copies >= 1 && js->copies <= 999,
	    "job start: copies out of range");
	CHECK(bad == NULL, "job start: text layout: %s", bad);
	return 0;
}

/* The messages of a dispatch in flight: a token, bounded data. */
static int
validate_dispatch(const sb_env *e, char *err, size_t errlen)
{
	switch (e->body_case) {
	case SB__ENVELOPE__BODY_ABORT:
		CHECK(e->abort->token != 0, "abort: no token");
		CHECK(strlen(e->abort->reason) <= 512, "abort: reason too long");
		return 0;
	case SB__ENVELOPE__BODY_OUTPUT_CHUNK:
		CHECK(e->output_chunk->token != 0, "output chunk: no token");
		CHECK(e->output_chunk->data.len <= SB_CHUNK_SIZE,
		    "output chunk of %zu bytes", e->output_chunk->data.len);
		return 0;
	case SB__ENVELOPE__BODY_OUTPUT_ACK:
		CHECK(e->output_ack->token != 0, "output ack: no token");
		return 0;
	default: /* JOB_DONE */
		CHECK(e->job_done->token != 0, "job done: no token");
		CHECK(e->job_done->result >= SB__RESULT__OK &&
			e->job_done->result <= SB__RESULT__INTERRUPTED,
		    "job done: result %d out of range", e->job_done->result);
		return 0;
	}
}

/* Every one of n strings keyword_ok (or, not keywords, under max). */
static int
all_ok(char **v, size_t n, int keywords, size_t max)
{
	for (size_t i = 0; i < n; i++)
		if (keywords ? !chan_keyword_ok(v[i]) : strlen(v[i]) >= max)
			return 0;
	return 1;
}

/* What a remote says its printer can do: bounded, the listener builds
 * IPP attributes from it. */
static int
validate_caps(const Sb__PrinterCaps *c, char *err, size_t errlen)
{
	CHECK(c->token != 0 && str_ok(c->queue) && strlen(c->error) < 512,
	    "caps: no token, or queue or error too long");
	CHECK(c->n_media <= 64 && all_ok(c->media, c->n_media, 1, 0) &&
		(c->media_default[0] == '\0' || chan_keyword_ok(c->media_default)),
	    "caps: bad media");
	CHECK(c->n_sides <= 3 && all_ok(c->sides, c->n_sides, 1, 0) &&
		(c->sides_default[0] == '\0' || chan_keyword_ok(c->sides_default)),
	    "caps: bad sides");
	CHECK(c->n_color_modes <= 16 &&
		all_ok(c->color_modes, c->n_color_modes, 1, 0) &&
		(c->color_mode_default[0] == '\0' ||
		    chan_keyword_ok(c->color_mode_default)),
	    "caps: bad color modes");
	CHECK(c->n_resolutions <= 16 &&
		all_ok(c->resolutions, c->n_resolutions, 0, 32) &&
		strlen(c->resolution_default) < 32,
	    "caps: bad resolutions");
	CHECK(c->n_finishings <= 64 && c->n_icons <= 4 &&
		all_ok(c->icons, c->n_icons, 0, 1024),
	    "caps: too many finishings or icons");
	CHECK(c->n_supplies <= 32 &&
		c->n_supply_descriptions == c->n_supplies &&
		all_ok(c->supply_descriptions, c->n_supply_descriptions, 0,
		    256) &&
		strlen(c->supply_info_uri) < 1024,
	    "caps: bad supplies");
	for (size_t i = 0; i < c->n_supplies; i++)
		CHECK(c->supplies[i].len <= 1023, "caps: supply too long");
	return 0;
}

static int
validate_jobs(const Sb__JobsReq *r, char *err, size_t errlen)
{
	CHECK(str_ok(r->queue) && str_ok(r->user),
	    "jobs: queue or user too long");
	CHECK(r->n_states <= 16, "jobs: too many states");
	CHECK(r->wait_ms <= 60000 && (r->wait_ms == 0 || r->job_id != 0),
	    "jobs: a wait above 60000 ms, or for no one job");
	return 0;
}

static int
validate_budget(const Sb__BudgetReq *r, char *err, size_t errlen)
{
	CHECK(r->kind >= SB__WORKER_KIND__LOCALSPL &&
		r->kind <= SB__WORKER_KIND__LISTENER,
	    "budget: kind %d out of range", r->kind);
	CHECK(r->n_set <= 32, "budget: too many settings");
	for (size_t i = 0; i < r->n_set; i++)
		CHECK(strlen(r->set[i]) <= 128, "budget: setting too long");
	return 0;
}

static int
validate_body(const sb_env *e, char *err, size_t errlen)
{
	switch (e->body_case) {
	case SB__ENVELOPE__BODY_HELLO:
		return validate_hello(e->hello, err, errlen);
	case SB__ENVELOPE__BODY_CONFIGURE:
		return validate_configure(e->configure, err, errlen);
	case SB__ENVELOPE__BODY_SUBMIT_REQ:
		return validate_submit(e->submit_req, err, errlen);
	case SB__ENVELOPE__BODY_JOB_CTL_REQ:
		return validate_job_ctl(e->job_ctl_req, err, errlen);
	case SB__ENVELOPE__BODY_JOB_START:
		return validate_job_start(e->job_start, err, errlen);
	case SB__ENVELOPE__BODY_ABORT:
	case SB__ENVELOPE__BODY_OUTPUT_CHUNK:
	case SB__ENVELOPE__BODY_OUTPUT_ACK:
	case SB__ENVELOPE__BODY_JOB_DONE:
		return validate_dispatch(e, err, errlen);
	case SB__ENVELOPE__BODY_BUDGET_REQ:
		return validate_budget(e->budget_req, err, errlen);
	case SB__ENVELOPE__BODY_QUEUE_CTL_REQ:
		CHECK(str_ok(e->queue_ctl_req->queue) &&
		    strlen(e->queue_ctl_req->reason) < 256,
		    "queue: name or reason too long");
		return 0;
	case SB__ENVELOPE__BODY_ACCOUNTING_REQ:
		CHECK(str_ok(e->accounting_req->queue) &&
			str_ok(e->accounting_req->user),
		    "accounting: queue or user too long");
		return 0;
	case SB__ENVELOPE__BODY_QUOTA_REQ:
		CHECK(str_ok(e->quota_req->user), "quota: user too long");
		return 0;
	case SB__ENVELOPE__BODY_JOBS_REQ:
		return validate_jobs(e->jobs_req, err, errlen);
	case SB__ENVELOPE__BODY_AUTH_REQ:
		/* No user: whose is the caller's token (no password). */
		CHECK(strlen(e->auth_req->user) < 64 &&
		    strlen(e->auth_req->password) < 256 &&
		    (e->auth_req->user[0] != '\0' ||
			(e->auth_req->password[0] == '\0' &&
			    e->caller != NULL && e->caller->auth_token != 0)),
		    "auth: user or password too long, or no user");
		return 0;
	case SB__ENVELOPE__BODY_SPOOLER_HEALTH:
		CHECK(strlen(e->spooler_health->store_error) < 512,
		    "health: reason too long");
		return 0;
	case SB__ENVELOPE__BODY_PRINTER_CAPS:
		return validate_caps(e->printer_caps, err, errlen);
	case SB__ENVELOPE__BODY_CAPS_REQ:
		CHECK(e->caps_req->token != 0 && str_ok(e->caps_req->queue) &&
		    str_ok(e->caps_req->uri),
		    "caps request: no token, or queue or uri too long");
		return 0;
	case SB__ENVELOPE__BODY_AUTH_REP:
	case SB__ENVELOPE__BODY_BUDGET_REP:
	case SB__ENVELOPE__BODY_RELOAD_REQ:
	case SB__ENVELOPE__BODY_RELOAD_REP:
	case SB__ENVELOPE__BODY_SANDBOXED:
	case SB__ENVELOPE__BODY_DRAINED:
	case SB__ENVELOPE__BODY_DRAIN:
	case SB__ENVELOPE__BODY_SUBMIT_REP:
	case SB__ENVELOPE__BODY_JOBS_REP:
	case SB__ENVELOPE__BODY_ACCOUNTING_REP:
	case SB__ENVELOPE__BODY_QUOTA_REP:
	case SB__ENVELOPE__BODY_QUEUES_REQ:
	case SB__ENVELOPE__BODY_QUEUES_REP:
	case SB__ENVELOPE__BODY_WORKERS_REQ:
	case SB__ENVELOPE__BODY_WORKERS_REP:
	case SB__ENVELOPE__BODY_ERROR_REP:
		return 0;
	default:
		CHECK(0, "no known message body (field %d)", e->body_case);
	}
}

int
chan_validate(const sb_env *e, char *err, size_t errlen)
{
	CHECK(e->version == SB_PROTOCOL_VERSION,
	    "protocol version %u, expected %d", e->version,
	    SB_PROTOCOL_VERSION);
	CHECK(e->caller == NULL || str_ok(e->caller->user),
	    "caller name too long");
	return validate_body(e, err, errlen);
}
