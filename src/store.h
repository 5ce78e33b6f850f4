/* The built-in session stores behind clogin_store_open(). Each constructor
 * fills out->ops and out->self, or returns an error with a sentence in err
 * (CLOGIN_STORE_ERRLEN bytes). */
#ifndef CLOGIN_STORE_H
#define CLOGIN_STORE_H

#include "clogin.h"

/* One process, bounded: the least recently used record goes first once
 * max_entries are stored. */
clogin_status clogin__store_memory_open(size_t max_entries, clogin_store *out,
                                        char *err);
/* A database file shared by the processes of one host (WAL); busy locks
 * are waited for up to timeout_ms, then CLOGIN_EUNAVAILABLE. */
clogin_status clogin__store_sqlite_open(const char *path, int timeout_ms,
                                        clogin_store *out, char *err);
/* A Redis server, reached by pooled connections with timeout_ms for
 * connecting and for every reply; spec as in clogin_store_open(). */
clogin_status clogin__store_redis_open(const char *url, int timeout_ms,
                                       clogin_store *out, char *err);

#endif
