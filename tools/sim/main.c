// SPDX-License-Identifier: Apache-2.0
/*
 * main.c - amt-sim command line: load the device state, build the simulated
 * ME, expose it as a device file through FUSE, and handle signals:
 *   SIGTERM/SIGINT  unmount cleanly and exit 0
 *   SIGHUP          reload the state file (device state and [sim] faults;
 *                   the sysfs attributes of --sysfs are written again)
 *   SIGUSR1         simulate an ME reset now
 * Must not: answer protocol messages itself.
 */
#include <errno.h>
#include <getopt.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "sim_fleet.h"
#include "sim_fuse.h"
#include "sim_fw.h"
#include "sim_sysfs.h"

struct sim_app {
	struct sim_fw fw;
	struct sim_fuse *fuse;
	const char *sysfs_dir; /* --sysfs: where the attributes go; NULL = nowhere */
	sigset_t sigs;
};

static void usage(FILE *f)
{
	fprintf(f,
		"usage: amt-sim run --state FILE --device PATH [--listen ADDR[:PORT]]\n"
		"                   [--sysfs DIR] [-v]\n"
		"       amt-sim fleet --count N --listen ADDR[:PORT] [--state TEMPLATE] [...]\n"
		"       amt-sim --version | --help\n\n"
		"Simulated Intel ME + AMT. 'run' mounts a FUSE file at PATH that behaves like\n"
		"/dev/mei0 and answers from the device state in FILE (INI; keys in the README).\n"
		"AMT's WS-Management service is always reachable through LME; --listen also\n"
		"serves it on ADDR port 16992 (or PORT), and HTTPS on the next port when [amt]\n"
		"tls_cert/tls_key are set (--listen 127.0.0.1 acts as LMS would).\n"
		"Signals: TERM/INT stop and unmount, HUP reloads FILE, USR1 resets the ME.\n"
		"'fleet' serves the WS-Management of N simulated devices from one process\n"
		"(no device file): amt-sim fleet --help.\n\n"
		"Options:\n"
		"  --state FILE        the device state (INI; required)\n"
		"  --device PATH       where the device file is mounted (required)\n"
		"  --listen ADDR[:PORT]  also serve WS-Management on the network (default: only\n"
		"                      through LME); PORT 16992 unless given, 0 = free ports\n"
		"  --sysfs DIR         also write the device's sysfs attributes (fw_status,\n"
		"                      fw_ver, trc, kind, ...) as DIR/mei0/NAME, as the kernel\n"
		"                      shows them in /sys/class/mei/mei0/ (scripts/with-mei0.sh\n"
		"                      --sysfs DIR mounts DIR there)\n"
		"  -v                  more detail on stderr\n\n"
		"Exit codes: 0 stopped by a signal, 1 start-up or runtime failure, 2 usage or\n"
		"state-file error (FILE:LINE: reason), 4 not permitted (needs root or a capability).\n");
}

/* Write the attributes of the firmware's current state (nothing without
 * --sysfs). The texts are made under the ME lock, the files written after. */
static int publish_sysfs(struct sim_app *app, char *err, size_t errcap)
{
	struct sim_sysfs_attrs attrs;
	if (!app->sysfs_dir)
		return 0;
	sim_me_lock(app->fw.me);
	sim_sysfs_format(&app->fw.st, &attrs);
	sim_me_unlock(app->fw.me);
	return sim_sysfs_publish(app->sysfs_dir, &attrs, err, errcap);
}

static void reload(struct sim_app *app)
{
	struct sim_state st;
	char err[512];
	sim_state_defaults(&st);
	if (sim_state_load(&st, app->fw.state_path, err, sizeof(err)) != 0) {
		log_error("reload refused, keeping the current state: %s", err);
		return;
	}
	sim_me_lock(app->fw.me);
	sim_state_keep_runtime(&st, &app->fw.st);
	app->fw.st = st;
	app->fw.not_ready_left = st.not_ready_count;
	sim_me_unlock(app->fw.me);
	sim_fw_apply_faults(&app->fw);
	if (publish_sysfs(app, err, sizeof(err)) != 0)
		log_error("the sysfs attributes keep their old values: %s", err);
	log_info("state reloaded from %s", app->fw.state_path);
}

static void *signal_thread(void *arg)
{
	struct sim_app *app = arg;
	for (;;) {
		int sig;
		if (sigwait(&app->sigs, &sig) != 0)
			continue;
		switch (sig) {
		case SIGHUP:
			reload(app);
			break;
		case SIGUSR1:
			log_info("ME reset requested");
			sim_me_reset(app->fw.me);
			break;
		default:
			sim_fuse_stop(app->fuse);
			return NULL;
		}
	}
}

static int cmd_run(int argc, char **argv)
{
	static const struct option opts[] = {{"state", required_argument, NULL, 's'},
					     {"device", required_argument, NULL, 'd'},
					     {"verbose", no_argument, NULL, 'v'},
					     {"listen", required_argument, NULL, 'l'},
					     {"sysfs", required_argument, NULL, 'y'},
					     {"help", no_argument, NULL, 'h'},
					     {NULL, 0, NULL, 0}};
	struct sim_app app;
	const char *device = NULL, *listen_addr = NULL;
	char err[512];
	int c, verbose = 0, ex = 1;
	pthread_t sig_tid;

	memset(&app, 0, sizeof(app));
	optind = 1;
	while ((c = getopt_long(argc, argv, "vh", opts, NULL)) != -1) {
		switch (c) {
		case 's':
			app.fw.state_path = optarg;
			break;
		case 'd':
			device = optarg;
			break;
		case 'l':
			listen_addr = optarg;
			break;
		case 'y':
			app.sysfs_dir = optarg;
			break;
		case 'v':
			verbose++;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (!app.fw.state_path || !device || optind != argc) {
		fprintf(stderr, "amt-sim: run needs --state FILE and --device PATH\n");
		return 2;
	}
	log_init("amt-sim", LOG_SINK_STDERR, verbose ? LOG_LVL_DEBUG : LOG_LVL_INFO);
	sim_state_defaults(&app.fw.st);
	if (sim_state_load(&app.fw.st, app.fw.state_path, err, sizeof(err)) != 0) {
		fprintf(stderr, "amt-sim: cannot load the state file: %s\n", err);
		return 2;
	}
	/* Before anything starts: a user who cannot mount learns why, in one line. */
	int mrc = sim_fuse_check_mount(err, sizeof(err));
	if (mrc != 0) {
		fprintf(stderr, "amt-sim: cannot expose the device at %s: %s\n", device, err);
		return mrc == -EACCES || mrc == -EPERM ? 4 : 1;
	}

	/* Signals go to one thread; every other thread inherits the mask. */
	sigemptyset(&app.sigs);
	sigaddset(&app.sigs, SIGTERM);
	sigaddset(&app.sigs, SIGINT);
	sigaddset(&app.sigs, SIGHUP);
	sigaddset(&app.sigs, SIGUSR1);
	pthread_sigmask(SIG_BLOCK, &app.sigs, NULL);

	app.fw.me = sim_me_new();
	if (!app.fw.me) {
		fprintf(stderr, "amt-sim: out of memory\n");
		goto out;
	}
	app.fw.listen_addr = listen_addr;
	if (sim_fw_start(&app.fw, err, sizeof(err)) != 0) {
		fprintf(stderr, "amt-sim: cannot start %s\n", err);
		goto out;
	}

	struct sim_fuse_opts fo = {
		.mode = (mode_t)app.fw.st.device_mode,
		.uid = 0,
		.gid = 0,
		.allow_other = geteuid() == 0,
	};
	app.fuse = sim_fuse_new(app.fw.me, device, &fo, err, sizeof(err));
	if (!app.fuse) {
		fprintf(stderr, "amt-sim: cannot expose the device at %s: %s\n", device, err);
		goto out;
	}
	if (publish_sysfs(&app, err, sizeof(err)) != 0) {
		fprintf(stderr, "amt-sim: cannot publish the sysfs attributes: %s\n", err);
		goto out;
	}
	if (pthread_create(&sig_tid, NULL, signal_thread, &app) != 0) {
		fprintf(stderr, "amt-sim: cannot start the signal thread\n");
		goto out;
	}
	printf("amt-sim: ready: %s (AMT %s, %s)\n", device, app.fw.st.version,
	       app.fw.st.prov_state == 2 ? "provisioned" : "not provisioned");
	fflush(stdout);
	ex = sim_fuse_run(app.fuse) == 0 ? 0 : 1;
	pthread_kill(sig_tid, SIGTERM); /* no-op if it already returned */
	pthread_join(sig_tid, NULL);
out:
	if (app.sysfs_dir)
		sim_sysfs_unpublish(app.sysfs_dir); /* the device is gone */
	sim_fuse_free(app.fuse);
	sim_fw_shutdown(&app.fw); /* every part, after the last handler */
	sim_me_free(app.fw.me);
	return ex;
}

int main(int argc, char **argv)
{
	if (argc >= 2 && strcmp(argv[1], "run") == 0)
		return cmd_run(argc - 1, argv + 1);
	if (argc >= 2 && strcmp(argv[1], "fleet") == 0)
		return sim_fleet_main(argc - 1, argv + 1);
	if (argc >= 2 && strcmp(argv[1], "--version") == 0) {
		printf("amt-sim %s\n", AMT_VERSION);
		return 0;
	}
	if (argc >= 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
		usage(stdout);
		return 0;
	}
	usage(stderr);
	return 2;
}
