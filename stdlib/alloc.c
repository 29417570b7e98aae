/* alloc.c: see alloc.h. */
#include "config.h"
#include <stdalign.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "stdlib/alloc.h"

void *cbr_default_alloc(void *ud, void *ptr, size_t size)
{
    (void)ud;
    if (size == 0) {
        free(ptr);
        return NULL;
    }
    return realloc(ptr, size);
}

typedef struct buf_head {
    cbr_alloc_fn alloc;
    void *ud;
} buf_head;

/* The header is rounded up so that the caller's bytes are aligned for any type. */
#define HEAD_BYTES ((sizeof(buf_head) + alignof(max_align_t) - 1) / alignof(max_align_t) * alignof(max_align_t))

static buf_head *head_of(void *buf) { return (buf_head *)(void *)((char *)buf - HEAD_BYTES); }

void *cbrx_buf_new(cbr_alloc_fn alloc, void *ud, size_t n)
{
    if (!alloc) {
        alloc = cbr_default_alloc;
        ud = NULL;
    }
    if (n > SIZE_MAX - HEAD_BYTES)
        return NULL;
    buf_head *h = alloc(ud, NULL, HEAD_BYTES + (n ? n : 1));
    if (!h)
        return NULL;
    h->alloc = alloc;
    h->ud = ud;
    return (char *)h + HEAD_BYTES;
}

void *cbrx_buf_resize(void *buf, size_t n)
{
    if (!buf || n > SIZE_MAX - HEAD_BYTES)
        return NULL;
    buf_head *h = head_of(buf);
    buf_head keep = *h;
    buf_head *q = keep.alloc(keep.ud, h, HEAD_BYTES + (n ? n : 1));
    return q ? (char *)q + HEAD_BYTES : NULL;
}

char *cbrx_buf_copy(cbr_alloc_fn alloc, void *ud, const void *src, size_t n)
{
    if (n == SIZE_MAX)
        return NULL;
    char *b = cbrx_buf_new(alloc, ud, n + 1);
    if (!b)
        return NULL;
    if (n)
        memcpy(b, src, n);
    b[n] = '\0';
    return b;
}

void cbr_free(void *buf)
{
    if (!buf)
        return;
    buf_head *h = head_of(buf);
    buf_head keep = *h;
    keep.alloc(keep.ud, h, 0);
}
