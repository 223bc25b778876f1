// SPDX-License-Identifier: Apache-2.0
/*
 * wsman.h - WS-Management client for Intel AMT.
 *
 * Owns: one HTTP(S) client per AMT endpoint on top of libcurl (Get,
 * Enumerate+Pull, Invoke, Create, Delete, Subscribe, Unsubscribe): digest
 * authentication, TLS verification (system store, a trusted CA file, a
 * pinned certificate fingerprint, or explicitly none), legacy TLS 1.0 for old
 * firmware only when asked, a caller-supplied socket for APF tunnels, and the
 * mapping of every failure to one wsman_err_kind with a one-line message.
 * Envelopes and parsing live in wsman_xml.h, base64 in wsman_b64.h (both
 * included here).
 * Must not: log or format credentials, follow redirects, use proxies, or
 * downgrade TLS without the option that says so. A client is used by one
 * thread at a time; different clients may run in parallel threads.
 */
#ifndef COMMON_WSMAN_H
#define COMMON_WSMAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "wsman_b64.h"
#include "wsman_xml.h"

struct wsman_opts {
	const char *url;               /* "http://127.0.0.1:16992/wsman", "https://host:16993/wsman" */
	const char *user, *password;   /* HTTP digest credentials; the password is never logged */
	const char *ca_file;           /* TLS: trust this CA file (PEM) instead of the system store */
	/* TLS: accept only a server certificate whose DER SHA-256 is this hex
	 * (64 digits; ':' separators allowed). Chain and host name are not
	 * checked when a pin is set: the pin alone decides. */
	const char *pin_sha256;
	bool insecure;                 /* TLS: no verification at all (callers must warn) */
	bool allow_tls10;              /* TLS 1.0/1.1 and security level 0 for AMT 7-11 */
	long timeout_ms;               /* whole request; 0 = 10000 */
	/* When set, libcurl opens no socket: each connection is the fd this
	 * returns (e.g. a socketpair end bridged to an APF channel); the URL
	 * host is then nominal. libcurl closes the fd. Return -1 on failure. */
	int (*open_socket)(void *arg);
	void *open_socket_arg;
	/* When set ("HOST:PORT:CONNECT-HOST:CONNECT-PORT", libcurl's
	 * CURLOPT_CONNECT_TO form): a connection to the URL's HOST:PORT goes to
	 * CONNECT-HOST:CONNECT-PORT instead, while TLS still verifies the URL's
	 * host name (e.g. AMT reached through a CIRA relay port). */
	const char *connect_to;
	/* When set, each HTTP exchange is handed to this instead of
	 * curl_easy_perform(): it runs the easy handle (a CURL *) to the end
	 * and returns its CURLcode, e.g. in a curl multi handle driven by an
	 * event loop while the calling fiber waits (amt-verify fleet). The
	 * handle keeps its digest nonce and TLS sessions between calls. */
	int (*perform)(void *arg, void *curl_easy);
	void *perform_arg;
};

struct wsman_client;

/* Process-wide setup: call once from main() before any thread uses this
 * module (libcurl and libxml2 global init), and cleanup once at exit. */
int wsman_global_init(void);
void wsman_global_cleanup(void);

/* Check options without creating a client: 0, or WSMAN_E_INVALID with a
 * one-line reason (never a secret) in why. */
int wsman_opts_validate(const struct wsman_opts *o, char *why, size_t cap);
/* Copies what it needs (the password copy is wiped on free). NULL when the
 * options are invalid (see wsman_opts_validate) or on OOM. */
struct wsman_client *wsman_client_new(const struct wsman_opts *o);
void wsman_client_free(struct wsman_client *c);
/* After a request: true when the connection negotiated TLS < 1.2. */
bool wsman_client_used_legacy_tls(const struct wsman_client *c);

/*
 * All operations return 0 or a negative wsman_err_kind, mirrored in err
 * (which may be NULL). Documents handed back are the caller's: xmlFreeDoc.
 */

/* Get: *doc is the response, *instance the class element (e.g. <g:AMT_GeneralSettings>).
 * On error *doc is NULL. */
int wsman_get(struct wsman_client *c, const char *resource_uri, const struct wsman_selector *sel,
	      size_t nsel, xmlDocPtr *doc, xmlNodePtr *instance, struct wsman_error *err);

/*
 * Enumerate + Pull until EndOfSequence, calling cb for each item element
 * (valid only during the call). cb returns 0 to go on; anything else stops
 * the enumeration (a Release is sent) and wsman_enumerate returns 0.
 * Bounded: more than WSMAN_ENUM_MAX_ITEMS items or WSMAN_ENUM_MAX_PULLS
 * pulls is WSMAN_E_PARSE.
 */
int wsman_enumerate(struct wsman_client *c, const char *resource_uri,
		    int (*cb)(void *arg, xmlNodePtr item), void *arg, struct wsman_error *err);

/*
 * Invoke resource_uri/method with in[] as <h:METHOD_INPUT> children, in
 * order. *output is the <METHOD_OUTPUT> element. ReturnValue != 0 gives
 * WSMAN_E_RETURN with err->return_value set and *doc / *output still
 * returned (e.g. BytesWritten after a partial WriteBlock); on other errors
 * *doc is NULL.
 */
int wsman_invoke(struct wsman_client *c, const char *resource_uri, const char *method,
		 const struct wsman_selector *sel, size_t nsel, const struct wsman_param *in,
		 size_t nin, xmlDocPtr *doc, xmlNodePtr *output, struct wsman_error *err);

/* wsman_invoke with reference parameters too (after the text ones), such
 * as RequestPowerStateChange's ManagedElement or ChangeBootOrder's Source. */
int wsman_invoke_ref(struct wsman_client *c, const char *resource_uri, const char *method,
		     const struct wsman_selector *sel, size_t nsel, const struct wsman_param *in,
		     size_t nin, const struct wsman_epr_param *refs, size_t nrefs, xmlDocPtr *doc,
		     xmlNodePtr *output, struct wsman_error *err);

/*
 * WS-Transfer Put of the instance the selectors name (none: the keys are
 * among props), with props as the new instance's properties (the class's
 * element, in the class namespace). 0 or a negative wsman_err_kind.
 */
int wsman_put(struct wsman_client *c, const char *resource_uri, const struct wsman_selector *sel,
	      size_t nsel, const struct wsman_param *props, size_t nprops, struct wsman_error *err);
/* WS-Transfer Create: props are the new instance's properties (the class
 * element is named after the resource URI's last segment). *created is the
 * ResourceCreated EPR element (wsman_epr_selector reads its keys). */
int wsman_create(struct wsman_client *c, const char *resource_uri, const struct wsman_param *props,
		 size_t nprops, xmlDocPtr *doc, xmlNodePtr *created, struct wsman_error *err);
/* WS-Transfer Delete of the instance sel names. */
int wsman_delete(struct wsman_client *c, const char *resource_uri, const struct wsman_selector *sel,
		 size_t nsel, struct wsman_error *err);
/* WS-Eventing Subscribe on the instance sel names (CIM_FilterCollection
 * by InstanceID on AMT). *manager is the SubscriptionManager EPR element,
 * or NULL when the answer holds none (the device's choice). */
int wsman_subscribe(struct wsman_client *c, const char *resource_uri,
		    const struct wsman_selector *sel, size_t nsel, const struct wsman_subscribe *sub,
		    xmlDocPtr *doc, xmlNodePtr *manager, struct wsman_error *err);
/* WS-Eventing Unsubscribe (AMT: on CIM_FilterCollectionSubscription, by
 * its Filter and Handler EPRs, or on the subscription manager by its keys). */
int wsman_unsubscribe(struct wsman_client *c, const char *resource_uri,
		      const struct wsman_selector *sel, size_t nsel,
		      const struct wsman_epr_selector *epr_sel, size_t nepr_sel, struct wsman_error *err);

#endif
