// SPDX-License-Identifier: Apache-2.0
/*
 * test_sim_ider.c - the simulated AMT's IDE-R session (sim_ider.c) on
 * bytes, and the simulated BIOS (sim_ider_bios.c over sim_bootmedia.c)
 * against boot media built here byte by byte: an El Torito ISO (primary
 * descriptor, boot record, catalog with its checksum, a root directory with
 * SIMBOOT.TXT) and a FAT12 floppy, served by a fake drive; then every way
 * the boot fails as a BIOS says it (bad checksum, wrong key bytes, no boot
 * record, EFI-only catalog, not bootable, no 0x55AA, no medium, invalid
 * sense data, a console without REQUEST SENSE, the drive gone mid-read).
 * Must not: open sockets or depend on time.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "tools/sim/sim_bootmedia.h"
#include "tools/sim/sim_ider.h"
#include "tools/sim/sim_ider_bios.h"

/* ---------------- media built here ---------------- */

#define ISO_BLOCKS 24u
#define TEXT "SIM recovery 1.0\nAll good.\n"
static uint8_t iso[ISO_BLOCKS * 2048];
static uint8_t flop[2880 * 512];
static const char ftext[] = "Floppy diagnostics:\nmemory ok\n";

static void put32le(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static void catalog_checksum(uint8_t *cat)
{
	uint16_t sum = 0;
	cat[28] = cat[29] = 0;
	for (int i = 0; i < 32; i += 2)
		sum = (uint16_t)(sum + (cat[i] | cat[i + 1] << 8));
	uint16_t ck = (uint16_t)(0x10000u - sum);
	cat[28] = (uint8_t)ck;
	cat[29] = (uint8_t)(ck >> 8);
}

static void dir_record(uint8_t *p, uint32_t lba, uint32_t size, uint8_t flags, const char *name,
		       uint8_t name_len)
{
	p[0] = (uint8_t)(33 + name_len + ((33 + name_len) & 1));
	put32le(p + 2, lba);
	put32le(p + 10, size);
	p[25] = flags;
	p[32] = name_len;
	memcpy(p + 33, name, name_len);
}

static void build_iso(void)
{
	uint8_t *b;
	memset(iso, 0, sizeof(iso));
	b = iso + 16 * 2048; /* primary volume descriptor */
	b[0] = 1;
	memcpy(b + 1, "CD001", 5);
	b[6] = 1;
	memset(b + 40, ' ', 32);
	memcpy(b + 40, "RECOVERY-TEST", 13);
	put32le(b + 80, ISO_BLOCKS);
	b[128] = 0x00;
	b[129] = 0x08;
	dir_record(b + 156, 20, 2048, 0x02, "\0", 1);
	b = iso + 17 * 2048; /* El Torito boot record */
	memcpy(b + 1, "CD001", 5);
	b[6] = 1;
	memcpy(b + 7, "EL TORITO SPECIFICATION", 23);
	put32le(b + 71, 19);
	b = iso + 18 * 2048; /* terminator */
	b[0] = 0xFF;
	memcpy(b + 1, "CD001", 5);
	b[6] = 1;
	b = iso + 19 * 2048; /* boot catalog */
	b[0] = 0x01;
	memcpy(b + 4, "TEST", 4);
	b[30] = 0x55;
	b[31] = 0xAA;
	catalog_checksum(b);
	b[32] = 0x88;
	b[38] = 4; /* 4 virtual sectors */
	put32le(b + 40, 21);
	b = iso + 20 * 2048; /* root directory */
	dir_record(b, 20, 2048, 0x02, "\0", 1);
	dir_record(b + 34, 20, 2048, 0x02, "\1", 1);
	dir_record(b + 68, 22, sizeof(TEXT) - 1, 0, "SIMBOOT.TXT;1", 13);
	memset(iso + 21 * 2048, 0x90, 2048); /* the boot image */
	memcpy(iso + 22 * 2048, TEXT, sizeof(TEXT) - 1);
}

static void build_floppy(void)
{
	uint8_t *b = flop;
	memset(flop, 0, sizeof(flop));
	b[11] = 0x00; b[12] = 0x02;           /* 512 bytes per sector */
	b[13] = 1;                            /* sectors per cluster */
	b[14] = 1;                            /* reserved */
	b[16] = 2;                            /* FATs */
	b[17] = 224;                          /* root entries */
	b[19] = 2880 & 0xff; b[20] = 2880 >> 8;
	b[21] = 0xF0;
	b[22] = 9;                            /* sectors per FAT */
	b[38] = 0x29;
	memcpy(b + 43, "RESCUE     ", 11);
	b[510] = 0x55;
	b[511] = 0xAA;
	uint8_t *fat = flop + 512; /* clusters 2 -> 3 -> end */
	fat[0] = 0xF0; fat[1] = 0xFF; fat[2] = 0xFF;
	fat[3] = 0x03; fat[4] = 0xF0; fat[5] = 0xFF;
	uint8_t *root = flop + 19 * 512;
	memcpy(root, "SIMBOOT TXT", 11);
	root[26] = 2;
	put32le(root + 28, 600);
	memset(flop + 33 * 512, 'a', 512); /* cluster 2 */
	memcpy(flop + 33 * 512, ftext, sizeof(ftext) - 1);
	memset(flop + 34 * 512, 'b', 88);  /* cluster 3: the rest of the 600 bytes */
}

/* ---------------- a fake drive and a screen ---------------- */

static struct {
	const uint8_t *image;
	size_t size;
	uint32_t block;
	unsigned attention;     /* unit attentions still to report */
	bool no_medium, no_request_sense, bad_sense;
	int die_at_read;        /* fail the BIOS at this READ(10) (0: never) */
	int reads;
	char screen[8192];
	size_t screen_len;
	uint8_t data[SIM_IDER_DATA_MAX];
} D;

static void screen(void *arg, const char *text)
{
	(void)arg;
	size_t n = strlen(text);
	assert_true(D.screen_len + n < sizeof(D.screen));
	memcpy(D.screen + D.screen_len, text, n + 1);
	D.screen_len += n;
}
static const struct sim_bios_ops bops = {screen};

static void answer(const struct sim_bios_cmd *c, struct sim_ider_result *r)
{
	const uint8_t *cdb = c->cdb;
	memset(r, 0, sizeof(*r));
	r->data = D.data;
	if (D.no_medium && cdb[0] != SCSI_REQUEST_SENSE) {
		r->error = true;
		r->sense = 2;
		r->asc = 0x3A;
		return;
	}
	switch (cdb[0]) {
	case SCSI_TEST_UNIT_READY:
		if (D.attention) {
			D.attention--;
			r->error = true;
			r->sense = SENSE_UNIT_ATTENTION;
			r->asc = 0x28;
		}
		return;
	case SCSI_REQUEST_SENSE:
		if (D.no_request_sense) {
			r->error = true;
			r->sense = SENSE_ILLEGAL_REQUEST;
			r->asc = 0x20;
			return;
		}
		memset(D.data, 0, 18);
		D.data[0] = D.bad_sense ? 0x00 : 0x70;
		D.data[2] = D.no_medium ? 2 : SENSE_UNIT_ATTENTION;
		D.data[12] = D.no_medium ? 0x3A : 0x28;
		r->len = 18;
		return;
	case SCSI_READ_CAPACITY: {
		uint32_t last = (uint32_t)(D.size / D.block) - 1;
		uint8_t cap[8] = {(uint8_t)(last >> 24), (uint8_t)(last >> 16), (uint8_t)(last >> 8),
				  (uint8_t)last, 0, 0, (uint8_t)(D.block >> 8), 0};
		memcpy(D.data, cap, 8);
		r->len = 8;
		return;
	}
	case SCSI_READ10: {
		uint32_t lba = (uint32_t)cdb[2] << 24 | (uint32_t)cdb[3] << 16 | (uint32_t)cdb[4] << 8 | cdb[5];
		uint32_t n = (uint32_t)cdb[7] << 8 | cdb[8];
		size_t off = (size_t)lba * D.block, len = (size_t)n * D.block;
		assert_true(len <= c->expect);
		assert_true(off + len <= D.size);
		memcpy(D.data, D.image + off, len);
		r->len = len;
		return;
	}
	default:
		fail_msg("the BIOS sent opcode 0x%02x", cdb[0]);
	}
}

/* Boot until the BIOS is done; returns its end state. */
static enum sim_bios_state boot(bool cd, bool read_all)
{
	static struct sim_bios b;
	struct sim_bios_cmd c;
	struct sim_ider_result r;
	D.screen_len = 0;
	D.screen[0] = '\0';
	D.reads = 0;
	sim_bios_start(&b, &bops, NULL, cd, read_all);
	for (int guard = 0; guard < 10000 && !sim_bios_done(&b); guard++) {
		assert_true(sim_bios_next(&b, &c));
		assert_false(sim_bios_next(&b, &c)); /* one command at a time */
		assert_int_equal(c.dev, cd ? IDER_DEV_CDROM : IDER_DEV_FLOPPY);
		if (c.cdb[0] == SCSI_READ10 && ++D.reads == D.die_at_read) {
			sim_bios_fail(&b, "the IDE-R session closed during a read");
			break;
		}
		answer(&c, &r);
		sim_bios_result(&b, &r);
	}
	return b.state;
}

static int setup(void **state)
{
	(void)state;
	build_iso();
	build_floppy();
	memset(&D, 0, sizeof(D));
	D.image = iso;
	D.size = sizeof(iso);
	D.block = 2048;
	return 0;
}

/* ---------------- the BIOS ---------------- */

static void t_cd_boot(void **state)
{
	(void)state;
	D.attention = 1;
	assert_int_equal(boot(true, false), SIM_BIOS_BOOTED);
	assert_non_null(strstr(D.screen, "IDE-R CD-ROM: 24 blocks of 2048 bytes"));
	assert_non_null(strstr(D.screen, "Volume: RECOVERY-TEST\r\n"));
	assert_non_null(strstr(D.screen, "El Torito boot image: 2048 bytes (4 virtual sectors, no emulation) at block 21"));
	assert_non_null(strstr(D.screen, "SIM recovery 1.0\r\nAll good.\r\n"));
	assert_int_equal(D.reads, 6); /* 16, 17, catalog, image, root, file */
	assert_int_equal(boot(true, true), SIM_BIOS_BOOTED); /* then the whole medium */
	assert_non_null(strstr(D.screen, "copying the CD-ROM to memory (24 blocks)"));
	assert_non_null(strstr(D.screen, "Copied 0.0 MB"));
}

static void t_cd_no_text(void **state)
{
	(void)state;
	memcpy(iso + 20 * 2048 + 68 + 33, "README.TXT;1", 12);
	assert_int_equal(boot(true, false), SIM_BIOS_BOOTED);
	assert_non_null(strstr(D.screen, "no /SIMBOOT.TXT on the image: the image's boot loader has control"));
}

static void expect_failure(bool cd, const char *why)
{
	assert_int_equal(boot(cd, false), SIM_BIOS_FAILED);
	if (!strstr(D.screen, why))
		fail_msg("screen has no \"%s\": %s", why, D.screen);
	assert_non_null(strstr(D.screen, "Remote IDE boot failed: "));
}

static void t_cd_failures(void **state)
{
	(void)state;
	iso[19 * 2048 + 4] ^= 1; /* the checksum no longer sums to 0 */
	expect_failure(true, "the boot catalog's checksum is wrong");
	build_iso();
	iso[19 * 2048 + 31] = 0x00;
	expect_failure(true, "validation entry is wrong");
	build_iso();
	iso[19 * 2048 + 1] = 0xEF; /* EFI only */
	catalog_checksum(iso + 19 * 2048);
	expect_failure(true, "not for a BIOS");
	build_iso();
	iso[19 * 2048 + 32] = 0x00;
	expect_failure(true, "initial boot entry is not bootable");
	build_iso();
	memset(iso + 17 * 2048, 0, 2048); /* no boot record: descriptor 17 is garbage */
	expect_failure(true, "no ISO9660 volume");
	build_iso();
	memcpy(iso + 17 * 2048, iso + 18 * 2048, 2048); /* the terminator right after the PVD */
	expect_failure(true, "no El Torito boot record");
	build_iso();
	iso[19 * 2048 + 33] = 2; /* 1.44 MB floppy emulation: its image needs a boot sector */
	expect_failure(true, "no boot signature 0x55AA");
	build_iso();
	memset(iso + 16 * 2048, 0, 2048);
	expect_failure(true, "no ISO9660 volume (CD001) at sector 16");
}

static void t_drive_failures(void **state)
{
	(void)state;
	D.no_medium = true;
	expect_failure(true, "no medium in the remote CD-ROM (sense 2/3A/00)");
	D.no_medium = false;
	D.attention = 1;
	D.bad_sense = true;
	expect_failure(true, "invalid sense data");
	D.bad_sense = false;
	D.attention = 1;
	D.no_request_sense = true; /* the console's 0x51 sense is used */
	assert_int_equal(boot(true, false), SIM_BIOS_BOOTED);
	D.attention = 100;
	expect_failure(true, "the drive did not become ready (sense 6/28/00)");
	D.attention = 0;
	D.no_request_sense = false;
	D.die_at_read = 3;
	expect_failure(true, "the IDE-R session closed during a read");
	D.die_at_read = 0;
	D.block = 512; /* a drive reporting the wrong block size */
	expect_failure(true, "READ CAPACITY reports blocks of 512 bytes, not 2048");
}

static void t_floppy(void **state)
{
	(void)state;
	D.image = flop;
	D.size = sizeof(flop);
	D.block = 512;
	assert_int_equal(boot(false, false), SIM_BIOS_BOOTED);
	assert_non_null(strstr(D.screen, "Volume: RESCUE\r\n"));
	assert_non_null(strstr(D.screen, "Booting from the remote floppy"));
	assert_non_null(strstr(D.screen, "Floppy diagnostics:\r\nmemory ok\r\n"));
	assert_non_null(strstr(D.screen, "bbbbbbbb")); /* the second cluster, through the FAT */
	flop[511] = 0;
	expect_failure(false, "no boot signature 0x55AA");
}

static void t_bootmedia(void **state)
{
	struct bm_fat f;
	uint16_t cl;
	uint32_t size, lba;
	(void)state;
	assert_int_equal(bm_parse_fat(flop, 512, &f), 0);
	assert_int_equal(f.root_lba, 19);
	assert_int_equal(f.data_lba, 33);
	assert_int_equal(bm_fat_find(flop + 19 * 512, 14 * 512, "simboot.txt", &cl, &size), 0);
	assert_int_equal(cl, 2);
	assert_int_equal(size, 600);
	assert_int_equal(bm_fat_find(flop + 19 * 512, 14 * 512, "OTHER.TXT", &cl, &size), BM_E_NOT_FOUND);
	assert_int_equal(bm_fat12_next(flop + 512, 9 * 512, 2), 3);
	assert_true(bm_fat12_next(flop + 512, 9 * 512, 3) >= 0xFF8);
	assert_int_equal(bm_fat12_next(flop + 512, 4, 3), 0); /* past the table */
	flop[22] = 0;
	assert_int_equal(bm_parse_fat(flop, 512, &f), BM_E_NOT_FAT);
	assert_int_equal(bm_iso_find(iso + 20 * 2048, 2048, "simboot.txt", &lba, &size), 0);
	assert_int_equal(lba, 22);
	iso[20 * 2048 + 68] = 250; /* a record running past the bytes read */
	assert_int_equal(bm_iso_find(iso + 20 * 2048, 300, "SIMBOOT.TXT", &lba, &size), BM_E_BAD);
}

/* ---------------- AMT's IDE-R session ---------------- */

#define MAX_OUT 16
static struct {
	struct {
		uint8_t b[64];
		size_t len;
		bool alone;
	} out[MAX_OUT];
	unsigned nout, opens, closes, changes, dones;
	enum sim_ider_refusal refuse;
	struct sim_ider_result last;
	uint8_t got[64];
} F;

static void f_send(void *arg, const uint8_t *msg, size_t len, bool alone)
{
	(void)arg;
	assert_true(F.nout < MAX_OUT && len <= sizeof(F.out[0].b));
	memcpy(F.out[F.nout].b, msg, len);
	F.out[F.nout].len = len;
	F.out[F.nout].alone = alone;
	F.nout++;
}
static enum sim_ider_refusal f_open(void *arg)
{
	(void)arg;
	F.opens++;
	return F.refuse;
}
static void f_close(void *arg) { (void)arg; F.closes++; }
static void f_changed(void *arg) { (void)arg; F.changes++; }
static void f_done(void *arg, const struct sim_ider_result *r)
{
	(void)arg;
	F.dones++;
	F.last = *r;
	memcpy(F.got, r->data, r->len < sizeof(F.got) ? r->len : sizeof(F.got));
}
static const struct sim_ider_ops iops = {f_send, f_open, f_close, f_changed, f_done};
static struct sim_ider S;

#define IN(s) sim_ider_input(&S, (const uint8_t *)(s), sizeof(s) - 1)
#define OPEN_MC "\x40\x00\x00\x00\x00\x00\x00\x00\x30\x75\x00\x00\x20\x4e\x01\x00\x00\x00"

static int ider_setup(void **state)
{
	(void)state;
	memset(&F, 0, sizeof(F));
	sim_ider_free(&S);
	assert_int_equal(sim_ider_init(&S, &iops, NULL), 0);
	return 0;
}

static int ider_teardown(void **state)
{
	(void)state;
	sim_ider_free(&S);
	return 0;
}

static void t_session(void **state)
{
	static const uint8_t cdb[12] = {SCSI_READ10, 0, 0, 0, 0, 17, 0, 0, 1};
	(void)state;
	assert_int_equal(IN(OPEN_MC), SIM_IDER_S_RUN);
	assert_int_equal(F.out[0].len, 30);
	assert_memory_equal(F.out[0].b, "\x41\x00\x00\x00\x00\x00\x00\x00\x01\x00\x01\x00\x00\x00\x00\x00"
					"\x00\x20\x00\x20\x00\x00\x00\x00\x00\x57\x01\x00\x00\x00", 30);
	assert_true(F.out[0].alone);
	assert_int_equal(S.heartbeat_ms, 20000);
	assert_false(sim_ider_can_issue(&S)); /* not enabled yet */
	IN("\x48\x00\x00\x00\x01\x00\x00\x00\x03\x09\x00\x00\x00"); /* enable on reboot */
	assert_memory_equal(F.out[1].b, "\x49\x00\x00\x00\x01\x00\x00\x00\x03\x01\x00\x00\x00", 13);
	assert_false(sim_ider_can_issue(&S)); /* on reboot: not on the cable yet */
	IN("\x48\x00\x00\x00\x02\x00\x00\x00\x02\x00\x00\x00\x00");
	assert_int_equal(F.out[2].b[9], IDER_FEAT_ENABLE);
	sim_ider_host_reset(&S);
	assert_memory_equal(F.out[3].b, "\x46\x00\x00\x00\x03\x00\x00\x00\x03", 9);
	assert_false(sim_ider_can_issue(&S)); /* until the console acknowledges */
	IN("\x47\x00\x00\x00\x02\x00\x00\x00");
	assert_true(sim_ider_can_issue(&S));
	assert_int_equal(sim_ider_issue(&S, IDER_DEV_CDROM, cdb, 2048), 0);
	assert_int_equal(F.out[4].len, 28);
	assert_int_equal(F.out[4].b[4], 4); /* AMT's sequence: 0, 1, 2, 3, 4 */
	assert_int_equal(F.out[4].b[14], IDER_DEV_CDROM);
	assert_int_equal(F.out[4].b[16], SCSI_READ10);
	assert_int_equal(sim_ider_issue(&S, IDER_DEV_CDROM, cdb, 2048), -1); /* one at a time */
	IN("\x54\x00\x00\x00\x03\x00\x00\x00\x00\x03\x00\x00\xb5\x00\x02\x00\x03\x00\xb0\x58"
	   "\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00" "abc");
	assert_int_equal(F.dones, 0);
	IN("\x54\x00\x00\x02\x04\x00\x00\x00\x00\x02\x00\x00\xb5\x00\x02\x00\x02\x00\xb0\x58"
	   "\x85\x00\x03\x00\x00\x00\xb0\x50\x00\x00\x00\x00\x00\x00" "de");
	assert_int_equal(F.dones, 1);
	assert_false(F.last.error);
	assert_int_equal(F.last.len, 5);
	assert_memory_equal(F.got, "abcde", 5);
	sim_ider_issue(&S, IDER_DEV_CDROM, cdb, 2048);
	IN("\x51\x00\x00\x02\x05\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00"
	   "\x87\x50\x03\x00\x00\x00\xb0\x51\x05\x21\x00");
	assert_int_equal(F.dones, 2);
	assert_true(F.last.error);
	assert_int_equal(F.last.sense, 5);
	assert_int_equal(F.last.asc, 0x21);
	/* the host gives up: 0x4A, and the late answer is ignored until the next reset */
	sim_ider_issue(&S, IDER_DEV_CDROM, cdb, 2048);
	sim_ider_abandon(&S);
	assert_int_equal(F.out[F.nout - 1].b[0], IDER_ERROR);
	IN("\x51\x00\x00\x02\x05\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00"
	   "\xc5\x00\x03\x00\x00\x00\xb0\x50\x00\x00\x00");
	assert_int_equal(F.dones, 2);
	assert_false(sim_ider_can_issue(&S));
	IN("\x44\x00\x00\x00\x09\x00\x00\x00");
	assert_int_equal(F.out[F.nout - 1].b[0], IDER_PONG);
	IN("\x4b\x00\x00\x00\x09\x00\x00\x00"); /* amtider's echo */
	assert_int_equal(IN("\x42\x00\x00\x00\x00\x00\x00\x00"), SIM_IDER_S_CLOSED);
	assert_int_equal(F.out[F.nout - 1].b[0], IDER_CLOSE_REPLY);
	assert_int_equal(F.closes, 1);
}

static void t_session_refusals(void **state)
{
	(void)state;
	F.refuse = SIM_IDER_BUSY;
	assert_int_equal(IN(OPEN_MC), SIM_IDER_S_CLOSED);
	assert_int_equal(F.out[0].b[1], 1); /* 0x41 status: refused */
	assert_int_equal(F.closes, 0);
	assert_non_null(strstr(S.why, "another IDE-R session"));
	ider_setup(NULL);
	assert_int_equal(IN("\x4b\x00\x00\x00\x00\x00\x00\x00"), SIM_IDER_S_CLOSED); /* before the open */
	ider_setup(NULL);
	IN(OPEN_MC);
	IN("\x48\x00\x00\x00\x01\x00\x00\x00\x03\x19\x00\x00\x00"); /* now */
	assert_true(sim_ider_can_issue(&S));
	static const uint8_t cdb[12] = {0};
	sim_ider_issue(&S, IDER_DEV_CDROM, cdb, 0);
	assert_int_equal(IN("\x52\x00\x00\x00\x03\x00\x00\x00\x00\x00\x02\x00\xb5\x00\x00\x00\x00\x02\xa0\x58"
			    "\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00"), SIM_IDER_S_CLOSED);
	assert_int_equal(F.closes, 1);
	ider_setup(NULL);
	IN(OPEN_MC);
	sim_ider_bad_frame(&S, PROTO_E_TOO_LARGE);
	assert_int_equal(S.state, SIM_IDER_S_CLOSED);
	assert_non_null(strstr(S.why, "too large"));
	ider_setup(NULL); /* amtider's 0x40: heartbeats every 5 s anyway, rx at least 10 s */
	IN("\x40\x64\x00\x10\x27\x88\x13\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00");
	assert_int_equal(S.heartbeat_ms, SIM_IDER_HEARTBEAT_DEFAULT_MS);
	assert_int_equal(S.rx_timeout_ms, SIM_IDER_RX_MIN_MS);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(t_cd_boot, setup),
		cmocka_unit_test_setup(t_cd_no_text, setup),
		cmocka_unit_test_setup(t_cd_failures, setup),
		cmocka_unit_test_setup(t_drive_failures, setup),
		cmocka_unit_test_setup(t_floppy, setup),
		cmocka_unit_test_setup(t_bootmedia, setup),
		cmocka_unit_test_setup_teardown(t_session, ider_setup, ider_teardown),
		cmocka_unit_test_setup_teardown(t_session_refusals, ider_setup, ider_teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
