/*
 * sbhostile: a hostile local client for the tests, run as an
 * unprivileged user. Holds the line until killed (SIGTERM).
 *   sbhostile connect SOCKET N          N idle connections (raw: they
 *                                       never even negotiate SP)
 *   sbhostile dial SOCKET N             N idle nng connections
 *   sbhostile flood SOCKET THREADS      WorkersReq back to back
 *   sbhostile uploads SOCKET QUEUE N    N uploads started, never finished
 * Prints one line when it is in place ("ready N"), so a test can wait.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <nng/nng.h>
#include <nng/protocol/reqrep0/req.h>

#include "chan.h"

static const char *sock_path;

static int
hold_connections(int n)
{
	struct sockaddr_un a = { .sun_family = AF_UNIX };
	int ok = 0;

	snprintf(a.sun_path, sizeof(a.sun_path), "%s", sock_path);
	for (int i = 0; i < n; i++) {
		int fd = socket(AF_UNIX, SOCK_STREAM, 0);
		if (fd < 0 || connect(fd, (struct sockaddr *)&a, sizeof(a)) != 0) {
			if (fd >= 0)
				close(fd);
			continue;
		}
		ok++; /* and never say a word */
	}
	printf("ready %d\n", ok);
	fflush(stdout);
	pause();
	return 0;
}

static nng_socket
dial(void)
{
	char url[4200];
	nng_socket s;

	snprintf(url, sizeof(url), "ipc://%s", sock_path);
	if (nng_req0_open(&s) != 0 || nng_dial(s, url, NULL, 0) != 0) {
		fprintf(stderr, "sbhostile: cannot dial %s\n", url);
		exit(1);
	}
	nng_socket_set_ms(s, NNG_OPT_RECVTIMEO, 10000);
	return s;
}

/* N req sockets dialed and left idle: their pipes exist on the broker
 * (the gate sees them); none sends a request. */
static int
hold_dials(int n)
{
	char url[4200];
	int ok = 0;

	snprintf(url, sizeof(url), "ipc://%s", sock_path);
	for (int i = 0; i < n; i++) {
		nng_socket s;
		if (nng_req0_open(&s) != 0)
			continue;
		/* Refused ones come back, but not in a busy loop. */
		nng_socket_set_ms(s, NNG_OPT_RECONNMINT, 1000);
		nng_socket_set_ms(s, NNG_OPT_RECONNMAXT, 10000);
		if (nng_dial(s, url, NULL, 0) == 0)
			ok++;
	}
	printf("ready %d\n", ok);
	fflush(stdout);
	pause();
	return 0;
}

static void *
flood_thread(void *arg)
{
	Sb__WorkersReq w = SB__WORKERS_REQ__INIT;
	nng_socket s = dial();
	sb_env e;
	nng_msg *m;

	(void)arg;
	chan_env_init(&e);
	e.body_case = SB__ENVELOPE__BODY_WORKERS_REQ;
	e.workers_req = &w;
	for (;;) {
		if (chan_send(s, &e, 0) == 0 && nng_recvmsg(s, &m, 0) == 0)
			nng_msg_free(m);
	}
	return NULL;
}

static int
flood(int threads)
{
	pthread_t t;

	for (int i = 0; i < threads; i++)
		pthread_create(&t, NULL, flood_thread, NULL);
	printf("ready %d\n", threads);
	fflush(stdout);
	pause();
	return 0;
}

/* The first chunk of an upload, never the last. */
static int
uploads(const char *queue, int n)
{
	static uint8_t data[1024];
	Sb__SubmitReq r = SB__SUBMIT_REQ__INIT;
	int started = 0;
	sb_env e, *rep;
	char err[256];
	nng_msg *m;

	chan_env_init(&e);
	e.body_case = SB__ENVELOPE__BODY_SUBMIT_REQ;
	e.submit_req = &r;
	r.queue = (char *)queue;
	r.datatype = SB__DATA_TYPE__RAW;
	r.copies = 1;
	r.data.data = data;
	r.data.len = sizeof(data);
	for (int i = 0; i < n; i++) {
		nng_socket s = dial();
		if (chan_send(s, &e, 0) != 0 || nng_recvmsg(s, &m, 0) != 0)
			continue;
		rep = chan_decode(m, err, sizeof(err));
		nng_msg_free(m);
		if (rep != NULL && rep->body_case == SB__ENVELOPE__BODY_ERROR_REP)
			printf("refused: %s\n", rep->error_rep->message);
		else if (rep != NULL)
			started++;
		chan_free(rep);
	}
	printf("ready %d\n", started);
	fflush(stdout);
	pause();
	return 0;
}

int
main(int argc, char **argv)
{
	if (argc < 4)
		return 2;
	sock_path = argv[2];
	if (strcmp(argv[1], "connect") == 0)
		return hold_connections(atoi(argv[3]));
	if (strcmp(argv[1], "dial") == 0)
		return hold_dials(atoi(argv[3]));
	if (strcmp(argv[1], "flood") == 0)
		return flood(atoi(argv[3]));
	if (strcmp(argv[1], "uploads") == 0 && argc == 5)
		return uploads(argv[3], atoi(argv[4]));
	return 2;
}
