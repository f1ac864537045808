/*
 * notify-listener.c - stands in for systemd's notify socket in the lab
 * (tests/integration/fate.sh): binds a Unix datagram socket at PATH and
 * prints every sd_notify() assignment it receives, one per line:
 *
 *   REALTIME MONOTONIC PID KEY=VALUE
 *
 * REALTIME and MONOTONIC are seconds with microseconds; PID is the
 * sender's, from SCM_CREDENTIALS (0 if the kernel did not pass it).  Lines
 * are flushed at once so a script can follow the file.  Runs until SIGTERM
 * or SIGINT; removes PATH on exit.
 *
 * Usage: notify-listener PATH
 * Built by tests/lab/lab.sh (lab_build_tool notify-listener).
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

static volatile sig_atomic_t stop;

static void
on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static double
now(clockid_t clk)
{
	struct timespec ts;

	clock_gettime(clk, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

int
main(int argc, char **argv)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	struct sigaction sa;
	char buf[4096 + 1];
	union {
		struct cmsghdr align;
		char buf[CMSG_SPACE(sizeof(struct ucred))];
	} ctl;
	int fd, one = 1;

	if (argc != 2 || strlen(argv[1]) >= sizeof(sun.sun_path)) {
		fprintf(stderr, "usage: notify-listener PATH (shorter than %zu bytes)\n",
			sizeof(sun.sun_path));
		return 2;
	}
	memcpy(sun.sun_path, argv[1], strlen(argv[1]));
	/* no SA_RESTART: recvmsg must return on SIGTERM */
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);

	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd == -1) {
		perror("socket");
		return 1;
	}
	unlink(argv[1]);
	if (bind(fd, (struct sockaddr *)&sun, sizeof(sun)) == -1) {
		perror("bind");
		return 1;
	}
	setsockopt(fd, SOL_SOCKET, SO_PASSCRED, &one, sizeof(one));
	setvbuf(stdout, NULL, _IOLBF, 0);

	while (!stop) {
		struct iovec iov = { .iov_base = buf, .iov_len = sizeof(buf) - 1 };
		struct msghdr msg = {
			.msg_iov = &iov, .msg_iovlen = 1,
			.msg_control = ctl.buf, .msg_controllen = sizeof(ctl.buf),
		};
		struct cmsghdr *c;
		double rt, mono;
		pid_t pid = 0;
		char *line, *save = NULL;
		ssize_t n;

		n = recvmsg(fd, &msg, 0);
		if (n == -1) {
			if (errno == EINTR)
				continue;
			perror("recvmsg");
			break;
		}
		rt = now(CLOCK_REALTIME);
		mono = now(CLOCK_MONOTONIC);
		for (c = CMSG_FIRSTHDR(&msg); c != NULL; c = CMSG_NXTHDR(&msg, c)) {
			struct ucred cred;

			if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_CREDENTIALS)
				continue;
			memcpy(&cred, CMSG_DATA(c), sizeof(cred));
			pid = cred.pid;
		}
		buf[n] = '\0';
		for (line = strtok_r(buf, "\n", &save); line != NULL;
		     line = strtok_r(NULL, "\n", &save))
			printf("%.6f %.6f %ld %s\n", rt, mono, (long)pid, line);
	}
	unlink(argv[1]);
	close(fd);
	return 0;
}
