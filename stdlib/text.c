/* text.c: UTF-8 helpers over GNU libunistring (see text.h). */
#include "config.h"
#include <unistr.h>
#include <uniwidth.h>
#include "stdlib/text.h"

bool cbrtext_valid(const char *s, size_t n, size_t *bad)
{
    const uint8_t *p = u8_check((const uint8_t *)s, n);
    if (!p)
        return true;
    if (bad)
        *bad = (size_t)(p - (const uint8_t *)s);
    return false;
}

size_t cbrtext_next(const char *s, size_t n, size_t i)
{
    ucs4_t uc;
    int k = u8_mbtoucr(&uc, (const uint8_t *)s + i, n - i);
    return i + (k > 0 ? (size_t)k : 1);
}

/* Not u8_mbsnlen: it counts some invalid sequences (F4 90 80) as one
 * character, and diagnostics need one column per invalid byte. */
size_t cbrtext_codepoints(const char *s, size_t n)
{
    size_t count = 0;
    for (size_t i = 0; i < n; i = cbrtext_next(s, n, i))
        count++;
    return count;
}

size_t cbrtext_width(const char *s, size_t n)
{
    const uint8_t *p = (const uint8_t *)s, *end = p + n;
    size_t w = 0;
    while (p < end) {
        ucs4_t uc;
        int k = u8_mbtoucr(&uc, p, (size_t)(end - p));
        if (k <= 0) {
            w++;
            p++;
            continue;
        }
        int cw = uc == '\t' ? 1 : uc_width(uc, "UTF-8");
        w += cw < 0 ? 1 : (size_t)cw;
        p += k;
    }
    return w;
}

void cbrtext_printable(char *s, size_t n)
{
    uint8_t *p = (uint8_t *)s, *end = p + n;
    while (p < end) {
        ucs4_t uc;
        int k = u8_mbtoucr(&uc, p, (size_t)(end - p));
        if (k <= 0) {
            *p++ = '?';
            continue;
        }
        if ((uc < 0x20 && uc != '\t') || uc == 0x7F)
            *p = '?';
        p += k;
    }
}

int cbrtext_encode(uint32_t cp, char *out)
{
    if (cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
        return 0;
    return u8_uctomb((uint8_t *)out, cp, 4);
}
