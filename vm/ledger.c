/* ledger.c: the award ledger: award ids, and the records settling keeps of
 * each purchase that changed anything and each refund of one. */
#include "config.h"
#include <string.h>
#include "vm/ledger.h"

/* Appends s with `\` and `/` escaped; returns the new length. */
static size_t put_escaped(char *buf, size_t n, size_t at, const char *s)
{
    for (; s && *s; s++) {
        if (*s == '\\' || *s == '/') {
            if (at + 1 < n)
                buf[at] = '\\';
            at++;
        }
        if (at + 1 < n)
            buf[at] = *s;
        at++;
    }
    return at;
}

size_t cbr_award_id(const cbr_award *a, char *buf, size_t n)
{
    size_t at = 0;
    if (a) {
        at = put_escaped(buf, n, at, a->tid);
        if (at + 1 < n)
            buf[at] = '/';
        at++;
        at = put_escaped(buf, n, at, a->offer_id);
    }
    if (n)
        buf[at < n ? at : n - 1] = '\0';
    return at;
}
