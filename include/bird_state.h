/*
 * bird_state.h - the text of BIRD's state include file (protocols.md
 * section 1): `define NAME = 0|1;` per static protocol, 0 = enabled.
 *
 * Pure code, no I/O and no logging, so the fuzzer and the unit tests call it
 * with plain bytes; driver_bird.c reads and writes the file around it.
 */
#ifndef AHD_BIRD_STATE_H
#define AHD_BIRD_STATE_H

#include <stddef.h>

/*
 * The value `text` gives `name`: the first line `define NAME = DIGITS;`
 * (blanks allowed around the words, anything after the `;`) decides, 1 when
 * DIGITS is not all zeros, else 0; -1 when no line defines `name` that way
 * (a negative or non-numeric value, a missing `;`, another name that merely
 * starts with `name`).  `text` need not be NUL-terminated; a NUL ends a line
 * like a newline does.
 */
int bird_state_value(const char *text, size_t len, const char *name);

/*
 * The file for `n` defines: a comment header, then `define D = V;` for each
 * defines[i] that is not NULL, V being 1 when values[i] is non-zero, else 0.
 * Returns a malloc'ed string, or NULL when memory ran out.
 */
char *bird_state_render(const char *const *defines, const int *values, size_t n);

#endif
