/*
 * test_status_page.c - the status page's Content-Security-Policy
 * (status_page.c) from plain data: the hashes are those any CSP tool gives
 * (`printf 'alert(1)' | openssl dgst -sha256 -binary | base64`), and the
 * page built into the daemon has both blocks to hash.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "status_page.h"

#define CSP_TAIL "; connect-src 'self'; base-uri 'none'; form-action 'none'; " \
		 "frame-ancestors 'none'"

static void
status_page_test_known_hashes(void **state)
{
	char buf[STATUS_PAGE_CSP_MAX];

	(void)state;
	assert_int_equal(status_page_csp("<html><style>p{}</style><p>x</p>"
					 "<script>alert(1)</script><script>other()</script>",
					 buf, sizeof(buf)), 0);
	assert_string_equal(buf, "default-src 'none'; "
			    "script-src 'sha256-bhHHL3z2vDgxUt0W3dWQOrprscmda2Y5pLsLg4GF+pI='; "
			    "style-src 'sha256-gG2yISYereRMiG2lMXrbiUgi0Ubw9p7QCeWcroOvy9Y='" CSP_TAIL);
	/* the text between the tags, newlines included, nothing trimmed */
	assert_int_equal(status_page_csp("<style>\n</style><script>alert(1)</script>", buf,
					 sizeof(buf)), 0);
	assert_non_null(strstr(buf, "style-src 'sha256-AbpHGcgLb+kRsJGnwFEktk7uzpZOCcBY74+YBdrKVGs='"));
}

static void
status_page_test_refusals(void **state)
{
	char buf[STATUS_PAGE_CSP_MAX], small[64];

	(void)state;
	buf[0] = 'x';
	assert_int_equal(status_page_csp("<style>p{}</style><p>no script</p>", buf, sizeof(buf)), -1);
	assert_string_equal(buf, "");
	assert_int_equal(status_page_csp("<script>alert(1)</script>", buf, sizeof(buf)), -1);
	assert_int_equal(status_page_csp("<style>p{}</style><script>alert(1)", buf, sizeof(buf)), -1);
	assert_string_equal(buf, "");
	small[0] = 'x';
	assert_int_equal(status_page_csp("<style>p{}</style><script>alert(1)</script>", small,
					 sizeof(small)), -1);
	assert_string_equal(small, "");
}

/* The page built into the daemon: NUL-terminated at its length, with a
 * policy that fits. */
static void
status_page_test_built_in(void **state)
{
	char buf[STATUS_PAGE_CSP_MAX];

	(void)state;
	assert_int_equal(strlen(status_page_html), status_page_html_len);
	assert_true(strncmp(status_page_html, "<!DOCTYPE html>\n", 16) == 0);
	assert_int_equal(status_page_csp(status_page_html, buf, sizeof(buf)), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(status_page_test_known_hashes),
		cmocka_unit_test(status_page_test_refusals),
		cmocka_unit_test(status_page_test_built_in),
	};

	return cmocka_run_group_tests_name("status_page", tests, NULL, NULL);
}
