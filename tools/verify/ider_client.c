// SPDX-License-Identifier: Apache-2.0
/*
 * ider_client.c - the console's side of an IDE-R session (see
 * ider_client.h). Start and authentication are sol_client.c's, fed one
 * byte at a time until it reports SOL_C_AUTHENTICATED, so no byte of the
 * IDE-R stream is taken by the wrong parser.
 */
#include "ider_client.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void send_ider(struct ider_client *c, struct ider_msg *m)
{
	uint8_t buf[IDER_COMMAND_END_LEN + IDER_OPEN_LEN];
	size_t n;
	m->seq = c->seq;
	if (ider_encode(m, buf, sizeof(buf), &n) == 0) {
		c->seq++;
		c->ops->send(c->arg, buf, n);
	}
}

static enum ider_client_state fail(struct ider_client *c, enum sol_client_failure f,
				   const char *why)
{
	c->state = IDER_C_FAILED;
	c->failure = f;
	c->reading = false;
	snprintf(c->why, sizeof(c->why), "%s", why);
	return c->state;
}

static void event(struct ider_client *c, enum ider_client_event ev)
{
	if (c->ops->event)
		c->ops->event(c->arg, ev);
}

static void sol_send(void *arg, const uint8_t *msg, size_t len)
{
	struct ider_client *c = arg;
	c->ops->send(c->arg, msg, len);
}

static void sol_data(void *arg, const uint8_t *p, size_t n)
{
	(void)arg;
	(void)p;
	(void)n;
}

static const struct sol_client_ops sol_ops = {sol_send, sol_data, NULL};

int ider_client_init(struct ider_client *c, const struct ider_client_ops *ops, void *arg,
		     const char *user, const char *password, bool plain_allowed, bool cd,
		     uint64_t size, uint8_t start_mode)
{
	memset(c, 0, sizeof(*c));
	c->ops = ops;
	c->arg = arg;
	c->start_mode = start_mode;
	c->chunk = IDER_CLIENT_CHUNK;
	atapi_init(&c->cd, true, cd ? size : 0);
	atapi_init(&c->floppy, false, cd ? 0 : size);
	c->buf = malloc(IDER_MSG_MAX);
	c->chunk_buf = malloc(IDER_TO_HOST_HDR_LEN + IDER_CLIENT_CHUNK);
	c->data_buf = malloc(IDER_CLIENT_CHUNK);
	if (!c->buf || !c->chunk_buf || !c->data_buf)
		return -1;
	return sol_client_init(&c->sol, &sol_ops, c, user, password, plain_allowed);
}

void ider_client_free(struct ider_client *c)
{
	sol_client_free(&c->sol);
	free(c->buf);
	free(c->chunk_buf);
	free(c->data_buf);
	c->buf = c->chunk_buf = c->data_buf = NULL;
}

void ider_client_start(struct ider_client *c)
{
	sol_client_start_session(&c->sol, REDIR_SESSION_IDER);
	c->state = IDER_C_SETUP;
}

static void send_open(struct ider_client *c)
{
	struct ider_msg m = {.type = IDER_OPEN};
	m.u.open.rx_timeout_ms = IDER_CLIENT_RX_TIMEOUT_MS;
	m.u.open.heartbeat_ms = IDER_CLIENT_HEARTBEAT_MS;
	m.u.open.version = 1;
	send_ider(c, &m);
	c->state = IDER_C_OPENING;
}

/* ---- the host's commands ---- */

static void send_end(struct ider_client *c, uint8_t dev, uint8_t k, uint8_t asc, uint8_t ascq)
{
	struct ider_msg m;
	ider_make_end(&m, 0, dev, k, asc, ascq);
	send_ider(c, &m);
}

static void on_command(struct ider_client *c, const struct ider_msg *m)
{
	uint8_t dev = IDER_DEV_IS_CD(m->u.command.drive) ? IDER_DEV_CDROM : IDER_DEV_FLOPPY;
	struct atapi_dev *d = dev == IDER_DEV_CDROM ? &c->cd : &c->floppy;
	struct atapi_reply r;
	c->commands++;
	c->last_op = m->u.command.cdb[0];
	if (m->u.command.command != ATA_CMD_PACKET) { /* an ATA command: not ours to do */
		struct ider_msg e;
		ider_make_end(&e, 0, dev, SENSE_ILLEGAL_REQUEST, 0x20, 0x00);
		e.u.xfer.out.error = IDER_ERR_ABRT;
		send_ider(c, &e);
		event(c, IDER_EV_COMMAND);
		return;
	}
	atapi_command(d, m->u.command.cdb, &r);
	switch (r.kind) {
	case ATAPI_GOOD:
		send_end(c, dev, 0, 0, 0);
		break;
	case ATAPI_CHECK:
		send_end(c, dev, r.sense, r.asc, r.ascq);
		break;
	case ATAPI_DATA: {
		struct ider_msg out;
		ider_make_data(&out, 0, dev, r.data, (uint16_t)r.len, true);
		out.seq = c->seq++;
		size_t n;
		if (ider_encode(&out, c->chunk_buf, IDER_TO_HOST_HDR_LEN + IDER_CLIENT_CHUNK, &n) == 0)
			c->ops->send(c->arg, c->chunk_buf, n);
		break;
	}
	case ATAPI_READ:
		c->reading = true;
		c->read_dev = dev;
		c->read_off = r.offset;
		c->read_left = r.length;
		c->blocks += r.length / d->block;
		ider_client_pump(c, c->chunk); /* the first chunk at once */
		break;
	}
	event(c, IDER_EV_COMMAND);
}

size_t ider_client_pump(struct ider_client *c, size_t max)
{
	size_t sent = 0;
	while (c->reading && c->state == IDER_C_RUNNING && sent < max) {
		size_t n = c->read_left < c->chunk ? (size_t)c->read_left : c->chunk;
		uint8_t *data = c->data_buf;
		struct ider_msg m;
		size_t len;
		if (c->ops->read(c->arg, c->read_off, data, n) != 0) {
			fail(c, SOL_F_PROTOCOL, "reading the image failed");
			return sent;
		}
		bool last = n == c->read_left;
		ider_make_data(&m, c->seq, c->read_dev, data, (uint16_t)n, last);
		if (ider_encode(&m, c->chunk_buf, IDER_TO_HOST_HDR_LEN + IDER_CLIENT_CHUNK, &len) != 0) {
			fail(c, SOL_F_PROTOCOL, "internal: a data chunk does not encode");
			return sent;
		}
		c->seq++;
		c->ops->send(c->arg, c->chunk_buf, len);
		c->read_off += n;
		c->read_left -= n;
		c->bytes += n;
		sent += n;
		if (last)
			c->reading = false;
	}
	return sent;
}

/* ---- AMT's messages ---- */

static enum ider_client_state on_message(struct ider_client *c, const struct ider_msg *m)
{
	char why[128];
	if (ider_seq_check(&c->amt_seq, m->seq) != 0) {
		snprintf(why, sizeof(why), "AMT's IDE-R messages are out of sequence (%s numbered %u, "
					   "expected %u)",
			 ider_msg_name(m->type), (unsigned)m->seq, (unsigned)c->amt_seq.next);
		return fail(c, SOL_F_PROTOCOL, why);
	}
	switch (m->type) {
	case IDER_OPEN_REPLY: {
		if (c->state != IDER_C_OPENING)
			break;
		if (m->status != 0)
			return fail(c, SOL_F_REFUSED, "AMT refused to start IDE-R: another IDE-R session is "
						      "open, or user consent is required (amt-verify "
						      "consent)");
		uint16_t rb = m->u.open_reply.read_buffer;
		c->chunk = rb && rb < IDER_CLIENT_CHUNK ? rb : IDER_CLIENT_CHUNK;
		struct ider_msg f = {.type = IDER_FEATURES};
		f.u.features.sub = IDER_FEAT_SET_STATE;
		f.u.features.value = IDER_FEAT_ENABLE | c->start_mode;
		send_ider(c, &f);
		c->state = IDER_C_ENABLING;
		return c->state;
	}
	case IDER_FEATURES_REPLY:
		if (c->state != IDER_C_ENABLING || m->u.features.sub != IDER_FEAT_SET_STATE)
			break;
		if (m->u.features.value != 1)
			return fail(c, SOL_F_REFUSED, "AMT refused to enable the IDE-R devices");
		c->state = IDER_C_RUNNING;
		event(c, IDER_EV_READY);
		return c->state;
	case IDER_HEARTBEAT: { /* amtider echoes them; so do we (AMT counts us alive) */
		struct ider_msg r = {.type = IDER_HEARTBEAT};
		send_ider(c, &r);
		return c->state;
	}
	case IDER_PING: {
		struct ider_msg r = {.type = IDER_PONG};
		send_ider(c, &r);
		return c->state;
	}
	case IDER_PONG:
		return c->state;
	case IDER_RESET: { /* the host was reset: the read in flight is dropped */
		struct ider_msg r = {.type = IDER_RESET_REPLY};
		c->reading = false;
		c->resets++;
		atapi_reset(&c->cd);
		atapi_reset(&c->floppy);
		send_ider(c, &r);
		event(c, IDER_EV_RESET);
		return c->state;
	}
	case IDER_ERROR:
		c->errors++;
		c->reading = false; /* AMT abandoned the command */
		event(c, IDER_EV_ERROR);
		return c->state;
	case IDER_COMMAND:
		if (c->state != IDER_C_RUNNING && c->state != IDER_C_ENDING)
			break;
		if (c->reading)
			return fail(c, SOL_F_PROTOCOL, "AMT sent a command while a read was in flight");
		if (c->state == IDER_C_RUNNING)
			on_command(c, m);
		return c->state;
	case IDER_CLOSE_REPLY: {
		struct redir_msg e = {.type = REDIR_END_SESSION};
		uint8_t b[REDIR_END_SESSION_LEN];
		size_t n;
		c->closed_by_amt = c->state != IDER_C_ENDING;
		if (redir_encode(&e, b, sizeof(b), &n) == 0)
			c->ops->send(c->arg, b, n);
		c->state = IDER_C_CLOSED;
		return c->state;
	}
	case IDER_DATA_FROM_HOST:
		return fail(c, SOL_F_PROTOCOL, "AMT sent the host's data, which was never asked for "
					       "(the image is read-only)");
	default:
		break;
	}
	snprintf(why, sizeof(why), "AMT sent %s out of order", ider_msg_name(m->type));
	return fail(c, SOL_F_PROTOCOL, why);
}

static void after_setup(struct ider_client *c)
{
	if (c->sol.state == SOL_C_AUTHENTICATED) {
		send_open(c);
	} else if (c->sol.state == SOL_C_FAILED) {
		c->state = IDER_C_FAILED;
		c->failure = c->sol.failure;
		snprintf(c->why, sizeof(c->why), "%s", c->sol.why);
	} else if (c->sol.state == SOL_C_CLOSED) {
		c->state = IDER_C_CLOSED;
	}
}

enum ider_client_state ider_client_feed(struct ider_client *c, const uint8_t *p, size_t n)
{
	while (n > 0 && c->state == IDER_C_SETUP) { /* one byte at a time: none is over-read */
		sol_client_feed(&c->sol, p, 1);
		p++;
		n--;
		after_setup(c);
	}
	while (n > 0 && c->state != IDER_C_FAILED && c->state != IDER_C_CLOSED) {
		size_t take = IDER_MSG_MAX - c->len < n ? IDER_MSG_MAX - c->len : n;
		memcpy(c->buf + c->len, p, take);
		c->len += take;
		p += take;
		n -= take;
		for (;;) {
			size_t want;
			struct ider_msg m;
			int rc = ider_frame_length(c->buf, c->len, IDER_FROM_AMT, &want);
			if (rc == PROTO_E_SHORT)
				break;
			if (rc != 0 || (rc = ider_decode(c->buf, want, IDER_FROM_AMT, &m)) != 0) {
				char why[96];
				snprintf(why, sizeof(why), "AMT's bytes could not be understood (%s)",
					 proto_err_message(rc));
				return fail(c, SOL_F_PROTOCOL, why);
			}
			on_message(c, &m);
			memmove(c->buf, c->buf + want, c->len - want);
			c->len -= want;
			if (c->state == IDER_C_FAILED || c->state == IDER_C_CLOSED)
				return c->state;
		}
	}
	return c->state;
}

void ider_client_stop(struct ider_client *c)
{
	switch (c->state) {
	case IDER_C_SETUP:
		sol_client_stop(&c->sol);
		c->state = IDER_C_CLOSED;
		return;
	case IDER_C_OPENING:
	case IDER_C_ENABLING:
	case IDER_C_RUNNING: {
		struct ider_msg m = {.type = IDER_CLOSE};
		c->reading = false;
		send_ider(c, &m);
		c->state = IDER_C_ENDING;
		return;
	}
	default:
		return;
	}
}
