// SPDX-License-Identifier: Apache-2.0
/*
 * sim_sysfs.h - the simulated MEI device's sysfs attributes: what the Linux
 * driver shows in /sys/class/mei/meiN/ beside /dev/meiN, made from the
 * device state, and published as plain files under a directory that
 * scripts/with-mei0.sh --sysfs mounts over /sys/class/mei.
 *
 * Owns: the attribute texts (byte for byte as the kernel's show functions
 * print them) and writing them, each file atomically, as DIR/mei0/NAME.
 * Must not: answer protocol messages, keep state of its own, or be called
 * by a part of the firmware (main.c publishes at start and after a reload).
 */
#ifndef SIM_SYSFS_H
#define SIM_SYSFS_H

#include <stddef.h>

#include "sim_state.h"

#define SIM_SYSFS_ATTRS 8
#define SIM_SYSFS_TEXT 128

/* One attribute: its file name under meiN/ and the bytes a read returns. */
struct sim_sysfs_attr {
	const char *name;
	char text[SIM_SYSFS_TEXT];
};

struct sim_sysfs_attrs {
	struct sim_sysfs_attr attr[SIM_SYSFS_ATTRS];
};

/* The FWSTS registers the device shows: [me] fw_status when given, else
 * six derived from the state (normal working state, init complete, the
 * firmware SKU from the platform type). Returns how many (1..6). */
unsigned sim_sysfs_fw_status(const struct sim_state *st, uint32_t regs[SIM_FW_STATUS_MAX]);
/* Every attribute's text, from the state. Call under the ME lock when st
 * is the running firmware's; the result is a copy. */
void sim_sysfs_format(const struct sim_state *st, struct sim_sysfs_attrs *a);
/* The text of attribute name, or NULL. */
const char *sim_sysfs_text(const struct sim_sysfs_attrs *a, const char *name);
/* Write every attribute to dir/mei0/NAME (creating dir and dir/mei0 as
 * needed), each file atomically. Returns 0, or -1 with a one-line reason in
 * err. */
int sim_sysfs_publish(const char *dir, const struct sim_sysfs_attrs *a, char *err,
		      size_t errcap);
/* Remove what publish created (the files, then mei0/ when empty). */
void sim_sysfs_unpublish(const char *dir);

#endif
