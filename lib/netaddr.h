/*
 * netaddr: numeric socket addresses and CIDR lists, for the listener's
 * addresses and allow lists (no name resolution: the broker opens the
 * sockets, the listener has no resolver).
 */
#ifndef SB_NETADDR_H
#define SB_NETADDR_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

/* "127.0.0.1:515", "[::1]:631", "0.0.0.0:515", "[::]:631" into *ss;
 * 0, or -1 with why. */
int netaddr_parse(const char *s, struct sockaddr_storage *ss, socklen_t *len,
    char *why, size_t whylen);

/* One network: family, address bytes, prefix length. */
struct cidr {
	int family;             /* AF_INET or AF_INET6 */
	uint8_t addr[16];
	unsigned bits;
};

#define CIDR_MAX 32
struct cidr_list {
	struct cidr net[CIDR_MAX];
	size_t n;
};

/* "127.0.0.0/8, ::1, 192.168.1.7" (a bare address: that host); the
 * list is appended to. 0, or -1 with why naming the bad entry. */
int cidr_list_parse(const char *s, struct cidr_list *l, char *why,
    size_t whylen);

/* Is the peer sa in the list? An IPv4 peer on an IPv6 socket
 * (::ffff:a.b.c.d) counts as its IPv4 address. */
int cidr_list_match(const struct cidr_list *l, const struct sockaddr *sa);

/* The peer's address without the port, for logs and identities. */
void netaddr_string(const struct sockaddr *sa, char *buf, size_t len);

#endif
