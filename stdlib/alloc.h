/* alloc.h: the allocator every handle uses when the host gives none, and
 * the buffers the library hands to its caller. */
#ifndef CBR_STDLIB_ALLOC_H
#define CBR_STDLIB_ALLOC_H

#include <stddef.h>
#include "include/cbr.h"

/* cbr_alloc_fn over the C library: realloc, and free for size 0. */
void *cbr_default_alloc(void *ud, void *ptr, size_t size);

/* A buffer returned to the caller (a bundle, a snapshot, a listing, a
 * formatted text) remembers the allocator that made it in a small header in
 * front of it, so that one call, cbr_free(buf), releases every such buffer
 * whatever handle or config it came from.  alloc NULL is the default.
 * cbrx_buf_new returns n usable bytes (NULL when memory runs out);
 * cbrx_buf_resize is realloc for such a buffer (buf NULL is not allowed:
 * the allocator is in its header), leaving buf intact on failure. */
void *cbrx_buf_new(cbr_alloc_fn alloc, void *ud, size_t n);
void *cbrx_buf_resize(void *buf, size_t n);
/* A new buffer holding the n bytes at src and a NUL after them. */
char *cbrx_buf_copy(cbr_alloc_fn alloc, void *ud, const void *src, size_t n);

#endif
