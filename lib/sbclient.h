/*
 * sbclient: the client side of the broker's API, used by the spoolbox
 * command and the benchmarks: connect, one request and its answer, and a
 * streamed submit that restarts cleanly when localspl restarts under it.
 */
#ifndef SB_SBCLIENT_H
#define SB_SBCLIENT_H

#include <stdint.h>

#include <nng/nng.h>

#include "chan.h"

/* sock: a path or ipc:// URL, or NULL for the default. 0 or -1 + err. */
int sbclient_open(nng_socket *s, const char *sock, char *err,
    size_t errlen);

/*
 * Send req, return the decoded answer (caller frees) or NULL with err.
 * An ErrorRep is returned as is; E_UNAVAILABLE is retried for up to
 * retry_ms when retry_ms > 0.
 */
sb_env *sbclient_call(nng_socket s, sb_env *req, int retry_ms, char *err,
    size_t errlen);

struct sbclient_job {
	const char *queue;
	int datatype;
	const char *title;
	const char *filename;
	unsigned copies;
	unsigned priority;
	const char *hold_until; /* job-hold-until: indefinite, evening,
				 * HH:MM (UTC)...; NULL: not held */
};

/*
 * Submit the contents of fd as one job; the job id once it is on stable
 * storage, or 0 with err. A restart of the spooler mid-upload starts the
 * upload over when fd can seek.
 */
uint64_t sbclient_submit(nng_socket s, int fd, const struct sbclient_job *j,
    char *err, size_t errlen);

#endif
