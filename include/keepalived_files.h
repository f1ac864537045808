/*
 * keepalived_files.h - the text of the two files between anycast-healthd and
 * keepalived (docs/keepalived.md): a prefix's track file (one integer, what
 * keepalived's track_file reads) and the instance's state file (the word the
 * notify script writes), and the track value <-> route state mapping.
 *
 * Pure code, no I/O and no logging, so the fuzzer and the unit tests call it
 * with plain bytes; driver_keepalived.c reads and writes the files around it.
 */
#ifndef AHD_KEEPALIVED_FILES_H
#define AHD_KEEPALIVED_FILES_H

#include <stdbool.h>
#include <stddef.h>

#include "config.h"
#include "driver.h"

/* Room for a track file's text: "-2147483648\n" and the NUL. */
#define KEEPALIVED_TRACK_TEXT_MAX 16

/*
 * The integer a track file's `len` bytes hold, into *value: optional blanks
 * (space, tab, CR, LF), an optional sign, 1 to 10 decimal digits within a
 * 32-bit int, optional blanks, nothing else.  An empty file holds 0, as
 * keepalived reads it.  False (and *value untouched) otherwise: no digits
 * after a sign, other bytes (a NUL included), out of range.
 *
 * Stricter than keepalived 2.2.7, which takes strtol(first 127 bytes, base
 * 0): hex and octal, trailing junk ignored, no number at all read as 0, an
 * out-of-range number ignored (the last value kept).  Text the daemon does
 * not write is drift either way, and written again, so what is refused here
 * is only ever read as unknown, never mistaken for one of the states.
 */
bool keepalived_track_parse(const char *text, size_t len, long *value);

/* The file's text for `value`: decimal and a newline, into buf (at least
 * KEEPALIVED_TRACK_TEXT_MAX bytes). */
void keepalived_track_render(long value, char *buf, size_t size);

/* The value a prefix in `st` (announced, degraded, draining or withdrawn)
 * writes under `rc`; -1 for a state that writes nothing (unknown). */
long keepalived_value_for(const struct router_config *rc, enum route_state st);

/* The state a read-back value means under `rc`: 0 announced, the three
 * configured values their states; anything else ROUTE_UNKNOWN. */
enum route_state keepalived_state_for(const struct router_config *rc, long value);

/*
 * The state file's `len` bytes: blanks, one word MASTER, BACKUP, FAULT or
 * STOP in any case, optionally a blank and a priority (digits), blanks.
 * VRRP_UNKNOWN for anything else (empty, another word, a NUL, junk after).
 */
enum vrrp_state keepalived_state_parse(const char *text, size_t len);

#endif
