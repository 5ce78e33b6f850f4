/* The libmicrohttpd adapter: an MHD connection in, clogin's request; clogin's
 * outcome out, as response headers. See include/clogin/mhd.h for the
 * handler pattern and docs/adapters.md for writing an adapter of your own.
 *
 * The steps every adapter takes:
 *  1. build a clogin_request_info from what the server parsed: method,
 *     scheme, Host, the raw request-target, the peer's address, and a
 *     header look-up function (MHD's is case-insensitive already);
 *  2. clogin_request_begin() once the headers are in;
 *  3. after the handler, clogin_request_finish() with a callback that adds
 *     each header to the server's response, then send it;
 *  4. clogin_request_free() when the server is done with the request. */
#define _POSIX_C_SOURCE 200809L
#include <clogin/mhd.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>

#define DEFAULT_MAX_BODY 16384

/* A form field looked up once, kept until the request ends. */
typedef struct form_field {
    char *name;
    char *value; /* NUL-terminated; NULL when the form has no such field */
    size_t len;
} form_field;

struct clogin_mhd {
    char *target; /* the raw request-target, from the URI log callback */
    clogin_request *r;
    int is_form;  /* Content-Type: application/x-www-form-urlencoded */
    char *body;   /* the form as received, decoded by clogin_form_get() */
    size_t body_len, max_body;
    int too_large;
    struct MHD_PostProcessor *multipart; /* multipart/form-data bodies */
    form_field *fields;
    size_t field_count;
};

void *clogin_mhd_uri_logger(void *cls, const char *uri, struct MHD_Connection *c) {
    (void)cls;
    (void)c;
    clogin_mhd *h = calloc(1, sizeof *h);
    if (!h)
        return NULL;
    size_t n = strlen(uri) + 1;
    h->target = malloc(n);
    if (!h->target) {
        free(h);
        return NULL;
    }
    memcpy(h->target, uri, n);
    return h;
}

void clogin_mhd_completed(void *cls, struct MHD_Connection *c, void **req_cls,
                          enum MHD_RequestTerminationCode toe) {
    (void)cls;
    (void)c;
    (void)toe;
    clogin_mhd *h = req_cls ? *req_cls : NULL;
    if (!h)
        return;
    free(h->body);
    if (h->multipart)
        MHD_destroy_post_processor(h->multipart);
    for (size_t i = 0; i < h->field_count; i++) {
        free(h->fields[i].name);
        free(h->fields[i].value); /* clogin_free() is free() */
    }
    free(h->fields);
    clogin_request_free(h->r);
    free(h->target);
    free(h);
    *req_cls = NULL;
}

static const char *lookup_header(void *ctx, const char *name) {
    return MHD_lookup_connection_value(ctx, MHD_HEADER_KIND, name);
}

/* The peer as text; IPv4 peers of a dual-stack socket lose their ::ffff:
 * prefix, so that one client has one address whatever the socket. */
static const char *peer_address(struct MHD_Connection *c, char *buf, size_t size) {
    const union MHD_ConnectionInfo *info =
        MHD_get_connection_info(c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    const struct sockaddr *sa = info ? info->client_addr : NULL;
    if (!sa)
        return NULL;
    if (sa->sa_family == AF_INET) {
        const struct sockaddr_in *in = (const struct sockaddr_in *)(const void *)sa;
        return inet_ntop(AF_INET, &in->sin_addr, buf, (socklen_t)size);
    }
    if (sa->sa_family == AF_INET6) {
        const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)(const void *)sa;
        if (IN6_IS_ADDR_V4MAPPED(&in6->sin6_addr))
            return inet_ntop(AF_INET, &in6->sin6_addr.s6_addr[12], buf, (socklen_t)size);
        return inet_ntop(AF_INET6, &in6->sin6_addr, buf, (socklen_t)size);
    }
    return NULL;
}

static int is_tls(struct MHD_Connection *c) {
    const union MHD_ConnectionInfo *info =
        MHD_get_connection_info(c, MHD_CONNECTION_INFO_GNUTLS_SESSION);
    return info && info->tls_session;
}

static form_field *add_field(clogin_mhd *h, const char *name) {
    form_field *fields = realloc(h->fields, (h->field_count + 1) * sizeof *fields);
    if (!fields)
        return NULL;
    h->fields = fields;
    form_field *f = &fields[h->field_count];
    size_t n = strlen(name) + 1;
    f->name = malloc(n);
    if (!f->name)
        return NULL;
    memcpy(f->name, name, n);
    f->value = NULL;
    f->len = 0;
    h->field_count++;
    return f;
}

/* MHD's post processor reads multipart bodies and hands each field's value
 * in pieces: off is where this piece goes. (Urlencoded bodies are decoded
 * by clogin instead: MHD's decoder cuts values at %00.) */
static enum MHD_Result take_part(void *cls, enum MHD_ValueKind kind, const char *key,
                                 const char *filename, const char *content_type,
                                 const char *transfer_encoding, const char *data,
                                 uint64_t off, size_t size) {
    (void)kind;
    (void)filename;
    (void)content_type;
    (void)transfer_encoding;
    clogin_mhd *h = cls;
    form_field *f = h->field_count ? &h->fields[h->field_count - 1] : NULL;
    if (off == 0 || !f || strcmp(f->name, key) != 0)
        f = add_field(h, key);
    char *v = f ? realloc(f->value, f->len + size + 1) : NULL;
    if (!v)
        return MHD_NO;
    memcpy(v + f->len, data, size);
    f->len += size;
    v[f->len] = '\0';
    f->value = v;
    return MHD_YES;
}

static int is_urlencoded(struct MHD_Connection *c) {
    static const char type[] = "application/x-www-form-urlencoded";
    const char *ct = MHD_lookup_connection_value(c, MHD_HEADER_KIND,
                                                 MHD_HTTP_HEADER_CONTENT_TYPE);
    if (!ct || strncasecmp(ct, type, sizeof type - 1) != 0)
        return 0;
    ct += sizeof type - 1;
    return *ct == '\0' || *ct == ';' || *ct == ' ';
}

clogin_mhd_state clogin_mhd_step(const clogin_manager *m, struct MHD_Connection *c,
                                 const char *method, const char *upload_data,
                                 size_t *upload_size, void **req_cls, size_t max_body,
                                 clogin_mhd **out) {
    clogin_mhd *h = req_cls ? *req_cls : NULL;
    if (!h || !m || !c || !method || !upload_size || !out)
        return CLOGIN_MHD_FAIL; /* the URI log callback was not installed */
    *out = NULL;
    if (!h->r) {
        char addr[INET6_ADDRSTRLEN];
        clogin_request_info info = {0};
        info.method = method;
        info.scheme = is_tls(c) ? "https" : "http";
        info.host = MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_HOST);
        info.target = h->target;
        info.remote_addr = peer_address(c, addr, sizeof addr);
        info.header = lookup_header;
        info.header_ctx = c;
        if (clogin_request_begin(m, &info, &h->r) != CLOGIN_OK)
            return CLOGIN_MHD_FAIL;
        h->max_body = max_body ? max_body : DEFAULT_MAX_BODY;
        h->is_form = is_urlencoded(c);
        if (!h->is_form) /* NULL unless the body is multipart/form-data */
            h->multipart = MHD_create_post_processor(c, 4096, take_part, h);
        return CLOGIN_MHD_MORE; /* answering now would close the connection */
    }
    if (*upload_size) {
        /* Urlencoded forms are kept and decoded by clogin as Werkzeug
         * decodes them (MHD's post processor cuts values at %00 and drops a
         * trailing '%'); multipart forms go through MHD's post processor;
         * any other body only counts against the limit. */
        size_t n = *upload_size;
        *upload_size = 0;
        if (h->too_large || n > h->max_body - h->body_len) {
            h->too_large = 1;
            return CLOGIN_MHD_MORE;
        }
        if (h->is_form) {
            char *body = realloc(h->body, h->body_len + n);
            if (!body)
                return CLOGIN_MHD_FAIL;
            memcpy(body + h->body_len, upload_data, n);
            h->body = body;
        } else if (h->multipart) { /* a broken body keeps what was read */
            (void)MHD_post_process(h->multipart, upload_data, n);
        }
        h->body_len += n;
        return CLOGIN_MHD_MORE;
    }
    *out = h;
    return CLOGIN_MHD_READY;
}

clogin_request *clogin_mhd_request(clogin_mhd *h) {
    return h ? h->r : NULL;
}

const char *clogin_mhd_form_value(clogin_mhd *h, const char *name, size_t *len) {
    if (!h || !name || h->too_large)
        return NULL;
    for (size_t i = 0; i < h->field_count; i++) {
        if (strcmp(h->fields[i].name, name) == 0) {
            if (len)
                *len = h->fields[i].len;
            return h->fields[i].value;
        }
    }
    if (!h->is_form)
        return NULL;
    /* Decoded on first use and remembered, found or not. */
    form_field *f = add_field(h, name);
    if (!f || clogin_form_get(h->body, h->body_len, name, &f->value, &f->len) != CLOGIN_OK)
        return NULL;
    if (len)
        *len = f->len;
    return f->value;
}

int clogin_mhd_body_too_large(const clogin_mhd *h) {
    return h ? h->too_large : 0;
}

static int add_header(void *ctx, const char *name, const char *value) {
    return MHD_add_response_header(ctx, name, value) == MHD_YES ? 0 : -1;
}

enum MHD_Result clogin_mhd_queue(clogin_mhd *h, struct MHD_Connection *c,
                                 unsigned int status, struct MHD_Response *response) {
    if (!h || !c || !response)
        return MHD_NO;
    /* A cookie that cannot be sent loses a cookie, not the response. But a
     * session the store would not take (a login, a logout) makes the
     * application's page a lie ("welcome", "goodbye"): answer 503 instead,
     * with no cookie, so the browser keeps what it had and can retry. */
    if (clogin_request_finish(h->r, add_header, response) != CLOGIN_EUNAVAILABLE)
        return MHD_queue_response(c, status, response);
    static const char busy[] = "The session store did not answer. Please try again.\n";
    struct MHD_Response *unavailable = MHD_create_response_from_buffer(
        sizeof busy - 1, (void *)(uintptr_t)busy, MHD_RESPMEM_PERSISTENT);
    if (!unavailable)
        return MHD_NO;
    enum MHD_Result rc = MHD_NO;
    if (MHD_add_response_header(unavailable, MHD_HTTP_HEADER_CONTENT_TYPE,
                                "text/plain; charset=utf-8") == MHD_YES &&
        MHD_add_response_header(unavailable, MHD_HTTP_HEADER_RETRY_AFTER, "5") == MHD_YES &&
        MHD_add_response_header(unavailable, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store") ==
            MHD_YES)
        rc = MHD_queue_response(c, MHD_HTTP_SERVICE_UNAVAILABLE, unavailable);
    MHD_destroy_response(unavailable);
    return rc;
}

enum MHD_Result clogin_mhd_respond(clogin_mhd *h, struct MHD_Connection *c,
                                   unsigned int status, const char *content_type,
                                   const void *body, size_t len) {
    struct MHD_Response *response =
        MHD_create_response_from_buffer(len, (void *)(uintptr_t)body, MHD_RESPMEM_MUST_COPY);
    if (!response)
        return MHD_NO;
    if (content_type &&
        MHD_add_response_header(response, MHD_HTTP_HEADER_CONTENT_TYPE, content_type) != MHD_YES) {
        MHD_destroy_response(response);
        return MHD_NO;
    }
    enum MHD_Result rc = clogin_mhd_queue(h, c, status, response);
    MHD_destroy_response(response);
    return rc;
}
