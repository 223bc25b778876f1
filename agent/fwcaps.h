// SPDX-License-Identifier: Apache-2.0
/*
 * fwcaps.h - what the ME firmware says about AMT (MKHI FWCAPS rules): is
 * the platform capable of AMT, is AMT enabled, which image and brand the
 * firmware is; and from those, why AMT is unavailable when its host
 * interface is absent.
 * Must not: print; callers (info.c, exitcode.c) word it.
 */
#ifndef AGENT_FWCAPS_H
#define AGENT_FWCAPS_H

#include <stdbool.h>
#include <stdint.h>

#include "heci.h"
#include "mkhi.h"

/* The three rules, as the firmware answered them. */
struct fwcaps {
	uint32_t features;         /* rule 0: features the platform is capable of */
	uint32_t features_enabled; /* rule 32: capable and enabled (BIOS/MEBx) */
	uint32_t platform_type;    /* rule 29: image type bits 8-11, brand 12-15 */
	/* derived by fwcaps_derive() */
	bool amt_capable; /* rule 0 bit 2 */
	bool amt_enabled; /* rule 32 bit 2 */
	unsigned image;   /* MKHI_IMAGE_* */
	unsigned brand;   /* MKHI_BRAND_* */
};

enum fwcaps_verdict {
	FWCAPS_UNDECIDED = 0, /* the rules disagree, or name an image/brand we do not know */
	FWCAPS_NO_AMT,        /* this ME firmware has no AMT: nothing to switch on */
	FWCAPS_AMT_DISABLED,  /* capable, switched off in the BIOS/MEBx */
	FWCAPS_AMT_ENABLED,   /* capable and enabled */
};

/* Fill the derived fields of c from its three rule values. */
void fwcaps_derive(struct fwcaps *c);
/* A decision only when all three rules agree (see fwcaps.c). */
enum fwcaps_verdict fwcaps_verdict(const struct fwcaps *c);

/* Names for JSON (stable snake_case; "unknown" for values the sources do
 * not define) and for people. */
const char *fwcaps_image_name(unsigned image);
const char *fwcaps_image_text(unsigned image);
const char *fwcaps_brand_name(unsigned brand);
const char *fwcaps_brand_text(unsigned brand);

/*
 * Ask rules 32 and 29 on an open MKHI session, and rule 0 only when rule 32
 * has no AMT (rule 32 is rule 0 narrowed to what is enabled, so AMT enabled
 * means AMT capable): 2 transactions on a machine with AMT, 3 without.
 * Returns 0 with *out derived, or the heci_err of the first failure.
 */
int fwcaps_ask(struct mkhi_session *s, struct fwcaps *out);
/* One MKHI connection on h: open, fwcaps_ask, close. */
int fwcaps_read(struct heci *h, int timeout_ms, struct fwcaps *out);

#endif
