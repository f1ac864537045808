/*
 * bird_sets.c - renders the state file of BIRD's prefix-sets pattern and
 * tells a prefix's state from what BIRD lists (see bird_sets.h).
 *
 * Nothing here reads the file back: the driver compares the text it would
 * write with the file on disk, and reads BIRD itself for what it has.
 */
#include <stdio.h>
#include <stdlib.h>

#include "bird_sets.h"

const char *const bird_sets_protocol[BIRD_SETS_FAMILIES] = { "anycast_sets4", "anycast_sets6" };
const char *const bird_sets_sentinel[BIRD_SETS_FAMILIES] = { "0.0.0.0/32", "::/128" };

static const char *const bird_sets_names[BIRD_SETS__COUNT][BIRD_SETS_FAMILIES] = {
	[BIRD_SETS_ANNOUNCED] = { "ANYCAST_ANNOUNCED4", "ANYCAST_ANNOUNCED6" },
	[BIRD_SETS_DEGRADED] = { "ANYCAST_DEGRADED4", "ANYCAST_DEGRADED6" },
	[BIRD_SETS_DRAINING] = { "ANYCAST_DRAINING4", "ANYCAST_DRAINING6" },
};

const char *
bird_sets_name(enum bird_sets_set set, int family)
{
	return bird_sets_names[set][family != 0];
}

enum bird_sets_set
bird_sets_of(enum route_state state)
{
	switch (state) {
	case ROUTE_ANNOUNCED:
		return BIRD_SETS_ANNOUNCED;
	case ROUTE_DEGRADED:
	case ROUTE_HELD:
		return BIRD_SETS_DEGRADED;
	case ROUTE_DRAINING:
		return BIRD_SETS_DRAINING;
	case ROUTE_UNKNOWN:
	case ROUTE_WITHDRAWN:
	case ROUTE_STATE__COUNT:
	default:
		return BIRD_SETS__COUNT;
	}
}

/* One define: the sentinel, then every prefix of the family in the set. */
static void
bird_sets_define(FILE *out, const struct bird_sets_entry *e, size_t n, enum bird_sets_set set,
		 int family)
{
	size_t i;

	fprintf(out, "define %s = [\n\t%s", bird_sets_name(set, family),
		bird_sets_sentinel[family]);
	for (i = 0; i < n; i++)
		if (e[i].ipv6 == (family != 0) && bird_sets_of(e[i].state) == set)
			fprintf(out, ",\n\t%s", e[i].prefix);
	fputs("\n];\n", out);
}

char *
bird_sets_render(const struct bird_sets_entry *e, size_t n)
{
	enum bird_sets_set set;
	char *buf = NULL;
	size_t size = 0;
	FILE *out = open_memstream(&buf, &size);
	int family;

	if (out == NULL)
		return NULL;
	fputs("# Written by anycast-healthd (router/bird/pattern prefix-sets): the\n"
	      "# prefixes each form announces; a prefix in no set is withdrawn.  Each\n"
	      "# set starts with a sentinel that is never a route.  Do not edit: the\n"
	      "# daemon rewrites this file whenever it differs from its choice.\n", out);
	for (family = 0; family < BIRD_SETS_FAMILIES; family++)
		for (set = 0; set < BIRD_SETS__COUNT; set++)
			bird_sets_define(out, e, n, set, family);
	if (fclose(out) != 0) {
		free(buf);
		return NULL;
	}
	return buf;
}

enum route_state
bird_sets_actual(bool present, const bool in[BIRD_SETS__COUNT])
{
	if (!present)
		return ROUTE_WITHDRAWN;
	if (in[BIRD_SETS_DRAINING])
		return ROUTE_DRAINING;
	if (in[BIRD_SETS_DEGRADED])
		return ROUTE_DEGRADED;
	return ROUTE_ANNOUNCED;
}
