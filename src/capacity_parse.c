/*
 * capacity_parse.c - the capacity probe's readers of outside text, as pure
 * functions: pptpd.conf, /proc/PID/stat, /proc/PID/limits, the lines of
 * /proc/PID/net/tcp{,6}, the /proc/PID/fd socket links and the
 * nf_conntrack counters.
 *
 * probe_capacity.c does the reading; everything here takes bytes and a
 * length (a file may hold NUL bytes, lack its newline or end in the middle
 * of a number) and gives parsed values, or -1 with a static reason naming
 * what was wrong.  No I/O and no logging: the cmocka tests and
 * tests/fuzz/fuzz_capacity.c call these directly.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE 1	/* memrchr */
#endif
#include <arpa/inet.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "capacity_parse.h"

/* pptpd's defaults (pptpd defaults.h) when pptpd.conf says nothing. */
#define CAPACITY_PARSE_PPTPD_CONNECTIONS	100
#define CAPACITY_PARSE_PPTPD_REMOTEIP		"192.168.1.1-100"
#define CAPACITY_PARSE_PPTPD_LOCALIP		"192.168.0.1-100"
/* A pptpd.conf value longer than this is not one pptpd would read whole. */
#define CAPACITY_PARSE_VALUE_MAX		4096
/* A /proc/net/tcp line is ~150 bytes. */
#define CAPACITY_PARSE_TCP_LINE_MAX		512

/* ---- text helpers ---- */

/* A NUL-terminated copy of text, or NULL with *why set (a NUL inside, or
 * no memory).  The caller frees it. */
static char *
capacity_parse_dup(const char *text, size_t len, const char **why)
{
	char *s;

	if (memchr(text, '\0', len) != NULL) {
		*why = "holds a NUL byte";
		return NULL;
	}
	s = malloc(len + 1);
	if (s == NULL) {
		*why = "out of memory";
		return NULL;
	}
	memcpy(s, text, len);
	s[len] = '\0';
	return s;
}

/* A decimal number of at most `max` at *p, advancing *p past its digits.
 * Returns 0, -1 when no digit is there, -2 when the number is above max. */
static int
capacity_parse_decimal(const char **p, const char *end, uint64_t max, uint64_t *v)
{
	const char *s = *p;
	uint64_t n = 0;

	if (s == end || !isdigit((unsigned char)*s))
		return -1;
	for (; s < end && isdigit((unsigned char)*s); s++) {
		if (n > (max - (uint64_t)(*s - '0')) / 10)
			return -2;
		n = n * 10 + (uint64_t)(*s - '0');
	}
	*p = s;
	*v = n;
	return 0;
}

/* ---- pptpd.conf ---- */

/* A decimal octet 0..255 spanning exactly [s, end). */
static int
capacity_parse_octet(const char *s, const char *end, unsigned *v)
{
	unsigned n = 0;

	if (s == end || end - s > 3)
		return -1;
	for (; s < end; s++) {
		if (!isdigit((unsigned char)*s))
			return -1;
		n = n * 10 + (unsigned)(*s - '0');
	}
	if (n > 255)
		return -1;
	*v = n;
	return 0;
}

/* "a.b.c.d" with one octet "lo-hi": pptpd assigns lo..hi (none if hi < lo). */
static int
capacity_parse_range(const char *s, size_t len, uint64_t *count)
{
	const char *end = s + len, *dot, *dash;
	unsigned lo = 0, hi = 0, v;
	int octet;
	bool ranged = false;

	for (octet = 0; octet < 4; octet++) {
		dot = memchr(s, '.', (size_t)(end - s));
		if (dot == NULL)
			dot = end;
		if ((octet < 3) != (dot != end))	/* exactly four octets */
			return -1;
		dash = memchr(s, '-', (size_t)(dot - s));
		if (dash != NULL) {
			if (capacity_parse_octet(s, dash, &lo) < 0 ||
			    capacity_parse_octet(dash + 1, dot, &hi) < 0)
				return -1;
			ranged = true;
		} else if (capacity_parse_octet(s, dot, &v) < 0) {
			return -1;
		}
		if (dot != end)
			s = dot + 1;
	}
	if (!ranged)
		return -1;
	*count = hi >= lo ? hi - lo + 1 : 0;
	return 0;
}

/* One entry of a pool list, blanks trimmed. */
static int
capacity_parse_pool_entry(const char *s, size_t len, uint64_t *count)
{
	char buf[256];
	struct in_addr a;
	size_t i, dashes = 0, dots = 0;
	bool digits_only = true, alpha = false;

	if (len == 0 || len >= sizeof(buf))
		return -1;
	for (i = 0; i < len; i++) {
		if (s[i] == '-')
			dashes++;
		else if (s[i] == '.')
			dots++;
		else if (!isdigit((unsigned char)s[i]))
			digits_only = false;
		if (isalpha((unsigned char)s[i]))
			alpha = true;
		else if (!isdigit((unsigned char)s[i]) && s[i] != '-' && s[i] != '.')
			return -1;
	}
	/* pptpd's own test for a range: digits, one dash, three dots */
	if (digits_only && dashes == 1 && dots == 3)
		return capacity_parse_range(s, len, count);
	memcpy(buf, s, len);
	buf[len] = '\0';
	if (inet_pton(AF_INET, buf, &a) == 1 || alpha) {
		*count = 1;	/* an address, or a name pptpd resolves to one */
		return 0;
	}
	return -1;
}


int
capacity_parse_pool(const char *list, uint64_t *count)
{
	const char *p = list, *end, *a, *b;
	uint64_t total = 0, n;

	for (;;) {
		end = strchr(p, ',');
		if (end == NULL)
			end = p + strlen(p);
		for (a = p; a < end && isspace((unsigned char)*a); a++)
			;
		for (b = end; b > a && isspace((unsigned char)b[-1]); b--)
			;
		if (capacity_parse_pool_entry(a, (size_t)(b - a), &n) < 0)
			return -1;
		total += n;
		if (*end == '\0')
			break;
		p = end + 1;
	}
	*count = total;
	return 0;
}

/* The value of the first line starting with `keyword` (pptpd's reading:
 * keyword at column 0, blanks, value; '#' lines skipped), copied into val
 * without a trailing comment.  Returns 1 found, 0 not, -1 too long. */
static int
capacity_parse_conf_value(const char *text, const char *keyword, char *val, size_t size)
{
	size_t klen = strlen(keyword), n;
	const char *line = text, *eol, *v, *hash;

	for (; *line != '\0'; line = *eol ? eol + 1 : eol) {
		eol = strchr(line, '\n');
		if (eol == NULL)
			eol = line + strlen(line);
		if (strncmp(line, keyword, klen) != 0 ||
		    (line + klen != eol && !isspace((unsigned char)line[klen])))
			continue;
		for (v = line + klen; v < eol && (*v == ' ' || *v == '\t'); v++)
			;
		hash = memchr(v, '#', (size_t)(eol - v));
		n = (size_t)((hash ? hash : eol) - v);
		while (n > 0 && isspace((unsigned char)v[n - 1]))
			n--;
		if (n >= size)
			return -1;
		memcpy(val, v, n);
		val[n] = '\0';
		return 1;
	}
	return 0;
}

/* `connections`, read as pptpd's atoi does: no number, zero or a negative
 * one means the default; one past an int is refused (atoi's is undefined). */
static int
capacity_parse_connections(const char *val, uint64_t *connections, const char **why)
{
	const char *p = val, *end = val + strlen(val);
	uint64_t n;
	bool negative = *p == '-';

	if (*p == '-' || *p == '+')
		p++;
	switch (capacity_parse_decimal(&p, end, INT32_MAX, &n)) {
	case -1:
		return 0;
	case -2:
		*why = "connections: number too large";
		return -1;
	}
	if (!negative && n > 0)
		*connections = n;
	return 0;
}

/* One of the two pools, the default when the keyword is absent. */
static int
capacity_parse_conf_pool(const char *text, const char *keyword, const char *dflt,
			 uint64_t *count, const char **why)
{
	char val[CAPACITY_PARSE_VALUE_MAX];
	int found = capacity_parse_conf_value(text, keyword, val, sizeof(val));

	if (found < 0) {
		*why = strcmp(keyword, "remoteip") == 0 ? "remoteip: value too long" :
			"localip: value too long";
		return -1;
	}
	if (found == 0)
		snprintf(val, sizeof(val), "%s", dflt);
	if (capacity_parse_pool(val, count) < 0) {
		*why = strcmp(keyword, "remoteip") == 0 ?
			"remoteip: an entry is not an address, a name or a range" :
			"localip: an entry is not an address, a name or a range";
		return -1;
	}
	return 0;
}

static int
capacity_parse_conf_text(const char *text, uint64_t *limit, const char **why)
{
	char val[CAPACITY_PARSE_VALUE_MAX];
	uint64_t connections = CAPACITY_PARSE_PPTPD_CONNECTIONS, remote, local;
	int found = capacity_parse_conf_value(text, "connections", val, sizeof(val));

	if (found < 0 || (found > 0 && capacity_parse_connections(val, &connections, why) < 0)) {
		if (found < 0)
			*why = "connections: value too long";
		return -1;
	}
	if (capacity_parse_conf_value(text, "delegate", val, sizeof(val)) != 0) {
		*limit = connections;	/* radius or pppd assigns the addresses */
		return 0;
	}
	if (capacity_parse_conf_pool(text, "remoteip", CAPACITY_PARSE_PPTPD_REMOTEIP,
				     &remote, why) < 0 ||
	    capacity_parse_conf_pool(text, "localip", CAPACITY_PARSE_PPTPD_LOCALIP,
				     &local, why) < 0)
		return -1;
	if (remote < connections)
		connections = remote;
	/* one local address is shared by every session */
	if (local > 1 && local < connections)
		connections = local;
	*limit = connections;
	return 0;
}

int
capacity_parse_conf(const char *text, size_t len, uint64_t *limit, const char **why)
{
	char *s = capacity_parse_dup(text, len, why);
	int rc;

	if (s == NULL)
		return -1;
	rc = capacity_parse_conf_text(s, limit, why);
	free(s);
	return rc;
}

/* ---- /proc/PID/stat ---- */

int
capacity_parse_stat(const char *text, size_t len, struct capacity_stat *st, const char **why)
{
	const char *end = text + len, *open, *close, *p;
	uint64_t ppid;
	size_t n;

	open = memchr(text, '(', len);
	close = memrchr(text, ')', len);	/* COMM may hold ')' */
	if (open == NULL || close == NULL || close < open) {
		*why = "no (COMM)";
		return -1;
	}
	/* ") S PPID" */
	if (end - close < 5 || close[1] != ' ' || close[3] != ' ' ||
	    !isgraph((unsigned char)close[2])) {
		*why = "no state after (COMM)";
		return -1;
	}
	p = close + 4;
	switch (capacity_parse_decimal(&p, end, CAPACITY_PARSE_PID_MAX, &ppid)) {
	case -1:
		*why = "parent pid not a number";
		return -1;
	case -2:
		*why = "parent pid too large";
		return -1;
	}
	if (p != end && *p != ' ' && *p != '\n') {
		*why = "parent pid not a number";
		return -1;
	}
	n = (size_t)(close - open - 1);
	if (n >= sizeof(st->comm))
		n = sizeof(st->comm) - 1;
	memcpy(st->comm, open + 1, n);
	st->comm[n] = '\0';
	st->state = close[2];
	st->ppid = (pid_t)ppid;
	return 0;
}

/* ---- /proc/PID/limits ---- */

int
capacity_parse_limits(const char *text, size_t len, uint64_t *soft, const char **why)
{
	static const char name[] = "Max open files";
	const char *end = text + len, *line, *eol, *p;
	uint64_t v;

	for (line = text; line < end; line = eol + 1) {
		eol = memchr(line, '\n', (size_t)(end - line));
		if (eol == NULL)
			eol = end;
		if ((size_t)(eol - line) < sizeof(name) - 1 ||
		    memcmp(line, name, sizeof(name) - 1) != 0)
			continue;
		for (p = line + sizeof(name) - 1; p < eol && (*p == ' ' || *p == '\t'); p++)
			;
		if (eol - p >= 9 && memcmp(p, "unlimited", 9) == 0) {
			p += 9;
			v = CAPACITY_PARSE_UNLIMITED;
		} else if (capacity_parse_decimal(&p, eol, UINT64_MAX - 1, &v) < 0) {
			/* the kernel prints an rlim_t; more is not /proc's */
			*why = "Max open files: no soft limit";
			return -1;
		}
		if (p != eol && *p != ' ' && *p != '\t') {
			*why = "Max open files: no soft limit";
			return -1;
		}
		*soft = v;
		return 0;
	}
	*why = "no \"Max open files\" line";
	return -1;
}

/* ---- /proc/PID/net/tcp{,6} and /proc/PID/fd ---- */

static int
capacity_parse_hex(const char *p, size_t digits, uint32_t *v)
{
	uint32_t n = 0;
	size_t i;

	for (i = 0; i < digits; i++) {
		if (!isxdigit((unsigned char)p[i]))
			return -1;
		n = n << 4 | (uint32_t)(isdigit((unsigned char)p[i]) ? p[i] - '0' :
					tolower((unsigned char)p[i]) - 'a' + 10);
	}
	*v = n;
	return 0;
}

/* "ADDR:PORT" then a blank; returns what follows the blank, or NULL. */
static const char *
capacity_parse_endpoint(const char *p, struct capacity_endpoint *e)
{
	static const uint8_t v4mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };
	size_t len = strspn(p, "0123456789ABCDEFabcdef"), i;
	uint32_t w;

	if ((len != 8 && len != 32) || p[len] != ':')
		return NULL;
	memset(e, 0, sizeof(*e));
	/* the kernel prints each 32-bit word of the address as it sits in
	 * memory: read back into memory the same way, on the same host */
	for (i = 0; i < len / 8; i++) {
		if (capacity_parse_hex(p + i * 8, 8, &w) < 0)
			return NULL;
		memcpy(e->addr + i * 4, &w, 4);
	}
	p += len + 1;
	if (strspn(p, "0123456789ABCDEFabcdef") != 4 || capacity_parse_hex(p, 4, &w) < 0 ||
	    (p[4] != ' ' && p[4] != '\t'))
		return NULL;
	e->port = (uint16_t)w;
	e->family = len == 8 ? AF_INET : AF_INET6;
	if (e->family == AF_INET6 && memcmp(e->addr, v4mapped, sizeof(v4mapped)) == 0) {
		memmove(e->addr, e->addr + 12, 4);
		memset(e->addr + 4, 0, 12);
		e->family = AF_INET;
	}
	return p + 5;
}

/* Past blanks, then past one field and the blanks after it. */
static const char *
capacity_parse_skip_field(const char *p)
{
	p += strspn(p, " \t");
	if (*p == '\0' || *p == '\n')
		return NULL;
	p += strcspn(p, " \t\n");
	return p + strspn(p, " \t");
}

static int
capacity_parse_tcp_text(const char *line, struct capacity_tcp *t)
{
	const char *p = line + strspn(line, " \t");
	uint64_t inode;
	uint32_t state;
	int i;

	/* "sl:" is a number; the header's "sl" is not */
	if (!isdigit((unsigned char)*p))
		return -1;
	p += strspn(p, "0123456789");
	if (*p++ != ':')
		return -1;
	p += strspn(p, " \t");
	if ((p = capacity_parse_endpoint(p, &t->local)) == NULL)
		return -1;
	p += strspn(p, " \t");
	if ((p = capacity_parse_endpoint(p, &t->remote)) == NULL)
		return -1;
	p += strspn(p, " \t");
	if (capacity_parse_hex(p, 2, &state) < 0 || (p[2] != ' ' && p[2] != '\t'))
		return -1;
	t->state = state;
	p += 2;
	/* tx:rx, tr:when, retrnsmt, uid, timeout */
	for (i = 0; i < 5; i++)
		if ((p = capacity_parse_skip_field(p)) == NULL)
			return -1;
	if (capacity_parse_decimal(&p, p + strlen(p), UINT64_MAX, &inode) < 0 ||
	    (*p != ' ' && *p != '\t' && *p != '\n' && *p != '\0'))
		return -1;
	t->inode = inode;
	return 0;
}

int
capacity_parse_socket_link(const char *link, uint64_t *inode)
{
	const char *p = link + 8;
	uint64_t v;

	if (strncmp(link, "socket:[", 8) != 0 ||
	    capacity_parse_decimal(&p, p + strlen(p), UINT64_MAX, &v) < 0 || strcmp(p, "]") != 0)
		return -1;
	*inode = v;
	return 0;
}


int
capacity_parse_tcp(const char *line, size_t len, struct capacity_tcp *t)
{
	char buf[CAPACITY_PARSE_TCP_LINE_MAX];

	if (len >= sizeof(buf) || memchr(line, '\0', len) != NULL)
		return -1;
	memcpy(buf, line, len);
	buf[len] = '\0';
	return capacity_parse_tcp_text(buf, t);
}

/* ---- the nf_conntrack counters ---- */

int
capacity_parse_counter(const char *text, size_t len, uint64_t *v, const char **why)
{
	const char *p = text, *end = text + len;
	uint64_t n;

	if (len == 0) {
		*why = "empty";
		return -1;
	}
	switch (capacity_parse_decimal(&p, end, UINT64_MAX, &n)) {
	case -1:
		*why = "not a number";
		return -1;
	case -2:
		*why = "number too large";
		return -1;
	}
	if (p < end && *p == '\n')
		p++;
	if (p != end) {
		*why = "not a number alone";
		return -1;
	}
	*v = n;
	return 0;
}
