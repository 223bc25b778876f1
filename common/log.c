// SPDX-License-Identifier: Apache-2.0
/*
 * log.c - level filter and stderr/syslog sink (see log.h).
 */
#include "log.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <syslog.h>

static struct {
	const char *ident;
	enum log_sink sink;
	enum log_level level;
	int syslog_open;
} lg = {"amt", LOG_SINK_STDERR, LOG_LVL_WARN, 0};

static const char *const names[] = {"error", "warn", "info", "debug", "trace"};

static void open_syslog(void)
{
	if (!lg.syslog_open) {
		openlog(lg.ident, LOG_PID, LOG_DAEMON);
		lg.syslog_open = 1;
	}
}

void log_init(const char *ident, enum log_sink sink, enum log_level level)
{
	lg.ident = ident;
	lg.sink = sink;
	lg.level = level;
	if (sink == LOG_SINK_SYSLOG)
		open_syslog();
}

void log_set_level(enum log_level level)
{
	lg.level = level;
}

enum log_level log_get_level(void)
{
	return lg.level;
}

int log_level_parse(const char *s)
{
	for (int i = 0; i < (int)(sizeof(names) / sizeof(names[0])); i++)
		if (strcmp(s, names[i]) == 0)
			return i;
	return -1;
}

static int syslog_prio(enum log_level l)
{
	switch (l) {
	case LOG_LVL_ERROR:
		return LOG_ERR;
	case LOG_LVL_WARN:
		return LOG_WARNING;
	case LOG_LVL_INFO:
		return LOG_INFO;
	default:
		return LOG_DEBUG;
	}
}

void log_msg(enum log_level level, const char *fmt, ...)
{
	va_list ap;
	if (level > lg.level)
		return;
	va_start(ap, fmt);
	if (lg.sink == LOG_SINK_SYSLOG) {
		vsyslog(syslog_prio(level), fmt, ap);
	} else {
		fprintf(stderr, "%s: %s: ", lg.ident, names[level]);
		vfprintf(stderr, fmt, ap);
		fputc('\n', stderr);
	}
	va_end(ap);
}

void log_notice(const char *fmt, ...)
{
	va_list ap;
	if (lg.level < LOG_LVL_WARN)
		return;
	va_start(ap, fmt);
	if (lg.sink == LOG_SINK_SYSLOG) {
		vsyslog(LOG_NOTICE, fmt, ap);
	} else {
		fprintf(stderr, "%s: notice: ", lg.ident);
		vfprintf(stderr, fmt, ap);
		fputc('\n', stderr);
	}
	va_end(ap);
}

void log_audit(const char *fmt, ...)
{
	va_list ap;
	open_syslog();
	va_start(ap, fmt);
	vsyslog(LOG_NOTICE, fmt, ap);
	va_end(ap);
}
