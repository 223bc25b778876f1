// SPDX-License-Identifier: Apache-2.0
/*
 * sim_fw_test.h - helpers for unit tests that drive the simulated firmware
 * in-process: build a struct sim_fw from a state, send one AMTHI request
 * through the simulated ME (sim_conn_*, no FUSE) and read the reply, and
 * wait for a condition without asserting an upper bound on timing.
 * Must not: mount anything or know a particular command's body layout
 * beyond what the shared codecs provide.
 */
#ifndef TESTS_SIM_FW_TEST_H
#define TESTS_SIM_FW_TEST_H

#include <errno.h>
#include <stdbool.h>
#include <string.h>
#include <time.h>

#include "amthi_codec.h"
#include "heci.h"
#include "tools/sim/sim_fw.h"

#define SIMT_WAIT_MS 10000 /* generous: waits end as soon as the condition holds */

static inline void simt_sleep_ms(unsigned ms)
{
	struct timespec ts = {.tv_sec = ms / 1000, .tv_nsec = (long)(ms % 1000) * 1000000L};
	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}

static inline int simt_fw_init(struct sim_fw *fw, const struct sim_state *st)
{
	memset(fw, 0, sizeof(*fw));
	fw->st = *st;
	fw->me = sim_me_new();
	if (!fw->me)
		return -1;
	char err[256];
	return sim_fw_start(fw, err, sizeof(err));
}

static inline void simt_fw_free(struct sim_fw *fw)
{
	if (!fw->me)
		return;
	sim_fw_shutdown(fw);
	sim_me_free(fw->me);
	fw->me = NULL;
}

/* One AMTHI request; returns the firmware status, or 0xFFFFFFFF when the
 * exchange itself failed. body/len of the reply go to rbody/rlen if given. */
static inline amt_status_t simt_amthi(struct sim_fw *fw, uint32_t cmd, const uint8_t *body,
				      size_t blen, uint8_t *rbody, size_t rcap, size_t *rlen)
{
	uint8_t req[AMTHI_HDR_LEN + 64], rsp[5120];
	size_t qlen;
	uint32_t mtu;
	uint8_t ver;
	long n = -EAGAIN;
	amt_status_t status = 0xFFFFFFFFu;
	struct sim_conn *c = sim_conn_open(fw->me, NULL, NULL);
	if (!c)
		return status;
	if (sim_conn_connect(c, HECI_GUID_AMTHI.b, &mtu, &ver) != 0 ||
	    amthi_encode_request(req, sizeof(req), cmd, body, blen, &qlen) != 0 ||
	    sim_conn_write(c, req, qlen) != 0)
		goto out;
	for (int i = 0; i < SIMT_WAIT_MS && n == -EAGAIN; i++) {
		n = sim_conn_read(c, rsp, sizeof(rsp));
		if (n == -EAGAIN)
			simt_sleep_ms(1);
	}
	const uint8_t *b;
	size_t bl;
	if (n > 0 && amthi_decode_response(rsp, (size_t)n, cmd, &status, &b, &bl) == 0) {
		if (rbody && bl <= rcap)
			memcpy(rbody, b, bl);
		if (rlen)
			*rlen = bl;
	} else {
		status = 0xFFFFFFFFu;
	}
out:
	sim_conn_close(c);
	return status;
}

static inline amt_status_t simt_call(struct sim_fw *fw, uint32_t cmd)
{
	return simt_amthi(fw, cmd, NULL, 0, NULL, 0, NULL);
}

/* CIRA status as GetRemoteAccessConnectionStatus reports it. */
static inline bool simt_remote_access(struct sim_fw *fw, struct amt_remote_access_status *out)
{
	uint8_t b[512];
	size_t n = 0;
	if (simt_amthi(fw, AMTHI_GET_REMOTE_ACCESS_CONNECTION_STATUS, NULL, 0, b, sizeof(b), &n) !=
	    AMT_STATUS_SUCCESS)
		return false;
	return amthi_decode_remote_access_status(b, n, out) == 0;
}

/* Poll cond(arg) every ms until it holds or SIMT_WAIT_MS passed. */
static inline bool simt_wait(bool (*cond)(void *), void *arg)
{
	for (int i = 0; i < SIMT_WAIT_MS; i++) {
		if (cond(arg))
			return true;
		simt_sleep_ms(1);
	}
	return cond(arg);
}

#endif
