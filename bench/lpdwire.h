/* lpdwire: what the benchmarks' LPD sinks share: a monotonic clock in
 * seconds, reading one RFC 1179 line, acknowledging a step. */
#ifndef SB_LPDWIRE_H
#define SB_LPDWIRE_H

#include <stddef.h>
#include <time.h>
#include <unistd.h>

static inline double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* One line, '\n' included; its length, or -1 when the peer went. */
static inline int
read_line(int fd, char *buf, size_t len)
{
	size_t n = 0;

	while (n + 1 < len) {
		if (read(fd, buf + n, 1) != 1)
			return -1;
		if (buf[n++] == '\n')
			break;
	}
	buf[n] = '\0';
	return (int)n;
}

/* The zero byte that says "accepted"; 0, or -1. */
static inline int
ack(int fd)
{
	return write(fd, "", 1) == 1 ? 0 : -1;
}

#endif
