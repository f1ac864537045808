/*
 * pptp_conn.h - a probe's PPTP control connection (RFC 2637; protocols.md
 * sections 3 and 6), and the non-blocking TCP connect under it.
 *
 * The pptp-control and pptp-gre probes each embed one struct pptp_conn.  It
 * connects, buffers what is sent, cuts what is read into messages by their
 * Length, answers the server's Echo-Requests and Stop-Control-Connection-
 * Request, and does the polite lingering teardown once the run is reported.
 * Everything else is handed to the probe's ops; the run's state machine
 * stays in the probe's file.  The tcp probe uses only the connect helpers.
 */
#ifndef AHD_PPTP_CONN_H
#define AHD_PPTP_CONN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include <ev.h>

#include "pptp_wire.h"
#include "probe.h"

/* Room for every complete message plus one partial (< max) at any time. */
#define PPTP_CONN_IN_SIZE	(2 * PPTP_CONTROL_MAX_LEN)
/* A probe only ever sends a few short messages per run. */
#define PPTP_CONN_OUT_SIZE	512

enum pptp_conn_state {
	PPTP_CONN_IDLE,
	PPTP_CONN_CONNECT,
	PPTP_CONN_OPEN,
	PPTP_CONN_LINGER,
	PPTP_CONN__COUNT
};

extern const char *const pptp_conn_state_names[PPTP_CONN__COUNT];

struct pptp_conn;

/*
 * The probe's hooks; none is called while the connection lingers.  failed
 * and closed leave the connection as it is: the hook closes it or starts the
 * teardown, and may end the run (and free the probe) doing so.
 */
struct pptp_conn_ops {
	/* TCP is up: send SCCRQ. */
	void (*connected)(struct pptp_conn *c);
	/* One message not handled here.  Returns true when the hook ended the
	 * run or closed the connection: nothing more is read then. */
	bool (*message)(struct pptp_conn *c, const struct pptp_ctrl_msg *m);
	/* The connect failed or the server sent garbage. */
	void (*failed)(struct pptp_conn *c, enum probe_result result, const char *reason);
	/* The server ended the connection (EOF, an error, its StopCCRQ) or our
	 * answer could not go out: "eof", "short-read", "read-error",
	 * "write-error", "server-stop".  NULL: failed() with PROBE_DOWN. */
	void (*closed)(struct pptp_conn *c, const char *reason);
};

struct pptp_conn {
	const struct pptp_conn_ops *ops;
	void *data;			/* the probe's, for the hooks */
	struct probe *probe;
	enum pptp_conn_state state;
	int fd;				/* -1 when closed */
	ev_io io;
	ev_timer linger_timer;
	uint8_t in[PPTP_CONN_IN_SIZE];
	size_t in_len;
	uint8_t out[PPTP_CONN_OUT_SIZE];
	size_t out_len;			/* unsent bytes at out[0] */
	char reason[PROBE_REASON_MAX];	/* for reasons built at run time */
};

/* Where the next message is encoded: pptp_encode_*(PPTP_CONN_TAIL(c), ...). */
#define PPTP_CONN_TAIL(c) ((c)->out + (c)->out_len), (sizeof((c)->out) - (c)->out_len)

void pptp_conn_init(struct pptp_conn *c, struct probe *p, const struct pptp_conn_ops *ops,
		    void *data);
/* Connect to addr.  The outcome comes through the hooks, maybe at once. */
void pptp_conn_start(struct pptp_conn *c, const struct sockaddr *addr, socklen_t addr_len);
/* Queue one message the caller encoded at PPTP_CONN_TAIL (n bytes, 0 when it
 * did not fit).  Returns 0, or -1 when it did not fit. */
int pptp_conn_queue(struct pptp_conn *c, size_t n);
/* pptp_conn_queue() and send.  Returns 0, or -1 on a write error. */
int pptp_conn_send(struct pptp_conn *c, size_t n);
/* The run is reported: send StopCCRQ after anything queued and close in the
 * background once the server answers, hangs up or the timeout (capped at
 * half a second) passes. */
void pptp_conn_linger(struct pptp_conn *c, unsigned int timeout_ms);
/* Close at once, lingering or not.  Safe on a closed connection. */
void pptp_conn_close(struct pptp_conn *c);

/* A numeric address (never DNS) and port for a TCP probe's init; logs why
 * not as "probe NAME: KIND address ...".  Returns 0 or -1. */
int pptp_conn_address(const struct probe *p, const char *kind, const char *address,
		      uint16_t port, struct sockaddr_storage *addr, socklen_t *addr_len);
/* A non-blocking socket connecting to addr.  Returns it with *err 0
 * (connected: loopback may be at once), EINPROGRESS (wait until writable,
 * then pptp_conn_connect_error()) or connect's errno (the caller closes it);
 * or -1 with *err socket's errno. */
int pptp_conn_socket(const struct sockaddr *addr, socklen_t addr_len, int *err);
/* The outcome of a connect that was in progress: 0 or an errno. */
int pptp_conn_connect_error(int fd);
/* A failed connect's reason in buf ("connect-refused",
 * "connect-error-ehostunreach"); returns PROBE_ERROR for a local shortage,
 * PROBE_DOWN otherwise. */
enum probe_result pptp_conn_connect_reason(int err, char *buf, size_t len);
/* "PREFIX-ehostunreach" in buf: errno names are stable, strerror text is not. */
const char *pptp_conn_errno_reason(char *buf, size_t len, const char *prefix, int err);
/* Local resource shortage: the probe could not run, the target is not to blame. */
bool pptp_conn_errno_local(int err);

#endif
