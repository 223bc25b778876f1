// SPDX-License-Identifier: Apache-2.0
/*
 * sim_sol.c - AMT's side of one redirection connection (see sim_sol.h).
 * Bytes in and out go through proto/redir_codec.c; digest answers are
 * computed with the WS-Man service's RFC 2617 helper (same realm, same
 * formula with method POST and the URI the console names).
 */
#include "sim_sol.h"

#include <openssl/crypto.h>
#include <stdio.h>
#include <string.h>

#include "http_digest.h"
#include "sim_wsman_int.h"

#define STATUS_REFUSED 0x01u

static void send_msg(struct sim_sol *s, const struct redir_msg *m, bool alone)
{
	uint8_t buf[REDIR_START_SESSION_REPLY_LEN + REDIR_AUTH_HDR_LEN + REDIR_AUTH_MAX];
	size_t n;
	if (redir_encode(m, buf, sizeof(buf), &n) == 0)
		s->ops->send(s->arg, buf, n, alone);
}

static enum sim_sol_state close_with(struct sim_sol *s, const char *why)
{
	if (s->state == SIM_SOL_S_RUN)
		s->ops->sol_close(s->arg);
	s->state = SIM_SOL_S_CLOSED;
	s->why = why;
	return s->state;
}

void sim_sol_init(struct sim_sol *s, const struct sim_sol_ops *ops, void *arg)
{
	memset(s, 0, sizeof(*s));
	s->ops = ops;
	s->arg = arg;
	s->seq = 1;
}

/* ---- StartRedirectionSession ---- */

static enum sim_sol_state on_start(struct sim_sol *s, const struct redir_msg *m)
{
	struct sim_sol_cfg cfg;
	struct redir_msg r = {.type = REDIR_START_SESSION_REPLY};
	const char *refused = NULL;
	s->ops->config(s->arg, &cfg);
	if (!memcmp(m->u.session, REDIR_SESSION_IDER, 4))
		refused = cfg.ider_enabled ? NULL
					   : "IDE-R session refused: IDE-R is disabled (AMT_RedirectionService)";
	else if (!memcmp(m->u.session, REDIR_SESSION_KVM, 4))
		refused = "KVM session refused (not simulated)";
	else if (memcmp(m->u.session, REDIR_SESSION_SOL, 4) != 0)
		refused = "unknown session type refused";
	else if (!cfg.sol_enabled)
		refused = "SOL session refused: SOL is disabled (AMT_RedirectionService)";
	OPENSSL_cleanse(&cfg, sizeof(cfg));
	if (refused) {
		r.status = STATUS_REFUSED;
		send_msg(s, &r, true);
		return close_with(s, refused);
	}
	r.u.start_reply.proto_major = 1;
	r.u.start_reply.fw_major = 2;
	r.u.start_reply.oem_iana = 0x5555;
	s->ider = !memcmp(m->u.session, REDIR_SESSION_IDER, 4);
	send_msg(s, &r, false);
	s->state = SIM_SOL_S_AUTH;
	return s->state;
}

/* ---- authentication ---- */

static void auth_reply(struct sim_sol *s, uint8_t status, uint8_t type, const uint8_t *data,
		       uint32_t len)
{
	struct redir_msg r = {.type = REDIR_AUTH_REPLY, .status = status};
	r.u.auth.type = type;
	r.u.auth.len = len;
	r.u.auth.data = data;
	send_msg(s, &r, true);
}

static bool str_equal_ct(const struct redir_str *got, const char *want)
{
	size_t n = strlen(want);
	return got->len == n && CRYPTO_memcmp(got->p, want, n) == 0;
}

static void copy_str(char *dst, size_t cap, const struct redir_str *s)
{
	size_t n = s->len < cap - 1 ? s->len : cap - 1;
	memcpy(dst, s->p, n);
	dst[n] = '\0';
}

static enum sim_sol_state accepted(struct sim_sol *s, uint8_t type, const struct redir_str *user)
{
	copy_str(s->user, sizeof(s->user), user);
	auth_reply(s, REDIR_STATUS_SUCCESS, type, NULL, 0);
	s->state = SIM_SOL_S_READY;
	return s->state;
}

static enum sim_sol_state refused_auth(struct sim_sol *s, uint8_t type, const char *why)
{
	auth_reply(s, STATUS_REFUSED, type, NULL, 0);
	return close_with(s, why);
}

/* Digest fields: user, realm, nonce, uri, cnonce, nc, response, qop. */
enum { D_USER, D_REALM, D_NONCE, D_URI, D_CNONCE, D_NC, D_RESPONSE, D_QOP, D_COUNT };

static enum sim_sol_state digest(struct sim_sol *s, const struct redir_strs *f,
				 const struct sim_sol_cfg *cfg)
{
	char user[33], nonce[33], uri[256], cnonce[256], nc[16], want[33];
	if (f->n != D_COUNT)
		return refused_auth(s, REDIR_AUTH_DIGEST, "digest authentication: malformed");
	if (f->s[D_RESPONSE].len == 0) { /* the first message: challenge it */
		uint8_t data[3 * 256];
		struct redir_strs c = {0};
		size_t n;
		if (s->ops->nonce(s->arg, s->nonce) != 0)
			return close_with(s, "no randomness for a nonce");
		if (redir_strs_add(&c, cfg->realm) || redir_strs_add(&c, s->nonce) ||
		    redir_strs_add(&c, "auth") || redir_strs_encode(&c, data, sizeof(data), &n))
			return close_with(s, "cannot encode the digest challenge");
		auth_reply(s, REDIR_STATUS_FAILURE, REDIR_AUTH_DIGEST, data, (uint32_t)n);
		return s->state;
	}
	if (!s->nonce[0] || !redir_str_eq(f, D_NONCE, s->nonce) ||
	    !redir_str_eq(f, D_REALM, cfg->realm) || !redir_str_eq(f, D_QOP, "auth") ||
	    f->s[D_RESPONSE].len != 32 || f->s[D_USER].len >= sizeof(user) ||
	    f->s[D_NC].len >= sizeof(nc) || f->s[D_NC].len == 0 || f->s[D_CNONCE].len == 0)
		return refused_auth(s, REDIR_AUTH_DIGEST, "digest authentication: wrong realm, "
							   "nonce or qop");
	copy_str(user, sizeof(user), &f->s[D_USER]);
	copy_str(nonce, sizeof(nonce), &f->s[D_NONCE]);
	copy_str(uri, sizeof(uri), &f->s[D_URI]);
	copy_str(cnonce, sizeof(cnonce), &f->s[D_CNONCE]);
	copy_str(nc, sizeof(nc), &f->s[D_NC]);
	s->nonce[0] = '\0'; /* one answer per challenge */
	http_digest_compute(cfg->user, cfg->realm, cfg->password, REDIR_DIGEST_METHOD, uri, nonce, nc,
			    cnonce, "auth", want);
	bool ok = str_equal_ct(&f->s[D_USER], cfg->user) &&
		  CRYPTO_memcmp(want, f->s[D_RESPONSE].p, 32) == 0;
	OPENSSL_cleanse(want, sizeof(want));
	if (!ok)
		return refused_auth(s, REDIR_AUTH_DIGEST, "digest authentication: wrong user or "
							   "password");
	return accepted(s, REDIR_AUTH_DIGEST, &f->s[D_USER]);
}

static enum sim_sol_state on_auth(struct sim_sol *s, const struct redir_msg *m)
{
	struct sim_sol_cfg cfg;
	struct redir_strs f;
	enum sim_sol_state st;

	if (m->u.auth.type == REDIR_AUTH_QUERY) {
		uint8_t types[2];
		uint32_t n = 0;
		s->ops->config(s->arg, &cfg);
		if (cfg.plain_auth)
			types[n++] = REDIR_AUTH_PLAIN;
		types[n++] = REDIR_AUTH_DIGEST;
		OPENSSL_cleanse(&cfg, sizeof(cfg));
		if (m->u.auth.len != 0)
			return close_with(s, "authentication query with data");
		auth_reply(s, REDIR_STATUS_SUCCESS, REDIR_AUTH_QUERY, types, n);
		return s->state;
	}
	if (redir_strs_decode(m->u.auth.data, m->u.auth.len, &f) != 0)
		return refused_auth(s, m->u.auth.type, "authentication data malformed");
	s->ops->config(s->arg, &cfg);
	switch (m->u.auth.type) {
	case REDIR_AUTH_PLAIN:
		if (!cfg.plain_auth)
			st = refused_auth(s, REDIR_AUTH_PLAIN, "user/password authentication disabled");
		else if (f.n != 2 || !str_equal_ct(&f.s[0], cfg.user) ||
			 !str_equal_ct(&f.s[1], cfg.password))
			st = refused_auth(s, REDIR_AUTH_PLAIN, "wrong user or password");
		else
			st = accepted(s, REDIR_AUTH_PLAIN, &f.s[0]);
		break;
	case REDIR_AUTH_DIGEST:
		st = digest(s, &f, &cfg);
		break;
	default:
		st = refused_auth(s, m->u.auth.type, "authentication type not supported");
		break;
	}
	OPENSSL_cleanse(&cfg, sizeof(cfg));
	return st;
}

/* ---- SOL ---- */

static enum sim_sol_state on_sol_start(struct sim_sol *s, const struct redir_msg *m)
{
	struct redir_msg r = {.type = REDIR_SOL_START_REPLY, .seq = 0};
	enum sim_sol_refusal why = s->ops->sol_open(s->arg, &m->u.sol);
	r.u.sol = m->u.sol; /* the twelve parameter bytes, echoed */
	if (why != SIM_SOL_OK) {
		r.status = STATUS_REFUSED;
		send_msg(s, &r, true);
		return close_with(s, why == SIM_SOL_BUSY ? "SOL refused: another session is open"
							 : "SOL refused: user consent required");
	}
	s->settings = m->u.sol;
	send_msg(s, &r, true);
	s->state = SIM_SOL_S_RUN;
	return s->state;
}

void sim_sol_send_data(struct sim_sol *s, const uint8_t *p, size_t n)
{
	uint8_t buf[REDIR_SOL_DATA_HDR_LEN + SIM_SOL_DATA_MAX];
	struct redir_msg m = {.type = REDIR_SOL_DATA_FROM_HOST};
	size_t len;
	if (s->state != SIM_SOL_S_RUN || n > SIM_SOL_DATA_MAX)
		return;
	m.seq = s->seq++;
	m.u.data.len = (uint16_t)n;
	m.u.data.data = p;
	if (redir_encode(&m, buf, sizeof(buf), &len) == 0)
		s->ops->send(s->arg, buf, len, false);
}

void sim_sol_send_heartbeat(struct sim_sol *s)
{
	struct redir_msg m = {.type = REDIR_SOL_HEARTBEAT, .seq = s->seq++};
	if (s->state == SIM_SOL_S_RUN)
		send_msg(s, &m, false);
}

void sim_sol_send_controls(struct sim_sol *s, bool power_on)
{
	struct redir_msg m = {.type = REDIR_SOL_CONTROLS, .seq = s->seq++};
	m.u.controls.status = power_on ? REDIR_ST_POWER_ON : 0;
	if (s->state == SIM_SOL_S_RUN)
		send_msg(s, &m, true);
}

static enum sim_sol_state on_running(struct sim_sol *s, const struct redir_msg *m)
{
	switch (m->type) {
	case REDIR_SOL_DATA_TO_HOST:
		if (m->u.data.len)
			s->ops->to_host(s->arg, m->u.data.data, m->u.data.len);
		return s->state;
	case REDIR_SOL_HEARTBEAT: /* the console's liveness; amtterm echoes ours */
	case REDIR_SOL_MC_0x27:   /* MeshCentral's, meaning unknown: ignored */
		return s->state;
	case REDIR_SOL_PING: {
		struct redir_msg r = {.type = REDIR_SOL_PONG, .seq = m->seq};
		send_msg(s, &r, false);
		return s->state;
	}
	case REDIR_SOL_END: {
		struct redir_msg r = {.type = REDIR_SOL_END_REPLY};
		s->ops->sol_close(s->arg);
		send_msg(s, &r, true);
		s->state = SIM_SOL_S_READY;
		return s->state;
	}
	default:
		snprintf(s->why_buf, sizeof(s->why_buf), "%s while SOL runs", redir_msg_name(m->type));
		return close_with(s, s->why_buf);
	}
}

enum sim_sol_state sim_sol_input(struct sim_sol *s, const uint8_t *msg, size_t len)
{
	struct redir_msg m;
	int rc;
	if (s->state == SIM_SOL_S_CLOSED)
		return s->state;
	rc = redir_decode(msg, len, REDIR_FROM_CONSOLE, &m);
	if (rc != 0) {
		sim_sol_bad_frame(s, rc);
		return s->state;
	}
	if (m.type == REDIR_END_SESSION)
		return close_with(s, "the console ended the session");
	switch (s->state) {
	case SIM_SOL_S_START:
		if (m.type == REDIR_START_SESSION)
			return on_start(s, &m);
		break;
	case SIM_SOL_S_AUTH:
		if (m.type == REDIR_AUTH)
			return on_auth(s, &m);
		break;
	case SIM_SOL_S_READY:
		if (m.type == REDIR_SOL_START && !s->ider)
			return on_sol_start(s, &m);
		/* stragglers after EndSOL (amtterm sends what was typed meanwhile) */
		if (m.type == REDIR_SOL_HEARTBEAT || m.type == REDIR_SOL_DATA_TO_HOST ||
		    m.type == REDIR_SOL_MC_0x27)
			return s->state;
		break;
	case SIM_SOL_S_RUN:
		return on_running(s, &m);
	default:
		break;
	}
	snprintf(s->why_buf, sizeof(s->why_buf), "%s out of order", redir_msg_name(m.type));
	return close_with(s, s->why_buf);
}

void sim_sol_bad_frame(struct sim_sol *s, int proto_err)
{
	close_with(s, proto_err == PROTO_E_TOO_LARGE	 ? "message too large"
		      : proto_err == PROTO_E_BAD_COMMAND ? "unknown message type"
							 : "malformed message");
}

void sim_sol_gone(struct sim_sol *s)
{
	if (s->state != SIM_SOL_S_CLOSED)
		close_with(s, "connection closed");
}
