// SPDX-License-Identifier: Apache-2.0
/*
 * fuzz_alertdoc.c - libFuzzer target for amt-verify's event receiver: the
 * body AMT (or anyone who can connect) POSTs to listen --events goes to
 * alertdoc_parse(); what it accepts is turned into the stored detail and
 * the Ack, as the receiver does.
 *
 * Input: the whole body, as an exact-size heap copy so ASan sees any
 * over-read. Promises checked (abort() when broken): every accepted text
 * field is NUL-terminated printable ASCII within its array, at most
 * ALERTDOC_MAX_ARGS arguments, a MessageID is there, and the detail and
 * Ack can be built.
 * Must not: open sockets or files.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tools/verify/alertdoc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void printable(const char *s, size_t cap)
{
	size_t n = strnlen(s, cap);
	if (n == cap)
		abort();
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x20 || (unsigned char)s[i] > 0x7e)
			abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct alertdoc d;
	char why[256];
	char *copy = malloc(size ? size : 1);
	if (!copy)
		return 0;
	memcpy(copy, data, size);
	if (alertdoc_parse(copy, size, &d, why, sizeof(why)) == 0) {
		if (!d.message_id[0] || d.nargs > ALERTDOC_MAX_ARGS)
			abort();
		printable(d.message_id, sizeof(d.message_id));
		printable(d.wsa_message_id, sizeof(d.wsa_message_id));
		printable(d.device, sizeof(d.device));
		for (unsigned i = 0; i < d.nargs; i++)
			printable(d.args[i], sizeof(d.args[i]));
		json_t *j = alertdoc_detail(&d);
		size_t len;
		char *ack = alertdoc_ack(&d, &len);
		if (!j || !ack)
			abort();
		json_decref(j);
		free(ack);
	}
	free(copy);
	return 0;
}
