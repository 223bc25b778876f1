// SPDX-License-Identifier: Apache-2.0
/*
 * net_load.c - find and load amt-agent-net.so (see net.h).
 *
 * Where it is looked for, in order, from the running binary's own path
 * (/proc/self/exe), so an install under any PREFIX or DESTDIR finds its
 * module whatever PREFIX the binary was compiled with:
 *   1. next to the binary (the build tree);
 *   2. BINDIR/../lib/amt-agent/ (what `make install` and the packages lay out);
 *   3. AMT_AGENT_LIBDIR, the compiled-in PREFIX/lib/amt-agent.
 * Loaded once per process. Must not: search a path from the environment
 * (the daemon's workers run it for other users' requests).
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

#define CANDIDATES 3

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

/* The candidate directories, in order, without repeats; returns how many. */
static int candidate_dirs(char dirs[CANDIDATES][PATH_MAX])
{
	char self[PATH_MAX];
	int n = 0;
	ssize_t len = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (len > 0) {
		self[len] = '\0';
		char *slash = strrchr(self, '/');
		if (slash) {
			*slash = '\0'; /* BINDIR */
			snprintf(dirs[n++], PATH_MAX, "%s", self);
			slash = strrchr(self, '/');
			if (slash) {
				*slash = '\0'; /* BINDIR/.. */
				int w = snprintf(dirs[n], PATH_MAX, "%s/lib/amt-agent", self);
				if (w > 0 && w < PATH_MAX)
					n++;
			}
		}
	}
	for (int i = 0; i < n; i++)
		if (strcmp(dirs[i], AMT_AGENT_LIBDIR) == 0)
			return n;
	snprintf(dirs[n++], PATH_MAX, "%s", AMT_AGENT_LIBDIR);
	return n;
}

const struct agent_net *agent_net_load(int log_level, char *err, size_t errcap)
{
	char dirs[CANDIDATES][PATH_MAX], path[PATH_MAX + sizeof(AGENT_NET_FILE) + 1];
	if (loaded)
		return loaded;
	int n = candidate_dirs(dirs);
	bool found = false;
	for (int i = 0; i < n && !loaded; i++) {
		int w = snprintf(path, sizeof(path), "%s/%s", dirs[i], AGENT_NET_FILE);
		if (w < 0 || (size_t)w >= sizeof(path) || access(path, F_OK) != 0)
			continue;
		found = true; /* a file that exists and fails to load: its error is the one to tell */
		loaded = try_load(path, err, errcap);
		/* The module is there but a library it links is not: the packages
		 * only recommend them, so say which to install. */
		if (!loaded && strstr(err, "cannot open shared object file")) {
			size_t used = strlen(err);
			snprintf(err + used, errcap - used,
				 "; the network module needs libcurl, libxml2 and OpenSSL: install them "
				 "(amt-agent's recommended packages)");
		}
	}
	if (!loaded && !found)
		snprintf(err, errcap, "%s is in none of %s%s%s%s%s", AGENT_NET_FILE, dirs[0],
			 n > 1 ? ", " : "", n > 1 ? dirs[1] : "", n > 2 ? ", " : "", n > 2 ? dirs[2] : "");
	if (loaded)
		loaded->set_log_level(log_level);
	return loaded;
}
