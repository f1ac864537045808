/*
 * probe_exec.c - the "exec" probe kind: run a command (no shell) and take
 * exit code 0 as UP.
 *
 *   IDLE --start: fork + execv--> RUNNING --child exits (ev_child)--> IDLE
 *   RUNNING --cancel(): SIGKILL the process group--> IDLE (a reaper waits)
 *
 * The child runs in its own process group (so a timeout kills everything
 * the command started), with stdin and stderr on /dev/null, stdout on a
 * pipe we read on the loop, every other descriptor closed, default signal
 * dispositions and an empty signal mask (libev may block or catch signals
 * in the daemon).  The first line of stdout, sanitised and cut to
 * PROBE_OUTPUT_LINE_MAX characters, becomes the reason (probe_output.c,
 * pure and fuzzed, reads the line and words the verdict):
 *
 *   exit 0        UP    the line, or "ok" when there is none
 *   exit N        DOWN  "exit-N: line" (cut to fit), or "exit-N"
 *   killed by S   DOWN  "signal-S"
 *   execv failed  DOWN  "exit-127" (the child's _exit code, as in a shell)
 *   timeout       DOWN  "exec-timeout"
 *   pipe/fork     ERROR "pipe-<errno>", "fork-<errno>", "devnull-<errno>"
 *
 * The run ends when the command exits, not when its stdout closes: a
 * background process that inherited the pipe cannot hold the run open.
 * Anything still left in the command's process group then is killed, so
 * no probe leaves processes behind.
 *
 * Children are reaped with ev_child, which libev only supports on the
 * default loop (the daemon's loop is ev_default_loop; init() refuses any
 * other).  After a timeout the killed child is handed to a small
 * self-freeing reaper so the next run starts clean and no zombie is left.
 *
 * probe_done() may free the probe (the report callback can destroy it), so
 * every path that calls it does so last.
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
#include <sys/wait.h>
#include <unistd.h>

#include "log.h"
#include "probe.h"
#include "probe_output.h"

/* On exit, read at most this many more chunks looking for the first line. */
#define PROBE_EXEC_DRAIN_MAX	16

struct probe_exec {
	struct probe *probe;
	pid_t pid;			/* the run's child; 0 when none */
	int out_fd;			/* read end of its stdout; -1 when closed */
	ev_io out_io;
	ev_child child;
	struct probe_output_line line;	/* the first line of its stdout */
	char reason[PROBE_REASON_MAX];
};

/* Waits for a child killed at timeout, then frees itself. */
struct probe_exec_reaper {
	ev_child child;
};

/* ---- the child ---- */

/* Between fork and execv: async-signal-safe calls only. */
static void __attribute__((noreturn))
probe_exec_child(char *const argv[], int devnull, int out)
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
	    dup2(devnull, 2) < 0)
		_exit(127);
	(void)close_range(3, ~0U, 0);
	execv(argv[0], argv);
	_exit(127);
}

/* ---- helpers ---- */

/* "fork-eagain": errno names are stable, strerror text is not. */
static const char *
probe_exec_errno_reason(struct probe_exec *pe, const char *prefix, int err)
{
	const char *name = strerrorname_np(err);
	size_t i;

	if (name == NULL)
		snprintf(pe->reason, sizeof(pe->reason), "%s-errno-%d", prefix, err);
	else
		snprintf(pe->reason, sizeof(pe->reason), "%s-%s", prefix, name);
	for (i = 0; pe->reason[i] != '\0'; i++)
		if (pe->reason[i] >= 'A' && pe->reason[i] <= 'Z')
			pe->reason[i] = (char)(pe->reason[i] - 'A' + 'a');
	return pe->reason;
}

static void
probe_exec_close_out(struct probe_exec *pe)
{
	ev_io_stop(pe->probe->loop, &pe->out_io);
	if (pe->out_fd >= 0)
		close(pe->out_fd);
	pe->out_fd = -1;
}

/* Read what is there.  Returns false at EOF or on error (the pipe is then
 * closed), true while more may come. */
static bool
probe_exec_read(struct probe_exec *pe)
{
	char buf[512];
	ssize_t n;

	n = read(pe->out_fd, buf, sizeof(buf));
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return true;
	if (n <= 0) {
		probe_exec_close_out(pe);
		return false;
	}
	probe_output_line_take(&pe->line, buf, (size_t)n);
	return true;
}

/* Stop watching the run's child and clear the run's state. */
static void
probe_exec_reset(struct probe_exec *pe)
{
	probe_exec_close_out(pe);
	ev_child_stop(pe->probe->loop, &pe->child);
	pe->pid = 0;
	probe_output_line_reset(&pe->line);
}

static void
probe_exec_reaper_cb(struct ev_loop *loop, ev_child *w, int revents)
{
	(void)revents;
	ev_child_stop(loop, w);
	free(w->data);
}

/* Kill the run's whole process group and let a reaper collect the child. */
static void
probe_exec_kill(struct probe_exec *pe)
{
	struct probe_exec_reaper *r;

	if (pe->pid <= 0)
		return;
	(void)kill(-pe->pid, SIGKILL);
	(void)kill(pe->pid, SIGKILL);	/* in case it never made its group */
	r = xcalloc(1, sizeof(*r));
	ev_child_init(&r->child, probe_exec_reaper_cb, pe->pid, 0);
	r->child.data = r;
	/* no loop iteration in between: the exit status cannot be missed */
	ev_child_stop(pe->probe->loop, &pe->child);
	ev_child_start(pe->probe->loop, &r->child);
	probe_exec_reset(pe);
}

/* ---- libev's callbacks ---- */

static void
probe_exec_out_cb(struct ev_loop *loop, ev_io *w, int revents)
{
	struct probe_exec *pe = w->data;

	(void)loop;
	(void)revents;
	(void)probe_exec_read(pe);
}

static void
probe_exec_child_cb(struct ev_loop *loop, ev_child *w, int revents)
{
	struct probe_exec *pe = w->data;
	struct probe *p = pe->probe;
	enum probe_result result;
	int i;
	pid_t pid = pe->pid;

	(void)loop;
	(void)revents;
	/* what the command wrote before it exited is in the pipe by now */
	for (i = 0; i < PROBE_EXEC_DRAIN_MAX && pe->out_fd >= 0 && !pe->line.done; i++)
		if (!probe_exec_read(pe))
			break;
	/* stragglers in its group (none is normal).  A group keeps its id
	 * while it has members; with none left, the id could only name
	 * another group after the pid counter wrapped since the reap. */
	(void)kill(-pid, SIGKILL);
	result = probe_output_exec_verdict(w->rstatus, probe_output_line_text(&pe->line),
					   pe->reason, sizeof(pe->reason));
	probe_exec_reset(pe);
	log_debug("probe %s: exec pid %d: %s", p->cfg->name, (int)pid, pe->reason);
	probe_done(p, result, pe->reason);
}

/* ---- probe_ops ---- */

static int
probe_exec_init(struct probe *p)
{
	struct probe_exec *pe = p->priv;
	const struct probe_exec_config *c = PROBE_CFG(p, exec);

	pe->probe = p;
	pe->out_fd = -1;
	ev_io_init(&pe->out_io, probe_exec_out_cb, -1, EV_READ);
	pe->out_io.data = pe;
	ev_child_init(&pe->child, probe_exec_child_cb, 0, 0);
	pe->child.data = pe;
	if (c->argv == NULL || c->argc == 0 || c->argv[0] == NULL || c->argv[0][0] != '/') {
		log_warnx("probe %s: exec needs a command with an absolute path", p->cfg->name);
		return -1;
	}
	if (!ev_is_default_loop(p->loop)) {
		/* ev_child works on the default loop only */
		log_warnx("probe %s: exec probes need libev's default loop", p->cfg->name);
		return -1;
	}
	return 0;
}

static void
probe_exec_start(struct probe *p)
{
	struct probe_exec *pe = p->priv;
	int fds[2] = { -1, -1 }, devnull = -1, err;
	const char *reason;
	pid_t pid;

	probe_exec_kill(pe);	/* nothing is left of a run; be safe */
	if (pipe2(fds, O_CLOEXEC) < 0) {
		reason = probe_exec_errno_reason(pe, "pipe", errno);
		goto fail;
	}
	devnull = open("/dev/null", O_RDWR | O_CLOEXEC | O_NOCTTY);
	if (devnull < 0) {
		reason = probe_exec_errno_reason(pe, "devnull", errno);
		goto fail;
	}
	pid = fork();
	if (pid < 0) {
		reason = probe_exec_errno_reason(pe, "fork", errno);
		goto fail;
	}
	if (pid == 0)
		probe_exec_child(PROBE_CFG(p, exec)->argv, devnull, fds[1]);
	/* both sides set the group, so cancel() can kill it whoever runs first */
	if (setpgid(pid, pid) < 0 && errno != EACCES)
		log_debug("probe %s: setpgid %d: %s", p->cfg->name, (int)pid, strerror(errno));
	close(fds[1]);
	close(devnull);
	pe->pid = pid;
	pe->out_fd = fds[0];
	err = fcntl(pe->out_fd, F_GETFL);
	(void)fcntl(pe->out_fd, F_SETFL, (err < 0 ? 0 : err) | O_NONBLOCK);
	ev_io_set(&pe->out_io, pe->out_fd, EV_READ);
	ev_io_start(p->loop, &pe->out_io);
	ev_child_set(&pe->child, pid, 0);
	ev_child_start(p->loop, &pe->child);
	return;
fail:
	if (fds[0] >= 0)
		close(fds[0]);
	if (fds[1] >= 0)
		close(fds[1]);
	if (devnull >= 0)
		close(devnull);
	probe_done(p, PROBE_ERROR, reason);
}

static const char *
probe_exec_cancel(struct probe *p)
{
	struct probe_exec *pe = p->priv;

	log_debug("probe %s: exec-timeout, killing process group %d", p->cfg->name,
		  (int)pe->pid);
	probe_exec_kill(pe);
	return "exec-timeout";
}

static void
probe_exec_destroy(struct probe *p)
{
	struct probe_exec *pe = p->priv;

	if (pe->probe == NULL)	/* init did not run */
		return;
	probe_exec_kill(pe);
	probe_exec_close_out(pe);
}

const struct probe_ops probe_exec_ops = {
	.kind = "exec",
	.priv_size = sizeof(struct probe_exec),
	.init = probe_exec_init,
	.start = probe_exec_start,
	.cancel = probe_exec_cancel,
	.destroy = probe_exec_destroy,
};
