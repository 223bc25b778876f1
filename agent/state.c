// SPDX-License-Identifier: Apache-2.0
/*
 * state.c - paths under the agent's state directory (see state.h).
 */
#include "state.h"

#include <errno.h>
#include <stdio.h>
#include <sys/stat.h>

int path_join(char *out, size_t cap, const char *dir, const char *name)
{
	if (cap == 0)
		return -ENAMETOOLONG;
	int n = snprintf(out, cap, "%s/%s", dir, name);
	if (n < 0 || (size_t)n >= cap) {
		out[0] = '\0';
		return -ENAMETOOLONG;
	}
	return 0;
}

static const char *file_name(enum state_file f)
{
	switch (f) {
	case STATE_HOSTID_COPY:
		return "hostid";
	case STATE_LAST_STATE:
		return "last_state";
	case STATE_PRESENCE_GUID:
		return "presence_guid";
	}
	return "?";
}

int state_path(const struct agent_config *c, enum state_file f, char *out, size_t cap)
{
	return path_join(out, cap, c->state_dir, file_name(f));
}

int state_spool_dir(const struct agent_config *c, char *out, size_t cap)
{
	if (!c->report_spool_dir)
		return path_join(out, cap, c->state_dir, "spool");
	int n = snprintf(out, cap, "%s", c->report_spool_dir);
	if (n < 0 || (size_t)n >= cap) {
		if (cap)
			out[0] = '\0';
		return -ENAMETOOLONG;
	}
	return 0;
}

int state_dir_ensure(const struct agent_config *c)
{
	if (mkdir(c->state_dir, 0755) != 0 && errno != EEXIST)
		return -errno;
	return 0;
}
