// SPDX-License-Identifier: Apache-2.0
/*
 * sockproto.c - local socket messages (see sockproto.h).
 * JSON is read and written with jansson only.
 */
#include "sockproto.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int fail(char *err, size_t cap, const char *why)
{
	snprintf(err, cap, "%s", why);
	return -1;
}

int sockproto_parse_request(const char *line, size_t len, struct sock_request *out, char *err,
			    size_t errcap)
{
	json_error_t jerr;
	json_t *root, *v, *argv;
	int rc = -1;

	memset(out, 0, sizeof(*out));
	if (len > 0 && line[len - 1] == '\n')
		len--;
	if (len == 0 || len >= SOCKPROTO_MAX_LINE)
		return fail(err, errcap, len ? "request too large" : "empty request");
	root = json_loadb(line, len, JSON_REJECT_DUPLICATES, &jerr);
	if (!root)
		return fail(err, errcap, "request is not valid JSON");
	if (!json_is_object(root) || json_object_size(root) != 2) {
		fail(err, errcap, "request must be an object with exactly \"v\" and \"argv\"");
		goto out;
	}
	v = json_object_get(root, "v");
	argv = json_object_get(root, "argv");
	if (!json_is_integer(v) || json_integer_value(v) != SOCKPROTO_VERSION) {
		fail(err, errcap, "unsupported protocol version (this daemon speaks v1)");
		goto out;
	}
	if (!json_is_array(argv) || json_array_size(argv) == 0 ||
	    json_array_size(argv) > SOCKPROTO_MAX_ARGS) {
		fail(err, errcap, "argv must be an array of 1 to 16 strings");
		goto out;
	}
	for (size_t i = 0; i < json_array_size(argv); i++) {
		json_t *a = json_array_get(argv, i);
		if (!json_is_string(a) || json_string_length(a) > SOCKPROTO_MAX_ARG ||
		    strlen(json_string_value(a)) != json_string_length(a)) {
			fail(err, errcap, "argv elements must be strings of at most 512 bytes");
			goto out;
		}
		out->argv[i] = strdup(json_string_value(a));
		if (!out->argv[i]) {
			fail(err, errcap, "out of memory");
			goto out;
		}
		out->argc++;
	}
	rc = 0;
out:
	if (rc != 0)
		sockproto_request_free(out);
	json_decref(root);
	return rc;
}

void sockproto_request_free(struct sock_request *r)
{
	for (int i = 0; i < r->argc; i++)
		free(r->argv[i]);
	memset(r, 0, sizeof(*r));
}

static char *dump_line(json_t *o)
{
	char *s = o ? json_dumps(o, JSON_COMPACT) : NULL, *line = NULL;
	json_decref(o);
	if (!s)
		return NULL;
	size_t n = strlen(s);
	line = malloc(n + 2);
	if (line) {
		memcpy(line, s, n);
		line[n] = '\n';
		line[n + 1] = '\0';
	}
	free(s);
	return line;
}

char *sockproto_encode_request(int argc, char *const argv[])
{
	json_t *a = json_array();
	for (int i = 0; i < argc; i++)
		if (json_array_append_new(a, json_string(argv[i])) != 0) {
			json_decref(a);
			return NULL;
		}
	return dump_line(json_pack("{s:i, s:o}", "v", SOCKPROTO_VERSION, "argv", a));
}

char *sockproto_encode_response(int exit_code, const char *out, size_t outlen, const char *err,
				size_t errlen)
{
	json_t *o = json_stringn(out ? out : "", out ? outlen : 0);
	json_t *e = json_stringn(err ? err : "", err ? errlen : 0);
	if (!o || !e) {
		json_decref(o);
		json_decref(e);
		return NULL;
	}
	return dump_line(json_pack("{s:i, s:i, s:o, s:o}", "v", SOCKPROTO_VERSION, "exit",
				   exit_code, "stdout", o, "stderr", e));
}

int sockproto_parse_response(const char *line, size_t len, int *exit_code, char **out,
			     char **err)
{
	json_error_t jerr;
	json_t *root = json_loadb(line, len, 0, &jerr);
	json_int_t v = 0, code = -1;
	const char *o = NULL, *e = NULL;
	int rc = -1;

	*out = *err = NULL;
	if (!root)
		return -1;
	if (json_unpack(root, "{s:I, s:I, s:s, s:s}", "v", &v, "exit", &code, "stdout", &o,
			"stderr", &e) == 0 &&
	    v == SOCKPROTO_VERSION && code >= 0 && code <= 255) {
		*out = strdup(o);
		*err = strdup(e);
		*exit_code = (int)code;
		rc = (*out && *err) ? 0 : -1;
	}
	json_decref(root);
	return rc;
}
