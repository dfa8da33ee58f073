/*
 * lpr: the client side of RFC 1179 ("receive a printer job", command 02)
 * over one TCP connection, every step with a timeout and every
 * acknowledgement byte checked. The control file is built here too.
 * Outcomes are classified the way delivery needs them (DESIGN §4):
 * unreachable / timed out / dropped = transient, refused = permanent.
 */
#ifndef SB_LPR_H
#define SB_LPR_H

#include <stddef.h>
#include <stdint.h>

enum lpr_result { LPR_OK = 0, LPR_TRANSIENT = -1, LPR_PERMANENT = -2 };

struct lpr_job {
	const char *host;       /* our host name, for H and the file names */
	const char *user;       /* P */
	const char *title;      /* J */
	const char *filename;   /* N */
	unsigned jobno;         /* 0..999, in the file names */
	unsigned copies;        /* the print line is repeated */
	char format;            /* 'l' literal, 'o' PostScript, 'f' text */
};

/* "dfA123host" / "cfA123host" for job j. */
void lpr_file_name(const struct lpr_job *j, char kind, char *buf,
    size_t len);
/* The control file; its length, or -1 when buf is too small. */
int lpr_control_file(const struct lpr_job *j, char *buf, size_t len);

/* Connected TCP socket, or a negative lpr_result with the reason. */
int lpr_connect(const char *host, unsigned port, int timeout_ms, char *err,
    size_t errlen);
/* "\002queue\n" and its acknowledgement. */
int lpr_receive_job(int fd, const char *queue, int timeout_ms, char *err,
    size_t errlen);
/* Subcommand 02 (control) or 03 (data) with its size, and the ack. */
int lpr_subcommand(int fd, int code, uint64_t size, const char *name,
    int timeout_ms, char *err, size_t errlen);
/* File bytes. */
int lpr_send(int fd, const void *buf, size_t len, int timeout_ms, char *err,
    size_t errlen);
/* size bytes of the file in (from its start) with sendfile: no copy
 * through user space. stop, called between pieces, ends the transfer
 * early when it returns non-zero (a canceled job): LPR_TRANSIENT with
 * err set by stop. */
int lpr_sendfile(int fd, int in, uint64_t size, int timeout_ms,
    int (*stop)(void *arg, char *err, size_t errlen), void *arg, char *err,
    size_t errlen);
/* The terminating zero byte of a file, and the ack. */
int lpr_end_file(int fd, int timeout_ms, char *err, size_t errlen);
/* AppSocket, after the job and a half-close: what the printer sends back
 * (PJL status...) into said (printable, at most len - 1 bytes) until it
 * closes, 1, or timeout_ms pass, 0. */
int lpr_drain(int fd, int timeout_ms, char *said, size_t len);

#endif
