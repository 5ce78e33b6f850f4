/* The secret key when CLOGIN_SECRET_KEY is not set: 32 random bytes, as
 * hex, kept in <db>.secret (mode 0600) so that logins survive a restart.
 * Production sets CLOGIN_SECRET_KEY from a secret store instead. */
#include "app.h"

#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define KEY_MAX 1024

/* 1 and key filled when path holds a usable key; 0 when it does not
 * exist; -1 after printing why it cannot be used. */
static int read_key(const char *path, char key[KEY_MAX + 1]) {
    int fd = open(path, O_RDONLY | O_NOFOLLOW);
    if (fd < 0 && errno == ENOENT)
        return 0;
    struct stat sb;
    ssize_t n = -1;
    if (fd >= 0 && fstat(fd, &sb) == 0 && S_ISREG(sb.st_mode)) {
        if (sb.st_mode & 077) { /* anyone who can read it can log in as anyone */
            fprintf(stderr, "clogin-demo: %s is readable by others; chmod 600 it\n", path);
            close(fd);
            return -1;
        }
        n = read(fd, key, KEY_MAX + 1);
    }
    if (fd >= 0)
        close(fd);
    if (n > 0 && key[n - 1] == '\n')
        n--;
    if (n <= 0 || n > KEY_MAX) {
        fprintf(stderr, "clogin-demo: cannot use the key in %s\n", path);
        return -1;
    }
    key[n] = '\0';
    return 1;
}

/* Make a new key file; O_EXCL so that two demos starting at once agree. */
static int make_key(const char *path) {
    unsigned char raw[32];
    char hex[2 * sizeof raw + 2];
    randombytes_buf(raw, sizeof raw);
    sodium_bin2hex(hex, sizeof hex, raw, sizeof raw);
    strcat(hex, "\n");
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0600);
    if (fd < 0)
        return errno == EEXIST ? 0 : -1;
    size_t len = strlen(hex);
    int ok = write(fd, hex, len) == (ssize_t)len;
    ok = close(fd) == 0 && ok;
    sodium_memzero(raw, sizeof raw);
    sodium_memzero(hex, sizeof hex);
    return ok ? 0 : -1;
}

int secret_setup(clogin_manager *m, const char *db_path) {
    size_t n = strlen(db_path) + sizeof ".secret";
    char *path = malloc(n);
    char key[KEY_MAX + 1];
    if (!path)
        return -1;
    snprintf(path, n, "%s.secret", db_path);
    int rc = read_key(path, key);
    if (rc == 0) {
        if (make_key(path) != 0)
            fprintf(stderr, "clogin-demo: cannot write %s: %s\n", path, strerror(errno));
        else
            rc = read_key(path, key);
    }
    if (rc == 1 && clogin_manager_set(m, "SECRET_KEY", key) != CLOGIN_OK) {
        fprintf(stderr, "clogin-demo: %s: %s\n", path, clogin_manager_error(m));
        rc = -1;
    }
    if (rc == 1) {
        printf("clogin-demo: no CLOGIN_SECRET_KEY; using the key in %s\n", path);
        fflush(stdout);
    }
    sodium_memzero(key, sizeof key);
    free(path);
    return rc == 1 ? 0 : -1;
}
