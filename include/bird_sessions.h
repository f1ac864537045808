/*
 * bird_sessions.h - BIRD's answers about its BGP sessions, as pure parsers
 * (no I/O, no allocation; fuzzed by tests/fuzz/fuzz_bird_sessions.c):
 * the BGP rows of `show protocols` and the prefixes of a `show route` reply
 * (`show route export NAME` for the sessions, and any other route listing
 * the BIRD driver reads).  driver_bird.c feeds the reply lines bird_reply.c
 * frames; the code is not part of `text`.
 */
#ifndef AHD_BIRD_SESSIONS_H
#define AHD_BIRD_SESSIONS_H

#include <stdbool.h>
#include <stddef.h>

#include "bgp_sessions.h"

/*
 * The prefix a `show route` table entry line starts with (code 1007, e.g.
 * "192.0.2.1/32         unicast [anycast4 12:00:00.000] * (200)"), written
 * to `out` in the canonical text form (inet_ntop of the network, "/LEN"):
 * returns true.  A line that starts with a blank (another route of the same
 * network, a `via`/`dev` continuation), "Table master4:", and anything that
 * is not ADDRESS/LEN return false.  `text` need not be NUL-terminated.
 */
bool bird_route_line_prefix(const char *text, size_t len, char *out, size_t outlen);

/* (The `show protocols` BGP row parser is declared here too.) */

#endif
