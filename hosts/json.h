/* json.h: what the hosts share to write JSON: a growable text buffer and
 * the one JSON string writer of cbrc and cbr-stream (json.c). */
#ifndef CBR_HOSTS_JSON_H
#define CBR_HOSTS_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

/* A NUL-terminated text that grows; oom is set (and later puts do
 * nothing) when memory runs out.  Zero-initialise; free p. */
typedef struct hbuf {
    char *p;
    size_t n, cap;
    bool oom;
} hbuf;

void hbuf_put(hbuf *b, const char *s, size_t n);
void hbuf_puts(hbuf *b, const char *s);

/* Where JSON text goes: a buffer, a FILE, ... */
typedef void (*hjson_sink)(void *ud, const char *s, size_t n);

/* s[0..n) as a JSON string literal, quotes included: `"` `\` and control
 * characters escaped, the rest (valid UTF-8) as it is. */
void hjson_string(hjson_sink out, void *ud, const char *s, size_t n);
/* The same into a buffer; NULL s is `null`. */
void hjson_buf(hbuf *b, const char *s);
/* The same onto a FILE; NULL s is `null`. */
void hjson_file(FILE *f, const char *s, size_t n);

#endif
