/*
 * bird_sessions.h - BIRD's answers about its BGP sessions, as pure parsers
 * (no I/O, no allocation; fuzzed by tests/fuzz/fuzz_bird_sessions.c):
 * the BGP rows of `show protocols` and the prefixes of a `show route` reply
 * (`show route export NAME` for the sessions, and any other route listing
 * the BIRD driver reads).  Prefixes come out in prefix_text.h's canonical
 * form.  driver_bird.c feeds the reply lines bird_reply.c
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
 * to `out` in the canonical text form (inet_ntop of the network, "/LEN",
 * prefix_text_canon()):
 * returns true.  A net of another kind than ip4/ip6, as BIRD writes it
 * (vpn4/vpn6 "1:1 10.0.0.0/24", flow4/flow6 "flow4 { dst 10.0.0.0/8; }",
 * roa "10.0.0.0/24-32 AS65000", ip6_sadr "2001:db8::/32 from ::/0", an
 * MPLS label): true with `out` empty, a route entry that cannot be one of
 * our prefixes, to skip.  A line that starts with a blank (another route of
 * the same network, a `via`/`dev` continuation), "Table master4:", and
 * anything else that is not ADDRESS/LEN return false.  `text` need not be
 * NUL-terminated.
 */
bool bird_route_line_prefix(const char *text, size_t len, char *out, size_t outlen);

/*
 * One row of `show protocols` (the text of a 1002 line or of its " "
 * continuation; columns Name Proto Table State Since Info, split on
 * whitespace since a long name shifts the rest).  A BGP protocol's row
 * fills *s: its name, its state word (the Info column's first word,
 * "Established", "Active", "Connect", ...; "Error" for "Error: ..."; the
 * State column, e.g. "down", when there is no Info) and established (Info is "Established"): 1.
 * Another protocol's row: 0.  Fewer than four columns, or a name or state
 * word too long for struct bgp_session: -1 with *why "too-few-columns",
 * "name-too-long" or "state-too-long".  The Since column is skipped as the
 * words of digits and ":.-/" that follow State (BIRD's time formats).
 */
int bird_sessions_parse_row(const char *text, size_t len, struct bgp_session *s,
			    const char **why);

#endif
