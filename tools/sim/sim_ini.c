/*
 * sim_ini.c - shared state-file value parsers (see sim_ini.h).
 */
#include "sim_ini.h"

#include <string.h>

int sim_parse_bool(const char *v, bool *out)
{
	if (!strcmp(v, "true") || !strcmp(v, "yes") || !strcmp(v, "1"))
		*out = true;
	else if (!strcmp(v, "false") || !strcmp(v, "no") || !strcmp(v, "0"))
		*out = false;
	else
		return -1;
	return 0;
}
