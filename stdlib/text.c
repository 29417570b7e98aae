/* text.c: UTF-8 helpers over GNU libunistring (see text.h). */
#include "config.h"
#include <stdlib.h>
#include <unicase.h>
#include <uninorm.h>
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

/* ---- normalised and case-mapped copies ---- */

void cbrtext_buf_free(cbrtext_buf *b)
{
    if (b->p && b->p != b->local)
        free(b->p);
    b->p = b->local;
    b->n = 0;
}


/* out gets room for n bytes (local or heap); false when out of memory. */
static bool buf_room(cbrtext_buf *out, size_t n)
{
    out->p = out->local;
    out->n = 0;
    if (n > sizeof out->local) {
        out->p = malloc(n);
        if (!out->p) {
            out->p = out->local;
            return false;
        }
    }
    out->n = n;
    return true;
}

enum ascii_map { MAP_SAME, MAP_LOWER, MAP_UPPER };

static bool ascii_copy(const char *s, size_t n, enum ascii_map m, cbrtext_buf *out)
{
    if (!buf_room(out, n))
        return false;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (m == MAP_LOWER && c >= 'A' && c <= 'Z')
            c = (char)(c - 'A' + 'a');
        else if (m == MAP_UPPER && c >= 'a' && c <= 'z')
            c = (char)(c - 'a' + 'A');
        out->p[i] = c;
    }
    return true;
}

/* The four mappings of the language, one shape: ASCII takes the exact fast
 * path; anything else is checked (libunistring would silently replace bad
 * bytes) and handed to libunistring with out->local as its first buffer. */
enum mapping { NFC, FOLD, LOWER, UPPER };

/* The libunistring half of map_text, for valid UTF-8. */
static bool map_valid(enum mapping m, const char *s, size_t n, cbrtext_buf *out)
{
    const uint8_t *u = (const uint8_t *)s;
    uint8_t *buf = (uint8_t *)out->local, *r;
    size_t len = sizeof out->local;
    switch (m) {
    case NFC: r = u8_normalize(UNINORM_NFC, u, n, buf, &len); break;
    case FOLD: r = u8_casefold(u, n, NULL, UNINORM_NFKC, buf, &len); break;
    case LOWER: r = u8_tolower(u, n, NULL, UNINORM_NFC, buf, &len); break;
    default: r = u8_toupper(u, n, NULL, UNINORM_NFC, buf, &len); break;
    }
    if (!r)
        return false;
    out->p = (char *)r;
    out->n = len;
    return true;
}

static bool map_text(enum mapping m, const char *s, size_t n, cbrtext_buf *out)
{
    static const enum ascii_map ascii[] = {[NFC] = MAP_SAME, [FOLD] = MAP_LOWER,
                                           [LOWER] = MAP_LOWER, [UPPER] = MAP_UPPER};
    out->p = out->local;
    out->n = 0;
    if (cbrtext_ascii(s, n))
        return ascii_copy(s, n, ascii[m], out);
    if (u8_check((const uint8_t *)s, n))
        return false;
    return map_valid(m, s, n, out);
}

bool cbrtext_nfc_valid(const char *s, size_t n, cbrtext_buf *out)
{
    out->p = out->local;
    out->n = 0;
    return map_valid(NFC, s, n, out);
}

bool cbrtext_nfc(const char *s, size_t n, cbrtext_buf *out) { return map_text(NFC, s, n, out); }
bool cbrtext_fold(const char *s, size_t n, cbrtext_buf *out) { return map_text(FOLD, s, n, out); }
bool cbrtext_lower(const char *s, size_t n, cbrtext_buf *out) { return map_text(LOWER, s, n, out); }
bool cbrtext_upper(const char *s, size_t n, cbrtext_buf *out) { return map_text(UPPER, s, n, out); }

size_t cbrtext_len(const char *s, size_t n)
{
    if (cbrtext_ascii(s, n))
        return n;
    cbrtext_buf b;
    if (!cbrtext_nfc(s, n, &b))
        return cbrtext_codepoints(s, n);
    size_t k = u8_mbsnlen((const uint8_t *)b.p, b.n);
    cbrtext_buf_free(&b);
    return k;
}
