/* text.h: Unicode text operations on UTF-8, the only part of cbr that calls
 * GNU libunistring.  Everything takes (pointer, length) and never needs NUL. */
#ifndef CBR_STDLIB_TEXT_H
#define CBR_STDLIB_TEXT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* Whether s[0..n) is valid UTF-8 (no overlongs, surrogates or values past
 * U+10FFFF); if not, *bad (may be NULL) gets the offset of the first bad byte. */
bool cbrtext_valid(const char *s, size_t n, size_t *bad);

/* Whether s[0..n) is all ASCII (then it is valid UTF-8 and its own NFC):
 * eight bytes at a time, for the input's fast path. */
static inline bool cbrtext_ascii(const char *s, size_t n)
{
    uint64_t acc = 0;
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        uint64_t w;
        memcpy(&w, s + i, 8);
        acc |= w;
    }
    for (; i < n; i++)
        acc |= (unsigned char)s[i];
    return (acc & 0x8080808080808080ull) == 0;
}

/* Code points in s[0..n); each byte of an invalid sequence counts as one. */
size_t cbrtext_codepoints(const char *s, size_t n);
/* The offset of the code point after the one at offset i (i < n), counting
 * as cbrtext_codepoints does. */
size_t cbrtext_next(const char *s, size_t n, size_t i);

/* Terminal columns that s[0..n) occupies: wide East Asian characters count
 * two, combining marks zero, an invalid byte one; a tab counts one (callers
 * copy tabs). */
size_t cbrtext_width(const char *s, size_t n);

/* Replaces, in place, every byte that is not part of valid UTF-8 and every
 * control character but tab with '?', one byte for one byte (so offsets and
 * columns stay put): text fit to print on a terminal. */
void cbrtext_printable(char *s, size_t n);

/* Encodes code point cp (<= U+10FFFF, not a surrogate) into out (4 bytes);
 * returns the byte count, 0 when cp is not a scalar value. */
int cbrtext_encode(uint32_t cp, char *out);

/* ---- normalised and case-mapped copies (the string rules of the language) ----
 *
 * Each function below writes its result into a cbrtext_buf: p points at
 * `local` when the result fits in it, else at heap memory; either way the
 * caller releases it with cbrtext_buf_free (safe after a failed call too).
 * The result is not NUL-terminated.  Because p may point into the struct
 * itself, a cbrtext_buf must not be copied while it holds a result.
 *
 * They return false only when s[0..n) is not valid UTF-8 (libunistring would
 * otherwise replace bad bytes with U+FFFD without telling) or when memory runs
 * out; out is then empty.  Text that is all ASCII takes an exact fast path:
 * NFC and NFKC leave ASCII alone and no ASCII character case-maps or folds to
 * anything but its ASCII lower or upper case.
 *
 * Choices recorded here:
 *  - `==` compares NFC forms (cbrtext_nfc); lower() and upper() return NFC.
 *  - `~=` and casefold() use cbrtext_fold: NFKC with full Unicode case
 *    folding and no language tailoring, i.e. Unicode's compatibility caseless
 *    match.  So full-width letters, ligatures (U+FB01), the Kelvin sign and
 *    the Angstrom sign match their plain forms, and "strasse" ~= "STRASSE".
 *  - U+0130 (capital I with dot above) folds to "i" + U+0307, so
 *    "\u0130" ~= "i" is false (and stays false for Turkish text: no
 *    tailoring is applied).
 *  - len() counts code points of the NFC form: "e" + U+0301 is 1, but the
 *    family emoji U+1F468 ZWJ U+1F469 ZWJ U+1F467 is 5 (code points, not
 *    grapheme clusters). */
typedef struct cbrtext_buf {
    char *p;
    size_t n;
    char local[256];
} cbrtext_buf;

void cbrtext_buf_free(cbrtext_buf *b);

/* The NFC form of s[0..n). */
bool cbrtext_nfc(const char *s, size_t n, cbrtext_buf *out);
/* cbrtext_nfc of text the caller has already found valid (cbrtext_valid):
 * it is not read a second time to check it. */
bool cbrtext_nfc_valid(const char *s, size_t n, cbrtext_buf *out);
/* NFKC + full case folding of s[0..n): the key compared by `~=` and the
 * result of casefold(). */
bool cbrtext_fold(const char *s, size_t n, cbrtext_buf *out);
/* Full lower / upper case mapping (u8_tolower / u8_toupper, no language),
 * in NFC: upper("stra\u00dfe") is "STRASSE". */
bool cbrtext_lower(const char *s, size_t n, cbrtext_buf *out);
bool cbrtext_upper(const char *s, size_t n, cbrtext_buf *out);
/* Code points in the NFC form of s[0..n); for invalid UTF-8 (which the
 * language never lets in) it counts as cbrtext_codepoints does. */
size_t cbrtext_len(const char *s, size_t n);

#endif
