/*
 * sim_wsman_int.h - the parts of the simulated WS-Man service that are
 * tested without sockets: the Authorization header parser and digest check
 * (sim_wsman_auth.c), the SOAP core that turns one request body into one
 * response (sim_wsman_soap.c), and the interface classes implement
 * (sim_wsman_classes.c, sim_3pds.c) with the helpers of sim_wsman_inst.c.
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

/* ---------------- digest authentication (sim_wsman_auth.c) ---------------- */

#define SIM_DIGEST_USER_MAX 64
#define SIM_DIGEST_REALM_MAX 64
#define SIM_DIGEST_NONCE_MAX 64
#define SIM_DIGEST_URI_MAX 255
#define SIM_DIGEST_HDR_MAX 2048 /* whole Authorization header */

/* Fields of "Authorization: Digest ..." (RFC 2617 3.2.2), NUL-terminated. */
struct sim_digest_auth {
	char username[SIM_DIGEST_USER_MAX + 1];
	char realm[SIM_DIGEST_REALM_MAX + 1];
	char nonce[SIM_DIGEST_NONCE_MAX + 1];
	char uri[SIM_DIGEST_URI_MAX + 1];
	char response[33];
	char cnonce[SIM_DIGEST_NONCE_MAX + 1];
	char nc[9];
	char qop[16];
	char algorithm[16];
	char opaque[SIM_DIGEST_NONCE_MAX + 1];
};

/* Parse one Authorization header value. Accepts token or quoted-string
 * values (backslash escapes), optional blanks around '=' and ',', empty
 * list items and unknown parameters (bounded). Refuses: a scheme other
 * than Digest, a known parameter twice or longer than its field, an
 * unterminated quote, a missing username/realm/nonce/uri/response, a
 * response that is not 32 hex digits, qop without nc (8 hex) and cnonce.
 * Returns 0 or -1. */
int sim_digest_parse(const char *hdr, struct sim_digest_auth *out);

/* RFC 2617 response with MD5 (qop = auth): 32 lower-case hex digits. */
void sim_digest_compute(const char *user, const char *realm, const char *password,
			const char *method, const char *uri, const char *nonce, const char *nc,
			const char *cnonce, const char *qop, char out[33]);

/* True when a is a qop=auth MD5 answer for this realm, method and
 * password (response compared in constant time). The caller checks the
 * nonce and that a->uri names the request. */
bool sim_digest_verify(const struct sim_digest_auth *a, const char *method, const char *realm,
		       const char *password);

/* The nonces the service issued: a small table with expiry and, per nonce,
 * the highest nc seen (a repeated nc is a replay). */
#define SIM_NONCE_SLOTS 64
#define SIM_NONCE_LIFE_MS (300 * 1000)
struct sim_nonces {
	struct {
		char nonce[33]; /* "" = free */
		int64_t issued_ms;
		uint32_t last_nc;
	} e[SIM_NONCE_SLOTS];
};
/* New random nonce (32 hex digits); evicts the oldest when full. */
int sim_nonce_issue(struct sim_nonces *t, int64_t now_ms, char out[33]);
/* 0 when nonce is ours, fresh and nc is higher than before; -1 otherwise
 * (the client gets a new challenge with stale="true"). */
int sim_nonce_use(struct sim_nonces *t, const char *nonce, const char *nc, int64_t now_ms);

/* [amt] digest_realm, or "Digest:" + 32 upper-case hex digits of the UUID. */
void sim_digest_realm(const struct sim_state *st, char *out, size_t cap);

/* sim_wsman.c: the bound network port (tests use --listen ADDR:0), -1 if none. */
struct sim_wsman;
int sim_wsman_net_port(const struct sim_wsman *w, bool tls);

/* ---------------- SOAP core (sim_wsman_soap.c) ---------------- */

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

/* ---------------- what classes implement ---------------- */

/* Namespaces both the core and the instance helpers write. */
#define SIM_WSMAN_NS_WSA "http://schemas.xmlsoap.org/ws/2004/08/addressing"
#define SIM_WSMAN_NS_WSMAN "http://schemas.dmtf.org/wbem/wsman/1/wsman.xsd"
#define SIM_WSMAN_ANONYMOUS SIM_WSMAN_NS_WSA "/role/anonymous"

/* A class instance or method output element under construction; its
 * properties are children in the class namespace. */
struct sim_wsman_inst {
	xmlNodePtr node;
	xmlNsPtr ns;
};
void sim_wsman_prop(struct sim_wsman_inst *i, const char *name, const char *value);
void sim_wsman_prop_u32(struct sim_wsman_inst *i, const char *name, uint32_t value);
void sim_wsman_prop_bool(struct sim_wsman_inst *i, const char *name, bool value);
/* An endpoint reference property (CIM association): anonymous Address,
 * ResourceURI and a SelectorSet from name/value pairs ending in NULL. */
void sim_wsman_prop_epr(struct sim_wsman_inst *i, const char *name, const char *resource_uri,
			const char *const *selectors);

#define SIM_WSMAN_MAX_ARGS 16

/* One method invocation: <uri>/<Method> with <Method_INPUT> parameters. */
struct sim_wsman_call {
	struct sim_fw *fw;
	struct sim_3pds_rt *pds;
	bool local;
	int64_t now_ms;
	const char *method;
	unsigned nargs;
	struct {
		char *name, *value; /* xmlChar strings owned by the core */
	} args[SIM_WSMAN_MAX_ARGS];
	struct sim_wsman_inst out; /* <Method_OUTPUT>; ReturnValue is appended */
	char fault[128];           /* set by an arg helper: invalid parameter */
};
/* Parameter text, or NULL when absent. */
const char *sim_wsman_arg(const struct sim_wsman_call *c, const char *name);
/* Required parameters: 0, or -1 with c->fault set (the core then answers
 * a wsman:InvalidParameter fault instead of a ReturnValue). */
int sim_wsman_arg_u32(struct sim_wsman_call *c, const char *name, uint32_t *out);
int sim_wsman_arg_bool(struct sim_wsman_call *c, const char *name, bool *out);
const char *sim_wsman_arg_str(struct sim_wsman_call *c, const char *name);

/* Return values of invoke() that are not a ReturnValue: "c->fault is set"
 * (wsman:InvalidParameter fault) and "no such method" (ActionNotSupported). */
#define SIM_WSMAN_RV_FAULT 0xFFFFFFFFu
#define SIM_WSMAN_RV_NO_METHOD 0xFFFFFFFEu

struct sim_wsman_class {
	const char *name; /* "AMT_GeneralSettings" */
	const char *uri;  /* resource URI; also the namespace of its elements */
	/* NULL = always present on this firmware */
	bool (*present)(const struct sim_state *st);
	unsigned (*count)(const struct sim_state *st);
	void (*instance)(const struct sim_state *st, unsigned index, struct sim_wsman_inst *out);
	/* NULL = no methods. Returns the ReturnValue (PT_STATUS). */
	uint32_t (*invoke)(struct sim_wsman_call *c);
};

/* sim_wsman_classes.c: the class with this resource URI, NULL if none. */
const struct sim_wsman_class *sim_wsman_class_find(const char *uri);

/* sim_3pds.c */
extern const struct sim_wsman_class sim_3pds_service_class;
extern const struct sim_wsman_class sim_3pds_admin_class;
struct sim_3pds_rt *sim_3pds_rt_new(void);
void sim_3pds_rt_free(struct sim_3pds_rt *rt);
/* True when AMT has 3PDS (major version below 12). */
bool sim_3pds_present(const struct sim_state *st);

#endif
