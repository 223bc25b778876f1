// SPDX-License-Identifier: Apache-2.0
/*
 * fwcaps.c - AMT's feature facts from the MKHI FWCAPS rules, and the verdict
 * on why AMT is unavailable.
 *
 * Facts (protocol-facts.md section 4; intel/lms GetFWCapsCommand.h,
 * GetPlatformTypeCommand.h, the Configurator's ScanConfiguration): rules 0
 * (capable) and 32 (capable and enabled) are feature bitmaps with AMT in
 * bit 2; rule 29 is the platform type with the image type in bits 8-11
 * (0 no ME, 1 ignition, 2 slim, 3 small SKU = consumer, 4 full SKU =
 * corporate, 15 test) and the brand in bits 12-15 (0 none, 1 AMT, 2
 * Standard Manageability, 3 L3 upgrade, 4 RPAT, 5 SBT in intel/lms; another
 * Intel header calls 5 "local manageability", UNVERIFIED: either way not
 * AMT). Intel LMS starts its manageability services only for image type 4
 * with brand 1, 2 or 3 and the AMT bit of rule 32 set.
 *
 * The verdict decides only when all three rules agree, because a wrong
 * "cannot be managed with AMT" sends an administrator away from a machine
 * a BIOS setting would fix:
 * - no AMT: rule 0 and rule 32 without AMT, and an image other than
 *   corporate or a brand without manageability (none, RPAT, 5);
 * - disabled: rule 0 with AMT, rule 32 without, corporate image with brand
 *   AMT, Standard Manageability or L3;
 * - enabled: rules 0 and 32 with AMT and the same image and brand;
 * - anything else (a contradiction, image type 15 or an undefined one, an
 *   undefined brand): undecided, and the caller says what it said before.
 * Must not: print.
 */
#include "fwcaps.h"

#include <string.h>

void fwcaps_derive(struct fwcaps *c)
{
	c->amt_capable = (c->features & MKHI_FEATURE_AMT) != 0;
	c->amt_enabled = (c->features_enabled & MKHI_FEATURE_AMT) != 0;
	c->image = MKHI_PLATFORM_IMAGE_TYPE(c->platform_type);
	c->brand = MKHI_PLATFORM_BRAND(c->platform_type);
}

#define IMAGE_NO_ME 0u
#define IMAGE_IGNITION 1u
#define IMAGE_SLIM 2u
#define IMAGE_TEST 15u
#define BRAND_RPAT 4u
#define BRAND_SBT 5u

static bool brand_manageable(unsigned brand)
{
	return brand == MKHI_BRAND_AMT || brand == MKHI_BRAND_STD_MNG || brand == MKHI_BRAND_L3;
}

/* The platform type says AMT can be there (as Intel LMS decides). */
static bool platform_has_amt(const struct fwcaps *c)
{
	return c->image == MKHI_IMAGE_FULL_SKU && brand_manageable(c->brand);
}

/* The platform type says AMT cannot be there: an image without it, or a
 * brand without manageability. Undefined values say neither. */
static bool platform_without_amt(const struct fwcaps *c)
{
	bool image_without = c->image <= MKHI_IMAGE_SMALL_SKU; /* no ME, ignition, slim, consumer */
	bool brand_without =
		c->brand == MKHI_BRAND_NONE || c->brand == BRAND_RPAT || c->brand == BRAND_SBT;
	return image_without || (c->image == MKHI_IMAGE_FULL_SKU && brand_without);
}

enum fwcaps_verdict fwcaps_verdict(const struct fwcaps *c)
{
	if (!c->amt_capable && !c->amt_enabled && platform_without_amt(c))
		return FWCAPS_NO_AMT;
	if (c->amt_capable && !c->amt_enabled && platform_has_amt(c))
		return FWCAPS_AMT_DISABLED;
	if (c->amt_capable && c->amt_enabled && platform_has_amt(c))
		return FWCAPS_AMT_ENABLED;
	return FWCAPS_UNDECIDED;
}

const char *fwcaps_image_name(unsigned image)
{
	switch (image) {
	case IMAGE_NO_ME:
		return "none";
	case IMAGE_IGNITION:
		return "ignition";
	case IMAGE_SLIM:
		return "slim";
	case MKHI_IMAGE_SMALL_SKU:
		return "consumer";
	case MKHI_IMAGE_FULL_SKU:
		return "corporate";
	case IMAGE_TEST:
		return "test";
	default:
		return "unknown";
	}
}

const char *fwcaps_image_text(unsigned image)
{
	switch (image) {
	case IMAGE_NO_ME:
		return "no ME firmware";
	case MKHI_IMAGE_SMALL_SKU:
		return "consumer";
	case MKHI_IMAGE_FULL_SKU:
		return "corporate (full)";
	default:
		return fwcaps_image_name(image);
	}
}

const char *fwcaps_brand_name(unsigned brand)
{
	switch (brand) {
	case MKHI_BRAND_NONE:
		return "none";
	case MKHI_BRAND_AMT:
		return "amt";
	case MKHI_BRAND_STD_MNG:
		return "standard_manageability";
	case MKHI_BRAND_L3:
		return "l3";
	case BRAND_RPAT:
		return "rpat";
	case BRAND_SBT:
		return "sbt";
	default:
		return "unknown";
	}
}

const char *fwcaps_brand_text(unsigned brand)
{
	switch (brand) {
	case MKHI_BRAND_AMT:
		return "AMT";
	case MKHI_BRAND_STD_MNG:
		return "Standard Manageability";
	case MKHI_BRAND_L3:
		return "L3 manageability upgrade";
	case BRAND_RPAT:
		return "RPAT";
	case BRAND_SBT:
		return "SBT";
	default:
		return fwcaps_brand_name(brand);
	}
}

int fwcaps_ask(struct mkhi_session *s, struct fwcaps *out)
{
	uint8_t result;
	int rc;

	memset(out, 0, sizeof(*out));
	rc = mkhi_ask_rule_u32(s, MKHI_RULE_ID(0, MKHI_RULE_FEATURES_ENABLED),
			       &out->features_enabled, &result);
	if (rc == 0)
		rc = mkhi_ask_rule_u32(s, MKHI_RULE_ID(0, MKHI_RULE_PLATFORM_TYPE),
				       &out->platform_type, &result);
	if (rc == 0) {
		if (out->features_enabled & MKHI_FEATURE_AMT)
			out->features = out->features_enabled; /* enabled implies capable */
		else
			rc = mkhi_ask_rule_u32(s, MKHI_RULE_ID(0, MKHI_RULE_FW_SKU), &out->features,
					       &result);
	}
	if (rc != 0) {
		memset(out, 0, sizeof(*out));
		return rc;
	}
	fwcaps_derive(out);
	return 0;
}

int fwcaps_read(struct heci *h, int timeout_ms, struct fwcaps *out)
{
	struct mkhi_session s;
	int rc = mkhi_open(&s, h, timeout_ms);
	if (rc == 0)
		rc = fwcaps_ask(&s, out);
	mkhi_close(&s);
	return rc;
}
