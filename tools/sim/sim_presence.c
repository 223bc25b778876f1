// SPDX-License-Identifier: Apache-2.0
/*
 * sim_presence.c - Agent Presence watchdogs: NVM and state machine (see
 * sim_presence.h).
 *
 * File form, one section per watchdog:
 *   [presence.N]  guid (canonical text), timeout_s, startup_s, description,
 *                 action = HANDLE,OLD,NEW,EVENT[,SD[,EAC]] (repeated; OLD and
 *                 NEW state bits, EVENT 0/1, SD 0/1 or '-', EAC 0/1 or '-')
 *   [presence]    next_action
 */
#include "sim_presence.h"

#include <stdlib.h>
#include <string.h>

#include "guid.h"
#include "sim_ini.h"

#define PREFIX "presence."

static uint64_t scaled_ms(uint32_t secs, unsigned scale)
{
	uint64_t ms = (uint64_t)secs * 1000u / (scale ? scale : 1u);
	return ms ? ms : 1;
}

void sim_presence_defaults(struct sim_presence *p)
{
	memset(p, 0, sizeof(*p));
	p->next_action = 1;
}

/* ---- INI ---- */

static int parse_action(struct sim_watchdog *w, const char *v)
{
	char *copy = strdup(v), *save = NULL, *f[6];
	int n = 0, rc = -1;
	if (!copy)
		return -1;
	for (char *s = strtok_r(copy, ",", &save); s && n < 6; s = strtok_r(NULL, ",", &save))
		f[n++] = s;
	if (n < 4 || w->naction >= SIM_PRESENCE_ACTIONS)
		goto out;
	struct sim_wd_action a = {0};
	char *end;
	unsigned long h = strtoul(f[0], &end, 10);
	if (*end || h == 0 || h > 0x7FFFFFFF)
		goto out;
	a.handle = (uint32_t)h;
	unsigned long o = strtoul(f[1], &end, 10);
	if (*end || o > SIM_WD_ALL_STATES)
		goto out;
	unsigned long nw = strtoul(f[2], &end, 10);
	if (*end || nw > SIM_WD_ALL_STATES)
		goto out;
	a.old_state = (uint16_t)o;
	a.new_state = (uint16_t)nw;
	if (strcmp(f[3], "0") && strcmp(f[3], "1"))
		goto out;
	a.event = f[3][0] == '1';
	if (n > 4 && strcmp(f[4], "-")) {
		if (strcmp(f[4], "0") && strcmp(f[4], "1"))
			goto out;
		a.has_sd = true;
		a.sd = (uint32_t)(f[4][0] - '0');
	}
	if (n > 5 && strcmp(f[5], "-")) {
		if (strcmp(f[5], "0") && strcmp(f[5], "1"))
			goto out;
		a.has_eac = true;
		a.eac = f[5][0] == '1';
	}
	w->actions[w->naction++] = a;
	rc = 0;
out:
	free(copy);
	return rc;
}

int sim_presence_ini(struct sim_presence *p, const char *section, const char *name,
		     const char *value, char *why, size_t whycap)
{
	if (strcmp(section, "presence") == 0) {
		char *end;
		unsigned long v = strtoul(value, &end, 10);
		if (strcmp(name, "next_action") == 0 && *value && !*end && v >= 1 && v <= 0x7FFFFFFF) {
			p->next_action = (uint32_t)v;
			return 1;
		}
		snprintf(why, whycap, "[presence] %s: unknown key or bad value", name);
		return 0;
	}
	int n = sim_ini_section_index(section, PREFIX, SIM_PRESENCE_MAX - 1);
	if (strncmp(section, PREFIX, strlen(PREFIX)) != 0)
		return -1;
	if (n < 0) {
		snprintf(why, whycap, "[%s]: N must be 0..%d", section, SIM_PRESENCE_MAX - 1);
		return 0;
	}
	struct sim_watchdog *w = &p->wd[n];
	if (!w->used) {
		memset(w, 0, sizeof(*w));
		w->used = true;
		w->state = SIM_WD_NOT_STARTED;
	}
	char *end;
	unsigned long v;
	if (strcmp(name, "guid") == 0) {
		if (guid_parse(value, w->guid) == 0)
			return 1;
	} else if (strcmp(name, "timeout_s") == 0 || strcmp(name, "startup_s") == 0) {
		v = strtoul(value, &end, 10);
		bool startup = name[0] == 's';
		/* StartupInterval is a uint16 in the MOF */
		if (*value >= '0' && *value <= '9' && !*end && v >= 1 &&
		    v <= (startup ? 0xFFFFul : 0xFFFFFFFFul)) {
			*(startup ? &w->startup_s : &w->timeout_s) = (uint32_t)v;
			return 1;
		}
	} else if (strcmp(name, "description") == 0) {
		if (sim_ini_text_ok(value, SIM_PRESENCE_DESC_MAX)) {
			snprintf(w->description, sizeof(w->description), "%s", value);
			return 1;
		}
	} else if (strcmp(name, "action") == 0) {
		if (parse_action(w, value) == 0)
			return 1;
	} else {
		snprintf(why, whycap, "[%s] %s: unknown key", section, name);
		return 0;
	}
	snprintf(why, whycap, "[%s] %s: bad value \"%.48s\"", section, name, value);
	return 0;
}

static bool guid_zero(const uint8_t g[16])
{
	for (int i = 0; i < 16; i++)
		if (g[i])
			return false;
	return true;
}

int sim_presence_finish(struct sim_presence *p, char *why, size_t whycap)
{
	for (int i = 0; i < SIM_PRESENCE_MAX; i++) {
		struct sim_watchdog *w = &p->wd[i];
		if (!w->used)
			continue;
		if (guid_zero(w->guid) || !w->timeout_s || !w->startup_s) {
			snprintf(why, whycap, "[" PREFIX "%d]: needs guid (not all zero), timeout_s and "
					      "startup_s", i);
			return -1;
		}
		for (int j = 0; j < i; j++)
			if (p->wd[j].used && !memcmp(p->wd[j].guid, w->guid, 16)) {
				snprintf(why, whycap, "[" PREFIX "%d]: the same guid as [" PREFIX "%d]", i, j);
				return -1;
			}
		for (unsigned a = 0; a < w->naction; a++)
			if (w->actions[a].handle >= p->next_action)
				p->next_action = w->actions[a].handle + 1;
	}
	return 0;
}

void sim_presence_write(FILE *f, const struct sim_presence *p)
{
	char g[37];
	fprintf(f, "\n[presence]\nnext_action = %u\n", (unsigned)p->next_action);
	for (int i = 0; i < SIM_PRESENCE_MAX; i++) {
		const struct sim_watchdog *w = &p->wd[i];
		if (!w->used)
			continue;
		guid_format(w->guid, g);
		fprintf(f, "\n[" PREFIX "%d]\nguid = %s\ntimeout_s = %u\nstartup_s = %u\n", i, g,
			(unsigned)w->timeout_s, (unsigned)w->startup_s);
		if (w->description[0])
			fprintf(f, "description = %s\n", w->description);
		for (unsigned a = 0; a < w->naction; a++) {
			const struct sim_wd_action *x = &w->actions[a];
			char sd[4] = "-", eac[4] = "-";
			if (x->has_sd)
				snprintf(sd, sizeof(sd), "%u", (unsigned)x->sd);
			if (x->has_eac)
				snprintf(eac, sizeof(eac), "%d", x->eac ? 1 : 0);
			fprintf(f, "action = %u,%u,%u,%d,%s,%s\n", (unsigned)x->handle,
				(unsigned)x->old_state, (unsigned)x->new_state, x->event ? 1 : 0, sd, eac);
		}
	}
}

void sim_presence_keep_runtime(struct sim_presence *now, const struct sim_presence *before)
{
	for (int i = 0; i < SIM_PRESENCE_MAX; i++) {
		struct sim_watchdog *w = &now->wd[i];
		int j = w->used ? sim_presence_find(before, w->guid) : -1;
		if (j < 0)
			continue;
		w->state = before->wd[j].state;
		w->session = before->wd[j].session;
		w->expect_seq = before->wd[j].expect_seq;
		w->deadline_ms = before->wd[j].deadline_ms;
	}
}

/* ---- table ---- */

unsigned sim_presence_count(const struct sim_presence *p)
{
	unsigned n = 0;
	for (int i = 0; i < SIM_PRESENCE_MAX; i++)
		n += p->wd[i].used;
	return n;
}

int sim_presence_nth(const struct sim_presence *p, unsigned k)
{
	for (int i = 0; i < SIM_PRESENCE_MAX; i++)
		if (p->wd[i].used && k-- == 0)
			return i;
	return -1;
}

int sim_presence_find(const struct sim_presence *p, const uint8_t guid[16])
{
	for (int i = 0; i < SIM_PRESENCE_MAX; i++)
		if (p->wd[i].used && memcmp(p->wd[i].guid, guid, 16) == 0)
			return i;
	return -1;
}

int sim_presence_create(struct sim_presence *p, const uint8_t guid[16], uint32_t timeout_s,
			uint32_t startup_s, const char *description, uint64_t now_ms,
			unsigned scale)
{
	if (sim_presence_find(p, guid) >= 0)
		return -2;
	for (int i = 0; i < SIM_PRESENCE_MAX; i++) {
		struct sim_watchdog *w = &p->wd[i];
		if (w->used)
			continue;
		memset(w, 0, sizeof(*w));
		w->used = true;
		memcpy(w->guid, guid, 16);
		w->timeout_s = timeout_s;
		w->startup_s = startup_s;
		snprintf(w->description, sizeof(w->description), "%s", description ? description : "");
		w->state = SIM_WD_NOT_STARTED;
		w->deadline_ms = now_ms + scaled_ms(startup_s, scale);
		return i;
	}
	return -1;
}

void sim_presence_delete(struct sim_presence *p, int slot)
{
	if (slot >= 0 && slot < SIM_PRESENCE_MAX)
		memset(&p->wd[slot], 0, sizeof(p->wd[slot]));
}

const struct sim_wd_action *sim_presence_action_nth(const struct sim_presence *p, unsigned k,
						    int *slot)
{
	for (int i = 0; i < SIM_PRESENCE_MAX; i++) {
		if (!p->wd[i].used)
			continue;
		if (k < p->wd[i].naction) {
			if (slot)
				*slot = i;
			return &p->wd[i].actions[k];
		}
		k -= p->wd[i].naction;
	}
	return NULL;
}

unsigned sim_presence_action_count(const struct sim_presence *p)
{
	unsigned n = 0;
	for (int i = 0; i < SIM_PRESENCE_MAX; i++)
		if (p->wd[i].used)
			n += p->wd[i].naction;
	return n;
}

uint32_t sim_presence_add_action(struct sim_presence *p, int slot, const struct sim_wd_action *a)
{
	struct sim_watchdog *w = &p->wd[slot];
	if (w->naction >= SIM_PRESENCE_ACTIONS)
		return 0;
	w->actions[w->naction] = *a;
	w->actions[w->naction].handle = p->next_action++;
	return w->actions[w->naction++].handle;
}

/* ---- state machine ---- */

const char *sim_presence_message_id(uint16_t state)
{
	switch (state) {
	case SIM_WD_NOT_STARTED: return "iAMT0002";
	case SIM_WD_STOPPED: return "iAMT0003";
	case SIM_WD_RUNNING: return "iAMT0004";
	case SIM_WD_EXPIRED: return "iAMT0005";
	default: return "iAMT0006";
	}
}

static bool event_wanted(const struct sim_watchdog *w, uint16_t from, uint16_t to)
{
	for (unsigned i = 0; i < w->naction; i++)
		if ((w->actions[i].old_state & from) && (w->actions[i].new_state & to) &&
		    w->actions[i].event)
			return true;
	return false;
}

static void move(struct sim_watchdog *w, uint16_t to, struct sim_wd_transition *t)
{
	memcpy(t->guid, w->guid, 16);
	t->from = w->state;
	t->to = to;
	t->event = event_wanted(w, w->state, to);
	w->state = to;
}

unsigned sim_presence_restart(struct sim_presence *p, uint64_t now_ms, unsigned scale,
			      struct sim_wd_transition *out, unsigned cap)
{
	unsigned n = 0;
	for (int i = 0; i < SIM_PRESENCE_MAX; i++) {
		struct sim_watchdog *w = &p->wd[i];
		if (!w->used)
			continue;
		w->session = false;
		w->deadline_ms = now_ms + scaled_ms(w->startup_s, scale);
		if (w->state == SIM_WD_NOT_STARTED)
			continue;
		struct sim_wd_transition t;
		move(w, SIM_WD_NOT_STARTED, &t);
		if (n < cap)
			out[n++] = t;
	}
	return n;
}

unsigned sim_presence_suspend(struct sim_presence *p, struct sim_wd_transition *out,
			      unsigned cap)
{
	unsigned n = 0;
	for (int i = 0; i < SIM_PRESENCE_MAX; i++) {
		struct sim_watchdog *w = &p->wd[i];
		if (!w->used)
			continue;
		w->session = false;
		w->deadline_ms = 0;
		if (w->state == SIM_WD_SUSPENDED)
			continue;
		struct sim_wd_transition t;
		move(w, SIM_WD_SUSPENDED, &t);
		if (n < cap)
			out[n++] = t;
	}
	return n;
}

uint32_t sim_presence_register(struct sim_presence *p, int slot, uint32_t first_seq)
{
	struct sim_watchdog *w = &p->wd[slot];
	w->session = true;
	w->expect_seq = first_seq + 1u; /* wraps at 2^32 */
	return first_seq;
}

uint32_t sim_presence_assert(struct sim_presence *p, int slot, uint32_t seq, bool shutdown,
			     bool refuse, uint64_t now_ms, unsigned scale,
			     struct sim_wd_transition *t, bool *changed)
{
	struct sim_watchdog *w = &p->wd[slot];
	*changed = false;
	if (!w->session || seq != w->expect_seq)
		return refuse ? SIM_WD_INVALID_PARAMETER : SIM_WD_OK; /* "ignored" (MOF) */
	w->expect_seq = seq + 1u;
	uint16_t to = shutdown ? SIM_WD_STOPPED : SIM_WD_RUNNING;
	if (shutdown) {
		w->session = false;
		w->deadline_ms = 0;
	} else {
		w->deadline_ms = now_ms + scaled_ms(w->timeout_s, scale);
	}
	if (w->state != to) {
		move(w, to, t);
		*changed = true;
	}
	return SIM_WD_OK;
}

unsigned sim_presence_tick(struct sim_presence *p, uint64_t now_ms, struct sim_wd_transition *out,
			   unsigned cap, uint64_t *next_deadline_ms)
{
	unsigned n = 0;
	uint64_t next = 0;
	for (int i = 0; i < SIM_PRESENCE_MAX; i++) {
		struct sim_watchdog *w = &p->wd[i];
		if (!w->used || !w->deadline_ms)
			continue;
		if (w->deadline_ms <= now_ms) {
			w->deadline_ms = 0;
			if (w->state != SIM_WD_EXPIRED && n < cap)
				move(w, SIM_WD_EXPIRED, &out[n++]);
			continue;
		}
		if (!next || w->deadline_ms < next)
			next = w->deadline_ms;
	}
	*next_deadline_ms = next;
	return n;
}
