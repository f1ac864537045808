/*
 * test_spawn.c - spawn.c with real children: the output pipe (stderr merged
 * or not), the environment, a program that cannot be executed, the clean
 * signal mask, the process-group kill, the self-freeing reaper, and the
 * pipe read on the loop (spawn_output: the first line, EOF, the drain at
 * the child's exit).
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include "spawn.h"

#define ARGV(...) ((char *[]){ __VA_ARGS__, NULL })

/* Everything the child writes, until EOF (blocking: the test waits). */
static void
read_all(int fd, char *buf, size_t size)
{
	size_t len = 0;
	ssize_t n;
	int fl = fcntl(fd, F_GETFL);

	assert_true(fl >= 0 && (fl & O_NONBLOCK));
	(void)fcntl(fd, F_SETFL, fl & ~O_NONBLOCK);
	while (len < size - 1 && (n = read(fd, buf + len, size - 1 - len)) > 0)
		len += (size_t)n;
	buf[len] = '\0';
	close(fd);
}

/* Run argv to its end: its output and wait status. */
static int
run(char *const argv[], char *const envp[], bool merge, char *out, size_t size)
{
	const char *step = NULL;
	int fd, status;
	pid_t pid = spawn_start(argv, envp, merge, &fd, &step);

	assert_true(pid > 0);
	read_all(fd, out, size);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	return status;
}

static void
spawn_test_output(void **state)
{
	char out[256];
	int st;

	(void)state;
	st = run(ARGV("/bin/sh", "-c", "echo out; echo err >&2; exit 3"), NULL, true, out,
		 sizeof(out));
	assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 3);
	assert_string_equal(out, "out\nerr\n");
	run(ARGV("/bin/sh", "-c", "echo out; echo err >&2"), NULL, false, out, sizeof(out));
	assert_string_equal(out, "out\n");	/* stderr on /dev/null */
}

/* envp is the whole environment; nothing of ours leaks through. */
static void
spawn_test_env(void **state)
{
	char out[256];

	(void)state;
	setenv("SPAWN_TEST_SECRET", "x", 1);
	run(ARGV("/usr/bin/env"), ARGV("A=1", "B=two words"), true, out, sizeof(out));
	assert_string_equal(out, "A=1\nB=two words\n");
	unsetenv("SPAWN_TEST_SECRET");
}

static void
spawn_test_exec_fails(void **state)
{
	char out[256];
	int st;

	(void)state;
	st = run(ARGV("/nonexistent/hook"), NULL, true, out, sizeof(out));
	assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 127);
	assert_string_equal(out, "cannot execute (ENOENT): /nonexistent/hook\n");
}

/* The child starts with an empty signal mask, whatever the daemon blocks. */
static void
spawn_test_signal_mask(void **state)
{
	sigset_t set, saved;
	char out[1024];

	(void)state;
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigprocmask(SIG_BLOCK, &set, &saved);
	run(ARGV("/bin/grep", "^SigBlk", "/proc/self/status"), NULL, true, out, sizeof(out));
	sigprocmask(SIG_SETMASK, &saved, NULL);
	assert_string_equal(out, "SigBlk:\t0000000000000000\n");
}

/* true while any process is in group pgid. */
static bool
group_alive(pid_t pgid)
{
	return kill(-pgid, 0) == 0;
}

/* Both the command and what it started in the background go: the whole
 * group, also members that ignore SIGTERM. */
static void
spawn_test_kill_group(void **state)
{
	const char *step;
	int fd, status, i;
	char c;
	pid_t pid;

	(void)state;
	pid = spawn_start(ARGV("/bin/sh", "-c", "trap '' TERM; /bin/sleep 600 & echo started; "
			       "/bin/sleep 600"), NULL, true, &fd, &step);
	assert_true(pid > 0);
	/* wait for the background sleep to exist: the line comes after it */
	(void)fcntl(fd, F_SETFL, 0);
	assert_int_equal(read(fd, &c, 1), 1);
	close(fd);
	spawn_kill_group(pid, SIGTERM);
	assert_true(group_alive(pid));		/* TERM is ignored in there */
	spawn_kill_group(pid, SIGKILL);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
	/* the background sleep was reparented; its reaper is not us */
	for (i = 0; i < 5000 && group_alive(pid); i++)
		usleep(1000);
	assert_false(group_alive(pid));
}

/* A killed child handed to spawn_reap() is collected by the loop. */
static void
spawn_test_reap(void **state)
{
	struct ev_loop *loop = EV_DEFAULT;
	const char *step;
	int fd, i;
	pid_t pid;

	(void)state;
	pid = spawn_start(ARGV("/bin/sleep", "600"), NULL, false, &fd, &step);
	assert_true(pid > 0);
	close(fd);
	spawn_kill_group(pid, SIGKILL);
	spawn_reap(loop, pid);
	/* reaped: the pid is gone (a zombie would still answer kill 0) */
	for (i = 0; i < 10000 && kill(pid, 0) == 0; i++)
		ev_run(loop, EVRUN_NOWAIT);
	assert_int_equal(kill(pid, 0), -1);
	assert_int_equal(errno, ESRCH);
	assert_int_equal(waitpid(pid, NULL, WNOHANG), -1);
}

static void
tick_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	(void)loop;
	(void)w;
	(void)revents;
}

static void
exited_cb(struct ev_loop *loop, ev_child *w, int revents)
{
	(void)revents;
	ev_child_stop(loop, w);
	*(int *)w->data = w->rstatus;
}

/* The watcher reads as output comes; EOF closes the pipe.  The first line
 * is kept, sanitised; stderr is merged. */
static void
spawn_test_output_read(void **state)
{
	struct ev_loop *loop = EV_DEFAULT;
	struct spawn_output o;
	ev_timer tick;
	ev_child child;
	const char *step;
	int fd, status = -1, i;
	pid_t pid;

	(void)state;
	spawn_output_init(&o);
	assert_int_equal(o.fd, -1);
	assert_string_equal(probe_output_line_text(&o.line), "");
	pid = spawn_start(ARGV("/bin/sh", "-c", "printf ' first\tline \nsecond\n' >&2; "
			       "printf 'third\n'"), NULL, true, &fd, &step);
	assert_true(pid > 0);
	ev_child_init(&child, exited_cb, pid, 0);
	child.data = &status;
	ev_child_start(loop, &child);
	spawn_output_start(&o, loop, fd);
	assert_int_equal(o.fd, fd);
	assert_true(ev_is_active(&o.io));
	ev_timer_init(&tick, tick_cb, 0.05, 0.05);
	ev_timer_start(loop, &tick);
	for (i = 0; i < 200 && (o.fd >= 0 || ev_is_active(&child)); i++)
		ev_run(loop, EVRUN_ONCE);
	ev_timer_stop(loop, &tick);
	assert_int_equal(o.fd, -1);		/* EOF: closed */
	assert_false(ev_is_active(&o.io));
	assert_string_equal(probe_output_line_text(&o.line), "first?line");
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	assert_false(spawn_output_read(&o, loop));	/* closed: stays so */
	spawn_output_close(&o, loop);
	assert_int_equal(o.fd, -1);
}

/* The group a test leaves behind when an assertion stops it early. */
static pid_t left_group;

static int
left_group_teardown(void **state)
{
	(void)state;
	spawn_kill_group(left_group, SIGKILL);
	left_group = 0;
	return 0;
}

/* At the child's exit its line is drained even though a descendant still
 * holds the pipe open (no EOF to wait for); close() then lets go. */
static void
spawn_test_output_drain(void **state)
{
	struct ev_loop *loop = EV_DEFAULT;
	struct spawn_output o;
	const char *step;
	int fd, status, i;
	pid_t pid;

	(void)state;
	spawn_output_init(&o);
	pid = spawn_start(ARGV("/bin/sh", "-c", "/bin/sleep 600 & echo done; exit 4"), NULL,
			  false, &fd, &step);
	assert_true(pid > 0);
	left_group = pid;
	spawn_output_start(&o, loop, fd);
	/* the loop does not run: the line is still in the pipe */
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 4);
	assert_string_equal(probe_output_line_text(&o.line), "");
	spawn_output_drain(&o, loop);
	assert_string_equal(probe_output_line_text(&o.line), "done");
	assert_true(o.fd >= 0);			/* the sleep holds the write end */
	assert_true(spawn_output_read(&o, loop));	/* EAGAIN: more may come */
	spawn_output_close(&o, loop);
	assert_int_equal(o.fd, -1);
	assert_false(ev_is_active(&o.io));
	spawn_kill_group(pid, SIGKILL);
	for (i = 0; i < 5000 && group_alive(pid); i++)
		usleep(1000);
	assert_false(group_alive(pid));
}

static void
spawn_test_errno_reason(void **state)
{
	char buf[32];

	(void)state;
	assert_string_equal(spawn_errno_reason(buf, sizeof(buf), "fork", EAGAIN), "fork-eagain");
	assert_string_equal(spawn_errno_reason(buf, sizeof(buf), "pipe", 100000),
			    "pipe-errno-100000");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(spawn_test_output),
		cmocka_unit_test(spawn_test_env),
		cmocka_unit_test(spawn_test_exec_fails),
		cmocka_unit_test(spawn_test_signal_mask),
		cmocka_unit_test(spawn_test_kill_group),
		cmocka_unit_test(spawn_test_reap),
		cmocka_unit_test(spawn_test_output_read),
		cmocka_unit_test_teardown(spawn_test_output_drain, left_group_teardown),
		cmocka_unit_test(spawn_test_errno_reason),
	};

	return cmocka_run_group_tests_name("spawn", tests, NULL, NULL);
}
