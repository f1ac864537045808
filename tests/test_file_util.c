/*
 * test_file_util.c - cmocka tests of file_util.c's reads: only regular
 * files, never blocking (a FIFO without a writer, a directory, a device, a
 * socket are refused with their type), bounded size, NUL bytes counted by
 * file_read_regular() and refused by file_read_all(); and a write that
 * replaces whatever sits at PATH.tmp.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "file_util.h"

struct fixture {
	char dir[32];
	char path[64];
};

static int
setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	snprintf(f->dir, sizeof(f->dir), "/tmp/test_file_util.XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	snprintf(f->path, sizeof(f->path), "%s/file", f->dir);
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *f = *state;

	unlink(f->path);
	rmdir(f->path);
	rmdir(f->dir);
	free(f);
	return 0;
}

static void
write_bytes(const char *path, const char *data, size_t len)
{
	FILE *out = fopen(path, "w");

	assert_non_null(out);
	assert_int_equal(fwrite(data, 1, len, out), len);
	assert_int_equal(fclose(out), 0);
}

/* Refused at once (the alarm turns a hang into a failure), with its type. */
static void
assert_refused(const char *path, mode_t type)
{
	mode_t got = 1;

	alarm(10);
	assert_null(file_read_regular(path, 100, NULL, &got));
	alarm(0);
	assert_int_equal(errno, ENODEV);
	assert_int_equal(got, type);
	alarm(10);
	assert_null(file_read_all(path, 100));
	alarm(0);
	assert_int_equal(errno, ENODEV);
}

static void
file_util_test_fifo(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(mkfifo(f->path, 0600), 0);
	assert_refused(f->path, S_IFIFO);
	assert_string_equal(file_type_name(S_IFIFO), "a FIFO");
}

static void
file_util_test_directory_device_socket(void **state)
{
	struct fixture *f = *state;
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	int fd;

	assert_int_equal(mkdir(f->path, 0700), 0);
	assert_refused(f->path, S_IFDIR);
	assert_int_equal(rmdir(f->path), 0);
	assert_refused("/dev/null", S_IFCHR);
	assert_string_equal(file_type_name(S_IFCHR), "a character device");

	fd = socket(AF_UNIX, SOCK_STREAM, 0);
	assert_true(fd >= 0);
	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", f->path);
	assert_int_equal(bind(fd, (struct sockaddr *)&sun, sizeof(sun)), 0);
	assert_refused(f->path, S_IFSOCK);
	assert_string_equal(file_type_name(S_IFSOCK), "a socket");
	close(fd);
}

static void
file_util_test_missing(void **state)
{
	struct fixture *f = *state;
	mode_t type = 1;

	assert_null(file_read_regular(f->path, 100, NULL, &type));
	assert_int_equal(errno, ENOENT);
	assert_int_equal(type, 0);
}

static void
file_util_test_size_limit(void **state)
{
	struct fixture *f = *state;
	size_t len = 0;
	char *buf;

	write_bytes(f->path, "12345", 5);
	buf = file_read_regular(f->path, 5, &len, NULL);
	assert_non_null(buf);
	assert_int_equal(len, 5);
	assert_string_equal(buf, "12345");
	free(buf);
	assert_null(file_read_regular(f->path, 4, &len, NULL));
	assert_int_equal(errno, EFBIG);
	write_bytes(f->path, "", 0);
	buf = file_read_regular(f->path, 0, &len, NULL);
	assert_non_null(buf);
	assert_int_equal(len, 0);
	free(buf);
}

/* A NUL byte is counted by file_read_regular, refused by file_read_all. */
static void
file_util_test_nul(void **state)
{
	struct fixture *f = *state;
	size_t len = 0;
	char *buf;

	write_bytes(f->path, "{}\0x", 4);
	buf = file_read_regular(f->path, 100, &len, NULL);
	assert_non_null(buf);
	assert_int_equal(len, 4);
	assert_memory_equal(buf, "{}\0x", 5);
	free(buf);
	assert_null(file_read_all(f->path, 100));
	assert_int_equal(errno, EINVAL);
}

/* /proc files say size 0: the buffer grows as the read goes, to the limit. */
static void
file_util_test_grows(void **state)
{
	size_t len = 0;
	char *buf;

	(void)state;
	buf = file_read_regular("/proc/self/smaps", 1 << 20, &len, NULL);
	assert_non_null(buf);
	assert_true(len > 3 * 4096);	/* three times the first buffer */
	assert_int_equal(strlen(buf), len);
	free(buf);
	assert_null(file_read_regular("/proc/self/smaps", 4200, &len, NULL));
	assert_int_equal(errno, EFBIG);
}

/* A FIFO left at PATH.tmp is replaced, not written through (that open
 * would block); the write lands whole at PATH. */
static void
file_util_test_write_over_fifo_tmp(void **state)
{
	struct fixture *f = *state;
	char tmp[80];
	char *buf;

	snprintf(tmp, sizeof(tmp), "%s.tmp", f->path);
	assert_int_equal(mkfifo(tmp, 0600), 0);
	assert_int_equal(file_write_atomic(f->path, "define x = 1;\n", 0644, false), 0);
	buf = file_read_all(f->path, 100);
	assert_non_null(buf);
	assert_string_equal(buf, "define x = 1;\n");
	free(buf);
	assert_int_equal(access(tmp, F_OK), -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(file_util_test_fifo, setup, teardown),
		cmocka_unit_test_setup_teardown(file_util_test_directory_device_socket, setup, teardown),
		cmocka_unit_test_setup_teardown(file_util_test_missing, setup, teardown),
		cmocka_unit_test_setup_teardown(file_util_test_size_limit, setup, teardown),
		cmocka_unit_test_setup_teardown(file_util_test_nul, setup, teardown),
		cmocka_unit_test_setup_teardown(file_util_test_grows, setup, teardown),
		cmocka_unit_test_setup_teardown(file_util_test_write_over_fifo_tmp, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
