// SPDX-License-Identifier: Apache-2.0
/*
 * test_apf_codec.c - unit tests for proto/apf_codec.c.
 *
 * Owns: known-good APF byte vectors written out from the layouts in
 * protocol-facts.md section 6.3 (decode -> fields, encode -> same bytes),
 * truncation sweeps over every message with exact-size heap copies (so ASan
 * sees any over-read), trailing-byte and over-cap rejection, and stream
 * framing of partial and concatenated input.
 * Must not: use any other module of the agent, or derive expected bytes from
 * the codec under test.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "apf_codec.h"

/* A byte vector as a string literal: sizeof - 1 is its length. Hex escapes
 * are closed with "" before text so "\x12" "auth" never merges. */
#define S(lit) { (lit), (uint32_t)(sizeof(lit) - 1u) }

struct vector {
	const char *name;
	const uint8_t *bytes;
	size_t len;
	enum apf_success_form rs; /* how a stream receiver frames it */
	struct apf_msg expect;
};

#define VEC(name_, lit, rs_, ...) \
	{ name_, (const uint8_t *)(lit), sizeof(lit) - 1u, rs_, __VA_ARGS__ }
#define AMB APF_SUCCESS_AMBIGUOUS
#define Z8 "\0\0\0\0\0\0\0\0"

static const struct vector vectors[] = {
	VEC("PROTOCOLVERSION 1.0 LME request",
	    "\xC0" "\x00\x00\x00\x01" "\x00\x00\x00\x00" "\x00\x00\x00\xFE"
	    "\x00\x11\x22\x33\x44\x55\x66\x77\x88\x99\xAA\xBB\xCC\xDD\xEE\xFF"
	    Z8 Z8 Z8 Z8 Z8 Z8 Z8 Z8, AMB,
	    { .type = APF_PROTOCOLVERSION,
	      .protocol_version = { .major = 1, .minor = 0, .trigger = APF_TRIGGER_LME_REQUEST,
				    .uuid = { 0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88,
					      0x99, 0xAA, 0xBB, 0xCC, 0xDD, 0xEE, 0xFF } } }),
	VEC("DISCONNECT protocol error", "\x01" "\x00\x00\x00\x02" "\x00\x00", AMB,
	    { .type = APF_DISCONNECT, .disconnect = { .reason = APF_DISCONNECT_PROTOCOL_ERROR } }),
	VEC("SERVICE_REQUEST auth", "\x05" "\x00\x00\x00\x12" "auth@amt.intel.com", AMB,
	    { .type = APF_SERVICE_REQUEST, .service = { .name = S("auth@amt.intel.com") } }),
	VEC("SERVICE_ACCEPT pfwd", "\x06" "\x00\x00\x00\x12" "pfwd@amt.intel.com", AMB,
	    { .type = APF_SERVICE_ACCEPT, .service = { .name = S("pfwd@amt.intel.com") } }),
	VEC("USERAUTH_REQUEST none",
	    "\x32" "\x00\x00\x00\x05" "admin" "\x00\x00\x00\x12" "pfwd@amt.intel.com"
	    "\x00\x00\x00\x04" "none", AMB,
	    { .type = APF_USERAUTH_REQUEST,
	      .userauth_request = { .user = S("admin"), .service = S("pfwd@amt.intel.com"),
				    .method = APF_AUTH_METHOD_NONE, .method_name = S("none") } }),
	VEC("USERAUTH_REQUEST password",
	    "\x32" "\x00\x00\x00\x07" "mpsuser" "\x00\x00\x00\x12" "pfwd@amt.intel.com"
	    "\x00\x00\x00\x08" "password" "\x00" "\x00\x00\x00\x08" "P@ssw0rd", AMB,
	    { .type = APF_USERAUTH_REQUEST,
	      .userauth_request = { .user = S("mpsuser"), .service = S("pfwd@amt.intel.com"),
				    .method = APF_AUTH_METHOD_PASSWORD,
				    .method_name = S("password"), .change = 0,
				    .password = S("P@ssw0rd") } }),
	VEC("USERAUTH_FAILURE", "\x33" "\x00\x00\x00\x08" "password" "\x00", AMB,
	    { .type = APF_USERAUTH_FAILURE,
	      .userauth_failure = { .methods = S("password"), .partial_success = 0 } }),
	VEC("USERAUTH_SUCCESS", "\x34", AMB, { .type = APF_USERAUTH_SUCCESS }),
	VEC("GLOBAL_REQUEST tcpip-forward 127.0.0.1:16992",
	    "\x50" "\x00\x00\x00\x0D" "tcpip-forward" "\x01" "\x00\x00\x00\x09" "127.0.0.1"
	    "\x00\x00\x42\x60", AMB,
	    { .type = APF_GLOBAL_REQUEST,
	      .global_request = { .kind = APF_GREQ_TCPIP, .name = S("tcpip-forward"),
				  .want_reply = 1, .addr = S("127.0.0.1"), .port = 16992 } }),
	VEC("GLOBAL_REQUEST cancel-tcpip-forward 0.0.0.0:623",
	    "\x50" "\x00\x00\x00\x14" "cancel-tcpip-forward" "\x01" "\x00\x00\x00\x07" "0.0.0.0"
	    "\x00\x00\x02\x6F", AMB,
	    { .type = APF_GLOBAL_REQUEST,
	      .global_request = { .kind = APF_GREQ_CANCEL_TCPIP,
				  .name = S("cancel-tcpip-forward"), .want_reply = 1,
				  .addr = S("0.0.0.0"), .port = 623 } }),
	VEC("GLOBAL_REQUEST udp-send-to",
	    "\x50" "\x00\x00\x00\x19" "udp-send-to@amt.intel.com" "\x00"
	    "\x00\x00\x00\x0C" "192.168.1.10" "\x00\x00\x00\xA2"
	    "\x00\x00\x00\x08" "10.0.0.5" "\x00\x00\x04\x00"
	    "\x00\x00\x00\x04" "\xDE\xAD\xBE\xEF", AMB,
	    { .type = APF_GLOBAL_REQUEST,
	      .global_request = { .kind = APF_GREQ_UDP_SEND,
				  .name = S("udp-send-to@amt.intel.com"), .want_reply = 0,
				  .addr = S("192.168.1.10"), .port = 162,
				  .orig_addr = S("10.0.0.5"), .orig_port = 1024,
				  .data = (const uint8_t *)"\xDE\xAD\xBE\xEF", .data_len = 4 } }),
	VEC("REQUEST_SUCCESS port 16992", "\x51" "\x00\x00\x42\x60", APF_SUCCESS_WITH_PORT,
	    { .type = APF_REQUEST_SUCCESS, .request_success = { .has_port = true, .port = 16992 } }),
	VEC("REQUEST_SUCCESS bare", "\x51", APF_SUCCESS_NO_PORT, { .type = APF_REQUEST_SUCCESS }),
	VEC("REQUEST_FAILURE", "\x52", AMB, { .type = APF_REQUEST_FAILURE }),
	VEC("CHANNEL_OPEN forwarded-tcpip to 127.0.0.1:16992",
	    "\x5A" "\x00\x00\x00\x0F" "forwarded-tcpip" "\x00\x00\x00\x01" "\x00\x00\x10\x00"
	    "\xFF\xFF\xFF\xFF" "\x00\x00\x00\x09" "127.0.0.1" "\x00\x00\x42\x60"
	    "\x00\x00\x00\x09" "127.0.0.1" "\x00\x00\xC3\x50", AMB,
	    { .type = APF_CHANNEL_OPEN,
	      .channel_open = { .kind = APF_CHAN_FORWARDED, .type_name = S("forwarded-tcpip"),
				.sender = 1, .window = 4096, .reserved = 0xFFFFFFFFu,
				.addr = S("127.0.0.1"), .port = 16992,
				.orig_addr = S("127.0.0.1"), .orig_port = 50000 } }),
	VEC("CHANNEL_OPEN direct-tcpip",
	    "\x5A" "\x00\x00\x00\x0C" "direct-tcpip" "\x00\x00\x00\x07" "\x00\x00\x10\x00"
	    "\xFF\xFF\xFF\xFF" "\x00\x00\x00\x0B" "192.168.1.2" "\x00\x00\x01\xBB"
	    "\x00\x00\x00\x07" "0.0.0.0" "\x00\x00\x00\x00", AMB,
	    { .type = APF_CHANNEL_OPEN,
	      .channel_open = { .kind = APF_CHAN_DIRECT, .type_name = S("direct-tcpip"),
				.sender = 7, .window = 4096, .reserved = 0xFFFFFFFFu,
				.addr = S("192.168.1.2"), .port = 443,
				.orig_addr = S("0.0.0.0"), .orig_port = 0 } }),
	VEC("CHANNEL_OPEN_CONFIRMATION",
	    "\x5B" "\x00\x00\x00\x01" "\x00\x00\x00\x10" "\x00\x00\x40\x00" "\xFF\xFF\xFF\xFF", AMB,
	    { .type = APF_CHANNEL_OPEN_CONFIRMATION,
	      .open_confirmation = { .recipient = 1, .sender = 16, .window = 16384,
				     .reserved = 0xFFFFFFFFu } }),
	VEC("CHANNEL_OPEN_FAILURE connect failed",
	    "\x5C" "\x00\x00\x00\x01" "\x00\x00\x00\x02" "\x00\x00\x00\x00" "\x00\x00\x00\x00", AMB,
	    { .type = APF_CHANNEL_OPEN_FAILURE,
	      .open_failure = { .recipient = 1, .reason = APF_OPEN_FAILURE_CONNECT_FAILED } }),
	VEC("CHANNEL_WINDOW_ADJUST", "\x5D" "\x00\x00\x00\x10" "\x00\x00\x04\x00", AMB,
	    { .type = APF_CHANNEL_WINDOW_ADJUST,
	      .window_adjust = { .recipient = 16, .bytes_to_add = 1024 } }),
	VEC("CHANNEL_DATA", "\x5E" "\x00\x00\x00\x10" "\x00\x00\x00\x05" "GET /", AMB,
	    { .type = APF_CHANNEL_DATA,
	      .channel_data = { .recipient = 16, .data = (const uint8_t *)"GET /", .len = 5 } }),
	VEC("CHANNEL_DATA empty", "\x5E" "\x00\x00\x00\x10" "\x00\x00\x00\x00", AMB,
	    { .type = APF_CHANNEL_DATA, .channel_data = { .recipient = 16 } }),
	VEC("CHANNEL_CLOSE", "\x61" "\x00\x00\x00\x10", AMB,
	    { .type = APF_CHANNEL_CLOSE, .channel_close = { .recipient = 16 } }),
	VEC("KEEPALIVE_REQUEST", "\xD0" "\x12\x34\x56\x78", AMB,
	    { .type = APF_KEEPALIVE_REQUEST, .keepalive = { .cookie = 0x12345678u } }),
	VEC("KEEPALIVE_REPLY", "\xD1" "\x12\x34\x56\x78", AMB,
	    { .type = APF_KEEPALIVE_REPLY, .keepalive = { .cookie = 0x12345678u } }),
	VEC("KEEPALIVE_OPTIONS_REQUEST", "\xD2" "\x00\x00\x00\x1E" "\x00\x00\x00\x3C", AMB,
	    { .type = APF_KEEPALIVE_OPTIONS_REQUEST,
	      .keepalive_options = { .interval = 30, .timeout = 60 } }),
	VEC("KEEPALIVE_OPTIONS_REPLY", "\xD3" "\x00\x00\x00\x1E" "\x00\x00\x00\x3C", AMB,
	    { .type = APF_KEEPALIVE_OPTIONS_REPLY,
	      .keepalive_options = { .interval = 30, .timeout = 60 } }),
};
#define NVEC (sizeof(vectors) / sizeof(vectors[0]))

/* ---- helpers ---- */

static uint8_t *dup_exact(const uint8_t *p, size_t n)
{
	if (n == 0)
		return NULL; /* decoders take (NULL, 0) */
	uint8_t *b = malloc(n);
	assert_non_null(b);
	memcpy(b, p, n);
	return b;
}

static void assert_str(struct apf_str got, struct apf_str want)
{
	assert_int_equal(got.len, want.len);
	if (want.len)
		assert_memory_equal(got.p, want.p, want.len);
}

static void assert_blob(const uint8_t *got, uint32_t got_len, const uint8_t *want,
			uint32_t want_len)
{
	assert_int_equal(got_len, want_len);
	if (want_len)
		assert_memory_equal(got, want, want_len);
}

static void assert_msg_equal(const struct apf_msg *g, const struct apf_msg *e)
{
	assert_int_equal(g->type, e->type);
	switch (e->type) {
	case APF_DISCONNECT:
		assert_int_equal(g->disconnect.reason, e->disconnect.reason);
		assert_int_equal(g->disconnect.reserved, e->disconnect.reserved);
		break;
	case APF_SERVICE_REQUEST:
	case APF_SERVICE_ACCEPT:
		assert_str(g->service.name, e->service.name);
		break;
	case APF_USERAUTH_REQUEST: {
		const struct apf_userauth_request *a = &g->userauth_request, *b = &e->userauth_request;
		assert_str(a->user, b->user);
		assert_str(a->service, b->service);
		assert_int_equal(a->method, b->method);
		assert_str(a->method_name, b->method_name);
		assert_int_equal(a->change, b->change);
		assert_str(a->password, b->password);
		assert_blob(a->extra, a->extra_len, b->extra, b->extra_len);
		break;
	}
	case APF_USERAUTH_FAILURE:
		assert_str(g->userauth_failure.methods, e->userauth_failure.methods);
		assert_int_equal(g->userauth_failure.partial_success,
				 e->userauth_failure.partial_success);
		break;
	case APF_GLOBAL_REQUEST: {
		const struct apf_global_request *a = &g->global_request, *b = &e->global_request;
		assert_int_equal(a->kind, b->kind);
		assert_str(a->name, b->name);
		assert_int_equal(a->want_reply, b->want_reply);
		assert_str(a->addr, b->addr);
		assert_int_equal(a->port, b->port);
		assert_str(a->orig_addr, b->orig_addr);
		assert_int_equal(a->orig_port, b->orig_port);
		assert_blob(a->data, a->data_len, b->data, b->data_len);
		break;
	}
	case APF_REQUEST_SUCCESS:
		assert_int_equal(g->request_success.has_port, e->request_success.has_port);
		assert_int_equal(g->request_success.port, e->request_success.port);
		break;
	case APF_CHANNEL_OPEN: {
		const struct apf_channel_open *a = &g->channel_open, *b = &e->channel_open;
		assert_int_equal(a->kind, b->kind);
		assert_str(a->type_name, b->type_name);
		assert_int_equal(a->sender, b->sender);
		assert_int_equal(a->window, b->window);
		assert_int_equal(a->reserved, b->reserved);
		assert_str(a->addr, b->addr);
		assert_int_equal(a->port, b->port);
		assert_str(a->orig_addr, b->orig_addr);
		assert_int_equal(a->orig_port, b->orig_port);
		assert_blob(a->extra, a->extra_len, b->extra, b->extra_len);
		break;
	}
	case APF_CHANNEL_OPEN_CONFIRMATION:
		assert_memory_equal(&g->open_confirmation, &e->open_confirmation,
				    sizeof(g->open_confirmation));
		break;
	case APF_CHANNEL_OPEN_FAILURE:
		assert_memory_equal(&g->open_failure, &e->open_failure, sizeof(g->open_failure));
		break;
	case APF_CHANNEL_WINDOW_ADJUST:
		assert_int_equal(g->window_adjust.recipient, e->window_adjust.recipient);
		assert_int_equal(g->window_adjust.bytes_to_add, e->window_adjust.bytes_to_add);
		break;
	case APF_CHANNEL_DATA:
		assert_int_equal(g->channel_data.recipient, e->channel_data.recipient);
		assert_blob(g->channel_data.data, g->channel_data.len, e->channel_data.data,
			    e->channel_data.len);
		break;
	case APF_CHANNEL_CLOSE:
		assert_int_equal(g->channel_close.recipient, e->channel_close.recipient);
		break;
	case APF_PROTOCOLVERSION:
		assert_memory_equal(&g->protocol_version, &e->protocol_version,
				    sizeof(g->protocol_version));
		break;
	case APF_KEEPALIVE_REQUEST:
	case APF_KEEPALIVE_REPLY:
		assert_int_equal(g->keepalive.cookie, e->keepalive.cookie);
		break;
	case APF_KEEPALIVE_OPTIONS_REQUEST:
	case APF_KEEPALIVE_OPTIONS_REPLY:
		assert_int_equal(g->keepalive_options.interval, e->keepalive_options.interval);
		assert_int_equal(g->keepalive_options.timeout, e->keepalive_options.timeout);
		break;
	default:
		break; /* USERAUTH_SUCCESS, REQUEST_FAILURE: no body */
	}
}

static void assert_encodes_to(const struct apf_msg *m, const uint8_t *want, size_t want_len)
{
	uint8_t *buf = malloc(want_len); /* exact size: an overrun is an ASan error */
	size_t n = 99;

	assert_non_null(buf);
	assert_int_equal(apf_encode(m, buf, want_len, &n), 0);
	assert_int_equal(n, want_len);
	assert_memory_equal(buf, want, want_len);
	/* one byte short: NOSPACE, nothing reported written */
	assert_int_equal(apf_encode(m, buf, want_len - 1, &n), PROTO_E_NOSPACE);
	assert_int_equal(n, 0);
	free(buf);
}

/* ---- one test per vector ---- */

static void t_vector(void **state)
{
	const struct vector *v = *state;
	struct apf_msg m;
	size_t n;
	uint8_t *b = dup_exact(v->bytes, v->len);

	/* decode -> fields; the payload of CHANNEL_DATA is borrowed in place */
	assert_int_equal(apf_decode(b, v->len, &m), 0);
	assert_msg_equal(&m, &v->expect);
	if (m.type == APF_CHANNEL_DATA && m.channel_data.len)
		assert_ptr_equal(m.channel_data.data, b + APF_CHANNEL_DATA_HDR_LEN);
	assert_string_equal(apf_msg_name(m.type), apf_msg_name(v->bytes[0]));
	assert_string_not_equal(apf_msg_name(m.type), "UNKNOWN");

	/* encode (from the table and from the decoded struct) -> same bytes */
	assert_encodes_to(&v->expect, v->bytes, v->len);
	assert_encodes_to(&m, v->bytes, v->len);

	/* stream framing of the whole message, alone */
	assert_int_equal(apf_frame_length_ex(b, v->len, v->rs, &n), 0);
	assert_int_equal(n, v->len);
	if (v->bytes[0] == APF_REQUEST_SUCCESS)
		assert_int_equal(apf_frame_length(b, v->len, &n), PROTO_E_NOT_SUPPORTED);
	else
		assert_int_equal(apf_frame_length(b, v->len, &n), 0);

	/* truncation sweep: every strict prefix is SHORT, decoded and framed */
	for (size_t k = 0; k < v->len; k++) {
		uint8_t *p = dup_exact(v->bytes, k);
		int rc = apf_decode(p, k, &m);
		if (k == 1 && v->expect.type == APF_REQUEST_SUCCESS)
			/* the 1-byte prefix of the 5-byte form is the 1-byte form */
			assert_int_equal(rc, 0);
		else
			assert_int_equal(rc, PROTO_E_SHORT);
		assert_int_equal(apf_frame_length_ex(p, k, v->rs, &n), PROTO_E_SHORT);
		free(p);
	}

	/* one trailing byte */
	uint8_t *t = malloc(v->len + 1);
	assert_non_null(t);
	memcpy(t, v->bytes, v->len);
	t[v->len] = 0;
	if (v->expect.type == APF_REQUEST_SUCCESS && !v->expect.request_success.has_port)
		/* "81 00" is a truncated 5-byte form, not a 1-byte one + garbage */
		assert_int_equal(apf_decode(t, v->len + 1, &m), PROTO_E_SHORT);
	else
		assert_int_equal(apf_decode(t, v->len + 1, &m), PROTO_E_TRAILING);
	/* ... which a stream framer leaves for the next message */
	assert_int_equal(apf_frame_length_ex(t, v->len + 1, v->rs, &n), 0);
	assert_int_equal(n, v->len);
	free(t);
	free(b);
}

/* ---- fixed tests ---- */

/* All vectors back to back, framed first in one piece, then as a stream
 * arriving one byte at a time. */
static void t_stream_concatenated(void **state)
{
	size_t total = 0, off = 0, have = 0, n;
	struct apf_msg m;
	(void)state;

	for (size_t i = 0; i < NVEC; i++)
		total += vectors[i].len;
	uint8_t *s = malloc(total);
	assert_non_null(s);
	for (size_t i = 0; i < NVEC; i++) {
		memcpy(s + off, vectors[i].bytes, vectors[i].len);
		off += vectors[i].len;
	}

	off = 0;
	for (size_t i = 0; i < NVEC; i++) {
		assert_int_equal(apf_frame_length_ex(s + off, total - off, vectors[i].rs, &n), 0);
		assert_int_equal(n, vectors[i].len);
		assert_int_equal(apf_decode(s + off, n, &m), 0);
		assert_msg_equal(&m, &vectors[i].expect);
		off += n;
	}
	assert_int_equal(off, total);

	/* byte-at-a-time reassembly: s[off .. have) is what has arrived */
	off = 0;
	size_t i = 0;
	for (have = 1; have <= total; have++) {
		int rc = apf_frame_length_ex(s + off, have - off, vectors[i].rs, &n);
		if (rc == PROTO_E_SHORT)
			continue;
		assert_int_equal(rc, 0);
		assert_int_equal(n, vectors[i].len);
		assert_int_equal(have - off, n); /* complete on its last byte, not later */
		assert_int_equal(apf_decode(s + off, n, &m), 0);
		assert_msg_equal(&m, &vectors[i].expect);
		off += n;
		i++;
	}
	assert_int_equal(i, NVEC);
	free(s);
}

/* Prefixes whose length field is over its cap: TOO_LARGE from both the
 * decoder and the framer, before any of the counted bytes arrive. */
static void t_over_cap_lengths(void **state)
{
	static const struct {
		const char *what;
		const uint8_t *b;
		size_t len;
	} c[] = {
#define OC(w, lit) { w, (const uint8_t *)(lit), sizeof(lit) - 1u }
		OC("service name ~0", "\x05" "\xFF\xFF\xFF\xFF"),
		OC("service name 257", "\x06" "\x00\x00\x01\x01"),
		OC("user 257", "\x32" "\x00\x00\x01\x01"),
		OC("auth service ~0", "\x32" "\x00\x00\x00\x00" "\xFF\xFF\xFF\xFF"),
		OC("auth method 257", "\x32" "\x00\x00\x00\x00" "\x00\x00\x00\x00" "\x00\x00\x01\x01"),
		OC("password ~0", "\x32" "\x00\x00\x00\x00" "\x00\x00\x00\x00" "\x00\x00\x00\x08"
				  "password" "\x00" "\xFF\xFF\xFF\xFF"),
		OC("failure methods 257", "\x33" "\x00\x00\x01\x01"),
		OC("greq name ~0", "\x50" "\xFF\xFF\xFF\xFF"),
		OC("greq addr 257", "\x50" "\x00\x00\x00\x0D" "tcpip-forward" "\x01"
				    "\x00\x00\x01\x01"),
		OC("udp orig 257", "\x50" "\x00\x00\x00\x19" "udp-send-to@amt.intel.com" "\x00"
				   "\x00\x00\x00\x00" "\x00\x00\x00\x00" "\x00\x00\x01\x01"),
		OC("udp data 65537", "\x50" "\x00\x00\x00\x19" "udp-send-to@amt.intel.com" "\x00"
				     "\x00\x00\x00\x00" "\x00\x00\x00\x00" "\x00\x00\x00\x00"
				     "\x00\x00\x00\x00" "\x00\x01\x00\x01"),
		OC("open type ~0", "\x5A" "\xFF\xFF\xFF\xFF"),
		OC("open addr 257", "\x5A" "\x00\x00\x00\x0C" "direct-tcpip" "\x00\x00\x00\x01"
				    "\x00\x00\x10\x00" "\xFF\xFF\xFF\xFF" "\x00\x00\x01\x01"),
		OC("open orig ~0", "\x5A" "\x00\x00\x00\x0C" "direct-tcpip" "\x00\x00\x00\x01"
				   "\x00\x00\x10\x00" "\xFF\xFF\xFF\xFF" "\x00\x00\x00\x00"
				   "\x00\x00\x00\x00" "\xFF\xFF\xFF\xFF"),
		OC("data ~0", "\x5E" "\x00\x00\x00\x10" "\xFF\xFF\xFF\xFF"),
		OC("data 65537", "\x5E" "\x00\x00\x00\x10" "\x00\x01\x00\x01"),
#undef OC
	};
	struct apf_msg m;
	size_t n;
	(void)state;

	for (size_t i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		uint8_t *b = dup_exact(c[i].b, c[i].len);
		int rd = apf_decode(b, c[i].len, &m);
		int rf = apf_frame_length_ex(b, c[i].len, APF_SUCCESS_WITH_PORT, &n);
		if (rd != PROTO_E_TOO_LARGE || rf != PROTO_E_TOO_LARGE)
			print_message("over cap case failed: %s\n", c[i].what);
		assert_int_equal(rd, PROTO_E_TOO_LARGE);
		assert_int_equal(rf, PROTO_E_TOO_LARGE);
		free(b);
	}
}

/* Exactly at the caps is accepted; the whole-message cap is separate. */
static void t_at_caps(void **state)
{
	const size_t dlen = 9 + APF_MAX_DATA, slen = 5 + APF_MAX_STRING;
	uint8_t *d = calloc(1, APF_MAX_MSG + 1);
	struct apf_msg m;
	size_t n;
	(void)state;

	assert_non_null(d);
	/* CHANNEL_DATA with 65536 bytes */
	memcpy(d, "\x5E" "\x00\x00\x00\x10" "\x00\x01\x00\x00", 9);
	assert_int_equal(apf_decode(d, dlen, &m), 0);
	assert_int_equal(m.channel_data.len, APF_MAX_DATA);
	assert_int_equal(apf_frame_length(d, APF_MAX_MSG + 1, &n), 0);
	assert_int_equal(n, dlen);
	assert_encodes_to(&m, d, dlen);
	/* the whole-message cap: a buffer longer than APF_MAX_MSG is refused */
	assert_int_equal(apf_decode(d, APF_MAX_MSG + 1, &m), PROTO_E_TOO_LARGE);
	assert_int_equal(apf_decode(d, APF_MAX_MSG, &m), PROTO_E_TRAILING);

	/* SERVICE_REQUEST with a 256-byte name */
	memset(d, 'a', slen);
	memcpy(d, "\x05" "\x00\x00\x01\x00", 5);
	assert_int_equal(apf_decode(d, slen, &m), 0);
	assert_int_equal(m.service.name.len, APF_MAX_STRING);
	assert_encodes_to(&m, d, slen);
	free(d);
}

static void t_unknown_types(void **state)
{
	static const uint8_t known[] = { 1, 5, 6, 50, 51, 52, 80, 81, 82, 90, 91,
					 92, 93, 94, 97, 192, 208, 209, 210, 211 };
	struct apf_msg m;
	size_t n;
	(void)state;

	for (unsigned t = 0; t < 256; t++) {
		uint8_t b[16] = { (uint8_t)t };
		if (memchr(known, (int)t, sizeof(known))) {
			assert_string_not_equal(apf_msg_name((uint8_t)t), "UNKNOWN");
			continue;
		}
		assert_string_equal(apf_msg_name((uint8_t)t), "UNKNOWN");
		assert_int_equal(apf_decode(b, 1, &m), PROTO_E_BAD_VALUE);
		assert_int_equal(apf_decode(b, sizeof(b), &m), PROTO_E_BAD_VALUE);
		assert_int_equal(apf_frame_length(b, 1, &n), PROTO_E_BAD_VALUE);
	}
	/* 96 (SSH CHANNEL_EOF) and 98 (CHANNEL_REQUEST) are not APF */
	assert_string_equal(apf_msg_name(96), "UNKNOWN");
	assert_string_equal(apf_msg_name(98), "UNKNOWN");
}

/* Unknown global request names, channel types and auth methods decode as
 * OTHER with the rest borrowed, round-trip, and cannot be stream-framed. */
static void t_open_ended_kinds(void **state)
{
	static const char greq[] = "\x50" "\x00\x00\x00\x15" "keepalive@openssh.com" "\x01";
	static const char chan[] = "\x5A" "\x00\x00\x00\x07" "session" "\x00\x00\x00\x02"
				   "\x00\x00\x10\x00" "\xFF\xFF\xFF\xFF" "\xAB\xCD";
	static const char auth[] = "\x32" "\x00\x00\x00\x01" "u" "\x00\x00\x00\x12"
				   "pfwd@amt.intel.com" "\x00\x00\x00\x09" "publickey" "\x00";
	struct apf_msg m;
	size_t n;
	(void)state;

	assert_int_equal(apf_decode((const uint8_t *)greq, sizeof(greq) - 1, &m), 0);
	assert_int_equal(m.global_request.kind, APF_GREQ_OTHER);
	assert_true(apf_str_eq(m.global_request.name, "keepalive@openssh.com"));
	assert_int_equal(m.global_request.want_reply, 1);
	assert_int_equal(m.global_request.data_len, 0);
	assert_encodes_to(&m, (const uint8_t *)greq, sizeof(greq) - 1);
	assert_int_equal(apf_frame_length((const uint8_t *)greq, sizeof(greq) - 1, &n),
			 PROTO_E_NOT_SUPPORTED);
	/* the want-reply byte is required */
	assert_int_equal(apf_decode((const uint8_t *)greq, sizeof(greq) - 2, &m), PROTO_E_SHORT);

	assert_int_equal(apf_decode((const uint8_t *)chan, sizeof(chan) - 1, &m), 0);
	assert_int_equal(m.channel_open.kind, APF_CHAN_OTHER);
	assert_true(apf_str_eq(m.channel_open.type_name, "session"));
	assert_int_equal(m.channel_open.sender, 2);
	assert_int_equal(m.channel_open.extra_len, 2);
	assert_memory_equal(m.channel_open.extra, "\xAB\xCD", 2);
	assert_encodes_to(&m, (const uint8_t *)chan, sizeof(chan) - 1);
	assert_int_equal(apf_frame_length((const uint8_t *)chan, sizeof(chan) - 1, &n),
			 PROTO_E_NOT_SUPPORTED);
	/* the common fields (sender, window, reserved) are required */
	assert_int_equal(apf_decode((const uint8_t *)chan, sizeof(chan) - 4, &m), PROTO_E_SHORT);

	assert_int_equal(apf_decode((const uint8_t *)auth, sizeof(auth) - 1, &m), 0);
	assert_int_equal(m.userauth_request.method, APF_AUTH_METHOD_OTHER);
	assert_true(apf_str_eq(m.userauth_request.method_name, "publickey"));
	assert_int_equal(m.userauth_request.extra_len, 1);
	assert_encodes_to(&m, (const uint8_t *)auth, sizeof(auth) - 1);
	assert_int_equal(apf_frame_length((const uint8_t *)auth, sizeof(auth) - 1, &n),
			 PROTO_E_NOT_SUPPORTED);
}

/* PROTOCOLVERSION reserved bytes, DISCONNECT/OPEN_FAILURE reserved words and
 * the password "change" byte are carried as received, so re-encoding is
 * byte-exact even for a peer that does not zero them. */
static void t_reserved_carried(void **state)
{
	uint8_t pv[APF_PROTOCOLVERSION_LEN] = { 0xC0, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 1 };
	static const char disc[] = "\x01" "\x00\x00\x00\x0B" "\xBE\xEF";
	struct apf_msg m;
	(void)state;

	pv[APF_PROTOCOLVERSION_LEN - 1] = 0x5A;
	assert_int_equal(apf_decode(pv, sizeof(pv), &m), 0);
	assert_int_equal(m.protocol_version.minor, 1);
	assert_int_equal(m.protocol_version.trigger, APF_TRIGGER_USER_INITIATED);
	assert_int_equal(m.protocol_version.reserved[APF_PV_RESERVED_LEN - 1], 0x5A);
	assert_encodes_to(&m, pv, sizeof(pv));

	assert_int_equal(apf_decode((const uint8_t *)disc, APF_DISCONNECT_LEN, &m), 0);
	assert_int_equal(m.disconnect.reason, APF_DISCONNECT_BY_APPLICATION);
	assert_int_equal(m.disconnect.reserved, 0xBEEF);
	assert_encodes_to(&m, (const uint8_t *)disc, APF_DISCONNECT_LEN);
}

static void t_encode_rejects(void **state)
{
	uint8_t buf[512];
	size_t n;
	char big[APF_MAX_STRING + 1];
	(void)state;

	memset(big, 'x', sizeof(big));
	struct apf_msg m = { .type = APF_SERVICE_REQUEST,
			     .service = { .name = { big, APF_MAX_STRING + 1 } } };
	assert_int_equal(apf_encode(&m, buf, sizeof(buf), &n), PROTO_E_TOO_LARGE);
	m.service.name.len = APF_MAX_STRING;
	assert_int_equal(apf_encode(&m, buf, sizeof(buf), &n), 0);
	assert_int_equal(n, 5 + APF_MAX_STRING);
	m.service.name.p = NULL;
	assert_int_equal(apf_encode(&m, buf, sizeof(buf), &n), PROTO_E_INVALID_ARG);
	m.service.name.len = 0; /* NULL with length 0 is the empty string */
	assert_int_equal(apf_encode(&m, buf, sizeof(buf), &n), 0);
	assert_int_equal(n, 5);

	struct apf_msg d = { .type = APF_CHANNEL_DATA,
			     .channel_data = { .data = buf, .len = APF_MAX_DATA + 1 } };
	assert_int_equal(apf_encode(&d, buf, sizeof(buf), &n), PROTO_E_TOO_LARGE);
	d.channel_data.data = NULL;
	d.channel_data.len = 1;
	assert_int_equal(apf_encode(&d, buf, sizeof(buf), &n), PROTO_E_INVALID_ARG);

	struct apf_msg u = { .type = 3 };
	assert_int_equal(apf_encode(&u, buf, sizeof(buf), &n), PROTO_E_BAD_VALUE);

	/* OTHER must not smuggle a known name; kinds must be in range */
	struct apf_msg g = { .type = APF_GLOBAL_REQUEST,
			     .global_request = { .kind = APF_GREQ_OTHER,
						 .name = APF_STR(APF_GREQ_TCPIP_FORWARD) } };
	assert_int_equal(apf_encode(&g, buf, sizeof(buf), &n), PROTO_E_BAD_VALUE);
	g.global_request.kind = (enum apf_greq_kind)7;
	assert_int_equal(apf_encode(&g, buf, sizeof(buf), &n), PROTO_E_BAD_VALUE);
	struct apf_msg c = { .type = APF_CHANNEL_OPEN,
			     .channel_open = { .kind = APF_CHAN_OTHER,
					       .type_name = APF_STR(APF_CHANNEL_TYPE_DIRECT) } };
	assert_int_equal(apf_encode(&c, buf, sizeof(buf), &n), PROTO_E_BAD_VALUE);
	c.channel_open.kind = (enum apf_channel_kind)7;
	assert_int_equal(apf_encode(&c, buf, sizeof(buf), &n), PROTO_E_BAD_VALUE);
	struct apf_msg a = { .type = APF_USERAUTH_REQUEST,
			     .userauth_request = { .method = APF_AUTH_METHOD_OTHER,
						   .method_name = APF_STR("none") } };
	assert_int_equal(apf_encode(&a, buf, sizeof(buf), &n), PROTO_E_BAD_VALUE);
	a.userauth_request.method = (enum apf_auth_method)7;
	assert_int_equal(apf_encode(&a, buf, sizeof(buf), &n), PROTO_E_BAD_VALUE);

	assert_int_equal(apf_encode(NULL, buf, sizeof(buf), &n), PROTO_E_INVALID_ARG);
	assert_int_equal(apf_encode(&m, NULL, 4, &n), PROTO_E_INVALID_ARG);
	assert_int_equal(apf_encode(&m, NULL, 0, &n), PROTO_E_NOSPACE);
}

/* Several messages appended to one writer, as a CIRA sender would; a failed
 * append leaves nothing partial behind and the overflow stays sticky. */
static void t_encode_writer(void **state)
{
	uint8_t buf[24];
	struct wire_wr w;
	struct apf_msg close = { .type = APF_CHANNEL_CLOSE, .channel_close = { .recipient = 16 } };
	struct apf_msg adj = { .type = APF_CHANNEL_WINDOW_ADJUST,
			       .window_adjust = { .recipient = 16, .bytes_to_add = 1024 } };
	struct apf_msg data = { .type = APF_CHANNEL_DATA,
				.channel_data = { .recipient = 16,
						  .data = (const uint8_t *)"GET /", .len = 5 } };
	(void)state;

	wire_wr_init(&w, buf, sizeof(buf));
	assert_int_equal(apf_encode_wr(&w, &close), 0);
	assert_int_equal(apf_encode_wr(&w, &adj), 0);
	assert_int_equal(w.len, 14);
	assert_memory_equal(buf, "\x61" "\x00\x00\x00\x10" "\x5D" "\x00\x00\x00\x10"
				 "\x00\x00\x04\x00", 14);
	assert_int_equal(apf_encode_wr(&w, &data), PROTO_E_NOSPACE); /* needs 14 more */
	assert_int_equal(w.len, 14);
	assert_int_equal(apf_encode_wr(&w, &close), PROTO_E_NOSPACE); /* sticky */
	assert_int_equal(w.len, 14);
}

static void t_decode_args(void **state)
{
	struct apf_msg m;
	size_t n;
	(void)state;

	assert_int_equal(apf_decode(NULL, 0, &m), PROTO_E_SHORT);
	assert_int_equal(apf_decode(NULL, 1, &m), PROTO_E_INVALID_ARG);
	assert_int_equal(apf_decode((const uint8_t *)"\x34", 1, NULL), PROTO_E_INVALID_ARG);
	assert_int_equal(apf_frame_length(NULL, 0, &n), PROTO_E_SHORT);
	assert_int_equal(apf_frame_length((const uint8_t *)"\x34", 1, NULL), PROTO_E_INVALID_ARG);
	assert_int_equal(apf_frame_length_ex((const uint8_t *)"\x34", 1, (enum apf_success_form)9,
					     &n), PROTO_E_INVALID_ARG);
	/* REQUEST_SUCCESS: 2..4 bytes are a truncated port, 6 bytes trailing */
	assert_int_equal(apf_decode((const uint8_t *)"\x51\x00\x00", 3, &m), PROTO_E_SHORT);
	assert_int_equal(apf_decode((const uint8_t *)"\x51\x00\x00\x42\x60\x00", 6, &m),
			 PROTO_E_TRAILING);
	assert_int_equal(apf_frame_length((const uint8_t *)"\x51", 1, &n), PROTO_E_NOT_SUPPORTED);
}

static void t_str_eq(void **state)
{
	(void)state;
	assert_true(apf_str_eq(APF_STR("pfwd@amt.intel.com"), APF_SERVICE_PFWD));
	assert_false(apf_str_eq(APF_STR("pfwd@amt.intel.co"), APF_SERVICE_PFWD));
	assert_false(apf_str_eq(APF_STR("auth@amt.intel.com"), APF_SERVICE_PFWD));
	assert_true(apf_str_eq((struct apf_str){ NULL, 0 }, ""));
	assert_int_equal(APF_STR(APF_SERVICE_AUTH).len, 18);
	assert_int_equal(APF_STR(APF_CHANNEL_TYPE_FORWARDED).len, 15);
	assert_int_equal(APF_STR(APF_CHANNEL_TYPE_DIRECT).len, 12);
}

static void t_vector_sizes(void **state)
{
	(void)state;
	/* sizes the spec states outright */
	assert_int_equal(vectors[0].len, APF_PROTOCOLVERSION_LEN);
	assert_int_equal(vectors[1].len, APF_DISCONNECT_LEN);
	for (size_t i = 0; i < NVEC; i++) {
		switch (vectors[i].expect.type) {
		case APF_CHANNEL_OPEN_CONFIRMATION:
		case APF_CHANNEL_OPEN_FAILURE:
			assert_int_equal(vectors[i].len, 17);
			break;
		case APF_CHANNEL_WINDOW_ADJUST:
			assert_int_equal(vectors[i].len, 9);
			break;
		case APF_CHANNEL_CLOSE:
			assert_int_equal(vectors[i].len, 5);
			break;
		case APF_CHANNEL_DATA:
			assert_int_equal(vectors[i].len,
					 APF_CHANNEL_DATA_HDR_LEN + vectors[i].expect.channel_data.len);
			break;
		default:
			break;
		}
	}
}

static const struct CMUnitTest fixed[] = {
	cmocka_unit_test(t_vector_sizes),
	cmocka_unit_test(t_stream_concatenated),
	cmocka_unit_test(t_over_cap_lengths),
	cmocka_unit_test(t_at_caps),
	cmocka_unit_test(t_unknown_types),
	cmocka_unit_test(t_open_ended_kinds),
	cmocka_unit_test(t_reserved_carried),
	cmocka_unit_test(t_encode_rejects),
	cmocka_unit_test(t_encode_writer),
	cmocka_unit_test(t_decode_args),
	cmocka_unit_test(t_str_eq),
};
#define NFIXED (sizeof(fixed) / sizeof(fixed[0]))

static struct CMUnitTest all[NVEC + NFIXED];

int main(void)
{
	for (size_t i = 0; i < NVEC; i++)
		all[i] = (struct CMUnitTest){ vectors[i].name, t_vector, NULL, NULL,
					      (void *)&vectors[i] };
	for (size_t i = 0; i < NFIXED; i++)
		all[NVEC + i] = fixed[i];
	return cmocka_run_group_tests(all, NULL, NULL);
}
