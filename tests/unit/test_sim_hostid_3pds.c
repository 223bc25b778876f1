// SPDX-License-Identifier: Apache-2.0
/*
 * test_sim_hostid_3pds.c - common/hostid_3pds.c (the host-ID block in AMT
 * 3PDS) driven through the real WS-Man client (libcurl, digest) against the
 * simulator's WS-Man service in-process: read on an empty store, write,
 * read back, rewrite with a shorter ID, clear, a foreign block, a missing
 * enterprise entry, firmware without 3PDS, and the lines users see.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "hostid_3pds.h"
#include "sim_wsman_test.h"
#include "tools/sim/sim_wsman.h"

static struct wt T;
static const uint8_t UUID[16] = {0x8c, 0x4e, 0x0d, 0x9a, 0x5b, 0x3f, 0x4e, 0x21,
				 0x9c, 0x7d, 0x1a, 0x2b, 0x3c, 0x4d, 0x5e, 0x6f};
static const struct hostid_names NAMES = {"amt-agent project", "amt-agent", "amt-agent",
					  "amt-agent-hostid"};

static int open_internal(void *arg)
{
	return sim_wsman_connect_internal(arg);
}

struct fx {
	struct sim_wsman *w;
	struct wsman_client *c;
};

/* A simulated AMT (version, EACL) and a WS-Man client to it. */
static void start(struct fx *f, const char *version, const char *enterprise)
{
	char err[256];
	struct sim_state st;
	sim_state_defaults(&st);
	snprintf(st.version, sizeof(st.version), "%s", version);
	if (enterprise)
		snprintf(st.storage.eacl[0], sizeof(st.storage.eacl[0]), "%s", enterprise);
	assert_int_equal(wt_init(&T, &st), 0);
	f->w = sim_wsman_start(&T.fw, NULL, err, sizeof(err));
	assert_non_null(f->w);
	struct wsman_opts o = {.url = "http://127.0.0.1:16992/wsman", .user = "admin",
			       .password = "P@ssw0rd", .timeout_ms = 10000,
			       .open_socket = open_internal, .open_socket_arg = f->w};
	f->c = wsman_client_new(&o);
	assert_non_null(f->c);
}

static void stop(struct fx *f)
{
	wsman_client_free(f->c);
	sim_wsman_stop(f->w);
	T.fw.wsman = NULL;
	wt_free(&T);
}

static void test_write_read_clear(void **state)
{
	(void)state;
	struct fx f;
	struct wsman_error e;
	char id[HOSTID_MAX + 2];
	start(&f, "11.8.50", "amt-agent");
	assert_int_equal(hostid_3pds_read(f.c, &NAMES, UUID, id, sizeof(id), &e), HOSTID_NONE);
	assert_int_equal(hostid_3pds_write(f.c, &NAMES, UUID, "asset-000042-long-form", &e), HOSTID_OK);
	assert_int_equal(hostid_3pds_read(f.c, &NAMES, UUID, id, sizeof(id), &e), HOSTID_OK);
	assert_string_equal(id, "asset-000042-long-form");
	/* a shorter ID fully replaces a longer one (NUL padding) */
	assert_int_equal(hostid_3pds_write(f.c, &NAMES, UUID, "a1", &e), HOSTID_OK);
	assert_int_equal(hostid_3pds_read(f.c, &NAMES, UUID, id, sizeof(id), &e), HOSTID_OK);
	assert_string_equal(id, "a1");
	/* another block name is another store */
	struct hostid_names other = NAMES;
	other.block_name = "someone-elses";
	assert_int_equal(hostid_3pds_read(f.c, &other, UUID, id, sizeof(id), &e), HOSTID_NONE);
	assert_int_equal(hostid_3pds_clear(f.c, &NAMES, UUID, &e), HOSTID_OK);
	assert_int_equal(hostid_3pds_read(f.c, &NAMES, UUID, id, sizeof(id), &e), HOSTID_NONE);
	assert_int_equal(hostid_3pds_clear(f.c, &NAMES, UUID, &e), HOSTID_NONE);
	/* an invalid ID is refused before anything is sent */
	assert_int_equal(hostid_3pds_write(f.c, &NAMES, UUID, "has space", &e), HOSTID_E_INVALID);
	stop(&f);
}

static void test_missing_enterprise(void **state)
{
	(void)state;
	struct fx f;
	struct wsman_error e;
	char id[HOSTID_MAX + 2], line[640];
	start(&f, "11.8.50", "someone-else");
	int rc = hostid_3pds_read(f.c, &NAMES, UUID, id, sizeof(id), &e);
	assert_int_equal(rc, HOSTID_E_REGISTER);
	hostid_3pds_describe(rc, &NAMES, &e, line, sizeof(line));
	assert_non_null(strstr(line, "enterprise entry \"amt-agent\" exists"));
	stop(&f);
}

static void test_no_3pds(void **state)
{
	(void)state;
	struct fx f;
	struct wsman_error e;
	char id[HOSTID_MAX + 2], line[640];
	start(&f, "16.1.25", "amt-agent");
	int rc = hostid_3pds_read(f.c, &NAMES, UUID, id, sizeof(id), &e);
	assert_int_equal(rc, HOSTID_E_NO_3PDS);
	hostid_3pds_describe(rc, &NAMES, &e, line, sizeof(line));
	assert_non_null(strstr(line, "no third-party data storage"));
	stop(&f);
}

static void test_wrong_password(void **state)
{
	(void)state;
	struct fx f;
	struct wsman_error e;
	char id[HOSTID_MAX + 2], line[640];
	start(&f, "11.8.50", "amt-agent");
	wsman_client_free(f.c);
	struct wsman_opts o = {.url = "http://127.0.0.1:16992/wsman", .user = "admin",
			       .password = "wrong", .timeout_ms = 10000,
			       .open_socket = open_internal, .open_socket_arg = f.w};
	f.c = wsman_client_new(&o);
	int rc = hostid_3pds_read(f.c, &NAMES, UUID, id, sizeof(id), &e);
	assert_int_equal(rc, WSMAN_E_AUTH);
	hostid_3pds_describe(rc, &NAMES, &e, line, sizeof(line));
	assert_non_null(strstr(line, "authentication failed"));
	assert_null(strstr(line, "wrong")); /* never the password */
	stop(&f);
}

/* The block codec alone (hostid_format.c): what the block must hold. */
static void test_payload(void **state)
{
	(void)state;
	char out[HOSTID_MAX + 2], p[HOSTID_MAX + 64];
	int n = hostid_payload_encode("abc", p, sizeof(p));
	assert_int_equal(n, 22);
	assert_memory_equal(p, "AMTAGENT-HOSTID 1\nabc\n", 22);
	uint8_t blk[64] = {0};
	memcpy(blk, p, (size_t)n);
	assert_int_equal(hostid_payload_decode(blk, sizeof(blk), out, sizeof(out)), HOSTID_PAYLOAD_OK);
	assert_string_equal(out, "abc");
	uint8_t empty[8] = {0};
	assert_int_equal(hostid_payload_decode(empty, sizeof(empty), out, sizeof(out)),
			 HOSTID_PAYLOAD_EMPTY);
	const char *bad[] = {"SOMETHING ELSE\nabc\n", "AMTAGENT-HOSTID 1\nabc", "AMTAGENT-HOSTID 1\n\n",
			     "AMTAGENT-HOSTID 1\na b\n"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(hostid_payload_decode((const uint8_t *)bad[i], strlen(bad[i]), out,
						       sizeof(out)),
				 HOSTID_PAYLOAD_FOREIGN);
	char big[HOSTID_MAX + 2];
	memset(big, 'x', HOSTID_MAX + 1);
	big[HOSTID_MAX + 1] = '\0';
	assert_false(hostid_valid(big));
	big[HOSTID_MAX] = '\0';
	assert_true(hostid_valid(big));
	assert_int_equal(hostid_payload_encode("bad id", p, sizeof(p)), -1);
}

static int group_setup(void **state)
{
	(void)state;
	return wsman_global_init();
}

static int group_teardown(void **state)
{
	(void)state;
	wsman_global_cleanup();
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_write_read_clear),
		cmocka_unit_test(test_missing_enterprise),
		cmocka_unit_test(test_no_3pds),
		cmocka_unit_test(test_wrong_password),
		cmocka_unit_test(test_payload),
	};
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
