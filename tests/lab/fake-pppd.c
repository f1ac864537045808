/*
 * fake-pppd.c - a stand-in for pppd that speaks just enough LCP to prove the
 * GRE data path on a kernel without PPP support (protocols.md section 7).
 *
 * pptpd's pptpctrl starts the program named by `ppp PATH` in pptpd.conf on a
 * pty (stdin and stdout) with pppd-style arguments, which are ignored here.
 * pptpctrl relays GRE <-> HDLC-framed PPP on that pty, so whatever this
 * program writes reaches the PPTP client as GRE.  It answers:
 *
 *   Configure-Request -> its own Configure-Request (magic number) once, then
 *                        Configure-Ack of the peer's request
 *   Echo-Request      -> Echo-Reply with its magic number
 *   Terminate-Request -> Terminate-Ack
 *
 * and ignores everything else.  Like pppd it speaks first: pptpctrl only
 * starts reading GRE once the pty has said something, so a stand-in that
 * waited for the peer would deadlock.  Its Configure-Request is repeated
 * every second (at most 10 times) until it is acked.  It exits 0 on EOF
 * (pptpctrl closed the pty) and on SIGHUP/SIGTERM.  FAKE_PPPD_DEBUG=1 in the environment logs every
 * frame to stderr.
 *
 * Build: cc -std=gnu11 -I include -o fake-pppd tests/lab/fake-pppd.c src/pptp_wire.c
 */
#include <errno.h>
#include <poll.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "pptp_wire.h"

#define FAKE_PPPD_MAGIC	0xdeadbeefU	/* the one in protocols.md section 6 */

#define FAKE_PPPD_CONFREQ_ID	1
#define FAKE_PPPD_RETRIES	10

static bool fake_pppd_debug;
static bool fake_pppd_acked;	/* the peer acked our Configure-Request */

static void
fake_pppd_log(const char *what, const uint8_t *b, size_t n)
{
	if (!fake_pppd_debug)
		return;
	fprintf(stderr, "fake-pppd: %s", what);
	for (size_t i = 0; i < n; i++)
		fprintf(stderr, " %02x", b[i]);
	fprintf(stderr, "\n");
}

static int
fake_pppd_write_all(const uint8_t *b, size_t n)
{
	ssize_t w;

	while (n > 0) {
		w = write(STDOUT_FILENO, b, n);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		b += w;
		n -= (size_t)w;
	}
	return 0;
}

/* Send one PPP frame (FF 03 ...), HDLC-framed. */
static int
fake_pppd_send(const uint8_t *frame, size_t len)
{
	uint8_t out[2 * (PPTP_HDLC_MRU + 2) + 2];
	size_t n = pptp_hdlc_encode(out, sizeof(out), frame, len);

	fake_pppd_log("send", frame, len);
	if (n == 0)
		return -1;
	return fake_pppd_write_all(out, n);
}

static int
fake_pppd_send_lcp(uint8_t code, uint8_t id, const uint8_t *data, size_t len)
{
	uint8_t frame[PPTP_HDLC_MRU];
	size_t n = pptp_lcp_encode(frame, sizeof(frame), code, id, data, len);

	if (n == 0)
		return -1;
	return fake_pppd_send(frame, n);
}

static int
fake_pppd_send_confreq(void)
{
	uint8_t confreq[16];

	return fake_pppd_send(confreq, pptp_lcp_encode_confreq(confreq, sizeof(confreq),
							       FAKE_PPPD_CONFREQ_ID,
							       FAKE_PPPD_MAGIC));
}

static int
fake_pppd_lcp(const struct pptp_lcp *l)
{
	uint8_t data[PPTP_HDLC_MRU];

	switch (l->code) {
	case PPTP_LCP_CONF_REQ:
		return fake_pppd_send_lcp(PPTP_LCP_CONF_ACK, l->id, l->data, l->data_len);
	case PPTP_LCP_CONF_ACK:
		if (l->id == FAKE_PPPD_CONFREQ_ID)
			fake_pppd_acked = true;
		return 0;
	case PPTP_LCP_ECHO_REQ:
		if (l->data_len < 4 || l->data_len > sizeof(data))
			return 0;
		memcpy(data, l->data, l->data_len);
		data[0] = (uint8_t)(FAKE_PPPD_MAGIC >> 24);
		data[1] = (uint8_t)(FAKE_PPPD_MAGIC >> 16);
		data[2] = (uint8_t)(FAKE_PPPD_MAGIC >> 8);
		data[3] = (uint8_t)FAKE_PPPD_MAGIC;
		return fake_pppd_send_lcp(PPTP_LCP_ECHO_REP, l->id, data, l->data_len);
	case PPTP_LCP_TERM_REQ:
		return fake_pppd_send_lcp(PPTP_LCP_TERM_ACK, l->id, l->data, l->data_len);
	default:
		return 0;
	}
}

/* A pty starts in cooked mode (echo, CR/NL mapping, line buffering): binary
 * frames need raw mode, which the real pppd sets the same way. */
static void
fake_pppd_raw_tty(void)
{
	struct termios t;

	if (!isatty(STDIN_FILENO) || tcgetattr(STDIN_FILENO, &t) < 0)
		return;
	cfmakeraw(&t);
	(void)tcsetattr(STDIN_FILENO, TCSANOW, &t);
}

int
main(int argc, char **argv)
{
	static struct pptp_hdlc h;
	uint8_t in[4096];
	const uint8_t *frame;
	size_t frame_len, used, off;
	enum pptp_hdlc_status st;
	struct pptp_lcp l;
	struct pollfd pfd = { .fd = STDIN_FILENO, .events = POLLIN };
	int retries = 0;
	ssize_t n;

	(void)argc;	/* pppd-style options from pptpctrl: not ours to read */
	(void)argv;
	fake_pppd_debug = getenv("FAKE_PPPD_DEBUG") != NULL;
	fake_pppd_raw_tty();
	pptp_hdlc_init(&h);
	for (;;) {
		if (!fake_pppd_acked && retries < FAKE_PPPD_RETRIES) {
			if (poll(&pfd, 1, retries == 0 ? 0 : 1000) == 0) {
				retries++;
				if (fake_pppd_send_confreq() < 0)
					return 1;
				continue;
			}
		}
		n = read(STDIN_FILENO, in, sizeof(in));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return 0;
		for (off = 0; off < (size_t)n; off += used) {
			st = pptp_hdlc_feed(&h, in + off, (size_t)n - off, &used, &frame, &frame_len);
			if (st != PPTP_HDLC_FRAME) {
				if (st != PPTP_HDLC_NEED_MORE && fake_pppd_debug)
					fprintf(stderr, "fake-pppd: %s\n", pptp_hdlc_status_names[st]);
				continue;
			}
			fake_pppd_log("recv", frame, frame_len);
			if (pptp_lcp_decode(frame, frame_len, &l) != PPTP_LCP_OK)
				continue;
			if (fake_pppd_lcp(&l) < 0)
				return 1;
		}
	}
}
