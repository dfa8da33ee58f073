/* caps: a printer's capabilities as a PrinterCaps (caps.c). */
#ifndef SB_CAPS_H
#define SB_CAPS_H

#include <cups/ipp.h>

#include "chan.h"

/* Fill c (initialized by the caller) from resp; caps_free frees what
 * caps_read allocated, never c itself. */
void caps_read(ipp_t *resp, Sb__PrinterCaps *c);
void caps_free(Sb__PrinterCaps *c);

#endif
