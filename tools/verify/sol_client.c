// SPDX-License-Identifier: Apache-2.0
/*
 * sol_client.c - the console's side of a redirection session (see
 * sol_client.h). Digest answers: MD5 from OpenSSL, the formula of RFC 2617
 * with qop=auth (HA1 = MD5(user:realm:password), HA2 =
 * MD5(POST:/RedirectionService)), nc 00000002 and a random 32-digit cnonce
 * as amtterm and MeshCentral send them.
 */
#include "sol_client.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void send_msg(struct sol_client *c, const struct redir_msg *m)
{
	uint8_t buf[REDIR_SOL_DATA_HDR_LEN + SOL_CLIENT_MAX_TX + REDIR_AUTH_MAX];
	size_t n;
	if (redir_encode(m, buf, sizeof(buf), &n) == 0)
		c->ops->send(c->arg, buf, n);
	OPENSSL_cleanse(buf, sizeof(buf)); /* a password in clear, maybe */
}

static enum sol_client_state fail(struct sol_client *c, enum sol_client_failure f, const char *why)
{
	c->state = SOL_C_FAILED;
	c->failure = f;
	snprintf(c->why, sizeof(c->why), "%s", why);
	return c->state;
}

int sol_client_init(struct sol_client *c, const struct sol_client_ops *ops, void *arg,
		    const char *user, const char *password, bool plain_allowed)
{
	memset(c, 0, sizeof(*c));
	if (strlen(user) > 255 || strlen(password) > 255)
		return -1;
	c->buf = malloc(REDIR_MSG_MAX);
	if (!c->buf)
		return -1;
	c->ops = ops;
	c->arg = arg;
	snprintf(c->user, sizeof(c->user), "%s", user);
	snprintf(c->password, sizeof(c->password), "%s", password);
	c->plain_allowed = plain_allowed;
	return 0;
}

void sol_client_free(struct sol_client *c)
{
	OPENSSL_cleanse(c->password, sizeof(c->password));
	free(c->buf);
	c->buf = NULL;
}

void sol_client_start_session(struct sol_client *c, const char type[4])
{
	struct redir_msg m = {.type = REDIR_START_SESSION};
	memcpy(c->session, type, 4);
	memcpy(m.u.session, type, 4);
	send_msg(c, &m);
	c->state = SOL_C_STARTING;
}

void sol_client_start(struct sol_client *c)
{
	sol_client_start_session(c, REDIR_SESSION_SOL);
}

static bool is_sol(const struct sol_client *c)
{
	return memcmp(c->session, REDIR_SESSION_SOL, 4) == 0;
}

static void send_auth(struct sol_client *c, uint8_t type, const struct redir_strs *s)
{
	uint8_t data[REDIR_AUTH_MAX];
	size_t n = 0;
	struct redir_msg m = {.type = REDIR_AUTH};
	if (s && redir_strs_encode(s, data, sizeof(data), &n) != 0)
		return;
	m.u.auth.type = type;
	m.u.auth.len = (uint32_t)n;
	m.u.auth.data = data;
	send_msg(c, &m);
	OPENSSL_cleanse(data, sizeof(data));
}

static void md5_hex(const char *const *parts, size_t n, char out[33])
{
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	unsigned char d[16];
	unsigned dl = 0;
	if (ctx && EVP_DigestInit_ex(ctx, EVP_md5(), NULL) == 1) {
		for (size_t i = 0; i < n; i++) {
			if (i)
				EVP_DigestUpdate(ctx, ":", 1);
			EVP_DigestUpdate(ctx, parts[i], strlen(parts[i]));
		}
		EVP_DigestFinal_ex(ctx, d, &dl);
	}
	EVP_MD_CTX_free(ctx);
	for (unsigned i = 0; i < 16; i++)
		snprintf(out + 2 * i, 3, "%02x", i < dl ? d[i] : 0);
	OPENSSL_cleanse(d, sizeof(d));
}

static void str_copy(char *dst, size_t cap, const struct redir_str *s)
{
	size_t n = s->len < cap - 1 ? s->len : cap - 1;
	memcpy(dst, s->p, n);
	dst[n] = '\0';
}

/* The digest challenge: realm, nonce, qop "auth". */
static enum sol_client_state answer_challenge(struct sol_client *c, const struct redir_msg *m)
{
	struct redir_strs f, r = {0};
	char realm[256], nonce[256], cnonce[33], ha1[33], ha2[33], resp[33];
	unsigned char rnd[16];
	if (redir_strs_decode(m->u.auth.data, m->u.auth.len, &f) != 0 || f.n < 2 ||
	    (f.n >= 3 && !redir_str_eq(&f, 2, "auth")) || f.n > 3)
		return fail(c, SOL_F_PROTOCOL, "AMT's digest challenge could not be understood");
	str_copy(realm, sizeof(realm), &f.s[0]);
	str_copy(nonce, sizeof(nonce), &f.s[1]);
	if (RAND_bytes(rnd, sizeof(rnd)) != 1)
		return fail(c, SOL_F_PROTOCOL, "no randomness for the digest cnonce");
	for (int i = 0; i < 16; i++)
		snprintf(cnonce + 2 * i, 3, "%02x", rnd[i]);
	const char *p1[] = {c->user, realm, c->password};
	const char *p2[] = {REDIR_DIGEST_METHOD, REDIR_DIGEST_URI};
	md5_hex(p1, 3, ha1);
	md5_hex(p2, 2, ha2);
	const char *p3[] = {ha1, nonce, "00000002", cnonce, "auth", ha2};
	md5_hex(p3, 6, resp);
	OPENSSL_cleanse(ha1, sizeof(ha1));
	if (redir_strs_add(&r, c->user) || redir_strs_add(&r, realm) || redir_strs_add(&r, nonce) ||
	    redir_strs_add(&r, REDIR_DIGEST_URI) || redir_strs_add(&r, cnonce) ||
	    redir_strs_add(&r, "00000002") || redir_strs_add(&r, resp) || redir_strs_add(&r, "auth"))
		return fail(c, SOL_F_PROTOCOL, "the digest answer does not fit");
	send_auth(c, REDIR_AUTH_DIGEST, &r);
	return c->state;
}

static void start_sol(struct sol_client *c)
{
	struct redir_msg m = {.type = REDIR_SOL_START, .seq = c->seq++};
	m.u.sol.max_tx_buffer = SOL_CLIENT_MAX_TX;
	m.u.sol.tx_buffer_timeout_ms = 100;
	m.u.sol.host_session_rx_timeout_ms = SOL_CLIENT_RX_TIMEOUT_MS;
	m.u.sol.heartbeat_interval_ms = SOL_CLIENT_HEARTBEAT_MS;
	send_msg(c, &m);
	c->state = SOL_C_STARTING_SOL;
}

static enum sol_client_state on_auth_reply(struct sol_client *c, const struct redir_msg *m)
{
	if (c->state == SOL_C_QUERYING) {
		bool digest = false, plain = false;
		if (m->status != 0 || m->u.auth.type != REDIR_AUTH_QUERY)
			return fail(c, SOL_F_PROTOCOL, "AMT did not answer the authentication query");
		for (uint32_t i = 0; i < m->u.auth.len; i++) {
			digest |= m->u.auth.data[i] == REDIR_AUTH_DIGEST;
			plain |= m->u.auth.data[i] == REDIR_AUTH_PLAIN;
		}
		if (digest) {
			struct redir_strs s = {0};
			/* user, then empty realm, nonce, the URI, empty cnonce, nc, response, qop */
			redir_strs_add(&s, c->user);
			redir_strs_add(&s, "");
			redir_strs_add(&s, "");
			redir_strs_add(&s, REDIR_DIGEST_URI);
			for (int i = 0; i < 4; i++)
				redir_strs_add(&s, "");
			c->auth_type = REDIR_AUTH_DIGEST;
			send_auth(c, REDIR_AUTH_DIGEST, &s);
		} else if (plain && c->plain_allowed) {
			struct redir_strs s = {0};
			redir_strs_add(&s, c->user);
			redir_strs_add(&s, c->password);
			c->auth_type = REDIR_AUTH_PLAIN;
			send_auth(c, REDIR_AUTH_PLAIN, &s);
		} else {
			return fail(c, SOL_F_REFUSED,
				    plain ? "AMT offers only user/password authentication, which sends "
					    "the password in clear: use --tls"
					  : "AMT offers no authentication this console speaks");
		}
		c->state = SOL_C_AUTHENTICATING;
		return c->state;
	}
	if (c->state != SOL_C_AUTHENTICATING || m->u.auth.type != c->auth_type)
		return fail(c, SOL_F_PROTOCOL, "an authentication reply out of order");
	if (m->status == REDIR_STATUS_SUCCESS) {
		if (is_sol(c))
			start_sol(c);
		else
			c->state = SOL_C_AUTHENTICATED;
		return c->state;
	}
	if (c->auth_type == REDIR_AUTH_DIGEST && m->u.auth.len > 0) /* the challenge */
		return answer_challenge(c, m);
	return fail(c, SOL_F_AUTH, "AMT refused the user name or password");
}

static enum sol_client_state on_message(struct sol_client *c, const struct redir_msg *m)
{
	switch (m->type) {
	case REDIR_START_SESSION_REPLY:
		if (c->state != SOL_C_STARTING)
			break;
		if (m->status != 0)
			return fail(c, SOL_F_REFUSED,
				    is_sol(c) ? "AMT refused the Serial-over-LAN session (redirection or "
						"SOL disabled)"
					      : "AMT refused the IDE-R session (redirection or IDE-R "
						"disabled)");
		send_auth(c, REDIR_AUTH_QUERY, NULL);
		c->state = SOL_C_QUERYING;
		return c->state;
	case REDIR_AUTH_REPLY:
		return on_auth_reply(c, m);
	case REDIR_SOL_START_REPLY:
		if (c->state != SOL_C_STARTING_SOL)
			break;
		if (m->status != 0)
			return fail(c, SOL_F_REFUSED,
				    "AMT refused to start SOL: another session is open, user consent "
				    "is required (amt-verify consent), or SOL is disabled");
		c->state = SOL_C_RUNNING;
		return c->state;
	case REDIR_SOL_CONTROLS:
		if (c->state == SOL_C_RUNNING && c->ops->power)
			c->ops->power(c->arg, (m->u.controls.status & REDIR_ST_POWER_ON) != 0);
		return c->state;
	case REDIR_SOL_DATA_FROM_HOST:
		if (c->state == SOL_C_RUNNING || c->state == SOL_C_ENDING) {
			if (m->u.data.len)
				c->ops->data(c->arg, m->u.data.data, m->u.data.len);
			return c->state;
		}
		break;
	case REDIR_SOL_HEARTBEAT: { /* amtterm echoes them; so do we */
		struct redir_msg r = {.type = REDIR_SOL_HEARTBEAT, .seq = m->seq};
		send_msg(c, &r);
		return c->state;
	}
	case REDIR_SOL_PONG:
		return c->state;
	case REDIR_SOL_END_REPLY:
		if (c->state != SOL_C_ENDING)
			break;
		{
			struct redir_msg r = {.type = REDIR_END_SESSION};
			send_msg(c, &r);
		}
		c->state = SOL_C_CLOSED;
		return c->state;
	default:
		break;
	}
	char why[96];
	snprintf(why, sizeof(why), "AMT sent %s out of order", redir_msg_name(m->type));
	return fail(c, SOL_F_PROTOCOL, why);
}

enum sol_client_state sol_client_feed(struct sol_client *c, const uint8_t *p, size_t n)
{
	while (n > 0 && c->state != SOL_C_FAILED && c->state != SOL_C_CLOSED &&
	       c->state != SOL_C_AUTHENTICATED) {
		size_t take = REDIR_MSG_MAX - c->len < n ? REDIR_MSG_MAX - c->len : n;
		memcpy(c->buf + c->len, p, take);
		c->len += take;
		p += take;
		n -= take;
		for (;;) {
			size_t want;
			struct redir_msg m;
			int rc = redir_frame_length(c->buf, c->len, REDIR_FROM_AMT, &want);
			if (rc == PROTO_E_SHORT)
				break;
			if (rc != 0 || redir_decode(c->buf, want, REDIR_FROM_AMT, &m) != 0) {
				char why[96];
				snprintf(why, sizeof(why), "AMT's bytes could not be understood (%s)",
					 rc ? proto_err_message(rc) : "malformed message");
				return fail(c, SOL_F_PROTOCOL, why);
			}
			on_message(c, &m);
			memmove(c->buf, c->buf + want, c->len - want);
			c->len -= want;
			if (c->state == SOL_C_FAILED || c->state == SOL_C_CLOSED ||
			    c->state == SOL_C_AUTHENTICATED)
				return c->state;
		}
	}
	return c->state;
}

void sol_client_keys(struct sol_client *c, const uint8_t *p, size_t n)
{
	while (c->state == SOL_C_RUNNING && n > 0) {
		size_t k = n < SOL_CLIENT_MAX_TX ? n : SOL_CLIENT_MAX_TX;
		struct redir_msg m = {.type = REDIR_SOL_DATA_TO_HOST, .seq = c->seq++};
		m.u.data.len = (uint16_t)k;
		m.u.data.data = p;
		send_msg(c, &m);
		p += k;
		n -= k;
	}
}

void sol_client_stop(struct sol_client *c)
{
	if (c->state == SOL_C_RUNNING) {
		struct redir_msg m = {.type = REDIR_SOL_END, .seq = c->seq++};
		send_msg(c, &m);
		c->state = SOL_C_ENDING;
	} else if (c->state != SOL_C_CLOSED && c->state != SOL_C_IDLE &&
		   c->state != SOL_C_AUTHENTICATED) {
		struct redir_msg m = {.type = REDIR_END_SESSION};
		send_msg(c, &m);
		c->state = SOL_C_CLOSED;
	}
}
