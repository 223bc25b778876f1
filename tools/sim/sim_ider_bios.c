// SPDX-License-Identifier: Apache-2.0
/*
 * sim_ider_bios.c - the simulated BIOS's boot from an IDE-R drive (see
 * sim_ider_bios.h). One step per command; each step's answer decides the
 * next. CDB fields are big-endian (SCSI), media fields little-endian.
 */
#include "sim_ider_bios.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "wire.h"

enum step {
	S_TUR, S_SENSE, S_CAPACITY,
	S_DESCRIPTOR, S_CATALOG, S_IMAGE, S_ROOT, S_FILE,        /* CD */
	S_BOOTSECT, S_FAT, S_FROOT, S_FFILE,                      /* floppy */
	S_READALL,
};

#define DESCRIPTORS_MAX 16u
#define DIR_MAX (64u * 1024u)

static void say(struct sim_bios *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void say(struct sim_bios *b, const char *fmt, ...)
{
	char buf[256];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	b->ops->print(b->arg, buf);
}

bool sim_bios_copy_starts(const struct sim_bios *b)
{
	return b->step == S_READALL && b->next_lba == 0 && b->bytes_read == 0;
}

const char *sim_bios_device_name(const struct sim_bios *b)
{
	return b->cd ? "CD-ROM" : "floppy";
}

void sim_bios_fail(struct sim_bios *b, const char *why)
{
	if (sim_bios_done(b))
		return;
	snprintf(b->why, sizeof(b->why), "%s", why);
	b->state = SIM_BIOS_FAILED;
	say(b, "\r\nRemote IDE boot failed: %s\r\n", why);
}

bool sim_bios_done(const struct sim_bios *b)
{
	return b->state == SIM_BIOS_BOOTED || b->state == SIM_BIOS_FAILED;
}

static void cmd(struct sim_bios *b, int step, uint8_t op, size_t expect)
{
	memset(&b->cmd, 0, sizeof(b->cmd));
	b->cmd.dev = b->cd ? IDER_DEV_CDROM : IDER_DEV_FLOPPY;
	b->cmd.cdb[0] = op;
	b->cmd.expect = expect;
	b->step = step;
	b->state = SIM_BIOS_WANT;
}

static void read10(struct sim_bios *b, int step, uint32_t lba, uint32_t count)
{
	cmd(b, step, SCSI_READ10, (size_t)count * b->block_size);
	b->cmd.cdb[2] = (uint8_t)(lba >> 24);
	b->cmd.cdb[3] = (uint8_t)(lba >> 16);
	b->cmd.cdb[4] = (uint8_t)(lba >> 8);
	b->cmd.cdb[5] = (uint8_t)lba;
	b->cmd.cdb[7] = (uint8_t)(count >> 8);
	b->cmd.cdb[8] = (uint8_t)count;
	b->lba = lba;
}

/* Blocks holding bytes (at least one). */
static uint32_t blocks_for(const struct sim_bios *b, uint64_t bytes)
{
	uint64_t n = (bytes + b->block_size - 1) / b->block_size;
	return n ? (uint32_t)n : 1u;
}

void sim_bios_start(struct sim_bios *b, const struct sim_bios_ops *ops, void *arg, bool cd,
		    bool read_all)
{
	memset(b, 0, sizeof(*b));
	b->ops = ops;
	b->arg = arg;
	b->cd = cd;
	b->read_all = read_all;
	b->block_size = cd ? BM_CD_BLOCK : BM_FLOPPY_BLOCK;
	cmd(b, S_TUR, SCSI_TEST_UNIT_READY, 0);
}

bool sim_bios_next(struct sim_bios *b, struct sim_bios_cmd *out)
{
	if (b->state != SIM_BIOS_WANT)
		return false;
	*out = b->cmd;
	b->state = SIM_BIOS_WAIT;
	return true;
}

/* Text from the image as the screen shows it: printable ASCII, tabs, and
 * line ends as CR LF; it stops at the first NUL. */
static void show_text(struct sim_bios *b)
{
	char out[2 * SIM_BIOS_TEXT_MAX + 3];
	size_t k = 0;
	for (size_t i = 0; i < b->text_len && b->text[i]; i++) {
		uint8_t c = b->text[i];
		if (c == '\n' && (i == 0 || b->text[i - 1] != '\r'))
			out[k++] = '\r';
		out[k++] = (char)((c >= 0x20 && c < 0x7F) || c == '\n' || c == '\r' || c == '\t' ? c : '?');
	}
	out[k] = '\0';
	b->ops->print(b->arg, "\r\n");
	b->ops->print(b->arg, out);
	if (k && out[k - 1] != '\n')
		b->ops->print(b->arg, "\r\n");
}

static void after_recovery_text(struct sim_bios *b)
{
	if (!b->read_all) {
		b->state = SIM_BIOS_BOOTED;
		return;
	}
	say(b, "Recovery environment: copying the %s to memory (%u blocks)...\r\n",
	    sim_bios_device_name(b), (unsigned)b->blocks);
	b->next_lba = 0;
	uint32_t n = b->blocks < SIM_BIOS_READ_BLOCKS ? b->blocks : SIM_BIOS_READ_BLOCKS;
	read10(b, S_READALL, 0, n);
}

static void no_text(struct sim_bios *b, const char *why)
{
	say(b, "\r\n(%s: the image's boot loader has control)\r\n", why);
	after_recovery_text(b);
}

/* ---- the sense of a failed command ---- */

static void sense_fail(struct sim_bios *b, const char *what, uint8_t k, uint8_t asc, uint8_t ascq)
{
	char why[160];
	snprintf(why, sizeof(why), "%s (sense %X/%02X/%02X)", what, k, asc, ascq);
	sim_bios_fail(b, why);
}

static void on_sense(struct sim_bios *b, const struct sim_ider_result *r)
{
	uint8_t k = b->last_sense, asc = b->last_asc, ascq = b->last_ascq;
	if (!r->error) { /* the drive's own sense data */
		if (r->len < 14 || ((r->data[0] & 0x7F) != 0x70 && (r->data[0] & 0x7F) != 0x71)) {
			sim_bios_fail(b, "the drive answered REQUEST SENSE with invalid sense data");
			return;
		}
		k = r->data[2] & 0x0F;
		asc = r->data[12];
		ascq = r->data[13];
	} /* else: the console does not implement REQUEST SENSE; its 0x51 carried the sense */
	if (k == SENSE_NONE) {
		sim_bios_fail(b, "the drive reported an error without sense data");
		return;
	}
	if (k == SENSE_NOT_READY && asc == 0x3A) {
		char why[96];
		snprintf(why, sizeof(why), "no medium in the remote %s", sim_bios_device_name(b));
		sense_fail(b, why, k, asc, ascq);
		return;
	}
	bool retry = k == SENSE_UNIT_ATTENTION || (k == SENSE_NOT_READY && asc == 0x04 && ascq == 0x01);
	if (retry && b->tur_tries < SIM_BIOS_TUR_TRIES) {
		cmd(b, S_TUR, SCSI_TEST_UNIT_READY, 0);
		return;
	}
	sense_fail(b, retry ? "the drive did not become ready" : "the drive is not ready", k, asc, ascq);
}

static void on_capacity(struct sim_bios *b, const struct sim_ider_result *r)
{
	struct wire_rd rd;
	uint32_t last = 0, size = 0;
	wire_rd_init(&rd, r->data, r->len);
	if (r->len < 8 || wire_get_u32be(&rd, &last) || wire_get_u32be(&rd, &size)) {
		sim_bios_fail(b, "READ CAPACITY answered fewer than 8 bytes");
		return;
	}
	if (size != b->block_size || last == UINT32_MAX) {
		char why[96];
		snprintf(why, sizeof(why), "READ CAPACITY reports blocks of %u bytes, not %u", size,
			 b->block_size);
		sim_bios_fail(b, why);
		return;
	}
	b->blocks = last + 1;
	say(b, "IDE-R %s: %u blocks of %u bytes (%.1f MB)\r\n", sim_bios_device_name(b),
	    (unsigned)b->blocks, (unsigned)size, (double)b->blocks * size / (1024.0 * 1024.0));
	if (b->cd) {
		b->descriptor = BM_PVD_LBA;
		read10(b, S_DESCRIPTOR, BM_PVD_LBA, 1);
	} else {
		read10(b, S_BOOTSECT, 0, 1);
	}
}

static void on_descriptor(struct sim_bios *b, const struct sim_ider_result *r)
{
	bool boot = false;
	int rc = bm_parse_descriptor(r->data, r->len, &b->pvd, &boot, &b->catalog_lba);
	if (rc < 0) {
		sim_bios_fail(b, bm_error_text(rc));
		return;
	}
	if (rc == 1) {
		b->have_pvd = true;
		say(b, "Volume: %s\r\n", b->pvd.volume_id);
	}
	bool found = b->have_pvd && b->catalog_lba;
	if (!found && (rc == 2 || b->descriptor + 1 >= BM_PVD_LBA + DESCRIPTORS_MAX)) {
		sim_bios_fail(b, bm_error_text(b->have_pvd ? BM_E_NO_BOOT_RECORD : BM_E_NOT_ISO));
		return;
	}
	if (!found) {
		b->descriptor++;
		read10(b, S_DESCRIPTOR, b->descriptor, 1);
		return;
	}
	if (b->catalog_lba >= b->blocks) {
		sim_bios_fail(b, "the boot catalog lies past the end of the medium");
		return;
	}
	read10(b, S_CATALOG, b->catalog_lba, 1);
}

static void on_catalog(struct sim_bios *b, const struct sim_ider_result *r)
{
	int rc = bm_parse_catalog(r->data, r->len, &b->boot);
	if (rc != 0) {
		sim_bios_fail(b, bm_error_text(rc));
		return;
	}
	uint32_t sectors = b->boot.sector_count ? b->boot.sector_count : 1u;
	uint64_t bytes = (uint64_t)sectors * 512u;
	uint32_t blocks = blocks_for(b, bytes);
	if (bytes > SIM_BIOS_LOAD_MAX || b->boot.load_lba >= b->blocks ||
	    b->boot.load_lba + blocks > b->blocks) {
		sim_bios_fail(b, "not bootable: the boot image is too large or lies past the end");
		return;
	}
	say(b, "El Torito boot image: %u bytes (%u virtual sectors, %s) at block %u\r\n",
	    (unsigned)bytes, (unsigned)sectors, bm_media_name(b->boot.media),
	    (unsigned)b->boot.load_lba);
	read10(b, S_IMAGE, b->boot.load_lba, blocks);
}

static void on_image(struct sim_bios *b, const struct sim_ider_result *r)
{
	if (b->boot.media != 0 && !bm_has_signature(r->data, r->len)) {
		sim_bios_fail(b, bm_error_text(BM_E_NO_SIGNATURE));
		return;
	}
	say(b, "Booting from the remote CD-ROM (load segment %04X)...\r\n",
	    b->boot.load_segment ? b->boot.load_segment : 0x07C0);
	uint32_t size = b->pvd.root_size < DIR_MAX ? b->pvd.root_size : DIR_MAX;
	if (!size || b->pvd.root_lba >= b->blocks) {
		no_text(b, "no root directory");
		return;
	}
	read10(b, S_ROOT, b->pvd.root_lba, blocks_for(b, size));
}

static void read_file(struct sim_bios *b, uint32_t lba, uint32_t size)
{
	uint32_t want = size < SIM_BIOS_TEXT_MAX ? size : SIM_BIOS_TEXT_MAX;
	if (lba >= b->blocks) {
		no_text(b, "/SIMBOOT.TXT lies past the end");
		return;
	}
	b->file_size = want;
	read10(b, b->cd ? S_FILE : S_FFILE, lba, blocks_for(b, want ? want : 1));
}

static void on_root(struct sim_bios *b, const struct sim_ider_result *r)
{
	uint32_t lba, size;
	int rc = bm_iso_find(r->data, r->len, "SIMBOOT.TXT", &lba, &size);
	if (rc != 0) {
		no_text(b, rc == BM_E_NOT_FOUND ? "no /SIMBOOT.TXT on the image" : bm_error_text(rc));
		return;
	}
	read_file(b, lba, size);
}

static void on_file(struct sim_bios *b, const struct sim_ider_result *r)
{
	size_t room = b->file_size - b->text_len, n = r->len < room ? r->len : room;
	memcpy(b->text + b->text_len, r->data, n);
	b->text_len += n;
	if (b->cd || b->text_len >= b->file_size) {
		show_text(b);
		after_recovery_text(b);
		return;
	}
	uint16_t next = bm_fat12_next(b->fat_table, (size_t)b->fat.sectors_per_fat * 512u, b->cluster);
	if (next < 2 || next >= 0xFF8 || next - 2u >= b->fat.total_sectors) {
		show_text(b); /* the chain ends early: show what there is */
		after_recovery_text(b);
		return;
	}
	b->cluster = next;
	read10(b, S_FFILE, b->fat.data_lba + (uint32_t)(next - 2u) * b->fat.sectors_per_cluster,
	       b->fat.sectors_per_cluster);
}

/* ---- floppy ---- */

static void on_bootsect(struct sim_bios *b, const struct sim_ider_result *r)
{
	if (!bm_has_signature(r->data, r->len)) {
		sim_bios_fail(b, bm_error_text(BM_E_NO_SIGNATURE));
		return;
	}
	int rc = bm_parse_fat(r->data, r->len, &b->fat);
	if (rc == 0)
		say(b, "Volume: %s\r\n", b->fat.label[0] ? b->fat.label : "(no label)");
	say(b, "Booting from the remote floppy (boot sector at 0000:7C00)...\r\n");
	if (rc != 0 || b->fat.root_lba + b->fat.root_sectors > b->blocks) {
		no_text(b, "no FAT12 file system");
		return;
	}
	read10(b, S_FAT, b->fat.fat_lba, b->fat.sectors_per_fat);
}

static void on_fat(struct sim_bios *b, const struct sim_ider_result *r)
{
	memcpy(b->fat_table, r->data, r->len < sizeof(b->fat_table) ? r->len : sizeof(b->fat_table));
	read10(b, S_FROOT, b->fat.root_lba, b->fat.root_sectors);
}

static void on_froot(struct sim_bios *b, const struct sim_ider_result *r)
{
	uint16_t cluster;
	uint32_t size;
	int rc = bm_fat_find(r->data, r->len, "SIMBOOT.TXT", &cluster, &size);
	if (rc != 0 || cluster < 2) {
		no_text(b, rc == BM_E_NOT_FOUND || rc == 0 ? "no SIMBOOT.TXT on the floppy"
							   : bm_error_text(rc));
		return;
	}
	b->cluster = cluster;
	uint32_t want = size < SIM_BIOS_TEXT_MAX ? size : SIM_BIOS_TEXT_MAX;
	b->file_size = want;
	if (!want) {
		show_text(b);
		after_recovery_text(b);
		return;
	}
	read10(b, S_FFILE, b->fat.data_lba + (uint32_t)(cluster - 2u) * b->fat.sectors_per_cluster,
	       b->fat.sectors_per_cluster);
}

static void on_readall(struct sim_bios *b, const struct sim_ider_result *r)
{
	b->bytes_read += r->len;
	b->next_lba += (uint32_t)(r->len / b->block_size);
	if (b->next_lba >= b->blocks) {
		say(b, "Copied %.1f MB from the remote %s.\r\n", (double)b->bytes_read / (1024.0 * 1024.0),
		    sim_bios_device_name(b));
		b->state = SIM_BIOS_BOOTED;
		return;
	}
	uint32_t left = b->blocks - b->next_lba;
	read10(b, S_READALL, b->next_lba, left < SIM_BIOS_READ_BLOCKS ? left : SIM_BIOS_READ_BLOCKS);
}

void sim_bios_result(struct sim_bios *b, const struct sim_ider_result *r)
{
	if (b->state != SIM_BIOS_WAIT)
		return;
	int step = b->step;
	if (step == S_TUR) {
		b->tur_tries++;
		if (!r->error) {
			cmd(b, S_CAPACITY, SCSI_READ_CAPACITY, 8);
			return;
		}
		b->last_sense = r->sense;
		b->last_asc = r->asc;
		b->last_ascq = r->ascq;
		cmd(b, S_SENSE, SCSI_REQUEST_SENSE, 18);
		b->cmd.cdb[4] = 18;
		return;
	}
	if (step == S_SENSE) {
		on_sense(b, r);
		return;
	}
	if (r->error) {
		char what[96];
		if (step == S_CAPACITY)
			snprintf(what, sizeof(what), "READ CAPACITY failed");
		else
			snprintf(what, sizeof(what), "reading block %u failed", (unsigned)b->lba);
		sense_fail(b, what, r->sense, r->asc, r->ascq);
		return;
	}
	if (step != S_CAPACITY && r->len < b->cmd.expect) {
		char why[128];
		snprintf(why, sizeof(why), "the drive returned %zu of %zu bytes of block %u", r->len,
			 b->cmd.expect, (unsigned)b->lba);
		sim_bios_fail(b, why);
		return;
	}
	switch (step) {
	case S_CAPACITY: on_capacity(b, r); break;
	case S_DESCRIPTOR: on_descriptor(b, r); break;
	case S_CATALOG: on_catalog(b, r); break;
	case S_IMAGE: on_image(b, r); break;
	case S_ROOT: on_root(b, r); break;
	case S_FILE:
	case S_FFILE: on_file(b, r); break;
	case S_BOOTSECT: on_bootsect(b, r); break;
	case S_FAT: on_fat(b, r); break;
	case S_FROOT: on_froot(b, r); break;
	case S_READALL: on_readall(b, r); break;
	default: sim_bios_fail(b, "internal: an unknown step"); break;
	}
}
