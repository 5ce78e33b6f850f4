/* A request: what the adapter told us, the session loaded on first use,
 * the users to release, and small services the other files share. */
#include "manager.h"
#include "session_cache.h"
#include "url.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* Copy n bytes of src to *at as a string; returns where it starts. */
static char *put(char **at, const char *src, size_t n) {
    char *start = *at;
    memcpy(start, src, n);
    start[n] = '\0';
    *at += n + 1;
    return start;
}

/* One allocation holds the request and the copies of what the adapter
 * told us: this runs on every request. */
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
    const char *target = info->target;
    const char *q = strchr(target, '?');
    const char *scheme = info->scheme ? info->scheme : "http";
    const char *host = info->host ? info->host : "";
    const char *query = q ? q + 1 : "";
    size_t method_len = strlen(info->method), scheme_len = strlen(scheme),
           host_len = strlen(host), path_len = q ? (size_t)(q - target) : strlen(target),
           query_len = strlen(query),
           addr_len = info->remote_addr ? strlen(info->remote_addr) : 0;
    size_t strings = method_len + scheme_len + host_len + path_len + query_len + addr_len + 6;
    if (strings < method_len || strings > SIZE_MAX - sizeof(clogin_request))
        return CLOGIN_ENOMEM;
    clogin_request *r = calloc(1, sizeof *r + strings);
    if (!r)
        return CLOGIN_ENOMEM;
    char *at = (char *)(r + 1);
    r->method = put(&at, info->method, method_len);
    r->scheme = put(&at, scheme, scheme_len);
    r->host = put(&at, host, host_len);
    r->path = put(&at, target, path_len);
    r->query = put(&at, query, query_len);
    r->remote_addr = info->remote_addr ? put(&at, info->remote_addr, addr_len) : NULL;
    for (char *p = r->method; *p; p++) /* Werkzeug upper-cases it */
        if (*p >= 'a' && *p <= 'z')
            *p = (char)(*p - 'a' + 'A');
    r->m = m;
    r->header = info->header;
    r->header_ctx = info->header_ctx;
    r->now = info->now ? info->now : (int64_t)time(NULL);
    r->held = r->held_inline;
    r->held_cap = sizeof r->held_inline / sizeof r->held_inline[0];
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
    if (r->held != r->held_inline)
        free(r->held);
    if (r->session == &r->session_inline)
        json_decref(r->session_inline.root);
    else
        clogin_session_free(r->session);
    json_decref(r->flashes);
    free(r->url);
    free(r->location);
    free(r);
}

clogin_status clogin__hold(clogin_request *r, void *user, int anonymous) {
    for (size_t i = 0; i < r->held_count; i++)
        if (r->held[i].user == user && r->held[i].anonymous == anonymous)
            return CLOGIN_OK;
    if (r->held_count == r->held_cap) {
        size_t cap = r->held_cap * 2;
        clogin__held *h = malloc(cap * sizeof *h);
        if (!h)
            return CLOGIN_ENOMEM;
        memcpy(h, r->held, r->held_count * sizeof *h);
        if (r->held != r->held_inline)
            free(r->held);
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
    json_t *root;
    clogin_status st = clogin__cookie(r, c->session_cookie.name, &value, &len,
                                      buf, sizeof buf);
    if (st == CLOGIN_OK) {
        r->session_cookie_sent = 1;
        if (clogin__stored(r->m)) {
            r->session = clogin__store_load(r, value, len);
        } else if ((root = clogin__session_cache_get(r->m->generation, value, len, r->now,
                                                     r->m->signer->max_age)) != NULL) {
            /* a repeat of the same bytes: the cached JSON, shared */
            r->session_inline.root = root;
            r->session_inline.shared = 1;
            r->session = &r->session_inline;
        } else {
            clogin_cookie_info info;
            st = clogin_session_cookie_decode(r->m->signer, value, len, r->now,
                                              &r->session, &info);
            if (st == CLOGIN_OK)
                clogin__session_cache_put(r->m->generation, value, len, info.timestamp,
                                          r->session);
            else
                clogin__log(r, CLOGIN_LOG_DEBUG, "session cookie refused: %s",
                            clogin_status_name(st));
        }
    } else if (st != CLOGIN_ENOTFOUND) {
        clogin__log(r, CLOGIN_LOG_DEBUG, "session cookie unreadable: %s",
                    clogin_status_name(st));
    }
    if (!r->session) { /* a new, empty session, inside the request */
        if (!(r->session_inline.root = json_object()))
            return NULL;
        r->session = &r->session_inline;
    }
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
