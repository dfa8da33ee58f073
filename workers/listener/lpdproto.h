/*
 * lpdproto: RFC 1179 as an LPD server reads it — the daemon commands, the
 * receive-job subcommands and the control file. Pure functions over byte
 * buffers with fixed bounds; no I/O, no allocation (the listener feeds
 * them what it read, the fuzz target anything). Every refusal says why in
 * one line.
 */
#ifndef SB_LPDPROTO_H
#define SB_LPDPROTO_H

#include <stddef.h>
#include <stdint.h>

#define LPD_LINE_MAX 1024        /* a command or a control file line */
#define LPD_CONTROL_MAX 65536    /* a control file */
#define LPD_NAME_MAX 255         /* a data or control file's name */
#define LPD_ARGS_MAX 32          /* names or job numbers after a command */
#define LPD_FILES_MAX 64         /* data files one control file prints */
#define LPD_COPIES_MAX 999       /* print lines for one data file */

enum lpd_op {
	LPD_PRINT_WAITING = 1,   /* \1queue */
	LPD_RECEIVE = 2,         /* \2queue */
	LPD_QUEUE_SHORT = 3,     /* \3queue list */
	LPD_QUEUE_LONG = 4,      /* \4queue list */
	LPD_REMOVE = 5,          /* \5queue agent list */
};

struct lpd_command {
	int op;                  /* enum lpd_op */
	char queue[65];
	char agent[33];          /* LPD_REMOVE: who asks */
	char args[LPD_ARGS_MAX][33]; /* user names or job numbers */
	size_t nargs;
};

enum lpd_subop {
	LPD_SUB_ABORT = 1,       /* \1 */
	LPD_SUB_CONTROL = 2,     /* \2count cfAnnnhost */
	LPD_SUB_DATA = 3,        /* \3count dfAnnnhost */
};

struct lpd_subcommand {
	int op;                  /* enum lpd_subop */
	uint64_t count;          /* bytes that follow (then one \0) */
	char name[LPD_NAME_MAX + 1];
};

/* What spoolbox makes of one print line's letter. */
enum lpd_kind { LPD_KIND_RAW, LPD_KIND_TEXT, LPD_KIND_POSTSCRIPT };

struct lpd_file {
	char name[LPD_NAME_MAX + 1]; /* a data file of this job */
	int kind;                /* enum lpd_kind, of its first print line */
	unsigned copies;         /* print lines naming it */
};

struct lpd_control {
	char host[33];           /* H */
	char user[33];           /* P */
	char job_name[100];      /* J */
	char title[80];          /* T */
	char class_[33];         /* C */
	char source[LPD_NAME_MAX + 1]; /* N: the last one */
	struct lpd_file files[LPD_FILES_MAX];
	size_t nfiles;           /* in the order first printed */
};

/* line: one command without its LF. 0, or -1 with why in err. */
int lpd_parse_command(const char *line, size_t len, struct lpd_command *c,
    char *err, size_t errlen);
/* line: one receive-job subcommand without its LF; max: the largest
 * count accepted (max_job_size for data, LPD_CONTROL_MAX for control). */
int lpd_parse_subcommand(const char *line, size_t len, uint64_t max,
    struct lpd_subcommand *s, char *err, size_t errlen);
/* A whole control file. A job prints at least one data file; P is
 * required (RFC 1179 6.2); lines spoolbox has no use for (M mail, U
 * unlink, S, W, I, 1-4 fonts, L banner) are read and ignored. */
int lpd_parse_control(const char *buf, size_t len, struct lpd_control *c,
    char *err, size_t errlen);
/* A file name a peer may use: printable ASCII, no '/', not "." or "..",
 * 1..LPD_NAME_MAX bytes. */
int lpd_name_ok(const char *s, size_t len);

#endif
