/*
 * probe.c - probe scheduling: one interval timer and one timeout timer per
 * probe, start jitter, late runs, result delivery.  The kinds (probe_pptp.c,
 * probe_process.c) only do the probing; everything about *when* lives here,
 * the decisions themselves in probe_sched.c.
 *
 * Runs start every interval_ms (start to start).  A run still active when the
 * next one is due is not overlapped: the timeout (< interval, enforced by the
 * config) always ends it first.  While the owner says the probe is in a
 * transition (probe_set_fast), the next run is due fast_interval_ms after the
 * previous one started if that is sooner, but never before it ended: the
 * fast run is armed at the end of a run.
 *
 * The one overlap: a run that is late (probe_sched_late_ms) gets a second
 * run beside it, on p->second, a second instance of the kind made at
 * creation for kinds with `overlap`.  The second instance has no schedule of
 * its own; its results go through probe_second_report_cb() into its owner's
 * delivery, and a scheduled run that comes due while it is active waits for
 * its end.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "log.h"
#include "probe.h"

const char *const probe_result_names[PROBE_RESULT__COUNT] = {
	[PROBE_UP] = "UP",
	[PROBE_DOWN] = "DOWN",
	[PROBE_ERROR] = "ERROR",
	[PROBE_DEGRADED] = "DEGRADED",
};

const double probe_latency_bounds_ms[PROBE_LATENCY_BUCKETS] = {
	1, 2.5, 5, 10, 25, 50, 100, 250, 1000, 5000,
};

static void
probe_observe_latency(struct probe *p, double latency_ms)
{
	size_t i;

	for (i = 0; i < PROBE_LATENCY_BUCKETS && latency_ms > probe_latency_bounds_ms[i]; i++)
		;
	p->latency_buckets[i]++;
	p->latency_sum_ms += latency_ms;
	p->latency_count++;
}

static const struct probe_ops *const probe_kind_ops[PROBE_KIND__COUNT] = {
	[PROBE_KIND_PPTP_CONTROL] = &probe_pptp_control_ops,
	[PROBE_KIND_PROCESS] = &probe_process_ops,
	[PROBE_KIND_PPTP_GRE] = &probe_pptp_gre_ops,
	[PROBE_KIND_CAPACITY] = &probe_capacity_ops,
	[PROBE_KIND_TCP] = &probe_tcp_ops,
	[PROBE_KIND_HTTP] = &probe_http_ops,
	[PROBE_KIND_EXEC] = &probe_exec_ops,
};

static void
probe_deliver(struct probe *p, enum probe_result result, const char *reason,
	      const char *detail, double latency_ms, bool immediate)
{
	struct probe_report *r = &p->last;

	if (reason == NULL)
		reason = "ok";
	r->changed = r->result != result || strncmp(r->reason, reason, sizeof(r->reason) - 1) != 0;
	r->result = result;
	snprintf(r->reason, sizeof(r->reason), "%s", reason);
	snprintf(r->detail, sizeof(r->detail), "%s", detail ? detail : "");
	r->latency_ms = latency_ms;
	r->immediate = immediate;
	p->last_time = ev_time();
	p->results[result]++;
	if (!immediate) {
		probe_observe_latency(p, latency_ms);
		probe_sched_result(&p->answers, result == PROBE_UP || result == PROBE_DEGRADED,
				   latency_ms);
	}
	if (result == PROBE_DOWN || result == PROBE_ERROR)
		p->failures++;
	if (p->report)
		p->report(p, r, p->report_arg);
}

/* (Re)arm the one-shot interval timer to fire at loop time `at`. */
static void
probe_arm(struct probe *p, ev_tstamp at)
{
	ev_tstamp now = ev_now(p->loop);

	ev_timer_stop(p->loop, &p->interval_timer);
	ev_timer_set(&p->interval_timer, at > now ? at - now : 0., 0.);
	ev_timer_start(p->loop, &p->interval_timer);
	p->armed_at = at;
}

/* The next run's start while no run is active (probe_sched_next). */
static ev_tstamp
probe_next_start(const struct probe *p)
{
	const struct probe_sched_state s = {
		.regular_due = p->regular_due,
		.started = p->run_started,
		.ended = p->run_ended,
		.fast = p->fast,
		.fast_ms = p->cfg->fast_interval_ms,
	};

	return probe_sched_next(&s);
}

static void
probe_finish(struct probe *p, enum probe_result result, const char *reason, const char *detail)
{
	double latency_ms = (ev_now(p->loop) - p->run_started) * 1000.0;

	ev_timer_stop(p->loop, &p->timeout_timer);
	ev_timer_stop(p->loop, &p->late_timer);
	p->running = false;
	p->run_ended = ev_now(p->loop);
	/* before the report: its callback may free p, or call probe_set_fast() */
	if (p->fast)
		probe_arm(p, probe_next_start(p));
	if (latency_ms < 0)
		latency_ms = 0;
	probe_deliver(p, result, reason, detail, latency_ms, false);
}

/* End the active run: the one path of probe_done() and probe_done_detail(). */
static void
probe_end(struct probe *p, enum probe_result result, const char *reason, const char *detail)
{
	if (!p->running) {
		log_warnx("probe %s: result %s (%s) outside a run ignored", p->cfg->name,
			  probe_result_names[result], reason ? reason : "ok");
		return;
	}
	/* ev_now() is the time the loop woke up: refresh it so latency is real. */
	ev_now_update(p->loop);
	probe_finish(p, result, reason, detail);
}

void
probe_done(struct probe *p, enum probe_result result, const char *reason)
{
	probe_end(p, result, reason, NULL);
}

void
probe_done_detail(struct probe *p, enum probe_result result, const char *reason,
		  const char *detail_fmt, ...)
{
	char detail[PROBE_DETAIL_MAX] = "";
	va_list ap;

	if (detail_fmt) {
		va_start(ap, detail_fmt);
		vsnprintf(detail, sizeof(detail), detail_fmt, ap);
		va_end(ap);
	}
	probe_end(p, result, reason, detail);
}

void
probe_event(struct probe *p, enum probe_result result, const char *reason)
{
	probe_deliver(p, result, reason, NULL, 0, true);
}

static void
probe_timeout_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct probe *p = w->data;
	const char *reason = "timeout";
	char detail[PROBE_DETAIL_MAX] = "";

	(void)loop;
	(void)revents;
	if (!p->running)
		return;
	if (p->ops->cancel) {
		const char *r = p->ops->cancel(p);
		if (r != NULL)
			reason = r;
	}
	if (p->ops->timeout_detail)
		p->ops->timeout_detail(p, detail, sizeof(detail));
	probe_finish(p, PROBE_DOWN, reason, detail);
}

/* Mark a run of p (either instance) active and arm its timeout. */
static void
probe_begin(struct probe *p)
{
	ev_now_update(p->loop);
	p->running = true;
	p->runs++;
	p->run_started = ev_now(p->loop);
	ev_timer_set(&p->timeout_timer, p->cfg->timeout_ms / 1000.0, 0.);
	ev_timer_start(p->loop, &p->timeout_timer);
}

/* A scheduled run, due at `due`. */
static void
probe_start(struct probe *p, ev_tstamp due)
{
	double late_ms = 0;

	probe_begin(p);
	/* start to start from when this run was due, as a repeating timer
	 * would, so the loop's own delays do not add up */
	p->regular_due = due + p->cfg->interval_ms / 1000.0;
	if (p->regular_due < p->run_started)
		p->regular_due = p->run_started;
	probe_arm(p, p->regular_due);
	if (p->second != NULL)
		late_ms = probe_sched_late_ms(&p->answers, p->cfg->fast_interval_ms,
					      p->cfg->timeout_ms);
	if (late_ms > 0) {
		ev_timer_set(&p->late_timer, late_ms / 1000.0, 0.);
		ev_timer_start(p->loop, &p->late_timer);
	}
	p->ops->start(p);	/* may call probe_done() before returning */
}

static void
probe_interval_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct probe *p = w->data;
	ev_tstamp due = p->armed_at;

	(void)loop;
	(void)revents;
	if (p->running) {	/* cannot happen while timeout < interval; be safe */
		probe_arm(p, due + p->cfg->interval_ms / 1000.0);
		return;
	}
	if (p->second != NULL && p->second->running)
		return;		/* its end arms this timer again */
	probe_start(p, due);
}

/* The run is late: start the second run beside it. */
static void
probe_late_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct probe *p = w->data;
	struct probe *second = p->second;

	(void)revents;
	if (!p->running || second->running)
		return;
	log_debug("probe %s: run late after %.0f ms, a second run starts beside it",
		  p->cfg->name, (ev_now(loop) - p->run_started) * 1000.0);
	p->second_runs++;
	p->runs++;
	probe_begin(second);
	second->ops->start(second);	/* may call probe_done() before returning */
}

/* A second instance's result is its owner's.  The owner's next run, held
 * back while this one was active, is armed again before the report (whose
 * callback may free both). */
static void
probe_second_report_cb(struct probe *second, const struct probe_report *r, void *arg)
{
	struct probe *p = arg;

	(void)second;
	if (!p->running)
		probe_arm(p, probe_next_start(p));
	probe_deliver(p, r->result, r->reason, r->detail, r->latency_ms, false);
}

/* First run after a random delay in [0, min(interval, 100 ms)). */
static double
probe_start_jitter(const struct probe_config *cfg)
{
	unsigned int r = 0;
	double span = cfg->interval_ms < 100 ? cfg->interval_ms : 100;

	if (getrandom(&r, sizeof(r), GRND_NONBLOCK) != sizeof(r))
		r = (unsigned int)random();
	return (r % 1000) / 1000.0 * span / 1000.0;
}

/* A probe with its kind initialised and nothing scheduled, or NULL. */
static struct probe *
probe_new(struct ev_loop *loop, const struct probe_config *cfg,
	  probe_report_cb *report, void *arg)
{
	struct probe *p = xcalloc(1, sizeof(*p));

	p->cfg = cfg;
	p->ops = probe_kind_ops[cfg->kind];
	p->loop = loop;
	p->report = report;
	p->report_arg = arg;
	p->last.result = PROBE_ERROR;
	snprintf(p->last.reason, sizeof(p->last.reason), "not-run-yet");
	if (p->ops->priv_size)
		p->priv = xcalloc(1, p->ops->priv_size);
	ev_timer_init(&p->timeout_timer, probe_timeout_cb, 0., 0.);
	p->timeout_timer.data = p;
	ev_timer_init(&p->interval_timer, probe_interval_cb, 0., 0.);
	p->interval_timer.data = p;
	ev_timer_init(&p->late_timer, probe_late_cb, 0., 0.);
	p->late_timer.data = p;
	if (p->ops->init && p->ops->init(p) < 0) {
		log_warnx("probe %s: cannot initialise %s probe", cfg->name, p->ops->kind);
		free(p->priv);
		free(p);
		return NULL;
	}
	return p;
}

struct probe *
probe_create(struct ev_loop *loop, const struct probe_config *cfg,
	     probe_report_cb *report, void *arg)
{
	struct probe *p = probe_new(loop, cfg, report, arg);

	if (p == NULL)
		return NULL;
	/* late runs are part of fast transitions: off with them */
	if (p->ops->overlap && cfg->fast_interval_ms > 0) {
		p->second = probe_new(loop, cfg, probe_second_report_cb, p);
		if (p->second == NULL) {
			probe_destroy(p);
			return NULL;
		}
	}
	p->regular_due = ev_now(loop) + probe_start_jitter(cfg);
	probe_arm(p, p->regular_due);
	return p;
}

void
probe_set_fast(struct probe *p, bool fast)
{
	if (p->fast == fast)
		return;
	p->fast = fast;
	/* an active run re-arms when it ends; before the first run the jittered
	 * start stands */
	if (!p->running && p->runs > 0)
		probe_arm(p, probe_next_start(p));
}

void
probe_run_now(struct probe *p)
{
	if (!p->running && (p->second == NULL || !p->second->running))
		probe_arm(p, ev_now(p->loop));
}

void
probe_set_config(struct probe *p, const struct probe_config *cfg)
{
	p->cfg = cfg;
	if (p->second != NULL)
		p->second->cfg = cfg;
}

void
probe_destroy(struct probe *p)
{
	if (p == NULL)
		return;
	probe_destroy(p->second);
	ev_timer_stop(p->loop, &p->interval_timer);
	ev_timer_stop(p->loop, &p->timeout_timer);
	ev_timer_stop(p->loop, &p->late_timer);
	if (p->running && p->ops->cancel)
		p->ops->cancel(p);
	p->running = false;
	if (p->ops->destroy)
		p->ops->destroy(p);
	free(p->priv);
	free(p);
}
