// SPDX-License-Identifier: Apache-2.0
/*
 * tunnel_target.c - `HOST | --via-tunnel UUID` (see tunnel_target.h).
 *
 * The store's tunnels table is written by the listener relaying the tunnel
 * (store_tunnels.c skips rows of listeners that are gone); several rows
 * for one UUID mean the device reconnected, and the newest wins.
 * Must not: connect anywhere or write to the store.
 */
#include "tunnel_target.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

struct find_arg {
	const char *uuid;
	struct tunnel_info *out;
	bool found;
	bool nomem;
};

static int on_tunnel(void *arg, const struct store_tunnel *t)
{
	struct find_arg *a = arg;
	json_t *ports;

	if (strcasecmp(t->uuid, a->uuid) != 0)
		return 0;
	/* oldest first: a later row replaces an earlier one */
	ports = json_loads(t->ports, 0, NULL);
	if (!json_is_object(ports)) {
		json_decref(ports);
		ports = json_object();
		if (!ports) {
			a->nomem = true;
			return 1;
		}
	}
	tunnel_info_clear(a->out);
	snprintf(a->out->uuid, sizeof(a->out->uuid), "%s", t->uuid);
	snprintf(a->out->host_name, sizeof(a->out->host_name), "%s", t->host_name ? t->host_name : "");
	snprintf(a->out->since, sizeof(a->out->since), "%s", t->since);
	a->out->ports = ports;
	a->found = true;
	return 0;
}

int tunnel_find(struct store *st, const char *uuid, struct tunnel_info *out, char *err,
		size_t errlen)
{
	struct find_arg a = {.uuid = uuid, .out = out};

	memset(out, 0, sizeof(*out));
	int r = store_tunnels_list(st, on_tunnel, &a, err, errlen);
	if (a.nomem) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	if (r < 0)
		return -1;
	return a.found ? 1 : 0;
}

void tunnel_info_clear(struct tunnel_info *t)
{
	json_decref(t->ports);
	memset(t, 0, sizeof(*t));
}

bool tunnel_relay(const struct tunnel_info *t, unsigned amt_port, char *host, size_t hostcap,
		  unsigned *port)
{
	char key[12];
	const char *addr, *colon;
	unsigned long p;
	char *end;

	snprintf(key, sizeof(key), "%u", amt_port);
	addr = json_string_value(json_object_get(t->ports, key));
	if (!addr || !(colon = strrchr(addr, ':')))
		return false;
	p = strtoul(colon + 1, &end, 10);
	if (*end || p == 0 || p > 65535)
		return false;
	const char *h = addr;
	size_t n = (size_t)(colon - addr);
	if (n >= 2 && h[0] == '[' && h[n - 1] == ']') {
		h++;
		n -= 2;
	}
	if (n == 0 || n >= hostcap)
		return false;
	memcpy(host, h, n);
	host[n] = '\0';
	/* a relay bound to every address is reached on loopback */
	if (!strcmp(host, "0.0.0.0"))
		snprintf(host, hostcap, "127.0.0.1");
	else if (!strcmp(host, "::"))
		snprintf(host, hostcap, "::1");
	*port = (unsigned)p;
	return true;
}

/* "16992, 623" for messages. */
bool tunnel_route(const struct tunnel_info *tun, struct device_target *t, struct tunnel_route *r)
{
	unsigned amt_port = t->tls ? 16993 : 16992, port;
	bool v6;

	if (!tunnel_relay(tun, amt_port, r->host, sizeof(r->host), &port))
		return false;
	v6 = strchr(r->host, ':') != NULL;
	snprintf(r->relay, sizeof(r->relay), "%s%s%s:%u", v6 ? "[" : "", r->host, v6 ? "]" : "",
		 port);
	t->host = r->host;
	t->port = port;
	if (t->tls && tun->host_name[0]) {
		snprintf(r->connect_to, sizeof(r->connect_to), "%s:16993:%s", tun->host_name,
			 r->relay);
		t->host = tun->host_name;
		t->port = 16993;
		t->connect_to = r->connect_to;
	}
	return true;
}

static void port_list(const struct tunnel_info *t, char *out, size_t cap)
{
	const char *key;
	json_t *v;
	size_t n = 0;

	out[0] = '\0';
	json_object_foreach(t->ports, key, v) {
		(void)v;
		if (n < cap)
			n += (size_t)snprintf(out + n, cap - n, "%s%s", n ? ", " : "", key);
	}
	if (!out[0])
		snprintf(out, cap, "none");
}

int target_resolve(const struct target_spec *spec, unsigned amt_port, struct target_addr *out,
		   char *err, size_t errlen)
{
	struct store *st = NULL;
	struct tunnel_info t = {0};
	const char *db = spec->db ? spec->db : STORE_DEFAULT_PATH;
	char why[512], ports[128];
	int rc, ex = VERIFY_EXIT_USAGE;

	memset(out, 0, sizeof(*out));
	if (!spec->via_tunnel == !spec->host) {
		snprintf(err, errlen, "give either HOST or --via-tunnel UUID");
		return VERIFY_EXIT_USAGE;
	}
	if (spec->host) {
		if (strlen(spec->host) >= sizeof(out->connect_host)) {
			snprintf(err, errlen, "host name too long");
			return VERIFY_EXIT_USAGE;
		}
		snprintf(out->connect_host, sizeof(out->connect_host), "%s", spec->host);
		snprintf(out->name, sizeof(out->name), "%s", spec->host);
		out->connect_port = spec->port ? spec->port : amt_port;
		return VERIFY_EXIT_OK;
	}
	if (spec->port) {
		snprintf(err, errlen, "--port and --via-tunnel exclude each other (the relay port "
				      "comes from the tunnel)");
		return VERIFY_EXIT_USAGE;
	}
	if (store_open(db, STORE_READONLY, &st, why, sizeof(why)) != 0) {
		snprintf(err, errlen, "--via-tunnel: %s", why);
		return VERIFY_EXIT_USAGE;
	}
	rc = tunnel_find(st, spec->via_tunnel, &t, why, sizeof(why));
	store_close(st);
	if (rc < 0) {
		snprintf(err, errlen, "--via-tunnel: %s", why);
		goto out;
	}
	ex = VERIFY_EXIT_NETWORK;
	if (rc == 0) {
		snprintf(err, errlen,
			 "no open tunnel from device %s in %s ('amt-verify tunnels' lists them) — "
			 "the user calls for help first, or listen runs with another --db",
			 spec->via_tunnel, db);
		goto out;
	}
	if (!tunnel_relay(&t, amt_port, out->connect_host, sizeof(out->connect_host),
			  &out->connect_port)) {
		port_list(&t, ports, sizeof(ports));
		snprintf(err, errlen, "the tunnel from device %s does not carry port %u (relayed: %s)",
			 t.uuid, amt_port, ports);
		goto out;
	}
	out->via_tunnel = true;
	snprintf(out->relay, sizeof(out->relay), "%s%s%s:%u",
		 strchr(out->connect_host, ':') ? "[" : "", out->connect_host,
		 strchr(out->connect_host, ':') ? "]" : "", out->connect_port);
	snprintf(out->name, sizeof(out->name), "%s", t.host_name[0] ? t.host_name : out->connect_host);
	ex = VERIFY_EXIT_OK;
out:
	tunnel_info_clear(&t);
	return ex;
}
