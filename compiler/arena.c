/* arena.c: the compiler's bump allocator (see arena.h). */
#include "config.h"
#include <string.h>
#include <stdint.h>
#include "compiler/arena.h"

struct cbrarena_chunk {
    cbrarena_chunk *next;
    size_t size;
    _Alignas(16) unsigned char data[];
};

enum { CHUNK = 64 * 1024 };

void cbrarena_init(cbrarena *a, cbr_alloc_fn alloc, void *ud)
{
    memset(a, 0, sizeof *a);
    a->alloc = alloc;
    a->ud = ud;
}

void cbrarena_free(cbrarena *a)
{
    cbrarena_chunk *c = a->head;
    while (c) {
        cbrarena_chunk *n = c->next;
        a->alloc(a->ud, c, 0);
        c = n;
    }
    a->head = NULL;
    a->used = a->cap = a->total = 0;
}

void *cbrarena_alloc(cbrarena *a, size_t n)
{
    if (n > SIZE_MAX / 2)
        return NULL;
    n = (n + 15) & ~(size_t)15;
    if (!a->head || a->cap - a->used < n) {
        size_t sz = n > CHUNK ? n : CHUNK;
        cbrarena_chunk *c = a->alloc(a->ud, NULL, sizeof *c + sz);
        if (!c)
            return NULL;
        c->next = a->head;
        c->size = sz;
        a->head = c;
        a->used = 0;
        a->cap = sz;
        a->total += sz;
    }
    void *p = a->head->data + a->used;
    a->used += n;
    memset(p, 0, n);
    return p;
}

char *cbrarena_strndup(cbrarena *a, const char *s, size_t n)
{
    char *p = cbrarena_alloc(a, n + 1);
    if (p && n)
        memcpy(p, s, n);
    return p;
}

void *cbrarena_grow(cbrarena *a, void *arr, size_t size, unsigned *cap, unsigned need)
{
    if (need <= *cap)
        return arr;
    unsigned nc = *cap ? *cap : 4;
    while (nc < need) {
        if (nc > UINT32_MAX / 2)
            return NULL;
        nc *= 2;
    }
    void *p = cbrarena_alloc(a, (size_t)nc * size);
    if (!p)
        return NULL;
    if (arr && *cap)
        memcpy(p, arr, (size_t)*cap * size);
    *cap = nc;
    return p;
}
