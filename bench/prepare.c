/*
 * prepare: what a worker's namespaces and mount view cost at spawn.
 * Forks N children that exit at once, then N that first run
 * sandbox_prepare() for KIND (1 localspl ... 4 remote), as the broker's
 * pre-exec child does; prints the mean per child of each. Root, or a
 * user with user namespaces.
 *
 *   sb-bench-prepare [KIND [N]]
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "sandbox.h"

static double
now_ms(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec * 1e3 + (double)t.tv_nsec / 1e6;
}

/* Mean ms per child; -1 when a child failed. */
static double
run(int kind, int n, const struct sandbox_view *v)
{
	double t0 = now_ms();

	for (int i = 0; i < n; i++) {
		const char *step = "";
		int status;
		pid_t pid = fork();

		if (pid < 0)
			return -1;
		if (pid == 0) {
			if (kind > 0 && sandbox_prepare(kind, v, &step) <= 0) {
				fprintf(stderr, "sandbox_prepare: %s: %s\n",
				    step, strerror(errno));
				_exit(1);
			}
			_exit(0);
		}
		if (waitpid(pid, &status, 0) != pid || status != 0)
			return -1;
	}
	return (now_ms() - t0) / n;
}

int
main(int argc, char **argv)
{
	char base[] = "/tmp/sb-bench-prepare.XXXXXX", root[64], chan[64];
	struct sandbox_view v = { .root = root, .channel_dir = chan };
	int kind = argc > 1 ? atoi(argv[1]) : 2;
	int n = argc > 2 ? atoi(argv[2]) : 500;
	double plain, prepared;

	if (kind < 1 || kind > 4 || n < 1 || mkdtemp(base) == NULL) {
		fprintf(stderr, "usage: sb-bench-prepare [KIND 1-4 [N]]\n");
		return 2;
	}
	snprintf(root, sizeof(root), "%s/root", base);
	snprintf(chan, sizeof(chan), "%s/chan", base);
	if (mkdir(root, 0700) != 0 || mkdir(chan, 0700) != 0)
		return 2;
	plain = run(0, n, &v);
	prepared = run(kind, n, &v);
	rmdir(root);
	rmdir(chan);
	rmdir(base);
	if (plain < 0 || prepared < 0) {
		fprintf(stderr, "a child failed\n");
		return 1;
	}
	printf("kind %d, %d children: fork+exit %.3f ms, with "
	       "sandbox_prepare %.3f ms: namespaces and view cost %.3f ms\n",
	    kind, n, plain, prepared, prepared - plain);
	return 0;
}
