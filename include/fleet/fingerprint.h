/*
 * fingerprint.h - keyed fingerprints of the files every gateway of a fleet
 * should hold alike (chap-secrets, pptpd's options, pptpd.conf) and of the
 * config's fleet-wide part: HMAC-SHA256 with the fleet's key (OpenSSL's
 * libcrypto).  The store only ever sees these: no content, and nothing
 * from which a password file could be guessed without the key.
 */
#ifndef AHD_FLEET_FINGERPRINT_H
#define AHD_FLEET_FINGERPRINT_H

#include <stddef.h>

#include "config.h"

#define FINGERPRINT_HEX_LEN 64

/* Read the key file (a regular file, bounded, not empty).  Returns 0, or
 * -1 with "KEY-FILE: why" in err.  *key is malloc'd. */
int fingerprint_key_load(const char *path, unsigned char **key, size_t *key_len,
			 char *err, size_t errlen);

/* HMAC-SHA256 of DATA as 64 lower-case hex digits + NUL. */
void fingerprint_hmac_hex(const unsigned char *key, size_t key_len, const void *data,
			  size_t len, char out[FINGERPRINT_HEX_LEN + 1]);

/* The file's fingerprint; "absent" when it does not exist, "unreadable"
 * (and the reason in err) when it cannot be read. */
void fingerprint_file(const unsigned char *key, size_t key_len, const char *path,
		      char out[FINGERPRINT_HEX_LEN + 1], char *err, size_t errlen);

/* The fingerprint of the config's fleet-wide canonical form (services,
 * each prefix's prefix, depends-on, min-announcers, drain-time; not node,
 * router, api or the fleet's endpoints).  0, or -1 when `cfg` was not
 * built by config_parse() (no effective config to take it from). */
int fingerprint_config(const unsigned char *key, size_t key_len, const struct config *cfg,
		       char out[FINGERPRINT_HEX_LEN + 1]);

/* The canonical text fingerprint_config() hashes (malloc'd): compact JSON
 * with sorted keys of the effective config's services and the fleet-wide
 * part of its prefixes.  NULL when `cfg` has no effective config (it was
 * not built by config_parse()). */
char *fingerprint_config_canonical(const struct config *cfg);

#endif
