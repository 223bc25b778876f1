// SPDX-License-Identifier: Apache-2.0
/*
 * lme_channel.c - the calls on one APF channel over LME (see lme.h): open
 * a forwarded-tcpip channel and wait for AMT's answer, send within AMT's
 * window, receive what lme.c's dispatch buffered and hand the window back,
 * close.
 * Must not: decode or dispatch a message itself: every wait goes through
 * lme_pump(), which hands whatever arrives to lme.c's dispatch.
 */
#include "lme.h"
#include "lme_int.h"
#include "heci_time.h"

#include <stdlib.h>
#include <string.h>

static const struct lme_chan *chan_by_id_const(const struct lme *l, uint32_t id)
{
	return lme_chan_by_id((struct lme *)l, id);
}

/* ---- channels ---- */

int lme_channel_open(struct lme *l, uint32_t port, uint32_t *ch, uint32_t *failure_reason)
{
	struct lme_chan *c = NULL;
	unsigned used = 0;
	int rc;

	if (!l || !ch)
		return HECI_E_INVALID_ARG;
	if (l->err)
		return l->err;
	for (size_t i = 0; i < LME_MAX_CHANNELS; i++) {
		if (l->ch[i].st != CH_FREE)
			used++;
		else if (!c)
			c = &l->ch[i];
	}
	if (!c || used >= l->o.max_channels)
		return HECI_E_NOSPACE;
	c->rx = malloc(l->o.rx_window);
	if (!c->rx)
		return HECI_E_NOMEM;
	l->gen = (l->gen + 1) & 0xffffffu;
	if (l->gen == 0)
		l->gen = 1;
	c->id = l->gen << 8 | (uint32_t)(c - l->ch);
	c->st = CH_OPENING;
	c->rx_left = l->o.rx_window;

	struct apf_msg m = {
		.type = APF_CHANNEL_OPEN,
		.channel_open = {.kind = APF_CHAN_FORWARDED,
				 .sender = c->id,
				 .window = l->o.rx_window,
				 .reserved = APF_RESERVED_ALL_ONES,
				 .addr = APF_STR("127.0.0.1"),
				 .port = port,
				 .orig_addr = APF_STR("127.0.0.1"),
				 .orig_port = 0},
	};
	rc = lme_send_msg(l, &m);
	if (rc != 0)
		goto out;
	int64_t deadline = heci_mono_ms() + l->o.open_timeout_ms;
	while (c->st == CH_OPENING) {
		rc = lme_pump(l, lme_left_ms(deadline));
		if ((rc == HECI_E_TIMEOUT || rc == 0) && c->st == CH_OPENING &&
		    lme_left_ms(deadline) == 0) {
			rc = HECI_E_TIMEOUT;
			break;
		}
		if (rc != 0 && rc != HECI_E_TIMEOUT)
			goto out;
	}
	if (c->st == CH_OPEN) {
		*ch = c->id;
		return 0;
	}
	if (c->st == CH_FAILED) {
		lme_log(l, LME_LOG_INFO, "AMT refused a channel to port %u: reason %u", (unsigned)port,
			 (unsigned)c->failure_reason);
		if (failure_reason)
			*failure_reason = c->failure_reason;
		rc = HECI_E_FW_STATUS;
	}
out:
	if (c->st == CH_OPENING && l->err == 0) {
		c->st = CH_ABANDONED; /* AMT may still answer; close it then */
		return rc;
	}
	lme_chan_free(c);
	return rc;
}

size_t lme_channel_writable(const struct lme *l, uint32_t ch)
{
	const struct lme_chan *c = chan_by_id_const(l, ch);
	if (!c || c->st != CH_OPEN || l->err)
		return 0;
	return c->tx_window;
}

int lme_channel_send(struct lme *l, uint32_t ch, const uint8_t *data, size_t len,
		     int timeout_ms, size_t *sent)
{
	struct lme_chan *c;
	size_t done = 0;
	int64_t deadline;
	int rc = 0;

	if (sent)
		*sent = 0;
	if (!l || (!data && len))
		return HECI_E_INVALID_ARG;
	if (l->err)
		return l->err;
	c = lme_chan_by_id(l, ch);
	if (!c || (c->st != CH_OPEN && c->st != CH_PEER_CLOSED))
		return HECI_E_INVALID_ARG;
	deadline = heci_mono_ms() + (timeout_ms > 0 ? timeout_ms : 0);
	while (done < len) {
		if (c->st != CH_OPEN) {
			rc = HECI_E_NOT_CONNECTED;
			break;
		}
		if (c->tx_window == 0) {
			if (lme_left_ms(deadline) == 0) {
				rc = HECI_E_TIMEOUT;
				break;
			}
			rc = lme_pump(l, lme_left_ms(deadline));
			if (rc != 0 && rc != HECI_E_TIMEOUT)
				break;
			rc = 0;
			continue;
		}
		uint32_t piece = lme_min_u32(c->tx_window, l->mtu - APF_CHANNEL_DATA_HDR_LEN);
		piece = lme_min_u32(piece, APF_MAX_DATA);
		if (len - done < piece)
			piece = (uint32_t)(len - done);
		struct apf_msg m = {
			.type = APF_CHANNEL_DATA,
			.channel_data = {.recipient = c->amt_id, .data = data + done, .len = piece},
		};
		rc = lme_send_msg(l, &m);
		if (rc != 0)
			break;
		c->tx_window -= piece;
		done += piece;
	}
	if (sent)
		*sent = done;
	return rc;
}

int lme_channel_recv(struct lme *l, uint32_t ch, uint8_t *buf, size_t cap, size_t *n,
		     int timeout_ms)
{
	struct lme_chan *c;
	int64_t deadline;
	int rc;

	if (n)
		*n = 0;
	if (!l || !buf || !n || cap == 0)
		return HECI_E_INVALID_ARG;
	c = lme_chan_by_id(l, ch);
	if (!c || (c->st != CH_OPEN && c->st != CH_PEER_CLOSED))
		return l->err ? l->err : HECI_E_INVALID_ARG;
	deadline = heci_mono_ms() + (timeout_ms > 0 ? timeout_ms : 0);
	for (;;) {
		if (c->rx_len > 0) {
			size_t k = c->rx_len < cap ? c->rx_len : cap;
			memcpy(buf, c->rx + c->rx_off, k);
			c->rx_off += k;
			c->rx_len -= k;
			if (c->rx_len == 0)
				c->rx_off = 0;
			*n = k;
			if (c->st != CH_OPEN || l->err)
				return 0;
			c->rx_left += (uint32_t)k;
			struct apf_msg m = {
				.type = APF_CHANNEL_WINDOW_ADJUST,
				.window_adjust = {.recipient = c->amt_id, .bytes_to_add = (uint32_t)k},
			};
			return lme_send_msg(l, &m);
		}
		if (c->st == CH_PEER_CLOSED)
			return 0;
		if (l->err)
			return l->err;
		rc = lme_pump(l, lme_left_ms(deadline));
		if (rc == HECI_E_TIMEOUT) {
			if (c->rx_len == 0 && c->st == CH_OPEN && lme_left_ms(deadline) == 0)
				return rc;
		} else if (rc != 0) {
			return rc;
		}
	}
}

void lme_channel_close(struct lme *l, uint32_t ch)
{
	struct lme_chan *c = l ? lme_chan_by_id(l, ch) : NULL;
	if (!c)
		return;
	if (c->st == CH_OPENING) {
		c->st = CH_ABANDONED;
		return;
	}
	if (c->st == CH_OPEN && l->err == 0)
		(void)lme_send_close(l, c->amt_id);
	lme_chan_free(c);
}
