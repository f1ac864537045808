/*
 * driver_conn.h - the control-socket connection the router drivers share.
 *
 * A driver embeds a struct driver_conn: a non-blocking client of a Unix
 * stream socket that connects from the loop, reconnects with exponential
 * backoff, writes a buffer out, times commands, and reports the connection
 * down or up once per change (log line and the driver's connection
 * callback).  What is said on the socket stays with the driver, which gets
 * the connection through its hooks:
 *
 *        init / backoff timer
 *   IDLE ---------------------> CONNECTING --writable--> HANDSHAKE --ready()--> READY
 *    ^                              |                       |                    |
 *    +------ drop(): eof, timeout, protocol error, connect failure (backoff) ---+
 *
 * The reconnect delay starts again from reconnect_min_ms only once a session
 * has proven itself: READY for reconnect_max_ms (at most
 * DRIVER_CONN_PROVEN_MAX_MS) with a command answered.  A router that answers
 * once and closes is reconnected with the growing delay.  Once a session has
 * dropped before proving itself, the next sessions are reported up only when
 * they prove themselves, and their drops only when the reason changes: a
 * reconnect loop with one reason is one log line.
 *
 * Re-applies after a read-back that disagrees share one backoff per prefix
 * (struct driver_retry): the first goes at once, the next ones wait
 * reconnect_min_ms, doubling up to reconnect_max_ms, until a read-back
 * agrees or the session drops (the next may be a restarted router: its
 * first disagreement is drift again); the retry timer pumps the driver
 * (ops->retry) when one is due.
 */
#ifndef AHD_DRIVER_CONN_H
#define AHD_DRIVER_CONN_H

#include <ev.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "driver.h"

/* Room for a reason handed to drop() and the connection callback. */
#define DRIVER_CONN_REASON_MAX	200
/* Longest time a session must stay up to prove itself (reconnect_max_ms
 * above this, up to 600 s, would keep a good router on probation). */
#define DRIVER_CONN_PROVEN_MAX_MS	10000

enum driver_conn_state {
	DRIVER_CONN_IDLE,		/* waiting for the reconnect timer */
	DRIVER_CONN_CONNECTING,		/* connect() in progress */
	DRIVER_CONN_HANDSHAKE,		/* connected, the driver's greeting under way */
	DRIVER_CONN_READY,
	DRIVER_CONN__COUNT
};

struct driver_conn_ops {
	const char *name;		/* "bird": log line prefix */
	const char *channel;		/* "control": "lost the control connection" */
	const char *handshake;		/* HANDSHAKE's name in debug lines */
	const char *speaker;		/* "BIRD", "bgpd": who took a command, in log lines */
	/* Connected (HANDSHAKE, command timer running); may be NULL. */
	void (*connected)(struct driver *d);
	/* Bytes read; the driver may drop() from it. */
	void (*readable)(struct driver *d, const char *buf, size_t len);
	/* First thing drop() does: forget what was in flight on the socket. */
	void (*dropped)(struct driver *d, const char *why);
	/* Last thing drop() does when the session had been READY: what the
	 * router has is unknown until the next read-back.  May be NULL. */
	void (*lost)(struct driver *d);
	/* A re-apply's backoff is over (the retry timer): send what is due. */
	void (*retry)(struct driver *d);
};

/* One prefix's re-apply backoff; zeroed is "nothing to back off". */
struct driver_retry {
	uint32_t next_ms;		/* delay of the next re-apply; 0: at once */
	ev_tstamp not_before;		/* no re-apply before this (driver_conn_now) */
	bool due;			/* armed, not sent yet: read-backs meanwhile do not re-arm */
	bool logged;			/* this episode has been logged */
};

struct driver_conn {
	struct ev_loop *loop;
	const struct driver_conn_ops *ops;
	struct driver *d;		/* handed to the hooks */
	const struct driver_callbacks *cb;	/* its connection callback */
	void *arg;

	char *socket_path;
	uint32_t command_timeout_ms;
	uint32_t reconnect_min_ms;
	uint32_t reconnect_max_ms;

	enum driver_conn_state state;
	int fd;
	unsigned serial;		/* bumped by every drop */
	ev_io rio;
	ev_io wio;
	ev_timer reconnect_timer;
	ev_timer command_timer;		/* connect, handshake and each command */
	ev_timer proven_timer;		/* READY long enough to prove itself */
	ev_timer retry_timer;		/* the earliest re-apply that waits */
	uint32_t backoff_ms;		/* the next reconnect delay */
	uint32_t armed_delay_ms;	/* the reconnect delay armed last */
	uint32_t retry_armed_ms;	/* the re-apply delay armed last */
	bool session_ok;		/* a command succeeded on this connection */
	bool up_long;			/* READY for the proving time */
	bool proven;			/* this session proved itself */
	bool probation;			/* a session dropped unproven: report the next once proven */
	unsigned failures;		/* attempts since the last proven session */

	char *wbuf;			/* malloc'ed by the driver, freed here */
	size_t wlen, woff;

	/* connection reports, once per change */
	bool reported;
	bool reported_up;
	char reported_why[DRIVER_CONN_REASON_MAX];
};

/* Sets `c` up from the router config and arms a connect from the loop. */
void driver_conn_init(struct driver_conn *c, struct ev_loop *loop,
		      const struct driver_conn_ops *ops, struct driver *d,
		      const struct driver_callbacks *cb, void *arg, const struct router_config *rc,
		      const char *socket_path);
/* Stops every watcher, closes the socket, frees the buffer.  NULL is fine. */
void driver_conn_free(struct driver_conn *c);

/* Writes wbuf[0..len) out and (re)starts the command timer. */
void driver_conn_send(struct driver_conn *c, size_t len);
void driver_conn_start_timer(struct driver_conn *c);
/* A command went through: with READY for the proving time, the session has
 * proven itself and the next failure backs off from the minimum again. */
void driver_conn_ok(struct driver_conn *c);
/* The handshake is done: READY, reported up ("connected to P (detail)"),
 * or on probation after an unproven session (reported once proven). */
void driver_conn_ready(struct driver_conn *c, const char *detail);
/* Drops the connection (if any), reports why and arms the backoff timer. */
void driver_conn_drop(struct driver_conn *c, const char *why);

/* Seconds on CLOCK_MONOTONIC, for deadlines kept in structs: ev_now() is the
 * wall clock, and a clock step must not stretch or skip a wait. */
ev_tstamp driver_conn_now(void);
/* A read-back agreed: the next disagreement re-applies at once.  True when
 * the episode had been logged (the driver may say it is over). */
bool driver_conn_retry_reset(struct driver_retry *r);
/* A read-back of prefix `name` agreed on `actual`: driver_conn_retry_reset(),
 * and the end of a logged episode said ("NAME: BIRD reads back announced now"). */
void driver_conn_retry_agreed(struct driver_conn *c, struct driver_retry *r, const char *name,
			      enum route_state actual);
/*
 * A read-back of prefix `name` disagrees with `want` and it is re-applied:
 * at once the first time, after the backoff when what the router took since
 * the last agreeing read-back (`accepted`, "" for nothing) did not stick.
 * Said once per episode.  `sent`: something was sent for this wish (its first
 * apply is no retry).  True for such a repeat (not drift).
 */
bool driver_conn_retry_check(struct driver_conn *c, struct driver_retry *r, bool sent,
			     const char *name, const char *accepted,
			     enum route_state actual, enum route_state want);
/* A read-back disagreed and `r`'s prefix is re-applied: no sooner than the
 * returned delay (ms), which grows for the next time. */
uint32_t driver_conn_retry_arm(struct driver_conn *c, struct driver_retry *r);
/* True while `r` must wait; keeps the retry timer armed for it. */
bool driver_conn_retry_waiting(struct driver_conn *c, const struct driver_retry *r);

#endif
