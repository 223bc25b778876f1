// SPDX-License-Identifier: Apache-2.0
/*
 * sim_ider_bios.h - the simulated host's BIOS booting from an IDE-R drive:
 * the ATAPI commands it sends and what it makes of the answers, as a state
 * machine without I/O (protocol-facts-ider.md 5.3, SeaBIOS cdrom_boot).
 *
 * Owns: the order of the commands (TEST UNIT READY, retried after a
 * UNIT ATTENTION or "becoming ready", with REQUEST SENSE after each
 * failure; READ CAPACITY; for a CD READ(10) of the volume descriptors from
 * sector 16 (the primary one and the El Torito boot record), the boot
 * catalog and the boot image; for a floppy its boot sector), the checks
 * (sim_bootmedia.c), and the "recovery environment" that follows a good
 * boot: /SIMBOOT.TXT read through the ISO9660 (or FAT12) root directory
 * and printed, then, when asked, the whole medium read once as a live
 * system copying itself to memory. Every line the screen shows and every
 * way it fails, in words.
 * Must not: do I/O, know the IDE-R messages (sim_ider.c) or the console's
 * stages (the owner prints what print() gives it and ends the stage).
 */
#ifndef SIM_IDER_BIOS_H
#define SIM_IDER_BIOS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sim_bootmedia.h"
#include "sim_ider.h"

#define SIM_BIOS_TEXT_MAX 2048u    /* bytes of /SIMBOOT.TXT shown */
#define SIM_BIOS_READ_BLOCKS 32u   /* blocks per READ(10) when reading the whole medium */
#define SIM_BIOS_LOAD_MAX (64u * 1024u) /* largest boot image loaded */
#define SIM_BIOS_TUR_TRIES 6u

struct sim_bios_cmd {
	uint8_t dev;     /* IDER_DEV_* */
	uint8_t cdb[12];
	size_t expect;   /* bytes the answer may carry */
};

struct sim_bios_ops {
	void (*print)(void *arg, const char *text); /* a piece of the screen */
};

enum sim_bios_state {
	SIM_BIOS_IDLE = 0,
	SIM_BIOS_WANT,   /* a command is ready (sim_bios_next) */
	SIM_BIOS_WAIT,   /* its answer is awaited */
	SIM_BIOS_BOOTED, /* the image booted (and the recovery environment ran) */
	SIM_BIOS_FAILED, /* why says why */
};

struct sim_bios {
	const struct sim_bios_ops *ops;
	void *arg;
	enum sim_bios_state state;
	bool cd, read_all;
	int step;            /* the command in the sequence (sim_ider_bios.c) */
	struct sim_bios_cmd cmd;
	unsigned tur_tries;
	uint8_t last_sense, last_asc, last_ascq; /* from the failing command's message */
	uint32_t blocks, block_size;
	uint32_t lba;        /* the read in flight, for messages */
	uint32_t descriptor; /* the volume descriptor being read */
	bool have_pvd;
	struct bm_pvd pvd;
	struct bm_boot_entry boot;
	uint32_t catalog_lba;
	struct bm_fat fat;
	uint8_t fat_table[12 * 512];
	uint16_t cluster;
	uint32_t file_lba, file_size;
	uint8_t text[SIM_BIOS_TEXT_MAX];
	size_t text_len;
	uint32_t next_lba;   /* reading the whole medium */
	uint64_t bytes_read;
	char why[160];
};

/* Start booting from the CD-ROM (cd) or the floppy. */
void sim_bios_start(struct sim_bios *b, const struct sim_bios_ops *ops, void *arg, bool cd,
		    bool read_all);
/* The command to send now: true and *out once per command. */
bool sim_bios_next(struct sim_bios *b, struct sim_bios_cmd *out);
/* The drive's answer to it. */
void sim_bios_result(struct sim_bios *b, const struct sim_ider_result *r);
/* The drive went away or stopped answering: the boot fails with why. */
void sim_bios_fail(struct sim_bios *b, const char *why);
bool sim_bios_done(const struct sim_bios *b);
/* True when the command just taken starts reading the whole medium. */
bool sim_bios_copy_starts(const struct sim_bios *b);
/* "CD-ROM" or "floppy" */
const char *sim_bios_device_name(const struct sim_bios *b);

#endif
