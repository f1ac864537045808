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
 * Starting, killing and reaping the child is spawn.c's, shared with the
 * hooks.  Children are reaped with ev_child, which libev only supports on
 * the default loop (the daemon's loop is ev_default_loop; init() refuses
 * any other).  After a timeout the killed child is handed to spawn_reap()
 * so the next run starts clean and no zombie is left.
 *
 * probe_done() may free the probe (the report callback can destroy it), so
 * every path that calls it does so last.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "probe.h"
#include "probe_output.h"
#include "spawn.h"

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

/* ---- helpers ---- */

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

/* Kill the run's whole process group and let a reaper collect the child. */
static void
probe_exec_kill(struct probe_exec *pe)
{
	if (pe->pid <= 0)
		return;
	spawn_kill_group(pe->pid, SIGKILL);
	/* no loop iteration in between: the exit status cannot be missed */
	ev_child_stop(pe->probe->loop, &pe->child);
	spawn_reap(pe->probe->loop, pe->pid);
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
	const char *step;
	pid_t pid;

	probe_exec_kill(pe);	/* nothing is left of a run; be safe */
	pid = spawn_start(PROBE_CFG(p, exec)->argv, NULL, false, &pe->out_fd, &step);
	if (pid < 0) {
		probe_done(p, PROBE_ERROR, spawn_errno_reason(pe->reason, sizeof(pe->reason),
							      step, errno));
		return;
	}
	pe->pid = pid;
	ev_io_set(&pe->out_io, pe->out_fd, EV_READ);
	ev_io_start(p->loop, &pe->out_io);
	ev_child_set(&pe->child, pid, 0);
	ev_child_start(p->loop, &pe->child);
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
