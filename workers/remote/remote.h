/* remote: the remote print provider role (remote.c). */
#ifndef SB_REMOTE_H
#define SB_REMOTE_H

#include "worker.h"

void remote_run(struct worker *w) __attribute__((noreturn));

#endif
