// SPDX-License-Identifier: Apache-2.0
/*
 * sim_alert_nvm.h - what AMT keeps in NVM for alerts: the WS-Eventing
 * subscriptions (protocol-facts-2.md 1.1-1.3), the environment detection
 * strings that decide inside / outside the enterprise (2.3), and the
 * simulator's switches for the points the sources leave open (section 7).
 *
 * Owns: struct sim_alert_nvm (embedded in struct sim_state), its defaults,
 * its INI form ([events] keys, one [event.sub.N] section per subscription,
 * [environment] detection), the filter collections and which events each
 * one carries, and the plain operations on the table (add, find, remove).
 * Text that may hold any character (URLs, reference parameters, the
 * subscriber's digest credentials) is written as base64 lines of at most
 * SIM_ALERT_B64_LINE characters, so inih's 200-character line always fits.
 * Must not: know WS-Management framing, HTTP or threads (sim_wsman_alerts.c,
 * sim_wsman_eventing.c and sim_events.c use it), or do file I/O beyond
 * writing its lines to the FILE sim_state.c gives it.
 */
#ifndef SIM_ALERT_NVM_H
#define SIM_ALERT_NVM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define SIM_SUB_MAX 9              /* WS-Eventing subscribers from AMT 6.0 (AIRG) */
#define SIM_SUB_URL_MAX 253        /* NotifyTo address (AIRG, MeshCommander maxlength) */
#define SIM_SUB_REFPARAMS_MAX 256  /* ReferenceParameters, tags and namespaces included */
#define SIM_SUB_CRED_MAX 32        /* subscriber digest user / password (MeshCommander) */
#define SIM_ENV_MAX 5              /* DetectionStrings (a simulator choice) */
#define SIM_ENV_STRING_MAX 192     /* a DNS suffix */
#define SIM_ALERT_B64_LINE 120     /* base64 characters per INI line */

/* CIM_FilterCollection instances (InstanceID "Intel(r) AMT:" + name). */
enum sim_filter {
	SIM_FILTER_ALL = 0,
	SIM_FILTER_FEATURES = 1,
	SIM_FILTER_USER_NOTIFICATION = 2,
	SIM_FILTER_COUNT = 3
};
#define SIM_FILTER_PREFIX "Intel(r) AMT:"

/* CIM_ListenerDestinationWSManagement.DeliveryMode */
enum sim_delivery { SIM_DELIVERY_PUSH = 2, SIM_DELIVERY_PUSH_WITH_ACK = 3 };

/* UNVERIFIED readings (protocol-facts-2.md section 7), [events] keys. */
enum sim_filter_name { SIM_FILTER_NAME_ALL_EVENTS = 0, SIM_FILTER_NAME_INSTANCE_ID = 1 };
enum sim_cila_status { SIM_CILA_NOT_GRANTED = 0, SIM_CILA_SUCCESS = 1 };
enum sim_presence_arg { SIM_PRESENCE_ARG_GUID = 0, SIM_PRESENCE_ARG_ZERO = 1 };
enum sim_bad_sequence { SIM_BAD_SEQ_IGNORE = 0, SIM_BAD_SEQ_REFUSE = 1 };

struct sim_subscription {
	bool used;
	uint32_t handle;   /* the listener's Name: "Intel(r) AMT:Listener N" */
	uint32_t filter;   /* enum sim_filter */
	uint32_t mode;     /* enum sim_delivery */
	bool local;        /* made from the host side (LME or loopback) */
	char url[SIM_SUB_URL_MAX + 1];
	char ref_params[SIM_SUB_REFPARAMS_MAX + 1]; /* the children of ReferenceParameters, as XML */
	char user[SIM_SUB_CRED_MAX + 1];            /* "" = no digest to the subscriber */
	char password[SIM_SUB_CRED_MAX + 1];        /* never logged or shown */
};

struct sim_alert_nvm {
	struct sim_subscription subs[SIM_SUB_MAX];
	uint32_t next_handle; /* listener handles are never reused */
	/* [environment] detection: the enterprise's DNS suffixes */
	unsigned detection_count;
	char detection[SIM_ENV_MAX][SIM_ENV_STRING_MAX + 1];
	/* [events] */
	unsigned retry_count;      /* delivery attempts after the first (UNVERIFIED) */
	unsigned retry_interval_s; /* firmware seconds before the first retry, doubling */
	unsigned post_timeout_ms;  /* one POST to a subscriber, real milliseconds */
	char ca[256];              /* CA file for https subscribers; "" = system store */
	uint32_t filter_name;      /* enum sim_filter_name */
	uint32_t cila_status;      /* enum sim_cila_status */
	uint32_t presence_arg;     /* enum sim_presence_arg */
	uint32_t bad_sequence;     /* enum sim_bad_sequence */
	bool presence_remote;      /* the network interface may call RegisterAgent & co. */
};

void sim_alert_nvm_defaults(struct sim_alert_nvm *n);
/* inih callback part: 1 taken, 0 bad value (why filled), -1 not ours. */
int sim_alert_nvm_ini(struct sim_alert_nvm *n, const char *section, const char *name,
		      const char *value, char *why, size_t whycap);
/* After the whole file: every subscription complete, handles below
 * next_handle. 0 or -1 with why filled. */
int sim_alert_nvm_finish(struct sim_alert_nvm *n, char *why, size_t whycap);
void sim_alert_nvm_write(FILE *f, const struct sim_alert_nvm *n);

/* ---- filters ---- */
/* "All", "Features", "User Notification" (the part after the prefix). */
const char *sim_filter_name(uint32_t filter);
/* The filter whose InstanceID is id ("Intel(r) AMT:All"), -1 when none. */
int sim_filter_by_id(const char *id);
/* Does the collection carry event "iAMTnnnn"? */
bool sim_filter_carries(uint32_t filter, const char *message_id);

/* ---- subscriptions ---- */
unsigned sim_sub_count(const struct sim_alert_nvm *n);
/* The k-th used slot, -1 past the end. */
int sim_sub_nth(const struct sim_alert_nvm *n, unsigned k);
/* Slot of the listener with this Name, -1 when none. */
int sim_sub_by_name(const struct sim_alert_nvm *n, const char *name);
/* "Intel(r) AMT:Listener N" */
void sim_sub_name(const struct sim_subscription *s, char *out, size_t cap);
/* Subscribers to CIM_FilterCollection "All" or "Features": the ones a
 * user-initiated call for help inside the enterprise reaches (what Intel
 * LMS checks before it asks for one). */
unsigned sim_sub_cila_count(const struct sim_alert_nvm *n);

/* ---- environment detection ---- */
/* Inside the enterprise: dns_suffix equals a detection string or ends with
 * "." + one (case-insensitive). -1 when no string is set (the caller then
 * reports [cira] network), 1 inside, 0 outside. */
int sim_env_inside(const struct sim_alert_nvm *n, const char *dns_suffix);
/* A valid DNS suffix for DetectionStrings: 1..192 characters of letters,
 * digits, '-' and '.', no empty label. */
bool sim_env_string_ok(const char *s);

#endif
