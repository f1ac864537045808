/*
 * test_hooks_runner.c - hooks_runner.c with real children on libev's
 * default loop: records run in order with their environment, the bound on
 * children across hooks, a hook that hangs (killed with its whole process
 * group, counted as a timeout), a command that does not exist (failed,
 * counted), a reload, and the stop running what is still queued.
 * Waits are for conditions, each with a guard; nothing asserts a duration.
 */
#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "hooks_runner.h"

#define ALL_KINDS ((1u << STATUS_EVENT__COUNT) - 1)
#define GUARD_S 20.0

struct fx {
	char dir[64];
	char path[128];		/* what the recording hook writes */
	struct config cfg;
	struct hook_config hc[3];
	char *argv_record[4], *argv_hang[4], *argv_missing[2];
	char script[512];
};

static int
fx_setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));

	snprintf(f->dir, sizeof(f->dir), "/tmp/ahd-test-hooks.XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	snprintf(f->path, sizeof(f->path), "%s/records", f->dir);
	snprintf(f->script, sizeof(f->script),
		 "echo \"$ANYCAST_HEALTHD_SEQ $ANYCAST_HEALTHD_HOOK $ANYCAST_HEALTHD_KIND "
		 "$ANYCAST_HEALTHD_SUBJECT $ANYCAST_HEALTHD_OLD->$ANYCAST_HEALTHD_NEW "
		 "$ANYCAST_HEALTHD_GATEWAY\" >> %s", f->path);
	f->argv_record[0] = (char *)(uintptr_t)"/bin/sh";
	f->argv_record[1] = (char *)(uintptr_t)"-c";
	f->argv_record[2] = f->script;
	f->argv_hang[0] = (char *)(uintptr_t)"/bin/sh";
	f->argv_hang[1] = (char *)(uintptr_t)"-c";
	/* ignores SIGTERM, and so does what it starts: needs the SIGKILL */
	f->argv_hang[2] = (char *)(uintptr_t)"trap '' TERM; /bin/sleep 600 & /bin/sleep 600";
	f->argv_missing[0] = (char *)(uintptr_t)"/nonexistent/hook";
	f->hc[0] = (struct hook_config){ .name = (char *)(uintptr_t)"record", .argv = f->argv_record,
					 .argc = 3, .events = ALL_KINDS, .timeout_ms = 5000,
					 .queue_size = 64 };
	f->hc[1] = (struct hook_config){ .name = (char *)(uintptr_t)"hang", .argv = f->argv_hang,
					 .argc = 3, .events = 1u << STATUS_EVENT_PREFIX,
					 .timeout_ms = 100, .queue_size = 4 };
	f->hc[2] = (struct hook_config){ .name = (char *)(uintptr_t)"missing",
					 .argv = f->argv_missing, .argc = 1,
					 .events = 1u << STATUS_EVENT_ROUTER, .timeout_ms = 1000,
					 .queue_size = 4 };
	f->cfg.fleet.enabled = true;
	f->cfg.fleet.node = (char *)(uintptr_t)"gw-test";
	f->cfg.hooks = (struct hooks_config){ .hooks = f->hc, .n_hooks = 1, .max_running = 4 };
	*state = f;
	return 0;
}

static int
fx_teardown(void **state)
{
	struct fx *f = *state;

	unlink(f->path);
	rmdir(f->dir);
	free(f);
	return 0;
}

static double
now_s(void)
{
	return ev_time();
}

/* Run the loop until hs has `n` finished runs. */
static void
wait_runs(const struct hook_state *hs, unsigned long n)
{
	double end = now_s() + GUARD_S;
	unsigned long done;
	int r;

	for (;;) {
		done = 0;
		for (r = 0; r < HOOK_RESULT__COUNT; r++)
			done += r == HOOK_DROPPED ? 0 : hs->results[r];
		if (done >= n || now_s() > end)
			break;
		ev_run(EV_DEFAULT, EVRUN_ONCE);
	}
	assert_true(done >= n);
}

static char *
slurp(const char *path)
{
	static char buf[4096];
	FILE *fp = fopen(path, "r");
	size_t n = 0;

	if (fp != NULL) {
		n = fread(buf, 1, sizeof(buf) - 1, fp);
		fclose(fp);
	}
	buf[n] = '\0';
	return buf;
}

/* The pid of our child that leads its own process group (a hook's run:
 * sh, or what sh exec'd), 0 when none. */
static pid_t
child_group_leader(void)
{
	DIR *dir = opendir("/proc");
	struct dirent *de;
	pid_t found = 0;

	assert_non_null(dir);
	while (found == 0 && (de = readdir(dir)) != NULL) {
		char path[300], comm[64] = "";
		int ppid = 0;
		FILE *fp;

		if (de->d_name[0] < '0' || de->d_name[0] > '9')
			continue;
		snprintf(path, sizeof(path), "/proc/%s/stat", de->d_name);
		if ((fp = fopen(path, "r")) == NULL)
			continue;
		if (fscanf(fp, "%*d (%63[^)]) %*c %d", comm, &ppid) == 2 && ppid == getpid() &&
		    getpgid(atoi(de->d_name)) == atoi(de->d_name))
			found = atoi(de->d_name);
		fclose(fp);
	}
	closedir(dir);
	return found;
}

/* A keep-alive timer so EVRUN_ONCE never blocks for good. */
static ev_timer tick;
static void tick_cb(struct ev_loop *l, ev_timer *w, int e) { (void)l; (void)w; (void)e; }

static void
tick_start(void)
{
	ev_timer_init(&tick, tick_cb, 0.05, 0.05);
	ev_timer_start(EV_DEFAULT, &tick);
}

/* Three records run one at a time, in order, with their environment. */
static void
hooks_runner_test_order(void **state)
{
	struct fx *f = *state;
	struct hooks_runner *r;
	const struct hooks *h;

	tick_start();
	r = hooks_runner_create(EV_DEFAULT, &f->cfg);
	hooks_runner_record(r, 1.0, STATUS_EVENT_SERVICE, "pptp", "UP", "DOWN", "process-exited");
	hooks_runner_record(r, 2.0, STATUS_EVENT_PREFIX, "192.0.2.1/32", "announced", "withdrawn",
			    "pptp DOWN");
	hooks_runner_record(r, 3.0, STATUS_EVENT_SERVICE, "pptp", "DOWN", "UP", "ok");
	h = hooks_runner_hooks(r);
	assert_int_equal(hooks_queued(h), 3);	/* nothing forks before the loop runs */
	wait_runs(h->hooks[0], 3);
	assert_string_equal(slurp(f->path),
			    "1 record service pptp UP->DOWN gw-test\n"
			    "2 record prefix 192.0.2.1/32 announced->withdrawn gw-test\n"
			    "3 record service pptp DOWN->UP gw-test\n");
	assert_int_equal(h->hooks[0]->results[HOOK_OK], 3);
	assert_string_equal(h->hooks[0]->last.reason, "exit 0");
	hooks_runner_free(r);
	ev_timer_stop(EV_DEFAULT, &tick);
}

/* A hanging hook is killed with its group (also what ignores SIGTERM) and
 * counted as a timeout; the other hooks run meanwhile. */
static void
hooks_runner_test_hang(void **state)
{
	struct fx *f = *state;
	struct hooks_runner *r;
	const struct hooks *h;
	pid_t group = 0;

	tick_start();
	f->cfg.hooks.n_hooks = 2;
	r = hooks_runner_create(EV_DEFAULT, &f->cfg);
	h = hooks_runner_hooks(r);
	hooks_runner_record(r, 1.0, STATUS_EVENT_PREFIX, "192.0.2.1/32", "announced", "withdrawn",
			    "pptp DOWN");
	hooks_runner_record(r, 2.0, STATUS_EVENT_SERVICE, "pptp", "DOWN", "UP", "ok");
	/* the recording hook finishes both while the other hangs */
	wait_runs(h->hooks[0], 2);
	assert_true(h->hooks[1]->running);
	assert_int_equal(h->running, 1);
	/* its process group: the one our remaining child leads */
	group = child_group_leader();
	assert_true(group > 0);
	wait_runs(h->hooks[1], 1);
	assert_int_equal(h->hooks[1]->results[HOOK_TIMEOUT], 1);
	assert_string_equal(h->hooks[1]->last.reason, "timeout after 100 ms");
	/* nothing of its group is left (the background sleep included) */
	for (int i = 0; i < 5000 && kill(-group, 0) == 0; i++)
		usleep(1000);
	assert_int_equal(kill(-group, 0), -1);
	hooks_runner_free(r);
	ev_timer_stop(EV_DEFAULT, &tick);
}

/* A command that does not exist: failed, counted, the others unharmed. */
static void
hooks_runner_test_missing(void **state)
{
	struct fx *f = *state;
	struct hooks_runner *r;
	const struct hooks *h;

	tick_start();
	f->hc[1] = f->hc[2];	/* record + missing */
	f->cfg.hooks.n_hooks = 2;
	r = hooks_runner_create(EV_DEFAULT, &f->cfg);
	h = hooks_runner_hooks(r);
	hooks_runner_record(r, 1.0, STATUS_EVENT_ROUTER, "router", "connected", "unreachable",
			    "connection refused");
	wait_runs(h->hooks[1], 1);
	wait_runs(h->hooks[0], 1);
	assert_int_equal(h->hooks[1]->results[HOOK_FAILED], 1);
	assert_string_equal(h->hooks[1]->last.reason,
			    "exit 127: cannot execute (ENOENT): /nonexistent/hook");
	assert_int_equal(h->hooks[0]->results[HOOK_OK], 1);
	hooks_runner_free(r);
	ev_timer_stop(EV_DEFAULT, &tick);
}

/* max-running 1: two hooks' runs never overlap; both run everything. */
static void
hooks_runner_test_bound(void **state)
{
	struct fx *f = *state;
	struct hooks_runner *r;
	const struct hooks *h;
	int i;

	tick_start();
	f->hc[1] = f->hc[0];
	f->hc[1].name = (char *)(uintptr_t)"second";
	f->cfg.hooks.n_hooks = 2;
	f->cfg.hooks.max_running = 1;
	r = hooks_runner_create(EV_DEFAULT, &f->cfg);
	h = hooks_runner_hooks(r);
	for (i = 0; i < 3; i++)
		hooks_runner_record(r, i, STATUS_EVENT_RELOAD, "config", "", "reloaded", "");
	while (h->hooks[0]->results[HOOK_OK] + h->hooks[1]->results[HOOK_OK] < 6) {
		assert_true(h->running <= 1);
		ev_run(EV_DEFAULT, EVRUN_ONCE);
	}
	/* oldest record first: each record goes to both before the next */
	assert_string_equal(slurp(f->path),
			    "1 record reload config ->reloaded gw-test\n"
			    "1 second reload config ->reloaded gw-test\n"
			    "2 record reload config ->reloaded gw-test\n"
			    "2 second reload config ->reloaded gw-test\n"
			    "3 record reload config ->reloaded gw-test\n"
			    "3 second reload config ->reloaded gw-test\n");
	hooks_runner_free(r);
	ev_timer_stop(EV_DEFAULT, &tick);
}

/* Stopping runs what is queued, then nothing is left running. */
static void
hooks_runner_test_finish(void **state)
{
	struct fx *f = *state;
	struct hooks_runner *r;
	const struct hooks *h;

	f->cfg.hooks.n_hooks = 2;	/* record + hang (prefix only) */
	r = hooks_runner_create(EV_DEFAULT, &f->cfg);
	h = hooks_runner_hooks(r);
	hooks_runner_record(r, 1.0, STATUS_EVENT_PREFIX, "192.0.2.1/32", "announced", "withdrawn",
			    "anycast-healthd stopped");
	assert_true(hooks_runner_finish_s(r) == 5.0 + HOOKS_KILL_GRACE_S);
	hooks_runner_finish(r);
	assert_string_equal(slurp(f->path),
			    "1 record prefix 192.0.2.1/32 announced->withdrawn gw-test\n");
	assert_int_equal(h->hooks[1]->results[HOOK_TIMEOUT], 1);
	assert_int_equal(h->running, 0);
	hooks_runner_free(r);
}

/* Records made while there are no hooks still count in SEQ. */
static void
hooks_runner_test_seq_without_hooks(void **state)
{
	struct fx *f = *state;
	struct config none = { 0 };
	struct hooks_runner *r;

	tick_start();
	none.hooks.max_running = 4;
	r = hooks_runner_create(EV_DEFAULT, &none);
	hooks_runner_record(r, 1.0, STATUS_EVENT_ROUTER, "router", "unreachable", "connected", "");
	hooks_runner_record(r, 2.0, STATUS_EVENT_SERVICE, "pptp", "INIT", "UP", "ok");
	hooks_runner_reconfigure(r, &f->cfg);
	hooks_runner_record(r, 3.0, STATUS_EVENT_RELOAD, "config", "", "reloaded", "");
	wait_runs(hooks_runner_hooks(r)->hooks[0], 1);
	assert_string_equal(slurp(f->path), "3 record reload config ->reloaded gw-test\n");
	hooks_runner_free(r);
	ev_timer_stop(EV_DEFAULT, &tick);
}

/* A reload keeps the kept hook's queue and adds a new hook. */
static void
hooks_runner_test_reload(void **state)
{
	struct fx *f = *state;
	struct config cfg2 = f->cfg;
	struct hook_config hc2[2];
	struct hooks_runner *r;
	const struct hooks *h;

	tick_start();
	r = hooks_runner_create(EV_DEFAULT, &f->cfg);
	hooks_runner_record(r, 1.0, STATUS_EVENT_SERVICE, "pptp", "UP", "DOWN", "x");
	hc2[0] = f->hc[2];
	hc2[1] = f->hc[0];
	cfg2.hooks.hooks = hc2;
	cfg2.hooks.n_hooks = 2;
	hooks_runner_reconfigure(r, &cfg2);
	h = hooks_runner_hooks(r);
	assert_int_equal(h->hooks[1]->count, 1);	/* still queued, not lost */
	wait_runs(h->hooks[1], 1);
	assert_string_equal(slurp(f->path), "1 record service pptp UP->DOWN gw-test\n");
	hooks_runner_free(r);
	ev_timer_stop(EV_DEFAULT, &tick);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(hooks_runner_test_order, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(hooks_runner_test_hang, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(hooks_runner_test_missing, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(hooks_runner_test_bound, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(hooks_runner_test_finish, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(hooks_runner_test_reload, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(hooks_runner_test_seq_without_hooks, fx_setup,
						fx_teardown),
	};

	signal(SIGPIPE, SIG_IGN);
	return cmocka_run_group_tests_name("hooks_runner", tests, NULL, NULL);
}
