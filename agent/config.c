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

#include "amthi_codec.h"
#include "log.h"

enum key_type { K_PATH, K_UINT, K_LOGLEVEL, K_TRIGGERS };

struct key {
	const char *section;
	const char *name;
	enum key_type type;
	size_t offset;
	unsigned min, max;
	const char *help;
};

#define F(field) offsetof(struct agent_config, field)

static const struct key keys[] = {
	{"agent", "device", K_PATH, F(device), 0, 0,
	 "MEI device node; empty = probe /dev/mei0../dev/mei3, /dev/mei"},
	{"agent", "state_dir", K_PATH, F(state_dir), 0, 0, "directory for the agent's own state"},
	{"agent", "log_level", K_LOGLEVEL, F(log_level), 0, 0, "error|warn|info|debug|trace"},
	{"agent", "timeout_ms", K_UINT, F(timeout_ms), 100, 60000,
	 "longest wait for one firmware reply, milliseconds"},
	{"agent", "not_ready_retries", K_UINT, F(not_ready_retries), 0, 20,
	 "extra attempts when the firmware answers NOT_READY"},
	{"agent", "not_ready_wait_ms", K_UINT, F(not_ready_wait_ms), 1, 10000,
	 "wait between NOT_READY attempts, milliseconds"},
	{"agent", "busy_retries", K_UINT, F(busy_retries), 1, 20,
	 "connect attempts while another process holds the firmware client"},
	{"agent", "cira_trigger_numbering", K_TRIGGERS, F(trigger_numbering), 0, 0,
	 "lms|rpcgo: how to name CIRA trigger values 2 and 3 (sources disagree)"},
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
}

void config_free(struct agent_config *c)
{
	free(c->device);
	free(c->state_dir);
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
		snprintf(err, errcap, "cannot read %s: %s", path, strerror(errno));
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
