// SPDX-License-Identifier: Apache-2.0
/*
 * fuzz_wsman_response.c - libFuzzer target for common/wsman_xml.c responses.
 *
 * Owns: feeding arbitrary bytes, as an HTTP response body, to
 * wsman_parse_response() with and without an expected MessageID, then to
 * every extractor (Get instance, EnumerateResponse, PullResponse items,
 * method output and ReturnValue, fault fields) and the node helpers, and
 * checking the promises: only documented error kinds, a document exactly on
 * success or fault, error text NUL-terminated and printable ASCII. A broken
 * promise is an abort(). The input is an exact-size heap copy so ASan sees
 * any over-read.
 * Must not: link anything but wsman_xml.c, wsman_b64.c, libxml2 and OpenSSL.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/parser.h>

#include "wsman_b64.h"
#include "wsman_xml.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

#define SEED_MSGID "uuid:2d9f3c1e-4b5a-4c6d-8e7f-0a1b2c3d4e5f"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	xmlInitParser();
	return 0;
}

static void check_str(const char *s, size_t cap)
{
	size_t n = strnlen(s, cap);
	if (n == cap)
		abort(); /* not terminated */
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x20 || (unsigned char)s[i] >= 0x7f)
			abort();
}

static void check_err(const struct wsman_error *e, int rc)
{
	if ((int)e->kind != rc)
		abort();
	check_str(e->fault_code, sizeof(e->fault_code));
	check_str(e->fault_subcode, sizeof(e->fault_subcode));
	check_str(e->fault_reason, sizeof(e->fault_reason));
	check_str(e->curl_message, sizeof(e->curl_message));
}

static int visit(void *arg, xmlNodePtr el)
{
	size_t *n = arg;
	uint32_t u;
	bool b;
	const char *t = wsman_text(el);

	if (t)
		(void)strlen(t);
	(void)wsman_child_u32(el, "ReturnValue", &u);
	(void)wsman_child_bool(el, "IsEntity", &b);
	(void)wsman_child_text(el, "InstanceID");
	return ++*n > 2000;
}

static void extract(xmlNodePtr body)
{
	struct wsman_error e;
	xmlNodePtr inst, items, out;
	const char *ctx, *data;
	uint32_t handles[8];
	uint8_t raw[64];
	size_t n = 0, visited = 0;
	bool end;
	int rc;

	wsman_error_clear(&e); /* extractors only write kind and message, on failure */
	rc = wsman_response_instance(body, WSMAN_AMT_URI("AMT_GeneralSettings"), &inst, &e);
	if (rc != WSMAN_OK && rc != WSMAN_E_PARSE)
		abort();
	if (rc == WSMAN_OK)
		wsman_children_foreach(inst, "HostName", visit, &visited);

	rc = wsman_response_enum_context(body, &ctx, &e);
	if ((rc == WSMAN_OK) != (ctx != NULL) || (rc != WSMAN_OK && rc != WSMAN_E_PARSE))
		abort();
	if (ctx && !*ctx)
		abort();

	rc = wsman_response_pull(body, &items, &ctx, &end, &e);
	if (rc != WSMAN_OK && rc != WSMAN_E_PARSE)
		abort();
	if (rc == WSMAN_OK && !end && !ctx)
		abort();
	for (xmlNodePtr it = items ? items->children : NULL; it; it = it->next)
		if (it->type == XML_ELEMENT_NODE && visit(&visited, it))
			break;

	for (int pass = 0; pass < 2; pass++) {
		rc = wsman_response_output(body, pass ? "GetAllocatedBlocks" : NULL, &out, &e);
		if (rc != WSMAN_OK && rc != WSMAN_E_PARSE && rc != WSMAN_E_RETURN)
			abort();
		if ((rc == WSMAN_E_PARSE) != (out == NULL))
			abort();
		if (rc == WSMAN_E_RETURN && e.return_value == 0)
			abort();
		if (rc != WSMAN_OK)
			check_err(&e, rc);
		if (!out)
			continue;
		if (wsman_children_u32(out, "BlockHandles", handles, 8, &n) == WSMAN_OK && n > 8)
			abort();
		data = wsman_child_text(out, "Data");
		if (data && wsman_base64_decode(data, raw, sizeof(raw), &n) == WSMAN_OK && n > sizeof(raw))
			abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *buf = malloc(size ? size : 1);
	struct wsman_error e;
	xmlDocPtr doc;
	xmlNodePtr body;
	int rc;

	if (!buf)
		abort();
	if (size)
		memcpy(buf, data, size);
	for (int pass = 0; pass < 2; pass++) {
		rc = wsman_parse_response(buf, size, pass ? SEED_MSGID : NULL, &doc, &body, &e);
		check_err(&e, rc);
		if (rc == WSMAN_OK || rc == WSMAN_E_FAULT) {
			if (!doc || !body)
				abort();
			extract(body);
			xmlFreeDoc(doc);
		} else if (rc == WSMAN_E_PARSE || rc == WSMAN_E_NOMEM) {
			if (doc || body)
				abort();
		} else {
			abort();
		}
	}
	free(buf);
	return 0;
}
