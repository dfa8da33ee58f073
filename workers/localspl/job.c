/*
 * job: one job as localspl holds it, below the store (store.c, db.c) and
 * everything that reads or changes jobs: the one mapping between a job and
 * its record (Sb__JobInfo, also the listing), and setting its error.
 * Reports: nothing.
 */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "localspl.h"

void
job_to_info(const struct job *j, Sb__JobInfo *r)
{
	sb__job_info__init(r);
	r->id = j->id;
	r->queue = (char *)j->queue;
	r->state = j->state;
	r->title = (char *)j->title;
	r->uid = j->uid;
	r->user = (char *)j->user;
	r->size = j->size;
	r->copies = j->copies;
	r->datatype = j->datatype;
	r->priority = j->priority;
	r->attempts = j->attempts;
	r->last_error = (char *)j->last_error;
	r->submitted = j->submitted;
	r->finished = j->finished;
	r->next_attempt = j->next_attempt;
	r->pages = j->pages;
	r->landed = (char *)j->landed;
	r->converted = j->converted;
	r->out_size = j->out_size;
	r->filename = (char *)j->filename;
	r->out_type = j->out_type;
	r->counted = j->counted;
	r->hold_at = j->hold_at;
	r->hold_until = (char *)j->hold_until;
	r->sides = (char *)j->sides;
	r->media = (char *)j->media;
	r->orientation = j->orientation;
	r->print_scaling = (char *)j->print_scaling;
	r->page_ranges = (char *)j->page_ranges;
	r->number_up = j->number_up;
	r->overrides = (char *)j->overrides;
	r->started = j->started;
	r->quota_exempt = j->quota_exempt;
	if (chan_text_layout_set(&j->text)) /* (so merged: ready to pack) */
		r->text = (Sb__TextLayout *)&j->text;
}

static void
copy_str(char *dst, size_t len, const char *src)
{
	snprintf(dst, len, "%s", src != NULL ? src : "");
}

void
job_from_info(struct job *j, const Sb__JobInfo *r)
{
	j->id = r->id;
	copy_str(j->queue, sizeof(j->queue), r->queue);
	j->state = r->state;
	copy_str(j->title, sizeof(j->title), r->title);
	j->uid = r->uid;
	copy_str(j->user, sizeof(j->user), r->user);
	j->size = r->size;
	j->copies = r->copies;
	j->datatype = r->datatype;
	j->priority = r->priority;
	j->attempts = r->attempts;
	copy_str(j->last_error, sizeof(j->last_error), r->last_error);
	j->submitted = r->submitted;
	j->finished = r->finished;
	j->next_attempt = r->next_attempt;
	j->pages = r->pages;
	copy_str(j->landed, sizeof(j->landed), r->landed);
	j->converted = r->converted;
	j->out_size = r->out_size;
	copy_str(j->filename, sizeof(j->filename), r->filename);
	j->out_type = r->out_type;
	j->counted = r->counted;
	j->hold_at = r->hold_at;
	copy_str(j->hold_until, sizeof(j->hold_until), r->hold_until);
	copy_str(j->sides, sizeof(j->sides), r->sides);
	copy_str(j->media, sizeof(j->media), r->media);
	j->orientation = r->orientation;
	copy_str(j->print_scaling, sizeof(j->print_scaling), r->print_scaling);
	copy_str(j->page_ranges, sizeof(j->page_ranges), r->page_ranges);
	j->number_up = r->number_up;
	copy_str(j->overrides, sizeof(j->overrides), r->overrides);
	j->started = r->started;
	j->quota_exempt = r->quota_exempt;
	chan_text_layout_merge(&j->text, r->text, NULL);
}

void
job_set_error(struct job *j, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(j->last_error, sizeof(j->last_error), fmt, ap);
	va_end(ap);
}

const char *
job_host(const struct job *j)
{
	const char *at = strrchr(j->user, '@');

	return j->uid == SB_NET_UID && at != NULL ? at + 1 : "";
}

int
job_imposed(const struct job *j)
{
	return j->page_ranges[0] != '\0' || j->number_up > 1 ||
	    j->overrides[0] != '\0';
}

int
queue_marks(const struct queue *q)
{
	return q->cfg->banner_start[0] != '\0' ||
	    q->cfg->banner_end[0] != '\0' || q->cfg->classification[0] != '\0';
}
