/*
 * clogin's libmicrohttpd adapter.
 *
 * Set-up: start the daemon with two options, so that every request gets
 * its clogin state and the raw request-target (MHD only hands handlers the
 * decoded path):
 *
 *   MHD_start_daemon(flags, port, NULL, NULL, handler, app,
 *                    MHD_OPTION_URI_LOG_CALLBACK, clogin_mhd_uri_logger, NULL,
 *                    MHD_OPTION_NOTIFY_COMPLETED, clogin_mhd_completed, NULL,
 *                    MHD_OPTION_END);
 *
 * A handler then reads:
 *
 *   clogin_mhd *h;
 *   switch (clogin_mhd_step(manager, c, method, upload_data, upload_size,
 *                           req_cls, 16384, &h)) {
 *   case CLOGIN_MHD_MORE: return MHD_YES;     (headers or body still coming)
 *   case CLOGIN_MHD_FAIL: return MHD_NO;      (out of memory: drop it)
 *   case CLOGIN_MHD_READY: break;
 *   }
 *   clogin_request *r = clogin_mhd_request(h);
 *   int status = clogin_login_required(r);
 *   if (status)
 *       return clogin_mhd_respond(h, c, status, "text/plain", "", 0);
 *   ...
 *   return clogin_mhd_respond(h, c, 200, "text/html; charset=utf-8", page, len);
 *
 * The request is answered on the handler's second call at the earliest,
 * which keeps connections alive with libmicrohttpd 0.9.75. Works with MHD's
 * internal thread pool and with a thread per connection: all state lives
 * in the request.
 */
#ifndef CLOGIN_MHD_H
#define CLOGIN_MHD_H

#include <clogin.h>
#include <microhttpd.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct clogin_mhd clogin_mhd;

/* MHD_OPTION_URI_LOG_CALLBACK: keeps the raw request-target. */
CLOGIN_API void *clogin_mhd_uri_logger(void *cls, const char *uri,
                                       struct MHD_Connection *c);
/* MHD_OPTION_NOTIFY_COMPLETED: frees the request (and releases its users). */
CLOGIN_API void clogin_mhd_completed(void *cls, struct MHD_Connection *c,
                                     void **req_cls,
                                     enum MHD_RequestTerminationCode toe);

typedef enum clogin_mhd_state {
    CLOGIN_MHD_MORE = 0, /* return MHD_YES and wait for the next call */
    CLOGIN_MHD_READY,    /* headers and body are in: handle the request */
    CLOGIN_MHD_FAIL      /* out of memory or misuse: return MHD_NO */
} clogin_mhd_state;

/* Drive one call of the access handler. A body of at most max_body bytes
 * (0: 16 KiB) is accepted; past that it is dropped and
 * clogin_mhd_body_too_large() says so (answer 413). An
 * application/x-www-form-urlencoded body is kept for
 * clogin_mhd_form_value(); other bodies are not kept. */
CLOGIN_API clogin_mhd_state clogin_mhd_step(const clogin_manager *m,
                                            struct MHD_Connection *c,
                                            const char *method,
                                            const char *upload_data,
                                            size_t *upload_size,
                                            void **req_cls, size_t max_body,
                                            clogin_mhd **out);

CLOGIN_API clogin_request *clogin_mhd_request(clogin_mhd *h);
/* A field of the urlencoded body (the first if repeated), decoded as
 * Werkzeug decodes forms, or NULL. *len (may be NULL) is its length: a
 * value holding "%00" is longer than strlen() says, so compare lengths
 * before trusting it as a C string. Valid until the request ends. */
CLOGIN_API const char *clogin_mhd_form_value(clogin_mhd *h, const char *name,
                                             size_t *len);
CLOGIN_API int clogin_mhd_body_too_large(const clogin_mhd *h);

/* Answer: clogin's headers (Location, Set-Cookie, Vary) are added to the
 * response, then it is queued with status. queue does not destroy the
 * response; respond builds one from a copy of body. When the session store
 * would not take the session (clogin_request_finish() said
 * CLOGIN_EUNAVAILABLE: a login or logout that cannot be recorded), a plain
 * 503 with Retry-After and no cookie goes out instead of the response. */
CLOGIN_API enum MHD_Result clogin_mhd_queue(clogin_mhd *h,
                                            struct MHD_Connection *c,
                                            unsigned int status,
                                            struct MHD_Response *response);
CLOGIN_API enum MHD_Result clogin_mhd_respond(clogin_mhd *h,
                                              struct MHD_Connection *c,
                                              unsigned int status,
                                              const char *content_type,
                                              const void *body, size_t len);

#ifdef __cplusplus
}
#endif
#endif
