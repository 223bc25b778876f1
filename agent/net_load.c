/*
 * net_load.c - find and load amt-agent-net.so (see net.h).
 *
 * Looked for next to the running binary (a build tree, or an install that
 * keeps them together), then in AMT_AGENT_LIBDIR. Loaded once per process.
 */
#include "net/net.h"

#include <dlfcn.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#ifndef AMT_AGENT_LIBDIR
#define AMT_AGENT_LIBDIR "/usr/local/lib/amt-agent"
#endif

static const struct agent_net *loaded;

static const struct agent_net *try_load(const char *path, char *err, size_t errcap)
{
	void *h = dlopen(path, RTLD_NOW | RTLD_LOCAL);
	if (!h) {
		snprintf(err, errcap, "%s", dlerror());
		return NULL;
	}
	const struct agent_net *n = dlsym(h, AGENT_NET_SYMBOL);
	if (!n || n->abi != AGENT_NET_ABI) {
		snprintf(err, errcap, "%s is not a matching amt-agent network module", path);
		dlclose(h);
		return NULL;
	}
	return n; /* stays loaded for the life of the process */
}

const struct agent_net *agent_net_load(int log_level, char *err, size_t errcap)
{
	char self[PATH_MAX], path[PATH_MAX + 32];
	if (loaded)
		return loaded;
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (n > 0) {
		self[n] = '\0';
		char *slash = strrchr(self, '/');
		if (slash) {
			*slash = '\0';
			snprintf(path, sizeof(path), "%s/%s", self, AGENT_NET_FILE);
			if (access(path, R_OK) == 0)
				loaded = try_load(path, err, errcap);
		}
	}
	if (!loaded) {
		snprintf(path, sizeof(path), "%s/%s", AMT_AGENT_LIBDIR, AGENT_NET_FILE);
		loaded = try_load(path, err, errcap);
	}
	if (loaded)
		loaded->set_log_level(log_level);
	return loaded;
}
