// SPDX-License-Identifier: Apache-2.0
/*
 * device.c - amt-verify device HOST: read a device's AMT state over
 * WS-Management from the network side and compare it with what is expected;
 * device_read() is the reading half, shared with `reports --check`.
 *
 * Reads AMT version (CIM_SoftwareIdentity "AMT"), provisioning state and
 * control mode (AMT_SetupAndConfigurationService), UUID
 * (CIM_ComputerSystemPackage.PlatformGUID), the wired port
 * (AMT_EthernetPortSettings 0) and the host ID (3PDS, the same block the
 * agent writes). Expectations come from --expect KEY=VALUE, --expect-hostid
 * and an inventory file ([HOST] sections of KEY = VALUE). Exit 0 only when
 * everything expected matches; each mismatch is one line.
 * TLS is verified by default; a CA file or a pinned SHA-256 fingerprint
 * trusts a self-signed AMT certificate; --insecure exists and says so.
 * --via-tunnel UUID reaches the device through the relay port a listener
 * keeps for its CIRA tunnel (tunnel_target.c); over TLS the URL then names
 * AMT's host (its certificate is checked against it) and the connection
 * goes to the relay.
 * Must not: change anything on the device beyond a 3PDS session.
 */
#include <ini.h>
#include <jansson.h>
#include <openssl/crypto.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cliopt.h"
#include "device.h"
#include "tunnel_target.h"
#include "wsman.h"

#define MAX_EXPECT 32

struct expect {
	char key[32];
	char value[160];
};

struct device_args {
	const char *host, *password_file, *inventory, *via_tunnel, *db;
	bool json;
	struct device_target t;
	struct expect exp[MAX_EXPECT];
	size_t nexp;
};

const char *const device_keys[] = {"amt_version", "provisioning_state", "control_mode", "uuid",
				   "mac", "ipv4", "dhcp", "link_up", "host_id", NULL};

static int add_expect(struct device_args *a, const char *key, const char *value)
{
	bool known = false;
	for (int i = 0; device_keys[i]; i++)
		known |= strcmp(device_keys[i], key) == 0;
	if (!known || a->nexp >= MAX_EXPECT || strlen(value) >= sizeof(a->exp[0].value))
		return -1;
	snprintf(a->exp[a->nexp].key, sizeof(a->exp[0].key), "%s", key);
	snprintf(a->exp[a->nexp].value, sizeof(a->exp[0].value), "%s", value);
	a->nexp++;
	return 0;
}

static int on_inventory(void *user, const char *section, const char *name, const char *value)
{
	struct device_args *a = user;
	if (!name || strcmp(section, a->host) != 0)
		return 1;
	return add_expect(a, name, value) == 0;
}

/* ---- reading ---- */

static int on_identity(void *arg, xmlNodePtr item)
{
	struct device_state *s = arg;
	const char *id = wsman_child_text(item, "InstanceID");
	const char *v = wsman_child_text(item, "VersionString");
	if (id && v && strcmp(id, "AMT") == 0) {
		snprintf(s->amt_version, sizeof(s->amt_version), "%s", v);
		return 1; /* found: stop */
	}
	return 0;
}

static int read_state(struct wsman_client *c, struct device_state *s, struct wsman_error *e)
{
	xmlDocPtr doc = NULL;
	xmlNodePtr inst;
	int rc;

	rc = wsman_enumerate(c, WSMAN_CIM_URI("CIM_SoftwareIdentity"), on_identity, s, e);
	if (rc != 0)
		return rc;

	rc = wsman_get(c, WSMAN_AMT_URI("AMT_SetupAndConfigurationService"), NULL, 0, &doc, &inst, e);
	if (rc != 0)
		return rc;
	uint32_t ps = 9, pm = 0;
	wsman_child_u32(inst, "ProvisioningState", &ps);
	wsman_child_u32(inst, "ProvisioningMode", &pm);
	snprintf(s->provisioning_state, sizeof(s->provisioning_state), "%s",
		 ps == 0 ? "pre" : ps == 1 ? "in" : ps == 2 ? "post" : "unknown");
	/* WS-Man numbers modes 1 = ACM, 4 = CCM (AMTHI uses 2 and 1) */
	snprintf(s->control_mode, sizeof(s->control_mode), "%s",
		 ps != 2 ? "none" : pm == 1 ? "acm" : pm == 4 ? "ccm" : "unknown");
	xmlFreeDoc(doc);

	rc = wsman_get(c, WSMAN_CIM_URI("CIM_ComputerSystemPackage"), NULL, 0, &doc, &inst, e);
	if (rc != 0)
		return rc;
	const char *g = wsman_child_text(inst, "PlatformGUID");
	if (!g || strlen(g) != 32) {
		xmlFreeDoc(doc);
		e->kind = WSMAN_E_PARSE;
		snprintf(e->curl_message, sizeof(e->curl_message), "PlatformGUID is not 32 hex digits");
		return WSMAN_E_PARSE;
	}
	for (int i = 0; i < 16; i++) {
		int hi = OPENSSL_hexchar2int((unsigned char)g[2 * i]);
		int lo = OPENSSL_hexchar2int((unsigned char)g[2 * i + 1]);
		if (hi < 0 || lo < 0) {
			xmlFreeDoc(doc);
			e->kind = WSMAN_E_PARSE;
			return WSMAN_E_PARSE;
		}
		s->uuid_raw[i] = (uint8_t)(hi << 4 | lo);
	}
	verify_uuid_str(s->uuid_raw, s->uuid);
	xmlFreeDoc(doc);

	const struct wsman_selector wired[] = {{"InstanceID", "Intel(r) AMT Ethernet Port Settings 0"}};
	rc = wsman_get(c, WSMAN_AMT_URI("AMT_EthernetPortSettings"), wired, 1, &doc, &inst, e);
	if (rc != 0)
		return rc;
	const char *mac = wsman_child_text(inst, "MACAddress"), *ip = wsman_child_text(inst, "IPAddress");
	const char *dhcp = wsman_child_text(inst, "DHCPEnabled"), *link = wsman_child_text(inst, "LinkIsUp");
	snprintf(s->mac, sizeof(s->mac), "%s", mac ? mac : "");
	for (char *p = s->mac; *p; p++) /* AMT writes 00-11-22-..; compare as 00:11:22:.. */
		*p = *p == '-' ? ':' : (char)((*p >= 'A' && *p <= 'F') ? *p + 32 : *p);
	snprintf(s->ipv4, sizeof(s->ipv4), "%s", ip ? ip : "");
	snprintf(s->dhcp, sizeof(s->dhcp), "%s", dhcp ? dhcp : "");
	snprintf(s->link_up, sizeof(s->link_up), "%s", link ? link : "");
	xmlFreeDoc(doc);
	return 0;
}

static void target_url(const struct device_target *t, char *url, size_t cap)
{
	bool v6 = strchr(t->host, ':') != NULL;
	snprintf(url, cap, "%s://%s%s%s:%u/wsman", t->tls ? "https" : "http", v6 ? "[" : "",
		 t->host, v6 ? "]" : "", t->port ? t->port : (t->tls ? 16993 : 16992));
}

static void target_opts(const struct device_target *t, const char *url, struct wsman_opts *o)
{
	*o = (struct wsman_opts){.url = url, .user = t->user, .password = (const char *)t->password,
				 .ca_file = t->ca_file, .pin_sha256 = t->pin, .insecure = t->insecure,
				 .allow_tls10 = t->allow_tls10,
				 .timeout_ms = t->timeout_ms ? t->timeout_ms : 15000,
				 .connect_to = t->connect_to,
				 .perform = t->perform, .perform_arg = t->perform_arg};
}

int device_target_check(const struct device_target *t, char *err, size_t errlen)
{
	struct wsman_opts o;
	char url[512];

	target_url(t, url, sizeof(url));
	target_opts(t, url, &o);
	return wsman_opts_validate(&o, err, errlen) == 0 ? 0 : VERIFY_EXIT_USAGE;
}

int device_read(const struct device_target *t, struct device_state *s, char *err,
		size_t errlen)
{
	struct wsman_client *wc = NULL;
	struct wsman_error e;
	struct wsman_opts o;
	char url[512], why[512];
	int rc, ex = VERIFY_EXIT_OK;

	memset(s, 0, sizeof(*s));
	wsman_error_clear(&e);
	target_url(t, url, sizeof(url));
	target_opts(t, url, &o);
	if (wsman_opts_validate(&o, why, sizeof(why)) != 0) {
		snprintf(err, errlen, "%s: %s", t->host, why);
		return VERIFY_EXIT_USAGE;
	}
	wc = wsman_client_new(&o);
	rc = wc ? read_state(wc, s, &e) : WSMAN_E_NOMEM;
	if (rc == 0 && t->skip_host_id) {
		s->host_id_state = DEVICE_HOSTID_NOT_READ;
	} else if (rc == 0) {
		int h = hostid_3pds_read(wc, &t->names, s->uuid_raw, s->host_id, sizeof(s->host_id), &e);
		if (h == HOSTID_OK)
			s->host_id_state = DEVICE_HOSTID_SET;
		else if (h == HOSTID_NONE)
			s->host_id_state = DEVICE_HOSTID_NONE;
		else if (h == HOSTID_E_NO_3PDS)
			s->host_id_state = DEVICE_HOSTID_NO_3PDS;
		else
			rc = h;
	}
	if (rc != 0) {
		s->error_kind = rc;
		hostid_3pds_describe(rc, &t->names, &e, why, sizeof(why));
		snprintf(err, errlen, "%s: %s", t->host, why);
		ex = rc == WSMAN_E_AUTH ? DEVICE_EXIT_AUTH
		     : rc == WSMAN_E_PARSE || rc == HOSTID_E_FORMAT ? VERIFY_EXIT_PROTOCOL
		     : rc == WSMAN_E_FAULT || rc == WSMAN_E_RETURN || rc <= HOSTID_E_NO_3PDS
			     ? DEVICE_EXIT_MISMATCH
			     : VERIFY_EXIT_NETWORK;
	}
	wsman_client_free(wc);
	return ex;
}

const char *device_field(const struct device_state *s, const char *key)
{
	if (!strcmp(key, "amt_version")) return s->amt_version;
	if (!strcmp(key, "provisioning_state")) return s->provisioning_state;
	if (!strcmp(key, "control_mode")) return s->control_mode;
	if (!strcmp(key, "uuid")) return s->uuid;
	if (!strcmp(key, "mac")) return s->mac;
	if (!strcmp(key, "ipv4")) return s->ipv4;
	if (!strcmp(key, "dhcp")) return s->dhcp;
	if (!strcmp(key, "link_up")) return s->link_up;
	if (!strcmp(key, "host_id"))
		return s->host_id_state == DEVICE_HOSTID_SET	   ? s->host_id
		       : s->host_id_state == DEVICE_HOSTID_NOT_READ ? "(not read)"
								    : "(none)";
	return "";
}

enum { O_TLS, O_PORT, O_USER, O_PWFILE, O_CA, O_PIN, O_INSECURE, O_TLS10, O_EXPECT, O_HOSTID,
       O_INVENTORY, O_JSON, O_VENDOR, O_APP, O_ENT, O_BLOCK, O_VIA_TUNNEL, O_DB };

static const struct cliopt device_opts[] = {
	[O_TLS] = {"tls", 0, NULL, "HTTPS on 16993 (default HTTP on 16992)", 0},
	[O_PORT] = {"port", 0, "N", "another port", 0},
	[O_USER] = {"user", 0, "U", "WS-Man user (default admin)", 0},
	[O_PWFILE] = {"password-file", 0, "F",
		      "its password (required; the file must not be readable by others)", 0},
	[O_CA] = {"ca-file", 0, "F", "trust this CA for the device's TLS certificate", 0},
	[O_PIN] = {"pin", 0, "SHA256", "or accept a certificate with this SHA-256 fingerprint", 0},
	[O_INSECURE] = {"insecure", 0, NULL, "or do not verify TLS at all (says so)", 0},
	[O_TLS10] = {"allow-tls10", 0, NULL, "accept TLS 1.0/1.1 (AMT 7-11)", 0},
	[O_EXPECT] = {"expect", 0, "KEY=VALUE", "expect this value (repeatable)", CLIOPT_REPEAT},
	[O_HOSTID] = {"expect-hostid", 0, "ID", "expect this host ID", 0},
	[O_INVENTORY] = {"inventory", 0, "FILE",
			 "expectations from an INI file: [HOST] sections of KEY = VALUE", 0},
	[O_JSON] = {"json", 0, NULL, "the device and the mismatches as JSON", 0},
	[O_VENDOR] = {"vendor", 0, "V", "3PDS vendor name of the host ID block (default: amt-agent "
				      "project)", 0},
	[O_APP] = {"application", 0, "A", "3PDS application name (default: amt-agent)", 0},
	[O_ENT] = {"enterprise", 0, "E", "3PDS enterprise name (default: amt-agent)", 0},
	[O_BLOCK] = {"block-name", 0, "B", "3PDS block name (default: amt-agent-hostid)", 0},
	[O_VIA_TUNNEL] = {"via-tunnel", 0, "UUID",
			  "instead of HOST: through the relay port 'amt-verify listen --mps' keeps "
			  "for that device's CIRA tunnel ('amt-verify tunnels' lists them)",
			  0},
	[O_DB] = {"db", 0, "PATH", "with --via-tunnel: the listener's store (default "
		  STORE_DEFAULT_PATH ")", 0},
	{NULL, 0, NULL, NULL, 0},
};

static const struct clicmd device_cli = {
	.prog = VERIFY_PROG,
	.name = "device",
	.args = "HOST",
	.min_args = 0, /* HOST, or --via-tunnel UUID: checked below */
	.max_args = 1,
	.opts = device_opts,
	.synopsis =
		"usage: amt-verify device HOST | --via-tunnel UUID [--db PATH] [--tls] [--port N]\n"
		"         [--user U] [--password-file F]\n"
		"         [--ca-file F | --pin SHA256 | --insecure] [--allow-tls10]\n"
		"         [--expect KEY=VALUE]... [--expect-hostid ID] [--inventory FILE] [--json]\n"
		"         [--vendor V] [--application A] [--enterprise E] [--block-name B]\n",
	.description =
		"Read a device's AMT state over WS-Management and compare it with expectations.\n"
		"KEY: amt_version provisioning_state control_mode uuid mac ipv4 dhcp link_up host_id.\n",
	.footer = "Exit codes: 0 everything matches, 1 a mismatch (one line each), 2 usage or\n"
		  "configuration (options, password or CA file), 4 the device refused the\n"
		  "credentials, 8 network error (the device could not be reached), 10 an\n"
		  "answer not understood.\n",
};

int cmd_device(int argc, char **argv)
{
	struct device_args a = {.t = {.user = "admin",
				      .names = {"amt-agent project", "amt-agent", "amt-agent",
						"amt-agent-hostid"}}};
	struct device_state s;
	struct cliopt_result r;
	uint8_t *password = NULL;
	size_t plen = 0;
	unsigned long n;
	char err[640];
	int ex = VERIFY_EXIT_NETWORK;

	memset(&s, 0, sizeof(s));
	int st = cliopt_parse(&device_cli, argc, argv, &r, stdout, stderr);
	if (st != CLIOPT_OK)
		return st == CLIOPT_HELP ? VERIFY_EXIT_OK : VERIFY_EXIT_USAGE;
	for (int i = 0; i < r.nhits; i++) {
		const char *v = r.hits[i].value;
		switch (r.hits[i].opt) {
		case O_TLS: a.t.tls = true; break;
		case O_PORT:
			if (cliopt_ulong(&device_cli, stderr, O_PORT, v, 1, 65535, &n) != 0)
				return VERIFY_EXIT_USAGE;
			a.t.port = (unsigned)n;
			break;
		case O_USER: a.t.user = v; break;
		case O_PWFILE: a.password_file = v; break;
		case O_CA: a.t.ca_file = v; break;
		case O_PIN: a.t.pin = v; break;
		case O_INSECURE: a.t.insecure = true; break;
		case O_TLS10: a.t.allow_tls10 = true; break;
		case O_EXPECT: {
			char key[32];
			const char *eq = strchr(v, '=');
			if (!eq || (size_t)(eq - v) >= sizeof(key)) {
				cliopt_fail(&device_cli, stderr, "--expect takes KEY=VALUE");
				return VERIFY_EXIT_USAGE;
			}
			snprintf(key, sizeof(key), "%.*s", (int)(eq - v), v);
			if (add_expect(&a, key, eq + 1) != 0) {
				cliopt_fail(&device_cli, stderr, "unknown or too long --expect %s", key);
				return VERIFY_EXIT_USAGE;
			}
			break;
		}
		case O_HOSTID:
			if (add_expect(&a, "host_id", v) != 0) {
				cliopt_fail(&device_cli, stderr, "--expect-hostid: too long or too many");
				return VERIFY_EXIT_USAGE;
			}
			break;
		case O_INVENTORY: a.inventory = v; break;
		case O_JSON: a.json = true; break;
		case O_VENDOR: a.t.names.vendor = v; break;
		case O_APP: a.t.names.application = v; break;
		case O_ENT: a.t.names.enterprise = v; break;
		case O_BLOCK: a.t.names.block_name = v; break;
		case O_VIA_TUNNEL: a.via_tunnel = v; break;
		case O_DB: a.db = v; break;
		}
	}
	if (r.nargs != (a.via_tunnel ? 0 : 1)) {
		cliopt_fail(&device_cli, stderr, "%s",
			    a.via_tunnel ? "HOST or --via-tunnel UUID, not both"
					 : "which device? give HOST or --via-tunnel UUID");
		return VERIFY_EXIT_USAGE;
	}
	if (a.db && !a.via_tunnel) {
		cliopt_fail(&device_cli, stderr, "--db applies only with --via-tunnel");
		return VERIFY_EXIT_USAGE;
	}
	/* HOST, or the relay port of the device's tunnel */
	struct target_spec spec = {.host = a.via_tunnel ? NULL : r.args[0],
				   .via_tunnel = a.via_tunnel, .db = a.db, .port = a.t.port};
	struct target_addr ta;
	char connect_to[600];
	ex = target_resolve(&spec, a.t.tls ? 16993 : 16992, &ta, err, sizeof(err));
	if (ex != VERIFY_EXIT_OK) {
		fprintf(stderr, "amt-verify device: %s\n", err);
		return ex;
	}
	a.host = a.via_tunnel ? a.via_tunnel : r.args[0];
	a.t.host = ta.connect_host;
	a.t.port = ta.connect_port;
	if (ta.via_tunnel && a.t.tls) {
		/* the URL names AMT (its certificate is checked against that name),
		 * the connection goes to the relay */
		bool v6 = strchr(ta.name, ':') != NULL;
		snprintf(connect_to, sizeof(connect_to), "%s%s%s:16993:%s", v6 ? "[" : "", ta.name,
			 v6 ? "]" : "", ta.relay);
		a.t.host = ta.name;
		a.t.port = 16993;
		a.t.connect_to = connect_to;
	}
	if (ta.via_tunnel)
		fprintf(stderr, "amt-verify device: %s through its tunnel (relay %s)\n", a.via_tunnel,
			ta.relay);
	if (a.inventory) {
		int line = ini_parse(a.inventory, on_inventory, &a);
		if (line != 0) {
			fprintf(stderr, "amt-verify device: inventory %s:%d: unreadable or unknown key\n",
				a.inventory, line);
			return VERIFY_EXIT_USAGE;
		}
	}
	if (!a.password_file) {
		fprintf(stderr, "amt-verify device: --password-file is required (passwords never go on the command line)\n");
		return VERIFY_EXIT_USAGE;
	}
	if (verify_read_secret(a.password_file, &password, &plen, err, sizeof(err)) != 0) {
		fprintf(stderr, "amt-verify device: %s\n", err);
		return VERIFY_EXIT_USAGE;
	}
	a.t.password = password;
	a.t.password_len = plen;
	if (a.t.insecure)
		fprintf(stderr, "amt-verify device: WARNING: --insecure: the device's TLS certificate "
				"is NOT verified; anyone on the path can impersonate it\n");
	if (device_target_check(&a.t, err, sizeof(err)) != 0) {
		fprintf(stderr, "amt-verify device: %s\n", err);
		ex = VERIFY_EXIT_USAGE;
		goto out;
	}
	wsman_global_init();
	ex = device_read(&a.t, &s, err, sizeof(err));
	if (ex != VERIFY_EXIT_OK) {
		fprintf(stderr, "amt-verify device: %s\n", err);
		goto cleanup;
	}
	json_t *mism = json_array();
	for (size_t i = 0; i < a.nexp; i++) {
		const char *have = device_field(&s, a.exp[i].key);
		if (strcmp(have, a.exp[i].value) == 0)
			continue;
		json_array_append_new(mism, json_pack("{s:s, s:s, s:s}", "field", a.exp[i].key,
						      "expected", a.exp[i].value, "actual", have));
		if (!a.json)
			printf("%s: %s: expected %s, device has %s\n", a.host, a.exp[i].key,
			       a.exp[i].value, have);
	}
	ex = json_array_size(mism) ? DEVICE_EXIT_MISMATCH : VERIFY_EXIT_OK;
	if (a.json) {
		json_t *dev = json_object();
		for (int i = 0; device_keys[i]; i++)
			json_object_set_new(dev, device_keys[i],
					    strcmp(device_keys[i], "host_id") == 0 &&
							    s.host_id_state != DEVICE_HOSTID_SET
						    ? json_null()
						    : json_string(device_field(&s, device_keys[i])));
		json_t *o2 = json_pack("{s:i, s:s, s:o, s:o, s:b}", "schema", 1, "host", a.host,
				       "device", dev, "mismatches", mism, "ok", ex == VERIFY_EXIT_OK);
		json_dumpf(o2, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
		putchar('\n');
		json_decref(o2);
	} else {
		if (ex == VERIFY_EXIT_OK)
			printf("%s: AMT %s, %s/%s, UUID %s, host ID %s: %s\n", a.host, s.amt_version,
			       s.provisioning_state, s.control_mode, s.uuid, device_field(&s, "host_id"),
			       a.nexp ? "everything expected matches" : "read");
		json_decref(mism);
	}
cleanup:
	wsman_global_cleanup();
out:
	verify_secret_free(password, plen);
	return ex;
}
