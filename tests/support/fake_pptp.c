/*
 * fake_pptp.c - the TCP side of the fake PPTP server of the probe tests:
 * listen, accept, cut control messages.  See fake_pptp.h.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE 1	/* accept4 */
#endif
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "fake_pptp.h"
#include "probe_harness.h"

void
fake_pptp_close_conn(struct fake_pptp *fp)
{
	ev_io_stop(fp->loop, &fp->conn_io);
	if (fp->cfd >= 0)
		close(fp->cfd);
	fp->cfd = -1;
}

void
fake_pptp_hang_up(struct fake_pptp *fp)
{
	fp->saw_eof = true;	/* we ended it: nothing more to wait for */
	fake_pptp_close_conn(fp);
}

static void
conn_cb(struct ev_loop *loop, ev_io *w, int revents)
{
	struct fake_pptp *fp = w->data;
	struct pptp_ctrl_msg m;
	size_t n;
	ssize_t r;

	(void)loop;
	(void)revents;
	r = recv(fp->cfd, fp->in + fp->in_len, sizeof(fp->in) - fp->in_len, 0);
	if (r <= 0) {
		fp->saw_eof = true;
		fake_pptp_close_conn(fp);
		return;
	}
	fp->in_len += (size_t)r;
	while (fp->cfd >= 0 &&
	       pptp_decode_control(fp->in, fp->in_len, &m, &n) == PPTP_DECODE_OK) {
		uint8_t raw[PPTP_CONTROL_MAX_LEN];

		memcpy(raw, fp->in, n);
		memmove(fp->in, fp->in + n, fp->in_len - n);
		fp->in_len -= n;
		fp->on_msg(fp, raw, &m);
	}
}

static void
accept_cb(struct ev_loop *loop, ev_io *w, int revents)
{
	struct fake_pptp *fp = w->data;
	int one = 1;
	int fd;

	(void)revents;
	fd = accept4(fp->lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
	if (fd < 0)
		return;
	if (fp->one_conn)
		assert_int_equal(fp->cfd, -1);	/* one connection per run */
	fake_pptp_close_conn(fp);	/* a new run replaces the last connection */
	fp->n_conn++;
	fp->cfd = fd;
	fp->saw_eof = false;
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	ev_io_init(&fp->conn_io, conn_cb, fd, EV_READ);
	fp->conn_io.data = fp;
	ev_io_start(loop, &fp->conn_io);
}

void
fake_pptp_start(struct fake_pptp *fp, struct ev_loop *loop, fake_pptp_msg_fn *on_msg, void *data)
{
	memset(fp, 0, sizeof(*fp));
	fp->loop = loop;
	fp->on_msg = on_msg;
	fp->data = data;
	fp->cfd = -1;
	fp->lfd = listen_loopback(&fp->port);
	ev_io_init(&fp->accept_io, accept_cb, fp->lfd, EV_READ);
	fp->accept_io.data = fp;
	ev_io_start(loop, &fp->accept_io);
}

void
fake_pptp_stop(struct fake_pptp *fp)
{
	if (fp->loop == NULL)
		return;
	fake_pptp_close_conn(fp);
	ev_io_stop(fp->loop, &fp->accept_io);
	if (fp->lfd >= 0)
		close(fp->lfd);
	fp->lfd = -1;
	fp->loop = NULL;
}

void
fake_pptp_sccrp(uint8_t b[FAKE_PPTP_SCCRP_LEN], uint8_t result)
{
	const uint8_t sccrp[FAKE_PPTP_SCCRP_LEN] = {
		0x00, 0x9c, 0x00, 0x01, 0x1a, 0x2b, 0x3c, 0x4d, 0x00, 0x02, 0x00, 0x00,
		0x01, 0x00, result, 0x00,
		0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01,
		0x00, 0x01, 0x00, 0x01,
		'f', 'a', 'k', 'e',
		[92] = 'l', 'i', 'n', 'u', 'x',
	};

	memcpy(b, sccrp, FAKE_PPTP_SCCRP_LEN);
}
