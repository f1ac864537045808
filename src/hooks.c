/*
 * hooks.c - the state-change hooks' bookkeeping (see hooks.h): queues, the
 * bound on running children, results, and the environment of a run.  No
 * I/O: hooks_runner.c starts and ends the processes.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>

#include "hooks.h"
#include "log.h"

const char *const hook_result_names[HOOK_RESULT__COUNT] = {
	[HOOK_OK] = "ok",
	[HOOK_FAILED] = "failed",
	[HOOK_TIMEOUT] = "timeout",
	[HOOK_DROPPED] = "dropped",
};

/* The daemon's PATH is not passed on: hooks get this one. */
#define HOOKS_PATH "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

/* ---- one hook's queue ---- */

static struct hook_record *
hooks_queue_at(const struct hook_state *hs, size_t i)
{
	return &hs->ring[(hs->head + i) % hs->capacity];
}

static void
hooks_queue_pop(struct hook_state *hs, struct hook_record *out)
{
	if (out != NULL)
		*out = *hooks_queue_at(hs, 0);
	hs->head = (hs->head + 1) % hs->capacity;
	hs->count--;
}

/* Put the queue in a ring of `capacity`, keeping the newest records that fit;
 * returns how many older ones did not. */
static size_t
hooks_queue_resize(struct hook_state *hs, size_t capacity)
{
	struct hook_record *ring = xcalloc(capacity, sizeof(*ring));
	size_t dropped = 0, i;

	while (hs->count > capacity) {
		hooks_queue_pop(hs, NULL);
		dropped++;
	}
	for (i = 0; i < hs->count; i++)
		ring[i] = *hooks_queue_at(hs, i);
	free(hs->ring);
	hs->ring = ring;
	hs->capacity = capacity;
	hs->head = 0;
	return dropped;
}

static struct hook_state *
hooks_state_new(const struct hook_config *hc)
{
	struct hook_state *hs = xcalloc(1, sizeof(*hs));

	hs->cfg = hc;
	snprintf(hs->name, sizeof(hs->name), "%s", hc->name);
	hooks_queue_resize(hs, hc->queue_size ? hc->queue_size : 1);
	return hs;
}

static void
hooks_state_free(struct hook_state *hs)
{
	if (hs == NULL)
		return;
	free(hs->ring);
	free(hs);
}

/* ---- the set of hooks ---- */

void
hooks_init(struct hooks *h, const struct hooks_config *cfg)
{
	size_t i;

	memset(h, 0, sizeof(*h));
	h->max_running = cfg->max_running ? cfg->max_running : 1;
	h->n = cfg->n_hooks;
	h->hooks = xcalloc(h->n ? h->n : 1, sizeof(*h->hooks));
	for (i = 0; i < h->n; i++)
		h->hooks[i] = hooks_state_new(&cfg->hooks[i]);
}

/* The old hook state named `name`, taken out of `old` (NULL when none). */
static struct hook_state *
hooks_take(struct hook_state **old, size_t n, const char *name)
{
	struct hook_state *hs;
	size_t i;

	for (i = 0; i < n; i++) {
		if (old[i] == NULL || strcmp(old[i]->name, name) != 0)
			continue;
		hs = old[i];
		old[i] = NULL;
		return hs;
	}
	return NULL;
}

void
hooks_reconfigure(struct hooks *h, const struct hooks_config *cfg, size_t *dropped)
{
	struct hook_state **old = h->hooks;
	size_t n_old = h->n, i;

	*dropped = 0;
	h->max_running = cfg->max_running ? cfg->max_running : 1;
	h->n = cfg->n_hooks;
	h->hooks = xcalloc(h->n ? h->n : 1, sizeof(*h->hooks));
	for (i = 0; i < h->n; i++) {
		struct hook_state *hs = hooks_take(old, n_old, cfg->hooks[i].name);

		if (hs == NULL) {
			h->hooks[i] = hooks_state_new(&cfg->hooks[i]);
			continue;
		}
		hs->cfg = &cfg->hooks[i];
		if (hs->capacity != cfg->hooks[i].queue_size)
			hs->results[HOOK_DROPPED] += hooks_queue_resize(hs, cfg->hooks[i].queue_size);
		h->hooks[i] = hs;
	}
	for (i = 0; i < n_old; i++) {
		if (old[i] == NULL)
			continue;
		*dropped += old[i]->count;
		old[i]->count = 0;
		old[i]->cfg = NULL;
		old[i]->removed = true;
		if (!old[i]->running)
			hooks_state_free(old[i]);
	}
	free(old);
}

size_t
hooks_offer(struct hooks *h, const struct status_event *e, const struct hook_state **dropped_from)
{
	size_t i, dropped = 0;

	*dropped_from = NULL;
	h->seq++;
	for (i = 0; i < h->n; i++) {
		struct hook_state *hs = h->hooks[i];

		if ((hs->cfg->events & (1u << e->kind)) == 0)
			continue;
		if (hs->count == hs->capacity) {
			hooks_queue_pop(hs, NULL);
			hs->results[HOOK_DROPPED]++;
			if (dropped++ == 0)
				*dropped_from = hs;
		}
		hooks_queue_at(hs, hs->count)->event = *e;
		hooks_queue_at(hs, hs->count)->seq = h->seq;
		hs->count++;
	}
	return dropped;
}

struct hook_state *
hooks_next(struct hooks *h, struct hook_record *out)
{
	struct hook_state *best = NULL;
	size_t i;

	if (h->running >= h->max_running)
		return NULL;
	for (i = 0; i < h->n; i++) {
		struct hook_state *hs = h->hooks[i];

		if (hs->running || hs->count == 0)
			continue;
		if (best == NULL || hooks_queue_at(hs, 0)->seq < hooks_queue_at(best, 0)->seq)
			best = hs;
	}
	if (best == NULL)
		return NULL;
	hooks_queue_pop(best, out);
	best->running = true;
	h->running++;
	return best;
}

void
hooks_done(struct hooks *h, struct hook_state *hs, enum hook_result result, const char *reason,
	   double now, double duration_s)
{
	if (h->running > 0)
		h->running--;
	hs->running = false;
	if (hs->removed) {
		hooks_state_free(hs);
		return;
	}
	hs->results[result]++;
	hs->last.result = result;
	snprintf(hs->last.reason, sizeof(hs->last.reason), "%s", reason);
	hs->last.time = now;
	hs->last.duration_s = duration_s;
}

size_t
hooks_queued(const struct hooks *h)
{
	size_t i, n = 0;

	for (i = 0; i < h->n; i++)
		n += h->hooks[i]->count;
	return n;
}

void
hooks_free(struct hooks *h)
{
	size_t i;

	for (i = 0; i < h->n; i++)
		hooks_state_free(h->hooks[i]);
	free(h->hooks);
	memset(h, 0, sizeof(*h));
}

/* ---- a run's environment and result ---- */

/* "2026-11-29T23:10:00.250Z" */
static void
hooks_time(double t, char *buf, size_t size)
{
	time_t secs = (time_t)floor(t);
	int ms = (int)((t - floor(t)) * 1000);
	struct tm tm;
	char day[24];

	if (gmtime_r(&secs, &tm) == NULL) {
		snprintf(buf, size, "%.3f", t);
		return;
	}
	strftime(day, sizeof(day), "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(buf, size, "%s.%03dZ", day, ms > 999 ? 999 : ms);
}

/* Append NAME=VALUE to env as its next variable. */
static void
hooks_env_add(struct hook_env *env, size_t *n, size_t *used, const char *name, const char *value)
{
	int len;

	if (*n >= HOOKS_ENV_VARS || *used >= sizeof(env->buf))
		return;
	len = snprintf(env->buf + *used, sizeof(env->buf) - *used, "%s=%s", name, value);
	if (len < 0 || (size_t)len >= sizeof(env->buf) - *used)
		return;		/* cannot happen with the fields' sizes; never cut a variable */
	env->envp[(*n)++] = env->buf + *used;
	*used += (size_t)len + 1;
}

void
hooks_env(struct hook_env *env, const char *hook, const struct hook_record *r, const char *gateway)
{
	const struct status_event *e = &r->event;
	char when[40], seq[24];
	size_t n = 0, used = 0;

	memset(env->envp, 0, sizeof(env->envp));
	hooks_time(e->time, when, sizeof(when));
	snprintf(seq, sizeof(seq), "%lu", r->seq);
	hooks_env_add(env, &n, &used, "PATH", HOOKS_PATH);
	hooks_env_add(env, &n, &used, "ANYCAST_HEALTHD_HOOK", hook);
	hooks_env_add(env, &n, &used, "ANYCAST_HEALTHD_KIND", status_event_kind_names[e->kind]);
	hooks_env_add(env, &n, &used, "ANYCAST_HEALTHD_SUBJECT", e->subject);
	hooks_env_add(env, &n, &used, "ANYCAST_HEALTHD_OLD", e->from);
	hooks_env_add(env, &n, &used, "ANYCAST_HEALTHD_NEW", e->to);
	hooks_env_add(env, &n, &used, "ANYCAST_HEALTHD_REASON", e->reason);
	hooks_env_add(env, &n, &used, "ANYCAST_HEALTHD_GATEWAY", gateway);
	hooks_env_add(env, &n, &used, "ANYCAST_HEALTHD_TIME", when);
	hooks_env_add(env, &n, &used, "ANYCAST_HEALTHD_SEQ", seq);
}

enum hook_result
hooks_verdict(int wait_status, bool timed_out, uint32_t timeout_ms, const char *line, char *buf,
	      size_t size)
{
	enum hook_result result = HOOK_FAILED;
	char what[48];

	if (timed_out) {
		result = HOOK_TIMEOUT;
		snprintf(what, sizeof(what), "timeout after %u ms", timeout_ms);
	} else if (WIFEXITED(wait_status)) {
		if (WEXITSTATUS(wait_status) == 0)
			result = HOOK_OK;
		snprintf(what, sizeof(what), "exit %d", WEXITSTATUS(wait_status));
	} else if (WIFSIGNALED(wait_status)) {
		snprintf(what, sizeof(what), "signal %d", WTERMSIG(wait_status));
	} else {
		snprintf(what, sizeof(what), "status %d", wait_status);
	}
	if (line != NULL && line[0] != '\0')
		snprintf(buf, size, "%s: %s", what, line);
	else
		snprintf(buf, size, "%s", what);
	return result;
}
