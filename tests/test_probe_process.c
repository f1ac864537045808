/*
 * test_probe_process.c - the "process" probe kind (probe_process.c) and the
 * scheduler it runs under (probe.c), on a real libev loop with real child
 * processes and pidfiles.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include "probe.h"

struct fixture {
	struct ev_loop *loop;
	char dir[64];
	char pidfile[128];
	struct probe_config cfg;
	struct probe_report reports[16];
	int n_reports;
	pid_t child;
};

static void
report_cb(struct probe *p, const struct probe_report *r, void *arg)
{
	struct fixture *f = arg;

	(void)p;
	if (f->n_reports < 16)
		f->reports[f->n_reports] = *r;
	f->n_reports++;
}

static void
guard_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	(void)revents;
	*(bool *)w->data = true;
	ev_break(loop, EVBREAK_ONE);
}

/* Run the loop for `seconds`, whatever happens. */
static void
run_for(struct fixture *f, double seconds)
{
	bool expired = false;
	ev_timer guard;

	ev_timer_init(&guard, guard_cb, seconds, 0.);
	guard.data = &expired;
	ev_timer_start(f->loop, &guard);
	while (!expired)
		ev_run(f->loop, EVRUN_ONCE);
}

/* Run the loop until `want` reports arrived or 3 s passed. */
static void
wait_reports(struct fixture *f, int want)
{
	bool expired = false;
	ev_timer guard;

	ev_timer_init(&guard, guard_cb, 3.0, 0.);
	guard.data = &expired;
	ev_timer_start(f->loop, &guard);
	while (f->n_reports < want && !expired)
		ev_run(f->loop, EVRUN_ONCE);
	ev_timer_stop(f->loop, &guard);
	assert_false(expired);
}

static void
write_pidfile(struct fixture *f, const char *text)
{
	FILE *fp = fopen(f->pidfile, "w");

	assert_non_null(fp);
	fputs(text, fp);
	fclose(fp);
}

static pid_t
spawn_sleeper(void)
{
	char path[64], comm[32];
	pid_t pid = fork();
	int i;

	if (pid == 0) {
		execlp("sleep", "sleep", "30", (char *)NULL);
		_exit(127);
	}
	assert_true(pid > 0);
	/* until the exec, the child's comm is ours: wait for "sleep", so a
	 * name check never races the exec (on a busy machine it can lose) */
	snprintf(path, sizeof(path), "/proc/%d/comm", (int)pid);
	for (i = 0; i < 2000; i++) {
		FILE *fp = fopen(path, "r");

		comm[0] = '\0';
		if (fp != NULL) {
			if (fgets(comm, sizeof(comm), fp) == NULL)
				comm[0] = '\0';
			fclose(fp);
		}
		if (strcmp(comm, "sleep\n") == 0)
			break;
		usleep(1000);
	}
	assert_string_equal(comm, "sleep\n");
	return pid;
}

static int
setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	f->loop = ev_loop_new(EVFLAG_AUTO);
	snprintf(f->dir, sizeof(f->dir), "/tmp/ahd-test-process-XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	snprintf(f->pidfile, sizeof(f->pidfile), "%s/pptpd.pid", f->dir);
	f->cfg.name = "process";
	f->cfg.kind = PROBE_KIND_PROCESS;
	f->cfg.interval_ms = 50;
	f->cfg.timeout_ms = 40;
	f->cfg.rise = 1;
	f->cfg.fall = 1;
	f->cfg.u.process.pidfile = f->pidfile;
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *f = *state;

	if (f->child > 0) {
		kill(f->child, SIGKILL);
		waitpid(f->child, NULL, 0);
	}
	unlink(f->pidfile);
	rmdir(f->dir);
	ev_loop_destroy(f->loop);
	free(f);
	return 0;
}

static void
probe_process_test_alive_is_up(void **state)
{
	struct fixture *f = *state;
	char text[32];
	struct probe *p;

	f->child = spawn_sleeper();
	snprintf(text, sizeof(text), "%d\n", (int)f->child);
	write_pidfile(f, text);
	p = probe_create(f->loop, &f->cfg, report_cb, f);
	assert_non_null(p);
	wait_reports(f, 2);
	assert_int_equal(f->reports[0].result, PROBE_UP);
	assert_string_equal(f->reports[0].reason, "ok");
	assert_false(f->reports[0].immediate);
	assert_int_equal(f->reports[1].result, PROBE_UP);
	assert_int_equal(p->runs, 2);
	probe_destroy(p);
}

static void
probe_process_test_exit_reported_at_once(void **state)
{
	struct fixture *f = *state;
	char text[32];
	struct probe *p;
	int n;

	f->child = spawn_sleeper();
	snprintf(text, sizeof(text), "%d", (int)f->child);
	write_pidfile(f, text);
	f->cfg.interval_ms = 10000;	/* no run will come in time: only the event */
	f->cfg.timeout_ms = 100;
	p = probe_create(f->loop, &f->cfg, report_cb, f);
	assert_non_null(p);
	n = f->n_reports;
	kill(f->child, SIGKILL);
	waitpid(f->child, NULL, 0);
	f->child = 0;
	wait_reports(f, n + 1);
	assert_int_equal(f->reports[n].result, PROBE_DOWN);
	assert_string_equal(f->reports[n].reason, "process-exited");
	assert_true(f->reports[n].immediate);
	probe_destroy(p);
}

static void
probe_process_test_restart_picked_up(void **state)
{
	struct fixture *f = *state;
	char text[32];
	struct probe *p;

	write_pidfile(f, "999999\n");	/* nobody */
	p = probe_create(f->loop, &f->cfg, report_cb, f);
	wait_reports(f, 1);
	assert_int_equal(f->reports[0].result, PROBE_DOWN);
	assert_string_equal(f->reports[0].reason, "process-gone");
	f->child = spawn_sleeper();
	snprintf(text, sizeof(text), "%d\n", (int)f->child);
	write_pidfile(f, text);
	while (f->n_reports < 16 && f->reports[f->n_reports - 1].result != PROBE_UP)
		wait_reports(f, f->n_reports + 1);
	assert_int_equal(f->reports[f->n_reports - 1].result, PROBE_UP);
	probe_destroy(p);
}

/* A new pid in the pidfile (a restart) starts a run at once, whose UP
 * begins the count through rise; the same pid written again does not. */
static void
probe_process_test_restart_runs_at_once(void **state)
{
	struct fixture *f = *state;
	char text[32];
	struct probe *p;

	f->cfg.interval_ms = 60000;	/* only the first run is scheduled in time */
	f->cfg.timeout_ms = 100;
	write_pidfile(f, "999999\n");	/* nobody */
	p = probe_create(f->loop, &f->cfg, report_cb, f);
	wait_reports(f, 1);
	assert_string_equal(f->reports[0].reason, "process-gone");
	f->child = spawn_sleeper();
	snprintf(text, sizeof(text), "%d\n", (int)f->child);
	write_pidfile(f, text);
	wait_reports(f, 2);
	assert_int_equal(f->reports[1].result, PROBE_UP);
	assert_string_equal(f->reports[1].reason, "ok");
	assert_false(f->reports[1].immediate);	/* a run, counted through rise */
	assert_int_equal(p->runs, 2);
	write_pidfile(f, text);
	run_for(f, 0.2);
	assert_int_equal(p->runs, 2);
	assert_int_equal(f->n_reports, 2);
	probe_destroy(p);
}

static void
probe_process_test_pidfile_problems(void **state)
{
	struct fixture *f = *state;
	struct probe *p;

	p = probe_create(f->loop, &f->cfg, report_cb, f);
	wait_reports(f, 1);
	assert_int_equal(f->reports[0].result, PROBE_DOWN);
	assert_string_equal(f->reports[0].reason, "pidfile-missing");
	assert_string_equal(f->reports[0].detail, "");
	/* the detail says what is wrong with the file, in pidfile.c's words */
	write_pidfile(f, "pptpd\n");
	wait_reports(f, f->n_reports + 1);
	assert_string_equal(f->reports[f->n_reports - 1].reason, "pidfile-invalid");
	assert_string_equal(f->reports[f->n_reports - 1].detail, "not a number");
	write_pidfile(f, "");
	wait_reports(f, f->n_reports + 1);
	assert_string_equal(f->reports[f->n_reports - 1].reason, "pidfile-invalid");
	assert_string_equal(f->reports[f->n_reports - 1].detail, "empty");
	write_pidfile(f, "-5\n");
	wait_reports(f, f->n_reports + 1);
	assert_string_equal(f->reports[f->n_reports - 1].reason, "pidfile-invalid");
	write_pidfile(f, "4242 4243\n");
	wait_reports(f, f->n_reports + 1);
	assert_string_equal(f->reports[f->n_reports - 1].reason, "pidfile-invalid");
	assert_string_equal(f->reports[f->n_reports - 1].detail, "garbage after the pid");
	/* a file longer than a pidfile is not cut into one */
	write_pidfile(f, "4242                                                            "
		      "                 \n");
	wait_reports(f, f->n_reports + 1);
	assert_string_equal(f->reports[f->n_reports - 1].reason, "pidfile-invalid");
	assert_string_equal(f->reports[f->n_reports - 1].detail, "longer than 64 bytes");
	/* a FIFO in its place is refused at once, never waited on */
	assert_int_equal(unlink(f->pidfile), 0);
	assert_int_equal(mkfifo(f->pidfile, 0600), 0);
	wait_reports(f, f->n_reports + 1);
	assert_string_equal(f->reports[f->n_reports - 1].reason, "pidfile-unreadable");
	assert_string_equal(f->reports[f->n_reports - 1].detail, "not a regular file");
	probe_destroy(p);
}

static void
probe_process_test_name_mismatch(void **state)
{
	struct fixture *f = *state;
	char text[32];
	struct probe *p;

	f->child = spawn_sleeper();
	snprintf(text, sizeof(text), "%d\n", (int)f->child);
	write_pidfile(f, text);
	f->cfg.u.process.process_name = "pptpd";
	p = probe_create(f->loop, &f->cfg, report_cb, f);
	wait_reports(f, 1);
	assert_int_equal(f->reports[0].result, PROBE_DOWN);
	assert_string_equal(f->reports[0].reason, "process-name-mismatch");
	probe_destroy(p);
	f->n_reports = 0;
	f->cfg.u.process.process_name = "sleep";
	p = probe_create(f->loop, &f->cfg, report_cb, f);
	wait_reports(f, 1);
	assert_int_equal(f->reports[0].result, PROBE_UP);
	probe_destroy(p);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(probe_process_test_alive_is_up, setup, teardown),
		cmocka_unit_test_setup_teardown(probe_process_test_exit_reported_at_once, setup, teardown),
		cmocka_unit_test_setup_teardown(probe_process_test_restart_picked_up, setup, teardown),
		cmocka_unit_test_setup_teardown(probe_process_test_restart_runs_at_once, setup, teardown),
		cmocka_unit_test_setup_teardown(probe_process_test_pidfile_problems, setup, teardown),
		cmocka_unit_test_setup_teardown(probe_process_test_name_mismatch, setup, teardown),
	};
	return cmocka_run_group_tests_name("probe_process", tests, NULL, NULL);
}
