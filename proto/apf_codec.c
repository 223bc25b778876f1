// SPDX-License-Identifier: Apache-2.0
/*
 * apf_codec.c - APF message encoding and decoding (see apf_codec.h).
 *
 * Owns: one parser (parse_msg) shared by apf_decode() and the stream framer
 * apf_frame_length_ex(), so framing and decoding can never disagree, and one
 * encoder that validates a message completely before writing a byte.
 * Must not: read or write anything but the caller's buffers, allocate, or
 * touch bytes except through the wire.h cursors.
 */
#include "apf_codec.h"

#include <string.h>

/* The largest message the field caps allow (udp-send-to with every string
 * at its cap and a full payload) fits the whole-message cap, so a message
 * that passes the field caps never needs the whole-message check. */
_Static_assert(1u + 4u + APF_MAX_STRING + 1u + 4u + APF_MAX_STRING + 4u + 4u + APF_MAX_STRING +
			       4u + 4u + APF_MAX_DATA <= APF_MAX_MSG,
	       "APF_MAX_MSG below the largest capped message");
_Static_assert(APF_MAX_MSG <= UINT32_MAX, "OTHER tails are counted in u32");

const char *apf_msg_name(uint8_t type)
{
	switch (type) {
	case APF_DISCONNECT: return "DISCONNECT";
	case APF_SERVICE_REQUEST: return "SERVICE_REQUEST";
	case APF_SERVICE_ACCEPT: return "SERVICE_ACCEPT";
	case APF_USERAUTH_REQUEST: return "USERAUTH_REQUEST";
	case APF_USERAUTH_FAILURE: return "USERAUTH_FAILURE";
	case APF_USERAUTH_SUCCESS: return "USERAUTH_SUCCESS";
	case APF_GLOBAL_REQUEST: return "GLOBAL_REQUEST";
	case APF_REQUEST_SUCCESS: return "REQUEST_SUCCESS";
	case APF_REQUEST_FAILURE: return "REQUEST_FAILURE";
	case APF_CHANNEL_OPEN: return "CHANNEL_OPEN";
	case APF_CHANNEL_OPEN_CONFIRMATION: return "CHANNEL_OPEN_CONFIRMATION";
	case APF_CHANNEL_OPEN_FAILURE: return "CHANNEL_OPEN_FAILURE";
	case APF_CHANNEL_WINDOW_ADJUST: return "CHANNEL_WINDOW_ADJUST";
	case APF_CHANNEL_DATA: return "CHANNEL_DATA";
	case APF_CHANNEL_CLOSE: return "CHANNEL_CLOSE";
	case APF_PROTOCOLVERSION: return "PROTOCOLVERSION";
	case APF_KEEPALIVE_REQUEST: return "KEEPALIVE_REQUEST";
	case APF_KEEPALIVE_REPLY: return "KEEPALIVE_REPLY";
	case APF_KEEPALIVE_OPTIONS_REQUEST: return "KEEPALIVE_OPTIONS_REQUEST";
	case APF_KEEPALIVE_OPTIONS_REPLY: return "KEEPALIVE_OPTIONS_REPLY";
	default: return "UNKNOWN";
	}
}

bool apf_str_eq(struct apf_str s, const char *cstr)
{
	size_t n = strlen(cstr);
	if (n != s.len)
		return false;
	return n == 0 || memcmp(s.p, cstr, n) == 0;
}

/* ------------------------------------------------------------------ */
/* decoding                                                           */
/* ------------------------------------------------------------------ */

struct parse_opts {
	bool stream;               /* framing a byte stream: open-ended bodies fail */
	enum apf_success_form rs;  /* REQUEST_SUCCESS form when streaming */
};

/* u32 length (capped before use) + bytes, borrowed. */
static int get_str(struct wire_rd *r, struct apf_str *s)
{
	uint32_t n;
	const uint8_t *p;

	WIRE_TRY(wire_get_u32be(r, &n));
	if (n > APF_MAX_STRING)
		return PROTO_E_TOO_LARGE;
	WIRE_TRY(wire_get_ptr(r, n, &p));
	s->p = (const char *)p;
	s->len = n;
	return 0;
}

/* u32 length (capped at APF_MAX_DATA before use) + bytes, borrowed. */
static int get_data(struct wire_rd *r, const uint8_t **p, uint32_t *len)
{
	uint32_t n;

	WIRE_TRY(wire_get_u32be(r, &n));
	if (n > APF_MAX_DATA)
		return PROTO_E_TOO_LARGE;
	WIRE_TRY(wire_get_ptr(r, n, p));
	*len = n;
	return 0;
}

/* The open-ended rest of an unknown kind. Its end is the message end, which
 * exists only for a whole message, never in a stream. */
static int get_rest(struct wire_rd *r, const struct parse_opts *o, const uint8_t **p,
		    uint32_t *len)
{
	size_t left = wire_rd_left(r);

	if (o->stream)
		return PROTO_E_NOT_SUPPORTED;
	/* apf_decode() capped the whole message at APF_MAX_MSG (< 2^32). */
	WIRE_TRY(wire_get_ptr(r, left, p));
	*len = (uint32_t)left;
	return 0;
}

static int parse_userauth_request(struct wire_rd *r, const struct parse_opts *o,
				  struct apf_userauth_request *u)
{
	WIRE_TRY(get_str(r, &u->user));
	WIRE_TRY(get_str(r, &u->service));
	WIRE_TRY(get_str(r, &u->method_name));
	if (apf_str_eq(u->method_name, APF_AUTH_METHOD_NONE_STR)) {
		u->method = APF_AUTH_METHOD_NONE;
		return 0;
	}
	if (apf_str_eq(u->method_name, APF_AUTH_METHOD_PASSWORD_STR)) {
		u->method = APF_AUTH_METHOD_PASSWORD;
		WIRE_TRY(wire_get_u8(r, &u->change));
		return get_str(r, &u->password);
	}
	u->method = APF_AUTH_METHOD_OTHER;
	return get_rest(r, o, &u->extra, &u->extra_len);
}

static int parse_global_request(struct wire_rd *r, const struct parse_opts *o,
				struct apf_global_request *g)
{
	WIRE_TRY(get_str(r, &g->name));
	WIRE_TRY(wire_get_u8(r, &g->want_reply));
	if (apf_str_eq(g->name, APF_GREQ_TCPIP_FORWARD) ||
	    apf_str_eq(g->name, APF_GREQ_CANCEL_TCPIP_FORWARD)) {
		g->kind = apf_str_eq(g->name, APF_GREQ_TCPIP_FORWARD) ? APF_GREQ_TCPIP
								     : APF_GREQ_CANCEL_TCPIP;
		WIRE_TRY(get_str(r, &g->addr));
		return wire_get_u32be(r, &g->port);
	}
	if (apf_str_eq(g->name, APF_GREQ_UDP_SEND_TO)) {
		g->kind = APF_GREQ_UDP_SEND;
		WIRE_TRY(get_str(r, &g->addr));
		WIRE_TRY(wire_get_u32be(r, &g->port));
		WIRE_TRY(get_str(r, &g->orig_addr));
		WIRE_TRY(wire_get_u32be(r, &g->orig_port));
		return get_data(r, &g->data, &g->data_len);
	}
	g->kind = APF_GREQ_OTHER;
	return get_rest(r, o, &g->data, &g->data_len);
}

static int parse_request_success(struct wire_rd *r, const struct parse_opts *o,
				 struct apf_request_success *s)
{
	if (o->stream) {
		switch (o->rs) {
		case APF_SUCCESS_NO_PORT:
			return 0;
		case APF_SUCCESS_WITH_PORT:
			break;
		default:
			return PROTO_E_NOT_SUPPORTED;
		}
	} else if (wire_rd_left(r) == 0) {
		return 0; /* the 1-byte form */
	}
	s->has_port = true;
	return wire_get_u32be(r, &s->port);
}

static int parse_channel_open(struct wire_rd *r, const struct parse_opts *o,
			      struct apf_channel_open *c)
{
	WIRE_TRY(get_str(r, &c->type_name));
	WIRE_TRY(wire_get_u32be(r, &c->sender));
	WIRE_TRY(wire_get_u32be(r, &c->window));
	WIRE_TRY(wire_get_u32be(r, &c->reserved));
	if (apf_str_eq(c->type_name, APF_CHANNEL_TYPE_FORWARDED))
		c->kind = APF_CHAN_FORWARDED;
	else if (apf_str_eq(c->type_name, APF_CHANNEL_TYPE_DIRECT))
		c->kind = APF_CHAN_DIRECT;
	else {
		c->kind = APF_CHAN_OTHER;
		return get_rest(r, o, &c->extra, &c->extra_len);
	}
	WIRE_TRY(get_str(r, &c->addr));
	WIRE_TRY(wire_get_u32be(r, &c->port));
	WIRE_TRY(get_str(r, &c->orig_addr));
	return wire_get_u32be(r, &c->orig_port);
}

static int parse_body(struct wire_rd *r, const struct parse_opts *o, struct apf_msg *m)
{
	switch (m->type) {
	case APF_DISCONNECT:
		WIRE_TRY(wire_get_u32be(r, &m->disconnect.reason));
		return wire_get_u16be(r, &m->disconnect.reserved);
	case APF_SERVICE_REQUEST:
	case APF_SERVICE_ACCEPT:
		return get_str(r, &m->service.name);
	case APF_USERAUTH_REQUEST:
		return parse_userauth_request(r, o, &m->userauth_request);
	case APF_USERAUTH_FAILURE:
		WIRE_TRY(get_str(r, &m->userauth_failure.methods));
		return wire_get_u8(r, &m->userauth_failure.partial_success);
	case APF_USERAUTH_SUCCESS:
	case APF_REQUEST_FAILURE:
		return 0;
	case APF_GLOBAL_REQUEST:
		return parse_global_request(r, o, &m->global_request);
	case APF_REQUEST_SUCCESS:
		return parse_request_success(r, o, &m->request_success);
	case APF_CHANNEL_OPEN:
		return parse_channel_open(r, o, &m->channel_open);
	case APF_CHANNEL_OPEN_CONFIRMATION:
		WIRE_TRY(wire_get_u32be(r, &m->open_confirmation.recipient));
		WIRE_TRY(wire_get_u32be(r, &m->open_confirmation.sender));
		WIRE_TRY(wire_get_u32be(r, &m->open_confirmation.window));
		return wire_get_u32be(r, &m->open_confirmation.reserved);
	case APF_CHANNEL_OPEN_FAILURE:
		WIRE_TRY(wire_get_u32be(r, &m->open_failure.recipient));
		WIRE_TRY(wire_get_u32be(r, &m->open_failure.reason));
		WIRE_TRY(wire_get_u32be(r, &m->open_failure.reserved1));
		return wire_get_u32be(r, &m->open_failure.reserved2);
	case APF_CHANNEL_WINDOW_ADJUST:
		WIRE_TRY(wire_get_u32be(r, &m->window_adjust.recipient));
		return wire_get_u32be(r, &m->window_adjust.bytes_to_add);
	case APF_CHANNEL_DATA:
		WIRE_TRY(wire_get_u32be(r, &m->channel_data.recipient));
		return get_data(r, &m->channel_data.data, &m->channel_data.len);
	case APF_CHANNEL_CLOSE:
		return wire_get_u32be(r, &m->channel_close.recipient);
	case APF_PROTOCOLVERSION:
		WIRE_TRY(wire_get_u32be(r, &m->protocol_version.major));
		WIRE_TRY(wire_get_u32be(r, &m->protocol_version.minor));
		WIRE_TRY(wire_get_u32be(r, &m->protocol_version.trigger));
		WIRE_TRY(wire_get_bytes(r, m->protocol_version.uuid, APF_UUID_LEN));
		return wire_get_bytes(r, m->protocol_version.reserved, APF_PV_RESERVED_LEN);
	case APF_KEEPALIVE_REQUEST:
	case APF_KEEPALIVE_REPLY:
		return wire_get_u32be(r, &m->keepalive.cookie);
	case APF_KEEPALIVE_OPTIONS_REQUEST:
	case APF_KEEPALIVE_OPTIONS_REPLY:
		WIRE_TRY(wire_get_u32be(r, &m->keepalive_options.interval));
		return wire_get_u32be(r, &m->keepalive_options.timeout);
	default:
		return PROTO_E_BAD_VALUE;
	}
}

/* Parse one message from the start of r; leaves r->off at its end. */
static int parse_msg(struct wire_rd *r, const struct parse_opts *o, struct apf_msg *m)
{
	memset(m, 0, sizeof(*m));
	WIRE_TRY(wire_get_u8(r, &m->type));
	return parse_body(r, o, m);
}

int apf_decode(const uint8_t *buf, size_t len, struct apf_msg *out)
{
	const struct parse_opts o = { .stream = false, .rs = APF_SUCCESS_AMBIGUOUS };
	struct wire_rd r;

	if (!out || (!buf && len))
		return PROTO_E_INVALID_ARG;
	if (len > APF_MAX_MSG)
		return PROTO_E_TOO_LARGE;
	wire_rd_init(&r, buf, len);
	WIRE_TRY(parse_msg(&r, &o, out));
	return wire_end(&r);
}

int apf_frame_length_ex(const uint8_t *buf, size_t len, enum apf_success_form rs,
			size_t *msg_len)
{
	const struct parse_opts o = { .stream = true, .rs = rs };
	struct apf_msg scratch;
	struct wire_rd r;

	if (!msg_len || (!buf && len))
		return PROTO_E_INVALID_ARG;
	if (rs != APF_SUCCESS_AMBIGUOUS && rs != APF_SUCCESS_NO_PORT &&
	    rs != APF_SUCCESS_WITH_PORT)
		return PROTO_E_INVALID_ARG;
	wire_rd_init(&r, buf, len);
	WIRE_TRY(parse_msg(&r, &o, &scratch));
	*msg_len = r.off; /* <= APF_MAX_MSG by the field caps (static assert) */
	return 0;
}

int apf_frame_length(const uint8_t *buf, size_t len, size_t *msg_len)
{
	return apf_frame_length_ex(buf, len, APF_SUCCESS_AMBIGUOUS, msg_len);
}

/* ------------------------------------------------------------------ */
/* encoding: validate everything, then write                          */
/* ------------------------------------------------------------------ */

static int check_blob(const void *p, uint32_t len, uint32_t cap)
{
	if (len > cap)
		return PROTO_E_TOO_LARGE;
	if (len && !p)
		return PROTO_E_INVALID_ARG;
	return 0;
}

static int check_str(struct apf_str s)
{
	return check_blob(s.p, s.len, APF_MAX_STRING);
}

/* An OTHER kind must not carry a name the decoder would parse as known. */
static int check_other_name(struct apf_str name, const char *const *known, size_t n)
{
	WIRE_TRY(check_str(name));
	for (size_t i = 0; i < n; i++)
		if (apf_str_eq(name, known[i]))
			return PROTO_E_BAD_VALUE;
	return 0;
}

static int check_userauth_request(const struct apf_userauth_request *u)
{
	static const char *const known[] = { APF_AUTH_METHOD_NONE_STR,
					     APF_AUTH_METHOD_PASSWORD_STR };

	WIRE_TRY(check_str(u->user));
	WIRE_TRY(check_str(u->service));
	switch (u->method) {
	case APF_AUTH_METHOD_NONE:
		return 0;
	case APF_AUTH_METHOD_PASSWORD:
		return check_str(u->password);
	case APF_AUTH_METHOD_OTHER:
		WIRE_TRY(check_other_name(u->method_name, known, 2));
		return check_blob(u->extra, u->extra_len, APF_MAX_MSG);
	default:
		return PROTO_E_BAD_VALUE;
	}
}

static int check_global_request(const struct apf_global_request *g)
{
	static const char *const known[] = { APF_GREQ_TCPIP_FORWARD,
					     APF_GREQ_CANCEL_TCPIP_FORWARD,
					     APF_GREQ_UDP_SEND_TO };

	switch (g->kind) {
	case APF_GREQ_TCPIP:
	case APF_GREQ_CANCEL_TCPIP:
		return check_str(g->addr);
	case APF_GREQ_UDP_SEND:
		WIRE_TRY(check_str(g->addr));
		WIRE_TRY(check_str(g->orig_addr));
		return check_blob(g->data, g->data_len, APF_MAX_DATA);
	case APF_GREQ_OTHER:
		WIRE_TRY(check_other_name(g->name, known, 3));
		return check_blob(g->data, g->data_len, APF_MAX_MSG);
	default:
		return PROTO_E_BAD_VALUE;
	}
}

static int check_channel_open(const struct apf_channel_open *c)
{
	static const char *const known[] = { APF_CHANNEL_TYPE_FORWARDED,
					     APF_CHANNEL_TYPE_DIRECT };

	switch (c->kind) {
	case APF_CHAN_FORWARDED:
	case APF_CHAN_DIRECT:
		WIRE_TRY(check_str(c->addr));
		return check_str(c->orig_addr);
	case APF_CHAN_OTHER:
		WIRE_TRY(check_other_name(c->type_name, known, 2));
		return check_blob(c->extra, c->extra_len, APF_MAX_MSG);
	default:
		return PROTO_E_BAD_VALUE;
	}
}

static int check_msg(const struct apf_msg *m)
{
	switch (m->type) {
	case APF_SERVICE_REQUEST:
	case APF_SERVICE_ACCEPT:
		return check_str(m->service.name);
	case APF_USERAUTH_REQUEST:
		return check_userauth_request(&m->userauth_request);
	case APF_USERAUTH_FAILURE:
		return check_str(m->userauth_failure.methods);
	case APF_GLOBAL_REQUEST:
		return check_global_request(&m->global_request);
	case APF_CHANNEL_OPEN:
		return check_channel_open(&m->channel_open);
	case APF_CHANNEL_DATA:
		return check_blob(m->channel_data.data, m->channel_data.len, APF_MAX_DATA);
	case APF_DISCONNECT:
	case APF_USERAUTH_SUCCESS:
	case APF_REQUEST_SUCCESS:
	case APF_REQUEST_FAILURE:
	case APF_CHANNEL_OPEN_CONFIRMATION:
	case APF_CHANNEL_OPEN_FAILURE:
	case APF_CHANNEL_WINDOW_ADJUST:
	case APF_CHANNEL_CLOSE:
	case APF_PROTOCOLVERSION:
	case APF_KEEPALIVE_REQUEST:
	case APF_KEEPALIVE_REPLY:
	case APF_KEEPALIVE_OPTIONS_REQUEST:
	case APF_KEEPALIVE_OPTIONS_REPLY:
		return 0;
	default:
		return PROTO_E_BAD_VALUE;
	}
}

static void put_str(struct wire_wr *w, struct apf_str s)
{
	wire_put_u32be(w, s.len);
	wire_put_bytes(w, s.p, s.len);
}

static void put_cstr(struct wire_wr *w, const char *s)
{
	size_t n = strlen(s);
	wire_put_u32be(w, (uint32_t)n);
	wire_put_bytes(w, s, n);
}

static void put_userauth_request(struct wire_wr *w, const struct apf_userauth_request *u)
{
	put_str(w, u->user);
	put_str(w, u->service);
	switch (u->method) {
	case APF_AUTH_METHOD_NONE:
		put_cstr(w, APF_AUTH_METHOD_NONE_STR);
		break;
	case APF_AUTH_METHOD_PASSWORD:
		put_cstr(w, APF_AUTH_METHOD_PASSWORD_STR);
		wire_put_u8(w, u->change);
		put_str(w, u->password);
		break;
	default: /* APF_AUTH_METHOD_OTHER: check_msg() allows nothing else */
		put_str(w, u->method_name);
		wire_put_bytes(w, u->extra, u->extra_len);
		break;
	}
}

static void put_global_request(struct wire_wr *w, const struct apf_global_request *g)
{
	switch (g->kind) {
	case APF_GREQ_TCPIP:
	case APF_GREQ_CANCEL_TCPIP:
		put_cstr(w, g->kind == APF_GREQ_TCPIP ? APF_GREQ_TCPIP_FORWARD
						      : APF_GREQ_CANCEL_TCPIP_FORWARD);
		wire_put_u8(w, g->want_reply);
		put_str(w, g->addr);
		wire_put_u32be(w, g->port);
		break;
	case APF_GREQ_UDP_SEND:
		put_cstr(w, APF_GREQ_UDP_SEND_TO);
		wire_put_u8(w, g->want_reply);
		put_str(w, g->addr);
		wire_put_u32be(w, g->port);
		put_str(w, g->orig_addr);
		wire_put_u32be(w, g->orig_port);
		wire_put_u32be(w, g->data_len);
		wire_put_bytes(w, g->data, g->data_len);
		break;
	default: /* APF_GREQ_OTHER */
		put_str(w, g->name);
		wire_put_u8(w, g->want_reply);
		wire_put_bytes(w, g->data, g->data_len);
		break;
	}
}

static void put_channel_open(struct wire_wr *w, const struct apf_channel_open *c)
{
	if (c->kind == APF_CHAN_FORWARDED)
		put_cstr(w, APF_CHANNEL_TYPE_FORWARDED);
	else if (c->kind == APF_CHAN_DIRECT)
		put_cstr(w, APF_CHANNEL_TYPE_DIRECT);
	else
		put_str(w, c->type_name);
	wire_put_u32be(w, c->sender);
	wire_put_u32be(w, c->window);
	wire_put_u32be(w, c->reserved);
	if (c->kind == APF_CHAN_OTHER) {
		wire_put_bytes(w, c->extra, c->extra_len);
		return;
	}
	put_str(w, c->addr);
	wire_put_u32be(w, c->port);
	put_str(w, c->orig_addr);
	wire_put_u32be(w, c->orig_port);
}

static void put_body(struct wire_wr *w, const struct apf_msg *m)
{
	switch (m->type) {
	case APF_DISCONNECT:
		wire_put_u32be(w, m->disconnect.reason);
		wire_put_u16be(w, m->disconnect.reserved);
		break;
	case APF_SERVICE_REQUEST:
	case APF_SERVICE_ACCEPT:
		put_str(w, m->service.name);
		break;
	case APF_USERAUTH_REQUEST:
		put_userauth_request(w, &m->userauth_request);
		break;
	case APF_USERAUTH_FAILURE:
		put_str(w, m->userauth_failure.methods);
		wire_put_u8(w, m->userauth_failure.partial_success);
		break;
	case APF_GLOBAL_REQUEST:
		put_global_request(w, &m->global_request);
		break;
	case APF_REQUEST_SUCCESS:
		if (m->request_success.has_port)
			wire_put_u32be(w, m->request_success.port);
		break;
	case APF_CHANNEL_OPEN:
		put_channel_open(w, &m->channel_open);
		break;
	case APF_CHANNEL_OPEN_CONFIRMATION:
		wire_put_u32be(w, m->open_confirmation.recipient);
		wire_put_u32be(w, m->open_confirmation.sender);
		wire_put_u32be(w, m->open_confirmation.window);
		wire_put_u32be(w, m->open_confirmation.reserved);
		break;
	case APF_CHANNEL_OPEN_FAILURE:
		wire_put_u32be(w, m->open_failure.recipient);
		wire_put_u32be(w, m->open_failure.reason);
		wire_put_u32be(w, m->open_failure.reserved1);
		wire_put_u32be(w, m->open_failure.reserved2);
		break;
	case APF_CHANNEL_WINDOW_ADJUST:
		wire_put_u32be(w, m->window_adjust.recipient);
		wire_put_u32be(w, m->window_adjust.bytes_to_add);
		break;
	case APF_CHANNEL_DATA:
		wire_put_u32be(w, m->channel_data.recipient);
		wire_put_u32be(w, m->channel_data.len);
		wire_put_bytes(w, m->channel_data.data, m->channel_data.len);
		break;
	case APF_CHANNEL_CLOSE:
		wire_put_u32be(w, m->channel_close.recipient);
		break;
	case APF_PROTOCOLVERSION:
		wire_put_u32be(w, m->protocol_version.major);
		wire_put_u32be(w, m->protocol_version.minor);
		wire_put_u32be(w, m->protocol_version.trigger);
		wire_put_bytes(w, m->protocol_version.uuid, APF_UUID_LEN);
		wire_put_bytes(w, m->protocol_version.reserved, APF_PV_RESERVED_LEN);
		break;
	case APF_KEEPALIVE_REQUEST:
	case APF_KEEPALIVE_REPLY:
		wire_put_u32be(w, m->keepalive.cookie);
		break;
	case APF_KEEPALIVE_OPTIONS_REQUEST:
	case APF_KEEPALIVE_OPTIONS_REPLY:
		wire_put_u32be(w, m->keepalive_options.interval);
		wire_put_u32be(w, m->keepalive_options.timeout);
		break;
	default: /* USERAUTH_SUCCESS, REQUEST_FAILURE: type byte only */
		break;
	}
}

int apf_encode_wr(struct wire_wr *w, const struct apf_msg *m)
{
	size_t start;
	int rc;

	if (!w || !m)
		return PROTO_E_INVALID_ARG;
	WIRE_TRY(wire_wr_status(w));
	WIRE_TRY(check_msg(m));
	start = w->len;
	wire_put_u8(w, m->type);
	put_body(w, m);
	rc = wire_wr_status(w);
	if (rc != 0)
		w->len = start;
	return rc;
}

int apf_encode(const struct apf_msg *m, uint8_t *buf, size_t cap, size_t *out_len)
{
	struct wire_wr w;
	int rc;

	if (!out_len || (!buf && cap))
		return PROTO_E_INVALID_ARG;
	*out_len = 0;
	wire_wr_init(&w, buf, cap);
	rc = apf_encode_wr(&w, m);
	if (rc == 0)
		*out_len = w.len;
	return rc;
}
