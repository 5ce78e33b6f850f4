/* clogin-demo: a login site on libmicrohttpd, SQLite and clogin.
 *
 *   clogin-demo [--port N] [--db PATH] [--host ADDR] [--session-store SPEC]
 *               [--no-auth-hash] [--seed-users N]
 *
 * Every CLOGIN_* environment variable configures the login manager
 * (docs/configuration.md); CLOGIN_SECRET_KEY is the secret key.
 * --session-store is SESSION_STORE (cookie, memory, sqlite:PATH or
 * redis://HOST:PORT/DB, docs/stores.md) and wins over
 * CLOGIN_SESSION_STORE. --no-auth-hash leaves the user class's session auth
 * hash out, so that the cookies stay those of Flask-Login (loaders.c).
 * --seed-users N also gives a new database the load-test users user1..userN
 * (passwords pw-1..pw-N, cheaply hashed: never for real accounts; users.c). */
#include "app.h"

#include <arpa/inet.h>
#include <netdb.h>
#include <signal.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

static int usage(void) {
    fprintf(stderr, "usage: clogin-demo [--port N] [--db PATH] [--host ADDR]"
                    " [--session-store cookie|memory|sqlite:PATH|redis://HOST:PORT/DB]"
                    " [--no-auth-hash] [--seed-users N]\n");
    return 2;
}

static void log_line(void *ctx, clogin_log_level level, const char *message) {
    (void)ctx;
    if (level != CLOGIN_LOG_DEBUG) /* DEBUG: every refused cookie, too chatty */
        fprintf(stderr, "clogin-demo: %s: %s\n",
                level == CLOGIN_LOG_ERROR ? "error" : "warning", message);
}

/* Where the sessions live, on stdout; a Redis password is not printed. */
static void say_store(const clogin_manager *m) {
    const char *spec = clogin_manager_get(m, "SESSION_STORE");
    if (!clogin_manager_store(m) || !spec) {
        printf("clogin-demo: sessions in signed cookies (no server-side store)\n");
        return;
    }
    const char *at = strncmp(spec, "redis://", 8) == 0 ? strrchr(spec, '@') : NULL;
    if (at)
        printf("clogin-demo: sessions in redis://...%s\n", at);
    else
        printf("clogin-demo: sessions in %s\n", spec);
}

/* The login manager: defaults in code, then the environment over them,
 * then the command line's --session-store (store: NULL when not given). */
static int setup_manager(demo_app *app, const char *db_path, const char *store,
                         int auth_hash) {
    clogin_manager *m;
    if (clogin_manager_new(&m) != CLOGIN_OK)
        return -1;
    app->m = m;
    if (clogin_manager_set(m, "LOGIN_VIEW", "/login") != CLOGIN_OK ||
        clogin_manager_set(m, "REFRESH_VIEW", "/reauth") != CLOGIN_OK ||
        clogin_manager_load_env(m, NULL) != CLOGIN_OK ||
        (store && clogin_manager_set(m, "SESSION_STORE", store) != CLOGIN_OK)) {
        fprintf(stderr, "clogin-demo: %s\n", clogin_manager_error(m));
        return -1;
    }
    if (!clogin_manager_get(m, "SECRET_KEY") && secret_setup(m, db_path) != 0)
        return -1;
    const char *next = clogin_manager_get(m, "USE_SESSION_FOR_NEXT");
    app->session_next = next && strcmp(next, "true") == 0;
    clogin_user_class users = demo_user_class; /* the manager keeps a copy */
    if (!auth_hash)
        users.get_auth_hash = NULL;
    clogin_manager_set_user_class(m, &users, app);
    clogin_manager_set_user_loader(m, demo_load_user, app);
    clogin_manager_set_request_loader(m, demo_load_from_request, app);
    clogin_manager_set_log(m, log_line, NULL);
    if (clogin_manager_start(m) != CLOGIN_OK) { /* read-only and thread-safe from here */
        fprintf(stderr, "clogin-demo: %s\n", clogin_manager_error(m));
        return -1;
    }
    say_store(m);
    return 0;
}

/* Connections. A client that opens connections and sends its headers a
 * byte at a time (slowloris) holds each of them for as long as it keeps
 * sending: MHD_OPTION_CONNECTION_TIMEOUT counts idle seconds, and
 * libmicrohttpd 0.9.75 has no deadline for a request's headers. With
 * select(), MHD's default, nothing past descriptor 1023 can be watched, and
 * about 1,000 such connections made the demo refuse everyone else. So the
 * demo polls with poll() (MHD_USE_POLL), which has no such cap, and makes
 * room for MAX_CONNECTIONS (each costs a few KiB while idle) within the
 * descriptor limit, which it raises towards its hard limit; connections
 * past that wait in the listen queue. (Not epoll: with 0.9.75's, a client
 * that sends part of a request and closes is only let go after the idle
 * timeout, 30 s; with poll() at once.) A site on the Internet still wants
 * a proxy in front that gives up on slow headers (nginx's
 * client_header_timeout); a limit per address
 * (MHD_OPTION_PER_IP_CONNECTION_LIMIT) is left out, as clients behind one
 * NAT, or the load tests on 127.0.0.1, share an address. */
#define MAX_CONNECTIONS 10000u
#define FD_RESERVE 64u /* descriptors for the rest: SQLite, Redis, stdio */

static unsigned connection_limit(void) {
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) != 0)
        return 1000u;
    rlim_t want = (rlim_t)MAX_CONNECTIONS + FD_RESERVE;
    if (rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur < want) {
        rl.rlim_cur = rl.rlim_max != RLIM_INFINITY && rl.rlim_max < want ? rl.rlim_max : want;
        if (setrlimit(RLIMIT_NOFILE, &rl) != 0)
            getrlimit(RLIMIT_NOFILE, &rl);
    }
    if (rl.rlim_cur == RLIM_INFINITY || rl.rlim_cur >= want)
        return MAX_CONNECTIONS;
    return rl.rlim_cur > 2 * FD_RESERVE ? (unsigned)(rl.rlim_cur - FD_RESERVE) : FD_RESERVE;
}

/* --host as a socket address: an IPv4 or IPv6 address, or a name such as
 * localhost (its first address). */
static int parse_host(const char *host, unsigned port, struct sockaddr_storage *sa,
                      unsigned *flags) {
    struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM};
    struct addrinfo *res;
    if (getaddrinfo(host, NULL, &hints, &res) != 0)
        return -1;
    memset(sa, 0, sizeof *sa);
    memcpy(sa, res->ai_addr, res->ai_addrlen);
    if (sa->ss_family == AF_INET6) {
        ((struct sockaddr_in6 *)sa)->sin6_port = htons((uint16_t)port);
        *flags |= MHD_USE_IPv6;
    } else {
        ((struct sockaddr_in *)sa)->sin_port = htons((uint16_t)port);
    }
    freeaddrinfo(res);
    return 0;
}

int main(int argc, char **argv) {
    const char *db_path = "demo.db", *host = "127.0.0.1", *store = NULL;
    unsigned long port = 8080;
    long seed_users = 0;
    int auth_hash = 1;
    for (int i = 1; i < argc; i++) {
        char *end;
        if (i + 1 < argc && strcmp(argv[i], "--port") == 0) {
            port = strtoul(argv[++i], &end, 10);
            if (*end || end == argv[i] || port > 65535)
                return usage();
        } else if (i + 1 < argc && strcmp(argv[i], "--db") == 0) {
            db_path = argv[++i];
        } else if (i + 1 < argc && strcmp(argv[i], "--host") == 0) {
            host = argv[++i];
        } else if (i + 1 < argc && strcmp(argv[i], "--session-store") == 0) {
            store = argv[++i];
        } else if (i + 1 < argc && strcmp(argv[i], "--seed-users") == 0) {
            seed_users = strtol(argv[++i], &end, 10);
            if (*end || end == argv[i] || seed_users < 0 || seed_users > 1000000)
                return usage();
        } else if (strcmp(argv[i], "--no-auth-hash") == 0) {
            auth_hash = 0;
        } else {
            return usage();
        }
    }
    unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ERROR_LOG | MHD_USE_POLL;
    struct sockaddr_storage sa;
    if (parse_host(host, (unsigned)port, &sa, &flags) != 0) {
        fprintf(stderr, "clogin-demo: cannot resolve --host %s\n", host);
        return 2;
    }
    if (sodium_init() < 0) {
        fprintf(stderr, "clogin-demo: libsodium failed to start\n");
        return 1;
    }

    demo_app app = {0};
    int rc = 1;
    struct MHD_Daemon *d = NULL;
    if (users_open(&app, db_path, seed_users) != 0 ||
        setup_manager(&app, db_path, store, auth_hash) != 0)
        goto out;

    /* Block the stop signals before MHD starts its threads, which inherit
     * the mask; the main thread then waits for them with sigwait(). */
    sigset_t stop;
    sigemptyset(&stop);
    sigaddset(&stop, SIGINT);
    sigaddset(&stop, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &stop, NULL);
    signal(SIGPIPE, SIG_IGN);

    /* A pool of threads, so that a slow Argon2id check (a login) does not
     * hold up the other requests. A connection silent for 30 s is closed;
     * see connection_limit() for how many there may be. */
    d = MHD_start_daemon(flags, (uint16_t)port, NULL, NULL, demo_handle, &app,
                         MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&sa,
                         MHD_OPTION_THREAD_POOL_SIZE, 4u,
                         MHD_OPTION_CONNECTION_TIMEOUT, 30u,
                         MHD_OPTION_CONNECTION_LIMIT, connection_limit(),
                         MHD_OPTION_URI_LOG_CALLBACK, clogin_mhd_uri_logger, NULL,
                         MHD_OPTION_NOTIFY_COMPLETED, clogin_mhd_completed, NULL,
                         MHD_OPTION_END);
    if (!d) {
        fprintf(stderr, "clogin-demo: cannot listen on %s port %lu\n", host, port);
        goto out;
    }
    const union MHD_DaemonInfo *info = MHD_get_daemon_info(d, MHD_DAEMON_INFO_BIND_PORT);
    int v6 = strchr(host, ':') != NULL;
    printf("clogin-demo: serving http://%s%s%s:%u/\n", v6 ? "[" : "", host, v6 ? "]" : "",
           info ? info->port : (unsigned)port);
    fflush(stdout);

    int sig;
    sigwait(&stop, &sig);
    printf("clogin-demo: stopping\n");
    rc = 0;
out:
    if (d)
        MHD_stop_daemon(d); /* waits for the requests in flight */
    clogin_manager_free(app.m);
    users_close(&app);
    return rc;
}
