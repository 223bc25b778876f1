// SPDX-License-Identifier: Apache-2.0
/*
 * config.h - amt-agent configuration: one keyword table for the file and
 * the command line.
 *
 * Owns: the struct every subcommand reads, its defaults, the INI file
 * parser (inih) and the setter that command-line options also go through,
 * so a value is validated the same way wherever it comes from. An unknown
 * key or a bad value is an error naming the file and line.
 * Must not: open devices or the network.
 */
#ifndef AGENT_CONFIG_H
#define AGENT_CONFIG_H

#include <stdbool.h>
#include <stddef.h>

#define AGENT_DEFAULT_CONFIG "/etc/amt-agent/agent.conf"
#define AGENT_DEFAULT_STATE_DIR "/var/lib/amt-agent"
#define AGENT_DEFAULT_SOCKET "/run/amt-agent/agent.sock"

struct agent_config {
	/* [agent] */
	char *device;               /* NULL = probe /dev/mei0..3, /dev/mei */
	char *state_dir;
	int log_level;              /* enum log_level */
	unsigned timeout_ms;        /* per firmware reply */
	unsigned not_ready_retries; /* extra attempts when the firmware says NOT_READY */
	unsigned not_ready_wait_ms;
	unsigned busy_retries;      /* connect attempts while the client is busy */
	int trigger_numbering;      /* enum amt_trigger_numbering */
	char *socket;               /* the daemon's Unix socket */
	char *admin_group;          /* members may change state through the daemon */

	/* [report] */
	char *report_url;           /* https://server/path; NULL = reports off */
	unsigned report_interval;   /* seconds between scheduled reports; 0 = none */
	unsigned report_check_interval; /* seconds between AMT state-change checks; 0 = none */
	char *report_ca_file;
	char *report_client_cert;
	char *report_client_key;    /* secret */
	char *report_token_file;    /* secret: bearer token */
	char *report_spool_dir;     /* NULL = STATE_DIR/spool */
	unsigned report_spool_max;
	unsigned report_timeout_ms;

	/* [hostid] */
	char *hostid_vendor, *hostid_application, *hostid_enterprise, *hostid_block;
	char *hostid_user;          /* WS-Man user; NULL = the local system account */
	char *hostid_password_file; /* secret */
	char *hostid_efivarfs_dir;
	char *hostid_lms_url;       /* where Intel LMS answers when it runs */

	/* [presence] */
	char *presence_guid;        /* agent GUID text, "auto", or NULL = no heartbeats */
	unsigned presence_heartbeat_s; /* seconds between heartbeats; 0 = TimeoutInterval / 3 */

	char *source; /* file the values came from, for messages */
};

void config_init(struct agent_config *c);
void config_free(struct agent_config *c);

/* Set one key. Returns 0, or -1 with a reason in err ("unknown key",
 * "expected a number between 1 and 60000"). */
int config_set(struct agent_config *c, const char *section, const char *key, const char *value,
	       char *err, size_t errcap);

/* Parse an INI file. must_exist=false makes a missing file a no-op (the
 * default path). On error err holds "FILE:LINE: [section] key: reason". */
int config_load_file(struct agent_config *c, const char *path, bool must_exist, char *err,
		     size_t errcap);
/* Refuse secret files (client_key, token_file, password_file) that other
 * users can read or write, that belong to another user, or that are not
 * regular files. The configuration file itself may stay world-readable: the
 * CLI of an unprivileged user reads it to find the socket. Returns 0, or -1
 * with a reason. */
int config_check_secret_files(const struct agent_config *c, char *err, size_t errcap);

/* Same for an in-memory string (tests, fuzzing). */
int config_load_string(struct agent_config *c, const char *text, char *err, size_t errcap);

#endif
