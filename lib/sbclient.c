/*
 * sbclient: see sbclient.h. Reports errors as one-line strings.
 */
#define SYSTEM_SOCKET "/run/spoolbox/spoolbox.sock"

#include "sbclient.h"

#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <nng/nng.h>
#include <nng/protocol/reqrep0/req.h>

#include "config.h"
#include "fdpass.h"
#include "util.h"

/* Connections the broker closed on us at once (nng's thread counts
 * them): its gate refuses a client over the connection limits that way,
 * while a broker that stops closes a connection that has lived. */
static _Atomic unsigned pipes_up, pipes_closed;
static _Atomic uint64_t pipe_added_ms;

static void
pipe_cb(nng_pipe p, nng_pipe_ev ev, void *arg)
{
	(void)p;
	(void)arg;
	if (ev == NNG_PIPE_EV_ADD_POST) {
		pipe_added_ms = now_mono_ms();
		pipes_up++;
	} else if (ev == NNG_PIPE_EV_REM_POST) {
		if (now_mono_ms() - pipe_added_ms < 200)
			pipes_closed++;
		else
			pipes_up--; /* not a refusal: forget the pipe */
	}
}

/* RUNTIME/spoolbox-fd.sock beside the client socket: files pass there
 * by descriptor (fdpass.h). */
static char fd_sock[sizeof(((struct sockaddr_un *)0)->sun_path)];

/* fd_sock beside the client socket path (left empty when too long). */
static void
fd_socket_path(const char *client)
{
	const char *slash = strrchr(client, '/');
	size_t dir = slash != NULL ? (size_t)(slash - client) + 1 : 0;
	static const char name[] = "spoolbox-fd.sock";

	fd_sock[0] = '\0';
	if (dir + sizeof(name) > sizeof(((struct sockaddr_un *)0)->sun_path))
		return;
	memcpy(fd_sock, client, dir);
	memcpy(fd_sock + dir, name, sizeof(name));
}

int
sbclient_open(nng_socket *s, const char *sock, char *err, size_t errlen)
{
	char url[PATH_MAX + 32], dir[PATH_MAX];
	const char *env = getenv("SPOOLBOX_SOCKET");
	int rv;

	if (sock == NULL)
		sock = env;
	if (sock == NULL) {
		config_default_runtime_dir(dir, sizeof(dir));
		snprintf(url, sizeof(url), "ipc://%s/spoolbox.sock", dir);
		/* No instance of one's own: the system's (a user's CLI on
		 * a packaged install). */
		if (access(url + 6, F_OK) != 0 &&
		    access(SYSTEM_SOCKET, F_OK) == 0)
			snprintf(url, sizeof(url), "ipc://%s", SYSTEM_SOCKET);
	} else if (strncmp(sock, "ipc://", 6) == 0) {
		snprintf(url, sizeof(url), "%s", sock);
	} else {
		snprintf(url, sizeof(url), "ipc://%s", sock);
	}
	fd_socket_path(url + strlen("ipc://"));
	if ((rv = nng_req0_open(s)) != 0) {
		snprintf(err, errlen, "nng: %s", nng_strerror(rv));
		return -1;
	}
	nng_socket_set_size(*s, NNG_OPT_RECVMAXSZ, SB_MSG_MAX);
	nng_socket_set_ms(*s, NNG_OPT_RECVTIMEO, 120000);
	nng_pipe_notify(*s, NNG_PIPE_EV_ADD_POST, pipe_cb, NULL);
	nng_pipe_notify(*s, NNG_PIPE_EV_REM_POST, pipe_cb, NULL);
	nng_socket_set_ms(*s, NNG_OPT_SENDTIMEO, 10000);
	/* Requests are not idempotent (submit): never resend on our own. */
	nng_socket_set_ms(*s, NNG_OPT_REQ_RESENDTIME, NNG_DURATION_INFINITE);
	if ((rv = nng_dial(*s, url, NULL, 0)) != 0) {
		snprintf(err, errlen, "cannot reach spoolboxd at %s: %s",
		    url + 6, nng_strerror(rv));
		nng_close(*s);
		return -1;
	}
	return 0;
}

static void sleep_ms(unsigned ms);

/* The answer's aio is done: wake the waiter. */
static pthread_mutex_t done_mtx = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t done_cv = PTHREAD_COND_INITIALIZER;
static int done;

static void
done_cb(void *arg)
{
	(void)arg;
	pthread_mutex_lock(&done_mtx);
	done = 1;
	pthread_cond_signal(&done_cv);
	pthread_mutex_unlock(&done_mtx);
}

/* The answer to our request (up to the socket's receive timeout), or
 * NNG_ECONNREFUSED when the broker keeps closing our connection: that is
 * how its gate refuses a client over the connection limits. */
static int
recv_answer(nng_socket s, nng_msg **m)
{
	struct timespec ts;
	nng_aio *aio;
	int rv;

	if ((rv = nng_aio_alloc(&aio, done_cb, NULL)) != 0)
		return rv;
	done = 0;
	nng_recv_aio(s, aio);
	pthread_mutex_lock(&done_mtx);
	while (!done) {
		ts = deadline_ms(CLOCK_REALTIME, 200);
		pthread_cond_timedwait(&done_cv, &done_mtx, &ts);
		if (!done && pipes_closed >= 3 && pipes_closed >= pipes_up) {
			pthread_mutex_unlock(&done_mtx);
			nng_aio_cancel(aio);
			nng_aio_wait(aio);
			nng_aio_free(aio);
			return NNG_ECONNREFUSED;
		}
	}
	pthread_mutex_unlock(&done_mtx);
	if ((rv = nng_aio_result(aio)) == 0)
		*m = nng_aio_get_msg(aio);
	nng_aio_free(aio);
	if (rv == NNG_ECONNRESET) {
		/* Closed before any answer: the pipe callback that tells a
		 * refusal may still be on its way. */
		for (int i = 0; i < 20 && pipes_closed == 0; i++)
			sleep_ms(5);
		if (pipes_closed > 0 && pipes_closed >= pipes_up)
			rv = NNG_ECONNREFUSED;
	}
	return rv;
}

static sb_env *
call_once(nng_socket s, sb_env *req, char *err, size_t errlen)
{
	nng_msg *m;
	sb_env *rep;
	int rv;

	if ((rv = chan_send(s, req, 0)) != 0) {
		snprintf(err, errlen, "send to spoolboxd: %s",
		    nng_strerror(rv));
		return NULL;
	}
	if ((rv = recv_answer(s, &m)) != 0) {
		snprintf(err, errlen, "%s", rv == NNG_ECONNREFUSED
		    ? "spoolboxd refused the connection: too many connections "
		      "(max_clients, max_clients_per_user)"
		    : "no answer from spoolboxd");
		if (rv != NNG_ECONNREFUSED)
			snprintf(err + strlen(err), errlen - strlen(err),
			    ": %s", nng_strerror(rv));
		return NULL;
	}
	rep = chan_decode(m, err, errlen);
	nng_msg_free(m);
	return rep;
}

static int
unavailable(const sb_env *e)
{
	return e->body_case == SB__ENVELOPE__BODY_ERROR_REP &&
	    e->error_rep->code == SB__ERROR_CODE__E_UNAVAILABLE;
}

static void
sleep_ms(unsigned ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000 };

	nanosleep(&ts, NULL);
}

sb_env *
sbclient_call(nng_socket s, sb_env *req, int retry_ms, char *err,
    size_t errlen)
{
	uint64_t deadline = now_mono_ms() + (uint64_t)(retry_ms > 0 ? retry_ms
								   : 0);
	static uint64_t next_id;
	unsigned wait = 2; /* a local spooler's hand-over takes ~10 ms */
	sb_env *rep;

	for (;;) {
		req->id = ++next_id;
		if ((rep = call_once(s, req, err, errlen)) == NULL)
			return NULL;
		if (!unavailable(rep) || now_mono_ms() >= deadline)
			return rep;
		chan_free(rep);
		sleep_ms(wait);
		wait = wait < 25 ? wait * 2 : 50;
	}
}

/* Read up to len bytes, short only at end of file. */
static ssize_t
read_full(int fd, uint8_t *buf, size_t len)
{
	size_t got = 0;

	while (got < len) {
		ssize_t n = read(fd, buf + got, len - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		if (n == 0)
			break;
		got += (size_t)n;
	}
	return (ssize_t)got;
}

/* The job's attributes into the first (or only) request. */
static void
job_attrs(Sb__SubmitReq *r, const struct sbclient_job *j)
{
	r->queue = (char *)j->queue;
	r->datatype = j->datatype;
	r->title = (char *)j->title;
	r->filename = (char *)j->filename;
	r->copies = j->copies;
	r->priority = j->priority;
	if (j->hold_until != NULL)
		r->hold_until = (char *)j->hold_until;
}

/* One upload from the start of fd; 0 job id and *again on a restart. */
static uint64_t
upload(nng_socket s, int fd, const struct sbclient_job *j, uint8_t *buf,
    int *again, char *err, size_t errlen)
{
	Sb__SubmitReq r = SB__SUBMIT_REQ__INIT;
	uint64_t upload_id = 0, job = 0;
	sb_env req, *rep;
	ssize_t n, next;
	size_t have = 0;

	chan_env_init(&req);
	req.body_case = SB__ENVELOPE__BODY_SUBMIT_REQ;
	req.submit_req = &r;
	/* Read one chunk ahead so the last chunk can say it is final. */
	n = read_full(fd, buf, SB_CHUNK_SIZE);
	for (;;) {
		if (n < 0) {
			snprintf(err, errlen, "read: %s", strerror(errno));
			return 0;
		}
		have = (size_t)n;
		next = have == SB_CHUNK_SIZE
		    ? read_full(fd, buf + SB_CHUNK_SIZE, SB_CHUNK_SIZE)
		    : 0;
		if (next < 0) {
			snprintf(err, errlen, "read: %s", strerror(errno));
			return 0;
		}
		r.upload = upload_id;
		if (upload_id == 0)
			job_attrs(&r, j);
		r.data.data = buf;
		r.data.len = have;
		r.final = next == 0;
		rep = sbclient_call(s, &req, upload_id == 0 ? 30000 : 0, err,
		    errlen);
		if (rep == NULL)
			return 0;
		if (rep->body_case == SB__ENVELOPE__BODY_ERROR_REP) {
			*again = unavailable(rep);
			snprintf(err, errlen, "%s", rep->error_rep->message);
			chan_free(rep);
			return 0;
		}
		if (rep->body_case != SB__ENVELOPE__BODY_SUBMIT_REP) {
			snprintf(err, errlen, "unexpected answer %s",
			    chan_body_name(rep));
			chan_free(rep);
			return 0;
		}
		upload_id = rep->submit_rep->upload;
		job = rep->submit_rep->job_id;
		chan_free(rep);
		if (r.final)
			return job != 0 ? job : (snprintf(err, errlen,
						     "no job id"),
						    0);
		memmove(buf, buf + SB_CHUNK_SIZE, (size_t)next);
		n = next;
	}
}

/* Hand the open file fd to the broker under a fresh cookie; the cookie,
 * or 0 when the broker did not take it. */
static uint64_t
pass_file(int fd)
{
	struct sockaddr_un a = { .sun_family = AF_UNIX };
	uint64_t cookie = 0;
	uint8_t answer = 1;
	int c;

	if (getrandom(&cookie, sizeof(cookie), 0) != sizeof(cookie) ||
	    cookie == 0)
		return 0;
	if (fd_sock[0] == '\0')
		return 0;
	memcpy(a.sun_path, fd_sock, strlen(fd_sock) + 1);
	c = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (c < 0)
		return 0;
	if (connect(c, (struct sockaddr *)&a, sizeof(a)) != 0 ||
	    fdpass_send(c, cookie, fd) != 0 ||
	    poll(&(struct pollfd){ .fd = c, .events = POLLIN }, 1, 5000) != 1 ||
	    recv(c, &answer, 1, 0) != 1 || answer != 0)
		cookie = 0;
	close(c);
	return cookie;
}

/* The whole job by descriptor: a regular file, copied into the spool in
 * the kernel. The job id; 0 with err, and *fallback when the chunk
 * stream should be tried instead (no descriptor socket). */
static uint64_t
submit_fd(nng_socket s, int fd, const struct sbclient_job *j, int *fallback,
    char *err, size_t errlen)
{
	Sb__SubmitReq r = SB__SUBMIT_REQ__INIT;
	uint64_t job = 0;
	sb_env req, *rep;

	chan_env_init(&req);
	req.body_case = SB__ENVELOPE__BODY_SUBMIT_REQ;
	req.submit_req = &r;
	job_attrs(&r, j);
	r.final = 1;
	for (int tries = 0; tries < 50 && job == 0; tries++) {
		if ((r.fd_cookie = pass_file(fd)) == 0) {
			*fallback = tries == 0;
			snprintf(err, errlen, "spoolboxd did not take the file");
			return 0;
		}
		if ((rep = sbclient_call(s, &req, 0, err, errlen)) == NULL)
			return 0;
		if (rep->body_case == SB__ENVELOPE__BODY_SUBMIT_REP)
			job = rep->submit_rep->job_id;
		else if (rep->body_case == SB__ENVELOPE__BODY_ERROR_REP)
			snprintf(err, errlen, "%s", rep->error_rep->message);
		else
			snprintf(err, errlen, "unexpected answer %s",
			    chan_body_name(rep));
		/* The spooler restarting: pass the file again. */
		if (job == 0 && !unavailable(rep)) {
			chan_free(rep);
			return 0;
		}
		chan_free(rep);
		if (job == 0)
			sleep_ms(100);
	}
	return job;
}

uint64_t
sbclient_submit(nng_socket s, int fd, const struct sbclient_job *j,
    char *err, size_t errlen)
{
	uint8_t *buf;
	uint64_t job = 0;
	struct stat st;
	int again, fallback = 0;

	/* A regular file goes by descriptor, unless it is small enough to
	 * go whole in one request; pipes and terminals stream. */
	if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) &&
	    st.st_size > SB_INLINE_MAX) {
		job = submit_fd(s, fd, j, &fallback, err, errlen);
		if (job != 0 || !fallback)
			return job;
	}
	if ((buf = malloc(2 * SB_CHUNK_SIZE)) == NULL) {
		snprintf(err, errlen, "out of memory");
		return 0;
	}
	for (int tries = 0; tries < 50; tries++) {
		again = 0;
		job = upload(s, fd, j, buf, &again, err, errlen);
		if (job != 0 || !again)
			break;
		/* The spooler restarted mid-upload: start over if we can. */
		if (lseek(fd, 0, SEEK_SET) != 0) {
			snprintf(err, errlen, "spooler restarted during the "
			    "upload and the input cannot be read again");
			break;
		}
		sleep_ms(100);
	}
	free(buf);
	return job;
}
