// SPDX-License-Identifier: Apache-2.0
/*
 * test_verify_mps.c - unit tests for tools/verify/mps_apf.c, the MPS side of
 * CIRA APF, driven with device byte streams built by apf_encode(): the good
 * handshake and its events, byte-at-a-time feeding, keepalives, wrong
 * credentials, out-of-order messages, garbage, version and service refusals,
 * the settle and tunnel-limit paths.
 * Must not: open sockets; the replies are checked by decoding them with
 * apf_decode/apf_frame_length_ex, never by hand.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "apf_codec.h"
#include "log.h"
#include "mps_apf.h"

#define MAX_EVENTS 8
#define UUID_TEXT "33221100-5544-7766-8899-AABBCCDDEEFF"

struct capture {
	uint8_t out[8192];
	size_t out_len;
	int nev;
	char type[MAX_EVENTS][32];
	char uuid[MAX_EVENTS][40];
	json_t *detail[MAX_EVENTS];
	int64_t now;
};

static void cap_send(void *arg, const uint8_t *buf, size_t len)
{
	struct capture *c = arg;

	assert_true(c->out_len + len <= sizeof(c->out));
	memcpy(c->out + c->out_len, buf, len);
	c->out_len += len;
}

static void cap_event(void *arg, const char *type, const char *uuid, json_t *detail)
{
	struct capture *c = arg;

	assert_true(c->nev < MAX_EVENTS);
	snprintf(c->type[c->nev], sizeof(c->type[0]), "%s", type);
	snprintf(c->uuid[c->nev], sizeof(c->uuid[0]), "%s", uuid ? uuid : "(null)");
	c->detail[c->nev] = json_deep_copy(detail);
	c->nev++;
}

static int64_t cap_now(void *arg)
{
	return ((struct capture *)arg)->now;
}

static const uint8_t password[] = "s3cret-pw";
static const struct mps_auth auth = {.user = "admin", .password = password,
				     .password_len = sizeof(password) - 1};

struct fx {
	struct capture cap;
	struct mps_session *s;
	uint8_t in[4096];
	size_t in_len;
	size_t out_seen; /* replies already checked */
};

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));
	struct mps_hooks hooks = {.send = cap_send, .event = cap_event, .now_ms = cap_now};

	assert_non_null(f);
	hooks.arg = &f->cap;
	f->cap.now = 1000;
	f->s = mps_session_new(&auth, &hooks, "192.0.2.1:1234", 8);
	assert_non_null(f->s);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;

	for (int i = 0; i < f->cap.nev; i++)
		json_decref(f->cap.detail[i]);
	mps_session_free(f->s);
	free(f);
	return 0;
}

/* ---- building device messages ---- */
static void put(struct fx *f, const struct apf_msg *m)
{
	size_t n;

	assert_int_equal(apf_encode(m, f->in + f->in_len, sizeof(f->in) - f->in_len, &n), 0);
	f->in_len += n;
}

static void put_version(struct fx *f, uint32_t major, uint32_t trigger)
{
	struct apf_msg m = {.type = APF_PROTOCOLVERSION,
			    .protocol_version = {.major = major, .minor = 0, .trigger = trigger,
						 .uuid = {0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66,
							  0x77, 0x88, 0x99, 0xAA, 0xBB, 0xCC, 0xDD,
							  0xEE, 0xFF}}};
	put(f, &m);
}

static void put_service(struct fx *f, const char *name)
{
	struct apf_msg m = {.type = APF_SERVICE_REQUEST,
			    .service = {.name = {name, (uint32_t)strlen(name)}}};
	put(f, &m);
}

static void put_password(struct fx *f, const char *user, const char *pw)
{
	struct apf_msg m = {.type = APF_USERAUTH_REQUEST,
			    .userauth_request = {.user = {user, (uint32_t)strlen(user)},
						 .service = APF_STR(APF_SERVICE_PFWD),
						 .method = APF_AUTH_METHOD_PASSWORD,
						 .password = {pw, (uint32_t)strlen(pw)}}};
	put(f, &m);
}

static void put_forward(struct fx *f, uint32_t port)
{
	struct apf_msg m = {.type = APF_GLOBAL_REQUEST,
			    .global_request = {.kind = APF_GREQ_TCPIP, .want_reply = 1,
					       .addr = APF_STR("0.0.0.0"), .port = port}};
	put(f, &m);
}

static void put_keepalive(struct fx *f, uint32_t cookie)
{
	struct apf_msg m = {.type = APF_KEEPALIVE_REQUEST, .keepalive = {.cookie = cookie}};
	put(f, &m);
}

/* Feed everything queued at once; returns the result. */
static enum mps_result feed(struct fx *f)
{
	size_t used = 0;
	enum mps_result r = mps_session_feed(f->s, f->in, f->in_len, &used);

	if (r == MPS_CONTINUE)
		assert_int_equal(used, f->in_len);
	f->in_len = 0;
	return r;
}

/* ---- checking replies ---- */
/* The next reply; REQUEST_SUCCESS is framed with the form the test expects. */
static void next_reply(struct fx *f, enum apf_success_form rs, struct apf_msg *m)
{
	size_t n;
	const uint8_t *p = f->cap.out + f->out_seen;
	size_t left = f->cap.out_len - f->out_seen;

	assert_true(left > 0);
	assert_int_equal(apf_frame_length_ex(p, left, rs, &n), 0);
	assert_int_equal(apf_decode(p, n, m), 0);
	f->out_seen += n;
}

static void expect_reply_type(struct fx *f, uint8_t type)
{
	struct apf_msg m;

	next_reply(f, APF_SUCCESS_AMBIGUOUS, &m);
	assert_int_equal(m.type, type);
}

static void expect_disconnect(struct fx *f, uint32_t reason)
{
	struct apf_msg m;

	next_reply(f, APF_SUCCESS_AMBIGUOUS, &m);
	assert_int_equal(m.type, APF_DISCONNECT);
	assert_int_equal(m.disconnect.reason, reason);
}

static void expect_no_more_replies(struct fx *f)
{
	assert_int_equal(f->out_seen, f->cap.out_len);
}

static void expect_accept(struct fx *f, const char *name)
{
	struct apf_msg m;

	next_reply(f, APF_SUCCESS_AMBIGUOUS, &m);
	assert_int_equal(m.type, APF_SERVICE_ACCEPT);
	assert_true(apf_str_eq(m.service.name, name));
}

static void expect_forward_ok(struct fx *f, uint32_t port)
{
	struct apf_msg m;

	next_reply(f, APF_SUCCESS_WITH_PORT, &m);
	assert_int_equal(m.type, APF_REQUEST_SUCCESS);
	assert_true(m.request_success.has_port);
	assert_int_equal(m.request_success.port, port);
}

static void expect_version_reply(struct fx *f, uint32_t trigger)
{
	struct apf_msg m;

	next_reply(f, APF_SUCCESS_AMBIGUOUS, &m);
	assert_int_equal(m.type, APF_PROTOCOLVERSION);
	assert_int_equal(m.protocol_version.major, 1);
	assert_int_equal(m.protocol_version.minor, 0);
	assert_int_equal(m.protocol_version.trigger, trigger);
}

static const char *detail_str(struct fx *f, int i, const char *key)
{
	return json_string_value(json_object_get(f->cap.detail[i], key));
}

static json_int_t detail_int(struct fx *f, int i, const char *key)
{
	return json_integer_value(json_object_get(f->cap.detail[i], key));
}

/* PROTOCOLVERSION .. pfwd accepted, replies checked. */
static void handshake_to_pfwd(struct fx *f, uint32_t trigger)
{
	put_version(f, 1, trigger);
	put_service(f, APF_SERVICE_AUTH);
	put_password(f, "admin", "s3cret-pw");
	put_service(f, APF_SERVICE_PFWD);
	assert_int_equal(feed(f), MPS_CONTINUE);
	expect_version_reply(f, trigger);
	expect_accept(f, APF_SERVICE_AUTH);
	expect_reply_type(f, APF_USERAUTH_SUCCESS);
	expect_accept(f, APF_SERVICE_PFWD);
	expect_no_more_replies(f);
	assert_int_equal(f->cap.nev, 0);
}

/* ---- tests ---- */
static void test_good_handshake(void **state)
{
	struct fx *f = *state;
	json_t *ports;

	handshake_to_pfwd(f, 1);
	put_forward(f, 16992);
	assert_int_equal(feed(f), MPS_CONTINUE);
	expect_forward_ok(f, 16992);
	assert_true(mps_session_open_pending(f->s));
	assert_int_equal(f->cap.nev, 0);
	put_forward(f, 623);
	assert_int_equal(feed(f), MPS_CONTINUE);
	expect_forward_ok(f, 623);
	/* 16992 + 623: the tunnel is complete. */
	assert_true(mps_session_is_open(f->s));
	assert_false(mps_session_open_pending(f->s));
	assert_int_equal(f->cap.nev, 1);
	assert_string_equal(f->cap.type[0], "cira_open");
	assert_string_equal(f->cap.uuid[0], UUID_TEXT);
	assert_string_equal(detail_str(f, 0, "trigger"), "user_initiated");
	assert_int_equal(detail_int(f, 0, "trigger_code"), 1);
	assert_string_equal(detail_str(f, 0, "user"), "admin");
	ports = json_object_get(f->cap.detail[0], "ports");
	assert_int_equal(json_array_size(ports), 2);
	assert_int_equal(json_integer_value(json_array_get(ports, 0)), 16992);
	assert_int_equal(json_integer_value(json_array_get(ports, 1)), 623);

	put_keepalive(f, 0xDEADBEEF);
	assert_int_equal(feed(f), MPS_CONTINUE);
	{
		struct apf_msg m;
		next_reply(f, APF_SUCCESS_AMBIGUOUS, &m);
		assert_int_equal(m.type, APF_KEEPALIVE_REPLY);
		assert_int_equal(m.keepalive.cookie, 0xDEADBEEF);
	}
	f->cap.now += 2500;
	mps_session_end(f->s, MPS_END_DEVICE_CLOSED);
	expect_no_more_replies(f);
	assert_int_equal(f->cap.nev, 2);
	assert_string_equal(f->cap.type[1], "cira_close");
	assert_string_equal(detail_str(f, 1, "reason"), "device_closed");
	assert_int_equal(detail_int(f, 1, "duration_ms"), 2500);
	/* Ending twice reports once. */
	mps_session_end(f->s, MPS_END_ERROR);
	assert_int_equal(f->cap.nev, 2);
	assert_true(mps_session_is_over(f->s));
}

/* The same stream one byte at a time, as TCP may deliver it. */
static void test_byte_at_a_time(void **state)
{
	struct fx *f = *state;
	uint8_t stream[1024], pending[1024];
	size_t total, npend = 0;

	put_version(f, 1, 1);
	put_service(f, APF_SERVICE_AUTH);
	put_password(f, "admin", "s3cret-pw");
	put_service(f, APF_SERVICE_PFWD);
	put_forward(f, 16993);
	put_forward(f, 664);
	put_keepalive(f, 7);
	total = f->in_len;
	memcpy(stream, f->in, total);
	f->in_len = 0;
	for (size_t i = 0; i < total; i++) {
		size_t used = 0;
		pending[npend++] = stream[i];
		assert_int_equal(mps_session_feed(f->s, pending, npend, &used), MPS_CONTINUE);
		memmove(pending, pending + used, npend - used);
		npend -= used;
	}
	assert_int_equal(npend, 0);
	expect_version_reply(f, 1);
	expect_accept(f, APF_SERVICE_AUTH);
	expect_reply_type(f, APF_USERAUTH_SUCCESS);
	expect_accept(f, APF_SERVICE_PFWD);
	expect_forward_ok(f, 16993);
	expect_forward_ok(f, 664);
	expect_reply_type(f, APF_KEEPALIVE_REPLY);
	expect_no_more_replies(f);
	assert_int_equal(f->cap.nev, 1);
	assert_string_equal(f->cap.type[0], "cira_open");
}

static void test_settle_single_forward(void **state)
{
	struct fx *f = *state;

	handshake_to_pfwd(f, 4);
	put_forward(f, 16993);
	assert_int_equal(feed(f), MPS_CONTINUE);
	expect_forward_ok(f, 16993);
	assert_true(mps_session_open_pending(f->s));
	mps_session_settle(f->s);
	assert_true(mps_session_is_open(f->s));
	assert_int_equal(f->cap.nev, 1);
	assert_string_equal(detail_str(f, 0, "trigger"), "periodic");
	mps_session_settle(f->s); /* no second event */
	assert_int_equal(f->cap.nev, 1);
}

static void test_other_message_opens(void **state)
{
	struct fx *f = *state;

	handshake_to_pfwd(f, 2);
	put_forward(f, 16992);
	put_keepalive(f, 1);
	assert_int_equal(feed(f), MPS_CONTINUE);
	assert_int_equal(f->cap.nev, 1);
	assert_string_equal(f->cap.type[0], "cira_open");
	assert_string_equal(detail_str(f, 0, "trigger"), "alert");
}

static void test_wrong_password(void **state)
{
	struct fx *f = *state;

	put_version(f, 1, 1);
	put_service(f, APF_SERVICE_AUTH);
	put_password(f, "admin", "s3cret-pX");
	put_service(f, APF_SERVICE_PFWD); /* never looked at */
	assert_int_equal(feed(f), MPS_CLOSE);
	expect_version_reply(f, 1);
	expect_accept(f, APF_SERVICE_AUTH);
	{
		struct apf_msg m;
		next_reply(f, APF_SUCCESS_AMBIGUOUS, &m);
		assert_int_equal(m.type, APF_USERAUTH_FAILURE);
		assert_true(apf_str_eq(m.userauth_failure.methods, "password"));
	}
	expect_disconnect(f, APF_DISCONNECT_NO_MORE_AUTH_METHODS_AVAILABLE);
	expect_no_more_replies(f);
	assert_int_equal(f->cap.nev, 1);
	assert_string_equal(f->cap.type[0], "cira_auth_failed");
	assert_string_equal(f->cap.uuid[0], UUID_TEXT);
	assert_string_equal(detail_str(f, 0, "user"), "admin");
	assert_string_equal(detail_str(f, 0, "reason"), "wrong password");
	assert_false(mps_session_is_open(f->s));
	/* No cira_close for a tunnel that never opened; no more input taken. */
	mps_session_end(f->s, MPS_END_DEVICE_CLOSED);
	assert_int_equal(f->cap.nev, 1);
	put_keepalive(f, 1);
	assert_int_equal(feed(f), MPS_CLOSE);
	expect_no_more_replies(f);
}

static void test_wrong_user_and_prefix_password(void **state)
{
	struct fx *f = *state;

	put_version(f, 1, 1);
	put_service(f, APF_SERVICE_AUTH);
	put_password(f, "Admin", "s3cret-pw");
	assert_int_equal(feed(f), MPS_CLOSE);
	assert_int_equal(f->cap.nev, 1);
	assert_string_equal(detail_str(f, 0, "reason"), "wrong user name");
	teardown(state);
	setup(state);
	f = *state;
	/* A prefix of the right password is wrong too. */
	put_version(f, 1, 1);
	put_service(f, APF_SERVICE_AUTH);
	put_password(f, "admin", "s3cret");
	assert_int_equal(feed(f), MPS_CLOSE);
	assert_string_equal(detail_str(f, 0, "reason"), "wrong password");
}

static void test_none_method_then_password(void **state)
{
	struct fx *f = *state;
	struct apf_msg none = {.type = APF_USERAUTH_REQUEST,
			       .userauth_request = {.user = APF_STR("admin"),
						    .service = APF_STR(APF_SERVICE_PFWD),
						    .method = APF_AUTH_METHOD_NONE}};

	put_version(f, 1, 1);
	put_service(f, APF_SERVICE_AUTH);
	put(f, &none);
	put_password(f, "admin", "s3cret-pw");
	assert_int_equal(feed(f), MPS_CONTINUE);
	expect_version_reply(f, 1);
	expect_accept(f, APF_SERVICE_AUTH);
	expect_reply_type(f, APF_USERAUTH_FAILURE);
	expect_reply_type(f, APF_USERAUTH_SUCCESS);
	assert_int_equal(f->cap.nev, 0);
}

/* An out-of-order message: DISCONNECT reason 2, session over, no event. */
static void expect_protocol_error(struct fx *f, size_t replies_before)
{
	assert_int_equal(feed(f), MPS_CLOSE);
	for (size_t i = 0; i < replies_before; i++) {
		struct apf_msg m;
		next_reply(f, APF_SUCCESS_AMBIGUOUS, &m);
	}
	expect_disconnect(f, APF_DISCONNECT_PROTOCOL_ERROR);
	expect_no_more_replies(f);
	assert_int_equal(f->cap.nev, 0);
	assert_true(mps_session_is_over(f->s));
}

static void test_pfwd_before_auth(void **state)
{
	struct fx *f = *state;

	put_version(f, 1, 1);
	put_service(f, APF_SERVICE_AUTH);
	put_service(f, APF_SERVICE_PFWD);
	expect_protocol_error(f, 2);
}

static void test_global_request_before_pfwd(void **state)
{
	struct fx *f = *state;

	put_version(f, 1, 1);
	put_service(f, APF_SERVICE_AUTH);
	put_password(f, "admin", "s3cret-pw");
	put_forward(f, 16992);
	expect_protocol_error(f, 3);
}

static void test_userauth_before_auth_service(void **state)
{
	struct fx *f = *state;

	put_version(f, 1, 1);
	put_password(f, "admin", "s3cret-pw");
	expect_protocol_error(f, 1);
}

static void test_anything_before_version(void **state)
{
	struct fx *f = *state;

	put_service(f, APF_SERVICE_AUTH);
	expect_protocol_error(f, 0);
}

static void test_second_version(void **state)
{
	struct fx *f = *state;

	put_version(f, 1, 1);
	put_version(f, 1, 1);
	expect_protocol_error(f, 1);
}

static void test_garbage(void **state)
{
	struct fx *f = *state;
	size_t used = 0;
	static const uint8_t junk[] = {0xFF, 0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06};

	assert_int_equal(mps_session_feed(f->s, junk, sizeof(junk), &used), MPS_CLOSE);
	expect_disconnect(f, APF_DISCONNECT_PROTOCOL_ERROR);
	expect_no_more_replies(f);
	assert_int_equal(f->cap.nev, 0);
}

static void test_oversized_string(void **state)
{
	struct fx *f = *state;
	size_t used = 0;
	/* SERVICE_REQUEST claiming a 1 GiB name: refused from the length alone. */
	static const uint8_t big[] = {APF_SERVICE_REQUEST, 0x40, 0x00, 0x00, 0x00, 'a'};

	put_version(f, 1, 1);
	assert_int_equal(feed(f), MPS_CONTINUE);
	assert_int_equal(mps_session_feed(f->s, big, sizeof(big), &used), MPS_CLOSE);
	expect_version_reply(f, 1);
	expect_disconnect(f, APF_DISCONNECT_PROTOCOL_ERROR);
}

static void test_garbage_after_open_closes_tunnel(void **state)
{
	struct fx *f = *state;
	size_t used = 0;
	static const uint8_t junk[] = {0xEE};

	handshake_to_pfwd(f, 1);
	put_forward(f, 16992);
	put_forward(f, 623);
	assert_int_equal(feed(f), MPS_CONTINUE);
	assert_int_equal(f->cap.nev, 1);
	assert_int_equal(mps_session_feed(f->s, junk, sizeof(junk), &used), MPS_CLOSE);
	assert_int_equal(f->cap.nev, 2);
	assert_string_equal(f->cap.type[1], "cira_close");
	assert_string_equal(detail_str(f, 1, "reason"), "error");
}

static void test_old_version_refused(void **state)
{
	struct fx *f = *state;

	put_version(f, 0, 1);
	assert_int_equal(feed(f), MPS_CLOSE);
	expect_disconnect(f, APF_DISCONNECT_PROTOCOL_VERSION_NOT_SUPPORTED);
	expect_no_more_replies(f);
}

static void test_unknown_service(void **state)
{
	struct fx *f = *state;

	put_version(f, 1, 1);
	put_service(f, "shell@amt.intel.com");
	assert_int_equal(feed(f), MPS_CLOSE);
	expect_version_reply(f, 1);
	expect_disconnect(f, APF_DISCONNECT_SERVICE_NOT_AVAILABLE);
}

static void test_device_disconnect(void **state)
{
	struct fx *f = *state;
	struct apf_msg d = {.type = APF_DISCONNECT, .disconnect = {.reason = 11}};

	handshake_to_pfwd(f, 1);
	put_forward(f, 16992);
	put_forward(f, 623);
	put(f, &d);
	assert_int_equal(feed(f), MPS_CLOSE);
	assert_int_equal(f->cap.nev, 2);
	assert_string_equal(f->cap.type[1], "cira_close");
	assert_string_equal(detail_str(f, 1, "reason"), "disconnect");
	assert_int_equal(detail_int(f, 1, "disconnect_reason"), 11);
}

static void test_tunnel_timeout(void **state)
{
	struct fx *f = *state;

	handshake_to_pfwd(f, 1);
	put_forward(f, 16992);
	put_forward(f, 623);
	assert_int_equal(feed(f), MPS_CONTINUE);
	expect_forward_ok(f, 16992);
	expect_forward_ok(f, 623);
	f->cap.now += 60000;
	mps_session_end(f->s, MPS_END_TIMEOUT);
	expect_disconnect(f, APF_DISCONNECT_BY_APPLICATION);
	expect_no_more_replies(f);
	assert_string_equal(f->cap.type[1], "cira_close");
	assert_string_equal(detail_str(f, 1, "reason"), "timeout");
	assert_int_equal(detail_int(f, 1, "duration_ms"), 60000);
}

static void test_keepalive_options_and_channels(void **state)
{
	struct fx *f = *state;
	struct apf_msg opts = {.type = APF_KEEPALIVE_OPTIONS_REQUEST,
			       .keepalive_options = {.interval = 30, .timeout = 90}};
	struct apf_msg open = {.type = APF_CHANNEL_OPEN,
			       .channel_open = {.kind = APF_CHAN_DIRECT, .sender = 42, .window = 4096,
						.reserved = APF_RESERVED_ALL_ONES,
						.addr = APF_STR("10.0.0.1"), .port = 80,
						.orig_addr = APF_STR("0.0.0.0"), .orig_port = 1}};
	struct apf_msg close = {.type = APF_CHANNEL_CLOSE, .channel_close = {.recipient = 3}};
	struct apf_msg m;

	handshake_to_pfwd(f, 1);
	put_forward(f, 16992);
	assert_int_equal(feed(f), MPS_CONTINUE);
	expect_forward_ok(f, 16992);
	put(f, &opts); /* opens the tunnel: a message after a forward */
	put(f, &close);
	assert_int_equal(feed(f), MPS_CONTINUE);
	next_reply(f, APF_SUCCESS_AMBIGUOUS, &m);
	assert_int_equal(m.type, APF_KEEPALIVE_OPTIONS_REPLY);
	assert_int_equal(m.keepalive_options.interval, 30);
	assert_int_equal(m.keepalive_options.timeout, 90);
	expect_no_more_replies(f); /* a stale CHANNEL_CLOSE is ignored */

	/* the MPS opens channels; a device that opens one itself is dropped */
	put(f, &open);
	assert_int_equal(feed(f), MPS_CLOSE);
	expect_disconnect(f, APF_DISCONNECT_PROTOCOL_ERROR);
	expect_no_more_replies(f);
	assert_string_equal(f->cap.type[f->cap.nev - 1], "cira_close");
	assert_string_equal(detail_str(f, f->cap.nev - 1, "reason"), "error");
	assert_non_null(strstr(detail_str(f, f->cap.nev - 1, "error"),
			       "opened a channel itself (direct-tcpip to port 80)"));
}

static void test_cancel_forward(void **state)
{
	struct fx *f = *state;
	struct apf_msg cancel = {.type = APF_GLOBAL_REQUEST,
				 .global_request = {.kind = APF_GREQ_CANCEL_TCPIP, .want_reply = 1,
						    .addr = APF_STR("0.0.0.0"), .port = 16992}};
	struct apf_msg m;

	handshake_to_pfwd(f, 1);
	put_forward(f, 16992);
	put(f, &cancel);
	assert_int_equal(feed(f), MPS_CONTINUE);
	expect_forward_ok(f, 16992);
	next_reply(f, APF_SUCCESS_NO_PORT, &m);
	assert_int_equal(m.type, APF_REQUEST_SUCCESS);
	assert_false(m.request_success.has_port);
	assert_false(mps_session_open_pending(f->s));
}

static void test_partial_message_waits(void **state)
{
	struct fx *f = *state;
	size_t used = 99;

	put_version(f, 1, 1);
	assert_int_equal(mps_session_feed(f->s, f->in, f->in_len - 1, &used), MPS_CONTINUE);
	assert_int_equal(used, 0);
	assert_int_equal(f->cap.out_len, 0);
	assert_int_equal(mps_session_feed(f->s, f->in, f->in_len, &used), MPS_CONTINUE);
	assert_int_equal(used, f->in_len);
	expect_version_reply(f, 1);
}

static void test_trigger_names(void **state)
{
	assert_string_equal(mps_trigger_name(1), "user_initiated");
	assert_string_equal(mps_trigger_name(2), "alert");
	assert_string_equal(mps_trigger_name(3), "provisioning");
	assert_string_equal(mps_trigger_name(4), "periodic");
	assert_string_equal(mps_trigger_name(254), "unknown");
	(void)state;
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_good_handshake),
		T(test_byte_at_a_time),
		T(test_settle_single_forward),
		T(test_other_message_opens),
		T(test_wrong_password),
		T(test_wrong_user_and_prefix_password),
		T(test_none_method_then_password),
		T(test_pfwd_before_auth),
		T(test_global_request_before_pfwd),
		T(test_userauth_before_auth_service),
		T(test_anything_before_version),
		T(test_second_version),
		T(test_garbage),
		T(test_oversized_string),
		T(test_garbage_after_open_closes_tunnel),
		T(test_old_version_refused),
		T(test_unknown_service),
		T(test_device_disconnect),
		T(test_tunnel_timeout),
		T(test_keepalive_options_and_channels),
		T(test_cancel_forward),
		T(test_partial_message_waits),
		cmocka_unit_test(test_trigger_names),
	};

	/* The session logs each refusal at warn; keep test output to failures. */
	log_init("test", LOG_SINK_STDERR, LOG_LVL_ERROR);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
