/*
 * status_page.h - the status page served at GET / (docs/api.md, "The status
 * page").  Its HTML is src/status_page.html, built into status_page_html.c by
 * Makefile.am; status_page.c derives the Content-Security-Policy that lets
 * exactly the page's inline script and style run.
 */
#ifndef AHD_STATUS_PAGE_H
#define AHD_STATUS_PAGE_H

#include <stddef.h>

/* The page's size bound, checked by the unit test: the page must stay a
 * light read, whatever is added to it. */
#define STATUS_PAGE_MAX		(24 * 1024)
/* Room for the policy: two base64 SHA-256 hashes and the fixed words. */
#define STATUS_PAGE_CSP_MAX	512

/* The page (status_page_html.c, generated): status_page_html_len bytes,
 * NUL-terminated. */
extern const char status_page_html[];
extern const size_t status_page_html_len;

/*
 * The Content-Security-Policy for `html` into buf: nothing allowed by
 * default, the first <script> and <style> block by their SHA-256 hash (so
 * an injected element or event handler would not run), fetches from the
 * page's own origin only.  0, or -1 with buf[0] = '\0' when html has no
 * complete <script>...</script> or <style>...</style>, or buf is too small.
 */
int status_page_csp(const char *html, char *buf, size_t size);

#endif
