// SPDX-License-Identifier: Apache-2.0
/*
 * help_i18n.h - gettext for amt-help: every string a person reads goes
 * through _() (or N_() where it is only marked, C_() with a context), in the
 * "amt-help" text domain. The Makefile's xgettext line knows these keywords.
 * Must not: call setlocale or bindtextdomain (main.c does, once).
 */
#ifndef DESKTOP_HELP_I18N_H
#define DESKTOP_HELP_I18N_H

#include <libintl.h>

#define HELP_TEXT_DOMAIN "amt-help"

#define _(s) dgettext(HELP_TEXT_DOMAIN, s)
#define N_(s) (s)
/* The msgctxt convention of gettext: "context\004message". */
#define C_(ctx, s) help_pgettext(ctx "\004" s, s)

static inline const char *help_pgettext(const char *ctx_and_msg, const char *msg)
{
	const char *t = dgettext(HELP_TEXT_DOMAIN, ctx_and_msg);
	return t == ctx_and_msg ? msg : t;
}

#endif
