// SPDX-License-Identifier: Apache-2.0
/*
 * wsman_loop.c - a benchmark client (make bench, tests/bench/tunnel.sh):
 * COUNT AMT_GeneralSettings Gets over one common/wsman.c client, as a
 * technician's tool (amt-verify device) talks to AMT: one digest nonce for
 * all of them, and one connection for as long as AMT keeps it. Prints the
 * wall seconds; exits 1 at the first request that fails, saying why.
 * Must not: be taken for a product tool (no options beyond these four).
 * usage: wsman_loop URL USER PASSWORD-FILE COUNT
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "wsman.h"

static double now_s(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	char password[128] = "";
	struct wsman_error e;
	int rc = 1;

	if (argc != 5) {
		fprintf(stderr, "usage: wsman_loop URL USER PASSWORD-FILE COUNT\n");
		return 2;
	}
	FILE *f = fopen(argv[3], "r");
	if (!f || !fgets(password, sizeof(password), f)) {
		fprintf(stderr, "wsman_loop: cannot read %s\n", argv[3]);
		if (f)
			fclose(f);
		return 2;
	}
	fclose(f);
	password[strcspn(password, "\r\n")] = '\0';
	long count = strtol(argv[4], NULL, 10);
	if (count <= 0 || wsman_global_init() != WSMAN_OK)
		return 2;
	struct wsman_opts o = {.url = argv[1], .user = argv[2], .password = password};
	struct wsman_client *c = wsman_client_new(&o);
	if (!c)
		goto out;
	double start = now_s();
	for (long i = 0; i < count; i++) {
		xmlDocPtr doc = NULL;
		xmlNodePtr inst = NULL;
		if (wsman_get(c, WSMAN_AMT_URI("AMT_GeneralSettings"), NULL, 0, &doc, &inst, &e) !=
		    WSMAN_OK) {
			char line[512];
			wsman_error_format(&e, line, sizeof(line));
			fprintf(stderr, "wsman_loop: request %ld: %s\n", i + 1, line);
			goto out;
		}
		xmlFreeDoc(doc);
	}
	printf("%.6f\n", now_s() - start);
	rc = 0;
out:
	wsman_client_free(c);
	wsman_global_cleanup();
	return rc;
}
