/*
 * prefix_text.c - the canonical text of a prefix and the lookup of a config
 * prefix by it (prefix_text.h).  The session read-back turns every prefix a
 * router prints into this form before it compares it with the config's.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "prefix_text.h"

struct prefix_text_ref {
	char text[PREFIX_TEXT_MAX];
	size_t index;
};

/* The decimal prefix length in [s, e), at most `max`, no leading zero; -1
 * otherwise. */
static int
prefix_text_len(const char *s, const char *e, int max)
{
	int v = 0;

	if (s == e || e - s > 3 || (e - s > 1 && *s == '0'))
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
prefix_text_mask(unsigned char *addr, size_t bytes, int len)
{
	for (size_t i = 0; i < bytes; i++) {
		int keep = len - (int)i * 8;

		if (keep <= 0)
			addr[i] = 0;
		else if (keep < 8)
			addr[i] &= (unsigned char)(0xff << (8 - keep));
	}
}

/* The canonical text of "ADDRESS" (NUL-terminated) and the length `len`. */
static bool
prefix_text_render(const char *address, const char *len_s, const char *len_e,
		   char *out, size_t outlen)
{
	unsigned char addr[sizeof(struct in6_addr)];
	char text[INET6_ADDRSTRLEN];
	int af = strchr(address, ':') != NULL ? AF_INET6 : AF_INET;
	int len = prefix_text_len(len_s, len_e, af == AF_INET6 ? 128 : 32), n;

	if (len < 0 || inet_pton(af, address, addr) != 1)
		return false;
	prefix_text_mask(addr, af == AF_INET6 ? 16 : 4, len);
	if (inet_ntop(af, addr, text, sizeof(text)) == NULL)
		return false;
	n = snprintf(out, outlen, "%s/%d", text, len);
	return n > 0 && (size_t)n < outlen;
}

bool
prefix_text_canon(const char *s, size_t len, char *out, size_t outlen)
{
	char address[INET6_ADDRSTRLEN];
	const char *slash = memchr(s, '/', len);
	size_t alen = slash != NULL ? (size_t)(slash - s) : 0;

	if (outlen > 0)
		out[0] = '\0';
	if (slash == NULL || alen == 0 || alen >= sizeof(address) ||
	    memchr(s, '\0', alen) != NULL)
		return false;
	memcpy(address, s, alen);
	address[alen] = '\0';
	if (prefix_text_render(address, slash + 1, s + len, out, outlen))
		return true;
	if (outlen > 0)
		out[0] = '\0';
	return false;
}

static int
prefix_text_ref_cmp(const void *a, const void *b)
{
	return strcmp(((const struct prefix_text_ref *)a)->text,
		      ((const struct prefix_text_ref *)b)->text);
}

int
prefix_text_index_build(struct prefix_text_index *ix, const char *const *prefixes, size_t n)
{
	ix->n = 0;
	ix->refs = calloc(n + 1, sizeof(*ix->refs));
	if (ix->refs == NULL)
		return -1;
	for (size_t i = 0; i < n; i++) {
		struct prefix_text_ref *r = &ix->refs[ix->n];

		if (prefixes[i] == NULL ||
		    !prefix_text_canon(prefixes[i], strlen(prefixes[i]), r->text, sizeof(r->text)))
			continue;
		r->index = i;
		ix->n++;
	}
	qsort(ix->refs, ix->n, sizeof(*ix->refs), prefix_text_ref_cmp);
	return 0;
}

void
prefix_text_index_free(struct prefix_text_index *ix)
{
	free(ix->refs);
	ix->refs = NULL;
	ix->n = 0;
}

bool
prefix_text_index_find(const struct prefix_text_index *ix, const char *text, size_t *index)
{
	struct prefix_text_ref key;
	const struct prefix_text_ref *r;

	if (ix->n == 0 || strlen(text) >= sizeof(key.text))
		return false;
	memcpy(key.text, text, strlen(text) + 1);
	r = bsearch(&key, ix->refs, ix->n, sizeof(*ix->refs), prefix_text_ref_cmp);
	if (r == NULL)
		return false;
	*index = r->index;
	return true;
}
