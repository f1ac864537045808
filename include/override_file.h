/*
 * override_file.h - the operator's overrides (drain, maintenance) kept on
 * disk, so a gateway the operator took out stays out across a daemon
 * restart, a crash with Restart=on-failure, an upgrade or a reboot.
 *
 * The file (config api/admin-state-file, default
 * /var/lib/anycast-healthd/admin-state.json) is the daemon's own: written
 * whole (temporary file, fsync, rename) after every change, read once at
 * start.  It is JSON, readable by people:
 *
 *   { "version": 1,
 *     "overrides": [
 *       { "prefix": "192.0.2.1/32", "admin": "maintenance", "since": 1763950000.5 },
 *       { "prefix": "198.51.100.1/32", "admin": "drain", "since": 1763950000.5,
 *         "drain_until": 1763950030.5 } ] }
 *
 * Times are wall clock (seconds since the epoch), as in the status JSON; a
 * drain whose end has passed while the daemon was away is a finished drain
 * (withdrawn until resume).
 */
#ifndef AHD_OVERRIDE_FILE_H
#define AHD_OVERRIDE_FILE_H

#include <stddef.h>

#include "policy.h"

#define OVERRIDE_FILE_VERSION 1
#define OVERRIDE_FILE_MAX_BYTES (1024 * 1024)
#define OVERRIDE_PREFIX_MAX 64		/* "ffff:...:ffff/128" is 43 */

struct saved_override {
	char prefix[OVERRIDE_PREFIX_MAX];
	enum admin_state admin;		/* ADMIN_DRAIN or ADMIN_MAINTENANCE */
	double since;			/* wall clock the operator set it */
	double drain_until;		/* ADMIN_DRAIN: wall clock end of the drain */
};

/* The file's text for `n` overrides (entries with ADMIN_NONE are skipped).
 * Never NULL; the caller frees it. */
char *override_file_format(const struct saved_override *v, size_t n);

/*
 * Parse the file's text.  Returns 0 with a malloc'd array in *out (NULL when
 * *n is 0), or -1 with one line in err naming what was wrong, e.g.
 * "overrides[1]/admin: \"paused\" is not drain or maintenance".  Nothing is
 * returned from a file with any error: half of an operator's intent is not
 * applied.
 */
int override_file_parse(const char *text, struct saved_override **out, size_t *n,
			char *err, size_t errlen);

/* Read and parse PATH.  A missing file is no override (0, *n = 0); any other
 * failure is -1 with err ("PATH: ..."). */
int override_file_load(const char *path, struct saved_override **out, size_t *n,
		       char *err, size_t errlen);

/* Write PATH durably and atomically (mode 0640).  0, or -1 with err. */
int override_file_save(const char *path, const struct saved_override *v, size_t n,
		       char *err, size_t errlen);

#endif
