// SPDX-License-Identifier: Apache-2.0
/*
 * wsman_xml.h - WS-Management SOAP 1.2 envelopes and responses, as XML only.
 *
 * Owns: building Get / Enumerate / Pull / Release / method-invoke request
 * envelopes with the libxml2 tree API, parsing response bodies safely (size
 * cap, no network, no DTD, no entity expansion), checking a:RelatesTo,
 * extracting SOAP faults, enumeration contexts, items and method
 * ReturnValues and namespace-agnostic helpers over parsed nodes. The error
 * type is wsman_error.h's. Base64 for binary parameters: wsman_b64.h.
 * Must not: do any I/O (no sockets, no files, no libcurl), log, or keep
 * global state. Every function is safe to call on hostile input.
 */
#ifndef COMMON_WSMAN_XML_H
#define COMMON_WSMAN_XML_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <libxml/tree.h>

#include "wsman_error.h"

/* Class resource URIs, as string literals: WSMAN_AMT_URI("AMT_GeneralSettings"). */
#define WSMAN_AMT_URI(cls) "http://intel.com/wbem/wscim/1/amt-schema/1/" cls
#define WSMAN_CIM_URI(cls) "http://schemas.dmtf.org/wbem/wscim/1/cim-schema/2/" cls
#define WSMAN_IPS_URI(cls) "http://intel.com/wbem/wscim/1/ips-schema/1/" cls

#define WSMAN_NS_SOAP "http://www.w3.org/2003/05/soap-envelope"
#define WSMAN_NS_ADDRESSING "http://schemas.xmlsoap.org/ws/2004/08/addressing"
#define WSMAN_NS_WSMAN "http://schemas.dmtf.org/wbem/wsman/1/wsman.xsd"
#define WSMAN_NS_ENUMERATION "http://schemas.xmlsoap.org/ws/2004/09/enumeration"
#define WSMAN_NS_TRANSFER "http://schemas.xmlsoap.org/ws/2004/09/transfer"
#define WSMAN_ADDR_ANONYMOUS "http://schemas.xmlsoap.org/ws/2004/08/addressing/role/anonymous"

/* Largest response body we accept (the transport aborts beyond it). */
#define WSMAN_MAX_RESPONSE (4u * 1024u * 1024u)
/* Items per Pull request, and the per-enumeration bounds. */
#define WSMAN_PULL_MAX_ELEMENTS 50u
#define WSMAN_PULL_MAX_CHARACTERS 99999u
#define WSMAN_ENUM_MAX_ITEMS 1000u
#define WSMAN_ENUM_MAX_PULLS 100u
/* "uuid:" + 36 + NUL */
#define WSMAN_MSGID_LEN 42

struct wsman_selector {
	const char *name, *value;
};
/* An endpoint reference (a CIM object reference): anonymous Address, the
 * class's ResourceURI and its key selectors. */
struct wsman_epr {
	const char *resource_uri;
	const struct wsman_selector *sel;
	size_t nsel;
};
/* A selector whose value is an endpoint reference, as association keys
 * are named (Unsubscribe's Filter and Handler). */
struct wsman_epr_selector {
	const char *name;
	struct wsman_epr epr;
};
/* Method input parameter or Put property: value is the text (binary:
 * base64 it first). */
struct wsman_param {
	const char *name, *value;
};
/* A method input parameter that is a reference (written after the text
 * ones). */
struct wsman_epr_param {
	const char *name;
	struct wsman_epr epr;
};

enum wsman_op {
	WSMAN_OP_GET,
	WSMAN_OP_ENUMERATE,
	WSMAN_OP_PULL,
	WSMAN_OP_RELEASE,
	WSMAN_OP_INVOKE,
	WSMAN_OP_PUT,         /* WS-Transfer Put: in[] are the new instance's properties */
	WSMAN_OP_CREATE,      /* WS-Transfer Create: props become the new instance */
	WSMAN_OP_DELETE,      /* WS-Transfer Delete of the instance the selectors name */
	WSMAN_OP_SUBSCRIBE,   /* WS-Eventing Subscribe (sub) */
	WSMAN_OP_UNSUBSCRIBE, /* WS-Eventing Unsubscribe */
};

#define WSMAN_NS_EVENTING "http://schemas.xmlsoap.org/ws/2004/08/eventing"
#define WSMAN_MODE_PUSH WSMAN_NS_EVENTING "/DeliveryModes/Push"
#define WSMAN_MODE_PUSH_WITH_ACK "http://schemas.dmtf.org/wbem/wsman/1/wsman/PushWithAck"

/* What a Subscribe asks for (protocol-facts-2.md 1.2, MeshCommander's
 * ExecSubscribe): the delivery mode, where events go, one optional
 * reference parameter element echoed in every event, and optional digest
 * credentials the device uses towards the subscriber (wst:IssuedTokens
 * with a UsernameToken, plus wsman:Auth with the digest profile). */
struct wsman_subscribe {
	bool push_with_ack;
	const char *notify_to;
	const char *ref_ns, *ref_name, *ref_value; /* NULL ref_name: none */
	const char *user, *password;               /* NULL user: none; never logged */
};

struct wsman_request {
	enum wsman_op op;
	const char *resource_uri;
	const char *message_id; /* "uuid:..." (see wsman_new_message_id) */
	const struct wsman_selector *sel;
	size_t nsel;
	/* WSMAN_OP_INVOKE (and WSMAN_OP_PUT: in / nin) */
	const char *method;
	const struct wsman_param *in;
	size_t nin;
	const struct wsman_epr_param *epr_in; /* WSMAN_OP_INVOKE only */
	size_t nepr;
	const struct wsman_epr_selector *epr_sel; /* after sel, in the same SelectorSet */
	size_t nepr_sel;
	/* WSMAN_OP_CREATE: the properties of the new instance, in order */
	const struct wsman_param *props;
	size_t nprops;
	/* WSMAN_OP_SUBSCRIBE */
	const struct wsman_subscribe *sub;
	/* WSMAN_OP_PULL / WSMAN_OP_RELEASE */
	const char *enum_context;
	unsigned max_elements; /* PULL; 0 = WSMAN_PULL_MAX_ELEMENTS */
};

/* "uuid:" + a random version-4 UUID (uuid.h). 0 or WSMAN_E_NOMEM (no randomness). */
int wsman_new_message_id(char out[WSMAN_MSGID_LEN]);

/*
 * Serialise the request envelope. *out is NUL-terminated and owned by the
 * caller: release it with xmlFree(). 0, WSMAN_E_INVALID (missing field,
 * e.g. no resource URI, or invalid XML characters in a value) or
 * WSMAN_E_NOMEM, with err filled when err is not NULL.
 */
int wsman_build_request(const struct wsman_request *r, xmlChar **out, size_t *outlen,
			struct wsman_error *err);

/*
 * Parse a response body. Rejects bodies over WSMAN_MAX_RESPONSE, malformed
 * XML, any DTD (SOAP 1.2 forbids them; no entity is ever loaded or
 * expanded), and anything not shaped Envelope/Body. A Body holding a Fault
 * gives WSMAN_E_FAULT with the fault fields set. When expect_msgid is not
 * NULL, Header/RelatesTo must equal it (a fault without RelatesTo is still
 * reported as the fault). On WSMAN_OK and WSMAN_E_FAULT *doc is the parsed
 * document (caller frees with xmlFreeDoc) and *body the Body element;
 * otherwise *doc is NULL. Leaf element text is whitespace-trimmed in place,
 * so the wsman_child_* helpers can return pointers into the document.
 */
int wsman_parse_response(const char *data, size_t len, const char *expect_msgid, xmlDocPtr *doc,
			 xmlNodePtr *body, struct wsman_error *err);

/*
 * Extractors over a parsed Body. On failure they set err->kind and
 * err->curl_message (and return_value) and leave the other fields as they
 * were, so a caller's http_status survives.
 */
/* Get: the instance element, the first element in Body, whose local name
 * must be the resource URI's last path segment (the class name). */
int wsman_response_instance(xmlNodePtr body, const char *resource_uri, xmlNodePtr *instance,
			    struct wsman_error *err);
/* EnumerateResponse: its EnumerationContext text (pointer into the doc). */
int wsman_response_enum_context(xmlNodePtr body, const char **context, struct wsman_error *err);
/*
 * PullResponse: *items is the Items element (NULL when absent or empty),
 * *end is true when EndOfSequence is present, *context is the new
 * EnumerationContext (NULL when absent; required when !*end).
 */
int wsman_response_pull(xmlNodePtr body, xmlNodePtr *items, const char **context, bool *end,
			struct wsman_error *err);
/*
 * Method output: the <METHOD_OUTPUT> element in Body and its ReturnValue.
 * ReturnValue != 0 gives WSMAN_E_RETURN with err->return_value set (the
 * output element is still returned); a missing output element or
 * ReturnValue gives WSMAN_E_PARSE.
 */
int wsman_response_output(xmlNodePtr body, const char *method, xmlNodePtr *output,
			  struct wsman_error *err);

/* The text of selector name in an endpoint reference element (its
 * ReferenceParameters/SelectorSet), or NULL. */
const char *wsman_epr_selector(xmlNodePtr epr, const char *name);

/* ---- helpers over parsed nodes: local names, namespace-agnostic ---- */
/* First element child with this local name; NULL if none. */
xmlNodePtr wsman_child(xmlNodePtr parent, const char *local_name);
/* Next element sibling after el with the same local name; NULL if none. */
xmlNodePtr wsman_next_same(xmlNodePtr el);
/* Trimmed text of a leaf element (see wsman_parse_response): valid while the
 * document lives; "" when empty; NULL when the element is absent or is not
 * a leaf (has element children). */
const char *wsman_text(xmlNodePtr el);
const char *wsman_child_text(xmlNodePtr parent, const char *local_name);
/* Decimal 0..4294967295, no sign, no junk. 0, WSMAN_E_NOT_FOUND (absent)
 * or WSMAN_E_PARSE (present but not a u32). */
int wsman_child_u32(xmlNodePtr parent, const char *local_name, uint32_t *out);
/* xsd:boolean: "true"/"false"/"1"/"0". Same returns as wsman_child_u32. */
int wsman_child_bool(xmlNodePtr parent, const char *local_name, bool *out);
/* Call cb for each element child with this local name, in order; stops at
 * the first non-zero cb return and returns it; 0 when all were visited. */
int wsman_children_foreach(xmlNodePtr parent, const char *local_name,
			   int (*cb)(void *arg, xmlNodePtr el), void *arg);
/* Repeated u32 children (e.g. BlockHandles): up to cap values into out,
 * count in *n. 0, WSMAN_E_PARSE (a malformed value, or more than cap). */
int wsman_children_u32(xmlNodePtr parent, const char *local_name, uint32_t *out, size_t cap,
		       size_t *n);

#endif
