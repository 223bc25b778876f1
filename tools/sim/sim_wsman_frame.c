/*
 * sim_wsman_frame.c - how AMT frames a WS-Man answer on the wire (see
 * sim_wsman_int.h): the Date header, and the chunked body AMT 15 writes
 * through its 768-byte transmit buffer.
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
 * Must not: do I/O or parse HTTP (evhttp does).
 */
#include "sim_wsman_int.h"

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
