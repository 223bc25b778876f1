// SPDX-License-Identifier: Apache-2.0
/*
 * sim_wsman_classes.c - the table of every WS-Man class the simulated AMT
 * serves: the single place a class is declared. A class is one row here
 * plus its code in the file of its family (sim_wsman_general.c,
 * sim_wsman_remote.c, sim_wsman_setup.c, sim_wsman_tls.c,
 * sim_wsman_inventory.c, sim_wsman_power.c, sim_wsman_redir.c,
 * sim_wsman_alerts.c, sim_wsman_presence.c, sim_3pds*.c; a new family is a
 * new file), which
 * exports its struct sim_wsman_class through sim_wsman_int.h.
 * Must not: hold any class's code.
 */
#include <string.h>

#include "sim_wsman_int.h"

static const struct sim_wsman_class *const classes[] = {
	/* general */
	&sim_general_settings_class,
	&sim_setup_service_class,
	&sim_software_identity_class,
	&sim_port_settings_class,
	/* remote access (CIRA): the [cira] table both sides read */
	&sim_remote_access_service_class,
	&sim_mps_sap_class,
	&sim_policy_rule_class,
	&sim_policy_applies_class,
	&sim_mps_credential_class,
	&sim_user_initiated_class,
	/* setup, time, users */
	&sim_host_setup_class,
	&sim_time_sync_class,
	&sim_authorization_class,
	/* certificates and TLS */
	&sim_certificate_class,
	&sim_tls_setting_class,
	&sim_tls_context_class,
	/* asset inventory */
	&sim_chassis_class,
	&sim_card_class,
	&sim_bios_class,
	&sim_processor_class,
	&sim_memory_class,
	&sim_system_package_class,
	/* remote repair: power, boot, redirection, user consent */
	&sim_power_service_class,
	&sim_power_assoc_class,
	&sim_service_available_class,
	&sim_boot_capabilities_class,
	&sim_boot_setting_class,
	&sim_boot_config_class,
	&sim_boot_source_class,
	&sim_boot_service_class,
	&sim_redirection_class,
	&sim_optin_class,
	/* eventing, event log, environment detection */
	&sim_filter_collection_class,
	&sim_listener_class,
	&sim_listener_base_class,
	&sim_subscription_class,
	&sim_message_log_class,
	&sim_environment_class,
	/* agent presence */
	&sim_presence_service_class,
	&sim_watchdog_class,
	&sim_watchdog_action_class,
	/* third-party data storage (AMT below 12) */
	&sim_3pds_service_class,
	&sim_3pds_admin_class,
};

const struct sim_wsman_class *sim_wsman_class_find(const char *uri)
{
	for (size_t i = 0; i < sizeof(classes) / sizeof(classes[0]); i++)
		if (strcmp(classes[i]->uri, uri) == 0)
			return classes[i];
	return NULL;
}
