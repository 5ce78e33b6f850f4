/* UTF-8 decoding with Python's notion of validity: no overlong forms, no
 * surrogates, nothing past U+10FFFF. */
#ifndef CLOGIN_UTF8_H
#define CLOGIN_UTF8_H

#include <stddef.h>
#include <stdint.h>

/* One sequence at s (n > 0 bytes): returns the bytes consumed and sets *ok
 * for a whole valid character (*cp set when cp is not NULL); otherwise the
 * bytes consumed are the maximal invalid subpart, which Python's "replace"
 * error handler turns into one U+FFFD. */
size_t clogin__utf8_next(const unsigned char *s, size_t n, int *ok, uint32_t *cp);
int clogin__utf8_valid(const char *s, size_t len);

#endif
