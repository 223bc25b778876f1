// SPDX-License-Identifier: Apache-2.0
/*
 * test_sim_net.c - the simulator's socket helpers (tools/sim/sim_net.c):
 * "host:port" splitting, time scaling, and connect results (refused,
 * unresolvable, cancelled through the wake fd).
 * Must not: need a network beyond loopback.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>

#include "tools/sim/sim_net.h"

static void test_split(void **state)
{
	char host[64], port[6];
	assert_int_equal(sim_net_split("mps.example.com", 4433, host, sizeof(host), port), 0);
	assert_string_equal(host, "mps.example.com");
	assert_string_equal(port, "4433");
	assert_int_equal(sim_net_split("10.0.0.1:9971", 1, host, sizeof(host), port), 0);
	assert_string_equal(host, "10.0.0.1");
	assert_string_equal(port, "9971");
	assert_int_equal(sim_net_split("[::1]:65535", 1, host, sizeof(host), port), 0);
	assert_string_equal(host, "::1");
	assert_string_equal(port, "65535");
	assert_int_equal(sim_net_split("[fe80::1]", 80, host, sizeof(host), port), 0);
	assert_string_equal(host, "fe80::1");
	assert_string_equal(port, "80");
	assert_int_equal(sim_net_split("fe80::1", 80, host, sizeof(host), port), 0); /* bare v6 */
	assert_string_equal(host, "fe80::1");
	assert_string_equal(port, "80");

	static const char *const bad[] = {"", ":80", "h:", "h:0", "h:65536", "h:12a", "h:-1",
					  "[::1", "[::1]x", "[]:80", "h: 80"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(sim_net_split(bad[i], 1, host, sizeof(host), port), -1);
	char tiny[4];
	assert_int_equal(sim_net_split("abcd:1", 1, tiny, sizeof(tiny), port), -1);
	assert_int_equal(sim_net_split("abc:1", 1, tiny, sizeof(tiny), port), 0);
}

static void test_scale(void **state)
{
	assert_int_equal(sim_net_scaled_ms(60, 1, 0), 60000);
	assert_int_equal(sim_net_scaled_ms(60, 1000, 0), 60);
	assert_int_equal(sim_net_scaled_ms(60, 0, 0), 60000); /* 0 is 1 */
	assert_int_equal(sim_net_scaled_ms(1, 1000000, 10), 10);
	assert_int_equal(sim_net_scaled_ms(4000000000u, 1, 0), 4000000000000ull);
	assert_true(sim_net_is_ip("127.0.0.1"));
	assert_true(sim_net_is_ip("::1"));
	assert_false(sim_net_is_ip("localhost"));
}

static unsigned closed_port(void)
{
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t al = sizeof(a);
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	assert_true(fd >= 0);
	assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof(a)), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&a, &al), 0);
	close(fd);
	return ntohs(a.sin_port);
}

static void test_connect(void **state)
{
	char port[8];
	int wake = sim_net_wake_new();
	assert_true(wake >= 0);
	snprintf(port, sizeof(port), "%u", closed_port());
	assert_int_equal(sim_net_connect("127.0.0.1", port, 2000, wake), -ECONNREFUSED);
	assert_int_equal(sim_net_connect("name.invalid", port, 2000, -1), -EHOSTUNREACH);

	/* a listener that accepts: connected, blocking fd */
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t al = sizeof(a);
	int lfd = socket(AF_INET, SOCK_STREAM, 0);
	assert_int_equal(bind(lfd, (struct sockaddr *)&a, sizeof(a)), 0);
	assert_int_equal(listen(lfd, 1), 0);
	assert_int_equal(getsockname(lfd, (struct sockaddr *)&a, &al), 0);
	snprintf(port, sizeof(port), "%u", ntohs(a.sin_port));
	int fd = sim_net_connect("127.0.0.1", port, 2000, wake);
	assert_true(fd >= 0);
	close(fd);
	close(lfd);

	/* a pending kick is seen by sim_net_wait and drained */
	sim_net_wake_kick(wake);
	assert_int_equal(sim_net_wait(wake, 1000), 1);
	assert_int_equal(sim_net_wait(wake, 0), 0);
	close(wake);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_split),
		cmocka_unit_test(test_scale),
		cmocka_unit_test(test_connect),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
