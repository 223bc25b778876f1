// SPDX-License-Identifier: Apache-2.0
/*
 * sim_wsman_frame.c - how AMT frames a WS-Man answer on the wire (see
 * sim_wsman_int.h): its headers in AMT's order, the Date, and the chunked
 * body AMT 15 writes through its 768-byte transmit buffer, handed to evhttp
 * as a reply it sends as is.
 *
 * Sources (README "HTTP framing"): every public capture of a 200 from
 * AMT firmware is `Transfer-Encoding: chunked`, chunk sizes written as
 * four upper-case hex digits: AMT 15.0.23 (device-management-toolkit/rps
 * src/test/helper/AMTMessages.ts, mps src/amt/CIRAHandler.test.ts) sends
 * a 218-byte header block, then chunks of 0x220, 0x2FA, 0x2FA and the rest:
 * 218 + 6 + 0x220 = 768 and 6 + 0x2FA = 768, so the headers and the first
 * chunk fill one 768-byte buffer and every later chunk one more. AMT
 * 11.8.50 (rps src/ClientActions.test.ts) shows 207 + 6 + 0x513 = 1512:
 * older firmware, a larger buffer; the simulator frames as AMT 15 does.
 * Must not: do I/O or parse HTTP (evhttp does both).
 */
#include "sim_wsman_int.h"

#include <event2/buffer.h>
#include <event2/http.h>
#include <event2/http_struct.h>
#include <event2/keyvalq_struct.h>
#include <event2/util.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#define CHUNK_LINE 6u /* "02FA\r\n" */

void sim_http_date(int64_t unix_s, char out[SIM_HTTP_DATE_LEN])
{
	static const char days[7][4] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
	static const char months[12][4] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
					   "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
	time_t t = (time_t)unix_s;
	struct tm tm;

	if (!gmtime_r(&t, &tm)) {
		snprintf(out, SIM_HTTP_DATE_LEN, "Thu, 01 Jan 1970 00:00:00 GMT");
		return;
	}
	/* RFC 7231 IMF-fixdate, names in English whatever the locale */
	snprintf(out, SIM_HTTP_DATE_LEN, "%s, %02d %s %04d %02d:%02d:%02d GMT", days[tm.tm_wday % 7],
		 tm.tm_mday, months[tm.tm_mon % 12], tm.tm_year + 1900, tm.tm_hour, tm.tm_min,
		 tm.tm_sec);
}

size_t sim_http_first_chunk(size_t header_len)
{
	size_t used = header_len % SIM_HTTP_TX_BUFFER;
	/* a header block that leaves no room starts the body in a new buffer */
	if (used + CHUNK_LINE >= SIM_HTTP_TX_BUFFER)
		return SIM_HTTP_TX_BUFFER - CHUNK_LINE;
	return SIM_HTTP_TX_BUFFER - used - CHUNK_LINE;
}

size_t sim_http_chunk(const char *body, size_t len, size_t header_len, char *out, size_t cap)
{
	size_t off = 0, n = 0, room = sim_http_first_chunk(header_len);

	while (off < len) {
		size_t k = len - off < room ? len - off : room;
		if (n + CHUNK_LINE + k + 2 > cap)
			return 0;
		snprintf(out + n, CHUNK_LINE + 1, "%04zX\r\n", k); /* k < 0x10000 */
		n += CHUNK_LINE;
		memcpy(out + n, body + off, k);
		n += k;
		memcpy(out + n, "\r\n", 2);
		n += 2;
		off += k;
		room = SIM_HTTP_TX_BUFFER - CHUNK_LINE;
	}
	if (n + 5 > cap)
		return 0;
	memcpy(out + n, "0\r\n\r\n", 5); /* the last chunk, no trailers */
	return n + 5;
}

size_t sim_http_chunked_len(size_t len, size_t header_len)
{
	size_t first = sim_http_first_chunk(header_len), per = SIM_HTTP_TX_BUFFER - CHUNK_LINE;
	size_t chunks = len == 0 ? 0 : len <= first ? 1 : 1 + (len - first + per - 1) / per;
	return len + chunks * (CHUNK_LINE + 2) + 5;
}

/* The request came as HTTP/1.1 or later. libevent 2.1 has no getter for
 * the version: http_struct.h's fields are its documented (if unstable)
 * way to read it. */
static bool request_is_http11(const struct evhttp_request *req)
{
	return req->major > 1 || (req->major == 1 && req->minor >= 1);
}

/* Length of the header block evhttp writes: "HTTP/1.1 NNN reason", these
 * headers (evhttp adds none when Date, Content-Type and Transfer-Encoding
 * are there), the empty line. */
static size_t header_block_len(const struct evkeyvalq *h, const char *reason)
{
	size_t n = strlen("HTTP/1.1 000 \r\n") + strlen(reason) + 2;

	for (const struct evkeyval *kv = h->tqh_first; kv; kv = kv->next.tqe_next)
		n += strlen(kv->key) + 2 + strlen(kv->value) + 2;
	return n;
}

void sim_http_send_soap(struct evhttp_request *req, const char *server, int code,
			const char *reason, const char *body, size_t len)
{
	struct evkeyvalq *h = evhttp_request_get_output_headers(req);
	const char *conn = evhttp_find_header(evhttp_request_get_input_headers(req), "Connection");
	char date[SIM_HTTP_DATE_LEN];
	struct evbuffer *b = evbuffer_new();
	struct evbuffer_iovec v;

	if (!b)
		goto oom;
	sim_http_date((int64_t)time(NULL), date);
	evhttp_add_header(h, "Date", date);
	evhttp_add_header(h, "Server", server);
	evhttp_add_header(h, "X-Frame-Options", "DENY");
	evhttp_add_header(h, "Content-Type", "application/soap+xml; charset=UTF-8");
	if (!request_is_http11(req)) {
		char clen[24];
		snprintf(clen, sizeof(clen), "%zu", len);
		evhttp_add_header(h, "Content-Length", clen);
		evhttp_add_header(h, "Connection", "close");
		if (evbuffer_add(b, body, len) != 0)
			goto oom;
	} else {
		evhttp_add_header(h, "Transfer-Encoding", "chunked");
		if (conn && evutil_ascii_strcasecmp(conn, "close") == 0)
			evhttp_add_header(h, "Connection", "close");
		size_t hl = header_block_len(h, reason), cap = sim_http_chunked_len(len, hl);
		if (evbuffer_reserve_space(b, (ev_ssize_t)cap, &v, 1) != 1 || v.iov_len < cap)
			goto oom;
		v.iov_len = sim_http_chunk(body, len, hl, v.iov_base, cap);
		evbuffer_commit_space(b, &v, 1);
	}
	evhttp_send_reply(req, code, reason, b);
	evbuffer_free(b);
	return;
oom:
	if (b)
		evbuffer_free(b);
	evhttp_clear_headers(h);
	evhttp_send_error(req, 500, "Internal Server Error");
}
