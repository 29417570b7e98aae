/* json.c: the JSON string writer shared by cbrc's
 * award lines, summaries and explanations and cbr-stream's events, so
 * that every JSON text cbr writes escapes strings the same way. */
#include "config.h"
#include <stdlib.h>
#include <string.h>
#include "hosts/json.h"

void hjson_string(hjson_sink out, void *ud, const char *s, size_t n)
{
    out(ud, "\"", 1);
    const char *run = s, *end = s + n;
    for (const char *p = s; p < end; p++) {
        unsigned char c = (unsigned char)*p;
        if (c != '"' && c != '\\' && c >= 0x20)
            continue;
        /* Unescaped runs go out whole: most strings are one run. */
        if (p > run)
            out(ud, run, (size_t)(p - run));
        char e[8];
        switch (c) {
        case '"': out(ud, "\\\"", 2); break;
        case '\\': out(ud, "\\\\", 2); break;
        case '\n': out(ud, "\\n", 2); break;
        case '\r': out(ud, "\\r", 2); break;
        case '\t': out(ud, "\\t", 2); break;
        default:
            snprintf(e, sizeof e, "\\u%04x", c);
            out(ud, e, 6);
        }
        run = p + 1;
    }
    if (end > run)
        out(ud, run, (size_t)(end - run));
    out(ud, "\"", 1);
}

static void to_buf(void *ud, const char *s, size_t n) { cbrtb_put(ud, s, n); }
static void to_file(void *ud, const char *s, size_t n) { fwrite(s, 1, n, ud); }

void hjson_buf(cbrtb *b, const char *s)
{
    if (!s) {
        cbrtb_puts(b, "null");
        return;
    }
    /* Most strings (ids, offers) need no escape: one copy, quotes around. */
    size_t n = 0;
    while (s[n] && s[n] != '"' && s[n] != '\\' && (unsigned char)s[n] >= 0x20)
        n++;
    if (s[n]) {
        hjson_string(to_buf, b, s, strlen(s));
        return;
    }
    cbrtb_put(b, "\"", 1);
    cbrtb_put(b, s, n);
    cbrtb_put(b, "\"", 1);
}

void hjson_file(FILE *f, const char *s, size_t n)
{
    if (!s)
        fputs("null", f);
    else
        hjson_string(to_file, f, s, n);
}
