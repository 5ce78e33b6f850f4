/* One signer shared by many threads: every thread signs and verifies the
 * same sessions and gets the same bytes as the main thread (the per-thread
 * zlib stream must be invisible), and nothing leaks when threads exit. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "internal.h"

#include <pthread.h>
#include <stdio.h>
#include <string.h>

#define THREADS 4
#define ROUNDS 200
#define T0 1764366000

static clogin_signer *signer;
static char *expected[ROUNDS];

static char *sign_round(int i) {
    clogin_session *s;
    if (clogin_session_new(&s) != CLOGIN_OK)
        return NULL;
    char id[CLOGIN_SESSION_ID_LEN + 1], user[16];
    snprintf(user, sizeof user, "%d", i);
    clogin_session_identifier(CLOGIN_IDENTIFIER_06, "10.0.0.1", user, id);
    clogin_session_set_string(s, "_user_id", user, strlen(user));
    clogin_session_set_string(s, "_id", id, CLOGIN_SESSION_ID_LEN);
    clogin_session_set_bool(s, "_fresh", i % 2);
    char *cookie = NULL;
    clogin_session_cookie_encode(signer, s, T0 + i, &cookie, NULL);
    clogin_session_free(s);
    return cookie;
}

static void *worker(void *arg) {
    (void)arg;
    intptr_t failures = 0;
    for (int i = 0; i < ROUNDS; i++) {
        char *cookie = sign_round(i);
        clogin_session *s = NULL;
        const char *user;
        char want[16];
        snprintf(want, sizeof want, "%d", i);
        if (!cookie || strcmp(cookie, expected[i]) != 0 ||
            clogin_session_cookie_decode(signer, cookie, strlen(cookie), T0 + ROUNDS, &s,
                                         NULL) != CLOGIN_OK ||
            clogin_session_get_string(s, "_user_id", &user, NULL) != CLOGIN_OK ||
            strcmp(user, want) != 0)
            failures++;
        clogin_session_free(s);
        clogin_free(cookie);
    }
    return (void *)failures;
}

static void test_shared_signer_across_threads(void **state) {
    (void)state;
    clogin_signer_options o = {0};
    o.secret_key.data = "thread-secret";
    o.secret_key.len = 13;
    assert_int_equal(clogin_signer_new(&signer, &o), CLOGIN_OK);
    for (int i = 0; i < ROUNDS; i++) {
        expected[i] = sign_round(i);
        assert_non_null(expected[i]);
        assert_int_equal(expected[i][0], '.'); /* compressed: zlib in play */
    }
    pthread_t threads[THREADS];
    for (int t = 0; t < THREADS; t++)
        assert_int_equal(pthread_create(&threads[t], NULL, worker, NULL), 0);
    for (int t = 0; t < THREADS; t++) {
        void *failures;
        assert_int_equal(pthread_join(threads[t], &failures), 0);
        assert_int_equal((intptr_t)failures, 0);
    }
    for (int i = 0; i < ROUNDS; i++)
        clogin_free(expected[i]);
    clogin_signer_free(signer);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_shared_signer_across_threads),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
