/* printproc: the print processor role (printproc.c). */
#ifndef SB_PRINTPROC_H
#define SB_PRINTPROC_H

#include "worker.h"

void printproc_run(struct worker *w) __attribute__((noreturn));

#endif
