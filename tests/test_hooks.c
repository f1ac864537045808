/*
 * test_hooks.c - the state-change hooks' bookkeeping (hooks.c) with plain
 * data: which hook queues which record, the per-hook order, the bound on
 * running children, a full queue, a reload, the environment of a run and
 * its result.  No process runs here (test_spawn.c and the integration
 * suite tests/integration/hooks.sh run real ones).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <cmocka.h>

#include "hooks.h"

#define ALL_KINDS ((1u << STATUS_EVENT__COUNT) - 1)
#define KIND(k) (1u << (k))

static char *argv_true[] = { (char *)(uintptr_t)"/bin/true", NULL };

static struct hook_config
hook_cfg(const char *name, uint32_t events, uint32_t queue_size)
{
	return (struct hook_config){ .name = (char *)(uintptr_t)name, .argv = argv_true, .argc = 1,
				     .events = events, .timeout_ms = 500, .queue_size = queue_size };
}

static struct status_event
record(enum status_event_kind kind, const char *subject, const char *from, const char *to)
{
	struct status_event e = { .time = 1795993800.25, .kind = kind };

	snprintf(e.subject, sizeof(e.subject), "%s", subject);
	snprintf(e.from, sizeof(e.from), "%s", from);
	snprintf(e.to, sizeof(e.to), "%s", to);
	snprintf(e.reason, sizeof(e.reason), "why %s", to);
	return e;
}

static size_t
offer(struct hooks *h, enum status_event_kind kind, const char *subject, const char *to)
{
	struct status_event e = record(kind, subject, "", to);
	const struct hook_state *full;

	return hooks_offer(h, &e, &full);
}

/* A hook hears only the kinds it asks for; one with every kind hears all. */
static void
hooks_test_filter(void **state)
{
	struct hook_config hc[2] = { hook_cfg("page", KIND(STATUS_EVENT_PREFIX), 8),
				     hook_cfg("all", ALL_KINDS, 8) };
	struct hooks_config cfg = { .hooks = hc, .n_hooks = 2, .max_running = 4 };
	struct hooks h;

	(void)state;
	hooks_init(&h, &cfg);
	offer(&h, STATUS_EVENT_SERVICE, "pptp", "DOWN");
	offer(&h, STATUS_EVENT_PREFIX, "192.0.2.1/32", "withdrawn");
	offer(&h, STATUS_EVENT_ROUTER, "router", "connected");
	assert_int_equal(h.hooks[0]->count, 1);
	assert_int_equal(h.hooks[1]->count, 3);
	assert_int_equal(hooks_queued(&h), 4);
	assert_int_equal(h.seq, 3);
	hooks_free(&h);
}

/* One hook runs its records one at a time, in the order they came. */
static void
hooks_test_order(void **state)
{
	struct hook_config hc[1] = { hook_cfg("log", ALL_KINDS, 8) };
	struct hooks_config cfg = { .hooks = hc, .n_hooks = 1, .max_running = 4 };
	struct hook_record rec;
	struct hook_state *hs;
	struct hooks h;
	const char *want[] = { "DOWN", "withdrawn", "UP" };
	size_t i;

	(void)state;
	hooks_init(&h, &cfg);
	offer(&h, STATUS_EVENT_SERVICE, "pptp", "DOWN");
	offer(&h, STATUS_EVENT_PREFIX, "192.0.2.1/32", "withdrawn");
	offer(&h, STATUS_EVENT_SERVICE, "pptp", "UP");
	for (i = 0; i < 3; i++) {
		hs = hooks_next(&h, &rec);
		assert_non_null(hs);
		assert_string_equal(rec.event.to, want[i]);
		assert_int_equal(rec.seq, i + 1);
		assert_true(hs->running);
		assert_int_equal(h.running, 1);
		/* its next record waits for this run, whatever the bound */
		assert_null(hooks_next(&h, &rec));
		hooks_done(&h, hs, HOOK_OK, "exit 0", 100.0 + (double)i, 0.01);
		assert_false(hs->running);
	}
	assert_null(hooks_next(&h, &rec));
	assert_int_equal(h.hooks[0]->results[HOOK_OK], 3);
	assert_int_equal(h.running, 0);
	hooks_free(&h);
}

/* At most max_running children across hooks; a free slot goes to the hook
 * whose waiting record is the oldest. */
static void
hooks_test_bound(void **state)
{
	struct hook_config hc[3] = { hook_cfg("a", ALL_KINDS, 8), hook_cfg("b", ALL_KINDS, 8),
				     hook_cfg("c", KIND(STATUS_EVENT_ROUTER), 8) };
	struct hooks_config cfg = { .hooks = hc, .n_hooks = 3, .max_running = 2 };
	struct hook_record rec;
	struct hook_state *first, *second, *third;
	struct hooks h;

	(void)state;
	hooks_init(&h, &cfg);
	offer(&h, STATUS_EVENT_SERVICE, "pptp", "DOWN");	/* a, b */
	offer(&h, STATUS_EVENT_ROUTER, "router", "unreachable");	/* a, b, c */
	first = hooks_next(&h, &rec);
	second = hooks_next(&h, &rec);
	assert_ptr_equal(first, h.hooks[0]);
	assert_ptr_equal(second, h.hooks[1]);
	assert_int_equal(h.running, 2);
	assert_null(hooks_next(&h, &rec));	/* c waits: two run */
	hooks_done(&h, first, HOOK_FAILED, "exit 1", 100.0, 0.5);
	/* a's router record (seq 2) and c's (seq 2): a is first in config
	 * order among equals; both are older than nothing else */
	third = hooks_next(&h, &rec);
	assert_non_null(third);
	assert_int_equal(rec.seq, 2);
	assert_int_equal(h.running, 2);
	assert_null(hooks_next(&h, &rec));
	hooks_done(&h, second, HOOK_OK, "exit 0", 100.0, 0.5);
	hooks_done(&h, third, HOOK_OK, "exit 0", 100.0, 0.5);
	assert_non_null(third = hooks_next(&h, &rec));	/* b's router record */
	assert_non_null(first = hooks_next(&h, &rec));	/* c's */
	assert_null(hooks_next(&h, &rec));
	assert_int_equal(hooks_queued(&h), 0);
	hooks_done(&h, third, HOOK_OK, "exit 0", 100.0, 0.5);
	hooks_done(&h, first, HOOK_OK, "exit 0", 100.0, 0.5);
	assert_int_equal(h.hooks[0]->results[HOOK_FAILED], 1);
	assert_int_equal(h.hooks[2]->results[HOOK_OK], 1);
	hooks_free(&h);
}

/* A full queue drops its oldest waiting record, counted, named. */
static void
hooks_test_full_queue(void **state)
{
	struct hook_config hc[1] = { hook_cfg("slow", ALL_KINDS, 2) };
	struct hooks_config cfg = { .hooks = hc, .n_hooks = 1, .max_running = 1 };
	struct status_event e = record(STATUS_EVENT_SERVICE, "pptp", "UP", "DOWN");
	const struct hook_state *full;
	struct hook_record rec;
	struct hook_state *hs;
	struct hooks h;

	(void)state;
	hooks_init(&h, &cfg);
	hs = h.hooks[0];
	assert_int_equal(offer(&h, STATUS_EVENT_SERVICE, "pptp", "r1"), 0);
	assert_int_equal(offer(&h, STATUS_EVENT_SERVICE, "pptp", "r2"), 0);
	assert_int_equal(hooks_offer(&h, &e, &full), 1);
	assert_ptr_equal(full, hs);
	assert_int_equal(hs->results[HOOK_DROPPED], 1);
	assert_int_equal(hs->count, 2);
	assert_non_null(hooks_next(&h, &rec));
	assert_string_equal(rec.event.to, "r2");	/* r1 was the one dropped */
	hooks_done(&h, hs, HOOK_OK, "exit 0", 1.0, 0.1);
	assert_non_null(hooks_next(&h, &rec));
	assert_string_equal(rec.event.to, "DOWN");
	hooks_done(&h, hs, HOOK_OK, "exit 0", 1.0, 0.1);
	hooks_free(&h);
}

/* A reload keeps a kept hook's queue, counters and run; drops a removed
 * hook's queue; a removed hook's run lives on until it ends. */
static void
hooks_test_reload(void **state)
{
	struct hook_config old_hc[3] = { hook_cfg("keep", ALL_KINDS, 8), hook_cfg("gone", ALL_KINDS, 8),
					 hook_cfg("busy", ALL_KINDS, 8) };
	struct hooks_config old_cfg = { .hooks = old_hc, .n_hooks = 3, .max_running = 3 };
	struct hook_config new_hc[2] = { hook_cfg("new", ALL_KINDS, 8), hook_cfg("keep", ALL_KINDS, 1) };
	struct hooks_config new_cfg = { .hooks = new_hc, .n_hooks = 2, .max_running = 1 };
	struct hook_state *keep, *busy, *hs;
	struct hook_record rec;
	struct hooks h;
	size_t dropped;

	(void)state;
	hooks_init(&h, &old_cfg);
	keep = h.hooks[0];
	offer(&h, STATUS_EVENT_SERVICE, "pptp", "DOWN");
	assert_ptr_equal(hooks_next(&h, &rec), keep);
	assert_non_null(hooks_next(&h, &rec));	/* gone */
	busy = hooks_next(&h, &rec);
	assert_ptr_equal(busy, h.hooks[2]);
	hooks_done(&h, h.hooks[1], HOOK_OK, "exit 0", 1.0, 0.1);
	offer(&h, STATUS_EVENT_PREFIX, "192.0.2.1/32", "withdrawn");
	offer(&h, STATUS_EVENT_SERVICE, "pptp", "UP");
	assert_int_equal(hooks_queued(&h), 6);
	hooks_reconfigure(&h, &new_cfg, &dropped);
	assert_int_equal(h.n, 2);
	assert_ptr_equal(h.hooks[1], keep);		/* same state, moved */
	assert_ptr_equal(keep->cfg, &new_hc[1]);
	assert_true(keep->running);
	assert_int_equal(keep->count, 1);		/* queue-size 1: the newest kept */
	assert_int_equal(keep->results[HOOK_DROPPED], 1);
	assert_int_equal(dropped, 4);			/* gone's 2, busy's 2 */
	assert_true(busy->removed);
	assert_int_equal(h.running, 2);			/* keep and the removed busy */
	assert_int_equal(h.hooks[0]->count, 0);		/* new hooks hear from now on */
	assert_null(hooks_next(&h, &rec));		/* max-running 1 now */
	hooks_done(&h, busy, HOOK_OK, "exit 0", 1.0, 0.1);	/* frees it */
	hooks_done(&h, keep, HOOK_OK, "exit 0", 1.0, 0.1);
	hs = hooks_next(&h, &rec);
	assert_ptr_equal(hs, keep);
	assert_string_equal(rec.event.to, "UP");
	hooks_done(&h, hs, HOOK_OK, "exit 0", 1.0, 0.1);
	assert_int_equal(keep->results[HOOK_OK], 2);
	hooks_free(&h);
}

/* The environment: PATH and the record, nothing else. */
static void
hooks_test_env(void **state)
{
	struct hook_record r = { .event = record(STATUS_EVENT_SERVICE, "pptp", "UP", "DOWN"),
				 .seq = 42 };
	struct hook_env env;
	const char *want[] = {
		"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
		"ANYCAST_HEALTHD_HOOK=page",
		"ANYCAST_HEALTHD_KIND=service",
		"ANYCAST_HEALTHD_SUBJECT=pptp",
		"ANYCAST_HEALTHD_OLD=UP",
		"ANYCAST_HEALTHD_NEW=DOWN",
		"ANYCAST_HEALTHD_REASON=why DOWN",
		"ANYCAST_HEALTHD_GATEWAY=gw1.example.net",
		"ANYCAST_HEALTHD_TIME=2026-11-29T23:10:00.250Z",
		"ANYCAST_HEALTHD_SEQ=42",
	};
	size_t i;

	(void)state;
	hooks_env(&env, "page", &r, "gw1.example.net");
	for (i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		assert_non_null(env.envp[i]);
		assert_string_equal(env.envp[i], want[i]);
	}
	assert_null(env.envp[i]);
}

/* The longest fields still fit whole. */
static void
hooks_test_env_longest(void **state)
{
	struct hook_record r = { .seq = ~0UL };
	struct hook_env env;
	char gateway[256];
	size_t i;

	(void)state;
	r.event.kind = STATUS_EVENT_RELOAD;
	memset(r.event.subject, 's', sizeof(r.event.subject) - 1);
	memset(r.event.from, 'f', sizeof(r.event.from) - 1);
	memset(r.event.to, 't', sizeof(r.event.to) - 1);
	memset(r.event.reason, 'r', sizeof(r.event.reason) - 1);
	memset(gateway, 'g', sizeof(gateway) - 1);
	gateway[sizeof(gateway) - 1] = '\0';
	hooks_env(&env, "abcdefghijklmnopqrstuvwxyz012345", &r, gateway);
	for (i = 0; i < HOOKS_ENV_VARS; i++)
		assert_non_null(env.envp[i]);
	assert_int_equal(strlen(env.envp[6]), strlen("ANYCAST_HEALTHD_REASON=") + 127);
	assert_int_equal(strlen(env.envp[7]), strlen("ANYCAST_HEALTHD_GATEWAY=") + 255);
}

static void
hooks_test_verdict(void **state)
{
	char buf[160];

	(void)state;
	assert_int_equal(hooks_verdict(W_EXITCODE(0, 0), false, 500, "", buf, sizeof(buf)), HOOK_OK);
	assert_string_equal(buf, "exit 0");
	assert_int_equal(hooks_verdict(W_EXITCODE(2, 0), false, 500, "curl: (7) refused", buf,
				       sizeof(buf)), HOOK_FAILED);
	assert_string_equal(buf, "exit 2: curl: (7) refused");
	assert_int_equal(hooks_verdict(W_EXITCODE(127, 0), false, 500,
				       "cannot execute (ENOENT): /nope", buf,
				       sizeof(buf)), HOOK_FAILED);
	assert_string_equal(buf, "exit 127: cannot execute (ENOENT): /nope");
	assert_int_equal(hooks_verdict(W_EXITCODE(0, 9), false, 500, "", buf, sizeof(buf)),
			 HOOK_FAILED);
	assert_string_equal(buf, "signal 9");
	assert_int_equal(hooks_verdict(W_EXITCODE(0, 15), true, 500, "", buf, sizeof(buf)),
			 HOOK_TIMEOUT);
	assert_string_equal(buf, "timeout after 500 ms");
}

/* The last run is kept for the status. */
static void
hooks_test_last(void **state)
{
	struct hook_config hc[1] = { hook_cfg("page", ALL_KINDS, 4) };
	struct hooks_config cfg = { .hooks = hc, .n_hooks = 1, .max_running = 1 };
	struct hook_record rec;
	struct hooks h;

	(void)state;
	hooks_init(&h, &cfg);
	assert_true(h.hooks[0]->last.time == 0);
	offer(&h, STATUS_EVENT_PREFIX, "192.0.2.1/32", "withdrawn");
	hooks_done(&h, hooks_next(&h, &rec), HOOK_TIMEOUT, "timeout after 500 ms", 1234.5, 1.5);
	assert_int_equal(h.hooks[0]->last.result, HOOK_TIMEOUT);
	assert_string_equal(h.hooks[0]->last.reason, "timeout after 500 ms");
	assert_true(h.hooks[0]->last.time == 1234.5);
	assert_true(h.hooks[0]->last.duration_s == 1.5);
	assert_int_equal(h.hooks[0]->results[HOOK_TIMEOUT], 1);
	hooks_free(&h);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(hooks_test_filter),
		cmocka_unit_test(hooks_test_order),
		cmocka_unit_test(hooks_test_bound),
		cmocka_unit_test(hooks_test_full_queue),
		cmocka_unit_test(hooks_test_reload),
		cmocka_unit_test(hooks_test_env),
		cmocka_unit_test(hooks_test_env_longest),
		cmocka_unit_test(hooks_test_verdict),
		cmocka_unit_test(hooks_test_last),
	};

	return cmocka_run_group_tests_name("hooks", tests, NULL, NULL);
}
