/*
 * fdpass: see fdpass.h. Reports nothing itself: errors come back in errno.
 */
#define _GNU_SOURCE
#include "fdpass.h"

#include <errno.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

int
fdpass_send(int sock, uint64_t tag, int fd)
{
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} u;
	struct iovec iov = { .iov_base = &tag, .iov_len = sizeof(tag) };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = u.buf, .msg_controllen = sizeof(u.buf) };
	struct cmsghdr *c = CMSG_FIRSTHDR(&mh);

	memset(u.buf, 0, sizeof(u.buf));
	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(c), &fd, sizeof(int));
	for (;;) {
		ssize_t n = sendmsg(sock, &mh, MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n == (ssize_t)sizeof(tag))
			return 0;
		if (n < 0 && errno == EINTR)
			continue;
		if (n >= 0)
			errno = EPROTO;
		return -1;
	}
}

int
fdpass_recv(int sock, uint64_t *tag, int *fd, int timeout_ms)
{
	union {
		char buf[CMSG_SPACE(4 * sizeof(int))];
		struct cmsghdr align;
	} u;
	struct iovec iov = { .iov_base = tag, .iov_len = sizeof(*tag) };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = u.buf, .msg_controllen = sizeof(u.buf) };
	struct pollfd p = { .fd = sock, .events = POLLIN };
	struct cmsghdr *c;
	int got = -1, extra = 0;
	ssize_t n;

	if (timeout_ms != 0 && poll(&p, 1, timeout_ms) == 0) {
		errno = EAGAIN;
		return -1;
	}
	n = recvmsg(sock, &mh, MSG_DONTWAIT | MSG_CMSG_CLOEXEC);
	if (n < 0)
		return -1;
	/* Keep exactly one fd; close anything else a peer slipped in. */
	for (c = CMSG_FIRSTHDR(&mh); c != NULL; c = CMSG_NXTHDR(&mh, c)) {
		int fds[4];
		size_t k;
		if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS)
			continue;
		k = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		memcpy(fds, CMSG_DATA(c), k * sizeof(int));
		for (size_t i = 0; i < k; i++) {
			if (got < 0)
				got = fds[i];
			else {
				close(fds[i]);
				extra = 1;
			}
		}
	}
	if (n != (ssize_t)sizeof(*tag) || got < 0 || extra ||
	    (mh.msg_flags & (MSG_CTRUNC | MSG_TRUNC))) {
		if (got >= 0)
			close(got);
		errno = EPROTO;
		return -1;
	}
	*fd = got;
	return 0;
}

int
fdpass_recv_tag(int sock, uint64_t want, int timeout_ms)
{
	uint64_t tag;
	int fd;

	for (;;) {
		if (fdpass_recv(sock, &tag, &fd, timeout_ms) != 0)
			return -1;
		if (tag == want)
			return fd;
		close(fd); /* for a dispatch that ended before it began */
	}
}
