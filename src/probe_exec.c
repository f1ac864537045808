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
 * Starting, reading, killing and reaping the child is spawn.c's, shared
 * with the hooks.  Children are reaped with ev_child, which libev only
 * supports on the default loop (the daemon's loop is ev_default_loop;
 * init() refuses any other).  After a timeout the killed child is handed to spawn_reap()
 * so the next run starts clean and no zombie is left.
 *
 * probe_done() may free the probe (the report callback can destroy it), so
 * every path that calls it does so last.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "log.h"
#include "probe.h"
#include "probe_output.h"
#include "spawn.h"

struct probe_exec {
	struct probe *probe;
	pid_t pid;			/* the run's child; 0 when none */
	struct spawn_output out;	/* its stdout, the first line */
	ev_child child;
	char reason[PROBE_REASON_MAX];
};

/* ---- helpers ---- */

/* Stop watching the run's child and clear the run's state. */
static void
probe_exec_reset(struct probe_exec *pe)
{
	spawn_output_close(&pe->out, pe->probe->loop);
	ev_child_stop(pe->probe->loop, &pe->child);
	pe->pid = 0;
	probe_output_line_reset(&pe->out.line);
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
probe_exec_child_cb(struct ev_loop *loop, ev_child *w, int revents)
{
	struct probe_exec *pe = w->data;
	struct probe *p = pe->probe;
	enum probe_result result;
	pid_t pid = pe->pid;

	(void)revents;
	/* what the command wrote before it exited is in the pipe by now */
	spawn_output_drain(&pe->out, loop);
	/* stragglers in its group (none is normal).  A group keeps its id
	 * while it has members; with none left, the id could only name
	 * another group after the pid counter wrapped since the reap. */
	(void)kill(-pid, SIGKILL);
	result = probe_output_exec_verdict(w->rstatus, probe_output_line_text(&pe->out.line),
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
	spawn_output_init(&pe->out);
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
	int fd;

	probe_exec_kill(pe);	/* nothing is left of a run; be safe */
	pid = spawn_start(PROBE_CFG(p, exec)->argv, NULL, false, &fd, &step);
	if (pid < 0) {
		probe_done(p, PROBE_ERROR, spawn_errno_reason(pe->reason, sizeof(pe->reason),
							      step, errno));
		return;
	}
	pe->pid = pid;
	spawn_output_start(&pe->out, p->loop, fd);
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
	spawn_output_close(&pe->out, p->loop);
}

const struct probe_ops probe_exec_ops = {
	.kind = "exec",
	.priv_size = sizeof(struct probe_exec),
	.init = probe_exec_init,
	.start = probe_exec_start,
	.cancel = probe_exec_cancel,
	.destroy = probe_exec_destroy,
};
