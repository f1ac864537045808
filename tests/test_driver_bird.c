/*
 * test_driver_bird.c - the BIRD driver on a real libev loop.
 *
 * Part one runs it against an in-process fake BIRD (a Unix socket server on
 * the same loop) that can misbehave on demand: no banner, no reply, garbage,
 * overlong lines, 8007, closing.  Part two runs it against the real bird2
 * binary in a temp dir (skipped when /usr/sbin/bird is missing) and checks
 * with BIRD's own `show protocols` that announce/withdraw took effect and
 * survive `configure` and a BIRD restart.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bird_reply.h"
#include "config.h"
#include "driver.h"
#include "driver_bird.h"
#include "support/driver_fixture.h"

#define BIRD_BIN	"/usr/sbin/bird"
#define N_PREFIXES	2
#define MAX_LOG		128

/* ---- fake BIRD ---- */

enum fake_mode {
	FAKE_NORMAL,
	FAKE_SILENT,		/* banner, then never answers */
	FAKE_NO_BANNER,
	FAKE_GARBAGE,		/* answers every command with a non-BIRD line */
	FAKE_OVERLONG,		/* answers with a 2000-byte line */
	FAKE_DENY,		/* 8007 to every command */
	FAKE_CLOSE,		/* banner, then closes */
	FAKE_OTHER_REPLY,	/* answers `show protocols` as if it were `enable anycast4` */
	FAKE_ANSWER_CLOSE,	/* answers the first command, then closes */
	FAKE_NO_ACK,		/* enable/disable: `0000` alone, nothing changes */
	FAKE_BAD_EXPORT,	/* `show route export` lists a line that is no route */
	FAKE_EXPORT_ERROR,	/* `show route export` fails with 8001 */
	FAKE_BAD_BGP_ROW,	/* a BGP row of `show protocols` has two columns */
	FAKE_CLOSE_EXPORT,	/* closes on the first `show route export` */
};

/* A protocol: a static one (route: the prefix it originates while up)
 * or a BGP one (bgp: its Info word, e.g. "Established"; families: 4, 6
 * or 46, the channels it exports; deny: its export filter rejects all). */
struct fake_proto {
	char name[48];
	char state[16];
	char route[48];
	bool bgp;
	char info[16];
	int families;
	bool deny;
};

struct fake {
	struct ev_loop *loop;
	char path[100];
	int lfd, cfd;
	ev_io accept_io, client_io;
	char in[8192];
	size_t in_len;
	enum fake_mode mode;
	bool split;		/* write replies one byte at a time */
	struct fake_proto protos[48];
	size_t n_protos;
	char log[MAX_LOG][300];	/* received commands */
	size_t n_log;
	int accepts;
	double accept_at[64];
	struct driver **driverp;	/* the driver under test, to read its backoff */
	uint32_t delay_at[64];		/* reconnect delay it had armed, at each accept */
	uint32_t retry_at[64];		/* re-apply delay it had armed, at each enable */
	double enable_at[64];		/* when each enable came */
	size_t n_enables;
	size_t most_per_read;		/* most commands that came in one read() */
	size_t most_bytes;		/* most bytes waiting unanswered after a read() */
};

static void
fake_write(struct fake *f, const char *s)
{
	size_t len = strlen(s), i;

	if (f->cfd == -1)
		return;
	if (!f->split) {
		assert_int_equal(send(f->cfd, s, len, MSG_NOSIGNAL), (ssize_t)len);
		return;
	}
	for (i = 0; i < len; i++)
		assert_int_equal(send(f->cfd, s + i, 1, MSG_NOSIGNAL), 1);
}

static struct fake_proto *
fake_find(struct fake *f, const char *name)
{
	size_t i;

	for (i = 0; i < f->n_protos; i++)
		if (strcmp(f->protos[i].name, name) == 0)
			return &f->protos[i];
	return NULL;
}

static void
fake_set(struct fake *f, const char *name, const char *state)
{
	struct fake_proto *p = fake_find(f, name);

	if (p == NULL) {
		p = &f->protos[f->n_protos++];
		snprintf(p->name, sizeof(p->name), "%s", name);
	}
	snprintf(p->state, sizeof(p->state), "%s", state);
}

/* A static protocol that originates `route` while up. */
static void
fake_static(struct fake *f, const char *name, const char *state, const char *route)
{
	fake_set(f, name, state);
	snprintf(fake_find(f, name)->route, sizeof(f->protos[0].route), "%s", route);
}

/* A BGP protocol whose Info is `info` ("" when down), exporting the
 * statics' routes of `families` (4, 6, 46). */
static void
fake_bgp(struct fake *f, const char *name, const char *info, int families)
{
	struct fake_proto *p;

	fake_set(f, name, info[0] == '\0' ? "down" : strcmp(info, "Established") == 0 ?
		 "up" : "start");
	p = fake_find(f, name);
	p->bgp = true;
	p->families = families;
	snprintf(p->info, sizeof(p->info), "%s", info);
}

/* True when the fake has protocol `name` in `state`. */
static bool
fake_is(struct fake *f, const char *name, const char *state)
{
	struct fake_proto *p = fake_find(f, name);

	return p != NULL && strcmp(p->state, state) == 0;
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
fake_toggle(struct fake *f, const char *arg, bool enable)
{
	char name[64], buf[200];
	struct fake_proto *p;

	sscanf(arg, "%63[A-Za-z0-9_]", name);
	p = fake_find(f, name);
	if (p == NULL) {
		fake_write(f, "9001 syntax error, unexpected CF_SYM_UNDEFINED, "
			      "expecting CF_SYM_KNOWN or TEXT or ALL\n");
		return;
	}
	if (enable)
		snprintf(buf, sizeof(buf), strcmp(p->state, "up") == 0 ?
			 "0010-%s: already enabled\n0000 \n" : "0011-%s: enabled\n0000 \n", name);
	else
		snprintf(buf, sizeof(buf), strcmp(p->state, "down") == 0 ?
			 "0008-%s: already disabled\n0000 \n" : "0009-%s: disabled\n0000 \n", name);
	snprintf(p->state, sizeof(p->state), "%s", enable ? "up" : "down");
	fake_write(f, buf);
}

/* One table of `show route export`: the up statics' routes of a family,
 * as BIRD 2.0.12 lists them ("Table master4:" first, a blank line between
 * two tables); *first: nothing written yet. */
static void
fake_export_table(struct fake *f, bool v6, bool *first)
{
	char buf[300];
	bool heading = false;
	size_t i;

	for (i = 0; i < f->n_protos; i++) {
		const struct fake_proto *p = &f->protos[i];

		if (p->route[0] == '\0' || strcmp(p->state, "up") != 0 ||
		    (strchr(p->route, ':') != NULL) != v6)
			continue;
		if (!heading) {
			snprintf(buf, sizeof(buf), "%sTable master%c:\n",
				 *first ? "1007-" : " \n ", v6 ? '6' : '4');
			fake_write(f, buf);
			*first = false;
			heading = true;
		}
		snprintf(buf, sizeof(buf), " %-20s blackhole [%s 22:33:34.831] * (200)\n",
			 p->route, p->name);
		fake_write(f, buf);
		/* a second route of the same net, as a twin would add */
		fake_write(f, "                      blackhole [twin 22:33:34.831] (50)\n");
	}
}

static void
fake_export(struct fake *f, const char *name)
{
	struct fake_proto *p = fake_find(f, name);
	bool first = true;

	if (f->mode == FAKE_CLOSE_EXPORT) {
		fake_close_client(f);
		return;
	}
	if (p == NULL) {
		fake_write(f, "9001 syntax error, unexpected CF_SYM_UNDEFINED, "
			      "expecting CF_SYM_KNOWN or TABLE\n");
		return;
	}
	if (!p->bgp || strcmp(p->state, "up") != 0) {
		fake_write(f, "9001 No valid tables\n");
		return;
	}
	if (f->mode == FAKE_EXPORT_ERROR) {
		fake_write(f, "8001 Network not found\n");
		return;
	}
	if (f->mode == FAKE_BAD_EXPORT)
		fake_write(f, "1007-Table master4:\n this is no route\n");
	if (!p->deny && (p->families == 4 || p->families == 46))
		fake_export_table(f, false, &first);
	if (!p->deny && (p->families == 6 || p->families == 46))
		fake_export_table(f, true, &first);
	fake_write(f, "0000 \n");
}

static void
fake_command(struct fake *f, const char *cmd)
{
	char buf[2100];
	size_t i;

	if (f->n_log < MAX_LOG)
		snprintf(f->log[f->n_log++], sizeof(f->log[0]), "%s", cmd);
	switch (f->mode) {
	case FAKE_SILENT:
		return;
	case FAKE_GARBAGE:
		fake_write(f, "HTTP/1.1 400 Bad Request\n");
		return;
	case FAKE_OVERLONG:
		memset(buf, 'x', 2000);
		memcpy(buf, "1002-", 5);
		buf[2000] = '\n';
		buf[2001] = '\0';
		fake_write(f, buf);
		return;
	case FAKE_DENY:
		fake_write(f, "8007 Access denied\n");
		return;
	default:
		break;
	}
	if (strncmp(cmd, "enable ", 7) == 0 && f->n_enables < 64 && f->driverp && *f->driverp)
	{
		f->enable_at[f->n_enables] = ev_time();
		f->retry_at[f->n_enables++] = driver_bird_retry_delay_ms(*f->driverp);
	}
	if (f->mode == FAKE_NO_ACK && strncmp(cmd, "show ", 5) != 0) {
		fake_write(f, "0000 \n");
		return;
	}
	if (strcmp(cmd, "show protocols") == 0 && f->mode == FAKE_OTHER_REPLY) {
		fake_write(f, "0011-anycast4: enabled\n0000 \n");
	} else if (strcmp(cmd, "show protocols") == 0) {
		fake_write(f, "2002-Name       Proto      Table      State  Since         Info\n");
		for (i = 0; i < f->n_protos; i++) {
			if (f->protos[i].bgp && f->mode == FAKE_BAD_BGP_ROW)
				snprintf(buf, sizeof(buf), "%s%s BGP\n", i == 0 ? "1002-" : " ",
					 f->protos[i].name);
			else if (f->protos[i].bgp)
				snprintf(buf, sizeof(buf),
					 "%s%-10s BGP        ---        %-6s 22:33:34.831  %-13s\n",
					 i == 0 ? "1002-" : " ", f->protos[i].name,
					 f->protos[i].state, f->protos[i].info);
			else
				snprintf(buf, sizeof(buf),
					 "%s%-10s Static     master4    %-6s 22:33:34.831  \n",
					 i == 0 ? "1002-" : " ", f->protos[i].name,
					 f->protos[i].state);
			fake_write(f, buf);
		}
		fake_write(f, "0000 \n");
	} else if (strncmp(cmd, "show route export ", 18) == 0) {
		fake_export(f, cmd + 18);
	} else if (strncmp(cmd, "enable ", 7) == 0) {
		fake_toggle(f, cmd + 7, true);
	} else if (strncmp(cmd, "disable ", 8) == 0) {
		fake_toggle(f, cmd + 8, false);
	} else {
		fake_write(f, "9001 syntax error\n");
	}
	if (f->mode == FAKE_ANSWER_CLOSE)
		fake_close_client(f);
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
	if (count_in(f->in, "\n") > f->most_per_read)
		f->most_per_read = count_in(f->in, "\n");
	if (f->in_len > f->most_bytes)
		f->most_bytes = f->in_len;
	while (f->cfd != -1 && (nl = strchr(f->in, '\n')) != NULL) {
		*nl = '\0';
		fake_command(f, f->in);
		if (f->cfd == -1)
			return;
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
	if (f->accepts < 64) {
		f->accept_at[f->accepts] = ev_time();
		f->delay_at[f->accepts] = f->driverp && *f->driverp ?
			driver_bird_reconnect_delay_ms(*f->driverp) : 0;
	}
	f->accepts++;
	if (f->mode != FAKE_NO_BANNER)
		fake_write(f, "0001 BIRD 2.0.12 ready.\n");
	if (f->mode == FAKE_CLOSE) {
		fake_close_client(f);
		return;
	}
	ev_io_init(&f->client_io, fake_client_cb, fd, EV_READ);
	f->client_io.data = f;
	ev_io_start(loop, &f->client_io);
}

static void
fake_listen(struct fake *f)
{
	f->lfd = serve_unix(f->loop, &f->accept_io, f->path, fake_accept_cb, f);
}

static void
fake_stop(struct fake *f)
{
	fake_close_client(f);
	stop_serving(f->loop, &f->accept_io, &f->lfd);
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
	pid_t bird_pid;
};

static int
setup(void **state)
{
	struct fixture *fx = calloc(1, sizeof(*fx));

	assert_non_null(fx);
	make_temp_dir(fx->dir, sizeof(fx->dir), "test_driver_bird");
	snprintf(fx->state_path, sizeof(fx->state_path), "%s/run/ahd/bird-state.conf", fx->dir);
	fx->loop = fixture_loop_new(&fx->poll, 0.005);

	fx->prefixes[0].prefix = (char *)(uintptr_t)"192.0.2.1/32";
	fx->prefixes[0].bird_protocol = (char *)(uintptr_t)"anycast4";
	fx->prefixes[0].bird_define = (char *)(uintptr_t)"ANYCAST4_OFF";
	fx->prefixes[1].prefix = (char *)(uintptr_t)"2001:db8::1/128";
	fx->prefixes[1].bird_protocol = (char *)(uintptr_t)"anycast6";
	fx->prefixes[1].bird_define = (char *)(uintptr_t)"ANYCAST6_OFF";
	fx->cfg.prefixes = fx->prefixes;
	fx->cfg.n_prefixes = N_PREFIXES;
	fx->cfg.router.kind = ROUTER_KIND_BIRD;
	fx->cfg.router.state_file = fx->state_path;
	fx->cfg.router.command_timeout_ms = 300;
	fx->cfg.router.readback_interval_ms = 60000;
	fx->cfg.router.reconnect_min_ms = 20;
	fx->cfg.router.reconnect_max_ms = 160;

	fx->fake.loop = fx->loop;
	fx->fake.lfd = fx->fake.cfd = -1;
	snprintf(fx->fake.path, sizeof(fx->fake.path), "%s/bird.ctl", fx->dir);
	fx->cfg.router.control_socket = fx->fake.path;

	/* Log lines are part of the contract: collect stderr per test. */
	capture_stderr(&fx->err, fx->dir);
	*state = fx;
	return 0;
}

static void
bird_kill(struct fixture *fx)
{
	if (fx->bird_pid <= 0)
		return;
	kill(fx->bird_pid, SIGTERM);
	waitpid(fx->bird_pid, NULL, 0);
	fx->bird_pid = 0;
}

static int
teardown(void **state)
{
	struct fixture *fx = *state;

	driver_close(&fx->h);
	bird_kill(fx);
	fake_stop(&fx->fake);
	fixture_loop_destroy(fx->loop, &fx->poll);
	/* Show the daemon's log when asked to, or when the test failed. */
	release_stderr(&fx->err);
	remove_temp_dir(fx->dir);
	free(fx);
	return 0;
}

static bool
file_has(const char *path, const char *needle)
{
	const char *s = slurp(path);

	return s != NULL && strstr(s, needle) != NULL;
}

static void
open_driver(struct fixture *fx)
{
	assert_int_equal(driver_open(&fx->h, fx->loop, &fx->cfg, &driver_obs_cb, &fx->obs), 0);
}

/* Fake with anycast4 down and no anycast6; driver connected and read back. */
static void
start_normal(struct fixture *fx)
{
	fake_set(&fx->fake, "device1", "up");
	fake_set(&fx->fake, "anycast4", "down");
	fake_listen(&fx->fake);
	open_driver(fx);
	WAIT_UNTIL(fx, 2, fx->obs.n_actual[0] >= 1);
}

/* One loop iteration: the wishes of the iteration before are flushed (the
 * file written, the batch sent) by then. */
static void
flush_wishes(struct fixture *fx)
{
	ev_run(fx->loop, EVRUN_NOWAIT);
}

/* ---- part one: the fake ---- */

static void
driver_bird_test_banner_readback(void **state)
{
	struct fixture *fx = *state;

	fake_set(&fx->fake, "device1", "up");
	fake_set(&fx->fake, "anycast4", "down");
	fake_listen(&fx->fake);
	open_driver(fx);
	/* the file is there at once (BIRD can start), every prefix withdrawn */
	assert_true(file_has(fx->state_path, "define ANYCAST4_OFF = 1;\ndefine ANYCAST6_OFF = 1;\n"));
	assert_true(file_has(fx->state_path, "# Generated by anycast-healthd"));
	assert_false(driver_connected(&fx->h));
	assert_int_equal(fx->obs.n_up, 0);	/* nothing runs before the loop does */

	WAIT_UNTIL(fx, 2, fx->obs.n_actual[0] == 1 && fx->obs.n_actual[1] == 1);
	assert_true(driver_connected(&fx->h));
	assert_int_equal(fx->obs.n_up, 1);
	assert_string_equal(fx->obs.whys[0], "connected");
	assert_int_equal(fx->obs.actual[0], ROUTE_WITHDRAWN);
	assert_int_equal(fx->obs.actual[1], ROUTE_UNKNOWN);
	assert_int_equal(fx->fake.n_log, 1);
	assert_string_equal(fx->fake.log[0], "show protocols");
	assert_true(driver_idle(&fx->h));
	assert_int_equal(stderr_count(&fx->err, "BIRD has no protocol \"anycast6\"; see docs/bird.md"), 1);

	/* a later read-back does not repeat the warning */
	driver_close(&fx->h);
	fx->cfg.router.readback_interval_ms = 50;
	fx->fake.split = true;
	open_driver(fx);
	WAIT_UNTIL(fx, 2, fx->obs.n_actual[1] >= 4);
	assert_int_equal(stderr_count(&fx->err, "BIRD has no protocol \"anycast6\""), 2);
	assert_int_equal(fx->obs.actual[0], ROUTE_WITHDRAWN);
}

static void
driver_bird_test_set_desired(void **state)
{
	struct fixture *fx = *state;
	struct stat st;

	fx->fake.split = true;
	start_normal(fx);
	driver_set_desired(&fx->h, 0, ROUTE_ANNOUNCED, "pptp UP");
	/* nothing before the iteration's end; then file first, the command after */
	assert_true(file_has(fx->state_path, "define ANYCAST4_OFF = 1;\ndefine ANYCAST6_OFF = 1;\n"));
	assert_false(driver_idle(&fx->h));
	flush_wishes(fx);
	assert_true(file_has(fx->state_path, "define ANYCAST4_OFF = 0;\ndefine ANYCAST6_OFF = 1;\n"));
	assert_false(driver_idle(&fx->h));
	WAIT_UNTIL(fx, 2, fx->obs.actual[0] == ROUTE_ANNOUNCED);
	assert_string_equal(fx->fake.log[1], "enable anycast4");
	assert_string_equal(fx->fake.protos[1].state, "up");
	assert_true(driver_idle(&fx->h));
	assert_int_equal(stat(fx->state_path, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0644);
	*strrchr(fx->state_path, '/') = '\0';
	assert_int_equal(stat(fx->state_path, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0755);
	fx->state_path[strlen(fx->state_path)] = '/';

	driver_set_desired(&fx->h, 0, ROUTE_WITHDRAWN, "pptp DOWN \"sccrp\\timeout\"\n\x01\xc3\xa9  ");
	flush_wishes(fx);
	assert_true(file_has(fx->state_path, "define ANYCAST4_OFF = 1;\n"));
	WAIT_UNTIL(fx, 2, fx->obs.actual[0] == ROUTE_WITHDRAWN);
	assert_string_equal(fx->fake.log[2], "disable anycast4 \"pptp DOWN 'sccrp/timeout'  ??\"");

	/* BIRD already has it: nothing sent, the file still right */
	unlink(fx->state_path);
	driver_set_desired(&fx->h, 0, ROUTE_WITHDRAWN, NULL);
	flush_wishes(fx);
	assert_true(file_has(fx->state_path, "define ANYCAST4_OFF = 1;\n"));
	run_loop_for(fx->loop, 0.1);
	assert_int_equal(fx->fake.n_log, 3);
	assert_true(driver_idle(&fx->h));

	/* a prefix BIRD does not have: the file changes, no command */
	driver_set_desired(&fx->h, 1, ROUTE_ANNOUNCED, NULL);
	flush_wishes(fx);
	assert_true(file_has(fx->state_path, "define ANYCAST6_OFF = 0;\n"));
	run_loop_for(fx->loop, 0.1);
	assert_int_equal(fx->fake.n_log, 3);

	/* quick changes coalesce into the last one; no why: bare disable */
	driver_set_desired(&fx->h, 0, ROUTE_ANNOUNCED, NULL);
	driver_set_desired(&fx->h, 0, ROUTE_WITHDRAWN, NULL);
	driver_set_desired(&fx->h, 0, ROUTE_ANNOUNCED, NULL);
	WAIT_UNTIL(fx, 2, driver_idle(&fx->h));
	assert_int_equal(fx->fake.n_log, 4);
	assert_string_equal(fx->fake.log[3], "enable anycast4");
	driver_set_desired(&fx->h, 0, ROUTE_WITHDRAWN, "");
	WAIT_UNTIL(fx, 2, driver_idle(&fx->h));
	assert_string_equal(fx->fake.log[4], "disable anycast4");
}

static const char *fake_tail(const struct fake *f, size_t n);

/* Wishes of one loop iteration: one state-file write, one batch of
 * commands in one write; BIRD's answers are matched in order. */
static void
driver_bird_test_batch(void **state)
{
	struct fixture *fx = *state;
	unsigned writes0, batches0, writes, batches;

	fake_set(&fx->fake, "anycast6", "up");
	start_normal(fx);
	driver_bird_counts(fx->h.d, &writes0, &batches0);
	driver_set_desired(&fx->h, 0, ROUTE_ANNOUNCED, "pptp UP");
	driver_set_desired(&fx->h, 1, ROUTE_WITHDRAWN, "pptp DOWN");
	driver_set_desired(&fx->h, 0, ROUTE_ANNOUNCED, "pptp UP again");
	WAIT_UNTIL(fx, 2, fx->obs.actual[0] == ROUTE_ANNOUNCED &&
		   fx->obs.actual[1] == ROUTE_WITHDRAWN && driver_idle(&fx->h));
	driver_bird_counts(fx->h.d, &writes, &batches);
	assert_int_equal(writes - writes0, 1);
	assert_int_equal(batches - batches0, 1);
	assert_true(file_has(fx->state_path, "define ANYCAST4_OFF = 0;\ndefine ANYCAST6_OFF = 1;\n"));
	assert_string_equal(fake_tail(&fx->fake, 2), "enable anycast4|disable anycast6 \"pptp DOWN\"");
	assert_int_equal(fx->fake.most_per_read, 2);	/* pipelined, not one at a time */
	assert_true(fake_is(&fx->fake, "anycast4", "up"));
	assert_true(fake_is(&fx->fake, "anycast6", "down"));
	assert_int_equal(stderr_count(&fx->err, "anycast4: announced in BIRD"), 1);
	assert_int_equal(stderr_count(&fx->err, "anycast6: withdrawn in BIRD"), 1);

	/* a refused command in the middle of a batch: the next one is still its own */
	fake_find(&fx->fake, "anycast4")->name[0] = 'X';	/* gone: a 9001 for it */
	driver_set_desired(&fx->h, 0, ROUTE_WITHDRAWN, NULL);
	driver_set_desired(&fx->h, 1, ROUTE_ANNOUNCED, NULL);
	WAIT_UNTIL(fx, 2, fx->obs.actual[1] == ROUTE_ANNOUNCED && driver_idle(&fx->h));
	assert_string_equal(fake_tail(&fx->fake, 2), "disable anycast4|enable anycast6");
	assert_int_equal(stderr_count(&fx->err, "anycast4: BIRD refused disable: 9001"), 1);
	assert_int_equal(fx->obs.actual[0], ROUTE_ANNOUNCED);
	assert_true(driver_connected(&fx->h));
}

/* Many commands at once go in windows of at most 1,000 bytes: BIRD closes
 * a connection that keeps its 1 kB input buffer full. */
static void
driver_bird_test_batch_window(void **state)
{
	static const struct driver_callbacks no_cb = { 0 };
	struct fixture *fx = *state;
	struct prefix_config pcs[20];
	char names[20][2][16], why[101];
	unsigned writes0, batches0, writes, batches;
	size_t i;

	memset(pcs, 0, sizeof(pcs));
	memset(why, 'w', 100);
	why[100] = '\0';
	for (i = 0; i < 20; i++) {
		snprintf(names[i][0], sizeof(names[i][0]), "px%zu", i);
		snprintf(names[i][1], sizeof(names[i][1]), "PX%zu_OFF", i);
		pcs[i].prefix = (char *)(uintptr_t)"192.0.2.0/24";
		pcs[i].bird_protocol = names[i][0];
		pcs[i].bird_define = names[i][1];
		fake_set(&fx->fake, names[i][0], "up");
	}
	fx->cfg.prefixes = pcs;
	fx->cfg.n_prefixes = 20;
	fake_listen(&fx->fake);
	/* no recorder: it keeps two prefixes */
	assert_int_equal(driver_open(&fx->h, fx->loop, &fx->cfg, &no_cb, NULL), 0);
	WAIT_UNTIL(fx, 2, driver_connected(&fx->h) && fake_count(&fx->fake, "show ") == 1 &&
		   driver_idle(&fx->h));
	driver_bird_counts(fx->h.d, &writes0, &batches0);
	for (i = 0; i < 20; i++)
		driver_set_desired(&fx->h, i, ROUTE_WITHDRAWN, why);
	WAIT_UNTIL(fx, 2, fake_count(&fx->fake, "disable ") == 20 && driver_idle(&fx->h));
	driver_bird_counts(fx->h.d, &writes, &batches);
	assert_int_equal(writes - writes0, 1);
	/* each `disable pxN "w...w"` is 114 or 115 bytes: 8 to a window */
	assert_int_equal(batches - batches0, 3);
	assert_true(fx->fake.most_bytes <= 1000);
	for (i = 0; i < 20; i++)
		assert_true(fake_is(&fx->fake, names[i][0], "down"));
	assert_true(driver_connected(&fx->h));
	driver_close(&fx->h);
}

/* BIRD away: the wishes still reach the file, also when the driver is
 * closed before the loop runs again (on-exit with BIRD down). */
static void
driver_bird_test_batch_offline(void **state)
{
	struct fixture *fx = *state;
	unsigned writes0, batches0, writes, batches;

	open_driver(fx);
	run_loop_for(fx->loop, 0.05);
	assert_false(driver_connected(&fx->h));
	driver_bird_counts(fx->h.d, &writes0, &batches0);
	driver_set_desired(&fx->h, 0, ROUTE_ANNOUNCED, NULL);
	driver_set_desired(&fx->h, 1, ROUTE_ANNOUNCED, NULL);
	assert_false(driver_idle(&fx->h));	/* the file is still to be written */
	flush_wishes(fx);
	assert_true(driver_idle(&fx->h));
	driver_bird_counts(fx->h.d, &writes, &batches);
	assert_int_equal(writes - writes0, 1);
	assert_int_equal(batches - batches0, 0);
	assert_true(file_has(fx->state_path, "define ANYCAST4_OFF = 0;\ndefine ANYCAST6_OFF = 0;\n"));

	driver_set_desired(&fx->h, 0, ROUTE_WITHDRAWN, "anycast-healthd stopped");
	driver_set_desired(&fx->h, 1, ROUTE_WITHDRAWN, "anycast-healthd stopped");
	driver_close(&fx->h);
	assert_true(file_has(fx->state_path, "define ANYCAST4_OFF = 1;\ndefine ANYCAST6_OFF = 1;\n"));
}

static void
driver_bird_test_unknown_keeps_file(void **state)
{
	struct fixture *fx = *state;
	char dir[200];

	snprintf(dir, sizeof(dir), "%s/run", fx->dir);
	mkdir(dir, 0755);
	snprintf(dir, sizeof(dir), "%s/run/ahd", fx->dir);
	mkdir(dir, 0755);
	/* a previous run left both announced */
	write_text(fx->state_path, "# old\ndefine ANYCAST4_OFF = 0;\n  define ANYCAST6_OFF=0 ;\n");
	fake_set(&fx->fake, "anycast4", "up");
	fake_set(&fx->fake, "anycast6", "start");
	fake_listen(&fx->fake);
	open_driver(fx);
	/* nothing missing in it: left alone at create */
	assert_true(file_has(fx->state_path, "# old\n"));
	WAIT_UNTIL(fx, 2, fx->obs.n_actual[1] == 1);
	assert_int_equal(fx->obs.actual[0], ROUTE_ANNOUNCED);
	assert_int_equal(fx->obs.actual[1], ROUTE_ANNOUNCED);
	driver_set_desired(&fx->h, 0, ROUTE_UNKNOWN, "x");
	run_loop_for(fx->loop, 0.1);
	assert_int_equal(fx->fake.n_log, 1);
	assert_string_equal(fx->fake.log[0], "show protocols");
	assert_true(file_has(fx->state_path, "define ANYCAST4_OFF = 0;\ndefine ANYCAST6_OFF = 0;\n"));

	/* BIRD changed by hand while nobody wants anything: the file follows BIRD */
	driver_close(&fx->h);
	fake_set(&fx->fake, "anycast4", "flush");
	open_driver(fx);
	WAIT_UNTIL(fx, 2, fx->obs.n_actual[1] == 2);
	assert_int_equal(fx->obs.actual[0], ROUTE_WITHDRAWN);
	assert_true(file_has(fx->state_path, "define ANYCAST4_OFF = 1;\ndefine ANYCAST6_OFF = 0;\n"));
	assert_int_equal(fake_count(&fx->fake, "enable"), 0);
	assert_int_equal(fake_count(&fx->fake, "disable"), 0);
}

static void
driver_bird_test_file_restored(void **state)
{
	struct fixture *fx = *state;

	/* BIRD down, the file deleted: written again at a reconnect attempt,
	 * with what is wanted */
	open_driver(fx);
	driver_set_desired(&fx->h, 0, ROUTE_ANNOUNCED, "pptp UP");
	WAIT_UNTIL(fx, 2, fx->obs.n_down == 1);
	assert_int_equal(unlink(fx->state_path), 0);
	WAIT_UNTIL(fx, 2, access(fx->state_path, F_OK) == 0);
	assert_true(file_has(fx->state_path, "define ANYCAST4_OFF = 0;\ndefine ANYCAST6_OFF = 1;\n"));
	assert_int_equal(stderr_count(&fx->err, "BIRD state file "), 1);
	assert_int_equal(stderr_count(&fx->err, "BIRD state file /tmp/test_driver_bird."), 1);
	assert_int_equal(stderr_count(&fx->err, "/run/ahd/bird-state.conf was missing: written again"), 1);

	/* BIRD up, the file deleted, BIRD gone (restarting without it): the
	 * lost connection puts it back */
	fake_set(&fx->fake, "anycast4", "up");
	fake_listen(&fx->fake);
	WAIT_UNTIL(fx, 2, fx->obs.n_up == 1 && fx->obs.n_actual[0] >= 1);
	assert_int_equal(unlink(fx->state_path), 0);
	fake_stop(&fx->fake);
	WAIT_UNTIL(fx, 2, access(fx->state_path, F_OK) == 0);
	assert_true(file_has(fx->state_path, "define ANYCAST4_OFF = 0;\n"));
	assert_int_equal(stderr_count(&fx->err, "was missing: written again"), 2);
}

static void
driver_bird_test_other_reply(void **state)
{
	struct fixture *fx = *state;

	/* a reply that is not a protocol list says nothing about protocols */
	fx->cfg.router.readback_interval_ms = 50;
	fx->fake.mode = FAKE_OTHER_REPLY;
	fake_set(&fx->fake, "anycast4", "up");
	fake_set(&fx->fake, "anycast6", "up");
	fake_listen(&fx->fake);
	open_driver(fx);
	WAIT_UNTIL(fx, 2, fake_count(&fx->fake, "show protocols") >= 3);
	assert_int_equal(stderr_count(&fx->err, "bird: unexpected reply to `show protocols`: "
				      "0011 anycast4: enabled (not a protocol list); ignoring it"), 1);
	assert_int_equal(stderr_count(&fx->err, "no protocol"), 0);
	assert_int_equal(fx->obs.n_actual[0], 0);
	assert_int_equal(fx->obs.n_down, 0);

	/* a list again: read back as usual */
	fx->fake.mode = FAKE_NORMAL;
	WAIT_UNTIL(fx, 2, fx->obs.n_actual[0] >= 1);
	assert_int_equal(fx->obs.actual[0], ROUTE_ANNOUNCED);
	assert_int_equal(fx->obs.actual[1], ROUTE_ANNOUNCED);
	assert_int_equal(stderr_count(&fx->err, "no protocol"), 0);
}

static void
driver_bird_test_missing_define(void **state)
{
	struct fixture *fx = *state;
	char dir[200];

	snprintf(dir, sizeof(dir), "%s/run", fx->dir);
	mkdir(dir, 0755);
	snprintf(dir, sizeof(dir), "%s/run/ahd", fx->dir);
	mkdir(dir, 0755);
	/* anycast6 was added to the config since: BIRD would fail on its define */
	write_text(fx->state_path, "define ANYCAST4_OFF = 0;\n");
	open_driver(fx);
	assert_true(file_has(fx->state_path, "define ANYCAST4_OFF = 0;\ndefine ANYCAST6_OFF = 1;\n"));
}

static void
driver_bird_test_command_timeout(void **state)
{
	struct fixture *fx = *state;

	fx->fake.mode = FAKE_SILENT;
	fake_set(&fx->fake, "anycast4", "up");
	fake_listen(&fx->fake);
	open_driver(fx);
	WAIT_UNTIL(fx, 2, fx->obs.n_down == 1);
	assert_string_equal(fx->obs.whys[0], "connected");
	assert_string_equal(fx->obs.whys[1], "timeout");
	assert_false(driver_connected(&fx->h));
	assert_true(driver_idle(&fx->h));
	/* it had been up: what BIRD has is unknown from now on */
	assert_int_equal(fx->obs.n_actual[0], 1);
	assert_int_equal(fx->obs.actual[0], ROUTE_UNKNOWN);
	WAIT_UNTIL(fx, 2, fx->fake.accepts == 2);
	/* BIRD answers again: back to normal */
	fx->fake.mode = FAKE_NORMAL;
	WAIT_UNTIL(fx, 3, fx->obs.actual[0] == ROUTE_ANNOUNCED);
	assert_true(driver_connected(&fx->h));
}

static void
driver_bird_test_no_banner(void **state)
{
	struct fixture *fx = *state;

	fx->fake.mode = FAKE_NO_BANNER;
	fake_listen(&fx->fake);
	open_driver(fx);
	WAIT_UNTIL(fx, 2, fx->obs.n_down == 1);
	assert_string_equal(fx->obs.whys[0], "timeout");
	assert_int_equal(fx->obs.n_up, 0);
	WAIT_UNTIL(fx, 2, fx->fake.accepts == 3);
	/* the same reason again: reported once */
	assert_int_equal(fx->obs.n_down, 1);
	assert_int_equal(stderr_count(&fx->err, "bird: cannot talk to"), 1);
}

static void
check_protocol_error(struct fixture *fx, enum fake_mode mode, const char *why)
{
	fx->fake.mode = mode;
	fake_set(&fx->fake, "anycast4", "up");
	fake_listen(&fx->fake);
	open_driver(fx);
	WAIT_UNTIL(fx, 2, fx->obs.n_down == 1);
	assert_string_equal(fx->obs.whys[1], why);
	WAIT_UNTIL(fx, 2, fx->fake.accepts == 2);
	fx->fake.mode = FAKE_NORMAL;
	WAIT_UNTIL(fx, 3, fx->obs.actual[0] == ROUTE_ANNOUNCED);
}

static void
driver_bird_test_garbage(void **state)
{
	check_protocol_error(*state, FAKE_GARBAGE, "protocol-error: bad-line");
}

static void
driver_bird_test_overlong(void **state)
{
	check_protocol_error(*state, FAKE_OVERLONG, "protocol-error: line-too-long");
}

static void
driver_bird_test_access_denied(void **state)
{
	check_protocol_error(*state, FAKE_DENY, "access-denied");
}

static void
driver_bird_test_server_close_backoff(void **state)
{
	struct fixture *fx = *state;
	double gap[5], closed_at;
	int i;

	fx->fake.mode = FAKE_CLOSE;
	fx->fake.driverp = &fx->h.d;
	fake_listen(&fx->fake);
	open_driver(fx);
	WAIT_UNTIL(fx, 3, fx->fake.accepts >= 7);
	assert_string_equal(fx->obs.whys[1], "eof");
	/* 20, 40, 80, 160, 160 ms: doubling up to reconnect_max_ms.  Checked on
	 * the delays the driver scheduled; the wall clock only shows it really
	 * waited at least that long (a loaded machine waits longer, never less). */
	for (i = 0; i < 5; i++) {
		static const uint32_t want[] = { 20, 40, 80, 160, 160 };

		assert_int_equal(fx->fake.delay_at[i + 1], want[i]);
		gap[i] = fx->fake.accept_at[i + 1] - fx->fake.accept_at[i];
		assert_true(gap[i] >= want[i] / 1000.0 - 0.002);
	}

	/* the loop of one reason is one line */
	assert_int_equal(stderr_count(&fx->err, "bird: lost the control connection"), 1);
	assert_int_equal(stderr_count(&fx->err, "bird: connected to"), 1);
	assert_int_equal(fx->obs.n_up, 1);
	assert_int_equal(fx->obs.n_down, 1);

	/* a session that proves itself (up for reconnect_max_ms, a command
	 * answered) is reported, and resets the backoff */
	fx->fake.mode = FAKE_NORMAL;
	WAIT_UNTIL(fx, 2, fx->obs.n_up == 2);
	assert_int_equal(stderr_count(&fx->err, "ms after "), 1);
	fx->fake.mode = FAKE_CLOSE;
	i = fx->fake.accepts;
	closed_at = ev_time();
	fake_close_client(&fx->fake);
	WAIT_UNTIL(fx, 2, fx->fake.accepts == i + 1);
	assert_int_equal(fx->fake.delay_at[i], 20);
	assert_true(fx->fake.accept_at[i] - closed_at >= 0.018);
}

static void
driver_bird_test_answer_then_close(void **state)
{
	struct fixture *fx = *state;
	static const uint32_t want[] = { 20, 40, 80, 160, 160 };
	int i;

	/* one good answer per connection is not a working router: the delay
	 * keeps growing, and the loop is said once */
	fx->fake.mode = FAKE_ANSWER_CLOSE;
	fx->fake.driverp = &fx->h.d;
	fake_set(&fx->fake, "anycast4", "down");
	fake_listen(&fx->fake);
	open_driver(fx);
	driver_set_desired(&fx->h, 0, ROUTE_ANNOUNCED, "pptp UP");
	WAIT_UNTIL(fx, 3, fx->fake.accepts >= 7);
	for (i = 0; i < 5; i++)
		assert_int_equal(fx->fake.delay_at[i + 1], want[i]);
	assert_int_equal(fx->obs.n_up, 1);
	assert_int_equal(fx->obs.n_down, 1);
	assert_string_equal(fx->obs.whys[1], "eof");
	assert_int_equal(stderr_count(&fx->err, "bird: connected to"), 1);
	assert_int_equal(stderr_count(&fx->err, "bird: lost the control connection to"), 1);
	assert_int_equal(stderr_count(&fx->err, "bird: cannot talk to"), 0);
	/* it never got to the enable */
	assert_int_equal(fake_count(&fx->fake, "enable"), 0);
	assert_int_equal(fx->obs.actual[0], ROUTE_UNKNOWN);

	/* a new reason is said again */
	fake_stop(&fx->fake);
	WAIT_UNTIL(fx, 2, fx->obs.n_down == 2);
	assert_string_equal(fx->obs.whys[2], "connect-refused");
	assert_int_equal(stderr_count(&fx->err, "bird: cannot talk to"), 1);
}

static void
driver_bird_test_accepted_not_applied(void **state)
{
	struct fixture *fx = *state;
	static const uint32_t want[] = { 0, 0, 20, 40, 80, 160, 160 };
	size_t i, shows;

	/* `enable` answered `0000` with no `0011-anycast4: enabled`, and the
	 * read-back still down: re-applied through the backoff, said once */
	fx->fake.driverp = &fx->h.d;
	start_normal(fx);
	fx->fake.mode = FAKE_NO_ACK;
	driver_set_desired(&fx->h, 0, ROUTE_ANNOUNCED, "pptp UP");
	WAIT_UNTIL(fx, 5, fx->fake.n_enables >= 7);
	/* the first apply, its first retry at once, then 20, 40, 80 ms up to
	 * reconnect_max_ms: armed, and really waited (a loaded machine waits
	 * longer, never less) */
	for (i = 0; i < 7; i++) {
		assert_int_equal(fx->fake.retry_at[i], want[i]);
		if (i > 0)
			assert_true(fx->fake.enable_at[i] - fx->fake.enable_at[i - 1] >=
				    want[i] / 1000.0 - 0.002);
	}
	/* at the cap, 0.5 s holds at most 4 more (the loop without the
	 * backoff sent thousands), one read-back each */
	i = fx->fake.n_enables;
	run_loop_for(fx->loop, 0.5);
	assert_true(fx->fake.n_enables <= i + 4);
	shows = fake_count(&fx->fake, "show protocols");
	assert_true(shows <= fx->fake.n_enables + 2);
	assert_int_equal(stderr_count(&fx->err, "anycast4: BIRD accepted `enable anycast4` but it "
				      "still reads back withdrawn, want announced; retrying in 20 ms"), 1);
	assert_int_equal(stderr_count(&fx->err, "BIRD accepted"), 1);
	assert_int_equal(stderr_count(&fx->err, "refused"), 0);
	assert_int_equal(fx->obs.n_drift, 0);
	assert_int_equal(fx->obs.actual[0], ROUTE_WITHDRAWN);
	assert_true(driver_connected(&fx->h));

	/* BIRD does it again: announced, the backoff starts over */
	fx->fake.mode = FAKE_NORMAL;
	WAIT_UNTIL(fx, 2, fx->obs.actual[0] == ROUTE_ANNOUNCED && driver_idle(&fx->h));
	assert_true(fake_is(&fx->fake, "anycast4", "up"));
	assert_int_equal(stderr_count(&fx->err, "anycast4: announced in BIRD"), 1);
}

static void
driver_bird_test_router_gone(void **state)
{
	struct fixture *fx = *state;
	int n;

	/* BIRD killed: its state is unknown, not what it last said */
	start_normal(fx);
	driver_set_desired(&fx->h, 0, ROUTE_ANNOUNCED, "pptp UP");
	WAIT_UNTIL(fx, 2, fx->obs.actual[0] == ROUTE_ANNOUNCED);
	fake_stop(&fx->fake);
	WAIT_UNTIL(fx, 2, fx->obs.n_down == 1);
	assert_int_equal(fx->obs.actual[0], ROUTE_UNKNOWN);
	assert_int_equal(fx->obs.actual[1], ROUTE_UNKNOWN);
	/* the failed reconnects do not report it again */
	n = fx->obs.n_actual[0];
	run_loop_for(fx->loop, 0.2);
	assert_int_equal(fx->obs.n_actual[0], n);
	/* back: read back, and announced again */
	fake_listen(&fx->fake);
	WAIT_UNTIL(fx, 2, fx->obs.actual[0] == ROUTE_ANNOUNCED);
	assert_true(fake_is(&fx->fake, "anycast4", "up"));
}

static void
driver_bird_test_backlog_full(void **state)
{
	struct fixture *fx = *state;
	int lfd, cfd;

	/* BIRD not accepting (listen backlog full): the same word as FRR */
	full_unix_socket(fx->fake.path, &lfd, &cfd);
	open_driver(fx);
	WAIT_UNTIL(fx, 2, fx->obs.n_down == 1);
	assert_string_equal(fx->obs.whys[0], "backlog-full");
	assert_int_equal(stderr_count(&fx->err, "bird: cannot talk to"), 1);
	assert_int_equal(stderr_count(&fx->err, ": backlog-full (retrying)"), 1);
	close(cfd);
	close(lfd);
}

static void
driver_bird_test_socket_missing(void **state)
{
	struct fixture *fx = *state;

	open_driver(fx);
	run_loop_for(fx->loop, 0.3);
	assert_int_equal(fx->obs.n_down, 1);
	assert_string_equal(fx->obs.whys[0], "socket-missing");
	assert_int_equal(stderr_count(&fx->err, "socket-missing"), 1);

	/* a stale socket file with nobody listening */
	stale_unix_socket(fx->fake.path);
	WAIT_UNTIL(fx, 1, fx->obs.n_down == 2);
	assert_string_equal(fx->obs.whys[1], "connect-refused");

	fake_set(&fx->fake, "anycast4", "up");
	fake_listen(&fx->fake);
	WAIT_UNTIL(fx, 1, fx->obs.n_up == 1);
	WAIT_UNTIL(fx, 1, fx->obs.n_actual[0] == 1);

	/* permission: not root-proof, so only when we are not root */
	if (geteuid() != 0) {
		chmod(fx->fake.path, 0);
		fake_close_client(&fx->fake);
		WAIT_UNTIL(fx, 1, fx->obs.n_down == 3);
		assert_string_equal(fx->obs.whys[3], "permission-denied");
	}
}

static void
driver_bird_test_drift(void **state)
{
	struct fixture *fx = *state;

	fx->cfg.router.readback_interval_ms = 50;
	start_normal(fx);
	driver_set_desired(&fx->h, 0, ROUTE_ANNOUNCED, NULL);
	WAIT_UNTIL(fx, 2, fx->obs.actual[0] == ROUTE_ANNOUNCED);
	/* `birdc configure` with a stale file, or a hand-made disable */
	fake_set(&fx->fake, "anycast4", "down");
	WAIT_UNTIL(fx, 2, fake_count(&fx->fake, "enable anycast4") == 2);
	WAIT_UNTIL(fx, 2, strcmp(fx->fake.protos[1].state, "up") == 0);
	assert_int_equal(stderr_count(&fx->err, "anycast4: BIRD has withdrawn, want announced: re-asserting"), 1);
	assert_int_equal(fx->obs.n_drift, 1);
	assert_int_equal(fx->obs.drift_found, ROUTE_WITHDRAWN);
	assert_int_equal(fx->obs.drift_wanted, ROUTE_ANNOUNCED);
	run_loop_for(fx->loop, 0.2);
	assert_int_equal(fake_count(&fx->fake, "enable anycast4"), 2);
	assert_int_equal(fx->obs.actual[0], ROUTE_ANNOUNCED);
	assert_true(fake_count(&fx->fake, "show protocols") >= 4);
}

/* The last n changes the fake received, joined with '|'; read-backs are
 * skipped: a periodic one may land anywhere on a loaded machine. */
static const char *
fake_tail(const struct fake *f, size_t n)
{
	static char buf[1024];
	size_t i, len = 0, from = f->n_log, k = 0;

	while (from > 0 && k < n)
		k += strcmp(f->log[--from], "show protocols") != 0;
	buf[0] = '\0';
	for (i = from; i < f->n_log; i++)
		if (strcmp(f->log[i], "show protocols") != 0)
			len += (size_t)snprintf(buf + len, sizeof(buf) - len, "%s%s",
						len ? "|" : "", f->log[i]);
	return buf;
}

static void
driver_bird_test_degraded_twin(void **state)
{
	struct fixture *fx = *state;

	fx->prefixes[0].bird_degraded_protocol = (char *)(uintptr_t)"anycast4_degraded";
	fx->prefixes[0].bird_degraded_define = (char *)(uintptr_t)"ANYCAST4_DEGRADED_OFF";
	fx->cfg.router.readback_interval_ms = 50;
	fake_set(&fx->fake, "anycast4", "down");
	fake_set(&fx->fake, "anycast4_degraded", "down");
	fake_set(&fx->fake, "anycast6", "down");
	fake_listen(&fx->fake);
	open_driver(fx);
	/* the file carries both defines, withdrawn */
	assert_true(file_has(fx->state_path, "define ANYCAST4_OFF = 1;\n"
			     "define ANYCAST4_DEGRADED_OFF = 1;\ndefine ANYCAST6_OFF = 1;\n"));
	WAIT_UNTIL(fx, 2, fx->obs.n_actual[0] >= 1);
	assert_int_equal(fx->obs.actual[0], ROUTE_WITHDRAWN);

	/* withdrawn -> degraded: enable the twin only */
	driver_set_desired(&fx->h, 0, ROUTE_DEGRADED, "capacity DEGRADED");
	flush_wishes(fx);
	assert_true(file_has(fx->state_path, "define ANYCAST4_OFF = 1;\n"
			     "define ANYCAST4_DEGRADED_OFF = 0;\n"));
	WAIT_UNTIL(fx, 2, fx->obs.actual[0] == ROUTE_DEGRADED && driver_idle(&fx->h));
	assert_string_equal(fake_tail(&fx->fake, 1), "enable anycast4_degraded");

	/* degraded -> announced: enable main, then disable the twin (an
	 * update upstream, never a withdraw) */
	driver_set_desired(&fx->h, 0, ROUTE_ANNOUNCED, "capacity UP");
	WAIT_UNTIL(fx, 2, fx->obs.actual[0] == ROUTE_ANNOUNCED && driver_idle(&fx->h));
	assert_string_equal(fake_tail(&fx->fake, 2),
			    "enable anycast4|disable anycast4_degraded \"capacity UP\"");
	assert_true(file_has(fx->state_path, "define ANYCAST4_OFF = 0;\n"
			     "define ANYCAST4_DEGRADED_OFF = 1;\n"));

	/* announced -> degraded: enable the twin, then disable main */
	driver_set_desired(&fx->h, 0, ROUTE_DEGRADED, "busy");
	WAIT_UNTIL(fx, 2, fx->obs.actual[0] == ROUTE_DEGRADED && driver_idle(&fx->h));
	assert_string_equal(fake_tail(&fx->fake, 2),
			    "enable anycast4_degraded|disable anycast4 \"busy\"");

	/* degraded -> withdrawn: the twin goes too */
	driver_set_desired(&fx->h, 0, ROUTE_WITHDRAWN, "down");
	WAIT_UNTIL(fx, 2, fx->obs.actual[0] == ROUTE_WITHDRAWN && driver_idle(&fx->h));
	assert_string_equal(fake_tail(&fx->fake, 1), "disable anycast4_degraded \"down\"");
	assert_string_equal(fx->fake.protos[0].state, "down");
	assert_string_equal(fx->fake.protos[1].state, "down");
	assert_int_equal(fx->obs.n_drift, 0);

	/* read-back: twin up and main down is degraded; both up is drift */
	driver_set_desired(&fx->h, 0, ROUTE_ANNOUNCED, NULL);
	WAIT_UNTIL(fx, 2, fx->obs.actual[0] == ROUTE_ANNOUNCED && driver_idle(&fx->h));
	fake_set(&fx->fake, "anycast4_degraded", "up");
	WAIT_UNTIL(fx, 2, fx->obs.n_drift == 1);
	assert_int_equal(stderr_count(&fx->err, "anycast4: BIRD has anycast4 and anycast4_degraded "
				      "both up, want announced: re-asserting"), 1);
	WAIT_UNTIL(fx, 2, strcmp(fx->fake.protos[1].state, "down") == 0);
	fake_set(&fx->fake, "anycast4", "down");
	fake_set(&fx->fake, "anycast4_degraded", "up");
	WAIT_UNTIL(fx, 2, fx->obs.n_drift == 2);
	assert_int_equal(fx->obs.drift_found, ROUTE_DEGRADED);
	assert_int_equal(fx->obs.drift_wanted, ROUTE_ANNOUNCED);
	WAIT_UNTIL(fx, 2, strcmp(fx->fake.protos[0].state, "up") == 0 &&
		   strcmp(fx->fake.protos[1].state, "down") == 0);
}

static void
driver_bird_test_degraded_no_twin(void **state)
{
	struct fixture *fx = *state;

	/* no twin configured: degraded is announced */
	start_normal(fx);
	driver_set_desired(&fx->h, 0, ROUTE_DEGRADED, "busy");
	WAIT_UNTIL(fx, 2, fx->obs.actual[0] == ROUTE_ANNOUNCED && driver_idle(&fx->h));
	assert_string_equal(fake_tail(&fx->fake, 1), "enable anycast4");
	assert_true(file_has(fx->state_path, "define ANYCAST4_OFF = 0;\n"));
	driver_close(&fx->h);

	/* a twin configured but missing in BIRD: the same, said once */
	fx->prefixes[0].bird_degraded_protocol = (char *)(uintptr_t)"anycast4_degraded";
	fx->prefixes[0].bird_degraded_define = (char *)(uintptr_t)"ANYCAST4_DEGRADED_OFF";
	fake_set(&fx->fake, "anycast4", "down");
	open_driver(fx);
	WAIT_UNTIL(fx, 2, fx->obs.n_actual[0] >= 3);
	driver_set_desired(&fx->h, 0, ROUTE_DEGRADED, "busy");
	WAIT_UNTIL(fx, 2, fx->obs.actual[0] == ROUTE_ANNOUNCED && driver_idle(&fx->h));
	assert_string_equal(fake_tail(&fx->fake, 1), "enable anycast4");
	assert_int_equal(stderr_count(&fx->err, "BIRD has no protocol \"anycast4_degraded\"; anycast4 is "
				      "announced plainly when degraded"), 1);
}

/* anycast4 with both twins; the fake has all three down and anycast6. */
static void
start_drain(struct fixture *fx)
{
	fx->prefixes[0].bird_degraded_protocol = (char *)(uintptr_t)"anycast4_degraded";
	fx->prefixes[0].bird_degraded_define = (char *)(uintptr_t)"ANYCAST4_DEGRADED_OFF";
	fx->prefixes[0].bird_drain_protocol = (char *)(uintptr_t)"anycast4_drain";
	fx->prefixes[0].bird_drain_define = (char *)(uintptr_t)"ANYCAST4_DRAIN_OFF";
	fx->cfg.router.readback_interval_ms = 50;
	fake_set(&fx->fake, "anycast4", "down");
	fake_set(&fx->fake, "anycast4_degraded", "down");
	fake_set(&fx->fake, "anycast4_drain", "down");
	fake_set(&fx->fake, "anycast6", "down");
	fake_listen(&fx->fake);
	open_driver(fx);
	WAIT_UNTIL(fx, 2, fx->obs.n_actual[0] >= 1);
}

static void
driver_bird_test_drain_twin(void **state)
{
	struct fixture *fx = *state;

	start_drain(fx);
	/* the file carries all three defines, withdrawn */
	assert_true(file_has(fx->state_path, "define ANYCAST4_OFF = 1;\n"
			     "define ANYCAST4_DEGRADED_OFF = 1;\ndefine ANYCAST4_DRAIN_OFF = 1;\n"
			     "define ANYCAST6_OFF = 1;\n"));
	assert_int_equal(fx->obs.actual[0], ROUTE_WITHDRAWN);

	/* announced -> draining: enable the drain twin, then disable main, so
	 * the upstream gets an update with GRACEFUL_SHUTDOWN, not a withdraw */
	driver_set_desired(&fx->h, 0, ROUTE_ANNOUNCED, "pptp UP");
	WAIT_UNTIL(fx, 2, fx->obs.actual[0] == ROUTE_ANNOUNCED && driver_idle(&fx->h));
	driver_set_desired(&fx->h, 0, ROUTE_DRAINING, "draining (operator)");
	flush_wishes(fx);
	assert_true(file_has(fx->state_path, "define ANYCAST4_OFF = 1;\n"
			     "define ANYCAST4_DEGRADED_OFF = 1;\ndefine ANYCAST4_DRAIN_OFF = 0;\n"));
	WAIT_UNTIL(fx, 2, fx->obs.actual[0] == ROUTE_DRAINING && driver_idle(&fx->h));
	assert_string_equal(fake_tail(&fx->fake, 2),
			    "enable anycast4_drain|disable anycast4 \"draining (operator)\"");
	assert_int_equal(stderr_count(&fx->err, "anycast4: draining in BIRD"), 1);
	/* a read-back agrees: the drain twin up alone is draining */
	run_loop_for(fx->loop, 0.2);
	assert_int_equal(fx->obs.actual[0], ROUTE_DRAINING);
	assert_int_equal(fx->obs.n_drift, 0);

	/* draining -> withdrawn (the drain time is over): the twin goes */
	driver_set_desired(&fx->h, 0, ROUTE_WITHDRAWN, "drained (operator)");
	flush_wishes(fx);
	assert_true(file_has(fx->state_path, "define ANYCAST4_OFF = 1;\n"
			     "define ANYCAST4_DEGRADED_OFF = 1;\ndefine ANYCAST4_DRAIN_OFF = 1;\n"));
	WAIT_UNTIL(fx, 2, fx->obs.actual[0] == ROUTE_WITHDRAWN && driver_idle(&fx->h));
	assert_string_equal(fake_tail(&fx->fake, 1), "disable anycast4_drain \"drained (operator)\"");

	/* withdrawn -> draining: the twin alone */
	driver_set_desired(&fx->h, 0, ROUTE_DRAINING, NULL);
	WAIT_UNTIL(fx, 2, fx->obs.actual[0] == ROUTE_DRAINING && driver_idle(&fx->h));
	assert_string_equal(fake_tail(&fx->fake, 1), "enable anycast4_drain");

	/* draining -> announced (resume): enable main, then disable the twin */
	driver_set_desired(&fx->h, 0, ROUTE_ANNOUNCED, "resumed");
	WAIT_UNTIL(fx, 2, fx->obs.actual[0] == ROUTE_ANNOUNCED && driver_idle(&fx->h));
	assert_string_equal(fake_tail(&fx->fake, 2),
			    "enable anycast4|disable anycast4_drain \"resumed\"");

	/* degraded -> draining: enable the drain twin, then disable the other */
	driver_set_desired(&fx->h, 0, ROUTE_DEGRADED, "busy");
	WAIT_UNTIL(fx, 2, fx->obs.actual[0] == ROUTE_DEGRADED && driver_idle(&fx->h));
	driver_set_desired(&fx->h, 0, ROUTE_DRAINING, "drain");
	WAIT_UNTIL(fx, 2, fx->obs.actual[0] == ROUTE_DRAINING && driver_idle(&fx->h));
	assert_string_equal(fake_tail(&fx->fake, 2),
			    "enable anycast4_drain|disable anycast4_degraded \"drain\"");
	assert_true(fake_is(&fx->fake, "anycast4", "down"));
	assert_true(fake_is(&fx->fake, "anycast4_degraded", "down"));
	assert_true(fake_is(&fx->fake, "anycast4_drain", "up"));
	assert_int_equal(fx->obs.n_drift, 0);
}

static void
driver_bird_test_drain_readback(void **state)
{
	struct fixture *fx = *state;

	/* a previous run left it draining: reported so, and kept in the file */
	fx->prefixes[0].bird_drain_protocol = (char *)(uintptr_t)"anycast4_drain";
	fx->prefixes[0].bird_drain_define = (char *)(uintptr_t)"ANYCAST4_DRAIN_OFF";
	fx->cfg.router.readback_interval_ms = 50;
	fake_set(&fx->fake, "anycast4", "down");
	fake_set(&fx->fake, "anycast4_drain", "up");
	fake_listen(&fx->fake);
	open_driver(fx);
	WAIT_UNTIL(fx, 2, fx->obs.n_actual[0] >= 1);
	assert_int_equal(fx->obs.actual[0], ROUTE_DRAINING);
	assert_true(file_has(fx->state_path, "define ANYCAST4_OFF = 1;\n"
			     "define ANYCAST4_DRAIN_OFF = 0;\ndefine ANYCAST6_OFF = 1;\n"));
	assert_int_equal(fx->fake.n_log, 1);

	/* main and drain twin both up: main's route wins, so announced;
	 * wanting draining that is drift, and main goes */
	driver_set_desired(&fx->h, 0, ROUTE_DRAINING, "drain");
	run_loop_for(fx->loop, 0.1);
	assert_int_equal(fx->fake.n_log, fake_count(&fx->fake, "show protocols"));
	fake_set(&fx->fake, "anycast4", "up");
	WAIT_UNTIL(fx, 2, fx->obs.n_drift == 1);
	assert_int_equal(fx->obs.drift_found, ROUTE_ANNOUNCED);
	assert_int_equal(fx->obs.drift_wanted, ROUTE_DRAINING);
	assert_int_equal(stderr_count(&fx->err, "anycast4: BIRD has anycast4 and anycast4_drain both up, "
				      "want draining: re-asserting"), 1);
	WAIT_UNTIL(fx, 2, fake_is(&fx->fake, "anycast4", "down") &&
		   fx->obs.actual[0] == ROUTE_DRAINING);
	assert_string_equal(fake_tail(&fx->fake, 1), "disable anycast4 \"drain\"");

	/* the twin disabled by hand: withdrawn, drift, enabled again */
	fake_set(&fx->fake, "anycast4_drain", "down");
	WAIT_UNTIL(fx, 2, fx->obs.n_drift == 2);
	assert_int_equal(fx->obs.drift_found, ROUTE_WITHDRAWN);
	WAIT_UNTIL(fx, 2, fake_is(&fx->fake, "anycast4_drain", "up") &&
		   fx->obs.actual[0] == ROUTE_DRAINING);
	assert_string_equal(fake_tail(&fx->fake, 1), "enable anycast4_drain");
	driver_close(&fx->h);

	/* all three up, wanting announced: both twins go */
	fx->prefixes[0].bird_degraded_protocol = (char *)(uintptr_t)"anycast4_degraded";
	fx->prefixes[0].bird_degraded_define = (char *)(uintptr_t)"ANYCAST4_DEGRADED_OFF";
	fake_set(&fx->fake, "anycast4", "up");
	fake_set(&fx->fake, "anycast4_degraded", "up");
	fake_set(&fx->fake, "anycast4_drain", "up");
	open_driver(fx);
	WAIT_UNTIL(fx, 2, driver_connected(&fx->h) && fx->obs.actual[0] == ROUTE_ANNOUNCED);
	driver_set_desired(&fx->h, 0, ROUTE_ANNOUNCED, NULL);
	WAIT_UNTIL(fx, 2, driver_idle(&fx->h) && fake_is(&fx->fake, "anycast4_degraded", "down") &&
		   fake_is(&fx->fake, "anycast4_drain", "down"));
	assert_string_equal(fake_tail(&fx->fake, 2),
			    "disable anycast4_degraded|disable anycast4_drain");
	/* a first apply, not drift */
	assert_int_equal(fx->obs.n_drift, 2);
	fake_set(&fx->fake, "anycast4_degraded", "up");
	fake_set(&fx->fake, "anycast4_drain", "up");
	WAIT_UNTIL(fx, 2, fx->obs.n_drift == 3);
	assert_int_equal(stderr_count(&fx->err, "anycast4: BIRD has anycast4, anycast4_degraded and "
				      "anycast4_drain all up, want announced: re-asserting"), 1);
}

static void
driver_bird_test_drain_no_twin(void **state)
{
	struct fixture *fx = *state;

	/* no drain twin configured: draining is applied as withdrawn, said once */
	start_normal(fx);
	driver_set_desired(&fx->h, 0, ROUTE_ANNOUNCED, NULL);
	WAIT_UNTIL(fx, 2, fx->obs.actual[0] == ROUTE_ANNOUNCED && driver_idle(&fx->h));
	driver_set_desired(&fx->h, 0, ROUTE_DRAINING, "drain");
	flush_wishes(fx);
	assert_true(file_has(fx->state_path, "define ANYCAST4_OFF = 1;\ndefine ANYCAST6_OFF = 1;\n"));
	WAIT_UNTIL(fx, 2, fx->obs.actual[0] == ROUTE_WITHDRAWN && driver_idle(&fx->h));
	assert_string_equal(fake_tail(&fx->fake, 1), "disable anycast4 \"drain\"");
	driver_set_desired(&fx->h, 0, ROUTE_ANNOUNCED, NULL);
	driver_set_desired(&fx->h, 0, ROUTE_DRAINING, NULL);
	WAIT_UNTIL(fx, 2, driver_idle(&fx->h));
	assert_int_equal(fx->obs.actual[0], ROUTE_WITHDRAWN);
	assert_int_equal(stderr_count(&fx->err, "anycast4: no drain protocol configured: withdrawn "
				      "instead of draining; see docs/bird.md"), 1);
	assert_int_equal(fx->obs.n_drift, 0);
	driver_close(&fx->h);

	/* configured but missing in BIRD: the same, said once by the read-back */
	fx->prefixes[0].bird_drain_protocol = (char *)(uintptr_t)"anycast4_drain";
	fx->prefixes[0].bird_drain_define = (char *)(uintptr_t)"ANYCAST4_DRAIN_OFF";
	fx->cfg.router.readback_interval_ms = 50;
	fake_set(&fx->fake, "anycast4", "up");
	open_driver(fx);
	WAIT_UNTIL(fx, 2, fx->obs.n_actual[0] >= 5);
	driver_set_desired(&fx->h, 0, ROUTE_DRAINING, "drain");
	flush_wishes(fx);
	assert_true(file_has(fx->state_path, "define ANYCAST4_OFF = 1;\ndefine ANYCAST4_DRAIN_OFF = 1;\n"));
	WAIT_UNTIL(fx, 2, fx->obs.actual[0] == ROUTE_WITHDRAWN && driver_idle(&fx->h));
	assert_string_equal(fake_tail(&fx->fake, 1), "disable anycast4 \"drain\"");
	run_loop_for(fx->loop, 0.2);
	assert_int_equal(fx->obs.actual[0], ROUTE_WITHDRAWN);
	assert_int_equal(stderr_count(&fx->err, "BIRD has no protocol \"anycast4_drain\"; anycast4 is "
				      "withdrawn when draining; see docs/bird.md"), 1);
	assert_int_equal(fx->obs.n_drift, 0);

	/* the twin shows up (BIRD reconfigured): the next read-back drains */
	fake_set(&fx->fake, "anycast4_drain", "down");
	WAIT_UNTIL(fx, 2, fx->obs.actual[0] == ROUTE_DRAINING && driver_idle(&fx->h));
	assert_string_equal(fake_tail(&fx->fake, 1), "enable anycast4_drain");
	assert_int_equal(stderr_count(&fx->err, "BIRD has protocol \"anycast4_drain\" now"), 1);
}

static void
driver_bird_test_reconfigure(void **state)
{
	struct fixture *fx = *state;
	struct config cfg2 = fx->cfg;
	struct prefix_config p2[2];

	start_normal(fx);
	driver_set_desired(&fx->h, 0, ROUTE_ANNOUNCED, NULL);
	WAIT_UNTIL(fx, 2, fx->obs.actual[0] == ROUTE_ANNOUNCED);

	/* anycast4 moves to index 1, a new anycast5 comes first */
	p2[0] = fx->prefixes[1];
	p2[0].bird_protocol = (char *)(uintptr_t)"anycast5";
	p2[0].bird_define = (char *)(uintptr_t)"ANYCAST5_OFF";
	p2[1] = fx->prefixes[0];
	cfg2.prefixes = p2;
	fake_set(&fx->fake, "anycast5", "up");
	driver_reconfigure(&fx->h, &cfg2);
	/* desired reset: the file keeps anycast4 as BIRD has it, the new one
	 * gets its safe default until read back */
	assert_true(file_has(fx->state_path, "define ANYCAST5_OFF = 1;\ndefine ANYCAST4_OFF = 0;\n"));
	assert_false(file_has(fx->state_path, "ANYCAST6"));
	WAIT_UNTIL(fx, 2, fx->obs.n_actual[0] >= 3 && driver_idle(&fx->h));
	assert_int_equal(fx->obs.actual[0], ROUTE_ANNOUNCED);
	assert_int_equal(fx->obs.actual[1], ROUTE_ANNOUNCED);
	assert_true(file_has(fx->state_path, "define ANYCAST5_OFF = 0;\ndefine ANYCAST4_OFF = 0;\n"));
	driver_set_desired(&fx->h, 1, ROUTE_WITHDRAWN, NULL);
	WAIT_UNTIL(fx, 2, fx->obs.actual[1] == ROUTE_WITHDRAWN);
	assert_string_equal(fx->fake.log[fx->fake.n_log - 1], "disable anycast4");
	driver_set_desired(&fx->h, 5, ROUTE_WITHDRAWN, NULL);	/* out of range: ignored */
	assert_true(driver_idle(&fx->h));
}

static void
driver_bird_test_initial_state(void **state)
{
	struct fixture *fx = *state;
	struct stat st;

	assert_int_equal(driver_bird_write_initial_state(&fx->cfg), 0);
	assert_true(file_has(fx->state_path, "define ANYCAST4_OFF = 1;\ndefine ANYCAST6_OFF = 1;\n"));
	assert_int_equal(stat(fx->state_path, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0644);
	/* an existing file holds the last choice: untouched */
	write_text(fx->state_path, "define ANYCAST4_OFF = 0;\n");
	assert_int_equal(driver_bird_write_initial_state(&fx->cfg), 0);
	assert_string_equal(slurp(fx->state_path), "define ANYCAST4_OFF = 0;\n");
	/* with twins: one define each, all withdrawn */
	unlink(fx->state_path);
	fx->prefixes[0].bird_degraded_protocol = (char *)(uintptr_t)"anycast4_degraded";
	fx->prefixes[0].bird_degraded_define = (char *)(uintptr_t)"ANYCAST4_DEGRADED_OFF";
	fx->prefixes[0].bird_drain_protocol = (char *)(uintptr_t)"anycast4_drain";
	fx->prefixes[0].bird_drain_define = (char *)(uintptr_t)"ANYCAST4_DRAIN_OFF";
	fx->prefixes[1].bird_drain_protocol = (char *)(uintptr_t)"anycast6 drain";
	fx->prefixes[1].bird_drain_define = (char *)(uintptr_t)"ANYCAST6 DRAIN_OFF";
	assert_int_equal(driver_bird_write_initial_state(&fx->cfg), 0);
	assert_true(file_has(fx->state_path, "define ANYCAST4_OFF = 1;\n"
			     "define ANYCAST4_DEGRADED_OFF = 1;\ndefine ANYCAST4_DRAIN_OFF = 1;\n"
			     "define ANYCAST6_OFF = 1;\n"));
	assert_false(file_has(fx->state_path, "DRAIN_OFF = 1;\ndefine ANYCAST6 "));
	/* unwritable place */
	fx->cfg.router.state_file = (char *)(uintptr_t)"/proc/nonexistent/x/bird-state.conf";
	assert_int_equal(driver_bird_write_initial_state(&fx->cfg), -1);
}

static void
driver_bird_test_sanitize(void **state)
{
	char out[DRIVER_BIRD_WHY_MAX + 1], in[300];

	(void)state;
	assert_int_equal(driver_bird_sanitize_why(out, NULL), 0);
	assert_string_equal(out, "");
	assert_int_equal(driver_bird_sanitize_why(out, "pptp DOWN (sccrp-timeout)"), 25);
	assert_string_equal(out, "pptp DOWN (sccrp-timeout)");
	driver_bird_sanitize_why(out, "a\"b\\c\td\x7f\xff\n");
	assert_string_equal(out, "a'b/c d ?");
	memset(in, 'z', sizeof(in));
	in[sizeof(in) - 1] = '\0';
	assert_int_equal(driver_bird_sanitize_why(out, in), DRIVER_BIRD_WHY_MAX);
}

static void
driver_bird_test_front(void **state)
{
	struct fixture *fx = *state;
	struct router_config a = fx->cfg.router, b = fx->cfg.router;
	struct driver_handle closed = { NULL, NULL };

	assert_string_equal(route_state_names[ROUTE_UNKNOWN], "unknown");
	assert_string_equal(route_state_names[ROUTE_ANNOUNCED], "announced");
	assert_string_equal(route_state_names[ROUTE_WITHDRAWN], "withdrawn");
	assert_true(driver_router_config_equal(&a, &b));
	b.state_file = (char *)(uintptr_t)"/elsewhere";
	assert_false(driver_router_config_equal(&a, &b));
	b = a;
	b.command_timeout_ms++;
	assert_false(driver_router_config_equal(&a, &b));
	b = a;
	b.control_socket = NULL;
	assert_false(driver_router_config_equal(&a, &b));

	driver_close(&closed);
	driver_close(NULL);
	assert_true(driver_idle(&closed));
	assert_false(driver_connected(&closed));
	fx->cfg.router.kind = ROUTER_KIND__COUNT;
	assert_int_equal(driver_open(&fx->h, fx->loop, &fx->cfg, &driver_obs_cb, &fx->obs), -1);
	assert_null(fx->h.d);
	fx->cfg.router.kind = ROUTER_KIND_BIRD;
	open_driver(fx);
	assert_string_equal(fx->h.ops->name, "bird");
}

/* ---- part two: the real bird2 ---- */

struct birdc_state {
	char *out;
	size_t size, len;
	int finals;
	int code;
};

static int
birdc_cb(void *arg, const struct bird_reply_event *ev)
{
	struct birdc_state *st = arg;

	if (ev->kind == BIRD_REPLY_FINAL) {
		st->finals++;
		st->code = ev->code;
	}
	if (st->len + ev->len + 12 < st->size)
		st->len += (size_t)snprintf(st->out + st->len, st->size - st->len, "%04d %s\n",
					    ev->code, ev->text);
	return 0;
}

/* One blocking command on a separate session, as birdc does; the final code. */
static int
birdc(const char *sock, const char *cmd, char *out, size_t size)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	struct bird_reply_parser p;
	struct birdc_state st = { out, size, 0, 0, -1 };
	struct pollfd pfd;
	char buf[4096];
	ssize_t n;
	int fd;

	out[0] = '\0';
	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", sock);
	fd = socket(AF_UNIX, SOCK_STREAM, 0);
	if (fd == -1 || connect(fd, (struct sockaddr *)&sun, sizeof(sun)) == -1) {
		if (fd != -1)
			close(fd);
		return -1;
	}
	bird_reply_reset(&p);
	snprintf(buf, sizeof(buf), "%s\n", cmd);
	if (write(fd, buf, strlen(buf)) != (ssize_t)strlen(buf)) {
		close(fd);
		return -1;
	}
	pfd.fd = fd;
	pfd.events = POLLIN;
	/* the banner is the first final line, the reply the second */
	while (st.finals < 2) {
		if (poll(&pfd, 1, 5000) != 1)
			break;
		n = read(fd, buf, sizeof(buf));
		if (n <= 0 || bird_reply_feed(&p, buf, (size_t)n, birdc_cb, &st) != 0)
			break;
	}
	close(fd);
	return st.finals >= 2 ? st.code : -1;
}

/* "up", "down"... for `name`, from BIRD itself. */
static const char *
bird_proto_state(const char *sock, const char *name)
{
	static struct bird_protocol_row row;
	char cmd[100], out[4096], *line;

	snprintf(cmd, sizeof(cmd), "show protocols %s", name);
	if (birdc(sock, cmd, out, sizeof(out)) != 0)
		return "?";
	for (line = strtok(out, "\n"); line != NULL; line = strtok(NULL, "\n"))
		if (strncmp(line, "1002 ", 5) == 0 &&
		    bird_reply_parse_protocol(line + 5, strlen(line + 5), &row) == 0 &&
		    strcmp(row.name, name) == 0)
			return row.state;
	return "?";
}

static void
bird_start(struct fixture *fx)
{
	char conf[200], pid[200], out[200];
	const char *argv[] = { "bird", "-f", "-c", conf, "-s", fx->fake.path, "-P", pid, NULL };

	snprintf(conf, sizeof(conf), "%s/bird.conf", fx->dir);
	snprintf(pid, sizeof(pid), "%s/bird.pid", fx->dir);
	snprintf(out, sizeof(out), "%s/bird.out", fx->dir);
	fx->bird_pid = spawn_logged(BIRD_BIN, argv, out);
}

static void
driver_bird_test_real_bird(void **state)
{
	struct fixture *fx = *state;
	char conf[200], text[1024], out[4096];
	const char *sock = fx->fake.path;
	int downs, ups;

	if (access(BIRD_BIN, X_OK) != 0 || geteuid() != 0) {
		skip();
		return;
	}
	/* only anycast4 exists in this BIRD */
	fx->cfg.n_prefixes = 1;
	fx->cfg.router.readback_interval_ms = 200;
	fx->cfg.router.command_timeout_ms = 2000;
	snprintf(conf, sizeof(conf), "%s/bird.conf", fx->dir);
	snprintf(text, sizeof(text),
		 "log \"%s/bird.log\" all;\n"
		 "router id 192.0.2.254;\n"
		 "include \"%s\";\n"
		 "protocol device {}\n"
		 "protocol static anycast4 { disabled ANYCAST4_OFF; ipv4; route 192.0.2.1/32 blackhole; }\n",
		 fx->dir, fx->state_path);
	write_text(conf, text);
	/* the boot order: --init-bird-state, then BIRD, then the daemon */
	assert_int_equal(driver_bird_write_initial_state(&fx->cfg), 0);
	bird_start(fx);
	open_driver(fx);
	WAIT_UNTIL(fx, 5, fx->obs.n_actual[0] >= 1);
	assert_int_equal(fx->obs.actual[0], ROUTE_WITHDRAWN);
	assert_string_equal(bird_proto_state(sock, "anycast4"), "down");

	driver_set_desired(&fx->h, 0, ROUTE_ANNOUNCED, "test");
	WAIT_UNTIL(fx, 3, fx->obs.actual[0] == ROUTE_ANNOUNCED);
	assert_string_equal(bird_proto_state(sock, "anycast4"), "up");
	assert_true(file_has(fx->state_path, "define ANYCAST4_OFF = 0;\n"));

	driver_set_desired(&fx->h, 0, ROUTE_WITHDRAWN, "pptp DOWN (sccrp-timeout)");
	WAIT_UNTIL(fx, 3, fx->obs.actual[0] == ROUTE_WITHDRAWN);
	assert_string_equal(bird_proto_state(sock, "anycast4"), "down");
	assert_int_equal(birdc(sock, "show protocols all anycast4", out, sizeof(out)), 0);
	assert_non_null(strstr(out, "Message:        pptp DOWN (sccrp-timeout)"));

	/* `configure` resets run-time changes: the file wins */
	driver_set_desired(&fx->h, 0, ROUTE_ANNOUNCED, "pptp UP");
	WAIT_UNTIL(fx, 3, fx->obs.actual[0] == ROUTE_ANNOUNCED && driver_idle(&fx->h));
	assert_int_equal(birdc(sock, "configure", out, sizeof(out)), BIRD_CODE_RECONFIGURED);
	assert_string_equal(bird_proto_state(sock, "anycast4"), "up");

	/* a hand-made disable is drift: re-asserted by the next read-back */
	assert_int_equal(birdc(sock, "disable anycast4", out, sizeof(out)), 0);
	assert_string_equal(bird_proto_state(sock, "anycast4"), "down");
	WAIT_UNTIL(fx, 3, strcmp(bird_proto_state(sock, "anycast4"), "up") == 0);

	/* BIRD dies; /run was wiped and --init-bird-state ran: BIRD comes back
	 * withdrawn, the driver reconnects and re-asserts */
	downs = fx->obs.n_down;
	ups = fx->obs.n_up;
	bird_kill(fx);
	WAIT_UNTIL(fx, 3, fx->obs.n_down > downs);
	assert_false(driver_connected(&fx->h));
	unlink(fx->state_path);
	assert_int_equal(driver_bird_write_initial_state(&fx->cfg), 0);
	bird_start(fx);
	WAIT_UNTIL(fx, 8, fx->obs.n_up > ups);
	WAIT_UNTIL(fx, 3, strcmp(bird_proto_state(sock, "anycast4"), "up") == 0 &&
		   driver_idle(&fx->h));
	assert_int_equal(fx->obs.actual[0], ROUTE_ANNOUNCED);
	assert_true(file_has(fx->state_path, "define ANYCAST4_OFF = 0;\n"));
	assert_true(stderr_count(&fx->err, "anycast4: BIRD has withdrawn, want announced: re-asserting") >= 1);

	/* and a withdraw still works on the new session */
	driver_set_desired(&fx->h, 0, ROUTE_WITHDRAWN, NULL);
	WAIT_UNTIL(fx, 3, fx->obs.actual[0] == ROUTE_WITHDRAWN);
	assert_string_equal(bird_proto_state(sock, "anycast4"), "down");
	assert_int_equal(birdc(sock, "configure", out, sizeof(out)), BIRD_CODE_RECONFIGURED);
	assert_string_equal(bird_proto_state(sock, "anycast4"), "down");
}

/* ---- BGP sessions ---- */

/* Fake with anycast4 up (192.0.2.1/32), anycast6 down (2001:db8::1/128),
 * the IPv4 session uppeer and the IPv6 session uppeer6 Established, and
 * downpeer disabled; the driver with the sessions callback, read back. */
static void
start_sessions(struct fixture *fx)
{
	fake_set(&fx->fake, "device1", "up");
	fake_static(&fx->fake, "anycast4", "up", "192.0.2.1/32");
	fake_static(&fx->fake, "anycast6", "down", "2001:db8::1/128");
	fake_bgp(&fx->fake, "uppeer", "Established", 4);
	fake_bgp(&fx->fake, "uppeer6", "Established", 6);
	fake_bgp(&fx->fake, "downpeer", "", 46);
	fake_listen(&fx->fake);
	assert_int_equal(driver_open(&fx->h, fx->loop, &fx->cfg, &driver_obs_sessions_cb,
				     &fx->obs), 0);
	WAIT_UNTIL(fx, 2, fx->obs.n_sessions >= 1);
}

static void
check_obs_session(const struct fixture *fx, size_t i, const char *name, const char *state,
		  bool established)
{
	assert_true(i < fx->obs.sessions.n);
	assert_string_equal(fx->obs.sessions.s[i].name, name);
	assert_string_equal(fx->obs.sessions.s[i].state, state);
	assert_int_equal(fx->obs.sessions.s[i].established, established);
}

/* The read-back of a new connection: `show protocols`, then the export of
 * each Established BGP session (not of downpeer), then one table. */
static void
driver_bird_test_sessions_readback(void **state)
{
	struct fixture *fx = *state;

	start_sessions(fx);
	assert_int_equal(fx->obs.n_sessions, 1);
	assert_int_equal(fx->fake.n_log, 3);
	assert_string_equal(fx->fake.log[0], "show protocols");
	assert_string_equal(fx->fake.log[1], "show route export uppeer");
	assert_string_equal(fx->fake.log[2], "show route export uppeer6");
	assert_int_equal(fx->obs.sessions.n, 3);
	assert_int_equal(fx->obs.sessions.n_prefixes, N_PREFIXES);
	check_obs_session(fx, 0, "uppeer", "Established", true);
	check_obs_session(fx, 1, "uppeer6", "Established", true);
	check_obs_session(fx, 2, "downpeer", "down", false);
	assert_int_equal(fx->obs.advertised[0], 1u << 0);
	assert_int_equal(fx->obs.advertised[1], 0);
	assert_int_equal(driver_obs_carried(&fx->obs, 0), 1);
	assert_int_equal(driver_obs_carried(&fx->obs, 1), 0);
	/* the table came after the prefixes' states */
	assert_int_equal(fx->obs.actual[0], ROUTE_ANNOUNCED);
	assert_int_equal(stderr_count(&fx->err, "sessions"), 0);
}

/* A confirmed change: the exports are asked again (no `show protocols`),
 * and the table has the prefix on the session that exports it. */
static void
driver_bird_test_sessions_after_change(void **state)
{
	struct fixture *fx = *state;

	start_sessions(fx);
	driver_set_desired(&fx->h, 1, ROUTE_ANNOUNCED, "pptp UP");
	WAIT_UNTIL(fx, 2, fx->obs.n_sessions == 2);
	assert_int_equal(fx->fake.n_log, 6);
	assert_string_equal(fx->fake.log[3], "enable anycast6");
	assert_string_equal(fx->fake.log[4], "show route export uppeer");
	assert_string_equal(fx->fake.log[5], "show route export uppeer6");
	assert_int_equal(fx->obs.actual[1], ROUTE_ANNOUNCED);
	assert_int_equal(fx->obs.advertised[0], 1u << 0);
	assert_int_equal(fx->obs.advertised[1], 1u << 1);
	assert_int_equal(driver_obs_carried(&fx->obs, 1), 1);
	/* withdrawn: carried by none */
	driver_set_desired(&fx->h, 0, ROUTE_WITHDRAWN, "pptp DOWN");
	WAIT_UNTIL(fx, 2, fx->obs.n_sessions == 3);
	assert_int_equal(fx->obs.advertised[0], 0);
	assert_int_equal(driver_obs_carried(&fx->obs, 0), 0);
	assert_int_equal(fake_count(&fx->fake, "show protocols"), 1);
	run_loop_for(fx->loop, 0.1);
	assert_int_equal(fx->obs.n_sessions, 3);
}

/* The periodic read-back: a session gone to Active (not asked, carries
 * nothing), an export filter that rejects the prefix. */
static void
driver_bird_test_sessions_isolated(void **state)
{
	struct fixture *fx = *state;
	int n;

	fx->cfg.router.readback_interval_ms = 50;
	start_sessions(fx);
	fake_bgp(&fx->fake, "uppeer", "Active", 4);
	n = fx->obs.n_sessions;
	WAIT_UNTIL(fx, 2, fx->obs.n_sessions > n + 1);
	check_obs_session(fx, 0, "uppeer", "Active", false);
	assert_int_equal(fx->obs.advertised[0], 0);
	assert_int_equal(driver_obs_carried(&fx->obs, 0), 0);
	fake_bgp(&fx->fake, "uppeer", "Established", 4);
	WAIT_UNTIL(fx, 2, driver_obs_carried(&fx->obs, 0) == 1);
	fake_find(&fx->fake, "uppeer")->deny = true;
	WAIT_UNTIL(fx, 2, fx->obs.advertised[0] == 0);
	check_obs_session(fx, 0, "uppeer", "Established", true);
	assert_int_equal(driver_obs_carried(&fx->obs, 0), 0);
	assert_int_equal(fx->obs.n_down, 0);
}

/* A reply that is not what it should be: said once, the last table stays
 * (no callback), the connection stays; a good read later is said too. */
static void
sessions_malformed(struct fixture *fx, enum fake_mode mode, const char *line)
{
	int n;

	fx->cfg.router.readback_interval_ms = 50;
	start_sessions(fx);
	n = fx->obs.n_sessions;
	fx->fake.mode = mode;
	WAIT_UNTIL(fx, 2, fake_count(&fx->fake, "show protocols") >= 4);
	assert_int_equal(fx->obs.n_sessions, n);
	assert_int_equal(fx->obs.advertised[0], 1u << 0);
	assert_int_equal(stderr_count(&fx->err, line), 1);
	assert_int_equal(fx->obs.n_down, 0);
	assert_true(driver_connected(&fx->h));
	fx->fake.mode = FAKE_NORMAL;
	WAIT_UNTIL(fx, 2, fx->obs.n_sessions > n);
	assert_int_equal(stderr_count(&fx->err, "bird: BGP sessions read back again"), 1);
}

static void
driver_bird_test_sessions_bad_export(void **state)
{
	sessions_malformed(*state, FAKE_BAD_EXPORT,
			   "bird: cannot read the BGP sessions: bad `show route export` line "
			   "(no prefix): \"this is no route\"; keeping the last ones");
}

static void
driver_bird_test_sessions_export_error(void **state)
{
	sessions_malformed(*state, FAKE_EXPORT_ERROR,
			   "bird: cannot read the BGP sessions: `show route export uppeer` failed "
			   "(error): \"Network not found\"; keeping the last ones");
}

static void
driver_bird_test_sessions_bad_row(void **state)
{
	struct fixture *fx = *state;

	sessions_malformed(fx, FAKE_BAD_BGP_ROW,
			   "bird: cannot read the BGP sessions: bad `show protocols` row "
			   "(too-few-columns): \"uppeer BGP\"; keeping the last ones");
	/* the prefixes' read-back went on meanwhile */
	assert_int_equal(fx->obs.actual[0], ROUTE_ANNOUNCED);
}

/* The connection lost in the middle of a read: nothing handed over; the
 * next connection reads them whole. */
static void
driver_bird_test_sessions_lost(void **state)
{
	struct fixture *fx = *state;

	fx->fake.mode = FAKE_CLOSE_EXPORT;
	fake_set(&fx->fake, "device1", "up");
	fake_static(&fx->fake, "anycast4", "up", "192.0.2.1/32");
	fake_bgp(&fx->fake, "uppeer", "Established", 4);
	fake_listen(&fx->fake);
	assert_int_equal(driver_open(&fx->h, fx->loop, &fx->cfg, &driver_obs_sessions_cb,
				     &fx->obs), 0);
	WAIT_UNTIL(fx, 2, fx->obs.n_down >= 1);
	assert_int_equal(fx->obs.n_sessions, 0);
	fx->fake.mode = FAKE_NORMAL;
	WAIT_UNTIL(fx, 2, fx->obs.n_sessions == 1);
	assert_int_equal(fx->obs.advertised[0], 1u << 0);
	assert_int_equal(stderr_count(&fx->err, "cannot read the BGP sessions"), 0);
}

/* 40 Established sessions with long names: the first 32 are taken (the
 * rest said once), their exports go in windows BIRD's buffer takes. */
static void
driver_bird_test_sessions_many(void **state)
{
	struct fixture *fx = *state;
	char name[48];
	int i;

	fake_set(&fx->fake, "device1", "up");
	fake_static(&fx->fake, "anycast4", "up", "192.0.2.1/32");
	for (i = 0; i < 40; i++) {
		snprintf(name, sizeof(name), "a_rather_long_upstream_session_name_%02d", i);
		fake_bgp(&fx->fake, name, "Established", 4);
	}
	fake_listen(&fx->fake);
	assert_int_equal(driver_open(&fx->h, fx->loop, &fx->cfg, &driver_obs_sessions_cb,
				     &fx->obs), 0);
	WAIT_UNTIL(fx, 5, fx->obs.n_sessions == 1);
	assert_int_equal(fx->obs.sessions.n, BGP_SESSIONS_MAX);
	assert_string_equal(fx->obs.sessions.s[31].name,
			    "a_rather_long_upstream_session_name_31");
	assert_int_equal(fx->obs.advertised[0], UINT32_MAX);
	assert_int_equal(driver_obs_carried(&fx->obs, 0), BGP_SESSIONS_MAX);
	assert_int_equal(fake_count(&fx->fake, "show route export "), BGP_SESSIONS_MAX);
	assert_true(fx->fake.most_bytes <= 1000);
	assert_int_equal(stderr_count(&fx->err, "bird: 8 BGP sessions beyond the first 32 "
				      "are ignored"), 1);
}

/* Without the sessions callback nothing is asked about them. */
static void
driver_bird_test_sessions_not_wanted(void **state)
{
	struct fixture *fx = *state;

	fake_set(&fx->fake, "device1", "up");
	fake_static(&fx->fake, "anycast4", "down", "192.0.2.1/32");
	fake_bgp(&fx->fake, "uppeer", "Established", 4);
	fake_listen(&fx->fake);
	open_driver(fx);
	WAIT_UNTIL(fx, 2, fx->obs.n_actual[0] >= 1);
	driver_set_desired(&fx->h, 0, ROUTE_ANNOUNCED, "pptp UP");
	WAIT_UNTIL(fx, 2, fx->obs.actual[0] == ROUTE_ANNOUNCED && driver_idle(&fx->h));
	run_loop_for(fx->loop, 0.1);
	assert_int_equal(fake_count(&fx->fake, "show route"), 0);
	assert_int_equal(fx->fake.n_log, 2);
}

/* A reconfigure resizes the table: the next one has the new prefix list. */
static void
driver_bird_test_sessions_reconfigure(void **state)
{
	struct fixture *fx = *state;

	start_sessions(fx);
	assert_int_equal(fx->obs.sessions.n_prefixes, 2);
	fx->cfg.prefixes = &fx->prefixes[1];
	fx->cfg.n_prefixes = 1;
	fake_static(&fx->fake, "anycast6", "up", "2001:db8::1/128");
	driver_reconfigure(&fx->h, &fx->cfg);
	WAIT_UNTIL(fx, 2, fx->obs.n_sessions == 2);
	assert_int_equal(fx->obs.sessions.n_prefixes, 1);
	/* index 0 is 2001:db8::1/128 now, on uppeer6 */
	assert_int_equal(fx->obs.advertised[0], 1u << 1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(driver_bird_test_banner_readback, setup, teardown),
		cmocka_unit_test_setup_teardown(driver_bird_test_set_desired, setup, teardown),
		cmocka_unit_test_setup_teardown(driver_bird_test_batch, setup, teardown),
		cmocka_unit_test_setup_teardown(driver_bird_test_batch_offline, setup, teardown),
		cmocka_unit_test_setup_teardown(driver_bird_test_batch_window, setup, teardown),
		cmocka_unit_test_setup_teardown(driver_bird_test_unknown_keeps_file, setup, teardown),
		cmocka_unit_test_setup_teardown(driver_bird_test_file_restored, setup, teardown),
		cmocka_unit_test_setup_teardown(driver_bird_test_other_reply, setup, teardown),
		cmocka_unit_test_setup_teardown(driver_bird_test_missing_define, setup, teardown),
		cmocka_unit_test_setup_teardown(driver_bird_test_command_timeout, setup, teardown),
		cmocka_unit_test_setup_teardown(driver_bird_test_no_banner, setup, teardown),
		cmocka_unit_test_setup_teardown(driver_bird_test_garbage, setup, teardown),
		cmocka_unit_test_setup_teardown(driver_bird_test_overlong, setup, teardown),
		cmocka_unit_test_setup_teardown(driver_bird_test_access_denied, setup, teardown),
		cmocka_unit_test_setup_teardown(driver_bird_test_server_close_backoff, setup, teardown),
		cmocka_unit_test_setup_teardown(driver_bird_test_answer_then_close, setup, teardown),
		cmocka_unit_test_setup_teardown(driver_bird_test_accepted_not_applied, setup, teardown),
		cmocka_unit_test_setup_teardown(driver_bird_test_router_gone, setup, teardown),
		cmocka_unit_test_setup_teardown(driver_bird_test_backlog_full, setup, teardown),
		cmocka_unit_test_setup_teardown(driver_bird_test_socket_missing, setup, teardown),
		cmocka_unit_test_setup_teardown(driver_bird_test_drift, setup, teardown),
		cmocka_unit_test_setup_teardown(driver_bird_test_reconfigure, setup, teardown),
		cmocka_unit_test_setup_teardown(driver_bird_test_degraded_twin, setup, teardown),
		cmocka_unit_test_setup_teardown(driver_bird_test_degraded_no_twin, setup, teardown),
		cmocka_unit_test_setup_teardown(driver_bird_test_drain_twin, setup, teardown),
		cmocka_unit_test_setup_teardown(driver_bird_test_drain_readback, setup, teardown),
		cmocka_unit_test_setup_teardown(driver_bird_test_drain_no_twin, setup, teardown),
		cmocka_unit_test_setup_teardown(driver_bird_test_initial_state, setup, teardown),
		cmocka_unit_test(driver_bird_test_sanitize),
		cmocka_unit_test_setup_teardown(driver_bird_test_front, setup, teardown),
		cmocka_unit_test_setup_teardown(driver_bird_test_real_bird, setup, teardown),
		cmocka_unit_test_setup_teardown(driver_bird_test_sessions_readback, setup, teardown),
		cmocka_unit_test_setup_teardown(driver_bird_test_sessions_after_change, setup,
						teardown),
		cmocka_unit_test_setup_teardown(driver_bird_test_sessions_isolated, setup, teardown),
		cmocka_unit_test_setup_teardown(driver_bird_test_sessions_bad_export, setup,
						teardown),
		cmocka_unit_test_setup_teardown(driver_bird_test_sessions_export_error, setup,
						teardown),
		cmocka_unit_test_setup_teardown(driver_bird_test_sessions_bad_row, setup, teardown),
		cmocka_unit_test_setup_teardown(driver_bird_test_sessions_lost, setup, teardown),
		cmocka_unit_test_setup_teardown(driver_bird_test_sessions_many, setup, teardown),
		cmocka_unit_test_setup_teardown(driver_bird_test_sessions_not_wanted, setup,
						teardown),
		cmocka_unit_test_setup_teardown(driver_bird_test_sessions_reconfigure, setup,
						teardown),
	};

	return cmocka_run_group_tests_name("driver_bird", tests, NULL, NULL);
}
