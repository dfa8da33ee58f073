/* output: the CLI's listings, as aligned text or as JSON (--json). */
#ifndef SB_OUTPUT_H
#define SB_OUTPUT_H

#include <stddef.h>

#include "chan.h"

/* A listing in pages: begin, each page, end (JSON streams as one array). */
void output_jobs_begin(int json, int attempts);
void output_jobs_page(const Sb__JobsRep *r, int json, int attempts,
    int *first);
void output_jobs_end(int json);
void output_queues(const Sb__QueuesRep *r, int json);
void output_workers(const Sb__WorkersRep *r, int json);
/* One screen: the broker at sock, workers with budget use, queues, the
 * last recycles and restarts. */
void output_status(const char *sock, const Sb__WorkersRep *w,
    const Sb__QueuesRep *q);
/* Both, in Prometheus' text exposition format. */
/* Accounting records, in pages, as text, JSON or CSV (a header line). */
enum { OUTPUT_TEXT, OUTPUT_JSON, OUTPUT_CSV };
void output_accounting_begin(int format);
void output_accounting_page(const Sb__AccountingRep *r, int format,
    int *first);
void output_accounting_end(int format);
/* A user's use of each period quota, and what is left. */
void output_quota(const Sb__QuotaRep *r);

#endif
