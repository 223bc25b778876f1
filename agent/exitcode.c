// SPDX-License-Identifier: Apache-2.0
/*
 * exitcode.c - libheci errors, firmware statuses and the network module's
 * failure classes -> exit code (+ one line for libheci errors; see exitcode.h); for
 * AMT absent, the ME's own reason when its FWCAPS rules give one (fwcaps.c
 * decides, the caller asks). Every user-facing failure of the agent goes through here,
 * so the wording and the codes stay consistent across subcommands.
 */
#include "exitcode.h"

int agent_exit_code(int err, amt_status_t status)
{
	switch (err) {
	case HECI_OK:
		return EXIT_AMT_OK;
	case HECI_E_NO_DEVICE:
		return EXIT_AMT_NO_DEVICE;
	case HECI_E_ACCESS:
		return EXIT_AMT_PERM;
	case HECI_E_CLIENT_NOT_FOUND:
	case HECI_E_EMPTY:
		return EXIT_AMT_ABSENT;
	case HECI_E_BUSY:
		return EXIT_AMT_BUSY;
	case HECI_E_TIMEOUT:
	case HECI_E_NOT_READY:
	case HECI_E_DISCONNECTED:
	case HECI_E_CANCELLED:
	case HECI_E_IO:
		return EXIT_AMT_TIMEOUT;
	case HECI_E_FW_STATUS:
		return status == AMT_STATUS_NOT_READY ? EXIT_AMT_TIMEOUT : EXIT_AMT_REFUSED;
	case HECI_E_INVALID_ARG:
		return EXIT_AMT_USAGE;
	default:
		return heci_err_is_protocol(err) ? EXIT_AMT_PROTOCOL : EXIT_AMT_TIMEOUT;
	}
}

int agent_exit_for_net(enum net_error_class c)
{
	switch (c) {
	case NET_ERR_NONE:
		return EXIT_AMT_OK;
	case NET_ERR_REFUSED:
		return EXIT_AMT_REFUSED;
	case NET_ERR_PROTOCOL:
		return EXIT_AMT_PROTOCOL;
	case NET_ERR_INVALID:
		return EXIT_AMT_USAGE;
	case NET_ERR_AUTH:
		return EXIT_AMT_PERM;
	case NET_ERR_NETWORK:
		return EXIT_AMT_NETWORK;
	case NET_ERR_TIMEOUT:
	case NET_ERR_LOCAL:
		return EXIT_AMT_TIMEOUT;
	}
	return EXIT_AMT_TIMEOUT;
}

int agent_report_error(FILE *f, const char *prog, const char *what, int err,
		       amt_status_t status, const char *device, const char *cmd_name)
{
	const char *dev = device ? device : "/dev/mei0";
	const char *cmd = cmd_name ? cmd_name : "the request";

	switch (err) {
	case HECI_E_NO_DEVICE:
		fprintf(f,
			"%s: cannot %s: no ME device found (tried %s) — load the mei_me kernel "
			"module, check the ME is enabled in the BIOS, or pass --device PATH\n",
			prog, what, device ? device : "/dev/mei0../dev/mei3 and /dev/mei");
		break;
	case HECI_E_ACCESS:
		fprintf(f,
			"%s: cannot %s: cannot open %s: permission denied — run as root or start "
			"amt-agent.service and use the agent as a normal user\n",
			prog, what, dev);
		break;
	case HECI_E_CLIENT_NOT_FOUND:
	case HECI_E_EMPTY:
		return agent_report_amt_absent(f, prog, what, err, NULL);
	case HECI_E_BUSY:
		fprintf(f,
			"%s: cannot %s: the AMT interface on %s is busy (another process holds it) "
			"— retry later\n",
			prog, what, dev);
		break;
	case HECI_E_FW_STATUS:
		if (status == AMT_STATUS_NOT_READY)
			fprintf(f,
				"%s: cannot %s: the firmware is not ready (NOT_READY to %s) — "
				"retry in a minute\n",
				prog, what, cmd);
		else
			fprintf(f, "%s: cannot %s: AMT refused %s: %s%s%s\n", prog, what, cmd,
				amt_status_name(status), *amt_status_message(status) ? " — " : "",
				amt_status_message(status));
		break;
	case HECI_E_TIMEOUT:
	case HECI_E_DISCONNECTED:
	case HECI_E_NOT_READY:
		fprintf(f,
			"%s: cannot %s: %s while waiting for %s on %s — the ME may be resetting; "
			"retry later\n",
			prog, what, heci_err_message(err), cmd, dev);
		break;
	default:
		if (heci_err_is_protocol(err))
			fprintf(f,
				"%s: cannot %s: the firmware's reply to %s could not be understood "
				"(%s) — run with -v and report it\n",
				prog, what, cmd, heci_err_message(err));
		else
			fprintf(f, "%s: cannot %s: %s on %s — retry later\n", prog, what,
				heci_err_message(err), dev);
		break;
	}
	return agent_exit_code(err, status);
}

int agent_report_amt_absent(FILE *f, const char *prog, const char *what, int err,
			    const struct fwcaps *caps)
{
	switch (caps ? fwcaps_verdict(caps) : FWCAPS_UNDECIDED) {
	case FWCAPS_NO_AMT:
		fprintf(f,
			"%s: cannot %s: this platform's ME firmware has no AMT (%s image / brand "
			"%s) — it cannot be managed with AMT\n",
			prog, what, fwcaps_image_text(caps->image), fwcaps_brand_text(caps->brand));
		break;
	case FWCAPS_AMT_DISABLED:
		fprintf(f,
			"%s: cannot %s: AMT is disabled in the BIOS/MEBx — enable Intel AMT in the "
			"BIOS setup or MEBx (Ctrl-P at boot)\n",
			prog, what);
		break;
	default:
		fprintf(f,
			"%s: cannot %s: AMT is not available on this machine (%s) — AMT is "
			"disabled in the BIOS/MEBx or this platform has no AMT\n",
			prog, what,
			err == HECI_E_EMPTY ? "the AMT interface sent an empty reply"
					    : "no AMT host interface on the ME");
		break;
	}
	return EXIT_AMT_ABSENT;
}
