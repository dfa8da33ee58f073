/*
 * sb-throughput: N small jobs submitted back to back to an lpd:// queue
 * whose server is this program's own loopback LPD sink (RFC 1179 receive
 * side, acknowledging everything). Prints jobs/s from the first submit to
 * the last delivery and p50/p99 submit-to-delivered latency; "delivered"
 * is the moment the sink has the whole control file.
 * -w paces the run: each job is submitted once the previous one has been
 * delivered, which measures latency without the queueing that back-to-back
 * submission causes.
 * Usage: sb-throughput -s SOCKET -q QUEUE -p SINK_PORT [-n N] [-z BYTES] [-w]
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "lpdwire.h"

#include "sbclient.h"
#include "util.h"

static double *t_submit, *t_deliver, *t_ack;
static int njobs;
static int delivered; /* under mu; cv tells the paced client */
static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cv = PTHREAD_COND_INITIALIZER;

static int
delivered_now(void)
{
	int n;

	pthread_mutex_lock(&mu);
	n = delivered;
	pthread_mutex_unlock(&mu);
	return n;
}

/* Wait until more than n are delivered, up to ms; the count. A paced
 * run waits here, not in a polling loop whose CPU would compete with
 * the spooler it measures. */
static int
wait_delivered(int n, int ms)
{
	struct timespec t = deadline_ms(CLOCK_REALTIME, ms);

	pthread_mutex_lock(&mu);
	while (delivered <= n &&
	    pthread_cond_timedwait(&cv, &mu, &t) == 0)
		;
	n = delivered;
	pthread_mutex_unlock(&mu);
	return n;
}



/* One connection: \2queue, then files until the client closes. */
static void
sink_conn(int fd)
{
	char line[512], *body = NULL;
	unsigned long long size;

	if (read_line(fd, line, sizeof(line)) <= 0 || line[0] != 2)
		return;
	ack(fd);
	while (read_line(fd, line, sizeof(line)) > 0) {
		int code = line[0];
		if (sscanf(line + 1, "%llu", &size) != 1)
			return;
		ack(fd);
		body = realloc(body, size + 1);
		for (unsigned long long got = 0; got < size + 1;) {
			ssize_t n = read(fd, body + got, size + 1 - got);
			if (n <= 0)
				goto out;
			got += (unsigned long long)n;
		}
		ack(fd);
		if (code == 2) { /* control file: find J bench-<i> */
			body[size] = '\0';
			char *j = strstr(body, "\nJbench-");
			if (j != NULL) {
				int i = atoi(j + 8);
				if (i >= 0 && i < njobs && t_deliver[i] == 0) {
					t_deliver[i] = now_s();
					pthread_mutex_lock(&mu);
					delivered++;
					pthread_cond_signal(&cv);
					pthread_mutex_unlock(&mu);
				}
			}
		}
	}
out:
	free(body);
}

static void *
sink_main(void *arg)
{
	int ls = *(int *)arg;

	for (;;) {
		int fd = accept(ls, NULL, NULL);
		if (fd < 0)
			continue;
		sink_conn(fd);
		close(fd);
	}
	return NULL;
}

static int
cmp_d(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

/* The sink's listening socket on 127.0.0.1:port; -1 after a message. */
static int
sink_listen(int port)
{
	struct sockaddr_in sa = { .sin_family = AF_INET };
	int ls = socket(AF_INET, SOCK_STREAM, 0), one = 1;

	setsockopt(ls, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	sa.sin_port = htons((uint16_t)port);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (bind(ls, (struct sockaddr *)&sa, sizeof(sa)) != 0 ||
	    listen(ls, 64) != 0) {
		perror("sink bind");
		return -1;
	}
	return ls;
}

/* What the run measured, from t_submit, t_ack and t_deliver. */
static void
report(int size, int paced, double t_acked)
{
	double *lat = calloc((size_t)njobs, sizeof(double));

	double last = 0;
	for (int i = 0; i < njobs; i++) {
		lat[i] = t_deliver[i] - t_submit[i];
		if (t_deliver[i] > last)
			last = t_deliver[i];
	}
	qsort(lat, (size_t)njobs, sizeof(double), cmp_d);
	printf("jobs: %d of %d bytes, each fsynced before its id was returned"
	       "%s\n", njobs, size, paced ? " (paced: one at a time)" : "");
	printf("submit rate: %.0f jobs/s (all acknowledged in %.3fs)\n",
	    njobs / (t_acked - t_submit[0]), t_acked - t_submit[0]);
	printf("throughput: %.0f jobs/s (first submit to last delivery %.3fs)\n",
	    njobs / (last - t_submit[0]), last - t_submit[0]);
	printf("submit-to-delivered latency: p50 %.2f ms, p99 %.2f ms, "
	       "max %.2f ms\n",
	    lat[njobs / 2] * 1e3, lat[njobs * 99 / 100] * 1e3,
	    lat[njobs - 1] * 1e3);
	qsort(t_ack, (size_t)njobs, sizeof(double), cmp_d);
	printf("submit-to-acknowledged latency: p50 %.2f ms, p99 %.2f ms, "
	       "max %.2f ms\n",
	    t_ack[njobs / 2] * 1e3, t_ack[njobs * 99 / 100] * 1e3,
	    t_ack[njobs - 1] * 1e3);
	free(lat);
}

int
main(int argc, char **argv)
{
	const char *sock = NULL, *queue = "bench";
	int port = 0, size = 200, c, ls, paced = 0, text = 0;
	int deadline_s = 60;
	char err[512], title[32], *payload;
	nng_socket s;
	pthread_t th;

	njobs = 1000;
	while ((c = getopt(argc, argv, "s:q:p:n:z:wxT:")) != -1) {
		switch (c) {
		case 's': sock = optarg; break;
		case 'q': queue = optarg; break;
		case 'p': port = atoi(optarg); break;
		case 'n': njobs = atoi(optarg); break;
		case 'z': size = atoi(optarg); break;
		case 'w': paced = 1; break;
		case 'x': text = 1; break;
		case 'T': deadline_s = atoi(optarg); break;
		default:
			fprintf(stderr, "usage: sb-throughput -s SOCK -q QUEUE "
					"-p PORT [-n N] [-z BYTES]\n");
			return 2;
		}
	}
	t_submit = calloc((size_t)njobs, sizeof(double));
	t_deliver = calloc((size_t)njobs, sizeof(double));
	t_ack = calloc((size_t)njobs, sizeof(double));
	payload = malloc((size_t)size);
	for (int i = 0; i < size; i++) /* text: lines of 64 */
		payload[i] = i % 64 == 63 ? '\n' : (char)('a' + i % 26);
	if ((ls = sink_listen(port)) < 0)
		return 1;
	pthread_create(&th, NULL, sink_main, &ls);
	if (sbclient_open(&s, sock, err, sizeof(err)) != 0) {
		fprintf(stderr, "%s\n", err);
		return 1;
	}
	int fd = memfd_create("job", 0);
	if (write(fd, payload, (size_t)size) != size)
		return 1;
	for (int i = 0; i < njobs; i++) {
		struct sbclient_job j = { .queue = queue,
			.datatype = text ? SB__DATA_TYPE__TEXT
					 : SB__DATA_TYPE__RAW,
			.title = title,
			.filename = "bench", .copies = 1, .priority = 50 };
		snprintf(title, sizeof(title), "bench-%d", i);
		lseek(fd, 0, SEEK_SET);
		t_submit[i] = now_s();
		if (sbclient_submit(s, fd, &j, err, sizeof(err)) == 0) {
			printf("stalled: submit %d failed: %s (%d delivered)\n",
			    i, err, delivered_now());
			return 1;
		}
		t_ack[i] = now_s() - t_submit[i];
		if (paced)
			wait_delivered(i, 20000);
	}
	double t_acked = now_s();
	for (int w = 0; wait_delivered(njobs - 1, 1000) < njobs &&
	     w < deadline_s; w++)
		;
	if (delivered_now() < njobs) {
		printf("stalled: only %d of %d delivered within %ds\n",
		    delivered_now(), njobs, deadline_s);
		return 1;
	}
	report(size, paced, t_acked);
	nng_close(s);
	free(payload);
	return 0;
}
