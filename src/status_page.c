/*
 * status_page.c - the Content-Security-Policy of the status page (see
 * status_page.h).  The page's only script and style are inline, so the policy
 * names them by the base64 SHA-256 of their text, as CSP Level 2 defines
 * script-src/style-src hashes: the browser runs that text and nothing else,
 * not even an inline event handler.  No I/O: api.c computes it once, at
 * start, from the page built into the daemon.
 */
#include <stdio.h>
#include <string.h>

#include <openssl/evp.h>

#include "status_page.h"

#define STATUS_PAGE_HASH_LEN	44	/* base64 of 32 bytes */

/* The base64 SHA-256 of the text between the first <tag> and the </tag>
 * after it; 0 or -1. */
static int
status_page_hash(const char *html, const char *tag, char out[STATUS_PAGE_HASH_LEN + 1])
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int len = 0;
	char open[16], close[16];
	const char *start, *end;

	snprintf(open, sizeof(open), "<%s>", tag);
	snprintf(close, sizeof(close), "</%s>", tag);
	if ((start = strstr(html, open)) == NULL)
		return -1;
	start += strlen(open);
	if ((end = strstr(start, close)) == NULL)
		return -1;
	if (EVP_Digest(start, (size_t)(end - start), md, &len, EVP_sha256(), NULL) != 1 ||
	    len != 32)
		return -1;
	return EVP_EncodeBlock((unsigned char *)out, md, (int)len) == STATUS_PAGE_HASH_LEN ? 0 : -1;
}

int
status_page_csp(const char *html, char *buf, size_t size)
{
	char script[STATUS_PAGE_HASH_LEN + 1], style[STATUS_PAGE_HASH_LEN + 1];
	int n;

	if (size > 0)
		buf[0] = '\0';
	if (status_page_hash(html, "script", script) < 0 ||
	    status_page_hash(html, "style", style) < 0)
		return -1;
	n = snprintf(buf, size, "default-src 'none'; script-src 'sha256-%s'; "
		     "style-src 'sha256-%s'; connect-src 'self'; base-uri 'none'; "
		     "form-action 'none'; frame-ancestors 'none'", script, style);
	if (n < 0 || (size_t)n >= size) {
		if (size > 0)
			buf[0] = '\0';
		return -1;
	}
	return 0;
}
