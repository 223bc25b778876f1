// SPDX-License-Identifier: Apache-2.0
/*
 * sim_wsman_int.h - the parts of the simulated WS-Man service that are
 * tested without sockets: the Authorization header parser and digest check
 * (sim_wsman_auth.c), the SOAP core that turns one request body into one
 * response (sim_wsman_soap.c, enumeration in sim_wsman_enum.c), and the
 * interface classes implement (the table in sim_wsman_classes.c, one file
 * per class family: sim_wsman_general.c, _remote.c, _setup.c, _tls.c,
 * _inventory.c, _power.c, _redir.c, sim_3pds*.c) with the helpers of sim_wsman_inst.c.
 * Must not: be included outside tools/sim and its unit tests.
 *
 * Locking: sim_wsman_handle() takes the ME lock for the whole request, so
 * class code may read and change fw->st and call sim_state_persist(). The
 * core's own state (enumerations, 3PDS sessions) is used by one thread at a time.
 */
#ifndef SIM_WSMAN_INT_H
#define SIM_WSMAN_INT_H

#include <libxml/tree.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sim_fw.h"

/* ---------------- digest authentication ---------------- */
/* The digest parser, check and nonces are common/http_digest.h's. */
#include "http_digest.h"

/* [amt] digest_realm, or "Digest:" + 32 upper-case hex digits of the UUID. */
void sim_digest_realm(const struct sim_state *st, char *out, size_t cap);

/* ---------------- HTTP framing (sim_wsman_frame.c) ---------------- */

/* AMT 15 writes an answer through a 768-byte buffer: the headers and the
 * first chunk fill one, every later chunk (6-byte size line + 762 bytes)
 * one more (sources in sim_wsman_frame.c and the README). */
#define SIM_HTTP_TX_BUFFER 768u
#define SIM_HTTP_DATE_LEN 32
/* "Sun, 06 Dec 2026 21:49:28 GMT" (English names whatever the locale). */
void sim_http_date(int64_t unix_s, char out[SIM_HTTP_DATE_LEN]);
/* Bytes of body in the first chunk after a header block of header_len
 * (status line through the empty line). */
size_t sim_http_first_chunk(size_t header_len);
/* body as AMT sends it: "%04X\r\n" chunks as above, then "0\r\n\r\n";
 * bytes written to out, 0 when cap (sim_http_chunked_len) is too small. */
size_t sim_http_chunk(const char *body, size_t len, size_t header_len, char *out, size_t cap);
size_t sim_http_chunked_len(size_t len, size_t header_len);
/* Send a SOAP answer framed as AMT sends it (README "HTTP framing"): Date,
 * Server, X-Frame-Options, Content-Type, Transfer-Encoding: chunked in that
 * order, the body in the chunks above, the connection kept for the next
 * request. An HTTP/1.0 client (which cannot take chunks) gets
 * Content-Length and a close; a request saying Connection: close gets its
 * close. Out of memory: a 500. */
struct evhttp_request;
void sim_http_send_soap(struct evhttp_request *req, const char *server, int code,
			const char *reason, const char *body, size_t len);

/* sim_wsman.c: the bound network port (tests use --listen ADDR:0), -1 if none. */
struct sim_wsman;
int sim_wsman_net_port(const struct sim_wsman *w, bool tls);

/* ---------------- SOAP core (sim_wsman_soap.c, sim_wsman_enum.c) ---------------- */

struct sim_wsman_core;
struct sim_3pds_rt;

struct sim_wsman_core *sim_wsman_core_new(struct sim_fw *fw);
void sim_wsman_core_free(struct sim_wsman_core *c);
/* Tests: replace the monotonic clock (milliseconds). */
void sim_wsman_core_set_clock(struct sim_wsman_core *c, int64_t (*now_ms)(void *arg), void *arg);
int64_t sim_wsman_now_ms(void);

struct sim_wsman_reply {
	int status; /* HTTP status: 200, 400 (Sender fault), 500 (Receiver fault) */
	char *body; /* malloc'd SOAP envelope */
	size_t len;
};

/* One request body in, one response out (always an envelope, a fault when
 * the request is not understood). is_local: the request came from the host
 * (LME or loopback), which 3PDS records. Returns 0, or -1 when out of
 * memory (nothing to send). */
int sim_wsman_handle(struct sim_wsman_core *c, const char *body, size_t len, bool is_local,
		     struct sim_wsman_reply *out);
void sim_wsman_reply_free(struct sim_wsman_reply *r);
/* True when body is a WS-Management Identify request (DSP0226 11: a
 * wsmid:Identify body and no WS-Addressing Action), which the HTTP side
 * answers without credentials unless [sim] identify_auth is set. */
bool sim_wsman_is_identify(const char *body, size_t len);

/* ---------------- what classes implement ---------------- */

/* Namespaces both the core and the instance helpers write. */
#define SIM_WSMAN_NS_WSA "http://schemas.xmlsoap.org/ws/2004/08/addressing"
#define SIM_WSMAN_NS_WSMAN "http://schemas.dmtf.org/wbem/wsman/1/wsman.xsd"
#define SIM_WSMAN_NS_COMMON "http://schemas.dmtf.org/wbem/wscim/1/common"
#define SIM_WSMAN_ANONYMOUS SIM_WSMAN_NS_WSA "/role/anonymous"
#define SIM_WSMAN_AMT "http://intel.com/wbem/wscim/1/amt-schema/1/"
#define SIM_WSMAN_CIM "http://schemas.dmtf.org/wbem/wscim/1/cim-schema/2/"
#define SIM_WSMAN_IPS "http://intel.com/wbem/wscim/1/ips-schema/1/"

/* A class instance or method output element under construction; its
 * properties are children in the class namespace. wsa / wsman / common are
 * the envelope's declarations of those namespaces (EPR and datetime
 * properties use them; NULL: declared on the property). */
struct sim_wsman_inst {
	xmlNodePtr node;
	xmlNsPtr ns;
	xmlNsPtr wsa, wsman, common;
};
void sim_wsman_prop(struct sim_wsman_inst *i, const char *name, const char *value);
void sim_wsman_prop_u32(struct sim_wsman_inst *i, const char *name, uint32_t value);
void sim_wsman_prop_u64(struct sim_wsman_inst *i, const char *name, uint64_t value);
void sim_wsman_prop_bool(struct sim_wsman_inst *i, const char *name, bool value);
/* A CIM datetime: <name><Datetime>value</Datetime></name> in the wscim
 * common namespace (value "2020-08-10T00:00:00Z"). */
void sim_wsman_prop_datetime(struct sim_wsman_inst *i, const char *name, const char *value);
/* An endpoint reference property (CIM association): anonymous Address,
 * ResourceURI and a SelectorSet from name/value pairs ending in NULL. */
void sim_wsman_prop_epr(struct sim_wsman_inst *i, const char *name, const char *resource_uri,
			const char *const *selectors);
/* The EPR of a service scoped by "Intel(r) AMT" (CreationClassName,
 * Name, SystemCreationClassName, SystemName) or of another instance with
 * one key: convenience forms of sim_wsman_prop_epr. */
void sim_wsman_prop_service_epr(struct sim_wsman_inst *i, const char *name, const char *schema,
				const char *class_name, const char *key_name,
				const char *key_value);

#define SIM_WSMAN_MAX_ARGS 32

/* Runtime the classes keep between requests (not NVM): one per core. */
struct sim_wsman_rt {
	int64_t ta0;    /* the last time GetLowAccuracyTimeSynch gave out */
	bool ta0_given; /* SetHighAccuracyTimeSynch must quote it */
};

/* One method invocation (<uri>/<Method> with <Method_INPUT> parameters),
 * or a WS-Transfer Put (method "Put", args = the new instance's
 * properties) or Delete (method "Delete", no args) of instance `index`. */
struct sim_wsman_call {
	struct sim_fw *fw;
	struct sim_3pds_rt *pds;
	struct sim_wsman_rt *rt;
	bool local;
	int64_t now_ms;
	const char *method;
	int index; /* Put / Delete: the instance the selectors named; else -1 */
	unsigned nargs;
	struct {
		char *name, *value; /* xmlChar strings owned by the core */
		xmlNodePtr node;    /* the parameter element (EPR parameters) */
	} args[SIM_WSMAN_MAX_ARGS];
	struct sim_wsman_inst out; /* <Method_OUTPUT>; ReturnValue is appended */
	char fault[128];           /* set by an arg helper: invalid parameter */
};
/* Parameter text, or NULL when absent. */
const char *sim_wsman_arg(const struct sim_wsman_call *c, const char *name);
/* How many times parameter name occurs (arrays repeat the element). */
unsigned sim_wsman_arg_count(const struct sim_wsman_call *c, const char *name);
/* The value of selector sel in the n-th occurrence of EPR parameter name
 * (its ReferenceParameters/SelectorSet), NULL when absent (caller frees
 * nothing: the string lives as long as the request). */
const char *sim_wsman_arg_epr_selector(struct sim_wsman_call *c, const char *name, unsigned n,
				       const char *sel);
/* Required parameters: 0, or -1 with c->fault set (the core then answers
 * a wsman:InvalidParameter fault instead of a ReturnValue). */
int sim_wsman_arg_u32(struct sim_wsman_call *c, const char *name, uint32_t *out);
int sim_wsman_arg_bool(struct sim_wsman_call *c, const char *name, bool *out);
const char *sim_wsman_arg_str(struct sim_wsman_call *c, const char *name);
/* Optional uint32: 1 present (out set), 0 absent or xsi:nil, -1 bad (fault set). */
int sim_wsman_arg_u32_opt(struct sim_wsman_call *c, const char *name, uint32_t *out);

/* Return values of invoke() that are not a ReturnValue: "c->fault is set"
 * (wsman:InvalidParameter fault), "no such method" (ActionNotSupported),
 * "not from this interface or user" (wsman:AccessDenied), "it exists
 * already" (wsman:AlreadyExists, Create) and "no room" (wsman:QuotaLimit). */
#define SIM_WSMAN_RV_FAULT 0xFFFFFFFFu
#define SIM_WSMAN_RV_NO_METHOD 0xFFFFFFFEu
#define SIM_WSMAN_RV_ACCESS_DENIED 0xFFFFFFFDu
#define SIM_WSMAN_RV_EXISTS 0xFFFFFFFCu
#define SIM_WSMAN_RV_QUOTA 0xFFFFFFFBu

/* One row of the class table (sim_wsman_classes.c): how the service finds,
 * builds and changes the instances of one resource URI. */
struct sim_wsman_class {
	const char *name; /* "AMT_GeneralSettings" */
	const char *uri;  /* resource URI; also the namespace of its elements */
	/* NULL = always present on this firmware */
	bool (*present)(const struct sim_state *st);
	unsigned (*count)(const struct sim_state *st);
	void (*instance)(const struct sim_state *st, unsigned index, struct sim_wsman_inst *out);
	/* NULL = no methods. Returns the ReturnValue (PT_STATUS). */
	uint32_t (*invoke)(struct sim_wsman_call *c);
	/* Key properties, alphabetical, NULL-terminated: the selectors of an
	 * instance's EPR (EnumerateEPR, method outputs). NULL = no keys. */
	const char *const *keys;
	/* The class's MOF has datetime properties: AMT then declares the wscim
	 * common namespace in every Get and Pull answer of it. */
	bool datetime;
	/* Instances are of a subclass (CIM_ServiceAvailableToElement answers
	 * CIM_AssociatedPowerManagementService): element name and namespace
	 * URI of the items; NULL = name and uri. */
	const char *item_name, *item_uri;
	/* WS-Transfer Put / Delete of instance c->index: 0, or
	 * SIM_WSMAN_RV_FAULT with c->fault set. NULL = not supported
	 * (ActionNotSupported). */
	uint32_t (*put)(struct sim_wsman_call *c);
	uint32_t (*remove)(struct sim_wsman_call *c);
	/* WS-Transfer Create (args = the new instance's properties): 0 with
	 * c->index set to the new instance, or one of the SIM_WSMAN_RV_ faults
	 * above. NULL = not supported. */
	uint32_t (*create)(struct sim_wsman_call *c);
	/* Methods act on the instance the selectors name (c->index; several
	 * instances, e.g. one watchdog per agent); else on the class. */
	bool methods_on_instance;
};

/* sim_wsman_classes.c: the class with this resource URI, NULL if none. */
const struct sim_wsman_class *sim_wsman_class_find(const char *uri);
/* sim_wsman_inst.c: keys shared by every service scoped by the AMT system. */
extern const char *const sim_wsman_service_keys[];

/* The class families, one file each, exported to the table. */
#define SIM_WSMAN_CLASS(x) extern const struct sim_wsman_class x
/* sim_wsman_general.c */
SIM_WSMAN_CLASS(sim_general_settings_class);
SIM_WSMAN_CLASS(sim_setup_service_class);
SIM_WSMAN_CLASS(sim_software_identity_class);
SIM_WSMAN_CLASS(sim_port_settings_class);
/* sim_wsman_remote.c */
SIM_WSMAN_CLASS(sim_remote_access_service_class);
SIM_WSMAN_CLASS(sim_mps_sap_class);
SIM_WSMAN_CLASS(sim_policy_rule_class);
SIM_WSMAN_CLASS(sim_policy_applies_class);
SIM_WSMAN_CLASS(sim_mps_credential_class);
SIM_WSMAN_CLASS(sim_user_initiated_class);
/* sim_wsman_setup.c */
SIM_WSMAN_CLASS(sim_host_setup_class);
SIM_WSMAN_CLASS(sim_time_sync_class);
SIM_WSMAN_CLASS(sim_authorization_class);
/* sim_wsman_tls.c */
SIM_WSMAN_CLASS(sim_certificate_class);
SIM_WSMAN_CLASS(sim_tls_setting_class);
SIM_WSMAN_CLASS(sim_tls_context_class);
/* sim_wsman_inventory.c */
SIM_WSMAN_CLASS(sim_chassis_class);
SIM_WSMAN_CLASS(sim_card_class);
SIM_WSMAN_CLASS(sim_bios_class);
SIM_WSMAN_CLASS(sim_processor_class);
SIM_WSMAN_CLASS(sim_memory_class);
SIM_WSMAN_CLASS(sim_system_package_class);
/* sim_wsman_power.c: remote repair, power and boot */
SIM_WSMAN_CLASS(sim_power_service_class);
SIM_WSMAN_CLASS(sim_power_assoc_class);
SIM_WSMAN_CLASS(sim_service_available_class);
SIM_WSMAN_CLASS(sim_boot_capabilities_class);
SIM_WSMAN_CLASS(sim_boot_setting_class);
SIM_WSMAN_CLASS(sim_boot_config_class);
SIM_WSMAN_CLASS(sim_boot_source_class);
SIM_WSMAN_CLASS(sim_boot_service_class);
/* sim_wsman_redir.c: remote repair, redirection and consent */
SIM_WSMAN_CLASS(sim_redirection_class);
SIM_WSMAN_CLASS(sim_optin_class);

/* sim_wsman_alerts.c: eventing, the event log, environment detection */
SIM_WSMAN_CLASS(sim_filter_collection_class);
SIM_WSMAN_CLASS(sim_listener_class);
SIM_WSMAN_CLASS(sim_listener_base_class);
SIM_WSMAN_CLASS(sim_subscription_class);
SIM_WSMAN_CLASS(sim_message_log_class);
SIM_WSMAN_CLASS(sim_environment_class);
/* sim_wsman_presence.c: Agent Presence */
SIM_WSMAN_CLASS(sim_presence_service_class);
SIM_WSMAN_CLASS(sim_watchdog_class);
SIM_WSMAN_CLASS(sim_watchdog_action_class);
/* sim_wsman_alerts.c: the listener keys and the EPRs a subscription shows */
extern const char *const sim_listener_keys[];

/* sim_3pds.c */
extern const struct sim_wsman_class sim_3pds_service_class;
extern const struct sim_wsman_class sim_3pds_admin_class;
struct sim_3pds_rt *sim_3pds_rt_new(void);
void sim_3pds_rt_free(struct sim_3pds_rt *rt);
/* True when AMT has 3PDS (major version below 12). */
bool sim_3pds_present(const struct sim_state *st);

#endif
