/* alloc.c: see alloc.h. */
#include "config.h"
#include <stdlib.h>
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
