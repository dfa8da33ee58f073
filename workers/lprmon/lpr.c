/*
 * lpr: RFC 1179 client (see lpr.h). Non-blocking socket, poll for every
 * step so a silent server cannot hold a job forever.
 * Reports: reasons as strings for the job's last error.
 */
#define _GNU_SOURCE
#include "lpr.h"

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/sendfile.h>
#include <sys/socket.h>
#include <unistd.h>

#include "util.h"

/* Printable and safe for a control-file line: no controls, no newline. */
static void
clean(char *dst, size_t len, const char *src, size_t max)
{
	size_t j = 0;

	for (size_t i = 0; src != NULL && src[i] && j + 1 < len && j < max;
	    i++) {
		unsigned char c = (unsigned char)src[i];
		dst[j++] = c >= 0x20 && c != 0x7f ? (char)c : '_';
	}
	dst[j] = '\0';
}

void
lpr_file_name(const struct lpr_job *j, char kind, char *buf, size_t len)
{
	char host[32];
	size_t k = 0;

	for (size_t i = 0; j->host[i] && k < sizeof(host) - 1; i++) {
		char c = j->host[i];
		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || c == '-' || c == '.')
			host[k++] = c;
	}
	host[k] = '\0';
	snprintf(buf, len, "%cfA%03u%s", kind, j->jobno % 1000,
	    k ? host : "localhost");
}

int
lpr_control_file(const struct lpr_job *j, char *buf, size_t len)
{
	char df[64], host[32], user[32], title[100], name[132];
	size_t n;
	int w;

	lpr_file_name(j, 'd', df, sizeof(df));
	clean(host, sizeof(host), j->host, 31);
	clean(user, sizeof(user), j->user, 31);
	clean(title, sizeof(title), j->title, 99);
	clean(name, sizeof(name), j->filename, 131);
	w = snprintf(buf, len, "H%s\nP%s\n", host[0] ? host : "localhost",
	    user[0] ? user : "nobody");
	if (w < 0 || (size_t)w >= len)
		return -1;
	n = (size_t)w;
	if (title[0] != '\0') {
		w = snprintf(buf + n, len - n, "J%s\n", title);
		if (w < 0 || (size_t)w >= len - n)
			return -1;
		n += (size_t)w;
	}
	for (unsigned c = 0; c < (j->copies ? j->copies : 1); c++) {
		w = snprintf(buf + n, len - n, "%c%s\n", j->format, df);
		if (w < 0 || (size_t)w >= len - n)
			return -1;
		n += (size_t)w;
	}
	w = snprintf(buf + n, len - n, "U%s\nN%s\n", df,
	    name[0] ? name : (title[0] ? title : "stdin"));
	if (w < 0 || (size_t)w >= len - n)
		return -1;
	return (int)(n + (size_t)w);
}

static int
wait_fd(int fd, short ev, int timeout_ms)
{
	struct pollfd p = { .fd = fd, .events = ev };
	int rv;

	do
		rv = poll(&p, 1, timeout_ms);
	while (rv < 0 && errno == EINTR);
	return rv;
}

int
lpr_connect(const char *host, unsigned port, int timeout_ms, char *err,
    size_t errlen)
{
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM }, *res, *ai;
	char portstr[12];
	int fd = -1, rv, soerr = 0;
	socklen_t sl = sizeof(soerr);

	snprintf(portstr, sizeof(portstr), "%u", port ? port : 515);
	if ((rv = getaddrinfo(host, portstr, &hints, &res)) != 0) {
		snprintf(err, errlen, "cannot resolve %s: %s", host,
		    gai_strerror(rv));
		return LPR_TRANSIENT;
	}
	snprintf(err, errlen, "no address for %s", host);
	for (ai = res; ai != NULL; ai = ai->ai_next) {
		fd = socket(ai->ai_family,
		    ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
		if (fd < 0)
			continue;
		if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0)
			break;
		if (errno == EINPROGRESS) {
			rv = wait_fd(fd, POLLOUT, timeout_ms);
			if (rv > 0 && getsockopt(fd, SOL_SOCKET, SO_ERROR,
					  &soerr, &sl) == 0 && soerr == 0)
				break;
			errno = rv == 0 ? ETIMEDOUT : soerr;
		}
		snprintf(err, errlen, "connect to %s:%s: %s", host, portstr,
		    strerror(errno));
		close(fd);
		fd = -1;
	}
	freeaddrinfo(res);
	if (fd >= 0) {
		/* RFC 1179 is small writes each waiting for a one-byte ack:
		 * with Nagle and delayed ACKs every step would stall ~40ms. */
		int one = 1;
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	}
	return fd >= 0 ? fd : LPR_TRANSIENT;
}

/* A send failed with errno: 0 to try again (interrupted, or the socket
 * became writable in time), else -1 with the reason. */
static int
send_failed(int fd, int timeout_ms, char *err, size_t errlen)
{
	if (errno == EINTR)
		return 0;
	if (errno == EAGAIN) {
		if (wait_fd(fd, POLLOUT, timeout_ms) > 0)
			return 0;
		snprintf(err, errlen, "server stopped reading "
		    "(timeout after %dms)", timeout_ms);
		return -1;
	}
	snprintf(err, errlen, "server closed the connection: %s",
	    strerror(errno));
	return -1;
}

int
lpr_send(int fd, const void *buf, size_t len, int timeout_ms, char *err,
    size_t errlen)
{
	const char *p = buf;

	while (len > 0) {
		ssize_t n = send(fd, p, len, MSG_NOSIGNAL);
		if (n > 0) {
			p += n;
			len -= (size_t)n;
			continue;
		}
		if (n == 0)
			errno = EPIPE;
		if (send_failed(fd, timeout_ms, err, errlen) != 0)
			return LPR_TRANSIENT;
	}
	return LPR_OK;
}

int
lpr_sendfile(int fd, int in, uint64_t size, int timeout_ms,
    int (*stop)(void *arg, char *err, size_t errlen), void *arg, char *err,
    size_t errlen)
{
	/* Pieces small enough to look at the broker between them. */
	const uint64_t piece = 4 << 20;
	off_t off = 0;

	while ((uint64_t)off < size) {
		uint64_t left = size - (uint64_t)off;
		ssize_t n;
		if (stop != NULL && stop(arg, err, errlen))
			return LPR_TRANSIENT;
		n = sendfile(fd, in, &off, left < piece ? left : piece);
		if (n > 0)
			continue;
		if (n == 0) {
			snprintf(err, errlen, "the job's data is shorter than "
			    "its size (%llu of %llu bytes)",
			    (unsigned long long)off, (unsigned long long)size);
			return LPR_TRANSIENT;
		}
		if (send_failed(fd, timeout_ms, err, errlen) != 0)
			return LPR_TRANSIENT;
	}
	return LPR_OK;
}

/* Read the one acknowledgement byte: 0 = accepted. */
static int
read_ack(int fd, const char *what, int timeout_ms, char *err, size_t errlen)
{
	unsigned char ack;
	ssize_t n;

	for (;;) {
		n = recv(fd, &ack, 1, 0);
		if (n == 1)
			break;
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN) {
			if (wait_fd(fd, POLLIN, timeout_ms) > 0)
				continue;
			snprintf(err, errlen, "no answer to %s within %dms",
			    what, timeout_ms);
			return LPR_TRANSIENT;
		}
		snprintf(err, errlen, "server closed the connection at %s%s%s",
		    what, n < 0 ? ": " : "", n < 0 ? strerror(errno) : "");
		return LPR_TRANSIENT;
	}
	if (ack != 0) {
		snprintf(err, errlen, "server refused %s (code %u)", what,
		    (unsigned)ack);
		return LPR_PERMANENT;
	}
	return LPR_OK;
}

int
lpr_receive_job(int fd, const char *queue, int timeout_ms, char *err,
    size_t errlen)
{
	char cmd[300];
	int n = snprintf(cmd, sizeof(cmd), "\002%s\n", queue);
	int rv;

	if (n < 0 || (size_t)n >= sizeof(cmd)) {
		snprintf(err, errlen, "queue name too long");
		return LPR_PERMANENT;
	}
	if ((rv = lpr_send(fd, cmd, (size_t)n, timeout_ms, err, errlen)) != 0)
		return rv;
	return read_ack(fd, "the job for this queue", timeout_ms, err,
	    errlen);
}

int
lpr_subcommand(int fd, int code, uint64_t size, const char *name,
    int timeout_ms, char *err, size_t errlen)
{
	char cmd[200];
	int n = snprintf(cmd, sizeof(cmd), "%c%llu %s\n", code,
	    (unsigned long long)size, name);
	int rv;

	if ((rv = lpr_send(fd, cmd, (size_t)n, timeout_ms, err, errlen)) != 0)
		return rv;
	return read_ack(fd, code == 2 ? "the control file" : "the data file",
	    timeout_ms, err, errlen);
}

int
lpr_drain(int fd, int timeout_ms, char *said, size_t len)
{
	uint64_t end = now_mono_ms() + (uint64_t)timeout_ms;
	size_t got = 0;
	char buf[512];

	said[0] = '\0';
	for (;;) {
		uint64_t now = now_mono_ms();
		ssize_t n;
		if (now >= end || wait_fd(fd, POLLIN, (int)(end - now)) <= 0)
			return 0;
		if ((n = recv(fd, buf, sizeof(buf), 0)) < 0 &&
		    (errno == EINTR || errno == EAGAIN))
			continue;
		if (n <= 0)
			return 1;
		for (ssize_t i = 0; i < n && got + 1 < len; i++)
			said[got++] = buf[i] >= 0x20 && buf[i] < 0x7f ? buf[i]
								      : ' ';
		said[got] = '\0';
	}
}

int
lpr_end_file(int fd, int timeout_ms, char *err, size_t errlen)
{
	int rv = lpr_send(fd, "", 1, timeout_ms, err, errlen);

	if (rv != 0)
		return rv;
	return read_ack(fd, "the end of a file", timeout_ms, err, errlen);
}
