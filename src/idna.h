/* IDNA decoding of host labels (Python's encodings.idna ToUnicode). */
#ifndef CLOGIN_IDNA_H
#define CLOGIN_IDNA_H

#include <stddef.h>
#include <stdint.h>

/* ToASCII's limit: longer labels never round-trip. */
#define CLOGIN__IDNA_MAX_LABEL 63

/* label.decode("idna") for one ASCII label: 1 with its code points in out
 * when Python's ToUnicode succeeds, 0 when Python would keep the label. */
int clogin__idna_to_unicode(const char *label, size_t len,
                            uint32_t out[CLOGIN__IDNA_MAX_LABEL],
                            size_t *out_len);

#endif
