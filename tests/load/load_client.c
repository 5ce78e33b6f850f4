/* clogin-load: a load client for clogin-demo (issue 7), one thread, epoll,
 * HTTP/1.1 keep-alive on loopback, every response checked.
 *
 *   clogin-load --port N [--pid PID] [--users N] [--conns C] [--warmup S]
 *               [--seconds S] [--max-rss-growth-kib K] [--max-rss-growth-pct P]
 *               [--seed X] [--timeout S]
 *
 * The demo must have been started with --seed-users N (or more): user K has
 * the password pw-K, the API key userK-api-key and the row id K+2, which is
 * what the demo's JSON names.
 *
 * Each of the C connections is a browser that plays one user after another
 * (slot s plays users s+1, s+1+C, s+1+2C, ... of 1..N, so no user is played
 * by two connections at once and every user is played). One visit, starting
 * with an empty cookie jar:
 *   - half of the time GET /protected first (302 to the login page);
 *   - POST /login as userK (half of the time with remember=on), 302 to /;
 *   - GET / ("Logged in as <strong>userK</strong>");
 *   - 2 to 5 rounds of GET /protected ({"id": "K+2"}) and GET /whoami
 *     (authenticated, id K+2, fresh and remembered as expected);
 *   - with remember, 6 times in 10 the session cookie is dropped before one
 *     round: GET /whoami must restore the login from the remember cookie
 *     (fresh false, remembered true, a new session cookie);
 *   - one time in 5, GET /api/whoami?api_key=userK-api-key with no cookie;
 *   - GET /logout (302 to /), then GET /whoami is anonymous.
 * A quarter of the visits end by closing the connection (a new one is
 * opened for the next visit), so connections come and go as well.
 *
 * Every response's status and body are checked: a 5xx, a response naming
 * another user than the one whose cookie (or key) was sent ("wrong
 * identity"), and any other unexpected answer (a lost login, a login that
 * outlives its logout, a missing cookie) are counted; so are connection
 * errors and requests that took longer than --timeout.
 *
 * Phases: --warmup seconds of load; then the connections are drained and
 * closed, and with --pid the server's VmRSS (/proc/PID/status) and open
 * file descriptors (/proc/PID/fd) are read while it is idle; --seconds of
 * load, sampled every second; drained and closed again, and read again.
 * The run fails (exit 1) on any 5xx, wrong identity, unexpected answer,
 * connection error or timeout, when the idle RSS grew by more than
 * max(--max-rss-growth-kib, --max-rss-growth-pct of the first reading), or
 * when the idle descriptor count grew. The last line is the summary:
 *   clogin-load: result key=value ...
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

/* ---- options ---- */

static struct {
    const char *host;
    int port;
    long pid;
    long users;
    int conns;
    double warmup, seconds, timeout;
    long max_growth_kib;
    double max_growth_pct;
    uint64_t seed;
} opt = {"127.0.0.1", 0, 0, 3000, 128, 10, 40, 10, 4096, 10.0, 7};

/* ---- time ---- */

static double now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* ---- counters ---- */

enum req_kind { R_ANON, R_LOGIN, R_HOME, R_PROTECTED, R_WHOAMI, R_RESTORE, R_API, R_LOGOUT,
                R_AFTER, R_KINDS };
static const char *const kind_name[R_KINDS] = {
    "anonymous /protected", "POST /login", "GET / (logged in)", "/protected", "/whoami",
    "/whoami (remember restore)", "/api/whoami", "/logout", "/whoami (after logout)"};

#define LAT_BUCKETS 20000 /* 10 us each: up to 200 ms, then the last bucket */

typedef struct stats {
    uint64_t responses, by_class[6], by_kind[R_KINDS];
    uint64_t status[600];
    uint64_t mismatches, unexpected, io_errors, timeouts, retries, visits, restores,
        connects;
    uint64_t lat[LAT_BUCKETS];
    double lat_max;
} stats;

static stats total;   /* the whole run */
static stats measured; /* the --seconds phase only */
static int measuring;
static int reported_problems; /* details printed, at most a few */

static void problem(const char *fmt, ...) {
    if (reported_problems >= 20)
        return;
    reported_problems++;
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "clogin-load: ");
    vfprintf(stderr, fmt, ap);
    fprintf(stderr, "\n");
    va_end(ap);
}

#define COUNT(field) (total.field++, measuring ? (void)measured.field++ : (void)0)

/* ---- the virtual users ---- */

#define JAR 4
#define MAX_COOKIE 8192
#define MAX_SCRIPT 24
#define MAX_RESPONSE (256 * 1024)

typedef struct cookie {
    char name[64];
    char value[MAX_COOKIE];
    int used;
} cookie;

typedef struct vu {
    int slot;
    int fd; /* -1: no connection */
    int connected; /* the non-blocking connect finished */
    int reused;    /* a request already went over this connection */
    uint64_t rng;
    long user;           /* 1..users */
    int remember;        /* this visit logged in with remember=on */
    int fresh, remembered; /* what /whoami must say */
    int close_after;     /* close the connection after this visit */
    enum req_kind script[MAX_SCRIPT];
    int step, nsteps;
    int in_flight;
    double sent_at;
    char out[MAX_COOKIE * JAR + 1024];
    size_t out_len, out_off;
    char *in;
    size_t in_len;
    int retried;
    cookie jar[JAR];
} vu;

static vu *vus;
static int epfd;
static struct sockaddr_in server_addr;
static int draining; /* no new requests; close connections once idle */

static uint64_t rnd(vu *v) { /* xorshift64* */
    v->rng ^= v->rng >> 12;
    v->rng ^= v->rng << 25;
    v->rng ^= v->rng >> 27;
    return v->rng * 2685821657736338717ULL;
}

static long expected_id(const vu *v) {
    return v->user + 2;
}

static void jar_clear(vu *v) {
    for (int i = 0; i < JAR; i++)
        v->jar[i].used = 0;
}

static cookie *jar_find(vu *v, const char *name, size_t len) {
    for (int i = 0; i < JAR; i++)
        if (v->jar[i].used && strlen(v->jar[i].name) == len &&
            memcmp(v->jar[i].name, name, len) == 0)
            return &v->jar[i];
    return NULL;
}

static void jar_drop(vu *v, const char *name) {
    cookie *c = jar_find(v, name, strlen(name));
    if (c)
        c->used = 0;
}

/* One Set-Cookie header value: set, or delete when the value is empty. */
static int jar_set(vu *v, const char *h, size_t len) {
    const char *eq = memchr(h, '=', len);
    if (!eq)
        return -1;
    size_t nlen = (size_t)(eq - h);
    const char *val = eq + 1;
    const char *semi = memchr(val, ';', len - nlen - 1);
    size_t vlen = semi ? (size_t)(semi - val) : len - nlen - 1;
    if (nlen == 0 || nlen >= sizeof v->jar[0].name || vlen >= MAX_COOKIE)
        return -1;
    cookie *c = jar_find(v, h, nlen);
    int empty = vlen == 0 || (vlen == 2 && val[0] == '"' && val[1] == '"');
    if (empty) {
        if (c)
            c->used = 0;
        return 0;
    }
    if (!c) {
        for (int i = 0; i < JAR && !c; i++)
            if (!v->jar[i].used)
                c = &v->jar[i];
        if (!c)
            return -1;
        memcpy(c->name, h, nlen);
        c->name[nlen] = '\0';
        c->used = 1;
    }
    memcpy(c->value, val, vlen);
    c->value[vlen] = '\0';
    return 0;
}

/* A new visit: the next user of this slot, a fresh jar and a script. */
static void new_visit(vu *v) {
    v->user += v->user == 0 ? v->slot + 1 : opt.conns;
    if (v->user > opt.users)
        v->user = v->slot + 1;
    jar_clear(v);
    int n = 0;
    if (rnd(v) % 2)
        v->script[n++] = R_ANON;
    v->script[n++] = R_LOGIN;
    v->remember = rnd(v) % 2 == 0;
    v->fresh = 1;
    v->remembered = v->remember;
    v->script[n++] = R_HOME;
    int rounds = 2 + (int)(rnd(v) % 4);
    int drop_at = v->remember && rnd(v) % 10 < 6 ? (int)(rnd(v) % (uint64_t)rounds) : -1;
    for (int i = 0; i < rounds; i++) {
        if (i == drop_at)
            v->script[n++] = R_RESTORE;
        v->script[n++] = R_PROTECTED;
        v->script[n++] = R_WHOAMI;
    }
    if (rnd(v) % 5 == 0)
        v->script[n++] = R_API;
    v->script[n++] = R_LOGOUT;
    v->script[n++] = R_AFTER;
    v->nsteps = n;
    v->step = 0;
    v->close_after = rnd(v) % 4 == 0;
    COUNT(visits);
}

/* ---- connections ---- */

static void conn_close(vu *v) {
    if (v->fd >= 0) {
        epoll_ctl(epfd, EPOLL_CTL_DEL, v->fd, NULL);
        close(v->fd);
    }
    v->fd = -1;
    v->connected = 0;
    v->reused = 0;
}

static void watch(vu *v, uint32_t events) {
    struct epoll_event ev = {.events = events, .data.ptr = v};
    epoll_ctl(epfd, EPOLL_CTL_MOD, v->fd, &ev);
}

static int conn_open(vu *v) {
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        problem("socket: %s", strerror(errno));
        return -1;
    }
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    if (connect(fd, (struct sockaddr *)&server_addr, sizeof server_addr) != 0 &&
        errno != EINPROGRESS) {
        problem("connect: %s", strerror(errno));
        close(fd);
        return -1;
    }
    v->fd = fd;
    v->connected = 0;
    v->reused = 0;
    struct epoll_event ev = {.events = EPOLLOUT, .data.ptr = v};
    epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &ev);
    COUNT(connects);
    return 0;
}

/* ---- requests ---- */

static void put(vu *v, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(v->out + v->out_len, sizeof v->out - v->out_len, fmt, ap);
    va_end(ap);
    if (n > 0)
        v->out_len += (size_t)n < sizeof v->out - v->out_len ? (size_t)n
                                                             : sizeof v->out - v->out_len - 1;
}

static void build_request(vu *v) {
    enum req_kind k = v->script[v->step];
    char body[128] = "";
    const char *method = "GET", *path = "/whoami";
    char pathbuf[96];
    int cookies = 1;
    switch (k) {
    case R_ANON:
    case R_PROTECTED:
        path = "/protected";
        break;
    case R_LOGIN:
        method = "POST";
        path = "/login";
        snprintf(body, sizeof body, "username=user%ld&password=pw-%ld%s", v->user, v->user,
                 v->remember ? "&remember=on" : "");
        break;
    case R_HOME:
        path = "/";
        break;
    case R_RESTORE:
        jar_drop(v, "session"); /* the browser lost its session cookie */
        break;
    case R_API:
        snprintf(pathbuf, sizeof pathbuf, "/api/whoami?api_key=user%ld-api-key", v->user);
        path = pathbuf;
        cookies = 0;
        break;
    case R_LOGOUT:
        path = "/logout";
        break;
    default:
        break;
    }
    v->out_len = v->out_off = 0;
    put(v, "%s %s HTTP/1.1\r\nHost: %s:%d\r\nUser-Agent: clogin-load/1.0\r\n"
           "Accept: */*\r\n", method, path, opt.host, opt.port);
    if (cookies) {
        int first = 1;
        for (int i = 0; i < JAR; i++) {
            if (!v->jar[i].used)
                continue;
            put(v, "%s%s=%s", first ? "Cookie: " : "; ", v->jar[i].name, v->jar[i].value);
            first = 0;
        }
        if (!first)
            put(v, "\r\n");
    }
    if (*body)
        put(v, "Content-Type: application/x-www-form-urlencoded\r\nContent-Length: %zu\r\n",
            strlen(body));
    put(v, "\r\n%s", body);
    v->in_len = 0;
}

/* ---- responses ---- */

typedef struct response {
    int status;
    const char *location;
    size_t location_len;
    int set_session, set_remember, del_remember, conn_close;
    const char *body;
    size_t body_len;
} response;

static const char *find_header_end(const char *p, size_t n) {
    for (size_t i = 3; i < n; i++)
        if (p[i] == '\n' && p[i - 1] == '\r' && p[i - 2] == '\n' && p[i - 3] == '\r')
            return p + i + 1;
    return NULL;
}

/* 0: complete (r filled, cookies taken into the jar), 1: more bytes needed,
 * -1: not HTTP as expected. */
static int parse_response(vu *v, response *r) {
    const char *end = find_header_end(v->in, v->in_len);
    if (!end)
        return v->in_len > 64 * 1024 ? -1 : 1;
    memset(r, 0, sizeof *r);
    if (v->in_len < 12 || memcmp(v->in, "HTTP/1.1 ", 9) != 0)
        return -1;
    r->status = atoi(v->in + 9);
    long clen = -1;
    const char *line = (const char *)memchr(v->in, '\n', (size_t)(end - v->in)) + 1;
    /* the cookies are applied only once the whole response is in */
    const char *cookies[8];
    size_t cookie_len[8];
    int ncookies = 0;
    while (line < end - 2) {
        const char *eol = memchr(line, '\r', (size_t)(end - line));
        const char *colon = memchr(line, ':', (size_t)(eol - line));
        if (!colon)
            return -1;
        size_t nlen = (size_t)(colon - line);
        const char *val = colon + 1;
        while (val < eol && *val == ' ')
            val++;
        size_t vlen = (size_t)(eol - val);
        if (nlen == 14 && strncasecmp(line, "Content-Length", 14) == 0)
            clen = atol(val);
        else if (nlen == 8 && strncasecmp(line, "Location", 8) == 0) {
            r->location = val;
            r->location_len = vlen;
        } else if (nlen == 10 && strncasecmp(line, "Connection", 10) == 0)
            r->conn_close = vlen >= 5 && strncasecmp(val, "close", 5) == 0;
        else if (nlen == 17 && strncasecmp(line, "Transfer-Encoding", 17) == 0)
            return -1; /* the demo sends whole buffers */
        else if (nlen == 10 && strncasecmp(line, "Set-Cookie", 10) == 0) {
            if (ncookies == 8)
                return -1;
            cookies[ncookies] = val;
            cookie_len[ncookies++] = vlen;
        }
        line = eol + 2;
    }
    if (clen < 0)
        return -1;
    size_t head = (size_t)(end - v->in);
    if (v->in_len < head + (size_t)clen)
        return head + (size_t)clen > MAX_RESPONSE ? -1 : 1;
    if (v->in_len > head + (size_t)clen)
        return -1; /* nothing was pipelined: bytes after the response */
    r->body = end;
    r->body_len = (size_t)clen;
    for (int i = 0; i < ncookies; i++) {
        const char *c = cookies[i];
        size_t n = cookie_len[i];
        if (n > 8 && memcmp(c, "session=", 8) == 0 && c[8] != ';' && c[8] != '"')
            r->set_session = 1;
        if (n >= 15 && memcmp(c, "remember_token=", 15) == 0) {
            if (n == 15 || c[15] == ';' || c[15] == '"')
                r->del_remember = 1;
            else
                r->set_remember = 1;
        }
        if (jar_set(v, c, n) != 0)
            return -1;
    }
    return 0;
}

/* The id a JSON body names: the number, 0 for null, -1 when it names none. */
static long body_id(const response *r) {
    static const char key[] = "\"id\": ";
    const char *p = memmem(r->body, r->body_len, key, sizeof key - 1);
    if (!p)
        return -1;
    p += sizeof key - 1;
    size_t left = r->body_len - (size_t)(p - r->body);
    if (left >= 4 && memcmp(p, "null", 4) == 0)
        return 0;
    if (left < 3 || *p != '"')
        return -2;
    return strtol(p + 1, NULL, 10);
}

static int body_flag(const response *r, const char *name) { /* 1, 0, or -1 missing */
    char key[48];
    snprintf(key, sizeof key, "\"%s\": ", name);
    const char *p = memmem(r->body, r->body_len, key, strlen(key));
    if (!p)
        return -1;
    p += strlen(key);
    size_t left = r->body_len - (size_t)(p - r->body);
    if (left >= 4 && memcmp(p, "true", 4) == 0)
        return 1;
    if (left >= 5 && memcmp(p, "false", 5) == 0)
        return 0;
    return -1;
}

static int location_is(const response *r, const char *want) {
    return r->location && r->location_len == strlen(want) &&
           memcmp(r->location, want, r->location_len) == 0;
}

/* The name on the home page, compared with userK. 1 ok, 0 nobody, -1 another. */
static int home_names(const vu *v, const response *r) {
    static const char key[] = "Logged in as <strong>";
    const char *p = memmem(r->body, r->body_len, key, sizeof key - 1);
    if (!p)
        return 0;
    p += sizeof key - 1;
    char want[48];
    int n = snprintf(want, sizeof want, "user%ld</strong>", v->user);
    size_t left = r->body_len - (size_t)(p - r->body);
    return left >= (size_t)n && memcmp(p, want, (size_t)n) == 0 ? 1 : -1;
}

static void unexpected(vu *v, const response *r, const char *why) {
    COUNT(unexpected);
    problem("unexpected answer to %s (user%ld, status %d): %s: %.*s",
            kind_name[v->script[v->step]], v->user, r->status, why,
            (int)(r->body_len < 200 ? r->body_len : 200), r->body);
}

/* Check a complete response against the step; 0 to go on, -1 to give the
 * visit up (after counting why). */
static int check(vu *v, const response *r) {
    enum req_kind k = v->script[v->step];
    long want = expected_id(v);
    COUNT(responses);
    COUNT(by_kind[k]);
    total.status[r->status < 600 && r->status > 0 ? r->status : 0]++;
    if (measuring)
        measured.status[r->status < 600 && r->status > 0 ? r->status : 0]++;
    int cls = r->status / 100;
    total.by_class[cls >= 1 && cls <= 5 ? cls : 0]++;
    if (measuring)
        measured.by_class[cls >= 1 && cls <= 5 ? cls : 0]++;

    /* whatever the step: a JSON body naming another user is a wrong identity */
    long id = body_id(r);
    if (id > 0 && id != want) {
        COUNT(mismatches);
        problem("WRONG IDENTITY: %s as user%ld (id %ld) answered id %ld: %.*s",
                kind_name[k], v->user, want, id, (int)r->body_len, r->body);
        return -1;
    }
    if (k == R_HOME && home_names(v, r) < 0) {
        COUNT(mismatches);
        problem("WRONG IDENTITY: the home page of user%ld names another: %.*s", v->user,
                (int)(r->body_len < 300 ? r->body_len : 300), r->body);
        return -1;
    }
    if (r->status >= 500) {
        problem("%d from %s (user%ld): %.*s", r->status, kind_name[k], v->user,
                (int)(r->body_len < 200 ? r->body_len : 200), r->body);
        return -1;
    }
    switch (k) {
    case R_ANON:
        if (r->status != 302 || !location_is(r, "/login?next=%2Fprotected"))
            return unexpected(v, r, "not sent to the login page"), -1;
        break;
    case R_LOGIN:
        if (r->status != 302 || !location_is(r, "/"))
            return unexpected(v, r, "login refused"), -1;
        if (!r->set_session || (v->remember && !r->set_remember))
            return unexpected(v, r, "login without its cookies"), -1;
        break;
    case R_HOME:
        if (r->status != 200 || home_names(v, r) != 1)
            return unexpected(v, r, "home page does not name the user"), -1;
        break;
    case R_PROTECTED:
    case R_API: {
        char text[64];
        int n = snprintf(text, sizeof text, "{\"id\": \"%ld\"}\n", want);
        if (r->status != 200 || r->body_len != (size_t)n || memcmp(r->body, text, (size_t)n))
            return unexpected(v, r, "not the user's page"), -1;
        break;
    }
    case R_RESTORE:
        if (!r->set_session)
            return unexpected(v, r, "remember restore without a new session cookie"), -1;
        v->fresh = 0;
        v->remembered = 1;
        COUNT(restores);
        /* fall through */
    case R_WHOAMI:
        if (r->status != 200 || body_flag(r, "authenticated") != 1 || id != want)
            return unexpected(v, r, "the login is lost"), -1;
        if (body_flag(r, "fresh") != v->fresh || body_flag(r, "remembered") != v->remembered)
            return unexpected(v, r, "fresh or remembered is wrong"), -1;
        break;
    case R_LOGOUT:
        if (r->status != 302 || !location_is(r, "/"))
            return unexpected(v, r, "logout refused"), -1;
        if (v->remember && !r->del_remember)
            return unexpected(v, r, "logout kept the remember cookie"), -1;
        break;
    case R_AFTER:
        if (r->status != 200 || body_flag(r, "authenticated") != 0 || id != 0)
            return unexpected(v, r, "still logged in after logout"), -1;
        break;
    default:
        break;
    }
    return 0;
}

static void record_latency(double seconds) {
    size_t b = (size_t)(seconds * 1e5);
    if (b >= LAT_BUCKETS)
        b = LAT_BUCKETS - 1;
    total.lat[b]++;
    if (seconds > total.lat_max)
        total.lat_max = seconds;
    if (measuring) {
        measured.lat[b]++;
        if (seconds > measured.lat_max)
            measured.lat_max = seconds;
    }
}

/* ---- the state machine ---- */

static void send_next(vu *v);

/* The visit is over (or given up): maybe close, then the next one. */
static void next_visit(vu *v) {
    if (v->close_after)
        conn_close(v);
    new_visit(v);
}

static void step_done(vu *v) {
    v->in_flight = 0;
    v->retried = 0;
    if (++v->step >= v->nsteps)
        next_visit(v);
    send_next(v);
}

static void give_up(vu *v) { /* the connection or the answer failed */
    v->in_flight = 0;
    v->retried = 0;
    conn_close(v);
    new_visit(v);
    send_next(v);
}

static void send_next(vu *v) {
    if (draining) {
        conn_close(v);
        return;
    }
    if (v->fd < 0 && conn_open(v) != 0) {
        COUNT(io_errors);
        return; /* tried again by the main loop */
    }
    build_request(v);
    v->in_flight = 1;
    v->sent_at = now();
    if (v->connected)
        watch(v, EPOLLOUT | EPOLLIN);
}

static void on_readable(vu *v) {
    for (;;) {
        if (!v->in && !(v->in = malloc(MAX_RESPONSE))) {
            fprintf(stderr, "clogin-load: out of memory\n");
            exit(2);
        }
        ssize_t n = read(v->fd, v->in + v->in_len, MAX_RESPONSE - v->in_len);
        if (n < 0 && (errno == EAGAIN || errno == EINTR))
            return;
        if (n <= 0 || !v->in_flight) {
            /* closed, or bytes nobody asked for. A keep-alive connection the
             * server closed before our request reached it is retried once on
             * a new connection. */
            if (v->in_flight && v->in_len == 0 && v->reused && !v->retried &&
                (n == 0 || errno == ECONNRESET)) {
                COUNT(retries);
                conn_close(v);
                v->retried = 1;
                v->in_flight = 0;
                send_next(v);
                return;
            }
            if (v->in_flight) {
                COUNT(io_errors);
                problem("%s (user%ld): connection %s after %zu bytes of the answer",
                        kind_name[v->script[v->step]], v->user,
                        n == 0 ? "closed" : strerror(errno), v->in_len);
                give_up(v);
            } else {
                conn_close(v);
            }
            return;
        }
        v->in_len += (size_t)n;
        response r;
        int st = parse_response(v, &r);
        if (st == 1) {
            if (v->in_len == MAX_RESPONSE)
                st = -1;
            else
                continue;
        }
        record_latency(now() - v->sent_at);
        if (st < 0) {
            COUNT(io_errors);
            problem("%s (user%ld): not the HTTP answer expected: %.*s",
                    kind_name[v->script[v->step]], v->user,
                    (int)(v->in_len < 200 ? v->in_len : 200), v->in);
            give_up(v);
            return;
        }
        v->reused = 1;
        int ok = check(v, &r) == 0;
        if (r.conn_close)
            conn_close(v);
        if (ok) {
            step_done(v);
        } else {
            conn_close(v);
            v->in_flight = 0;
            new_visit(v);
            send_next(v);
        }
        return;
    }
}

static void on_writable(vu *v) {
    if (!v->connected) {
        int err = 0;
        socklen_t len = sizeof err;
        getsockopt(v->fd, SOL_SOCKET, SO_ERROR, &err, &len);
        if (err) {
            COUNT(io_errors);
            problem("connect: %s", strerror(err));
            give_up(v);
            return;
        }
        v->connected = 1;
        if (!v->in_flight) {
            watch(v, EPOLLIN);
            return;
        }
    }
    while (v->out_off < v->out_len) {
        ssize_t n = write(v->fd, v->out + v->out_off, v->out_len - v->out_off);
        if (n < 0 && (errno == EAGAIN || errno == EINTR))
            return;
        if (n < 0) {
            if (v->reused && !v->retried && (errno == EPIPE || errno == ECONNRESET)) {
                COUNT(retries);
                conn_close(v);
                v->retried = 1;
                v->in_flight = 0;
                send_next(v);
                return;
            }
            COUNT(io_errors);
            problem("write: %s", strerror(errno));
            give_up(v);
            return;
        }
        v->out_off += (size_t)n;
    }
    watch(v, EPOLLIN);
}

/* ---- the server's RSS and descriptors ---- */

typedef struct sample {
    long rss_kib;
    int fds, sockets;
    double cpu_s; /* user + system time of the server so far */
} sample;

static sample take_sample(void) {
    sample s = {-1, -1, -1, -1};
    if (!opt.pid)
        return s;
    char path[64], line[1024];
    snprintf(path, sizeof path, "/proc/%ld/stat", opt.pid);
    FILE *st = fopen(path, "r");
    if (st) {
        unsigned long ut, stime;
        /* after the command's closing parenthesis: fields 3.. (utime is 14) */
        if (fgets(line, sizeof line, st)) {
            const char *p = strrchr(line, ')');
            if (p && sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu", &ut,
                            &stime) == 2)
                s.cpu_s = (double)(ut + stime) / (double)sysconf(_SC_CLK_TCK);
        }
        fclose(st);
    }
    snprintf(path, sizeof path, "/proc/%ld/status", opt.pid);
    FILE *f = fopen(path, "r");
    if (f) {
        while (fgets(line, sizeof line, f))
            if (strncmp(line, "VmRSS:", 6) == 0)
                s.rss_kib = atol(line + 6);
        fclose(f);
    }
    snprintf(path, sizeof path, "/proc/%ld/fd", opt.pid);
    DIR *d = opendir(path);
    if (d) {
        struct dirent *e;
        s.fds = s.sockets = 0;
        while ((e = readdir(d))) {
            if (e->d_name[0] == '.')
                continue;
            char link[PATH_MAX], target[256];
            snprintf(link, sizeof link, "%s/%s", path, e->d_name);
            ssize_t n = readlink(link, target, sizeof target - 1);
            s.fds++;
            if (n > 7 && memcmp(target, "socket:", 7) == 0)
                s.sockets++;
        }
        closedir(d);
    }
    return s;
}

/* ---- the loop ---- */

static int busy(void) {
    for (int i = 0; i < opt.conns; i++)
        if (vus[i].in_flight && vus[i].fd >= 0)
            return 1;
    return 0;
}

static void check_timeouts(double t) {
    for (int i = 0; i < opt.conns; i++) {
        vu *v = &vus[i];
        if (v->in_flight && t - v->sent_at > opt.timeout) {
            COUNT(timeouts);
            problem("%s (user%ld): no answer in %.0f s", kind_name[v->script[v->step]],
                    v->user, opt.timeout);
            give_up(v);
        } else if (!v->in_flight && v->fd < 0 && !draining) {
            send_next(v); /* a connection that could not be opened */
        }
    }
}

/* Run until `until` (or, draining, until no request is in flight). */
static void run(double until, void (*tick)(double t)) {
    struct epoll_event evs[256];
    double next_tick = now() + 1.0;
    for (;;) {
        double t = now();
        if (!draining && t >= until)
            return;
        if (draining && !busy())
            return;
        if (draining && t >= until + opt.timeout)
            return;
        int n = epoll_wait(epfd, evs, 256, 50);
        for (int i = 0; i < n; i++) {
            vu *v = evs[i].data.ptr;
            if (v->fd < 0)
                continue;
            if (evs[i].events & (EPOLLIN | EPOLLHUP | EPOLLERR)) {
                if (!v->connected && (evs[i].events & (EPOLLERR | EPOLLHUP)))
                    on_writable(v); /* the connect failed: SO_ERROR says why */
                else
                    on_readable(v);
            } else if (evs[i].events & EPOLLOUT) {
                on_writable(v);
            }
        }
        t = now();
        check_timeouts(t);
        if (tick && t >= next_tick) {
            tick(t);
            next_tick += 1.0;
        }
    }
}

/* Let the answers in flight arrive, close every connection, and wait (up
 * to 3 s) until the server has closed its ends too. */
static sample drain(double t_end) {
    draining = 1;
    run(t_end, NULL);
    for (int i = 0; i < opt.conns; i++) {
        if (vus[i].in_flight) { /* timed out while draining: a new visit later */
            vus[i].in_flight = 0;
            new_visit(&vus[i]);
        }
        conn_close(&vus[i]);
    }
    draining = 0;
    sample s = take_sample();
    for (int i = 0; i < 60 && opt.pid; i++) {
        struct timespec ts = {0, 50 * 1000 * 1000};
        nanosleep(&ts, NULL);
        sample again = take_sample();
        if (again.fds == s.fds && i >= 4)
            break;
        s = again;
    }
    return s;
}

/* The server's CPU time per answered request in the measured phase, in
 * microseconds (-1 without --pid). */
static double m_cpu_us(sample a, sample b) {
    if (a.cpu_s < 0 || b.cpu_s < 0 || measured.responses == 0)
        return -1;
    return (b.cpu_s - a.cpu_s) * 1e6 / (double)measured.responses;
}

static double phase_start;
static uint64_t last_responses;

/* The machine's CPU time in all states and outside idle, from /proc/stat,
 * in ticks: how busy the whole machine is (other work slows a run down). */
static void machine_cpu(double *all, double *busy) {
    unsigned long long v[8] = {0};
    FILE *f = fopen("/proc/stat", "r");
    *all = *busy = 0;
    if (!f)
        return;
    if (fscanf(f, "cpu %llu %llu %llu %llu %llu %llu %llu %llu", &v[0], &v[1], &v[2], &v[3],
               &v[4], &v[5], &v[6], &v[7]) == 8) {
        for (int i = 0; i < 8; i++)
            *all += (double)v[i];
        *busy = *all - (double)v[3] - (double)v[4]; /* less idle and iowait */
    }
    fclose(f);
}

static double last_cpu_s = -1, last_all, last_busy;

static void tick(double t) {
    sample s = take_sample();
    uint64_t done = measured.responses;
    double all, busy;
    machine_cpu(&all, &busy);
    double ncpu = (double)sysconf(_SC_NPROCESSORS_ONLN);
    printf("clogin-load: t=%4.0fs  %6.0f req/s  rss=%ld KiB  fds=%d (sockets %d)"
           "  server cpu %3.0f%%  machine busy %3.0f%% of %.0f cpus\n",
           t - phase_start, (double)(done - last_responses), s.rss_kib, s.fds, s.sockets,
           last_cpu_s >= 0 && s.cpu_s >= 0 ? (s.cpu_s - last_cpu_s) * 100 : -1,
           all > last_all ? (busy - last_busy) / (all - last_all) * 100 : -1, ncpu);
    fflush(stdout);
    last_responses = done;
    last_cpu_s = s.cpu_s;
    last_all = all;
    last_busy = busy;
}

static double percentile(const stats *s, double p) {
    uint64_t n = 0;
    for (size_t i = 0; i < LAT_BUCKETS; i++)
        n += s->lat[i];
    uint64_t want = (uint64_t)((double)n * p), seen = 0;
    for (size_t i = 0; i < LAT_BUCKETS; i++) {
        seen += s->lat[i];
        if (seen > want)
            return (double)(i + 1) * 10e-3; /* ms, the bucket's upper bound */
    }
    return 0;
}

static int usage(void) {
    fprintf(stderr,
            "usage: clogin-load --port N [--pid PID] [--users N] [--conns C] [--warmup S]\n"
            "                   [--seconds S] [--max-rss-growth-kib K]"
            " [--max-rss-growth-pct P]\n"
            "                   [--seed X] [--timeout S]\n");
    return 2;
}

int main(int argc, char **argv) {
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *val = i + 1 < argc ? argv[i + 1] : NULL;
        if (!val)
            return usage();
        i++;
        if (strcmp(a, "--port") == 0)
            opt.port = atoi(val);
        else if (strcmp(a, "--host") == 0)
            opt.host = val;
        else if (strcmp(a, "--pid") == 0)
            opt.pid = atol(val);
        else if (strcmp(a, "--users") == 0)
            opt.users = atol(val);
        else if (strcmp(a, "--conns") == 0)
            opt.conns = atoi(val);
        else if (strcmp(a, "--warmup") == 0)
            opt.warmup = atof(val);
        else if (strcmp(a, "--seconds") == 0)
            opt.seconds = atof(val);
        else if (strcmp(a, "--timeout") == 0)
            opt.timeout = atof(val);
        else if (strcmp(a, "--max-rss-growth-kib") == 0)
            opt.max_growth_kib = atol(val);
        else if (strcmp(a, "--max-rss-growth-pct") == 0)
            opt.max_growth_pct = atof(val);
        else if (strcmp(a, "--seed") == 0)
            opt.seed = strtoull(val, NULL, 10);
        else
            return usage();
    }
    if (opt.port <= 0 || opt.port > 65535 || opt.conns < 1 || opt.users < opt.conns ||
        opt.seconds <= 0 || opt.warmup < 0 || opt.timeout <= 0)
        return usage();
    signal(SIGPIPE, SIG_IGN);
    server_addr.sin_family = AF_INET;
    server_addr.sin_port = htons((uint16_t)opt.port);
    if (inet_pton(AF_INET, opt.host, &server_addr.sin_addr) != 1)
        return usage();
    if ((epfd = epoll_create1(EPOLL_CLOEXEC)) < 0 ||
        !(vus = calloc((size_t)opt.conns, sizeof *vus))) {
        perror("clogin-load");
        return 2;
    }
    printf("clogin-load: %d connections, users 1..%ld, %.0f s warm-up, %.0f s measured\n",
           opt.conns, opt.users, opt.warmup, opt.seconds);
    for (int i = 0; i < opt.conns; i++) {
        vu *v = &vus[i];
        v->slot = i;
        v->fd = -1;
        v->rng = opt.seed * 0x9E3779B97F4A7C15ULL + (uint64_t)i * 7919 + 1;
        new_visit(v);
    }

    /* warm-up */
    double t0 = now();
    for (int i = 0; i < opt.conns; i++)
        send_next(&vus[i]);
    run(t0 + opt.warmup, NULL);
    sample idle0 = drain(now());
    printf("clogin-load: after warm-up (%" PRIu64 " requests, idle): rss=%ld KiB fds=%d"
           " (sockets %d)\n", total.responses, idle0.rss_kib, idle0.fds, idle0.sockets);

    /* measured */
    measuring = 1;
    phase_start = now();
    for (int i = 0; i < opt.conns; i++)
        send_next(&vus[i]);
    sample busy_start = take_sample();
    last_cpu_s = busy_start.cpu_s;
    machine_cpu(&last_all, &last_busy);
    run(phase_start + opt.seconds, tick);
    double elapsed = now() - phase_start;
    sample busy_end = take_sample();
    double cpu_us = m_cpu_us(busy_start, busy_end);
    measuring = 0;
    sample idle1 = drain(now());
    printf("clogin-load: at the end (idle): rss=%ld KiB fds=%d (sockets %d)\n", idle1.rss_kib,
           idle1.fds, idle1.sockets);

    /* the report */
    const stats *m = &measured;
    printf("clogin-load: measured %.1f s: %" PRIu64 " requests, %.0f req/s, %" PRIu64
           " visits, %" PRIu64 " remember restores, %" PRIu64 " connections opened\n",
           elapsed, m->responses, (double)m->responses / elapsed, m->visits, m->restores,
           m->connects);
    printf("clogin-load: latency p50 %.2f ms, p99 %.2f ms, max %.1f ms; server CPU %.1f us"
           " per request\n", percentile(m, 0.5), percentile(m, 0.99), m->lat_max * 1e3, cpu_us);
    printf("clogin-load: statuses (whole run):");
    for (int s = 0; s < 600; s++)
        if (total.status[s])
            printf(" %d=%" PRIu64, s, total.status[s]);
    printf("\nclogin-load: by request (whole run):");
    for (int k = 0; k < R_KINDS; k++)
        printf(" [%s]=%" PRIu64, kind_name[k], total.by_kind[k]);
    printf("\n");

    int fail = 0;
    long growth = idle1.rss_kib - idle0.rss_kib;
    long bound = opt.max_growth_kib;
    if (idle0.rss_kib > 0 && (long)(opt.max_growth_pct / 100.0 * (double)idle0.rss_kib) > bound)
        bound = (long)(opt.max_growth_pct / 100.0 * (double)idle0.rss_kib);
    if (total.by_class[5]) {
        printf("clogin-load: FAIL: %" PRIu64 " responses were 5xx\n", total.by_class[5]);
        fail = 1;
    }
    if (total.mismatches) {
        printf("clogin-load: FAIL: %" PRIu64 " wrong identities\n", total.mismatches);
        fail = 1;
    }
    if (total.unexpected) {
        printf("clogin-load: FAIL: %" PRIu64 " unexpected answers\n", total.unexpected);
        fail = 1;
    }
    if (total.io_errors || total.timeouts) {
        printf("clogin-load: FAIL: %" PRIu64 " connection errors, %" PRIu64 " timeouts\n",
               total.io_errors, total.timeouts);
        fail = 1;
    }
    if (m->responses == 0) {
        printf("clogin-load: FAIL: nothing was answered\n");
        fail = 1;
    }
    if (opt.pid) {
        if (idle0.rss_kib < 0 || idle1.rss_kib < 0 || idle0.fds < 0 || idle1.fds < 0) {
            printf("clogin-load: FAIL: cannot read /proc/%ld\n", opt.pid);
            fail = 1;
        } else {
            if (growth > bound) {
                printf("clogin-load: FAIL: RSS grew by %ld KiB (bound %ld KiB)\n", growth,
                       bound);
                fail = 1;
            }
            if (idle1.fds > idle0.fds) {
                printf("clogin-load: FAIL: open descriptors grew from %d to %d\n", idle0.fds,
                       idle1.fds);
                fail = 1;
            }
        }
    }
    printf("clogin-load: result requests=%" PRIu64 " measured_requests=%" PRIu64
           " rps=%.0f p50_ms=%.2f p99_ms=%.2f max_ms=%.1f server_cpu_us=%.1f"
           " s2xx=%" PRIu64 " s3xx=%" PRIu64 " s4xx=%" PRIu64 " s5xx=%" PRIu64
           " mismatches=%" PRIu64 " unexpected=%" PRIu64 " io_errors=%" PRIu64
           " timeouts=%" PRIu64 " retries=%" PRIu64 " visits=%" PRIu64 " restores=%" PRIu64
           " users=%ld conns=%d rss_start_kib=%ld rss_end_kib=%ld rss_busy_end_kib=%ld"
           " rss_growth_kib=%ld rss_bound_kib=%ld fds_start=%d fds_end=%d fds_busy_end=%d"
           " ok=%d\n",
           total.responses, m->responses, (double)m->responses / elapsed, percentile(m, 0.5),
           percentile(m, 0.99), m->lat_max * 1e3, cpu_us, total.by_class[2], total.by_class[3],
           total.by_class[4], total.by_class[5], total.mismatches, total.unexpected,
           total.io_errors, total.timeouts, total.retries, total.visits, total.restores,
           opt.users, opt.conns, idle0.rss_kib, idle1.rss_kib, busy_end.rss_kib, growth, bound,
           idle0.fds, idle1.fds, busy_end.fds, !fail);
    for (int i = 0; i < opt.conns; i++)
        free(vus[i].in);
    free(vus);
    close(epfd);
    return fail;
}
