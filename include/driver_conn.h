/*
 * driver_conn.h - the control-socket connection the router drivers share.
 *
 * A driver embeds a struct driver_conn: a non-blocking client of a Unix
 * stream socket that connects from the loop, reconnects with exponential
 * backoff, writes a buffer out, times commands, and reports the connection
 * down or up once per change (log line and the driver's connection
 * callback).  What is said on the socket stays with the driver, which gets
 * the connection through three hooks:
 *
 *        init / backoff timer
 *   IDLE ---------------------> CONNECTING --writable--> HANDSHAKE --ready()--> READY
 *    ^                              |                       |                    |
 *    +------ drop(): eof, timeout, protocol error, connect failure (backoff) ---+
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
	bool eagain_in_progress;	/* connect()'s EAGAIN waits for writable */
	/* Connected (HANDSHAKE, command timer running); may be NULL. */
	void (*connected)(struct driver *d);
	/* Bytes read; the driver may drop() from it. */
	void (*readable)(struct driver *d, const char *buf, size_t len);
	/* First thing drop() does: forget what was in flight on the socket. */
	void (*dropped)(struct driver *d, const char *why);
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
	uint32_t backoff_ms;		/* the next reconnect delay */
	uint32_t armed_delay_ms;	/* the reconnect delay armed last */
	bool session_ok;		/* a command succeeded on this connection */

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
/* A command went through: the next failure backs off from the minimum again. */
void driver_conn_ok(struct driver_conn *c);
/* The handshake is done: READY, reported up ("connected to P (detail)"). */
void driver_conn_ready(struct driver_conn *c, const char *detail);
/* Drops the connection (if any), reports why and arms the backoff timer. */
void driver_conn_drop(struct driver_conn *c, const char *why);

#endif
