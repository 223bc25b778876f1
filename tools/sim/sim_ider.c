// SPDX-License-Identifier: Apache-2.0
/*
 * sim_ider.c - AMT's side of an IDE-R session (see sim_ider.h). Bytes in
 * and out go through proto/ider_codec.c.
 */
#include "sim_ider.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ABANDON_CODE 1u /* 0x4A "ABORT" (MeshCentral logs byte 8 so) */

static void send_msg(struct sim_ider *s, struct ider_msg *m, bool alone)
{
	uint8_t buf[IDER_COMMAND_LEN + IDER_OPEN_REPLY_LEN];
	size_t n;
	m->seq = s->seq;
	if (ider_encode(m, buf, sizeof(buf), &n) == 0) {
		s->seq++;
		s->ops->send(s->arg, buf, n, alone);
	}
}

static enum sim_ider_state close_with(struct sim_ider *s, const char *why)
{
	if (s->state == SIM_IDER_S_RUN)
		s->ops->close(s->arg);
	s->state = SIM_IDER_S_CLOSED;
	s->busy = false;
	s->why = why;
	return s->state;
}

int sim_ider_init(struct sim_ider *s, const struct sim_ider_ops *ops, void *arg)
{
	memset(s, 0, sizeof(*s));
	s->ops = ops;
	s->arg = arg;
	s->data = malloc(SIM_IDER_DATA_MAX);
	return s->data ? 0 : -1;
}

void sim_ider_free(struct sim_ider *s)
{
	free(s->data);
	s->data = NULL;
}

static enum sim_ider_state on_open(struct sim_ider *s, const struct ider_msg *m)
{
	struct ider_msg r = {.type = IDER_OPEN_REPLY};
	enum sim_ider_refusal why = s->ops->open(s->arg);
	if (why != SIM_IDER_OK) {
		r.status = 1;
		send_msg(s, &r, true);
		s->state = SIM_IDER_S_CLOSED; /* never opened: no close callback */
		s->why = why == SIM_IDER_BUSY ? "IDE-R refused: another IDE-R session is open"
					      : "IDE-R refused: user consent required";
		return s->state;
	}
	s->heartbeat_ms = m->u.open.heartbeat_ms ? m->u.open.heartbeat_ms : SIM_IDER_HEARTBEAT_DEFAULT_MS;
	if (s->heartbeat_ms < 100)
		s->heartbeat_ms = 100; /* "should never be set to less than 100" */
	s->rx_timeout_ms = m->u.open.rx_timeout_ms < SIM_IDER_RX_MIN_MS ? SIM_IDER_RX_MIN_MS
									: m->u.open.rx_timeout_ms;
	r.u.open_reply.proto_major = 1;
	r.u.open_reply.fw_major = 1;
	r.u.open_reply.read_buffer = SIM_IDER_READ_BUFFER;
	r.u.open_reply.write_buffer = SIM_IDER_READ_BUFFER;
	r.u.open_reply.oem_iana = 0x157;
	s->state = SIM_IDER_S_RUN;
	send_msg(s, &r, true);
	return s->state;
}

static void features_reply(struct sim_ider *s, uint8_t sub, uint32_t value)
{
	struct ider_msg r = {.type = IDER_FEATURES_REPLY};
	r.u.features.sub = sub;
	r.u.features.value = value;
	send_msg(s, &r, true);
}

static void on_features(struct sim_ider *s, const struct ider_msg *m)
{
	uint32_t v = m->u.features.value;
	switch (m->u.features.sub) {
	case IDER_FEAT_GET_SUPPORTED:
		features_reply(s, IDER_FEAT_GET_SUPPORTED, 1); /* register control supported */
		return;
	case IDER_FEAT_GET_STATE:
		features_reply(s, IDER_FEAT_GET_STATE, (s->enabled ? IDER_FEAT_ENABLE : 0u) |
							(s->attached ? IDER_FEAT_ATTACHED : 0u));
		return;
	default:
		break;
	}
	if (!(v & IDER_FEAT_ENABLE)) {
		s->enabled = s->attached = false;
		features_reply(s, IDER_FEAT_SET_STATE, 1);
		s->ops->changed(s->arg);
		return;
	}
	uint8_t mode = (uint8_t)(v & IDER_START_MASK);
	if (mode == IDER_START_GRACEFUL && s->busy) {
		features_reply(s, IDER_FEAT_SET_STATE, 0); /* a host command is pending */
		return;
	}
	s->enabled = true;
	s->start_mode = mode ? mode : IDER_START_NOW;
	if (s->start_mode != IDER_START_ONREBOOT)
		s->attached = true;
	features_reply(s, IDER_FEAT_SET_STATE, 1);
	s->ops->changed(s->arg);
}

static enum sim_ider_state finish(struct sim_ider *s, bool error, const struct ider_msg *m)
{
	struct sim_ider_result r = {.error = error, .data = s->data, .len = s->len};
	r.sense = m->u.xfer.sense;
	r.asc = m->u.xfer.asc;
	r.ascq = m->u.xfer.ascq;
	s->busy = false;
	s->ops->done(s->arg, &r);
	return s->state;
}

static enum sim_ider_state on_reply(struct sim_ider *s, const struct ider_msg *m)
{
	if (s->reset_pending || s->stale || !s->busy)
		return s->state; /* late: for a command dropped by a reset, or abandoned */
	if (m->type == IDER_GET_DATA)
		return close_with(s, "the console asked for data, but the host is not writing");
	if (m->type == IDER_DATA_TO_HOST) {
		size_t n = m->u.xfer.transfer_bytes;
		s->got += n;
		if (s->got > s->expect + IDER_DATA_MAX)
			return close_with(s, "the console sent more data than the command asked for");
		size_t room = s->expect - (s->len < s->expect ? s->len : s->expect);
		size_t take = n < room ? n : room;
		memcpy(s->data + s->len, m->u.xfer.data, take);
		s->len += take;
		if (!(m->attributes & IDER_ATTR_COMPLETED))
			return s->state;
	}
	return finish(s, ider_reports_error(m), m);
}

static enum sim_ider_state on_running(struct sim_ider *s, const struct ider_msg *m)
{
	switch (m->type) {
	case IDER_PING: {
		struct ider_msg r = {.type = IDER_PONG};
		send_msg(s, &r, false);
		return s->state;
	}
	case IDER_PONG:
	case IDER_HEARTBEAT: /* amtider echoes AMT's */
		return s->state;
	case IDER_RESET_REPLY:
		if (s->reset_pending) {
			s->reset_pending = false;
			s->stale = false;
			s->ops->changed(s->arg);
		}
		return s->state;
	case IDER_FEATURES:
		on_features(s, m);
		return s->state;
	case IDER_COMMAND_END:
	case IDER_DATA_TO_HOST:
	case IDER_GET_DATA:
		return on_reply(s, m);
	case IDER_CLOSE: {
		struct ider_msg r = {.type = IDER_CLOSE_REPLY};
		send_msg(s, &r, true);
		return close_with(s, "the console ended the IDE-R session");
	}
	default:
		snprintf(s->why_buf, sizeof(s->why_buf), "%s while IDE-R runs", ider_msg_name(m->type));
		return close_with(s, s->why_buf);
	}
}

enum sim_ider_state sim_ider_input(struct sim_ider *s, const uint8_t *msg, size_t len)
{
	struct ider_msg m;
	if (s->state == SIM_IDER_S_CLOSED)
		return s->state;
	int rc = ider_decode(msg, len, IDER_FROM_CONSOLE, &m);
	if (rc != 0) {
		sim_ider_bad_frame(s, rc);
		return s->state;
	}
	if (s->state == SIM_IDER_S_OPENING) {
		if (m.type == IDER_OPEN)
			return on_open(s, &m);
		snprintf(s->why_buf, sizeof(s->why_buf), "%s before the IDE-R open",
			 ider_msg_name(m.type));
		return close_with(s, s->why_buf);
	}
	return on_running(s, &m);
}

void sim_ider_bad_frame(struct sim_ider *s, int proto_err)
{
	close_with(s, proto_err == PROTO_E_TOO_LARGE	 ? "IDE-R message too large"
		      : proto_err == PROTO_E_BAD_COMMAND ? "unknown IDE-R message type"
							 : "malformed IDE-R message");
}

void sim_ider_gone(struct sim_ider *s, const char *why)
{
	if (s->state != SIM_IDER_S_CLOSED)
		close_with(s, why);
}

void sim_ider_host_reset(struct sim_ider *s)
{
	struct ider_msg r = {.type = IDER_RESET};
	if (s->state != SIM_IDER_S_RUN)
		return;
	if (s->enabled)
		s->attached = true; /* "on reboot" applies now; the others already did */
	s->busy = false;
	s->reset_pending = true;
	r.u.reset_mask = 3; /* UNVERIFIED: both consoles only log it */
	send_msg(s, &r, true);
}

bool sim_ider_can_issue(const struct sim_ider *s)
{
	return s->state == SIM_IDER_S_RUN && s->attached && !s->reset_pending && !s->stale &&
	       !s->busy;
}

int sim_ider_issue(struct sim_ider *s, uint8_t dev, const uint8_t cdb[12], size_t expect)
{
	struct ider_msg m = {.type = IDER_COMMAND};
	if (!sim_ider_can_issue(s) || expect > SIM_IDER_DATA_MAX)
		return -1;
	m.u.command.drive = dev;
	m.u.command.command = ATA_CMD_PACKET;
	m.u.command.byte_count = 0xFFFE; /* the host takes any byte count (PIO) */
	memcpy(m.u.command.cdb, cdb, 12);
	s->busy = true;
	s->expect = expect;
	s->len = s->got = 0;
	send_msg(s, &m, true);
	return 0;
}

void sim_ider_abandon(struct sim_ider *s)
{
	struct ider_msg m = {.type = IDER_ERROR};
	if (s->state != SIM_IDER_S_RUN || !s->busy)
		return;
	s->busy = false;
	s->stale = true;
	m.u.error.code = ABANDON_CODE;
	send_msg(s, &m, true);
}

void sim_ider_heartbeat(struct sim_ider *s)
{
	struct ider_msg m = {.type = IDER_HEARTBEAT};
	if (s->state == SIM_IDER_S_RUN)
		send_msg(s, &m, false);
}
