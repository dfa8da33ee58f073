/*
 * vocab: what the protocol's enums mean, said once for every process:
 * which job states are final, which requests go to localspl, what an
 * error code is called.
 */
#ifndef SB_VOCAB_H
#define SB_VOCAB_H

#include "proto/spoolbox.pb-c.h"

/* completed, canceled or aborted: nothing more happens to the job. */
int job_state_final(int state);
/* Is e a request localspl answers (submit, jobs, job and queue control,
 * queues)? The broker forwards these and localspl takes only these. */
int request_for_localspl(const Sb__Envelope *e);
/* The error code's name, for logs and tests ("E_QUOTA"). */
const char *error_code_name(int code);

#endif
