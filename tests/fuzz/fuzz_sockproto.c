// SPDX-License-Identifier: Apache-2.0
/*
 * fuzz_sockproto.c - libFuzzer target for the daemon's request parser and
 * the option parsing that decides privileges: any bytes a local user sends
 * must parse or be refused cleanly; a parsed request must re-encode and
 * parse to the same argv, which option parsing leaves in its order; a call
 * with a privileged option is never ANY.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "agent.h"
#include "sockproto.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *copy = malloc(size ? size : 1), err[160];
	struct sock_request r, again;
	if (!copy)
		return 0;
	memcpy(copy, data, size);
	if (sockproto_parse_request(copy, size, &r, err, sizeof(err)) == 0) {
		char *line = sockproto_encode_request(r.argc, r.argv);
		if (!line || sockproto_parse_request(line, strlen(line), &again, err, sizeof(err)) != 0 ||
		    again.argc != r.argc)
			abort();
		/* the daemon's next step: the CLI's own table parses argv */
		FILE *sink = fopen("/dev/null", "w");
		struct agent_call call;
		if (sink && agent_getopt(r.argc, r.argv, &call, sink, sink) == CLIOPT_OK &&
		    agent_call_privilege(&call) == AGENT_PRIV_ANY)
			for (int i = 0; i < call.opt.nhits; i++)
				if (call.cmd->cli.opts[call.opt.hits[i].opt].flags & CLIOPT_PRIVILEGED)
					abort();
		if (sink)
			fclose(sink);
		/* same argv after parsing: nothing was reordered */
		for (int i = 0; i < r.argc; i++)
			if (strcmp(r.argv[i], again.argv[i]) != 0)
				abort();
		sockproto_request_free(&again);
		free(line);
		sockproto_request_free(&r);
	}
	free(copy);
	return 0;
}
