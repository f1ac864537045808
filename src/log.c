/*
 * log.c - leveled logging to stderr (the journal, under systemd).
 *
 * Modelled on OpenBSD bgpd's log.c.  Lines carry a syslog-style "<N>" prefix
 * when stderr is the journal (JOURNAL_STREAM set), so journald keeps the
 * priority; otherwise a readable level word.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"

static int log_verbose;
static int log_to_journal;

void
log_init(int verbose)
{
	log_verbose = verbose;
	log_to_journal = getenv("JOURNAL_STREAM") != NULL;
}

static void
log_vwrite(enum log_level level, const char *fmt, va_list ap, const char *suffix)
{
	/* syslog priorities: err 3, warning 4, info 6, debug 7 */
	static const int prio[] = { 3, 4, 6, 7 };
	static const char *const word[] = { "error: ", "warning: ", "", "debug: " };
	char msg[1024];

	if (level == LOG_LEVEL_DEBUG && !log_verbose)
		return;
	vsnprintf(msg, sizeof(msg), fmt, ap);
	if (log_to_journal)
		fprintf(stderr, "<%d>%s%s%s\n", prio[level], msg,
			suffix ? ": " : "", suffix ? suffix : "");
	else
		fprintf(stderr, "anycast-healthd: %s%s%s%s\n", word[level], msg,
			suffix ? ": " : "", suffix ? suffix : "");
}

void
log_warn(const char *fmt, ...)
{
	const char *why = strerror(errno);
	va_list ap;

	va_start(ap, fmt);
	log_vwrite(LOG_LEVEL_WARNING, fmt, ap, why);
	va_end(ap);
}

#define LOG_DEFINE(fn, level)				\
	void fn(const char *fmt, ...)			\
	{						\
		va_list ap;				\
		va_start(ap, fmt);			\
		log_vwrite(level, fmt, ap, NULL);	\
		va_end(ap);				\
	}

LOG_DEFINE(log_warnx, LOG_LEVEL_WARNING)
LOG_DEFINE(log_info, LOG_LEVEL_INFO)
LOG_DEFINE(log_debug, LOG_LEVEL_DEBUG)

void
fatal(const char *fmt, ...)
{
	const char *why = strerror(errno);
	va_list ap;

	va_start(ap, fmt);
	log_vwrite(LOG_LEVEL_ERROR, fmt, ap, why);
	va_end(ap);
	exit(1);
}

void
fatalx(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vwrite(LOG_LEVEL_ERROR, fmt, ap, NULL);
	va_end(ap);
	exit(1);
}

void *
xcalloc(size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size ? size : 1);

	if (p == NULL)
		fatalx("out of memory");
	return p;
}

char *
xstrdup(const char *s)
{
	char *p = strdup(s);

	if (p == NULL)
		fatalx("out of memory");
	return p;
}
