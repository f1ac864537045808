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

#endif
