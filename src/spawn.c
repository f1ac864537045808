/*
 * spawn.c - start a command in a process group of its own, read its output
 * pipe, signal the group, reap a killed child (see spawn.h).  Shared by the
 * exec probe and the state-change hooks, so both start, read and end
 * children the same way.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE 1	/* strerrorname_np, close_range, pipe2 */
#endif
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "spawn.h"

/* Waits for a killed child, then frees itself. */
struct spawn_reaper {
	ev_child child;
};

/* In the child: "cannot execute (ENAME): PROG" on stderr, with write(2)
 * only.  The errno first: a reader that keeps the first 60 characters of a
 * line (probe_output.h) keeps it. */
static void
spawn_child_say(const char *prog, int err)
{
	const char *name = strerrorname_np(err);
	const char *parts[] = { "cannot execute (", name != NULL ? name : "error", "): ", prog,
				"\n" };
	size_t i;

	for (i = 0; i < sizeof(parts) / sizeof(parts[0]); i++)
		if (write(2, parts[i], strlen(parts[i])) < 0)
			return;
}

/* Between fork and execve: async-signal-safe calls only. */
static void __attribute__((noreturn))
spawn_child(char *const argv[], char *const envp[], int devnull, int out, bool merge_stderr)
{
	struct sigaction dfl = { .sa_handler = SIG_DFL };
	sigset_t none;
	int sig;

	(void)setpgid(0, 0);
	for (sig = 1; sig < NSIG; sig++)
		(void)sigaction(sig, &dfl, NULL);	/* fails harmlessly for KILL, STOP */
	sigemptyset(&none);
	(void)sigprocmask(SIG_SETMASK, &none, NULL);
	/* above 2 first, in case the daemon runs with stdio closed */
	out = fcntl(out, F_DUPFD, 3);
	devnull = fcntl(devnull, F_DUPFD, 3);
	if (out < 0 || devnull < 0 || dup2(devnull, 0) < 0 || dup2(out, 1) < 0 ||
	    dup2(merge_stderr ? out : devnull, 2) < 0)
		_exit(127);
	(void)close_range(3, ~0U, 0);
	if (envp != NULL)
		execve(argv[0], argv, envp);
	else
		execv(argv[0], argv);
	spawn_child_say(argv[0], errno);
	_exit(127);
}

pid_t
spawn_start(char *const argv[], char *const envp[], bool merge_stderr, int *out_fd,
	    const char **step)
{
	int fds[2] = { -1, -1 }, devnull = -1, fl, err;
	pid_t pid;

	*out_fd = -1;
	*step = "pipe";
	if (pipe2(fds, O_CLOEXEC) < 0)
		return -1;
	*step = "devnull";
	devnull = open("/dev/null", O_RDWR | O_CLOEXEC | O_NOCTTY);
	if (devnull < 0)
		goto fail;
	*step = "fork";
	pid = fork();
	if (pid < 0)
		goto fail;
	if (pid == 0)
		spawn_child(argv, envp, devnull, fds[1], merge_stderr);
	/* both sides set the group, so a kill reaches it whoever runs first */
	if (setpgid(pid, pid) < 0 && errno != EACCES)
		log_debug("spawn: setpgid %d: %s", (int)pid, strerror(errno));
	close(fds[1]);
	close(devnull);
	fl = fcntl(fds[0], F_GETFL);
	(void)fcntl(fds[0], F_SETFL, (fl < 0 ? 0 : fl) | O_NONBLOCK);
	*out_fd = fds[0];
	return pid;
fail:
	err = errno;
	close(fds[0]);
	close(fds[1]);
	if (devnull >= 0)
		close(devnull);
	errno = err;
	return -1;
}

void
spawn_kill_group(pid_t pid, int sig)
{
	if (pid <= 0)
		return;
	(void)kill(-pid, sig);
	(void)kill(pid, sig);
}

static void
spawn_reaper_cb(struct ev_loop *loop, ev_child *w, int revents)
{
	(void)revents;
	ev_child_stop(loop, w);
	free(w->data);
}

void
spawn_reap(struct ev_loop *loop, pid_t pid)
{
	struct spawn_reaper *r;

	if (pid <= 0)
		return;
	r = xcalloc(1, sizeof(*r));
	ev_child_init(&r->child, spawn_reaper_cb, pid, 0);
	r->child.data = r;
	ev_child_start(loop, &r->child);
}

const char *
spawn_errno_reason(char *buf, size_t size, const char *prefix, int err)
{
	const char *name = strerrorname_np(err);
	size_t i;

	if (name == NULL)
		snprintf(buf, size, "%s-errno-%d", prefix, err);
	else
		snprintf(buf, size, "%s-%s", prefix, name);
	for (i = 0; buf[i] != '\0'; i++)
		if (buf[i] >= 'A' && buf[i] <= 'Z')
			buf[i] = (char)(buf[i] - 'A' + 'a');
	return buf;
}

/* ---- the output pipe ---- */

static void
spawn_output_cb(struct ev_loop *loop, ev_io *w, int revents)
{
	(void)revents;
	(void)spawn_output_read(w->data, loop);
}

void
spawn_output_init(struct spawn_output *o)
{
	o->fd = -1;
	ev_io_init(&o->io, spawn_output_cb, -1, EV_READ);
	o->io.data = o;
	probe_output_line_reset(&o->line);
}

void
spawn_output_start(struct spawn_output *o, struct ev_loop *loop, int fd)
{
	o->fd = fd;
	probe_output_line_reset(&o->line);
	ev_io_set(&o->io, fd, EV_READ);
	ev_io_start(loop, &o->io);
}

bool
spawn_output_read(struct spawn_output *o, struct ev_loop *loop)
{
	char buf[512];
	ssize_t n;

	n = read(o->fd, buf, sizeof(buf));
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return true;
	if (n <= 0) {
		spawn_output_close(o, loop);
		return false;
	}
	probe_output_line_take(&o->line, buf, (size_t)n);
	return true;
}

void
spawn_output_drain(struct spawn_output *o, struct ev_loop *loop)
{
	for (int i = 0; i < SPAWN_OUTPUT_DRAIN_MAX && o->fd >= 0 && !o->line.done; i++)
		if (!spawn_output_read(o, loop))
			break;
}

void
spawn_output_close(struct spawn_output *o, struct ev_loop *loop)
{
	ev_io_stop(loop, &o->io);
	if (o->fd >= 0)
		close(o->fd);
	o->fd = -1;
}
