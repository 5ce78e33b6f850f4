/* The login manager: configured once, then read-only and shared. */
#include "manager.h"
#include "store.h"

#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

clogin_status clogin_manager_new(clogin_manager **out) {
    if (!out)
        return CLOGIN_EINVAL;
    *out = NULL;
    clogin_manager *m = calloc(1, sizeof *m);
    if (!m)
        return CLOGIN_ENOMEM;
    if (clogin__config_init(&m->config) != CLOGIN_OK) {
        free(m);
        return CLOGIN_ENOMEM;
    }
    *out = m;
    return CLOGIN_OK;
}

void clogin_manager_free(clogin_manager *m) {
    if (!m)
        return;
    clogin__config_free(&m->config);
    clogin_signer_free(m->signer);
    if (m->store_owned)
        clogin_store_close(&m->store);
    clogin__keyring_free(&m->sid_keys);
    clogin__keyring_free(&m->remember_keys);
    clogin__keyring_free(&m->auth_keys);
    for (int i = 0; i < CLOGIN_SIGNAL_COUNT; i++)
        free(m->slots[i]);
    for (size_t i = 0; i < m->view_count; i++) {
        free(m->views[i].prefix);
        free(m->views[i].view);
    }
    free(m->views);
    free(m);
}

/* Every configuration call starts here: misuse after start is refused. */
static clogin_status configurable(clogin_manager *m) {
    if (!m)
        return CLOGIN_EINVAL;
    if (m->started) {
        snprintf(m->error, sizeof m->error,
                 "the manager is started and read-only; configure it before "
                 "clogin_manager_start()");
        return CLOGIN_ESTATE;
    }
    m->error[0] = '\0';
    return CLOGIN_OK;
}

clogin_status clogin_manager_set(clogin_manager *m, const char *name,
                                 const char *value) {
    clogin_status st = configurable(m);
    if (st != CLOGIN_OK)
        return st;
    if (!name)
        return CLOGIN_EINVAL;
    return clogin__config_set(&m->config, name, value, m->error);
}

clogin_status clogin_manager_load_env(clogin_manager *m, const char *prefix) {
    clogin_status st = configurable(m);
    if (st != CLOGIN_OK)
        return st;
    return clogin__config_load_env(&m->config, prefix, m->error);
}

const char *clogin_manager_get(const clogin_manager *m, const char *name) {
    if (!m || !name)
        return NULL;
    return clogin__config_get(&m->config, name);
}

const char *clogin_manager_error(const clogin_manager *m) {
    return m ? m->error : "no manager";
}

clogin_status clogin_manager_add_login_view(clogin_manager *m,
                                            const char *prefix,
                                            const char *view) {
    clogin_status st = configurable(m);
    if (st != CLOGIN_OK)
        return st;
    if (!prefix || !view)
        return CLOGIN_EINVAL;
    if (prefix[0] != '/') {
        snprintf(m->error, sizeof m->error,
                 "a login view's prefix is a URL path starting with '/', not '%.64s'",
                 prefix);
        return CLOGIN_ECONFIG;
    }
    /* The view is checked by the same rules as LOGIN_VIEW. */
    clogin__config probe;
    if (clogin__config_init(&probe) != CLOGIN_OK)
        return CLOGIN_ENOMEM;
    st = clogin__config_set(&probe, "LOGIN_VIEW", view, m->error);
    clogin__config_free(&probe);
    if (st != CLOGIN_OK)
        return st;
    for (size_t i = 0; i < m->view_count; i++) {
        if (strcmp(m->views[i].prefix, prefix) == 0) {
            char *v = clogin__strdup(view);
            if (!v)
                return CLOGIN_ENOMEM;
            free(m->views[i].view);
            m->views[i].view = v;
            return CLOGIN_OK;
        }
    }
    clogin__view *views = realloc(m->views, (m->view_count + 1) * sizeof *views);
    if (!views)
        return CLOGIN_ENOMEM;
    m->views = views;
    char *p = clogin__strdup(prefix), *v = clogin__strdup(view);
    if (!p || !v) {
        free(p);
        free(v);
        return CLOGIN_ENOMEM;
    }
    m->views[m->view_count].prefix = p;
    m->views[m->view_count].view = v;
    m->view_count++;
    return CLOGIN_OK;
}

clogin_status clogin_manager_set_user_class(clogin_manager *m,
                                            const clogin_user_class *cls,
                                            void *ctx) {
    clogin_status st = configurable(m);
    if (st != CLOGIN_OK)
        return st;
    if (!cls || !cls->get_id)
        return CLOGIN_EINVAL;
    m->user_class = *cls;
    m->user_ctx = ctx;
    return CLOGIN_OK;
}

#define CALLBACK_SETTER(fn_name, type, field)                                 \
    clogin_status fn_name(clogin_manager *m, type fn, void *ctx) {            \
        clogin_status st = configurable(m);                                   \
        if (st != CLOGIN_OK)                                                  \
            return st;                                                        \
        m->field = fn;                                                        \
        m->field##_ctx = ctx;                                                 \
        return CLOGIN_OK;                                                     \
    }

CALLBACK_SETTER(clogin_manager_set_user_loader, clogin_user_loader_fn, user_loader)
CALLBACK_SETTER(clogin_manager_set_request_loader, clogin_request_loader_fn,
                request_loader)
CALLBACK_SETTER(clogin_manager_set_header_loader, clogin_header_loader_fn,
                header_loader)
CALLBACK_SETTER(clogin_manager_set_unauthorized_handler, clogin_handler_fn,
                unauthorized)
CALLBACK_SETTER(clogin_manager_set_needs_refresh_handler, clogin_handler_fn,
                needs_refresh)
CALLBACK_SETTER(clogin_manager_set_localize, clogin_localize_fn, localize)
CALLBACK_SETTER(clogin_manager_set_identifier_generator, clogin_identifier_fn,
                identifier)
CALLBACK_SETTER(clogin_manager_set_log, clogin_log_fn, log)

clogin_status clogin_manager_set_anonymous_user(clogin_manager *m,
                                                clogin_anonymous_fn factory,
                                                const clogin_user_class *cls,
                                                void *ctx) {
    clogin_status st = configurable(m);
    if (st != CLOGIN_OK)
        return st;
    m->anon_factory = factory;
    m->anon_ctx = ctx;
    memset(&m->anon_class, 0, sizeof m->anon_class);
    if (cls)
        m->anon_class = *cls;
    return CLOGIN_OK;
}

clogin_status clogin_manager_set_store(clogin_manager *m, const clogin_store_ops *ops,
                                       void *self) {
    clogin_status st = configurable(m);
    if (st != CLOGIN_OK)
        return st;
    if (ops && (!ops->load || !ops->save || !ops->touch || !ops->remove ||
                !ops->list_user || !ops->remove_user))
        return CLOGIN_EINVAL;
    m->store.ops = ops;
    m->store.self = self;
    return CLOGIN_OK;
}

const clogin_store *clogin_manager_store(const clogin_manager *m) {
    return m && m->store.ops ? &m->store : NULL;
}

/* The keyrings, and the store SESSION_STORE names unless the application
 * gave its own. */
static clogin_status prepare_sessions(clogin_manager *m) {
    clogin_status st = clogin__keyring_init(&m->sid_keys, &m->config, "session-id");
    if (st == CLOGIN_OK)
        st = clogin__keyring_init(&m->remember_keys, &m->config, "remember-token");
    if (st == CLOGIN_OK)
        st = clogin__keyring_init(&m->auth_keys, &m->config, "auth-hash");
    if (st != CLOGIN_OK) {
        snprintf(m->error, sizeof m->error, "could not prepare the keys: %s",
                 clogin_strerror(st));
        return st;
    }
    int cookie = strcmp(m->config.session_store, "cookie") == 0;
    if (m->store.ops && !cookie) {
        snprintf(m->error, sizeof m->error,
                 "SESSION_STORE is %.64s but the application gave a store of its "
                 "own: choose one",
                 m->config.session_store);
        return CLOGIN_ECONFIG;
    }
    if (m->store.ops || cookie)
        return CLOGIN_OK;
    clogin_store_options o = CLOGIN_STORE_OPTIONS_INIT;
    o.timeout_ms = (int)m->config.session_store_timeout_ms;
    o.max_entries = (size_t)m->config.session_store_max_entries;
    char err[CLOGIN_STORE_ERRLEN];
    st = clogin_store_open(m->config.session_store, &o, &m->store, err);
    if (st != CLOGIN_OK) {
        snprintf(m->error, sizeof m->error, "SESSION_STORE: %.200s", err);
        return st;
    }
    m->store_owned = 1;
    return CLOGIN_OK;
}

clogin_status clogin_manager_connect(clogin_manager *m, clogin_signal signal,
                                     clogin_signal_fn fn, void *ctx) {
    clogin_status st = configurable(m);
    if (st != CLOGIN_OK)
        return st;
    if ((unsigned)signal >= CLOGIN_SIGNAL_COUNT || !fn)
        return CLOGIN_EINVAL;
    size_t n = m->slot_count[signal];
    clogin__slot *slots = realloc(m->slots[signal], (n + 1) * sizeof *slots);
    if (!slots)
        return CLOGIN_ENOMEM;
    slots[n].fn = fn;
    slots[n].ctx = ctx;
    m->slots[signal] = slots;
    m->slot_count[signal] = n + 1;
    return CLOGIN_OK;
}

clogin_status clogin_manager_start(clogin_manager *m) {
    clogin_status st = configurable(m);
    if (st != CLOGIN_OK)
        return st;
    st = clogin__config_validate(&m->config, m->error);
    if (st != CLOGIN_OK)
        return st;
    if (!m->user_loader && !m->request_loader) {
        /* Flask-Login raises "Missing user_loader or request_loader" on the
         * first request; here it is a start-up error. */
        snprintf(m->error, sizeof m->error,
                 "set a user loader or a request loader before starting");
        return CLOGIN_ECONFIG;
    }
    if (!m->user_class.get_id) {
        snprintf(m->error, sizeof m->error,
                 "set a user class (clogin_manager_set_user_class) with get_id");
        return CLOGIN_ECONFIG;
    }
    clogin_key *fallbacks = NULL;
    size_t nfb = m->config.fallback_key_count;
    if (nfb) {
        fallbacks = calloc(nfb, sizeof *fallbacks);
        if (!fallbacks)
            return CLOGIN_ENOMEM;
        for (size_t i = 0; i < nfb; i++) {
            fallbacks[i].data = m->config.fallback_keys[i].data;
            fallbacks[i].len = m->config.fallback_keys[i].len;
        }
    }
    clogin_signer_options o = {0};
    o.secret_key.data = m->config.secret_key.data;
    o.secret_key.len = m->config.secret_key.len;
    o.fallback_keys = fallbacks;
    o.fallback_key_count = nfb;
    o.max_age = m->config.permanent_session_lifetime;
    st = clogin_signer_new(&m->signer, &o);
    free(fallbacks);
    if (st != CLOGIN_OK) {
        snprintf(m->error, sizeof m->error, "could not prepare the keys: %s",
                 clogin_strerror(st));
        return st;
    }
    st = prepare_sessions(m);
    if (st != CLOGIN_OK) {
        clogin__keyring_free(&m->sid_keys);
        clogin__keyring_free(&m->remember_keys);
        clogin__keyring_free(&m->auth_keys);
        clogin_signer_free(m->signer);
        m->signer = NULL;
        return st;
    }
    static atomic_uint_fast64_t generations;
    m->generation = atomic_fetch_add(&generations, 1) + 1;
    m->started = 1;
    return CLOGIN_OK;
}
