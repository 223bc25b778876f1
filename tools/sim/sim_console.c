// SPDX-License-Identifier: Apache-2.0
/*
 * sim_console.c - the simulated host's serial console (see sim_console.h).
 *
 * Data-driven: each stage is a row of the table below with the script it
 * prints (text with a delay before each piece) and whether it then waits
 * for a key; next_stage() says where a finished stage goes. Text may name
 * %H (host name), %B (BIOS version), %A (AMT version), %M (the wired MAC),
 * %C (what AMT asked this boot to do), %D (the IDE-R drive) and %% ('%').
 * Delays are firmware milliseconds, divided by [sim] time_scale.
 */
#include "sim_console.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum stage {
	ST_OFF,
	ST_POST,
	ST_PAUSE,
	ST_BIOS_SETUP,
	ST_PXE,
	ST_CD,
	ST_DIAG,
	ST_IDER,
	ST_RECOVERY,
	ST_OS_BOOT,
	ST_RESUME,
	ST_LOGIN,
	ST_PASSWORD,
	ST_SLEEP,
	ST_COUNT
};

struct step {
	uint32_t delay_ms; /* before this piece */
	const char *text;
};

#define CLEAR "\x1b[2J\x1b[H"
#define RULE "  ------------------------------------------------------------------\r\n"

static const struct step post[] = {
	{0, "\r\n%B  (Intel(R) AMT %A)\r\n"},
	{150, "Memory test: 16384 MB OK\r\n"},
	{150, "Intel(R) AMT boot request: %C\r\n"},
};
static const struct step pause_[] = {
	{50, "\r\nBoot paused by Intel(R) AMT (BIOSPause): press any key to continue\r\n"},
};
static const struct step bios_setup[] = {
	{100, CLEAR "  SIM BIOS Setup Utility                                %B\r\n" RULE
	      "    Main      Advanced      Boot      Security      Exit\r\n" RULE
	      "  Host name                     %H\r\n"
	      "  Intel(R) AMT                  %A\r\n"
	      "  Entered at the request of     Intel(R) AMT (BIOSSetup)\r\n"
	      "  AMT boot request              %C\r\n"
	      "  Boot order                    1. Hard drive  2. Network (PXE)  3. CD/DVD\r\n" RULE
	      "  F10: Save and Exit     Enter: Redraw\r\n"},
};
static const struct step pxe[] = {
	{100, "\r\nIntel(R) Boot Agent GE v1.5.88 (boot override by Intel(R) AMT)\r\n"
	      "CLIENT MAC ADDR: %M\r\nDHCP...."},
	{4000, "\r\nPXE-E51: No DHCP or proxyDHCP offers were received.\r\n\r\n"
	       "PXE-M0F: Exiting Intel Boot Agent.\r\n"},
};
static const struct step cd[] = {
	{100, "\r\nBooting from CD/DVD (boot override by Intel(R) AMT)...\r\n"},
	{1000, "No bootable CD/DVD found.\r\n"},
};
static const struct step diag[] = {
	{100, "\r\nBooting the diagnostic partition (boot override by Intel(R) AMT)...\r\n"},
	{1000, "No diagnostic partition found.\r\n"},
};
static const struct step ider[] = {
	{100, "\r\nAttempting remote IDE boot (Intel(R) AMT IDE-R, %D)...\r\n"},
};
static const struct step os_boot[] = {
	{100, "\r\nBooting from Hard Disk...\r\n"},
	{300, "Loading Linux 6.1.0-sim ...\r\n"},
	{500, "[  OK  ] Reached target Multi-User System.\r\n"},
	{100, "\r\nDebian GNU/Linux 12 %H ttyS0\r\n\r\n%H login: "},
};
static const struct step resume[] = {
	{100, "\r\nResuming from hibernation...\r\n"},
	{300, "\r\n%H login: "},
};

struct stage_def {
	const char *name;
	const struct step *script;
	size_t nsteps;
	bool waits; /* stays after its script until a key or an event */
	bool os;    /* the simulated OS runs */
};

#define SCRIPT(s) s, sizeof(s) / sizeof(s[0])
static const struct stage_def stages[ST_COUNT] = {
	[ST_OFF] = {"off", NULL, 0, true, false},
	[ST_POST] = {"post", SCRIPT(post), false, false},
	[ST_PAUSE] = {"boot_paused", SCRIPT(pause_), true, false},
	[ST_BIOS_SETUP] = {"bios_setup", SCRIPT(bios_setup), true, false},
	[ST_PXE] = {"pxe", SCRIPT(pxe), false, false},
	[ST_CD] = {"cd", SCRIPT(cd), false, false},
	[ST_DIAG] = {"diagnostic", SCRIPT(diag), false, false},
	[ST_IDER] = {"ider", SCRIPT(ider), true, false},
	[ST_RECOVERY] = {"recovery", NULL, 0, true, false},
	[ST_OS_BOOT] = {"os_boot", SCRIPT(os_boot), false, false},
	[ST_RESUME] = {"resume", SCRIPT(resume), false, false},
	[ST_LOGIN] = {"login", NULL, 0, true, true},
	[ST_PASSWORD] = {"password", NULL, 0, true, true},
	[ST_SLEEP] = {"sleep", NULL, 0, true, false},
};

/* Keys, as terminals send them: F10 is ESC [ 2 1 ~ (VT220/xterm) or ESC 0
 * (VT100+, what BIOS console redirection documents). */
static const char *const f10_keys[] = {"\x1b[21~", "\x1b" "0", NULL};
#define ESC_MAX 8
#define LINE_MAX_ 32

struct sim_console {
	enum stage stage;
	size_t step;     /* next piece of the stage's script */
	uint64_t due;    /* when it is printed */
	struct sim_boot_plan plan;
	bool paused_done;
	struct sim_console_info info;
	unsigned scale;
	void (*wake)(void *arg);
	void *wake_arg;
	char esc[ESC_MAX];
	size_t esc_len;
	size_t line_len;  /* characters typed at the login prompt */
	bool last_cr;     /* CR LF is one Enter */
	bool attached;
	uint32_t ider_wait_ms;
	bool ider_reading; /* the BIOS reads from the IDE-R drive */
	unsigned boots;
	uint8_t backlog[SIM_CONSOLE_BACKLOG];
	size_t backlog_len;
	uint8_t pending[SIM_CONSOLE_PENDING];
	size_t pending_len;
};

struct sim_console *sim_console_new(void)
{
	struct sim_console *c = calloc(1, sizeof(*c));
	if (c) {
		c->scale = 1;
		c->due = UINT64_MAX;
		snprintf(c->info.host_name, sizeof(c->info.host_name), "amt-sim");
	}
	return c;
}

void sim_console_free(struct sim_console *c)
{
	free(c);
}

void sim_console_set_wake(struct sim_console *c, void (*wake)(void *arg), void *arg)
{
	c->wake = wake;
	c->wake_arg = arg;
}

void sim_console_set_scale(struct sim_console *c, unsigned scale)
{
	c->scale = scale ? scale : 1;
}

void sim_console_set_info(struct sim_console *c, const struct sim_console_info *info)
{
	c->info = *info;
}

static void kick(struct sim_console *c)
{
	if (c->wake)
		c->wake(c->wake_arg);
}

/* ---- output ---- */

static void keep_last(uint8_t *buf, size_t *len, size_t cap, const uint8_t *p, size_t n)
{
	if (n >= cap) {
		memcpy(buf, p + (n - cap), cap);
		*len = cap;
		return;
	}
	if (*len + n > cap) { /* drop the oldest */
		size_t drop = *len + n - cap;
		memmove(buf, buf + drop, *len - drop);
		*len -= drop;
	}
	memcpy(buf + *len, p, n);
	*len += n;
}

static void put_bytes(struct sim_console *c, const void *p, size_t n)
{
	keep_last(c->backlog, &c->backlog_len, sizeof(c->backlog), p, n);
	if (c->attached)
		keep_last(c->pending, &c->pending_len, sizeof(c->pending), p, n);
}

static const char *target_text(const struct sim_boot_plan *p)
{
	switch (p->target) {
	case SIM_BOOT_BIOS_SETUP: return p->bios_pause ? "BIOS setup, pause" : "BIOS setup";
	case SIM_BOOT_PXE: return p->bios_pause ? "network (PXE), pause" : "network (PXE)";
	case SIM_BOOT_HDD: return p->bios_pause ? "hard drive, pause" : "hard drive";
	case SIM_BOOT_CD: return p->bios_pause ? "CD/DVD, pause" : "CD/DVD";
	case SIM_BOOT_DIAG: return p->bios_pause ? "diagnostic, pause" : "diagnostic";
	case SIM_BOOT_IDER:
		return p->ider_cd ? (p->bios_pause ? "IDE-R CD-ROM, pause" : "IDE-R CD-ROM")
				  : (p->bios_pause ? "IDE-R floppy, pause" : "IDE-R floppy");
	default: return p->bios_pause ? "pause" : "none";
	}
}

/* Expand the %-names of text and print it. */
static void emit(struct sim_console *c, const char *text)
{
	char buf[128];
	for (const char *p = text; *p;) {
		const char *pct = strchr(p, '%');
		size_t run = pct ? (size_t)(pct - p) : strlen(p);
		put_bytes(c, p, run);
		if (!pct)
			break;
		const char *v = NULL;
		const uint8_t *m = c->info.mac;
		switch (pct[1]) {
		case 'H': v = c->info.host_name; break;
		case 'B': v = c->info.bios; break;
		case 'A': v = c->info.amt_version; break;
		case 'C': v = target_text(&c->plan); break;
		case 'D': v = c->plan.ider_cd ? "CD-ROM" : "floppy"; break;
		case 'M':
			snprintf(buf, sizeof(buf), "%02X %02X %02X %02X %02X %02X", m[0], m[1], m[2],
				 m[3], m[4], m[5]);
			v = buf;
			break;
		case '%': v = "%"; break;
		default: v = ""; break;
		}
		put_bytes(c, v, strlen(v));
		p = pct[1] ? pct + 2 : pct + 1;
	}
}

static uint64_t scaled(const struct sim_console *c, uint32_t ms)
{
	return ms / c->scale;
}

/* ---- stages ---- */

static void enter(struct sim_console *c, enum stage s, uint64_t at)
{
	c->stage = s;
	c->step = 0;
	c->esc_len = 0;
	c->line_len = 0;
	c->due = stages[s].nsteps ? at + scaled(c, stages[s].script[0].delay_ms) : UINT64_MAX;
}

static enum stage boot_stage(const struct sim_console *c)
{
	return c->plan.resume ? ST_RESUME : ST_OS_BOOT;
}

/* Where the boot goes once POST (and a pause) is done. */
static enum stage after_post(struct sim_console *c)
{
	if (c->plan.bios_pause && !c->paused_done)
		return ST_PAUSE;
	switch (c->plan.target) {
	case SIM_BOOT_BIOS_SETUP: return ST_BIOS_SETUP;
	case SIM_BOOT_PXE: return ST_PXE;
	case SIM_BOOT_CD: return ST_CD;
	case SIM_BOOT_DIAG: return ST_DIAG;
	case SIM_BOOT_IDER: return ST_IDER;
	default: return boot_stage(c);
	}
}

static enum stage next_stage(struct sim_console *c)
{
	switch (c->stage) {
	case ST_POST: return after_post(c);
	case ST_PXE:
	case ST_CD:
	case ST_DIAG: return boot_stage(c); /* the next device in the BIOS order */
	case ST_OS_BOOT:
	case ST_RESUME: return ST_LOGIN;
	default: return c->stage;
	}
}

void sim_console_tick(struct sim_console *c, uint64_t now)
{
	while (c->due != UINT64_MAX && now >= c->due) {
		const struct stage_def *d = &stages[c->stage];
		uint64_t at = c->due;
		if (c->stage == ST_IDER && c->step >= d->nsteps) { /* nobody served a drive */
			emit(c, "No remote IDE drive answered (no IDE-R session): booting from the "
				"next device\r\n");
			enter(c, boot_stage(c), at);
			continue;
		}
		emit(c, d->script[c->step].text);
		c->step++;
		if (c->step < d->nsteps) {
			c->due = at + scaled(c, d->script[c->step].delay_ms);
		} else if (d->waits) {
			c->due = c->stage == ST_IDER && c->ider_wait_ms && !c->ider_reading
					 ? at + scaled(c, c->ider_wait_ms)
					 : UINT64_MAX;
		} else {
			enter(c, next_stage(c), at);
		}
	}
}

uint64_t sim_console_due(const struct sim_console *c)
{
	return c->due;
}

static void power_on_output(struct sim_console *c)
{
	c->backlog_len = 0;
	c->pending_len = 0;
}

void sim_console_boot(struct sim_console *c, const struct sim_boot_plan *plan, uint64_t now)
{
	c->plan = *plan;
	c->paused_done = false;
	c->ider_reading = false;
	c->boots++;
	power_on_output(c);
	enter(c, ST_POST, now);
	sim_console_tick(c, now);
	kick(c);
}

void sim_console_set_ider_wait(struct sim_console *c, uint32_t wait_ms)
{
	c->ider_wait_ms = wait_ms;
}

unsigned sim_console_boots(const struct sim_console *c)
{
	return c->boots;
}

int sim_console_ider_wanted(const struct sim_console *c)
{
	if (c->stage != ST_IDER || c->step < stages[ST_IDER].nsteps || c->ider_reading)
		return 0;
	return c->plan.ider_cd ? 2 : 1;
}

void sim_console_ider_begin(struct sim_console *c)
{
	if (c->stage != ST_IDER)
		return;
	c->ider_reading = true;
	c->due = UINT64_MAX;
}

void sim_console_ider_print(struct sim_console *c, const char *text)
{
	if (c->stage != ST_IDER)
		return;
	put_bytes(c, text, strlen(text));
	kick(c);
}

void sim_console_ider_end(struct sim_console *c, bool booted, uint64_t now)
{
	if (c->stage != ST_IDER)
		return;
	c->ider_reading = false;
	if (booted)
		enter(c, ST_RECOVERY, now);
	else
		enter(c, boot_stage(c), now); /* the next device in the BIOS order */
	sim_console_tick(c, now);
	kick(c);
}

void sim_console_running(struct sim_console *c, uint64_t now)
{
	memset(&c->plan, 0, sizeof(c->plan));
	power_on_output(c);
	enter(c, ST_LOGIN, now);
	emit(c, "\r\n%H login: ");
	kick(c);
}

void sim_console_off(struct sim_console *c)
{
	enter(c, ST_OFF, 0);
	c->backlog_len = 0;
	kick(c);
}

void sim_console_sleep(struct sim_console *c)
{
	enter(c, ST_SLEEP, 0);
	kick(c);
}

void sim_console_wake(struct sim_console *c, uint64_t now)
{
	enter(c, ST_LOGIN, now);
	emit(c, "\r\n%H login: ");
	kick(c);
}

void sim_console_nmi(struct sim_console *c, uint64_t now)
{
	(void)now;
	emit(c, "\r\nNMI received (diagnostic interrupt from Intel(R) AMT)\r\n");
	if (stages[c->stage].os) {
		enter(c, ST_LOGIN, now);
		emit(c, "%H login: ");
	}
	kick(c);
}

void sim_console_shutdown_notice(struct sim_console *c, bool reboot, uint64_t now)
{
	(void)now;
	emit(c, reboot ? "\r\n\r\nThe system is going down for reboot NOW! (Intel(R) AMT request)\r\n"
		       : "\r\n\r\nThe system is going down for poweroff NOW! (Intel(R) AMT request)\r\n");
	kick(c);
}

void sim_console_notice(struct sim_console *c, const char *text)
{
	if (c->stage == ST_OFF || c->stage == ST_SLEEP)
		return;
	put_bytes(c, "\r\n", 2);
	put_bytes(c, text, strlen(text));
	put_bytes(c, "\r\n", 2);
	kick(c);
}

bool sim_console_os_running(const struct sim_console *c)
{
	return stages[c->stage].os;
}

const char *sim_console_stage(const struct sim_console *c)
{
	return stages[c->stage].name;
}

/* ---- keys ---- */

/* 1: esc[] is a whole F10; 0: a prefix of one (wait); -1: neither. */
static int match_f10(const struct sim_console *c)
{
	bool prefix = false;
	for (int i = 0; f10_keys[i]; i++) {
		size_t n = strlen(f10_keys[i]);
		if (c->esc_len == n && memcmp(c->esc, f10_keys[i], n) == 0)
			return 1;
		if (c->esc_len < n && memcmp(c->esc, f10_keys[i], c->esc_len) == 0)
			prefix = true;
	}
	return prefix ? 0 : -1;
}

static void bios_key(struct sim_console *c, uint8_t b, uint64_t now)
{
	if (c->esc_len > 0 || b == 0x1b) {
		if (c->esc_len < ESC_MAX)
			c->esc[c->esc_len++] = (char)b;
		int m = match_f10(c);
		if (m == 0)
			return;
		c->esc_len = 0;
		if (m == 1) {
			emit(c, CLEAR "Saving changes and exiting BIOS setup...\r\n");
			enter(c, boot_stage(c), now);
		}
		return; /* other sequences (arrows, Esc) are ignored */
	}
	if (b == '\r' || b == '\n') {
		enter(c, ST_BIOS_SETUP, now); /* redraw */
		c->due = now;
	}
}

static void login_key(struct sim_console *c, uint8_t b)
{
	bool enter_key = b == '\r' || (b == '\n' && !c->last_cr);
	c->last_cr = b == '\r';
	if (b == '\n' && !enter_key)
		return;
	if (enter_key) {
		c->line_len = 0;
		if (c->stage == ST_LOGIN) {
			c->stage = ST_PASSWORD;
			emit(c, "\r\nPassword: ");
		} else {
			c->stage = ST_LOGIN;
			emit(c, "\r\n\r\nLogin incorrect\r\n%H login: ");
		}
		return;
	}
	if (b == 0x7f || b == 0x08) {
		if (c->line_len > 0) {
			c->line_len--;
			if (c->stage == ST_LOGIN)
				put_bytes(c, "\b \b", 3);
		}
		return;
	}
	if (b < 0x20 || b > 0x7e || c->line_len >= LINE_MAX_)
		return;
	c->line_len++;
	if (c->stage == ST_LOGIN) /* the password is not echoed */
		put_bytes(c, &b, 1);
}

void sim_console_input(struct sim_console *c, const uint8_t *p, size_t n, uint64_t now)
{
	sim_console_tick(c, now);
	for (size_t i = 0; i < n; i++) {
		switch (c->stage) {
		case ST_BIOS_SETUP:
			if (c->due == UINT64_MAX) /* drawn */
				bios_key(c, p[i], now);
			break;
		case ST_PAUSE:
			if (c->due == UINT64_MAX) {
				c->paused_done = true;
				enter(c, after_post(c), now);
			}
			break;
		case ST_LOGIN:
		case ST_PASSWORD:
			login_key(c, p[i]);
			break;
		default:
			break; /* nobody reads the keyboard */
		}
	}
	sim_console_tick(c, now);
	kick(c);
}

/* ---- the attached session ---- */

void sim_console_attach(struct sim_console *c)
{
	c->attached = true;
	memcpy(c->pending, c->backlog, c->backlog_len);
	c->pending_len = c->backlog_len;
	kick(c);
}

void sim_console_detach(struct sim_console *c)
{
	c->attached = false;
	c->pending_len = 0;
}

size_t sim_console_read(struct sim_console *c, uint8_t *buf, size_t cap)
{
	size_t n = c->pending_len < cap ? c->pending_len : cap;
	memcpy(buf, c->pending, n);
	memmove(c->pending, c->pending + n, c->pending_len - n);
	c->pending_len -= n;
	return n;
}

size_t sim_console_pending(const struct sim_console *c)
{
	return c->pending_len;
}
