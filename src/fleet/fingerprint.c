/*
 * fingerprint.c - keyed fingerprints (HMAC-SHA256 with the fleet's key) of
 * the files every gateway should hold alike and of the config's fleet-wide
 * part, so fleet_view.c can find the gateway that differs without the store
 * ever seeing a byte of chap-secrets.
 *
 * The config's canonical form is built from the effective config that
 * config_print() gives (libyang's with-defaults=all JSON), not from the C
 * structs: every leaf a later version adds to a service or a probe is then
 * covered without touching this file.  Only what is fleet-wide is kept:
 * the services whole, and of each prefix its prefix, depends-on,
 * min-announcers and drain-time-s (not its router protocols); never the
 * router, api, on-exit or fleet sections, which legitimately differ per
 * gateway.  Objects are printed with sorted keys, lists with set meaning
 * sorted by their key, so the order a file is written in does not count.
 * What is compared is the effective text, defaults filled in: a probe that
 * repeats its service's interval-ms as its own differs from one that
 * inherits it, although both probe alike.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <json-c/json.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/params.h>

#include "fleet/fingerprint.h"
#include "file_util.h"
#include "log.h"

#define FINGERPRINT_KEY_MAX	(64 * 1024)		/* a key is some 32 bytes */
#define FINGERPRINT_FILE_MAX	(64 * 1024 * 1024)	/* chap-secrets of 1M users */
#define FINGERPRINT_SHA256_LEN	32

/* A MAC context keyed for HMAC-SHA256, or NULL (ENOMEM, no provider). */
static EVP_MAC_CTX *
fingerprint_mac_new(const unsigned char *key, size_t key_len)
{
	static const unsigned char empty;
	static char digest[] = "SHA256";
	EVP_MAC *mac = EVP_MAC_fetch(NULL, "HMAC", NULL);
	EVP_MAC_CTX *ctx = mac != NULL ? EVP_MAC_CTX_new(mac) : NULL;
	OSSL_PARAM params[] = {
		OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest, 0),
		OSSL_PARAM_construct_end(),
	};

	EVP_MAC_free(mac);	/* the context holds its own reference */
	/* A NULL key would mean "keep the previous one": pass an empty one. */
	if (ctx != NULL && EVP_MAC_init(ctx, key_len > 0 ? key : &empty, key_len, params) != 1) {
		EVP_MAC_CTX_free(ctx);
		ctx = NULL;
	}
	return ctx;
}

static void
fingerprint_hex(const unsigned char *md, size_t len, char *out)
{
	static const char digits[] = "0123456789abcdef";
	size_t i;

	for (i = 0; i < len; i++) {
		out[2 * i] = digits[md[i] >> 4];
		out[2 * i + 1] = digits[md[i] & 0xf];
	}
	out[2 * len] = '\0';
}

/* Finish `ctx` into `out` (64 hex digits); 0 or -1. */
static int
fingerprint_mac_final(EVP_MAC_CTX *ctx, char out[FINGERPRINT_HEX_LEN + 1])
{
	unsigned char md[FINGERPRINT_SHA256_LEN];
	size_t len = 0;

	if (EVP_MAC_final(ctx, md, &len, sizeof(md)) != 1 || len != sizeof(md))
		return -1;
	fingerprint_hex(md, len, out);
	return 0;
}

void
fingerprint_hmac_hex(const unsigned char *key, size_t key_len, const void *data, size_t len,
		     char out[FINGERPRINT_HEX_LEN + 1])
{
	EVP_MAC_CTX *ctx = fingerprint_mac_new(key, key_len);

	/* Only ENOMEM fails here: an empty string compares unequal to any peer's. */
	out[0] = '\0';
	if (ctx != NULL && EVP_MAC_update(ctx, len > 0 ? data : (const void *)"", len) == 1)
		fingerprint_mac_final(ctx, out);
	EVP_MAC_CTX_free(ctx);
}

/* "PATH: why" of a failed file_read_regular()/file_open_regular(). */
static void
fingerprint_read_error(const char *path, mode_t type, size_t max, char *err, size_t errlen)
{
	if (errno == ENODEV)
		snprintf(err, errlen, "%s: cannot read: %s, not a regular file", path, file_type_name(type));
	else if (errno == EFBIG)
		snprintf(err, errlen, "%s: cannot read: larger than %zu bytes", path, max);
	else
		snprintf(err, errlen, "%s: cannot read: %s", path, strerror(errno));
}

int
fingerprint_key_load(const char *path, unsigned char **key, size_t *key_len, char *err, size_t errlen)
{
	mode_t type = 0;
	size_t len = 0;
	char *text;

	*key = NULL;
	*key_len = 0;
	text = file_read_regular(path, FINGERPRINT_KEY_MAX, &len, &type);
	if (text == NULL) {
		fingerprint_read_error(path, type, FINGERPRINT_KEY_MAX, err, errlen);
		return -1;
	}
	if (len == 0) {
		free(text);
		snprintf(err, errlen, "%s: empty: the fleet's key is the file's bytes "
		    "(e.g. head -c 32 /dev/urandom > %s)", path, path);
		return -1;
	}
	*key = (unsigned char *)text;
	*key_len = len;
	return 0;
}

/* HMAC of an open regular file, read in blocks up to `max` bytes; 0 or -1 (errno). */
static int
fingerprint_fd(EVP_MAC_CTX *ctx, int fd, size_t max)
{
	unsigned char buf[65536];
	size_t total = 0;
	ssize_t n;

	for (;;) {
		n = read(fd, buf, sizeof(buf));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return n;
		total += (size_t)n;
		if (total > max) {
			errno = EFBIG;
			return -1;
		}
		if (EVP_MAC_update(ctx, buf, (size_t)n) != 1) {
			errno = ENOMEM;
			return -1;
		}
	}
}

void
fingerprint_file(const unsigned char *key, size_t key_len, const char *path,
		 char out[FINGERPRINT_HEX_LEN + 1], char *err, size_t errlen)
{
	EVP_MAC_CTX *ctx = NULL;
	mode_t type = 0;
	int fd;

	if (errlen > 0)
		err[0] = '\0';
	fd = file_open_regular(path, &type);
	if (fd < 0 && errno == ENOENT) {
		snprintf(out, FINGERPRINT_HEX_LEN + 1, "absent");
		return;
	}
	if (fd >= 0 && (ctx = fingerprint_mac_new(key, key_len)) == NULL)
		errno = ENOMEM;
	if (fd < 0 || ctx == NULL || fingerprint_fd(ctx, fd, FINGERPRINT_FILE_MAX) < 0 ||
	    fingerprint_mac_final(ctx, out) < 0) {
		fingerprint_read_error(path, type, FINGERPRINT_FILE_MAX, err, errlen);
		snprintf(out, FINGERPRINT_HEX_LEN + 1, "unreadable");
	}
	EVP_MAC_CTX_free(ctx);
	if (fd >= 0)
		close(fd);
}

/* ---- the config's canonical form ---- */

#define FINGERPRINT_JSON_FLAGS	(JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE)

static int
fingerprint_strcmp(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Print `v` with every object's keys in byte order (json-c keeps insertion order). */
static void
fingerprint_emit(FILE *out, struct json_object *v)
{
	size_t n = 0, i;
	const char **keys;

	if (json_object_is_type(v, json_type_array)) {
		fputc('[', out);
		for (i = 0; i < json_object_array_length(v); i++) {
			if (i > 0)
				fputc(',', out);
			fingerprint_emit(out, json_object_array_get_idx(v, i));
		}
		fputc(']', out);
		return;
	}
	if (!json_object_is_type(v, json_type_object)) {
		fputs(json_object_to_json_string_ext(v, FINGERPRINT_JSON_FLAGS), out);
		return;
	}
	keys = xcalloc(json_object_object_length(v) + 1, sizeof(*keys));
	json_object_object_foreach(v, k, val) {
		(void)val;
		keys[n++] = k;
	}
	qsort(keys, n, sizeof(*keys), fingerprint_strcmp);
	fputc('{', out);
	for (i = 0; i < n; i++) {
		struct json_object *name = json_object_new_string(keys[i]);

		fprintf(out, "%s%s:", i > 0 ? "," : "", json_object_to_json_string_ext(name, FINGERPRINT_JSON_FLAGS));
		json_object_put(name);
		fingerprint_emit(out, json_object_object_get(v, keys[i]));
	}
	fputc('}', out);
	free(keys);
}

/* The text of `v`, or of member `member` of object `v`, for sorting. */
static const char *
fingerprint_sort_text(struct json_object *v, const char *member)
{
	struct json_object *m = NULL;

	if (member == NULL)
		return json_object_get_string(v);
	if (!json_object_object_get_ex(v, member, &m))
		return "";
	return json_object_get_string(m);
}

static const char *fingerprint_sort_member;	/* json_object_array_sort has no argument */

static int
fingerprint_entry_cmp(const void *a, const void *b)
{
	const char *x = fingerprint_sort_text(*(struct json_object *const *)a, fingerprint_sort_member);
	const char *y = fingerprint_sort_text(*(struct json_object *const *)b, fingerprint_sort_member);

	return strcmp(x != NULL ? x : "", y != NULL ? y : "");
}

/* Sort array `parent`.`name` (if any) by each entry's `member` (NULL: the entry itself). */
static void
fingerprint_sort(struct json_object *parent, const char *name, const char *member)
{
	struct json_object *a = NULL;

	if (!json_object_object_get_ex(parent, name, &a) || !json_object_is_type(a, json_type_array))
		return;
	fingerprint_sort_member = member;
	json_object_array_sort(a, fingerprint_entry_cmp);
}

/* Lists whose order means nothing (YANG lists keyed by name, sets). */
static void
fingerprint_sort_services(struct json_object *services)
{
	size_t i;

	for (i = 0; i < json_object_array_length(services); i++) {
		struct json_object *s = json_object_array_get_idx(services, i);

		fingerprint_sort(s, "probe", "name");
		fingerprint_sort(s, "drift-file", NULL);
	}
}

/* Of each prefix only what every gateway shares: not its router's protocols. */
static struct json_object *
fingerprint_prefixes(struct json_object *prefixes)
{
	static const char *const shared[] = { "prefix", "depends-on", "min-announcers", "drain-time-s" };
	struct json_object *out = json_object_new_array(), *p, *v;
	size_t i, k;

	for (i = 0; i < json_object_array_length(prefixes); i++) {
		p = json_object_new_object();
		for (k = 0; k < sizeof(shared) / sizeof(shared[0]); k++)
			if (json_object_object_get_ex(json_object_array_get_idx(prefixes, i), shared[k], &v))
				json_object_object_add(p, shared[k], json_object_get(v));
		fingerprint_sort(p, "depends-on", NULL);
		json_object_array_add(out, p);
	}
	return out;
}

/* The effective config (config_print), parsed; NULL when it has none. */
static struct json_object *
fingerprint_effective(const struct config *cfg)
{
	struct json_object *root = NULL;
	char *text = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&text, &len);

	if (out == NULL)
		return NULL;
	if (config_print(cfg, out) < 0)
		len = 0;
	if (fclose(out) == 0 && len > 0)
		root = json_tokener_parse(text);
	free(text);
	return root;
}

char *
fingerprint_config_canonical(const struct config *cfg)
{
	struct json_object *root = fingerprint_effective(cfg), *top, *v, *canon;
	char *text = NULL;
	size_t len = 0;
	FILE *out;

	if (root == NULL || !json_object_object_get_ex(root, "anycast-healthd:anycast-healthd", &top)) {
		json_object_put(root);
		return NULL;
	}
	canon = json_object_new_object();
	fingerprint_sort(top, "service", "name");
	if (json_object_object_get_ex(top, "service", &v)) {
		fingerprint_sort_services(v);
		json_object_object_add(canon, "service", json_object_get(v));
	}
	if (json_object_object_get_ex(top, "prefix", &v)) {
		v = fingerprint_prefixes(v);
		json_object_object_add(canon, "prefix", v);
		fingerprint_sort(canon, "prefix", "prefix");
	}
	if ((out = open_memstream(&text, &len)) != NULL) {
		fingerprint_emit(out, canon);
		if (fclose(out) != 0) {
			free(text);
			text = NULL;
		}
	}
	json_object_put(canon);
	json_object_put(root);
	return text;
}

int
fingerprint_config(const unsigned char *key, size_t key_len, const struct config *cfg,
		   char out[FINGERPRINT_HEX_LEN + 1])
{
	char *canon = fingerprint_config_canonical(cfg);

	if (canon == NULL)
		return -1;
	fingerprint_hmac_hex(key, key_len, canon, strlen(canon), out);
	free(canon);
	return out[0] != '\0' ? 0 : -1;
}
