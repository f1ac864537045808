/*
 * driver_bird.h - BIRD 2 specifics beyond driver.h's generic interface.
 *
 * driver_bird_ops (declared in driver.h) is the driver itself.  This header
 * adds what main.c and the tests need on top: the one-shot boot helper and
 * the text rules for what goes to BIRD.
 */
#ifndef AHD_DRIVER_BIRD_H
#define AHD_DRIVER_BIRD_H

#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "driver.h"

/* The longest `why` handed to `disable NAME "why"`. */
#define DRIVER_BIRD_WHY_MAX	100

/*
 * `--init-bird-state`: create cfg->router.state_file with every prefix
 * withdrawn, only if it does not exist yet.  Run before BIRD starts at boot:
 * /run is empty after a reboot and BIRD refuses a config whose include is
 * missing.  An existing file is left alone (it holds the last choice).
 * Returns 0, or -1 with the reason logged.
 */
int driver_bird_write_initial_state(const struct config *cfg);

/*
 * Makes `why` safe inside a BIRD string literal: quotes become ', backslashes
 * /, control characters a space, non-ASCII bytes ?; trailing spaces go and the
 * result is cut at DRIVER_BIRD_WHY_MAX bytes.  `out` must hold
 * DRIVER_BIRD_WHY_MAX + 1 bytes.  NULL gives "".  Returns strlen(out).
 */
size_t driver_bird_sanitize_why(char *out, const char *why);

/*
 * The delay (ms) of the reconnect timer armed last; 0 before the first
 * failure.  Lets tests check the backoff on what was scheduled rather than on
 * the wall clock, which a loaded machine stretches.
 */
uint32_t driver_bird_reconnect_delay_ms(const struct driver *d);
/* The delay (ms) of the re-apply armed last after a read-back that
 * disagreed (driver_conn.h); 0 for one sent at once. */
uint32_t driver_bird_retry_delay_ms(const struct driver *d);
/* How many times the driver wrote the state file, and how many batches of
 * commands it wrote to BIRD (each in one write, its commands pipelined):
 * lets tests count what a burst of set_desired() calls cost. */
void driver_bird_counts(const struct driver *d, unsigned *file_writes, unsigned *batches);

#endif
