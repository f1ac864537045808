/*
 * pidfile.h - reading a daemon's pidfile (pptpd's), for the process and
 * capacity probes.  Pure: the probes read the file, tests and
 * tests/fuzz/fuzz_probe_output.c give bytes.
 */
#ifndef AHD_PIDFILE_H
#define AHD_PIDFILE_H

#include <stddef.h>
#include <sys/types.h>

/* A pidfile is a number and a newline; more than this is not one.  Readers
 * read PIDFILE_MAX + 1 bytes so a longer file is seen as such. */
#define PIDFILE_MAX 64

/*
 * The pid in a pidfile's bytes: blanks, a decimal pid in 2..4194304,
 * blanks (a newline or none).  Returns 0, or -1 with *why: "empty",
 * "longer than 64 bytes", "holds a NUL byte", "not a number", "pid too
 * large", "not a daemon's pid (0 or 1)", "garbage after the pid".
 */
int pidfile_parse(const char *text, size_t len, pid_t *pid, const char **why);

#endif
