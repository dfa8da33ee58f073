/* netaddr: the listener's addresses and allow lists — what the config
 * takes (IPv4, IPv6 in brackets, CIDR), what it refuses with a reason,
 * and who matches (an IPv4 peer on an IPv6 socket counts as IPv4). */
#include <check.h>

#include "runner.h"
#include <arpa/inet.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "netaddr.h"

static char why[256];

static struct sockaddr_storage
peer(const char *a)
{
	struct sockaddr_storage ss;

	memset(&ss, 0, sizeof(ss));
	if (strchr(a, ':') != NULL) {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;
		s6->sin6_family = AF_INET6;
		ck_assert_int_eq(inet_pton(AF_INET6, a, &s6->sin6_addr), 1);
	} else {
		struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;
		s4->sin_family = AF_INET;
		ck_assert_int_eq(inet_pton(AF_INET, a, &s4->sin_addr), 1);
	}
	return ss;
}

static int
match(const struct cidr_list *l, const char *a)
{
	struct sockaddr_storage ss = peer(a);

	return cidr_list_match(l, (struct sockaddr *)&ss);
}

START_TEST(test_addresses)
{
	struct sockaddr_storage ss;
	socklen_t len;

	ck_assert_int_eq(netaddr_parse("127.0.0.1:515", &ss, &len, why,
			     sizeof(why)), 0);
	ck_assert_int_eq(ss.ss_family, AF_INET);
	ck_assert_int_eq(ntohs(((struct sockaddr_in *)&ss)->sin_port), 515);
	ck_assert_int_eq(netaddr_parse("[::1]:631", &ss, &len, why,
			     sizeof(why)), 0);
	ck_assert_int_eq(ss.ss_family, AF_INET6);
	ck_assert_int_eq(netaddr_parse("*:515", &ss, &len, why, sizeof(why)),
	    0);
	const char *bad[] = { "localhost:515", "127.0.0.1", "127.0.0.1:0",
		"127.0.0.1:65536", "::1:631", "[::1]631", "[::1]:", ":515",
		"1.2.3.4:5x", "[127.0.0.1]:515", "" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		why[0] = '\0';
		ck_assert_msg(netaddr_parse(bad[i], &ss, &len, why,
				  sizeof(why)) != 0, "took '%s'", bad[i]);
		ck_assert_ptr_nonnull(strstr(why, "bad address"));
	}
}
END_TEST

START_TEST(test_allow)
{
	struct cidr_list l = { .n = 0 };

	ck_assert_int_eq(cidr_list_parse("127.0.0.0/8, ::1,192.168.1.0/25 "
					  "fe80::/10",
			     &l, why, sizeof(why)), 0);
	ck_assert_uint_eq(l.n, 4);
	ck_assert(match(&l, "127.1.2.3"));
	ck_assert(match(&l, "::1"));
	ck_assert(match(&l, "::ffff:127.0.0.1")); /* v4 on a v6 socket */
	ck_assert(match(&l, "192.168.1.127"));
	ck_assert(!match(&l, "192.168.1.128"));
	ck_assert(match(&l, "fe80::1234"));
	ck_assert(!match(&l, "fec0::1"));
	ck_assert(!match(&l, "10.0.0.1"));
	ck_assert(!match(&l, "::2"));
	struct cidr_list none = { .n = 0 };
	ck_assert(!match(&none, "127.0.0.1")); /* empty: nobody */
	struct cidr_list all = { .n = 0 };
	ck_assert_int_eq(cidr_list_parse("0.0.0.0/0", &all, why, sizeof(why)),
	    0);
	ck_assert(match(&all, "203.0.113.9"));
	ck_assert(!match(&all, "2001:db8::1"));
}
END_TEST

START_TEST(test_bad_allow)
{
	const char *bad[] = { "127.0.0.0/33", "::/129", "host.example",
		"10.0.0.0/", "10.0.0.0/8x", "1.2.3", "/8" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct cidr_list l = { .n = 0 };
		why[0] = '\0';
		ck_assert_msg(cidr_list_parse(bad[i], &l, why, sizeof(why)) != 0,
		    "took '%s'", bad[i]);
		ck_assert_ptr_nonnull(strstr(why, bad[i]));
	}
	char many[1024] = "";
	for (int i = 0; i < CIDR_MAX + 1; i++)
		snprintf(many + strlen(many), sizeof(many) - strlen(many),
		    "10.0.0.%d,", i);
	struct cidr_list l = { .n = 0 };
	ck_assert_int_ne(cidr_list_parse(many, &l, why, sizeof(why)), 0);
}
END_TEST

/* The config takes [listener] and per-queue allow, and refuses what is
 * wrong with the file and line. */
START_TEST(test_config)
{
	char path[] = "/tmp/sbnet.XXXXXX", err[512];
	struct sb_config c;
	int fd = mkstemp(path);
	const char *good = "[listener]\nlpd = 127.0.0.1:5515, [::1]:5515\n"
			   "ipp = 127.0.0.1:6631\nallow = 127.0.0.0/8\n"
			   "max_clients = 10\n[queue.q]\nuri = file:///tmp/q\n"
			   "allow = 10.0.0.0/8\n";

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, good, strlen(good)), (ssize_t)strlen(good));
	close(fd);
	ck_assert_msg(config_load(&c, path, err, sizeof(err)) == 0, "%s", err);
	ck_assert_uint_eq(c.nlisten, 3);
	ck_assert_str_eq(c.listen[2].proto, "ipp");
	ck_assert_str_eq(c.queues[0].allow, "10.0.0.0/8");
	ck_assert_uint_eq(c.workers[5].instances, 1);
	config_free(&c);
	const char *bads[][2] = {
		{ "[listener]\nlpd = host:515\n", "bad address" },
		{ "[listener]\nlpd = 127.0.0.1:515, 127.0.0.1:515\n",
		    "listed twice" },
		{ "[listener]\nallow = 10.0.0.0/99\n", "bad network" },
		{ "[listener]\nlpd = 127.0.0.1:515\nmax_clients = 500\n",
		    "handle_budget" },
		{ "[listener]\nbogus = 1\n", "unknown key" },
	};
	for (size_t i = 0; i < sizeof(bads) / sizeof(bads[0]); i++) {
		fd = open(path, O_WRONLY | O_TRUNC);
		ck_assert_int_eq(write(fd, bads[i][0], strlen(bads[i][0])),
		    (ssize_t)strlen(bads[i][0]));
		close(fd);
		ck_assert_int_ne(config_load(&c, path, err, sizeof(err)), 0);
		ck_assert_msg(strstr(err, bads[i][1]) != NULL, "'%s' said %s",
		    bads[i][0], err);
	}
	/* No address: no listener. */
	fd = open(path, O_WRONLY | O_TRUNC);
	close(fd);
	ck_assert_int_eq(config_load(&c, path, err, sizeof(err)), 0);
	ck_assert_uint_eq(c.workers[5].instances, 0);
	config_free(&c);
	unlink(path);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("netaddr");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_addresses);
	tcase_add_test(tc, test_allow);
	tcase_add_test(tc, test_bad_allow);
	tcase_add_test(tc, test_config);
	suite_add_tcase(s, tc);
	return run_suite(s, 0);
}
