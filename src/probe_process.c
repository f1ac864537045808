/*
 * probe_process.c - probe kind "process": is pptpd's main process alive?
 *
 * The pid comes from the pidfile; a pidfd (pidfd_open(2)) pins it, and an
 * ev_io on the pidfd fires the moment the process exits, so an exit is
 * reported at once (probe_event, immediate DOWN) rather than at the next
 * interval.  An ev_stat on the pidfile notices a restarted pptpd writing its
 * new pid and starts a run at once (probe_run_now), whose UP begins the
 * count through `rise` at the fast interval (probe.c) instead of at the next
 * regular run.
 *
 * Kernels without pidfd_open (before 5.3, or valgrind 3.19, which does not
 * know the syscall) fall back to checking the pid at every run: exits are
 * then seen at the next interval instead of at once.
 *
 * Reasons: ok, process-exited, pidfile-missing, pidfile-unreadable,
 * pidfile-invalid (the detail says why, in pidfile.c's words), process-gone (pid in the file is not running),
 * process-name-mismatch, and ERROR pidfd-<errno> when the kernel refuses.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <poll.h>
#include <signal.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "file_util.h"
#include "log.h"
#include "pidfile.h"
#include "probe.h"

struct probe_process {
	pid_t pid;		/* watched pid, 0 when none */
	int pidfd;		/* -1 when none (or polling) */
	bool polling;		/* no pidfd support: check pp->pid each run */
	ev_io exit_watcher;	/* pidfd readable = the process exited */
	ev_stat pidfile_watcher;
	char *pidfile;		/* own copy: ev_stat keeps the pointer, and a reload
				 * frees the config the probe started with */
	const char *why;	/* what was wrong with the pidfile; NULL if nothing */
};

#define PROCESS_PRIV(p) ((struct probe_process *)(p)->priv)

static int
probe_process_pidfd_open(pid_t pid)
{
	return (int)syscall(SYS_pidfd_open, pid, 0);
}

/* A pidfd polls readable once its process has exited (zombie or reaped). */
static bool
probe_process_pidfd_exited(int fd)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };

	return poll(&pfd, 1, 0) > 0;
}

/* Read the pid from the pidfile; returns 0 and sets *reason on failure
 * (and pp->why, for the report's detail, when the file is malformed). */
static pid_t
probe_process_read_pidfile(struct probe_process *pp, const char *path, const char **reason)
{
	char buf[PIDFILE_MAX + 1];	/* one byte more: a longer file shows */
	ssize_t n;
	pid_t pid;
	int fd;

	pp->why = NULL;
	/* non-blocking, regular files only: a FIFO there must not hang the loop */
	fd = file_open_regular(path, NULL);
	if (fd < 0) {
		*reason = errno == ENOENT ? "pidfile-missing" : "pidfile-unreadable";
		if (errno == ENODEV)
			pp->why = "not a regular file";
		return 0;
	}
	n = read(fd, buf, sizeof(buf));
	close(fd);
	if (n < 0) {
		*reason = "pidfile-unreadable";
		return 0;
	}
	if (pidfile_parse(buf, (size_t)n, &pid, &pp->why) < 0) {
		*reason = "pidfile-invalid";
		return 0;
	}
	return pid;
}

/* Does /proc/PID/comm equal name?  Checked after pidfd_open so the pid is pinned. */
static bool
probe_process_name_matches(pid_t pid, const char *name)
{
	char path[64], comm[32];
	FILE *f;
	bool ok = false;

	snprintf(path, sizeof(path), "/proc/%d/comm", (int)pid);
	f = fopen(path, "re");
	if (f == NULL)
		return false;
	if (fgets(comm, sizeof(comm), f) != NULL) {
		comm[strcspn(comm, "\n")] = '\0';
		ok = strcmp(comm, name) == 0;
	}
	fclose(f);
	return ok;
}

/* Without a pidfd: does pid run and is it not a zombie? */
static bool
probe_process_pid_alive(pid_t pid)
{
	char path[64], stat[512];
	const char *paren;
	FILE *f;
	bool alive = false;

	if (kill(pid, 0) < 0 && errno != EPERM)
		return false;
	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	f = fopen(path, "re");
	if (f == NULL)
		return false;
	if (fgets(stat, sizeof(stat), f) != NULL) {
		paren = strrchr(stat, ')');	/* comm may contain spaces and ')' */
		alive = paren && paren[1] == ' ' && paren[2] != 'Z' && paren[2] != 'X';
	}
	fclose(f);
	return alive;
}

/* The polling fallback of probe_process_attach(). */
static enum probe_result
probe_process_check_polled(struct probe *p, pid_t pid, const char **reason)
{
	const struct probe_process_config *pc = PROBE_CFG(p, process);
	struct probe_process *pp = PROCESS_PRIV(p);

	if (!pp->polling) {
		log_warnx("probe %s: no pidfd support here; checking pid %d every run",
			  p->cfg->name, (int)pid);
		pp->polling = true;
	}
	pp->pid = 0;
	if (!probe_process_pid_alive(pid)) {
		*reason = "process-gone";
		return PROBE_DOWN;
	}
	if (pc->process_name && !probe_process_name_matches(pid, pc->process_name)) {
		*reason = "process-name-mismatch";
		return PROBE_DOWN;
	}
	pp->pid = pid;
	*reason = "ok";
	return PROBE_UP;
}

static void
probe_process_unwatch(struct probe *p)
{
	struct probe_process *pp = PROCESS_PRIV(p);

	if (pp->pidfd >= 0) {
		ev_io_stop(p->loop, &pp->exit_watcher);
		close(pp->pidfd);
	}
	pp->pidfd = -1;
	pp->pid = 0;
}

/* Try to watch the pid in the pidfile.  Returns the result for a run. */
static enum probe_result
probe_process_attach(struct probe *p, const char **reason)
{
	const struct probe_process_config *pc = PROBE_CFG(p, process);
	struct probe_process *pp = PROCESS_PRIV(p);
	static char errbuf[PROBE_REASON_MAX];
	pid_t pid;
	int fd;

	if (pp->pidfd >= 0 && probe_process_pidfd_exited(pp->pidfd)) {
		/* Exited, and the exit watcher has not run yet: report the event now. */
		probe_process_unwatch(p);
		probe_event(p, PROBE_DOWN, "process-exited");
	}
	pid = probe_process_read_pidfile(pp, pc->pidfile, reason);
	if (pid == 0)
		return PROBE_DOWN;
	if (pid == pp->pid && pp->pidfd >= 0)
		return PROBE_UP;
	probe_process_unwatch(p);
	fd = pp->polling ? -1 : probe_process_pidfd_open(pid);
	if (fd < 0) {
		if (pp->polling || errno == ENOSYS)
			return probe_process_check_polled(p, pid, reason);
		if (errno == ESRCH) {
			*reason = "process-gone";
			return PROBE_DOWN;
		}
		snprintf(errbuf, sizeof(errbuf), "pidfd-%s", strerrorname_np(errno) ?
			 strerrorname_np(errno) : "error");
		for (char *c = errbuf; *c; c++)
			*c = (char)tolower((unsigned char)*c);
		*reason = errbuf;
		return PROBE_ERROR;
	}
	if (probe_process_pidfd_exited(fd)) {	/* a zombie: not serving */
		close(fd);
		*reason = "process-gone";
		return PROBE_DOWN;
	}
	if (pc->process_name && !probe_process_name_matches(pid, pc->process_name)) {
		close(fd);
		*reason = "process-name-mismatch";
		return PROBE_DOWN;
	}
	pp->pid = pid;
	pp->pidfd = fd;
	ev_io_set(&pp->exit_watcher, fd, EV_READ);
	ev_io_start(p->loop, &pp->exit_watcher);
	log_debug("probe %s: watching pid %d", p->cfg->name, (int)pid);
	*reason = "ok";
	return PROBE_UP;
}

static void
probe_process_exit_cb(struct ev_loop *loop, ev_io *w, int revents)
{
	struct probe *p = w->data;
	pid_t pid = PROCESS_PRIV(p)->pid;

	(void)loop;
	(void)revents;
	probe_process_unwatch(p);
	log_debug("probe %s: pid %d exited", p->cfg->name, (int)pid);
	probe_event(p, PROBE_DOWN, "process-exited");
}

/* The pidfile changed: attach to a new pid now, so a restart is seen at
 * once, and run now so that its rise starts counting. */
static void
probe_process_pidfile_cb(struct ev_loop *loop, ev_stat *w, int revents)
{
	struct probe *p = w->data;
	pid_t before = PROCESS_PRIV(p)->pid;
	const char *reason;

	(void)loop;
	(void)revents;
	if (w->attr.st_nlink == 0)
		return;	/* removed */
	if (probe_process_attach(p, &reason) == PROBE_UP && PROCESS_PRIV(p)->pid != before)
		probe_run_now(p);
}

static int
probe_process_init(struct probe *p)
{
	struct probe_process *pp = PROCESS_PRIV(p);
	const char *reason;

	pp->pidfd = -1;
	ev_io_init(&pp->exit_watcher, probe_process_exit_cb, -1, EV_READ);
	pp->exit_watcher.data = p;
	pp->pidfile = xstrdup(PROBE_CFG(p, process)->pidfile);
	ev_stat_init(&pp->pidfile_watcher, probe_process_pidfile_cb, pp->pidfile, 0.);
	pp->pidfile_watcher.data = p;
	ev_stat_start(p->loop, &pp->pidfile_watcher);
	probe_process_attach(p, &reason);
	return 0;
}

static void
probe_process_start(struct probe *p)
{
	const char *reason = "ok";
	enum probe_result r = probe_process_attach(p, &reason);
	const char *why = PROCESS_PRIV(p)->why;

	if (r != PROBE_UP && why != NULL)	/* the pidfile's problem, in words */
		probe_done_detail(p, r, reason, "%s", why);
	else
		probe_done(p, r, reason);
}

static void
probe_process_destroy(struct probe *p)
{
	struct probe_process *pp = PROCESS_PRIV(p);

	ev_stat_stop(p->loop, &pp->pidfile_watcher);
	probe_process_unwatch(p);
	free(pp->pidfile);
}

const struct probe_ops probe_process_ops = {
	.kind = "process",
	.priv_size = sizeof(struct probe_process),
	.init = probe_process_init,
	.start = probe_process_start,
	.destroy = probe_process_destroy,
};
