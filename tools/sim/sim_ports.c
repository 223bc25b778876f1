// SPDX-License-Identifier: Apache-2.0
/*
 * sim_ports.c - the port -> service table (see sim_ports.h).
 *
 * Which platform has which service (our reading; no public source states
 * firmware's rule beyond the order):
 * - 16992 WS-Management: always.
 * - 16993 WS-Management over TLS, and 664 secure ASF/RMCP beside it: when
 *   TLS is configured ([amt] tls_cert/tls_key). rpc-go pairs 16992 with
 *   623 and 16993 with 664 (internal/lm, "TLS enforced"), so the RMCP port
 *   follows its WS-Management port.
 * - 623 ASF/RMCP: always (AMT_GeneralSettings.RmcpPingResponseEnabled).
 * - 16994 redirection (SOL, IDE-R), and 16995 over TLS: when the firmware
 *   reports AMT enabled (MKHI rule 32 bit 2; a Standard Manageability sku
 *   has it too).
 * - 5900 KVM: when the firmware reports KVM (MKHI rule 32 bit 18: an AMT
 *   Pro sku, [amt] fw_features_enabled).
 * WS-Management and redirection (Serial-over-LAN, sim_redir.c) are served;
 * RMCP and KVM are forwarded but not served by the simulator (their rows
 * have no connect function).
 */
#include "sim_ports.h"

#include <errno.h>
#include <stddef.h>

#include "mkhi_codec.h"
#include "sim_fw.h"
#include "sim_redir.h"
#include "sim_wsman.h"

static bool always(const struct sim_state *st)
{
	(void)st;
	return true;
}

static bool has_tls(const struct sim_state *st)
{
	return st->tls_cert[0] && st->tls_key[0];
}

static bool has_redirection(const struct sim_state *st)
{
	return (sim_mkhi_features_enabled(st) & MKHI_FEATURE_AMT) != 0;
}

static bool has_redirection_tls(const struct sim_state *st)
{
	return has_redirection(st) && has_tls(st);
}

static bool has_kvm(const struct sim_state *st)
{
	return (sim_mkhi_features_enabled(st) & MKHI_FEATURE_KVM) != 0;
}

static int wsman_connect(struct sim_fw *fw, bool tls, bool local)
{
	/* fw->wsman is stopped only after the LME and CIRA parts shut down */
	sim_me_lock(fw->me);
	struct sim_wsman *w = fw->wsman;
	sim_me_unlock(fw->me);
	return sim_wsman_connect_stream(w, tls, local);
}

static int wsman_http(struct sim_fw *fw, bool local)
{
	return wsman_connect(fw, false, local);
}

static int wsman_https(struct sim_fw *fw, bool local)
{
	return wsman_connect(fw, true, local);
}

/* The redirection service (SOL): a channel from the host side (LME) or a
 * network interface (CIRA) is served alike; consent treats both as
 * remote, since no console runs on the host it redirects. */
static int redir_connect(struct sim_fw *fw, bool tls)
{
	/* fw->redir is stopped only after the LME and CIRA parts shut down */
	sim_me_lock(fw->me);
	struct sim_redir *r = fw->redir;
	sim_me_unlock(fw->me);
	return sim_redir_connect_stream(r, tls);
}

static int redir_plain(struct sim_fw *fw, bool local)
{
	(void)local;
	return redir_connect(fw, false);
}

static int redir_tls(struct sim_fw *fw, bool local)
{
	(void)local;
	return redir_connect(fw, true);
}

/* Firmware's forward order, top to bottom (sim_ports.h). */
static const struct sim_port ports[] = {
	{16993, "WS-Management over TLS", has_tls, wsman_https},
	{16992, "WS-Management", always, wsman_http},
	{664, "secure ASF/RMCP", has_tls, NULL},
	{623, "ASF/RMCP", always, NULL},
	{16995, "redirection over TLS", has_redirection_tls, redir_tls},
	{16994, "redirection", has_redirection, redir_plain},
	{5900, "KVM", has_kvm, NULL},
};

_Static_assert(sizeof(ports) / sizeof(ports[0]) <= SIM_PORTS_MAX, "raise SIM_PORTS_MAX");

const struct sim_port *sim_port_find(uint32_t port)
{
	for (size_t i = 0; i < sizeof(ports) / sizeof(ports[0]); i++)
		if (ports[i].port == port)
			return &ports[i];
	return NULL;
}

size_t sim_ports_forwarded(const struct sim_state *st, uint32_t *out, size_t cap)
{
	size_t n = 0;
	for (size_t i = 0; i < sizeof(ports) / sizeof(ports[0]); i++)
		if (ports[i].present(st) && n < cap)
			out[n++] = ports[i].port;
	return n;
}
