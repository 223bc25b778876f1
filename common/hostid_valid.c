/*
 * hostid_valid.c - what a host ID may look like (see hostid_3pds.h).
 * Its own file so the agent can validate IDs without linking the WS-Man
 * client that the rest of hostid_3pds.c needs.
 */
#include <string.h>

#include "hostid_3pds.h"

int hostid_valid(const char *id)
{
	size_t n = id ? strlen(id) : 0;
	if (n == 0 || n > HOSTID_MAX)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (id[i] <= 0x20 || id[i] >= 0x7f)
			return 0;
	return 1;
}
