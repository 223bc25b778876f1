// SPDX-License-Identifier: Apache-2.0
/*
 * test_sim_lme.c - unit tests for tools/sim/sim_lme.c, AMT's side of APF,
 * driven through the sim_me API in-process with the test playing the host
 * (LMS) byte by byte. The host side (heci/lme.c) against it is in
 * test_sim_lme_e2e.c.
 *
 * Owns: the handshake AMT drives, channel relay to a stand-in service
 * (sim_lme_test.h), both windows, the apf_window_stall fault, EBUSY for a
 * second host, cleanup on disconnect and ME reset.
 * Must not: mount FUSE or start the real WS-Man service; assert upper
 * bounds on timing.
 */
#include "sim_lme_test.h"

static void sleep_ms(unsigned ms)
{
	struct timespec ts = {0, (long)ms * 1000000L};
	nanosleep(&ts, NULL);
}

static void host_send(struct fx *x, const struct apf_msg *m)
{
	uint8_t buf[SIM_LME_MTU];
	size_t n;
	assert_int_equal(apf_encode(m, buf, sizeof(buf), &n), 0);
	assert_int_equal(sim_conn_write(x->c, buf, n), 0);
}

/* Next AMT message into x->m (borrowing x->in); false after wait_ms. */
static bool host_recv(struct fx *x, unsigned wait_ms)
{
	for (unsigned waited = 0;; waited++) {
		long r = sim_conn_read(x->c, x->in, sizeof(x->in));
		if (r > 0) {
			assert_int_equal(apf_decode(x->in, (size_t)r, &x->m), 0);
			return true;
		}
		assert_int_equal(r, -EAGAIN);
		if (waited >= wait_ms)
			return false;
		sleep_ms(1);
	}
}

static void expect(struct fx *x, uint8_t type)
{
	assert_true(host_recv(x, WAIT_MS));
	if (x->m.type != type)
		fail_msg("expected %s, got %s", apf_msg_name(type), apf_msg_name(x->m.type));
}

static void host_connect(struct fx *x)
{
	uint32_t mtu = 0;
	uint8_t ver = 0;
	x->c = sim_conn_open(x->fw.me, NULL, NULL);
	assert_non_null(x->c);
	assert_int_equal(sim_conn_connect(x->c, HECI_GUID_LME.b, &mtu, &ver), 0);
	assert_int_equal(mtu, 8192);
	assert_int_equal(ver, 4);
}

/* Play the host (LMS) through the whole handshake, checking every step. */
static void handshake(struct fx *x)
{
	host_connect(x);
	expect(x, APF_PROTOCOLVERSION);
	assert_int_equal(x->m.protocol_version.major, 1);
	assert_int_equal(x->m.protocol_version.minor, 0);
	assert_memory_equal(x->m.protocol_version.uuid, x->fw.st.uuid, 16);
	struct apf_msg pv = {.type = APF_PROTOCOLVERSION,
			     .protocol_version = {.major = 1, .trigger = APF_TRIGGER_LME_REQUEST}};
	host_send(x, &pv);
	expect(x, APF_SERVICE_REQUEST);
	assert_true(apf_str_eq(x->m.service.name, APF_SERVICE_AUTH));
	struct apf_msg acc = {.type = APF_SERVICE_ACCEPT, .service = {.name = APF_STR(APF_SERVICE_AUTH)}};
	host_send(x, &acc);
	expect(x, APF_USERAUTH_REQUEST);
	assert_int_equal(x->m.userauth_request.user.len, 0);
	assert_true(apf_str_eq(x->m.userauth_request.service, APF_SERVICE_PFWD));
	assert_int_equal(x->m.userauth_request.method, APF_AUTH_METHOD_NONE);
	struct apf_msg ok = {.type = APF_USERAUTH_SUCCESS};
	host_send(x, &ok);
	expect(x, APF_SERVICE_REQUEST);
	assert_true(apf_str_eq(x->m.service.name, APF_SERVICE_PFWD));
	acc.service.name = APF_STR(APF_SERVICE_PFWD);
	host_send(x, &acc);
	static const uint32_t ports[] = {16992, 623};
	for (size_t i = 0; i < 2; i++) {
		expect(x, APF_GLOBAL_REQUEST);
		assert_int_equal(x->m.global_request.kind, APF_GREQ_TCPIP);
		assert_true(x->m.global_request.want_reply);
		assert_true(apf_str_eq(x->m.global_request.addr, "127.0.0.1"));
		assert_int_equal(x->m.global_request.port, ports[i]);
		struct apf_msg rs = {.type = APF_REQUEST_SUCCESS,
				     .request_success = {.has_port = true, .port = ports[i]}};
		host_send(x, &rs);
	}
	assert_false(host_recv(x, 20));
}

/* CHANNEL_OPEN from the host; returns AMT's channel id. */
static uint32_t open_channel(struct fx *x, uint32_t host_window)
{
	struct apf_msg o = {.type = APF_CHANNEL_OPEN,
			    .channel_open = {.kind = APF_CHAN_FORWARDED, .sender = HOST_CH,
					     .window = host_window, .reserved = APF_RESERVED_ALL_ONES,
					     .addr = APF_STR("127.0.0.1"), .port = 16992,
					     .orig_addr = APF_STR("127.0.0.1"), .orig_port = 0}};
	host_send(x, &o);
	expect(x, APF_CHANNEL_OPEN_CONFIRMATION);
	assert_int_equal(x->m.open_confirmation.recipient, HOST_CH);
	assert_int_equal(x->m.open_confirmation.window, SIM_LME_WINDOW);
	assert_int_not_equal(x->m.open_confirmation.sender, HOST_CH);
	return x->m.open_confirmation.sender;
}

static void host_data(struct fx *x, uint32_t amt_id, const void *p, size_t n)
{
	struct apf_msg d = {.type = APF_CHANNEL_DATA,
			    .channel_data = {.recipient = amt_id, .data = p, .len = (uint32_t)n}};
	host_send(x, &d);
}

static void host_adjust(struct fx *x, uint32_t amt_id, uint32_t n)
{
	struct apf_msg a = {.type = APF_CHANNEL_WINDOW_ADJUST,
			    .window_adjust = {.recipient = amt_id, .bytes_to_add = n}};
	host_send(x, &a);
}

/* ---- tests: AMT side alone ---- */

static void test_handshake_and_busy(void **state)
{
	struct fx *x = *state;
	handshake(x);
	/* LMS-style ownership: a second host connection is refused */
	struct sim_conn *c2 = sim_conn_open(x->fw.me, NULL, NULL);
	assert_non_null(c2);
	assert_int_equal(sim_conn_connect(c2, HECI_GUID_LME.b, NULL, NULL), -EBUSY);
	sim_conn_close(x->c);
	x->c = NULL;
	assert_int_equal(sim_conn_connect(c2, HECI_GUID_LME.b, NULL, NULL), 0);
	sim_conn_close(c2);
}

static void test_channel_relay(void **state)
{
	struct fx *x = *state;
	static const char req[] = "POST /wsman HTTP/1.1\r\nHost: 127.0.0.1:16992\r\n\r\n";
	static const char resp[] = "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n";
	uint8_t buf[128];

	handshake(x);
	uint32_t id = open_channel(x, 4096);
	assert_int_equal(x->v.connects, 1);
	assert_int_equal(x->v.last_port, 16992);
	int fd = svc_wait_fd(&x->v);

	host_data(x, id, req, sizeof(req) - 1);
	svc_read(fd, buf, sizeof(req) - 1);
	assert_memory_equal(buf, req, sizeof(req) - 1);
	/* the bytes the service took are credited back */
	expect(x, APF_CHANNEL_WINDOW_ADJUST);
	assert_int_equal(x->m.window_adjust.recipient, HOST_CH);
	assert_int_equal(x->m.window_adjust.bytes_to_add, sizeof(req) - 1);

	assert_int_equal(write(fd, resp, sizeof(resp) - 1), (ssize_t)(sizeof(resp) - 1));
	close(fd);
	x->v.fd = -1;
	size_t got = 0;
	for (;;) {
		assert_true(host_recv(x, WAIT_MS));
		if (x->m.type == APF_CHANNEL_CLOSE)
			break;
		assert_int_equal(x->m.type, APF_CHANNEL_DATA);
		assert_int_equal(x->m.channel_data.recipient, HOST_CH);
		memcpy(buf + got, x->m.channel_data.data, x->m.channel_data.len);
		got += x->m.channel_data.len;
	}
	assert_int_equal(x->m.channel_close.recipient, HOST_CH);
	assert_int_equal(got, sizeof(resp) - 1);
	assert_memory_equal(buf, resp, got);
	struct apf_msg c = {.type = APF_CHANNEL_CLOSE, .channel_close = {.recipient = id}};
	host_send(x, &c);
	assert_false(host_recv(x, 20)); /* no second close */
	/* a stale close for the same id later is ignored */
	host_send(x, &c);
	assert_false(host_recv(x, 20));
	/* and the next channel works */
	uint32_t id2 = open_channel(x, 4096);
	assert_int_not_equal(id2, id);
}

static void test_host_closes_first(void **state)
{
	struct fx *x = *state;
	handshake(x);
	uint32_t id = open_channel(x, 4096);
	int fd = svc_wait_fd(&x->v);
	struct apf_msg c = {.type = APF_CHANNEL_CLOSE, .channel_close = {.recipient = id}};
	host_send(x, &c);
	expect(x, APF_CHANNEL_CLOSE);
	assert_int_equal(x->m.channel_close.recipient, HOST_CH);
	svc_expect_eof(fd);
}

static void test_open_refused(void **state)
{
	struct fx *x = *state;
	handshake(x);
	struct apf_msg o = {.type = APF_CHANNEL_OPEN,
			    .channel_open = {.kind = APF_CHAN_FORWARDED, .sender = 3, .window = 100,
					     .reserved = APF_RESERVED_ALL_ONES,
					     .addr = APF_STR("127.0.0.1"), .port = 623,
					     .orig_addr = APF_STR("127.0.0.1")}};
	host_send(x, &o);
	expect(x, APF_CHANNEL_OPEN_FAILURE);
	assert_int_equal(x->m.open_failure.recipient, 3);
	assert_int_equal(x->m.open_failure.reason, APF_OPEN_FAILURE_CONNECT_FAILED);
	assert_int_equal(x->v.connects, 0);

	o.channel_open.kind = APF_CHAN_DIRECT;
	o.channel_open.port = 16992;
	host_send(x, &o);
	expect(x, APF_CHANNEL_OPEN_FAILURE);
	assert_int_equal(x->m.open_failure.reason, APF_OPEN_FAILURE_UNKNOWN_CHANNEL_TYPE);

	/* the service refuses the stream */
	x->v.refuse = true;
	o.channel_open.kind = APF_CHAN_FORWARDED;
	o.channel_open.port = 16993;
	host_send(x, &o);
	expect(x, APF_CHANNEL_OPEN_FAILURE);
	assert_int_equal(x->m.open_failure.reason, APF_OPEN_FAILURE_CONNECT_FAILED);
	assert_int_equal(x->v.last_port, 16993);
}

static void test_host_window_honoured(void **state)
{
	struct fx *x = *state;
	static const char body[] = "0123456789abcdefghijklmno"; /* 25 */
	uint8_t got[32];
	size_t n = 0;
	handshake(x);
	uint32_t id = open_channel(x, 10);
	int fd = svc_wait_fd(&x->v);
	assert_int_equal(write(fd, body, 25), 25);
	expect(x, APF_CHANNEL_DATA);
	assert_int_equal(x->m.channel_data.len, 10);
	memcpy(got, x->m.channel_data.data, 10);
	n = 10;
	assert_false(host_recv(x, 50)); /* window shut: AMT waits */
	host_adjust(x, id, 10);
	expect(x, APF_CHANNEL_DATA);
	assert_int_equal(x->m.channel_data.len, 10);
	memcpy(got + n, x->m.channel_data.data, 10);
	n += 10;
	host_adjust(x, id, 1000);
	close(fd);
	x->v.fd = -1;
	expect(x, APF_CHANNEL_DATA);
	assert_int_equal(x->m.channel_data.len, 5);
	memcpy(got + n, x->m.channel_data.data, 5);
	assert_memory_equal(got, body, 25);
	expect(x, APF_CHANNEL_CLOSE);
}

static void test_amt_window_enforced(void **state)
{
	struct fx *x = *state;
	static uint8_t big[SIM_LME_WINDOW + 1];
	handshake(x);
	uint32_t id = open_channel(x, 4096);
	(void)svc_wait_fd(&x->v);
	host_data(x, id, big, sizeof(big)); /* one byte past AMT's window */
	expect(x, APF_DISCONNECT);
	assert_int_equal(x->m.disconnect.reason, APF_DISCONNECT_PROTOCOL_ERROR);
	/* then silence, and the stream is closed */
	host_data(x, id, big, 1);
	assert_false(host_recv(x, 20));
	svc_expect_eof(x->v.fd);
}

static void test_window_stall(void **state)
{
	struct fx *x = *state;
	static uint8_t big[SIM_LME_WINDOW];
	uint8_t *sink = malloc(SIM_LME_WINDOW);
	assert_non_null(sink);
	x->fw.st.apf_window_stall = true;
	handshake(x);
	uint32_t id = open_channel(x, 4096);
	int fd = svc_wait_fd(&x->v);
	memset(big, 'w', sizeof(big));
	host_data(x, id, big, 3000);
	host_data(x, id, big, SIM_LME_WINDOW - 3000); /* exactly the first window */
	svc_read(fd, sink, SIM_LME_WINDOW);           /* the service got it all... */
	assert_false(host_recv(x, 50));               /* ...but no WINDOW_ADJUST came */
	host_data(x, id, big, 1);                     /* a host that overruns is caught */
	expect(x, APF_DISCONNECT);
	assert_int_equal(x->m.disconnect.reason, APF_DISCONNECT_PROTOCOL_ERROR);
	free(sink);
}

static void test_protocol_errors(void **state)
{
	struct fx *x = *state;
	host_connect(x);
	expect(x, APF_PROTOCOLVERSION);
	/* a channel before the handshake finished */
	struct apf_msg o = {.type = APF_CHANNEL_OPEN,
			    .channel_open = {.kind = APF_CHAN_FORWARDED, .sender = 1, .window = 1,
					     .addr = APF_STR("127.0.0.1"), .port = 16992,
					     .orig_addr = APF_STR("127.0.0.1")}};
	host_send(x, &o);
	expect(x, APF_DISCONNECT);
	assert_int_equal(x->m.disconnect.reason, APF_DISCONNECT_PROTOCOL_ERROR);
	assert_int_equal(x->v.connects, 0);
	sim_conn_close(x->c);

	/* garbage, then a reconnect starts over */
	host_connect(x);
	expect(x, APF_PROTOCOLVERSION);
	static const uint8_t junk[] = {0x77, 0, 1};
	assert_int_equal(sim_conn_write(x->c, junk, sizeof(junk)), 0);
	expect(x, APF_DISCONNECT);
	sim_conn_close(x->c);

	/* a host announcing APF 0.x */
	host_connect(x);
	expect(x, APF_PROTOCOLVERSION);
	struct apf_msg pv = {.type = APF_PROTOCOLVERSION, .protocol_version = {.major = 0}};
	host_send(x, &pv);
	expect(x, APF_DISCONNECT);
	assert_int_equal(x->m.disconnect.reason, APF_DISCONNECT_PROTOCOL_VERSION_NOT_SUPPORTED);
}

static void test_disconnect_and_reset_close_streams(void **state)
{
	struct fx *x = *state;
	handshake(x);
	(void)open_channel(x, 4096);
	int fd = svc_wait_fd(&x->v);
	sim_conn_close(x->c);
	x->c = NULL;
	svc_expect_eof(fd);

	close(x->v.fd);
	x->v.fd = -1;
	handshake(x); /* the client is free again */
	(void)open_channel(x, 4096);
	fd = svc_wait_fd(&x->v);
	sim_me_reset(x->fw.me);
	svc_expect_eof(fd);
	assert_int_equal(sim_conn_read(x->c, x->in, sizeof(x->in)), -ENODEV);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_handshake_and_busy, setup, teardown),
		cmocka_unit_test_setup_teardown(test_channel_relay, setup, teardown),
		cmocka_unit_test_setup_teardown(test_host_closes_first, setup, teardown),
		cmocka_unit_test_setup_teardown(test_open_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_host_window_honoured, setup, teardown),
		cmocka_unit_test_setup_teardown(test_amt_window_enforced, setup, teardown),
		cmocka_unit_test_setup_teardown(test_window_stall, setup, teardown),
		cmocka_unit_test_setup_teardown(test_protocol_errors, setup, teardown),
		cmocka_unit_test_setup_teardown(test_disconnect_and_reset_close_streams, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
