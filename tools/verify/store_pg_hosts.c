// SPDX-License-Identifier: Apache-2.0
/*
 * store_pg_hosts.c - the hosts of a multi-host PostgreSQL URL (host=a,b),
 * so the listener's pool can start a connect at any of them: libpq always
 * starts at the first, and a first host that never answers would otherwise
 * hide the others from a non-blocking connect (store_pg_pool.c gives up on
 * it before libpq moves on).
 *
 * Owns: splitting the effective host, hostaddr and port lists (as libpq
 * does, at the commas), passing a rotated part of them as connection
 * options that win over the URL's, and finding which of them libpq is at.
 * Must not: connect, or decide when to move on (the pool does).
 */
#include <stdlib.h>
#include <string.h>

#include "store_pg.h"

/* Split a comma-separated list in place; its entry count, or -1 when
 * there are more than PG_MAX_HOSTS. */
static int split_list(char *s, char **entry)
{
	int n = 0;

	for (;;) {
		if (n == PG_MAX_HOSTS)
			return -1;
		entry[n++] = s;
		s = strchr(s, ',');
		if (!s)
			return n;
		*s++ = '\0';
	}
}

void pg_hosts_load(struct pg_hosts *h, PGconn *conn)
{
	static const char *const key[3] = {"host", "hostaddr", "port"};
	char **list[3] = {h->host, h->hostaddr, h->port};
	int count[3] = {0, 0, 0};
	PQconninfoOption *opts = PQconninfo(conn);

	for (PQconninfoOption *o = opts; o && o->keyword; o++)
		for (int i = 0; i < 3; i++)
			if (strcmp(o->keyword, key[i]) == 0 && o->val && o->val[0] && !h->buf[i] &&
			    (h->buf[i] = strdup(o->val)) != NULL)
				count[i] = split_list(h->buf[i], list[i]);
	PQconninfoFree(opts);
	h->n = count[0] ? count[0] : count[1];
	if (h->n <= 1 || count[0] < 0 || count[1] < 0 || count[2] < 0 ||
	    (count[0] && count[1] && count[0] != count[1]) || (count[2] > 1 && count[2] != h->n)) {
		h->n = 0;
		return;
	}
	h->has_host = count[0] > 0;
	h->has_hostaddr = count[1] > 0;
	h->port_each = count[2] > 1;
}

void pg_hosts_free(struct pg_hosts *h)
{
	for (int i = 0; i < 3; i++) {
		free(h->buf[i]);
		h->buf[i] = NULL;
	}
	h->n = 0;
}

/* Entries first .. first+count-1 (mod n) of list, joined by commas. */
static char *join(const struct pg_hosts *h, char *const *list, int first, int count)
{
	size_t len = 1;
	char *out, *at;

	for (int k = 0; k < count; k++)
		len += strlen(list[(first + k) % h->n]) + 1;
	out = malloc(len);
	if (!out)
		return NULL;
	at = out;
	for (int k = 0; k < count; k++) {
		const char *e = list[(first + k) % h->n];
		size_t n = strlen(e);

		if (k)
			*at++ = ',';
		memcpy(at, e, n);
		at += n;
	}
	*at = '\0';
	return out;
}

void pg_hosts_overrides(const struct pg_hosts *h, int first, int count,
			const char *over[2 * PG_OVERRIDES + 1], char *owned[3])
{
	static const char *const key[3] = {"host", "hostaddr", "port"};
	char *const *list[3] = {h->host, h->hostaddr, h->port};
	bool use[3] = {h->has_host, h->has_hostaddr, h->port_each};
	int n = 0;

	for (int i = 0; i < 3; i++) {
		owned[i] = NULL;
		if (h->n > 1 && use[i] && (owned[i] = join(h, list[i], first, count)) != NULL) {
			over[n++] = key[i];
			over[n++] = owned[i];
		}
	}
	over[n] = NULL;
}

int pg_hosts_find(const struct pg_hosts *h, int first, int count, int from, const char *host,
		  const char *port)
{
	for (int k = from; h->n > 1 && k < count; k++) {
		int i = (first + k) % h->n;
		/* PQhost: the host entry, else the hostaddr one */
		const char *name = h->has_host && h->host[i][0] ? h->host[i]
				   : h->has_hostaddr            ? h->hostaddr[i]
								: "";

		if (strcmp(name, host ? host : "") == 0 &&
		    (!h->port_each || !h->port[i][0] || strcmp(h->port[i], port ? port : "") == 0))
			return k;
	}
	return from;
}
