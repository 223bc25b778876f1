// SPDX-License-Identifier: Apache-2.0
/*
 * test_verify_atapi.c - the drive amt-verify ider presents (tools/verify/
 * atapi.c): every command it answers, on the CD-ROM and the floppy, with
 * the sense keys a host expects (the medium change reported once, then
 * REQUEST SENSE returning it; no medium; LBA out of range; bad fields;
 * writes refused as DATA PROTECT; unknown opcodes ILLEGAL REQUEST /
 * INVALID OPCODE), reads as byte ranges of the image, and every reply cut
 * to the host's allocation length.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "ider_codec.h"
#include "tools/verify/atapi.h"

#define ISO_BLOCKS 200u

static struct atapi_dev cd, fd, none;
static struct atapi_reply r;

static void run(struct atapi_dev *d, const uint8_t *cdb)
{
	uint8_t c[12] = {0};
	memcpy(c, cdb, 12);
	atapi_command(d, c, &r);
}
#define CMD(d, ...)                                   \
	do {                                          \
		const uint8_t cdb_[12] = {__VA_ARGS__}; \
		run(d, cdb_);                         \
	} while (0)

static void want_check(uint8_t k, uint8_t asc, uint8_t ascq)
{
	assert_int_equal(r.kind, ATAPI_CHECK);
	assert_int_equal(r.sense, k);
	assert_int_equal(r.asc, asc);
	assert_int_equal(r.ascq, ascq);
}

static int setup(void **state)
{
	(void)state;
	atapi_init(&cd, true, (uint64_t)ISO_BLOCKS * 2048u);
	atapi_init(&fd, false, 1474560);
	atapi_init(&none, true, 0);
	return 0;
}

/* The first medium access reports the inserted medium; REQUEST SENSE tells it. */
static void t_unit_attention_and_sense(void **state)
{
	(void)state;
	CMD(&cd, SCSI_INQUIRY, 0, 0, 0, 36);
	assert_int_equal(r.kind, ATAPI_DATA); /* INQUIRY never reports it */
	CMD(&cd, SCSI_TEST_UNIT_READY);
	want_check(SENSE_UNIT_ATTENTION, 0x28, 0);
	CMD(&cd, SCSI_REQUEST_SENSE, 0, 0, 0, 18);
	assert_int_equal(r.kind, ATAPI_DATA);
	assert_int_equal(r.len, 18);
	assert_int_equal(r.data[0], 0x70);
	assert_int_equal(r.data[2], SENSE_UNIT_ATTENTION);
	assert_int_equal(r.data[7], 10);
	assert_int_equal(r.data[12], 0x28);
	CMD(&cd, SCSI_TEST_UNIT_READY);
	assert_int_equal(r.kind, ATAPI_GOOD);
	CMD(&cd, SCSI_REQUEST_SENSE, 0, 0, 0, 8); /* cut to 8; nothing to report now */
	assert_int_equal(r.len, 8);
	assert_int_equal(r.data[2], 0);
	atapi_reset(&cd); /* after a reset: 06/29 */
	CMD(&cd, SCSI_READ_CAPACITY);
	want_check(SENSE_UNIT_ATTENTION, 0x29, 0);
}

static void t_no_medium(void **state)
{
	(void)state;
	CMD(&none, SCSI_TEST_UNIT_READY);
	want_check(SENSE_NOT_READY, 0x3A, 0);
	CMD(&none, SCSI_READ_CAPACITY);
	want_check(SENSE_NOT_READY, 0x3A, 0);
	CMD(&none, SCSI_READ10, 0, 0, 0, 0, 16, 0, 0, 1);
	want_check(SENSE_NOT_READY, 0x3A, 0);
	CMD(&none, SCSI_REQUEST_SENSE, 0, 0, 0, 18);
	assert_int_equal(r.data[2], SENSE_NOT_READY);
	assert_int_equal(r.data[12], 0x3A);
	CMD(&none, SCSI_INQUIRY, 0, 0, 0, 36);
	assert_int_equal(r.kind, ATAPI_DATA);
}

static void t_capacity_and_reads(void **state)
{
	(void)state;
	CMD(&cd, SCSI_TEST_UNIT_READY); /* the unit attention */
	CMD(&cd, SCSI_READ_CAPACITY);
	assert_int_equal(r.kind, ATAPI_DATA);
	assert_int_equal(r.len, 8);
	static const uint8_t cap[8] = {0, 0, 0, ISO_BLOCKS - 1, 0, 0, 0x08, 0};
	assert_memory_equal(r.data, cap, 8);
	CMD(&cd, SCSI_READ10, 0, 0, 0, 0, 17, 0, 0, 2);
	assert_int_equal(r.kind, ATAPI_READ);
	assert_int_equal(r.offset, 17u * 2048u);
	assert_int_equal(r.length, 2u * 2048u);
	CMD(&cd, SCSI_READ10, 0, 0, 0, 0, ISO_BLOCKS - 1, 0, 0, 2); /* one past the end */
	want_check(SENSE_ILLEGAL_REQUEST, 0x21, 0);
	CMD(&cd, SCSI_READ10, 0, 0xff, 0xff, 0xff, 0xff, 0, 0xff, 0xff);
	want_check(SENSE_ILLEGAL_REQUEST, 0x21, 0);
	CMD(&cd, SCSI_READ10, 0, 0, 0, 0, 3, 0, 0, 0); /* count 0: nothing, GOOD */
	assert_int_equal(r.kind, ATAPI_GOOD);
	CMD(&cd, SCSI_READ12, 0, 0, 0, 0, 5, 0, 0, 0, 3);
	assert_int_equal(r.offset, 5u * 2048u);
	assert_int_equal(r.length, 3u * 2048u);
	CMD(&fd, SCSI_TEST_UNIT_READY);
	CMD(&fd, SCSI_READ6, 0, 0, 1, 4);
	assert_int_equal(r.kind, ATAPI_READ);
	assert_int_equal(r.offset, 512u);
	assert_int_equal(r.length, 4u * 512u);
	CMD(&fd, SCSI_READ_CAPACITY);
	assert_int_equal(r.data[3], (2880 - 1) & 0xff);
	assert_int_equal(r.data[6], 0x02); /* 512-byte blocks */
}

/* The image is read-only: every write is DATA PROTECT / WRITE PROTECTED. */
static void t_writes_refused(void **state)
{
	static const uint8_t writes[] = {SCSI_WRITE6, SCSI_WRITE10, SCSI_WRITE_VERIFY10, SCSI_WRITE12};
	(void)state;
	CMD(&fd, SCSI_TEST_UNIT_READY);
	for (size_t i = 0; i < sizeof(writes); i++) {
		CMD(&fd, writes[i], 0, 0, 0, 0, 1, 0, 0, 1);
		want_check(SENSE_DATA_PROTECT, 0x27, 0);
	}
}

static void t_unknown_and_bad_fields(void **state)
{
	static const uint8_t unknown[] = {0x04, 0x15, 0x2B, 0x35, 0x4C, 0x51, 0x55, 0xAC, 0xBB, 0xFF};
	(void)state;
	CMD(&cd, SCSI_TEST_UNIT_READY);
	for (size_t i = 0; i < sizeof(unknown); i++) {
		CMD(&cd, unknown[i]);
		want_check(SENSE_ILLEGAL_REQUEST, 0x20, 0);
	}
	CMD(&cd, SCSI_INQUIRY, 0x01, 0x80, 0, 36); /* EVPD */
	want_check(SENSE_ILLEGAL_REQUEST, 0x24, 0);
	CMD(&cd, SCSI_MODE_SENSE10, 0, 0x33, 0, 0, 0, 0, 0, 255); /* a page it has not */
	want_check(SENSE_ILLEGAL_REQUEST, 0x24, 0);
	CMD(&cd, SCSI_READ_TOC, 0, 5, 0, 0, 0, 0, 0, 255); /* TOC format 5 */
	want_check(SENSE_ILLEGAL_REQUEST, 0x24, 0);
	CMD(&cd, SCSI_GET_EVENT_STATUS, 0, 0, 0, 0x10, 0, 0, 0, 8); /* not polled */
	want_check(SENSE_ILLEGAL_REQUEST, 0x24, 0);
	CMD(&fd, SCSI_TEST_UNIT_READY);
	CMD(&fd, SCSI_READ_TOC, 0, 0, 0, 0, 0, 0, 0, 255); /* CD commands on the floppy */
	want_check(SENSE_ILLEGAL_REQUEST, 0x20, 0);
	CMD(&cd, SCSI_READ_FORMAT_CAPACITIES, 0, 0, 0, 0, 0, 0, 0, 12); /* and the reverse */
	want_check(SENSE_ILLEGAL_REQUEST, 0x20, 0);
}

static void t_inquiry_toc_config(void **state)
{
	(void)state;
	CMD(&cd, SCSI_INQUIRY, 0, 0, 0, 36);
	assert_int_equal(r.len, 36);
	assert_int_equal(r.data[0], 0x05); /* CD/DVD */
	assert_int_equal(r.data[1], 0x80); /* removable */
	assert_memory_equal(r.data + 16, "IDE-R CD-ROM", 12);
	CMD(&fd, SCSI_INQUIRY, 0, 0, 0, 5);
	assert_int_equal(r.len, 5);
	assert_int_equal(r.data[0], 0x00);
	CMD(&cd, SCSI_TEST_UNIT_READY);
	CMD(&cd, SCSI_READ_TOC, 0, 0, 0, 0, 0, 0, 0, 255);
	assert_int_equal(r.len, 20);
	static const uint8_t toc[20] = {0, 0x12, 1, 1, 0, 0x14, 1, 0, 0, 0, 0, 0,
					0, 0x14, 0xAA, 0, 0, 0, 0, ISO_BLOCKS};
	assert_memory_equal(r.data, toc, 20);
	CMD(&cd, SCSI_READ_TOC, 0x02, 0, 0, 0, 0, 0, 0, 255); /* MSF: lead-out 200 + 150 frames */
	assert_int_equal(r.data[9], 0);
	assert_int_equal(r.data[10], 2);
	assert_int_equal(r.data[17], 0);
	assert_int_equal(r.data[18], (ISO_BLOCKS + 150) / 75);
	assert_int_equal(r.data[19], (ISO_BLOCKS + 150) % 75);
	CMD(&cd, SCSI_READ_TOC, 0, 1, 0, 0, 0, 0, 0, 4); /* session info, cut to 4 */
	assert_int_equal(r.len, 4);
	assert_int_equal(r.data[1], 0x0A);
	CMD(&cd, SCSI_GET_CONFIGURATION, 0, 0, 0, 0, 0, 0, 0xff, 0xff);
	assert_int_equal(r.kind, ATAPI_DATA);
	assert_int_equal(r.data[7], 0x08); /* current profile CD-ROM */
	assert_int_equal(r.data[3] + 4u, r.len);
	assert_int_equal(r.data[8 + 5], 0x08); /* the profile list names CD-ROM */
	CMD(&cd, SCSI_GET_CONFIGURATION, 2, 0, 0x1E, 0, 0, 0, 0, 255); /* one feature */
	assert_int_equal(r.len, 12);
	assert_int_equal(r.data[9], 0x1E);
	CMD(&cd, SCSI_GET_CONFIGURATION, 0, 0, 0, 0, 0, 0, 0, 6);
	assert_int_equal(r.len, 6);
	CMD(&cd, SCSI_GET_EVENT_STATUS, 1, 0, 0, 0x10, 0, 0, 0, 8);
	assert_int_equal(r.len, 8);
	assert_int_equal(r.data[5], 0x02); /* media present */
}

static void t_mode_sense(void **state)
{
	(void)state;
	CMD(&cd, SCSI_TEST_UNIT_READY);
	CMD(&cd, SCSI_MODE_SENSE10, 0, 0x2A, 0, 0, 0, 0, 0, 255);
	assert_int_equal(r.len, 8 + 26);
	assert_int_equal(r.data[1], 8 + 26 - 2);
	assert_int_equal(r.data[2], 0x01);
	assert_int_equal(r.data[3], 0x80); /* write-protected */
	assert_int_equal(r.data[8], 0x2A);
	CMD(&cd, SCSI_MODE_SENSE10, 0, 0x3F, 0, 0, 0, 0, 0, 255);
	assert_int_equal(r.len, 8 + 8 + 26);
	CMD(&cd, SCSI_MODE_SENSE10, 0, 0x3F, 0, 0, 0, 0, 0, 10); /* cut */
	assert_int_equal(r.len, 10);
	CMD(&cd, SCSI_MODE_SENSE6, 0, 0x3F, 0, 255);
	assert_int_equal(r.len, 4);
	assert_int_equal(r.data[2], 0x80);
	CMD(&fd, SCSI_TEST_UNIT_READY);
	CMD(&fd, SCSI_MODE_SENSE10, 0, 0x05, 0, 0, 0, 0, 0, 255);
	assert_int_equal(r.data[2], 0x24); /* 1.44 MB medium */
	assert_int_equal(r.data[8], 0x05);
	assert_int_equal(r.data[12], 2);  /* heads */
	assert_int_equal(r.data[13], 18); /* sectors per track */
	assert_int_equal(r.data[17], 80); /* cylinders */
	CMD(&fd, SCSI_READ_FORMAT_CAPACITIES, 0, 0, 0, 0, 0, 0, 0, 12);
	assert_int_equal(r.len, 12);
	assert_int_equal(r.data[6], 2880 >> 8);
	assert_int_equal(r.data[7], 2880 & 0xff);
	assert_int_equal(r.data[8], 0x02);
	CMD(&fd, SCSI_PREVENT_ALLOW, 0, 0, 0, 1);
	assert_int_equal(r.kind, ATAPI_GOOD);
	CMD(&fd, SCSI_START_STOP, 0, 0, 0, 1);
	assert_int_equal(r.kind, ATAPI_GOOD);
	assert_string_equal(atapi_op_name(SCSI_READ10), "READ(10)");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(t_unit_attention_and_sense, setup),
		cmocka_unit_test_setup(t_no_medium, setup),
		cmocka_unit_test_setup(t_capacity_and_reads, setup),
		cmocka_unit_test_setup(t_writes_refused, setup),
		cmocka_unit_test_setup(t_unknown_and_bad_fields, setup),
		cmocka_unit_test_setup(t_inquiry_toc_config, setup),
		cmocka_unit_test_setup(t_mode_sense, setup),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
