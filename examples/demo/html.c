/* The pages: plain HTML5 with one stylesheet, labelled form fields, and
 * every value that is not a literal of this file written through
 * page_esc(). */
#include "app.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

static void put_n(page *p, const char *s, size_t n) {
    if (p->failed)
        return;
    if (p->len + n + 1 > p->cap) {
        size_t cap = p->cap ? p->cap : 1024;
        while (cap < p->len + n + 1)
            cap *= 2;
        char *t = realloc(p->text, cap);
        if (!t) {
            p->failed = 1;
            return;
        }
        p->text = t;
        p->cap = cap;
    }
    memcpy(p->text + p->len, s, n);
    p->len += n;
    p->text[p->len] = '\0';
}

void page_put(page *p, const char *s) {
    put_n(p, s, strlen(s));
}

/* Safe in text and in quoted attribute values. */
void page_esc(page *p, const char *s) {
    for (; *s; s++) {
        switch (*s) {
        case '&': page_put(p, "&amp;"); break;
        case '<': page_put(p, "&lt;"); break;
        case '>': page_put(p, "&gt;"); break;
        case '"': page_put(p, "&quot;"); break;
        case '\'': page_put(p, "&#39;"); break;
        default: put_n(p, s, 1);
        }
    }
}

void page_free(page *p) {
    free(p->text);
    *p = (page){0};
}

const char html_stylesheet[] =
    "body{font:1rem/1.5 system-ui,sans-serif;max-width:32rem;margin:0 auto;"
    "padding:1rem;color:#1a1a1a;background:#fff}\n"
    "h1{font-size:1.5rem}\n"
    "label{display:block;margin-top:.75rem;font-weight:600}\n"
    "label.check{font-weight:normal}\n"
    "input,button{font:inherit}\n"
    "input[type=checkbox]{width:1.25rem;height:1.25rem;vertical-align:middle}\n"
    "input[type=text],input[type=password]{display:block;width:100%;"
    "box-sizing:border-box;padding:.5rem;font-size:1rem;border:1px solid #767676;"
    "border-radius:4px}\n"
    "button{margin-top:1rem;padding:.5rem 1.25rem;font-size:1rem;border:0;"
    "border-radius:4px;background:#0b57d0;color:#fff;cursor:pointer}\n"
    "button:focus-visible,input:focus-visible,a:focus-visible{outline:3px solid #fbbc04;"
    "outline-offset:2px}\n"
    ".flash{padding:.5rem .75rem;background:#e8f0fe;border-left:4px solid #0b57d0}\n"
    ".error{padding:.5rem .75rem;background:#fce8e6;border-left:4px solid #c5221f}\n"
    "nav a{margin-right:1rem;display:inline-block}\n"
    "ul.sessions{list-style:none;padding:0}\n"
    "ul.sessions li{padding:.75rem 0;border-bottom:1px solid #c4c7c5}\n"
    "ul.sessions p{margin:.25rem 0;overflow-wrap:anywhere}\n"
    ".this{padding:0 .4rem;border-radius:4px;background:#e6f4ea;color:#0d652d;"
    "font-weight:600}\n"
    "button.secondary{margin-top:.5rem;background:#fff;color:#c5221f;"
    "border:1px solid #c5221f}\n";

void html_begin(page *p, const char *title, int logged_in) {
    page_put(p, "<!doctype html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
                "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
                "<title>");
    page_esc(p, title);
    page_put(p, " - clogin demo</title>\n<link rel=\"stylesheet\" href=\"/style.css\">\n"
                "</head>\n<body>\n<nav aria-label=\"Site\"><a href=\"/\">Home</a>"
                "<a href=\"/protected\">Protected</a><a href=\"/fresh\">Fresh</a>");
    if (logged_in)
        page_put(p, "<a href=\"/sessions\">Your sessions</a>");
    page_put(p, "</nav>\n<main>\n<h1>");
    page_esc(p, title);
    page_put(p, "</h1>\n");
}

void html_end(page *p) {
    page_put(p, "</main>\n</body>\n</html>\n");
}

void html_flash(void *ctx, const char *category, const char *message) {
    (void)category;
    page_put(ctx, "<p class=\"flash\" role=\"status\">");
    page_esc(ctx, message);
    page_put(ctx, "</p>\n");
}

void html_error(page *p, const char *message) {
    page_put(p, "<p class=\"error\" role=\"alert\">");
    page_esc(p, message);
    page_put(p, "</p>\n");
}

static void hidden_next(page *p, const char *next) {
    page_put(p, "<input type=\"hidden\" name=\"next\" value=\"");
    page_esc(p, next ? next : "");
    page_put(p, "\">\n");
}

void html_home(page *p, const char *username) {
    if (!username) {
        page_put(p, "<p>Nobody is logged in.</p>\n"
                    "<p><a href=\"/login\">Log in</a> as alice (password wonderland)."
                    " bob (builder) exists but is inactive.</p>\n");
    } else {
        page_put(p, "<p>Logged in as <strong>");
        page_esc(p, username);
        page_put(p, "</strong>.</p>\n<p><a href=\"/logout\">Log out</a></p>\n"
                    "<h2>Change password</h2>\n"
                    "<form method=\"post\" action=\"/settings/password\">\n"
                    "<label for=\"current\">Current password</label>\n"
                    "<input type=\"password\" id=\"current\" name=\"current\""
                    " autocomplete=\"current-password\" required>\n"
                    "<label for=\"new\">New password</label>\n"
                    "<input type=\"password\" id=\"new\" name=\"new\""
                    " autocomplete=\"new-password\" required>\n"
                    "<button type=\"submit\">Change password</button>\n</form>\n");
    }
    page_put(p, "<h2>JSON</h2>\n<ul>\n<li><a href=\"/whoami\">/whoami</a></li>\n"
                "<li><a href=\"/api/whoami?api_key=alice-api-key\">"
                "/api/whoami?api_key=alice-api-key</a></li>\n</ul>\n");
}

void html_login_form(page *p, const char *next) {
    page_put(p, "<form method=\"post\" action=\"/login\">\n"
                "<label for=\"username\">Username</label>\n"
                "<input type=\"text\" id=\"username\" name=\"username\""
                " autocomplete=\"username\" autocapitalize=\"none\" required>\n"
                "<label for=\"password\">Password</label>\n"
                "<input type=\"password\" id=\"password\" name=\"password\""
                " autocomplete=\"current-password\" required>\n"
                "<label class=\"check\"><input type=\"checkbox\" name=\"remember\""
                " value=\"on\"> Remember me</label>\n");
    hidden_next(p, next);
    page_put(p, "<button type=\"submit\">Log in</button>\n</form>\n");
}

void html_reauth_form(page *p, const char *username, const char *next) {
    page_put(p, "<p>Please confirm your password, ");
    page_esc(p, username);
    page_put(p, ".</p>\n<form method=\"post\" action=\"/reauth\">\n"
                "<label for=\"password\">Password</label>\n"
                "<input type=\"password\" id=\"password\" name=\"password\""
                " autocomplete=\"current-password\" required>\n");
    hidden_next(p, next);
    page_put(p, "<button type=\"submit\">Confirm</button>\n</form>\n");
}

void html_message(page *p, const char *title, const char *text) {
    html_begin(p, title, 0);
    page_put(p, "<p>");
    page_esc(p, text);
    page_put(p, "</p>\n<p><a href=\"/\">Home</a></p>\n");
    html_end(p);
}

/* ---- GET /sessions ---- */

/* "2024-05-01 12:34:56 UTC" */
static void put_time(page *p, int64_t t) {
    char text[40];
    time_t tt = (time_t)t;
    struct tm tm;
    if (t <= 0 || !gmtime_r(&tt, &tm) ||
        strftime(text, sizeof text, "%Y-%m-%d %H:%M:%S UTC", &tm) == 0) {
        page_put(p, "unknown");
        return;
    }
    page_put(p, text);
}

void html_sessions_begin(page *p) {
    page_put(p, "<p>Every browser where you are logged in. Ending a session logs that"
                " browser out, \"Remember me\" included.</p>\n"
                "<ul class=\"sessions\">\n");
}

/* One session; its strings are valid only during the call, so they are
 * copied (escaped) into the page at once. */
void html_session_row(void *ctx, const clogin_session_info *s) {
    page *p = ctx;
    page_put(p, "<li class=\"session\" data-handle=\"");
    page_esc(p, s->handle);
    page_put(p, "\">\n<p><strong id=\"ua-");
    page_esc(p, s->handle);
    page_put(p, "\">");
    page_esc(p, s->user_agent && *s->user_agent ? s->user_agent : "Unknown browser");
    page_put(p, "</strong>");
    if (s->current)
        page_put(p, " <span class=\"this\">This device</span>");
    page_put(p, "</p>\n<p>Address: ");
    page_esc(p, s->remote_addr && *s->remote_addr ? s->remote_addr : "unknown");
    page_put(p, "</p>\n<p>Logged in: ");
    put_time(p, s->created);
    page_put(p, "</p>\n<p>Last seen: ");
    put_time(p, s->last_seen);
    page_put(p, "</p>\n");
    if (s->current) {
        page_put(p, "<p><a href=\"/logout\">Log out</a></p>\n");
    } else {
        page_put(p, "<form method=\"post\" action=\"/sessions/end\">\n"
                    "<input type=\"hidden\" name=\"handle\" value=\"");
        page_esc(p, s->handle);
        page_put(p, "\">\n<button type=\"submit\" class=\"secondary\" aria-describedby=\"ua-");
        page_esc(p, s->handle);
        page_put(p, "\">End this session</button>\n</form>\n");
    }
    page_put(p, "</li>\n");
}

void html_sessions_end(page *p) {
    page_put(p, "</ul>\n<form method=\"post\" action=\"/sessions/logout-others\">\n"
                "<button type=\"submit\">Log out everywhere else</button>\n</form>\n");
}

void html_sessions_cookie(page *p) {
    page_put(p, "<p>Sessions are listed only with a server-side session store.</p>\n"
                "<p>This server keeps each session in a signed cookie, which it cannot"
                " list or take back. Start the demo with <code>--session-store memory</code>"
                " (or <code>sqlite:PATH</code>, or <code>redis://HOST:PORT/DB</code>) to see"
                " your sessions here and end them one by one.</p>\n"
                "<p>Changing your password still ends every other login.</p>\n");
}
