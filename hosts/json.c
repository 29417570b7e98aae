/* json.c: the JSON string writer shared by cbrc's
 * award lines, summaries and explanations and cbr-stream's events, so
 * that every JSON text cbr writes escapes strings the same way. */
#include "config.h"
#include <stdlib.h>
#include <string.h>
#include "hosts/json.h"

char *hjson_put(char *p, const char *s, size_t n)
{
    *p++ = '"';
    size_t i = 0;
    while (i < n) {
        /* Unescaped runs are copied whole: most strings are one run. */
        size_t run = i;
        while (i < n && (unsigned char)s[i] >= 0x20 && s[i] != '"' && s[i] != '\\')
            i++;
        if (i > run)
            memcpy(p, s + run, i - run);
        p += i - run;
        if (i == n)
            break;
        unsigned char c = (unsigned char)s[i++];
        *p++ = '\\';
        switch (c) {
        case '"': *p++ = '"'; break;
        case '\\': *p++ = '\\'; break;
        case '\n': *p++ = 'n'; break;
        case '\r': *p++ = 'r'; break;
        case '\t': *p++ = 't'; break;
        default:
            *p++ = 'u';
            *p++ = '0';
            *p++ = '0';
            *p++ = "0123456789abcdef"[c >> 4];
            *p++ = "0123456789abcdef"[c & 15];
        }
    }
    *p++ = '"';
    return p;
}

void hjson_string(hjson_sink out, void *ud, const char *s, size_t n)
{
    /* Escaped a piece at a time into a buffer of the worst case. */
    char buf[HJSON_ROOM(256)];
    if (n <= 256) {
        out(ud, buf, (size_t)(hjson_put(buf, s, n) - buf));
        return;
    }
    out(ud, "\"", 1);
    for (size_t at = 0; at < n; at += 256) {
        size_t k = n - at < 256 ? n - at : 256;
        char *e = hjson_put(buf, s + at, k);
        out(ud, buf + 1, (size_t)(e - buf) - 2); /* without the quotes of the piece */
    }
    out(ud, "\"", 1);
}

static void to_file(void *ud, const char *s, size_t n) { fwrite(s, 1, n, ud); }

void hjson_buf(cbrtb *b, const char *s)
{
    if (!s) {
        cbrtb_puts(b, "null");
        return;
    }
    size_t n = strlen(s);
    char *p = n <= (SIZE_MAX - 2) / 6 ? cbrtb_reserve(b, HJSON_ROOM(n)) : NULL;
    if (!p) {
        b->oom = true;
        return;
    }
    char *e = hjson_put(p, s, n);
    *e = '\0';
    b->n += (size_t)(e - p);
}

void hjson_file(FILE *f, const char *s, size_t n)
{
    if (!s)
        fputs("null", f);
    else
        hjson_string(to_file, f, s, n);
}
