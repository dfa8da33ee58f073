/* lprmon: the LPR port monitor role (lprmon.c). */
#ifndef SB_LPRMON_H
#define SB_LPRMON_H

#include "worker.h"

void lprmon_run(struct worker *w) __attribute__((noreturn));

#endif
