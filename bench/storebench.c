/*
 * sb-storebench: the job store's side of issue 15's benchmark.
 *   sb-storebench naive DIR N
 *       the disk's naive durable-create rate: N files of 1 KiB, each
 *       written to a temp name, fsynced, renamed into place and its
 *       directory fsynced (what a one-at-a-time durable store does);
 *       prints creates/s.
 *   sb-storebench submit SOCKET QUEUE CLIENTS N
 *       CLIENTS processes (sbclient is one caller per process), each with
 *       its own connection, submit N jobs of 1 KiB in all, back to back;
 *       a job counts once its id is back (on stable storage); prints
 *       durable submits/s. With SB_ACK_LOG=FILE set, each client appends
 *       every id it got back to FILE, and a failure (the spooler killed
 *       under it) only makes it connect again: the chaos test's client.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "sbclient.h"

static double
now_s(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static int
naive(const char *dir, int n)
{
	char buf[1024], tmp[4096], name[4096];
	int dfd = open(dir, O_RDONLY | O_DIRECTORY);
	double t0 = now_s();

	if (dfd < 0) {
		perror(dir);
		return 1;
	}
	memset(buf, 'x', sizeof(buf));
	for (int i = 0; i < n; i++) {
		snprintf(tmp, sizeof(tmp), "%s/%d.tmp", dir, i);
		snprintf(name, sizeof(name), "%s/%d.rec", dir, i);
		int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC, 0600);
		if (fd < 0 || write(fd, buf, sizeof(buf)) != sizeof(buf) ||
		    fsync(fd) != 0 || close(fd) != 0 || rename(tmp, name) != 0 ||
		    fsync(dfd) != 0) {
			perror("naive create");
			return 1;
		}
	}
	printf("naive durable creates: %.0f/s (%d in %.3fs)\n",
	    n / (now_s() - t0), n, now_s() - t0);
	return 0;
}

struct client {
	const char *sock, *queue;
	int n;
	int failed;
};

static void
client_main(struct client *c)
{
	struct sbclient_job j = { .queue = c->queue,
		.datatype = SB__DATA_TYPE__RAW, .title = "storebench",
		.filename = "storebench", .copies = 1, .priority = 50 };
	char err[512], buf[1024];
	const char *ack_log = getenv("SB_ACK_LOG");
	int logfd = ack_log != NULL ? open(ack_log, O_WRONLY | O_APPEND |
	    O_CREAT, 0644) : -1;
	nng_socket s;
	int fd;

	memset(buf, 'x', sizeof(buf));
	if (sbclient_open(&s, c->sock, err, sizeof(err)) != 0) {
		fprintf(stderr, "%s\n", err);
		c->failed = c->n;
		return;
	}
	fd = memfd_create("job", 0);
	if (fd < 0 || write(fd, buf, sizeof(buf)) != sizeof(buf)) {
		c->failed = c->n;
		return;
	}
	for (int i = 0; i < c->n; i++) {
		uint64_t id;
		lseek(fd, 0, SEEK_SET);
		id = sbclient_submit(s, fd, &j, err, sizeof(err));
		if (id != 0 && logfd >= 0) {
			int len = snprintf(buf, sizeof(buf), "%llu\n",
			    (unsigned long long)id);
			if (write(logfd, buf, (size_t)len) != len)
				c->failed++;
		} else if (id == 0 && logfd >= 0) {
			/* Killed under us: again, on a new connection. */
			nng_close(s);
			usleep(20000);
			while (sbclient_open(&s, c->sock, err, sizeof(err)) != 0)
				usleep(20000);
		} else if (id == 0) {
			fprintf(stderr, "submit: %s\n", err);
			c->failed++;
		}
	}
	if (logfd >= 0)
		close(logfd);
	close(fd);
	nng_close(s);
}

static int
submit(const char *sock, const char *queue, int nclients, int n)
{
	int failed = 0, status;
	double t0;

	t0 = now_s();
	for (int i = 0; i < nclients; i++) {
		struct client c = { .sock = sock, .queue = queue,
			.n = n / nclients + (i < n % nclients) };
		if (fork() == 0) {
			client_main(&c);
			_exit(c.failed > 255 ? 255 : c.failed);
		}
	}
	while (wait(&status) > 0)
		failed += WIFEXITED(status) ? WEXITSTATUS(status) : n;
	double dt = now_s() - t0;
	printf("durable submits, %d client(s): %.0f/s (%d in %.3fs, %d "
	       "failed)\n", nclients, (n - failed) / dt, n - failed, dt,
	    failed);
	return failed != 0;
}

int
main(int argc, char **argv)
{
	if (argc == 4 && strcmp(argv[1], "naive") == 0)
		return naive(argv[2], atoi(argv[3]));
	if (argc == 6 && strcmp(argv[1], "submit") == 0)
		return submit(argv[2], argv[3], atoi(argv[4]), atoi(argv[5]));
	fprintf(stderr, "usage: sb-storebench naive DIR N | submit SOCKET "
			"QUEUE CLIENTS N\n");
	return 2;
}
