/*
 * test_driver_bird_sets.c - the BIRD driver of the prefix-sets pattern
 * (driver_bird_sets.c) on a real libev loop, against an in-process fake
 * BIRD: a Unix socket server on the same loop that loads the state file's
 * sets on `configure` (as BIRD's import filter would: a route is in the
 * table when its prefix is in a set) and lists its routes for `show route
 * protocol anycast_sets4|6 [where net ~ SET]`.  It misbehaves on demand: a
 * bird.conf error (8002) for `configure`, a listing cut by a reconfigure
 * (8004), sets BIRD has not loaded (9001), route lines that are not ours.
 * The real BIRD and the upstream's RIB are tests/integration/bird-sets.sh's.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "config.h"
#include "driver.h"
#include "driver_bird_sets.h"
#include "support/driver_fixture.h"

#define N_PREFIXES	2
#define MAX_LOG		256

static const char *const prefix_text[N_PREFIXES] = { "192.0.2.1/32", "2001:db8::1/128" };

enum fake_mode {
	FAKE_NORMAL,
	FAKE_CONFIG_ERROR,	/* configure: 8002, nothing loaded */
	FAKE_CUT_ONCE,		/* the next show: 8004 (a configure cut it) */
	FAKE_NO_SETS,		/* shows with `where`: 9001 (no such set) */
	FAKE_FOREIGN,		/* shows list routes that are not ours too */
};

struct fake {
	struct ev_loop *loop;
	char path[100];
	const char *state_file;
	int lfd, cfd;
	ev_io accept_io, client_io;
	char in[8192];
	size_t in_len;
	enum fake_mode mode;
	/* what BIRD has loaded, per prefix: the set it is in */
	enum route_state loaded[N_PREFIXES];
	char log[MAX_LOG][200];
	size_t n_log;
	char bgp6[16];		/* uppeer6's Info word */
};

static void
fake_write(struct fake *f, const char *s)
{
	if (f->cfd != -1)
		assert_int_equal(send(f->cfd, s, strlen(s), MSG_NOSIGNAL), (ssize_t)strlen(s));
}

/* The state a set name gives, from "ANYCAST_DEGRADED4". */
static enum route_state
fake_set_state(const char *name)
{
	if (strncmp(name, "ANYCAST_ANNOUNCED", 17) == 0)
		return ROUTE_ANNOUNCED;
	if (strncmp(name, "ANYCAST_DEGRADED", 16) == 0)
		return ROUTE_DEGRADED;
	if (strncmp(name, "ANYCAST_DRAINING", 16) == 0)
		return ROUTE_DRAINING;
	return ROUTE_UNKNOWN;
}

/* `configure`: the file's sets, as BIRD's parser and the import filter
 * would take them (a prefix in no set is withdrawn). */
static void
fake_configure(struct fake *f)
{
	const char *text = slurp(f->state_file);
	enum route_state cur = ROUTE_UNKNOWN;
	char line[200];
	const char *p;
	size_t i, n;

	for (i = 0; i < N_PREFIXES; i++)
		f->loaded[i] = ROUTE_WITHDRAWN;
	for (p = text; p != NULL && *p != '\0'; p += n + (p[n] == '\n')) {
		n = strcspn(p, "\n");
		snprintf(line, sizeof(line), "%.*s", (int)n, p);
		if (strncmp(line, "define ", 7) == 0)
			cur = fake_set_state(line + 7);
		for (i = 0; i < N_PREFIXES; i++)
			if (line[0] == '\t' && strncmp(line + 1, prefix_text[i], strlen(prefix_text[i])) == 0)
				f->loaded[i] = cur;
	}
	fake_write(f, "0002-Reading configuration from /etc/bird/bird.conf\n0003 Reconfigured\n");
}

/* `show route protocol anycast_setsF [where net ~ SET]`. */
static void
fake_show(struct fake *f, const char *cmd)
{
	bool v6 = strncmp(cmd, "show route protocol anycast_sets6", 33) == 0;
	const char *where = strstr(cmd, " where net ~ ");
	enum route_state only = where != NULL ? fake_set_state(where + 13) : ROUTE_UNKNOWN;
	char buf[200];
	bool head = false;
	size_t i;

	for (i = 0; i < N_PREFIXES; i++) {
		if ((i == 1) != v6 || f->loaded[i] == ROUTE_WITHDRAWN ||
		    (only != ROUTE_UNKNOWN && f->loaded[i] != only))
			continue;
		if (!head)
			fake_write(f, v6 ? "1007-Table master6:\n" : "1007-Table master4:\n");
		head = true;
		snprintf(buf, sizeof(buf), " %-20s blackhole [anycast_sets%d 12:00:00.000] * (200)\n",
			 prefix_text[i], v6 ? 6 : 4);
		fake_write(f, buf);
	}
	if (f->mode == FAKE_FOREIGN)
		fake_write(f, head ? " 198.51.100.0/24      blackhole [x 12:00:00.000] * (200)\n"
				     "   via 10.0.0.1 on eth0\n" :
			      "1007-Table master4:\n 300.1.2.3/32 junk\n 192.0.2.77/32 unicast\n");
	fake_write(f, "0000 \n");
}

/* `show protocols`: the static protocols and two BGP sessions, uppeer
 * (IPv4, Established) and uppeer6 (IPv6, in state `bgp6`). */
static void
fake_protocols(struct fake *f)
{
	char buf[200];

	fake_write(f, "2002-Name       Proto      Table      State  Since         Info\n"
		      "1002-anycast_sets4 Static     master4    up     12:00:00.000  \n"
		      " anycast_sets6 Static     master6    up     12:00:00.000  \n"
		      " uppeer     BGP        ---        up     12:00:01.000  Established   \n");
	snprintf(buf, sizeof(buf), " uppeer6    BGP        ---        %-6s 12:00:01.000  %s\n",
		 strcmp(f->bgp6, "Established") == 0 ? "up" : "start", f->bgp6);
	fake_write(f, buf);
	fake_write(f, "0000 \n");
}

/* `show route export NAME`: the session's family's routes BIRD has (its
 * export filter takes them all). */
static void
fake_export(struct fake *f, const char *name)
{
	bool v6 = strcmp(name, "uppeer6") == 0;
	char buf[200];
	size_t i;

	if (v6 && strcmp(f->bgp6, "Established") != 0) {
		fake_write(f, "8001 No valid tables\n");
		return;
	}
	for (i = 0; i < N_PREFIXES; i++) {
		if ((i == 1) != v6 || f->loaded[i] == ROUTE_WITHDRAWN)
			continue;
		snprintf(buf, sizeof(buf), "1007-%-20s blackhole [anycast_sets%d 12:00:00.000] * (200)\n",
			 prefix_text[i], v6 ? 6 : 4);
		fake_write(f, buf);
	}
	fake_write(f, "0000 \n");
}

static void
fake_command(struct fake *f, const char *cmd)
{
	if (f->n_log < MAX_LOG)
		snprintf(f->log[f->n_log++], sizeof(f->log[0]), "%.199s", cmd);
	if (strcmp(cmd, "configure") == 0 && f->mode == FAKE_CONFIG_ERROR)
		fake_write(f, "0002-Reading configuration from /etc/bird/bird.conf\n"
			      "8002 /etc/bird/bird.conf:12:3 syntax error, unexpected '}'\n");
	else if (strcmp(cmd, "configure") == 0)
		fake_configure(f);
	else if (strcmp(cmd, "show protocols") == 0)
		fake_protocols(f);
	else if (strncmp(cmd, "show route export ", 18) == 0)
		fake_export(f, cmd + 18);
	else if (strncmp(cmd, "show route protocol anycast_sets", 32) != 0)
		fake_write(f, "9001 syntax error\n");
	else if (f->mode == FAKE_CUT_ONCE) {
		f->mode = FAKE_NORMAL;
		fake_write(f, "8004 Stopped due to reconfiguration\n");
	} else if (f->mode == FAKE_NO_SETS && strstr(cmd, " where ") != NULL)
		fake_write(f, "9001 syntax error, unexpected CF_SYM_UNDEFINED\n");
	else
		fake_show(f, cmd);
}

static void
fake_close_client(struct fake *f)
{
	if (f->cfd == -1)
		return;
	ev_io_stop(f->loop, &f->client_io);
	close(f->cfd);
	f->cfd = -1;
	f->in_len = 0;
}

static void
fake_client_cb(struct ev_loop *loop, ev_io *w, int revents)
{
	struct fake *f = w->data;
	ssize_t n;
	char *nl;

	(void)loop;
	(void)revents;
	n = read(f->cfd, f->in + f->in_len, sizeof(f->in) - 1 - f->in_len);
	if (n <= 0) {
		fake_close_client(f);
		return;
	}
	f->in_len += (size_t)n;
	f->in[f->in_len] = '\0';
	while (f->cfd != -1 && (nl = strchr(f->in, '\n')) != NULL) {
		*nl = '\0';
		fake_command(f, f->in);
		f->in_len -= (size_t)(nl + 1 - f->in);
		memmove(f->in, nl + 1, f->in_len + 1);
	}
}

static void
fake_accept_cb(struct ev_loop *loop, ev_io *w, int revents)
{
	struct fake *f = w->data;
	int fd;

	(void)revents;
	fd = accept(f->lfd, NULL, NULL);
	if (fd == -1)
		return;
	fake_close_client(f);
	f->cfd = fd;
	fake_write(f, "0001 BIRD 2.0.12 ready.\n");
	ev_io_init(&f->client_io, fake_client_cb, fd, EV_READ);
	f->client_io.data = f;
	ev_io_start(loop, &f->client_io);
}

static size_t
fake_count(const struct fake *f, const char *prefix)
{
	size_t i, n = 0;

	for (i = 0; i < f->n_log; i++)
		if (strncmp(f->log[i], prefix, strlen(prefix)) == 0)
			n++;
	return n;
}

/* ---- fixture ---- */

struct fixture {
	char dir[64];
	char state_path[160];
	struct captured_stderr err;
	struct ev_loop *loop;
	ev_timer poll;
	struct config cfg;
	struct prefix_config prefixes[N_PREFIXES];
	struct fake fake;
	struct driver_obs obs;
	struct driver_handle h;
};

static int
setup(void **state)
{
	struct fixture *fx = calloc(1, sizeof(*fx));
	size_t i;

	assert_non_null(fx);
	make_temp_dir(fx->dir, sizeof(fx->dir), "test_driver_bird_sets");
	snprintf(fx->state_path, sizeof(fx->state_path), "%s/bird-state.conf", fx->dir);
	fx->loop = fixture_loop_new(&fx->poll, 0.005);
	for (i = 0; i < N_PREFIXES; i++) {
		fx->prefixes[i].prefix = (char *)(uintptr_t)prefix_text[i];
		fx->prefixes[i].family = i == 1 ? AF_INET6 : AF_INET;
		fx->fake.loaded[i] = ROUTE_WITHDRAWN;
	}
	fx->cfg.prefixes = fx->prefixes;
	fx->cfg.n_prefixes = N_PREFIXES;
	fx->cfg.router.kind = ROUTER_KIND_BIRD;
	fx->cfg.router.bird_pattern = BIRD_PATTERN_PREFIX_SETS;
	fx->cfg.router.state_file = fx->state_path;
	fx->cfg.router.command_timeout_ms = 300;
	fx->cfg.router.readback_interval_ms = 60000;
	fx->cfg.router.reconnect_min_ms = 20;
	fx->cfg.router.reconnect_max_ms = 160;
	fx->fake.loop = fx->loop;
	fx->fake.lfd = fx->fake.cfd = -1;
	fx->fake.state_file = fx->state_path;
	snprintf(fx->fake.bgp6, sizeof(fx->fake.bgp6), "Active");
	snprintf(fx->fake.path, sizeof(fx->fake.path), "%s/bird.ctl", fx->dir);
	fx->cfg.router.control_socket = fx->fake.path;
	capture_stderr(&fx->err, fx->dir);
	*state = fx;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *fx = *state;

	driver_close(&fx->h);
	fake_close_client(&fx->fake);
	stop_serving(fx->loop, &fx->fake.accept_io, &fx->fake.lfd);
	fixture_loop_destroy(fx->loop, &fx->poll);
	release_stderr(&fx->err);
	remove_temp_dir(fx->dir);
	free(fx);
	return 0;
}

/* Fake up with both prefixes withdrawn; the driver connected and read back. */
static void
start(struct fixture *fx)
{
	fx->fake.lfd = serve_unix(fx->loop, &fx->fake.accept_io, fx->fake.path, fake_accept_cb,
				  &fx->fake);
	assert_int_equal(driver_open(&fx->h, fx->loop, &fx->cfg, &driver_obs_cb, &fx->obs), 0);
	WAIT_UNTIL(fx, 2, fx->obs.n_actual[0] >= 1 && fx->obs.n_actual[1] >= 1);
}

static unsigned
configures(struct fixture *fx)
{
	unsigned writes, confs;

	driver_bird_sets_counts(fx->h.d, &writes, &confs);
	return confs;
}

static unsigned
file_writes(struct fixture *fx)
{
	unsigned writes, confs;

	driver_bird_sets_counts(fx->h.d, &writes, &confs);
	return writes;
}

static bool
file_has(const char *path, const char *needle)
{
	const char *s = slurp(path);

	return s != NULL && strstr(s, needle) != NULL;
}

/* ---- tests ---- */

/* The driver picked by the pattern; the file written at once (BIRD cannot
 * start without it), every prefix withdrawn; the first thing on the socket
 * is the read-back, not a configure. */
static void
bird_sets_test_connect_readback(void **state)
{
	struct fixture *fx = *state;

	start(fx);
	assert_ptr_equal(fx->h.ops, &driver_bird_sets_ops);
	assert_true(file_has(fx->state_path, "define ANYCAST_ANNOUNCED4 = [\n\t0.0.0.0/32\n];"));
	assert_true(file_has(fx->state_path, "define ANYCAST_ANNOUNCED6 = [\n\t::/128\n];"));
	assert_int_equal(fx->obs.actual[0], ROUTE_WITHDRAWN);
	assert_int_equal(fx->obs.actual[1], ROUTE_WITHDRAWN);
	assert_int_equal(fake_count(&fx->fake, "configure"), 0);
	assert_string_equal(fx->fake.log[0], "show route protocol anycast_sets4");
	assert_string_equal(fx->fake.log[1],
			    "show route protocol anycast_sets4 where net ~ ANYCAST_DEGRADED4");
	assert_string_equal(fx->fake.log[5],
			    "show route protocol anycast_sets6 where net ~ ANYCAST_DRAINING6");
	assert_int_equal(fx->fake.n_log, 6);
}

/* Wishes of one iteration: one file write, one configure; BIRD read back
 * as wished (each form from its set). */
static void
bird_sets_test_batch(void **state)
{
	struct fixture *fx = *state;
	unsigned w0;

	start(fx);
	w0 = file_writes(fx);
	driver_set_desired(&fx->h, 0, ROUTE_ANNOUNCED, "up");
	driver_set_desired(&fx->h, 1, ROUTE_DEGRADED, "cap");
	WAIT_UNTIL(fx, 2, fx->obs.actual[0] == ROUTE_ANNOUNCED &&
		   fx->obs.actual[1] == ROUTE_DEGRADED && driver_idle(&fx->h));
	assert_int_equal(configures(fx), 1);
	assert_int_equal(file_writes(fx), w0 + 1);
	assert_int_equal(fake_count(&fx->fake, "configure"), 1);
	assert_true(file_has(fx->state_path, "ANYCAST_ANNOUNCED4 = [\n\t0.0.0.0/32,\n\t192.0.2.1/32\n];"));
	assert_true(file_has(fx->state_path, "ANYCAST_DEGRADED6 = [\n\t::/128,\n\t2001:db8::1/128\n];"));

	driver_set_desired(&fx->h, 0, ROUTE_DRAINING, "drain");
	driver_set_desired(&fx->h, 1, ROUTE_WITHDRAWN, "down");
	WAIT_UNTIL(fx, 2, fx->obs.actual[0] == ROUTE_DRAINING &&
		   fx->obs.actual[1] == ROUTE_WITHDRAWN && driver_idle(&fx->h));
	assert_int_equal(configures(fx), 2);
	assert_int_equal(stderr_count(&fx->err, "re-asserting"), 0);
}

/* A wish BIRD already has: the file, no configure. */
static void
bird_sets_test_no_configure_when_same(void **state)
{
	struct fixture *fx = *state;

	start(fx);
	driver_set_desired(&fx->h, 0, ROUTE_WITHDRAWN, "down");
	driver_set_desired(&fx->h, 1, ROUTE_WITHDRAWN, "down");
	run_loop_for(fx->loop, 0.05);
	assert_true(driver_idle(&fx->h));
	assert_int_equal(fake_count(&fx->fake, "configure"), 0);
}

/* Someone's `configure "other.conf"`: BIRD loses the prefix; the next
 * read-back says drift once and puts it back with a configure. */
static void
bird_sets_test_drift_repaired(void **state)
{
	struct fixture *fx = *state;

	fx->cfg.router.readback_interval_ms = 50;
	start(fx);
	driver_set_desired(&fx->h, 0, ROUTE_ANNOUNCED, "up");
	WAIT_UNTIL(fx, 2, fx->obs.actual[0] == ROUTE_ANNOUNCED && driver_idle(&fx->h));
	fx->fake.loaded[0] = ROUTE_WITHDRAWN;
	WAIT_UNTIL(fx, 2, fx->obs.n_drift == 1);
	assert_int_equal(fx->obs.drift_found, ROUTE_WITHDRAWN);
	assert_int_equal(fx->obs.drift_wanted, ROUTE_ANNOUNCED);
	WAIT_UNTIL(fx, 2, fx->fake.loaded[0] == ROUTE_ANNOUNCED &&
		   fx->obs.actual[0] == ROUTE_ANNOUNCED);
	assert_int_equal(fake_count(&fx->fake, "configure"), 2);
	assert_int_equal(stderr_count(&fx->err,
				      "192.0.2.1/32: BIRD has withdrawn, want announced: re-asserting"), 1);
}

/* The file edited by hand: written back at the next read-back; BIRD (which
 * has not re-read it) still agrees, so no configure. */
static void
bird_sets_test_file_edit_repaired(void **state)
{
	struct fixture *fx = *state;

	fx->cfg.router.readback_interval_ms = 50;
	start(fx);
	driver_set_desired(&fx->h, 0, ROUTE_ANNOUNCED, "up");
	WAIT_UNTIL(fx, 2, fx->obs.actual[0] == ROUTE_ANNOUNCED && driver_idle(&fx->h));
	write_text(fx->state_path, "define ANYCAST_ANNOUNCED4 = [ 0.0.0.0/32 ];\n");
	WAIT_UNTIL(fx, 2, file_has(fx->state_path, "\t192.0.2.1/32\n"));
	assert_int_equal(stderr_count(&fx->err, "differed from the daemon's choice: written again"), 1);
	assert_int_equal(fake_count(&fx->fake, "configure"), 1);
}

/* A bird.conf error: BIRD's words logged once, the configure retried with
 * the backoff; fixed, the change goes through and that is said. */
static void
bird_sets_test_configure_error_retried(void **state)
{
	struct fixture *fx = *state;

	start(fx);
	fx->fake.mode = FAKE_CONFIG_ERROR;
	driver_set_desired(&fx->h, 0, ROUTE_ANNOUNCED, "up");
	WAIT_UNTIL(fx, 3, fake_count(&fx->fake, "configure") >= 3);
	assert_int_equal(stderr_count(&fx->err, "bird: configure failed: 8002 /etc/bird/bird.conf:12:3 "
				      "syntax error, unexpected '}'"), 1);
	assert_int_equal(fx->obs.actual[0], ROUTE_WITHDRAWN);
	assert_int_equal(fx->obs.n_drift, 0);
	fx->fake.mode = FAKE_NORMAL;
	WAIT_UNTIL(fx, 3, fx->obs.actual[0] == ROUTE_ANNOUNCED);
	assert_int_equal(stderr_count(&fx->err, "bird: configure succeeds again"), 1);
	assert_true(driver_connected(&fx->h));
}

/* A listing cut by someone's configure is asked again; nothing is reported
 * from the half read-back. */
static void
bird_sets_test_cut_readback(void **state)
{
	struct fixture *fx = *state;
	int n0;

	fx->cfg.router.readback_interval_ms = 50;
	start(fx);
	n0 = fx->obs.n_actual[0];
	fx->fake.mode = FAKE_CUT_ONCE;
	WAIT_UNTIL(fx, 2, fx->fake.mode == FAKE_NORMAL && fx->obs.n_actual[0] >= n0 + 1);
	assert_int_equal(fx->obs.actual[0], ROUTE_WITHDRAWN);
	assert_int_equal(stderr_count(&fx->err, "cannot read"), 0);
}

/* BIRD without the sets (bird.conf not switched to the pattern): said once
 * with where to look; the prefixes are unknown, the connection stays. */
static void
bird_sets_test_no_sets(void **state)
{
	struct fixture *fx = *state;

	fx->fake.mode = FAKE_NO_SETS;
	fx->cfg.router.readback_interval_ms = 30;
	start(fx);
	assert_int_equal(fx->obs.actual[0], ROUTE_UNKNOWN);
	WAIT_UNTIL(fx, 2, fx->obs.n_actual[0] >= 3);
	assert_int_equal(stderr_count(&fx->err, "bird: cannot read anycast_sets4 back (9001 syntax error, "
				      "unexpected CF_SYM_UNDEFINED): does bird.conf have protocol "
				      "anycast_sets4"), 1);
	assert_true(driver_connected(&fx->h));
	fx->fake.mode = FAKE_NORMAL;
	WAIT_UNTIL(fx, 2, fx->obs.actual[0] == ROUTE_WITHDRAWN);
}

/* Lines that are no route of ours (another protocol's, a `via`
 * continuation, junk) change nothing. */
static void
bird_sets_test_foreign_lines(void **state)
{
	struct fixture *fx = *state;

	fx->fake.mode = FAKE_FOREIGN;
	start(fx);
	assert_int_equal(fx->obs.actual[0], ROUTE_WITHDRAWN);
	assert_int_equal(fx->obs.actual[1], ROUTE_WITHDRAWN);
	driver_set_desired(&fx->h, 0, ROUTE_DEGRADED, "cap");
	WAIT_UNTIL(fx, 2, fx->obs.actual[0] == ROUTE_DEGRADED && driver_idle(&fx->h));
	assert_int_equal(fx->obs.actual[1], ROUTE_WITHDRAWN);
	assert_true(driver_connected(&fx->h));
}

/* A wish while BIRD is away goes to the file; the next session reads
 * BIRD first, then applies it. */
static void
bird_sets_test_wish_while_away(void **state)
{
	struct fixture *fx = *state;

	assert_int_equal(driver_open(&fx->h, fx->loop, &fx->cfg, &driver_obs_cb, &fx->obs), 0);
	driver_set_desired(&fx->h, 0, ROUTE_ANNOUNCED, "up");
	run_loop_for(fx->loop, 0.03);
	assert_true(file_has(fx->state_path, "\t192.0.2.1/32\n"));
	fx->fake.lfd = serve_unix(fx->loop, &fx->fake.accept_io, fx->fake.path, fake_accept_cb,
				  &fx->fake);
	WAIT_UNTIL(fx, 3, fx->obs.actual[0] == ROUTE_ANNOUNCED);
	assert_string_equal(fx->fake.log[0], "show route protocol anycast_sets4");
	assert_int_equal(fake_count(&fx->fake, "configure"), 1);
}

/* With a sessions callback: after each read-back `show protocols`, then
 * the export of each Established session only; the table handed over says
 * which session carries which prefix, and follows a change. */
static void
bird_sets_test_sessions(void **state)
{
	struct fixture *fx = *state;
	size_t n;

	fx->fake.lfd = serve_unix(fx->loop, &fx->fake.accept_io, fx->fake.path, fake_accept_cb,
				  &fx->fake);
	assert_int_equal(driver_open(&fx->h, fx->loop, &fx->cfg, &driver_obs_sessions_cb,
				     &fx->obs), 0);
	WAIT_UNTIL(fx, 2, fx->obs.n_sessions >= 1);
	assert_int_equal(fx->obs.sessions.n, 2);
	assert_string_equal(fx->obs.sessions.s[0].name, "uppeer");
	assert_true(fx->obs.sessions.s[0].established);
	assert_false(fx->obs.sessions.s[1].established);
	assert_int_equal(driver_obs_carried(&fx->obs, 0), 0);
	assert_int_equal(fake_count(&fx->fake, "show route export uppeer6"), 0);
	n = fake_count(&fx->fake, "show protocols");
	assert_int_equal(n, 1);

	snprintf(fx->fake.bgp6, sizeof(fx->fake.bgp6), "Established");
	driver_set_desired(&fx->h, 0, ROUTE_ANNOUNCED, "up");
	driver_set_desired(&fx->h, 1, ROUTE_DRAINING, "drain");
	WAIT_UNTIL(fx, 2, driver_obs_carried(&fx->obs, 0) == 1 &&
		   driver_obs_carried(&fx->obs, 1) == 1 && driver_idle(&fx->h));
	assert_int_equal(fake_count(&fx->fake, "show route export uppeer6"), 1);
	assert_int_equal(fx->obs.actual[1], ROUTE_DRAINING);
	assert_int_equal(stderr_count(&fx->err, "cannot read the BGP sessions"), 0);
}

/* A wish made while BIRD was away that BIRD turns out to have already
 * (withdraw-all after a crash, BIRD restarted with the file): read back,
 * agreed, no configure. */
static void
bird_sets_test_wish_already_there(void **state)
{
	struct fixture *fx = *state;

	fx->fake.loaded[0] = ROUTE_ANNOUNCED;
	assert_int_equal(driver_open(&fx->h, fx->loop, &fx->cfg, &driver_obs_cb, &fx->obs), 0);
	driver_set_desired(&fx->h, 0, ROUTE_ANNOUNCED, "up");
	fx->fake.lfd = serve_unix(fx->loop, &fx->fake.accept_io, fx->fake.path, fake_accept_cb,
				  &fx->fake);
	WAIT_UNTIL(fx, 3, fx->obs.actual[0] == ROUTE_ANNOUNCED && driver_idle(&fx->h));
	run_loop_for(fx->loop, 0.05);
	assert_int_equal(fake_count(&fx->fake, "configure"), 0);
}

/* --init-bird-state: the sets, every prefix withdrawn; an existing file
 * is left alone. */
static void
bird_sets_test_initial_state(void **state)
{
	struct fixture *fx = *state;

	assert_int_equal(driver_bird_sets_write_initial_state(&fx->cfg), 0);
	assert_true(file_has(fx->state_path, "define ANYCAST_DRAINING6 = [\n\t::/128\n];"));
	assert_false(file_has(fx->state_path, "192.0.2.1/32"));
	write_text(fx->state_path, "mine\n");
	assert_int_equal(driver_bird_sets_write_initial_state(&fx->cfg), 0);
	assert_true(file_has(fx->state_path, "mine"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(bird_sets_test_connect_readback, setup, teardown),
		cmocka_unit_test_setup_teardown(bird_sets_test_batch, setup, teardown),
		cmocka_unit_test_setup_teardown(bird_sets_test_no_configure_when_same, setup, teardown),
		cmocka_unit_test_setup_teardown(bird_sets_test_drift_repaired, setup, teardown),
		cmocka_unit_test_setup_teardown(bird_sets_test_file_edit_repaired, setup, teardown),
		cmocka_unit_test_setup_teardown(bird_sets_test_configure_error_retried, setup, teardown),
		cmocka_unit_test_setup_teardown(bird_sets_test_cut_readback, setup, teardown),
		cmocka_unit_test_setup_teardown(bird_sets_test_no_sets, setup, teardown),
		cmocka_unit_test_setup_teardown(bird_sets_test_foreign_lines, setup, teardown),
		cmocka_unit_test_setup_teardown(bird_sets_test_wish_while_away, setup, teardown),
		cmocka_unit_test_setup_teardown(bird_sets_test_initial_state, setup, teardown),
		cmocka_unit_test_setup_teardown(bird_sets_test_wish_already_there, setup, teardown),
		cmocka_unit_test_setup_teardown(bird_sets_test_sessions, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
