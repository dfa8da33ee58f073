/*
 * lpdclose: a hostile LPD server for tests. Accepts connections on
 * 127.0.0.1:PORT, acknowledges the receive-job command and the data-file
 * subcommand, reads BYTES of the data file and hangs up: the "server
 * closes mid-job" fault. Usage: lpdclose PORT BYTES
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

static void
skip_line(int fd)
{
	char c;

	while (read(fd, &c, 1) == 1 && c != '\n')
		;
}

int
main(int argc, char **argv)
{
	struct sockaddr_in sa = { .sin_family = AF_INET };
	int ls, one = 1;
	long want;
	char buf[4096];

	if (argc != 3)
		return 2;
	want = atol(argv[2]);
	ls = socket(AF_INET, SOCK_STREAM, 0);
	setsockopt(ls, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	sa.sin_port = htons((unsigned short)atoi(argv[1]));
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (bind(ls, (struct sockaddr *)&sa, sizeof(sa)) != 0 ||
	    listen(ls, 8) != 0) {
		perror("lpdclose");
		return 1;
	}
	for (;;) {
		int fd = accept(ls, NULL, NULL);
		long got = 0;
		ssize_t n;
		if (fd < 0)
			continue;
		skip_line(fd); /* \2queue */
		if (write(fd, "", 1) != 1)
			goto next;
		skip_line(fd); /* \3size name */
		if (write(fd, "", 1) != 1)
			goto next;
		while (got < want && (n = read(fd, buf, sizeof(buf))) > 0)
			got += n;
	next:
		close(fd); /* mid-job */
	}
}
