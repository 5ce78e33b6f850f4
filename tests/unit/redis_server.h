/* A throw-away redis-server for tests that need a real one.
 *
 *   h_redis r = {0};
 *   if (h_redis_start(&r) != 0) ...;     // free port on 127.0.0.1, no disk
 *   char url[64];
 *   clogin_store_open(h_redis_url(&r, url), ...);
 *   h_redis_kill(&r); h_redis_start(&r); // a crash and a restart, same port
 *   h_redis_stop(&r);
 *
 * The server runs from a fresh temporary directory with persistence off,
 * so every start is an empty server. Start it from the thread that will
 * outlive it: on Linux it is killed when that thread's process goes away
 * (PR_SET_PDEATHSIG), so a crashed test leaves no server behind.
 *
 * Needs POSIX: define _POSIX_C_SOURCE 200809L before the first #include. */
#ifndef CLOGIN_TEST_REDIS_SERVER_H
#define CLOGIN_TEST_REDIS_SERVER_H

#if !defined(_POSIX_C_SOURCE) && !defined(_GNU_SOURCE) &&                      \
    !defined(_DEFAULT_SOURCE) && !defined(_XOPEN_SOURCE)
#error "define _POSIX_C_SOURCE 200809L before any #include to use redis_server.h"
#endif

#include <hiredis/hiredis.h>

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#ifdef __linux__
#include <sys/prctl.h>
#endif

#define H_REDIS_FN static inline __attribute__((unused))

typedef struct h_redis {
    int port;     /* chosen by the first start, kept by later ones */
    pid_t pid;    /* 0 while not running */
    char dir[64]; /* the server's --dir while it runs */
} h_redis;

H_REDIS_FN void h_redis__sleep_ms(long ms) {
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
        ;
}

/* A port nothing listens on right now: the kernel picks it for port 0. */
H_REDIS_FN int h_redis__free_port(void) {
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0)
        return -1;
    struct sockaddr_in a;
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    a.sin_port = 0;
    socklen_t len = sizeof a;
    int port = -1;
    if (bind(fd, (struct sockaddr *)&a, sizeof a) == 0 &&
        getsockname(fd, (struct sockaddr *)&a, &len) == 0)
        port = ntohs(a.sin_port);
    close(fd);
    return port;
}

/* 1 when the server on port answers PING and is the process pid (not some
 * other server that took the port). */
H_REDIS_FN int h_redis__ready(int port, pid_t pid) {
    struct timeval tv = {0, 200000};
    redisContext *c = redisConnectWithTimeout("127.0.0.1", port, tv);
    int ok = 0;
    if (c && !c->err && redisSetTimeout(c, tv) == REDIS_OK) {
        redisReply *rep = redisCommand(c, "PING");
        ok = rep && rep->type == REDIS_REPLY_STATUS &&
             strcmp(rep->str, "PONG") == 0;
        if (rep)
            freeReplyObject(rep);
        rep = ok ? redisCommand(c, "INFO server") : NULL;
        char want[32];
        snprintf(want, sizeof want, "process_id:%ld\r\n", (long)pid);
        ok = rep && rep->type == REDIS_REPLY_STRING && strstr(rep->str, want);
        if (rep)
            freeReplyObject(rep);
    }
    if (c)
        redisFree(c);
    return ok;
}

H_REDIS_FN void h_redis__reap(h_redis *r, int sig) {
    if (r->pid <= 0)
        return;
    kill(r->pid, sig);
    kill(r->pid, SIGCONT); /* a test may have stopped it */
    int status;
    for (int i = 0; i < 500; i++) { /* 5 s for a clean shutdown */
        pid_t got = waitpid(r->pid, &status, WNOHANG);
        if (got == r->pid || (got < 0 && errno != EINTR))
            goto reaped;
        h_redis__sleep_ms(10);
    }
    kill(r->pid, SIGKILL);
    while (waitpid(r->pid, &status, 0) < 0 && errno == EINTR)
        ;
reaped:
    r->pid = 0;
    if (r->dir[0])
        rmdir(r->dir); /* empty: persistence is off */
    r->dir[0] = '\0';
}

/* Stop with SIGTERM (a clean shutdown) and wait for the process. */
H_REDIS_FN void h_redis_stop(h_redis *r) {
    h_redis__reap(r, SIGTERM);
}

/* Kill with SIGKILL (a crash: connections are cut, nothing is flushed). */
H_REDIS_FN void h_redis_kill(h_redis *r) {
    h_redis__reap(r, SIGKILL);
}

/* Start redis-server on 127.0.0.1:r->port (a free port the first time) and
 * wait until it answers, at most about 5 s. 0 on success. */
H_REDIS_FN int h_redis_start(h_redis *r) {
    if (r->pid > 0)
        return 0;
    if (r->port <= 0 && (r->port = h_redis__free_port()) <= 0)
        return -1;
    snprintf(r->dir, sizeof r->dir, "/tmp/clogin-redis-XXXXXX");
    if (!mkdtemp(r->dir)) {
        r->dir[0] = '\0';
        return -1;
    }
    char port[16];
    snprintf(port, sizeof port, "%d", r->port);
    const char *bin = access("/usr/bin/redis-server", X_OK) == 0
                          ? "/usr/bin/redis-server"
                          : "redis-server";
    char *const argv[] = {"redis-server", "--port", port, "--bind",
                          "127.0.0.1", "--save", "", "--appendonly", "no",
                          "--dir", r->dir, NULL};
    pid_t parent = getpid();
    pid_t pid = fork();
    if (pid < 0) {
        rmdir(r->dir);
        r->dir[0] = '\0';
        return -1;
    }
    if (pid == 0) {
        /* Only async-signal-safe calls between fork and exec. */
        sigset_t none;
        sigemptyset(&none);
        sigprocmask(SIG_SETMASK, &none, NULL);
#ifdef __linux__
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        if (getppid() != parent)
            _exit(127);
#else
        (void)parent;
#endif
        int fd = open("/dev/null", O_WRONLY);
        if (fd >= 0) {
            dup2(fd, STDOUT_FILENO);
            close(fd);
        }
        if (bin[0] == '/')
            execv(bin, argv);
        else
            execvp(bin, argv);
        _exit(127);
    }
    r->pid = pid;
    for (int i = 0; i < 250; i++) { /* 250 x (up to 20 ms) */
        int status;
        if (waitpid(pid, &status, WNOHANG) == pid) { /* it gave up */
            r->pid = 0;
            rmdir(r->dir);
            r->dir[0] = '\0';
            return -1;
        }
        if (h_redis__ready(r->port, pid))
            return 0;
        h_redis__sleep_ms(20);
    }
    h_redis_kill(r);
    return -1;
}

/* "redis://127.0.0.1:PORT/0" in buf, which it returns. */
H_REDIS_FN const char *h_redis_url(const h_redis *r, char buf[64]) {
    snprintf(buf, 64, "redis://127.0.0.1:%d/0", r->port);
    return buf;
}

#endif
