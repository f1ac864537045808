/*
 * hooks_runner.h - the state-change hooks on the loop: each transition
 * record daemon.c makes (the same call that adds it to the history) is
 * queued for the hooks that want its kind (hooks.c), and run as a child
 * process (spawn.c) with the record in its environment.
 *
 *   queued --slot free (loop idle)--> RUNNING --exits--> ok / failed
 *   RUNNING --timeout-ms--> SIGTERM to its group --1 s--> SIGKILL --> timeout
 *
 * Runs start from an ev_idle watcher, so a transition never waits for a
 * fork; children are reaped with ev_child (the default loop only); output
 * (stdout and stderr on one pipe) is read on the loop and its first line
 * logged with the result.  Whatever is left in a run's process group when
 * the command exits is killed: no hook leaves processes behind.
 */
#ifndef AHD_HOOKS_RUNNER_H
#define AHD_HOOKS_RUNNER_H

#include <ev.h>

#include "config.h"
#include "hooks.h"
#include "status.h"

/* SIGTERM, then this long until SIGKILL. */
#define HOOKS_KILL_GRACE_S	1.0

struct hooks_runner;

/* The hooks of cfg (none is fine: a reload may add some).  loop must be
 * libev's default loop for any hook to run. */
struct hooks_runner *hooks_runner_create(struct ev_loop *loop, const struct config *cfg);

/* A reload (hooks_reconfigure's rules); cfg must outlive the runner or the
 * next reconfigure. */
void hooks_runner_reconfigure(struct hooks_runner *r, const struct config *cfg);

/* A transition record, as status_history_add() gets it.  Every record
 * counts in its sequence (ANYCAST_HEALTHD_SEQ), also one no hook runs on or
 * made while there are no hooks: it numbers the records as the history's
 * total does.  Accepts r NULL. */
void hooks_runner_record(struct hooks_runner *r, double time, enum status_event_kind kind,
			 const char *subject, const char *from, const char *to,
			 const char *reason);

/* How long hooks_runner_finish() may wait: the longest timeout-ms and the
 * kill grace; 0 without hooks.  Accepts NULL. */
double hooks_runner_finish_s(const struct hooks_runner *r);

/*
 * Stopping: run the loop until every queued record has run or
 * hooks_runner_finish_s() passed; then drop what still waits (logged and
 * counted) and SIGKILL what still runs, and reap it.  Accepts NULL.
 */
void hooks_runner_finish(struct hooks_runner *r);

/* The bookkeeping, for the status; NULL for r NULL. */
const struct hooks *hooks_runner_hooks(const struct hooks_runner *r);

/* Kills and reaps what still runs.  Accepts NULL. */
void hooks_runner_free(struct hooks_runner *r);

#endif
