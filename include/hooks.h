/*
 * hooks.h - the state-change hooks' bookkeeping, free of I/O: which hook
 * hears which transition record, each hook's queue, which record runs next
 * under the bound on children, the results, and the environment a run gets.
 * hooks_runner.c does the processes (spawn.c) and the timers on the loop;
 * cmocka drives this part with plain data (tests/test_hooks.c).
 *
 * A record is what the history ring gets (status.h's struct status_event),
 * offered by daemon.c's one place that records transitions.
 *
 *   record --hooks_offer--> every hook whose events match: its FIFO
 *        (full: the oldest waiting record is dropped and counted)
 *   hooks_next --> the hook, not running, whose head record is the oldest
 *        of all heads, while fewer than max_running run --> its head
 *   hooks_done --> result counted, the hook may run its next record
 *
 * One hook runs one record at a time, in the order they came; hooks run
 * side by side up to max_running.  Hook states are allocated one by one, so
 * a run keeps its hook's address across a reload; a hook removed by a
 * reload while running lives on (removed) until hooks_done.
 */
#ifndef AHD_HOOKS_H
#define AHD_HOOKS_H

#include <stdbool.h>
#include <stddef.h>

#include "config.h"
#include "status.h"

enum hook_result { HOOK_OK, HOOK_FAILED, HOOK_TIMEOUT, HOOK_DROPPED, HOOK_RESULT__COUNT };
/* "ok", "failed", "timeout", "dropped" */
extern const char *const hook_result_names[HOOK_RESULT__COUNT];

/* A transition record and its place in the daemon's sequence. */
struct hook_record {
	struct status_event event;
	unsigned long seq;		/* 1, 2, ...: the order records came in */
};

/* The last finished run of a hook. */
struct hook_last {
	enum hook_result result;
	char reason[160];		/* "exit 2: first line of its output" */
	double time;			/* wall clock at its end; 0: no run yet */
	double duration_s;
};

struct hook_state {
	const struct hook_config *cfg;	/* NULL once removed by a reload */
	char name[33];			/* kept for the log once removed */
	struct hook_record *ring;	/* queue_size slots */
	size_t capacity, head, count;
	bool running;
	bool removed;			/* gone from the config, its run still going */
	unsigned long results[HOOK_RESULT__COUNT];
	struct hook_last last;
};

struct hooks {
	struct hook_state **hooks;	/* n, in config order */
	size_t n;
	size_t running;			/* children now, removed hooks' included */
	uint32_t max_running;
	unsigned long seq;		/* records offered so far */
};

void hooks_init(struct hooks *h, const struct hooks_config *cfg);

/*
 * A reload: hooks are matched by name; a kept hook keeps its queue (cut to
 * its new queue-size, oldest first), its counters and its running run, and
 * takes the new settings for its next run.  A removed hook's queue is
 * dropped (returned in *dropped, not counted: the hook is gone); a removed
 * hook with a run going is kept, removed, until hooks_done.
 */
void hooks_reconfigure(struct hooks *h, const struct hooks_config *cfg, size_t *dropped);

/*
 * Queue `e` (its time, kind, subject, from, to, reason) for every hook that
 * runs on its kind.  For each hook whose queue was full the oldest record
 * is dropped: *dropped_from gets the first such hook (NULL when none).
 * Returns the number of records dropped.
 */
size_t hooks_offer(struct hooks *h, const struct status_event *e,
		   const struct hook_state **dropped_from);

/*
 * The next run to start, or NULL: while fewer than max_running run, the
 * hook not running whose head record is the oldest.  Its head is moved to
 * *out and the hook (and the count) marked running.
 */
struct hook_state *hooks_next(struct hooks *h, struct hook_record *out);

/* A run of hs ended: counted, hs free for its next record.  Frees hs when a
 * reload removed it (the caller forgets it). */
void hooks_done(struct hooks *h, struct hook_state *hs, enum hook_result result,
		const char *reason, double now, double duration_s);

/* Records waiting, all hooks. */
size_t hooks_queued(const struct hooks *h);

void hooks_free(struct hooks *h);

/*
 * The environment of a run of hook `hook` for record r: PATH and the
 * ANYCAST_HEALTHD_* variables (HOOK, KIND, SUBJECT, OLD, NEW, REASON,
 * GATEWAY, TIME as RFC 3339 UTC with milliseconds, SEQ), NULL-terminated
 * in envp, the strings in the struct itself.  Nothing else of the daemon's
 * environment is passed on.
 */
#define HOOKS_ENV_VARS	10
struct hook_env {
	char *envp[HOOKS_ENV_VARS + 1];
	char buf[1536];
};
void hooks_env(struct hook_env *env, const char *hook, const struct hook_record *r,
	       const char *gateway);

/*
 * A run's result from its wait status: exit 0 OK ("exit 0"), another exit
 * code FAILED ("exit N"), a signal FAILED ("signal S"), or TIMEOUT ("timeout
 * after N ms") when it was killed for its timeout.  `line` (the first line of
 * its output, may be "") is appended after ": ".  Written to buf.
 */
enum hook_result hooks_verdict(int wait_status, bool timed_out, uint32_t timeout_ms,
			       const char *line, char *buf, size_t size);

#endif
