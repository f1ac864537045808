/*
 * driver_fixture.h - what the router driver test suites (test_driver_bird.c,
 * test_driver_frr.c, test_driver_shared.c) share around a driver running on
 * a libev loop.
 *
 * A temp dir per case; the case's stderr collected in a file there (the
 * drivers' log lines are part of their contract), shown afterwards when
 * TEST_VERBOSE is set; a loop kept ticking so that waits
 * on it are bounded by the clock; a recorder of the driver's callbacks for
 * two prefixes; the Unix sockets the fake routers listen on; and the real
 * routers' processes, their output kept in a file.
 */
#ifndef AHD_TESTS_DRIVER_FIXTURE_H
#define AHD_TESTS_DRIVER_FIXTURE_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>
#include <ev.h>

#include "bgp_sessions.h"
#include "driver.h"

/* Run (fx)->loop until `expr` holds, for `secs` seconds at the most, then
 * assert it.  fx: any fixture with a `loop`. */
#define WAIT_UNTIL(fx, secs, expr) do {						\
		double wait_deadline_ = ev_time() + (secs);			\
		while (!(expr) && ev_time() < wait_deadline_)			\
			ev_run((fx)->loop, EVRUN_ONCE);				\
		assert_true(expr);						\
	} while (0)

/* Run the loop for `secs` seconds, whatever happens. */
void run_loop_for(struct ev_loop *loop, double secs);

/* A new loop with `tick` started on it, every `interval` seconds, so that
 * the loop wakes up to look at the clock even when nothing else happens. */
struct ev_loop *fixture_loop_new(ev_timer *tick, double interval);
void fixture_loop_destroy(struct ev_loop *loop, ev_timer *tick);

/* dir (of `size` bytes) becomes a new /tmp/NAME.XXXXXX; removed with all
 * it holds by remove_temp_dir(). */
void make_temp_dir(char *dir, size_t size, const char *name);
void remove_temp_dir(const char *dir);

/* A file's text (in a static buffer, 64 KiB at the most), or NULL. */
char *slurp(const char *path);
void write_text(const char *path, const char *text);
/* How often needle is in hay (NULL: 0). */
size_t count_in(const char *hay, const char *needle);

/* The case's stderr, collected in DIR/stderr.log. */
struct captured_stderr {
	char path[160];
	int saved;		/* the real stderr */
};

void capture_stderr(struct captured_stderr *c, const char *dir);
/* Back to the real stderr; the log is shown there when TEST_VERBOSE is
 * set or when it holds a cmocka failure message.  (cmocka 1.1.5 prints
 * those only after the teardown, so today that is TEST_VERBOSE only.) */
void release_stderr(struct captured_stderr *c);
/* How often needle has been logged so far. */
size_t stderr_count(struct captured_stderr *c, const char *needle);

/* What the driver told the test through its callbacks (prefixes 0 and 1). */
#define DRIVER_OBS_PREFIXES	2

struct driver_obs {
	enum route_state actual[DRIVER_OBS_PREFIXES];
	int n_actual[DRIVER_OBS_PREFIXES];
	int n_up, n_down;
	bool up;
	char whys[64][160];	/* every connection change's why, in order */
	size_t n_whys;
	int n_drift;
	enum route_state drift_found, drift_wanted;
	/* cb->sessions (driver_obs_sessions_cb only): how often, and the last
	 * table (n_prefixes as the driver had it, advertised[] copied for
	 * prefixes 0 and 1) */
	int n_sessions;
	struct bgp_sessions sessions;
	uint32_t advertised[DRIVER_OBS_PREFIXES];
	/* cb->instance (keepalived): the last state and how often, per prefix */
	enum vrrp_state vrrp[DRIVER_OBS_PREFIXES];
	double vrrp_age[DRIVER_OBS_PREFIXES];	/* its age_s */
	int n_instance[DRIVER_OBS_PREFIXES];
};

/* For driver_open(..., &driver_obs_cb, &obs): no sessions callback, so
 * the drivers ask nothing about BGP sessions; the instance callback
 * (keepalived's) is recorded. */
extern const struct driver_callbacks driver_obs_cb;
/* The same with the sessions callback. */
extern const struct driver_callbacks driver_obs_sessions_cb;
/* How many established sessions of the last table advertise prefix i. */
unsigned driver_obs_carried(const struct driver_obs *o, size_t i);

/* A listening Unix socket at path (any old file there is removed first). */
int listen_unix(const char *path);
/* listen_unix(path), with accept_io watching it on loop for accept_cb
 * (data in accept_io->data).  Returns the listener. */
int serve_unix(struct ev_loop *loop, ev_io *accept_io, const char *path,
	       void (*accept_cb)(struct ev_loop *loop, ev_io *w, int revents), void *data);
/* Undoes serve_unix(): *lfd closed and -1 (nothing if it is -1 already). */
void stop_serving(struct ev_loop *loop, ev_io *accept_io, int *lfd);
/* A socket file at path that nobody listens on: connect() is refused. */
void stale_unix_socket(const char *path);
/* A listener at path whose backlog is full (nobody accepts, one client
 * waits in it): a non-blocking connect() fails with EAGAIN.  The listener
 * into *lfd, the waiting client into *cfd. */
void full_unix_socket(const char *path, int *lfd, int *cfd);

/* Start `file` with argv in a child whose stdout and stderr are appended
 * to `out`; its pid. */
pid_t spawn_logged(const char *file, const char *const argv[], const char *out);

#endif
