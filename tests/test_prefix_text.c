/*
 * test_prefix_text.c - the canonical text of a prefix and the lookup of a
 * config prefix by it (prefix_text.c).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>

#include "prefix_text.h"

static void
check(const char *in, const char *want)
{
	char out[PREFIX_TEXT_MAX];
	bool ok = prefix_text_canon(in, strlen(in), out, sizeof(out));

	assert_int_equal(ok, want != NULL);
	assert_string_equal(out, want != NULL ? want : "");
}

static void
prefix_text_test_canon(void **state)
{
	(void)state;
	check("192.0.2.1/32", "192.0.2.1/32");
	check("192.0.2.77/24", "192.0.2.0/24");
	check("10.255.255.255/9", "10.128.0.0/9");
	check("0.0.0.0/0", "0.0.0.0/0");
	check("2001:0DB8:0:0::1/128", "2001:db8::1/128");
	check("2001:db8:a:b:c:d:e:f/64", "2001:db8:a:b::/64");
	check("::ffff:192.0.2.1/128", "::ffff:192.0.2.1/128");
	check("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff/128",
	      "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff/128");
}

static void
prefix_text_test_bad(void **state)
{
	char out[PREFIX_TEXT_MAX];

	(void)state;
	check("", NULL);
	check("192.0.2.1", NULL);
	check("/32", NULL);
	check("192.0.2.1/", NULL);
	check("192.0.2.1/33", NULL);
	check("192.0.2.1/07", NULL);
	check("192.0.2.1/+7", NULL);
	check("192.0.2.1/ 7", NULL);
	check(" 192.0.2.1/7", NULL);
	check("192.0.2.1/32 ", NULL);
	check("192.0.2/24", NULL);
	check("192.0.2.256/32", NULL);
	check("2001:db8::/129", NULL);
	check("2001:db8::g/64", NULL);
	check("1.2.3.4/8/8", NULL);
	check("0000:0000:0000:0000:0000:0000:0000:0000:0/0", NULL);
	/* the bytes given, not the string: a NUL inside is not an end */
	assert_false(prefix_text_canon("192.0.2.1\0/32", 13, out, sizeof(out)));
	assert_false(prefix_text_canon("192.0.2.1/3\0", 12, out, sizeof(out)));
	assert_true(prefix_text_canon("192.0.2.1/32xx", 12, out, sizeof(out)));
	assert_string_equal(out, "192.0.2.1/32");
	/* too small an out is a failure, not a cut */
	assert_false(prefix_text_canon("192.0.2.1/32", 12, out, 12));
	assert_string_equal(out, "");
	assert_true(prefix_text_canon("192.0.2.1/32", 12, out, 13));
}

static void
prefix_text_test_index(void **state)
{
	const char *const prefixes[] = {
		"2001:db8:a::1/128", "192.0.2.1/32", NULL, "not a prefix", "198.51.100.0/24",
	};
	struct prefix_text_index ix;
	size_t i = 99;

	(void)state;
	assert_int_equal(prefix_text_index_build(&ix, prefixes, 5), 0);
	assert_int_equal(ix.n, 3);
	assert_true(prefix_text_index_find(&ix, "192.0.2.1/32", &i));
	assert_int_equal(i, 1);
	assert_true(prefix_text_index_find(&ix, "2001:db8:a::1/128", &i));
	assert_int_equal(i, 0);
	assert_true(prefix_text_index_find(&ix, "198.51.100.0/24", &i));
	assert_int_equal(i, 4);
	i = 99;
	assert_false(prefix_text_index_find(&ix, "192.0.2.2/32", &i));
	assert_false(prefix_text_index_find(&ix, "not a prefix", &i));
	assert_false(prefix_text_index_find(&ix, "", &i));
	assert_int_equal(i, 99);
	prefix_text_index_free(&ix);
	assert_false(prefix_text_index_find(&ix, "192.0.2.1/32", &i));
	assert_int_equal(prefix_text_index_build(&ix, prefixes, 0), 0);
	assert_false(prefix_text_index_find(&ix, "192.0.2.1/32", &i));
	prefix_text_index_free(&ix);
	prefix_text_index_free(&ix);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(prefix_text_test_canon),
		cmocka_unit_test(prefix_text_test_bad),
		cmocka_unit_test(prefix_text_test_index),
	};

	return cmocka_run_group_tests_name("prefix_text", tests, NULL, NULL);
}
