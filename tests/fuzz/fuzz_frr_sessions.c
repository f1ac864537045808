/*
 * fuzz_frr_sessions.c - libFuzzer target for bgpd's session answers
 * (frr_sessions.c): the input as the text of a `show bgp neighbors json`
 * reply and as that of an `advertised-routes json` reply, as driver_frr.c
 * reads them.
 *
 * A neighbor list is whole or nothing, at most BGP_SESSIONS_MAX with the
 * rest counted; every prefix handed out is canonical, and none is handed
 * out by a reply that is refused.
 */
#include <assert.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "frr_sessions.h"
#include "prefix_text.h"

static void
fuzz_prefix_cb(void *arg, const char *prefix)
{
	char again[PREFIX_TEXT_MAX];
	size_t *n = arg;

	assert(prefix_text_canon(prefix, strlen(prefix), again, sizeof(again)));
	assert(strcmp(prefix, again) == 0);
	(*n)++;
}

static void
fuzz_neighbors(const char *text, size_t size)
{
	struct bgp_sessions t;
	struct frr_sessions_neighbor info[BGP_SESSIONS_MAX];
	const char *why;
	size_t more, i;
	int rc;

	memset(&t, 0, sizeof(t));
	rc = frr_sessions_parse_neighbors(text, size, &t, info, &more, &why);
	assert(rc == 0 || rc == -1);
	assert((rc == -1) == (why != NULL));
	assert(t.n <= BGP_SESSIONS_MAX);
	assert(rc == 0 || (t.n == 0 && more == 0));
	assert(more == 0 || t.n == BGP_SESSIONS_MAX);
	for (i = 0; i < t.n; i++) {
		assert(strlen(t.s[i].name) < sizeof(t.s[i].name));
		assert(t.s[i].established == (strcmp(t.s[i].state, "Established") == 0));
		assert((info[i].afs & ~(FRR_SESSIONS_AF_IPV4 | FRR_SESSIONS_AF_IPV6)) == 0);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *text = (const char *)data, *why;
	size_t n = 0;
	int rc;

	fuzz_neighbors(text, size);
	rc = frr_sessions_parse_advertised(text, size, fuzz_prefix_cb, &n, &why);
	assert(rc >= -1 && rc <= 1);
	assert((rc == -1) == (why != NULL));
	assert(rc == 0 || n == 0);
	return 0;
}
