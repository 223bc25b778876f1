// SPDX-License-Identifier: Apache-2.0
/*
 * test_lme.c - unit tests for heci/lme.c, the APF host ("LMS") role.
 *
 * Owns: an in-process fake AMT behind heci_backend_callback that answers
 * the host's messages the way AMT does (PROTOCOLVERSION, auth, userauth,
 * pfwd, tcpip-forward 16992 + 623, channel confirmation, window adjusts)
 * and can be told to misbehave; tests inject further AMT messages with
 * heci_callback_reply() and check what the host sent back.
 * Must not: use the simulator (test_sim_lme.c does) or sleep: the callback
 * backend times out at once, so every wait here is a bounded spin.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "apf_codec.h"
#include "heci.h"
#include "lme.h"

#define AMT_CHAN_ID 0x4d00u
#define MAX_RECS 256

/* One host message as the fake AMT saw it. */
struct rec {
	uint8_t type;
	uint32_t a, b; /* DISCONNECT reason; DATA recipient+len; ADJUST recipient+bytes;
			* CLOSE recipient; REQUEST_SUCCESS has_port+port; OPEN_FAILURE
			* recipient+reason; OPEN sender+window; PV major+trigger */
	uint32_t port; /* CHANNEL_OPEN connected port */
};

struct fake {
	struct heci *h;
	uint32_t mtu;
	/* behaviour */
	const char *service; /* first service asked for; NULL = auth@ */
	bool pv_major0;      /* announce APF 0.x */
	bool silent;         /* never answer anything */
	bool no_forwards;    /* accept pfwd but send no tcpip-forward */
	bool early_global;   /* GLOBAL_REQUEST right after PROTOCOLVERSION */
	bool early_service;  /* SERVICE_REQUEST before PROTOCOLVERSION */
	bool refuse_open;    /* CHANNEL_OPEN_FAILURE reason 2 */
	bool ignore_open;    /* no answer to CHANNEL_OPEN */
	bool auto_adjust;    /* WINDOW_ADJUST after each DATA */
	bool echo;           /* send DATA back, same bytes */
	int fail_writes;     /* next N host writes fail HECI_E_DISCONNECTED */
	uint32_t window;     /* initial window in confirmations */
	/* observed */
	struct rec recs[MAX_RECS];
	size_t nrecs;
	uint8_t data[65536];
	size_t data_len;
	uint32_t host_chan;   /* sender of the last CHANNEL_OPEN */
	uint32_t next_amt_id;
	unsigned connects;
};

static void reply(struct heci *h, const struct apf_msg *m)
{
	uint8_t buf[9000];
	size_t n;
	assert_int_equal(apf_encode(m, buf, sizeof(buf), &n), 0);
	assert_int_equal(heci_callback_reply(h, buf, n), 0);
}

static void reply_raw(struct heci *h, const void *p, size_t n)
{
	assert_int_equal(heci_callback_reply(h, p, n), 0);
}

static void amt_pv(struct fake *f, struct heci *h)
{
	struct apf_msg m = {.type = APF_PROTOCOLVERSION,
			    .protocol_version = {.major = f->pv_major0 ? 0 : 1, .minor = 0}};
	reply(h, &m);
}

static void amt_service(struct heci *h, const char *name)
{
	struct apf_msg m = {.type = APF_SERVICE_REQUEST,
			    .service = {.name = {name, (uint32_t)strlen(name)}}};
	reply(h, &m);
}

static void amt_forward(struct heci *h, uint32_t port)
{
	struct apf_msg m = {.type = APF_GLOBAL_REQUEST,
			    .global_request = {.kind = APF_GREQ_TCPIP, .want_reply = 1,
					       .addr = APF_STR("127.0.0.1"), .port = port}};
	reply(h, &m);
}

static void record(struct fake *f, const struct apf_msg *m)
{
	struct rec r = {.type = m->type};
	switch (m->type) {
	case APF_DISCONNECT: r.a = m->disconnect.reason; break;
	case APF_CHANNEL_DATA:
		r.a = m->channel_data.recipient;
		r.b = m->channel_data.len;
		assert_true(f->data_len + m->channel_data.len <= sizeof(f->data));
		memcpy(f->data + f->data_len, m->channel_data.data, m->channel_data.len);
		f->data_len += m->channel_data.len;
		break;
	case APF_CHANNEL_WINDOW_ADJUST:
		r.a = m->window_adjust.recipient;
		r.b = m->window_adjust.bytes_to_add;
		break;
	case APF_CHANNEL_CLOSE: r.a = m->channel_close.recipient; break;
	case APF_REQUEST_SUCCESS:
		r.a = m->request_success.has_port;
		r.b = m->request_success.port;
		break;
	case APF_CHANNEL_OPEN_FAILURE:
		r.a = m->open_failure.recipient;
		r.b = m->open_failure.reason;
		break;
	case APF_CHANNEL_OPEN:
		r.a = m->channel_open.sender;
		r.b = m->channel_open.window;
		r.port = m->channel_open.port;
		break;
	case APF_PROTOCOLVERSION:
		r.a = m->protocol_version.major;
		r.b = m->protocol_version.trigger;
		break;
	default: break;
	}
	assert_true(f->nrecs < MAX_RECS);
	f->recs[f->nrecs++] = r;
}

static int fake_message(void *arg, struct heci *h, const struct heci_guid *client,
			const uint8_t *msg, size_t len)
{
	struct fake *f = arg;
	struct apf_msg m;
	f->h = h;
	assert_memory_equal(client->b, HECI_GUID_LME.b, 16);
	assert_true(len <= f->mtu);
	assert_int_equal(apf_decode(msg, len, &m), 0); /* the host only sends valid APF */
	if (f->fail_writes > 0) {
		f->fail_writes--;
		return HECI_E_DISCONNECTED;
	}
	record(f, &m);
	if (f->silent)
		return 0;
	switch (m.type) {
	case APF_PROTOCOLVERSION:
		if (f->early_service)
			amt_service(h, APF_SERVICE_AUTH);
		amt_pv(f, h);
		if (f->early_global)
			amt_forward(h, 16992);
		amt_service(h, f->service ? f->service : APF_SERVICE_AUTH);
		break;
	case APF_SERVICE_ACCEPT:
		if (apf_str_eq(m.service.name, APF_SERVICE_AUTH)) {
			struct apf_msg u = {.type = APF_USERAUTH_REQUEST,
					    .userauth_request = {.user = APF_STR(""),
								 .service = APF_STR(APF_SERVICE_PFWD),
								 .method = APF_AUTH_METHOD_NONE}};
			reply(h, &u);
		} else if (!f->no_forwards) {
			amt_forward(h, 16992);
			amt_forward(h, 623);
		}
		break;
	case APF_USERAUTH_SUCCESS:
		amt_service(h, APF_SERVICE_PFWD);
		break;
	case APF_CHANNEL_OPEN: {
		f->host_chan = m.channel_open.sender;
		if (f->ignore_open)
			break;
		struct apf_msg r;
		if (f->refuse_open) {
			r = (struct apf_msg){.type = APF_CHANNEL_OPEN_FAILURE,
					     .open_failure = {.recipient = m.channel_open.sender,
							      .reason = APF_OPEN_FAILURE_CONNECT_FAILED}};
		} else {
			r = (struct apf_msg){.type = APF_CHANNEL_OPEN_CONFIRMATION,
					     .open_confirmation = {.recipient = m.channel_open.sender,
								   .sender = f->next_amt_id++,
								   .window = f->window,
								   .reserved = APF_RESERVED_ALL_ONES}};
		}
		reply(h, &r);
		break;
	}
	case APF_CHANNEL_DATA:
		if (f->echo) {
			struct apf_msg d = {.type = APF_CHANNEL_DATA,
					    .channel_data = {.recipient = f->host_chan,
							     .data = m.channel_data.data,
							     .len = m.channel_data.len}};
			reply(h, &d);
		}
		if (f->auto_adjust) {
			struct apf_msg a = {.type = APF_CHANNEL_WINDOW_ADJUST,
					    .window_adjust = {.recipient = f->host_chan,
							      .bytes_to_add = m.channel_data.len}};
			reply(h, &a);
		}
		break;
	default:
		break;
	}
	return 0;
}

static int fake_connect(void *arg, const struct heci_guid *client, uint32_t *mtu, uint8_t *ver)
{
	struct fake *f = arg;
	f->connects++;
	*mtu = f->mtu;
	*ver = 4;
	return 0;
}

/* Captures what lme.c logs, to check the log callback carries the cause. */
static char last_warn[256];
static unsigned log_lines;

static void capture_log(void *arg, int level, const char *msg)
{
	(void)arg;
	log_lines++;
	if (level <= LME_LOG_WARN)
		snprintf(last_warn, sizeof(last_warn), "%s", msg);
}

struct fx {
	struct fake f;
	struct heci_callback_fw fw;
	struct heci *h;
	struct lme_opts o;
};

static int setup(void **state)
{
	struct fx *x = calloc(1, sizeof(*x));
	assert_non_null(x);
	x->f.mtu = 8192;
	x->f.window = 4096;
	x->f.auto_adjust = true;
	x->f.next_amt_id = AMT_CHAN_ID;
	x->fw = (struct heci_callback_fw){.on_message = fake_message, .on_connect = fake_connect,
					  .arg = &x->f};
	struct heci_opts ho = {.backend = &heci_backend_callback, .device = "fake", .fw = &x->fw};
	x->h = heci_new(&ho);
	assert_non_null(x->h);
	x->o = (struct lme_opts){.handshake_timeout_ms = 200, .open_timeout_ms = 100,
				 .log = capture_log};
	last_warn[0] = '\0';
	*state = x;
	return 0;
}

static int teardown(void **state)
{
	struct fx *x = *state;
	heci_free(x->h);
	free(x);
	return 0;
}

static size_t count(const struct fake *f, uint8_t type)
{
	size_t n = 0;
	for (size_t i = 0; i < f->nrecs; i++)
		n += f->recs[i].type == type;
	return n;
}

static const struct rec *last(const struct fake *f, uint8_t type)
{
	for (size_t i = f->nrecs; i-- > 0;)
		if (f->recs[i].type == type)
			return &f->recs[i];
	return NULL;
}

static struct lme *open_ok(struct fx *x)
{
	struct lme *l = NULL;
	assert_int_equal(lme_open(&l, x->h, &x->o), 0);
	assert_non_null(l);
	return l;
}

static void test_handshake(void **state)
{
	struct fx *x = *state;
	struct lme *l = open_ok(x);
	const struct fake *f = &x->f;
	/* host: PV, ACCEPT auth, USERAUTH_SUCCESS, ACCEPT pfwd, SUCCESS 16992 */
	assert_true(f->nrecs >= 5);
	assert_int_equal(f->recs[0].type, APF_PROTOCOLVERSION);
	assert_int_equal(f->recs[0].a, 1);
	assert_int_equal(f->recs[0].b, APF_TRIGGER_LME_REQUEST);
	assert_int_equal(f->recs[1].type, APF_SERVICE_ACCEPT);
	assert_int_equal(f->recs[2].type, APF_USERAUTH_SUCCESS);
	assert_int_equal(f->recs[3].type, APF_SERVICE_ACCEPT);
	assert_int_equal(f->recs[4].type, APF_REQUEST_SUCCESS);
	assert_int_equal(f->recs[4].a, 1);
	assert_int_equal(f->recs[4].b, 16992);
	assert_int_equal(lme_status(l), 0);
	assert_true(lme_port_forwarded(l, 16992));
	/* the 623 forward is still queued: the next pump answers it */
	assert_int_equal(lme_pump(l, 0), 0);
	assert_int_equal(last(f, APF_REQUEST_SUCCESS)->b, 623);
	uint32_t ports[4];
	assert_int_equal(lme_forwarded_ports(l, ports, 4), 2);
	/* cancel: 1-byte success; the port is forgotten */
	struct apf_msg c = {.type = APF_GLOBAL_REQUEST,
			    .global_request = {.kind = APF_GREQ_CANCEL_TCPIP, .want_reply = 1,
					       .addr = APF_STR("127.0.0.1"), .port = 623}};
	reply(x->h, &c);
	assert_int_equal(lme_pump(l, 0), 0);
	assert_int_equal(last(f, APF_REQUEST_SUCCESS)->a, 0);
	assert_false(lme_port_forwarded(l, 623));
	/* keepalives and stale closes are ignored without a reply */
	size_t before = f->nrecs;
	struct apf_msg k = {.type = APF_KEEPALIVE_REQUEST, .keepalive = {.cookie = 9}};
	reply(x->h, &k);
	struct apf_msg sc = {.type = APF_CHANNEL_CLOSE, .channel_close = {.recipient = 0}};
	reply(x->h, &sc);
	assert_int_equal(lme_pump(l, 0), 0);
	assert_int_equal(lme_pump(l, 0), 0);
	assert_int_equal(lme_pump(l, 0), HECI_E_TIMEOUT);
	assert_int_equal(f->nrecs, before);
	assert_int_equal(lme_status(l), 0);
	lme_close(l);
}

static void test_handshake_silence_after_pfwd(void **state)
{
	struct fx *x = *state;
	x->f.no_forwards = true;
	struct lme *l = open_ok(x);
	assert_false(lme_port_forwarded(l, 16992));
	lme_close(l);
}

static void test_handshake_timeout(void **state)
{
	struct fx *x = *state;
	struct lme *l = (struct lme *)1;
	x->f.silent = true;
	x->o.handshake_timeout_ms = 30;
	assert_int_equal(lme_open(&l, x->h, &x->o), HECI_E_TIMEOUT);
	assert_null(l);
}

static void test_service_refused(void **state)
{
	struct fx *x = *state;
	struct lme *l = NULL;
	x->f.service = "evil@amt.intel.com";
	assert_int_equal(lme_open(&l, x->h, &x->o), HECI_E_NOT_SUPPORTED);
	assert_null(l);
	assert_int_equal(last(&x->f, APF_DISCONNECT)->a, APF_DISCONNECT_SERVICE_NOT_AVAILABLE);
	assert_int_equal(count(&x->f, APF_SERVICE_ACCEPT), 0);
	assert_non_null(strstr(last_warn, "DISCONNECT reason 7"));
}

static void test_version_too_old(void **state)
{
	struct fx *x = *state;
	struct lme *l = NULL;
	x->f.pv_major0 = true;
	assert_int_equal(lme_open(&l, x->h, &x->o), HECI_E_BAD_VERSION);
	assert_int_equal(last(&x->f, APF_DISCONNECT)->a,
			 APF_DISCONNECT_PROTOCOL_VERSION_NOT_SUPPORTED);
}

static void test_out_of_order(void **state)
{
	struct fx *x = *state;
	struct lme *l = NULL;
	x->f.early_service = true; /* SERVICE_REQUEST before PROTOCOLVERSION */
	assert_int_equal(lme_open(&l, x->h, &x->o), HECI_E_PROTOCOL);
	assert_int_equal(last(&x->f, APF_DISCONNECT)->a, APF_DISCONNECT_PROTOCOL_ERROR);
	assert_int_equal(count(&x->f, APF_SERVICE_ACCEPT), 0);

	/* GLOBAL_REQUEST before pfwd was accepted */
	memset(x->f.recs, 0, sizeof(x->f.recs));
	x->f.nrecs = 0;
	x->f.early_service = false;
	x->f.early_global = true;
	assert_int_equal(lme_open(&l, x->h, &x->o), HECI_E_PROTOCOL);
	assert_int_equal(last(&x->f, APF_DISCONNECT)->a, APF_DISCONNECT_PROTOCOL_ERROR);
	assert_int_equal(count(&x->f, APF_REQUEST_SUCCESS), 0);
}

static void test_bad_messages(void **state)
{
	struct fx *x = *state;
	/* service name length 0xFFFFFFF0: capped before use */
	static const uint8_t huge_name[] = {APF_SERVICE_REQUEST, 0xff, 0xff, 0xff, 0xf0, 'a'};
	/* CHANNEL_DATA claiming 1 MiB */
	static const uint8_t huge_data[] = {APF_CHANNEL_DATA, 0, 0, 0, 1, 0, 0x10, 0, 0, 'x'};
	static const uint8_t unknown[] = {0x77, 1, 2, 3};
	static const uint8_t truncated_pv[] = {APF_PROTOCOLVERSION, 0, 0, 0, 1};
	static const uint8_t from_host[] = {APF_USERAUTH_SUCCESS};
	struct {
		const uint8_t *p;
		size_t n;
		int rc;
	} cases[] = {
		{huge_name, sizeof(huge_name), HECI_E_TOO_LARGE},
		{huge_data, sizeof(huge_data), HECI_E_TOO_LARGE},
		{unknown, sizeof(unknown), HECI_E_BAD_VALUE},
		{truncated_pv, sizeof(truncated_pv), HECI_E_SHORT},
		{from_host, sizeof(from_host), HECI_E_PROTOCOL},
		{NULL, 0, HECI_E_SHORT}, /* empty message */
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct lme *l = open_ok(x);
		size_t before = count(&x->f, APF_DISCONNECT);
		reply_raw(x->h, cases[i].p, cases[i].n);
		int rc;
		do /* drain the queued 623 forward first */
			rc = lme_pump(l, 0);
		while (rc == 0);
		assert_int_equal(rc, cases[i].rc);
		assert_int_equal(count(&x->f, APF_DISCONNECT), before + 1);
		assert_int_equal(last(&x->f, APF_DISCONNECT)->a, APF_DISCONNECT_PROTOCOL_ERROR);
		/* the session stays dead and says why */
		assert_int_equal(lme_status(l), cases[i].rc);
		assert_int_equal(lme_pump(l, 0), cases[i].rc);
		uint32_t ch;
		assert_int_equal(lme_channel_open(l, 16992, &ch, NULL), cases[i].rc);
		lme_close(l);
	}
}

static void test_channel_lifecycle(void **state)
{
	struct fx *x = *state;
	struct fake *f = &x->f;
	struct lme *l = open_ok(x);
	uint32_t ch = 0;
	uint8_t buf[64];
	size_t n;

	x->f.window = 100;
	assert_int_equal(lme_channel_open(l, 16992, &ch, NULL), 0);
	const struct rec *o = last(f, APF_CHANNEL_OPEN);
	assert_int_equal(o->a, ch);
	assert_int_equal(o->b, LME_DEFAULT_RX_WINDOW);
	assert_int_equal(o->port, 16992);
	assert_int_equal(lme_channel_writable(l, ch), 100);

	/* 250 bytes through a 100-byte window that AMT refills after each piece */
	uint8_t req[250];
	for (size_t i = 0; i < sizeof(req); i++)
		req[i] = (uint8_t)i;
	size_t sent = 0;
	assert_int_equal(lme_channel_send(l, ch, req, sizeof(req), 100, &sent), 0);
	assert_int_equal(sent, 250);
	assert_int_equal(f->data_len, 250);
	assert_memory_equal(f->data, req, 250);
	for (size_t i = 0; i < f->nrecs; i++)
		if (f->recs[i].type == APF_CHANNEL_DATA) {
			assert_int_equal(f->recs[i].a, AMT_CHAN_ID);
			assert_true(f->recs[i].b <= 100);
		}

	/* AMT answers; the host reads and credits the window */
	struct apf_msg d = {.type = APF_CHANNEL_DATA,
			    .channel_data = {.recipient = ch, .data = (const uint8_t *)"HTTP/1.1 200",
					     .len = 12}};
	reply(x->h, &d);
	assert_int_equal(lme_channel_recv(l, ch, buf, 5, &n, 100), 0);
	assert_int_equal(n, 5);
	assert_memory_equal(buf, "HTTP/", 5);
	assert_int_equal(last(f, APF_CHANNEL_WINDOW_ADJUST)->a, AMT_CHAN_ID);
	assert_int_equal(last(f, APF_CHANNEL_WINDOW_ADJUST)->b, 5);
	assert_int_equal(lme_channel_recv(l, ch, buf, sizeof(buf), &n, 100), 0);
	assert_int_equal(n, 7);
	assert_memory_equal(buf, "1.1 200", 7);

	/* nothing queued: bounded wait */
	assert_int_equal(lme_channel_recv(l, ch, buf, sizeof(buf), &n, 10), HECI_E_TIMEOUT);

	/* AMT closes: buffered data first, then EOF; our close goes back once */
	reply(x->h, &d);
	struct apf_msg c = {.type = APF_CHANNEL_CLOSE, .channel_close = {.recipient = ch}};
	reply(x->h, &c);
	assert_int_equal(lme_pump(l, 0), 0);
	assert_int_equal(lme_pump(l, 0), 0);
	assert_int_equal(last(f, APF_CHANNEL_CLOSE)->a, AMT_CHAN_ID);
	assert_int_equal(lme_channel_recv(l, ch, buf, sizeof(buf), &n, 100), 0);
	assert_int_equal(n, 12);
	assert_int_equal(lme_channel_recv(l, ch, buf, sizeof(buf), &n, 100), 0);
	assert_int_equal(n, 0);
	assert_int_equal(lme_channel_send(l, ch, req, 1, 10, NULL), HECI_E_NOT_CONNECTED);
	lme_channel_close(l, ch);
	assert_int_equal(count(f, APF_CHANNEL_CLOSE), 1);
	/* the id is dead now; a replayed close for it is ignored */
	assert_int_equal(lme_channel_recv(l, ch, buf, sizeof(buf), &n, 0), HECI_E_INVALID_ARG);
	reply(x->h, &c);
	assert_int_equal(lme_pump(l, 0), 0);
	assert_int_equal(count(f, APF_CHANNEL_CLOSE), 1);

	/* a second channel gets a different id; closing it ourselves sends CLOSE */
	uint32_t ch2;
	assert_int_equal(lme_channel_open(l, 16992, &ch2, NULL), 0);
	assert_int_not_equal(ch2, ch);
	lme_channel_close(l, ch2);
	assert_int_equal(count(f, APF_CHANNEL_CLOSE), 2);
	assert_int_equal(last(f, APF_CHANNEL_CLOSE)->a, AMT_CHAN_ID + 1);
	assert_int_equal(lme_status(l), 0);
	lme_close(l);
}

static void test_pieces_fit_mtu(void **state)
{
	struct fx *x = *state;
	struct lme *l = open_ok(x);
	uint32_t ch;
	static uint8_t big[20000];
	x->f.window = 0xffffffffu; /* capped to 1 MiB */
	assert_int_equal(lme_channel_open(l, 16992, &ch, NULL), 0);
	assert_int_equal(lme_channel_writable(l, ch), LME_DEFAULT_TX_WINDOW_CAP);
	memset(big, 'b', sizeof(big));
	assert_int_equal(lme_channel_send(l, ch, big, sizeof(big), 100, NULL), 0);
	size_t pieces = 0;
	for (size_t i = 0; i < x->f.nrecs; i++)
		if (x->f.recs[i].type == APF_CHANNEL_DATA) {
			assert_true(x->f.recs[i].b <= 8192 - 9);
			pieces++;
		}
	assert_int_equal(pieces, 3);
	/* a huge adjust cannot push the window past the cap */
	struct apf_msg a = {.type = APF_CHANNEL_WINDOW_ADJUST,
			    .window_adjust = {.recipient = ch, .bytes_to_add = 0xffffffffu}};
	reply(x->h, &a);
	while (lme_pump(l, 0) == 0)
		;
	assert_int_equal(lme_channel_writable(l, ch), LME_DEFAULT_TX_WINDOW_CAP);
	lme_close(l);
}

static int64_t mono_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void test_window_exhaustion(void **state)
{
	struct fx *x = *state;
	struct lme *l = open_ok(x);
	uint32_t ch;
	size_t sent = 99;
	x->f.window = 10;
	x->f.auto_adjust = false;
	assert_int_equal(lme_channel_open(l, 16992, &ch, NULL), 0);
	int64_t t0 = mono_ms();
	assert_int_equal(lme_channel_send(l, ch, (const uint8_t *)"0123456789abcdefghij", 20, 40,
					  &sent),
			 HECI_E_TIMEOUT);
	assert_true(mono_ms() - t0 >= 40); /* it waited, and came back */
	assert_int_equal(sent, 10);
	assert_int_equal(x->f.data_len, 10);
	assert_int_equal(lme_channel_writable(l, ch), 0);
	/* the adjust arrives: the rest goes out */
	struct apf_msg a = {.type = APF_CHANNEL_WINDOW_ADJUST,
			    .window_adjust = {.recipient = ch, .bytes_to_add = 10}};
	reply(x->h, &a);
	assert_int_equal(lme_channel_send(l, ch, (const uint8_t *)"abcdefghij", 10, 40, &sent), 0);
	assert_int_equal(sent, 10);
	assert_memory_equal(x->f.data, "0123456789abcdefghij", 20);
	assert_int_equal(lme_status(l), 0);
	lme_close(l);
}

static void test_rx_window_enforced(void **state)
{
	struct fx *x = *state;
	x->o.rx_window = 16;
	struct lme *l = open_ok(x);
	uint32_t ch;
	uint8_t buf[32];
	size_t n;
	assert_int_equal(lme_channel_open(l, 16992, &ch, NULL), 0);
	struct apf_msg d = {.type = APF_CHANNEL_DATA,
			    .channel_data = {.recipient = ch, .data = (const uint8_t *)"0123456789",
					     .len = 10}};
	reply(x->h, &d); /* 10 of 16 */
	assert_int_equal(lme_channel_recv(l, ch, buf, 4, &n, 10), 0);
	assert_int_equal(n, 4); /* 6 buffered, 4 credited back: 10 left */
	d.channel_data.len = 10;
	reply(x->h, &d); /* exactly the window: fine */
	while (lme_pump(l, 0) == 0)
		;
	assert_int_equal(lme_status(l), 0);
	d.channel_data.len = 1;
	reply(x->h, &d); /* one byte too many */
	int rc;
	while ((rc = lme_pump(l, 0)) == 0)
		;
	assert_int_equal(rc, HECI_E_PROTOCOL);
	assert_int_equal(last(&x->f, APF_DISCONNECT)->a, APF_DISCONNECT_PROTOCOL_ERROR);
	lme_close(l);
}

static void test_open_refused_and_timeout(void **state)
{
	struct fx *x = *state;
	struct lme *l = open_ok(x);
	uint32_t ch, reason = 0;
	x->f.refuse_open = true;
	assert_int_equal(lme_channel_open(l, 16994, &ch, &reason), HECI_E_FW_STATUS);
	assert_int_equal(reason, APF_OPEN_FAILURE_CONNECT_FAILED);

	x->f.refuse_open = false;
	x->f.ignore_open = true;
	assert_int_equal(lme_channel_open(l, 16992, &ch, NULL), HECI_E_TIMEOUT);
	/* AMT answers late: the host closes AMT's side */
	struct apf_msg c = {.type = APF_CHANNEL_OPEN_CONFIRMATION,
			    .open_confirmation = {.recipient = x->f.host_chan, .sender = 0x99,
						  .window = 10}};
	reply(x->h, &c);
	while (lme_pump(l, 0) == 0)
		;
	assert_int_equal(last(&x->f, APF_CHANNEL_CLOSE)->a, 0x99);
	/* a confirmation nobody asked for is closed the same way */
	c.open_confirmation.recipient = 0x12345;
	c.open_confirmation.sender = 0x98;
	reply(x->h, &c);
	while (lme_pump(l, 0) == 0)
		;
	assert_int_equal(last(&x->f, APF_CHANNEL_CLOSE)->a, 0x98);
	assert_int_equal(lme_status(l), 0);
	lme_close(l);
}

static void test_unknown_ids_ignored(void **state)
{
	struct fx *x = *state;
	struct lme *l = open_ok(x);
	uint32_t ch;
	uint8_t buf[8];
	size_t n;
	while (lme_pump(l, 0) == 0)
		;
	assert_int_equal(lme_channel_open(l, 16992, &ch, NULL), 0);
	size_t before = x->f.nrecs;
	struct apf_msg m[] = {
		{.type = APF_CHANNEL_CLOSE, .channel_close = {.recipient = 0}},
		{.type = APF_CHANNEL_CLOSE, .channel_close = {.recipient = ch + 0x100}},
		{.type = APF_CHANNEL_WINDOW_ADJUST, .window_adjust = {.recipient = 7, .bytes_to_add = 5}},
		{.type = APF_CHANNEL_DATA,
		 .channel_data = {.recipient = 31, .data = (const uint8_t *)"zz", .len = 2}},
		{.type = APF_CHANNEL_DATA,
		 .channel_data = {.recipient = ch, .data = (const uint8_t *)"ok", .len = 2}},
	};
	for (size_t i = 0; i < sizeof(m) / sizeof(m[0]); i++)
		reply(x->h, &m[i]);
	assert_int_equal(lme_channel_recv(l, ch, buf, sizeof(buf), &n, 50), 0);
	assert_int_equal(n, 2);
	assert_memory_equal(buf, "ok", 2);
	/* only the adjust for our bytes went out */
	assert_int_equal(x->f.nrecs, before + 1);
	assert_int_equal(x->f.recs[before].type, APF_CHANNEL_WINDOW_ADJUST);
	assert_int_equal(lme_status(l), 0);

	/* AMT-initiated channels are refused politely */
	struct apf_msg o = {.type = APF_CHANNEL_OPEN,
			    .channel_open = {.kind = APF_CHAN_DIRECT, .sender = 55, .window = 100,
					     .addr = APF_STR("10.0.0.1"), .port = 80,
					     .orig_addr = APF_STR("1.2.3.4")}};
	reply(x->h, &o);
	assert_int_equal(lme_pump(l, 0), 0);
	assert_int_equal(last(&x->f, APF_CHANNEL_OPEN_FAILURE)->a, 55);
	assert_int_equal(last(&x->f, APF_CHANNEL_OPEN_FAILURE)->b,
			 APF_OPEN_FAILURE_ADMINISTRATIVELY_PROHIBITED);
	assert_int_equal(lme_status(l), 0);
	lme_close(l);
}

static void test_interleaved_channels_and_limit(void **state)
{
	struct fx *x = *state;
	x->o.max_channels = 2;
	struct lme *l = open_ok(x);
	uint32_t a, b, c;
	uint8_t buf[8];
	size_t n;
	assert_int_equal(lme_channel_open(l, 16992, &a, NULL), 0);
	assert_int_equal(lme_channel_open(l, 16992, &b, NULL), 0);
	assert_int_equal(lme_channel_open(l, 16992, &c, NULL), HECI_E_NOSPACE);
	/* data for b arrives while a waits: buffered for b, not lost */
	struct apf_msg d = {.type = APF_CHANNEL_DATA,
			    .channel_data = {.recipient = b, .data = (const uint8_t *)"B", .len = 1}};
	reply(x->h, &d);
	d.channel_data.recipient = a;
	d.channel_data.data = (const uint8_t *)"A";
	reply(x->h, &d);
	assert_int_equal(lme_channel_recv(l, a, buf, sizeof(buf), &n, 50), 0);
	assert_int_equal(n, 1);
	assert_int_equal(buf[0], 'A');
	assert_int_equal(lme_channel_recv(l, b, buf, sizeof(buf), &n, 0), 0);
	assert_int_equal(n, 1);
	assert_int_equal(buf[0], 'B');
	lme_channel_close(l, a);
	assert_int_equal(lme_channel_open(l, 16992, &c, NULL), 0);
	lme_close(l);
}

static void test_reopen_after_reset(void **state)
{
	struct fx *x = *state;
	struct lme *l = open_ok(x);
	uint32_t ch, ch2;
	uint8_t buf[8];
	size_t n;
	x->f.echo = true;
	assert_int_equal(lme_channel_open(l, 16992, &ch, NULL), 0);
	x->f.fail_writes = 1; /* the ME resets under the next write */
	assert_int_equal(lme_channel_send(l, ch, (const uint8_t *)"x", 1, 50, NULL),
			 HECI_E_DISCONNECTED);
	assert_int_equal(lme_status(l), HECI_E_DISCONNECTED);
	assert_int_equal(lme_channel_recv(l, ch, buf, sizeof(buf), &n, 0), HECI_E_DISCONNECTED);
	unsigned connects = x->f.connects;
	assert_int_equal(lme_reopen(l), 0);
	assert_int_equal(x->f.connects, connects + 1);
	assert_int_equal(lme_status(l), 0);
	/* old channel failed; a new one works end to end */
	assert_int_equal(lme_channel_recv(l, ch, buf, sizeof(buf), &n, 0), HECI_E_INVALID_ARG);
	assert_int_equal(lme_channel_open(l, 16992, &ch2, NULL), 0);
	assert_int_not_equal(ch2, ch);
	assert_int_equal(lme_channel_send(l, ch2, (const uint8_t *)"ping", 4, 50, NULL), 0);
	assert_int_equal(lme_channel_recv(l, ch2, buf, sizeof(buf), &n, 50), 0);
	assert_int_equal(n, 4);
	assert_memory_equal(buf, "ping", 4);
	lme_close(l);
}

static void test_amt_disconnect(void **state)
{
	struct fx *x = *state;
	struct lme *l = open_ok(x);
	struct apf_msg d = {.type = APF_DISCONNECT, .disconnect = {.reason = 11}};
	reply(x->h, &d);
	int rc;
	while ((rc = lme_pump(l, 0)) == 0)
		;
	assert_int_equal(rc, HECI_E_DISCONNECTED);
	assert_int_equal(lme_reopen(l), 0);
	lme_close(l);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_handshake, setup, teardown),
		cmocka_unit_test_setup_teardown(test_handshake_silence_after_pfwd, setup, teardown),
		cmocka_unit_test_setup_teardown(test_handshake_timeout, setup, teardown),
		cmocka_unit_test_setup_teardown(test_service_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_version_too_old, setup, teardown),
		cmocka_unit_test_setup_teardown(test_out_of_order, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_messages, setup, teardown),
		cmocka_unit_test_setup_teardown(test_channel_lifecycle, setup, teardown),
		cmocka_unit_test_setup_teardown(test_pieces_fit_mtu, setup, teardown),
		cmocka_unit_test_setup_teardown(test_window_exhaustion, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rx_window_enforced, setup, teardown),
		cmocka_unit_test_setup_teardown(test_open_refused_and_timeout, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unknown_ids_ignored, setup, teardown),
		cmocka_unit_test_setup_teardown(test_interleaved_channels_and_limit, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reopen_after_reset, setup, teardown),
		cmocka_unit_test_setup_teardown(test_amt_disconnect, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
