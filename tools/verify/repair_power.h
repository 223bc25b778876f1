// SPDX-License-Identifier: Apache-2.0
/*
 * repair_power.h - the power reads and requests `amt-verify power` makes,
 * shared with `amt-verify boot` and `ider` (which reset or power on after
 * setting the boot): implemented in power.c; and the boot sequence itself,
 * implemented in boot.c.
 * Must not: print on stdout.
 */
#ifndef VERIFY_REPAIR_POWER_H
#define VERIFY_REPAIR_POWER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "repair.h"

#define REPAIR_POWER_MAX_STATES 16

struct repair_power {
	uint32_t state; /* PowerState: 2 on, 4 asleep, 7 hibernated, 8 off */
	uint32_t available[REPAIR_POWER_MAX_STATES];
	size_t navailable;
};

/* An action name ("reset") to its DMTF value: 0, or -1 for no such action. */
int repair_power_action(const char *name, uint32_t *ps);
/* Read PowerState and AvailableRequestedPowerStates: 0 or a wsman_err_kind. */
int repair_power_read(struct wsman_client *wc, struct repair_power *out, struct wsman_error *e);
bool repair_power_offered(const struct repair_power *p, uint32_t ps);
/* "reset, off, cycle" */
void repair_power_offers(const struct repair_power *p, char *out, size_t cap);
/* RequestPowerStateChange(ps): 0, WSMAN_E_RETURN with *rv, or another error. */
int repair_power_request(struct wsman_client *wc, uint32_t ps, uint32_t *rv, struct wsman_error *e);
/* Check ps is offered, then ask for it: 0, or an exit code with the reason
 * printed (1 not offered or refused, *rv the ReturnValue). */
int repair_power_change(struct repair_target *t, struct wsman_client *wc,
			const struct repair_power *now, uint32_t ps, uint32_t *rv);

/* boot.c: make the next boot, once: BIOS setup, or an IDE-R drive
 * (ider_device 0 floppy, 1 CD; -1 none), or a forced source (an
 * InstanceID, or NULL). 0, or an exit code with the reason printed. */
int repair_boot_next(struct repair_target *t, struct wsman_client *wc, bool bios_setup,
		     int ider_device, const char *source);

#endif
