/*
 * log.h - the daemon's logging, in the manner of OpenBSD bgpd's log.c.
 *
 * log_warn() appends strerror(errno); log_warnx() does not.  Messages go to
 * stderr with a level prefix (under systemd, stderr is the journal).  fatal()
 * and fatalx() are for startup and allocation failure only: a failing probe
 * or router is data, never a reason to exit.
 */
#ifndef AHD_LOG_H
#define AHD_LOG_H

#include <stdarg.h>
#include <stddef.h>

enum log_level { LOG_LEVEL_ERROR, LOG_LEVEL_WARNING, LOG_LEVEL_INFO, LOG_LEVEL_DEBUG };

/* verbose: 0 = info and up, 1 = debug too.  Safe to call again (reload). */
void log_init(int verbose);

void log_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_warnx(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void fatal(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
void fatalx(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));

/*
 * A state transition, logged once at info level as
 *   "SUBJECT: FROM -> TO (REASON)"
 * Under systemd (stderr is the journal) the entry also carries the fields
 * SERVICE= or PREFIX= (by kind), STATE=TO and REASON=, so
 * `journalctl SERVICE=pptp` or `journalctl STATE=DOWN` find it.  The words
 * are the same as in the status JSON.
 */
enum log_subject { LOG_SUBJECT_SERVICE, LOG_SUBJECT_PREFIX };
void log_transition(enum log_subject kind, const char *subject, const char *from,
		    const char *to, const char *reason);

/* Allocation that cannot fail: fatalx() on ENOMEM. */
void *xcalloc(size_t n, size_t size);
char *xstrdup(const char *s);

#endif
