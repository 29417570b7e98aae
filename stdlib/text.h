/* text.h: Unicode text operations on UTF-8, the only part of cbr that calls
 * GNU libunistring.  Everything takes (pointer, length) and never needs NUL. */
#ifndef CBR_STDLIB_TEXT_H
#define CBR_STDLIB_TEXT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Whether s[0..n) is valid UTF-8 (no overlongs, surrogates or values past
 * U+10FFFF); if not, *bad (may be NULL) gets the offset of the first bad byte. */
bool cbrtext_valid(const char *s, size_t n, size_t *bad);

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

#endif
