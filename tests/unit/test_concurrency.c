/* One started manager shared by many threads, as a server uses it. Each
 * thread is one browser of one user and runs thousands of requests: log in
 * (with remember me every other round), visit a protected page with the
 * session cookie, lose the session and come back through the remember
 * cookie, visit again, log out, and check it is anonymous. Every request
 * must see exactly its own user: no state may leak between requests or
 * threads. The loaders hand out fresh user objects that each request
 * releases, so AddressSanitizer sees any user released twice or never.
 *
 * Also meant to run under ThreadSanitizer (-fsanitize=thread): it checks
 * nothing itself that TSan would not see, but gives it every shared path
 * of the core (manager, signer, per-thread zlib streams, callbacks). The
 * callbacks only touch atomic counters (H_THREADED). */
#include "harness.h"

#include <pthread.h>

#define THREADS 8
/* Six requests a round on average: 6000 per thread. CLOGIN_TEST_ROUNDS
 * asks for fewer where every request costs much more (make check-valgrind,
 * whose threads take turns anyway). */
static int rounds(void) {
    const char *env = getenv("CLOGIN_TEST_ROUNDS");
    int n = env ? atoi(env) : 0;
    return n >= 2 ? n / 2 * 2 : 1000; /* even: remember every other round */
}
#define ROUNDS rounds()

typedef struct worker {
    h_app *app;
    const char *user_id;
    const char *name;
    char user_agent[64];
    char remote_addr[32];
    int index;
    long requests;
    long failures;
    char first_failure[256];
} worker;

static void failed(worker *w, int round, const char *what, const char *got) {
    if (w->failures++ == 0)
        snprintf(w->first_failure, sizeof w->first_failure, "thread %d (user %s) round %d: %s (%s)",
                 w->index, w->user_id, round, what, got ? got : "NULL");
}

/* GET a protected page; returns what the user id was (or NULL). */
static int visit(worker *w, h_client *c, int round, const char *expect_id) {
    h_call *call = malloc(sizeof *call);
    if (!call)
        return 0;
    h_open(call, c, "GET", "/protected?round=1", NULL);
    int status = clogin_login_required(call->r);
    const char *id = clogin_current_user_id(call->r);
    const h_user *u = clogin_current_user(call->r);
    int ok = 1;
    if (expect_id) {
        if (status != 0 || !id || strcmp(id, expect_id) != 0 || !u ||
            strcmp(u->name, w->name) != 0) {
            failed(w, round, "protected page: wrong user", id);
            ok = 0;
        }
    } else if (status != 401 || id || u) {
        failed(w, round, "protected page: not anonymous", id);
        ok = 0;
    }
    if (clogin_request_finish(call->r, h_collect, call) != CLOGIN_OK) {
        failed(w, round, "finish failed", NULL);
        ok = 0;
    }
    clogin_request_free(call->r);
    for (size_t i = 0; i < call->resp_n; i++)
        if (strcmp(call->resp[i].name, "Set-Cookie") == 0)
            h_jar_apply(&c->jar, call->resp[i].value, c->now);
    free(call);
    w->requests++;
    return ok;
}

static void *run(void *arg) {
    worker *w = arg;
    h_client *c = malloc(sizeof *c);
    h_call *call = malloc(sizeof *call);
    if (!c || !call) {
        w->failures++;
        free(c);
        free(call);
        return NULL;
    }
    h_client_init(c, w->app);
    c->user_agent = w->user_agent;
    c->remote_addr = w->remote_addr;
    for (int round = 0; round < ROUNDS; round++) {
        int remember = round % 2 == 0;
        c->now = H_NOW + round;

        /* log in */
        h_open(call, c, "POST", "/login", NULL);
        clogin_login_options o = CLOGIN_LOGIN_OPTIONS_INIT;
        o.remember = remember;
        if (clogin_login_user(call->r, h_user_new(w->app, w->user_id), &o) != CLOGIN_OK)
            failed(w, round, "login refused", NULL);
        const char *id = clogin_current_user_id(call->r);
        if (!id || strcmp(id, w->user_id) != 0)
            failed(w, round, "login: wrong user", id);
        if (h_close_status(call) != CLOGIN_OK)
            failed(w, round, "login: finish failed", NULL);
        w->requests++;
        if (!h_jar_get(&c->jar, "session") || (remember && !h_jar_get(&c->jar, "remember_token")))
            failed(w, round, "login: cookies missing", NULL);

        /* the session cookie */
        visit(w, c, round, w->user_id);

        if (remember) {
            /* the browser was closed: the remember cookie brings it back */
            h_delete_session(c);
            visit(w, c, round, w->user_id);
            if (!h_jar_get(&c->jar, "session"))
                failed(w, round, "remember: no session restored", NULL);
            visit(w, c, round, w->user_id);
        }

        /* log out */
        h_open(call, c, "POST", "/logout", NULL);
        if (clogin_logout_user(call->r) != CLOGIN_OK || !clogin_is_anonymous(call->r))
            failed(w, round, "logout failed", NULL);
        if (h_close_status(call) != CLOGIN_OK)
            failed(w, round, "logout: finish failed", NULL);
        w->requests++;
        if (h_jar_get(&c->jar, "remember_token") || h_jar_get(&c->jar, "session"))
            failed(w, round, "logout: cookies kept", NULL);

        visit(w, c, round, NULL);
    }
    free(call);
    free(c);
    return NULL;
}

static void test_threads_see_their_own_user(void **state) {
    (void)state;
    static const char *const ids[THREADS] = {"1", "2", "4", "5", "6", "7", "8", "9"};
    h_app *a = malloc(sizeof *a);
    assert_non_null(a);
    h_app_init(a, H_THREADED | H_REQUEST_LOADER);
    h_set(a, "SESSION_PROTECTION", "strong");
    h_set(a, "LOGIN_DISABLED", "false");
    h_app_start(a);

    worker w[THREADS];
    pthread_t t[THREADS];
    memset(w, 0, sizeof w);
    for (int i = 0; i < THREADS; i++) {
        w[i].app = a;
        w[i].index = i;
        w[i].user_id = ids[i];
        w[i].name = h_user_find(ids[i])->name;
        snprintf(w[i].user_agent, sizeof w[i].user_agent, "Browser/%d", i);
        snprintf(w[i].remote_addr, sizeof w[i].remote_addr, "10.0.0.%d", i + 1);
    }
    for (int i = 0; i < THREADS; i++)
        assert_int_equal(pthread_create(&t[i], NULL, run, &w[i]), 0);
    long requests = 0;
    /* every thread joined before any failure ends the test: none may go on
     * using the app (or the process's OpenSSL) while the next test runs */
    for (int i = 0; i < THREADS; i++)
        assert_int_equal(pthread_join(t[i], NULL), 0);
    for (int i = 0; i < THREADS; i++) {
        if (w[i].failures)
            fail_msg("%ld failures; first: %s", w[i].failures, w[i].first_failure);
        requests += w[i].requests;
    }
    assert_true(requests >= (long)THREADS * ROUNDS * 5);
    /* the signals all arrived (counted atomically) */
    assert_int_equal(h_signal(a, CLOGIN_SIGNAL_USER_LOGGED_IN), THREADS * ROUNDS);
    assert_int_equal(h_signal(a, CLOGIN_SIGNAL_USER_LOGGED_OUT), THREADS * ROUNDS);
    assert_int_equal(h_signal(a, CLOGIN_SIGNAL_USER_LOADED_FROM_COOKIE), THREADS * ROUNDS / 2);
    assert_int_equal(h_signal(a, CLOGIN_SIGNAL_SESSION_PROTECTED), 0);
    assert_int_equal(a->request_loader_calls, THREADS * ROUNDS); /* the anonymous visits */
    h_app_free(a); /* every user released exactly once */
    free(a);
}

/* Several managers at once, each in its own threads: no shared state. */
static void test_two_managers(void **state) {
    (void)state;
    h_app *a = malloc(sizeof *a), *b = malloc(sizeof *b);
    assert_non_null(a);
    assert_non_null(b);
    h_app_init(a, H_THREADED);
    h_app_init(b, H_THREADED);
    h_set(b, "SECRET_KEY", "another-key");
    h_set(b, "SESSION_PROTECTION", "none");
    h_app_start(a);
    h_app_start(b);
    worker w[4];
    pthread_t t[4];
    memset(w, 0, sizeof w);
    for (int i = 0; i < 4; i++) {
        w[i].app = i % 2 ? b : a;
        w[i].index = i;
        w[i].user_id = i < 2 ? "1" : "2";
        w[i].name = h_user_find(w[i].user_id)->name;
        snprintf(w[i].user_agent, sizeof w[i].user_agent, "Browser/%d", i);
        snprintf(w[i].remote_addr, sizeof w[i].remote_addr, "10.0.1.%d", i + 1);
    }
    for (int i = 0; i < 4; i++)
        assert_int_equal(pthread_create(&t[i], NULL, run, &w[i]), 0);
    for (int i = 0; i < 4; i++)
        assert_int_equal(pthread_join(t[i], NULL), 0);
    for (int i = 0; i < 4; i++)
        if (w[i].failures)
            fail_msg("%ld failures; first: %s", w[i].failures, w[i].first_failure);
    assert_int_equal(h_signal(a, CLOGIN_SIGNAL_USER_LOGGED_IN), 2 * ROUNDS);
    assert_int_equal(h_signal(b, CLOGIN_SIGNAL_USER_LOGGED_IN), 2 * ROUNDS);
    h_app_free(a);
    h_app_free(b);
    free(a);
    free(b);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_threads_see_their_own_user),
        cmocka_unit_test(test_two_managers),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
