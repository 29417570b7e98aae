/* alloc.h: the allocator every handle uses when the host gives none. */
#ifndef CBR_STDLIB_ALLOC_H
#define CBR_STDLIB_ALLOC_H

#include <stddef.h>

/* cbr_alloc_fn over the C library: realloc, and free for size 0. */
void *cbr_default_alloc(void *ud, void *ptr, size_t size);

#endif
