// SPDX-License-Identifier: Apache-2.0
/*
 * sim_wsman_identify.c - WS-Management Identify (DSP0226 section 11) as
 * the simulated AMT answers it: the request is a wsmid:Identify Body
 * without a WS-Addressing Action; the answer is AMT's IdentifyResponse.
 *
 * Whether Identify needs credentials is the HTTP side's decision
 * (sim_wsman.c, [sim] identify_auth): DSP0226 lets a service answer it
 * without authentication, which is how discovery tools use it, so that
 * is the default; the reading that AMT wants digest credentials is kept
 * as a switch because no public AMT capture settles it.
 * Must not: know HTTP, or read the request beyond its Body element.
 */
#include <stdio.h>
#include <string.h>

#include "sim_wsman_core.h"

#define NS_WSMID "http://schemas.dmtf.org/wbem/wsman/identity/1/wsmanidentity.xsd"
#define NS_DASH "http://schemas.dmtf.org/wbem/dash/1/dash.xsd"
#define PROFILE_BASE "http://schemas.dmtf.org/wbem/wsman/1/wsman/secprofile/"

bool wsc_is_identify(xmlNodePtr payload)
{
	return wsc_is_el(payload, NS_WSMID, "Identify");
}

/* AMT's IdentifyResponse: its own small envelope (a = SOAP, b = wsmid,
 * c = DASH; no addressing headers), the product AMT x.y and the security
 * profiles the service offers (digest over HTTP; over TLS when a
 * certificate is configured). Shape: the AMT identify output MAAS's AMT
 * driver parses (canonical/maas, drivers/power/tests/test_amt.py). */
xmlDocPtr wsc_identify_response(const struct sim_state *st)
{
	char version[32];
	int major = 0, minor = 0;
	sscanf(st->version, "%d.%d", &major, &minor);
	snprintf(version, sizeof(version), "AMT %d.%d", major, minor);
	xmlDocPtr d = xmlNewDoc(BAD_CAST "1.0");
	xmlNodePtr env = d ? xmlNewDocNode(d, NULL, BAD_CAST "Envelope", NULL) : NULL;
	if (!env) {
		xmlFreeDoc(d);
		return NULL;
	}
	xmlDocSetRootElement(d, env);
	xmlNsPtr a = xmlNewNs(env, BAD_CAST WSC_NS_SOAP, BAD_CAST "a");
	xmlNsPtr b = xmlNewNs(env, BAD_CAST NS_WSMID, BAD_CAST "b");
	xmlNsPtr dash = xmlNewNs(env, BAD_CAST NS_DASH, BAD_CAST "c");
	xmlSetNs(env, a);
	xmlNewChild(env, a, BAD_CAST "Header", NULL);
	xmlNodePtr body = xmlNewChild(env, a, BAD_CAST "Body", NULL);
	xmlNodePtr ir = xmlNewChild(body, b, BAD_CAST "IdentifyResponse", NULL);
	xmlNewTextChild(ir, b, BAD_CAST "ProtocolVersion", BAD_CAST WSC_NS_WSMAN);
	xmlNewTextChild(ir, b, BAD_CAST "ProductVendor",
			BAD_CAST(st->identify_vendor == SIM_VENDOR_REGISTERED ? "Intel(r)"
									     : "Intel Corporation"));
	xmlNewTextChild(ir, b, BAD_CAST "ProductVersion", BAD_CAST version);
	xmlNewTextChild(ir, dash, BAD_CAST "DASHVersion", BAD_CAST "1.0.0");
	xmlNodePtr sp = xmlNewChild(ir, b, BAD_CAST "SecurityProfiles", NULL);
	xmlNewTextChild(sp, b, BAD_CAST "SecurityProfileName", BAD_CAST PROFILE_BASE "http/digest");
	if (st->tls_cert[0] && st->tls_key[0])
		xmlNewTextChild(sp, b, BAD_CAST "SecurityProfileName",
				BAD_CAST PROFILE_BASE "https/digest");
	return d;
}

