// SPDX-License-Identifier: Apache-2.0
/*
 * fuzz_config.c - libFuzzer target for the agent's configuration parser
 * (inih + the keyword table): any input must parse or fail cleanly.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = malloc(size + 1), err[512];
	struct agent_config c;
	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	config_init(&c);
	config_load_string(&c, text, err, sizeof(err));
	config_free(&c);
	free(text);
	return 0;
}
