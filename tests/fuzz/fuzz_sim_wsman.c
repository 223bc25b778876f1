// SPDX-License-Identifier: Apache-2.0
/*
 * fuzz_sim_wsman.c - libFuzzer target for the simulated WS-Man service's
 * two parsers of peer input: the Authorization header (http_digest_parse,
 * then http_digest_verify on what it accepts) and a whole request body
 * (sim_wsman_handle: libxml2 envelope, dispatch, classes, 3PDS methods).
 *
 * The first input byte picks the parser (even: header, odd: body); the
 * rest is an exact-size heap copy so ASan sees any over-read. Promises
 * checked (abort() when broken): parsed fields are NUL-terminated within
 * their arrays, a body always gets a reply with status 200, 400 or 500 that
 * is a SOAP envelope. The firmware has no ME and no state file, so 3PDS
 * changes stay in memory and accumulate across inputs.
 * Must not: open sockets or files.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tools/sim/sim_wsman_int.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

static struct sim_fw fw; /* large: static */
static struct sim_wsman_core *core;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	sim_state_defaults(&fw.st);
	snprintf(fw.st.version, sizeof(fw.st.version), "11.8.50"); /* with 3PDS */
	snprintf(fw.st.storage.eacl[0], sizeof(fw.st.storage.eacl[0]), "Acme");
	fw.st.wireless.present = true;
	core = sim_wsman_core_new(&fw);
	if (!core)
		abort();
	return 0;
}

static void check_terminated(const char *field, size_t cap)
{
	if (!memchr(field, '\0', cap))
		abort();
}

static void header(const uint8_t *data, size_t size)
{
	char *h = malloc(size + 1);
	struct http_digest_auth a;
	if (!h)
		return;
	memcpy(h, data, size);
	h[size] = '\0';
	if (http_digest_parse(h, &a) == 0) {
		check_terminated(a.username, sizeof(a.username));
		check_terminated(a.realm, sizeof(a.realm));
		check_terminated(a.nonce, sizeof(a.nonce));
		check_terminated(a.uri, sizeof(a.uri));
		check_terminated(a.response, sizeof(a.response));
		check_terminated(a.cnonce, sizeof(a.cnonce));
		check_terminated(a.nc, sizeof(a.nc));
		check_terminated(a.qop, sizeof(a.qop));
		check_terminated(a.algorithm, sizeof(a.algorithm));
		check_terminated(a.opaque, sizeof(a.opaque));
		if (strlen(a.response) != 32)
			abort();
		(void)http_digest_verify(&a, "POST", a.realm, "P@ssw0rd");
	}
	free(h);
}

static void body(const uint8_t *data, size_t size)
{
	char *b = malloc(size ? size : 1);
	struct sim_wsman_reply r;
	if (!b)
		return;
	memcpy(b, data, size);
	if (sim_wsman_handle(core, b, size, (size & 1) != 0, &r) == 0) {
		if ((r.status != 200 && r.status != 400 && r.status != 500) || !r.body ||
		    r.len != strlen(r.body) || !strstr(r.body, "Envelope"))
			abort();
		sim_wsman_reply_free(&r);
	}
	free(b);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size == 0)
		return 0;
	if (data[0] & 1)
		body(data + 1, size - 1);
	else
		header(data + 1, size - 1);
	return 0;
}
