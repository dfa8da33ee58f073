/*
 * listen: the listener's sockets. The broker opens them (ports below
 * 1024 included, before anything else runs) or takes them from systemd
 * (LISTEN_FDS), keeps them for its whole life, and passes them to every
 * listener process it starts (supervise.c), so a recycle never closes a
 * port: connections wait in the kernel's backlog while no process
 * accepts.
 * Reports: fatal at start-up when an address cannot be had.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "broker.h"
#include "log.h"

#define LISTEN_BACKLOG 256

/* systemd's first passed descriptor (sd_listen_fds(3)). */
#define SD_LISTEN_FDS_START 3

/* A socket systemd passed us bound to a's address, or -1. */
static int
from_systemd(const struct sb_listen *a)
{
	const char *pid = getenv("LISTEN_PID"), *fds = getenv("LISTEN_FDS");
	int n;

	if (pid == NULL || fds == NULL || atol(pid) != (long)getpid())
		return -1;
	n = atoi(fds);
	for (int fd = SD_LISTEN_FDS_START; fd < SD_LISTEN_FDS_START + n;
	    fd++) {
		struct sockaddr_storage ss;
		socklen_t len = sizeof(ss);
		if (getsockname(fd, (struct sockaddr *)&ss, &len) == 0 &&
		    len == a->len && memcmp(&ss, &a->ss, len) == 0) {
			fcntl(fd, F_SETFD, FD_CLOEXEC);
			return fd;
		}
	}
	return -1;
}

static int
open_one(const struct sb_listen *a)
{
	int one = 1, fd;

	fd = socket(a->ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (a->ss.ss_family == AF_INET6)
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
	if (bind(fd, (const struct sockaddr *)&a->ss, a->len) != 0 ||
	    listen(fd, LISTEN_BACKLOG) != 0) {
		int e = errno;
		close(fd);
		errno = e;
		return -1;
	}
	return fd;
}

void
listen_open(struct broker *b)
{
	for (size_t i = 0; i < b->cfg.nlisten; i++) {
		const struct sb_listen *a = &b->cfg.listen[i];
		int fd = from_systemd(a);
		if (fd < 0 && (fd = open_one(a)) < 0 && errno == EACCES)
			fatal("[listener] %s = %s: %s (a port below 1024 needs "
			    "root, or the socket from systemd: add it to "
			    "spoolbox.socket)", a->proto, a->addr,
			    strerror(errno));
		else if (fd < 0)
			fatal("[listener] %s = %s: %s", a->proto, a->addr,
			    strerror(errno));
		/* Several processes accept on it (a recycle overlaps): an
		 * accept that another won must not block. */
		fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
		b->listen_fd[i] = fd;
		log_info("listening for %s on %s", a->proto, a->addr);
	}
	b->nlisten = b->cfg.nlisten;
}

void
listen_close(struct broker *b)
{
	for (size_t i = 0; i < b->nlisten; i++)
		close(b->listen_fd[i]);
	b->nlisten = 0;
}
