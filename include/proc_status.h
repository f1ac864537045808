/*
 * proc_status.h - the group list of a process, from the text of
 * /proc/PID/status, parsed without I/O (the admin socket's peer check reads
 * the file, this decides; the fuzzer and the unit tests call it directly).
 *
 * The kernel writes one line "Groups:\t4 24 27 \n" (supplementary groups,
 * decimal, space separated; empty when there are none).  A number that does
 * not fit a gid_t matches nothing: it is never cut down to another gid.
 */
#ifndef AHD_PROC_STATUS_H
#define AHD_PROC_STATUS_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

/* Whether the first "Groups:" line of text (len bytes, need not be
 * NUL-terminated) lists gid. */
bool proc_status_in_group(const char *text, size_t len, gid_t gid);

#endif
