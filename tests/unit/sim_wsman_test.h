// SPDX-License-Identifier: Apache-2.0
/*
 * sim_wsman_test.h - helpers for unit tests that drive the simulated WS-Man
 * service in-process: a firmware with a given state and a temporary state
 * file, a SOAP core with a fake clock, request envelopes, and lookups in
 * the response by element name (libxml2).
 * Must not: open sockets (test_sim_wsman.c does that itself where it tests
 * the HTTP side) or assert on prefixes the service is free to choose.
 */
#ifndef TESTS_SIM_WSMAN_TEST_H
#define TESTS_SIM_WSMAN_TEST_H

#include <libxml/parser.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tools/sim/sim_fw.h"
#include "tools/sim/sim_wsman_int.h"

#define WT_SOAP "http://www.w3.org/2003/05/soap-envelope"
#define WT_WSA "http://schemas.xmlsoap.org/ws/2004/08/addressing"
#define WT_WSMAN "http://schemas.dmtf.org/wbem/wsman/1/wsman.xsd"
#define WT_WSEN "http://schemas.xmlsoap.org/ws/2004/09/enumeration"
#define WT_GET "http://schemas.xmlsoap.org/ws/2004/09/transfer/Get"
#define WT_ENUMERATE WT_WSEN "/Enumerate"
#define WT_PULL WT_WSEN "/Pull"
#define WT_AMT "http://intel.com/wbem/wscim/1/amt-schema/1/"
#define WT_CIM "http://schemas.dmtf.org/wbem/wscim/1/cim-schema/2/"
#define WT_IPS "http://intel.com/wbem/wscim/1/ips-schema/1/"
#define WT_PUT "http://schemas.xmlsoap.org/ws/2004/09/transfer/Put"
#define WT_DELETE "http://schemas.xmlsoap.org/ws/2004/09/transfer/Delete"
#define WT_3PDS WT_AMT "AMT_ThirdPartyDataStorageService"
#define WT_3PDS_ADMIN WT_AMT "AMT_ThirdPartyDataStorageAdministrationService"

struct wt {
	struct sim_fw fw; /* large (3PDS pool): keep struct wt static */
	struct sim_wsman_core *core;
	int64_t now_ms;
	char path[64];
	struct sim_wsman_reply r; /* last reply */
	xmlDocPtr doc;            /* last reply parsed */
};

static inline int64_t wt_clock(void *arg)
{
	return ((struct wt *)arg)->now_ms;
}

/* st == NULL: defaults. The state file is a fresh temporary file. */
static inline int wt_init(struct wt *t, const struct sim_state *st)
{
	memset(&t->r, 0, sizeof(t->r));
	t->doc = NULL;
	if (st)
		t->fw.st = *st;
	else
		sim_state_defaults(&t->fw.st);
	snprintf(t->path, sizeof(t->path), "/tmp/wsman-test.XXXXXX");
	int fd = mkstemp(t->path);
	if (fd < 0)
		return -1;
	close(fd);
	t->fw.state_path = t->path;
	t->fw.me = sim_me_new();
	t->core = sim_wsman_core_new(&t->fw);
	t->now_ms = 1000000;
	if (!t->fw.me || !t->core)
		return -1;
	sim_wsman_core_set_clock(t->core, wt_clock, t);
	return 0;
}

static inline void wt_reset_reply(struct wt *t)
{
	sim_wsman_reply_free(&t->r);
	if (t->doc)
		xmlFreeDoc(t->doc);
	t->doc = NULL;
}

static inline void wt_free(struct wt *t)
{
	wt_reset_reply(t);
	sim_wsman_core_free(t->core);
	t->core = NULL;
	if (t->fw.me)
		sim_me_free(t->fw.me);
	t->fw.me = NULL;
	unlink(t->path);
}

/* Send one envelope; selectors and body are XML fragments (may be NULL).
 * Returns the HTTP status of the reply. */
static inline int wt_send(struct wt *t, bool local, const char *action, const char *resource,
			  const char *selectors, const char *body)
{
	static char buf[256 * 1024];
	wt_reset_reply(t);
	int n = snprintf(buf, sizeof(buf),
			 "<?xml version=\"1.0\" encoding=\"utf-8\"?>"
			 "<s:Envelope xmlns:s=\"" WT_SOAP "\" xmlns:a=\"" WT_WSA
			 "\" xmlns:w=\"" WT_WSMAN "\" xmlns:n=\"" WT_WSEN "\" xmlns:b=\"" WT_WSA
			 "\" xmlns:c=\"" WT_WSMAN "\"><s:Header>"
			 "%s%s%s<a:To>/wsman</a:To>%s%s%s"
			 "<a:MessageID>uuid:test-1</a:MessageID>"
			 "<a:ReplyTo><a:Address>" WT_WSA "/role/anonymous</a:Address></a:ReplyTo>"
			 "%s</s:Header><s:Body>%s</s:Body></s:Envelope>",
			 action ? "<a:Action>" : "", action ? action : "", action ? "</a:Action>" : "",
			 resource ? "<w:ResourceURI>" : "", resource ? resource : "",
			 resource ? "</w:ResourceURI>" : "", selectors ? selectors : "",
			 body ? body : "");
	if (n < 0 || (size_t)n >= sizeof(buf))
		return -1;
	if (sim_wsman_handle(t->core, buf, (size_t)n, local, &t->r) != 0)
		return -1;
	t->doc = xmlReadMemory(t->r.body, (int)t->r.len, NULL, NULL,
			       XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
	return t->r.status;
}

static inline xmlNodePtr wt_find_in(xmlNodePtr n, const char *local, unsigned *skip)
{
	for (; n; n = n->next) {
		if (n->type == XML_ELEMENT_NODE && strcmp((const char *)n->name, local) == 0) {
			if (*skip == 0)
				return n;
			(*skip)--;
		}
		xmlNodePtr c = wt_find_in(n->children, local, skip);
		if (c)
			return c;
	}
	return NULL;
}

/* Text of the index-th element (document order) named local, in a static
 * buffer; NULL when there is none. */
static inline const char *wt_text_n(struct wt *t, const char *local, unsigned index)
{
	static char out[8192];
	if (!t->doc)
		return NULL;
	xmlNodePtr n = wt_find_in(xmlDocGetRootElement(t->doc), local, &index);
	if (!n)
		return NULL;
	char *c = (char *)xmlNodeGetContent(n);
	snprintf(out, sizeof(out), "%s", c ? c : "");
	xmlFree(c);
	return out;
}

static inline const char *wt_text(struct wt *t, const char *local)
{
	return wt_text_n(t, local, 0);
}

static inline unsigned wt_count(struct wt *t, const char *local)
{
	unsigned n = 0;
	while (wt_text_n(t, local, n))
		n++;
	return n;
}

/* The state file of the WS-Man class fixtures (tests/data/wsman/state.ini)
 * with its certificates, loaded into st. Returns 0 or -1. */
static inline int wt_fixture_state(struct sim_state *st)
{
	char dir[160], path[256], err[256];
	const char *build = getenv("BUILD_DIR");
	if (snprintf(dir, sizeof(dir), "%.100s%stests/data/wsman", build && *build ? build : "",
		     build && *build ? "/../" : "") >= (int)sizeof(dir))
		return -1;
	snprintf(path, sizeof(path), "%s/state.ini", dir);
	sim_state_defaults(st);
	if (sim_state_load(st, path, err, sizeof(err)) != 0) {
		fprintf(stderr, "%s\n", err);
		return -1;
	}
	snprintf(st->cira_ca, sizeof(st->cira_ca), "%.160s/mps-root.pem", dir);
	snprintf(st->tls_cert, sizeof(st->tls_cert), "%.160s/amt-tls.pem", dir);
	snprintf(st->tls_key, sizeof(st->tls_key), "%.160s/key-unused-in-process.pem", dir);
	return 0;
}

/* Invoke method on a 3PDS class with "Name", "value" argument pairs ending in
 * NULL. Returns ReturnValue, or 1000 + HTTP status for a fault. */
static inline unsigned wt_call(struct wt *t, bool local, const char *uri, const char *method, ...)
{
	char body[96 * 1024], action[256];
	size_t off = 0;
	va_list ap;
	off += (size_t)snprintf(body, sizeof(body), "<h:%s_INPUT xmlns:h=\"%s\">", method, uri);
	va_start(ap, method);
	for (;;) {
		const char *name = va_arg(ap, const char *);
		if (!name)
			break;
		const char *value = va_arg(ap, const char *);
		off += (size_t)snprintf(body + off, sizeof(body) - off, "<h:%s>%s</h:%s>", name,
					value, name);
	}
	va_end(ap);
	snprintf(body + off, sizeof(body) - off, "</h:%s_INPUT>", method);
	snprintf(action, sizeof(action), "%s/%s", uri, method);
	int status = wt_send(t, local, action, uri, NULL, body);
	if (status != 200)
		return 1000u + (unsigned)status;
	const char *rv = wt_text(t, "ReturnValue");
	return rv ? (unsigned)strtoul(rv, NULL, 10) : 999u;
}

#endif
