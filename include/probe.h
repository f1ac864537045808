/*
 * probe.h - probe scheduling and the contract every probe kind implements.
 *
 *   probe.c          one interval timer and one timeout timer per probe,
 *                    jitter, result delivery (this header's functions)
 *   probe_sched.c    the timing decisions, pure (probe_sched.h)
 *   probe_pptp.c     kind "pptp-control"   (probe_pptp_control_ops)
 *   probe_process.c  kind "process"        (probe_process_ops)
 *   probe_gre.c      kind "pptp-gre"       (probe_pptp_gre_ops)
 *   probe_capacity.c kind "capacity"       (probe_capacity_ops)
 *   probe_tcp.c      kind "tcp"            (probe_tcp_ops)
 *   probe_http.c     kind "http"           (probe_http_ops)
 *   probe_exec.c     kind "exec"           (probe_exec_ops)
 *
 * A run:  probe.c calls ops->start(); the kind does its non-blocking work on
 * the loop and ends the run with probe_done().  If the run outlives
 * timeout_ms, probe.c calls ops->cancel(), which must close every socket of
 * the run and return the reason to report (e.g. "sccrp-timeout"); the run is
 * then reported DOWN with that reason.  probe_done() after cancel is a bug.
 *
 * Event-driven kinds (process) may also call probe_event() at any time,
 * outside a run: the result is delivered with `immediate` set, which health.c
 * applies without waiting for rise/fall.  A kind that learns something
 * worth checking at once (a restarted process) calls probe_run_now().
 *
 * Schedule: runs start every interval_ms, start to start.  While the owner
 * says the probe is in a transition (probe_set_fast(): a check of its
 * service is counting up through rise or down through fall), the next run
 * starts at the earlier of that regular time and fast_interval_ms after the
 * previous run's start, but never before that run ended (0 = no fast runs).
 * A run always gets its full timeout_ms.
 *
 * Late runs (kinds with `overlap`, fast_interval_ms > 0): a run that has
 * gone on for twice the longest of the probe's recent answers (at least
 * fast_interval_ms; probe_sched.h) is late, and one second run starts beside
 * it, on a second instance of the kind (p->second: same config, its own
 * priv).  Its result is delivered as the probe's own.  At most these two
 * runs are active; the next scheduled run waits for both to end.
 *
 * Every hook is optional except start.
 */
#ifndef AHD_PROBE_H
#define AHD_PROBE_H

#include <stdbool.h>
#include <stddef.h>
#include <ev.h>

#include "config.h"
#include "probe_sched.h"

/*
 * UP: serving.  DOWN: not serving.  ERROR: the probe itself could not run
 * (no CAP_NET_RAW, EMFILE): not counted unless the service says so.
 * DEGRADED: serving but near a limit (capacity probe): counts as UP for
 * rise/fall, and makes the service less preferred.
 */
enum probe_result { PROBE_UP, PROBE_DOWN, PROBE_ERROR, PROBE_DEGRADED, PROBE_RESULT__COUNT };
/* "UP", "DOWN", "ERROR", "DEGRADED" */
extern const char *const probe_result_names[PROBE_RESULT__COUNT];

#define PROBE_REASON_MAX 64
#define PROBE_DETAIL_MAX 160

struct probe_report {
	enum probe_result result;
	char reason[PROBE_REASON_MAX];	/* short code: "ok", "sccrp-timeout", "process-exited"... */
	double latency_ms;		/* start to result; 0 for events */
	bool immediate;			/* event-driven: skip rise/fall */
	bool changed;			/* result or reason differs from the previous one */
	char detail[PROBE_DETAIL_MAX];	/* optional numbers for the status, e.g.
					 * "sessions 45/50 fds 120/1024"; "" if none */
};

struct probe;

struct probe_ops {
	const char *kind;		/* same word as probe_kind_names[] */
	size_t priv_size;		/* bytes of per-probe state, zeroed, at p->priv */
	/* Called once after creation; may start watchers (process watch). */
	int (*init)(struct probe *p);
	/* Begin one run.  Must end it with probe_done() (maybe synchronously). */
	void (*start)(struct probe *p);
	/* The run timed out or the probe is being destroyed: close everything
	 * of the run now.  Returns the reason code for a timeout. */
	const char *(*cancel)(struct probe *p);
	/* After cancel() on a timeout: what the run gathered (counters) for the
	 * timeout report's detail, as probe_done_detail() would; leave buf ""
	 * for none. */
	void (*timeout_detail)(struct probe *p, char *buf, size_t size);
	/* Free what init() made.  Called after cancel() if a run was active. */
	void (*destroy)(struct probe *p);
	/* Two instances of the kind with the same config may run at once (no
	 * watcher outside a run, nothing shared): a late run gets a second run
	 * beside it.  Kinds that wait on a remote answer set it. */
	bool overlap;
};

extern const struct probe_ops probe_pptp_control_ops;
extern const struct probe_ops probe_process_ops;
extern const struct probe_ops probe_pptp_gre_ops;
extern const struct probe_ops probe_capacity_ops;
extern const struct probe_ops probe_tcp_ops;
extern const struct probe_ops probe_http_ops;
extern const struct probe_ops probe_exec_ops;

/* Upper bounds (ms) of the latency histogram buckets kept per probe, for the
 * Prometheus histogram; a last implicit bucket is +Inf. */
#define PROBE_LATENCY_BUCKETS 10
extern const double probe_latency_bounds_ms[PROBE_LATENCY_BUCKETS];

typedef void probe_report_cb(struct probe *p, const struct probe_report *r, void *arg);

struct probe {
	const struct probe_config *cfg;
	const struct probe_ops *ops;
	struct ev_loop *loop;
	ev_timer interval_timer;	/* one-shot: fires when the next run is due */
	ev_timer timeout_timer;		/* armed while a run is active */
	ev_timer late_timer;		/* armed while a run is active, until it is late */
	struct probe *second;		/* the instance for a run beside a late one;
					 * NULL when the kind cannot overlap */
	bool running;			/* a run is active */
	bool fast;			/* in a transition: probe_set_fast() */
	ev_tstamp run_started;		/* loop time (ev_now) of the last run's start */
	ev_tstamp run_ended;		/* ... and of its end; 0 before the first */
	ev_tstamp regular_due;		/* the next run's regular start: run_started + interval */
	ev_tstamp armed_at;		/* when interval_timer fires (loop time) */
	void *priv;			/* ops->priv_size bytes */
	probe_report_cb *report;
	void *report_arg;
	struct probe_report last;	/* the last delivered result */
	double last_time;		/* wall clock of the last result, 0 if none */
	unsigned long runs, failures;	/* counters for the status (runs: both instances') */
	unsigned long second_runs;	/* runs started beside a late one */
	struct probe_answers answers;	/* recent answered runs' latencies */
	unsigned long results[PROBE_RESULT__COUNT];	/* results delivered, by kind */
	/* latency of completed runs (not events): cumulative-free per-bucket
	 * counts, bucket i counts latency <= bounds[i] and > bounds[i-1];
	 * index PROBE_LATENCY_BUCKETS counts the rest */
	unsigned long latency_buckets[PROBE_LATENCY_BUCKETS + 1];
	double latency_sum_ms;
	unsigned long latency_count;
};

/* Create and start scheduling; the first run starts after a random delay in
 * [0, min(interval, 100 ms)) so probes do not fire together. */
struct probe *probe_create(struct ev_loop *loop, const struct probe_config *cfg,
			   probe_report_cb *report, void *arg);
/* Cancel any run and free.  Accepts NULL. */
void probe_destroy(struct probe *p);

/* End the active run.  reason must be a short code; NULL means "ok". */
void probe_done(struct probe *p, enum probe_result result, const char *reason);
/* The same with numbers for the status (printf-style detail, may be NULL). */
void probe_done_detail(struct probe *p, enum probe_result result, const char *reason,
		       const char *detail_fmt, ...) __attribute__((format(printf, 4, 5)));
/* Report an event outside a run (delivered with immediate = true). */
void probe_event(struct probe *p, enum probe_result result, const char *reason);

/* The owner's view of the probe's check: true while it is counting through
 * rise or fall (fast runs, see the schedule above), false once settled.
 * May be called from a report callback; re-arms the next run at once when
 * no run is active, else when the active run ends. */
void probe_set_fast(struct probe *p, bool fast);

/* Start a run at the next loop iteration, unless one is active (whose
 * result is as fresh). */
void probe_run_now(struct probe *p);

/* Point the probe, and its second instance, at cfg: a config equal to the
 * one it was made with (a reload that keeps the service). */
void probe_set_config(struct probe *p, const struct probe_config *cfg);

/* For kinds: the config of this probe's kind. */
#define PROBE_CFG(p, kindfield) (&(p)->cfg->u.kindfield)

#endif
