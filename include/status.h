/*
 * status.h - what the daemon shows: the JSON status document, the
 * Prometheus metrics text and the transition history.
 *
 *   status.c   the history ring buffer (pure) and the three renderers, which
 *              read a struct daemon and never change it
 *   status_kinds.c  status_event_kind_names[], apart for the config loader
 *   api.c      serves them over HTTP (GET /v1/status, /v1/history, /metrics)
 *
 * Every word in the output (states, reasons, kinds) comes from the names
 * tables beside the enums (health_state_names[], route_state_names[],
 * probe_result_names[], probe_kind_names[], admin_state_names[],
 * status_event_kind_names[]), so the log, the JSON and the metrics agree.
 */
#ifndef AHD_STATUS_H
#define AHD_STATUS_H

#include <stddef.h>

enum status_event_kind {
	STATUS_EVENT_SERVICE,	/* a service's verdict changed */
	STATUS_EVENT_PREFIX,	/* a prefix's desired state changed */
	STATUS_EVENT_ROUTER,	/* the router connection came up or went away */
	STATUS_EVENT_DRIFT,	/* the router differed and was corrected */
	STATUS_EVENT_ADMIN,	/* drain, maintenance, resume */
	STATUS_EVENT_RELOAD,	/* config reloaded or refused */
	STATUS_EVENT_FLEET,	/* the fleet's store became reachable or unreachable */
	STATUS_EVENT_SESSION,	/* a BGP session's state, or a prefix carried or not */
	STATUS_EVENT__COUNT
};
/* "service", "prefix", "router", "drift", "admin", "reload", "fleet",
 * "session" */
extern const char *const status_event_kind_names[STATUS_EVENT__COUNT];

struct status_event {
	double time;			/* wall clock, seconds since the epoch */
	enum status_event_kind kind;
	char subject[64];		/* service name, prefix, "router", "config", session name */
	char from[24];			/* old state word ("" when none) */
	char to[24];			/* new state word */
	char reason[128];
};

/* A ring buffer of the last `capacity` events. */
struct status_history {
	struct status_event *ring;
	size_t capacity;
	size_t next;			/* slot of the next event */
	size_t count;			/* events held, <= capacity */
	unsigned long total;		/* events ever added */
};

void status_history_init(struct status_history *h, size_t capacity);
/* Keep the newest events that fit a new capacity (history-size reloaded). */
void status_history_resize(struct status_history *h, size_t capacity);
void status_history_add(struct status_history *h, double time, enum status_event_kind kind,
			const char *subject, const char *from, const char *to, const char *reason);
/* i = 0 is the oldest held event; NULL past count. */
const struct status_event *status_history_get(const struct status_history *h, size_t i);
void status_history_free(struct status_history *h);

struct daemon;

/* Renderers: a malloc'd NUL-terminated text the caller frees; NULL only on
 * allocation failure.  `now` is the wall clock used for uptime and ages, so
 * tests get stable output. */
char *status_json(const struct daemon *d, double now);
/* The newest `limit` events (all when limit is 0), oldest first. */
char *status_history_json(const struct daemon *d, size_t limit);
char *status_metrics(const struct daemon *d, double now);

#endif
