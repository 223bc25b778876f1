// SPDX-License-Identifier: Apache-2.0
/*
 * sim_msglog.h - AMT's event log (AMT_MessageLog, protocol-facts-2.md 1.7):
 * fixed 21-byte records, newest first, at most 390, the oldest overwritten
 * when full (OverwritePolicy 2), kept in NVM.
 *
 * Owns: the record layout (the codec both ways: [0..3] UINT32 little-endian
 * seconds since 1970, [4] DeviceAddress, [5] EventSensorType, [6]
 * EventType, [7] EventOffset, [8] EventSourceType, [9] EventSeverity, [10]
 * SensorNumber, [11] Entity, [12] EntityInstance, [13..20] EventData, as
 * MeshCommander's _GetMessageLog1 reads it), the log itself and its INI
 * form ([messagelog] frozen, record = BASE64 per record, oldest first).
 * Must not: know WS-Management (sim_wsman_alerts.c serves the class) or
 * which event makes which record (sim_events.c decides).
 */
#ifndef SIM_MSGLOG_H
#define SIM_MSGLOG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define SIM_MSGLOG_MAX 390    /* MaxNumberOfRecords (go-wsman-messages fixture) */
#define SIM_MSGLOG_RECORD 21  /* MaxRecordSize */

struct sim_msglog_record {
	uint32_t time; /* seconds since 1970, UTC */
	uint8_t device_address, sensor_type, event_type, offset, source_type, severity;
	uint8_t sensor_number, entity, entity_instance;
	uint8_t data[8];
};

struct sim_msglog {
	bool frozen;     /* FreezeLog(true): nothing is added */
	unsigned count;  /* records held */
	unsigned first;  /* index of the oldest in rec[] (a ring) */
	uint8_t rec[SIM_MSGLOG_MAX][SIM_MSGLOG_RECORD];
};

void sim_msglog_encode(const struct sim_msglog_record *r, uint8_t out[SIM_MSGLOG_RECORD]);
/* 0, or -1 when len is not exactly SIM_MSGLOG_RECORD. */
int sim_msglog_decode(const uint8_t *in, size_t len, struct sim_msglog_record *out);

void sim_msglog_init(struct sim_msglog *l);
/* Add a record (dropping the oldest when full); nothing while frozen.
 * Returns true when it was added. */
bool sim_msglog_add(struct sim_msglog *l, const struct sim_msglog_record *r);
/* Record k counted from the newest (0 = newest), NULL past the end. */
const uint8_t *sim_msglog_newest(const struct sim_msglog *l, unsigned k);
void sim_msglog_clear(struct sim_msglog *l);

/* inih callback part: 1 taken, 0 bad value (why filled), -1 not ours. */
int sim_msglog_ini(struct sim_msglog *l, const char *section, const char *name,
		   const char *value, char *why, size_t whycap);
void sim_msglog_write(FILE *f, const struct sim_msglog *l);

#endif
