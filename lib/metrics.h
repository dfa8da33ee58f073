/*
 * metrics: the Prometheus text exposition format (version 0.0.4) of what
 * the broker answers to WorkersReq and QueuesReq: `spoolbox metrics`
 * prints it, the listener serves it at GET /metrics.
 */
#ifndef SB_METRICS_H
#define SB_METRICS_H

#include <stdio.h>

#include "proto/spoolbox.pb-c.h"

#define METRICS_CONTENT_TYPE "text/plain; version=0.0.4; charset=utf-8"

void metrics_write(FILE *f, const Sb__WorkersRep *w, const Sb__QueuesRep *q);

#endif
