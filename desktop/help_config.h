// SPDX-License-Identifier: Apache-2.0
/*
 * help_config.h - where amt-help finds the service: the socket the CLI
 * would use, i.e. [agent] socket of the agent's configuration file.
 * Owns: reading that one key. Must not: validate or apply the rest of the
 * agent's configuration (the agent does), or fail when the file is absent
 * or unreadable (a file naming secrets may be closed to users).
 */
#ifndef DESKTOP_HELP_CONFIG_H
#define DESKTOP_HELP_CONFIG_H

#define HELP_DEFAULT_SOCKET "/run/amt-agent/agent.sock"
#define HELP_DEFAULT_CONFIG "/etc/amt-agent/agent.conf"

/* [agent] socket from config_path (NULL = HELP_DEFAULT_CONFIG) when the
 * file is readable and the value is an absolute path, else
 * HELP_DEFAULT_SOCKET. Returns a malloc'd string (NULL only on ENOMEM). */
char *help_socket_from_config(const char *config_path);

#endif
