// SPDX-License-Identifier: Apache-2.0
/*
 * test_sim_console.c - the simulated host's serial console
 * (tools/sim/sim_console.c) driven with explicit times: each boot plan's
 * transcript and where it ends, the keys (F10 in both terminal spellings,
 * split across reads; Enter redraws; any key ends a pause), the login
 * prompt's echo, the backlog a new session gets, and that power off ends
 * output.
 * Must not: depend on wall-clock time.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "tools/sim/sim_console.h"

static char out[SIM_CONSOLE_PENDING + 1];

static const char *drain(struct sim_console *c)
{
	size_t n = sim_console_read(c, (uint8_t *)out, sizeof(out) - 1);
	out[n] = '\0';
	return out;
}

static struct sim_console *new_console(void)
{
	struct sim_console *c = sim_console_new();
	struct sim_console_info i = {.host_name = "pc7", .bios = "SIM.BIOS.0001",
				     .amt_version = "16.1.25",
				     .mac = {0x00, 0x16, 0x3e, 0x00, 0x00, 0x01}};
	assert_non_null(c);
	sim_console_set_info(c, &i);
	sim_console_attach(c);
	return c;
}

static void type(struct sim_console *c, const char *keys, uint64_t now)
{
	sim_console_input(c, (const uint8_t *)keys, strlen(keys), now);
}

static void t_normal_boot(void **state)
{
	struct sim_console *c = new_console();
	struct sim_boot_plan p = {.target = SIM_BOOT_NORMAL};
	(void)state;
	sim_console_boot(c, &p, 1000);
	assert_string_equal(sim_console_stage(c), "post");
	assert_non_null(strstr(drain(c), "SIM.BIOS.0001  (Intel(R) AMT 16.1.25)"));
	assert_int_equal(sim_console_due(c), 1150);
	sim_console_tick(c, 1149);
	assert_string_equal(drain(c), "");
	sim_console_tick(c, 1300);
	assert_non_null(strstr(drain(c), "boot request: none"));
	assert_false(sim_console_os_running(c));
	sim_console_tick(c, 100000);
	assert_non_null(strstr(drain(c), "Debian GNU/Linux 12 pc7 ttyS0\r\n\r\npc7 login: "));
	assert_string_equal(sim_console_stage(c), "login");
	assert_true(sim_console_os_running(c));
	assert_int_equal(sim_console_due(c), UINT64_MAX);
	sim_console_free(c);
}

static void t_bios_setup_and_f10(void **state)
{
	static const char *const f10[] = {"\x1b[21~", "\x1b" "0"};
	(void)state;
	for (int k = 0; k < 2; k++) {
		struct sim_console *c = new_console();
		struct sim_boot_plan p = {.target = SIM_BOOT_BIOS_SETUP};
		sim_console_boot(c, &p, 0);
		sim_console_tick(c, 10000);
		const char *t = drain(c);
		assert_non_null(strstr(t, "SIM BIOS Setup Utility"));
		assert_non_null(strstr(t, "AMT boot request              BIOS setup"));
		assert_non_null(strstr(t, "F10: Save and Exit"));
		assert_string_equal(sim_console_stage(c), "bios_setup");
		/* arrows and other keys do nothing; Enter redraws */
		type(c, "\x1b[A" "x", 10001);
		assert_string_equal(drain(c), "");
		type(c, "\r", 10002);
		sim_console_tick(c, 20000);
		assert_non_null(strstr(drain(c), "SIM BIOS Setup Utility"));
		/* F10 split across two reads */
		size_t half = strlen(f10[k]) / 2;
		sim_console_input(c, (const uint8_t *)f10[k], half, 20001);
		assert_string_equal(sim_console_stage(c), "bios_setup");
		sim_console_input(c, (const uint8_t *)f10[k] + half, strlen(f10[k]) - half, 20002);
		assert_string_equal(sim_console_stage(c), "os_boot");
		sim_console_tick(c, 30000);
		t = drain(c);
		assert_non_null(strstr(t, "Saving changes and exiting BIOS setup"));
		assert_non_null(strstr(t, "pc7 login: "));
		sim_console_free(c);
	}
}

static void t_pxe_times_out(void **state)
{
	struct sim_console *c = new_console();
	struct sim_boot_plan p = {.target = SIM_BOOT_PXE};
	(void)state;
	sim_console_set_scale(c, 10); /* 4 firmware seconds of DHCP: 400 ms */
	sim_console_boot(c, &p, 0);
	sim_console_tick(c, 100);
	const char *t = drain(c);
	assert_non_null(strstr(t, "boot request: network (PXE)"));
	assert_non_null(strstr(t, "CLIENT MAC ADDR: 00 16 3E 00 00 01"));
	assert_null(strstr(t, "PXE-E51"));
	assert_string_equal(sim_console_stage(c), "pxe");
	sim_console_tick(c, 500);
	t = drain(c);
	assert_non_null(strstr(t, "PXE-E51: No DHCP or proxyDHCP offers were received."));
	sim_console_tick(c, 10000);
	assert_non_null(strstr(drain(c), "pc7 login: "));
	sim_console_free(c);
}

static void t_pause_cd_resume(void **state)
{
	struct sim_console *c = new_console();
	struct sim_boot_plan p = {.target = SIM_BOOT_CD, .bios_pause = true, .resume = true};
	(void)state;
	sim_console_boot(c, &p, 0);
	sim_console_tick(c, 100000);
	const char *t = drain(c);
	assert_non_null(strstr(t, "boot request: CD/DVD, pause"));
	assert_non_null(strstr(t, "press any key"));
	assert_string_equal(sim_console_stage(c), "boot_paused");
	type(c, " ", 100001);
	sim_console_tick(c, 200000);
	t = drain(c);
	assert_non_null(strstr(t, "No bootable CD/DVD found."));
	assert_non_null(strstr(t, "Resuming from hibernation"));
	assert_non_null(strstr(t, "pc7 login: "));
	sim_console_free(c);
}

static void t_login_echo(void **state)
{
	struct sim_console *c = new_console();
	(void)state;
	sim_console_running(c, 0);
	assert_string_equal(drain(c), "\r\npc7 login: ");
	type(c, "rooq\x7ft", 1);
	assert_string_equal(drain(c), "rooq\b \bt");
	type(c, "\r\n", 2); /* CR LF is one Enter */
	assert_string_equal(drain(c), "\r\nPassword: ");
	type(c, "secret\r", 3);
	assert_string_equal(drain(c), "\r\n\r\nLogin incorrect\r\npc7 login: ");
	type(c, "\x01\x80", 4); /* control and 8-bit bytes are not echoed */
	assert_string_equal(drain(c), "");
	sim_console_nmi(c, 5);
	assert_non_null(strstr(drain(c), "NMI received"));
	sim_console_free(c);
}

static void t_backlog_and_off(void **state)
{
	struct sim_console *c = new_console();
	struct sim_boot_plan p = {.target = SIM_BOOT_BIOS_SETUP};
	(void)state;
	sim_console_detach(c);
	sim_console_boot(c, &p, 0);
	sim_console_tick(c, 10000);
	assert_int_equal(sim_console_pending(c), 0); /* nobody attached */
	sim_console_attach(c);                        /* a session connects late */
	assert_non_null(strstr(drain(c), "SIM BIOS Setup Utility"));
	sim_console_off(c);
	assert_string_equal(sim_console_stage(c), "off");
	type(c, "\x1b[21~", 10001);
	sim_console_tick(c, 99999);
	assert_string_equal(drain(c), "");
	sim_console_detach(c);
	sim_console_attach(c);
	assert_string_equal(drain(c), ""); /* off: no screen to give */
	/* the backlog keeps the latest bytes only */
	sim_console_running(c, 0);
	for (int i = 0; i < 200; i++)
		type(c, "abcdef\r", 1);
	sim_console_detach(c);
	sim_console_attach(c);
	assert_int_equal(sim_console_pending(c), SIM_CONSOLE_BACKLOG);
	sim_console_free(c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(t_normal_boot),   cmocka_unit_test(t_bios_setup_and_f10),
		cmocka_unit_test(t_pxe_times_out), cmocka_unit_test(t_pause_cd_resume),
		cmocka_unit_test(t_login_echo),    cmocka_unit_test(t_backlog_and_off),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
