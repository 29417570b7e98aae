/* pos.c: positions.  The protocol counts lines from 0 and characters in
 * UTF-16 code units (its default encoding, the one every client speaks);
 * libcbr counts lines from 1 and columns in code points.  Both are
 * converted here on the file's text, so a line with `é` or an emoji lines
 * up in the editor.  Out-of-range positions are clamped, never trusted. */
#include <stdlib.h>
#include <string.h>
#include "hosts/json.h"
#include "hosts/lsp/lsp.h"

/* The code point at s[0..n) and its length in bytes (1 for a bad byte,
 * which then stands for U+FFFD). */
static size_t utf8_next(const unsigned char *s, size_t n, unsigned *cp)
{
    unsigned c = s[0];
    size_t k = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 0;
    if (k == 0 || k > n) {
        *cp = 0xFFFD;
        return 1;
    }
    unsigned v = k == 1 ? c : c & (0x7Fu >> k);
    for (size_t i = 1; i < k; i++) {
        if ((s[i] & 0xC0) != 0x80) {
            *cp = 0xFFFD;
            return 1;
        }
        v = (v << 6) | (s[i] & 0x3F);
    }
    static const unsigned min[] = {0, 0, 0x80, 0x800, 0x10000};
    if (v < min[k] || v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF)) {
        *cp = 0xFFFD;
        return 1;
    }
    *cp = v;
    return k;
}

bool lsp_text_set(lsp_text *t, const char *s, size_t n)
{
    lsp_text_free(t);
    t->text = malloc(n + 1);
    if (!t->text)
        return false;
    memcpy(t->text, s, n);
    t->text[n] = '\0';
    t->len = n;
    size_t cap = 64;
    t->lines = malloc(cap * sizeof *t->lines);
    if (!t->lines)
        return false;
    t->lines[t->nlines++] = 0;
    for (size_t i = 0; i < n; i++)
        if (s[i] == '\n') {
            if (t->nlines == cap) {
                size_t *nl = realloc(t->lines, 2 * cap * sizeof *nl);
                if (!nl)
                    return false;
                t->lines = nl;
                cap *= 2;
            }
            t->lines[t->nlines++] = i + 1;
        }
    return true;
}

void lsp_text_free(lsp_text *t)
{
    free(t->text);
    free(t->lines);
    memset(t, 0, sizeof *t);
}

/* Where line l (0-based) starts and ends (before its newline); a byte
 * order mark opens line 0 but is no column, as in libcbr. */
static void line_span(const lsp_text *t, size_t l, size_t *a, size_t *b)
{
    if (t->nlines == 0) {
        *a = *b = 0;
        return;
    }
    if (l >= t->nlines)
        l = t->nlines - 1;
    *a = t->lines[l];
    *b = l + 1 < t->nlines ? t->lines[l + 1] - 1 : t->len;
    if (l == 0 && t->len >= 3 && memcmp(t->text, "\xEF\xBB\xBF", 3) == 0)
        *a = 3;
    if (*b < *a)
        *b = *a;
}

void lsp_pos_in(const lsp_text *t, long long line, long long character, unsigned *cline, unsigned *ccol)
{
    if (line < 0)
        line = 0;
    if (t->nlines && (unsigned long long)line >= t->nlines)
        line = (long long)t->nlines - 1;
    size_t a, b;
    line_span(t, (size_t)line, &a, &b);
    unsigned col = 1;
    long long units = 0;
    for (size_t i = a; i < b && units < character;) {
        unsigned cp;
        i += utf8_next((const unsigned char *)t->text + i, b - i, &cp);
        units += cp >= 0x10000 ? 2 : 1;
        col++;
    }
    *cline = (unsigned)line + 1;
    *ccol = col;
}

size_t lsp_offset(const lsp_text *t, unsigned cline, unsigned ccol)
{
    size_t a, b;
    line_span(t, cline ? cline - 1 : 0, &a, &b);
    size_t i = a;
    for (unsigned col = 1; col < ccol && i < b; col++) {
        unsigned cp;
        i += utf8_next((const unsigned char *)t->text + i, b - i, &cp);
    }
    return i;
}

void lsp_put_pos(cbrtb *b, const lsp_text *t, unsigned cline, unsigned ccol)
{
    size_t a, e;
    size_t l = cline ? cline - 1 : 0;
    if (t->nlines && l >= t->nlines)
        l = t->nlines - 1;
    line_span(t, l, &a, &e);
    unsigned units = 0;
    size_t i = a;
    for (unsigned col = 1; col < ccol && i < e; col++) {
        unsigned cp;
        i += utf8_next((const unsigned char *)t->text + i, e - i, &cp);
        units += cp >= 0x10000 ? 2 : 1;
    }
    cbrtb_printf(b, "{\"line\":%zu,\"character\":%u}", l, units);
}

void lsp_put_range(cbrtb *b, const lsp_text *t, unsigned l1, unsigned c1, unsigned l2, unsigned c2)
{
    cbrtb_puts(b, "{\"start\":");
    lsp_put_pos(b, t, l1, c1);
    cbrtb_puts(b, ",\"end\":");
    lsp_put_pos(b, t, l2, c2);
    cbrtb_puts(b, "}");
}

void lsp_put_strn(cbrtb *b, const char *s, size_t n)
{
    /* Text from a file may hold bytes that are not UTF-8 (libcbr reports
     * them); JSON may not, so each becomes U+FFFD. */
    char *clean = malloc(n * 3 + 1);
    if (!clean) {
        b->oom = true;
        return;
    }
    size_t k = 0;
    for (size_t i = 0; i < n;) {
        unsigned cp;
        size_t len = utf8_next((const unsigned char *)s + i, n - i, &cp);
        if (cp == 0xFFFD && len == 1 && (unsigned char)s[i] >= 0x80) {
            memcpy(clean + k, "\xEF\xBF\xBD", 3);
            k += 3;
        } else if (s[i] != '\0') {
            memcpy(clean + k, s + i, len);
            k += len;
        }
        i += len;
    }
    clean[k] = '\0';
    hjson_buf(b, clean);
    free(clean);
}
