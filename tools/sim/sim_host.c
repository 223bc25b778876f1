// SPDX-License-Identifier: Apache-2.0
/*
 * sim_host.c - the simulated host's power (see sim_host.h): the rules, and
 * applying a decision to the device.
 */
#include "sim_host.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "log.h"
#include "sim_boot.h"
#include "sim_console.h"
#include "sim_fw.h"
#include "sim_net.h"

/* go-wsman-messages cim/service/availabletoelement/pull.xml, in its order */
static const uint32_t on_with_os[] = {SIM_PS_RESET, SIM_PS_OFF_SOFT, SIM_PS_CYCLE_SOFT,
				      SIM_PS_NMI, SIM_PS_SLEEP_DEEP, SIM_PS_HIBERNATE,
				      SIM_PS_RESET_GRACEFUL, SIM_PS_OFF_SOFT_GRACEFUL};
static const uint32_t on_without_os[] = {SIM_PS_RESET, SIM_PS_OFF_SOFT, SIM_PS_CYCLE_SOFT,
					 SIM_PS_NMI};
static const uint32_t asleep[] = {SIM_PS_ON, SIM_PS_RESET, SIM_PS_OFF_SOFT, SIM_PS_CYCLE_SOFT};
static const uint32_t off[] = {SIM_PS_ON};

uint32_t sim_host_power_state(uint32_t power)
{
	switch (power) {
	case SIM_POWER_SLEEP: return SIM_PS_SLEEP_DEEP;
	case SIM_POWER_HIBERNATE: return SIM_PS_HIBERNATE;
	case SIM_POWER_OFF: return SIM_PS_OFF_SOFT;
	default: return SIM_PS_ON;
	}
}

size_t sim_host_available(const struct sim_power_view *v, uint32_t out[SIM_PS_MAX_AVAILABLE])
{
	const uint32_t *list;
	size_t n;
	switch (v->power) {
	case SIM_POWER_ON:
		list = v->os_running ? on_with_os : on_without_os;
		n = v->os_running ? sizeof(on_with_os) / sizeof(on_with_os[0])
				  : sizeof(on_without_os) / sizeof(on_without_os[0]);
		break;
	case SIM_POWER_SLEEP:
		list = asleep;
		n = sizeof(asleep) / sizeof(asleep[0]);
		break;
	default:
		list = off;
		n = 1;
		break;
	}
	memcpy(out, list, n * sizeof(*list));
	return n;
}

/* Power off and power cycle in every flavour: what a redirection session blocks. */
static bool ends_power(uint32_t ps)
{
	switch (ps) {
	case SIM_PS_CYCLE_SOFT:
	case SIM_PS_OFF_HARD:
	case SIM_PS_OFF_SOFT:
	case SIM_PS_CYCLE_HARD:
	case SIM_PS_OFF_SOFT_GRACEFUL:
	case SIM_PS_OFF_HARD_GRACEFUL:
	case SIM_PS_CYCLE_SOFT_GRACEFUL:
	case SIM_PS_CYCLE_HARD_GRACEFUL:
		return true;
	default:
		return false;
	}
}

void sim_host_decide(const struct sim_power_view *v, uint32_t requested, uint32_t refusal_rv,
		     struct sim_power_decision *d)
{
	uint32_t avail[SIM_PS_MAX_AVAILABLE];
	size_t n = sim_host_available(v, avail);
	bool offered = false;

	d->action = SIM_PA_NONE;
	if (requested < 1 || requested > 16) {
		d->rv = SIM_PS_RV_INVALID_PARAMETER;
		return;
	}
	for (size_t i = 0; i < n; i++)
		offered |= avail[i] == requested;
	if (!offered) {
		d->rv = SIM_PS_RV_INVALID_TRANSITION;
		return;
	}
	if (v->redirection && ends_power(requested)) {
		d->rv = refusal_rv;
		return;
	}
	d->rv = SIM_PS_RV_OK;
	switch (requested) {
	case SIM_PS_ON: d->action = v->power == SIM_POWER_SLEEP ? SIM_PA_WAKE : SIM_PA_BOOT; break;
	case SIM_PS_SLEEP_DEEP: d->action = SIM_PA_SLEEP; break;
	case SIM_PS_HIBERNATE: d->action = SIM_PA_HIBERNATE; break;
	case SIM_PS_OFF_SOFT: d->action = SIM_PA_OFF; break;
	case SIM_PS_CYCLE_SOFT: d->action = SIM_PA_CYCLE; break;
	case SIM_PS_RESET: d->action = SIM_PA_RESET; break;
	case SIM_PS_NMI: d->action = SIM_PA_NMI; break;
	case SIM_PS_OFF_SOFT_GRACEFUL: d->action = SIM_PA_GRACEFUL_OFF; break;
	case SIM_PS_RESET_GRACEFUL: d->action = SIM_PA_GRACEFUL_RESET; break;
	default: /* offered lists hold nothing else */
		d->rv = SIM_PS_RV_INVALID_TRANSITION;
		break;
	}
}

static void mirror(struct sim_fw *fw)
{
	fw->st.host_rt.os_running = fw->console && fw->st.host.power == SIM_POWER_ON &&
				    sim_console_os_running(fw->console);
}

void sim_host_view(const struct sim_fw *fw, struct sim_power_view *v)
{
	v->power = fw->st.host.power;
	v->os_running = fw->console && fw->st.host.power == SIM_POWER_ON &&
			sim_console_os_running(fw->console);
	v->redirection = fw->redir_open > 0;
}

void sim_host_console_input(struct sim_fw *fw, const uint8_t *p, size_t n, uint64_t now)
{
	if (!fw->console)
		return;
	sim_console_input(fw->console, p, n, now);
	mirror(fw);
}

void sim_host_console_tick(struct sim_fw *fw, uint64_t now)
{
	if (!fw->console)
		return;
	sim_console_tick(fw->console, now);
	mirror(fw);
}

static void console_info(const struct sim_fw *fw, struct sim_console_info *i)
{
	memset(i, 0, sizeof(*i));
	snprintf(i->host_name, sizeof(i->host_name), "%s",
		 fw->st.host_name[0] ? fw->st.host_name : "localhost");
	snprintf(i->bios, sizeof(i->bios), "%s", fw->st.bios);
	snprintf(i->amt_version, sizeof(i->amt_version), "%s", fw->st.version);
	memcpy(i->mac, fw->st.wired.mac, sizeof(i->mac));
}

/* Power on (or back on after a reset): the one-time options are used up. */
static void boot(struct sim_fw *fw, bool resume)
{
	struct sim_boot_plan plan;
	struct sim_console_info info;
	sim_boot_take(&fw->st.host, &plan);
	plan.resume = resume;
	if (plan.target == SIM_BOOT_IDER && !fw->st.ider_boot)
		plan.target = SIM_BOOT_NORMAL; /* AMT_BootCapabilities.IDER false: the BIOS cannot */
	sim_console_set_ider_wait(fw->console, fw->st.ider_boot_wait_s * 1000u);
	console_info(fw, &info);
	sim_console_set_info(fw->console, &info);
	sim_console_set_scale(fw->console, fw->st.time_scale);
	sim_console_boot(fw->console, &plan, sim_net_now_ms());
}

static void set_power(struct sim_fw *fw, uint32_t power)
{
	fw->st.host.power = power;
	sim_me_set_host_present(fw->me, power == SIM_POWER_ON);
}

static void apply(struct sim_fw *fw, enum sim_power_action a)
{
	uint64_t now = sim_net_now_ms();
	bool resume = fw->st.host.power == SIM_POWER_HIBERNATE;
	switch (a) {
	case SIM_PA_BOOT:
		set_power(fw, SIM_POWER_ON);
		boot(fw, resume);
		break;
	case SIM_PA_WAKE:
		set_power(fw, SIM_POWER_ON);
		sim_console_wake(fw->console, now);
		break;
	case SIM_PA_SLEEP:
		set_power(fw, SIM_POWER_SLEEP);
		sim_console_sleep(fw->console);
		break;
	case SIM_PA_HIBERNATE:
		set_power(fw, SIM_POWER_HIBERNATE);
		sim_console_off(fw->console);
		break;
	case SIM_PA_GRACEFUL_OFF:
		sim_console_shutdown_notice(fw->console, false, now);
		/* fall through */
	case SIM_PA_OFF:
		set_power(fw, SIM_POWER_OFF);
		sim_console_off(fw->console);
		break;
	case SIM_PA_GRACEFUL_RESET:
		sim_console_shutdown_notice(fw->console, true, now);
		/* fall through */
	case SIM_PA_CYCLE:
	case SIM_PA_RESET:
		/* the OS and its drivers restart: their connections go */
		set_power(fw, SIM_POWER_OFF);
		set_power(fw, SIM_POWER_ON);
		boot(fw, false);
		break;
	case SIM_PA_NMI:
		sim_console_nmi(fw->console, now);
		break;
	case SIM_PA_NONE:
		break;
	}
}

uint32_t sim_host_request(struct sim_fw *fw, uint32_t requested)
{
	struct sim_power_view v;
	struct sim_power_decision d;
	uint32_t before = fw->st.host.power;

	if (!fw->console)
		return SIM_PS_RV_INVALID_TRANSITION;
	sim_host_view(fw, &v);
	sim_host_decide(&v, requested, fw->st.redirection_power_refusal, &d);
	if (d.rv != SIM_PS_RV_OK) {
		log_info("host: power state change to %u refused (%u): host %s%s", requested, d.rv,
			 sim_power_name(before), v.redirection ? ", redirection session open" : "");
		return d.rv;
	}
	apply(fw, d.action);
	mirror(fw);
	log_info("host: power state change to %u: %s -> %s, console %s", requested,
		 sim_power_name(before), sim_power_name(fw->st.host.power),
		 sim_console_stage(fw->console));
	sim_state_persist(&fw->st, fw->state_path);
	return SIM_PS_RV_OK;
}

int sim_host_register(struct sim_fw *fw, char *err, size_t errcap)
{
	struct sim_console_info info;
	struct sim_console *c = sim_console_new();
	if (!c) {
		snprintf(err, errcap, "out of memory");
		return -ENOMEM;
	}
	sim_me_lock(fw->me);
	fw->console = c;
	console_info(fw, &info);
	sim_console_set_info(c, &info);
	sim_console_set_scale(c, fw->st.time_scale);
	if (fw->st.host.power == SIM_POWER_ON)
		sim_console_running(c, sim_net_now_ms());
	else if (fw->st.host.power == SIM_POWER_SLEEP)
		sim_console_sleep(c);
	sim_me_set_host_present(fw->me, fw->st.host.power == SIM_POWER_ON);
	mirror(fw);
	sim_me_unlock(fw->me);
	return 0;
}

void sim_host_shutdown(struct sim_fw *fw)
{
	sim_me_lock(fw->me);
	struct sim_console *c = fw->console;
	fw->console = NULL;
	sim_me_unlock(fw->me);
	sim_console_free(c);
}
