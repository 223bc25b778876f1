// SPDX-License-Identifier: Apache-2.0
/*
 * log.h - one logging sink for the agent and the tools.
 *
 * Owns: level filtering and the sink (stderr for people, syslog/journal for
 * the daemon), chosen at run time. Messages never carry secrets: callers
 * log names and lengths of credentials, never their values.
 * Must not: exit the process or decide exit codes.
 */
#ifndef COMMON_LOG_H
#define COMMON_LOG_H

enum log_level { LOG_LVL_ERROR = 0, LOG_LVL_WARN, LOG_LVL_INFO, LOG_LVL_DEBUG, LOG_LVL_TRACE };
enum log_sink { LOG_SINK_STDERR = 0, LOG_SINK_SYSLOG };

void log_init(const char *ident, enum log_sink sink, enum log_level level);
void log_set_level(enum log_level level);
enum log_level log_get_level(void);
/* Parse "error|warn|info|debug|trace"; -1 when unknown. */
int log_level_parse(const char *s);
void log_msg(enum log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* A line for the record (service start, reload, stop): shown at every level
 * but "error", to the chosen sink, as syslog's NOTICE. */
void log_notice(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Send one line to syslog (journal) regardless of the sink, e.g. for audit
 * lines that delivery jobs should leave behind. */
void log_audit(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#define log_error(...) log_msg(LOG_LVL_ERROR, __VA_ARGS__)
#define log_warn(...) log_msg(LOG_LVL_WARN, __VA_ARGS__)
#define log_info(...) log_msg(LOG_LVL_INFO, __VA_ARGS__)
#define log_debug(...) log_msg(LOG_LVL_DEBUG, __VA_ARGS__)

#endif
