/*
 * file_util.h - the small file chores of the daemon's own state files (BIRD's
 * state include, the operator's overrides): write whole-or-nothing, read
 * back with a size limit.
 */
#ifndef AHD_FILE_UTIL_H
#define AHD_FILE_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

/*
 * Replace PATH with CONTENT atomically: write PATH.tmp (mode `mode`, whatever
 * the umask), optionally fsync it, rename it over PATH; a reader never sees a
 * half-written file.  Missing parent directories are created (0755).  With
 * `durable`, the data and the rename are also flushed to disk (fsync of the
 * file, then of its directory as far as the file system allows), for state
 * that must survive a power cut.
 * Returns 0, or -1 with errno set (and no PATH.tmp left behind).
 */
int file_write_atomic(const char *path, const char *content, mode_t mode, bool durable);

/*
 * Read all of PATH, NUL-terminated, into a malloc'd buffer.  Returns NULL with
 * errno set: ENOENT and friends from open(), EFBIG when the file is larger
 * than `max` bytes, EINVAL when it holds a NUL byte.
 */
char *file_read_all(const char *path, size_t max);

#endif
