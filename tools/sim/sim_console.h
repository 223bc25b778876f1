// SPDX-License-Identifier: Apache-2.0
/*
 * sim_console.h - the simulated host's serial console: what a technician
 * sees and types over Serial-over-LAN. It exists so that remote-repair
 * flows (power on, boot to BIOS setup or the network, log in) can be tested
 * end to end; it is a small text model, not an emulator.
 *
 * Owns: the console's stages (off, POST, BIOS setup, boot paused, PXE,
 * CD/DVD, diagnostic, OS boot, login prompt, asleep), the scripts of text
 * each stage prints with their delays (one table, sim_console.c), the keys
 * the interactive stages answer (F10 leaves BIOS setup, Enter redraws it;
 * the login prompt echoes what is typed), and its output: a backlog of the
 * recent screen (what a new SOL session is given first, see below) and the
 * bytes waiting for the session that is attached.
 * Must not: know sockets, the redirection protocol or the power rules
 * (sim_host.c decides transitions and calls the events below); take locks.
 *
 * Locking: every function is called with the ME lock held (the power model
 * runs under it already; the redirection service takes it). The wake
 * callback is called under that lock and must only kick a thread.
 *
 * A new session first receives the backlog (at most SIM_CONSOLE_BACKLOG
 * bytes written since the host last powered on): a simulator choice that
 * stands in for the redraw a technician gets on a real machine by pressing
 * a key, so a console that connects after the text was written still sees
 * the BIOS screen or the login prompt.
 */
#ifndef SIM_CONSOLE_H
#define SIM_CONSOLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SIM_CONSOLE_BACKLOG 2048u  /* recent output a new session is given */
#define SIM_CONSOLE_PENDING 16384u /* output waiting for the attached session */

/* Where a boot goes after POST (the one-time choice AMT hands the BIOS). */
enum sim_boot_target {
	SIM_BOOT_NORMAL = 0, /* the BIOS's own order: the hard drive */
	SIM_BOOT_BIOS_SETUP,
	SIM_BOOT_PXE,
	SIM_BOOT_HDD,
	SIM_BOOT_CD,
	SIM_BOOT_DIAG,
	SIM_BOOT_IDER, /* UseIDER: the remote drive AMT redirects (IDERBootDevice) */
};

struct sim_boot_plan {
	uint32_t target; /* enum sim_boot_target */
	bool bios_pause; /* BIOSPause: wait for a key before booting */
	bool resume;     /* the OS resumes from hibernation instead of booting */
	bool ider_cd;    /* SIM_BOOT_IDER: the CD-ROM (IDERBootDevice 1), else the floppy */
};

/* What the screens show, copied at each boot. */
struct sim_console_info {
	char host_name[64];
	char bios[66];
	char amt_version[21];
	uint8_t mac[6];
};

struct sim_console;

struct sim_console *sim_console_new(void);
void sim_console_free(struct sim_console *c);
/* Called (under the ME lock) when output or a new deadline appears. */
void sim_console_set_wake(struct sim_console *c, void (*wake)(void *arg), void *arg);
/* Firmware seconds per simulated second for the scripts' delays (0 = 1). */
void sim_console_set_scale(struct sim_console *c, unsigned scale);
void sim_console_set_info(struct sim_console *c, const struct sim_console_info *info);

/* ---- events from the power model (times: CLOCK_MONOTONIC ms) ---- */
/* Power on, reset or cycle: POST, then the plan. */
void sim_console_boot(struct sim_console *c, const struct sim_boot_plan *plan, uint64_t now);
/* The host was already up when the simulator started: the login prompt. */
void sim_console_running(struct sim_console *c, uint64_t now);
/* Power off or hibernate: output ends, the backlog is cleared. */
void sim_console_off(struct sim_console *c);
void sim_console_sleep(struct sim_console *c);
void sim_console_wake(struct sim_console *c, uint64_t now);
/* A diagnostic interrupt (NMI): a line on the console. */
void sim_console_nmi(struct sim_console *c, uint64_t now);
/* The OS announces a graceful shutdown or reboot (before the power model
 * turns the host off or boots it again). */
void sim_console_shutdown_notice(struct sim_console *c, bool reboot, uint64_t now);

/* A line the platform puts on the host's screen (the user consent code),
 * printed unless the host is off or asleep. */
void sim_console_notice(struct sim_console *c, const char *text);

/* True while the simulated OS runs (login prompt): graceful requests,
 * sleep and hibernate need it. */
bool sim_console_os_running(const struct sim_console *c);
/* "off", "post", "bios_setup", ... for logs and tests. */
const char *sim_console_stage(const struct sim_console *c);

/* ---- booting from an IDE-R drive (the redirection service drives it) ----
 * An IDE-R boot prints "Attempting remote IDE boot" and waits: for the
 * BIOS's reads to begin (sim_console_ider_begin), or for wait_ms firmware
 * ms (0: for ever), after which the BIOS boots from the next device. */
void sim_console_set_ider_wait(struct sim_console *c, uint32_t wait_ms);
/* Times the host booted (power on, reset, cycle) since it was created. */
unsigned sim_console_boots(const struct sim_console *c);
/* 0 unless the BIOS waits for an IDE-R drive: then 1 the floppy, 2 the CD-ROM. */
int sim_console_ider_wanted(const struct sim_console *c);
void sim_console_ider_begin(struct sim_console *c);
/* What the BIOS puts on the screen while it reads. */
void sim_console_ider_print(struct sim_console *c, const char *text);
/* The boot from the drive ended: booted (the recovery environment runs),
 * or failed (the BIOS goes on to the next device). */
void sim_console_ider_end(struct sim_console *c, bool booted, uint64_t now);

/* ---- the running console ---- */
/* Keys typed on the SOL console. */
void sim_console_input(struct sim_console *c, const uint8_t *p, size_t n, uint64_t now);
/* Advance the scripts to now. */
void sim_console_tick(struct sim_console *c, uint64_t now);
/* Next time tick() has work, UINT64_MAX when none. */
uint64_t sim_console_due(const struct sim_console *c);

/* ---- output for Serial-over-LAN ---- */
/* A session starts: its pending output is the backlog. */
void sim_console_attach(struct sim_console *c);
/* It ends: output is no longer kept for it. */
void sim_console_detach(struct sim_console *c);
/* Take up to cap pending bytes; returns how many. */
size_t sim_console_read(struct sim_console *c, uint8_t *buf, size_t cap);
size_t sim_console_pending(const struct sim_console *c);

#endif
