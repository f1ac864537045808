/*
 * frr_sessions.h - bgpd's answers about its BGP sessions, as pure parsers
 * (no I/O; fuzzed by tests/fuzz/fuzz_frr_sessions.c): the neighbors of
 * `show bgp neighbors json` and the prefixes of `show bgp ipv4|ipv6
 * unicast neighbors ADDR advertised-routes json`.  driver_frr.c feeds the
 * replies frr_vty.c frames (text and status byte).
 */
#ifndef AHD_FRR_SESSIONS_H
#define AHD_FRR_SESSIONS_H

#include <stdbool.h>
#include <stddef.h>

#include "bgp_sessions.h"

/* The unicast address families a neighbor has (its "addressFamilyInfo"). */
#define FRR_SESSIONS_AF_IPV4	0x1u	/* "ipv4Unicast" */
#define FRR_SESSIONS_AF_IPV6	0x2u	/* "ipv6Unicast" */

/* What `show bgp neighbors json` says of a neighbor beside its state. */
struct frr_sessions_neighbor {
	unsigned afs;			/* FRR_SESSIONS_AF_* */
	/* "sentPrefixCounter" of ipv4Unicast [0] and ipv6Unicast [1]: how
	 * many prefixes bgpd sends it (0 when bgpd does not say) */
	unsigned long sent[2];
};

/*
 * `show bgp neighbors json`: one object, a member per neighbor, keyed by
 * the neighbor's address (or interface).  Fills t->s[] and t->n with the
 * first BGP_SESSIONS_MAX neighbors in bgpd's order: name = the key, state
 * = "bgpState", established when that is "Established"; info[i] (an
 * array of BGP_SESSIONS_MAX) = neighbor i's address families and sent
 * prefix counts; *more = how many neighbors came after those.  t->advertised is not touched.
 * Returns 0, or -1 with t->n 0 and *why: "bad-json" (not JSON, or not an
 * object), "bad-neighbor" (a member that is not an object), "no-state" (a
 * neighbor without a "bgpState" string), "bad-name" or "bad-state" (a key
 * or a "bgpState" with a byte that is not printable ASCII: a control
 * character, an escaped NUL, UTF-8), "name-too-long", "state-too-long".
 */
int frr_sessions_parse_neighbors(const char *text, size_t len, struct bgp_sessions *t,
				 struct frr_sessions_neighbor *info, size_t *more,
				 const char **why);

/* Called with each advertised prefix, in prefix_text.h's canonical form. */
typedef void (*frr_sessions_prefix_cb)(void *arg, const char *prefix);

/*
 * `show bgp ipv4|ipv6 unicast neighbors ADDR advertised-routes json`:
 * calls cb once per member of "advertisedRoutes" (keyed by prefix) and
 * returns 0.  bgpd's `{"warning": "No such neighbor ..."}` (the neighbor
 * is gone, or the address family is not active on it: it advertises
 * nothing) returns 1 without calls.  Anything else returns -1 with *why:
 * "bad-json" (not JSON, or not an object), "no-routes" (no
 * "advertisedRoutes" object), "bad-prefix" (a key that is not a prefix);
 * cb is then not called at all.
 */
int frr_sessions_parse_advertised(const char *text, size_t len, frr_sessions_prefix_cb cb,
				  void *arg, const char **why);

#endif
