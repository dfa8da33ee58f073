/*
 * banner: banner pages and the classification label (banner.c).
 */
#ifndef SB_BANNER_H
#define SB_BANNER_H

#include <cairo.h>
#include <stdint.h>

/* What a banner says of a job, and which banners a queue has. */
struct banner {
	const char *start, *end; /* "" (none), standard or classified */
	const char *label;       /* the classification ("": none) */
	uint64_t job_id;
	const char *user, *title, *queue;
	int64_t submitted;       /* unix ms */
	unsigned pages;          /* of the document, chosen */
};

/* A banner page on cr, w x h points (the caller shows the page). */
void banner_page(cairo_t *cr, double w, double h, const struct banner *b,
    int end);
/* label at the top and the bottom of a w x h page. */
void banner_stamp(cairo_t *cr, double w, double h, const char *label);

#endif
