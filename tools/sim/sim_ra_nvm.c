// SPDX-License-Identifier: Apache-2.0
/*
 * sim_ra_nvm.c - remote-access NVM: MPS entries and policy rules (see
 * sim_ra_nvm.h).
 *
 * File form:
 *   [cira.mps.N]     host, port, format (ipv4, ipv6, fqdn), cn,
 *                    auth (password, mutual_tls), username, password
 *   [cira.policy.T]  T = Trigger (0 user initiated, 1 alert, 2 periodic,
 *                    3 home provisioning): handle, tunnel_lifetime_s,
 *                    extended_data (base64), mps = N[,N] (outside the
 *                    enterprise, in order of access), internal_mps = N[,N]
 *   [cira] mps = host[:port], username, password, policy_user_initiated,
 *          tunnel_lifetime_s: shorthand for MPS 0 and its user-initiated
 *          rule; read, never written (a save writes the sections).
 */
#include "sim_ra_nvm.h"

#include <arpa/inet.h>
#include <openssl/evp.h>
#include <stdlib.h>
#include <string.h>

#include "sim_ini.h"

#define DEFAULT_PORT 4433u /* the MPS port Open AMT uses; sim_cira.h agrees */

static const char *const format_names[] = {"ipv4", "ipv6", "fqdn", NULL};
static const uint32_t format_values[] = {SIM_RA_IPV4, SIM_RA_IPV6, SIM_RA_FQDN};
static const char *const auth_names[] = {"mutual_tls", "password", NULL};
static const uint32_t auth_values[] = {SIM_RA_AUTH_MUTUAL, SIM_RA_AUTH_PASSWORD};

#define M(f) offsetof(struct sim_ra_mps, f)
static const struct sim_ini_key mps_keys[] = {
	{"host", SIM_INI_STR, M(host), sizeof(((struct sim_ra_mps *)0)->host), 0, 0, NULL, NULL},
	{"port", SIM_INI_U32, M(port), 0, 1, 65535, NULL, NULL},
	{"format", SIM_INI_ENUM, M(format), 0, 0, 0, format_names, format_values},
	{"cn", SIM_INI_STR, M(cn), sizeof(((struct sim_ra_mps *)0)->cn), 0, 0, NULL, NULL},
	{"auth", SIM_INI_ENUM, M(auth), 0, 0, 0, auth_names, auth_values},
	{"username", SIM_INI_STR, M(username), SIM_RA_CRED_MAX + 1, 0, 0, NULL, NULL},
	{"password", SIM_INI_STR, M(password), SIM_RA_CRED_MAX + 1, 0, 0, NULL, NULL},
};
#define NMPS_KEYS (sizeof(mps_keys) / sizeof(mps_keys[0]))

static const char *const trigger_names[] = {"User Initiated", "Alert", "Periodic",
					    "Home Provisioning"};

void sim_ra_nvm_defaults(struct sim_ra_nvm *n)
{
	memset(n, 0, sizeof(*n));
	for (int t = 0; t < SIM_RA_TRIGGERS; t++)
		for (int i = 0; i < SIM_RA_RULE_MPS; i++)
			n->rules[t].external[i] = n->rules[t].internal[i] = -1;
	n->next_rule_handle = 1;
}

uint32_t sim_ra_format_of(const char *host)
{
	unsigned char buf[16];
	if (inet_pton(AF_INET, host, buf) == 1)
		return SIM_RA_IPV4;
	if (inet_pton(AF_INET6, host, buf) == 1)
		return SIM_RA_IPV6;
	return SIM_RA_FQDN;
}

const char *sim_ra_trigger_name(uint32_t t)
{
	return t < SIM_RA_TRIGGERS ? trigger_names[t] : "";
}

int sim_ra_mps_free_slot(const struct sim_ra_nvm *n)
{
	for (int i = 0; i < SIM_RA_MAX_MPS; i++)
		if (!n->mps[i].used)
			return i;
	return -1;
}

int sim_ra_mps_by_name(const struct sim_ra_nvm *n, const char *name)
{
	static const char prefix[] = "Intel(r) AMT:Management Presence Server ";
	if (!name || strncmp(name, prefix, sizeof(prefix) - 1) != 0)
		return -1;
	int slot = sim_ini_section_index(name + sizeof(prefix) - 1, "", SIM_RA_MAX_MPS - 1);
	return slot >= 0 && n->mps[slot].used ? slot : -1;
}

static void drop_ref(int *list, int slot)
{
	for (int i = 0; i < SIM_RA_RULE_MPS; i++) {
		if (list[i] != slot)
			continue;
		memmove(&list[i], &list[i + 1], (size_t)(SIM_RA_RULE_MPS - i - 1) * sizeof(int));
		list[SIM_RA_RULE_MPS - 1] = -1;
		i--;
	}
}

void sim_ra_mps_remove(struct sim_ra_nvm *n, int slot)
{
	if (slot < 0 || slot >= SIM_RA_MAX_MPS)
		return;
	memset(&n->mps[slot], 0, sizeof(n->mps[slot]));
	for (int t = 0; t < SIM_RA_TRIGGERS; t++) {
		drop_ref(n->rules[t].external, slot);
		drop_ref(n->rules[t].internal, slot);
	}
}

struct sim_ra_rule *sim_ra_rule_by_name(struct sim_ra_nvm *n, const char *name)
{
	char numbered[48];
	if (!name)
		return NULL;
	for (int t = 0; t < SIM_RA_TRIGGERS; t++) {
		if (!n->rules[t].used)
			continue;
		snprintf(numbered, sizeof(numbered), "%s %u", trigger_names[t],
			 (unsigned)n->rules[t].handle);
		if (!strcmp(name, trigger_names[t]) || !strcmp(name, numbered))
			return &n->rules[t];
	}
	return NULL;
}

static uint32_t be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

bool sim_ra_ext_ok(uint32_t trigger, const uint8_t *ext, size_t len)
{
	if (trigger != SIM_RA_PERIODIC)
		return len == 0;
	if (len == 8 && be32(ext) == 0)
		return be32(ext + 4) > 0; /* every N seconds */
	if (len == 12 && be32(ext) == 1)
		return be32(ext + 4) < 24 && be32(ext + 8) < 60; /* daily at hour:minute */
	return false;
}

void sim_ra_user_route(const struct sim_ra_nvm *n, const struct sim_ra_rule **rule,
		       const struct sim_ra_mps **mps)
{
	const struct sim_ra_rule *r = &n->rules[SIM_RA_USER_INITIATED];
	*rule = r->used ? r : NULL;
	*mps = NULL;
	if (r->used && r->external[0] >= 0 && n->mps[r->external[0]].used)
		*mps = &n->mps[r->external[0]];
}

/* "host", "host:port", "[v6]" or "[v6]:port" */
static int split_host_port(const char *in, char *host, size_t cap, uint32_t *port)
{
	const char *end, *colon = NULL;
	*port = DEFAULT_PORT;
	if (in[0] == '[') {
		end = strchr(in, ']');
		if (!end || (end[1] && end[1] != ':'))
			return -1;
		if (end[1] == ':')
			colon = end + 1;
		in++;
	} else {
		colon = strchr(in, ':');
		if (colon && strchr(colon + 1, ':'))
			colon = NULL; /* a bare IPv6 literal */
		end = colon ? colon : in + strlen(in);
	}
	if (end == in || (size_t)(end - in) >= cap)
		return -1;
	memcpy(host, in, (size_t)(end - in));
	host[end - in] = '\0';
	if (colon) {
		char *e;
		unsigned long p = strtoul(colon + 1, &e, 10);
		if (!colon[1] || *e || p == 0 || p > 65535)
			return -1;
		*port = (uint32_t)p;
	}
	return sim_ini_text_ok(host, cap - 1) ? 0 : -1;
}

int sim_ra_configure(struct sim_ra_nvm *n, const char *mps, const char *username,
		     const char *password, bool user_initiated, uint32_t lifetime_s)
{
	struct sim_ra_nvm fresh;
	sim_ra_nvm_defaults(&fresh);
	fresh.next_rule_handle = n->next_rule_handle ? n->next_rule_handle : 1;
	if (mps && *mps) {
		struct sim_ra_mps *m = &fresh.mps[0];
		if (split_host_port(mps, m->host, sizeof(m->host), &m->port) != 0 ||
		    strlen(username) > SIM_RA_CRED_MAX || strlen(password) > SIM_RA_CRED_MAX)
			return -1;
		m->used = true;
		m->format = sim_ra_format_of(m->host);
		snprintf(m->cn, sizeof(m->cn), "%s", m->host);
		m->auth = SIM_RA_AUTH_PASSWORD;
		snprintf(m->username, sizeof(m->username), "%s", username);
		snprintf(m->password, sizeof(m->password), "%s", password);
	}
	if (user_initiated) {
		struct sim_ra_rule *r = &fresh.rules[SIM_RA_USER_INITIATED];
		r->used = true;
		r->handle = fresh.next_rule_handle++;
		r->lifetime_s = lifetime_s;
		if (fresh.mps[0].used)
			r->external[0] = 0;
	}
	*n = fresh;
	return 0;
}

/* ---- INI ---- */

static int parse_slots(const char *v, int out[SIM_RA_RULE_MPS])
{
	int count = 0;
	for (int i = 0; i < SIM_RA_RULE_MPS; i++)
		out[i] = -1;
	while (*v) {
		char num[8];
		const char *comma = strchr(v, ',');
		size_t len = comma ? (size_t)(comma - v) : strlen(v);
		while (len && *v == ' ')
			v++, len--;
		while (len && v[len - 1] == ' ')
			len--;
		if (count >= SIM_RA_RULE_MPS || len == 0 || len >= sizeof(num))
			return -1;
		memcpy(num, v, len);
		num[len] = '\0';
		int slot = sim_ini_section_index(num, "", SIM_RA_MAX_MPS - 1);
		if (slot < 0)
			return -1;
		for (int i = 0; i < count; i++)
			if (out[i] == slot)
				return -1;
		out[count++] = slot;
		if (!comma)
			break;
		v = comma + 1;
	}
	return 0;
}

static int rule_key(struct sim_ra_rule *r, const char *name, const char *v)
{
	char *end;
	if (!strcmp(name, "handle") || !strcmp(name, "tunnel_lifetime_s")) {
		if (*v < '0' || *v > '9' || strlen(v) > 10)
			return -1;
		unsigned long long x = strtoull(v, &end, 10);
		if (*end || x > 0xFFFFFFFFull || (!strcmp(name, "handle") && x == 0))
			return -1;
		*(!strcmp(name, "handle") ? &r->handle : &r->lifetime_s) = (uint32_t)x;
		return 0;
	}
	if (!strcmp(name, "extended_data")) {
		uint8_t tmp[(SIM_RA_EXT_MAX / 3 + 1) * 3];
		size_t len = strlen(v);
		if (len % 4 || len > 4 * ((SIM_RA_EXT_MAX + 2) / 3))
			return -1;
		int d = len ? EVP_DecodeBlock(tmp, (const unsigned char *)v, (int)len) : 0;
		int pad = (len && v[len - 1] == '=') + (len > 1 && v[len - 2] == '=');
		if (d < 0 || d - pad > SIM_RA_EXT_MAX || d < pad)
			return -1;
		r->ext_len = (uint32_t)(d - pad);
		memcpy(r->ext, tmp, r->ext_len);
		return 0;
	}
	if (!strcmp(name, "mps"))
		return parse_slots(v, r->external);
	if (!strcmp(name, "internal_mps"))
		return parse_slots(v, r->internal);
	return -2;
}

static int shorthand_key(struct sim_ra_nvm *n, const char *name, const char *v)
{
	char *end;
	if (!strcmp(name, "mps")) {
		if (!sim_ini_text_ok(v, sizeof(n->shorthand.mps) - 1))
			return -1;
		snprintf(n->shorthand.mps, sizeof(n->shorthand.mps), "%s", v);
	} else if (!strcmp(name, "username") || !strcmp(name, "password")) {
		char *dst = !strcmp(name, "username") ? n->shorthand.username
						      : n->shorthand.password;
		if (strlen(v) > SIM_RA_CRED_MAX)
			return -1;
		snprintf(dst, SIM_RA_CRED_MAX + 1, "%s", v);
	} else if (!strcmp(name, "policy_user_initiated")) {
		if (sim_parse_bool(v, &n->shorthand.user_initiated) != 0)
			return -1;
	} else if (!strcmp(name, "tunnel_lifetime_s")) {
		unsigned long x = strtoul(v, &end, 10);
		if (*v < '0' || *v > '9' || *end || x > 0x7FFFFFFFul)
			return -1;
		n->shorthand.lifetime_s = (uint32_t)x;
	} else {
		return -2;
	}
	n->shorthand.given = true;
	return 0;
}

int sim_ra_nvm_ini(struct sim_ra_nvm *n, const char *section, const char *name,
		   const char *value, char *why, size_t whycap)
{
	int rc, idx;
	if (!strcmp(section, "cira")) {
		rc = shorthand_key(n, name, value);
		if (rc == -2)
			return -1; /* another [cira] key: sim_state.c's */
	} else if ((idx = sim_ini_section_index(section, "cira.mps.", SIM_RA_MAX_MPS - 1)) >= 0) {
		struct sim_ra_mps *m = &n->mps[idx];
		if (!m->used) {
			m->used = true;
			m->port = DEFAULT_PORT;
			m->format = SIM_RA_FQDN;
			m->auth = SIM_RA_AUTH_PASSWORD;
		}
		rc = sim_ini_set(mps_keys, NMPS_KEYS, m, name, value);
	} else if ((idx = sim_ini_section_index(section, "cira.policy.", SIM_RA_TRIGGERS - 1)) >=
		   0) {
		n->rules[idx].used = true;
		rc = rule_key(&n->rules[idx], name, value);
	} else if (!strncmp(section, "cira.", 5)) {
		snprintf(why, whycap, "[%.64s]: unknown section (MPS 0..%d, policy 0..%d)", section,
			 SIM_RA_MAX_MPS - 1, SIM_RA_TRIGGERS - 1);
		return 0;
	} else {
		return -1;
	}
	if (rc == -2)
		snprintf(why, whycap, "[%.64s] %.32s: unknown key", section, name);
	else if (rc != 0)
		snprintf(why, whycap, "[%.64s] %.32s: bad value \"%.64s\"", section, name, value);
	return rc == 0 ? 1 : 0;
}

static bool table_empty(const struct sim_ra_nvm *n)
{
	for (int i = 0; i < SIM_RA_MAX_MPS; i++)
		if (n->mps[i].used)
			return false;
	for (int t = 0; t < SIM_RA_TRIGGERS; t++)
		if (n->rules[t].used)
			return false;
	return true;
}

static int check_refs(const struct sim_ra_nvm *n, const int *list, int t, char *why, size_t whycap)
{
	for (int i = 0; i < SIM_RA_RULE_MPS; i++)
		if (list[i] >= 0 && !n->mps[list[i]].used) {
			snprintf(why, whycap, "[cira.policy.%d]: MPS %d is not a [cira.mps.%d] section",
				 t, list[i], list[i]);
			return -1;
		}
	return 0;
}

int sim_ra_nvm_finish(struct sim_ra_nvm *n, char *why, size_t whycap)
{
	uint32_t max_handle = 0;
	if (n->shorthand.given) {
		if (!table_empty(n)) {
			snprintf(why, whycap, "[cira] mps, username, password, policy_user_initiated and "
					      "tunnel_lifetime_s describe MPS 0 and its user-initiated "
					      "rule: give them or [cira.mps.N]/[cira.policy.N] sections, "
					      "not both");
			return -1;
		}
		if (sim_ra_configure(n, n->shorthand.mps, n->shorthand.username,
				     n->shorthand.password, n->shorthand.user_initiated,
				     n->shorthand.lifetime_s) != 0) {
			snprintf(why, whycap, "[cira] mps: bad host[:port] \"%.64s\"", n->shorthand.mps);
			return -1;
		}
	}
	memset(&n->shorthand, 0, sizeof(n->shorthand));
	for (int i = 0; i < SIM_RA_MAX_MPS; i++)
		if (n->mps[i].used && !n->mps[i].host[0]) {
			snprintf(why, whycap, "[cira.mps.%d]: host is required", i);
			return -1;
		}
	for (int t = 0; t < SIM_RA_TRIGGERS; t++) {
		struct sim_ra_rule *r = &n->rules[t];
		if (!r->used)
			continue;
		if (check_refs(n, r->external, t, why, whycap) || check_refs(n, r->internal, t, why, whycap))
			return -1;
		if (!sim_ra_ext_ok((uint32_t)t, r->ext, r->ext_len)) {
			snprintf(why, whycap, "[cira.policy.%d] extended_data: %s", t,
				 t == SIM_RA_PERIODIC ? "not a periodic schedule (8 or 12 bytes)"
						      : "only periodic rules carry data");
			return -1;
		}
		if (r->handle > max_handle)
			max_handle = r->handle;
	}
	for (int t = 0; t < SIM_RA_TRIGGERS; t++)
		if (n->rules[t].used && !n->rules[t].handle)
			n->rules[t].handle = ++max_handle;
	if (n->next_rule_handle <= max_handle)
		n->next_rule_handle = max_handle + 1;
	return 0;
}

static void write_slots(FILE *f, const char *key, const int *list)
{
	fprintf(f, "%s = ", key);
	for (int i = 0; i < SIM_RA_RULE_MPS && list[i] >= 0; i++)
		fprintf(f, "%s%d", i ? "," : "", list[i]);
	fputc('\n', f);
}

void sim_ra_nvm_write(FILE *f, const struct sim_ra_nvm *n)
{
	for (int i = 0; i < SIM_RA_MAX_MPS; i++) {
		if (!n->mps[i].used)
			continue;
		fprintf(f, "\n[cira.mps.%d]\n", i);
		sim_ini_write(f, mps_keys, NMPS_KEYS, &n->mps[i]);
	}
	for (int t = 0; t < SIM_RA_TRIGGERS; t++) {
		const struct sim_ra_rule *r = &n->rules[t];
		char b64[4 * ((SIM_RA_EXT_MAX + 2) / 3) + 1] = "";
		if (!r->used)
			continue;
		if (r->ext_len)
			EVP_EncodeBlock((unsigned char *)b64, r->ext, (int)r->ext_len);
		fprintf(f, "\n[cira.policy.%d]\nhandle = %u\ntunnel_lifetime_s = %u\nextended_data = %s\n",
			t, (unsigned)r->handle, (unsigned)r->lifetime_s, b64);
		write_slots(f, "mps", r->external);
		write_slots(f, "internal_mps", r->internal);
	}
}
