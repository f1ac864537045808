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
 *   bgp_sessions.c the pure questions asked of a table (bgp_sessions_carrying,
 *                  bgp_sessions_uncarried, the words for the log and the CLI)
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

/*
 * The "uncarried" warning of one prefix (docs/design.md, "Sessions"): the
 * prefix is wanted announced (desired announced, degraded, draining or
 * held), the router reads it back announced, degraded or draining, the
 * table is known, and no established session advertises it.  A read-back
 * taken less than BGP_SESSIONS_SETTLE_S after the prefix's last desired or
 * actual change may not see the export yet: it cannot start the warning
 * (the next one decides), though anything that ends it ends it at once.
 */
#define BGP_SESSIONS_SETTLE_S	1.0

struct bgp_sessions_watch {
	bool wanted;		/* desired announced, degraded, draining or held */
	bool serving;		/* read back announced, degraded or draining */
	bool known;		/* a session table covers the prefix */
	unsigned carried;	/* bgp_sessions_carrying() of that table */
	double changed;		/* clock of the last desired or actual change */
	bool uncarried;		/* the answer so far */
};

/* The new answer; `readback`: asked on a session table taken at `now` (the
 * same clock as `changed`), not on a change of the prefix. */
bool bgp_sessions_uncarried(const struct bgp_sessions_watch *w, bool readback, double now);

/* "uppeer: Active, up2: Established" ("no BGP session" when n is 0) into
 * buf, truncated to len; returns the length written. */
size_t bgp_sessions_describe(const struct bgp_session *s, size_t n, char *buf, size_t len);

/* The names of the established sessions whose bit is set in `advertised`,
 * ", " between them ("" when none); returns the length written. */
size_t bgp_sessions_carriers(const struct bgp_session *s, size_t n, uint32_t advertised,
			     char *buf, size_t len);

/* The session called `name` among s[0..n), or NULL. */
const struct bgp_session *bgp_sessions_find(const struct bgp_session *s, size_t n,
					    const char *name);

#endif
