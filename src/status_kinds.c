/*
 * status_kinds.c - the words of the history's event kinds (status.h), on
 * their own so the config loader can check a hook's `event` names against
 * them without linking the renderers (its fuzz target links config.c with
 * this file only).  A new kind goes in the enum and here; hooks and their
 * config take it from this table, with nothing else to change.
 */
#include "status.h"

const char *const status_event_kind_names[STATUS_EVENT__COUNT] = {
	[STATUS_EVENT_SERVICE] = "service",
	[STATUS_EVENT_PREFIX] = "prefix",
	[STATUS_EVENT_ROUTER] = "router",
	[STATUS_EVENT_DRIFT] = "drift",
	[STATUS_EVENT_ADMIN] = "admin",
	[STATUS_EVENT_RELOAD] = "reload",
	[STATUS_EVENT_FLEET] = "fleet",
	[STATUS_EVENT_SESSION] = "session",
};
