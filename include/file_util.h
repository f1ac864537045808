/*
 * file_util.h - the small file chores of the daemon's own state files (BIRD's
 * state include, the operator's overrides): write whole-or-nothing, read
 * back with a size limit, never blocking on what is not a regular file.
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
 * Read all of PATH, NUL-terminated, into a malloc'd buffer; *lenp (may be
 * NULL) gets its length, which counts any NUL bytes the file holds.  Only a
 * regular file is read, and nothing blocks: PATH is opened O_NONBLOCK and its
 * type taken from fstat of the opened descriptor (a FIFO without a writer
 * would otherwise hang the open, a device or a directory the read).  Returns
 * NULL with errno set: ENOENT and friends from open(), ENODEV when PATH is
 * not a regular file, EFBIG when it is larger than `max` bytes.  *typep (may
 * be NULL) gets the S_IFMT bits of what was found (0 when nothing was), for
 * file_type_name().
 */
char *file_read_regular(const char *path, size_t max, size_t *lenp, mode_t *typep);

/*
 * The open under file_read_regular(), for readers that read their own way
 * (the pidfile, pptpd.conf, /proc files): a read-only, non-blocking,
 * close-on-exec descriptor of a regular file, or -1 with errno (ENODEV: not
 * a regular file; *typep as above).
 */
int file_open_regular(const char *path, mode_t *typep);

/* "a FIFO", "a directory", "a socket"...: what a file of that type is. */
const char *file_type_name(mode_t type);

/*
 * file_read_regular() for text: NULL with errno EINVAL when the file holds a
 * NUL byte (and the same errors otherwise: ENODEV, EFBIG, from open()).
 */
char *file_read_all(const char *path, size_t max);

#endif
