// SPDX-License-Identifier: Apache-2.0
/*
 * help_config.c - [agent] socket from the agent's configuration file, read
 * with inih like the agent reads it (see help_config.h).
 */
#include "help_config.h"

#include <ini.h>
#include <stdlib.h>
#include <string.h>

struct found {
	char *socket;
};

static int on_key(void *user, const char *section, const char *name, const char *value)
{
	struct found *f = user;
	if (strcmp(section, "agent") == 0 && strcmp(name, "socket") == 0 && value[0] == '/') {
		char *copy = strdup(value);
		if (copy) {
			free(f->socket);
			f->socket = copy;
		}
	}
	return 1; /* other keys are the agent's to judge */
}

char *help_socket_from_config(const char *config_path)
{
	struct found f = {NULL};
	/* < 0: the file cannot be opened (absent, or closed to this user). */
	if (ini_parse(config_path ? config_path : HELP_DEFAULT_CONFIG, on_key, &f) < 0 ||
	    !f.socket) {
		free(f.socket);
		return strdup(HELP_DEFAULT_SOCKET);
	}
	return f.socket;
}
