/*
 * sb-socketsink: an AppSocket (JetDirect, port 9100) printer for the
 * tests and benchmarks. Serves connections one at a time, as a printer
 * does: reads a job until the sender half-closes, through one 1 MiB
 * buffer, prints one line per job
 *   job BYTES FIRST_BYTE_S LAST_BYTE_S
 * (CLOCK_MONOTONIC seconds), then closes. -g TEXT says TEXT back when a
 * connection opens (a PJL status, for the back channel); -o DIR keeps
 * each job as DIR/job-N; -k SECONDS keeps the connection open that long
 * after the job before closing; -d MS takes that long over each job
 * before closing (a printer at work, for the pool benchmark); -s is a
 * printer that accepts and never reads.
 * Usage: sb-socketsink [-s] [-g TEXT] [-o DIR] [-k SECONDS] [-d MS] PORT
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "lpdwire.h"

static int silent;          /* -s: never read */
static const char *greet;   /* -g: said when a connection opens */
static const char *dir;     /* -o: where each job is kept */
static unsigned keep_open;  /* -k: seconds open after the job */
static unsigned work_ms;    /* -d: ms each job takes */

/* One connection: a job, read to its end (one that sends nothing, a
 * probe, is no job: n counts the others). */
static void
serve(int c, unsigned *n)
{
	static char buf[1 << 20];
	unsigned long long got = 0;
	double first = 0, last = 0;
	char path[4096];
	int out = -1;
	ssize_t r;

	if (greet != NULL && write(c, greet, strlen(greet)) < 0)
		return;
	while ((r = read(c, buf, sizeof(buf))) > 0) {
		if (got == 0) {
			first = now_s();
			++*n;
			if (dir != NULL) {
				snprintf(path, sizeof(path), "%s/job-%u", dir, *n);
				out = open(path, O_WRONLY | O_CREAT | O_TRUNC,
				    0644);
			}
		}
		got += (unsigned long long)r;
		last = now_s();
		if (out >= 0 && write(out, buf, (size_t)r) != r)
			break;
	}
	if (out >= 0)
		close(out);
	if (got == 0)
		return;
	if (work_ms > 0)
		usleep(work_ms * 1000);
	printf("job %llu %.6f %.6f\n", got, first, last);
	fflush(stdout);
	if (keep_open > 0)
		sleep(keep_open);
}

int
main(int argc, char **argv)
{
	struct sockaddr_in a = { .sin_family = AF_INET };
	int s, opt, one = 1;
	unsigned n = 0;

	while ((opt = getopt(argc, argv, "sg:o:k:d:")) != -1) {
		switch (opt) {
		case 's': silent = 1; break;
		case 'g': greet = optarg; break;
		case 'o': dir = optarg; break;
		case 'k': keep_open = (unsigned)atoi(optarg); break;
		case 'd': work_ms = (unsigned)atoi(optarg); break;
		default: return 2;
		}
	}
	if (optind >= argc) {
		fprintf(stderr, "usage: sb-socketsink [-s] [-g TEXT] [-o DIR] "
				"[-k SECONDS] PORT\n");
		return 2;
	}
	a.sin_port = htons((uint16_t)atoi(argv[optind]));
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if ((s = socket(AF_INET, SOCK_STREAM, 0)) < 0 ||
	    setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) != 0 ||
	    bind(s, (struct sockaddr *)&a, sizeof(a)) != 0 || listen(s, 16) != 0) {
		perror("sb-socketsink");
		return 1;
	}
	for (;;) {
		int c = accept(s, NULL, NULL);
		if (c < 0)
			continue;
		if (silent) {
			pause(); /* holds c, reads nothing, ever */
			continue;
		}
		serve(c, &n);
		close(c);
	}
}
