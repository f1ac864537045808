/*
 * probe_harness.h - what the probe test suites (test_probe_pptp.c,
 * test_probe_gre.c, test_probe_generic.c, test_probe_capacity.c) share to
 * run one probe under the real scheduler (probe.c) on a libev loop.
 *
 * A suite embeds a struct probe_harness in its fixture, sets it up in its
 * cmocka setup, adjusts h->cfg in a case, creates the probe with
 * probe_harness_run() and waits with the run_*() helpers.  Every wait is
 * bounded by a guard timer: a wait the guard ends fails the case instead of
 * hanging the suite.  The teardown checks that the case left no descriptor
 * open.  Also here: the loopback ports the suites point probes at (a
 * listener, a port that refuses, one that drops SYNs) and a way to run out
 * of descriptors.
 */
#ifndef AHD_TESTS_PROBE_HARNESS_H
#define AHD_TESTS_PROBE_HARNESS_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/resource.h>
#include <ev.h>

#include "probe.h"

struct probe_harness {
	struct ev_loop *loop;
	bool own_loop;			/* made by the setup, destroyed by the teardown */
	struct probe_config cfg;	/* the case adjusts it before the probe is made */
	struct probe *probe;
	ev_timer guard;			/* bounds every wait; firing fails the wait */
	bool guard_fired;
	double guard_seconds;		/* for run_until() and run_until_reports(): 5 s */
	int n_reports;
	struct probe_report report;	/* the last one */
	bool destroy_in_report;		/* the report callback frees the probe */
	bool check_fds;			/* the teardown compares the descriptors: yes */
	int fds_before;
};

/* Descriptors this process has open now. */
int count_fds(void);

/* Loop: NULL for a new loop of the harness's own (descriptors are counted
 * before it is made, and it is destroyed before they are counted again), or
 * a loop the suite keeps (counted with it).  cfg gets `name` and `kind`,
 * one run per case (interval 60 s), timeout 1 s, rise and fall 1. */
void probe_harness_setup(struct probe_harness *h, struct ev_loop *loop, const char *name,
			 enum probe_kind kind);

/* Destroys the probe, the guard and an own loop; then no descriptor may be
 * open that was not open before the setup (when h->check_fds). */
void probe_harness_teardown(struct probe_harness *h);

/* The report callback for probe_create(..., probe_harness_report, h). */
void probe_harness_report(struct probe *p, const struct probe_report *r, void *arg);

/* Create h->probe from h->cfg and wait for its first report in h->report. */
void probe_harness_run(struct probe_harness *h);

/* (Re)start the guard: it fires `seconds` from now. */
void arm_guard(struct probe_harness *h, double seconds);

/* Run the loop until *flag, within the guard. */
void run_until(struct probe_harness *h, const bool *flag);

/* Run the loop for `seconds`, whatever happens. */
void run_for(struct probe_harness *h, double seconds);

/* Run the loop until the n-th report, within the guard. */
void run_until_reports(struct probe_harness *h, int n);

/* The last report has this result and reason, and was not an immediate one. */
void assert_report(const struct probe_harness *h, enum probe_result result, const char *reason);

/* A non-blocking listener on 127.0.0.1 on a free port; asserts on failure. */
int listen_loopback(uint16_t *port);

/* A port bound on loopback (AF_INET or AF_INET6) with nothing listening:
 * a SYN gets a RST.  Its descriptor, or -1 when the family is not there. */
int closed_port(int family, uint16_t *port);

/* A listener on 127.0.0.1 that never accepts and whose queue is full:
 * SYNs to it are dropped, so a connect times out. */
struct blackhole {
	int lfd;
	int filler[4];
	uint16_t port;
};

void blackhole_open(struct blackhole *b);
void blackhole_close(struct blackhole *b);

/* Make the next descriptor number the first one over the limit; *saved is
 * the limit to put back with setrlimit(RLIMIT_NOFILE, saved). */
void limit_fds(struct rlimit *saved);

#endif
