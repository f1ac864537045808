/*
 * driver_frr.h - FRR bgpd specifics beyond driver.h's generic interface.
 *
 * driver_frr_ops (declared in driver.h) is the driver itself: it talks to
 * bgpd's vty socket the way vtysh does (protocols.md section 2).  This header
 * adds the text rules for what goes to bgpd, so the tests can check them
 * without a socket.
 */
#ifndef AHD_DRIVER_FRR_H
#define AHD_DRIVER_FRR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "driver.h"

/* Commands in the apply batch of one prefix (driver_frr_render_apply):
 * configure terminal, router bgp, address-family, [no] network, end.  The
 * driver puts every prefix due in one loop iteration in one such
 * transaction, a network line each, an address-family per family. */
#define DRIVER_FRR_APPLY_COMMANDS	5
/* Longest route-map name we hand to bgpd. */
#define DRIVER_FRR_NAME_MAX		63

/* A prefix as config.c prints it: hex digits, '.', ':' and one '/'. */
bool driver_frr_prefix_ok(const char *prefix);
/* A route-map name bgpd takes as one word: printable ASCII, no space, no quote. */
bool driver_frr_name_ok(const char *name);

/*
 * Renders the apply batch for `prefix` into `buf`: DRIVER_FRR_APPLY_COMMANDS
 * NUL-terminated commands back to back.  ROUTE_ANNOUNCED gives `network P`,
 * ROUTE_DEGRADED `network P route-map RM` (plain `network P` when route_map
 * is NULL), ROUTE_DRAINING `network P route-map RM` (route_map is the drain
 * route-map and must not be NULL), ROUTE_WITHDRAWN `no network P`.  Returns
 * the byte count, or -1 for ROUTE_UNKNOWN, ROUTE_DRAINING without a
 * route-map, a bad family or a buffer that is too small.
 */
/* The delays (ms) armed last: the reconnect timer, and the re-apply after a
 * read-back that disagreed (driver_conn.h; 0 for one sent at once).  Lets
 * tests check the backoffs on what was scheduled, not on the wall clock. */
uint32_t driver_frr_reconnect_delay_ms(const struct driver *d);
uint32_t driver_frr_retry_delay_ms(const struct driver *d);
/* Apply transactions (`configure terminal` ... `end`) written so far: lets
 * tests count what a burst of set_desired() calls cost. */
unsigned driver_frr_transactions(const struct driver *d);

int driver_frr_render_apply(char *buf, size_t size, uint32_t asn, const char *prefix,
			    int family, enum route_state state, const char *route_map);

#endif
