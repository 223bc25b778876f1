// SPDX-License-Identifier: Apache-2.0
/*
 * mps_apf.c - the MPS side of CIRA APF as a state machine over bytes (see
 * mps_apf.h for the rules it enforces).
 *
 * Owns: framing (apf_frame_length), decoding (apf_decode), the handshake
 * flags, the replies (apf_encode), credential checks (SHA-256 of both sides
 * compared with CRYPTO_memcmp, so neither length nor content leaks through
 * timing), the cira_* events, and routing the device's channel messages to
 * the tunnel's channel table (mps_chan.c).
 * Must not: touch sockets, timers or the store; log passwords.
 */
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "apf_codec.h"
#include "log.h"
#include "mps_apf.h"
#include "verify.h"

#define DIGEST_LEN 32u
#define USER_TEXT_MAX 80u

struct mps_session {
	const struct mps_auth *auth;
	struct mps_hooks hooks;
	char source[64];
	/* handshake */
	bool have_version, auth_service, authenticated, pfwd;
	unsigned none_queries;
	uint32_t major, minor, trigger;
	char uuid[VERIFY_UUID_STR_LEN];
	char user[USER_TEXT_MAX]; /* printable copy of the claimed user name */
	uint32_t ports[MPS_MAX_FORWARDS];
	char port_addr[MPS_MAX_FORWARDS][MPS_FORWARD_ADDR_MAX]; /* printable bind addresses */
	unsigned nports;
	struct mps_chan_table *ch;
	/* lifetime */
	bool open, over, got_disconnect;
	uint32_t disconnect_reason;
	int64_t open_ms;
	char error[256]; /* why the session ended in error (cira_close) */
};

static const char *const end_names[] = {
	[MPS_END_DEVICE_CLOSED] = "device_closed", [MPS_END_DISCONNECT] = "disconnect",
	[MPS_END_TIMEOUT] = "timeout",             [MPS_END_ERROR] = "error",
	[MPS_END_SHUTDOWN] = "shutdown",
};

const char *mps_trigger_name(uint32_t trigger)
{
	switch (trigger) {
	case APF_TRIGGER_USER_INITIATED: return "user_initiated";
	case APF_TRIGGER_ALERT: return "alert";
	case APF_TRIGGER_PROVISIONING: return "provisioning";
	case APF_TRIGGER_PERIODIC: return "periodic";
	default: return "unknown";
	}
}

static int64_t now_ms(const struct mps_session *s)
{
	return s->hooks.now_ms ? s->hooks.now_ms(s->hooks.arg) : verify_mono_ms();
}

static const char *uuid_or_dash(const struct mps_session *s)
{
	return s->have_version ? s->uuid : "-";
}

static void send_msg(struct mps_session *s, const struct apf_msg *m)
{
	uint8_t buf[MPS_CHAN_MAX_DATA + 1024]; /* the largest: CHANNEL_DATA */
	size_t n;
	int r = apf_encode(m, buf, sizeof(buf), &n);

	if (r != 0) {
		/* Only our own replies are encoded here; this is a bug, not peer input. */
		log_error("mps %s: cannot encode %s: %s", s->source, apf_msg_name(m->type),
			  proto_err_message(r));
		return;
	}
	s->hooks.send(s->hooks.arg, buf, n);
}

static void send_disconnect(struct mps_session *s, uint32_t reason)
{
	struct apf_msg m = {.type = APF_DISCONNECT, .disconnect = {.reason = reason}};
	send_msg(s, &m);
}

/* Fields every cira_* event carries. */
static json_t *base_detail(const struct mps_session *s)
{
	json_t *d = json_object();

	if (!d)
		return NULL;
	json_object_set_new(d, "trigger", json_string(mps_trigger_name(s->trigger)));
	json_object_set_new(d, "trigger_code", json_integer(s->trigger));
	json_object_set_new(d, "user", s->user[0] ? json_string(s->user) : json_null());
	return d;
}

static void emit(struct mps_session *s, const char *type, json_t *detail)
{
	if (!detail) {
		log_error("mps %s: out of memory recording %s", s->source, type);
		return;
	}
	s->hooks.event(s->hooks.arg, type, s->have_version ? s->uuid : NULL, detail);
	json_decref(detail);
}

static void emit_open(struct mps_session *s)
{
	json_t *d = base_detail(s), *ports = json_array();

	s->open = true;
	s->open_ms = now_ms(s);
	for (unsigned i = 0; i < s->nports && ports; i++)
		json_array_append_new(ports, json_integer(s->ports[i]));
	if (d && ports) {
		char v[24];
		snprintf(v, sizeof(v), "%u.%u", s->major, s->minor);
		json_object_set_new(d, "ports", ports);
		json_object_set_new(d, "apf_version", json_string(v));
		ports = NULL;
	}
	json_decref(ports);
	log_info("mps %s: tunnel open: device %s, trigger %s, user %s, %u port(s)", s->source,
		 s->uuid, mps_trigger_name(s->trigger), s->user, s->nports);
	emit(s, "cira_open", d);
}

/* The session ends; reports cira_close when the tunnel was open. */
static void finish(struct mps_session *s, enum mps_end_reason reason)
{
	json_t *d;

	if (s->over)
		return;
	s->over = true;
	if (!s->open)
		return;
	d = base_detail(s);
	if (d) {
		json_object_set_new(d, "reason", json_string(end_names[reason]));
		json_object_set_new(d, "duration_ms", json_integer(now_ms(s) - s->open_ms));
		if (s->got_disconnect)
			json_object_set_new(d, "disconnect_reason",
					    json_integer(s->disconnect_reason));
		if (reason == MPS_END_ERROR && s->error[0])
			json_object_set_new(d, "error", json_string(s->error));
	}
	log_info("mps %s: tunnel closed: device %s, %s", s->source, s->uuid, end_names[reason]);
	emit(s, "cira_close", d);
}

__attribute__((format(printf, 2, 0))) static enum mps_result
fail_v(struct mps_session *s, const char *fmt, va_list ap)
{
	char why[256];

	vsnprintf(why, sizeof(why), fmt, ap);
	log_warn("mps %s: device %s: protocol error: %s — disconnected", s->source,
		 uuid_or_dash(s), why);
	if (s->over)
		return MPS_CLOSE;
	snprintf(s->error, sizeof(s->error), "%s", why);
	send_disconnect(s, APF_DISCONNECT_PROTOCOL_ERROR);
	finish(s, MPS_END_ERROR);
	return MPS_CLOSE;
}

/* Log one line, send DISCONNECT reason 2, end the session. */
__attribute__((format(printf, 2, 3))) static enum mps_result
protocol_error(struct mps_session *s, const char *fmt, ...)
{
	va_list ap;
	enum mps_result r;

	va_start(ap, fmt);
	r = fail_v(s, fmt, ap);
	va_end(ap);
	return r;
}

void mps_session_fail(struct mps_session *s, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fail_v(s, fmt, ap);
	va_end(ap);
}

static void sha256(const void *p, size_t n, uint8_t out[DIGEST_LEN])
{
	unsigned int len = 0;

	if (EVP_Digest(p, n, out, &len, EVP_sha256(), NULL) != 1 || len != DIGEST_LEN)
		memset(out, 0xA5, DIGEST_LEN); /* never equal to a real digest pair below */
}

static enum mps_result auth_failed(struct mps_session *s, const char *why)
{
	struct apf_msg f = {.type = APF_USERAUTH_FAILURE,
			    .userauth_failure = {.methods = APF_STR(APF_AUTH_METHOD_PASSWORD_STR)}};
	json_t *d = base_detail(s);

	send_msg(s, &f);
	send_disconnect(s, APF_DISCONNECT_NO_MORE_AUTH_METHODS_AVAILABLE);
	log_warn("mps %s: device %s: authentication failed for user \"%s\": %s — disconnected",
		 s->source, uuid_or_dash(s), s->user, why);
	if (d)
		json_object_set_new(d, "reason", json_string(why));
	emit(s, "cira_auth_failed", d);
	finish(s, MPS_END_ERROR);
	return MPS_CLOSE;
}

static enum mps_result on_userauth(struct mps_session *s, const struct apf_userauth_request *u)
{
	uint8_t want[DIGEST_LEN], got[DIGEST_LEN];
	struct apf_msg m = {0};
	int user_ok, pass_ok;
	char method[32];

	if (!s->auth_service)
		return protocol_error(s, "USERAUTH_REQUEST before the auth service was accepted");
	if (s->authenticated)
		return protocol_error(s, "USERAUTH_REQUEST after successful authentication");
	verify_printable(u->user.p, u->user.len, s->user, sizeof(s->user));
	if (u->method == APF_AUTH_METHOD_NONE) {
		if (++s->none_queries > MPS_MAX_AUTH_QUERIES)
			return auth_failed(s, "too many \"none\" authentication attempts");
		m.type = APF_USERAUTH_FAILURE;
		m.userauth_failure.methods = APF_STR(APF_AUTH_METHOD_PASSWORD_STR);
		send_msg(s, &m);
		return MPS_CONTINUE;
	}
	if (u->method != APF_AUTH_METHOD_PASSWORD) {
		char why[64];
		verify_printable(u->method_name.p, u->method_name.len, method, sizeof(method));
		snprintf(why, sizeof(why), "unsupported method \"%s\"", method);
		return auth_failed(s, why);
	}
	sha256(s->auth->user, strlen(s->auth->user), want);
	sha256(u->user.p, u->user.len, got);
	user_ok = CRYPTO_memcmp(want, got, DIGEST_LEN) == 0;
	sha256(s->auth->password, s->auth->password_len, want);
	sha256(u->password.p, u->password.len, got);
	pass_ok = CRYPTO_memcmp(want, got, DIGEST_LEN) == 0;
	OPENSSL_cleanse(want, sizeof(want));
	OPENSSL_cleanse(got, sizeof(got));
	if (!user_ok)
		return auth_failed(s, "wrong user name");
	if (!pass_ok)
		return auth_failed(s, "wrong password");
	s->authenticated = true;
	log_info("mps %s: device %s: user \"%s\" authenticated", s->source, s->uuid, s->user);
	m.type = APF_USERAUTH_SUCCESS;
	send_msg(s, &m);
	return MPS_CONTINUE;
}

static bool has_port(const struct mps_session *s, uint32_t port)
{
	for (unsigned i = 0; i < s->nports; i++)
		if (s->ports[i] == port)
			return true;
	return false;
}

static enum mps_result on_global_request(struct mps_session *s, const struct apf_global_request *g)
{
	struct apf_msg m = {.type = APF_REQUEST_FAILURE};

	if (!s->pfwd)
		return protocol_error(s, "GLOBAL_REQUEST before the pfwd service was accepted");
	switch (g->kind) {
	case APF_GREQ_TCPIP:
		if (g->port > 65535 || g->port == 0) {
			return protocol_error(s, "tcpip-forward for port %u", (unsigned)g->port);
		} else if (!has_port(s, g->port) && s->nports >= MPS_MAX_FORWARDS) {
			log_warn("mps %s: device %s: more than %u forwards, refusing port %u",
				 s->source, s->uuid, MPS_MAX_FORWARDS, (unsigned)g->port);
		} else {
			if (!has_port(s, g->port)) {
				verify_printable(g->addr.p, g->addr.len, s->port_addr[s->nports],
						 MPS_FORWARD_ADDR_MAX);
				s->ports[s->nports++] = g->port;
				if (s->open && s->hooks.ports_changed)
					s->hooks.ports_changed(s->hooks.arg);
			}
			m.type = APF_REQUEST_SUCCESS;
			m.request_success.has_port = true;
			m.request_success.port = g->port;
		}
		send_msg(s, &m);
		if (!s->open && ((has_port(s, 16992) && has_port(s, 623)) ||
				 (has_port(s, 16993) && has_port(s, 664))))
			emit_open(s);
		return MPS_CONTINUE;
	case APF_GREQ_CANCEL_TCPIP:
		for (unsigned i = 0; i < s->nports; i++) {
			if (s->ports[i] == g->port) {
				/* keep the order the device asked in */
				memmove(&s->ports[i], &s->ports[i + 1],
					(s->nports - i - 1) * sizeof(s->ports[0]));
				memmove(s->port_addr[i], s->port_addr[i + 1],
					(s->nports - i - 1) * sizeof(s->port_addr[0]));
				s->nports--;
				if (s->open && s->hooks.ports_changed)
					s->hooks.ports_changed(s->hooks.arg);
				break;
			}
		}
		m.type = APF_REQUEST_SUCCESS;
		send_msg(s, &m);
		return MPS_CONTINUE;
	default: /* udp-send-to: nothing to relay it to */
		if (g->want_reply)
			send_msg(s, &m);
		return MPS_CONTINUE;
	}
}

static enum mps_result on_version(struct mps_session *s, const struct apf_protocol_version *v)
{
	struct apf_msg m = {.type = APF_PROTOCOLVERSION};

	if (s->have_version)
		return protocol_error(s, "second PROTOCOLVERSION");
	s->have_version = true;
	s->major = v->major;
	s->minor = v->minor;
	s->trigger = v->trigger;
	verify_uuid_str(v->uuid, s->uuid);
	if (v->major < APF_PROTOCOL_MAJOR) {
		log_warn("mps %s: device %s: APF version %u.%u is not supported — disconnected",
			 s->source, s->uuid, (unsigned)v->major, (unsigned)v->minor);
		send_disconnect(s, APF_DISCONNECT_PROTOCOL_VERSION_NOT_SUPPORTED);
		finish(s, MPS_END_ERROR);
		return MPS_CLOSE;
	}
	log_info("mps %s: device %s: APF %u.%u, trigger %s", s->source, s->uuid,
		 (unsigned)v->major, (unsigned)v->minor, mps_trigger_name(v->trigger));
	m.protocol_version.major = APF_PROTOCOL_MAJOR;
	m.protocol_version.minor = APF_PROTOCOL_MINOR;
	m.protocol_version.trigger = v->trigger;
	send_msg(s, &m);
	return MPS_CONTINUE;
}

static enum mps_result on_service(struct mps_session *s, const struct apf_service *sv)
{
	struct apf_msg m = {.type = APF_SERVICE_ACCEPT, .service = {.name = sv->name}};
	char name[64];

	if (!s->have_version)
		return protocol_error(s, "SERVICE_REQUEST before PROTOCOLVERSION");
	if (apf_str_eq(sv->name, APF_SERVICE_AUTH)) {
		s->auth_service = true;
	} else if (apf_str_eq(sv->name, APF_SERVICE_PFWD)) {
		if (!s->authenticated)
			return protocol_error(s, "pfwd service requested before authentication");
		s->pfwd = true;
	} else {
		verify_printable(sv->name.p, sv->name.len, name, sizeof(name));
		log_warn("mps %s: device %s: unknown service \"%s\" — disconnected", s->source,
			 s->uuid, name);
		send_disconnect(s, APF_DISCONNECT_SERVICE_NOT_AVAILABLE);
		finish(s, MPS_END_ERROR);
		return MPS_CLOSE;
	}
	send_msg(s, &m);
	return MPS_CONTINUE;
}

/* The device's channel messages: to the table, whose errors end the tunnel. */
static enum mps_result on_channel(struct mps_session *s, const struct apf_msg *m)
{
	char what[32];

	switch (m->type) {
	case APF_CHANNEL_OPEN:
		/* the MPS opens channels; AMT only answers them */
		verify_printable(m->channel_open.type_name.p, m->channel_open.type_name.len, what,
				 sizeof(what));
		return protocol_error(s, "the device opened a channel itself (%s to port %u)", what,
				      (unsigned)m->channel_open.port);
	case APF_CHANNEL_OPEN_CONFIRMATION:
		if (mps_chan_on_confirmation(s->ch, &m->open_confirmation) != 0)
			return protocol_error(s, "CHANNEL_OPEN_CONFIRMATION for channel %u, which "
					      "the MPS is not opening",
					      (unsigned)m->open_confirmation.recipient);
		return MPS_CONTINUE;
	case APF_CHANNEL_OPEN_FAILURE:
		if (mps_chan_on_failure(s->ch, &m->open_failure) != 0)
			return protocol_error(s, "CHANNEL_OPEN_FAILURE for channel %u, which the MPS "
					      "is not opening", (unsigned)m->open_failure.recipient);
		return MPS_CONTINUE;
	case APF_CHANNEL_DATA:
		if (mps_chan_on_data(s->ch, &m->channel_data) != 0)
			return protocol_error(s, "%u bytes on channel %u, past the MPS's window "
					      "(flow control ignored)",
					      (unsigned)m->channel_data.len,
					      (unsigned)m->channel_data.recipient);
		return MPS_CONTINUE;
	case APF_CHANNEL_WINDOW_ADJUST:
		mps_chan_on_window_adjust(s->ch, &m->window_adjust);
		return MPS_CONTINUE;
	default: /* CLOSE; for a channel never ours it is stale and ignored */
		mps_chan_on_close(s->ch, m->channel_close.recipient);
		return MPS_CONTINUE;
	}
}

static enum mps_result handle(struct mps_session *s, const struct apf_msg *m)
{
	struct apf_msg r = {0};

	log_debug("mps %s: <- %s", s->source, apf_msg_name(m->type));
	if (m->type != APF_PROTOCOLVERSION && m->type != APF_DISCONNECT && !s->have_version)
		return protocol_error(s, "%s before PROTOCOLVERSION", apf_msg_name(m->type));
	/* Anything but another forward request after a forward: the tunnel is up. */
	if (m->type != APF_GLOBAL_REQUEST && s->nports > 0 && !s->open)
		emit_open(s);
	switch (m->type) {
	case APF_PROTOCOLVERSION:
		return on_version(s, &m->protocol_version);
	case APF_SERVICE_REQUEST:
		return on_service(s, &m->service);
	case APF_USERAUTH_REQUEST:
		return on_userauth(s, &m->userauth_request);
	case APF_GLOBAL_REQUEST:
		return on_global_request(s, &m->global_request);
	case APF_CHANNEL_OPEN:
	case APF_CHANNEL_OPEN_CONFIRMATION:
	case APF_CHANNEL_OPEN_FAILURE:
	case APF_CHANNEL_DATA:
	case APF_CHANNEL_WINDOW_ADJUST:
	case APF_CHANNEL_CLOSE:
		if (!s->pfwd)
			return protocol_error(s, "%s before the pfwd service was accepted",
					      apf_msg_name(m->type));
		return on_channel(s, m);
	case APF_KEEPALIVE_REQUEST:
		r.type = APF_KEEPALIVE_REPLY;
		r.keepalive.cookie = m->keepalive.cookie;
		send_msg(s, &r);
		return MPS_CONTINUE;
	case APF_KEEPALIVE_OPTIONS_REQUEST:
		r.type = APF_KEEPALIVE_OPTIONS_REPLY;
		r.keepalive_options = m->keepalive_options;
		send_msg(s, &r);
		return MPS_CONTINUE;
	case APF_KEEPALIVE_REPLY:
	case APF_KEEPALIVE_OPTIONS_REPLY:
		return MPS_CONTINUE;
	case APF_DISCONNECT:
		s->got_disconnect = true;
		s->disconnect_reason = m->disconnect.reason;
		log_info("mps %s: device %s sent DISCONNECT reason %u", s->source, uuid_or_dash(s),
			 (unsigned)m->disconnect.reason);
		finish(s, MPS_END_DISCONNECT);
		return MPS_CLOSE;
	default:
		return protocol_error(s, "unexpected %s from a device", apf_msg_name(m->type));
	}
}

enum mps_result mps_session_feed(struct mps_session *s, const uint8_t *buf, size_t len,
				 size_t *consumed)
{
	enum mps_result res = MPS_CONTINUE;
	size_t off = 0;

	*consumed = 0;
	if (s->over)
		return MPS_CLOSE;
	while (off < len) {
		struct apf_msg m;
		size_t n;
		int r = apf_frame_length(buf + off, len - off, &n);

		if (r == PROTO_E_SHORT)
			break;
		if (r == 0)
			r = apf_decode(buf + off, n, &m);
		if (r != 0) {
			res = protocol_error(s, "malformed APF stream at byte %zu (type 0x%02x): %s",
					     off, buf[off], proto_err_message(r));
			off = len;
			break;
		}
		off += n;
		res = handle(s, &m);
		if (res == MPS_CLOSE)
			break;
	}
	*consumed = off;
	return res;
}

static void chan_send(void *arg, const struct apf_msg *m)
{
	struct mps_session *s = arg;

	if (!s->over)
		send_msg(s, m);
}

static void chan_event(void *arg, int h, enum mps_chan_event ev, uint32_t reason,
		       const uint8_t *data, size_t len)
{
	struct mps_session *s = arg;

	if (s->hooks.chan_event)
		s->hooks.chan_event(s->hooks.arg, h, ev, reason, data, len);
}

struct mps_session *mps_session_new(const struct mps_auth *auth, const struct mps_hooks *hooks,
				    const char *source, unsigned max_channels)
{
	struct mps_session *s = calloc(1, sizeof(*s));
	struct mps_chan_cfg cfg = {.window = MPS_CHAN_WINDOW,
				   .max_data = MPS_CHAN_MAX_DATA,
				   .max_channels = max_channels ? max_channels : 1};
	struct mps_chan_hooks ch = {.send = chan_send, .event = chan_event};

	if (!s)
		return NULL;
	s->auth = auth;
	s->hooks = *hooks;
	snprintf(s->source, sizeof(s->source), "%s", source);
	ch.arg = s;
	s->ch = mps_chan_table_new(&cfg, &ch);
	if (!s->ch) {
		free(s);
		return NULL;
	}
	return s;
}

void mps_session_free(struct mps_session *s)
{
	if (!s)
		return;
	mps_chan_table_free(s->ch);
	free(s);
}

struct mps_chan_table *mps_session_channels(struct mps_session *s)
{
	return s->ch;
}

size_t mps_session_ports(const struct mps_session *s, const uint32_t **ports)
{
	*ports = s->ports;
	return s->nports;
}

const char *mps_session_forward_addr(const struct mps_session *s, uint32_t port)
{
	for (unsigned i = 0; i < s->nports; i++)
		if (s->ports[i] == port)
			return s->port_addr[i];
	return "";
}

const char *mps_session_uuid(const struct mps_session *s)
{
	return uuid_or_dash(s);
}

const char *mps_session_user(const struct mps_session *s)
{
	return s->user;
}

bool mps_session_open_pending(const struct mps_session *s)
{
	return !s->over && !s->open && s->nports > 0;
}

void mps_session_settle(struct mps_session *s)
{
	if (mps_session_open_pending(s))
		emit_open(s);
}

bool mps_session_is_open(const struct mps_session *s)
{
	return s->open;
}

bool mps_session_is_over(const struct mps_session *s)
{
	return s->over;
}

void mps_session_end(struct mps_session *s, enum mps_end_reason reason)
{
	if (s->over)
		return;
	if (reason == MPS_END_TIMEOUT || reason == MPS_END_SHUTDOWN)
		send_disconnect(s, APF_DISCONNECT_BY_APPLICATION);
	finish(s, reason);
}
