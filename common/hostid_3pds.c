// SPDX-License-Identifier: Apache-2.0
/*
 * hostid_3pds.c - the host ID block in AMT 3PDS (see hostid_3pds.h).
 *
 * Method and parameter names follow the AMT SDK's
 * AMT_ThirdPartyDataStorageService class. A session is always unregistered,
 * also on errors, so a failed run leaves no session occupying one of the
 * firmware's few slots.
 */
#include "hostid_3pds.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_BLOCKS 64
#define DATA_MAX 4096 /* the block is one MTU; AMT's MTU is well below this */

struct session {
	struct wsman_client *c;
	struct wsman_error *err;
	char handle[64];   /* SessionHandle */
	char app[16];      /* ApplicationHandle */
	char block[16];    /* BlockHandle of our block, "" if none */
	uint32_t block_size;
	uint32_t mtu;
};

static const struct wsman_selector service_sel[] = {
	{"Name", "Intel(r) AMT Third Party Data Storage Service"},
};

/* Invoke and copy one output child's text; out may be NULL. */
static int call(struct session *s, const char *method, const struct wsman_param *in, size_t nin,
		const char *out_name, char *out, size_t cap)
{
	xmlDocPtr doc = NULL;
	xmlNodePtr output = NULL;
	int rc = wsman_invoke(s->c, HOSTID_SERVICE_URI, method, service_sel, 1, in, nin, &doc,
			      &output, s->err);
	if (rc == 0 && out_name) {
		const char *t = wsman_child_text(output, out_name);
		if (!t || strlen(t) >= cap) {
			snprintf(s->err->curl_message, sizeof(s->err->curl_message),
				 "%s: no usable %s in the answer", method, out_name);
			s->err->kind = WSMAN_E_PARSE;
			rc = WSMAN_E_PARSE;
		} else {
			memcpy(out, t, strlen(t) + 1);
		}
	}
	xmlFreeDoc(doc);
	return rc;
}

static void uuid_hex(const uint8_t uuid[16], char out[33])
{
	for (int i = 0; i < 16; i++)
		snprintf(out + 2 * i, 3, "%02X", uuid[i]);
}

static int open_session(struct session *s, const struct hostid_names *n, const uint8_t uuid[16])
{
	char caller[33];
	uuid_hex(uuid, caller);
	struct wsman_param reg[] = {{"CallerUUID", caller},
				    {"VendorName", n->vendor},
				    {"ApplicationName", n->application},
				    {"EnterpriseName", n->enterprise}};
	int rc = call(s, "RegisterApplication", reg, 4, "SessionHandle", s->handle,
		      sizeof(s->handle));
	if (rc == WSMAN_E_FAULT && strstr(s->err->fault_subcode, "DestinationUnreachable"))
		return HOSTID_E_NO_3PDS;
	if (rc == WSMAN_E_RETURN)
		return HOSTID_E_REGISTER;
	if (rc != 0)
		return rc;
	struct wsman_param sh[] = {{"SessionHandle", s->handle}};
	rc = call(s, "GetCurrentApplicationHandle", sh, 1, "ApplicationHandle", s->app,
		  sizeof(s->app));
	return rc == WSMAN_E_RETURN ? HOSTID_E_STORAGE : rc;
}

static void close_session(struct session *s)
{
	if (!s->handle[0])
		return;
	struct wsman_error ignored;
	struct wsman_error *keep = s->err;
	struct wsman_param sh[] = {{"SessionHandle", s->handle}};
	s->err = &ignored;
	call(s, "UnregisterApplication", sh, 1, NULL, NULL, 0);
	s->err = keep;
	s->handle[0] = '\0';
}

/* Locate our block among the application's own blocks. */
static int find_block(struct session *s, const char *name)
{
	xmlDocPtr doc = NULL;
	xmlNodePtr output = NULL;
	uint32_t handles[MAX_BLOCKS];
	size_t count = 0;
	struct wsman_param in[] = {{"SessionHandle", s->handle}, {"BlockOwnerApplication", s->app}};
	int rc = wsman_invoke(s->c, HOSTID_SERVICE_URI, "GetAllocatedBlocks", service_sel, 1, in, 2,
			      &doc, &output, s->err);
	if (rc == 0)
		rc = wsman_children_u32(output, "BlockHandles", handles, MAX_BLOCKS, &count);
	xmlFreeDoc(doc);
	if (rc == WSMAN_E_NOT_FOUND)
		rc = 0, count = 0;
	if (rc != 0)
		return rc == WSMAN_E_RETURN ? HOSTID_E_STORAGE : rc;
	s->block[0] = '\0';
	for (size_t i = 0; i < count; i++) {
		char h[16];
		snprintf(h, sizeof(h), "%u", handles[i]);
		struct wsman_param attr[] = {{"SessionHandle", s->handle}, {"BlockHandle", h}};
		doc = NULL;
		rc = wsman_invoke(s->c, HOSTID_SERVICE_URI, "GetBlockAttributes", service_sel, 1, attr,
				  2, &doc, &output, s->err);
		if (rc == 0) {
			const char *bn = wsman_child_text(output, "BlockName");
			uint32_t size = 0;
			if (bn && strcmp(bn, name) == 0 &&
			    wsman_child_u32(output, "BlockSize", &size) == 0) {
				snprintf(s->block, sizeof(s->block), "%s", h);
				s->block_size = size;
			}
		}
		xmlFreeDoc(doc);
		if (rc != 0)
			return rc == WSMAN_E_RETURN ? HOSTID_E_STORAGE : rc;
		if (s->block[0])
			break;
	}
	return 0;
}

static int get_mtu(struct session *s)
{
	char mtu[16];
	int rc = call(s, "GetMTU", NULL, 0, "Mtu", mtu, sizeof(mtu));
	if (rc != 0)
		return rc == WSMAN_E_RETURN ? HOSTID_E_STORAGE : rc;
	s->mtu = (uint32_t)strtoul(mtu, NULL, 10);
	if (s->mtu == 0 || s->mtu > DATA_MAX) {
		s->err->kind = WSMAN_E_PARSE;
		snprintf(s->err->curl_message, sizeof(s->err->curl_message),
			 "3PDS MTU %s is out of range", mtu);
		return WSMAN_E_PARSE;
	}
	return 0;
}

/* Read the first min(block, DATA_MAX) bytes, MTU bytes per call. */
static int read_block(struct session *s, uint8_t *data, size_t *len)
{
	size_t want = s->block_size < DATA_MAX ? s->block_size : DATA_MAX, got = 0;
	while (got < want) {
		char off[16], cnt[16];
		size_t chunk = want - got < s->mtu ? want - got : s->mtu, n = 0;
		snprintf(off, sizeof(off), "%zu", got);
		snprintf(cnt, sizeof(cnt), "%zu", chunk);
		struct wsman_param in[] = {{"SessionHandle", s->handle},
					   {"BlockHandle", s->block},
					   {"ByteOffset", off},
					   {"ByteCount", cnt}};
		xmlDocPtr doc = NULL;
		xmlNodePtr output = NULL;
		int rc = wsman_invoke(s->c, HOSTID_SERVICE_URI, "ReadBlock", service_sel, 1, in, 4,
				      &doc, &output, s->err);
		const char *b64 = rc == 0 ? wsman_child_text(output, "Data") : NULL;
		if (rc == 0 && (!b64 || wsman_base64_decode(b64, data + got, want - got, &n) != 0 ||
				n == 0))
			rc = HOSTID_E_FORMAT;
		xmlFreeDoc(doc);
		if (rc != 0)
			return rc == WSMAN_E_RETURN ? HOSTID_E_STORAGE : rc;
		got += n;
	}
	*len = got;
	return 0;
}

static int parse_payload(const uint8_t *data, size_t len, char *out, size_t cap)
{
	switch (hostid_payload_decode(data, len, out, cap)) {
	case HOSTID_PAYLOAD_OK:
		return HOSTID_OK;
	case HOSTID_PAYLOAD_EMPTY:
		return HOSTID_NONE;
	default:
		return HOSTID_E_FORMAT;
	}
}

int hostid_3pds_read(struct wsman_client *c, const struct hostid_names *n,
		     const uint8_t uuid[16], char *out, size_t cap, struct wsman_error *err)
{
	struct session s = {.c = c, .err = err};
	uint8_t *data = malloc(DATA_MAX);
	size_t len = 0;
	int rc = data ? open_session(&s, n, uuid) : WSMAN_E_NOMEM;
	if (rc == 0)
		rc = find_block(&s, n->block_name);
	if (rc == 0 && !s.block[0])
		rc = HOSTID_NONE;
	if (rc == 0)
		rc = get_mtu(&s);
	if (rc == 0)
		rc = read_block(&s, data, &len);
	if (rc == 0)
		rc = parse_payload(data, len, out, cap);
	close_session(&s);
	free(data);
	return rc;
}

int hostid_3pds_write(struct wsman_client *c, const struct hostid_names *n,
		      const uint8_t uuid[16], const char *id, struct wsman_error *err)
{
	struct session s = {.c = c, .err = err};
	char payload[HOSTID_MAX + 64];
	int plen = hostid_payload_encode(id, payload, sizeof(payload));
	if (plen < 0)
		return HOSTID_E_INVALID;
	int rc = open_session(&s, n, uuid);
	if (rc == 0)
		rc = find_block(&s, n->block_name);
	if (rc == 0)
		rc = get_mtu(&s);
	if (rc == 0 && !s.block[0]) {
		/* one MTU holds the payload; hidden, so other applications cannot list it */
		char bytes[16];
		snprintf(bytes, sizeof(bytes), "%u", s.mtu);
		struct wsman_param in[] = {{"SessionHandle", s.handle},
					   {"BytesRequested", bytes},
					   {"BlockHidden", "true"},
					   {"BlockName", n->block_name}};
		rc = call(&s, "AllocateBlock", in, 4, "BlockHandle", s.block, sizeof(s.block));
		if (rc == WSMAN_E_RETURN)
			rc = HOSTID_E_STORAGE;
		s.block_size = s.mtu;
	}
	if (rc == 0 && (size_t)plen > s.block_size)
		rc = HOSTID_E_INVALID;
	if (rc == 0) {
		/* pad with NULs so a shorter ID fully replaces a longer one */
		size_t len = s.block_size < s.mtu ? s.block_size : s.mtu;
		uint8_t *buf = calloc(1, len);
		char *b64 = NULL;
		if (buf) {
			memcpy(buf, payload, (size_t)plen);
			b64 = wsman_base64_encode(buf, len);
		}
		struct wsman_param in[] = {{"SessionHandle", s.handle},
					   {"BlockHandle", s.block},
					   {"ByteOffset", "0"},
					   {"Data", b64 ? b64 : ""}};
		rc = b64 ? call(&s, "WriteBlock", in, 4, NULL, NULL, 0) : WSMAN_E_NOMEM;
		if (rc == WSMAN_E_RETURN)
			rc = HOSTID_E_STORAGE;
		free(b64);
		free(buf);
	}
	close_session(&s);
	return rc;
}

int hostid_3pds_clear(struct wsman_client *c, const struct hostid_names *n,
		      const uint8_t uuid[16], struct wsman_error *err)
{
	struct session s = {.c = c, .err = err};
	int rc = open_session(&s, n, uuid);
	if (rc == 0)
		rc = find_block(&s, n->block_name);
	if (rc == 0 && !s.block[0])
		rc = HOSTID_NONE;
	if (rc == 0) {
		struct wsman_param in[] = {{"SessionHandle", s.handle}, {"BlockHandle", s.block}};
		rc = call(&s, "DeallocateBlock", in, 2, NULL, NULL, 0);
		if (rc == WSMAN_E_RETURN)
			rc = HOSTID_E_STORAGE;
	}
	close_session(&s);
	return rc;
}

void hostid_3pds_describe(int rc, const struct hostid_names *n, const struct wsman_error *err,
			  char *out, size_t cap)
{
	char detail[512];
	switch (rc) {
	case HOSTID_E_NO_3PDS:
		snprintf(out, cap, "this AMT firmware has no third-party data storage (AMT 12 and later)");
		return;
	case HOSTID_E_REGISTER:
		snprintf(out, cap,
			 "AMT refused to register the application (ReturnValue %u) — check that the "
			 "3PDS enterprise entry \"%s\" exists in AMT (an administrator adds it with "
			 "AddStorageEaclEntry)",
			 err->return_value, n->enterprise);
		return;
	case HOSTID_E_STORAGE:
		snprintf(out, cap, "AMT storage refused the request (ReturnValue %u)",
			 err->return_value);
		return;
	case HOSTID_E_FORMAT:
		snprintf(out, cap, "the storage block \"%s\" does not hold a host ID in our format",
			 n->block_name);
		return;
	case HOSTID_E_INVALID:
		snprintf(out, cap, "a host ID is 1 to %d printable characters without spaces",
			 HOSTID_MAX);
		return;
	default:
		wsman_error_format(err, detail, sizeof(detail));
		snprintf(out, cap, "%s", detail);
		return;
	}
}
