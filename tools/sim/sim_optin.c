// SPDX-License-Identifier: Apache-2.0
/*
 * sim_optin.c - user consent (see sim_optin.h).
 */
#include "sim_optin.h"

#include <openssl/rand.h>
#include <stdio.h>

#include "log.h"
#include "sim_console.h"
#include "sim_fw.h"
#include "sim_net.h"

uint32_t sim_optin_required_value(const struct sim_state *st)
{
	if (st->control_mode == 1 || st->optin_required == SIM_OPTIN_ALL)
		return 0xFFFFFFFFu; /* client control mode: always, and fixed */
	return st->optin_required == SIM_OPTIN_KVM ? 1u : 0u;
}

static bool expired(const struct sim_host_rt *rt, uint64_t now)
{
	return (rt->optin_state == SIM_OPTIN_DISPLAYED || rt->optin_state == SIM_OPTIN_REQUESTED ||
		rt->optin_state == SIM_OPTIN_RECEIVED) &&
	       now >= rt->optin_until;
}

/* Drop a code or a consent whose time is up. */
static void expire(struct sim_host_rt *rt, uint64_t now)
{
	if (expired(rt, now)) {
		rt->optin_state = SIM_OPTIN_NOT_STARTED;
		rt->optin_code = 0;
	}
}

uint32_t sim_optin_state_of(const struct sim_state *st, uint64_t now)
{
	return expired(&st->host_rt, now) ? SIM_OPTIN_NOT_STARTED : st->host_rt.optin_state;
}

uint32_t sim_optin_state(struct sim_fw *fw, uint64_t now)
{
	expire(&fw->st.host_rt, now);
	return fw->st.host_rt.optin_state;
}

bool sim_optin_blocks(struct sim_fw *fw, bool local, uint64_t now)
{
	if (local || fw->st.redir_consent == SIM_CONSENT_NONE ||
	    sim_optin_required_value(&fw->st) != 0xFFFFFFFFu)
		return false;
	uint32_t s = sim_optin_state(fw, now);
	return s != SIM_OPTIN_RECEIVED && s != SIM_OPTIN_IN_SESSION;
}

static uint64_t firmware_ms(const struct sim_fw *fw, unsigned secs)
{
	return sim_net_scaled_ms(secs, fw->st.time_scale, 10);
}

uint32_t sim_optin_start(struct sim_fw *fw, uint64_t now)
{
	struct sim_host_rt *rt = &fw->st.host_rt;
	unsigned char r[4];
	char line[96];
	if (sim_optin_state(fw, now) != SIM_OPTIN_NOT_STARTED)
		return SIM_OPTIN_RV_NOT_READY;
	if (RAND_bytes(r, sizeof(r)) != 1)
		return 1; /* internal error */
	rt->optin_code = ((uint32_t)r[0] << 24 | (uint32_t)r[1] << 16 | (uint32_t)r[2] << 8 | r[3]) %
			 1000000u;
	rt->optin_state = SIM_OPTIN_DISPLAYED;
	rt->optin_until = now + firmware_ms(fw, fw->st.optin_display_timeout_s);
	rt->optin_tries = 0;
	/* the simulator's stand-in for the code firmware paints on the screen */
	log_info("optin: user consent code %06u shown on the host's screen", rt->optin_code);
	snprintf(line, sizeof(line), "Intel(R) AMT: user consent code %06u", rt->optin_code);
	if (fw->console && fw->st.host.power == SIM_POWER_ON)
		sim_console_notice(fw->console, line);
	return SIM_OPTIN_RV_OK;
}

uint32_t sim_optin_send(struct sim_fw *fw, uint32_t code, uint64_t now)
{
	struct sim_host_rt *rt = &fw->st.host_rt;
	uint32_t s = sim_optin_state(fw, now);
	if (s != SIM_OPTIN_DISPLAYED && s != SIM_OPTIN_REQUESTED)
		return SIM_OPTIN_RV_NOT_READY;
	if (code != rt->optin_code) {
		if (++rt->optin_tries >= SIM_OPTIN_MAX_TRIES) {
			rt->optin_state = SIM_OPTIN_NOT_STARTED;
			rt->optin_code = 0;
			log_info("optin: wrong code %u times: the code is withdrawn",
				 SIM_OPTIN_MAX_TRIES);
		}
		return SIM_OPTIN_RV_WRONG_CODE;
	}
	rt->optin_state = SIM_OPTIN_RECEIVED;
	rt->optin_code = 0;
	rt->optin_until = now + firmware_ms(fw, fw->st.optin_code_timeout_s);
	log_info("optin: user consent received");
	return SIM_OPTIN_RV_OK;
}

uint32_t sim_optin_cancel(struct sim_fw *fw, uint64_t now)
{
	uint32_t s = sim_optin_state(fw, now);
	if (s == SIM_OPTIN_NOT_STARTED || s == SIM_OPTIN_IN_SESSION)
		return SIM_OPTIN_RV_NOT_READY;
	fw->st.host_rt.optin_state = SIM_OPTIN_NOT_STARTED;
	fw->st.host_rt.optin_code = 0;
	return SIM_OPTIN_RV_OK;
}

void sim_optin_session(struct sim_fw *fw, bool started, uint64_t now)
{
	uint32_t s = sim_optin_state(fw, now);
	if (started && s == SIM_OPTIN_RECEIVED)
		fw->st.host_rt.optin_state = SIM_OPTIN_IN_SESSION;
	else if (!started && s == SIM_OPTIN_IN_SESSION && fw->redir_open == 0)
		fw->st.host_rt.optin_state = SIM_OPTIN_NOT_STARTED;
}
