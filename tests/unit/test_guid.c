// SPDX-License-Identifier: Apache-2.0
/*
 * test_guid.c - unit tests for proto/guid.c through heci_guid_parse(): the
 * four client GUIDs libheci connects to, text <-> the mixed-endian raw order
 * for every byte value, either case in, upper case out, and malformed text
 * rejected without touching the output.
 */
#include <errno.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "guid.h"
#include "heci.h"

static const uint8_t amthi_bytes[16] = {0x28, 0x00, 0xf8, 0x12, 0xb7, 0xb4, 0x2d, 0x4b,
					0xac, 0xa8, 0x46, 0xe0, 0xff, 0x65, 0x81, 0x4c};

/* ---- GUID text ---- */

static void test_guid_parse_format_roundtrip(void **state)
{
	(void)state;
	static const struct {
		const char *text;
		const struct heci_guid *guid;
	} known[] = {
		{"12F80028-B4B7-4B2D-ACA8-46E0FF65814C", &HECI_GUID_AMTHI},
		{"6733A4DB-0476-4E7B-B3AF-BCFC29BEE7A7", &HECI_GUID_LME},
		{"8E6A6715-9ABC-4043-88EF-9E39C6F63E0F", &HECI_GUID_MKHI},
		{"05B79A6F-4628-4D7F-899D-A91514CB32AB", &HECI_GUID_WATCHDOG},
	};
	for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++) {
		struct heci_guid g;
		char text[37];
		memset(&g, 0, sizeof(g));
		assert_int_equal(heci_guid_parse(known[i].text, &g), HECI_OK);
		assert_memory_equal(g.b, known[i].guid->b, 16);
		memset(text, 'x', sizeof(text));
		guid_format(g.b, text);
		assert_string_equal(text, known[i].text);
	}

	struct heci_guid g;
	assert_int_equal(heci_guid_parse("12f80028-b4b7-4b2d-aca8-46e0ff65814c", &g), HECI_OK);
	assert_memory_equal(g.b, amthi_bytes, 16);

	/* every byte value survives format -> parse */
	uint8_t raw[16];
	for (int i = 0; i < 16; i++)
		raw[i] = (uint8_t)(i * 17 + 3);
	for (int v = 0; v < 256; v++) {
		char text[37];
		raw[v % 16] = (uint8_t)v;
		guid_format(raw, text);
		assert_int_equal(strlen(text), 36);
		assert_int_equal(heci_guid_parse(text, &g), HECI_OK);
		assert_memory_equal(g.b, raw, 16);
	}
}

static void test_guid_parse_rejects_malformed(void **state)
{
	(void)state;
	static const char *const bad[] = {
		"",
		"12F80028-B4B7-4B2D-ACA8-46E0FF65814",    /* one short */
		"12F80028-B4B7-4B2D-ACA8-46E0FF65814C0",  /* one long */
		"{12F80028-B4B7-4B2D-ACA8-46E0FF65814C}", /* braces */
		"12F80028B4B74B2DACA846E0FF65814C",       /* no dashes */
		"12F80028-B4B7-4B2D-ACA8_46E0FF65814C",   /* wrong separator */
		"12F8002-8B4B7-4B2D-ACA8-46E0FF65814C",   /* dash moved */
		"12F80028-B4B7-4B2D-ACA8-46E0FF65814G",   /* non-hex */
		"12F80028-B4B7-4B2D-ACA8-46E0FF6581 C",   /* space */
		"12F80028-B4B7-4B2D-ACA8-46E0FF65-14C",   /* extra dash */
		"0x2F80028-B4B7-4B2D-ACA8-46E0FF65814C",  /* prefix */
		"12F80028-B4B7-4B2D-ACA8-46E0FF65814\xc3",
	};
	static const uint8_t untouched[16] = {0x5a, 0x5a, 0x5a, 0x5a, 0x5a, 0x5a, 0x5a, 0x5a,
					      0x5a, 0x5a, 0x5a, 0x5a, 0x5a, 0x5a, 0x5a, 0x5a};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct heci_guid g;
		memset(&g, 0x5a, sizeof(g));
		assert_int_equal(heci_guid_parse(bad[i], &g), HECI_E_INVALID_ARG);
		assert_memory_equal(g.b, untouched, 16);
	}
	struct heci_guid g;
	assert_int_equal(heci_guid_parse(NULL, &g), HECI_E_INVALID_ARG);
	/* proto's parser directly, and no output to write to */
	uint8_t raw[16];
	memset(raw, 0x5a, sizeof(raw));
	assert_int_equal(guid_parse("12F80028-B4B7-4B2D-ACA8-46E0FF65814G", raw), PROTO_E_INVALID_ARG);
	assert_memory_equal(raw, untouched, 16);
	assert_int_equal(guid_parse("12F80028-B4B7-4B2D-ACA8-46E0FF65814C", raw), PROTO_OK);
	assert_memory_equal(raw, amthi_bytes, 16);
	assert_int_equal(guid_parse("12F80028-B4B7-4B2D-ACA8-46E0FF65814C", NULL), PROTO_E_INVALID_ARG);
	assert_int_equal(heci_guid_parse("12F80028-B4B7-4B2D-ACA8-46E0FF65814C", NULL),
			 HECI_E_INVALID_ARG);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_guid_parse_format_roundtrip),
		cmocka_unit_test(test_guid_parse_rejects_malformed),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
