/* A request: what the adapter told us, the session loaded on first use,
 * the users to release, and small services the other files share. */
#include "manager.h"
#include "url.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

clogin_status clogin_request_begin(const clogin_manager *m,
                                   const clogin_request_info *info,
                                   clogin_request **out) {
    if (!out)
        return CLOGIN_EINVAL;
    *out = NULL;
    if (!m || !info || !info->method || !info->target)
        return CLOGIN_EINVAL;
    if (!m->started)
        return CLOGIN_ESTATE;
    clogin_request *r = calloc(1, sizeof *r);
    if (!r)
        return CLOGIN_ENOMEM;
    r->m = m;
    r->header = info->header;
    r->header_ctx = info->header_ctx;
    r->now = info->now ? info->now : (int64_t)time(NULL);
    const char *target = info->target;
    const char *q = strchr(target, '?');
    size_t path_len = q ? (size_t)(q - target) : strlen(target);
    r->method = clogin__strdup(info->method);
    r->scheme = clogin__strdup(info->scheme ? info->scheme : "http");
    r->host = clogin__strdup(info->host);
    r->path = clogin__strndup(target, path_len);
    r->query = clogin__strdup(q ? q + 1 : "");
    r->remote_addr = info->remote_addr ? clogin__strdup(info->remote_addr) : NULL;
    for (char *p = r->method; p && *p; p++) /* Werkzeug upper-cases it */
        if (*p >= 'a' && *p <= 'z')
            *p = (char)(*p - 'a' + 'A');
    if (!r->method || !r->scheme || !r->host || !r->path || !r->query ||
        (info->remote_addr && !r->remote_addr)) {
        clogin_request_free(r);
        return CLOGIN_ENOMEM;
    }
    r->anonymous = 1;
    *out = r;
    return CLOGIN_OK;
}

void clogin_request_free(clogin_request *r) {
    if (!r)
        return;
    const clogin_manager *m = r->m;
    for (size_t i = 0; i < r->held_count; i++) {
        const clogin__held *h = &r->held[i];
        if (h->anonymous && m->anon_class.release)
            m->anon_class.release(m->anon_ctx, h->user);
        else if (!h->anonymous && m->user_class.release)
            m->user_class.release(m->user_ctx, h->user);
    }
    free(r->held);
    clogin_session_free(r->session);
    json_decref(r->flashes);
    free(r->method);
    free(r->scheme);
    free(r->host);
    free(r->path);
    free(r->query);
    free(r->remote_addr);
    free(r->url);
    free(r->location);
    free(r);
}

clogin_status clogin__hold(clogin_request *r, void *user, int anonymous) {
    for (size_t i = 0; i < r->held_count; i++)
        if (r->held[i].user == user && r->held[i].anonymous == anonymous)
            return CLOGIN_OK;
    if (r->held_count == r->held_cap) {
        size_t cap = r->held_cap ? r->held_cap * 2 : 2;
        clogin__held *h = realloc(r->held, cap * sizeof *h);
        if (!h)
            return CLOGIN_ENOMEM;
        r->held = h;
        r->held_cap = cap;
    }
    r->held[r->held_count].user = user;
    r->held[r->held_count].anonymous = anonymous;
    r->held_count++;
    return CLOGIN_OK;
}

const clogin_manager *clogin_request_manager(const clogin_request *r) {
    return r ? r->m : NULL;
}
const char *clogin_request_method(const clogin_request *r) {
    return r ? r->method : NULL;
}
const char *clogin_request_path(const clogin_request *r) {
    return r ? r->path : NULL;
}
const char *clogin_request_query(const clogin_request *r) {
    return r ? r->query : NULL;
}

const char *clogin_request_header(const clogin_request *r, const char *name) {
    if (!r || !name || !r->header)
        return NULL;
    return r->header(r->header_ctx, name);
}

clogin_status clogin_form_get(const char *data, size_t data_len, const char *name,
                              char **value, size_t *len) {
    if ((!data && data_len) || !name || !value)
        return CLOGIN_EINVAL;
    size_t n;
    clogin_status st = clogin__query_arg_len(data ? data : "", data_len, name, value, &n);
    if (st == CLOGIN_OK && len)
        *len = n;
    return st;
}

clogin_status clogin_request_arg(const clogin_request *r, const char *name,
                                 char **value, size_t *len) {
    if (!r)
        return CLOGIN_EINVAL;
    return clogin_form_get(r->query, strlen(r->query), name, value, len);
}

clogin_status clogin__cookie(const clogin_request *r, const char *name,
                             const char **value, size_t *len, char *buf,
                             size_t buf_size) {
    const char *header = clogin_request_header(r, "Cookie");
    if (!header)
        return CLOGIN_ENOTFOUND;
    return clogin_cookie_find(header, strlen(header), name, value, len, buf,
                              buf_size);
}

int clogin__cookie_sent(const clogin_request *r, const char *name) {
    const char *value;
    size_t len;
    /* ETOOLARGE (an escaped value, no buffer) still means it was sent */
    return clogin__cookie(r, name, &value, &len, NULL, 0) != CLOGIN_ENOTFOUND;
}

clogin_status clogin_request_cookie(const clogin_request *r, const char *name,
                                    char **value, size_t *len) {
    if (!r || !name || !value)
        return CLOGIN_EINVAL;
    *value = NULL;
    const char *header = clogin_request_header(r, "Cookie");
    if (!header)
        return CLOGIN_ENOTFOUND;
    size_t hlen = strlen(header);
    char *buf = malloc(hlen + 1);
    if (!buf)
        return CLOGIN_ENOMEM;
    const char *v;
    size_t n;
    clogin_status st = clogin_cookie_find(header, hlen, name, &v, &n, buf, hlen + 1);
    if (st == CLOGIN_OK) {
        *value = clogin__strndup(v, n);
        if (!*value)
            st = CLOGIN_ENOMEM;
        else if (len)
            *len = n;
    }
    free(buf);
    return st;
}

const char *clogin_request_url(clogin_request *r) {
    if (!r)
        return NULL;
    if (!r->url) {
        size_t n = strlen(r->path) + strlen(r->query) + 2;
        char *target = malloc(n);
        if (!target)
            return NULL;
        snprintf(target, n, "%s%s%s", r->path, r->query[0] ? "?" : "", r->query);
        r->url = clogin__request_url(r->scheme, r->host, target);
        free(target);
    }
    return r->url;
}

/* The session cookie, decoded on first use. A cookie that does not verify
 * is logged and the session starts empty, as in Flask. */
clogin_session *clogin__session(clogin_request *r) {
    if (r->session)
        return r->session;
    const clogin__config *c = &r->m->config;
    char buf[4096];
    const char *value;
    size_t len;
    clogin_status st = clogin__cookie(r, c->session_cookie.name, &value, &len,
                                      buf, sizeof buf);
    if (st == CLOGIN_OK) {
        r->session_cookie_sent = 1;
        if (clogin__stored(r->m)) {
            r->session = clogin__store_load(r, value, len);
        } else {
            st = clogin_session_cookie_decode(r->m->signer, value, len, r->now,
                                              &r->session, NULL);
            if (st != CLOGIN_OK)
                clogin__log(r, CLOGIN_LOG_DEBUG, "session cookie refused: %s",
                            clogin_status_name(st));
        }
    } else if (st != CLOGIN_ENOTFOUND) {
        clogin__log(r, CLOGIN_LOG_DEBUG, "session cookie unreadable: %s",
                    clogin_status_name(st));
    }
    if (!r->session && clogin_session_new(&r->session) != CLOGIN_OK)
        return NULL;
    return r->session;
}

clogin_session *clogin_request_session(clogin_request *r) {
    if (!r)
        return NULL;
    r->session_accessed = 1;
    return clogin__session(r);
}

clogin_status clogin_session_set_permanent(clogin_request *r, int permanent) {
    clogin_session *s = clogin_request_session(r);
    if (!s)
        return r ? CLOGIN_ENOMEM : CLOGIN_EINVAL;
    return clogin_session_set_bool(s, CLOGIN__KEY_PERMANENT, permanent != 0);
}

/* The client's address: the peer, or with TRUSTED_PROXIES = n the n-th
 * X-Forwarded-For entry from the right, since each trusted proxy appends
 * the address it saw (the leftmost one when there are fewer). Returns the
 * length, or (size_t)-1 when the address is unknown. */
size_t clogin__client_addr(const clogin_request *r, char *out, size_t cap) {
    int n = r->m->config.trusted_proxies;
    const char *xff = n > 0 ? clogin_request_header(r, "X-Forwarded-For") : NULL;
    const char *start = r->remote_addr, *end;
    if (!xff && !start)
        return (size_t)-1;
    if (xff) {
        size_t entries = 1;
        for (const char *p = xff; *p; p++)
            entries += *p == ',';
        size_t want = entries >= (size_t)n ? entries - (size_t)n : 0;
        start = xff;
        for (size_t i = 0; i < want; i++)
            start = strchr(start, ',') + 1;
        end = strchr(start, ',');
        if (!end)
            end = start + strlen(start);
        while (start < end && (*start == ' ' || *start == '\t'))
            start++;
        while (end > start && (end[-1] == ' ' || end[-1] == '\t'))
            end--;
    } else {
        end = start + strlen(start);
    }
    size_t len = (size_t)(end - start);
    if (len >= cap)
        len = cap - 1;
    memcpy(out, start, len);
    out[len] = '\0';
    return len;
}

const char *clogin__identifier(clogin_request *r) {
    if (r->identifier_done)
        return r->identifier;
    const clogin_manager *m = r->m;
    clogin_status st;
    if (m->identifier) {
        st = m->identifier(m->identifier_ctx, r, r->identifier);
        r->identifier[CLOGIN_SESSION_ID_LEN] = '\0';
    } else {
        char addr[128];
        size_t n = clogin__client_addr(r, addr, sizeof addr);
        st = clogin__session_identifier(m->signer->sha512,
                                        m->config.identifier_format,
                                        n == (size_t)-1 ? NULL : addr,
                                        clogin_request_header(r, "User-Agent"),
                                        r->identifier);
    }
    if (st != CLOGIN_OK) {
        /* No identifier: protection then sees a changed one, the safe side. */
        clogin__log(r, CLOGIN_LOG_ERROR, "session identifier failed: %s",
                    clogin_status_name(st));
        memset(r->identifier, '-', CLOGIN_SESSION_ID_LEN);
        r->identifier[CLOGIN_SESSION_ID_LEN] = '\0';
    }
    r->identifier_done = 1;
    return r->identifier;
}

void clogin__emit(clogin_request *r, clogin_signal sig, void *user) {
    const clogin_manager *m = r->m;
    for (size_t i = 0; i < m->slot_count[sig]; i++)
        m->slots[sig][i].fn(m->slots[sig][i].ctx, r, sig, user);
}

void clogin__log(const clogin_request *r, clogin_log_level level,
                 const char *fmt, ...) {
    const clogin_manager *m = r->m;
    if (!m->log)
        return;
    char msg[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    m->log(m->log_ctx, level, msg);
}
