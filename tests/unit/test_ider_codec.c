// SPDX-License-Identifier: Apache-2.0
/*
 * test_ider_codec.c - unit tests for proto/ider_codec.c.
 *
 * Owns: every IDE-R message (0x40..0x54) written out byte by byte from
 * protocol-facts-ider.md (the section 6 transcript where it has one: the
 * open, its reply, the register state, the reset, TEST UNIT READY, a READ
 * and its 0x54, the close), decode -> fields and encode -> the same bytes,
 * each direction accepting only its own side's messages, a truncation
 * sweep (exact-size heap copies, so ASan sees an over-read), trailing and
 * oversized input, amtider's malformed 0x40 still framed, the canonical
 * 0x51/0x54 forms against MeshCentral's bytes, and AMT's sequence rule.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "ider_codec.h"

#define C IDER_FROM_CONSOLE
#define A IDER_FROM_AMT

struct vector {
	const char *name;
	enum ider_dir dir;
	const uint8_t *bytes;
	size_t len;
};
#define VEC(n, d, s) {n, d, (const uint8_t *)(s), sizeof(s) - 1}

static const struct vector vectors[] = {
	VEC("open (MeshCentral: rx 30000, hb 20000, version 1)", C,
	    "\x40\x00\x00\x00\x00\x00\x00\x00\x30\x75\x00\x00\x20\x4e\x01\x00\x00\x00"),
	VEC("open reply (readbfr 8192, IANA 0x157)", A,
	    "\x41\x00\x00\x00\x00\x00\x00\x00\x01\x00\x01\x00\x00\x00\x00\x00\x00\x20\x00\x20"
	    "\x00\x00\x00\x00\x00\x57\x01\x00\x00\x00"),
	VEC("open reply with 2 OEM bytes", A,
	    "\x41\x00\x00\x00\x00\x00\x00\x00\x01\x00\x01\x00\x00\x00\x00\x00\x00\x20\x00\x20"
	    "\x00\x00\x00\x00\x00\x57\x01\x00\x00\x02\xaa\xbb"),
	VEC("close", C, "\x42\x00\x00\x00\x05\x00\x00\x00"),
	VEC("close reply", A, "\x43\x00\x00\x00\x06\x00\x00\x00"),
	VEC("ping (console)", C, "\x44\x00\x00\x00\x01\x00\x00\x00"),
	VEC("ping (AMT)", A, "\x44\x00\x00\x00\x01\x00\x00\x00"),
	VEC("pong (console)", C, "\x45\x00\x00\x00\x01\x00\x00\x00"),
	VEC("pong (AMT)", A, "\x45\x00\x00\x00\x01\x00\x00\x00"),
	VEC("reset occurred", A, "\x46\x00\x00\x00\x03\x00\x00\x00\x03"),
	VEC("reset reply", C, "\x47\x00\x00\x00\x02\x00\x00\x00"),
	VEC("features: get supported", C, "\x48\x00\x00\x00\x01\x00\x00\x00\x01"),
	VEC("features: get state", C, "\x48\x00\x00\x00\x01\x00\x00\x00\x02\x00\x00\x00\x00"),
	VEC("features: set state on reboot", C, "\x48\x00\x00\x00\x01\x00\x00\x00\x03\x09\x00\x00\x00"),
	VEC("features reply", A, "\x49\x00\x00\x00\x01\x00\x00\x00\x03\x01\x00\x00\x00"),
	VEC("error occurred", A, "\x4a\x00\x00\x00\x07\x00\x00\x00\x01\x00\x00"),
	VEC("heartbeat (AMT)", A, "\x4b\x00\x00\x00\x02\x00\x00\x00"),
	VEC("heartbeat echoed (amtider)", C, "\x4b\x00\x00\x00\x02\x00\x00\x00"),
	VEC("command: TEST UNIT READY, CD", A,
	    "\x50\x00\x00\x00\x04\x00\x00\x00\x00\x00\x00\x00\x00\x08\xb0\xa0"
	    "\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00"),
	VEC("command: READ(10) 17 x 1", A,
	    "\x50\x00\x00\x00\x05\x00\x00\x00\x00\x00\x00\x00\x00\x08\xb0\xa0"
	    "\x28\x00\x00\x00\x00\x11\x00\x00\x01\x00\x00\x00"),
	VEC("command end: GOOD", C,
	    "\x51\x00\x00\x02\x03\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00"
	    "\xc5\x00\x03\x00\x00\x00\xb0\x50\x00\x00\x00"),
	VEC("command end: CHECK 05/20/00", C,
	    "\x51\x00\x00\x02\x03\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00"
	    "\x87\x50\x03\x00\x00\x00\xb0\x51\x05\x20\x00"),
	VEC("get data from host", C,
	    "\x52\x00\x00\x00\x03\x00\x00\x00\x00\x00\x02\x00\xb5\x00\x00\x00\x00\x02\xa0\x58"
	    "\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00"),
	VEC("data from host, 3 bytes", A, "\x53\x00\x00\x00\x09\x00\x00\x00\x00\x03\x00\x00\x00\x00xyz"),
	VEC("data to host, 4 bytes, last", C,
	    "\x54\x00\x00\x02\x04\x00\x00\x00\x00\x04\x00\x00\xb5\x00\x02\x00\x04\x00\xb0\x58"
	    "\x85\x00\x03\x00\x00\x00\xb0\x50\x00\x00\x00\x00\x00\x00" "CD01"),
};
#define NVEC (sizeof(vectors) / sizeof(vectors[0]))

static uint8_t *dup_exact(const uint8_t *p, size_t n)
{
	uint8_t *b = malloc(n ? n : 1);
	assert_non_null(b);
	if (n)
		memcpy(b, p, n);
	return b;
}

static void t_round_trip(void **state)
{
	(void)state;
	for (size_t i = 0; i < NVEC; i++) {
		const struct vector *v = &vectors[i];
		uint8_t *in = dup_exact(v->bytes, v->len), out[128];
		struct ider_msg m;
		size_t n = 0, fl = 0;
		print_message("%s\n", v->name);
		assert_int_equal(ider_frame_length(in, v->len, v->dir, &fl), 0);
		assert_int_equal(fl, v->len);
		assert_int_equal(ider_decode(in, v->len, v->dir, &m), 0);
		assert_int_equal(m.type, v->bytes[0]);
		assert_int_equal(ider_encode(&m, out, sizeof(out), &n), 0);
		assert_int_equal(n, v->len);
		assert_memory_equal(out, v->bytes, v->len);
		assert_int_equal(ider_encode(&m, out, v->len - 1, &n), PROTO_E_NOSPACE);
		assert_int_equal(n, 0);
		free(in);
	}
}

static void t_truncated_and_trailing(void **state)
{
	(void)state;
	for (size_t i = 0; i < NVEC; i++) {
		const struct vector *v = &vectors[i];
		struct ider_msg m;
		size_t fl;
		for (size_t k = 0; k < v->len; k++) {
			uint8_t *in = dup_exact(v->bytes, k);
			assert_int_equal(ider_decode(in, k, v->dir, &m), PROTO_E_SHORT);
			assert_int_equal(ider_frame_length(in, k, v->dir, &fl), PROTO_E_SHORT);
			free(in);
		}
		uint8_t *longer = malloc(v->len + 1);
		assert_non_null(longer);
		memcpy(longer, v->bytes, v->len);
		longer[v->len] = 0x4b;
		assert_int_equal(ider_decode(longer, v->len + 1, v->dir, &m), PROTO_E_TRAILING);
		assert_int_equal(ider_frame_length(longer, v->len + 1, v->dir, &fl), 0);
		assert_int_equal(fl, v->len);
		free(longer);
	}
}

static void t_fields(void **state)
{
	struct ider_msg m;
	(void)state;
	assert_int_equal(ider_decode(vectors[0].bytes, vectors[0].len, C, &m), 0);
	assert_int_equal(m.u.open.rx_timeout_ms, 30000);
	assert_int_equal(m.u.open.tx_timeout_ms, 0);
	assert_int_equal(m.u.open.heartbeat_ms, 20000);
	assert_int_equal(m.u.open.version, 1);
	assert_int_equal(ider_decode(vectors[2].bytes, vectors[2].len, A, &m), 0);
	assert_int_equal(m.u.open_reply.read_buffer, 8192);
	assert_int_equal(m.u.open_reply.write_buffer, 8192);
	assert_int_equal(m.u.open_reply.oem_iana, 0x157);
	assert_int_equal(m.u.open_reply.oem_len, 2);
	assert_int_equal(m.u.open_reply.oem[1], 0xbb);
	assert_int_equal(ider_decode(vectors[13].bytes, vectors[13].len, C, &m), 0);
	assert_int_equal(m.u.features.sub, IDER_FEAT_SET_STATE);
	assert_int_equal(m.u.features.value, IDER_FEAT_ENABLE | IDER_START_ONREBOOT);
	assert_int_equal(ider_decode(vectors[19].bytes, vectors[19].len, A, &m), 0);
	assert_int_equal(m.seq, 5);
	assert_true(IDER_DEV_IS_CD(m.u.command.drive));
	assert_int_equal(m.u.command.command, ATA_CMD_PACKET);
	assert_int_equal(m.u.command.cdb[0], SCSI_READ10);
	assert_int_equal(m.u.command.cdb[5], 17);
	assert_int_equal(ider_decode(vectors[21].bytes, vectors[21].len, C, &m), 0);
	assert_true(ider_reports_error(&m));
	assert_int_equal(m.u.xfer.sense, SENSE_ILLEGAL_REQUEST);
	assert_int_equal(m.u.xfer.asc, 0x20);
	assert_int_equal(ider_decode(vectors[24].bytes, vectors[24].len, C, &m), 0);
	assert_int_equal(m.attributes, IDER_ATTR_COMPLETED);
	assert_int_equal(m.u.xfer.transfer_bytes, 4);
	assert_memory_equal(m.u.xfer.data, "CD01", 4);
	assert_false(ider_reports_error(&m));
	/* amtider's 0x40 (timeouts at offsets 1..6, no header): still 18 bytes */
	static const uint8_t amtider_open[18] = {0x40, 100, 0, 0x10, 0x27, 0x88, 0x13, 1};
	assert_int_equal(ider_decode(amtider_open, sizeof(amtider_open), C, &m), 0);
	assert_int_equal(m.u.open.heartbeat_ms, 0);
	assert_int_equal(m.u.open.rx_timeout_ms, 0);
}

/* The forms a console sends are MeshCentral's / amtider's bytes exactly. */
static void t_canonical(void **state)
{
	struct ider_msg m;
	uint8_t out[128];
	size_t n;
	(void)state;
	ider_make_end(&m, 3, IDER_DEV_CDROM, 0, 0, 0);
	assert_int_equal(ider_encode(&m, out, sizeof(out), &n), 0);
	assert_int_equal(n, vectors[20].len);
	assert_memory_equal(out, vectors[20].bytes, n);
	ider_make_end(&m, 3, IDER_DEV_CDROM, SENSE_ILLEGAL_REQUEST, 0x20, 0);
	assert_int_equal(ider_encode(&m, out, sizeof(out), &n), 0);
	assert_memory_equal(out, vectors[21].bytes, n);
	ider_make_data(&m, 4, IDER_DEV_CDROM, (const uint8_t *)"CD01", 4, true);
	assert_int_equal(ider_encode(&m, out, sizeof(out), &n), 0);
	assert_memory_equal(out, vectors[24].bytes, n);
	ider_make_data(&m, 4, IDER_DEV_CDROM, (const uint8_t *)"CD01", 4, false);
	assert_int_equal(m.attributes, 0);
	assert_int_equal(m.u.xfer.out.mask, 0);
}

static void t_wrong_side_and_unknown(void **state)
{
	static const uint8_t amt_only[] = {0x41, 0x43, 0x46, 0x49, 0x4a, 0x50, 0x53};
	static const uint8_t console_only[] = {0x40, 0x42, 0x47, 0x48, 0x51, 0x52, 0x54};
	size_t fl;
	(void)state;
	for (size_t i = 0; i < sizeof(amt_only); i++)
		assert_int_equal(ider_frame_length(&amt_only[i], 1, C, &fl), PROTO_E_BAD_COMMAND);
	for (size_t i = 0; i < sizeof(console_only); i++)
		assert_int_equal(ider_frame_length(&console_only[i], 1, A, &fl), PROTO_E_BAD_COMMAND);
	for (unsigned t = 0; t < 256; t++) {
		uint8_t b = (uint8_t)t;
		bool known = (t >= 0x40 && t <= 0x4b) || (t >= 0x50 && t <= 0x54);
		if (!known) {
			assert_int_equal(ider_frame_length(&b, 1, C, &fl), PROTO_E_BAD_COMMAND);
			assert_int_equal(ider_frame_length(&b, 1, A, &fl), PROTO_E_BAD_COMMAND);
		}
	}
	/* a sub-command of 0x48 that does not exist */
	static const uint8_t bad_sub[] = {0x48, 0, 0, 0, 1, 0, 0, 0, 7, 0, 0, 0, 0};
	struct ider_msg m;
	assert_int_equal(ider_decode(bad_sub, sizeof(bad_sub), C, &m), PROTO_E_BAD_VALUE);
	m.type = 0x4c;
	uint8_t out[16];
	assert_int_equal(ider_encode(&m, out, sizeof(out), &fl), PROTO_E_BAD_COMMAND);
}

/* A data length over the cap is refused from its header, before the data. */
static void t_oversized(void **state)
{
	uint8_t hdr[IDER_TO_HOST_HDR_LEN] = {0x54};
	size_t fl;
	struct ider_msg m;
	(void)state;
	hdr[9] = (uint8_t)((IDER_DATA_MAX + 1) & 0xFF);
	hdr[10] = (uint8_t)((IDER_DATA_MAX + 1) >> 8);
	assert_int_equal(ider_frame_length(hdr, 11, C, &fl), PROTO_E_TOO_LARGE);
	assert_int_equal(ider_decode(hdr, sizeof(hdr), C, &m), PROTO_E_TOO_LARGE);
	uint8_t from[IDER_FROM_HOST_HDR_LEN] = {0x53, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
	assert_int_equal(ider_frame_length(from, sizeof(from), A, &fl), PROTO_E_TOO_LARGE);
	memset(&m, 0, sizeof(m));
	m.type = IDER_DATA_TO_HOST;
	m.u.xfer.transfer_bytes = IDER_DATA_MAX + 1;
	m.u.xfer.data = hdr;
	uint8_t out[64];
	assert_int_equal(ider_encode(&m, out, sizeof(out), &fl), PROTO_E_TOO_LARGE);
	m.u.xfer.transfer_bytes = 4;
	m.u.xfer.data = NULL;
	assert_int_equal(ider_encode(&m, out, sizeof(out), &fl), PROTO_E_INVALID_ARG);
}

/* AMT numbers 0, 1, 2, ...: a gap or a repeat is out of sequence. */
static void t_sequence(void **state)
{
	struct ider_seq s = {0};
	(void)state;
	assert_int_equal(ider_seq_check(&s, 0), 0);
	assert_int_equal(ider_seq_check(&s, 1), 0);
	assert_int_equal(ider_seq_check(&s, 1), PROTO_E_SEQUENCE);
	assert_int_equal(ider_seq_check(&s, 3), PROTO_E_SEQUENCE);
	assert_int_equal(ider_seq_check(&s, 2), 0);
	assert_string_equal(proto_err_name(PROTO_E_SEQUENCE), "PROTO_E_SEQUENCE");
}

/* Messages back to back in one stream frame one after the other. */
static void t_stream(void **state)
{
	uint8_t buf[512];
	size_t len = 0, off = 0, fl;
	(void)state;
	for (size_t i = 0; i < NVEC; i++)
		if (vectors[i].dir == A) {
			memcpy(buf + len, vectors[i].bytes, vectors[i].len);
			len += vectors[i].len;
		}
	for (size_t i = 0; i < NVEC; i++) {
		if (vectors[i].dir != A)
			continue;
		assert_int_equal(ider_frame_length(buf + off, len - off, A, &fl), 0);
		assert_int_equal(fl, vectors[i].len);
		off += fl;
	}
	assert_int_equal(off, len);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(t_round_trip),	 cmocka_unit_test(t_truncated_and_trailing),
		cmocka_unit_test(t_fields),	 cmocka_unit_test(t_canonical),
		cmocka_unit_test(t_wrong_side_and_unknown), cmocka_unit_test(t_oversized),
		cmocka_unit_test(t_sequence),	 cmocka_unit_test(t_stream),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
