/*
 * api.h - the HTTP endpoints, served by libmicrohttpd on the daemon's libev
 * loop (no thread touches daemon state).
 *
 *   listener          GET                               POST (admin verbs)
 *   TCP (read-only)   / (the status page, HTML)         403
 *                     /v1/status /v1/history /metrics
 *                     /healthz /v1/fleet (503 without a fleet)
 *   admin Unix socket the same                          /v1/drain /v1/maintenance
 *   (0660, group                                        /v1/resume /v1/reload
 *    admin-group)                                       peer must be root or in
 *                                                       admin-group (SO_PEERCRED)
 *
 * Admin request body: {"prefix": "192.0.2.1/32"} or {"all": true}, and
 * "force": true past the fleet guard (reload:
 * empty or {}; parsed by api_body.c).  Answers are JSON; errors are
 * {"error": "text"} with a 4xx code; the status page is status_page.html,
 * built into the daemon (status_page.h).  Header size, query arguments, body
 * size, connection count and connection time are limited (config api,
 * docs/api.md "Limits").
 */
#ifndef AHD_API_H
#define AHD_API_H

#include <stddef.h>
#include <ev.h>

#include "config.h"

struct daemon;
struct api;

/* Reload the config file (SIGHUP's path).  Returns 0 when reloaded, -1 when
 * refused, with the reason (every config error, one per line) in msg. */
typedef int api_reload_fn(void *arg, char *msg, size_t msglen);

/* Start both listeners described by cfg.  A listener that cannot start is
 * logged and skipped; returns NULL only when neither could start. */
struct api *api_start(struct ev_loop *loop, struct daemon *d, const struct api_config *cfg,
		      api_reload_fn *reload, void *reload_arg);

/* After a reload: the daemon object is the same, its config is new. */
void api_set_daemon(struct api *a, struct daemon *d);

/* Close the listeners and every connection.  Accepts NULL. */
void api_stop(struct api *a);

/* True when two api sections would start the same listeners (reload keeps them). */
bool api_config_equal(const struct api_config *a, const struct api_config *b);

#endif
