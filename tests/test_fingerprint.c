/*
 * test_fingerprint.c - cmocka tests of fingerprint.c: HMAC-SHA256 against
 * RFC 4231's test vectors, file fingerprints ("absent", "unreadable" and
 * why, files larger than one read), the key file, and the config's
 * canonical form: the same for gateways that differ only in what is their
 * own (node, router, api, endpoints, the order things are written in),
 * different for any change of a service, a probe or a prefix's fleet-wide
 * settings.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config.h"
#include "fleet/fingerprint.h"

/* RFC 4231 section 4: HMAC-SHA-256 of each test case (case 5 truncates). */
static void
fingerprint_test_rfc4231(void **state)
{
	unsigned char k1[20], k3[20], d3[50], k4[25], d4[50], k6[131];
	char out[FINGERPRINT_HEX_LEN + 1];
	static const char d6[] = "Test Using Larger Than Block-Size Key - Hash Key First";
	static const char d7[] = "This is a test using a larger than block-size key and a larger than "
		"block-size data. The key needs to be hashed before being used by the HMAC algorithm.";
	size_t i;

	(void)state;
	memset(k1, 0x0b, sizeof(k1));
	fingerprint_hmac_hex(k1, sizeof(k1), "Hi There", 8, out);
	assert_string_equal(out, "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7");

	fingerprint_hmac_hex((const unsigned char *)"Jefe", 4, "what do ya want for nothing?", 28, out);
	assert_string_equal(out, "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");

	memset(k3, 0xaa, sizeof(k3));
	memset(d3, 0xdd, sizeof(d3));
	fingerprint_hmac_hex(k3, sizeof(k3), d3, sizeof(d3), out);
	assert_string_equal(out, "773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe");

	for (i = 0; i < sizeof(k4); i++)
		k4[i] = (unsigned char)(i + 1);
	memset(d4, 0xcd, sizeof(d4));
	fingerprint_hmac_hex(k4, sizeof(k4), d4, sizeof(d4), out);
	assert_string_equal(out, "82558a389a443c0ea4cc819899f2083a85f0faa3e578f8077a2e3ff46729665b");

	memset(k6, 0xaa, sizeof(k6));
	fingerprint_hmac_hex(k6, sizeof(k6), d6, strlen(d6), out);
	assert_string_equal(out, "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54");
	fingerprint_hmac_hex(k6, sizeof(k6), d7, strlen(d7), out);
	assert_string_equal(out, "9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2");
}

/* A scratch directory per test, removed by the caller with rm_rf(). */
static char *
scratch_dir(void)
{
	char *dir = strdup("/tmp/test_fingerprint.XXXXXX");

	assert_non_null(dir);
	assert_non_null(mkdtemp(dir));
	return dir;
}

static char *
path_in(const char *dir, const char *name)
{
	char *p;

	assert_int_not_equal(asprintf(&p, "%s/%s", dir, name), -1);
	return p;
}

static void
write_file(const char *path, const void *data, size_t len)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	assert_int_equal(fwrite(data, 1, len, f), len);
	assert_int_equal(fclose(f), 0);
}

static void
rm_rf(char *dir)
{
	char *cmd;

	assert_int_not_equal(asprintf(&cmd, "rm -rf '%s'", dir), -1);
	assert_int_equal(system(cmd), 0);
	free(cmd);
	free(dir);
}

/* A file's fingerprint is the HMAC of its bytes, however many reads it takes. */
static void
fingerprint_test_file(void **state)
{
	static const unsigned char key[] = "fleet key\n";
	char *dir = scratch_dir(), *small = path_in(dir, "chap-secrets"), *big = path_in(dir, "big");
	char want[FINGERPRINT_HEX_LEN + 1], got[FINGERPRINT_HEX_LEN + 1], err[256];
	size_t big_len = 200000 + 17, i;
	unsigned char *data = malloc(big_len);

	(void)state;
	assert_non_null(data);
	write_file(small, "user * secret *\n", 16);
	fingerprint_hmac_hex(key, sizeof(key) - 1, "user * secret *\n", 16, want);
	strcpy(err, "stale");
	fingerprint_file(key, sizeof(key) - 1, small, got, err, sizeof(err));
	assert_string_equal(got, want);
	assert_string_equal(err, "");

	for (i = 0; i < big_len; i++)
		data[i] = (unsigned char)(i * 7 + i / 251);
	write_file(big, data, big_len);
	fingerprint_hmac_hex(key, sizeof(key) - 1, data, big_len, want);
	fingerprint_file(key, sizeof(key) - 1, big, got, err, sizeof(err));
	assert_string_equal(got, want);

	/* An empty file is a value like any other, not "absent". */
	write_file(small, "", 0);
	fingerprint_hmac_hex(key, sizeof(key) - 1, "", 0, want);
	fingerprint_file(key, sizeof(key) - 1, small, got, err, sizeof(err));
	assert_string_equal(got, want);
	assert_int_equal(strlen(got), FINGERPRINT_HEX_LEN);

	/* The key matters: another key, another fingerprint. */
	fingerprint_file((const unsigned char *)"other", 5, small, got, err, sizeof(err));
	assert_string_not_equal(got, want);
	free(data);
	free(small);
	free(big);
	rm_rf(dir);
}

/* "absent" without a reason; "unreadable" with one, at once for a FIFO. */
static void
fingerprint_test_file_absent_unreadable(void **state)
{
	char *dir = scratch_dir(), *missing = path_in(dir, "missing"), *fifo = path_in(dir, "fifo");
	char out[FINGERPRINT_HEX_LEN + 1], err[256], *expect;

	(void)state;
	strcpy(err, "stale");
	fingerprint_file((const unsigned char *)"k", 1, missing, out, err, sizeof(err));
	assert_string_equal(out, "absent");
	assert_string_equal(err, "");

	fingerprint_file((const unsigned char *)"k", 1, dir, out, err, sizeof(err));
	assert_string_equal(out, "unreadable");
	assert_int_not_equal(asprintf(&expect, "%s: cannot read: a directory, not a regular file", dir), -1);
	assert_string_equal(err, expect);
	free(expect);

	assert_int_equal(mkfifo(fifo, 0600), 0);
	alarm(10);	/* a FIFO without a writer must not hang the read */
	fingerprint_file((const unsigned char *)"k", 1, fifo, out, err, sizeof(err));
	alarm(0);
	assert_string_equal(out, "unreadable");
	assert_int_not_equal(asprintf(&expect, "%s: cannot read: a FIFO, not a regular file", fifo), -1);
	assert_string_equal(err, expect);
	free(expect);
	free(missing);
	free(fifo);
	rm_rf(dir);
}

static void
fingerprint_test_key_load(void **state)
{
	char *dir = scratch_dir(), *key_path = path_in(dir, "fleet.key"), *expect;
	unsigned char *key = (unsigned char *)"x";
	size_t len = 99;
	char err[256];

	(void)state;
	/* Missing, then empty, then a directory: refused, saying why. */
	assert_int_equal(fingerprint_key_load(key_path, &key, &len, err, sizeof(err)), -1);
	assert_null(key);
	assert_int_equal(len, 0);
	assert_int_not_equal(asprintf(&expect, "%s: cannot read: No such file or directory", key_path), -1);
	assert_string_equal(err, expect);
	free(expect);

	write_file(key_path, "", 0);
	assert_int_equal(fingerprint_key_load(key_path, &key, &len, err, sizeof(err)), -1);
	assert_int_not_equal(asprintf(&expect, "%s: empty: the fleet's key is the file's bytes "
	    "(e.g. head -c 32 /dev/urandom > %s)", key_path, key_path), -1);
	assert_string_equal(err, expect);
	free(expect);

	assert_int_equal(fingerprint_key_load(dir, &key, &len, err, sizeof(err)), -1);
	assert_int_not_equal(asprintf(&expect, "%s: cannot read: a directory, not a regular file", dir), -1);
	assert_string_equal(err, expect);
	free(expect);

	/* The key is the file's bytes, newline and NUL included. */
	write_file(key_path, "k\0y\n", 4);
	assert_int_equal(fingerprint_key_load(key_path, &key, &len, err, sizeof(err)), 0);
	assert_int_equal(len, 4);
	assert_memory_equal(key, "k\0y\n", 4);
	free(key);
	free(key_path);
	rm_rf(dir);
}

/* ---- the config's canonical form ---- */

static const char base_config[] =
	"{ \"anycast-healthd:anycast-healthd\": {"
	" \"router\": { \"bird\": {} },"
	" \"service\": ["
	"  { \"name\": \"pptp\", \"on-drift\": \"degrade\", \"drift-file\": [\"/etc/a\", \"/etc/b\"],"
	"    \"probe\": ["
	"     { \"name\": \"control\", \"pptp-control\": { \"echo\": true } },"
	"     { \"name\": \"pid\", \"process\": { \"pidfile\": \"/run/pptpd.pid\" } },"
	"     { \"name\": \"radius\", \"exec\": { \"command\": [\"/bin/check\", \"-a\", \"-b\"] } } ] },"
	"  { \"name\": \"dns\", \"probe\": [ { \"name\": \"tcp\", \"tcp\": { \"address\": \"192.0.2.53\", \"port\": 53 } } ] } ],"
	" \"prefix\": ["
	"  { \"prefix\": \"192.0.2.1/32\", \"depends-on\": [\"pptp\", \"dns\"], \"bird\": { \"protocol\": \"a4\" },"
	"    \"min-announcers\": 1 },"
	"  { \"prefix\": \"192.0.2.2/32\", \"depends-on\": [\"pptp\"], \"bird\": { \"protocol\": \"b4\" } } ],"
	" \"api\": { \"listen-port\": 9180 },"
	" \"fleet\": { \"name\": \"lab\", \"node\": \"gw1\", \"endpoint\": [\"http://10.0.0.1:2379\"],"
	"   \"fingerprint-file\": [\"/etc/a\", \"/etc/b\", \"/etc/c\"] } } }";

/* `text` with the one occurrence of `from` replaced by `to` (malloc'd). */
static char *
replace_once(const char *text, const char *from, const char *to)
{
	const char *at = strstr(text, from);
	char *out;

	if (at == NULL || strstr(at + 1, from) != NULL)
		fail_msg("\"%s\" is not in the base config exactly once", from);
	assert_int_not_equal(asprintf(&out, "%.*s%s%s", (int)(at - text), text, to, at + strlen(from)), -1);
	return out;
}

/* The config fingerprint of `text`, which must load. */
static void
config_fp(const char *text, char out[FINGERPRINT_HEX_LEN + 1])
{
	char *errors = NULL;
	size_t elen;
	FILE *err = open_memstream(&errors, &elen);
	struct config *cfg;

	assert_non_null(err);
	cfg = config_parse("fp.json", text, strlen(text), err);
	fclose(err);
	if (cfg == NULL)
		fail_msg("config does not load: %s", errors);
	assert_int_equal(fingerprint_config((const unsigned char *)"key", 3, cfg, out), 0);
	assert_int_equal(strlen(out), FINGERPRINT_HEX_LEN);
	config_free(cfg);
	free(errors);
}

/* What legitimately differs per gateway, or only in how it is written. */
static const char *const same_edits[][2] = {
	{ "\"node\": \"gw1\"", "\"node\": \"gw2\"" },
	{ "\"endpoint\": [\"http://10.0.0.1:2379\"]", "\"endpoint\": [\"https://10.9.9.9:2379\", \"http://a:1\"]" },
	{ "\"listen-port\": 9180", "\"listen-port\": 9999" },
	{ "\"router\": { \"bird\": {} }", "\"router\": { \"bird\": { \"control-socket\": \"/run/b.ctl\" } }" },
	{ "\"protocol\": \"a4\"", "\"protocol\": \"other4\"" },
	/* The defaults spelt out. */
	{ "\"min-announcers\": 1 }", "\"drain-time-s\": 30 }" },
	{ "\"echo\": true", "\"echo\": true, \"port\": 1723" },
	/* Order of keyed lists and sets. */
	{ "\"depends-on\": [\"pptp\", \"dns\"]", "\"depends-on\": [\"dns\", \"pptp\"]" },
	{ "\"drift-file\": [\"/etc/a\", \"/etc/b\"]", "\"drift-file\": [\"/etc/b\", \"/etc/a\"]" },
	{ " \"api\": { \"listen-port\": 9180 },", "" },
	{ " \"on-drift\": \"degrade\",", " \"on-drift\": \"degrade\", \"error-is-down\": false," },
};

/* Any change of a service, a probe or a prefix's fleet-wide settings. */
static const char *const different_edits[][2] = {
	{ "\"echo\": true", "\"echo\": false" },
	{ "\"echo\": true", "\"echo\": true, \"port\": 1724" },
	{ "\"echo\": true", "\"echo\": true, \"host-name\": \"gw\"" },
	{ "{ \"name\": \"control\",", "{ \"name\": \"control\", \"interval-ms\": 400," },
	{ "{ \"name\": \"control\",", "{ \"name\": \"control\", \"timeout-ms\": 100," },
	{ "{ \"name\": \"control\",", "{ \"name\": \"control\", \"rise\": 1," },
	{ "{ \"name\": \"control\",", "{ \"name\": \"control\", \"fall\": 5," },
	{ "{ \"name\": \"control\",", "{ \"name\": \"ctl\"," },
	{ "\"pidfile\": \"/run/pptpd.pid\"", "\"pidfile\": \"/run/pptpd2.pid\"" },
	{ "\"pidfile\": \"/run/pptpd.pid\"", "\"pidfile\": \"/run/pptpd.pid\", \"process-name\": \"pptpd\"" },
	{ "[\"/bin/check\", \"-a\", \"-b\"]", "[\"/bin/check\", \"-b\", \"-a\"]" },
	{ "\"port\": 53", "\"port\": 5353" },
	{ "\"on-drift\": \"degrade\"", "\"on-drift\": \"warn\"" },
	{ "\"drift-file\": [\"/etc/a\", \"/etc/b\"]", "\"drift-file\": [\"/etc/a\"]" },
	{ " \"on-drift\": \"degrade\",", " \"on-drift\": \"degrade\", \"error-is-down\": true," },
	{ " \"on-drift\": \"degrade\",", " \"on-drift\": \"degrade\", \"damping\": {}," },
	{ " \"on-drift\": \"degrade\",", " \"on-drift\": \"degrade\", \"interval-ms\": 1000," },
	{ "\"min-announcers\": 1 }", "\"min-announcers\": 2 }" },
	{ "\"min-announcers\": 1 }", "\"min-announcers\": 1, \"drain-time-s\": 60 }" },
	{ "\"depends-on\": [\"pptp\", \"dns\"]", "\"depends-on\": [\"pptp\"]" },
	{ "\"prefix\": \"192.0.2.2/32\"", "\"prefix\": \"192.0.2.3/32\"" },
};

static void
fingerprint_test_config_same(void **state)
{
	char base[FINGERPRINT_HEX_LEN + 1], fp[FINGERPRINT_HEX_LEN + 1], *text;
	size_t i;

	(void)state;
	config_fp(base_config, base);
	for (i = 0; i < sizeof(same_edits) / sizeof(same_edits[0]); i++) {
		text = replace_once(base_config, same_edits[i][0], same_edits[i][1]);
		config_fp(text, fp);
		if (strcmp(fp, base) != 0)
			fail_msg("\"%s\" -> \"%s\" changed the config fingerprint", same_edits[i][0], same_edits[i][1]);
		free(text);
	}
}

static void
fingerprint_test_config_different(void **state)
{
	char base[FINGERPRINT_HEX_LEN + 1], fp[FINGERPRINT_HEX_LEN + 1], *text;
	size_t i;

	(void)state;
	config_fp(base_config, base);
	for (i = 0; i < sizeof(different_edits) / sizeof(different_edits[0]); i++) {
		text = replace_once(base_config, different_edits[i][0], different_edits[i][1]);
		config_fp(text, fp);
		if (strcmp(fp, base) == 0)
			fail_msg("\"%s\" -> \"%s\" left the config fingerprint alone",
			    different_edits[i][0], different_edits[i][1]);
		free(text);
	}
}

/* The order of services, probes and prefixes in the file does not count. */
static void
fingerprint_test_config_list_order(void **state)
{
	static const char a[] =
		"{ \"anycast-healthd:anycast-healthd\": { \"router\": { \"frr\": { \"asn\": 65001 } },"
		" \"service\": ["
		"  { \"name\": \"b\", \"probe\": [ { \"name\": \"p1\", \"process\": { \"pidfile\": \"/run/1\" } },"
		"                               { \"name\": \"p2\", \"process\": { \"pidfile\": \"/run/2\" } } ] },"
		"  { \"name\": \"a\", \"probe\": [ { \"name\": \"p\", \"pptp-control\": {} } ] } ],"
		" \"prefix\": [ { \"prefix\": \"192.0.2.9/32\", \"depends-on\": [\"a\"] },"
		"              { \"prefix\": \"192.0.2.1/32\", \"depends-on\": [\"b\"] } ] } }";
	static const char b[] =
		"{ \"anycast-healthd:anycast-healthd\": { \"router\": { \"bird\": {} },"
		" \"service\": ["
		"  { \"name\": \"a\", \"probe\": [ { \"name\": \"p\", \"pptp-control\": {} } ] },"
		"  { \"name\": \"b\", \"probe\": [ { \"name\": \"p2\", \"process\": { \"pidfile\": \"/run/2\" } },"
		"                               { \"name\": \"p1\", \"process\": { \"pidfile\": \"/run/1\" } } ] } ],"
		" \"prefix\": [ { \"prefix\": \"192.0.2.1/32\", \"depends-on\": [\"b\"], \"bird\": { \"protocol\": \"x\" } },"
		"              { \"prefix\": \"192.0.2.9/32\", \"depends-on\": [\"a\"], \"bird\": { \"protocol\": \"y\" } } ] } }";
	char fa[FINGERPRINT_HEX_LEN + 1], fb[FINGERPRINT_HEX_LEN + 1];

	(void)state;
	config_fp(a, fa);
	config_fp(b, fb);
	assert_string_equal(fa, fb);
}

/* What the canonical form holds, and what it must not. */
static void
fingerprint_test_config_canonical(void **state)
{
	char *errors = NULL, *canon, fp[FINGERPRINT_HEX_LEN + 1];
	size_t elen;
	FILE *err = open_memstream(&errors, &elen);
	struct config *cfg, bare;

	(void)state;
	cfg = config_parse("fp.json", base_config, strlen(base_config), err);
	fclose(err);
	assert_non_null(cfg);
	canon = fingerprint_config_canonical(cfg);
	assert_non_null(canon);
	assert_int_equal(strncmp(canon, "{\"prefix\":[{\"depends-on\":[\"dns\",\"pptp\"],\"drain-time-s\":30,"
	    "\"min-announcers\":1,\"prefix\":\"192.0.2.1/32\"},", 92), 0);
	assert_non_null(strstr(canon, "\"service\":[{\"error-is-down\":false,"));
	assert_non_null(strstr(canon, "\"command\":[\"/bin/check\",\"-a\",\"-b\"]"));
	assert_null(strstr(canon, "gw1"));
	assert_null(strstr(canon, "2379"));
	assert_null(strstr(canon, "router"));
	assert_null(strstr(canon, "9180"));
	assert_null(strstr(canon, "a4"));
	assert_null(strstr(canon, "\\/"));
	fingerprint_hmac_hex((const unsigned char *)"key", 3, canon, strlen(canon), fp);
	free(canon);
	{
		char direct[FINGERPRINT_HEX_LEN + 1];

		assert_int_equal(fingerprint_config((const unsigned char *)"key", 3, cfg, direct), 0);
		assert_string_equal(direct, fp);
	}
	config_free(cfg);
	free(errors);

	/* A config not built by config_parse() has no effective form. */
	memset(&bare, 0, sizeof(bare));
	assert_null(fingerprint_config_canonical(&bare));
	assert_int_equal(fingerprint_config((const unsigned char *)"key", 3, &bare, fp), -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(fingerprint_test_rfc4231),
		cmocka_unit_test(fingerprint_test_file),
		cmocka_unit_test(fingerprint_test_file_absent_unreadable),
		cmocka_unit_test(fingerprint_test_key_load),
		cmocka_unit_test(fingerprint_test_config_same),
		cmocka_unit_test(fingerprint_test_config_different),
		cmocka_unit_test(fingerprint_test_config_list_order),
		cmocka_unit_test(fingerprint_test_config_canonical),
	};

	return cmocka_run_group_tests_name("fingerprint", tests, NULL, NULL);
}
