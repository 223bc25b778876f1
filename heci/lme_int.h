// SPDX-License-Identifier: Apache-2.0
/*
 * lme_int.h - what lme.c (session and dispatch) and lme_channel.c (the
 * channel calls) share: the session and channel-table structs and the
 * helpers both use. Private to libheci's LME code; lme.h is the API.
 * Must not: be included outside heci/lme*.c.
 */
#ifndef HECI_LME_INT_H
#define HECI_LME_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "apf_codec.h"
#include "heci_time.h"
#include "lme.h"

enum chan_state {
	CH_FREE = 0,
	CH_OPENING,     /* CHANNEL_OPEN sent, no answer yet */
	CH_OPEN,        /* confirmed */
	CH_PEER_CLOSED, /* AMT sent CHANNEL_CLOSE (answered); data may be buffered */
	CH_FAILED,      /* CHANNEL_OPEN_FAILURE (or CLOSE before confirmation) */
	CH_ABANDONED,   /* the opener gave up waiting; close whatever AMT answers */
};

struct lme_chan {
	enum chan_state st;
	uint32_t id;     /* ours: (generation << 8) | slot */
	uint32_t amt_id; /* AMT's, from CHANNEL_OPEN_CONFIRMATION */
	uint32_t failure_reason;
	uint32_t tx_window; /* bytes we may still send */
	uint32_t rx_left;   /* bytes AMT may still send */
	uint8_t *rx;        /* o.rx_window bytes */
	size_t rx_off, rx_len;
};

struct lme {
	struct heci *h;
	struct lme_opts o;
	int err; /* sticky session error, 0 = usable */
	bool version_ok, pfwd_ok, main_forward;
	uint32_t mtu;
	uint8_t *in;  /* one received message */
	size_t in_cap;
	uint8_t *out; /* one message to send */
	size_t out_cap;
	uint32_t ports[LME_MAX_FORWARDS];
	size_t nports;
	uint32_t gen;
	struct lme_chan ch[LME_MAX_CHANNELS];
};

/* Library code does not print: messages go to the caller's callback. */
__attribute__((format(printf, 3, 4))) void lme_log(const struct lme *l, int level,
						   const char *fmt, ...);
/* The first error ends the session; later ones are reported but not kept. */
int lme_fail(struct lme *l, int rc);
/* Encode and write one message; a write error ends the session. */
int lme_send_msg(struct lme *l, const struct apf_msg *m);
/* Our channel by our id, or NULL (free slot, or an id of an earlier channel). */
struct lme_chan *lme_chan_by_id(struct lme *l, uint32_t id);
void lme_chan_free(struct lme_chan *c);
int lme_send_close(struct lme *l, uint32_t amt_id);

static inline int lme_left_ms(int64_t deadline)
{
	int64_t d = deadline - heci_mono_ms();
	if (d < 0)
		return 0;
	return d > 0x7fffffff ? 0x7fffffff : (int)d;
}

static inline uint32_t lme_min_u32(uint32_t a, uint32_t b)
{
	return a < b ? a : b;
}

#endif
