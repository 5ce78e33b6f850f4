/* Sessions in a server-side store (CTest runs this file with each store
 * through with-store.sh; alone it runs with cookie sessions, where the
 * store tests skip): fixation, revocation, logout everywhere, listing,
 * timeouts, remember token rotation, a store that stops answering; and,
 * with or without a store, the session auth hash and disabled accounts. */
#include "harness.h"

#include <stdatomic.h>

#define NEEDS_STORE()                                                          \
    do {                                                                       \
        if (!h_stored())                                                       \
            skip();                                                            \
    } while (0)

/* The id part of the session cookie the jar holds ("" when none). */
static const char *jar_sid(h_client *c, char out[CLOGIN__TAG_LEN + 1]) {
    const char *v = h_jar_get(&c->jar, "session");
    out[0] = '\0';
    if (v && strlen(v) == CLOGIN__TOKEN_LEN) {
        memcpy(out, v, CLOGIN__TAG_LEN);
        out[CLOGIN__TAG_LEN] = '\0';
    }
    return out;
}

static void ignore(void *ctx, const char *id, const clogin_store_record *rec) {
    (void)ctx;
    (void)id;
    (void)rec;
}

static clogin_status store_load(h_app *a, const char *id, int64_t now) {
    const clogin_store *s = clogin_manager_store(a->m);
    return s->ops->load(s->self, id, now, ignore, NULL);
}

static void count_record(void *ctx, const char *id, const clogin_store_record *rec) {
    (void)id;
    int *n = ctx;
    n[rec->kind]++;
}

/* How many sessions [0] and remember tokens [1] a user has. */
static void user_records(h_app *a, const char *user, int64_t now, int n[2]) {
    const clogin_store *s = clogin_manager_store(a->m);
    n[0] = n[1] = 0;
    assert_int_equal(s->ops->list_user(s->self, user, now, count_record, n), CLOGIN_OK);
}

/* sqlite and redis outlive one test (with-store.sh gives one per run):
 * start each test that counts a user's records from none. */
static void forget_users(h_app *a) {
    if (!h_stored())
        return;
    assert_int_equal(clogin_manager_end_user_sessions(a->m, "1", NULL), CLOGIN_OK);
    assert_int_equal(clogin_manager_end_user_sessions(a->m, "2", NULL), CLOGIN_OK);
}

/* ---- fixation and revocation ---- */

static void test_login_gets_new_session_id(void **state) {
    (void)state;
    NEEDS_STORE();
    h_app a;
    h_client c;
    h_setup(&a, &c);
    /* an attacker plants a session id before the victim logs in */
    h_session_put(&c, "{\"planted\":true}");
    char before[CLOGIN__TAG_LEN + 1], after[CLOGIN__TAG_LEN + 1];
    jar_sid(&c, before);
    assert_int_equal(store_load(&a, before, c.now), CLOGIN_OK);
    assert_int_equal(h_get_login(&c, "1"), CLOGIN_OK);
    jar_sid(&c, after);
    assert_int_equal(strlen(after), CLOGIN__TAG_LEN);
    assert_string_not_equal(before, after);
    /* the planted id is gone, its data went along with the new id */
    assert_int_equal(store_load(&a, before, c.now), CLOGIN_ENOTFOUND);
    assert_true(h_session_has(&c, "planted"));
    char buf[64];
    assert_string_equal(h_session_str(&c, "_user_id", buf, sizeof buf), "1");
    /* the attacker's copy of the old cookie logs nobody in */
    h_client attacker;
    h_client_init(&attacker, &a);
    char token[CLOGIN__TOKEN_LEN + 1];
    assert_int_equal(clogin__token_of(&a.m->sid_keys, before, token), CLOGIN_OK);
    h_jar_set(&attacker.jar, "session", token);
    assert_string_equal(h_get_username(&attacker), "Anonymous");
    assert_string_equal(h_get_username(&c), "Notch");
    /* confirm_login rotates too */
    h_get_confirm(&c);
    char confirmed[CLOGIN__TAG_LEN + 1];
    jar_sid(&c, confirmed);
    assert_string_not_equal(confirmed, after);
    assert_int_equal(store_load(&a, after, c.now), CLOGIN_ENOTFOUND);
    assert_string_equal(h_get_username(&c), "Notch");
    h_app_free(&a);
}

static void test_logout_deletes_stored_session(void **state) {
    (void)state;
    NEEDS_STORE();
    h_app a;
    h_client c;
    h_setup(&a, &c);
    assert_int_equal(h_get_login(&c, "1"), CLOGIN_OK);
    h_jar stolen = c.jar; /* a copy of the browser's cookies */
    char sid[CLOGIN__TAG_LEN + 1];
    jar_sid(&c, sid);
    h_get_logout(&c);
    assert_int_equal(store_load(&a, sid, c.now), CLOGIN_ENOTFOUND);
    assert_string_equal(h_get_username(&c), "Anonymous");
    /* unlike a signed cookie, the copy died with the logout */
    c.jar = stolen;
    assert_string_equal(h_get_username(&c), "Anonymous");
    h_app_free(&a);
}

static void test_forged_session_id(void **state) {
    (void)state;
    NEEDS_STORE();
    h_app a;
    h_client c;
    h_setup(&a, &c);
    assert_int_equal(h_get_login(&c, "1"), CLOGIN_OK);
    char forged[CLOGIN__TOKEN_LEN + 1];
    strcpy(forged, h_jar_get(&c.jar, "session"));
    forged[CLOGIN__TOKEN_LEN - 1] = forged[CLOGIN__TOKEN_LEN - 1] == 'A' ? 'B' : 'A';
    h_jar_set(&c.jar, "session", forged);
    assert_string_equal(h_get_username(&c), "Anonymous");
    assert_string_equal(a.last_log[CLOGIN_LOG_DEBUG], "session id refused: CLOGIN_EBADSIG");
    /* a Flask cookie means nothing to a store */
    h_jar_set(&c.jar, "session", "eyJfdXNlcl9pZCI6IjEifQ.ZVPxAA.abc");
    assert_string_equal(h_get_username(&c), "Anonymous");
    h_app_free(&a);
}

/* ---- a user's sessions ---- */

typedef struct listing {
    int n;
    clogin_session_info info[8];
    char addr[8][64], ua[8][128];
} listing;

static void take_info(void *ctx, const clogin_session_info *info) {
    listing *l = ctx;
    assert_true(l->n < 8);
    l->info[l->n] = *info;
    snprintf(l->addr[l->n], sizeof l->addr[0], "%s", info->remote_addr);
    snprintf(l->ua[l->n], sizeof l->ua[0], "%s", info->user_agent);
    l->n++;
}

static void list_as(h_client *c, listing *l) {
    memset(l, 0, sizeof *l);
    h_call call;
    h_open(&call, c, "GET", "/sessions", NULL);
    assert_int_equal(clogin_list_sessions(call.r, take_info, l), CLOGIN_OK);
    h_close(&call);
}

static void test_list_and_end_sessions(void **state) {
    (void)state;
    h_app a;
    h_client laptop, phone;
    h_setup(&a, &laptop);
    h_client_init(&phone, &a);
    if (!h_stored()) { /* cookie sessions cannot be listed */
        h_call call;
        h_open(&call, &laptop, "GET", "/sessions", NULL);
        assert_int_equal(clogin_list_sessions(call.r, take_info, NULL), CLOGIN_ESTATE);
        assert_int_equal(clogin_logout_other_sessions(call.r), CLOGIN_ESTATE);
        h_close(&call);
        h_app_free(&a);
        return;
    }
    forget_users(&a);
    phone.remote_addr = "198.51.100.20";
    phone.user_agent = "Phone/1.0";
    assert_int_equal(h_get_login(&laptop, "1"), CLOGIN_OK);
    phone.now += 100;
    assert_int_equal(h_get_login(&phone, "1"), CLOGIN_OK);
    listing l;
    list_as(&laptop, &l);
    assert_int_equal(l.n, 2);
    /* oldest first, this one marked */
    assert_true(l.info[0].current);
    assert_false(l.info[1].current);
    assert_int_equal(l.info[0].created, H_NOW);
    assert_int_equal(l.info[1].created, H_NOW + 100);
    assert_string_equal(l.addr[0], H_ADDR);
    assert_string_equal(l.ua[0], H_UA);
    assert_string_equal(l.addr[1], "198.51.100.20");
    assert_string_equal(l.ua[1], "Phone/1.0");
    assert_int_equal(strlen(l.info[1].handle), 16);
    /* a handle is not the id, which would be a login */
    char sid[CLOGIN__TAG_LEN + 1];
    assert_null(strstr(jar_sid(&phone, sid), l.info[1].handle));
    /* anonymous users have no sessions to list */
    h_client stranger;
    h_client_init(&stranger, &a);
    h_call call;
    h_open(&call, &stranger, "GET", "/sessions", NULL);
    assert_int_equal(clogin_list_sessions(call.r, take_info, &l), CLOGIN_ESTATE);
    h_close(&call);
    /* the laptop ends the phone's session */
    h_open(&call, &laptop, "POST", "/sessions/end", NULL);
    assert_int_equal(clogin_end_session(call.r, l.info[1].handle), CLOGIN_OK);
    assert_int_equal(clogin_end_session(call.r, "0000000000000000"), CLOGIN_ENOTFOUND);
    h_close(&call);
    assert_string_equal(h_get_username(&phone), "Anonymous");
    assert_string_equal(h_get_username(&laptop), "Notch");
    list_as(&laptop, &l);
    assert_int_equal(l.n, 1);
    h_app_free(&a);
}

/* Ending a session ends its browser's remember token too; ending this
 * browser's own is a logout that later changes cannot undo. */
static void test_end_session_with_remember(void **state) {
    (void)state;
    NEEDS_STORE();
    h_app a;
    h_client laptop, phone;
    h_setup(&a, &laptop);
    h_client_init(&phone, &a);
    forget_users(&a);
    phone.user_agent = "Phone/1.0";
    assert_int_equal(h_get_login(&laptop, "1"), CLOGIN_OK);
    phone.now += 10;
    assert_int_equal(h_get_login_remember(&phone, "1"), CLOGIN_OK);
    listing l;
    list_as(&laptop, &l);
    assert_int_equal(l.n, 2);
    h_call call;
    h_open(&call, &laptop, "POST", "/sessions/end", NULL);
    assert_int_equal(clogin_end_session(call.r, l.info[1].handle), CLOGIN_OK);
    h_close(&call);
    assert_string_equal(h_get_username(&phone), "Anonymous");
    h_delete_session(&phone); /* the remember cookie does not bring it back */
    assert_string_equal(h_get_username(&phone), "Anonymous");
    int n[2];
    user_records(&a, "1", laptop.now, n);
    assert_int_equal(n[1], 0);

    h_jar copy = laptop.jar;
    h_open(&call, &laptop, "POST", "/sessions/end", NULL);
    assert_int_equal(clogin_end_session(call.r, l.info[0].handle), CLOGIN_OK);
    assert_true(clogin_is_anonymous(call.r));
    assert_int_equal(clogin_flash(call.r, "You ended this session.", NULL), CLOGIN_OK);
    h_close(&call);
    assert_string_equal(h_get_username(&laptop), "Anonymous");
    laptop.jar = copy;
    assert_string_equal(h_get_username(&laptop), "Anonymous");
    h_app_free(&a);
}

static void test_logout_everywhere_else(void **state) {
    (void)state;
    NEEDS_STORE();
    h_app a;
    h_client here, there, remembered;
    h_setup(&a, &here);
    h_client_init(&there, &a);
    h_client_init(&remembered, &a);
    h_client other_user;
    h_client_init(&other_user, &a);
    forget_users(&a);
    assert_int_equal(h_get_login_remember(&here, "1"), CLOGIN_OK);
    assert_int_equal(h_get_login(&there, "1"), CLOGIN_OK);
    assert_int_equal(h_get_login_remember(&remembered, "1"), CLOGIN_OK);
    assert_int_equal(h_get_login(&other_user, "2"), CLOGIN_OK);
    int n[2];
    user_records(&a, "1", here.now, n);
    assert_int_equal(n[0], 3);
    assert_int_equal(n[1], 2);
    h_call call;
    h_open(&call, &here, "POST", "/logout-others", NULL);
    assert_int_equal(clogin_logout_other_sessions(call.r), CLOGIN_OK);
    h_close(&call);
    user_records(&a, "1", here.now, n);
    assert_int_equal(n[0], 1);
    assert_int_equal(n[1], 1); /* this browser's remember token stays */
    assert_string_equal(h_get_username(&there), "Anonymous");
    /* the other browser's remember cookie died too */
    h_delete_session(&remembered);
    assert_string_equal(h_get_username(&remembered), "Anonymous");
    assert_string_equal(h_get_username(&other_user), "Steve");
    /* and this one still comes back after the browser closes */
    h_delete_session(&here);
    assert_string_equal(h_get_username(&here), "Notch");
    /* an administrator ends everything */
    size_t removed = 0;
    assert_int_equal(clogin_manager_end_user_sessions(a.m, "1", &removed), CLOGIN_OK);
    /* the closed browser's session, the restored one, the rotated token and
     * the one it replaced (still in its grace period) */
    assert_int_equal(removed, 4);
    assert_string_equal(h_get_username(&here), "Anonymous");
    h_delete_session(&here);
    assert_string_equal(h_get_username(&here), "Anonymous");
    h_app_free(&a);
}

/* ---- timeouts ---- */

static void timeout_app(h_app *a, const char *idle, const char *absolute) {
    h_app_init(a, 0);
    h_set(a, "SESSION_IDLE_TIMEOUT", idle);
    h_set(a, "SESSION_ABSOLUTE_TIMEOUT", absolute);
    h_set(a, "SESSION_TOUCH_INTERVAL", "60");
    h_app_start(a);
}

static void test_idle_timeout(void **state) {
    (void)state;
    h_app a;
    if (!h_stored()) { /* timeouts need the store's records */
        h_app_init(&a, 0);
        h_set(&a, "SESSION_IDLE_TIMEOUT", "600");
        assert_int_equal(clogin_manager_start(a.m), CLOGIN_ECONFIG);
        assert_non_null(strstr(clogin_manager_error(a.m), "need a server-side SESSION_STORE"));
        h_app_free(&a);
        return;
    }
    timeout_app(&a, "600", "0");
    h_client c;
    h_client_init(&c, &a);
    assert_int_equal(h_get_login(&c, "1"), CLOGIN_OK);
    for (int i = 0; i < 12; i++) { /* an hour of use every 5 minutes */
        c.now += 300;
        assert_string_equal(h_get_username(&c), "Notch");
    }
    c.now += 600; /* then 10 minutes away */
    assert_string_equal(h_get_username(&c), "Anonymous");
    h_app_free(&a);
}

static void test_absolute_timeout(void **state) {
    (void)state;
    NEEDS_STORE();
    h_app a;
    timeout_app(&a, "0", "3600");
    h_client c;
    h_client_init(&c, &a);
    assert_int_equal(h_get_login(&c, "1"), CLOGIN_OK);
    for (int i = 0; i < 11; i++) {
        c.now += 300;
        assert_string_equal(h_get_username(&c), "Notch");
    }
    c.now += 299;
    assert_string_equal(h_get_username(&c), "Notch");
    c.now += 1; /* 3600 s after the login, however busy */
    assert_string_equal(h_get_username(&c), "Anonymous");
    /* a new login starts a new clock */
    assert_int_equal(h_get_login(&c, "1"), CLOGIN_OK);
    c.now += 1800;
    assert_string_equal(h_get_username(&c), "Notch");
    h_app_free(&a);
}

static void last_seen_of(void *ctx, const char *id, const clogin_store_record *rec) {
    (void)id;
    *(int64_t *)ctx = rec->last_seen;
}

static void test_touch_interval(void **state) {
    (void)state;
    NEEDS_STORE();
    h_app a;
    timeout_app(&a, "600", "0");
    h_client c;
    h_client_init(&c, &a);
    assert_int_equal(h_get_login(&c, "1"), CLOGIN_OK);
    const clogin_store *s = clogin_manager_store(a.m);
    char sid[CLOGIN__TAG_LEN + 1];
    jar_sid(&c, sid);
    int64_t seen = 0;
    for (int i = 1; i <= 59; i++) { /* reads within the interval do not write */
        c.now = H_NOW + i;
        assert_string_equal(h_get_username(&c), "Notch");
    }
    assert_int_equal(s->ops->load(s->self, sid, c.now, last_seen_of, &seen), CLOGIN_OK);
    assert_int_equal(seen, H_NOW);
    c.now = H_NOW + 60;
    assert_string_equal(h_get_username(&c), "Notch");
    assert_int_equal(s->ops->load(s->self, sid, c.now, last_seen_of, &seen), CLOGIN_OK);
    assert_int_equal(seen, H_NOW + 60);
    /* the cookie did not change: the id is the same */
    char now_sid[CLOGIN__TAG_LEN + 1];
    assert_string_equal(jar_sid(&c, now_sid), sid);
    h_app_free(&a);
}

/* ---- remember tokens ---- */

static void test_remember_token_rotates(void **state) {
    (void)state;
    NEEDS_STORE();
    h_app a;
    h_client c;
    h_setup(&a, &c);
    forget_users(&a);
    assert_int_equal(h_get_login_remember(&c, "1"), CLOGIN_OK);
    char first[CLOGIN__TOKEN_LEN + 1];
    strcpy(first, h_jar_get(&c.jar, "remember_token"));
    int64_t expires = h_jar_find(&c.jar, "remember_token")->expires;
    assert_int_equal(expires, H_NOW + 365 * H_DAY);
    h_delete_session(&c);
    c.now += 3600;
    assert_string_equal(h_get_username(&c), "Notch");
    /* used once, replaced by a new token with the same expiry */
    const char *second = h_jar_get(&c.jar, "remember_token");
    assert_non_null(second);
    assert_string_not_equal(second, first);
    assert_int_equal(h_jar_find(&c.jar, "remember_token")->expires, expires);
    int n[2];
    user_records(&a, "1", c.now, n);
    assert_int_equal(n[1], 2); /* the old one, in its grace period */
    /* a parallel request with the old token still logs in ... */
    h_client racer;
    h_client_init(&racer, &a);
    racer.now = c.now + 30;
    h_jar_set(&racer.jar, "remember_token", first);
    assert_string_equal(h_get_username(&racer), "Notch");
    /* ... but not after the grace: a copy stolen earlier is useless */
    h_client thief;
    h_client_init(&thief, &a);
    thief.now = c.now + 61;
    h_jar_set(&thief.jar, "remember_token", first);
    assert_string_equal(h_get_username(&thief), "Anonymous");
    /* logging out forgets the token the browser holds */
    h_get_logout(&c);
    assert_null(h_jar_get(&c.jar, "remember_token"));
    user_records(&a, "1", c.now, n);
    /* the closed browser's session lives until it expires; the racer's */
    assert_int_equal(n[0], 2);
    h_app_free(&a);
}

static void test_remember_refresh_each_request(void **state) {
    (void)state;
    NEEDS_STORE();
    h_app a;
    h_app_init(&a, 0);
    h_set(&a, "REMEMBER_COOKIE_REFRESH_EACH_REQUEST", "true");
    h_app_start(&a);
    h_client c;
    h_client_init(&c, &a);
    assert_int_equal(h_get_login_remember(&c, "1"), CLOGIN_OK);
    char first[CLOGIN__TOKEN_LEN + 1];
    strcpy(first, h_jar_get(&c.jar, "remember_token"));
    /* logged in by the session: the same token, its expiry pushed back */
    c.now += 100;
    assert_string_equal(h_get_username(&c), "Notch");
    assert_string_equal(h_jar_get(&c.jar, "remember_token"), first);
    assert_int_equal(h_jar_find(&c.jar, "remember_token")->expires, c.now + 365 * H_DAY);
    /* restoring the login still uses the token up */
    h_delete_session(&c);
    c.now += 100;
    assert_string_equal(h_get_username(&c), "Notch");
    assert_string_not_equal(h_jar_get(&c.jar, "remember_token"), first);
    h_client thief;
    h_client_init(&thief, &a);
    thief.now = c.now + 61;
    h_jar_set(&thief.jar, "remember_token", first);
    assert_string_equal(h_get_username(&thief), "Anonymous");
    h_app_free(&a);
}

/* ---- a store that stops answering ---- */

typedef struct flaky {
    clogin_store inner;
    atomic_int down;
} flaky;

#define FLAKY(self) ((flaky *)(self))
#define DOWN(self)                                                             \
    do {                                                                       \
        if (atomic_load(&FLAKY(self)->down))                                   \
            return CLOGIN_EUNAVAILABLE;                                        \
    } while (0)

static clogin_status f_load(void *self, const char *id, int64_t now, clogin_store_record_fn fn,
                            void *ctx) {
    DOWN(self);
    return FLAKY(self)->inner.ops->load(FLAKY(self)->inner.self, id, now, fn, ctx);
}
static clogin_status f_save(void *self, const char *id, const clogin_store_record *rec) {
    DOWN(self);
    return FLAKY(self)->inner.ops->save(FLAKY(self)->inner.self, id, rec);
}
static clogin_status f_touch(void *self, const char *id, int64_t seen, int64_t expires) {
    DOWN(self);
    return FLAKY(self)->inner.ops->touch(FLAKY(self)->inner.self, id, seen, expires);
}
static clogin_status f_remove(void *self, const char *id) {
    DOWN(self);
    return FLAKY(self)->inner.ops->remove(FLAKY(self)->inner.self, id);
}
static clogin_status f_list(void *self, const char *user, int64_t now, clogin_store_record_fn fn,
                            void *ctx) {
    DOWN(self);
    return FLAKY(self)->inner.ops->list_user(FLAKY(self)->inner.self, user, now, fn, ctx);
}
static clogin_status f_remove_user(void *self, const char *user, const char *const *keep,
                                   size_t n, size_t *removed) {
    DOWN(self);
    return FLAKY(self)->inner.ops->remove_user(FLAKY(self)->inner.self, user, keep, n, removed);
}
static const clogin_store_ops flaky_ops = {f_load, f_save, f_touch, f_remove,
                                           f_list, f_remove_user, NULL};

static void test_store_down(void **state) {
    (void)state;
    NEEDS_STORE();
    flaky f;
    atomic_init(&f.down, 0);
    char err[CLOGIN_STORE_ERRLEN];
    assert_int_equal(clogin_store_open(getenv("CLOGIN_TEST_STORE"), NULL, &f.inner, err),
                     CLOGIN_OK);
    h_app a;
    h_app_init(&a, 0);
    h_set(&a, "SESSION_STORE", "cookie");
    assert_int_equal(clogin_manager_set_store(a.m, &flaky_ops, &f), CLOGIN_OK);
    h_app_start(&a);
    h_client c, newcomer;
    h_client_init(&c, &a);
    h_client_init(&newcomer, &a);
    assert_int_equal(h_get_login_remember(&c, "1"), CLOGIN_OK);
    h_jar before = c.jar;

    atomic_store(&f.down, 1);
    int errors = a.logs[CLOGIN_LOG_ERROR];
    h_call call;
    h_open(&call, &c, "GET", "/protected", NULL);
    assert_int_equal(clogin_login_required(call.r), 401);
    h_close(&call);
    /* the session, then the remember token: both logged, neither lost */
    assert_int_equal(a.logs[CLOGIN_LOG_ERROR], errors + 2);
    assert_string_equal(a.last_log[CLOGIN_LOG_ERROR],
                        "cannot check the remember token: the store did not answer");
    /* nothing is deleted: no cookie goes, none is cleared */
    assert_int_equal(h_resp_count(&call, "Set-Cookie"), 0);
    /* a restore attempt does not clear the remember cookie either */
    h_jar_remove(&c.jar, "session");
    assert_string_equal(h_get_username(&c), "Anonymous");
    assert_non_null(h_jar_get(&c.jar, "remember_token"));
    /* a login cannot be stored: an error, and no cookie to a missing record */
    h_open(&call, &newcomer, "POST", "/login", NULL);
    assert_int_equal(clogin_login_user(call.r, h_user_new(&a, "2"), NULL), CLOGIN_OK);
    assert_int_equal(h_close_status(&call), CLOGIN_EUNAVAILABLE);
    assert_null(h_jar_get(&newcomer.jar, "session"));

    atomic_store(&f.down, 0); /* back: everything works again by itself */
    c.jar = before;
    assert_string_equal(h_get_username(&c), "Notch");
    h_jar_remove(&c.jar, "session");
    assert_string_equal(h_get_username(&c), "Notch"); /* the remember token survived */
    assert_int_equal(h_get_login(&newcomer, "2"), CLOGIN_OK);
    assert_string_equal(h_get_username(&newcomer), "Steve");
    h_app_free(&a);
    clogin_store_close(&f.inner);
}

/* ---- session auth hash and disabled accounts (with or without a store) ---- */

static atomic_int password_version[10];
static atomic_int disabled[10];

static int user_index(const void *user) {
    return atoi(((const h_user *)user)->id) % 10;
}
static const char *auth_hash(void *ctx, const void *user) {
    (void)ctx;
    static const char *const hashes[] = {"$argon2id$v0", "$argon2id$v1", "$argon2id$v2"};
    return hashes[atomic_load(&password_version[user_index(user)]) % 3];
}
static int active(void *ctx, const void *user) {
    return !atomic_load(&disabled[user_index(user)]) && h_cls_is_active(ctx, user);
}
static const clogin_user_class hashed_class = {
    .is_active = active, .get_id = h_cls_get_id, .release = h_cls_release,
    .get_auth_hash = auth_hash};

static void hashed_app(h_app *a) {
    for (int i = 0; i < 10; i++) {
        atomic_store(&password_version[i], 0);
        atomic_store(&disabled[i], 0);
    }
    h_app_init(a, 0);
    assert_int_equal(clogin_manager_set_user_class(a->m, &hashed_class, a), CLOGIN_OK);
    h_app_start(a);
}

static void test_password_change_ends_other_logins(void **state) {
    (void)state;
    h_app a;
    hashed_app(&a);
    h_client old_laptop, phone, bystander;
    h_client_init(&old_laptop, &a);
    h_client_init(&phone, &a);
    h_client_init(&bystander, &a);
    assert_int_equal(h_get_login(&old_laptop, "1"), CLOGIN_OK);
    assert_int_equal(h_get_login_remember(&phone, "1"), CLOGIN_OK);
    assert_int_equal(h_get_login(&bystander, "2"), CLOGIN_OK);
    /* the session holds an HMAC of the hash, never the hash */
    char tag[64];
    assert_non_null(h_session_str(&old_laptop, "_auth_hash", tag, sizeof tag));
    assert_int_equal(strlen(tag), CLOGIN__TAG_LEN);
    assert_null(strstr(tag, "argon2"));
    assert_string_equal(h_get_username(&old_laptop), "Notch");

    atomic_store(&password_version[1], 1); /* user 1 changes the password */
    assert_string_equal(h_get_username(&old_laptop), "Anonymous");
    assert_false(h_session_has(&old_laptop, "_user_id"));
    h_delete_session(&phone);
    assert_string_equal(h_get_username(&phone), "Anonymous"); /* remembered too */
    assert_null(h_jar_get(&phone.jar, "remember_token"));
    assert_string_equal(h_get_username(&bystander), "Steve");
    if (h_stored()) { /* only live logins are listed, before their next request too */
        h_client third;
        h_client_init(&third, &a);
        assert_int_equal(h_get_login(&third, "1"), CLOGIN_OK);
        atomic_store(&password_version[1], 2);
        h_client fresh;
        h_client_init(&fresh, &a);
        assert_int_equal(h_get_login(&fresh, "1"), CLOGIN_OK);
        listing l;
        list_as(&fresh, &l);
        assert_int_equal(l.n, 1);
        assert_true(l.info[0].current);
    }
    /* logging in with the new password works, remembered as well */
    assert_int_equal(h_get_login_remember(&phone, "1"), CLOGIN_OK);
    assert_string_equal(h_get_username(&phone), "Notch");
    h_delete_session(&phone);
    assert_string_equal(h_get_username(&phone), "Notch");
    if (!h_stored()) {
        /* a Flask-Login remember cookie does not carry the hash */
        char v[256];
        h_client flask;
        h_client_init(&flask, &a);
        h_jar_set(&flask.jar, "remember_token", h_remember_value(&a, "1", v, sizeof v));
        assert_string_equal(h_get_username(&flask), "Anonymous");
    }
    h_app_free(&a);
}

static void test_disabled_account_loses_sessions(void **state) {
    (void)state;
    h_app a;
    hashed_app(&a);
    h_client laptop, phone;
    h_client_init(&laptop, &a);
    h_client_init(&phone, &a);
    assert_int_equal(h_get_login(&laptop, "1"), CLOGIN_OK);
    assert_int_equal(h_get_login_remember(&phone, "1"), CLOGIN_OK);
    atomic_store(&disabled[1], 1);
    assert_string_equal(h_get_username(&laptop), "Anonymous");
    if (h_stored()) { /* every record of the user went at once */
        int n[2];
        user_records(&a, "1", laptop.now, n);
        assert_int_equal(n[0] + n[1], 0);
    }
    h_delete_session(&phone);
    assert_string_equal(h_get_username(&phone), "Anonymous");
    atomic_store(&disabled[1], 0); /* enabling it again does not revive them */
    assert_string_equal(h_get_username(&laptop), "Anonymous");
    /* a login forced for an inactive user stays, as in Flask-Login */
    atomic_store(&disabled[1], 1);
    clogin_login_options o = CLOGIN_LOGIN_OPTIONS_INIT;
    o.force = 1;
    assert_int_equal(h_get_login_with(&laptop, "1", &o, NULL), CLOGIN_OK);
    h_call call;
    h_open(&call, &laptop, "GET", "/username", NULL);
    const h_user *u = clogin_current_user(call.r);
    assert_non_null(u);
    assert_string_equal(u->id, "1");
    assert_false(clogin_is_authenticated(call.r));
    h_close(&call);
    h_app_free(&a);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_login_gets_new_session_id),
        cmocka_unit_test(test_logout_deletes_stored_session),
        cmocka_unit_test(test_forged_session_id),
        cmocka_unit_test(test_list_and_end_sessions),
        cmocka_unit_test(test_end_session_with_remember),
        cmocka_unit_test(test_logout_everywhere_else),
        cmocka_unit_test(test_idle_timeout),
        cmocka_unit_test(test_absolute_timeout),
        cmocka_unit_test(test_touch_interval),
        cmocka_unit_test(test_remember_token_rotates),
        cmocka_unit_test(test_remember_refresh_each_request),
        cmocka_unit_test(test_store_down),
        cmocka_unit_test(test_password_change_ends_other_logins),
        cmocka_unit_test(test_disabled_account_loses_sessions),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
