// SPDX-License-Identifier: Apache-2.0
/*
 * test_sim_cira_tunnel.c - what travels through the simulator's CIRA tunnel
 * (tools/sim/sim_cira_tunnel.c with sim_chan.c and sim_ports.c): the test
 * thread is the MPS, in lockstep, over real TLS on loopback; the simulated
 * firmware runs in-process with its WS-Man service (internal listeners
 * only). WS-Man through a channel to 16992 and, with [amt] tls_cert, TLS
 * through a channel to 16993; refusals; a window overrun; 64 channels at
 * once; a close from the MPS mid-request; an MPS that stops reading while
 * the ME model keeps answering.
 * Must not: assert upper bounds on timing.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/ssl.h>

#include "apf_codec.h"
#include "log.h"
#include "sim_fw_test.h"
#include "tls_pki_test.h"

#define CIRA_USER "ciradev"
#define CIRA_PASS "cira-secret-42"
#define REQ "POST /wsman HTTP/1.1\r\nHost: amt\r\nContent-Type: application/soap+xml\r\n" \
	    "Content-Length: 4\r\n\r\n<a/>"
#define MPS_WINDOW 65536u
#define AMT_WINDOW 4096u /* SIM_CIRA_WINDOW */
static uint32_t amt_window = AMT_WINDOW; /* what CONFIRMATION must grant */

static struct tpki g_mps_pki, g_amt_pki;

/* ---- the MPS, in the test thread ---- */

struct mps {
	int lfd, fd;
	unsigned port;
	SSL_CTX *ctx;
	SSL *ssl;
	uint8_t buf[APF_MAX_MSG];
	size_t len, used;
	uint32_t fwd[8];
	unsigned nfwd;
};

static void mps_listen(struct mps *m, int rcvbuf)
{
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t al = sizeof(a);
	int one = 1;
	m->fd = -1;
	m->lfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	assert_true(m->lfd >= 0);
	setsockopt(m->lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (rcvbuf)
		setsockopt(m->lfd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf));
	assert_int_equal(bind(m->lfd, (struct sockaddr *)&a, sizeof(a)), 0);
	assert_int_equal(listen(m->lfd, 4), 0);
	assert_int_equal(getsockname(m->lfd, (struct sockaddr *)&a, &al), 0);
	m->port = ntohs(a.sin_port);
	m->ctx = SSL_CTX_new(TLS_server_method());
	assert_non_null(m->ctx);
	assert_int_equal(SSL_CTX_use_certificate(m->ctx, g_mps_pki.srv), 1);
	assert_int_equal(SSL_CTX_use_PrivateKey(m->ctx, g_mps_pki.srv_key), 1);
}

static void mps_accept(struct mps *m)
{
	struct pollfd p = {.fd = m->lfd, .events = POLLIN};
	struct timeval tv = {.tv_sec = 10};
	assert_int_equal(poll(&p, 1, 10000), 1);
	m->fd = accept(m->lfd, NULL, NULL);
	assert_true(m->fd >= 0);
	setsockopt(m->fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(m->fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	m->ssl = SSL_new(m->ctx);
	SSL_set_fd(m->ssl, m->fd);
	assert_int_equal(SSL_accept(m->ssl), 1);
}

static void mps_close(struct mps *m)
{
	if (m->ssl)
		SSL_free(m->ssl);
	if (m->fd >= 0)
		close(m->fd);
	close(m->lfd);
	SSL_CTX_free(m->ctx);
	ERR_clear_error();
}

static void mps_send(struct mps *m, const struct apf_msg *msg)
{
	uint8_t b[APF_MAX_MSG];
	size_t n;
	assert_int_equal(apf_encode(msg, b, sizeof(b), &n), 0);
	assert_int_equal(SSL_write(m->ssl, b, (int)n), (int)n);
}

/* The next message from AMT (valid until the next call), or -1 at EOF. */
static int mps_recv(struct mps *m, struct apf_msg *out)
{
	if (m->used) {
		memmove(m->buf, m->buf + m->used, m->len - m->used);
		m->len -= m->used;
		m->used = 0;
	}
	for (;;) {
		size_t mlen;
		int rc = apf_frame_length(m->buf, m->len, &mlen);
		if (rc == 0) {
			assert_int_equal(apf_decode(m->buf, mlen, out), 0);
			m->used = mlen;
			return 0;
		}
		assert_int_equal(rc, PROTO_E_SHORT);
		int n = SSL_read(m->ssl, m->buf + m->len, (int)(sizeof(m->buf) - m->len));
		if (n <= 0)
			return -1;
		m->len += (size_t)n;
	}
}

static void mps_expect(struct mps *m, uint8_t type, struct apf_msg *out)
{
	assert_int_equal(mps_recv(m, out), 0);
	if (out->type != type)
		fail_msg("expected %s, got %s", apf_msg_name(type), apf_msg_name(out->type));
}

static void mps_open(struct mps *m, uint32_t sender, uint32_t port);

/* Serve AMT's handshake; nfwd forwards are accepted. open_after > 0: the
 * MPS opens channel 1 to 16992 right after answering that many forwards,
 * as an MPS that counts the tunnel open early would. */
static void mps_handshake_ex(struct mps *m, unsigned nfwd, unsigned open_after)
{
	struct apf_msg in, r;
	mps_expect(m, APF_PROTOCOLVERSION, &in);
	mps_expect(m, APF_SERVICE_REQUEST, &in);
	r = (struct apf_msg){.type = APF_SERVICE_ACCEPT, .service = {.name = APF_STR(APF_SERVICE_AUTH)}};
	mps_send(m, &r);
	mps_expect(m, APF_USERAUTH_REQUEST, &in);
	r = (struct apf_msg){.type = APF_USERAUTH_SUCCESS};
	mps_send(m, &r);
	mps_expect(m, APF_SERVICE_REQUEST, &in);
	r = (struct apf_msg){.type = APF_SERVICE_ACCEPT, .service = {.name = APF_STR(APF_SERVICE_PFWD)}};
	mps_send(m, &r);
	for (m->nfwd = 0; m->nfwd < nfwd; m->nfwd++) {
		mps_expect(m, APF_GLOBAL_REQUEST, &in);
		assert_int_equal(in.global_request.kind, APF_GREQ_TCPIP);
		m->fwd[m->nfwd] = in.global_request.port;
		r = (struct apf_msg){.type = APF_REQUEST_SUCCESS,
				     .request_success = {.has_port = true,
							 .port = in.global_request.port}};
		mps_send(m, &r);
		if (m->nfwd + 1 == open_after)
			mps_open(m, 1, 16992);
	}
}

static void mps_handshake(struct mps *m, unsigned nfwd)
{
	mps_handshake_ex(m, nfwd, 0);
}

static void mps_open(struct mps *m, uint32_t sender, uint32_t port)
{
	struct apf_msg r = {.type = APF_CHANNEL_OPEN,
			    .channel_open = {.kind = APF_CHAN_FORWARDED,
					     .sender = sender,
					     .window = MPS_WINDOW,
					     .reserved = APF_RESERVED_ALL_ONES,
					     .addr = APF_STR("amt-sim"),
					     .port = port,
					     .orig_addr = APF_STR("10.1.2.3"),
					     .orig_port = 50000 + sender}};
	mps_send(m, &r);
}

/* Open a channel and wait for its confirmation: AMT's id. */
static uint32_t mps_open_ok(struct mps *m, uint32_t sender, uint32_t port)
{
	struct apf_msg in;
	mps_open(m, sender, port);
	mps_expect(m, APF_CHANNEL_OPEN_CONFIRMATION, &in);
	assert_int_equal(in.open_confirmation.recipient, sender);
	assert_int_equal(in.open_confirmation.window, amt_window);
	return in.open_confirmation.sender;
}

static void mps_data(struct mps *m, uint32_t amt_id, const void *p, size_t n)
{
	struct apf_msg r = {.type = APF_CHANNEL_DATA,
			    .channel_data = {.recipient = amt_id, .data = p, .len = (uint32_t)n}};
	mps_send(m, &r);
}

static void mps_close_ch(struct mps *m, uint32_t amt_id)
{
	struct apf_msg r = {.type = APF_CHANNEL_CLOSE, .channel_close = {.recipient = amt_id}};
	mps_send(m, &r);
}

/* Per-channel view of what AMT sent, for channels 1..NCH. */
#define NCH 70
struct chans {
	char data[NCH][2048];
	size_t len[NCH];
	uint32_t credited[NCH];
	bool closed[NCH];
	unsigned nclosed;
};

/* Read until `want` channels closed (AMT's CLOSE), answering each CLOSE. */
static void collect(struct mps *m, struct chans *c, const uint32_t *amt_ids, unsigned want)
{
	struct apf_msg in;
	while (c->nclosed < want) {
		assert_int_equal(mps_recv(m, &in), 0);
		uint32_t r;
		switch (in.type) {
		case APF_CHANNEL_DATA:
			r = in.channel_data.recipient;
			assert_true(r > 0 && r < NCH && !c->closed[r]);
			assert_true(c->len[r] + in.channel_data.len < sizeof(c->data[r]));
			memcpy(c->data[r] + c->len[r], in.channel_data.data, in.channel_data.len);
			c->len[r] += in.channel_data.len;
			break;
		case APF_CHANNEL_WINDOW_ADJUST:
			r = in.window_adjust.recipient;
			assert_true(r > 0 && r < NCH);
			c->credited[r] += in.window_adjust.bytes_to_add;
			break;
		case APF_CHANNEL_CLOSE:
			r = in.channel_close.recipient;
			assert_true(r > 0 && r < NCH && !c->closed[r]);
			c->closed[r] = true;
			c->nclosed++;
			mps_close_ch(m, amt_ids[r]);
			break;
		default:
			fail_msg("unexpected %s", apf_msg_name(in.type));
		}
	}
}

/* ---- fixture ---- */

struct fx {
	struct mps mps;
	struct sim_fw fw;
	struct sim_state st;
};

static bool is_connected(void *arg)
{
	struct amt_remote_access_status ra;
	return simt_remote_access(arg, &ra) && ra.cira_status == AMT_CIRA_CONNECTED;
}

static bool is_not_connected(void *arg)
{
	struct amt_remote_access_status ra;
	return simt_remote_access(arg, &ra) && ra.cira_status == AMT_CIRA_NOT_CONNECTED;
}

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));
	if (!f)
		return -1;
	sim_state_defaults(&f->st); /* an AMT Pro sku: 16992, 623, 16994, 5900 */
	amt_window = AMT_WINDOW;
	f->st.prov_state = AMT_PROVISIONING_POST;
	f->st.control_mode = AMT_CONTROL_CCM;
	f->st.os_interface = true;
	f->st.time_scale = 10;
	f->st.cira_keepalive_s = 0; /* lockstep: nothing unasked from AMT */
	snprintf(f->st.cira_ca, sizeof(f->st.cira_ca), "%s", g_mps_pki.ca_path);
	*state = f;
	return 0;
}

/* The user-initiated route ([cira.mps.0] and a user-initiated rule) to the
 * test's MPS, with the test's credentials. */
static void route_to_mps(struct fx *f)
{
	char addr[64];
	snprintf(addr, sizeof(addr), "localhost:%u", f->mps.port);
	assert_int_equal(sim_ra_configure(&f->st.ra, addr, CIRA_USER, CIRA_PASS, true, 0), 0);
}

/* Start the firmware, Open, serve the handshake; the tunnel is up. */
static void bring_up(struct fx *f, int rcvbuf, unsigned nfwd)
{
	mps_listen(&f->mps, rcvbuf);
	route_to_mps(f);
	assert_int_equal(simt_fw_init(&f->fw, &f->st), 0);
	assert_int_equal(simt_call(&f->fw, AMTHI_OPEN_USER_INITIATED_CONNECTION),
			 AMT_STATUS_SUCCESS);
	mps_accept(&f->mps);
	mps_handshake(&f->mps, nfwd);
	assert_true(simt_wait(is_connected, &f->fw));
}

static int teardown(void **state)
{
	struct fx *f = *state;
	simt_fw_free(&f->fw);
	if (f->mps.ctx)
		mps_close(&f->mps);
	free(f);
	return 0;
}

/* ---- tests ---- */

static void test_wsman_through_a_channel(void **state)
{
	struct fx *f = *state;
	struct chans c = {0};
	uint32_t ids[NCH] = {0};

	bring_up(f, 0, 4);
	assert_int_equal(f->mps.fwd[0], 16992);
	assert_int_equal(f->mps.fwd[1], 623);
	assert_int_equal(f->mps.fwd[2], 16994);
	assert_int_equal(f->mps.fwd[3], 5900);
	ids[1] = mps_open_ok(&f->mps, 1, 16992);
	mps_data(&f->mps, ids[1], REQ, strlen(REQ));
	collect(&f->mps, &c, ids, 1);
	c.data[1][c.len[1]] = '\0';
	assert_non_null(strstr(c.data[1], "HTTP/1.1 401"));
	assert_non_null(strstr(c.data[1], "WWW-Authenticate: Digest realm=\"Digest:"));
	/* a request under half of AMT's window costs no WINDOW_ADJUST */
	assert_int_equal(c.credited[1], 0);

	/* another channel after it: a fresh id */
	ids[2] = mps_open_ok(&f->mps, 2, 16992);
	assert_int_not_equal(ids[2], ids[1]);
	mps_data(&f->mps, ids[2], REQ, strlen(REQ));
	collect(&f->mps, &c, ids, 2);
	assert_true(c.len[2] > 0);
}

static void test_refusals(void **state)
{
	struct fx *f = *state;
	struct apf_msg in;

	bring_up(f, 0, 4);
	/* not forwarded (no TLS configured): administratively prohibited */
	mps_open(&f->mps, 3, 16993);
	mps_expect(&f->mps, APF_CHANNEL_OPEN_FAILURE, &in);
	assert_int_equal(in.open_failure.recipient, 3);
	assert_int_equal(in.open_failure.reason, APF_OPEN_FAILURE_ADMINISTRATIVELY_PROHIBITED);
	/* forwarded, not served (KVM): connect failed, every time */
	for (uint32_t i = 4; i < 6; i++) {
		mps_open(&f->mps, i, 5900);
		mps_expect(&f->mps, APF_CHANNEL_OPEN_FAILURE, &in);
		assert_int_equal(in.open_failure.recipient, i);
		assert_int_equal(in.open_failure.reason, APF_OPEN_FAILURE_CONNECT_FAILED);
	}
	/* AMT accepts forwarded-tcpip only */
	struct apf_msg r = {.type = APF_CHANNEL_OPEN,
			    .channel_open = {.kind = APF_CHAN_DIRECT, .sender = 6, .window = 100,
					     .addr = APF_STR("x"), .port = 16992,
					     .orig_addr = APF_STR("y")}};
	mps_send(&f->mps, &r);
	mps_expect(&f->mps, APF_CHANNEL_OPEN_FAILURE, &in);
	assert_int_equal(in.open_failure.reason, APF_OPEN_FAILURE_UNKNOWN_CHANNEL_TYPE);
	/* the tunnel still works */
	struct chans c = {0};
	uint32_t ids[NCH] = {0};
	ids[7] = mps_open_ok(&f->mps, 7, 16992);
	mps_data(&f->mps, ids[7], REQ, strlen(REQ));
	collect(&f->mps, &c, ids, 1);
	assert_true(is_connected(&f->fw));
}

/* A request larger than AMT's window goes through as AMT credits it: the
 * MPS sends at most the window, AMT gives it back in halves. */
static void test_bulk_request_is_credited(void **state)
{
	struct fx *f = *state;
	char *req = malloc(12000);
	size_t len, sent = 0, window = AMT_WINDOW;
	uint32_t credited = 0;
	char resp[2048];
	size_t rlen = 0;
	struct apf_msg in;

	assert_non_null(req);
	int hl = snprintf(req, 12000, "POST /wsman HTTP/1.1\r\nHost: amt\r\nContent-Type: "
			  "application/soap+xml\r\nContent-Length: 10000\r\n\r\n");
	memset(req + hl, 'x', 10000);
	len = (size_t)hl + 10000;
	bring_up(f, 0, 4);
	uint32_t id = mps_open_ok(&f->mps, 1, 16992);
	for (bool closed = false; !closed;) {
		while (sent < len && window > 0) {
			size_t n = len - sent < window ? len - sent : window;
			mps_data(&f->mps, id, req + sent, n);
			sent += n;
			window -= n;
		}
		assert_int_equal(mps_recv(&f->mps, &in), 0);
		if (in.type == APF_CHANNEL_WINDOW_ADJUST) {
			assert_true(in.window_adjust.bytes_to_add >= AMT_WINDOW / 2);
			window += in.window_adjust.bytes_to_add;
			credited += in.window_adjust.bytes_to_add;
		} else if (in.type == APF_CHANNEL_DATA) {
			size_t n = in.channel_data.len < sizeof(resp) - 1 - rlen ? in.channel_data.len
										 : sizeof(resp) - 1 - rlen;
			memcpy(resp + rlen, in.channel_data.data, n);
			rlen += n;
		} else {
			assert_int_equal(in.type, APF_CHANNEL_CLOSE);
			closed = true;
		}
	}
	resp[rlen] = '\0';
	assert_int_equal(sent, len);                 /* everything went through */
	assert_true(credited >= len - AMT_WINDOW);   /* the window came back as AMT took it */
	assert_non_null(strstr(resp, "HTTP/1.1 401"));
	free(req);
}

/* One byte past AMT's window is a protocol error: DISCONNECT 2, tunnel down. */
static void test_window_overrun_disconnects(void **state)
{
	struct fx *f = *state;
	uint8_t big[AMT_WINDOW + 1];
	struct apf_msg in;

	bring_up(f, 0, 4);
	uint32_t id = mps_open_ok(&f->mps, 1, 16992);
	memset(big, 'a', sizeof(big));
	mps_data(&f->mps, id, big, sizeof(big));
	for (;;) {
		assert_int_equal(mps_recv(&f->mps, &in), 0);
		if (in.type == APF_DISCONNECT)
			break;
	}
	assert_int_equal(in.disconnect.reason, APF_DISCONNECT_PROTOCOL_ERROR);
	assert_int_equal(mps_recv(&f->mps, &in), -1);
	assert_true(simt_wait(is_not_connected, &f->fw));
}

/* [sim] cira_window: AMT grants that window instead; a 10 KB request fits
 * in one go (no WINDOW_ADJUST needed), one byte past it still disconnects. */
static void test_cira_window_key(void **state)
{
	struct fx *f = *state;
	size_t cap = 16384 + 1;
	char *req = malloc(cap);
	struct apf_msg in;

	assert_non_null(req);
	f->st.cira_window = amt_window = 16384;
	int hl = snprintf(req, cap, "POST /wsman HTTP/1.1\r\nHost: amt\r\nContent-Type: "
			  "application/soap+xml\r\nContent-Length: 10000\r\n\r\n");
	memset(req + hl, 'x', 10000);
	bring_up(f, 0, 4);
	uint32_t id = mps_open_ok(&f->mps, 1, 16992);
	for (size_t off = 0; off < (size_t)hl + 10000; off += 8000) /* APF's message size */
		mps_data(&f->mps, id, req + off,
			 (size_t)hl + 10000 - off < 8000 ? (size_t)hl + 10000 - off : 8000);
	bool answered = false, closed = false;
	while (!closed) { /* the 401, then AMT closes the channel */
		assert_int_equal(mps_recv(&f->mps, &in), 0);
		if (in.type == APF_CHANNEL_DATA && in.channel_data.len >= 12 &&
		    !memcmp(in.channel_data.data, "HTTP/1.1 401", 12))
			answered = true;
		else if (in.type == APF_CHANNEL_CLOSE)
			closed = true;
		else
			assert_int_equal(in.type, APF_CHANNEL_WINDOW_ADJUST);
	}
	assert_true(answered);
	/* a second channel: its whole window and one byte more */
	id = mps_open_ok(&f->mps, 2, 16992);
	memset(req, 'a', cap);
	for (size_t off = 0; off < cap; off += 8000)
		mps_data(&f->mps, id, req + off, cap - off < 8000 ? cap - off : 8000);
	do
		assert_int_equal(mps_recv(&f->mps, &in), 0);
	while (in.type != APF_DISCONNECT);
	assert_int_equal(in.disconnect.reason, APF_DISCONNECT_PROTOCOL_ERROR);
	free(req);
}

/* 64 channels open at once (the tunnel's limit: a 65th is refused), then a
 * request on every one of them. */
static void test_64_channels_at_once(void **state)
{
	struct fx *f = *state;
	struct chans *c = calloc(1, sizeof(*c));
	uint32_t ids[NCH] = {0};
	struct apf_msg in;

	bring_up(f, 0, 4);
	for (uint32_t i = 1; i <= 64; i++)
		ids[i] = mps_open_ok(&f->mps, i, 16992);
	mps_open(&f->mps, 65, 16992);
	mps_expect(&f->mps, APF_CHANNEL_OPEN_FAILURE, &in);
	assert_int_equal(in.open_failure.recipient, 65);
	assert_int_equal(in.open_failure.reason, APF_OPEN_FAILURE_RESOURCE_SHORTAGE);
	for (uint32_t i = 1; i <= 64; i++)
		mps_data(&f->mps, ids[i], REQ, strlen(REQ));
	collect(&f->mps, c, ids, 64);
	for (uint32_t i = 1; i <= 64; i++) {
		c->data[i][c->len[i]] = '\0';
		assert_non_null(strstr(c->data[i], "HTTP/1.1 401"));
		assert_int_equal(c->credited[i], 0);
	}
	/* every slot is free again once the closes crossed */
	memset(c, 0, sizeof(*c));
	ids[66] = mps_open_ok(&f->mps, 66, 16992);
	mps_data(&f->mps, ids[66], REQ, strlen(REQ));
	collect(&f->mps, c, ids, 1);
	free(c);
}

/* The MPS closes a channel mid-request: AMT answers the CLOSE; data that
 * crosses the close is dropped without harm. */
static void test_mps_closes_mid_request(void **state)
{
	struct fx *f = *state;
	struct apf_msg in;

	bring_up(f, 0, 4);
	uint32_t id = mps_open_ok(&f->mps, 1, 16992);
	mps_data(&f->mps, id, REQ, 20);
	mps_close_ch(&f->mps, id);
	for (;;) { /* maybe a credit first */
		assert_int_equal(mps_recv(&f->mps, &in), 0);
		if (in.type == APF_CHANNEL_CLOSE)
			break;
		assert_int_equal(in.type, APF_CHANNEL_WINDOW_ADJUST);
	}
	assert_int_equal(in.channel_close.recipient, 1);
	mps_data(&f->mps, id, "late", 4);
	mps_close_ch(&f->mps, id);
	struct chans c = {0};
	uint32_t ids[NCH] = {0};
	ids[2] = mps_open_ok(&f->mps, 2, 16992);
	mps_data(&f->mps, ids[2], REQ, strlen(REQ));
	collect(&f->mps, &c, ids, 1);
	assert_true(c.len[2] > 0);
	assert_true(is_connected(&f->fw));
}

/* An MPS that opens a channel while AMT is still asking for forwards (it
 * counted the tunnel open at the first pair): AMT finishes its forwards and
 * then serves the channel. */
static void test_channel_opened_between_forwards(void **state)
{
	struct fx *f = *state;
	struct chans c = {0};
	uint32_t ids[NCH] = {0};
	struct apf_msg in;

	mps_listen(&f->mps, 0);
	route_to_mps(f);
	assert_int_equal(simt_fw_init(&f->fw, &f->st), 0);
	assert_int_equal(simt_call(&f->fw, AMTHI_OPEN_USER_INITIATED_CONNECTION),
			 AMT_STATUS_SUCCESS);
	mps_accept(&f->mps);
	mps_handshake_ex(&f->mps, 4, 2); /* after 16992 and 623 */
	assert_int_equal(f->mps.nfwd, 4);
	mps_expect(&f->mps, APF_CHANNEL_OPEN_CONFIRMATION, &in);
	assert_int_equal(in.open_confirmation.recipient, 1);
	ids[1] = in.open_confirmation.sender;
	assert_true(simt_wait(is_connected, &f->fw));
	mps_data(&f->mps, ids[1], REQ, strlen(REQ));
	collect(&f->mps, &c, ids, 1);
	c.data[1][c.len[1]] = '\0';
	assert_non_null(strstr(c.data[1], "HTTP/1.1 401"));
}

/* TLS configured: 16993 and 664 lead the forwards, and a TLS client
 * inside a channel to 16993 reaches WS-Man over TLS (AMT's certificate). */
static void test_tls_through_a_channel(void **state)
{
	struct fx *f = *state;
	static const uint32_t order[] = {16993, 16992, 664, 623, 16995, 16994, 5900};
	struct apf_msg in;

	snprintf(f->st.tls_cert, sizeof(f->st.tls_cert), "%s", g_amt_pki.cert_path);
	snprintf(f->st.tls_key, sizeof(f->st.tls_key), "%s", g_amt_pki.key_path);
	bring_up(f, 0, 7);
	for (unsigned i = 0; i < 7; i++)
		assert_int_equal(f->mps.fwd[i], order[i]);
	uint32_t id = mps_open_ok(&f->mps, 1, 16993);

	SSL_CTX *cctx = SSL_CTX_new(TLS_client_method());
	assert_non_null(cctx);
	assert_int_equal(SSL_CTX_load_verify_locations(cctx, g_amt_pki.ca_path, NULL), 1);
	SSL_CTX_set_verify(cctx, SSL_VERIFY_PEER, NULL);
	SSL *cl = SSL_new(cctx);
	BIO *rbio = BIO_new(BIO_s_mem()), *wbio = BIO_new(BIO_s_mem());
	SSL_set_bio(cl, rbio, wbio);
	SSL_set1_host(cl, "amt-sim.example");
	SSL_set_connect_state(cl);
	char resp[4096];
	size_t rlen = 0;
	bool sent = false, closed = false;
	while (!closed) {
		int r = sent ? 0 : SSL_do_handshake(cl);
		if (r == 1 && !sent) {
			assert_int_equal(SSL_write(cl, REQ, (int)strlen(REQ)), (int)strlen(REQ));
			sent = true;
		}
		uint8_t out[16384];
		int n;
		while ((n = BIO_read(wbio, out, sizeof(out))) > 0)
			mps_data(&f->mps, id, out, (size_t)n);
		if (r == 1 && !sent)
			continue;
		assert_int_equal(mps_recv(&f->mps, &in), 0);
		if (in.type == APF_CHANNEL_DATA) {
			BIO_write(rbio, in.channel_data.data, (int)in.channel_data.len);
			if (sent)
				while ((n = SSL_read(cl, resp + rlen, (int)(sizeof(resp) - 1 - rlen))) > 0)
					rlen += (size_t)n;
		} else if (in.type == APF_CHANNEL_CLOSE) {
			closed = true;
		} else {
			assert_int_equal(in.type, APF_CHANNEL_WINDOW_ADJUST);
		}
	}
	resp[rlen] = '\0';
	assert_non_null(strstr(resp, "HTTP/1.1 401"));
	SSL_free(cl);
	SSL_CTX_free(cctx);
	ERR_clear_error();
}

/* An MPS that stops reading: the ME model keeps answering at once, and the
 * tunnel ends once the MPS has taken nothing for the stall time. */
static void test_mps_that_stops_reading(void **state)
{
	struct fx *f = *state;
	static uint8_t batch[60000];
	size_t one = 0;

	bring_up(f, 4096, 4);
	/* keepalive requests the test never reads the replies to */
	for (size_t off = 0; off + 5 <= sizeof(batch); off += 5) {
		struct apf_msg r = {.type = APF_KEEPALIVE_REQUEST, .keepalive = {(uint32_t)off}};
		assert_int_equal(apf_encode(&r, batch + off, 5, &one), 0);
	}
	unsigned answered = 0;
	for (int i = 0; i < 2000 && !is_not_connected(&f->fw); i++) {
		if (SSL_write(f->mps.ssl, batch, sizeof(batch)) <= 0)
			break; /* AMT closed the connection */
		struct amt_remote_access_status ra;
		assert_true(simt_remote_access(&f->fw, &ra)); /* the ME model answers */
		answered++;
	}
	assert_true(answered > 0);
	assert_true(simt_wait(is_not_connected, &f->fw));
	assert_int_equal(simt_call(&f->fw, AMTHI_GET_REMOTE_ACCESS_CONNECTION_STATUS),
			 AMT_STATUS_SUCCESS);
}

static int group_setup(void **state)
{
	(void)state;
	signal(SIGPIPE, SIG_IGN);
	tpki_init(&g_mps_pki, "test_sim_cira_tunnel.mps", "localhost", "DNS:localhost");
	tpki_init(&g_amt_pki, "test_sim_cira_tunnel.amt", "amt-sim.example", "DNS:amt-sim.example");
	return 0;
}

static int group_teardown(void **state)
{
	(void)state;
	tpki_free(&g_mps_pki);
	tpki_free(&g_amt_pki);
	return 0;
}

int main(void)
{
	if (getenv("TEST_DEBUG"))
		log_init("test_sim_cira_tunnel", LOG_SINK_STDERR, LOG_LVL_DEBUG);
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_wsman_through_a_channel, setup, teardown),
		cmocka_unit_test_setup_teardown(test_refusals, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bulk_request_is_credited, setup, teardown),
		cmocka_unit_test_setup_teardown(test_window_overrun_disconnects, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cira_window_key, setup, teardown),
		cmocka_unit_test_setup_teardown(test_64_channels_at_once, setup, teardown),
		cmocka_unit_test_setup_teardown(test_mps_closes_mid_request, setup, teardown),
		cmocka_unit_test_setup_teardown(test_channel_opened_between_forwards, setup, teardown),
		cmocka_unit_test_setup_teardown(test_tls_through_a_channel, setup, teardown),
		cmocka_unit_test_setup_teardown(test_mps_that_stops_reading, setup, teardown),
	};
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
