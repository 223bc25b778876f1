// SPDX-License-Identifier: Apache-2.0
/*
 * sim_msglog.c - AMT's event log records and ring (see sim_msglog.h).
 */
#include "sim_msglog.h"

#include <openssl/evp.h>
#include <string.h>

#include "sim_3pds_nvm.h"
#include "sim_ini.h"

void sim_msglog_encode(const struct sim_msglog_record *r, uint8_t out[SIM_MSGLOG_RECORD])
{
	out[0] = (uint8_t)(r->time & 0xFF);
	out[1] = (uint8_t)(r->time >> 8 & 0xFF);
	out[2] = (uint8_t)(r->time >> 16 & 0xFF);
	out[3] = (uint8_t)(r->time >> 24 & 0xFF);
	out[4] = r->device_address;
	out[5] = r->sensor_type;
	out[6] = r->event_type;
	out[7] = r->offset;
	out[8] = r->source_type;
	out[9] = r->severity;
	out[10] = r->sensor_number;
	out[11] = r->entity;
	out[12] = r->entity_instance;
	memcpy(out + 13, r->data, 8);
}

int sim_msglog_decode(const uint8_t *in, size_t len, struct sim_msglog_record *out)
{
	if (!in || len != SIM_MSGLOG_RECORD)
		return -1;
	out->time = (uint32_t)in[0] | (uint32_t)in[1] << 8 | (uint32_t)in[2] << 16 |
		    (uint32_t)in[3] << 24;
	out->device_address = in[4];
	out->sensor_type = in[5];
	out->event_type = in[6];
	out->offset = in[7];
	out->source_type = in[8];
	out->severity = in[9];
	out->sensor_number = in[10];
	out->entity = in[11];
	out->entity_instance = in[12];
	memcpy(out->data, in + 13, 8);
	return 0;
}

void sim_msglog_init(struct sim_msglog *l)
{
	memset(l, 0, sizeof(*l));
}

static void add_raw(struct sim_msglog *l, const uint8_t rec[SIM_MSGLOG_RECORD])
{
	unsigned slot;
	if (l->count < SIM_MSGLOG_MAX) {
		slot = (l->first + l->count) % SIM_MSGLOG_MAX;
		l->count++;
	} else {
		slot = l->first; /* full: the oldest is overwritten */
		l->first = (l->first + 1) % SIM_MSGLOG_MAX;
	}
	memcpy(l->rec[slot], rec, SIM_MSGLOG_RECORD);
}

bool sim_msglog_add(struct sim_msglog *l, const struct sim_msglog_record *r)
{
	uint8_t rec[SIM_MSGLOG_RECORD];
	if (l->frozen)
		return false;
	sim_msglog_encode(r, rec);
	add_raw(l, rec);
	return true;
}

const uint8_t *sim_msglog_newest(const struct sim_msglog *l, unsigned k)
{
	if (k >= l->count)
		return NULL;
	return l->rec[(l->first + l->count - 1 - k) % SIM_MSGLOG_MAX];
}

void sim_msglog_clear(struct sim_msglog *l)
{
	l->count = 0;
	l->first = 0;
}

int sim_msglog_ini(struct sim_msglog *l, const char *section, const char *name,
		   const char *value, char *why, size_t whycap)
{
	if (strcmp(section, "messagelog") != 0)
		return -1;
	if (strcmp(name, "frozen") == 0) {
		if (sim_parse_bool(value, &l->frozen) == 0)
			return 1;
	} else if (strcmp(name, "record") == 0) {
		uint8_t rec[SIM_MSGLOG_RECORD + 3];
		long n = sim_3pds_b64_decode(value, strlen(value), rec, sizeof(rec));
		if (n == SIM_MSGLOG_RECORD) {
			add_raw(l, rec); /* the file lists them oldest first */
			return 1;
		}
	} else {
		snprintf(why, whycap, "[messagelog] %s: unknown key", name);
		return 0;
	}
	snprintf(why, whycap, "[messagelog] %s: bad value \"%.40s\"", name, value);
	return 0;
}

void sim_msglog_write(FILE *f, const struct sim_msglog *l)
{
	char b64[4 * ((SIM_MSGLOG_RECORD + 2) / 3) + 1];
	fprintf(f, "\n[messagelog]\nfrozen = %s\n", l->frozen ? "true" : "false");
	for (unsigned k = l->count; k-- > 0;) {
		EVP_EncodeBlock((unsigned char *)b64, sim_msglog_newest(l, k), SIM_MSGLOG_RECORD);
		fprintf(f, "record = %s\n", b64);
	}
}
