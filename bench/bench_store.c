/* The protected request per session store: nanoseconds for one request
 * through the core as an adapter drives it (begin, current user, finish,
 * free) with a logged-in session cookie, for cookie sessions and each
 * server-side store, measured side by side in one run. Redis runs on a
 * redis-server this benchmark starts on a free port and stops. */
#define _POSIX_C_SOURCE 200809L
#include "clogin.h"
#include "timing.h"
#include "../tests/unit/redis_server.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#define UA "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko)"

typedef struct user {
    char id[16];
} user;

static const char *get_id(void *ctx, const void *u) {
    (void)ctx;
    return ((const user *)u)->id;
}
static void release(void *ctx, void *u) {
    (void)ctx;
    free(u);
}
static clogin_status load_user(void *ctx, const char *id, void **out) {
    (void)ctx;
    user *u = malloc(sizeof *u);
    if (!u)
        return CLOGIN_ENOMEM;
    snprintf(u->id, sizeof u->id, "%s", id);
    *out = u;
    return CLOGIN_OK;
}
static const clogin_user_class user_class = {.get_id = get_id, .release = release};

typedef struct req {
    char cookie[512];
} req;

static const char *header(void *ctx, const char *name) {
    req *q = ctx;
    if (strcasecmp(name, "Cookie") == 0)
        return q->cookie;
    if (strcasecmp(name, "User-Agent") == 0)
        return UA;
    return NULL;
}

static int keep_cookie(void *ctx, const char *name, const char *value) {
    req *q = ctx;
    if (strcmp(name, "Set-Cookie") == 0 && strncmp(value, "session=", 8) == 0) {
        size_t n = strcspn(value, ";");
        if (n >= sizeof q->cookie)
            return -1;
        memcpy(q->cookie, value, n);
        q->cookie[n] = '\0';
    }
    return 0;
}
static int drop(void *ctx, const char *name, const char *value) {
    (void)ctx;
    (void)name;
    (void)value;
    return 0;
}

static clogin_request *open_request(clogin_manager *m, req *q, const char *target) {
    clogin_request_info info = {"GET", "http", "bench.example", target, "203.0.113.7",
                                header, q, 0};
    clogin_request *r;
    if (clogin_request_begin(m, &info, &r) != CLOGIN_OK)
        exit(1);
    return r;
}

static clogin_manager *manager(const char *store) {
    clogin_manager *m;
    if (clogin_manager_new(&m) != CLOGIN_OK ||
        clogin_manager_set(m, "SECRET_KEY", "bench-secret-key-0123456789") != CLOGIN_OK ||
        clogin_manager_set(m, "SESSION_STORE", store) != CLOGIN_OK ||
        clogin_manager_set_user_class(m, &user_class, NULL) != CLOGIN_OK ||
        clogin_manager_set_user_loader(m, load_user, NULL) != CLOGIN_OK ||
        clogin_manager_start(m) != CLOGIN_OK) {
        fprintf(stderr, "bench_store: %s: %s\n", store, clogin_manager_error(m));
        exit(1);
    }
    return m;
}

/* One protected request; exits if the user is not logged in. */
static void protected_request(clogin_manager *m, req *q) {
    clogin_request *r = open_request(m, q, "/protected");
    if (clogin_login_required(r) != 0) {
        fprintf(stderr, "bench_store: the session did not log in\n");
        exit(1);
    }
    clogin_request_finish(r, drop, NULL);
    clogin_request_free(r);
}

typedef struct target {
    clogin_manager *m;
    req *q;
} target;

static void one_request(void *p) {
    target *t = p;
    protected_request(t->m, t->q);
}

static double run(const char *store) {
    clogin_manager *m = manager(store);
    req q = {""};
    clogin_request *r = open_request(m, &q, "/login");
    user *u = malloc(sizeof *u);
    if (!u)
        exit(1);
    strcpy(u->id, "42");
    if (clogin_login_user(r, u, NULL) != CLOGIN_OK ||
        clogin_request_finish(r, keep_cookie, &q) != CLOGIN_OK)
        exit(1);
    clogin_request_free(r);
    target t = {m, &q};
    double ns = bench_measure(one_request, &t);
    clogin_manager_free(m);
    return ns;
}

int main(int argc, char **argv) {
    int json = argc > 1 && strcmp(argv[1], "--json") == 0;
    char dir[] = "/tmp/clogin-bench.XXXXXX";
    if (!mkdtemp(dir))
        return 1;
    char sqlite[64], url[64];
    snprintf(sqlite, sizeof sqlite, "sqlite:%s/sessions.db", dir);
    h_redis redis;
    memset(&redis, 0, sizeof redis);
    int have_redis = h_redis_start(&redis) == 0;
    const char *stores[] = {"cookie", "memory", sqlite, have_redis ? h_redis_url(&redis, url) : NULL};
    const char *names[] = {"cookie", "memory", "sqlite", "redis"};
    double base = 0;
    if (!json) {
        printf("protected request per session store (ns, median of %d batches)\n",
               BENCH_REPEATS);
        printf("%-8s %12s %10s\n", "store", "ns/request", "x cookie");
    }
    for (int i = 0; i < 4; i++) {
        if (!stores[i]) {
            if (!json)
                printf("%-8s %12s\n", names[i], "(no redis-server)");
            continue;
        }
        double ns = run(stores[i]);
        if (i == 0)
            base = ns;
        if (json)
            printf("{\"section\": \"stores\", \"store\": \"%s\", \"ns\": %.0f}\n", names[i],
                   ns);
        else
            printf("%-8s %12.0f %10.2f\n", names[i], ns, ns / base);
    }
    if (have_redis)
        h_redis_stop(&redis);
    char cmd[64];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    return system(cmd) == 0 ? 0 : 1;
}
