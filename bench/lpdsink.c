/*
 * sb-lpdsink: a streaming RFC 1179 receiver for the benchmarks. Acks
 * every step, reads every file through one 1 MiB buffer (never holding a
 * job), and prints one line per job when its control file is in (-s:
 * a silent printer instead: it accepts connections, holds them and never
 * says a word), once the job's control file and a data file are in:
 *   job BYTES FIRST_BYTE_S LAST_BYTE_S
 * (CLOCK_MONOTONIC seconds: comparable with the bench scripts' clock via
 * sb-lpdsink -t, which prints the clock now). Serves connections one at a
 * time, as a printer would.
 * -r BYTES_PER_SECOND reads no faster than that (a slow printer, for
 * tests that look at a delivery in progress); -o FILE keeps the last
 * job's data file there (for byte-exact checks).
 * Usage: sb-lpdsink [-s] [-r RATE] [-o FILE] PORT | sb-lpdsink -t
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "lpdwire.h"


static double rate;        /* bytes per second; 0: as fast as it comes */
static int silent;         /* -s: accept and say nothing, ever */
static const char *keep;   /* -o: the last data file goes here */

/* Slow down to rate: sleep until got bytes since t0 are due. */
static void
throttle(double t0, unsigned long long got)
{
	double due = t0 + (double)got / rate, now = now_s();

	if (rate > 0 && due > now)
		usleep((useconds_t)((due - now) * 1e6));
}


static void
serve(int fd)
{
	static char buf[1 << 20];
	unsigned long long size, data = 0;
	double first = 0, last = 0;
	int ctl = 0, datas = 0;
	char line[512];
	FILE *out = NULL;

	if (read_line(fd, line, sizeof(line)) <= 0 || line[0] != 2 || ack(fd))
		return;
	while (read_line(fd, line, sizeof(line)) > 0) {
		int code = line[0];
		if (sscanf(line + 1, "%llu", &size) != 1 || ack(fd))
			return;
		if (code == 3 && keep != NULL && (out = fopen(keep, "w")) == NULL)
			return;
		for (unsigned long long got = 0; got < size + 1;) {
			size_t want = size + 1 - got < sizeof(buf)
			    ? (size_t)(size + 1 - got)
			    : sizeof(buf);
			ssize_t n;
			if (rate > 0 && want > 65536)
				want = 65536;
			if ((n = read(fd, buf, want)) <= 0)
				return;
			if (code == 3 && first == 0)
				first = now_s();
			if (code == 3 && out != NULL)
				fwrite(buf, 1, (size_t)n -
				    (got + (unsigned long long)n > size), out);
			got += (unsigned long long)n;
			if (code == 3)
				throttle(first, got);
		}
		if (out != NULL) {
			fclose(out);
			out = NULL;
		}
		if (code == 3) {
			data += size;
			last = now_s();
			datas++;
		}
		ctl |= code == 2;
		if (ack(fd))
			return;
		/* A job is in once its control file and a data file are,
		 * in either order (spoolbox sends data first, CUPS' lpd
		 * backend the control file). */
		if (ctl && datas > 0) {
			printf("job %llu %.6f %.6f\n", data, first,
			    last > 0 ? last : now_s());
			fflush(stdout);
			data = 0;
			datas = 0;
			ctl = 0;
			first = last = 0;
		}
	}
}

int
main(int argc, char **argv)
{
	struct sockaddr_in a = { .sin_family = AF_INET };
	int s, one = 1;

	if (argc == 2 && strcmp(argv[1], "-t") == 0) {
		printf("%.6f\n", now_s());
		return 0;
	}
	for (int o; (o = getopt(argc, argv, "sr:o:")) != -1;) {
		if (o == 's')
			silent = 1;
		else if (o == 'r')
			rate = atof(optarg);
		else if (o == 'o')
			keep = optarg;
		else
			return 2;
	}
	argc -= optind - 1;
	argv += optind - 1;
	if (argc != 2)
		return 2;
	a.sin_port = htons((uint16_t)atoi(argv[1]));
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	s = socket(AF_INET, SOCK_STREAM, 0);
	setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(s, (struct sockaddr *)&a, sizeof(a)) != 0 || listen(s, 16)) {
		perror("sb-lpdsink");
		return 1;
	}
	for (;;) {
		int c = accept(s, NULL, NULL);
		if (c < 0 || silent)
			continue; /* silent: c stays open, unread */
		serve(c);
		close(c);
	}
}
