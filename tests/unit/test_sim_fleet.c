// SPDX-License-Identifier: Apache-2.0
/*
 * test_sim_fleet.c - unit tests for the rules of amt-sim fleet
 * (tools/sim/sim_fleet_dev.c): the --faults and --listen syntax and their
 * refusals, fault assignment (exact counts, one fault per device, the same
 * seed the same devices), the addresses (.0 and .255 skipped), and what a
 * device derives from the template (UUID, MACs, host name, group passwords)
 * so that no two devices share an identity; an early error closes nothing
 * that is not its own (fd 0).
 * Must not: open sockets.
 */
#include <fcntl.h>
#include <getopt.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "log.h"
#include "sim_fleet.h"

static void test_faults_syntax(void **state)
{
	struct sim_fleet_faults f;
	char err[256];

	assert_int_equal(sim_fleet_parse_faults("slow=5%:1500,refuse=2%,badpass=10,badtls=1%", 1000,
						&f, err, sizeof(err)), 0);
	assert_int_equal(f.count[SIM_FLEET_SLOW], 50);
	assert_int_equal(f.slow_ms, 1500);
	assert_int_equal(f.count[SIM_FLEET_REFUSE], 20);
	assert_int_equal(f.count[SIM_FLEET_BADPASS], 10);
	assert_int_equal(f.count[SIM_FLEET_BADTLS], 10);
	assert_int_equal(sim_fleet_parse_faults("slow=3", 10, &f, err, sizeof(err)), 0);
	assert_int_equal(f.slow_ms, SIM_FLEET_SLOW_MS_DEFAULT);
	assert_int_equal(sim_fleet_parse_faults("", 10, &f, err, sizeof(err)), 0);
	/* Refused: unknown names, twice, a delay on another fault, over 100 %,
	 * more faulty devices than devices, junk. */
	static const char *const bad[] = {"slowness=1", "slow=1,slow=2", "refuse=1:30", "slow=101%",
					  "refuse=6,badpass=5", "slow", "slow=", "slow=1x",
					  "slow=-1", "badtls=1%%", "slow=1:"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err[0] = '\0';
		assert_int_equal(sim_fleet_parse_faults(bad[i], 10, &f, err, sizeof(err)), -1);
		assert_true(err[0] != '\0');
	}
}

static void test_fault_assignment(void **state)
{
	enum { N = 997 };
	struct sim_fleet_faults f = {.count = {0, 40, 30, 20, 10}};
	uint8_t a[N], b[N], c[N];
	unsigned seen[SIM_FLEET_FAULTS] = {0}, moved = 0;

	sim_fleet_assign_faults(&f, N, 1, a);
	sim_fleet_assign_faults(&f, N, 1, b);
	sim_fleet_assign_faults(&f, N, 2, c);
	assert_memory_equal(a, b, N); /* the same seed, the same devices */
	for (unsigned i = 0; i < N; i++) {
		assert_true(a[i] < SIM_FLEET_FAULTS);
		seen[a[i]]++;
		moved += a[i] != c[i];
	}
	for (int k = 1; k < SIM_FLEET_FAULTS; k++)
		assert_int_equal(seen[k], f.count[k]);
	assert_int_equal(seen[SIM_FLEET_NONE], N - 100);
	assert_true(moved > 0); /* another seed, other devices */
	/* Spread, not the first hundred. */
	unsigned first = 0;
	for (unsigned i = 0; i < 100; i++)
		first += a[i] != SIM_FLEET_NONE;
	assert_true(first < 50);
}

static void test_listen_syntax(void **state)
{
	struct sim_fleet_listen l;
	char err[256];

	assert_int_equal(sim_fleet_parse_listen("127.1.0.1", 10000, &l, err, sizeof(err)), 0);
	assert_true(l.per_address);
	assert_int_equal(l.base, 0x7f010001);
	assert_int_equal(sim_fleet_parse_listen("127.0.0.1:20000", 100, &l, err, sizeof(err)), 0);
	assert_false(l.per_address);
	assert_int_equal(l.port, 20000);
	assert_int_equal(sim_fleet_parse_listen("127.0.0.1:0", 100, &l, err, sizeof(err)), 0);
	assert_int_equal(l.port, 0);
	/* Not loopback, out of 127/8 at the end, ports past 65535, .0 or .255, junk. */
	static const char *const bad[] = {"10.0.0.1", "127.255.255.200", "127.0.0.1:65000",
					  "127.1.0.0", "127.1.0.255", "127.1.0.1:x", "localhost",
					  ":16992", "127.1.0.1:99999"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(sim_fleet_parse_listen(bad[i], 1000, &l, err, sizeof(err)), -1);
}

static void test_addresses(void **state)
{
	uint32_t base = 0x7f010001; /* 127.1.0.1 */

	assert_int_equal(sim_fleet_addr_of(base, 0), 0x7f010001);
	assert_int_equal(sim_fleet_addr_of(base, 253), 0x7f0100fe); /* 127.1.0.254 */
	assert_int_equal(sim_fleet_addr_of(base, 254), 0x7f010101); /* 127.1.1.1 */
	assert_int_equal(sim_fleet_addr_of(0x7f0100fe, 1), 0x7f010101);
	for (unsigned i = 0; i < 10000; i++) {
		uint32_t a = sim_fleet_addr_of(base, i);
		assert_true((a & 0xff) != 0 && (a & 0xff) != 255);
		assert_true(i == 0 || a > sim_fleet_addr_of(base, i - 1));
	}
}

static void test_personalize(void **state)
{
	struct sim_state *t = calloc(1, sizeof(*t)), *d0 = calloc(1, sizeof(*t)),
			 *d1 = calloc(1, sizeof(*t)), *d5 = calloc(1, sizeof(*t));
	char pw[40];

	assert_non_null(t && d0 && d1 && d5);
	sim_state_defaults(t);
	t->uuid[15] = 0xfe;
	t->wired.mac[5] = 0xff;
	memcpy(d0, t, sizeof(*t));
	memcpy(d1, t, sizeof(*t));
	memcpy(d5, t, sizeof(*t));
	sim_fleet_personalize(d0, 0, 2, 0x7f010001, false);
	sim_fleet_personalize(d1, 1, 2, 0x7f010002, false);
	sim_fleet_personalize(d5, 5, 2, 0x7f010006, true);
	/* UUID: +i in the node bytes, carrying. */
	assert_memory_equal(d0->uuid, t->uuid, 16);
	assert_int_equal(d1->uuid[15], 0xff);
	assert_int_equal(d5->uuid[15], 0x03);
	assert_int_equal(d5->uuid[14], t->uuid[14] + 1);
	assert_memory_not_equal(d0->uuid, d1->uuid, 16);
	/* MACs carry too. */
	assert_int_equal(d1->wired.mac[5], 0x00);
	assert_int_equal(d1->wired.mac[4], t->wired.mac[4] + 1);
	assert_string_equal(d0->host_name, "amt-sim-00000");
	assert_string_equal(d5->host_name, "amt-sim-00005");
	assert_int_equal(d1->wired.ipv4, 0x7f010002);
	/* Groups: 0 the template's password, 1 another; bad: neither. */
	assert_string_equal(d0->admin_password, t->admin_password);
	sim_fleet_group_password(t->admin_password, 1, pw, sizeof(pw));
	assert_string_equal(d1->admin_password, pw);
	assert_string_not_equal(pw, t->admin_password);
	assert_string_not_equal(d5->admin_password, pw);
	assert_string_not_equal(d5->admin_password, t->admin_password);
	assert_true(strlen(d5->admin_password) < sizeof(d5->admin_password));
	free(t);
	free(d0);
	free(d1);
	free(d5);
}

/* amt-sim fleet failing before its workers are set up (a template that
 * cannot be read) closes nothing of the process's: not fd 0. */
static void test_early_error_keeps_stdin(void **state)
{
	char *argv[] = {"fleet", "--count", "2", "--listen", "127.0.0.1",
			"--state", "/nonexistent-amt-sim-dir/template.ini", NULL};
	int null = open("/dev/null", O_RDONLY | O_CLOEXEC);

	assert_true(null >= 0);
	assert_int_equal(dup2(null, 0), 0); /* fd 0 is this test's */
	close(null);
	optind = 0;
	assert_int_equal(sim_fleet_main(7, argv), 2);
	if (fcntl(0, F_GETFD) < 0)
		fail_msg("fd 0 was closed by the early error path");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_faults_syntax),
		cmocka_unit_test(test_fault_assignment),
		cmocka_unit_test(test_listen_syntax),
		cmocka_unit_test(test_addresses),
		cmocka_unit_test(test_personalize),
		cmocka_unit_test(test_early_error_keeps_stdin),
	};

	log_init("test", LOG_SINK_STDERR, LOG_LVL_ERROR);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
