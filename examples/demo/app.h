/* clogin-demo: what the demo's files share.
 *
 *   main.c     options, the login manager, the daemon, shutdown
 *   loaders.c  what clogin asks of the application: the user class and
 *              the user and request loaders (API keys)
 *   users.c    the users, in SQLite, with Argon2id password hashes
 *   routes.c   routing and the request handlers
 *   html.c     the pages and the stylesheet, every value escaped
 *   secret.c   the secret key when CLOGIN_SECRET_KEY is not set
 */
#ifndef DEMO_APP_H
#define DEMO_APP_H

#include <clogin.h>
#include <clogin/mhd.h>

#include <sqlite3.h>
#include <stddef.h>
#include <stdint.h>

/* A user as clogin sees it. Each request that loads a user gets its own
 * malloc'd copy, which clogin gives back to the user class's release. */
#define DEMO_ALT_ID_LEN 32 /* hex of 16 random bytes */
#define DEMO_HASH_LEN 128  /* crypto_pwhash_STRBYTES, with the NUL */
typedef struct demo_user {
    int64_t id;                       /* the row id, shown as "id" in JSON */
    char alt_id[DEMO_ALT_ID_LEN + 1]; /* get_id(): what the cookies carry */
    char password_hash[DEMO_HASH_LEN]; /* get_auth_hash(): the Argon2id string */
    int active;
    char username[]; /* NUL-terminated */
} demo_user;

typedef struct demo_app {
    char *path; /* the database, which each thread reads through a
                   connection of its own; a write opens one (users.c) */
    clogin_manager *m;
    int session_next; /* USE_SESSION_FOR_NEXT is on */
} demo_app;

/* users.c. Functions returning int give 0, or -1 after printing a
 * database error; a user that does not exist is *out == NULL, not -1.
 * A database error also sets users_db_failed, on the thread that met it:
 * routes.c clears it when a request starts and answers 503 when it is set. */
extern _Thread_local int users_db_failed;
/* A new database gets alice and bob, and with seed_users > 0 (--seed-users)
 * the load-test users user1..userN as well (users.c). */
int users_open(demo_app *app, const char *path, long seed_users);
void users_close(demo_app *app);
int users_by_alt_id(demo_app *app, const char *alt_id, demo_user **out);
int users_by_username(demo_app *app, const char *username, demo_user **out);
int users_by_api_key(demo_app *app, const char *key, size_t len, demo_user **out);
/* 1 when password is the password of user id; as slow for a user that does
 * not exist (id 0), so timing does not tell which usernames exist. 0 when
 * the database failed, with users_db_failed set. */
int users_check_password(demo_app *app, int64_t id, const char *password);
/* Store a new password and a new alternative id, which ends every session
 * and remember cookie of the user; *out is the user as it is now. */
int users_change_password(demo_app *app, int64_t id, const char *password,
                          demo_user **out);
void users_free(demo_user *u);

/* loaders.c */
extern const clogin_user_class demo_user_class;
clogin_status demo_load_user(void *ctx, const char *user_id, void **user);
clogin_status demo_load_from_request(void *ctx, clogin_request *r, void **user);

/* secret.c: SECRET_KEY from a file beside the database, made if missing.
 * 0, or -1 after printing why. */
int secret_setup(clogin_manager *m, const char *db_path);

/* html.c: a growing text buffer; a failed allocation sets failed. */
typedef struct page {
    char *text;
    size_t len, cap;
    int failed;
} page;
void page_put(page *p, const char *s);
void page_esc(page *p, const char *s); /* HTML-escaped */
void page_free(page *p);

extern const char html_stylesheet[];
/* logged_in: the navigation links to the user's sessions */
void html_begin(page *p, const char *title, int logged_in);
void html_end(page *p);
/* A clogin_flash_fn: one flashed message, ctx is the page. */
void html_flash(void *ctx, const char *category, const char *message);
void html_error(page *p, const char *message); /* a role="alert" line */
void html_home(page *p, const char *username); /* NULL: nobody */
void html_login_form(page *p, const char *next);
void html_reauth_form(page *p, const char *username, const char *next);
void html_message(page *p, const char *title, const char *text);
/* GET /sessions: the list's start, one entry per session (a
 * clogin_session_info_fn, ctx is the page), its end with the "log out
 * everywhere else" form; or, with cookie sessions, why there is no list. */
void html_sessions_begin(page *p);
void html_session_row(void *ctx, const clogin_session_info *s);
void html_sessions_end(page *p);
void html_sessions_cookie(page *p);

/* routes.c: the MHD access handler; cls is the demo_app. */
enum MHD_Result demo_handle(void *cls, struct MHD_Connection *c, const char *url,
                            const char *method, const char *version,
                            const char *upload_data, size_t *upload_size,
                            void **req_cls);

#endif
