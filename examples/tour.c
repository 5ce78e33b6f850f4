/* The README's tour, as a program: who is logged in, according to the
 * Flask session cookie in a Cookie header?
 *
 *   CLOGIN_SECRET_KEY=... clogin-tour 'theme=dark; session=eyJfdXNlcl9pZCI6IjQyIn0...'
 */
#include <clogin.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

int main(int argc, char **argv) {
    const char *cookie_header = argc > 1 ? argv[1] : "";
    if (!getenv("CLOGIN_SECRET_KEY")) {
        fprintf(stderr, "set CLOGIN_SECRET_KEY\n");
        return 2;
    }
    /* --- the tour starts here --- */
    clogin_signer_options o = {0};                 /* zeros are Flask's defaults */
    o.secret_key.data = getenv("CLOGIN_SECRET_KEY");
    o.secret_key.len = strlen(o.secret_key.data);
    clogin_signer *signer;                         /* once, shared by all threads */
    if (clogin_signer_new(&signer, &o) != CLOGIN_OK)
        return 2;

    const char *value; size_t len; char buf[4096];   /* from the Cookie header */
    clogin_session *session = NULL;
    if (clogin_cookie_find(cookie_header, strlen(cookie_header), "session",
                           &value, &len, buf, sizeof buf) == CLOGIN_OK &&
        clogin_session_cookie_decode(signer, value, len, time(NULL),
                                     &session, NULL) == CLOGIN_OK) {
        const char *user_id;                       /* what Flask-Login stored */
        if (clogin_session_get_string(session, "_user_id", &user_id, NULL) == CLOGIN_OK)
            printf("logged in as %s\n", user_id);
    }                                   /* otherwise: anonymous, never a crash */
    clogin_session_free(session);
    /* --- the tour ends here --- */
    if (!session)
        printf("anonymous\n");
    clogin_signer_free(signer);
    return 0;
}
