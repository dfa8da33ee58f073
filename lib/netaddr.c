/*
 * netaddr: numeric addresses and CIDR lists (netaddr.h).
 */
#include "netaddr.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int
netaddr_parse(const char *s, struct sockaddr_storage *ss, socklen_t *len,
    char *why, size_t whylen)
{
	char host[64];
	const char *colon, *h = s;
	size_t hl;
	char *end;
	unsigned long port;

	memset(ss, 0, sizeof(*ss));
	if (s[0] == '[') {
		const char *rb = strchr(s, ']');
		if (rb == NULL || rb[1] != ':')
			goto bad;
		h = s + 1;
		hl = (size_t)(rb - h);
		colon = rb + 1;
	} else {
		if ((colon = strrchr(s, ':')) == NULL)
			goto bad;
		hl = (size_t)(colon - s);
	}
	if (hl == 0 || hl >= sizeof(host))
		goto bad;
	memcpy(host, h, hl);
	host[hl] = '\0';
	port = strtoul(colon + 1, &end, 10);
	if (colon[1] == '\0' || *end != '\0' || port == 0 || port > 65535)
		goto bad;
	if (s[0] != '[' && strcmp(host, "*") == 0)
		strcpy(host, "0.0.0.0");
	if (s[0] != '[') {
		struct sockaddr_in *in = (struct sockaddr_in *)ss;
		if (inet_pton(AF_INET, host, &in->sin_addr) != 1)
			goto bad;
		in->sin_family = AF_INET;
		in->sin_port = htons((uint16_t)port);
		*len = sizeof(*in);
	} else {
		struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)ss;
		if (inet_pton(AF_INET6, host, &in6->sin6_addr) != 1)
			goto bad;
		in6->sin6_family = AF_INET6;
		in6->sin6_port = htons((uint16_t)port);
		*len = sizeof(*in6);
	}
	return 0;
bad:
	snprintf(why, whylen, "bad address '%s' (ADDR:PORT or [ADDR6]:PORT, "
	    "numeric)", s);
	return -1;
}

static int
cidr_parse(const char *t, struct cidr *c)
{
	char a[64];
	const char *slash = strchr(t, '/');
	size_t n = slash != NULL ? (size_t)(slash - t) : strlen(t);
	unsigned long bits;
	char *end;

	if (n == 0 || n >= sizeof(a))
		return -1;
	memcpy(a, t, n);
	a[n] = '\0';
	memset(c, 0, sizeof(*c));
	if (inet_pton(AF_INET, a, c->addr) == 1) {
		c->family = AF_INET;
		c->bits = 32;
	} else if (inet_pton(AF_INET6, a, c->addr) == 1) {
		c->family = AF_INET6;
		c->bits = 128;
	} else {
		return -1;
	}
	if (slash != NULL) {
		bits = strtoul(slash + 1, &end, 10);
		if (slash[1] == '\0' || *end != '\0' || bits > c->bits)
			return -1;
		c->bits = (unsigned)bits;
	}
	return 0;
}

int
cidr_list_parse(const char *s, struct cidr_list *l, char *why, size_t whylen)
{
	char buf[1024], *save = NULL, *t;

	if (strlen(s) >= sizeof(buf)) {
		snprintf(why, whylen, "allow list longer than %zu",
		    sizeof(buf) - 1);
		return -1;
	}
	strcpy(buf, s);
	for (t = strtok_r(buf, ", \t", &save); t != NULL;
	    t = strtok_r(NULL, ", \t", &save)) {
		if (l->n == CIDR_MAX) {
			snprintf(why, whylen, "more than %d networks in an "
			    "allow list", CIDR_MAX);
			return -1;
		}
		if (cidr_parse(t, &l->net[l->n]) != 0) {
			snprintf(why, whylen, "bad network '%s' (ADDR or "
			    "ADDR/BITS, IPv4 or IPv6)", t);
			return -1;
		}
		l->n++;
	}
	return 0;
}

static int
prefix_eq(const uint8_t *a, const uint8_t *b, unsigned bits)
{
	unsigned bytes = bits / 8, rest = bits % 8;

	if (memcmp(a, b, bytes) != 0)
		return 0;
	if (rest == 0)
		return 1;
	uint8_t mask = (uint8_t)(0xff << (8 - rest));
	return (a[bytes] & mask) == (b[bytes] & mask);
}

int
cidr_list_match(const struct cidr_list *l, const struct sockaddr *sa)
{
	static const uint8_t mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
		0xff, 0xff };
	const uint8_t *a;
	int family = sa->sa_family;

	if (family == AF_INET) {
		a = (const uint8_t *)&((const struct sockaddr_in *)sa)->sin_addr;
	} else if (family == AF_INET6) {
		a = ((const struct sockaddr_in6 *)sa)->sin6_addr.s6_addr;
		if (memcmp(a, mapped, sizeof(mapped)) == 0) {
			family = AF_INET;
			a += 12;
		}
	} else {
		return 0;
	}
	for (size_t i = 0; i < l->n; i++)
		if (l->net[i].family == family &&
		    prefix_eq(a, l->net[i].addr, l->net[i].bits))
			return 1;
	return 0;
}

void
netaddr_string(const struct sockaddr *sa, char *buf, size_t len)
{
	const void *a = NULL;
	int family = sa->sa_family;

	if (family == AF_INET)
		a = &((const struct sockaddr_in *)sa)->sin_addr;
	else if (family == AF_INET6)
		a = &((const struct sockaddr_in6 *)sa)->sin6_addr;
	if (a == NULL || inet_ntop(family, a, buf, (socklen_t)len) == NULL)
		snprintf(buf, len, "?");
	/* An IPv4 peer on an IPv6 socket is shown as IPv4. */
	if (strncmp(buf, "::ffff:", 7) == 0 && strchr(buf + 7, '.') != NULL)
		memmove(buf, buf + 7, strlen(buf + 7) + 1);
}
