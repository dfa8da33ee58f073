/*
 * conn: a connection's reads and writes, each bounded by the step
 * timeout (listener.h). A line must arrive whole within one step (one
 * byte a second does not keep a connection); a file's bytes must keep
 * coming, none of its reads waiting longer than a step.
 * Reports: nothing; errno says why (ETIMEDOUT, ECONNRESET, EMSGSIZE).
 */
#define _GNU_SOURCE
#include "listener.h"

#include <errno.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "util.h"

/* Fill the buffer from the socket, waiting until deadline. */
static int
fill(struct conn *c, uint64_t deadline)
{
	struct pollfd pfd = { .fd = c->fd, .events = POLLIN };
	uint64_t now = now_mono_ms();
	ssize_t n;

	if (c->off == c->len)
		c->off = c->len = 0;
	if (now >= deadline) {
		errno = ETIMEDOUT;
		return -1;
	}
	int rv = poll(&pfd, 1, (int)(deadline - now));
	if (rv == 0) {
		errno = ETIMEDOUT;
		return -1;
	}
	if (rv < 0)
		return -1;
	n = recv(c->fd, c->buf + c->len, sizeof(c->buf) - c->len, 0);
	if (n == 0) {
		errno = ECONNRESET;
		return -1;
	}
	if (n < 0)
		return -1;
	c->len += (size_t)n;
	return 0;
}

int
conn_read_line(struct conn *c, char *out, size_t max, size_t *len)
{
	uint64_t deadline = now_mono_ms() + c->step_ms;
	size_t n = 0;

	for (;;) {
		while (c->off < c->len) {
			char ch = (char)c->buf[c->off++];
			if (ch == '\n') {
				out[n] = '\0';
				*len = n;
				return 0;
			}
			if (n + 1 >= max) {
				errno = EMSGSIZE;
				return -1;
			}
			out[n++] = ch;
		}
		if (fill(c, deadline) != 0)
			return -1;
	}
}

ssize_t
conn_read_some(struct conn *c, void *out, size_t max)
{
	size_t n;

	if (c->off == c->len &&
	    fill(c, now_mono_ms() + c->step_ms) != 0)
		return -1;
	n = c->len - c->off < max ? c->len - c->off : max;
	memcpy(out, c->buf + c->off, n);
	c->off += n;
	return (ssize_t)n;
}

int
conn_read(struct conn *c, void *out, size_t n)
{
	unsigned char *p = out;

	while (n > 0) {
		ssize_t got = conn_read_some(c, p, n);
		if (got < 0)
			return -1;
		p += got;
		n -= (size_t)got;
	}
	return 0;
}

int
conn_write(struct conn *c, const void *p, size_t n)
{
	const unsigned char *b = p;
	uint64_t deadline = now_mono_ms() + c->step_ms;

	while (n > 0) {
		ssize_t w = send(c->fd, b, n, MSG_NOSIGNAL | MSG_DONTWAIT);
		if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			struct pollfd pfd = { .fd = c->fd, .events = POLLOUT };
			uint64_t now = now_mono_ms();
			if (now >= deadline ||
			    poll(&pfd, 1, (int)(deadline - now)) == 0) {
				errno = ETIMEDOUT;
				return -1;
			}
			continue;
		}
		if (w < 0)
			return -1;
		b += w;
		n -= (size_t)w;
	}
	return 0;
}
