// SPDX-License-Identifier: Apache-2.0
/*
 * info.c - amt-agent info: read the AMT state with the fewest AMTHI
 * transactions over one connection, and render it as JSON or text.
 *
 * Transactions: GetCodeVersions, GetProvisioningState, GetControlMode,
 * GetUUID, GetPkiFQDNSuffix, GetLanInterfaceSettings x2,
 * GetRemoteAccessConnectionStatus, GetUserInitiatedEnabledInterfaces,
 * EnumerateHashHandles, then one GetCertHashEntry per handle. The ME
 * firmware version and the FWCAPS feature facts (fwcaps.c) come from MKHI on
 * one connection of its own afterwards (GET_FW_VERSION, rules 32 and 29, and
 * rule 0 only when rule 32 has no AMT); their absence is not an error. When
 * AMT's interface is absent, the MKHI part is still read and printed: what
 * the ME knows, with exit 5.
 */
#include "info.h"

#include <stdlib.h>
#include <string.h>

#include "exitcode.h"
#include "log.h"
#include "mkhi.h"

/* Firmware answers for a missing wireless interface (UNVERIFIED which). */
static bool means_no_interface(amt_status_t st)
{
	return st == AMT_STATUS_INTERFACE_DOES_NOT_EXIST || st == AMT_STATUS_INVALID_PARAMETER ||
	       st == AMT_STATUS_UNSUPPORTED || st == AMT_STATUS_NOT_FOUND;
}

/* Firmware text is not trusted to be UTF-8 or free of terminal escapes:
 * keep printable ASCII only, in place, before anything prints it. */
static void sanitize(char *s)
{
	for (; *s; s++)
		if (*s < 0x20 || *s >= 0x7f)
			*s = '?';
}

static void sanitize_all(struct amt_info *in)
{
	sanitize(in->versions.bios);
	for (uint32_t i = 0; i < in->versions.count; i++) {
		sanitize(in->versions.entries[i].description);
		sanitize(in->versions.entries[i].version);
	}
	sanitize(in->dns_suffix);
	sanitize(in->cira.mps_hostname);
	for (unsigned i = 0; i < in->hash_count; i++)
		sanitize(in->hashes[i].name);
}

/* The ME firmware version and the FWCAPS rules, on one MKHI connection.
 * Whatever MKHI does not answer stays unknown; that is not an error. */
static void collect_me_facts(struct agent_ctx *ctx, struct heci *h, struct amt_info *out)
{
	struct mkhi_session m;
	uint8_t result;
	int rc = mkhi_open(&m, h, (int)ctx->cfg.timeout_ms);
	if (rc == 0) {
		rc = mkhi_ask_fw_version(&m, &out->me_fw, &result);
		out->me_fw_known = rc == 0;
		if (rc != 0)
			log_info("ME firmware version unavailable over MKHI: %s",
				 heci_err_message(rc));
		/* a firmware refusal leaves the connection usable; anything else
		 * (a timeout, a reset, a reply we cannot read) ends the questions */
		if (rc == 0 || rc == HECI_E_FW_STATUS) {
			rc = fwcaps_ask(&m, &out->caps);
			out->caps_known = rc == 0;
			if (rc != 0)
				log_info("FWCAPS rules unavailable over MKHI: %s",
					 heci_err_message(rc));
		}
	} else {
		log_info("MKHI unavailable: %s", heci_err_message(rc));
	}
	out->mkhi_transactions = m.transactions;
	mkhi_close(&m);
}

static bool amt_absent(int rc)
{
	return rc == HECI_E_CLIENT_NOT_FOUND || rc == HECI_E_EMPTY;
}

int info_collect(struct agent_ctx *ctx, struct heci *h, struct amt_info *out,
		 struct info_failure *why)
{
	struct amthi s;
	struct amthi_opts o;
	struct amt_hash_handles handles;
	int rc;

	memset(out, 0, sizeof(*out));
	why->cmd_name = NULL;
	why->status = AMT_STATUS_SUCCESS;
	agent_amthi_opts(ctx, &o);
	rc = amthi_open(&s, h, &o);
	snprintf(out->device, sizeof(out->device), "%s", heci_device_path(h));
	if (rc != 0) {
		amthi_close(&s);
		if (amt_absent(rc))
			collect_me_facts(ctx, h, out);
		return rc;
	}

#define STEP(call)                                                                             \
	do {                                                                                   \
		rc = (call);                                                                   \
		if (rc != 0)                                                                   \
			goto fail;                                                             \
	} while (0)

	STEP(amthi_get_code_versions(&s, &out->versions));
	STEP(amthi_get_provisioning_state(&s, &out->provisioning_state));
	STEP(amthi_get_control_mode(&s, &out->control_mode));
	STEP(amthi_get_uuid(&s, out->uuid));
	STEP(amthi_get_dns_suffix(&s, out->dns_suffix, sizeof(out->dns_suffix)));
	STEP(amthi_get_lan_settings(&s, AMT_LAN_WIRED, &out->wired));
	rc = amthi_get_lan_settings(&s, AMT_LAN_WIRELESS, &out->wireless);
	if (rc == 0)
		out->wireless_present = true;
	else if (rc != HECI_E_FW_STATUS || !means_no_interface(s.last_status))
		goto fail;
	STEP(amthi_get_remote_access_status(&s, &out->cira));
	/* Whether a person at this computer may ask for help (the OS interface
	 * bit); firmware that refuses the question leaves it unknown (null). */
	rc = amthi_get_user_initiated_interfaces(&s, &out->ui_interfaces);
	if (rc == 0)
		out->ui_interfaces_known = true;
	else if (rc != HECI_E_FW_STATUS)
		goto fail;
	STEP(amthi_enumerate_hash_handles(&s, &handles));
	for (uint32_t i = 0; i < handles.count; i++) {
		STEP(amthi_get_cert_hash_entry(&s, handles.handles[i], &out->hashes[i]));
		out->hash_count++;
	}
#undef STEP
	sanitize_all(out);
	out->amt_known = true;
	out->transactions = s.transactions;
	amthi_close(&s);
	collect_me_facts(ctx, h, out);
	log_debug("%u AMTHI transactions and %u MKHI transactions on %s", out->transactions,
		  out->mkhi_transactions, out->device);
	return 0;

fail:
	why->cmd_name = amthi_cmd_name(s.last_cmd);
	why->status = s.last_status;
	amthi_close(&s);
	if (amt_absent(rc)) /* amt_known stays false: the half-read AMT state is never shown */
		collect_me_facts(ctx, h, out);
	return rc;
}

static json_t *str_or_null(const char *s)
{
	return s && *s ? json_string(s) : json_null();
}

static void set(json_t *o, const char *key, json_t *v)
{
	json_object_set_new(o, key, v ? v : json_null());
}

static json_t *lan_json(const struct amt_lan_settings *l)
{
	char mac[18], ip[16];
	json_t *o = json_object();
	amt_mac_format(l->mac, mac);
	amt_ipv4_format(l->ipv4, ip);
	set(o, "mac", json_string(mac));
	set(o, "ipv4", l->ipv4 ? json_string(ip) : json_null());
	set(o, "dhcp", json_boolean(l->dhcp_enabled));
	set(o, "link_up", json_boolean(l->link_status == 1));
	set(o, "enabled", json_boolean(l->enabled));
	return o;
}

static void hex(const uint8_t *b, size_t n, char *out)
{
	static const char digits[] = "0123456789abcdef";
	for (size_t i = 0; i < n; i++) {
		out[2 * i] = digits[b[i] >> 4];
		out[2 * i + 1] = digits[b[i] & 15];
	}
	out[2 * n] = '\0';
}

/* The ME's own facts: firmware version and FWCAPS features (null unknown). */
static void me_facts_json(json_t *o, const struct amt_info *in)
{
	if (in->me_fw_known) {
		char mefw[48];
		mkhi_fw_version_format(&in->me_fw.blocks[0], mefw, sizeof(mefw));
		set(o, "me_fw_version", json_string(mefw));
	} else {
		set(o, "me_fw_version", json_null());
	}
	const struct fwcaps *c = in->caps_known ? &in->caps : NULL;
	set(o, "amt_capable", c ? json_boolean(c->amt_capable) : json_null());
	set(o, "amt_enabled", c ? json_boolean(c->amt_enabled) : json_null());
	set(o, "me_image", c ? json_string(fwcaps_image_name(c->image)) : json_null());
	set(o, "me_brand", c ? json_string(fwcaps_brand_name(c->brand)) : json_null());
}

/* AMT absent: the same keys, in the same order, AMT's all null. */
static json_t *partial_json(const struct amt_info *in)
{
	static const char *const amt_keys[] = {
		"uuid",	       "amt_version", "build", "sku",	   "provisioning_state",
		"provisioned", "control_mode", "dns_suffix", "wired", "wireless",
		"cira",	       "cert_hashes", "versions", "bios_version",
	};
	json_t *o = json_object();
	set(o, "schema", json_integer(INFO_JSON_SCHEMA));
	set(o, "device", json_string(in->device));
	for (size_t i = 0; i < sizeof(amt_keys) / sizeof(amt_keys[0]); i++)
		set(o, amt_keys[i], json_null());
	me_facts_json(o, in);
	return o;
}

json_t *info_to_json(const struct amt_info *in, int trigger_numbering)
{
	if (!in->amt_known)
		return partial_json(in);

	char uuid[37];
	json_t *o = json_object(), *versions = json_array(), *hashes = json_array(),
	       *cira = json_object();

	guid_format(in->uuid, uuid);
	for (uint32_t i = 0; i < in->versions.count; i++) {
		json_t *v = json_object();
		set(v, "name", json_string(in->versions.entries[i].description));
		set(v, "value", json_string(in->versions.entries[i].version));
		json_array_append_new(versions, v);
	}
	for (unsigned i = 0; i < in->hash_count; i++) {
		const struct amt_cert_hash_entry *e = &in->hashes[i];
		char h[2 * AMT_CERT_HASH_MAX + 1];
		json_t *v = json_object();
		hex(e->hash, e->hash_len, h);
		set(v, "name", json_string(e->name));
		set(v, "algorithm", json_string(amt_hash_algorithm_name(e->algorithm, e->hash_len)));
		set(v, "hash", json_string(h));
		set(v, "default", json_boolean(e->is_default));
		set(v, "active", json_boolean(e->is_active));
		json_array_append_new(hashes, v);
	}
	set(cira, "status", json_string(amt_cira_status_name(in->cira.cira_status)));
	set(cira, "network", json_string(amt_network_status_name(in->cira.network_status)));
	set(cira, "trigger",
	    json_string(amt_cira_trigger_name(in->cira.trigger, trigger_numbering)));
	set(cira, "mps", str_or_null(in->cira.mps_hostname));
	if (in->ui_interfaces_known) {
		json_t *ui = json_object();
		set(ui, "os", json_boolean(in->ui_interfaces & AMT_UI_IF_OS));
		set(ui, "bios", json_boolean(in->ui_interfaces & AMT_UI_IF_BIOS));
		set(cira, "user_initiated", ui);
	} else {
		set(cira, "user_initiated", json_null());
	}

	set(o, "schema", json_integer(INFO_JSON_SCHEMA));
	set(o, "device", json_string(in->device));
	set(o, "uuid", json_string(uuid));
	set(o, "amt_version", str_or_null(amt_code_versions_get(&in->versions, "AMT")));
	set(o, "build", str_or_null(amt_code_versions_get(&in->versions, "Build Number")));
	set(o, "sku", str_or_null(amt_code_versions_get(&in->versions, "Sku")));
	set(o, "provisioning_state",
	    json_string(amt_provisioning_state_name(in->provisioning_state)));
	set(o, "provisioned", json_boolean(in->provisioning_state == AMT_PROVISIONING_POST));
	set(o, "control_mode", json_string(amt_control_mode_name(in->control_mode)));
	set(o, "dns_suffix", str_or_null(in->dns_suffix));
	set(o, "wired", lan_json(&in->wired));
	set(o, "wireless", in->wireless_present ? lan_json(&in->wireless) : json_null());
	set(o, "cira", cira);
	set(o, "cert_hashes", hashes);
	set(o, "versions", versions);
	set(o, "bios_version", str_or_null(in->versions.bios));
	me_facts_json(o, in);
	return o;
}

static const char *or_dash(const char *s)
{
	return s && *s ? s : "-";
}

static void lan_text(FILE *f, const char *label, const struct amt_lan_settings *l)
{
	char mac[18], ip[16];
	amt_mac_format(l->mac, mac);
	amt_ipv4_format(l->ipv4, ip);
	fprintf(f, "%-20s %s  %s  %s, link %s%s\n", label, mac, l->ipv4 ? ip : "no address",
		l->dhcp_enabled ? "DHCP" : "static", l->link_status == 1 ? "up" : "down",
		l->enabled ? "" : ", disabled");
}

/* "ME firmware" and "AMT features" lines, for what MKHI answered. */
static void me_facts_text(FILE *f, const struct amt_info *in)
{
	if (in->me_fw_known) {
		char v[48];
		mkhi_fw_version_format(&in->me_fw.blocks[0], v, sizeof(v));
		fprintf(f, "%-20s %s\n", "ME firmware", v);
	}
	if (in->caps_known) {
		const struct fwcaps *c = &in->caps;
		fprintf(f, "%-20s %s; %s ME image, brand %s\n", "AMT features",
			!c->amt_capable	  ? "not capable"
			: c->amt_enabled ? "capable, enabled"
					 : "capable, disabled in the BIOS/MEBx",
			fwcaps_image_text(c->image), fwcaps_brand_text(c->brand));
	}
}

void info_print_text(FILE *f, const struct amt_info *in, int trigger_numbering)
{
	static const char *const state_text[] = {"not provisioned (pre-provisioning)",
						 "provisioning in progress", "provisioned"};
	static const char *const mode_text[] = {"no control mode", "client control mode (CCM)",
						"admin control mode (ACM)",
						"remote assistance mode"};
	if (!in->amt_known) {
		me_facts_text(f, in);
		return;
	}
	char uuid[37];
	guid_format(in->uuid, uuid);
	fprintf(f, "%-20s %s (build %s, SKU %s)\n", "AMT version",
		or_dash(amt_code_versions_get(&in->versions, "AMT")),
		or_dash(amt_code_versions_get(&in->versions, "Build Number")),
		or_dash(amt_code_versions_get(&in->versions, "Sku")));
	me_facts_text(f, in);
	fprintf(f, "%-20s %s\n", "UUID", uuid);
	fprintf(f, "%-20s %s, %s\n", "Provisioning",
		in->provisioning_state <= 2 ? state_text[in->provisioning_state] : "unknown",
		in->control_mode <= 3 ? mode_text[in->control_mode] : "unknown mode");
	fprintf(f, "%-20s %s\n", "DNS suffix", or_dash(in->dns_suffix));
	lan_text(f, "Wired", &in->wired);
	if (in->wireless_present)
		lan_text(f, "Wireless", &in->wireless);
	else
		fprintf(f, "%-20s not present\n", "Wireless");
	fprintf(f, "%-20s %s (%s), trigger %s, MPS %s\n", "Remote access (CIRA)",
		amt_cira_status_name(in->cira.cira_status),
		amt_network_status_name(in->cira.network_status),
		amt_cira_trigger_name(in->cira.trigger, trigger_numbering),
		or_dash(in->cira.mps_hostname));
	if (in->ui_interfaces_known)
		fprintf(f, "%-20s from the OS %s, from the BIOS %s\n", "Call for help",
			(in->ui_interfaces & AMT_UI_IF_OS) ? "enabled" : "disabled",
			(in->ui_interfaces & AMT_UI_IF_BIOS) ? "enabled" : "disabled");
	unsigned active = 0;
	for (unsigned i = 0; i < in->hash_count; i++)
		active += in->hashes[i].is_active;
	fprintf(f, "%-20s %u (%u active)\n", "Trusted root hashes", in->hash_count, active);
	for (unsigned i = 0; i < in->hash_count; i++) {
		const struct amt_cert_hash_entry *e = &in->hashes[i];
		char h[2 * AMT_CERT_HASH_MAX + 1];
		hex(e->hash, e->hash_len, h);
		fprintf(f, "  %s %-6s %.16s…  %s\n", e->is_active ? "*" : " ",
			amt_hash_algorithm_name(e->algorithm, e->hash_len), h, e->name);
	}
}

/* ---- info --get KEY ---- */

/* The value at a dotted key ("wired.ipv4", "cert_hashes.0.hash") in doc.
 * Returns 0 with *out (borrowed; json null when the key passes through a
 * null such as "wireless" on a machine without wireless AMT, or an index
 * past the end), or -1 when doc has no such key. In a skeleton (every
 * object present, one element per array) an index past the end still
 * reads element 0, and a null cannot be walked through. */
static int lookup(json_t *doc, const char *key, bool skeleton, json_t **out)
{
	char buf[128], *save = NULL, *part;
	json_t *cur = doc;
	size_t n = strlen(key);
	if (n == 0 || n >= sizeof(buf) || key[0] == '.' || key[n - 1] == '.' || strstr(key, ".."))
		return -1;
	memcpy(buf, key, n + 1);
	for (part = strtok_r(buf, ".", &save); part; part = strtok_r(NULL, ".", &save)) {
		if (json_is_object(cur)) {
			cur = json_object_get(cur, part);
			if (!cur)
				return -1;
		} else if (json_is_array(cur)) {
			char *end;
			if (part[0] < '0' || part[0] > '9')
				return -1;
			unsigned long i = strtoul(part, &end, 10);
			if (*end)
				return -1;
			if (skeleton)
				i = 0;
			if (i >= json_array_size(cur)) {
				*out = json_null();
				return 0;
			}
			cur = json_array_get(cur, i);
		} else if (json_is_null(cur) && !skeleton) {
			break;
		} else {
			return -1;
		}
	}
	*out = cur;
	return 0;
}

/* Every key --get names exists in the schema: checked before the ME is
 * touched, against a document with every optional part present. */
static int check_get_keys(struct agent_ctx *ctx, const struct agent_call *call, int opt)
{
	struct amt_info *sk = calloc(1, sizeof(*sk));
	json_t *doc = NULL, *v;
	int ex = EXIT_AMT_OK;
	if (!sk) {
		fprintf(ctx->err, "%s: out of memory\n", ctx->prog);
		return EXIT_AMT_TIMEOUT;
	}
	sk->amt_known = true;
	sk->wireless_present = true;
	sk->hash_count = 1;
	sk->versions.count = 1;
	doc = info_to_json(sk, ctx->cfg.trigger_numbering);
	for (int i = 0; i < call->opt.nhits && ex == EXIT_AMT_OK; i++) {
		const char *key = call->opt.hits[i].value;
		if (call->opt.hits[i].opt == opt && lookup(doc, key, true, &v) != 0) {
			cliopt_fail(&call->cmd->cli, ctx->err,
				    "--get \"%.64s\": no such key (keys are those of info --json, "
				    "dotted: wired.ipv4, cira.status)",
				    key);
			ex = EXIT_AMT_USAGE;
		}
	}
	json_decref(doc);
	free(sk);
	return ex;
}

/* One line per key: strings bare, numbers and booleans as JSON spells them,
 * null as an empty line, objects and arrays as one line of JSON. With
 * --json: one object from each key to its value. */
static void print_keys(struct agent_ctx *ctx, const struct agent_call *call, int opt, json_t *doc)
{
	json_t *picked = ctx->json ? json_object() : NULL, *v;
	for (int i = 0; i < call->opt.nhits; i++) {
		const char *key = call->opt.hits[i].value;
		if (call->opt.hits[i].opt != opt || lookup(doc, key, false, &v) != 0)
			continue;
		if (picked) {
			json_object_set(picked, key, v);
		} else if (json_is_string(v)) {
			fprintf(ctx->out, "%s\n", json_string_value(v));
		} else if (json_is_null(v)) {
			fputc('\n', ctx->out);
		} else {
			char *s = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY | JSON_PRESERVE_ORDER);
			fprintf(ctx->out, "%s\n", s ? s : "");
			free(s);
		}
	}
	if (picked)
		agent_print_json(ctx, picked);
	fflush(ctx->out);
}

enum { INFO_OPT_JSON, INFO_OPT_GET };

static const struct cliopt info_opts[] = {
	[INFO_OPT_JSON] = {"json", 'j', NULL, "print JSON for scripts (keys in the README)", 0},
	[INFO_OPT_GET] = {"get", 0, "KEY",
			  "print only KEY's value, bare (dotted: wired.ipv4); repeatable",
			  CLIOPT_REPEAT},
	{NULL, 0, NULL, NULL, 0},
};

static int run_info(struct agent_ctx *ctx, const struct agent_call *call)
{
	bool get = cliopt_seen(&call->opt, INFO_OPT_GET);
	int checked = get ? check_get_keys(ctx, call, INFO_OPT_GET) : EXIT_AMT_OK;
	if (checked != EXIT_AMT_OK)
		return checked;

	struct heci *h = agent_heci_new(ctx);
	struct amt_info *in = calloc(1, sizeof(*in));
	struct info_failure why;
	int rc, ex = EXIT_AMT_OK;
	if (!h || !in) {
		fprintf(ctx->err, "%s: out of memory\n", ctx->prog);
		ex = EXIT_AMT_TIMEOUT;
		goto out;
	}
	rc = info_collect(ctx, h, in, &why);
	if (amt_absent(rc)) {
		/* AMT's interface is absent: what the ME said over MKHI (if it
		 * said anything) on stdout, why AMT is unavailable on stderr, 5 */
		ex = agent_fail_absent(ctx, "read the AMT state", rc,
				       in->caps_known ? &in->caps : NULL);
		if (!in->me_fw_known && !in->caps_known)
			goto out;
	} else if (rc != 0) {
		ex = agent_fail(ctx, h, "read the AMT state", rc, why.status, why.cmd_name);
		goto out;
	}
	if (get) {
		json_t *doc = info_to_json(in, ctx->cfg.trigger_numbering);
		print_keys(ctx, call, INFO_OPT_GET, doc);
		json_decref(doc);
	} else if (ctx->json) {
		agent_print_json(ctx, info_to_json(in, ctx->cfg.trigger_numbering));
	} else {
		info_print_text(ctx->out, in, ctx->cfg.trigger_numbering);
	}
out:
	free(in);
	heci_free(h);
	return ex;
}

const struct agent_cmd agent_cmd_info = {
	.cli = {.prog = AGENT_PROG,
		.name = "info",
		.opts = info_opts,
		.description = "Read the AMT state and AMT's feature facts from the ME and print them:\n"
			       "a summary for people, JSON with --json, or only the values of the keys\n"
			       "named with --get (one per line; an empty line for null), e.g.\n"
			       "--get amt_version --get wired.ipv4 --get amt_enabled.\n",
		.footer = "Exit codes: 0 success, 1 AMT refused a request, 2 usage or configuration,\n"
			  "3 no ME device, 4 permission denied, 5 AMT not available (disabled in\n"
			  "the BIOS/MEBx or not in the firmware: the line says which when the ME\n"
			  "does; what the ME said is still printed), 6 busy (retry), 7 timed out or\n"
			  "not ready (retry), 8 the service could not be reached, 10 a reply not\n"
			  "understood. amt-agent(8) says more.\n"},
	.summary = "read and print the AMT state from the ME",
	.priv = AGENT_PRIV_ANY,
	.stop_on_hangup = true,
	.run = run_info,
};
