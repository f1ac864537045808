/*
 * log.c - leveled logging: plain lines on stderr, or native journal entries
 * (with structured fields for transitions) when stderr is the journal.
 *
 * Modelled on OpenBSD bgpd's log.c.  systemd sets JOURNAL_STREAM to the
 * device:inode of the stream it connected to stderr; only when that still
 * matches stderr do we write to the journal directly (sd_journal_send).
 */
#define SD_JOURNAL_SUPPRESS_LOCATION
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <systemd/sd-journal.h>
#include <unistd.h>

#include "log.h"

/* syslog priorities: err 3, warning 4, info 6, debug 7 */
static const int log_priority[] = { 3, 4, 6, 7 };

static int log_verbose;
static int log_to_journal;

static int
log_stderr_is_journal(void)
{
	const char *js = getenv("JOURNAL_STREAM");
	unsigned long long dev, ino;
	struct stat st;

	if (js == NULL || sscanf(js, "%llu:%llu", &dev, &ino) != 2)
		return 0;
	if (fstat(STDERR_FILENO, &st) < 0)
		return 0;
	return st.st_dev == (dev_t)dev && st.st_ino == (ino_t)ino;
}

void
log_init(int verbose)
{
	log_verbose = verbose;
	log_to_journal = log_stderr_is_journal();
}

static void
log_vwrite(enum log_level level, const char *fmt, va_list ap, const char *suffix)
{
	static const char *const word[] = { "error: ", "warning: ", "", "debug: " };
	char msg[1024];

	if (level == LOG_LEVEL_DEBUG && !log_verbose)
		return;
	vsnprintf(msg, sizeof(msg), fmt, ap);
	if (log_to_journal)
		sd_journal_send("MESSAGE=%s%s%s", msg, suffix ? ": " : "", suffix ? suffix : "",
				"PRIORITY=%d", log_priority[level],
				"SYSLOG_IDENTIFIER=anycast-healthd", NULL);
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

void
log_transition(enum log_subject kind, const char *subject, const char *from,
	       const char *to, const char *reason)
{
	if (!log_to_journal) {
		log_info("%s: %s -> %s (%s)", subject, from, to, reason);
		return;
	}
	sd_journal_send("MESSAGE=%s: %s -> %s (%s)", subject, from, to, reason,
			"PRIORITY=%d", log_priority[LOG_LEVEL_INFO],
			"SYSLOG_IDENTIFIER=anycast-healthd",
			kind == LOG_SUBJECT_SERVICE ? "SERVICE=%s" : "PREFIX=%s", subject,
			"STATE=%s", to, "REASON=%s", reason, NULL);
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
