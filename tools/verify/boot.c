// SPDX-License-Identifier: Apache-2.0
/*
 * boot.c - amt-verify boot (HOST | --via-tunnel UUID) --bios|--pxe|--hdd|--cd
 * [--then reset|on|none] [--json]: boot the host once into BIOS setup, the
 * network, its hard drive or a CD/DVD, then (by default) reset it when it
 * is on or power it on when it is not.
 *
 * The sequence is the one MeshCommander sends (protocol-facts-2.md 5.4):
 * ChangeBootOrder with no source (clears a previous one), Get
 * AMT_BootSettingData, Put it back with BIOSSetup set for --bios (and the
 * pause, IDE-R and lock options off), SetBootConfigRole(IsNextSingleUse),
 * ChangeBootOrder with the forced source for --pxe/--hdd/--cd, then the
 * power request through the same check `power` makes. AMT keeps the choice
 * for the next boot only. User consent (client control mode) is AMT's
 * refusal 0x821: exit 1 naming `amt-verify consent`.
 * repair_boot_next() is the sequence, shared with `amt-verify ider` (which
 * sets UseIDER and IDERBootDevice instead, with no source: AMT refuses a
 * source with UseIDER).
 * Must not: change boot settings other than those named above.
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "repair.h"
#include "repair_power.h"

#define BSD_URI WSMAN_AMT_URI("AMT_BootSettingData")
#define BCS_URI WSMAN_CIM_URI("CIM_BootConfigSetting")
#define BOOT_CONFIG_ID "Intel(r) AMT: Boot Configuration 0"

enum target { T_NONE, T_BIOS, T_PXE, T_HDD, T_CD };
static const char *const target_names[] = {"", "bios", "pxe", "hdd", "cd"};
static const char *const target_sources[] = {NULL, NULL, "Intel(r) AMT: Force PXE Boot",
					      "Intel(r) AMT: Force Hard-drive Boot",
					      "Intel(r) AMT: Force CD/DVD Boot"};

/* The writable properties a Put carries; the values below for BIOS setup
 * (the rest are copied from the Get). */
static const char *const cleared[] = {"BIOSPause", "UseIDER", "LockKeyboard", "LockPowerButton",
				      "LockResetButton", "LockSleepButton", "ReflashBIOS",
				      "SecureErase", "ConfigurationDataReset", NULL};
static const char *const copied[] = {"BootMediaIndex", "EnforceSecureBoot", "FirmwareVerbosity",
				     "ForcedProgressEvents", "IDERBootDevice", "UseSOL",
				     "UseSafeMode", "UserPasswordBypass", NULL};

static int refused(struct repair_target *t, const char *what, uint32_t rv)
{
	fprintf(stderr, "%s %s: %s: AMT refused %s: ReturnValue %u (0x%x), %s\n", VERIFY_PROG, t->cmd,
		repair_name(t), what, (unsigned)rv, (unsigned)rv, repair_pt_status_text(rv));
	return REPAIR_EXIT_REFUSED;
}

static int change_boot_order(struct repair_target *t, struct wsman_client *wc, const char *source)
{
	static const struct wsman_selector hdr[] = {{"InstanceID", BOOT_CONFIG_ID}};
	const struct wsman_selector src[] = {{"InstanceID", source}};
	const struct wsman_epr_param ref[] = {
		{"Source", {WSMAN_CIM_URI("CIM_BootSourceSetting"), src, 1}}};
	struct wsman_error e;
	xmlDocPtr doc = NULL;
	xmlNodePtr out;
	int rc = wsman_invoke_ref(wc, BCS_URI, "ChangeBootOrder", hdr, 1, NULL, 0, ref,
				  source ? 1 : 0, &doc, &out, &e);
	xmlFreeDoc(doc);
	if (rc == WSMAN_E_RETURN)
		return refused(t, source ? "ChangeBootOrder to the forced source"
					 : "ChangeBootOrder (clearing)", e.return_value);
	return rc ? repair_wsman_fail(t, "ChangeBootOrder", rc, &e) : 0;
}

static int put_settings(struct repair_target *t, struct wsman_client *wc, bool bios_setup,
			int ider_device)
{
	struct wsman_param props[24];
	size_t n = 0;
	struct wsman_error e;
	xmlDocPtr doc = NULL;
	xmlNodePtr inst;
	int rc = wsman_get(wc, BSD_URI, NULL, 0, &doc, &inst, &e);
	if (rc != 0)
		return repair_wsman_fail(t, "reading AMT_BootSettingData", rc, &e);
	props[n++] = (struct wsman_param){"BIOSSetup", bios_setup ? "true" : "false"};
	for (int i = 0; cleared[i]; i++) /* UseIDER: true only for an IDE-R boot */
		props[n++] = (struct wsman_param){cleared[i], ider_device >= 0 && !strcmp(cleared[i], "UseIDER")
								      ? "true"
								      : "false"};
	if (ider_device >= 0)
		props[n++] = (struct wsman_param){"IDERBootDevice", ider_device ? "1" : "0"};
	for (int i = 0; copied[i]; i++) {
		if (ider_device >= 0 && !strcmp(copied[i], "IDERBootDevice"))
			continue;
		const char *v = wsman_child_text(inst, copied[i]);
		if (v)
			props[n++] = (struct wsman_param){copied[i], v};
	}
	const char *id = wsman_child_text(inst, "InstanceID");
	props[n++] = (struct wsman_param){"InstanceID", id ? id : "Intel(r) AMT:BootSettingData 0"};
	const char *name = wsman_child_text(inst, "ElementName");
	if (name)
		props[n++] = (struct wsman_param){"ElementName", name};
	rc = wsman_put(wc, BSD_URI, NULL, 0, props, n, &e);
	xmlFreeDoc(doc);
	return rc ? repair_wsman_fail(t, "writing AMT_BootSettingData", rc, &e) : 0;
}

static int set_role(struct repair_target *t, struct wsman_client *wc)
{
	static const struct wsman_selector cfg[] = {{"InstanceID", BOOT_CONFIG_ID}};
	static const struct wsman_selector hdr[] = {{"Name", "Intel(r) AMT Boot Service"}};
	const struct wsman_epr_param ref[] = {{"BootConfigSetting", {BCS_URI, cfg, 1}}};
	const struct wsman_param in[] = {{"Role", "1"}}; /* IsNextSingleUse */
	struct wsman_error e;
	xmlDocPtr doc = NULL;
	xmlNodePtr out;
	int rc = wsman_invoke_ref(wc, WSMAN_CIM_URI("CIM_BootService"), "SetBootConfigRole", hdr, 1,
				  in, 1, ref, 1, &doc, &out, &e);
	xmlFreeDoc(doc);
	if (rc == WSMAN_E_RETURN)
		return refused(t, "SetBootConfigRole", e.return_value);
	return rc ? repair_wsman_fail(t, "SetBootConfigRole", rc, &e) : 0;
}

int repair_boot_next(struct repair_target *t, struct wsman_client *wc, bool bios_setup,
		     int ider_device, const char *source)
{
	int ex = change_boot_order(t, wc, NULL);
	if (!ex)
		ex = put_settings(t, wc, bios_setup, ider_device);
	if (!ex)
		ex = set_role(t, wc);
	if (!ex && source)
		ex = change_boot_order(t, wc, source);
	return ex;
}

enum { O_BIOS = REPAIR_O_COUNT, O_PXE, O_HDD, O_CD, O_THEN, O_JSON };
static const struct cliopt boot_opts[] = {
	REPAIR_CLIOPTS,
	[O_BIOS] = {"bios", 0, NULL, "boot into BIOS setup", 0},
	[O_PXE] = {"pxe", 0, NULL, "or from the network (PXE)", 0},
	[O_HDD] = {"hdd", 0, NULL, "or from the hard drive", 0},
	[O_CD] = {"cd", 0, NULL, "or from a CD/DVD", 0},
	[O_THEN] = {"then", 0, "reset|on|none",
		    "then: reset (default when on), power on (default when off), or nothing", 0},
	[O_JSON] = {"json", 0, NULL, "what was done as JSON", 0},
	{NULL, 0, NULL, NULL, 0},
};
static const struct clicmd boot_cli = {
	.prog = VERIFY_PROG,
	.name = "boot",
	.args = "HOST",
	.min_args = 0,
	.max_args = 1,
	.opts = boot_opts,
	.description = "Boot the host once into BIOS setup, the network (PXE), its hard drive or a\n"
		       "CD/DVD, then reset it or power it on.\n",
	.footer = "Exit: 0 done, 1 AMT refused (user consent: see amt-verify consent), 2 usage,\n"
		  "4 credentials, 8 network, 10 protocol.\n",
};

int cmd_boot(int argc, char **argv)
{
	struct repair_target t;
	struct wsman_client *wc = NULL;
	struct repair_power p;
	struct wsman_error e;
	struct cliopt_result r;
	enum target target = T_NONE;
	const char *then = NULL;
	uint32_t ps = 0, rv = 0;
	int ex, next, targets = 0;

	repair_target_init(&t, "boot");
	int st = cliopt_parse(&boot_cli, argc, argv, &r, stdout, stderr);
	if (st != CLIOPT_OK)
		return st == CLIOPT_HELP ? VERIFY_EXIT_OK : VERIFY_EXIT_USAGE;
	for (int i = 0; i < r.nhits; i++) {
		switch (r.hits[i].opt) {
		case O_BIOS: target = T_BIOS; targets++; break;
		case O_PXE: target = T_PXE; targets++; break;
		case O_HDD: target = T_HDD; targets++; break;
		case O_CD: target = T_CD; targets++; break;
		case O_THEN: then = r.hits[i].value; break;
		case O_JSON: t.json = true; break;
		default:
			if (repair_option(&t, &boot_cli, r.hits[i].opt, r.hits[i].value) < 0)
				return VERIFY_EXIT_USAGE;
		}
	}
	if (targets != 1 || (then && strcmp(then, "reset") && strcmp(then, "on") &&
			     strcmp(then, "none"))) {
		cliopt_fail(&boot_cli, stderr,
			    "name one of --bios, --pxe, --hdd, --cd; --then takes reset, on or none");
		return VERIFY_EXIT_USAGE;
	}
	ex = repair_target_finish(&t, &boot_cli, &r, &next);
	if (ex != VERIFY_EXIT_OK)
		goto out;
	if (next != r.nargs) {
		cliopt_fail(&boot_cli, stderr, "too many arguments");
		ex = VERIFY_EXIT_USAGE;
		goto out;
	}
	wsman_global_init();
	ex = repair_wsman(&t, &wc);
	if (ex != VERIFY_EXIT_OK)
		goto cleanup;
	int rc = repair_power_read(wc, &p, &e);
	if (rc != 0) {
		ex = repair_wsman_fail(&t, "reading the power state", rc, &e);
		goto cleanup;
	}
	if (!then)
		then = p.state == 2 ? "reset" : "on";
	ex = repair_boot_next(&t, wc, target == T_BIOS, -1, target_sources[target]);
	if (ex)
		goto cleanup;
	if (strcmp(then, "none") != 0) {
		ps = !strcmp(then, "reset") ? 10 : 2;
		ex = repair_power_change(&t, wc, &p, ps, &rv);
		if (ex)
			goto cleanup;
	}
	if (t.json) {
		json_t *o = json_pack("{s:i, s:s, s:s, s:s, s:s}", "schema", 1, "host", repair_name(&t),
				      "boot", target_names[target], "then", then, "power_state_before",
				      repair_power_state_name(p.state));
		json_dumpf(o, stdout, JSON_COMPACT | JSON_PRESERVE_ORDER);
		putchar('\n');
		json_decref(o);
	} else {
		printf("%s: the next boot goes to %s%s\n", repair_name(&t),
		       target == T_BIOS	  ? "BIOS setup"
		       : target == T_PXE ? "the network (PXE)"
		       : target == T_HDD ? "the hard drive"
					 : "the CD/DVD",
		       !strcmp(then, "none")	 ? " (no power action: it applies when the host next boots)"
		       : !strcmp(then, "reset") ? "; reset requested"
					      : "; power on requested");
	}
cleanup:
	wsman_client_free(wc);
	wsman_global_cleanup();
out:
	repair_target_free(&t);
	return ex;
}
