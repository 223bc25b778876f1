// SPDX-License-Identifier: Apache-2.0
/*
 * test_sim_fw.c - assembly of the simulated firmware from its part table
 * (tools/sim/sim_fw.c): which ME clients and services a state calls for,
 * what a failing part leaves behind, and that shutdown releases every part.
 * The parts' own behaviour is tested in their own test files.
 * Must not: mount anything (the ME is driven through sim_conn_*).
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "sim_fw_test.h"
#include "mkhi_codec.h"
#include "tools/sim/sim_wsman.h"

struct fx {
	struct sim_fw fw; /* large (3PDS pool): the fixture is on the heap */
	struct sim_state st;
	char err[256];
};

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));
	if (!f)
		return -1;
	sim_state_defaults(&f->st);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;
	simt_fw_free(&f->fw);
	free(f);
	return 0;
}

/* Start the firmware from f->st with listen_addr; 0 or -1 (f->err). */
static int start(struct fx *f, const char *listen_addr)
{
	memset(&f->fw, 0, sizeof(f->fw));
	f->fw.st = f->st;
	f->fw.listen_addr = listen_addr;
	f->fw.me = sim_me_new();
	assert_non_null(f->fw.me);
	return sim_fw_start(&f->fw, f->err, sizeof(f->err));
}

/* IOCTL_MEI_CONNECT_CLIENT to guid: 0 or -errno (-ENOTTY: no such client). */
static int connect_client(struct fx *f, const struct heci_guid *guid)
{
	uint32_t mtu;
	uint8_t ver;
	struct sim_conn *c = sim_conn_open(f->fw.me, NULL, NULL);
	assert_non_null(c);
	int rc = sim_conn_connect(c, guid->b, &mtu, &ver);
	sim_conn_close(c);
	return rc;
}

/* AMT enabled: AMTHI, MKHI and LME answer, the WS-Man service runs; after
 * shutdown no part holds anything, and a second shutdown is harmless. */
static void test_enabled_amt_has_every_part(void **state)
{
	struct fx *f = *state;
	assert_int_equal(start(f, NULL), 0);
	assert_int_equal(connect_client(f, &HECI_GUID_AMTHI), 0);
	assert_int_equal(connect_client(f, &HECI_GUID_MKHI), 0);
	assert_int_equal(connect_client(f, &HECI_GUID_LME), 0);
	assert_int_equal(connect_client(f, &HECI_GUID_WATCHDOG), -ENOTTY);
	assert_non_null(f->fw.lme);
	assert_non_null(f->fw.wsman);
	int fd = sim_wsman_connect_internal(f->fw.wsman);
	assert_true(fd >= 0);
	close(fd);
	assert_int_equal(simt_call(&f->fw, AMTHI_GET_PROVISIONING_STATE), AMT_STATUS_SUCCESS);

	sim_fw_shutdown(&f->fw);
	assert_null(f->fw.wsman);
	assert_null(f->fw.lme);
	assert_null(f->fw.hello);
	assert_null(f->fw.cira);
	sim_fw_shutdown(&f->fw);
}

/* AMT disabled in the BIOS: LME is absent either way; AMTHI is absent
 * (amt_disabled_style = absent) or present answering empty messages. */
static void test_disabled_amt_drops_its_clients(void **state)
{
	struct fx *f = *state;
	f->st.amt_enabled = false;
	f->st.disabled_style = SIM_DISABLED_ABSENT;
	assert_int_equal(start(f, NULL), 0);
	assert_int_equal(connect_client(f, &HECI_GUID_AMTHI), -ENOTTY);
	assert_int_equal(connect_client(f, &HECI_GUID_LME), -ENOTTY);
	assert_int_equal(connect_client(f, &HECI_GUID_MKHI), 0);
	assert_null(f->fw.lme);
	simt_fw_free(&f->fw);

	f->st.disabled_style = SIM_DISABLED_EMPTY;
	assert_int_equal(start(f, NULL), 0);
	assert_int_equal(connect_client(f, &HECI_GUID_AMTHI), 0);
	assert_int_equal(connect_client(f, &HECI_GUID_LME), -ENOTTY);
	/* an empty message is no AMTHI response */
	assert_int_equal(simt_call(&f->fw, AMTHI_GET_PROVISIONING_STATE), 0xFFFFFFFFu);
}

/* Firmware without AMT (a consumer sku: no AMT among its features) has no
 * AMT host interface however [amt] enabled is set, as a consumer ME has no
 * AMTHI or LME client; MKHI still answers. An explicit rule 32 without AMT
 * does the same on an AMT sku; with amt_disabled_style = empty AMTHI is
 * there but answers empty messages, as when AMT is disabled. */
static void test_firmware_without_amt_has_no_host_interface(void **state)
{
	struct fx *f = *state;
	snprintf(f->st.sku, sizeof(f->st.sku), "0");
	assert_true(f->st.amt_enabled);
	assert_int_equal(start(f, NULL), 0);
	assert_int_equal(connect_client(f, &HECI_GUID_AMTHI), -ENOTTY);
	assert_int_equal(connect_client(f, &HECI_GUID_LME), -ENOTTY);
	assert_int_equal(connect_client(f, &HECI_GUID_MKHI), 0);
	assert_null(f->fw.lme);
	simt_fw_free(&f->fw);

	sim_state_defaults(&f->st);
	f->st.fw_features_enabled = (struct sim_opt_u32){true, MKHI_FEATURE_KVM};
	assert_int_equal(start(f, NULL), 0);
	assert_int_equal(connect_client(f, &HECI_GUID_AMTHI), -ENOTTY);
	simt_fw_free(&f->fw);

	snprintf(f->st.sku, sizeof(f->st.sku), "0");
	f->st.fw_features_enabled.set = false;
	f->st.disabled_style = SIM_DISABLED_EMPTY;
	assert_int_equal(start(f, NULL), 0);
	assert_int_equal(connect_client(f, &HECI_GUID_AMTHI), 0);
	assert_int_equal(simt_call(&f->fw, AMTHI_GET_PROVISIONING_STATE), 0xFFFFFFFFu);
}

/* NOT_READY for the first N requests after start: the count comes from the
 * state at every start. */
static void test_not_ready_count_is_armed_at_start(void **state)
{
	struct fx *f = *state;
	f->st.not_ready_count = 2;
	assert_int_equal(start(f, NULL), 0);
	assert_int_equal(simt_call(&f->fw, AMTHI_GET_UUID), AMT_STATUS_NOT_READY);
	assert_int_equal(simt_call(&f->fw, AMTHI_GET_UUID), AMT_STATUS_NOT_READY);
	assert_int_equal(simt_call(&f->fw, AMTHI_GET_UUID), AMT_STATUS_SUCCESS);
}

/* A part that cannot start stops the assembly before the parts after it
 * act: a bad --listen fails in the WS-Man service, and the hello sender,
 * which a saved hello_active would resume, has not started. The error
 * names the part. */
static void test_failing_part_stops_before_the_others(void **state)
{
	struct fx *f = *state;
	f->st.hello_active = true;
	snprintf(f->st.prov_server, sizeof(f->st.prov_server), "127.0.0.1:9");
	assert_int_equal(start(f, "127.0.0.1:notaport"), -1);
	assert_non_null(strstr(f->err, "the WS-Man service: --listen 127.0.0.1:notaport"));
	assert_null(f->fw.wsman);
	assert_null(f->fw.hello);
	assert_int_equal(connect_client(f, &HECI_GUID_AMTHI), -ENOTTY);
	sim_fw_shutdown(&f->fw);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_enabled_amt_has_every_part, setup, teardown),
		cmocka_unit_test_setup_teardown(test_disabled_amt_drops_its_clients, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_firmware_without_amt_has_no_host_interface,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_not_ready_count_is_armed_at_start, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_failing_part_stops_before_the_others, setup,
						teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
