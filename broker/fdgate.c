/*
 * fdgate: files clients pass by descriptor (fdpass.h), on
 * RUNTIME/spoolbox-fd.sock (AF_UNIX SOCK_SEQPACKET, 0666). A client
 * connects, sends an 8-byte cookie with one open file, and gets one byte
 * back: 0 when the broker holds it. It then names the cookie in its
 * SubmitReq on the nng socket; client.c takes the file from here (for the
 * same uid only: SO_PEERCRED, like the nng pipe's peer uid) and passes it
 * on to localspl. The client opened the file itself, so no privilege is
 * crossed; only a regular file open for reading is kept. Bounded: at most
 * FDGATE_PER_USER held per uid and FDGATE_MAX in all, each dropped after
 * FDGATE_TTL_MS unclaimed; connections that send nothing go after 2 s.
 * Reports: refused files, at most once a second.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "broker.h"
#include "fdpass.h"
#include "log.h"
#include "util.h"

#define FDGATE_PER_USER 8
#define FDGATE_TTL_MS 30000
#define CONN_TTL_MS 2000

int
fdgate_open(struct broker *b)
{
	struct fdgate *g = &b->fdgate;
	struct sockaddr_un a = { .sun_family = AF_UNIX };

	memset(g, 0, sizeof(*g));
	for (int i = 0; i < FDGATE_MAX; i++)
		g->held[i].fd = g->conns[i].fd = -1;
	if ((size_t)snprintf(a.sun_path, sizeof(a.sun_path),
		"%s/spoolbox-fd.sock", b->cfg.runtime_dir) >= sizeof(a.sun_path))
		return -1;
	g->listen_fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_NONBLOCK |
	    SOCK_CLOEXEC, 0);
	if (g->listen_fd < 0)
		return -1;
	unlink(a.sun_path); /* in the broker's own, checked runtime dir */
	if (bind(g->listen_fd, (struct sockaddr *)&a, sizeof(a)) != 0 ||
	    chmod(a.sun_path, 0666) != 0 || listen(g->listen_fd, 64) != 0) {
		close(g->listen_fd);
		g->listen_fd = -1;
		return -1;
	}
	return 0;
}

void
fdgate_close(struct broker *b)
{
	struct fdgate *g = &b->fdgate;

	for (int i = 0; i < FDGATE_MAX; i++) {
		if (g->held[i].fd >= 0)
			close(g->held[i].fd);
		if (g->conns[i].fd >= 0)
			close(g->conns[i].fd);
	}
	if (g->listen_fd >= 0)
		close(g->listen_fd);
}

size_t
fdgate_pollfds(struct broker *b, struct pollfd *out, size_t max)
{
	struct fdgate *g = &b->fdgate;
	size_t n = 0;

	if (g->listen_fd >= 0 && n < max)
		out[n++] = (struct pollfd){ .fd = g->listen_fd,
			.events = POLLIN };
	for (int i = 0; i < FDGATE_MAX && n < max; i++)
		if (g->conns[i].fd >= 0)
			out[n++] = (struct pollfd){ .fd = g->conns[i].fd,
				.events = POLLIN };
	return n;
}

static void
refused(struct fdgate *g, uid_t uid, const char *why)
{
	if (now_mono_ms() < g->next_log)
		return;
	g->next_log = now_mono_ms() + 1000;
	log_warn("a file passed by uid %u refused: %s", (unsigned)uid, why);
}

/* Keep fd under cookie for uid: NULL, or why not. */
static const char *
hold(struct fdgate *g, uid_t uid, uint64_t cookie, int fd)
{
	int mine = 0, slot = -1, flags = fcntl(fd, F_GETFL);
	struct stat st;

	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode))
		return "not a regular file";
	if (flags < 0 || (flags & O_ACCMODE) == O_WRONLY)
		return "not open for reading";
	for (int i = 0; i < FDGATE_MAX; i++) {
		if (g->held[i].fd < 0) {
			if (slot < 0)
				slot = i;
			continue;
		}
		mine += g->held[i].uid == uid;
		if (g->held[i].uid == uid && g->held[i].cookie == cookie)
			return "cookie in use";
	}
	if (mine >= FDGATE_PER_USER || slot < 0)
		return "too many files held";
	g->held[slot].fd = fd;
	g->held[slot].uid = uid;
	g->held[slot].cookie = cookie;
	g->held[slot].expires = now_mono_ms() + FDGATE_TTL_MS;
	return NULL;
}

/* A connection has spoken: take its file and answer. */
static void
conn_read(struct fdgate *g, int i)
{
	struct ucred cred;
	socklen_t cl = sizeof(cred);
	const char *why = "no file came";
	uint64_t cookie;
	uint8_t answer;
	int fd = -1;

	if (getsockopt(g->conns[i].fd, SOL_SOCKET, SO_PEERCRED, &cred, &cl) !=
	    0)
		why = "no peer credentials";
	else if (fdpass_recv(g->conns[i].fd, &cookie, &fd, 0) == 0)
		why = hold(g, cred.uid, cookie, fd);
	if (why != NULL) {
		refused(g, cred.uid, why);
		if (fd >= 0)
			close(fd);
	}
	answer = why == NULL ? 0 : 1;
	if (send(g->conns[i].fd, &answer, 1, MSG_NOSIGNAL | MSG_DONTWAIT) != 1)
		log_debug("fd gate: could not answer a client");
	close(g->conns[i].fd);
	g->conns[i].fd = -1;
}

void
fdgate_ready(struct broker *b, const struct pollfd *fds, size_t n)
{
	struct fdgate *g = &b->fdgate;

	for (size_t k = 0; k < n; k++) {
		if (fds[k].revents == 0)
			continue;
		if (fds[k].fd == g->listen_fd) {
			int c = accept4(g->listen_fd, NULL, NULL,
			    SOCK_NONBLOCK | SOCK_CLOEXEC);
			int i = 0;
			while (c >= 0 && i < FDGATE_MAX && g->conns[i].fd >= 0)
				i++;
			if (c >= 0 && i == FDGATE_MAX) {
				close(c); /* busy: the client says so */
				continue;
			}
			if (c >= 0) {
				g->conns[i].fd = c;
				g->conns[i].expires = now_mono_ms() +
				    CONN_TTL_MS;
			}
			continue;
		}
		for (int i = 0; i < FDGATE_MAX; i++)
			if (g->conns[i].fd == fds[k].fd)
				conn_read(g, i);
	}
}

void
fdgate_tick(struct broker *b, uint64_t now)
{
	struct fdgate *g = &b->fdgate;

	for (int i = 0; i < FDGATE_MAX; i++) {
		if (g->held[i].fd >= 0 && now >= g->held[i].expires) {
			close(g->held[i].fd);
			g->held[i].fd = -1;
		}
		if (g->conns[i].fd >= 0 && now >= g->conns[i].expires) {
			close(g->conns[i].fd);
			g->conns[i].fd = -1;
		}
	}
}

int
fdgate_take(struct broker *b, uid_t uid, uint64_t cookie)
{
	struct fdgate *g = &b->fdgate;

	for (int i = 0; i < FDGATE_MAX; i++) {
		if (g->held[i].fd >= 0 && g->held[i].uid == uid &&
		    g->held[i].cookie == cookie) {
			int fd = g->held[i].fd;
			g->held[i].fd = -1;
			return fd;
		}
	}
	return -1;
}
