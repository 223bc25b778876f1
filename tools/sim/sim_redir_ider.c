// SPDX-License-Identifier: Apache-2.0
/*
 * sim_redir_ider.c - IDE-R in the simulated redirection service (see
 * sim_redir_int.h): framing a connection's bytes once its IDE-R session is
 * authenticated, the session's requests (the one IDE-R session, consent,
 * the redirection count that blocks power off), its heartbeats, and the
 * host's side: a reset or power on while the session is open becomes 0x46,
 * and a BIOS told to boot from IDE-R (UseIDER) reads from the drive
 * through the session (sim_ider_bios.c) and prints on the console.
 * Every BIOS command is bounded (10 s, real time: the console is a real
 * program); a session that closes while the BIOS reads fails the boot.
 * Must not: hold the ME lock during I/O (the console is printed to under
 * it, nothing else), or decide the protocol (sim_ider.c) or what the BIOS
 * checks (sim_ider_bios.c).
 */
#include <stdio.h>
#include <string.h>

#include "log.h"
#include "sim_console.h"
#include "sim_fw.h"
#include "sim_net.h"
#include "sim_optin.h"
#include "sim_redir_int.h"

#define BIOS_COMMAND_MS 10000

static uint64_t now_ms(void)
{
	return sim_net_now_ms();
}

int sim_redir_frame(const struct conn *c, const uint8_t *p, size_t n, size_t *want)
{
	if (n > 0 && sim_redir_is_ider(c, p[0]))
		return ider_frame_length(p, n, IDER_FROM_CONSOLE, want);
	return redir_frame_length(p, n, REDIR_FROM_CONSOLE, want);
}

bool sim_redir_is_ider(const struct conn *c, uint8_t type)
{
	return c->sol.ider && c->sol.state == SIM_SOL_S_READY && type >= IDER_TYPE_FIRST &&
	       type <= IDER_TYPE_LAST;
}

/* ---------------- the host's BIOS ---------------- */

static void bios_print(void *arg, const char *text)
{
	struct sim_redir *r = arg;
	sim_me_lock(r->fw->me);
	if (r->fw->console)
		sim_console_ider_print(r->fw->console, text);
	sim_me_unlock(r->fw->me);
}

static const struct sim_bios_ops bios_ops = {bios_print};

static void bios_finish(struct sim_redir *r)
{
	bool booted = r->bios.state == SIM_BIOS_BOOTED;
	r->bios_on = false;
	evtimer_del(r->bios_ev);
	if (booted)
		log_info("ider: the host booted from the remote %s%s%s",
			 sim_bios_device_name(&r->bios), r->bios.have_pvd ? ": " : "",
			 r->bios.have_pvd ? r->bios.pvd.volume_id : "");
	else
		log_info("ider: the boot from the remote %s failed: %s", sim_bios_device_name(&r->bios),
			 r->bios.why);
	sim_me_lock(r->fw->me);
	if (r->fw->console)
		sim_console_ider_end(r->fw->console, booted, now_ms());
	sim_me_unlock(r->fw->me);
}

static void bios_drive(struct sim_redir *r)
{
	struct sim_bios_cmd cmd;
	struct conn *c = r->ider_conn;
	if (!r->bios_on)
		return;
	if (sim_bios_done(&r->bios)) {
		bios_finish(r);
		return;
	}
	if (!c || !sim_ider_can_issue(&c->ider) || !sim_bios_next(&r->bios, &cmd))
		return;
	if (sim_bios_copy_starts(&r->bios))
		log_info("ider: the recovery environment reads the whole %s (%u blocks)",
			 sim_bios_device_name(&r->bios), (unsigned)r->bios.blocks);
	sim_ider_issue(&c->ider, cmd.dev, cmd.cdb, cmd.expect);
	struct timeval tv = {BIOS_COMMAND_MS / 1000, 0};
	evtimer_add(r->bios_ev, &tv);
	c->r->io->flush(c);
}

void sim_redir_ider_on_timeout(evutil_socket_t fd, short what, void *arg)
{
	struct sim_redir *r = arg;
	(void)fd;
	(void)what;
	if (!r->bios_on)
		return;
	if (r->ider_conn) {
		sim_ider_abandon(&r->ider_conn->ider);
		r->io->flush(r->ider_conn);
	}
	sim_bios_fail(&r->bios, "the remote drive did not answer within 10 s");
	bios_finish(r);
}

void sim_redir_ider_poll(struct sim_redir *r)
{
	struct sim_fw *fw = r->fw;
	sim_me_lock(fw->me);
	unsigned boots = fw->console ? sim_console_boots(fw->console) : 0;
	int wanted = fw->console ? sim_console_ider_wanted(fw->console) : 0;
	bool read_all = fw->st.ider_read_image;
	sim_me_unlock(fw->me);

	if (boots != r->boots_seen) { /* the host was reset: a PCI reset for the drives too */
		r->boots_seen = boots;
		if (r->bios_on) {
			r->bios_on = false;
			evtimer_del(r->bios_ev);
		}
		if (r->ider_conn) {
			sim_ider_host_reset(&r->ider_conn->ider);
			r->io->flush(r->ider_conn);
		}
	}
	if (!r->bios_on && wanted && r->ider_conn && sim_ider_can_issue(&r->ider_conn->ider)) {
		sim_me_lock(fw->me);
		if (fw->console)
			sim_console_ider_begin(fw->console);
		sim_me_unlock(fw->me);
		sim_bios_start(&r->bios, &bios_ops, r, wanted == 2, read_all);
		r->bios_on = true;
		log_info("ider: the host's BIOS boots from the remote %s", sim_bios_device_name(&r->bios));
	}
	bios_drive(r);
}

/* ---------------- the session's requests ---------------- */

static enum sim_ider_refusal op_open(void *arg)
{
	struct conn *c = arg;
	struct sim_fw *fw = c->r->fw;
	enum sim_ider_refusal why = SIM_IDER_OK;
	sim_me_lock(fw->me);
	if (c->r->ider_conn) {
		why = SIM_IDER_BUSY;
	} else if (sim_optin_blocks(fw, false, now_ms())) {
		why = SIM_IDER_NO_CONSENT;
	} else {
		fw->redir_open++;
		sim_optin_session(fw, true, now_ms());
	}
	sim_me_unlock(fw->me);
	if (why != SIM_IDER_OK) {
		log_info("redirection: IDE-R for %s refused: %s", c->peer,
			 why == SIM_IDER_BUSY ? "another IDE-R session is open" : "no user consent");
		return why;
	}
	c->ider_owner = true;
	c->r->ider_conn = c;
	log_info("redirection: IDE-R session for %s (%s)", c->peer, c->sol.user);
	return why;
}

static void op_close(void *arg)
{
	struct conn *c = arg;
	struct sim_redir *r = c->r;
	struct sim_fw *fw = r->fw;
	if (!c->ider_owner)
		return;
	sim_me_lock(fw->me);
	fw->redir_open--;
	sim_optin_session(fw, false, now_ms());
	sim_me_unlock(fw->me);
	c->ider_owner = false;
	r->ider_conn = NULL;
	evtimer_del(c->hb_ev);
	log_info("redirection: IDE-R session of %s ended", c->peer);
	if (r->bios_on) {
		char why[96];
		snprintf(why, sizeof(why), "the IDE-R session closed during a read (block %u)",
			 (unsigned)r->bios.lba);
		sim_bios_fail(&r->bios, why);
		bios_finish(r);
	}
}

static void op_changed(void *arg)
{
	struct conn *c = arg;
	if (c->ider_owner)
		sim_redir_ider_poll(c->r);
}

static void op_done(void *arg, const struct sim_ider_result *res)
{
	struct conn *c = arg;
	struct sim_redir *r = c->r;
	if (!r->bios_on || r->ider_conn != c)
		return;
	evtimer_del(r->bios_ev);
	sim_bios_result(&r->bios, res);
	bios_drive(r);
}

static void op_send(void *arg, const uint8_t *msg, size_t len, bool alone)
{
	struct conn *c = arg;
	c->r->io->send(c, msg, len, alone);
}

static const struct sim_ider_ops ider_ops = {
	.send = op_send,
	.open = op_open,
	.close = op_close,
	.changed = op_changed,
	.done = op_done,
};

void sim_redir_ider_heartbeat(struct conn *c)
{
	unsigned ms = c->ider.heartbeat_ms;
	struct timeval tv = {ms / 1000, (suseconds_t)(ms % 1000) * 1000};
	if (!c->ider_owner || !ms)
		return;
	sim_ider_heartbeat(&c->ider);
	c->r->io->flush(c);
	if (c->bev)
		evtimer_add(c->hb_ev, &tv);
}

void sim_redir_ider_input(struct conn *c, const uint8_t *p, size_t n)
{
	bool was_owner = c->ider_owner;
	if (!c->ider_init) {
		if (sim_ider_init(&c->ider, &ider_ops, c) != 0) {
			sim_ider_free(&c->ider);
			c->closing = true;
			return;
		}
		c->ider_init = true;
	}
	if (n > 0 && (p[0] == IDER_COMMAND_END || p[0] == IDER_DATA_TO_HOST || p[0] == IDER_RESET_REPLY))
		c->r->io->answered(c); /* it read our 0x50 / 0x46: no need to stay silent */
	sim_ider_input(&c->ider, p, n);
	if (!was_owner && c->ider_owner) { /* the session opened: heartbeats from now on */
		unsigned ms = c->ider.heartbeat_ms;
		struct timeval tv = {ms / 1000, (suseconds_t)(ms % 1000) * 1000};
		evtimer_add(c->hb_ev, &tv);
	}
}

void sim_redir_ider_gone(struct conn *c)
{
	if (!c->ider_init)
		return;
	sim_ider_gone(&c->ider, "connection closed");
	sim_ider_free(&c->ider);
	c->ider_init = false;
}
