// SPDX-License-Identifier: Apache-2.0
/*
 * sim_bootmedia.c - boot media parsers (see sim_bootmedia.h). Layouts:
 * ISO9660 (BSD cd9660/iso.h, Linux iso_fs.h), El Torito (pycdlib
 * eltorito.py, EDK ElTorito.h, SeaBIOS cdrom.c), FAT12 (the BPB of a DOS
 * boot sector). All reads go through wire.h cursors.
 */
#include "sim_bootmedia.h"

#include <ctype.h>
#include <string.h>

#include "wire.h"

const char *bm_error_text(int err)
{
	switch (err) {
	case BM_E_NOT_ISO: return "no ISO9660 volume (CD001) at sector 16";
	case BM_E_NO_BOOT_RECORD: return "not bootable: no El Torito boot record";
	case BM_E_CATALOG: return "not bootable: the boot catalog's validation entry is wrong";
	case BM_E_CHECKSUM: return "not bootable: the boot catalog's checksum is wrong";
	case BM_E_NOT_BOOTABLE: return "not bootable: the initial boot entry is not bootable";
	case BM_E_PLATFORM: return "not bootable: the boot catalog is not for a BIOS (x86)";
	case BM_E_NO_SIGNATURE: return "not bootable: no boot signature 0x55AA";
	case BM_E_NOT_FAT: return "no FAT12 file system";
	case BM_E_NOT_FOUND: return "file not found";
	case BM_E_BAD: return "a record runs past its sector";
	default: return "ok";
	}
}

static const uint8_t cd001[5] = {'C', 'D', '0', '0', '1'};
static const char el_torito[] = "EL TORITO SPECIFICATION";

int bm_parse_descriptor(const uint8_t *s, size_t n, struct bm_pvd *pvd, bool *boot_record,
			uint32_t *catalog_lba)
{
	struct wire_rd r;
	uint8_t type, version;
	*boot_record = false;
	if (n < BM_CD_BLOCK || memcmp(s + 1, cd001, 5) != 0 || s[6] != 1)
		return BM_E_NOT_ISO;
	type = s[0];
	if (type == 0xFF)
		return 2;
	if (type == 0) { /* boot record: the system id is NUL-padded (SeaBIOS compares with strcmp) */
		if (memcmp(s + 7, el_torito, sizeof(el_torito)) == 0) {
			*boot_record = true;
			wire_rd_init(&r, s + 71, 4);
			return wire_get_u32le(&r, catalog_lba) == 0 ? 0 : BM_E_BAD;
		}
		return 0;
	}
	if (type != 1)
		return 0;
	memset(pvd, 0, sizeof(*pvd));
	memcpy(pvd->volume_id, s + 40, 32);
	for (int i = 31; i >= 0 && (pvd->volume_id[i] == ' ' || pvd->volume_id[i] == '\0'); i--)
		pvd->volume_id[i] = '\0';
	for (int i = 0; pvd->volume_id[i]; i++)
		if (!isprint((unsigned char)pvd->volume_id[i]))
			pvd->volume_id[i] = '?';
	wire_rd_init(&r, s, n);
	version = 0;
	if (wire_get_bytes(&r, NULL, 80) || wire_get_u32le(&r, &pvd->volume_blocks) ||
	    wire_get_bytes(&r, NULL, 128 - 84) || wire_get_u16le(&r, &pvd->block_size) ||
	    wire_get_bytes(&r, NULL, 156 - 130) || wire_get_u8(&r, &version) /* record length */ ||
	    wire_get_bytes(&r, NULL, 1) || wire_get_u32le(&r, &pvd->root_lba) ||
	    wire_get_bytes(&r, NULL, 4) || wire_get_u32le(&r, &pvd->root_size))
		return BM_E_BAD;
	if (version < 34 || pvd->block_size != BM_CD_BLOCK)
		return BM_E_BAD;
	return 1;
}

int bm_parse_catalog(const uint8_t *s, size_t n, struct bm_boot_entry *e)
{
	struct wire_rd r;
	uint16_t sum = 0, w;
	uint8_t indicator, reserved;
	if (n < 64)
		return BM_E_BAD;
	if (s[0] != 0x01 || s[30] != 0x55 || s[31] != 0xAA)
		return BM_E_CATALOG;
	wire_rd_init(&r, s, 32);
	for (int i = 0; i < 16; i++) {
		if (wire_get_u16le(&r, &w))
			return BM_E_BAD;
		sum = (uint16_t)(sum + w); /* carry discarded: not a 1's complement sum */
	}
	if (sum != 0)
		return BM_E_CHECKSUM;
	memset(e, 0, sizeof(*e));
	e->platform = s[1];
	if (e->platform != 0)
		return BM_E_PLATFORM;
	wire_rd_init(&r, s + 32, 32);
	if (wire_get_u8(&r, &indicator) || wire_get_u8(&r, &e->media) ||
	    wire_get_u16le(&r, &e->load_segment) || wire_get_bytes(&r, NULL, 1) ||
	    wire_get_u8(&r, &reserved) || wire_get_u16le(&r, &e->sector_count) ||
	    wire_get_u32le(&r, &e->load_lba))
		return BM_E_BAD;
	if (indicator != 0x88)
		return BM_E_NOT_BOOTABLE;
	e->media &= 0x0F;
	return 0;
}

const char *bm_media_name(uint8_t media)
{
	switch (media) {
	case 0: return "no emulation";
	case 1: return "1.2 MB floppy emulation";
	case 2: return "1.44 MB floppy emulation";
	case 3: return "2.88 MB floppy emulation";
	case 4: return "hard disk emulation";
	default: return "unknown emulation";
	}
}

/* "simboot.txt;1" equals "SIMBOOT.TXT": case-insensitive, version and a
 * trailing dot ignored. */
static bool iso_name_eq(const uint8_t *id, size_t len, const char *name)
{
	size_t k = 0;
	while (k < len && id[k] != ';')
		k++;
	if (k > 0 && id[k - 1] == '.')
		k--;
	if (k != strlen(name))
		return false;
	for (size_t i = 0; i < k; i++)
		if (toupper(id[i]) != toupper((unsigned char)name[i]))
			return false;
	return true;
}

int bm_iso_find(const uint8_t *dir, size_t n, const char *name, uint32_t *lba, uint32_t *size)
{
	size_t off = 0;
	while (off < n) {
		uint8_t len = dir[off];
		if (len == 0) { /* records do not cross a block: go to the next one */
			off = (off / BM_CD_BLOCK + 1) * BM_CD_BLOCK;
			continue;
		}
		if (len < 34 || off + len > n)
			return BM_E_BAD;
		const uint8_t *rec = dir + off;
		uint8_t id_len = rec[32];
		if (33u + id_len > len)
			return BM_E_BAD;
		if (!(rec[25] & 0x02) && iso_name_eq(rec + 33, id_len, name)) { /* not a directory */
			struct wire_rd r;
			wire_rd_init(&r, rec + 2, 12);
			if (wire_get_u32le(&r, lba) || wire_get_bytes(&r, NULL, 4) ||
			    wire_get_u32le(&r, size))
				return BM_E_BAD;
			return 0;
		}
		off += len;
	}
	return BM_E_NOT_FOUND;
}

bool bm_has_signature(const uint8_t *sector, size_t n)
{
	return n >= 512 && sector[510] == 0x55 && sector[511] == 0xAA;
}

int bm_parse_fat(const uint8_t *boot, size_t n, struct bm_fat *f)
{
	struct wire_rd r;
	uint16_t total16;
	memset(f, 0, sizeof(*f));
	if (n < 512)
		return BM_E_BAD;
	wire_rd_init(&r, boot, n);
	if (wire_get_bytes(&r, NULL, 11) || wire_get_u16le(&r, &f->bytes_per_sector) ||
	    wire_get_u8(&r, &f->sectors_per_cluster) || wire_get_u16le(&r, &f->reserved) ||
	    wire_get_u8(&r, &f->fats) || wire_get_u16le(&r, &f->root_entries) ||
	    wire_get_u16le(&r, &total16) || wire_get_bytes(&r, NULL, 1) ||
	    wire_get_u16le(&r, &f->sectors_per_fat))
		return BM_E_BAD;
	if (f->bytes_per_sector != BM_FLOPPY_BLOCK || f->sectors_per_cluster == 0 || f->fats == 0 ||
	    f->fats > 2 || f->reserved == 0 || f->sectors_per_fat == 0 || f->sectors_per_fat > 12 ||
	    f->root_entries == 0 || f->root_entries > 512 || total16 == 0)
		return BM_E_NOT_FAT;
	f->total_sectors = total16;
	f->fat_lba = f->reserved;
	f->root_lba = f->fat_lba + (uint32_t)f->fats * f->sectors_per_fat;
	f->root_sectors = ((uint32_t)f->root_entries * 32u + 511u) / 512u;
	f->data_lba = f->root_lba + f->root_sectors;
	if (f->data_lba >= f->total_sectors)
		return BM_E_NOT_FAT;
	if (boot[38] == 0x29) { /* extended boot signature: the volume label at 43 */
		memcpy(f->label, boot + 43, 11);
		for (int i = 10; i >= 0 && f->label[i] == ' '; i--)
			f->label[i] = '\0';
	}
	return 0;
}

int bm_fat_find(const uint8_t *root, size_t n, const char *name, uint16_t *cluster,
		uint32_t *size)
{
	char want[11];
	const char *dot = strchr(name, '.');
	size_t base = dot ? (size_t)(dot - name) : strlen(name), ext = dot ? strlen(dot + 1) : 0;
	if (base > 8 || ext > 3)
		return BM_E_NOT_FOUND;
	memset(want, ' ', sizeof(want));
	for (size_t i = 0; i < base; i++)
		want[i] = (char)toupper((unsigned char)name[i]);
	for (size_t i = 0; i < ext; i++)
		want[8 + i] = (char)toupper((unsigned char)dot[1 + i]);
	for (size_t off = 0; off + 32 <= n; off += 32) {
		const uint8_t *e = root + off;
		if (e[0] == 0x00)
			break; /* the end of the directory */
		if (e[0] == 0xE5 || (e[11] & 0x18) || e[11] == 0x0F)
			continue; /* deleted, a directory or label, a long-name part */
		if (memcmp(e, want, 11) == 0) {
			struct wire_rd r;
			wire_rd_init(&r, e + 26, 6);
			if (wire_get_u16le(&r, cluster) || wire_get_u32le(&r, size))
				return BM_E_BAD;
			return 0;
		}
	}
	return BM_E_NOT_FOUND;
}

uint16_t bm_fat12_next(const uint8_t *fat, size_t n, uint16_t cluster)
{
	size_t off = (size_t)cluster + cluster / 2u;
	if (off + 1 >= n)
		return 0;
	uint16_t v = (uint16_t)(fat[off] | fat[off + 1] << 8);
	return (cluster & 1) ? (uint16_t)(v >> 4) : (uint16_t)(v & 0x0FFF);
}
