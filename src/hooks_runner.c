/*
 * hooks_runner.c - the state-change hooks' processes on the loop (see
 * hooks_runner.h); the queues and the bound are hooks.c's, the fork, the
 * output pipe and the kills spawn.c's.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "hooks_runner.h"
#include "log.h"
#include "probe_output.h"
#include "spawn.h"

struct hooks_run {
	struct hooks_runner *runner;
	struct hook_state *hs;
	struct hook_record rec;
	char name[33];
	uint32_t timeout_ms;
	pid_t pid;
	struct spawn_output out;	/* its stdout and stderr, the first line */
	ev_child child;
	ev_timer timer;			/* timeout, then the kill grace */
	int kills;			/* 0; 1 after SIGTERM; 2 after SIGKILL */
	double started;			/* monotonic */
	struct hooks_run *next;
};

struct hooks_runner {
	struct ev_loop *loop;
	struct hooks hooks;
	const struct config *cfg;
	char gateway[256];
	ev_idle kick;			/* starts runs when the loop is idle */
	bool closing;			/* stopping, past the wait: start nothing */
	struct hooks_run *runs;
};

static void hooks_runner_kick(struct hooks_runner *r);

static double
hooks_runner_mono(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* ANYCAST_HEALTHD_GATEWAY: the fleet's node name, else the host name. */
static void
hooks_runner_gateway(struct hooks_runner *r, const struct config *cfg)
{
	if (cfg->fleet.enabled && cfg->fleet.node != NULL) {
		snprintf(r->gateway, sizeof(r->gateway), "%s", cfg->fleet.node);
		return;
	}
	if (gethostname(r->gateway, sizeof(r->gateway)) < 0)
		snprintf(r->gateway, sizeof(r->gateway), "unknown");
	r->gateway[sizeof(r->gateway) - 1] = '\0';
}

/* ---- one run ---- */

static void
hooks_run_unlink(struct hooks_run *run)
{
	struct hooks_run **p;

	for (p = &run->runner->runs; *p != NULL; p = &(*p)->next) {
		if (*p == run) {
			*p = run->next;
			return;
		}
	}
}

/* The run is over: count it, log it, free it, let the next one start. */
static void
hooks_run_end(struct hooks_run *run, enum hook_result result, const char *reason)
{
	struct hooks_runner *r = run->runner;
	const struct status_event *e = &run->rec.event;
	double took = hooks_runner_mono() - run->started;

	if (result == HOOK_OK)
		log_debug("hook %s: ok in %.0f ms (%s) for %s %s", run->name, took * 1000, reason,
			  status_event_kind_names[e->kind], e->subject);
	else
		log_warnx("hook %s: %s (%s) for %s %s %s -> %s", run->name,
			  hook_result_names[result], reason, status_event_kind_names[e->kind],
			  e->subject, e->from, e->to);
	spawn_output_close(&run->out, r->loop);
	ev_timer_stop(r->loop, &run->timer);
	ev_child_stop(r->loop, &run->child);
	hooks_run_unlink(run);
	hooks_done(&r->hooks, run->hs, result, reason, ev_time(), took);
	free(run);
	hooks_runner_kick(r);
}

static void
hooks_run_child_cb(struct ev_loop *loop, ev_child *w, int revents)
{
	struct hooks_run *run = w->data;
	char reason[sizeof(run->hs->last.reason)];
	enum hook_result result;

	(void)revents;
	/* what it wrote before it exited is in the pipe by now */
	spawn_output_drain(&run->out, loop);
	/* stragglers in its group (none is normal): a hook leaves nothing */
	(void)kill(-run->pid, SIGKILL);
	result = hooks_verdict(w->rstatus, run->kills > 0, run->timeout_ms,
			       probe_output_line_text(&run->out.line), reason, sizeof(reason));
	hooks_run_end(run, result, reason);
}

/* timeout-ms passed: SIGTERM to the group; the grace passed: SIGKILL. */
static void
hooks_run_timer_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct hooks_run *run = w->data;

	(void)revents;
	if (run->kills == 0) {
		log_warnx("hook %s: still running after %u ms: SIGTERM to process group %d",
			  run->name, run->timeout_ms, (int)run->pid);
		spawn_kill_group(run->pid, SIGTERM);
		run->kills = 1;
		ev_timer_set(w, HOOKS_KILL_GRACE_S, 0.);
		ev_timer_start(loop, w);
		return;
	}
	log_warnx("hook %s: still running %.0f s after SIGTERM: SIGKILL to process group %d",
		  run->name, HOOKS_KILL_GRACE_S, (int)run->pid);
	spawn_kill_group(run->pid, SIGKILL);
	run->kills = 2;
}

/* Start the command of hs for record rec. */
static void
hooks_run_start(struct hooks_runner *r, struct hook_state *hs, const struct hook_record *rec)
{
	struct hooks_run *run = xcalloc(1, sizeof(*run));
	struct hook_env env;
	const char *step;
	char why[64];
	int fd;

	run->runner = r;
	run->hs = hs;
	run->rec = *rec;
	snprintf(run->name, sizeof(run->name), "%s", hs->name);
	run->timeout_ms = hs->cfg->timeout_ms;
	run->started = hooks_runner_mono();
	spawn_output_init(&run->out);
	ev_child_init(&run->child, hooks_run_child_cb, 0, 0);
	ev_timer_init(&run->timer, hooks_run_timer_cb, run->timeout_ms / 1000.0, 0.);
	run->child.data = run->timer.data = run;
	run->next = r->runs;
	r->runs = run;
	hooks_env(&env, run->name, rec, r->gateway);
	run->pid = spawn_start(hs->cfg->argv, env.envp, true, &fd, &step);
	if (run->pid < 0) {
		hooks_run_end(run, HOOK_FAILED, spawn_errno_reason(why, sizeof(why), step, errno));
		return;
	}
	log_debug("hook %s: pid %d: %s %s %s -> %s (record %lu)", run->name, (int)run->pid,
		  status_event_kind_names[rec->event.kind], rec->event.subject, rec->event.from,
		  rec->event.to, rec->seq);
	spawn_output_start(&run->out, r->loop, fd);
	ev_child_set(&run->child, run->pid, 0);
	ev_child_start(r->loop, &run->child);
	ev_timer_start(r->loop, &run->timer);
}

/* ---- the runner ---- */

static void
hooks_runner_kick_cb(struct ev_loop *loop, ev_idle *w, int revents)
{
	struct hooks_runner *r = w->data;
	struct hook_record rec;
	struct hook_state *hs;

	(void)revents;
	ev_idle_stop(loop, w);
	while (!r->closing && (hs = hooks_next(&r->hooks, &rec)) != NULL)
		hooks_run_start(r, hs, &rec);
}

static void
hooks_runner_kick(struct hooks_runner *r)
{
	if (!r->closing && hooks_queued(&r->hooks) > 0)
		ev_idle_start(r->loop, &r->kick);
}

struct hooks_runner *
hooks_runner_create(struct ev_loop *loop, const struct config *cfg)
{
	struct hooks_runner *r = xcalloc(1, sizeof(*r));

	r->loop = loop;
	r->cfg = cfg;
	hooks_init(&r->hooks, &cfg->hooks);
	hooks_runner_gateway(r, cfg);
	ev_idle_init(&r->kick, hooks_runner_kick_cb);
	r->kick.data = r;
	if (cfg->hooks.n_hooks > 0 && !ev_is_default_loop(loop))
		log_warnx("hooks: need libev's default loop; no hook will run");
	return r;
}

void
hooks_runner_reconfigure(struct hooks_runner *r, const struct config *cfg)
{
	size_t dropped;

	hooks_reconfigure(&r->hooks, &cfg->hooks, &dropped);
	r->cfg = cfg;
	hooks_runner_gateway(r, cfg);
	if (dropped > 0)
		log_warnx("hooks: %zu records dropped with the hooks the reload removed", dropped);
	hooks_runner_kick(r);
}

void
hooks_runner_record(struct hooks_runner *r, double time, enum status_event_kind kind,
		    const char *subject, const char *from, const char *to, const char *reason)
{
	struct status_event e = { .time = time, .kind = kind };
	const struct hook_state *full;
	size_t dropped;

	if (r == NULL)
		return;
	if (r->hooks.n == 0 || !ev_is_default_loop(r->loop)) {
		r->hooks.seq++;		/* SEQ counts every record, as the history does */
		return;
	}
	snprintf(e.subject, sizeof(e.subject), "%s", subject ? subject : "");
	snprintf(e.from, sizeof(e.from), "%s", from ? from : "");
	snprintf(e.to, sizeof(e.to), "%s", to ? to : "");
	snprintf(e.reason, sizeof(e.reason), "%s", reason ? reason : "");
	dropped = hooks_offer(&r->hooks, &e, &full);
	if (dropped > 0)
		log_warnx("hook %s: queue full (%zu): its oldest waiting record dropped%s",
			  full->name, full->capacity, dropped > 1 ? " (and other hooks')" : "");
	hooks_runner_kick(r);
}

double
hooks_runner_finish_s(const struct hooks_runner *r)
{
	double longest = 0;
	size_t i;

	if (r == NULL || r->hooks.n == 0)
		return 0;
	for (i = 0; i < r->cfg->hooks.n_hooks; i++)
		if (r->cfg->hooks.hooks[i].timeout_ms / 1000.0 > longest)
			longest = r->cfg->hooks.hooks[i].timeout_ms / 1000.0;
	return longest + HOOKS_KILL_GRACE_S;
}

static void
hooks_runner_tick_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	(void)loop;
	(void)w;
	(void)revents;
}

/* Run the loop while cond() holds, until `seconds` passed. */
static void
hooks_runner_wait(struct hooks_runner *r, bool (*cond)(const struct hooks_runner *),
		  double seconds)
{
	double deadline = hooks_runner_mono() + seconds;
	ev_timer tick;

	ev_timer_init(&tick, hooks_runner_tick_cb, 0.05, 0.05);
	ev_timer_start(r->loop, &tick);
	while (cond(r) && hooks_runner_mono() < deadline)
		ev_run(r->loop, EVRUN_ONCE);
	ev_timer_stop(r->loop, &tick);
}

static bool
hooks_runner_busy(const struct hooks_runner *r)
{
	return r->runs != NULL || hooks_queued(&r->hooks) > 0;
}

static bool
hooks_runner_running(const struct hooks_runner *r)
{
	return r->runs != NULL;
}

/* Drop every queued record (counted) and SIGKILL every run. */
static void
hooks_runner_cut(struct hooks_runner *r)
{
	struct hooks_run *run;
	size_t i, dropped = 0;

	r->closing = true;
	ev_idle_stop(r->loop, &r->kick);
	for (i = 0; i < r->hooks.n; i++) {
		struct hook_state *hs = r->hooks.hooks[i];

		hs->results[HOOK_DROPPED] += hs->count;
		dropped += hs->count;
		hs->count = 0;
	}
	if (dropped > 0)
		log_warnx("hooks: stopping: %zu records not run", dropped);
	for (run = r->runs; run != NULL; run = run->next) {
		log_warnx("hook %s: stopping: SIGKILL to process group %d", run->name,
			  (int)run->pid);
		spawn_kill_group(run->pid, SIGKILL);
		run->kills = 2;
	}
}

void
hooks_runner_finish(struct hooks_runner *r)
{
	if (r == NULL)
		return;
	if (hooks_runner_busy(r))
		log_info("hooks: stopping: waiting up to %.1f s for %zu running and %zu queued",
			 hooks_runner_finish_s(r), r->hooks.running, hooks_queued(&r->hooks));
	hooks_runner_wait(r, hooks_runner_busy, hooks_runner_finish_s(r));
	hooks_runner_cut(r);
	hooks_runner_wait(r, hooks_runner_running, HOOKS_KILL_GRACE_S);
}

const struct hooks *
hooks_runner_hooks(const struct hooks_runner *r)
{
	return r != NULL ? &r->hooks : NULL;
}

void
hooks_runner_free(struct hooks_runner *r)
{
	struct hooks_run *run;

	if (r == NULL)
		return;
	hooks_runner_cut(r);
	while ((run = r->runs) != NULL) {
		/* killed, not yet reaped: a reaper collects it */
		ev_child_stop(r->loop, &run->child);
		spawn_reap(r->loop, run->pid);
		hooks_run_end(run, HOOK_TIMEOUT, "killed: the daemon stopped");
	}
	hooks_free(&r->hooks);
	free(r);
}
