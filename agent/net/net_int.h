// SPDX-License-Identifier: Apache-2.0
/*
 * net_int.h - what the files of the network module share (not for the
 * agent: its interface is net.h).
 */
#ifndef AGENT_NET_INT_H
#define AGENT_NET_INT_H

#include "net.h"
#include "wsman.h"

/* The class of a WS-Man or 3PDS failure (net_module.c). */
enum net_error_class net_class_of(int rc, const struct wsman_error *e);

/* net_alerts.c */
void net_presence(const struct net_presence_req *req, struct net_presence_result *res);
void net_cila_subscribers(const struct net_wsman_target *t, struct net_cila_result *res);

#endif
