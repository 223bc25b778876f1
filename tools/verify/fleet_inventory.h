// SPDX-License-Identifier: Apache-2.0
/*
 * fleet_inventory.h - the inventory `amt-verify fleet` reads, one device at
 * a time: CSV with a header row, or JSON lines.
 *
 *   CSV:   host,port,uuid,group,control_mode,...   (header names the columns)
 *          127.1.0.1,16992,03000200-...,,acm
 *   JSON:  {"host":"127.1.0.1","port":16992,"uuid":"...","group":"g1",
 *           "expect":{"control_mode":"acm"}}
 *
 * host is required (an IP literal or a DNS name); port, uuid (the device's
 * UUID: expected of the device, and the key to its agent reports) and group
 * (a credentials group) are optional; any other CSV column, and the keys of
 * "expect", must be a device key (device_keys: amt_version, control_mode,
 * ...) and give the value expected of that device (an empty cell: none).
 * The format is taken from the first non-blank character ('{': JSON lines).
 *
 * Owns: reading and validating rows (every field bounded, unknown columns
 * and keys refused with FILE:LINE), counting them, rewinding.
 * Must not: hold more than one row (a fleet of any size streams through);
 * know credentials or devices' answers.
 */
#ifndef VERIFY_FLEET_INVENTORY_H
#define VERIFY_FLEET_INVENTORY_H

#include <stdbool.h>
#include <stddef.h>

#include "verify.h"

#define FLEET_MAX_EXPECT 12
#define FLEET_HOST_MAX 253
#define FLEET_GROUP_MAX 63
#define FLEET_VALUE_MAX 159

struct fleet_expect {
	char key[24];
	char value[FLEET_VALUE_MAX + 1];
};

struct fleet_device {
	unsigned long line;             /* in the inventory file */
	char host[FLEET_HOST_MAX + 1];
	unsigned port;                  /* 0: the default */
	char uuid[VERIFY_UUID_STR_LEN]; /* "" when not given */
	char group[FLEET_GROUP_MAX + 1];/* "" = the default credentials */
	struct fleet_expect expect[FLEET_MAX_EXPECT];
	size_t nexpect;
};

struct fleet_inventory;

/* Open path. 0, or -1 with a one-line reason in err. */
int fleet_inventory_open(const char *path, struct fleet_inventory **out, char *err,
			 size_t errlen);
/* The next device: 1, 0 at the end, -1 with "FILE:LINE: why" in err. */
int fleet_inventory_next(struct fleet_inventory *inv, struct fleet_device *d, char *err,
			 size_t errlen);
/* Back to the first device. 0 or -1 (err). */
int fleet_inventory_rewind(struct fleet_inventory *inv, char *err, size_t errlen);
void fleet_inventory_close(struct fleet_inventory *inv);

/* Set (or replace) an expectation of d; -1 when d has no room. */
int fleet_device_expect(struct fleet_device *d, const char *key, const char *value);
/* The expected value of key, or NULL. */
const char *fleet_device_expected(const struct fleet_device *d, const char *key);

#endif
