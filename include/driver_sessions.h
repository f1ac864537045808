/*
 * driver_sessions.h - the BGP session table a router driver builds from its
 * read-backs and hands to cb->sessions() (bgp_sessions.h, driver.h).
 *
 * The driver owns two tables: the one last handed over and the one being
 * read.  A read starts (begin), gets its sessions (add) and, per session,
 * the prefixes the router advertises on it (mark, by prefix text in any
 * form: it is matched with the config's prefixes in canonical form), and
 * ends by being handed over whole (publish) or dropped (abort: a malformed
 * reply, a lost connection), which leaves the last table as it was.  The
 * advertised[] arrays follow the config's prefix list: a reconfigure drops
 * the read and the last table both.  Sessions beyond BGP_SESSIONS_MAX are ignored, said once.
 *
 *   idle --begin--> reading --publish--> idle (cb->sessions called)
 *                      |---abort-------> idle (nothing called)
 */
#ifndef AHD_DRIVER_SESSIONS_H
#define AHD_DRIVER_SESSIONS_H

#include <stdbool.h>
#include <stddef.h>

#include "bgp_sessions.h"
#include "config.h"
#include "driver.h"
#include "prefix_text.h"

struct driver_sessions {
	const char *who;		/* "bird", "frr": log line prefix */
	struct bgp_sessions table;	/* last handed over */
	struct bgp_sessions next;	/* being read */
	bool known;			/* table has been read once at least */
	bool reading;
	struct prefix_text_index index;
	size_t ignored;			/* this read: sessions beyond the max */
	bool more_logged;		/* said that some were ignored */
	bool fail_logged;		/* said that a read failed, until one works */
	unsigned published;		/* tables handed over, for the tests */
};

void driver_sessions_init(struct driver_sessions *ds, const char *who,
			  const struct config *cfg);
/* The prefix list changed: advertised[] resized, the last table dropped
 * whole (no session, known false: unknown until the next read, and
 * begin_again() refuses until then), a read under way aborted. */
void driver_sessions_reconfigure(struct driver_sessions *ds, const struct config *cfg);
void driver_sessions_free(struct driver_sessions *ds);

/* A new read with no session yet. */
void driver_sessions_begin(struct driver_sessions *ds);
/* A new read with the last table's sessions (their states as last read),
 * nothing advertised yet: the read after a change asks the exports only.
 * False (no read started) when no table has been read yet. */
bool driver_sessions_begin_again(struct driver_sessions *ds);
/* Adds a session to the read; false when the table is full (counted,
 * said once at publish). */
bool driver_sessions_add(struct driver_sessions *ds, const struct bgp_session *s);
/* Session `i` of the read advertises `prefix` (ignored when it is no
 * config prefix). */
void driver_sessions_mark(struct driver_sessions *ds, size_t i, const char *prefix);
/* The read is whole: it becomes the table, cb->sessions() gets it.  Does
 * nothing when no read is under way. */
void driver_sessions_publish(struct driver_sessions *ds, const struct driver_callbacks *cb,
			     void *arg);
/* The read failed: log "<who>: cannot read the BGP sessions: <why>; keeping
 * the last ones" once until a read works; the table stays. */
void driver_sessions_fail(struct driver_sessions *ds, const char *why);
/* The connection went away: the read under way ends, nothing is said. */
void driver_sessions_abort(struct driver_sessions *ds);

#endif
