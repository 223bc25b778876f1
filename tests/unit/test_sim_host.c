// SPDX-License-Identifier: Apache-2.0
/*
 * test_sim_host.c - the simulated host's power and boot rules
 * (tools/sim/sim_host.c, sim_boot.c, sim_host_nvm.c) and what they do to
 * the device.
 *
 * Owns: every DMTF value (0..17) requested from every host state (on with
 * and without the OS, asleep, hibernated, off) with and without a
 * redirection session, against a table written out here from
 * protocol-facts-2.md section 4 and the choices documented in sim_host.h
 * (not derived from the code); the single-use boot rule for every
 * combination of settings, source and role; the state file keys; and, on a
 * firmware in-process, that a power off makes the host's connections fail
 * with ENODEV while the firmware keeps answering, and that the console
 * follows the power.
 * Must not: open sockets or mount anything.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "sim_fw_test.h"
#include "tools/sim/sim_boot.h"
#include "tools/sim/sim_console.h"
#include "tools/sim/sim_host.h"

enum { S_ON_OS, S_ON_NO_OS, S_SLEEP, S_HIBERNATE, S_OFF, S_COUNT };
static const char *const state_names[] = {"on (OS up)", "on (no OS)", "asleep", "hibernated",
					  "off"};

static struct sim_power_view view_of(int s, bool redir)
{
	struct sim_power_view v = {.redirection = redir};
	switch (s) {
	case S_ON_OS: v.power = SIM_POWER_ON; v.os_running = true; break;
	case S_ON_NO_OS: v.power = SIM_POWER_ON; break;
	case S_SLEEP: v.power = SIM_POWER_SLEEP; break;
	case S_HIBERNATE: v.power = SIM_POWER_HIBERNATE; break;
	default: v.power = SIM_POWER_OFF; break;
	}
	return v;
}

/* Expected action for value v in state s, with no redirection session:
 * SIM_PA_NONE means "not offered" (4097). Written from the rules. */
#define N SIM_PA_NONE
static const enum sim_power_action expected[S_COUNT][17] = {
	/*          0  1  2            3  4              5             6  7                 8            9  10            11          12                   13 14                     15 16 */
	[S_ON_OS] = {N, N, N, N, SIM_PA_SLEEP, SIM_PA_CYCLE, N, SIM_PA_HIBERNATE, SIM_PA_OFF, N, SIM_PA_RESET, SIM_PA_NMI, SIM_PA_GRACEFUL_OFF, N, SIM_PA_GRACEFUL_RESET, N, N},
	[S_ON_NO_OS] = {N, N, N, N, N, SIM_PA_CYCLE, N, N, SIM_PA_OFF, N, SIM_PA_RESET, SIM_PA_NMI, N, N, N, N, N},
	[S_SLEEP] = {N, N, SIM_PA_WAKE, N, N, SIM_PA_CYCLE, N, N, SIM_PA_OFF, N, SIM_PA_RESET, N, N, N, N, N, N},
	[S_HIBERNATE] = {N, N, SIM_PA_BOOT, N, N, N, N, N, N, N, N, N, N, N, N, N, N},
	[S_OFF] = {N, N, SIM_PA_BOOT, N, N, N, N, N, N, N, N, N, N, N, N, N, N},
};
#undef N

/* Power off and power cycle, every flavour (a redirection session blocks them). */
static bool off_or_cycle(uint32_t v)
{
	return v == 5 || v == 6 || v == 8 || v == 9 || v == 12 || v == 13 || v == 15 || v == 16;
}

static void t_every_value_from_every_state(void **state)
{
	(void)state;
	for (int s = 0; s < S_COUNT; s++)
		for (int redir = 0; redir < 2; redir++)
			for (uint32_t refusal = 2; refusal <= 4097; refusal += 4095)
				for (uint32_t v = 0; v <= 17; v++) {
					struct sim_power_view pv = view_of(s, redir);
					struct sim_power_decision d = {99, SIM_PA_NMI};
					sim_host_decide(&pv, v, refusal, &d);
					uint32_t want_rv;
					enum sim_power_action want = SIM_PA_NONE;
					if (v < 1 || v > 16)
						want_rv = 5;
					else if (expected[s][v] == SIM_PA_NONE)
						want_rv = 4097;
					else if (redir && off_or_cycle(v))
						want_rv = refusal;
					else {
						want_rv = 0;
						want = expected[s][v];
					}
					if (d.rv != want_rv || d.action != want)
						fail_msg("%s%s, value %u: rv %u action %d, want %u %d",
							 state_names[s], redir ? " +SOL" : "", v, d.rv,
							 d.action, want_rv, want);
				}
}

/* The offered list is exactly the values with an action, in AMT's order. */
static void t_available_lists(void **state)
{
	static const uint32_t fixture[] = {10, 8, 5, 11, 4, 7, 14, 12};
	uint32_t out[SIM_PS_MAX_AVAILABLE];
	(void)state;
	struct sim_power_view v = view_of(S_ON_OS, false);
	size_t n = sim_host_available(&v, out);
	assert_int_equal(n, 8);
	assert_memory_equal(out, fixture, sizeof(fixture));
	for (int s = 0; s < S_COUNT; s++) {
		v = view_of(s, true); /* a session does not change the list */
		n = sim_host_available(&v, out);
		size_t want = 0;
		for (int k = 0; k <= 16; k++)
			want += expected[s][k] != SIM_PA_NONE;
		assert_int_equal(n, want);
		for (size_t i = 0; i < n; i++)
			assert_int_not_equal(expected[s][out[i]], SIM_PA_NONE);
	}
	assert_int_equal(sim_host_power_state(SIM_POWER_ON), 2);
	assert_int_equal(sim_host_power_state(SIM_POWER_SLEEP), 4);
	assert_int_equal(sim_host_power_state(SIM_POWER_HIBERNATE), 7);
	assert_int_equal(sim_host_power_state(SIM_POWER_OFF), 8);
}

/* ---- one-time boot ---- */

static void t_boot_single_use(void **state)
{
	struct sim_host_nvm n;
	struct sim_boot_plan p;
	struct sim_boot_settings s = {0};
	(void)state;

	/* BIOS setup, MeshCommander's order: clear, Put, role, (no source) */
	sim_host_nvm_defaults(&n);
	assert_true(n.options_cleared);
	sim_boot_change_order(&n, SIM_BOOT_SRC_NONE);
	s.bios_setup = true;
	assert_int_equal(sim_boot_put(&n, &s), 0);
	assert_false(n.options_cleared);
	assert_int_equal(sim_boot_set_role(&n, SIM_BOOT_ROLE_IS_NEXT_SINGLE_USE), 0);
	sim_boot_take(&n, &p);
	assert_int_equal(p.target, SIM_BOOT_BIOS_SETUP);
	assert_false(p.bios_pause);
	assert_true(n.options_cleared);
	assert_false(n.boot.bios_setup);
	assert_false(n.boot_next);
	/* used once: the boot after is normal */
	sim_boot_take(&n, &p);
	assert_int_equal(p.target, SIM_BOOT_NORMAL);

	/* amtc's PXE: ChangeBootOrder(source) then SetBootConfigRole(1) */
	static const uint32_t srcs[] = {SIM_BOOT_SRC_PXE, SIM_BOOT_SRC_HDD, SIM_BOOT_SRC_CD,
					SIM_BOOT_SRC_DIAG};
	static const uint32_t targets[] = {SIM_BOOT_PXE, SIM_BOOT_HDD, SIM_BOOT_CD, SIM_BOOT_DIAG};
	for (size_t i = 0; i < 4; i++) {
		sim_boot_change_order(&n, srcs[i]);
		assert_int_equal(sim_boot_set_role(&n, 1), 0);
		sim_boot_take(&n, &p);
		assert_int_equal(p.target, targets[i]);
		assert_int_equal(n.boot_source, SIM_BOOT_SRC_NONE);
	}
	/* settings without SetBootConfigRole: a normal boot, and cleared */
	s = (struct sim_boot_settings){.bios_setup = true, .bios_pause = true};
	sim_boot_put(&n, &s);
	sim_boot_change_order(&n, SIM_BOOT_SRC_PXE);
	sim_boot_take(&n, &p);
	assert_int_equal(p.target, SIM_BOOT_NORMAL);
	assert_false(p.bios_pause);
	assert_false(n.boot.bios_setup);
	assert_int_equal(n.boot_source, SIM_BOOT_SRC_NONE);
	/* BIOS setup wins over a source; pause is carried */
	sim_boot_put(&n, &s);
	sim_boot_change_order(&n, SIM_BOOT_SRC_PXE);
	sim_boot_set_role(&n, 1);
	sim_boot_take(&n, &p);
	assert_int_equal(p.target, SIM_BOOT_BIOS_SETUP);
	assert_true(p.bios_pause);
	/* bad values and roles */
	s = (struct sim_boot_settings){.boot_media_index = 3};
	assert_int_equal(sim_boot_put(&n, &s), 36);
	s = (struct sim_boot_settings){.firmware_verbosity = 4};
	assert_int_equal(sim_boot_put(&n, &s), 36);
	assert_int_equal(sim_boot_set_role(&n, 3), 5);
	assert_int_equal(sim_boot_set_role(&n, SIM_BOOT_ROLE_IS_DEFAULT), 0);
}

static void t_boot_sources(void **state)
{
	uint32_t src = 99;
	(void)state;
	assert_int_equal(sim_boot_source_find("Intel(r) AMT: Force PXE Boot", &src), 0);
	assert_int_equal(src, SIM_BOOT_SRC_PXE);
	assert_int_equal(sim_boot_source_find("Intel(r) AMT: Force Hard-drive Boot", &src), 0);
	assert_int_equal(src, SIM_BOOT_SRC_HDD);
	assert_int_equal(sim_boot_source_find("Intel(r) AMT: Force CD/DVD Boot", &src), 0);
	assert_int_equal(src, SIM_BOOT_SRC_CD);
	assert_int_equal(sim_boot_source_find("Intel(r) AMT: Force Floppy Boot", &src), -1);
	assert_string_equal(sim_boot_source_string(SIM_BOOT_SRC_PXE), "CIM:Network:1");
	assert_null(sim_boot_source_id(SIM_BOOT_SRC_NONE));
}

static void t_nvm_keys(void **state)
{
	struct sim_host_nvm n;
	char why[160];
	(void)state;
	sim_host_nvm_defaults(&n);
	assert_int_equal(sim_host_nvm_ini(&n, "host", "power", "hibernate", why, sizeof(why)), 1);
	assert_int_equal(n.power, SIM_POWER_HIBERNATE);
	assert_int_equal(sim_host_nvm_ini(&n, "host", "power", "standby", why, sizeof(why)), 0);
	assert_non_null(strstr(why, "[host] power"));
	assert_int_equal(sim_host_nvm_ini(&n, "boot", "source", "pxe", why, sizeof(why)), 1);
	assert_int_equal(sim_host_nvm_ini(&n, "boot", "bios_setup", "yes", why, sizeof(why)), 1);
	assert_int_equal(sim_host_nvm_ini(&n, "boot", "boot_media_index", "3", why, sizeof(why)), 0);
	assert_int_equal(sim_host_nvm_ini(&n, "boot", "frobnicate", "1", why, sizeof(why)), 0);
	assert_int_equal(sim_host_nvm_ini(&n, "amt", "version", "1", why, sizeof(why)), -1);

	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	assert_non_null(f);
	sim_host_nvm_write(f, &n);
	fclose(f);
	assert_non_null(strstr(buf, "[host]\npower = hibernate\n"));
	assert_non_null(strstr(buf, "source = pxe\n"));
	assert_non_null(strstr(buf, "bios_setup = true\n"));
	free(buf);
}

/* ---- the host on a firmware in-process ---- */

static const uint8_t test_guid[16] = {0x12, 0x34};

static void noop(void *ctx, struct sim_conn *c, const uint8_t *m, size_t n)
{
	(void)ctx;
	(void)c;
	(void)m;
	(void)n;
}

static void console_text(struct sim_fw *fw, char *out, size_t cap)
{
	sim_me_lock(fw->me);
	sim_console_tick(fw->console, UINT64_MAX - 1);
	size_t n = sim_console_read(fw->console, (uint8_t *)out, cap - 1);
	sim_me_unlock(fw->me);
	out[n] = '\0';
}

static void t_power_off_and_on(void **state)
{
	struct sim_state st;
	struct sim_fw fw;
	char text[SIM_CONSOLE_PENDING + 1];
	uint32_t mtu;
	uint8_t ver;
	(void)state;
	sim_state_defaults(&st);
	snprintf(st.host_name, sizeof(st.host_name), "pc42");
	assert_int_equal(simt_fw_init(&fw, &st), 0);
	struct sim_client_def def = {.name = "test", .mtu = 64, .on_message = noop};
	memcpy(def.guid, test_guid, 16);
	assert_int_equal(sim_me_add_client(fw.me, &def), 0);

	struct sim_conn *c = sim_conn_open(fw.me, NULL, NULL);
	assert_non_null(c);
	assert_int_equal(sim_conn_connect(c, test_guid, &mtu, &ver), 0);
	sim_me_lock(fw.me);
	sim_console_attach(fw.console);
	assert_string_equal(sim_console_stage(fw.console), "login");
	sim_me_unlock(fw.me);
	console_text(&fw, text, sizeof(text));
	assert_non_null(strstr(text, "pc42 login: "));

	/* off: the host's connection is gone, new ones fail, AMTHI still answers */
	sim_me_lock(fw.me);
	assert_int_equal(sim_host_request(&fw, SIM_PS_OFF_SOFT), 0);
	assert_int_equal(fw.st.host.power, SIM_POWER_OFF);
	assert_string_equal(sim_console_stage(fw.console), "off");
	assert_int_equal(sim_host_request(&fw, SIM_PS_OFF_SOFT), 4097);
	sim_me_unlock(fw.me);
	assert_int_equal(sim_conn_write(c, (const uint8_t *)"x", 1), -ENODEV);
	assert_true(sim_conn_poll(c) & SIM_POLL_ERR);
	sim_conn_close(c);
	c = sim_conn_open(fw.me, NULL, NULL);
	assert_int_equal(sim_conn_connect(c, test_guid, &mtu, &ver), -ENODEV);
	sim_conn_close(c);

	/* power on with BIOS setup requested: POST, then the setup screen */
	sim_me_lock(fw.me);
	fw.st.host.boot.bios_setup = true;
	fw.st.host.boot_next = true;
	assert_int_equal(sim_host_request(&fw, SIM_PS_ON), 0);
	sim_me_unlock(fw.me);
	console_text(&fw, text, sizeof(text));
	assert_non_null(strstr(text, "Intel(R) AMT boot request: BIOS setup"));
	assert_non_null(strstr(text, "SIM BIOS Setup Utility"));
	sim_me_lock(fw.me);
	assert_string_equal(sim_console_stage(fw.console), "bios_setup");
	assert_true(fw.st.host.options_cleared);
	/* no OS in BIOS setup: no graceful reset, no sleep */
	assert_int_equal(sim_host_request(&fw, SIM_PS_RESET_GRACEFUL), 4097);
	assert_int_equal(sim_host_request(&fw, SIM_PS_SLEEP_DEEP), 4097);
	/* a session open: off refused, reset allowed */
	fw.redir_open = 1;
	assert_int_equal(sim_host_request(&fw, SIM_PS_OFF_SOFT), 4097);
	assert_int_equal(sim_host_request(&fw, SIM_PS_CYCLE_SOFT), 4097);
	fw.st.redirection_power_refusal = 2;
	assert_int_equal(sim_host_request(&fw, SIM_PS_OFF_SOFT), 2);
	assert_int_equal(fw.st.host.power, SIM_POWER_ON);
	assert_int_equal(sim_host_request(&fw, SIM_PS_RESET), 0);
	fw.redir_open = 0;
	sim_me_unlock(fw.me);
	console_text(&fw, text, sizeof(text));
	assert_non_null(strstr(text, "Intel(R) AMT boot request: none"));
	assert_non_null(strstr(text, "pc42 login: "));
	/* connects work again */
	c = sim_conn_open(fw.me, NULL, NULL);
	assert_int_equal(sim_conn_connect(c, test_guid, &mtu, &ver), 0);
	sim_conn_close(c);
	simt_fw_free(&fw);
}

static void t_started_off(void **state)
{
	struct sim_state st;
	struct sim_fw fw;
	uint32_t mtu;
	uint8_t ver;
	(void)state;
	sim_state_defaults(&st);
	st.host.power = SIM_POWER_OFF;
	assert_int_equal(simt_fw_init(&fw, &st), 0);
	struct sim_client_def def = {.name = "test", .mtu = 64, .on_message = noop};
	memcpy(def.guid, test_guid, 16);
	assert_int_equal(sim_me_add_client(fw.me, &def), 0);
	struct sim_conn *c = sim_conn_open(fw.me, NULL, NULL);
	assert_int_equal(sim_conn_connect(c, test_guid, &mtu, &ver), -ENODEV);
	sim_conn_close(c);
	sim_me_lock(fw.me);
	assert_string_equal(sim_console_stage(fw.console), "off");
	struct sim_power_view v;
	sim_host_view(&fw, &v);
	assert_int_equal(v.power, SIM_POWER_OFF);
	assert_false(v.os_running);
	sim_me_unlock(fw.me);
	simt_fw_free(&fw);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(t_every_value_from_every_state),
		cmocka_unit_test(t_available_lists),
		cmocka_unit_test(t_boot_single_use),
		cmocka_unit_test(t_boot_sources),
		cmocka_unit_test(t_nvm_keys),
		cmocka_unit_test(t_power_off_and_on),
		cmocka_unit_test(t_started_off),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
