/*
 * fake_pptp.h - the TCP side of the fake PPTP server that test_probe_pptp.c
 * and test_probe_gre.c run their probes against.
 *
 * It listens on 127.0.0.1 on a free port, served by watchers on the test's
 * loop, takes one connection at a time, cuts what it reads into whole
 * control messages and hands each to the suite's handler, which decides
 * what to answer (the pptp-control suite scripts SCCRP and Echo, the
 * pptp-gre suite OCRP and GRE).  What every suite checks about the
 * connection itself is kept here: how many there were, whether the last one
 * ended.
 */
#ifndef AHD_TESTS_FAKE_PPTP_H
#define AHD_TESTS_FAKE_PPTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <ev.h>

#include "pptp_wire.h"

struct fake_pptp;

/* One whole control message: raw holds its bytes, m the decoded fields. */
typedef void fake_pptp_msg_fn(struct fake_pptp *fp, const uint8_t *raw,
			      const struct pptp_ctrl_msg *m);

struct fake_pptp {
	struct ev_loop *loop;		/* NULL: not started */
	int lfd, cfd;
	uint16_t port;
	ev_io accept_io, conn_io;
	fake_pptp_msg_fn *on_msg;
	void *data;			/* the suite's own fake, for on_msg */
	bool one_conn;			/* a connection while one is open fails the case
					 * (else the new one replaces it) */
	/* what it saw */
	int n_conn;
	bool saw_eof;			/* the connection ended, either side */
	/* buffer */
	uint8_t in[2048];
	size_t in_len;
};

/* Listen and serve on `loop`; every control message goes to on_msg. */
void fake_pptp_start(struct fake_pptp *fp, struct ev_loop *loop, fake_pptp_msg_fn *on_msg,
		     void *data);

/* Close the connection and the listener (nothing if never started). */
void fake_pptp_stop(struct fake_pptp *fp);

/* Close the connection, if any. */
void fake_pptp_close_conn(struct fake_pptp *fp);

/* The server ends the connection: nothing more to wait for (saw_eof). */
void fake_pptp_hang_up(struct fake_pptp *fp);

#define FAKE_PPTP_SCCRP_LEN	156

/* An SCCRP as pptpd sends it, written out by hand (no encoder for it). */
void fake_pptp_sccrp(uint8_t b[FAKE_PPTP_SCCRP_LEN], uint8_t result);

#endif
