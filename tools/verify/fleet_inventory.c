// SPDX-License-Identifier: Apache-2.0
/*
 * fleet_inventory.c - reading the fleet inventory (see fleet_inventory.h).
 *
 * CSV per RFC 4180 as spreadsheets write it (fields optionally in double
 * quotes, "" inside quotes for one quote, CR LF or LF line ends), one
 * record per line (no line breaks inside quotes); JSON lines through
 * jansson (duplicate keys refused). Blank lines and lines starting with
 * '#' are skipped in both. Lines are at most 64 KiB (read no further), a
 * UTF-8 byte order mark at the start of the file is ignored.
 * Must not: keep rows; trust any field's length or characters.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>

#include "device.h"
#include "fleet_inventory.h"

#define LINE_MAX_BYTES (64 * 1024)
#define MAX_COLUMNS 32

enum col_kind { COL_HOST, COL_PORT, COL_UUID, COL_GROUP, COL_EXPECT };

struct column {
	enum col_kind kind;
	char key[24];
};

struct fleet_inventory {
	FILE *f;
	char *path;
	bool json;
	char *buf; /* one line: LINE_MAX_BYTES + 1 */
	unsigned long line;
	struct column cols[MAX_COLUMNS];
	size_t ncols;
};

/* ---- field rules ---- */

static bool is_device_key(const char *k)
{
	for (int i = 0; device_keys[i]; i++)
		if (strcmp(device_keys[i], k) == 0)
			return true;
	return false;
}

static bool printable(const char *s)
{
	for (; *s; s++)
		if (*s < 0x20 || *s > 0x7e)
			return false;
	return true;
}

/* What a message quotes of text from the file: at most outsz - 1 bytes
 * (SHOWN_MAX for a value), each byte outside printable ASCII shown as '?',
 * so a stray control byte (a byte order mark, an escape sequence) cannot
 * garble or drive the terminal the error goes to. */
#define SHOWN_MAX 40
static const char *shown(const char *v, char *out, size_t outsz)
{
	size_t i = 0;

	for (; v[i] && i + 1 < outsz; i++)
		out[i] = v[i] >= 0x20 && v[i] <= 0x7e ? v[i] : '?';
	out[i] = '\0';
	return out;
}

static int set_host(struct fleet_device *d, const char *v, char *why, size_t cap)
{
	size_t n = strlen(v);

	if (n == 0 || n > FLEET_HOST_MAX) {
		snprintf(why, cap, "host: expected 1..%d characters", FLEET_HOST_MAX);
		return -1;
	}
	for (size_t i = 0; i < n; i++) {
		if (!isalnum((unsigned char)v[i]) && v[i] != '.' && v[i] != '-' && v[i] != ':' &&
		    v[i] != '_') {
			char q[SHOWN_MAX + 1];

			snprintf(why, cap, "host: \"%s\" is not an IP address or host name",
				 shown(v, q, sizeof(q)));
			return -1;
		}
	}
	memcpy(d->host, v, n + 1);
	return 0;
}

static int set_port(struct fleet_device *d, const char *v, char *why, size_t cap)
{
	unsigned long p;

	if (!*v)
		return 0;
	if (verify_parse_ulong(v, 1, 65535, &p) != 0) {
		char q[SHOWN_MAX + 1];

		snprintf(why, cap, "port: \"%s\" is not 1..65535", shown(v, q, sizeof(q)));
		return -1;
	}
	d->port = (unsigned)p;
	return 0;
}

/* 8-4-4-4-12 hex, stored upper case. */
static int set_uuid(struct fleet_device *d, const char *v, char *why, size_t cap)
{
	static const int dash[] = {8, 13, 18, 23};
	size_t n = strlen(v);
	char q[SHOWN_MAX + 1];

	if (!*v)
		return 0;
	if (n != 36)
		goto bad;
	for (size_t i = 0; i < n; i++) {
		bool want_dash = i == (size_t)dash[0] || i == (size_t)dash[1] ||
				 i == (size_t)dash[2] || i == (size_t)dash[3];
		if (want_dash ? v[i] != '-' : !isxdigit((unsigned char)v[i]))
			goto bad;
		d->uuid[i] = (char)toupper((unsigned char)v[i]);
	}
	d->uuid[n] = '\0';
	return 0;
bad:
	snprintf(why, cap, "uuid: \"%s\" is not a UUID (8-4-4-4-12 hex digits)",
		 shown(v, q, sizeof(q)));
	return -1;
}

static int set_group(struct fleet_device *d, const char *v, char *why, size_t cap)
{
	size_t n = strlen(v);
	char q[SHOWN_MAX + 1];

	if (n > FLEET_GROUP_MAX)
		goto bad;
	for (size_t i = 0; i < n; i++)
		if (!isalnum((unsigned char)v[i]) && v[i] != '_' && v[i] != '-' && v[i] != '.')
			goto bad;
	memcpy(d->group, v, n + 1);
	return 0;
bad:
	snprintf(why, cap, "group: \"%s\": expected up to %d letters, digits, '_', '-', '.'",
		 shown(v, q, sizeof(q)), FLEET_GROUP_MAX);
	return -1;
}

int fleet_device_expect(struct fleet_device *d, const char *key, const char *value)
{
	size_t i;

	for (i = 0; i < d->nexpect; i++)
		if (strcmp(d->expect[i].key, key) == 0)
			break;
	if (i == d->nexpect) {
		if (d->nexpect >= FLEET_MAX_EXPECT)
			return -1;
		d->nexpect++;
	}
	snprintf(d->expect[i].key, sizeof(d->expect[i].key), "%s", key);
	snprintf(d->expect[i].value, sizeof(d->expect[i].value), "%s", value);
	return 0;
}

const char *fleet_device_expected(const struct fleet_device *d, const char *key)
{
	for (size_t i = 0; i < d->nexpect; i++)
		if (strcmp(d->expect[i].key, key) == 0)
			return d->expect[i].value;
	return NULL;
}

static int set_expect(struct fleet_device *d, const char *key, const char *v, char *why,
		      size_t cap)
{
	if (!*v)
		return 0;
	if (strlen(v) > FLEET_VALUE_MAX || !printable(v)) {
		snprintf(why, cap, "%s: expected printable ASCII of at most %d characters", key,
			 FLEET_VALUE_MAX);
		return -1;
	}
	return fleet_device_expect(d, key, v) == 0 ? 0 : -1;
}

/* ---- CSV ---- */

/* Split line (modified in place) into at most MAX_COLUMNS fields. */
static int csv_split(char *line, char **fields, size_t *n, char *why, size_t cap)
{
	char *r = line, *w;

	*n = 0;
	for (;;) {
		if (*n >= MAX_COLUMNS) {
			snprintf(why, cap, "more than %d columns", MAX_COLUMNS);
			return -1;
		}
		fields[(*n)++] = w = r;
		if (*r == '"') {
			r++;
			for (;;) {
				if (*r == '\0') {
					snprintf(why, cap, "a quoted field does not end on its line");
					return -1;
				}
				if (*r == '"' && r[1] == '"') {
					*w++ = '"';
					r += 2;
				} else if (*r == '"') {
					r++;
					break;
				} else {
					*w++ = *r++;
				}
			}
			if (*r != ',' && *r != '\0') {
				snprintf(why, cap, "text after a closing quote");
				return -1;
			}
		} else {
			while (*r && *r != ',') {
				if (*r == '"') {
					snprintf(why, cap, "a quote inside an unquoted field");
					return -1;
				}
				*w++ = *r++;
			}
		}
		if (*r == '\0') {
			*w = '\0';
			return 0;
		}
		*w = '\0';
		r++; /* the comma */
	}
}

static void trim(char *s)
{
	size_t n = strlen(s), i = 0;

	while (n && (s[n - 1] == ' ' || s[n - 1] == '\t'))
		s[--n] = '\0';
	while (s[i] == ' ' || s[i] == '\t')
		i++;
	if (i)
		memmove(s, s + i, n - i + 1);
}

static int csv_header(struct fleet_inventory *inv, char *line, char *why, size_t cap)
{
	char *f[MAX_COLUMNS];
	size_t n;
	bool host = false;

	if (csv_split(line, f, &n, why, cap) != 0)
		return -1;
	for (size_t i = 0; i < n; i++) {
		struct column *c = &inv->cols[i];

		trim(f[i]);
		for (char *p = f[i]; *p; p++)
			*p = (char)tolower((unsigned char)*p);
		if (!strcmp(f[i], "host"))
			c->kind = COL_HOST, host = true;
		else if (!strcmp(f[i], "port"))
			c->kind = COL_PORT;
		else if (!strcmp(f[i], "uuid"))
			c->kind = COL_UUID;
		else if (!strcmp(f[i], "group"))
			c->kind = COL_GROUP;
		else if (is_device_key(f[i]) && strlen(f[i]) < sizeof(c->key))
			c->kind = COL_EXPECT;
		else {
			char q[SHOWN_MAX + 1];

			snprintf(why, cap, "unknown column \"%s\" (host, port, uuid, group or a "
					   "device key: amt_version, provisioning_state, control_mode, "
					   "mac, ipv4, dhcp, link_up, host_id)", shown(f[i], q, sizeof(q)));
			return -1;
		}
		snprintf(c->key, sizeof(c->key), "%s", f[i]);
		for (size_t j = 0; j < i; j++) {
			if (!strcmp(inv->cols[j].key, c->key)) {
				snprintf(why, cap, "column \"%s\" twice", c->key);
				return -1;
			}
		}
	}
	if (!host) {
		snprintf(why, cap, "the header row has no \"host\" column");
		return -1;
	}
	inv->ncols = n;
	return 0;
}

static int csv_row(struct fleet_inventory *inv, char *line, struct fleet_device *d, char *why,
		   size_t cap)
{
	char *f[MAX_COLUMNS];
	size_t n;
	int rc = 0;

	if (csv_split(line, f, &n, why, cap) != 0)
		return -1;
	if (n != inv->ncols) {
		snprintf(why, cap, "%zu fields, the header names %zu", n, inv->ncols);
		return -1;
	}
	for (size_t i = 0; i < n && rc == 0; i++) {
		trim(f[i]);
		switch (inv->cols[i].kind) {
		case COL_HOST: rc = set_host(d, f[i], why, cap); break;
		case COL_PORT: rc = set_port(d, f[i], why, cap); break;
		case COL_UUID: rc = set_uuid(d, f[i], why, cap); break;
		case COL_GROUP: rc = set_group(d, f[i], why, cap); break;
		case COL_EXPECT: rc = set_expect(d, inv->cols[i].key, f[i], why, cap); break;
		}
	}
	return rc;
}

/* ---- JSON lines ---- */

static int json_text(json_t *v, const char *key, char *out, size_t cap, char *why, size_t whycap)
{
	if (!json_is_string(v)) {
		snprintf(why, whycap, "%s: expected a string", key);
		return -1;
	}
	if (json_string_length(v) >= cap || strlen(json_string_value(v)) != json_string_length(v)) {
		snprintf(why, whycap, "%s: too long or not text", key);
		return -1;
	}
	memcpy(out, json_string_value(v), json_string_length(v) + 1);
	return 0;
}

static int json_row(const char *line, struct fleet_device *d, char *why, size_t cap)
{
	json_error_t je;
	json_t *o = json_loads(line, JSON_REJECT_DUPLICATES, &je), *v;
	char text[FLEET_HOST_MAX + 1];
	const char *key;
	int rc = -1;

	if (!json_is_object(o)) {
		char jq[81];

		snprintf(why, cap, "not a JSON object%s%s", o ? "" : ": ",
			 o ? "" : shown(je.text, jq, sizeof(jq)));
		goto out;
	}
	json_object_foreach(o, key, v) {
		if (!strcmp(key, "port")) {
			if (!json_is_integer(v) || json_integer_value(v) < 1 ||
			    json_integer_value(v) > 65535) {
				snprintf(why, cap, "port: expected 1..65535");
				goto out;
			}
			d->port = (unsigned)json_integer_value(v);
		} else if (!strcmp(key, "expect")) {
			const char *k;
			json_t *ev;

			if (!json_is_object(v)) {
				snprintf(why, cap, "expect: expected an object");
				goto out;
			}
			json_object_foreach(v, k, ev) {
				char val[FLEET_VALUE_MAX + 1];

				if (!is_device_key(k)) {
					char q[SHOWN_MAX + 1];

					snprintf(why, cap, "expect: unknown device key \"%s\"",
						 shown(k, q, sizeof(q)));
					goto out;
				}
				if (json_text(ev, k, val, sizeof(val), why, cap) != 0 ||
				    set_expect(d, k, val, why, cap) != 0)
					goto out;
			}
		} else if (!strcmp(key, "host") || !strcmp(key, "uuid") || !strcmp(key, "group")) {
			if (json_text(v, key, text, sizeof(text), why, cap) != 0 ||
			    (key[0] == 'h' && set_host(d, text, why, cap) != 0) ||
			    (key[0] == 'u' && set_uuid(d, text, why, cap) != 0) ||
			    (key[0] == 'g' && set_group(d, text, why, cap) != 0))
				goto out;
		} else {
			char q[SHOWN_MAX + 1];

			snprintf(why, cap, "unknown key \"%s\" (host, port, uuid, group, expect)",
				 shown(key, q, sizeof(q)));
			goto out;
		}
	}
	if (!d->host[0]) {
		snprintf(why, cap, "no \"host\"");
		goto out;
	}
	rc = 0;
out:
	json_decref(o);
	return rc;
}

/* ---- reading ---- */

/* One line of the file into inv->buf without its '\n' (len set): 1, 0 at
 * the end of the file, -1 on a read error, a NUL byte or a line longer than
 * LINE_MAX_BYTES with its line end. Reads no further than the cap, so an
 * over-long line costs no more memory than a long one. A UTF-8 byte order
 * mark (spreadsheets' "CSV UTF-8") before the file's first line is dropped. */
static int read_line(struct fleet_inventory *inv, size_t *len, char *why, size_t cap)
{
	size_t n = 0;
	bool any = false;
	int c;

	while ((c = getc_unlocked(inv->f)) != EOF) {
		if (!any)
			inv->line++;
		any = true;
		if (n >= LINE_MAX_BYTES) {
			snprintf(why, cap, "line longer than %d bytes", LINE_MAX_BYTES);
			return -1;
		}
		if (c == '\n')
			break;
		if (c == '\0') {
			snprintf(why, cap, "a NUL byte in the line");
			return -1;
		}
		inv->buf[n++] = (char)c;
	}
	if (ferror(inv->f)) {
		snprintf(why, cap, "cannot read: %s", strerror(errno ? errno : EIO));
		return -1;
	}
	if (!any)
		return 0;
	inv->buf[n] = '\0';
	if (inv->line == 1 && n >= 3 && !memcmp(inv->buf, "\xef\xbb\xbf", 3)) {
		n -= 3;
		memmove(inv->buf, inv->buf + 3, n + 1);
	}
	*len = n;
	return 1;
}

/* The next line that is not blank or a comment, without its line end; 1, 0
 * at the end, -1 on a read error or an over-long line. */
static int next_line(struct fleet_inventory *inv, char **line, char *why, size_t cap)
{
	for (;;) {
		size_t n;
		char *p;
		int r;

		errno = 0;
		r = read_line(inv, &n, why, cap);
		if (r <= 0)
			return r;
		while (n && inv->buf[n - 1] == '\r')
			inv->buf[--n] = '\0';
		for (p = inv->buf; *p == ' ' || *p == '\t'; p++)
			;
		if (*p == '\0' || *p == '#')
			continue;
		*line = inv->buf;
		return 1;
	}
}

static int start(struct fleet_inventory *inv, char *err, size_t errlen)
{
	char why[256], *line;
	int r;

	inv->line = 0;
	inv->ncols = 0;
	r = next_line(inv, &line, why, sizeof(why));
	if (r == 0) {
		snprintf(err, errlen, "%s: no devices", inv->path);
		return -1;
	}
	if (r < 0)
		goto bad;
	inv->json = line[strspn(line, " \t")] == '{';
	if (inv->json) {
		rewind(inv->f);
		inv->line = 0;
		return 0;
	}
	if (csv_header(inv, line, why, sizeof(why)) == 0)
		return 0;
bad:
	snprintf(err, errlen, "%s:%lu: %s", inv->path, inv->line, why);
	return -1;
}

int fleet_inventory_open(const char *path, struct fleet_inventory **out, char *err, size_t errlen)
{
	struct fleet_inventory *inv = calloc(1, sizeof(*inv));

	*out = NULL;
	if (!inv || !(inv->path = strdup(path)) || !(inv->buf = malloc(LINE_MAX_BYTES + 1))) {
		if (inv)
			free(inv->path);
		free(inv);
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	inv->f = fopen(path, "re");
	if (!inv->f) {
		snprintf(err, errlen, "cannot open the inventory %s: %s", path, strerror(errno));
		fleet_inventory_close(inv);
		return -1;
	}
	if (start(inv, err, errlen) != 0) {
		fleet_inventory_close(inv);
		return -1;
	}
	*out = inv;
	return 0;
}

int fleet_inventory_next(struct fleet_inventory *inv, struct fleet_device *d, char *err,
			 size_t errlen)
{
	char why[256] = "", *line;
	int r = next_line(inv, &line, why, sizeof(why));

	if (r == 0)
		return 0;
	if (r > 0) {
		memset(d, 0, sizeof(*d));
		d->line = inv->line;
		r = inv->json ? json_row(line, d, why, sizeof(why))
			      : csv_row(inv, line, d, why, sizeof(why));
		if (r == 0)
			return 1;
		if (!why[0])
			snprintf(why, sizeof(why), "more than %d expected values", FLEET_MAX_EXPECT);
	}
	snprintf(err, errlen, "%s:%lu: %s", inv->path, inv->line, why);
	return -1;
}

int fleet_inventory_rewind(struct fleet_inventory *inv, char *err, size_t errlen)
{
	rewind(inv->f);
	return start(inv, err, errlen);
}

void fleet_inventory_close(struct fleet_inventory *inv)
{
	if (!inv)
		return;
	if (inv->f)
		fclose(inv->f);
	free(inv->buf);
	free(inv->path);
	free(inv);
}
