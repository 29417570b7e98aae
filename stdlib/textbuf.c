/* textbuf.c: see textbuf.h. */
#include "config.h"
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "stdlib/textbuf.h"

static void *grow(cbrtb *b, size_t n)
{
    return b->alloc ? b->alloc(b->ud, b->p, n) : realloc(b->p, n);
}

/* Room for `more` bytes and the NUL after them. */
static bool room(cbrtb *b, size_t more)
{
    if (b->oom)
        return false;
    if (more >= (size_t)-1 / 2 - b->n) {
        b->oom = true;
        return false;
    }
    if (b->n + more + 1 <= b->cap)
        return true;
    size_t nc = b->cap ? b->cap : 256;
    while (nc < b->n + more + 1)
        nc *= 2;
    char *q = grow(b, nc);
    if (!q) {
        b->oom = true;
        return false;
    }
    b->p = q;
    b->cap = nc;
    return true;
}

char *cbrtb_reserve(cbrtb *b, size_t n)
{
    return room(b, n) ? b->p + b->n : NULL;
}

void cbrtb_put(cbrtb *b, const char *s, size_t n)
{
    if (!room(b, n))
        return;
    if (n)
        memcpy(b->p + b->n, s, n);
    b->n += n;
    b->p[b->n] = '\0';
}

void cbrtb_puts(cbrtb *b, const char *s) { cbrtb_put(b, s, strlen(s)); }

void cbrtb_printf(cbrtb *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int k = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (k < 0) {
        b->oom = true;
        return;
    }
    if (!room(b, (size_t)k))
        return;
    va_start(ap, fmt);
    vsnprintf(b->p + b->n, b->cap - b->n, fmt, ap);
    va_end(ap);
    b->n += (size_t)k;
}

void cbrtb_free(cbrtb *b)
{
    if (b->p) {
        if (b->alloc)
            b->alloc(b->ud, b->p, 0);
        else
            free(b->p);
    }
    b->p = NULL;
    b->n = b->cap = 0;
    b->oom = false;
}
