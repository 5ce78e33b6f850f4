/* Routing and the handlers. dispatch() finds the route (404, 405), applies
 * its guard, as @login_required wraps a Flask view, and refuses forms over
 * MAX_BODY (413) before the handler runs. A handler fills in the call's body
 * and content type and returns the HTTP status. A request that needed the
 * user database while it failed answers 503 (db_unavailable()). */
#include "app.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_BODY 16384 /* bytes of form data; more is 413 */
#define HTML "text/html; charset=utf-8"
#define JSON "application/json"

typedef struct call {
    demo_app *app;
    clogin_mhd *h;
    clogin_request *r;
    page body;
    const char *type;  /* Content-Type */
    const char *allow; /* Allow header, for 405 and OPTIONS */
    const char *retry_after; /* Retry-After header, for 503 */
    char allow_buf[48];
    int vary_cookie;   /* send Vary: Cookie, as clogin does once the session is read */
} call;

/* ---- small helpers ---- */

static int html(call *x, int status) {
    x->type = HTML;
    return status;
}

static int json(call *x, int status, const char *text) {
    x->type = JSON;
    page_put(&x->body, text);
    return status;
}

static int message(call *x, int status, const char *title, const char *text) {
    html_message(&x->body, title, text);
    return html(x, status);
}

static int redirect(call *x, const char *location) {
    if (clogin_response_redirect(x->r, location) != CLOGIN_OK)
        return message(x, 500, "Error", "The redirect failed.");
    return message(x, 302, "Redirecting", "You are being redirected.");
}

/* The user database failed during this request (users.c): whatever the
 * handler made of it (an anonymous page, a login refused, a redirect to the
 * login page for someone who is logged in) would be a guess. Clients are
 * told to come back; the session and its cookies are left as they are. */
static int db_unavailable(call *x) {
    page_free(&x->body);
    x->allow = NULL;
    x->retry_after = "5";
    return message(x, 503, "Try again", "The user database is not answering.");
}

/* A value holding a NUL byte (%00) is longer than the C string: it can be
 * no username, password or page, so it reads as this, which matches none
 * and is refused as a next target (a control character). */
static const char invalid_field[] = "\x7f";

static const char *form(call *x, const char *name) {
    size_t len;
    const char *v = clogin_mhd_form_value(x->h, name, &len);
    return v && strlen(v) != len ? invalid_field : v;
}

/* The logged-in user, or NULL. Guards let anonymous requests through when
 * LOGIN_DISABLED is set, so handlers check all the same. */
static demo_user *current(call *x) {
    return clogin_is_authenticated(x->r) ? clogin_current_user(x->r) : NULL;
}

/* "1" for alice: JSON shows the row id, not the alternative id. */
static int json_id(call *x, int status, const demo_user *u) {
    char text[64];
    if (u)
        snprintf(text, sizeof text, "{\"id\": \"%" PRId64 "\"}\n", u->id);
    else
        snprintf(text, sizeof text, "{\"id\": null}\n");
    return json(x, status, text);
}

/* The form's next, else the query string's, or NULL; *arg is the copy to
 * clogin_free(). */
static const char *next_field(call *x, char **arg) {
    const char *next = form(x, "next");
    *arg = NULL;
    size_t len;
    if ((!next || !*next) && clogin_request_arg(x->r, "next", arg, &len) == CLOGIN_OK)
        next = strlen(*arg) == len ? *arg : invalid_field;
    return next;
}

/* Where to go after a login or re-authentication: next_field(), else the
 * session's next (USE_SESSION_FOR_NEXT); empty or missing means "/". 0 and
 * a malloc'd *out, or the status to answer: 400 when the target leaves the
 * site. */
static int next_target(call *x, char **out) {
    char *arg;
    const char *next = next_field(x, &arg);
    *out = NULL;
    if ((!next || !*next) && x->app->session_next)
        clogin_session_get_string(clogin_request_session(x->r), "next", &next, NULL);
    if (!next || !*next)
        next = "/";
    int status = 0;
    if (!clogin_url_is_safe(next, strlen(next), clogin_request_header(x->r, "Host")))
        status = message(x, 400, "Bad request", "That next page is not on this site.");
    else if (!(*out = strdup(next)))
        status = message(x, 500, "Error", "Out of memory.");
    clogin_free(arg);
    return status;
}

/* After a successful login or re-authentication: forget the session's
 * next and go there. */
static int go_next(call *x, const char *next) {
    clogin_session_remove(clogin_request_session(x->r), "next");
    return redirect(x, next);
}

/* ---- the handlers ---- */

static int home(call *x) {
    demo_user *u = current(x);
    html_begin(&x->body, "Home", u != NULL);
    html_home(&x->body, u ? u->username : NULL);
    html_end(&x->body);
    return html(x, 200);
}

static int stylesheet(call *x) {
    x->type = "text/css; charset=utf-8";
    page_put(&x->body, html_stylesheet);
    return 200;
}

/* An anonymous request answers false and null throughout, even when its
 * cookies say fresh or remembered for a user who cannot log in (bob, or a
 * user whose password changed since). */
static int whoami(call *x) {
    demo_user *u = current(x);
    char id[32] = "null", text[160];
    if (u)
        snprintf(id, sizeof id, "\"%" PRId64 "\"", u->id);
    snprintf(text, sizeof text,
             "{\"authenticated\": %s, \"id\": %s, \"fresh\": %s, \"remembered\": %s}\n",
             u ? "true" : "false", id, u && clogin_login_fresh(x->r) ? "true" : "false",
             u && clogin_login_remembered(x->r) ? "true" : "false");
    return json(x, 200, text);
}

static int login_page(call *x, int status, const char *error, const char *next) {
    html_begin(&x->body, "Log in", 0);
    if (error)
        html_error(&x->body, error);
    /* shows the login and refresh messages, and takes them out of the session */
    clogin_get_flashed_messages(x->r, NULL, html_flash, &x->body);
    html_login_form(&x->body, next);
    html_end(&x->body);
    return html(x, status);
}

static int login_get(call *x) {
    char *arg;
    int status = login_page(x, 200, NULL, next_field(x, &arg));
    clogin_free(arg);
    return status;
}

/* Checked in this order: credentials (401), active (403), next (400);
 * only then is anyone logged in. */
static int login_post(call *x) {
    const char *name = form(x, "username"), *password = form(x, "password");
    const char *remember = form(x, "remember");
    demo_user *u = NULL;
    if (name && password && users_by_username(x->app, name, &u) != 0)
        return message(x, 500, "Error", "The database failed.");
    /* checked even for unknown users, so timing does not tell them apart */
    if (!users_check_password(x->app, u ? u->id : 0, password ? password : "")) {
        char *arg;
        users_free(u);
        int status = login_page(x, 401, "Wrong username or password.", next_field(x, &arg));
        clogin_free(arg);
        return status;
    }
    if (!u->active) {
        users_free(u);
        return message(x, 403, "Account disabled", "This account is not active.");
    }
    char *next;
    int status = next_target(x, &next);
    if (status) {
        users_free(u);
        return status;
    }
    clogin_login_options o = CLOGIN_LOGIN_OPTIONS_INIT;
    o.remember = remember && strcmp(remember, "on") == 0;
    /* the request owns u from here on, whatever the outcome */
    clogin_status st = clogin_login_user(x->r, u, &o);
    if (st == CLOGIN_OK)
        status = go_next(x, next);
    else if (st == CLOGIN_EINACTIVE)
        status = message(x, 403, "Account disabled", "This account is not active.");
    else
        status = message(x, 500, "Error", clogin_strerror(st));
    free(next);
    return status;
}

static int logout(call *x) {
    clogin_logout_user(x->r);
    return redirect(x, "/");
}

static int protected_page(call *x) { /* /protected and /fresh */
    return json_id(x, 200, current(x));
}

static int reauth_page(call *x, int status, const demo_user *u, const char *error,
                       const char *next) {
    html_begin(&x->body, "Confirm your password", 1);
    if (error)
        html_error(&x->body, error);
    /* the refresh message, which brought the user here */
    clogin_get_flashed_messages(x->r, NULL, html_flash, &x->body);
    html_reauth_form(&x->body, u->username, next);
    html_end(&x->body);
    return html(x, status);
}

static int reauth_get(call *x) {
    demo_user *u = current(x);
    if (!u)
        return html(x, clogin_unauthorized(x->r));
    char *arg;
    int status = reauth_page(x, 200, u, NULL, next_field(x, &arg));
    clogin_free(arg);
    return status;
}

static int reauth_post(call *x) {
    demo_user *u = current(x);
    const char *password = form(x, "password");
    if (!u)
        return html(x, clogin_unauthorized(x->r));
    char *next, *arg;
    int status;
    if (!password || !users_check_password(x->app, u->id, password)) {
        status = reauth_page(x, 401, u, "Wrong password.", next_field(x, &arg));
        clogin_free(arg);
        return status;
    }
    status = next_target(x, &next);
    if (status)
        return status;
    if (clogin_confirm_login(x->r) == CLOGIN_OK)
        status = go_next(x, next);
    else
        status = message(x, 500, "Error", "Out of memory.");
    free(next);
    return status;
}

/* A new password and a new alternative id: every other session and remember
 * cookie of the user now names an id that no longer exists, and was made
 * under another auth hash. With a store, they are deleted from it too. This
 * browser is logged in again under the new id, remembered if it was. */
static int change_password(call *x) {
    demo_user *u = current(x), *renewed;
    const char *current_pw = form(x, "current"), *new_pw = form(x, "new");
    if (!u)
        return html(x, clogin_unauthorized(x->r));
    /* asked before the change: with an auth hash or a store, the answer
     * checks the remember cookie against the user as it is now */
    int remembered = clogin_login_remembered(x->r);
    if (new_pw == invalid_field)
        return message(x, 400, "Bad request", "A password cannot hold a NUL byte.");
    if (!current_pw || !users_check_password(x->app, u->id, current_pw))
        return message(x, 401, "Wrong password", "The current password is wrong.");
    if (!new_pw || !*new_pw)
        return message(x, 400, "Bad request", "Choose a new password.");
    if (users_change_password(x->app, u->id, new_pw, &renewed) != 0 || !renewed)
        return message(x, 500, "Error", "The database failed.");
    /* the records under the old id would only wait for their expiry; this
     * browser's goes too, and it gets a new session below */
    if (clogin_manager_store(x->app->m) &&
        clogin_manager_end_user_sessions(x->app->m, u->alt_id, NULL) != CLOGIN_OK)
        fprintf(stderr, "clogin-demo: could not end the old sessions of user %" PRId64
                        " in the store\n", u->id);
    clogin_login_options o = CLOGIN_LOGIN_OPTIONS_INIT; /* fresh: the password was typed */
    o.remember = remembered;
    if (clogin_login_user(x->r, renewed, &o) != CLOGIN_OK)
        return message(x, 500, "Error", "Could not log in again.");
    return redirect(x, "/");
}

/* ---- a user's sessions (with a server-side store) ---- */

static int no_store(call *x) {
    return message(x, 409, "No session store",
                   "Sessions can be ended one by one only with a server-side session store.");
}

static int store_failed(call *x, clogin_status st) {
    if (st == CLOGIN_EUNAVAILABLE)
        return message(x, 503, "Try again", "The session store is not answering.");
    return message(x, 500, "Error", clogin_strerror(st));
}

/* The list, or why there is none: cookie sessions cannot be listed. */
static int sessions_page(call *x) {
    if (!current(x))
        return html(x, clogin_unauthorized(x->r));
    page list = {0};
    clogin_status st = CLOGIN_ESTATE;
    if (clogin_manager_store(x->app->m)) {
        html_sessions_begin(&list);
        st = clogin_list_sessions(x->r, html_session_row, &list);
        html_sessions_end(&list);
        if (st != CLOGIN_OK) {
            page_free(&list);
            return store_failed(x, st);
        }
    }
    html_begin(&x->body, "Your sessions", 1);
    clogin_get_flashed_messages(x->r, NULL, html_flash, &x->body);
    if (st == CLOGIN_OK)
        page_put(&x->body, list.text ? list.text : "");
    else
        html_sessions_cookie(&x->body);
    x->body.failed |= list.failed;
    page_free(&list);
    html_end(&x->body);
    return html(x, 200);
}

/* POST /sessions/end, handle=...: another session ends (with its
 * browser's remember cookie); ending this one is a logout. */
static int sessions_end(call *x) {
    const char *handle = form(x, "handle");
    if (!current(x))
        return html(x, clogin_unauthorized(x->r));
    if (!clogin_manager_store(x->app->m))
        return no_store(x);
    if (!handle || strlen(handle) != 16 || strspn(handle, "0123456789abcdef") != 16)
        return message(x, 400, "Bad request", "That is not a session handle.");
    clogin_status st = clogin_end_session(x->r, handle);
    if (st == CLOGIN_ENOTFOUND)
        return message(x, 404, "Not found", "You have no such session.");
    if (st != CLOGIN_OK)
        return store_failed(x, st);
    if (!current(x)) /* it was this one */
        return redirect(x, "/");
    clogin_flash(x->r, "The session was ended.", "message");
    return redirect(x, "/sessions");
}

/* POST /sessions/logout-others: every other session and remember cookie
 * of the user ends; this browser's stay. */
static int sessions_logout_others(call *x) {
    if (!current(x))
        return html(x, clogin_unauthorized(x->r));
    if (!clogin_manager_store(x->app->m))
        return no_store(x);
    clogin_status st = clogin_logout_other_sessions(x->r);
    if (st != CLOGIN_OK)
        return store_failed(x, st);
    clogin_flash(x->r, "You were logged out everywhere else.", "message");
    return redirect(x, "/sessions");
}

/* Authenticated through the session, or else the request loader's API key
 * (which leaves the session alone: no Set-Cookie). */
static int api_whoami(call *x) {
    demo_user *u = current(x);
    if (!u)
        return json(x, 401, "{\"error\": \"unauthorized\"}\n");
    return json_id(x, 200, u);
}

/* GET /bench/unguarded?id=N: the bytes /protected sends user N (its
 * JSON, and the Vary: Cookie that clogin adds there), with no guard and
 * no clogin user or session call, so that a benchmark can tell what the
 * guard costs (bench/http_bench.sh). N: 1 to 19 digits, else 400. */
static int bench_unguarded(call *x) {
    char *id = NULL, text[64];
    size_t len = 0;
    int status;
    if (clogin_request_arg(x->r, "id", &id, &len) == CLOGIN_OK && len >= 1 && len <= 19 &&
        strspn(id, "0123456789") == len) {
        snprintf(text, sizeof text, "{\"id\": \"%s\"}\n", id);
        x->vary_cookie = 1;
        status = json(x, 200, text);
    } else {
        status = json(x, 400, "{\"error\": \"id must be a number\"}\n");
    }
    clogin_free(id);
    return status;
}

/* GET /bench/loaded?username=NAME: the same bytes for that user, after
 * the same database lookup the user loader makes on /protected, still
 * with no clogin call: the difference from /protected is clogin's own
 * share of the guard, the difference from /bench/unguarded the loader's. */
static int bench_loaded(call *x) {
    char *name = NULL;
    size_t len = 0;
    demo_user *u = NULL;
    int status;
    if (clogin_request_arg(x->r, "username", &name, &len) != CLOGIN_OK || strlen(name) != len)
        status = json(x, 400, "{\"error\": \"username is required\"}\n");
    else if (users_by_username(x->app, name, &u) != 0)
        status = json(x, 503, "{\"error\": \"database\"}\n");
    else if (!u)
        status = json(x, 404, "{\"error\": \"no such user\"}\n");
    else {
        x->vary_cookie = 1;
        status = json_id(x, 200, u);
    }
    users_free(u);
    clogin_free(name);
    return status;
}

/* ---- routing ---- */

enum guard { OPEN, LOGIN_REQUIRED, FRESH_LOGIN_REQUIRED };

static const struct route {
    const char *method, *path;
    enum guard guard;
    int (*fn)(call *x);
} routes[] = {
    {"GET", "/", OPEN, home},
    {"GET", "/style.css", OPEN, stylesheet},
    {"GET", "/whoami", OPEN, whoami},
    {"GET", "/login", OPEN, login_get},
    {"POST", "/login", OPEN, login_post},
    {"GET", "/logout", LOGIN_REQUIRED, logout},
    {"GET", "/protected", LOGIN_REQUIRED, protected_page},
    {"GET", "/fresh", FRESH_LOGIN_REQUIRED, protected_page},
    {"GET", "/reauth", LOGIN_REQUIRED, reauth_get},
    {"POST", "/reauth", LOGIN_REQUIRED, reauth_post},
    {"POST", "/settings/password", FRESH_LOGIN_REQUIRED, change_password},
    {"GET", "/sessions", LOGIN_REQUIRED, sessions_page},
    {"POST", "/sessions/end", LOGIN_REQUIRED, sessions_end},
    {"POST", "/sessions/logout-others", LOGIN_REQUIRED, sessions_logout_others},
    {"GET", "/api/whoami", OPEN, api_whoami},
    {"GET", "/bench/unguarded", OPEN, bench_unguarded},
    {"GET", "/bench/loaded", OPEN, bench_loaded},
};

static void allow_add(call *x, const char *method) {
    size_t n = strlen(x->allow_buf);
    snprintf(x->allow_buf + n, sizeof x->allow_buf - n, "%s%s", n ? ", " : "", method);
}

static int dispatch(call *x, const char *path) {
    const char *method = clogin_request_method(x->r);
    const struct route *route = NULL, *first = NULL;
    for (size_t i = 0; i < sizeof routes / sizeof routes[0]; i++) {
        const struct route *rt = &routes[i];
        if (strcmp(rt->path, path) != 0)
            continue;
        first = first ? first : rt;
        int get = strcmp(rt->method, "GET") == 0;
        allow_add(x, rt->method);
        if (get)
            allow_add(x, "HEAD");
        if (strcmp(rt->method, method) == 0 || (get && strcmp(method, "HEAD") == 0))
            route = rt;
    }
    if (!first)
        return message(x, 404, "Not found", "There is no such page.");
    allow_add(x, "OPTIONS");
    int options = strcmp(method, "OPTIONS") == 0;
    if (!route && !options) {
        x->allow = x->allow_buf;
        return message(x, 405, "Method not allowed", "This page does not take that method.");
    }
    route = route ? route : first;
    /* The user first, so that a failing database is told apart from an
     * anonymous visitor before the guard sends the request to log in. */
    users_db_failed = 0;
    if (route->guard != OPEN && !options) {
        clogin_current_user(x->r);
        if (users_db_failed)
            return db_unavailable(x);
    }
    /* OPTIONS is in EXEMPT_METHODS: the guards let it pass */
    int status = route->guard == LOGIN_REQUIRED         ? clogin_login_required(x->r)
                 : route->guard == FRESH_LOGIN_REQUIRED ? clogin_fresh_login_required(x->r)
                                                        : 0;
    if (status == 302)
        return message(x, 302, "Redirecting", "You are being redirected.");
    if (status)
        return message(x, status, "Unauthorized", "Please log in to see this page.");
    if (options) {
        x->allow = x->allow_buf;
        return 204;
    }
    /* the form of a POST was cut short: refuse it rather than read half */
    if (strcmp(route->method, "POST") == 0 && clogin_mhd_body_too_large(x->h))
        return message(x, 413, "Too large", "The request body is too large.");
    status = route->fn(x);
    /* (a 503 of the handler's own, /bench/loaded's JSON, stays) */
    return users_db_failed && status != 503 ? db_unavailable(x) : status;
}

/* The response: the body, its type, a few headers that cost nothing, then
 * clogin's own (Location, Set-Cookie, Vary) through the adapter. */
static enum MHD_Result answer(call *x, struct MHD_Connection *c, int status) {
    if (x->body.failed) {
        page_free(&x->body);
        status = 500;
    }
    if (status == 204)
        page_free(&x->body);
    struct MHD_Response *res = MHD_create_response_from_buffer(
        x->body.len, x->body.text ? x->body.text : "", MHD_RESPMEM_MUST_COPY);
    page_free(&x->body);
    if (!res)
        return MHD_NO;
    int ok = MHD_add_response_header(res, "X-Content-Type-Options", "nosniff") == MHD_YES;
    if (status != 204)
        ok = ok && MHD_add_response_header(res, "Content-Type", x->type) == MHD_YES;
    if (x->allow)
        ok = ok && MHD_add_response_header(res, "Allow", x->allow) == MHD_YES;
    if (x->retry_after)
        ok = ok && MHD_add_response_header(res, "Retry-After", x->retry_after) == MHD_YES;
    if (x->vary_cookie)
        ok = ok && MHD_add_response_header(res, "Vary", "Cookie") == MHD_YES;
    if (status != 204 && strcmp(x->type, HTML) == 0) /* pages load nothing but the stylesheet */
        ok = ok && MHD_add_response_header(res, "Content-Security-Policy",
                                           "default-src 'none'; style-src 'self'; "
                                           "form-action 'self'; frame-ancestors 'none'") ==
                       MHD_YES;
    enum MHD_Result rc = ok ? clogin_mhd_queue(x->h, c, (unsigned)status, res) : MHD_NO;
    MHD_destroy_response(res);
    return rc;
}

enum MHD_Result demo_handle(void *cls, struct MHD_Connection *c, const char *url,
                            const char *method, const char *version,
                            const char *upload_data, size_t *upload_size,
                            void **req_cls) {
    (void)version;
    demo_app *app = cls;
    clogin_mhd *h;
    switch (clogin_mhd_step(app->m, c, method, upload_data, upload_size, req_cls, MAX_BODY,
                            &h)) {
    case CLOGIN_MHD_MORE:
        return MHD_YES;
    case CLOGIN_MHD_FAIL:
        return MHD_NO;
    case CLOGIN_MHD_READY:
        break;
    }
    call x = {.app = app, .h = h, .r = clogin_mhd_request(h), .type = HTML};
    return answer(&x, c, dispatch(&x, url));
}
