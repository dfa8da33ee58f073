/*
 * ipp: the client side of IPP/1.1 and 2.0 for the remote provider, on
 * libcups' HTTP/IPP API (no hand-written encoding): connect (ipps with a
 * verified certificate), ask the printer what it takes, print one job
 * streamed from a descriptor (Create-Job + Send-Document when the printer
 * lists them, else Print-Job), follow it with Get-Job-Attributes until it
 * is final, cancel it. Every step has a timeout; every outcome is
 * classified the way delivery needs it (DESIGN §4): unreachable, timed
 * out, busy / unavailable / temporary, stopped or not accepting =
 * transient; any other refusal = permanent, with the IPP status text.
 */
#ifndef SB_IPP_H
#define SB_IPP_H

#include <stddef.h>
#include <stdint.h>

#include <cups/ipp.h>

enum ipp_result { IPPC_OK = 0, IPPC_TRANSIENT = -1, IPPC_PERMANENT = -2 };

struct ipp_conn;

struct ipp_target {
	const char *uri;        /* ipp://host[:port]/path or ipps:// */
	const char *ca_pem;     /* ipps: trust only these; NULL/"": host's */
	const char *pin_sha256; /* ipps: the certificate must be this one */
	int timeout_ms;         /* per step */
	int connect_ms;         /* reaching the printer */
};

/* What the printer says of itself. */
struct ipp_printer {
	char formats[1024];     /* document-format-supported, comma-joined */
	int create_job;         /* lists Create-Job and Send-Document */
	int accepting;          /* printer-is-accepting-jobs */
	int state;              /* printer-state: 3 idle, 4 processing, 5 stopped */
	char reasons[256];      /* printer-state-reasons, comma-joined */
	int changed;            /* printer-config-change-time (0: none) */
};

struct ipp_job {
	const char *name;       /* job-name */
	const char *user;       /* requesting-user-name */
	const char *format;     /* document-format (MIME) */
	unsigned copies;
	const char *sides;      /* "" or NULL: the printer's default */
	const char *media;
	const char *scaling;    /* print-scaling (an image it scales) */
	int orientation;        /* orientation-requested (0: none) */
};

/* Between steps and pieces of data: the job was canceled? Non-zero
 * stops, with the reason in err. */
typedef int ipp_stop_fn(void *arg, char *err, size_t errlen);

struct ipp_conn *ipp_open(const struct ipp_target *t, int *result,
    char *err, size_t errlen);
void ipp_close(struct ipp_conn *c);
int ipp_printer(struct ipp_conn *c, struct ipp_printer *p, char *err,
    size_t errlen);
/* What the printer can do (media, sides, colour modes, resolutions,
 * finishings, icons, supplies): its Get-Printer-Attributes answer, for
 * caps.c to read; NULL with the outcome in *result and why in err. */
ipp_t *ipp_caps(struct ipp_conn *c, int *result, char *err, size_t errlen);
/* Print size bytes of fd (from its start); the remote job id into *id. */
int ipp_print(struct ipp_conn *c, const struct ipp_printer *p,
    const struct ipp_job *j, int fd, uint64_t size, ipp_stop_fn *stop,
    void *arg, int *id, char *err, size_t errlen);
/* Until job id is final (or the printer cannot tell): its job-state in
 * *state (7 canceled, 8 aborted, 9 completed; 0 unknown). stop cancels
 * it at the printer (Cancel-Job). */
int ipp_follow(struct ipp_conn *c, int id, ipp_stop_fn *stop, void *arg,
    int *state, char *err, size_t errlen);
const char *ipp_job_state_name(int state);
/* What the printer's and a job's answers say (fuzz_ippresp reads them
 * from any bytes). */
void ipp_printer_read(ipp_t *resp, struct ipp_printer *p);
int ipp_job_state(ipp_t *resp);
/* "printer-state, reasons[, not accepting]" for people. */
void ipp_printer_describe(const struct ipp_printer *p, char *buf,
    size_t len);
/* The MIME type of an sb.DataType. */
const char *ipp_mime(int datatype);
/* Does the printer list mime (or list nothing)? */
int ipp_takes(const struct ipp_printer *p, const char *mime);

#endif
