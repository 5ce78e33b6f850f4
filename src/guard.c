/* login_required, fresh_login_required, and what happens when they fail:
 * LoginManager.unauthorized() and needs_refresh(). */
#include "manager.h"
#include "url.h"

#include <stdlib.h>
#include <string.h>

static int exempt(const clogin_request *r) {
    const clogin__config *c = &r->m->config;
    if (c->login_disabled)
        return 1;
    for (size_t i = 0; i < c->exempt_method_count; i++)
        if (strcmp(c->exempt_methods[i], r->method) == 0)
            return 1;
    return 0;
}

int clogin_login_required(clogin_request *r) {
    if (!r)
        return 500;
    if (exempt(r) || clogin_is_authenticated(r))
        return 0;
    return clogin_unauthorized(r);
}

int clogin_fresh_login_required(clogin_request *r) {
    if (!r)
        return 500;
    if (exempt(r))
        return 0;
    if (!clogin_is_authenticated(r))
        return clogin_unauthorized(r);
    if (!clogin_login_fresh(r))
        return clogin_needs_refresh(r);
    return 0;
}

/* The login view for this request's path: the longest matching prefix of
 * the per-prefix views (blueprint_login_views), else LOGIN_VIEW. */
static const char *login_view_for(const clogin_request *r) {
    const clogin_manager *m = r->m;
    const char *view = m->config.login_view;
    size_t best = 0;
    for (size_t i = 0; i < m->view_count; i++) {
        size_t n = strlen(m->views[i].prefix);
        if (n > best && strncmp(r->path, m->views[i].prefix, n) == 0) {
            best = n;
            view = m->views[i].view;
        }
    }
    return view;
}

static void flash_message(clogin_request *r, const char *message,
                          const char *category) {
    const clogin_manager *m = r->m;
    if (!message)
        return;
    if (m->localize) {
        const char *localized = m->localize(m->localize_ctx, message);
        if (localized)
            message = localized;
    }
    if (clogin_flash(r, message, category ? category : "message") != CLOGIN_OK)
        clogin__log(r, CLOGIN_LOG_WARNING, "could not flash \"%.64s\"", message);
}

/* Redirect to view with the current URL as "next": in the query string, or
 * in the session (with the identifier) when USE_SESSION_FOR_NEXT. */
static int redirect_to(clogin_request *r, const char *view) {
    const clogin__config *c = &r->m->config;
    const char *url = clogin_request_url(r);
    char *location = NULL;
    clogin_status st = url ? CLOGIN_OK : CLOGIN_ENOMEM;
    if (st == CLOGIN_OK && c->use_session_for_next) {
        clogin_session *s = clogin_request_session(r);
        char *next = NULL;
        st = s ? clogin_make_next_param(view, url, &next) : CLOGIN_ENOMEM;
        if (st == CLOGIN_OK)
            st = clogin_session_set_string(s, CLOGIN__KEY_ID, clogin__identifier(r),
                                           CLOGIN_SESSION_ID_LEN);
        if (st == CLOGIN_OK)
            st = clogin_session_set_string(s, CLOGIN__KEY_NEXT, next, strlen(next));
        clogin_free(next);
        if (st == CLOGIN_OK)
            st = clogin_login_url(view, NULL, NULL, NULL, &location);
    } else if (st == CLOGIN_OK) {
        st = clogin_login_url(view, url, "next", c->force_host_for_redirects, &location);
    }
    if (st == CLOGIN_OK)
        st = clogin_response_redirect(r, location);
    clogin_free(location);
    if (st != CLOGIN_OK) {
        clogin__log(r, CLOGIN_LOG_ERROR, "could not redirect to the login view: %s",
                    clogin_strerror(st));
        return 500;
    }
    return 302;
}

/* A handler's status; never one that would let the guarded view run. */
static int handled(int status) {
    return status < 100 ? 401 : status;
}

int clogin_unauthorized(clogin_request *r) {
    if (!r)
        return 500;
    const clogin_manager *m = r->m;
    clogin__emit(r, CLOGIN_SIGNAL_USER_UNAUTHORIZED, NULL);
    if (m->unauthorized)
        return handled(m->unauthorized(m->unauthorized_ctx, r));
    const char *view = login_view_for(r);
    if (!view)
        return 401;
    flash_message(r, m->config.login_message, m->config.login_message_category);
    return redirect_to(r, view);
}

int clogin_needs_refresh(clogin_request *r) {
    if (!r)
        return 500;
    const clogin_manager *m = r->m;
    clogin__emit(r, CLOGIN_SIGNAL_USER_NEEDS_REFRESH, NULL);
    if (m->needs_refresh)
        return handled(m->needs_refresh(m->needs_refresh_ctx, r));
    if (!m->config.refresh_view)
        return 401;
    flash_message(r, m->config.needs_refresh_message,
                  m->config.needs_refresh_message_category);
    return redirect_to(r, m->config.refresh_view);
}
