/* Internal URL helpers shared with the request code (src/url.c). Every
 * function here reproduces what Werkzeug 2.2 / Flask 2.2 compute for the same
 * HTTP request, byte for byte, so that "next" parameters and login URLs made
 * in C are the ones Flask-Login 0.6 would make. Strings are UTF-8 (Python's
 * str) unless said otherwise; results are malloc'd and NUL-terminated. */
#ifndef CLOGIN_URL_H
#define CLOGIN_URL_H

#include "clogin.h"

#include <stddef.h>

/* Flask's request.url for a request: scheme "http"/"https" (NULL: "http"),
 * host the Host header value (NULL: ""), target the raw request-target
 * ("/a%20b/%C3%A9?x=1&y=%2F"; NULL: "/"). Returns a malloc'd NUL-terminated
 * string (NULL on ENOMEM) equal to what werkzeug 2.2's Request.url gives for
 * the same HTTP request, through the WSGI environ a PEP 3333 server builds:
 * PATH_INFO is the percent-decoded path as latin-1, QUERY_STRING the raw
 * query, HTTP_HOST the raw Host header as latin-1.
 *
 * The request-target is cut at the first '#' and split at the first '?'. An
 * absolute-form target ("http://h/p?q", no leading '/') uses its authority
 * as the host, as Werkzeug's development server does. Where Werkzeug raises
 * (a Host header with unbalanced '[' ']'), the URI form is returned as it
 * stands, without the IRI decoding. */
char *clogin__request_url(const char *scheme, const char *host,
                          const char *target);

/* Flask's request.path and the raw query string for a request-target: the
 * path percent-decoded as UTF-8 (invalid sequences become U+FFFD), leading
 * slashes collapsed to one ("/" + path.lstrip("/")); the query as received,
 * without '?' and without any '#fragment' ("" when there is none). Either
 * out pointer may be NULL. */
clogin_status clogin__split_target(const char *target, char **path,
                                   char **query);

/* request.args.get(name) on a raw query string (len bytes, need not be
 * NUL-terminated): pairs split on '&' (empty pairs skipped, a pair without
 * '=' has the value ""), '+' is a space, %XX escapes decoded, then UTF-8
 * decoded with invalid sequences replaced by U+FFFD, as werkzeug's
 * url_decode does. name is compared with the decoded key byte for byte; the
 * first occurrence wins. *value (to free()) is the decoded value; it may
 * hold NUL bytes (%00), in which case value_len says its real length.
 * CLOGIN_ENOTFOUND when absent. */
clogin_status clogin__query_arg(const char *query, size_t len, const char *name,
                                char **value);
clogin_status clogin__query_arg_len(const char *query, size_t len,
                                    const char *name, char **value,
                                    size_t *value_len);

/* Werkzeug's url_unquote_plus(s) (errors="replace"), the decoding used for
 * query keys and values: '+' to space, %XX decoded, invalid UTF-8 replaced
 * by U+FFFD. *out (to free()) is NUL-terminated; *out_len may be NULL. */
clogin_status clogin__url_unquote_plus(const char *s, size_t len, char **out,
                                       size_t *out_len);

/* Werkzeug's url_quote_plus for one query key or value (UTF-8 bytes):
 * unreserved characters and $!'()*,; kept, space as '+', everything else
 * %XX with upper-case hex. *out to free(). */
clogin_status clogin__url_quote_plus(const char *s, size_t len, char **out);

#endif
