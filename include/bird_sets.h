/*
 * bird_sets.h - the state file of BIRD's prefix-sets pattern (docs/bird.md,
 * router/bird/pattern "prefix-sets"): one static protocol per address
 * family carries every anycast prefix, and its import filter (the shipped
 * etc/bird-anycast-prefix-sets.conf) lets a route through only when its
 * prefix is in one of the sets this file defines:
 *
 *   define ANYCAST_ANNOUNCED4 = [ 0.0.0.0/32, 192.0.2.1/32 ];
 *   define ANYCAST_DEGRADED4 = [ 0.0.0.0/32 ];
 *   define ANYCAST_DRAINING4 = [ 0.0.0.0/32 ];
 *   (the same with 6 and ::/128)
 *
 * A prefix in no set is withdrawn.  Each set starts with a sentinel that is
 * never an anycast route (BIRD refuses a set mixing IPv4 and IPv6, and the
 * sentinel fixes each set's type).  Pure code, no I/O: the driver
 * (driver_bird_sets.c) writes the text and reads BIRD back.
 */
#ifndef AHD_BIRD_SETS_H
#define AHD_BIRD_SETS_H

#include <stdbool.h>
#include <stddef.h>

#include "driver.h"

/* The protocols and sets of the pattern, by family (0: IPv4, 1: IPv6). */
#define BIRD_SETS_FAMILIES	2
extern const char *const bird_sets_protocol[BIRD_SETS_FAMILIES];	/* "anycast_sets4", "anycast_sets6" */
extern const char *const bird_sets_sentinel[BIRD_SETS_FAMILIES];	/* "0.0.0.0/32", "::/128" */

/* The announced forms, each a set per family. */
enum bird_sets_set { BIRD_SETS_ANNOUNCED, BIRD_SETS_DEGRADED, BIRD_SETS_DRAINING,
		     BIRD_SETS__COUNT };

/* One prefix: canonical text, family, the state the file gives it. */
struct bird_sets_entry {
	const char *prefix;
	bool ipv6;
	enum route_state state;
};

/* The set's name for a family, e.g. "ANYCAST_DEGRADED6". */
const char *bird_sets_name(enum bird_sets_set set, int family);

/* The set a state puts a prefix in, or BIRD_SETS__COUNT for none (withdrawn
 * and unknown). */
enum bird_sets_set bird_sets_of(enum route_state state);

/*
 * The file for `n` prefixes: a comment header, then the six defines, one
 * prefix a line.  Returns a malloc'ed string, or NULL when memory ran out.
 */
char *bird_sets_render(const struct bird_sets_entry *e, size_t n);

/*
 * What BIRD has for a prefix, from the read-back: `present` when the
 * pattern's static protocol has its route in the table (its import filter
 * took it), `in[set]` when the route is listed by `show route protocol P
 * where net ~ SET` for the degraded and draining sets (the sets BIRD has
 * loaded).  Absent is withdrawn; draining wins over degraded.
 */
enum route_state bird_sets_actual(bool present, const bool in[BIRD_SETS__COUNT]);

#endif
