/*
 * spawn.h - start a command (no shell) as a child in a process group of its
 * own, and end it: the part the exec probe (probe_exec.c) and the
 * state-change hooks (hooks_runner.c) share.
 *
 *   spawn_start()       fork + execve; stdin on /dev/null, stdout on a new
 *                       pipe (its read end, non-blocking, to the caller),
 *                       stderr on the same pipe or on /dev/null
 *   spawn_kill_group()  a signal to the child's whole process group
 *   spawn_reap()        hand a killed child to a self-freeing ev_child
 *                       watcher, so no zombie is left
 *   spawn_errno_reason() "fork-eagain": errno names are stable words
 *   spawn_output_*()    read the child's output pipe on the loop, keeping
 *                       the first line (below)
 *
 * The child gets default signal dispositions and an empty signal mask
 * (libev may block or catch signals in the daemon) and no descriptor but
 * 0, 1 and 2.  It makes its own group (setpgid(0, 0)) and the parent makes
 * it too, so a kill right after the fork reaches the whole group whichever
 * ran first.  When execve fails the child writes one line naming the
 * errno and the program to its stderr ("cannot execute (ENOENT):
 * /usr/local/bin/x") and exits 127, as a shell does.
 *
 * Children are reaped with ev_child, which libev supports on the default
 * loop only: callers check ev_is_default_loop().
 */
#ifndef AHD_SPAWN_H
#define AHD_SPAWN_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>
#include <ev.h>

#include "probe_output.h"

/*
 * Start argv[0] (an absolute path: no PATH search) with argv and envp (NULL:
 * the daemon's own environment).  stderr goes to the stdout pipe when
 * merge_stderr, else to /dev/null.  Returns the child's pid with the pipe's
 * read end (O_NONBLOCK, O_CLOEXEC) in *out_fd, or -1 with errno set and
 * *step naming what failed: "pipe", "devnull" or "fork".
 */
pid_t spawn_start(char *const argv[], char *const envp[], bool merge_stderr, int *out_fd,
		  const char **step);

/* Send sig to pid's process group, and to pid itself in case it never made
 * its group.  Does nothing for pid <= 0. */
void spawn_kill_group(pid_t pid, int sig);

/* Let a watcher on loop collect pid's exit and free itself.  Call it in the
 * same loop iteration that stopped the caller's own ev_child for pid, so the
 * exit status cannot be missed. */
void spawn_reap(struct ev_loop *loop, pid_t pid);

/* "PREFIX-ename" in lower case (e.g. "fork-eagain"), or "PREFIX-errno-N";
 * returns buf. */
const char *spawn_errno_reason(char *buf, size_t size, const char *prefix, int err);

/*
 * A child's output pipe (spawn_start()'s *out_fd) read on the loop, and the
 * first line of what comes through it (probe_output_line: sanitised, cut),
 * which the exec probe and the hooks make their reason of.  A run ends
 * when the child exits, not at EOF: the owner then drains what the child
 * wrote before it exited and closes the pipe, whatever still holds its
 * write end.
 *
 *   init  --start(fd)--> watched --EOF or error--> closed (fd -1)
 *                           |------close()-------> closed
 */
struct spawn_output {
	int fd;				/* the pipe's read end; -1 when closed */
	ev_io io;			/* watches fd, reads as it comes */
	struct probe_output_line line;	/* the first line of the output */
};

/* At the child's exit, read at most this many more chunks of 512 bytes. */
#define SPAWN_OUTPUT_DRAIN_MAX	16

/* Once, before any other call: closed, no line. */
void spawn_output_init(struct spawn_output *o);
/* Watch fd (spawn_start()'s pipe) on loop; the line starts empty. */
void spawn_output_start(struct spawn_output *o, struct ev_loop *loop, int fd);
/* One read of what is there into the line.  False at EOF or on a read
 * error (the pipe is then closed), true while more may come. */
bool spawn_output_read(struct spawn_output *o, struct ev_loop *loop);
/* The child exited: what it wrote before is in the pipe.  Reads until the
 * first line is whole, EOF, or SPAWN_OUTPUT_DRAIN_MAX reads; a descendant
 * that keeps writing cannot hold the caller. */
void spawn_output_drain(struct spawn_output *o, struct ev_loop *loop);
/* Stop watching and close the pipe; the line stays.  Closed: nothing. */
void spawn_output_close(struct spawn_output *o, struct ev_loop *loop);

#endif
