/* The per-thread cache of verified session cookies (session_cache.c). */
#ifndef CLOGIN_SESSION_CACHE_H
#define CLOGIN_SESSION_CACHE_H

#include "internal.h"

/* The session JSON those exact cookie bytes decoded to for the manager of
 * that generation (a new reference, to share: never change it), if still
 * within max_age at now; else NULL. */
json_t *clogin__session_cache_get(uint64_t generation, const char *value, size_t len,
                                  int64_t now, int64_t max_age);
/* Remember a session just decoded from value (signed at timestamp); s then
 * shares its JSON with the cache. */
void clogin__session_cache_put(uint64_t generation, const char *value, size_t len,
                               int64_t timestamp, clogin_session *s);

#endif
