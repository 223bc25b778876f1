// SPDX-License-Identifier: Apache-2.0
/*
 * sim_state.c - the simulator's state file (see sim_state.h).
 *
 * One table row per key: section, name, type, field offset. The same row
 * parses the value on load and formats it on save, so the two can never
 * disagree about a key.
 */
#include "sim_state.h"

#include <errno.h>
#include <ini.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "amthi_codec.h"
#include "atomic_file.h"
#include "heci.h"
#include "log.h"
#include "sim_ini.h"

enum t {
	T_BOOL, T_UINT, T_INT, T_STR, T_UUID, T_MAC, T_IPV4, T_PROVSTATE, T_CTLMODE, T_PROVMODE,
	T_CIRASTATUS, T_NETWORK, T_TRIGGER, T_DISABLED, T_NUMBERING, T_CMD, T_HASHES, T_OCTAL,
	T_QOP, T_OPT_U32, T_SINT, T_OPTIN, T_VENDOR, T_RULENAMES, T_CONSENT, T_PLAIN,
	T_HEX32, T_FWSTS
};

struct row {
	const char *section, *name;
	enum t type;
	size_t off;
	size_t size; /* for strings: buffer size */
};

#define O(f) offsetof(struct sim_state, f)
#define S(f) sizeof(((struct sim_state *)0)->f)

static const struct row rows[] = {
	{"amt", "enabled", T_BOOL, O(amt_enabled), 0},
	{"amt", "version", T_STR, O(version), S(version)},
	{"amt", "build", T_STR, O(build), S(build)},
	{"amt", "sku", T_STR, O(sku), S(sku)},
	{"amt", "me_fw_version", T_STR, O(me_fw_version), S(me_fw_version)},
	{"amt", "fw_features", T_OPT_U32, O(fw_features), 0},
	{"amt", "fw_features_enabled", T_OPT_U32, O(fw_features_enabled), 0},
	{"amt", "platform_type", T_OPT_U32, O(platform_type), 0},
	{"amt", "fw_update_state", T_OPT_U32, O(fw_update_state), 0},
	{"amt", "admin_user", T_STR, O(admin_user), S(admin_user)},
	{"amt", "admin_password", T_STR, O(admin_password), S(admin_password)},
	{"amt", "digest_realm", T_STR, O(digest_realm), S(digest_realm)},
	{"amt", "host_name", T_STR, O(host_name), S(host_name)},
	{"amt", "tls_cert", T_STR, O(tls_cert), S(tls_cert)},
	{"amt", "tls_key", T_STR, O(tls_key), S(tls_key)},
	{"amt", "clock_offset_s", T_SINT, O(clock_offset_s), 0},
	{"me", "fw_status", T_FWSTS, O(fw_status), 0},
	{"me", "trc", T_HEX32, O(trc), 0},
	{"platform", "uuid", T_UUID, O(uuid), 0},
	{"platform", "bios", T_STR, O(bios), S(bios)},
	{"platform", "ider_boot", T_BOOL, O(ider_boot), 0},
	{"provisioning", "state", T_PROVSTATE, O(prov_state), 0},
	{"provisioning", "control_mode", T_CTLMODE, O(control_mode), 0},
	{"provisioning", "mode", T_PROVMODE, O(prov_mode), 0},
	{"provisioning", "hashes", T_HASHES, 0, 0},
	{"provisioning", "server", T_STR, O(prov_server), S(prov_server)},
	{"provisioning", "hello_interval_s", T_UINT, O(hello_interval_s), 0},
	{"provisioning", "hello_window_s", T_UINT, O(hello_window_s), 0},
	{"provisioning", "hello_active", T_BOOL, O(hello_active), 0},
	{"provisioning", "hello_retry_count", T_UINT, O(hello_retry_count), 0},
	{"network", "dns_suffix", T_STR, O(dns_suffix), S(dns_suffix)},
	{"wired", "enabled", T_BOOL, O(wired.enabled), 0},
	{"wired", "mac", T_MAC, O(wired.mac), 0},
	{"wired", "ipv4", T_IPV4, O(wired.ipv4), 0},
	{"wired", "dhcp", T_BOOL, O(wired.dhcp), 0},
	{"wired", "link_up", T_BOOL, O(wired.link_up), 0},
	{"wireless", "present", T_BOOL, O(wireless.present), 0},
	{"wireless", "enabled", T_BOOL, O(wireless.enabled), 0},
	{"wireless", "mac", T_MAC, O(wireless.mac), 0},
	{"wireless", "ipv4", T_IPV4, O(wireless.ipv4), 0},
	{"wireless", "dhcp", T_BOOL, O(wireless.dhcp), 0},
	{"wireless", "link_up", T_BOOL, O(wireless.link_up), 0},
	{"cira", "status", T_CIRASTATUS, O(cira_status), 0},
	{"cira", "network", T_NETWORK, O(cira_network), 0},
	{"cira", "trigger", T_TRIGGER, O(cira_trigger), 0},
	{"cira", "os_interface", T_BOOL, O(os_interface), 0},
	{"cira", "bios_interface", T_BOOL, O(bios_interface), 0},
	{"cira", "ca", T_STR, O(cira_ca), S(cira_ca)},
	{"cira", "keepalive_s", T_UINT, O(cira_keepalive_s), 0},
	{"cira", "request_window_s", T_UINT, O(cira_request_window_s), 0},
	{"redirection", "sol", T_BOOL, O(redir_sol), 0},
	{"redirection", "ider", T_BOOL, O(redir_ider), 0},
	{"redirection", "listener", T_BOOL, O(redir_listener), 0},
	{"redirection", "consent", T_CONSENT, O(redir_consent), 0},
	{"optin", "required", T_OPTIN, O(optin_required), 0},
	{"optin", "code_timeout_s", T_UINT, O(optin_code_timeout_s), 0},
	{"optin", "display_timeout_s", T_UINT, O(optin_display_timeout_s), 0},
	{"local_account", "enabled", T_BOOL, O(local_account_enabled), 0},
	{"local_account", "username", T_STR, O(local_user), S(local_user)},
	{"local_account", "password", T_STR, O(local_password), S(local_password)},
	{"sim", "latency_ms", T_UINT, O(latency_ms), 0},
	{"sim", "not_ready_count", T_UINT, O(not_ready_count), 0},
	{"sim", "busy_connects", T_INT, O(busy_connects), 0},
	{"sim", "reset_on_request", T_UINT, O(reset_on_request), 0},
	{"sim", "reset_count", T_UINT, O(reset_count), 0},
	{"sim", "truncate_reply", T_CMD, O(truncate_reply), 0},
	{"sim", "oversize_reply", T_CMD, O(oversize_reply), 0},
	{"sim", "amt_disabled_style", T_DISABLED, O(disabled_style), 0},
	{"sim", "ansi_nul", T_BOOL, O(ansi_nul), 0},
	{"sim", "local_account_padding", T_BOOL, O(local_account_pad), 0},
	{"sim", "hash_numbering", T_NUMBERING, O(hash_numbering), 0},
	{"sim", "trigger_numbering", T_NUMBERING, O(trigger_numbering), 0},
	{"sim", "apf_window_stall", T_BOOL, O(apf_window_stall), 0},
	{"sim", "cira_window", T_UINT, O(cira_window), 0},
	{"sim", "mkhi_platform", T_UINT, O(mkhi_platform), 0},
	{"sim", "mkhi_version_blocks", T_UINT, O(mkhi_version_blocks), 0},
	{"sim", "tx_queue_limit", T_UINT, O(tx_queue_limit), 0},
	{"sim", "amthi_mtu", T_UINT, O(amthi_mtu), 0},
	{"sim", "amthi_max_connections", T_UINT, O(amthi_max_connections), 0},
	{"sim", "device_mode", T_OCTAL, O(device_mode), 0},
	{"sim", "time_scale", T_UINT, O(time_scale), 0},
	{"sim", "hello_not_ready", T_BOOL, O(hello_not_ready), 0},
	{"sim", "digest_qop", T_QOP, O(digest_qop), 0},
	{"sim", "tls_legacy", T_BOOL, O(tls_legacy), 0},
	{"sim", "tpds_permanent_interface_lock", T_BOOL, O(tpds_permanent_interface_lock), 0},
	{"sim", "identify_auth", T_BOOL, O(identify_auth), 0},
	{"sim", "identify_vendor", T_VENDOR, O(identify_vendor), 0},
	{"sim", "policy_rule_names", T_RULENAMES, O(rule_naming), 0},
	{"sim", "redirection_power_refusal", T_UINT, O(redirection_power_refusal), 0},
	{"sim", "redirection_plain", T_PLAIN, O(redirection_plain), 0},
	{"sim", "ider_boot_wait_s", T_UINT, O(ider_boot_wait_s), 0},
	{"sim", "ider_read_image", T_BOOL, O(ider_read_image), 0},
};

/* T_UINT keys with a narrower range than 0..2^31-1. */
static const struct uint_range {
	const char *name;
	unsigned long min, max;
} uint_ranges[] = {
	{"mkhi_version_blocks", 1, 3},
	{"tx_queue_limit", 30, 255}, /* the kernel's sysfs tx_queue_limit range */
	{"redirection_power_refusal", 2, 4097}, /* the two readings: 2 or 4097 */
	{"cira_window", 1024, 1048576}, /* an MPS caps what it believes at 1 MiB */
};

static bool uint_in_range(const struct row *r, unsigned long n)
{
	for (size_t i = 0; i < sizeof(uint_ranges) / sizeof(uint_ranges[0]); i++)
		if (strcmp(uint_ranges[i].name, r->name) == 0)
			return n >= uint_ranges[i].min && n <= uint_ranges[i].max;
	return true;
}

static const char *const provstate_names[] = {"pre", "in", "post", NULL};
static const char *const ctlmode_names[] = {"none", "ccm", "acm", NULL};
static const char *const provmode_names[] = {"none", "enterprise", "small_business",
					     "remote_assistance", NULL};
static const char *const cirastatus_names[] = {"not_connected", "connecting", "connected", NULL};
static const char *const network_names[] = {"inside", "vpn", "outside", "unknown", NULL};
static const char *const trigger_names[] = {"user_initiated", "alert", "provisioning",
					    "periodic", NULL};
static const char *const disabled_names[] = {"absent", "empty", NULL};
static const char *const numbering_names[] = {"lms", "rpcgo", NULL};
static const char *const qop_names[] = {"auth", "auth-int,auth", NULL};
static const char *const optin_names[] = {"none", "kvm", "all", NULL};
static const char *const consent_names[] = {"policy", "none", NULL};
static const char *const plain_names[] = {"auto", "true", "false", NULL};
static const char *const vendor_names[] = {"intel_corporation", "intel_r", NULL};
static const char *const rulenames_names[] = {"trigger", "trigger_handle", NULL};
static const char *const hash_alg_names[] = {"", "sha1", "sha256", "sha384", "sha512", NULL};
static const uint8_t hash_alg_len[] = {0, 20, 32, 48, 64};

static const char *const *enum_names(enum t type)
{
	switch (type) {
	case T_PROVSTATE: return provstate_names;
	case T_CTLMODE: return ctlmode_names;
	case T_PROVMODE: return provmode_names;
	case T_CIRASTATUS: return cirastatus_names;
	case T_NETWORK: return network_names;
	case T_TRIGGER: return trigger_names;
	case T_DISABLED: return disabled_names;
	case T_NUMBERING: return numbering_names;
	case T_QOP: return qop_names;
	case T_OPTIN: return optin_names;
	case T_CONSENT: return consent_names;
	case T_PLAIN: return plain_names;
	case T_VENDOR: return vendor_names;
	case T_RULENAMES: return rulenames_names;
	default: return NULL;
	}
}

void sim_state_defaults(struct sim_state *s)
{
	static const uint8_t uuid[16] = {0x78, 0x56, 0x34, 0x12, 0x34, 0x12, 0x78, 0x56,
					 0x12, 0x34, 0x56, 0x78, 0x9a, 0xbc, 0xde, 0xf0};
	memset(s, 0, sizeof(*s));
	s->amt_enabled = true;
	snprintf(s->version, sizeof(s->version), "16.1.25");
	snprintf(s->build, sizeof(s->build), "2049");
	snprintf(s->sku, sizeof(s->sku), "16392");
	memcpy(s->uuid, uuid, 16);
	snprintf(s->bios, sizeof(s->bios), "SIM.BIOS.0001");
	s->prov_mode = 1;
	s->wired.enabled = true;
	s->wired.dhcp = true;
	s->wired.link_up = true;
	memcpy(s->wired.mac, "\x00\x16\x3e\x00\x00\x01", 6);
	s->wireless.enabled = true;
	memcpy(s->wireless.mac, "\x00\x16\x3e\x00\x00\x02", 6);
	s->cira_network = 2;
	s->os_interface = true;
	s->bios_interface = true;
	snprintf(s->local_user, sizeof(s->local_user), "$$OsAdmin");
	snprintf(s->local_password, sizeof(s->local_password), "sim-local-secret");
	s->local_account_enabled = true;
	s->reset_count = 1;
	s->ansi_nul = false;
	s->mkhi_version_blocks = 3;
	s->tx_queue_limit = 50; /* SIM_TX_QUEUE_LIMIT_DEFAULT */
	s->cira_window = 4096; /* SIM_CIRA_WINDOW */
	s->amthi_mtu = 5120;
	s->amthi_max_connections = 8;
	s->device_mode = 0600;
	snprintf(s->admin_user, sizeof(s->admin_user), "admin");
	snprintf(s->admin_password, sizeof(s->admin_password), "P@ssw0rd");
	snprintf(s->host_name, sizeof(s->host_name), "amt-sim");
	sim_3pds_nvm_defaults(&s->storage);
	sim_ra_nvm_defaults(&s->ra);
	sim_hw_defaults(&s->hw);
	sim_users_defaults(&s->users);
	sim_alert_nvm_defaults(&s->alerts);
	sim_msglog_init(&s->msglog);
	sim_presence_defaults(&s->presence);
	s->redir_sol = s->redir_ider = s->redir_listener = true;
	s->optin_required = SIM_OPTIN_KVM;
	s->optin_code_timeout_s = 120;
	s->optin_display_timeout_s = 300;
	sim_host_nvm_defaults(&s->host);
	s->host_rt.os_running = true; /* a host that is on runs its OS; sim_host.c tracks it */
	s->hello_interval_s = 60;
	s->hello_window_s = 21600; /* 6 h */
	s->cira_keepalive_s = 60;
	s->cira_request_window_s = 60;
	s->time_scale = 1;
	s->redirection_power_refusal = 4097;
	s->ider_boot = true;
	s->ider_boot_wait_s = 30;
}

bool sim_state_redir_plain(const struct sim_state *st)
{
	if (st->redirection_plain == SIM_PLAIN_AUTO)
		return atoi(st->version) < 16;
	return st->redirection_plain == SIM_PLAIN_ON;
}

/* ---- what the firmware reports, derived from the keys ---- */

static void add_version(struct amt_code_versions *v, const char *desc, const char *val)
{
	struct amt_version_entry *e = &v->entries[v->count++];
	snprintf(e->description, sizeof(e->description), "%s", desc);
	snprintf(e->version, sizeof(e->version), "%s", val);
}

void sim_state_code_versions(const struct sim_state *st, struct amt_code_versions *v)
{
	memset(v, 0, sizeof(*v));
	snprintf(v->bios, sizeof(v->bios), "%s", st->bios);
	add_version(v, "Flash", st->version);
	add_version(v, "Netstack", st->version);
	add_version(v, "AMTApps", st->version);
	add_version(v, "AMT", st->version);
	add_version(v, "Sku", st->sku);
	add_version(v, "VendorID", "8086");
	add_version(v, "Build Number", st->build);
	add_version(v, "Recovery Version", st->version);
	add_version(v, "Recovery Build Num", st->build);
	add_version(v, "Legacy Mode", "False");
	if (atoi(st->version) >= 12)
		add_version(v, "AMT FW Core Version", st->version);
}

static int parse_enum(const char *const *names, const char *v, uint32_t *out)
{
	for (uint32_t i = 0; names[i]; i++)
		if (strcmp(names[i], v) == 0) {
			*out = i;
			return 0;
		}
	return -1;
}

static int parse_ulong(const char *v, int base, unsigned long max, unsigned long *out)
{
	char *end;
	if (!*v || *v == '-')
		return -1;
	errno = 0;
	*out = strtoul(v, &end, base);
	return (errno || *end || *out > max) ? -1 : 0;
}

static int hexbyte(const char *p, uint8_t *out)
{
	unsigned v;
	if (sscanf(p, "%2x", &v) != 1)
		return -1;
	*out = (uint8_t)v;
	return 0;
}

static int parse_mac(const char *v, uint8_t mac[6])
{
	if (strlen(v) != 17)
		return -1;
	for (int i = 0; i < 6; i++) {
		if (i < 5 && v[3 * i + 2] != ':' && v[3 * i + 2] != '-')
			return -1;
		if (hexbyte(v + 3 * i, &mac[i]) != 0)
			return -1;
	}
	return 0;
}

static int parse_ipv4(const char *v, uint32_t *out)
{
	unsigned a, b, c, d;
	char tail;
	if (!*v) {
		*out = 0;
		return 0;
	}
	if (sscanf(v, "%u.%u.%u.%u%c", &a, &b, &c, &d, &tail) != 4 || a > 255 || b > 255 ||
	    c > 255 || d > 255)
		return -1;
	*out = a << 24 | b << 16 | c << 8 | d;
	return 0;
}

static int parse_cmd(const char *v, uint32_t *out)
{
	unsigned long n;
	if (!*v || !strcmp(v, "none")) {
		*out = 0;
		return 0;
	}
	for (uint32_t code = 0x04000001; code < 0x04000100; code++)
		if (strcmp(amthi_cmd_name(code), v) == 0) {
			*out = code;
			return 0;
		}
	if (parse_ulong(v, 0, 0xFFFFFFFFul, &n) != 0)
		return -1;
	*out = (uint32_t)n;
	return 0;
}

/* "0xHHHHHHHH,0x..." (1..6 registers, FWSTS1 first); empty = derived. */
static int parse_fw_status(const char *v, struct sim_fw_status *out)
{
	struct sim_fw_status fs = {0};
	char item[24];
	while (*v) {
		size_t len = strcspn(v, ",");
		unsigned long n;
		if (fs.count == SIM_FW_STATUS_MAX || len == 0 || len >= sizeof(item))
			return -1;
		memcpy(item, v, len);
		item[len] = '\0';
		if (parse_ulong(item, 0, 0xFFFFFFFFul, &n) != 0)
			return -1;
		fs.regs[fs.count++] = (uint32_t)n;
		v += len;
		if (*v == ',' && !*++v)
			return -1; /* a trailing comma */
	}
	*out = fs;
	return 0;
}

/* "sha256:HEX[:Name],sha384:HEX". The key may repeat: every line appends,
 * because inih (as Debian builds it) reads at most 200 characters a line. */
static int parse_hashes(struct sim_state *s, const char *v)
{
	char *copy = strdup(v), *save = NULL, *item;
	int rc = 0;
	if (!copy)
		return -1;
	for (item = strtok_r(copy, ",", &save); item; item = strtok_r(NULL, ",", &save)) {
		while (*item == ' ')
			item++;
		if (s->hash_count >= SIM_MAX_HASHES) {
			rc = -1;
			break;
		}
		struct sim_hash *h = &s->hashes[s->hash_count];
		memset(h, 0, sizeof(*h));
		char *alg = item, *hex = strchr(item, ':'), *name;
		if (!hex) {
			rc = -1;
			break;
		}
		*hex++ = '\0';
		name = strchr(hex, ':');
		if (name)
			*name++ = '\0';
		uint32_t a;
		if (parse_enum(hash_alg_names, alg, &a) != 0 || a == 0 ||
		    strlen(hex) != 2u * hash_alg_len[a]) {
			rc = -1;
			break;
		}
		h->alg = (int)a;
		h->len = hash_alg_len[a];
		for (unsigned i = 0; i < h->len; i++)
			if (hexbyte(hex + 2 * i, &h->bytes[i]) != 0)
				rc = -1;
		if (rc)
			break;
		if (name && *name)
			snprintf(h->name, sizeof(h->name), "%s", name);
		else
			snprintf(h->name, sizeof(h->name), "Root CA %u", s->hash_count + 1);
		h->is_default = true;
		h->active = true;
		s->hash_count++;
	}
	free(copy);
	return rc;
}

static int set_row(struct sim_state *s, const struct row *r, const char *v)
{
	void *f = (char *)s + r->off;
	unsigned long n;
	uint32_t e;

	switch (r->type) {
	case T_BOOL:
		return sim_parse_bool(v, f);
	case T_UINT:
		if (parse_ulong(v, 10, 0x7FFFFFFFul, &n) != 0)
			return -1;
		if (!uint_in_range(r, n))
			return -1;
		*(unsigned *)f = (unsigned)n;
		return 0;
	case T_OCTAL:
		if (parse_ulong(v, 8, 07777, &n) != 0)
			return -1;
		*(unsigned *)f = (unsigned)n;
		return 0;
	case T_INT:
	case T_SINT: {
		char *end;
		errno = 0;
		long l = strtol(v, &end, 10);
		long min = r->type == T_INT ? -1 : -0x7FFFFFFF;
		if (errno || !*v || *end || l < min || l > 0x7FFFFFFF)
			return -1;
		*(int *)f = (int)l;
		return 0;
	}
	case T_STR:
		if (strlen(v) >= r->size)
			return -1;
		memcpy(f, v, strlen(v) + 1);
		return 0;
	case T_UUID: {
		struct heci_guid g;
		if (heci_guid_parse(v, &g) != 0)
			return -1;
		memcpy(f, g.b, 16);
		return 0;
	}
	case T_MAC:
		return parse_mac(v, f);
	case T_IPV4:
		return parse_ipv4(v, f);
	case T_CMD:
		return parse_cmd(v, f);
	case T_OPT_U32: { /* empty = not set; else a number, 0x for hex */
		struct sim_opt_u32 *o = f;
		if (!*v) {
			o->set = false;
			o->v = 0;
			return 0;
		}
		if (parse_ulong(v, 0, 0xFFFFFFFFul, &n) != 0)
			return -1;
		o->set = true;
		o->v = (uint32_t)n;
		return 0;
	}
	case T_HEX32:
		if (parse_ulong(v, 0, 0xFFFFFFFFul, &n) != 0)
			return -1;
		*(uint32_t *)f = (uint32_t)n;
		return 0;
	case T_FWSTS:
		return parse_fw_status(v, f);
	case T_HASHES:
		return parse_hashes(s, v);
	case T_DISABLED:
	case T_NUMBERING:
		if (parse_enum(enum_names(r->type), v, &e) != 0)
			return -1;
		*(int *)f = (int)e;
		return 0;
	default:
		return parse_enum(enum_names(r->type), v, f);
	}
}

struct load {
	struct sim_state *s;
	char why[160];
};

static int on_line(void *user, const char *section, const char *name, const char *value)
{
	struct load *l = user;
	if (!name)
		return 1;
	int taken = sim_3pds_nvm_ini(&l->s->storage, section, name, value, l->why, sizeof(l->why));
	if (taken < 0)
		taken = sim_ra_nvm_ini(&l->s->ra, section, name, value, l->why, sizeof(l->why));
	if (taken < 0)
		taken = sim_hw_ini(&l->s->hw, section, name, value, l->why, sizeof(l->why));
	if (taken < 0)
		taken = sim_users_ini(&l->s->users, section, name, value, l->why, sizeof(l->why));
	if (taken < 0)
		taken = sim_host_nvm_ini(&l->s->host, section, name, value, l->why, sizeof(l->why));
	if (taken < 0)
		taken = sim_alert_nvm_ini(&l->s->alerts, section, name, value, l->why, sizeof(l->why));
	if (taken < 0)
		taken = sim_msglog_ini(&l->s->msglog, section, name, value, l->why, sizeof(l->why));
	if (taken < 0)
		taken = sim_presence_ini(&l->s->presence, section, name, value, l->why, sizeof(l->why));
	if (taken >= 0)
		return taken;
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		if (strcmp(rows[i].section, section) || strcmp(rows[i].name, name))
			continue;
		if (set_row(l->s, &rows[i], value) == 0)
			return 1;
		snprintf(l->why, sizeof(l->why), "[%s] %s: bad value \"%.64s\"", section, name,
			 value);
		return 0;
	}
	snprintf(l->why, sizeof(l->why), "[%s] %s: unknown key", section, name);
	return 0;
}

int sim_state_load(struct sim_state *s, const char *path, char *err, size_t errcap)
{
	struct load l = {s, "syntax error"};
	int rc = ini_parse(path, on_line, &l);
	if (rc == -1) {
		snprintf(err, errcap, "%s: %s", path, strerror(errno));
		return -1;
	}
	if (rc != 0) {
		snprintf(err, errcap, "%s:%d: %s", path, rc, rc < 0 ? "cannot read" : l.why);
		return -1;
	}
	if (sim_3pds_nvm_finish(&s->storage, l.why, sizeof(l.why)) != 0 ||
	    sim_ra_nvm_finish(&s->ra, l.why, sizeof(l.why)) != 0 ||
	    sim_hw_finish(&s->hw, l.why, sizeof(l.why)) != 0 ||
	    sim_users_finish(&s->users, s->admin_user, l.why, sizeof(l.why)) != 0 ||
	    sim_alert_nvm_finish(&s->alerts, l.why, sizeof(l.why)) != 0 ||
	    sim_presence_finish(&s->presence, l.why, sizeof(l.why)) != 0) {
		snprintf(err, errcap, "%s: %s", path, l.why);
		return -1;
	}
	return 0;
}

static void format_row(FILE *f, const struct sim_state *s, const struct row *r)
{
	const void *p = (const char *)s + r->off;
	char buf[40];

	fprintf(f, "%s = ", r->name);
	switch (r->type) {
	case T_BOOL:
		fputs(*(const bool *)p ? "true" : "false", f);
		break;
	case T_UINT:
		fprintf(f, "%u", *(const unsigned *)p);
		break;
	case T_OCTAL:
		fprintf(f, "%04o", *(const unsigned *)p);
		break;
	case T_INT:
	case T_SINT:
		fprintf(f, "%d", *(const int *)p);
		break;
	case T_STR:
		fputs((const char *)p, f);
		break;
	case T_UUID:
		guid_format(p, buf);
		fputs(buf, f);
		break;
	case T_MAC:
		amt_mac_format(p, buf);
		fputs(buf, f);
		break;
	case T_IPV4:
		if (*(const uint32_t *)p) {
			amt_ipv4_format(*(const uint32_t *)p, buf);
			fputs(buf, f);
		}
		break;
	case T_CMD:
		if (*(const uint32_t *)p)
			fprintf(f, "0x%08X", *(const uint32_t *)p);
		break;
	case T_HEX32:
		fprintf(f, "0x%08X", *(const uint32_t *)p);
		break;
	case T_FWSTS: {
		const struct sim_fw_status *fs = p;
		for (unsigned i = 0; i < fs->count; i++)
			fprintf(f, "%s0x%08X", i ? "," : "", fs->regs[i]);
		break;
	}
	case T_OPT_U32:
		if (((const struct sim_opt_u32 *)p)->set)
			fprintf(f, "0x%08X", ((const struct sim_opt_u32 *)p)->v);
		break;
	case T_HASHES: /* one line per hash: see parse_hashes() */
		for (unsigned i = 0; i < s->hash_count; i++) {
			const struct sim_hash *h = &s->hashes[i];
			fprintf(f, "%s%s:", i ? "\nhashes = " : "", hash_alg_names[h->alg]);
			for (unsigned j = 0; j < h->len; j++)
				fprintf(f, "%02x", h->bytes[j]);
			fprintf(f, ":%s", h->name);
		}
		break;
	case T_DISABLED:
	case T_NUMBERING:
		fputs(enum_names(r->type)[*(const int *)p], f);
		break;
	default:
		fputs(enum_names(r->type)[*(const uint32_t *)p], f);
		break;
	}
	fputc('\n', f);
}

static int fill_state(FILE *f, void *arg)
{
	const struct sim_state *s = arg;
	fputs("# amt-sim device state; rewritten by the simulator (keys: see README)\n", f);
	const char *section = "";
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		if (strcmp(section, rows[i].section)) {
			section = rows[i].section;
			fprintf(f, "\n[%s]\n", section);
		}
		format_row(f, s, &rows[i]);
	}
	sim_ra_nvm_write(f, &s->ra);
	sim_hw_write(f, &s->hw);
	sim_users_write(f, &s->users);
	sim_host_nvm_write(f, &s->host);
	sim_alert_nvm_write(f, &s->alerts);
	sim_presence_write(f, &s->presence);
	sim_msglog_write(f, &s->msglog);
	sim_3pds_nvm_write(f, &s->storage);
	return 0;
}

void sim_state_keep_runtime(struct sim_state *now, const struct sim_state *before)
{
	now->host_rt = before->host_rt;
	sim_presence_keep_runtime(&now->presence, &before->presence);
}

int sim_state_save(const struct sim_state *s, const char *path)
{
	return atomic_file_write(path, 0600, fill_state, (void *)s);
}

int sim_state_persist(const struct sim_state *s, const char *path)
{
	if (!path)
		return 0;
	int rc = sim_state_save(s, path);
	if (rc != 0)
		log_error("cannot save state to %s: error %d", path, -rc);
	return rc;
}
