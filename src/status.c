#include "internal.h"

#include <stdlib.h>

const char *clogin_version(void) { return CLOGIN_VERSION_STRING; }

void clogin_free(void *ptr) { free(ptr); }

typedef struct status_text {
    const char *name;
    const char *text;
} status_text;

static const status_text statuses[] = {
    [CLOGIN_OK] = {"CLOGIN_OK", "success"},
    [CLOGIN_EINVAL] = {"CLOGIN_EINVAL", "invalid argument"},
    [CLOGIN_ENOMEM] = {"CLOGIN_ENOMEM", "out of memory"},
    [CLOGIN_ENOKEY] = {"CLOGIN_ENOKEY", "the secret key is missing or empty"},
    [CLOGIN_ECRYPTO] = {"CLOGIN_ECRYPTO", "the crypto library failed"},
    [CLOGIN_ETOOLARGE] = {"CLOGIN_ETOOLARGE", "input larger than the limit"},
    [CLOGIN_EMALFORMED] = {"CLOGIN_EMALFORMED", "malformed input"},
    [CLOGIN_EBASE64] = {"CLOGIN_EBASE64", "invalid base64"},
    [CLOGIN_EBADSIG] = {"CLOGIN_EBADSIG",
                        "bad signature (not signed by any configured key)"},
    [CLOGIN_EEXPIRED] = {"CLOGIN_EEXPIRED",
                         "signature expired (older than the maximum age)"},
    [CLOGIN_EFUTURE] = {"CLOGIN_EFUTURE", "timestamp is in the future"},
    [CLOGIN_ETIMESTAMP] = {"CLOGIN_ETIMESTAMP", "timestamp is invalid"},
    [CLOGIN_EZLIB] = {"CLOGIN_EZLIB", "compressed payload is corrupt"},
    [CLOGIN_EZBOMB] = {"CLOGIN_EZBOMB",
                       "payload inflates past the decompressed-size limit"},
    [CLOGIN_EUTF8] = {"CLOGIN_EUTF8", "invalid UTF-8"},
    [CLOGIN_EJSON] = {"CLOGIN_EJSON", "invalid JSON or not a JSON object"},
    [CLOGIN_EDEPTH] = {"CLOGIN_EDEPTH", "JSON nested deeper than the limit"},
    [CLOGIN_ECOOKIE] = {"CLOGIN_ECOOKIE",
                        "cookie name, value or attribute cannot be sent"},
    [CLOGIN_ENOTFOUND] = {"CLOGIN_ENOTFOUND", "not found"},
    [CLOGIN_ETYPE] = {"CLOGIN_ETYPE", "value has another type"},
    [CLOGIN_ECONFIG] = {"CLOGIN_ECONFIG", "invalid configuration"},
    [CLOGIN_ESTATE] = {"CLOGIN_ESTATE",
                       "not allowed now (manager not started, or already started)"},
    [CLOGIN_EINACTIVE] = {"CLOGIN_EINACTIVE", "the user is not active"},
    [CLOGIN_EUNSAFE] = {"CLOGIN_EUNSAFE", "redirect target leaves the site"},
    [CLOGIN_EUNAVAILABLE] = {"CLOGIN_EUNAVAILABLE", "a database or store is unavailable"},
};

static const status_text *lookup(clogin_status status) {
    if ((unsigned)status >= sizeof statuses / sizeof statuses[0])
        return NULL;
    return &statuses[status];
}

const char *clogin_strerror(clogin_status status) {
    const status_text *s = lookup(status);
    return s ? s->text : "unknown status";
}

const char *clogin_status_name(clogin_status status) {
    const status_text *s = lookup(status);
    return s ? s->name : "CLOGIN_UNKNOWN";
}
