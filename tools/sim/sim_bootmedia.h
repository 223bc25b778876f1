// SPDX-License-Identifier: Apache-2.0
/*
 * sim_bootmedia.h - what a BIOS reads from boot media, as pure parsers over
 * sectors (protocol-facts-ider.md section 5): ISO9660 volume descriptors,
 * the El Torito boot record and boot catalog, ISO9660 directory records,
 * and for a floppy the boot sector and a FAT12 root directory and chain.
 *
 * Owns: the byte layouts and the checks a real BIOS makes (CD001 and
 * version 1, "EL TORITO SPECIFICATION" NUL-padded, the validation entry's
 * header 0x01, its 0x55 0xAA key bytes and the 16-bit word sum of 0, the
 * initial entry's 0x88, the floppy's 0x55AA), and a file lookup by name so
 * the simulated recovery environment can print the text an image carries.
 * Must not: do I/O or know the IDE-R protocol; trust a length or an
 * offset read from the media without checking it against the buffer.
 */
#ifndef SIM_BOOTMEDIA_H
#define SIM_BOOTMEDIA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define BM_CD_BLOCK 2048u
#define BM_FLOPPY_BLOCK 512u
#define BM_PVD_LBA 16u

/* Results: 0 or one of these (bm_error_text() words them). */
enum bm_err {
	BM_OK = 0,
	BM_E_NOT_ISO = -1,        /* no CD001 volume descriptor */
	BM_E_NO_BOOT_RECORD = -2, /* no El Torito boot record: not bootable */
	BM_E_CATALOG = -3,        /* the validation entry is wrong (header, key bytes) */
	BM_E_CHECKSUM = -4,       /* the validation entry's word sum is not 0 */
	BM_E_NOT_BOOTABLE = -5,   /* the initial entry is not marked bootable (0x88) */
	BM_E_PLATFORM = -6,       /* the catalog is not for x86 BIOS (EFI only) */
	BM_E_NO_SIGNATURE = -7,   /* a boot sector without 0x55AA */
	BM_E_NOT_FAT = -8,        /* no usable FAT12 parameter block */
	BM_E_NOT_FOUND = -9,      /* no such file */
	BM_E_BAD = -10,           /* a record runs past its buffer or is inconsistent */
};
const char *bm_error_text(int err);

struct bm_pvd {
	char volume_id[33];   /* trailing spaces removed */
	uint32_t volume_blocks;
	uint16_t block_size;
	uint32_t root_lba, root_size; /* the root directory's extent */
};
/* Sector 16 (or a later descriptor): 1 when it is the primary volume
 * descriptor (filled in), 0 when it is another descriptor (boot record:
 * *boot_record and *catalog_lba set), 2 for the terminator, BM_E_NOT_ISO
 * when not CD001, BM_E_BAD for a broken primary descriptor. */
int bm_parse_descriptor(const uint8_t *s, size_t n, struct bm_pvd *pvd, bool *boot_record,
			uint32_t *catalog_lba);

struct bm_boot_entry {
	uint8_t platform;     /* validation entry: 0 x86 */
	uint8_t media;        /* 0 no emulation, 1..3 floppy, 4 hard disk */
	uint16_t load_segment; /* 0 means 0x07C0 */
	uint16_t sector_count; /* 512-byte virtual sectors to load */
	uint32_t load_lba;    /* 2048-byte block of the image */
};
/* The catalog's first block: the validation entry and the initial entry. */
int bm_parse_catalog(const uint8_t *s, size_t n, struct bm_boot_entry *e);
/* "no emulation", "1.44 MB floppy emulation", ... */
const char *bm_media_name(uint8_t media);

/* Find name ("SIMBOOT.TXT", case-insensitive, ";1" ignored) among the
 * directory records of a directory extent: 0 and its extent, or
 * BM_E_NOT_FOUND / BM_E_BAD. */
int bm_iso_find(const uint8_t *dir, size_t n, const char *name, uint32_t *lba, uint32_t *size);

/* ---- floppy ---- */
bool bm_has_signature(const uint8_t *sector, size_t n); /* 0x55 0xAA at 510 */

struct bm_fat {
	uint16_t bytes_per_sector;
	uint8_t sectors_per_cluster, fats;
	uint16_t reserved, root_entries, sectors_per_fat;
	uint32_t total_sectors;
	uint32_t fat_lba, root_lba, root_sectors, data_lba;
	char label[12];
};
int bm_parse_fat(const uint8_t *boot, size_t n, struct bm_fat *f);
/* An 8.3 name ("SIMBOOT.TXT") in the root directory: 0 and its first
 * cluster and size. */
int bm_fat_find(const uint8_t *root, size_t n, const char *name, uint16_t *cluster,
		uint32_t *size);
/* The FAT12 entry of cluster: the next cluster, >= 0xFF8 at the end, 0 when
 * the table does not reach it. */
uint16_t bm_fat12_next(const uint8_t *fat, size_t n, uint16_t cluster);

#endif
