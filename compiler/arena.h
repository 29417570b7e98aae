/* arena.h: bump allocation for the compiler's AST and strings.
 * Everything a compilation creates lives until the compiler is freed, so one
 * arena per compiler replaces thousands of small frees (jq and Lua's parser
 * allocate the same way). */
#ifndef CBR_COMPILER_ARENA_H
#define CBR_COMPILER_ARENA_H

#include <stddef.h>
#include "include/cbr.h"

typedef struct cbrarena_chunk cbrarena_chunk;
typedef struct cbrarena {
    cbr_alloc_fn alloc;
    void *ud;
    cbrarena_chunk *head;
    size_t used, cap;   /* within head */
    size_t total;       /* bytes of all chunks, for reporting */
} cbrarena;

void cbrarena_init(cbrarena *a, cbr_alloc_fn alloc, void *ud);
void cbrarena_free(cbrarena *a);
/* Zeroed, 16-byte aligned; NULL when memory runs out or n overflows. */
void *cbrarena_alloc(cbrarena *a, size_t n);
/* A NUL-terminated copy of s[0..n). */
char *cbrarena_strndup(cbrarena *a, const char *s, size_t n);
/* Grows an arena array of elements of `size` bytes from *cap to at least
 * need elements, doubling; the old storage is abandoned in the arena. */
void *cbrarena_grow(cbrarena *a, void *arr, size_t size, unsigned *cap, unsigned need);

#endif
