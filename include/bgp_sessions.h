/*
 * bgp_sessions.h - what the router's BGP sessions carry: per BGP session its
 * state, per prefix the sessions that advertise it, as the driver last read
 * them back (docs/design.md, "Sessions").
 *
 *   driver_bird.c  `show protocols` (the BGP rows) and `show route export NAME`
 *                  per BGP protocol (parsers in bird_sessions.c, pure, fuzzed)
 *   driver_frr.c   `show bgp neighbors json` and `show bgp ipv4|ipv6 unicast
 *                  neighbors ADDR advertised-routes json` (frr_sessions.c)
 *   daemon.c       keeps the last table; a prefix wanted announced that no
 *                  established session advertises is "uncarried" (logged once,
 *                  recorded in the history, shown by status, metrics, CLI, fleet)
 *   bgp_sessions.c the pure questions asked of a table (bgp_sessions_carrying)
 *
 * The driver reads the sessions back on the read-back schedule and after every
 * applied change, and hands the whole table to cb->sessions() (driver.h).
 */
#ifndef AHD_BGP_SESSIONS_H
#define AHD_BGP_SESSIONS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define BGP_SESSIONS_MAX	32	/* sessions beyond this are ignored (logged once) */
#define BGP_SESSION_NAME_MAX	64
#define BGP_SESSION_STATE_MAX	24

struct bgp_session {
	/* BIRD: the BGP protocol's name ("upstream1"); FRR: the neighbor's
	 * address as bgpd prints it ("10.0.0.1", "2001:db8::1") */
	char name[BGP_SESSION_NAME_MAX];
	/* the router's own word for the session state: BIRD's info column
	 * ("Established", "Active", "Connect", "Idle"; "down" when the protocol
	 * is disabled), FRR's bgpState ("Established", "Active", "Idle"...) */
	char state[BGP_SESSION_STATE_MAX];
	bool established;
};

struct bgp_sessions {
	size_t n;				/* <= BGP_SESSIONS_MAX */
	struct bgp_session s[BGP_SESSIONS_MAX];
	size_t n_prefixes;			/* entries of advertised[]: the config's prefixes */
	/* per config prefix (same index as cfg->prefixes): bit i set when s[i]
	 * advertises it (BIRD: it is in `show route export s[i].name`; FRR: in
	 * the neighbor's advertised-routes of the prefix's address family) */
	uint32_t *advertised;
};

/* How many established sessions advertise prefix `index` (0 when index is
 * out of range). */
unsigned bgp_sessions_carrying(const struct bgp_sessions *t, size_t index);

#endif
