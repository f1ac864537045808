/*
 * driver_bird_sets.h - the BIRD driver of the prefix-sets pattern
 * (driver_bird_sets.c; router/bird/pattern "prefix-sets", docs/bird.md).
 * driver.c picks driver_bird_sets_ops when the pattern says so.
 */
#ifndef AHD_DRIVER_BIRD_SETS_H
#define AHD_DRIVER_BIRD_SETS_H

#include "config.h"
#include "driver.h"

extern const struct driver_ops driver_bird_sets_ops;

/* --init-bird-state for this pattern: the sets with every prefix withdrawn,
 * unless the file exists.  0, or -1 (logged) when it cannot be written. */
int driver_bird_sets_write_initial_state(const struct config *cfg);

/* For the tests: state-file writes and `configure`s sent. */
void driver_bird_sets_counts(const struct driver *d, unsigned *file_writes,
			     unsigned *configures);

#endif
