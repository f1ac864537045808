/*
 * ribwatch.c - watch one prefix in a BIRD 2 RIB, with millisecond timing.
 *
 * The integration suite, the demo and the failover benchmark use it against
 * the upstream BIRD of the namespaced lab: the only proof that a prefix was
 * withdrawn or announced is the upstream peer's routing table.  It keeps one
 * control-socket connection open and sends `show route PREFIX` every
 * INTERVAL microseconds (1 ms by default), so the time from a fault to the
 * change in the RIB is measured to about a millisecond without a fork per
 * poll.  Blocking I/O is fine: this is a test tool, not part of the daemon.
 *
 * Every line printed is
 *	REALTIME MONOTONIC present|absent [initial]
 * with both clocks in seconds and microseconds (s.uuuuuu).  The shell side
 * compares REALTIME with bash's $EPOCHREALTIME, taken just before the fault.
 *
 * Usage: ribwatch [-i US] [-t MS] [-x | -w present|absent] SOCKET PREFIX
 *	-i US	poll interval in microseconds (default 1000)
 *	-t MS	give up after MS milliseconds (exit 2 when -x or -w is unmet)
 *	-x	exit 0 at the first change after the initial state
 *	-w ST	exit 0 as soon as the state is ST (maybe at once)
 * Without -x/-w it prints every change until -t expires (exit 0).  SIGTERM
 * or SIGINT ends it with exit 3 (and no "Terminated" notice from the shell
 * that started it).  Exit 1 on an error (socket, protocol).
 *
 * The exact-match form `show route PREFIX` is used rather than `show route
 * for ADDR`: the latter is a longest-match lookup and would report a covering
 * route as "present".
 */
#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

struct ribwatch {
	int fd;
	char buf[65536];
	size_t len;		/* bytes buffered, not yet consumed */
};

static double
ribwatch_now(clockid_t clk)
{
	struct timespec ts;

	clock_gettime(clk, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void
ribwatch_print(bool present, const char *tag)
{
	double rt = ribwatch_now(CLOCK_REALTIME);
	double mono = ribwatch_now(CLOCK_MONOTONIC);

	printf("%.6f %.6f %s%s%s\n", rt, mono, present ? "present" : "absent",
	    tag ? " " : "", tag ? tag : "");
	fflush(stdout);
}

static int
ribwatch_connect(struct ribwatch *rw, const char *path)
{
	struct sockaddr_un sun;

	if (strlen(path) >= sizeof(sun.sun_path)) {
		fprintf(stderr, "ribwatch: socket path too long: %s\n", path);
		return -1;
	}
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	strcpy(sun.sun_path, path);
	rw->fd = socket(AF_UNIX, SOCK_STREAM, 0);
	if (rw->fd < 0 ||
	    connect(rw->fd, (struct sockaddr *)&sun, sizeof(sun)) < 0) {
		fprintf(stderr, "ribwatch: %s: %s\n", path, strerror(errno));
		return -1;
	}
	rw->len = 0;
	return 0;
}

/*
 * Read one reply line into `line` (without the newline).  Returns 0, or -1
 * on EOF or error.
 */
static int
ribwatch_readline(struct ribwatch *rw, char *line, size_t size)
{
	for (;;) {
		char *nl = memchr(rw->buf, '\n', rw->len);

		if (nl) {
			size_t n = (size_t)(nl - rw->buf);
			size_t c = n < size - 1 ? n : size - 1;

			memcpy(line, rw->buf, c);
			line[c] = '\0';
			memmove(rw->buf, nl + 1, rw->len - n - 1);
			rw->len -= n + 1;
			return 0;
		}
		if (rw->len == sizeof(rw->buf))
			rw->len = 0;	/* an absurd line: drop it */
		ssize_t r = read(rw->fd, rw->buf + rw->len,
		    sizeof(rw->buf) - rw->len);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			fprintf(stderr, "ribwatch: control socket %s\n",
			    r == 0 ? "closed" : strerror(errno));
			return -1;
		}
		rw->len += (size_t)r;
	}
}

/*
 * One complete reply.  Returns the final code (the first line of the form
 * "DDDD text" with a space); sets *routes when a 1007 route line was seen.
 * Lines starting with a space continue the previous code; '+' lines are
 * asynchronous and skipped.
 */
static int
ribwatch_reply(struct ribwatch *rw, bool *routes)
{
	char line[1024];

	*routes = false;
	for (;;) {
		if (ribwatch_readline(rw, line, sizeof(line)) < 0)
			return -1;
		if (line[0] == '+' || line[0] == ' ')
			continue;
		if (strlen(line) < 5 || line[0] < '0' || line[0] > '9')
			continue;
		if (strncmp(line, "1007", 4) == 0)
			*routes = true;
		if (line[4] == ' ')
			return atoi(line);
	}
}

/* 1 present, 0 absent, -1 error. */
static int
ribwatch_poll(struct ribwatch *rw, const char *cmd, size_t cmdlen)
{
	bool routes;
	int code;

	if (write(rw->fd, cmd, cmdlen) != (ssize_t)cmdlen) {
		fprintf(stderr, "ribwatch: write: %s\n", strerror(errno));
		return -1;
	}
	code = ribwatch_reply(rw, &routes);
	if (code < 0)
		return -1;
	if (code == 8001)
		return 0;	/* Network not found */
	if (code >= 8000) {
		fprintf(stderr, "ribwatch: BIRD answered %04d to %s", code, cmd);
		return -1;
	}
	return routes ? 1 : 0;
}

/* Every line is already flushed, so leaving at once loses nothing. */
static void
ribwatch_stop_cb(int sig)
{
	(void)sig;
	_exit(3);
}

static void
ribwatch_usage(void)
{
	fprintf(stderr, "usage: ribwatch [-i US] [-t MS] [-x | -w present|absent] "
	    "SOCKET PREFIX\n");
	exit(1);
}

int
main(int argc, char **argv)
{
	static struct ribwatch rw;
	char cmd[256], banner[1024];
	long interval_us = 1000, timeout_ms = -1;
	int want = -1, opt, state, cur;
	bool until_change = false;
	double deadline;

	while ((opt = getopt(argc, argv, "i:t:xw:")) != -1) {
		switch (opt) {
		case 'i':
			interval_us = atol(optarg);
			break;
		case 't':
			timeout_ms = atol(optarg);
			break;
		case 'x':
			until_change = true;
			break;
		case 'w':
			if (strcmp(optarg, "present") == 0)
				want = 1;
			else if (strcmp(optarg, "absent") == 0)
				want = 0;
			else
				ribwatch_usage();
			break;
		default:
			ribwatch_usage();
		}
	}
	if (argc - optind != 2 || (until_change && want >= 0))
		ribwatch_usage();
	snprintf(cmd, sizeof(cmd), "show route %s\n", argv[optind + 1]);
	signal(SIGTERM, ribwatch_stop_cb);
	signal(SIGINT, ribwatch_stop_cb);

	if (ribwatch_connect(&rw, argv[optind]) < 0)
		return 1;
	if (ribwatch_readline(&rw, banner, sizeof(banner)) < 0)
		return 1;
	if (strncmp(banner, "0001 ", 5) != 0) {
		fprintf(stderr, "ribwatch: unexpected banner: %s\n", banner);
		return 1;
	}

	deadline = timeout_ms >= 0 ?
	    ribwatch_now(CLOCK_MONOTONIC) + (double)timeout_ms / 1e3 : 0;
	state = ribwatch_poll(&rw, cmd, strlen(cmd));
	if (state < 0)
		return 1;
	ribwatch_print(state, "initial");
	if (want >= 0 && state == want)
		return 0;

	for (;;) {
		struct timespec ts = { interval_us / 1000000,
		    (interval_us % 1000000) * 1000 };

		if (timeout_ms >= 0 && ribwatch_now(CLOCK_MONOTONIC) >= deadline)
			return until_change || want >= 0 ? 2 : 0;
		nanosleep(&ts, NULL);
		cur = ribwatch_poll(&rw, cmd, strlen(cmd));
		if (cur < 0)
			return 1;
		if (cur == state)
			continue;
		state = cur;
		ribwatch_print(state, NULL);
		if (until_change || (want >= 0 && state == want))
			return 0;
	}
}
