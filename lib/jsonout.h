/* jsonout: the JSON of `spoolbox jobs|queues|workers|accounting --json`,
 * written to any stream: the CLI's standard output and the web console's
 * /api/ answers are the same bytes (one writer). Always valid UTF-8: an
 * invalid byte becomes U+FFFD, control characters are escaped. */
#ifndef SB_JSONOUT_H
#define SB_JSONOUT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "chan.h"

/* A job state's name: pending, processing, ... retry-wait. */
const char *job_state_name(int state);
/* Every job state's name (but none's), for messages: "pending,
 * processing, ... retry-wait" into buf. */
void job_state_names(char *buf, size_t len);
/* A comma-separated list of job state names (held,pending) into states,
 * at most max, their count in *n; 0, or -1 with the first name that is
 * not a state, or one too many, in *bad (list is cut up by strtok_r). */
int job_states_parse(char *list, Sb__JobState *states, size_t max,
    size_t *n, const char **bad);
/* unix ms as 2026-12-07T11:52:30Z ("-" for 0). */
void iso_time(int64_t ms, char *buf, size_t len);
void json_str(FILE *f, const char *s);
void json_job(FILE *f, const Sb__JobInfo *j);
void json_queue(FILE *f, const Sb__QueueInfo *q);
void json_worker(FILE *f, const Sb__WorkerInfo *w);
void json_account(FILE *f, const Sb__AccountRecord *a);
/* A whole answer as one array, and a newline. */
void json_queues(FILE *f, const Sb__QueuesRep *r);
void json_workers(FILE *f, const Sb__WorkersRep *r);

#endif
