/*
 * test_override_file.c - the operator's overrides on disk (override_file.c)
 * and the whole-or-nothing file writes under them (file_util.c).
 *
 * The daemon's side (saved after an admin verb, put back by a restarted
 * daemon, a damaged file restoring nothing) is in test_api.c.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "file_util.h"
#include "override_file.h"

static char dir[64];

static int
setup(void **state)
{
	(void)state;
	snprintf(dir, sizeof(dir), "/tmp/test-override-XXXXXX");
	assert_non_null(mkdtemp(dir));
	return 0;
}

static int
teardown(void **state)
{
	char cmd[128];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	assert_int_equal(system(cmd), 0);
	return 0;
}

static void
write_text(const char *path, const char *text, size_t len)
{
	FILE *fp = fopen(path, "w");

	assert_non_null(fp);
	assert_int_equal(fwrite(text, 1, len, fp), len);
	assert_int_equal(fclose(fp), 0);
}

/* ---- format and parse ---- */

static void
override_test_round_trip(void **state)
{
	const struct saved_override in[] = {
		{ "192.0.2.1/32", ADMIN_MAINTENANCE, 1763950000.25, 0 },
		{ "2001:db8::1/128", ADMIN_DRAIN, 1763950001.5, 1763950031.5 },
		{ "198.51.100.1/32", ADMIN_NONE, 0, 0 },	/* not written */
	};
	struct saved_override *out;
	char err[256];
	char *text;
	size_t n;

	(void)state;
	text = override_file_format(in, 3);
	assert_non_null(strstr(text, "\"version\": 1"));
	assert_null(strstr(text, "198.51.100.1"));
	assert_int_equal(override_file_parse(text, &out, &n, err, sizeof(err)), 0);
	free(text);
	assert_int_equal(n, 2);
	assert_string_equal(out[0].prefix, "192.0.2.1/32");
	assert_int_equal(out[0].admin, ADMIN_MAINTENANCE);
	assert_true(out[0].since == 1763950000.25);
	assert_true(out[0].drain_until == 0);
	assert_string_equal(out[1].prefix, "2001:db8::1/128");
	assert_int_equal(out[1].admin, ADMIN_DRAIN);
	assert_true(out[1].since == 1763950001.5);
	assert_true(out[1].drain_until == 1763950031.5);
	free(out);
}

static void
override_test_empty(void **state)
{
	struct saved_override *out = (void *)&out;
	char err[256];
	char *text;
	size_t n = 99;

	(void)state;
	text = override_file_format(NULL, 0);
	assert_int_equal(override_file_parse(text, &out, &n, err, sizeof(err)), 0);
	assert_int_equal(n, 0);
	assert_null(out);
	free(text);
	/* whole-number times, as a person editing the file would write them */
	assert_int_equal(override_file_parse("{\"version\": 1, \"overrides\": [{\"prefix\": \"p\", "
					     "\"admin\": \"maintenance\", \"since\": 5}]}",
					     &out, &n, err, sizeof(err)), 0);
	assert_int_equal(n, 1);
	assert_true(out[0].since == 5);
	free(out);
}

/* Every way the file can be wrong, with the exact message. */
static void
override_test_errors(void **state)
{
	static const struct {
		const char *text, *error;
	} cases[] = {
		{ "", "not JSON: unexpected end of file at byte 0" },
		{ "{\"version\": 1, ", "not JSON: unexpected end of file at byte 15" },
		{ "{\"version\": 1, \"overrides\": []} x", "not JSON: unexpected character at byte 32" },
		{ "[]", "not a JSON object" },
		{ "{\"overrides\": []}", "version: not 1 (written by another anycast-healthd?)" },
		{ "{\"version\": 2, \"overrides\": []}",
		  "version: not 1 (written by another anycast-healthd?)" },
		{ "{\"version\": \"1\", \"overrides\": []}",
		  "version: not 1 (written by another anycast-healthd?)" },
		{ "{\"version\": 1}", "overrides: missing or not a list" },
		{ "{\"version\": 1, \"overrides\": {}}", "overrides: missing or not a list" },
		{ "{\"version\": 1, \"overrides\": [7]}", "overrides[0]: not an object" },
		{ "{\"version\": 1, \"overrides\": [{\"admin\": \"drain\"}]}",
		  "overrides[0]: missing \"prefix\" string" },
		{ "{\"version\": 1, \"overrides\": [{\"prefix\": \"\", \"admin\": \"drain\"}]}",
		  "overrides[0]/prefix: \"\" is not a prefix" },
		{ "{\"version\": 1, \"overrides\": [{\"prefix\": "
		  "\"0123456789012345678901234567890123456789012345678901234567890123\"}]}",
		  "overrides[0]/prefix: \"0123456789012345678901234567890123456789012345678901234567890123\""
		  " is not a prefix" },
		{ "{\"version\": 1, \"overrides\": [{\"prefix\": \"p\"}]}",
		  "overrides[0]: missing \"admin\" string" },
		{ "{\"version\": 1, \"overrides\": [{\"prefix\": \"p\", \"admin\": \"none\"}]}",
		  "overrides[0]/admin: \"none\" is not drain or maintenance" },
		{ "{\"version\": 1, \"overrides\": [{\"prefix\": \"p\", \"admin\": \"maintenance\"}]}",
		  "overrides[0]: missing \"since\"" },
		{ "{\"version\": 1, \"overrides\": [{\"prefix\": \"p\", \"admin\": \"maintenance\", "
		  "\"since\": \"now\"}]}",
		  "overrides[0]/since: not a number" },
		{ "{\"version\": 1, \"overrides\": [{\"prefix\": \"p\", \"admin\": \"maintenance\", "
		  "\"since\": -1}]}",
		  "overrides[0]/since: not a time" },
		{ "{\"version\": 1, \"overrides\": [{\"prefix\": \"p\", \"admin\": \"drain\", "
		  "\"since\": 1}]}",
		  "overrides[0]: missing \"drain_until\"" },
		{ "{\"version\": 1, \"overrides\": [{\"prefix\": \"p\", \"admin\": \"maintenance\", "
		  "\"since\": 1}, {\"prefix\": \"p\", \"admin\": \"drain\", \"since\": 1, "
		  "\"drain_until\": 2}]}",
		  "overrides[1]/prefix: p is listed twice" },
		{ "{\"version\": 1, \"overrides\": [{\"prefix\": \"p\", \"admin\": \"drain\", "
		  "\"since\": 100, \"drain_until\": 99}]}",
		  "overrides[0]/drain_until: not within a day after since" },
		{ "{\"version\": 1, \"overrides\": [{\"prefix\": \"p\", \"admin\": \"drain\", "
		  "\"since\": 100, \"drain_until\": 1e300}]}",
		  "overrides[0]/drain_until: not within a day after since" },
		{ "{\"version\": 1, \"overrides\": [{\"prefix\": \"p\\u0000q\", \"admin\": \"drain\"}]}",
		  "overrides[0]/prefix: \"p\" is not a prefix" },
		/* strict JSON: what a hand edit might leave behind */
		{ "{\"version\": 1, \"overrides\": [],}", "not JSON: " },
		{ "{\"version\": 1, /* note */ \"overrides\": []}", "not JSON: " },
		/* one object and nothing else: two files run together */
		{ "{\"version\": 1, \"overrides\": []}\n{\"version\": 1, \"overrides\": []}\n",
		  "not JSON: unexpected character at byte 32" },
	};
	struct saved_override *out;
	char err[256];
	size_t i, n;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		out = (void *)&out;
		n = 99;
		err[0] = '\0';
		if (override_file_parse(cases[i].text, &out, &n, err, sizeof(err)) != -1)
			fail_msg("case %zu parsed: %s", i, cases[i].text);
		assert_null(out);
		assert_int_equal(n, 0);
		/* "not JSON: " alone: json-c's own words follow, checked by prefix */
		if (strcmp(cases[i].error, "not JSON: ") == 0 ?
		    strncmp(err, cases[i].error, strlen(cases[i].error)) != 0 :
		    strcmp(err, cases[i].error) != 0)
			fail_msg("case %zu: got \"%s\", want \"%s\"", i, err, cases[i].error);
	}
}

/* ---- load and save ---- */

static void
override_test_load_missing_is_none(void **state)
{
	struct saved_override *out;
	char path[128], err[256];
	size_t n;

	(void)state;
	snprintf(path, sizeof(path), "%s/absent.json", dir);
	assert_int_equal(override_file_load(path, &out, &n, err, sizeof(err)), 0);
	assert_int_equal(n, 0);
	assert_null(out);
}

static void
override_test_load_errors_name_the_file(void **state)
{
	struct saved_override *out;
	char path[128], want[256], err[256];
	size_t n;
	char *big;

	(void)state;
	snprintf(path, sizeof(path), "%s/bad.json", dir);
	write_text(path, "{ broken", 8);
	assert_int_equal(override_file_load(path, &out, &n, err, sizeof(err)), -1);
	snprintf(want, sizeof(want), "%s: not JSON: quoted object property name expected at byte 2", path);
	assert_string_equal(err, want);

	write_text(path, "{\"version\": 1,\0 \"overrides\": []}", 33);
	assert_int_equal(override_file_load(path, &out, &n, err, sizeof(err)), -1);
	snprintf(want, sizeof(want), "%s: holds a NUL byte", path);
	assert_string_equal(err, want);

	big = malloc(OVERRIDE_FILE_MAX_BYTES + 2);
	assert_non_null(big);
	memset(big, ' ', OVERRIDE_FILE_MAX_BYTES + 1);
	write_text(path, big, OVERRIDE_FILE_MAX_BYTES + 1);
	free(big);
	assert_int_equal(override_file_load(path, &out, &n, err, sizeof(err)), -1);
	snprintf(want, sizeof(want), "%s: larger than 1 MiB", path);
	assert_string_equal(err, want);

	/* a directory where the file should be */
	unlink(path);
	assert_int_equal(mkdir(path, 0755), 0);
	assert_int_equal(override_file_load(path, &out, &n, err, sizeof(err)), -1);
	snprintf(want, sizeof(want), "%s: not a regular file", path);
	assert_string_equal(err, want);
	assert_int_equal(rmdir(path), 0);

	/* a FIFO: refused at once, never waiting for a writer */
	assert_int_equal(mkfifo(path, 0600), 0);
	assert_int_equal(override_file_load(path, &out, &n, err, sizeof(err)), -1);
	assert_string_equal(err, want);
	assert_int_equal(unlink(path), 0);
}

static void
override_test_save_then_load(void **state)
{
	const struct saved_override in[] = {
		{ "192.0.2.1/32", ADMIN_DRAIN, 100, 130 },
	};
	struct saved_override *out;
	char path[128], tmp[140], err[256];
	struct stat st;
	size_t n;

	(void)state;
	/* parent directories are made, the temporary file does not stay */
	snprintf(path, sizeof(path), "%s/var/lib/anycast-healthd/admin-state.json", dir);
	assert_int_equal(override_file_save(path, in, 1, err, sizeof(err)), 0);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0640);
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	assert_int_equal(access(tmp, F_OK), -1);
	assert_int_equal(override_file_load(path, &out, &n, err, sizeof(err)), 0);
	assert_int_equal(n, 1);
	assert_int_equal(out[0].admin, ADMIN_DRAIN);
	assert_true(out[0].drain_until == 130);
	free(out);

	/* replaced whole by the next save */
	assert_int_equal(override_file_save(path, NULL, 0, err, sizeof(err)), 0);
	assert_int_equal(override_file_load(path, &out, &n, err, sizeof(err)), 0);
	assert_int_equal(n, 0);
}

static void
override_test_save_error(void **state)
{
	char path[128], file[128], want[256], err[256];

	(void)state;
	/* a regular file where a directory should be: ENOTDIR even for root */
	snprintf(file, sizeof(file), "%s/plain", dir);
	write_text(file, "x", 1);
	snprintf(path, sizeof(path), "%s/plain/admin-state.json", dir);
	assert_int_equal(override_file_save(path, NULL, 0, err, sizeof(err)), -1);
	snprintf(want, sizeof(want), "%s: %s", path, strerror(ENOTDIR));
	assert_string_equal(err, want);
}

/* ---- file_util ---- */

static void
file_test_read_all_limits(void **state)
{
	char path[128];
	char *text;

	(void)state;
	snprintf(path, sizeof(path), "%s/f", dir);
	write_text(path, "12345", 5);
	text = file_read_all(path, 5);
	assert_non_null(text);
	assert_string_equal(text, "12345");
	free(text);
	errno = 0;
	assert_null(file_read_all(path, 4));
	assert_int_equal(errno, EFBIG);
	snprintf(path, sizeof(path), "%s/none", dir);
	assert_null(file_read_all(path, 4));
	assert_int_equal(errno, ENOENT);
}

static void
file_test_write_atomic_mode(void **state)
{
	char path[128];
	struct stat st;
	mode_t old = umask(0077);

	(void)state;
	/* the mode asked for, whatever the umask (BIRD reads the state file) */
	snprintf(path, sizeof(path), "%s/state.conf", dir);
	assert_int_equal(file_write_atomic(path, "define X = 1;\n", 0644, false), 0);
	umask(old);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0644);
	assert_int_equal(st.st_size, 14);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(override_test_round_trip),
		cmocka_unit_test(override_test_empty),
		cmocka_unit_test(override_test_errors),
		cmocka_unit_test_setup_teardown(override_test_load_missing_is_none, setup, teardown),
		cmocka_unit_test_setup_teardown(override_test_load_errors_name_the_file, setup, teardown),
		cmocka_unit_test_setup_teardown(override_test_save_then_load, setup, teardown),
		cmocka_unit_test_setup_teardown(override_test_save_error, setup, teardown),
		cmocka_unit_test_setup_teardown(file_test_read_all_limits, setup, teardown),
		cmocka_unit_test_setup_teardown(file_test_write_atomic_mode, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
