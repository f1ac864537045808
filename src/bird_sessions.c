/*
 * bird_sessions.c - BIRD's answers about its BGP sessions, as pure parsers:
 * the prefix a `show route` table entry starts with (the export of a BGP
 * protocol, `show route export NAME`) and the BGP rows of `show protocols`.
 *
 * driver_bird.c hands over the text of each reply line as bird_reply.c
 * framed it (code and separator gone).  Nothing here does I/O or allocates,
 * so tests/fuzz/fuzz_bird_sessions.c drives it with plain bytes.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "bird_sessions.h"

/* Longest "ADDRESS/LEN" word: a full IPv6 address and "/128". */
#define BIRD_SESSIONS_NET_MAX	(INET6_ADDRSTRLEN + 4)

static bool
bird_sessions_is_blank(char c)
{
	return c == ' ' || c == '\t';
}

/* The decimal prefix length in [s, e), at most `max`; -1 otherwise. */
static int
bird_sessions_prefix_len(const char *s, const char *e, int max)
{
	int v = 0;

	if (s == e || e - s > 3)
		return -1;
	for (; s < e; s++) {
		if (*s < '0' || *s > '9')
			return -1;
		v = v * 10 + (*s - '0');
	}
	return v <= max ? v : -1;
}

/* Clears the bits of the `bytes`-long address beyond the first `len`. */
static void
bird_sessions_mask(unsigned char *addr, size_t bytes, int len)
{
	for (size_t i = 0; i < bytes; i++) {
		int keep = len - (int)i * 8;

		if (keep <= 0)
			addr[i] = 0;
		else if (keep < 8)
			addr[i] &= (unsigned char)(0xff << (8 - keep));
	}
}

/* "ADDRESS/LEN" (NUL-terminated) in canonical form into out. */
static bool
bird_sessions_canon_net(char *word, char *out, size_t outlen)
{
	unsigned char addr[sizeof(struct in6_addr)];
	char text[INET6_ADDRSTRLEN];
	char *slash = strchr(word, '/');
	int af, len;

	if (slash == NULL)
		return false;
	*slash = '\0';
	af = strchr(word, ':') != NULL ? AF_INET6 : AF_INET;
	len = bird_sessions_prefix_len(slash + 1, slash + 1 + strlen(slash + 1),
				       af == AF_INET6 ? 128 : 32);
	if (len < 0 || inet_pton(af, word, addr) != 1)
		return false;
	bird_sessions_mask(addr, af == AF_INET6 ? 16 : 4, len);
	if (inet_ntop(af, addr, text, sizeof(text)) == NULL)
		return false;
	int n = snprintf(out, outlen, "%s/%d", text, len);
	return n > 0 && (size_t)n < outlen;
}

bool
bird_route_line_prefix(const char *text, size_t len, char *out, size_t outlen)
{
	char word[BIRD_SESSIONS_NET_MAX + 1];
	size_t n = 0;

	if (outlen > 0)
		out[0] = '\0';
	if (len == 0 || bird_sessions_is_blank(text[0]))
		return false;
	while (n < len && !bird_sessions_is_blank(text[n]) && text[n] != '\0') {
		if (n == BIRD_SESSIONS_NET_MAX)
			return false;
		word[n] = text[n];
		n++;
	}
	word[n] = '\0';
	if (bird_sessions_canon_net(word, out, outlen))
		return true;
	if (outlen > 0)
		out[0] = '\0';
	return false;
}
