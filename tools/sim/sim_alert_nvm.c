// SPDX-License-Identifier: Apache-2.0
/*
 * sim_alert_nvm.c - alert NVM: subscriptions, environment detection and the
 * [events] switches (see sim_alert_nvm.h).
 *
 * File form:
 *   [events]          retry_count, retry_interval_s, post_timeout_ms, ca,
 *                     filter_name (all_events, instance_id),
 *                     cila_open_status (not_granted, success),
 *                     presence_argument (guid, zero),
 *                     bad_sequence (ignore, refuse), presence_remote,
 *                     next_listener
 *   [environment]     detection = SUFFIX[,SUFFIX...] (the key may repeat;
 *                     each line adds)
 *   [event.sub.N]     N = the listener handle: filter (all, features,
 *                     user_notification), mode (push, push_with_ack), local,
 *                     url, ref_params, user, password: base64, the key
 *                     repeated, each line adding what it decodes to
 */
#include "sim_alert_nvm.h"

#include <openssl/evp.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "sim_3pds_nvm.h"
#include "sim_ini.h"

#define SUB_PREFIX "event.sub."
#define B64_CHUNK (SIM_ALERT_B64_LINE / 4 * 3) /* bytes per line */

static const char *const filter_names[] = {"All", "Features", "User Notification"};
static const char *const filter_keys[] = {"all", "features", "user_notification", NULL};
static const char *const mode_names[] = {"push", "push_with_ack", NULL};
static const uint32_t mode_values[] = {SIM_DELIVERY_PUSH, SIM_DELIVERY_PUSH_WITH_ACK};
static const char *const filter_name_names[] = {"all_events", "instance_id", NULL};
static const char *const cila_names[] = {"not_granted", "success", NULL};
static const char *const presence_arg_names[] = {"guid", "zero", NULL};
static const char *const bad_seq_names[] = {"ignore", "refuse", NULL};

#define E(f) offsetof(struct sim_alert_nvm, f)
static const struct sim_ini_key event_keys[] = {
	{"retry_count", SIM_INI_U32, E(retry_count), 0, 0, 20, NULL, NULL},
	{"retry_interval_s", SIM_INI_U32, E(retry_interval_s), 0, 1, 86400, NULL, NULL},
	{"post_timeout_ms", SIM_INI_U32, E(post_timeout_ms), 0, 100, 60000, NULL, NULL},
	{"ca", SIM_INI_STR, E(ca), sizeof(((struct sim_alert_nvm *)0)->ca), 0, 0, NULL, NULL},
	{"filter_name", SIM_INI_ENUM, E(filter_name), 0, 0, 0, filter_name_names, NULL},
	{"cila_open_status", SIM_INI_ENUM, E(cila_status), 0, 0, 0, cila_names, NULL},
	{"presence_argument", SIM_INI_ENUM, E(presence_arg), 0, 0, 0, presence_arg_names, NULL},
	{"bad_sequence", SIM_INI_ENUM, E(bad_sequence), 0, 0, 0, bad_seq_names, NULL},
	{"presence_remote", SIM_INI_BOOL, E(presence_remote), 0, 0, 0, NULL, NULL},
	{"next_listener", SIM_INI_U32, E(next_handle), 0, 1, 0x7FFFFFFF, NULL, NULL},
};
#define NEVENT_KEYS (sizeof(event_keys) / sizeof(event_keys[0]))

#define S(f) offsetof(struct sim_subscription, f)
static const struct sim_ini_key sub_keys[] = {
	{"filter", SIM_INI_ENUM, S(filter), 0, 0, 0, filter_keys, NULL},
	{"mode", SIM_INI_ENUM, S(mode), 0, 0, 0, mode_names, mode_values},
	{"local", SIM_INI_BOOL, S(local), 0, 0, 0, NULL, NULL},
};
#define NSUB_KEYS (sizeof(sub_keys) / sizeof(sub_keys[0]))

void sim_alert_nvm_defaults(struct sim_alert_nvm *n)
{
	memset(n, 0, sizeof(*n));
	n->next_handle = 1;
	n->retry_count = 3;
	n->retry_interval_s = 10;
	n->post_timeout_ms = 5000;
}

/* ---- base64 text fields ---- */

/* Append what one base64 line decodes to; the field stays a C string. */
static int b64_append(char *field, size_t cap, const char *line)
{
	uint8_t buf[SIM_ALERT_B64_LINE];
	size_t have = strlen(field);
	long n = sim_3pds_b64_decode(line, strlen(line), buf, sizeof(buf));
	if (n < 0 || have + (size_t)n >= cap || memchr(buf, '\0', (size_t)n))
		return -1;
	memcpy(field + have, buf, (size_t)n);
	field[have + (size_t)n] = '\0';
	return 0;
}

static void b64_write(FILE *f, const char *key, const char *text)
{
	char line[SIM_ALERT_B64_LINE + 4];
	size_t len = strlen(text);
	for (size_t off = 0; off < len; off += B64_CHUNK) {
		size_t n = len - off < B64_CHUNK ? len - off : B64_CHUNK;
		EVP_EncodeBlock((unsigned char *)line, (const unsigned char *)text + off, (int)n);
		fprintf(f, "%s = %s\n", key, line);
	}
}

/* ---- loading ---- */

static int sub_line(struct sim_alert_nvm *n, int handle, const char *name, const char *value,
		    char *why, size_t whycap)
{
	struct sim_subscription *s = NULL;
	int free_slot = -1;
	for (int i = 0; i < SIM_SUB_MAX; i++) {
		if (n->subs[i].used && n->subs[i].handle == (uint32_t)handle)
			s = &n->subs[i];
		else if (!n->subs[i].used && free_slot < 0)
			free_slot = i;
	}
	if (!s) {
		if (free_slot < 0) {
			snprintf(why, whycap, "[" SUB_PREFIX "%d]: more than %d subscriptions", handle,
				 SIM_SUB_MAX);
			return 0;
		}
		s = &n->subs[free_slot];
		memset(s, 0, sizeof(*s));
		s->used = true;
		s->handle = (uint32_t)handle;
		s->mode = SIM_DELIVERY_PUSH;
		s->filter = SIM_FILTER_COUNT; /* must be given */
	}
	struct {
		const char *key;
		char *field;
		size_t cap;
	} text[] = {{"url", s->url, sizeof(s->url)},
		    {"ref_params", s->ref_params, sizeof(s->ref_params)},
		    {"user", s->user, sizeof(s->user)},
		    {"password", s->password, sizeof(s->password)}};
	for (size_t i = 0; i < sizeof(text) / sizeof(text[0]); i++) {
		if (strcmp(name, text[i].key) != 0)
			continue;
		if (b64_append(text[i].field, text[i].cap, value) == 0)
			return 1;
		snprintf(why, whycap, "[" SUB_PREFIX "%d] %s: not base64, or longer than %zu", handle,
			 name, text[i].cap - 1);
		return 0;
	}
	int rc = sim_ini_set(sub_keys, NSUB_KEYS, s, name, value);
	if (rc == 0)
		return 1;
	snprintf(why, whycap, "[" SUB_PREFIX "%d] %s: %s", handle, name,
		 rc == -2 ? "unknown key" : "bad value");
	return 0;
}

static int detection_line(struct sim_alert_nvm *n, const char *value, char *why, size_t whycap)
{
	char *copy = strdup(value), *save = NULL;
	int ok = 1;
	if (!copy)
		return 0;
	for (char *s = strtok_r(copy, ",", &save); s; s = strtok_r(NULL, ",", &save)) {
		while (*s == ' ')
			s++;
		size_t l = strlen(s);
		while (l && s[l - 1] == ' ')
			s[--l] = '\0';
		if (!sim_env_string_ok(s) || n->detection_count >= SIM_ENV_MAX) {
			snprintf(why, whycap, "[environment] detection: \"%.64s\": expected at most %d "
					      "DNS suffixes", s, SIM_ENV_MAX);
			ok = 0;
			break;
		}
		snprintf(n->detection[n->detection_count++], SIM_ENV_STRING_MAX + 1, "%s", s);
	}
	free(copy);
	return ok;
}

int sim_alert_nvm_ini(struct sim_alert_nvm *n, const char *section, const char *name,
		      const char *value, char *why, size_t whycap)
{
	if (strcmp(section, "events") == 0) {
		int rc = sim_ini_set(event_keys, NEVENT_KEYS, n, name, value);
		if (rc == 0)
			return 1;
		snprintf(why, whycap, "[events] %s: %s", name, rc == -2 ? "unknown key" : "bad value");
		return 0;
	}
	if (strcmp(section, "environment") == 0) {
		if (strcmp(name, "detection") == 0)
			return detection_line(n, value, why, whycap);
		snprintf(why, whycap, "[environment] %s: unknown key", name);
		return 0;
	}
	if (strncmp(section, SUB_PREFIX, strlen(SUB_PREFIX)) == 0) {
		int handle = sim_ini_section_index(section, SUB_PREFIX, 0x7FFFFFFF);
		if (handle < 1) {
			snprintf(why, whycap, "[%s]: the number must be a listener handle 1..", section);
			return 0;
		}
		return sub_line(n, handle, name, value, why, whycap);
	}
	return -1;
}

static bool url_ok(const char *u)
{
	return strncmp(u, "http://", 7) == 0 || strncmp(u, "https://", 8) == 0;
}

int sim_alert_nvm_finish(struct sim_alert_nvm *n, char *why, size_t whycap)
{
	for (int i = 0; i < SIM_SUB_MAX; i++) {
		struct sim_subscription *s = &n->subs[i];
		if (!s->used)
			continue;
		if (s->filter >= SIM_FILTER_COUNT || !url_ok(s->url) || (!s->user[0] != !s->password[0])) {
			snprintf(why, whycap, "[" SUB_PREFIX "%u]: needs filter and an http(s) url; user "
					      "and password go together", (unsigned)s->handle);
			return -1;
		}
		if (s->handle >= n->next_handle)
			n->next_handle = s->handle + 1;
	}
	return 0;
}

void sim_alert_nvm_write(FILE *f, const struct sim_alert_nvm *n)
{
	fputs("\n[events]\n", f);
	sim_ini_write(f, event_keys, NEVENT_KEYS, n);
	if (n->detection_count) {
		fputs("\n[environment]\n", f);
		for (unsigned i = 0; i < n->detection_count; i++)
			fprintf(f, "detection = %s\n", n->detection[i]);
	}
	for (int i = 0; i < SIM_SUB_MAX; i++) {
		const struct sim_subscription *s = &n->subs[i];
		if (!s->used)
			continue;
		fprintf(f, "\n[" SUB_PREFIX "%u]\n", (unsigned)s->handle);
		sim_ini_write(f, sub_keys, NSUB_KEYS, s);
		b64_write(f, "url", s->url);
		b64_write(f, "ref_params", s->ref_params);
		b64_write(f, "user", s->user);
		b64_write(f, "password", s->password);
	}
}

/* ---- filters ---- */

const char *sim_filter_name(uint32_t filter)
{
	return filter < SIM_FILTER_COUNT ? filter_names[filter] : "";
}

int sim_filter_by_id(const char *id)
{
	size_t plen = strlen(SIM_FILTER_PREFIX);
	if (!id || strncmp(id, SIM_FILTER_PREFIX, plen) != 0)
		return -1;
	for (int i = 0; i < SIM_FILTER_COUNT; i++)
		if (strcmp(id + plen, filter_names[i]) == 0)
			return i;
	return -1;
}

/* All carries every event; Features the feature events this simulator
 * raises (user-initiated connection, agent presence: LMS takes a Features
 * subscription as enough for a call for help inside); User Notification
 * the local notifications (iAMT0050..0061), none of which are simulated. */
bool sim_filter_carries(uint32_t filter, const char *message_id)
{
	switch (filter) {
	case SIM_FILTER_ALL:
		return true;
	case SIM_FILTER_FEATURES:
		return strcmp(message_id, "iAMT0036") == 0 ||
		       (strncmp(message_id, "iAMT000", 7) == 0 && message_id[7] >= '2' &&
			message_id[7] <= '6' && message_id[8] == '\0');
	case SIM_FILTER_USER_NOTIFICATION:
		return strncmp(message_id, "iAMT00", 6) == 0 && message_id[6] >= '5' &&
		       message_id[6] <= '6' && strcmp(message_id, "iAMT0061") <= 0;
	default:
		return false;
	}
}

/* ---- subscriptions ---- */

unsigned sim_sub_count(const struct sim_alert_nvm *n)
{
	unsigned c = 0;
	for (int i = 0; i < SIM_SUB_MAX; i++)
		c += n->subs[i].used;
	return c;
}

int sim_sub_nth(const struct sim_alert_nvm *n, unsigned k)
{
	for (int i = 0; i < SIM_SUB_MAX; i++)
		if (n->subs[i].used && k-- == 0)
			return i;
	return -1;
}

void sim_sub_name(const struct sim_subscription *s, char *out, size_t cap)
{
	snprintf(out, cap, "Intel(r) AMT:Listener %u", (unsigned)s->handle);
}

int sim_sub_by_name(const struct sim_alert_nvm *n, const char *name)
{
	char buf[48];
	for (int i = 0; name && i < SIM_SUB_MAX; i++) {
		if (!n->subs[i].used)
			continue;
		sim_sub_name(&n->subs[i], buf, sizeof(buf));
		if (strcmp(buf, name) == 0)
			return i;
	}
	return -1;
}

unsigned sim_sub_cila_count(const struct sim_alert_nvm *n)
{
	unsigned c = 0;
	for (int i = 0; i < SIM_SUB_MAX; i++)
		c += n->subs[i].used && (n->subs[i].filter == SIM_FILTER_ALL ||
					 n->subs[i].filter == SIM_FILTER_FEATURES);
	return c;
}

/* ---- environment detection ---- */

bool sim_env_string_ok(const char *s)
{
	size_t len = strlen(s);
	if (len == 0 || len > SIM_ENV_STRING_MAX || s[0] == '.' || s[len - 1] == '.' ||
	    strstr(s, ".."))
		return false;
	for (size_t i = 0; i < len; i++) {
		char c = s[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '-' || c == '.'))
			return false;
	}
	return true;
}

int sim_env_inside(const struct sim_alert_nvm *n, const char *dns_suffix)
{
	if (n->detection_count == 0)
		return -1;
	size_t sl = strlen(dns_suffix);
	for (unsigned i = 0; i < n->detection_count; i++) {
		const char *d = n->detection[i];
		size_t dl = strlen(d);
		if (sl == dl && strcasecmp(dns_suffix, d) == 0)
			return 1;
		if (sl > dl && dns_suffix[sl - dl - 1] == '.' && strcasecmp(dns_suffix + sl - dl, d) == 0)
			return 1;
	}
	return 0;
}
