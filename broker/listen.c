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
#include <dirent.h>
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

/* The inode of the socket listening on TCP port (any address), from
 * /proc/net/tcp and tcp6; 0: none found. */
static unsigned long
listening_inode(unsigned port)
{
	const char *tables[] = { "/proc/net/tcp", "/proc/net/tcp6" };
	char line[512];

	for (size_t t = 0; t < 2; t++) {
		FILE *f = fopen(tables[t], "re");
		if (f == NULL)
			continue;
		while (fgets(line, sizeof(line), f) != NULL) {
			char local[128];
			unsigned p, st;
			unsigned long inode;
			/* sl local rem st tx:rx tr:when retr uid timeout inode */
			if (sscanf(line, " %*d: %127[0-9A-Fa-f]:%x %*s %x %*s %*s "
					 "%*s %*u %*u %lu",
				local, &p, &st, &inode) == 4 &&
			    p == port && st == 0x0A && inode != 0) {
				fclose(f);
				return inode;
			}
		}
		fclose(f);
	}
	return 0;
}

/* Who holds TCP port: "cupsd (pid 812)", "systemd (pid 1), a socket
 * unit", or "" when /proc does not tell us (not root, say). */
static void
port_holder(unsigned port, char *buf, size_t len)
{
	unsigned long inode = listening_inode(port);
	char want[64], path[600], link[64], comm[64] = "";
	struct dirent *p, *fd;
	DIR *procs, *fds;

	buf[0] = '\0';
	if (inode == 0 || (procs = opendir("/proc")) == NULL)
		return;
	snprintf(want, sizeof(want), "socket:[%lu]", inode);
	while (buf[0] == '\0' && (p = readdir(procs)) != NULL) {
		if (p->d_name[strspn(p->d_name, "0123456789")] != '\0')
			continue;
		snprintf(path, sizeof(path), "/proc/%s/fd", p->d_name);
		if ((fds = opendir(path)) == NULL)
			continue;
		while ((fd = readdir(fds)) != NULL) {
			ssize_t n;
			snprintf(path, sizeof(path), "/proc/%s/fd/%s", p->d_name,
			    fd->d_name);
			if ((n = readlink(path, link, sizeof(link) - 1)) <= 0)
				continue;
			link[n] = '\0';
			if (strcmp(link, want) != 0)
				continue;
			snprintf(path, sizeof(path), "/proc/%s/comm", p->d_name);
			FILE *f = fopen(path, "re");
			if (f != NULL && fgets(comm, sizeof(comm), f) != NULL)
				comm[strcspn(comm, "\n")] = '\0';
			if (f != NULL)
				fclose(f);
			snprintf(buf, len, "%s (pid %.16s)%s", comm, p->d_name,
			    strcmp(p->d_name, "1") == 0 ? ", a socket unit" : "");
			break;
		}
		closedir(fds);
	}
	closedir(procs);
}

/* Why a's port is taken, in one line: who holds it and what to do. */
static void __attribute__((noreturn))
port_taken(const struct sb_listen *a)
{
	unsigned port = ntohs(a->ss.ss_family == AF_INET6
		? ((const struct sockaddr_in6 *)&a->ss)->sin6_port
		: ((const struct sockaddr_in *)&a->ss)->sin_port);
	char who[128];

	port_holder(port, who, sizeof(who));
	fatal("[listener] %s = %s: port %u is taken%s%s; %s", a->proto,
	    a->addr, port, who[0] ? " by " : "", who,
	    port == 631 || port == 515
		? "CUPS holds it when installed (stop it: systemctl disable "
		  "--now cups.socket cups.service cups-lpd.socket), or give "
		  "spoolbox another port in [listener] and spoolbox.socket"
		: "choose another port in [listener]");
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
		if (fd < 0 && (fd = open_one(a)) < 0 && errno == EADDRINUSE)
			port_taken(a);
		if (fd < 0 && errno == EACCES)
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
