// SPDX-License-Identifier: Apache-2.0
/*
 * test_agent_lme_bridge.c - unit tests for agent/lme_bridge.c: the socket
 * libcurl would get, relayed over APF to a fake AMT behind
 * heci_backend_callback.
 *
 * Owns: a fake AMT that completes the handshake, accepts channels to 16992,
 * collects a request of a known size (crediting its window), streams a
 * response within the host's window and closes the channel, like AMT's
 * WS-Man service; tests act as libcurl on the other socket end.
 * Must not: use the simulator (test_sim_lme.c covers lme.c against it) or
 * assert upper bounds on timing.
 */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "apf_codec.h"
#include "heci.h"
#include "lme.h"
#include "lme_bridge.h"

#define WAIT_MS 3000
#define AMT_WINDOW 4096u
#define MAX_REQ 65536

/* The fake runs in whichever thread holds the bridge's lock; the test
 * thread reads its counters under mu. */
struct fake {
	pthread_mutex_t mu;
	bool busy, refuse_open;
	int fail_writes;
	size_t expect_req;
	const uint8_t *resp;
	size_t resp_len;
	/* the one channel at a time */
	bool open;
	uint32_t host_id, amt_id, host_window;
	size_t req_got, resp_sent;
	bool responding, closed;
	uint8_t req[MAX_REQ];
	/* counters */
	unsigned connects, opens, host_closes, last_port;
	unsigned errors; /* checks that failed in the fake (no cmocka asserts off the main thread) */
};

static void reply(struct heci *h, const struct apf_msg *m)
{
	uint8_t buf[9000];
	size_t n;
	if (apf_encode(m, buf, sizeof(buf), &n) == 0)
		heci_callback_reply(h, buf, n);
}

static void service(struct heci *h, const char *name)
{
	struct apf_msg m = {.type = APF_SERVICE_REQUEST,
			    .service = {.name = {name, (uint32_t)strlen(name)}}};
	reply(h, &m);
}

/* Stream the response within the host's window; close after the end. */
static void respond(struct fake *f, struct heci *h)
{
	while (f->resp_sent < f->resp_len && f->host_window > 0) {
		size_t piece = f->resp_len - f->resp_sent;
		if (piece > f->host_window)
			piece = f->host_window;
		if (piece > 8192 - 9)
			piece = 8192 - 9;
		struct apf_msg d = {.type = APF_CHANNEL_DATA,
				    .channel_data = {.recipient = f->host_id,
						     .data = f->resp + f->resp_sent,
						     .len = (uint32_t)piece}};
		reply(h, &d);
		f->resp_sent += piece;
		f->host_window -= (uint32_t)piece;
	}
	if (f->resp_sent == f->resp_len && !f->closed) {
		struct apf_msg c = {.type = APF_CHANNEL_CLOSE, .channel_close = {.recipient = f->host_id}};
		reply(h, &c);
		f->closed = true;
	}
}

static void on_apf(struct fake *f, struct heci *h, const struct apf_msg *m)
{
	switch (m->type) {
	case APF_PROTOCOLVERSION: {
		struct apf_msg pv = {.type = APF_PROTOCOLVERSION, .protocol_version = {.major = 1}};
		reply(h, &pv);
		service(h, APF_SERVICE_PFWD);
		break;
	}
	case APF_SERVICE_ACCEPT: {
		struct apf_msg g = {.type = APF_GLOBAL_REQUEST,
				    .global_request = {.kind = APF_GREQ_TCPIP, .want_reply = 1,
						       .addr = APF_STR("127.0.0.1"), .port = 16992}};
		reply(h, &g);
		break;
	}
	case APF_CHANNEL_OPEN: {
		struct apf_msg r;
		f->opens++;
		f->last_port = m->channel_open.port;
		if (f->refuse_open) {
			r = (struct apf_msg){.type = APF_CHANNEL_OPEN_FAILURE,
					     .open_failure = {.recipient = m->channel_open.sender,
							      .reason = APF_OPEN_FAILURE_CONNECT_FAILED}};
		} else {
			f->open = true;
			f->host_id = m->channel_open.sender;
			f->amt_id = 0x500 + f->opens;
			f->host_window = m->channel_open.window;
			f->req_got = f->resp_sent = 0;
			f->responding = f->closed = false;
			r = (struct apf_msg){.type = APF_CHANNEL_OPEN_CONFIRMATION,
					     .open_confirmation = {.recipient = f->host_id,
								   .sender = f->amt_id,
								   .window = AMT_WINDOW}};
		}
		reply(h, &r);
		break;
	}
	case APF_CHANNEL_DATA: {
		const struct apf_channel_data *d = &m->channel_data;
		if (d->recipient != f->amt_id || f->req_got + d->len > MAX_REQ) {
			f->errors++;
			break;
		}
		memcpy(f->req + f->req_got, d->data, d->len);
		f->req_got += d->len;
		struct apf_msg a = {.type = APF_CHANNEL_WINDOW_ADJUST,
				    .window_adjust = {.recipient = f->host_id, .bytes_to_add = d->len}};
		reply(h, &a);
		if (f->req_got >= f->expect_req && !f->responding) {
			f->responding = true;
			respond(f, h);
		}
		break;
	}
	case APF_CHANNEL_WINDOW_ADJUST:
		f->host_window += m->window_adjust.bytes_to_add;
		if (f->responding)
			respond(f, h);
		break;
	case APF_CHANNEL_CLOSE:
		f->host_closes++;
		if (!f->closed) {
			struct apf_msg c = {.type = APF_CHANNEL_CLOSE,
					    .channel_close = {.recipient = f->host_id}};
			reply(h, &c);
			f->closed = true;
		}
		break;
	default:
		break;
	}
}

static int fake_message(void *arg, struct heci *h, const struct heci_guid *client,
			const uint8_t *msg, size_t len)
{
	struct fake *f = arg;
	struct apf_msg m;
	int rc = 0;
	pthread_mutex_lock(&f->mu);
	if (f->fail_writes > 0) {
		f->fail_writes--;
		rc = HECI_E_DISCONNECTED;
	} else if (apf_decode(msg, len, &m) == 0) {
		on_apf(f, h, &m);
	}
	pthread_mutex_unlock(&f->mu);
	return rc;
}

static int fake_connect(void *arg, const struct heci_guid *client, uint32_t *mtu, uint8_t *ver)
{
	struct fake *f = arg;
	pthread_mutex_lock(&f->mu);
	f->connects++;
	bool busy = f->busy;
	pthread_mutex_unlock(&f->mu);
	*mtu = 8192;
	*ver = 4;
	return busy ? HECI_E_BUSY : 0;
}

struct fx {
	struct fake f;
	struct heci_callback_fw fw;
	struct heci *h;
	struct lme_bridge *b;
};

static int setup(void **state)
{
	struct fx *x = calloc(1, sizeof(*x));
	assert_non_null(x);
	pthread_mutex_init(&x->f.mu, NULL);
	x->fw = (struct heci_callback_fw){.on_message = fake_message, .on_connect = fake_connect,
					  .arg = &x->f};
	struct heci_opts ho = {.backend = &heci_backend_callback, .device = "fake", .fw = &x->fw,
			       .busy_retries = 1, .busy_retry_ms = 1};
	x->h = heci_new(&ho);
	assert_non_null(x->h);
	*state = x;
	return 0;
}

static int teardown(void **state)
{
	struct fx *x = *state;
	lme_bridge_free(x->b);
	assert_int_equal(x->f.errors, 0);
	heci_free(x->h);
	pthread_mutex_destroy(&x->f.mu);
	free(x);
	return 0;
}

static void new_bridge(struct fx *x)
{
	struct lme_bridge_opts o = {.lme = {.handshake_timeout_ms = 500, .open_timeout_ms = 500}};
	assert_int_equal(lme_bridge_new_opts(&x->b, x->h, &o), 0);
}

static void script(struct fx *x, size_t expect_req, const uint8_t *resp, size_t resp_len)
{
	pthread_mutex_lock(&x->f.mu);
	x->f.expect_req = expect_req;
	x->f.resp = resp;
	x->f.resp_len = resp_len;
	pthread_mutex_unlock(&x->f.mu);
}

/* Act as libcurl: write the request, read until EOF. Returns bytes read. */
static size_t curl_like(int fd, const uint8_t *req, size_t req_len, uint8_t *out, size_t cap)
{
	size_t off = 0, got = 0;
	while (off < req_len) {
		struct pollfd p = {.fd = fd, .events = POLLOUT};
		assert_int_equal(poll(&p, 1, WAIT_MS), 1);
		ssize_t k = write(fd, req + off, req_len - off);
		assert_true(k > 0);
		off += (size_t)k;
	}
	for (;;) {
		struct pollfd p = {.fd = fd, .events = POLLIN};
		assert_int_equal(poll(&p, 1, WAIT_MS), 1);
		assert_true(got < cap);
		ssize_t k = read(fd, out + got, cap - got);
		assert_true(k >= 0);
		if (k == 0)
			return got;
		got += (size_t)k;
	}
}

static void test_requests_in_sequence(void **state)
{
	struct fx *x = *state;
	static const char req[] = "POST /wsman HTTP/1.1\r\nHost: 127.0.0.1:16992\r\n\r\n";
	static uint8_t resp[30000], out[40000], big[20000];
	for (size_t i = 0; i < sizeof(resp); i++)
		resp[i] = (uint8_t)(i * 31);
	new_bridge(x);

	/* a response much larger than the host's 4096-byte window */
	script(x, sizeof(req) - 1, resp, sizeof(resp));
	int fd = lme_bridge_open_socket(x->b);
	assert_true(fd >= 0);
	assert_int_equal(lme_bridge_last_error(x->b), 0);
	assert_int_equal(curl_like(fd, (const uint8_t *)req, sizeof(req) - 1, out, sizeof(out)),
			 sizeof(resp));
	assert_memory_equal(out, resp, sizeof(resp));
	close(fd);

	/* the next request gets a fresh channel; its body exceeds AMT's window */
	for (size_t i = 0; i < sizeof(big); i++)
		big[i] = (uint8_t)(i * 3);
	script(x, sizeof(big), resp, 100);
	fd = lme_bridge_open_socket(x->b);
	assert_true(fd >= 0);
	assert_int_equal(curl_like(fd, big, sizeof(big), out, sizeof(out)), 100);
	close(fd);
	pthread_mutex_lock(&x->f.mu);
	assert_int_equal(x->f.opens, 2);
	assert_int_equal(x->f.last_port, 16992);
	assert_int_equal(x->f.req_got, sizeof(big));
	assert_memory_equal(x->f.req, big, sizeof(big));
	pthread_mutex_unlock(&x->f.mu);
}

static void test_curl_closes_first(void **state)
{
	struct fx *x = *state;
	new_bridge(x);
	script(x, 1000, NULL, 0); /* AMT waits for a request that never comes */
	int fd = lme_bridge_open_socket(x->b);
	assert_true(fd >= 0);
	close(fd);
	/* the relay sees the hang-up and closes the channel towards AMT */
	bool closed = false;
	for (int i = 0; i < WAIT_MS && !closed; i++) {
		pthread_mutex_lock(&x->f.mu);
		closed = x->f.host_closes == 1;
		pthread_mutex_unlock(&x->f.mu);
		if (!closed) {
			struct timespec ts = {0, 1000000};
			nanosleep(&ts, NULL);
		}
	}
	assert_true(closed);
}

static void test_refused_and_busy(void **state)
{
	struct fx *x = *state;
	struct lme_bridge *b2 = (struct lme_bridge *)1;
	new_bridge(x);
	pthread_mutex_lock(&x->f.mu);
	x->f.refuse_open = true;
	pthread_mutex_unlock(&x->f.mu);
	assert_int_equal(lme_bridge_open_socket(x->b), -1);
	assert_int_equal(lme_bridge_last_error(x->b), HECI_E_FW_STATUS);
	lme_bridge_free(x->b);
	x->b = NULL;

	/* LMS owns LME: the bridge cannot start, and says so */
	pthread_mutex_lock(&x->f.mu);
	x->f.busy = true;
	pthread_mutex_unlock(&x->f.mu);
	assert_int_equal(lme_bridge_new(&b2, x->h, 500), HECI_E_BUSY);
	assert_null(b2);
}

static void test_reopen_after_reset(void **state)
{
	struct fx *x = *state;
	static uint8_t out[64];
	new_bridge(x);
	script(x, 4, (const uint8_t *)"pong", 4);
	pthread_mutex_lock(&x->f.mu);
	x->f.fail_writes = 1; /* the ME resets under the next CHANNEL_OPEN */
	pthread_mutex_unlock(&x->f.mu);
	int fd = lme_bridge_open_socket(x->b);
	assert_true(fd >= 0);
	assert_int_equal(curl_like(fd, (const uint8_t *)"ping", 4, out, sizeof(out)), 4);
	assert_memory_equal(out, "pong", 4);
	close(fd);
	pthread_mutex_lock(&x->f.mu);
	assert_int_equal(x->f.connects, 2); /* reconnected and shook hands again */
	pthread_mutex_unlock(&x->f.mu);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_requests_in_sequence, setup, teardown),
		cmocka_unit_test_setup_teardown(test_curl_closes_first, setup, teardown),
		cmocka_unit_test_setup_teardown(test_refused_and_busy, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reopen_after_reset, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
