// SPDX-License-Identifier: Apache-2.0
/*
 * config.c - the agent's keyword table, setters and INI loading (see config.h).
 *
 * Adding a key: add the field to struct agent_config, one row to `keys`,
 * a default in config_init(), and document it in README.md and
 * packaging/agent.conf.
 */
#include "config.h"

#include <errno.h>
#include <ini.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "amthi_codec.h"
#include "guid.h"
#include "log.h"

enum key_type { K_PATH, K_TEXT, K_URL, K_UINT, K_LOGLEVEL, K_TRIGGERS, K_AGENT_GUID };

struct key {
	const char *section;
	const char *name;
	enum key_type type;
	size_t offset;
	unsigned min, max;
	const char *help;
	bool secret; /* names a secret file: checked by config_check_secret_files() */
};

#define F(field) offsetof(struct agent_config, field)

static const struct key keys[] = {
	{"agent", "device", K_PATH, F(device), 0, 0,
	 "MEI device node; empty = probe /dev/mei0../dev/mei3, /dev/mei", false},
	{"agent", "state_dir", K_PATH, F(state_dir), 0, 0, "directory for the agent's own state", false},
	{"agent", "log_level", K_LOGLEVEL, F(log_level), 0, 0, "error|warn|info|debug|trace", false},
	{"agent", "timeout_ms", K_UINT, F(timeout_ms), 100, 60000,
	 "longest wait for one firmware reply, milliseconds", false},
	{"agent", "not_ready_retries", K_UINT, F(not_ready_retries), 0, 20,
	 "extra attempts when the firmware answers NOT_READY", false},
	{"agent", "not_ready_wait_ms", K_UINT, F(not_ready_wait_ms), 1, 10000,
	 "wait between NOT_READY attempts, milliseconds", false},
	{"agent", "busy_retries", K_UINT, F(busy_retries), 1, 20,
	 "connect attempts while another process holds the firmware client", false},
	{"agent", "cira_trigger_numbering", K_TRIGGERS, F(trigger_numbering), 0, 0,
	 "lms|rpcgo: how to name CIRA trigger values 2 and 3 (sources disagree)", false},
	{"agent", "socket", K_PATH, F(socket), 0, 0, "the daemon's Unix socket", false},
	{"agent", "admin_group", K_TEXT, F(admin_group), 0, 0,
	 "group whose members may change AMT state through the daemon", false},
	{"report", "url", K_URL, F(report_url), 0, 0, "HTTPS URL reports are POSTed to", false},
	{"report", "interval", K_UINT, F(report_interval), 0, 604800, "seconds between reports", false},
	{"report", "check_interval", K_UINT, F(report_check_interval), 0, 86400,
	 "seconds between checks for AMT state changes", false},
	{"report", "ca_file", K_PATH, F(report_ca_file), 0, 0, "CA that signs the server", false},
	{"report", "client_cert", K_PATH, F(report_client_cert), 0, 0, "client certificate", false},
	{"report", "client_key", K_PATH, F(report_client_key), 0, 0, "client key", true},
	{"report", "token_file", K_PATH, F(report_token_file), 0, 0, "bearer token file", true},
	{"report", "spool_dir", K_PATH, F(report_spool_dir), 0, 0, "report spool", false},
	{"report", "spool_max", K_UINT, F(report_spool_max), 1, 1000000, "reports kept at most", false},
	{"report", "timeout_ms", K_UINT, F(report_timeout_ms), 1000, 600000, "per POST", false},
	{"hostid", "vendor", K_TEXT, F(hostid_vendor), 0, 0, "3PDS vendor name", false},
	{"hostid", "application", K_TEXT, F(hostid_application), 0, 0, "3PDS application", false},
	{"hostid", "enterprise", K_TEXT, F(hostid_enterprise), 0, 0, "3PDS enterprise", false},
	{"hostid", "block_name", K_TEXT, F(hostid_block), 0, 0, "3PDS block name", false},
	{"hostid", "user", K_TEXT, F(hostid_user), 0, 0, "WS-Man user", false},
	{"hostid", "password_file", K_PATH, F(hostid_password_file), 0, 0, "WS-Man password", true},
	{"hostid", "efivarfs_dir", K_PATH, F(hostid_efivarfs_dir), 0, 0, "efivarfs mount", false},
	{"hostid", "lms_url", K_TEXT, F(hostid_lms_url), 0, 0, "Intel LMS endpoint", false},
	{"presence", "agent_guid", K_AGENT_GUID, F(presence_guid), 0, 0,
	 "GUID AMT's watchdog knows this agent by, or auto", false},
	{"presence", "heartbeat_s", K_UINT, F(presence_heartbeat_s), 0, 86400,
	 "seconds between heartbeats (0: a third of the watchdog's timeout)", false},
};

void config_init(struct agent_config *c)
{
	memset(c, 0, sizeof(*c));
	c->state_dir = strdup(AGENT_DEFAULT_STATE_DIR);
	c->log_level = LOG_LVL_WARN;
	c->timeout_ms = 5000;
	c->not_ready_retries = 3;
	c->not_ready_wait_ms = 500;
	c->busy_retries = 3;
	c->trigger_numbering = AMT_TRIGGERS_LMS;
	c->socket = strdup(AGENT_DEFAULT_SOCKET);
	c->report_interval = 3600;
	c->report_check_interval = 300;
	c->report_spool_max = 1000;
	c->report_timeout_ms = 30000;
	c->hostid_vendor = strdup("amt-agent project");
	c->hostid_application = strdup("amt-agent");
	c->hostid_enterprise = strdup("amt-agent");
	c->hostid_block = strdup("amt-agent-hostid");
	c->hostid_efivarfs_dir = strdup("/sys/firmware/efi/efivars");
	c->hostid_lms_url = strdup("http://127.0.0.1:16992/wsman");
}

void config_free(struct agent_config *c)
{
	free(c->device);
	free(c->state_dir);
	free(c->socket);
	free(c->admin_group);
	free(c->report_url);
	free(c->report_ca_file);
	free(c->report_client_cert);
	free(c->report_client_key);
	free(c->report_token_file);
	free(c->report_spool_dir);
	free(c->hostid_vendor);
	free(c->hostid_application);
	free(c->hostid_enterprise);
	free(c->hostid_block);
	free(c->hostid_user);
	free(c->hostid_password_file);
	free(c->hostid_efivarfs_dir);
	free(c->hostid_lms_url);
	free(c->presence_guid);
	free(c->source);
	memset(c, 0, sizeof(*c));
}

static int set_err(char *err, size_t cap, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static int set_err(char *err, size_t cap, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(err, cap, fmt, ap);
	va_end(ap);
	return -1;
}

static int parse_uint(const char *v, unsigned min, unsigned max, unsigned *out)
{
	char *end;
	if (*v == '\0' || *v == '-' || *v == '+')
		return -1;
	errno = 0;
	unsigned long n = strtoul(v, &end, 10);
	if (errno || *end != '\0' || n < min || n > max)
		return -1;
	*out = (unsigned)n;
	return 0;
}

int config_set(struct agent_config *c, const char *section, const char *name, const char *value,
	       char *err, size_t errcap)
{
	const struct key *k = NULL;
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		if (strcmp(keys[i].section, section) == 0 && strcmp(keys[i].name, name) == 0)
			k = &keys[i];
	if (!k)
		return set_err(err, errcap, "unknown key");

	void *field = (char *)c + k->offset;
	switch (k->type) {
	case K_PATH: {
		char **dst = field;
		if (strlen(value) >= PATH_MAX)
			return set_err(err, errcap, "path too long");
		if (*value && value[0] != '/')
			return set_err(err, errcap, "expected an absolute path, got \"%s\"", value);
		char *copy = *value ? strdup(value) : NULL;
		if (*value && !copy)
			return set_err(err, errcap, "out of memory");
		free(*dst);
		*dst = copy;
		return 0;
	}
	case K_TEXT:
	case K_URL: {
		char **dst = field;
		if (strlen(value) > 1024)
			return set_err(err, errcap, "value too long");
		if (k->type == K_URL && *value && strncmp(value, "https://", 8) != 0)
			return set_err(err, errcap,
				       "expected an https:// URL (reports are sent over TLS only)");
		for (const char *p = value; *p; p++)
			if ((unsigned char)*p < 0x20 || *p == 0x7f)
				return set_err(err, errcap, "control characters are not allowed");
		char *copy = *value ? strdup(value) : NULL;
		if (*value && !copy)
			return set_err(err, errcap, "out of memory");
		free(*dst);
		*dst = copy;
		return 0;
	}
	case K_UINT: {
		unsigned n;
		if (parse_uint(value, k->min, k->max, &n) != 0) {
			snprintf(err, errcap, "expected a whole number from %u to %u, got \"%.64s\"",
				 k->min, k->max, value);
			return -1;
		}
		*(unsigned *)field = n;
		return 0;
	}
	case K_LOGLEVEL: {
		int l = log_level_parse(value);
		if (l < 0)
			return set_err(err, errcap,
				       "expected error, warn, info, debug or trace, got \"%.64s\"",
				       value);
		*(int *)field = l;
		return 0;
	}
	case K_AGENT_GUID: {
		char **dst = field;
		uint8_t raw[16];
		bool zero = true;
		if (*value && strcmp(value, "auto") != 0) {
			if (guid_parse(value, raw) != 0)
				return set_err(err, errcap, "expected a GUID (8-4-4-4-12 hex digits) or "
							    "auto, got \"%.64s\"", value);
			for (int i = 0; i < 16; i++)
				zero = zero && raw[i] == 0;
			if (zero)
				return set_err(err, errcap, "the all-zero GUID names no agent");
		}
		char *copy = *value ? strdup(value) : NULL;
		if (*value && !copy)
			return set_err(err, errcap, "out of memory");
		free(*dst);
		*dst = copy;
		return 0;
	}
	case K_TRIGGERS:
		if (strcmp(value, "lms") == 0)
			*(int *)field = AMT_TRIGGERS_LMS;
		else if (strcmp(value, "rpcgo") == 0)
			*(int *)field = AMT_TRIGGERS_RPCGO;
		else
			return set_err(err, errcap, "expected lms or rpcgo, got \"%.64s\"", value);
		return 0;
	}
	return set_err(err, errcap, "internal: bad key type");
}

struct load_ctx {
	struct agent_config *c;
	const char *source;
	char *err;
	size_t errcap;
	int failed;
};

static int on_ini_line(void *user, const char *section, const char *name, const char *value)
{
	struct load_ctx *l = user;
	char why[192];
	if (l->failed)
		return 0;
	if (!name) /* section header alone */
		return 1;
	if (config_set(l->c, section, name, value, why, sizeof(why)) != 0) {
		/* the line number is added by the caller from ini_parse's result */
		snprintf(l->err, l->errcap, "[%s] %s: %s", section, name, why);
		l->failed = 1;
		return 0;
	}
	return 1;
}

static int finish(struct load_ctx *l, int rc, const char *where)
{
	if (rc == 0)
		return 0;
	char detail[256];
	snprintf(detail, sizeof(detail), "%s", l->failed ? l->err : "syntax error");
	snprintf(l->err, l->errcap, "%s:%d: %s", where, rc, detail);
	return -1;
}

int config_load_file(struct agent_config *c, const char *path, bool must_exist, char *err,
		     size_t errcap)
{
	FILE *f = fopen(path, "r");
	if (!f) {
		if (errno == ENOENT && !must_exist)
			return 0;
		int e = errno;
		snprintf(err, errcap, "cannot read %s: %s%s", path, strerror(e),
			 e == EACCES ? " (the file may stay readable by everyone: secrets belong "
				       "in the files it names)"
				     : "");
		return -1;
	}
	struct load_ctx l = {c, path, err, errcap, 0};
	int rc = ini_parse_file(f, on_ini_line, &l);
	fclose(f);
	if (rc < 0) {
		snprintf(err, errcap, "cannot read %s", path);
		return -1;
	}
	if (finish(&l, rc, path) != 0)
		return -1;
	free(c->source);
	c->source = strdup(path);
	return 0;
}

/* One secret file: a regular file (a symbolic link is judged by what it
 * points to), owned by root or by this process's user, that other users can
 * neither read nor write. Group access stays allowed (root:amt-agent 0640).
 * A file this process cannot even look at is not judged: it cannot be read
 * either, and whoever uses it reports that. */
static int check_secret_file(const struct key *k, const char *path, char *err, size_t errcap)
{
	struct stat st;
	if (stat(path, &st) != 0)
		return 0;
	if (!S_ISREG(st.st_mode))
		return set_err(err, errcap, "[%s] %s = %s is not a regular file", k->section,
			       k->name, path);
	if (st.st_uid != 0 && st.st_uid != geteuid())
		return set_err(err, errcap,
			       "[%s] %s = %s belongs to uid %u, not to root or this user — "
			       "another user controls the secret; 'chown root %s'",
			       k->section, k->name, path, (unsigned)st.st_uid, path);
	if (st.st_mode & (S_IROTH | S_IWOTH))
		return set_err(err, errcap,
			       "[%s] %s = %s can be %s by other users — run 'chmod o-rwx %s'",
			       k->section, k->name, path,
			       (st.st_mode & S_IROTH) ? "read" : "written", path);
	return 0;
}

int config_check_secret_files(const struct agent_config *c, char *err, size_t errcap)
{
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		if (!keys[i].secret) /* only secret rows hold a path */
			continue;
		const char *path = *(char *const *)((const char *)c + keys[i].offset);
		if (path && check_secret_file(&keys[i], path, err, errcap) != 0)
			return -1;
	}
	return 0;
}

int config_load_string(struct agent_config *c, const char *text, char *err, size_t errcap)
{
	struct load_ctx l = {c, "<string>", err, errcap, 0};
	int rc = ini_parse_string(text, on_ini_line, &l);
	if (rc < 0) {
		snprintf(err, errcap, "cannot parse configuration");
		return -1;
	}
	return finish(&l, rc, "<string>");
}
