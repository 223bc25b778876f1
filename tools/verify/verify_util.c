// SPDX-License-Identifier: Apache-2.0
/*
 * verify_util.c - the small helpers declared in verify.h: clocks and
 * ISO-8601 times, option values, listen addresses, printable text, hex and
 * secret files.
 * Must not: keep state, log, or print; callers decide what a failure means.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "guid.h"
#include "verify.h"

int64_t verify_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int64_t verify_mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void verify_time_iso(int64_t ms, char out[VERIFY_TIME_LEN])
{
	time_t sec = (time_t)(ms / 1000);
	int frac = (int)(ms % 1000);
	struct tm tm;

	if (frac < 0) {
		frac += 1000;
		sec--;
	}
	if (!gmtime_r(&sec, &tm) || tm.tm_year + 1900 > 9999 || tm.tm_year + 1900 < 0 ||
	    strftime(out, VERIFY_TIME_LEN, "%Y-%m-%dT%H:%M:%S", &tm) != 19) {
		snprintf(out, VERIFY_TIME_LEN, "1970-01-01T00:00:00.000Z");
		return;
	}
	snprintf(out + 19, VERIFY_TIME_LEN - 19, ".%03uZ", (unsigned)frac % 1000u);
}

/* Exactly n decimal digits at *p; advances. */
static int digits(const char **p, int n, int *out)
{
	int v = 0;

	for (int i = 0; i < n; i++) {
		char c = (*p)[i];
		if (c < '0' || c > '9')
			return -1;
		v = v * 10 + (c - '0');
	}
	*p += n;
	*out = v;
	return 0;
}

static int parse_duration(const char *s, int64_t now_ms, int64_t *out_ms)
{
	unsigned long n;
	char num[16];
	size_t len = strlen(s);
	int64_t unit;

	if (len < 2 || len > sizeof(num))
		return -1;
	switch (s[len - 1]) {
	case 's': unit = 1000; break;
	case 'm': unit = 60 * 1000; break;
	case 'h': unit = 3600 * 1000; break;
	case 'd': unit = 86400 * 1000; break;
	default: return -1;
	}
	memcpy(num, s, len - 1);
	num[len - 1] = '\0';
	if (verify_parse_ulong(num, 0, 100L * 365 * 86400, &n) != 0)
		return -1;
	*out_ms = now_ms - (int64_t)n * unit;
	return 0;
}

int verify_parse_time(const char *s, int64_t now_ms, int64_t *out_ms)
{
	struct tm tm = {0};
	int y, mo, d, h = 0, mi = 0, sec = 0, ms = 0, oh = 0, om = 0, sign = 0;
	const char *p = s;
	time_t t;

	if (parse_duration(s, now_ms, out_ms) == 0)
		return 0;
	if (digits(&p, 4, &y) || *p++ != '-' || digits(&p, 2, &mo) || *p++ != '-' ||
	    digits(&p, 2, &d))
		return -1;
	if (*p == 'T' || *p == 't' || *p == ' ') {
		p++;
		if (digits(&p, 2, &h) || *p++ != ':' || digits(&p, 2, &mi))
			return -1;
		if (*p == ':') {
			p++;
			if (digits(&p, 2, &sec))
				return -1;
			if (*p == '.') {
				int scale = 100;
				p++;
				if (*p < '0' || *p > '9')
					return -1;
				for (; *p >= '0' && *p <= '9'; p++) {
					ms += (*p - '0') * scale;
					scale /= 10;
				}
			}
		}
	}
	if (*p == 'Z' || *p == 'z') {
		p++;
	} else if (*p == '+' || *p == '-') {
		sign = *p++ == '+' ? 1 : -1;
		if (digits(&p, 2, &oh))
			return -1;
		if (*p == ':')
			p++;
		if (digits(&p, 2, &om))
			return -1;
	}
	if (*p != '\0' || mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || sec > 60 ||
	    oh > 23 || om > 59)
		return -1;
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	tm.tm_sec = sec;
	t = timegm(&tm);
	if (t == (time_t)-1)
		return -1;
	*out_ms = ((int64_t)t - sign * (oh * 3600 + om * 60)) * 1000 + ms;
	return 0;
}

int verify_parse_ulong(const char *s, unsigned long min, unsigned long max, unsigned long *out)
{
	char *end;
	unsigned long v;

	if (!s || *s < '0' || *s > '9')
		return -1;
	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || *end != '\0' || v < min || v > max)
		return -1;
	*out = v;
	return 0;
}

int verify_parse_listen_addr(const char *s, uint16_t default_port, struct sockaddr_storage *ss,
			     socklen_t *sslen, char *err, size_t errlen)
{
	char host[INET6_ADDRSTRLEN + 2];
	const char *port_s = NULL, *colon = strchr(s, ':');
	size_t hlen;
	unsigned long port = default_port;

	if (s[0] == '[') {
		const char *rb = strchr(s, ']');
		if (!rb || (rb[1] != '\0' && rb[1] != ':')) {
			snprintf(err, errlen, "\"%s\": unbalanced [ ] around the IPv6 address", s);
			return -1;
		}
		hlen = (size_t)(rb - s - 1);
		if (hlen >= sizeof(host))
			goto bad_host;
		memcpy(host, s + 1, hlen);
		host[hlen] = '\0';
		if (rb[1] == ':')
			port_s = rb + 2;
	} else if (colon && !strchr(colon + 1, ':')) {
		hlen = (size_t)(colon - s);
		if (hlen >= sizeof(host))
			goto bad_host;
		memcpy(host, s, hlen);
		host[hlen] = '\0';
		port_s = colon + 1;
	} else {
		hlen = strlen(s);
		if (hlen >= sizeof(host))
			goto bad_host;
		memcpy(host, s, hlen + 1);
	}
	if (port_s && verify_parse_ulong(port_s, 0, 65535, &port) != 0) {
		snprintf(err, errlen, "\"%s\": port must be a number 0..65535", s);
		return -1;
	}
	memset(ss, 0, sizeof(*ss));
	if (host[0] == '\0' || strcmp(host, "*") == 0 || strchr(host, '.') || !strchr(host, ':')) {
		struct sockaddr_in *sin = (struct sockaddr_in *)ss;
		sin->sin_family = AF_INET;
		sin->sin_port = htons((uint16_t)port);
		if (host[0] == '\0' || strcmp(host, "*") == 0)
			sin->sin_addr.s_addr = htonl(INADDR_ANY);
		else if (inet_pton(AF_INET, host, &sin->sin_addr) != 1)
			goto bad_host;
		*sslen = sizeof(*sin);
	} else {
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)ss;
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons((uint16_t)port);
		if (inet_pton(AF_INET6, host, &sin6->sin6_addr) != 1)
			goto bad_host;
		*sslen = sizeof(*sin6);
	}
	return 0;
bad_host:
	snprintf(err, errlen, "\"%s\": not an IP address (use e.g. 0.0.0.0, 127.0.0.1 or [::1])",
		 s);
	return -1;
}

void verify_sockaddr_str(const struct sockaddr *sa, char *out, size_t cap)
{
	char a[INET6_ADDRSTRLEN];

	if (sa->sa_family == AF_INET) {
		const struct sockaddr_in *sin = (const struct sockaddr_in *)sa;
		inet_ntop(AF_INET, &sin->sin_addr, a, sizeof(a));
		snprintf(out, cap, "%s:%u", a, (unsigned)ntohs(sin->sin_port));
	} else if (sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *sin6 = (const struct sockaddr_in6 *)sa;
		inet_ntop(AF_INET6, &sin6->sin6_addr, a, sizeof(a));
		snprintf(out, cap, "[%s]:%u", a, (unsigned)ntohs(sin6->sin6_port));
	} else {
		snprintf(out, cap, "?");
	}
}

void verify_uuid_str(const uint8_t raw[16], char out[VERIFY_UUID_STR_LEN])
{
	guid_format(raw, out);
}

void verify_hex(const uint8_t *p, size_t n, char *out, size_t cap)
{
	static const char xd[] = "0123456789abcdef";
	size_t i;

	if (cap == 0)
		return;
	for (i = 0; i < n && 2 * i + 2 < cap; i++) {
		out[2 * i] = xd[p[i] >> 4];
		out[2 * i + 1] = xd[p[i] & 15];
	}
	out[2 * i] = '\0';
}

void verify_printable(const char *p, size_t n, char *out, size_t cap)
{
	size_t i;

	if (cap == 0)
		return;
	for (i = 0; i < n && i + 1 < cap; i++)
		out[i] = (p[i] >= 0x20 && p[i] < 0x7f) ? p[i] : '?';
	out[i] = '\0';
}

int verify_read_secret(const char *path, uint8_t **out, size_t *len, char *err, size_t errlen)
{
	uint8_t *buf = NULL;
	struct stat st;
	size_t n = 0;
	int fd, rc = -1;

	*out = NULL;
	*len = 0;
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0) {
		snprintf(err, errlen, "cannot open %s: %s", path, strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) != 0) {
		snprintf(err, errlen, "cannot stat %s: %s", path, strerror(errno));
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		snprintf(err, errlen, "%s is not a regular file", path);
		goto out;
	}
	if (st.st_mode & (S_IROTH | S_IWOTH)) {
		snprintf(err, errlen,
			 "%s is readable or writable by other users (mode %03o) — chmod 600 it",
			 path, (unsigned)(st.st_mode & 0777));
		goto out;
	}
	buf = malloc(VERIFY_SECRET_MAX + 1);
	if (!buf) {
		snprintf(err, errlen, "out of memory");
		goto out;
	}
	for (;;) {
		ssize_t r = read(fd, buf + n, VERIFY_SECRET_MAX + 1 - n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			snprintf(err, errlen, "cannot read %s: %s", path, strerror(errno));
			goto out;
		}
		if (r == 0)
			break;
		n += (size_t)r;
		if (n > VERIFY_SECRET_MAX) {
			snprintf(err, errlen, "%s is longer than %u bytes", path, VERIFY_SECRET_MAX);
			goto out;
		}
	}
	if (n > 0 && buf[n - 1] == '\n') {
		n--;
		if (n > 0 && buf[n - 1] == '\r')
			n--;
	}
	/* NUL-terminated too: libcurl takes the password as a C string. */
	buf[n] = '\0';
	if (n == 0) {
		snprintf(err, errlen, "%s is empty", path);
		goto out;
	}
	*out = buf;
	*len = n;
	buf = NULL;
	rc = 0;
out:
	if (buf)
		verify_secret_free(buf, VERIFY_SECRET_MAX + 1);
	close(fd);
	return rc;
}

void verify_secret_free(uint8_t *p, size_t len)
{
	if (!p)
		return;
	OPENSSL_cleanse(p, len);
	free(p);
}
