/*
 * notifyrecv: stands in for systemd's notification socket in tests. Binds
 * an AF_UNIX datagram socket at PATH and prints every message it gets on
 * one line (its newlines shown as " | "), flushing each.
 * Usage: notifyrecv PATH
 */
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

int
main(int argc, char **argv)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	char buf[4096];
	int fd;

	if (argc != 2 || strlen(argv[1]) >= sizeof(sa.sun_path))
		return 2;
	strcpy(sa.sun_path, argv[1]);
	unlink(argv[1]);
	fd = socket(AF_UNIX, SOCK_DGRAM, 0);
	if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
		perror("notifyrecv");
		return 1;
	}
	for (;;) {
		ssize_t n = recv(fd, buf, sizeof(buf) - 1, 0);
		if (n < 0)
			return 1;
		buf[n] = '\0';
		for (char *p = buf; *p; p++)
			if (*p == '\n')
				fputs(" | ", stdout);
			else
				putchar(*p);
		putchar('\n');
		fflush(stdout);
	}
}
