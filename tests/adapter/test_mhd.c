/* The libmicrohttpd adapter over real sockets, in both of MHD's threading
 * models and over IPv4 and IPv6: a login sets the session cookie, the
 * cookie opens the guarded page, the guard redirects anonymous requests,
 * a form body is read and a too-large one flagged, the raw request-target
 * reaches clogin (request.url), and connections stay alive. */
#define _POSIX_C_SOURCE 200809L
#include <clogin/mhd.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static int failures;
#define CHECK(cond)                                                           \
    do {                                                                      \
        if (!(cond)) {                                                        \
            fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond); \
            failures++;                                                       \
        }                                                                     \
    } while (0)

static const char *user_id(void *ctx, const void *user) {
    (void)ctx;
    return user;
}

static clogin_status load_user(void *ctx, const char *id, void **user) {
    (void)ctx;
    *user = strcmp(id, "7") == 0 ? (void *)(uintptr_t) "7" : NULL;
    return CLOGIN_OK;
}

static enum MHD_Result handler(void *cls, struct MHD_Connection *c, const char *url,
                               const char *method, const char *version,
                               const char *upload_data, size_t *upload_size,
                               void **req_cls) {
    (void)version;
    clogin_mhd *h;
    switch (clogin_mhd_step(cls, c, method, upload_data, upload_size, req_cls, 64, &h)) {
    case CLOGIN_MHD_MORE:
        return MHD_YES;
    case CLOGIN_MHD_FAIL:
        return MHD_NO;
    case CLOGIN_MHD_READY:
        break;
    }
    clogin_request *r = clogin_mhd_request(h);
    char body[512];
    if (strcmp(url, "/login") == 0) {
        if (clogin_mhd_body_too_large(h))
            return clogin_mhd_respond(h, c, 413, "text/plain", "", 0);
        size_t len;
        const char *who = clogin_mhd_form_value(h, "user", &len);
        if (!who || len != 7 || strcmp(who, "seven 7") != 0)
            return clogin_mhd_respond(h, c, 401, "text/plain", "", 0);
        clogin_login_user(r, (void *)(uintptr_t) "7", NULL);
        return clogin_mhd_respond(h, c, 204, NULL, "", 0);
    }
    int status = clogin_login_required(r);
    if (status)
        return clogin_mhd_respond(h, c, (unsigned)status, "text/plain", "", 0);
    snprintf(body, sizeof body, "%s %s", clogin_current_user_id(r), clogin_request_url(r));
    return clogin_mhd_respond(h, c, 200, "text/plain", body, strlen(body));
}

/* One HTTP/1.1 exchange on fd; the whole response (headers + body) in out. */
static int exchange(int fd, const char *request, char *out, size_t size) {
    if (write(fd, request, strlen(request)) != (ssize_t)strlen(request))
        return -1;
    size_t n = 0;
    for (;;) {
        ssize_t got = read(fd, out + n, size - 1 - n);
        if (got <= 0)
            return -1;
        n += (size_t)got;
        out[n] = '\0';
        char *end = strstr(out, "\r\n\r\n");
        const char *cl = strstr(out, "Content-Length: ");
        if (end && (!cl || cl > end)) /* no body, as for 204 */
            return 0;
        if (end && n >= (size_t)(end + 4 - out) + (size_t)atoi(cl + 16))
            return 0;
    }
}

static int connect_to(int family, unsigned short port) {
    int fd = socket(family, SOCK_STREAM, 0);
    if (family == AF_INET) {
        struct sockaddr_in a = {0};
        a.sin_family = AF_INET;
        a.sin_port = htons(port);
        a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        return connect(fd, (struct sockaddr *)&a, sizeof a) == 0 ? fd : -1;
    }
    struct sockaddr_in6 a = {0};
    a.sin6_family = AF_INET6;
    a.sin6_port = htons(port);
    a.sin6_addr = in6addr_loopback;
    return connect(fd, (struct sockaddr *)&a, sizeof a) == 0 ? fd : -1;
}

static void scenario(clogin_manager *m, unsigned int flags, int family) {
    struct MHD_Daemon *d = MHD_start_daemon(
        flags | (family == AF_INET6 ? MHD_USE_IPv6 : 0), 0, NULL, NULL, handler, m,
        MHD_OPTION_URI_LOG_CALLBACK, clogin_mhd_uri_logger, NULL,
        MHD_OPTION_NOTIFY_COMPLETED, clogin_mhd_completed, NULL,
        (flags & MHD_USE_THREAD_PER_CONNECTION) ? MHD_OPTION_END : MHD_OPTION_THREAD_POOL_SIZE,
        2, MHD_OPTION_END);
    CHECK(d != NULL);
    if (!d)
        return;
    unsigned short port = MHD_get_daemon_info(d, MHD_DAEMON_INFO_BIND_PORT)->port;
    int fd = connect_to(family, port);
    CHECK(fd >= 0);
    char resp[8192], req[2048];
    /* anonymous: the guard answers 401 (no login view) */
    CHECK(exchange(fd, "GET /p HTTP/1.1\r\nHost: t\r\n\r\n", resp, sizeof resp) == 0);
    CHECK(strncmp(resp, "HTTP/1.1 401", 12) == 0);
    /* a login form on the same connection: kept alive */
    CHECK(exchange(fd, "POST /login HTTP/1.1\r\nHost: t\r\nContent-Type: "
                       "application/x-www-form-urlencoded\r\nContent-Length: 14\r\n\r\n"
                       "user=seven+%37", resp, sizeof resp) == 0);
    CHECK(strncmp(resp, "HTTP/1.1 204", 12) == 0);
    char *cookie = strstr(resp, "Set-Cookie: session=");
    CHECK(cookie != NULL);
    CHECK(strstr(resp, "Vary: Cookie") != NULL);
    char value[1024] = "";
    if (cookie)
        sscanf(cookie + 12, "%1023[^;]", value);
    snprintf(req, sizeof req, "GET /p/%%41%%20b?x=%%2F&y=1 HTTP/1.1\r\nHost: t:8\r\nCookie: %s\r\n\r\n",
             value);
    CHECK(exchange(fd, req, resp, sizeof resp) == 0);
    CHECK(strncmp(resp, "HTTP/1.1 200", 12) == 0);
    /* the raw target reached request.url: %41 decoded as Werkzeug does, %20 and %2F kept */
    CHECK(strstr(resp, "\r\n\r\n7 http://t:8/p/A%20b?x=%2F&y=1") != NULL);
    /* a body over the limit */
    CHECK(exchange(fd, "POST /login HTTP/1.1\r\nHost: t\r\nContent-Type: "
                       "application/x-www-form-urlencoded\r\nContent-Length: 80\r\n\r\n"
                       "user=xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx",
                   resp, sizeof resp) == 0);
    CHECK(strncmp(resp, "HTTP/1.1 413", 12) == 0);
    close(fd);
    MHD_stop_daemon(d);
}

int main(void) {
    clogin_manager *m;
    static const clogin_user_class cls = {.get_id = user_id};
    if (clogin_manager_new(&m) || clogin_manager_set(m, "SECRET_KEY", "adapter-test") ||
        clogin_manager_set_user_class(m, &cls, NULL) ||
        clogin_manager_set_user_loader(m, load_user, NULL) || clogin_manager_start(m)) {
        fprintf(stderr, "manager: %s\n", clogin_manager_error(m));
        return 1;
    }
    scenario(m, MHD_USE_INTERNAL_POLLING_THREAD, AF_INET);
    scenario(m, MHD_USE_THREAD_PER_CONNECTION | MHD_USE_INTERNAL_POLLING_THREAD, AF_INET);
    scenario(m, MHD_USE_INTERNAL_POLLING_THREAD, AF_INET6);
    clogin_manager_free(m);
    if (failures)
        fprintf(stderr, "%d checks failed\n", failures);
    return failures ? 1 : 0;
}
