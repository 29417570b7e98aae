/* strpool.c: interning for batches (see strpool.h).  Two open-addressing
 * tables: the program's strings, built once per batch object, and the added
 * strings, emptied by a memset when the batch is cleared. */
#include "config.h"
#include <string.h>
#include "vm/strpool.h"

static uint32_t pow2_above(uint32_t n)
{
    uint32_t c = 64;
    while (c < n * 2)
        c *= 2;
    return c;
}

static const char *entry_bytes(const cbrx_pool *p, uint32_t id)
{
    return id < p->nbase ? p->prog->bytes + p->e[id].off : p->bytes + p->e[id].off;
}

/* The slot of s in tab: its id, or an empty slot (CBRX_NONE) to fill. */
static uint32_t *probe(const cbrx_pool *p, uint32_t *tab, uint32_t cap, const char *s, size_t n,
                       uint32_t h)
{
    for (uint32_t i = h & (cap - 1);; i = (i + 1) & (cap - 1)) {
        uint32_t id = tab[i];
        if (id == CBRX_NONE)
            return &tab[i];
        if (p->e[id].hash == h && p->e[id].len == n && memcmp(entry_bytes(p, id), s, n) == 0)
            return &tab[i];
    }
}

bool cbrx_pool_init(cbrx_pool *p, const cbrx_program *prog)
{
    memset(p, 0, sizeof *p);
    p->prog = prog;
    p->nbase = prog->nstrings;
    p->cap = prog->nstrings + 1024;
    p->e = cbrx_alloc(prog, (size_t)p->cap * sizeof *p->e);
    p->base_cap = pow2_above(prog->nstrings);
    p->base_tab = cbrx_alloc(prog, (size_t)p->base_cap * sizeof *p->base_tab);
    p->tab_cap = 4096;
    p->tab = cbrx_alloc(prog, (size_t)p->tab_cap * sizeof *p->tab);
    p->capbytes = 64 * 1024;
    p->bytes = cbrx_alloc(prog, p->capbytes);
    if (!p->e || !p->base_tab || !p->tab || !p->bytes) {
        cbrx_pool_free(p);
        return false;
    }
    memset(p->base_tab, 0xff, (size_t)p->base_cap * sizeof *p->base_tab);
    memset(p->tab, 0xff, (size_t)p->tab_cap * sizeof *p->tab);
    for (uint32_t i = 0; i < prog->nstrings; i++) {
        const cbrx_string *s = &prog->strings[i];
        const char *b = prog->bytes + s->off;
        p->e[i] = (cbrx_pool_entry){s->off, s->len, cbrx_hash32(b, s->len), CBRX_NONE};
        p->n = i; /* probe only looks at ids already placed */
        uint32_t *slot = probe(p, p->base_tab, p->base_cap, b, s->len, p->e[i].hash);
        if (*slot == CBRX_NONE)
            *slot = i; /* a repeated string keeps its first id */
    }
    p->n = p->nbase;
    return true;
}

void cbrx_pool_free(cbrx_pool *p)
{
    if (!p->prog)
        return;
    cbrx_dealloc(p->prog, p->e);
    cbrx_dealloc(p->prog, p->base_tab);
    cbrx_dealloc(p->prog, p->tab);
    cbrx_dealloc(p->prog, p->bytes);
    memset(p, 0, sizeof *p);
}

void cbrx_pool_clear(cbrx_pool *p)
{
    if (p->n == p->nbase)
        return;
    for (uint32_t i = 0; i < p->nbase; i++)
        if (p->e[i].fold >= p->nbase && p->e[i].fold != CBRX_NONE)
            p->e[i].fold = CBRX_NONE; /* folded forms that were added strings */
    p->n = p->nbase;
    p->nbytes = 0;
    memset(p->tab, 0xff, (size_t)p->tab_cap * sizeof *p->tab);
}

static bool grow_tab(cbrx_pool *p)
{
    uint32_t nc = p->tab_cap * 2;
    uint32_t *t = cbrx_alloc(p->prog, (size_t)nc * sizeof *t);
    if (!t)
        return false;
    memset(t, 0xff, (size_t)nc * sizeof *t);
    for (uint32_t id = p->nbase; id < p->n; id++) {
        uint32_t i = p->e[id].hash & (nc - 1);
        while (t[i] != CBRX_NONE)
            i = (i + 1) & (nc - 1);
        t[i] = id;
    }
    cbrx_dealloc(p->prog, p->tab);
    p->tab = t;
    p->tab_cap = nc;
    return true;
}

uint32_t cbrx_pool_intern(cbrx_pool *p, const char *s, size_t n)
{
    if (n > UINT32_MAX / 2 || p->nbytes + n + 1 > UINT32_MAX)
        return CBRX_NONE;
    uint32_t h = cbrx_hash32(s, n);
    uint32_t *slot = probe(p, p->base_tab, p->base_cap, s, n, h);
    if (*slot != CBRX_NONE)
        return *slot;
    slot = probe(p, p->tab, p->tab_cap, s, n, h);
    if (*slot != CBRX_NONE)
        return *slot;
    if (p->n == UINT32_MAX - 1)
        return CBRX_NONE;
    if (p->n >= p->cap) {
        uint32_t nc = p->cap * 2;
        cbrx_pool_entry *e = cbrx_realloc(p->prog, p->e, (size_t)nc * sizeof *e);
        if (!e)
            return CBRX_NONE;
        p->e = e;
        p->cap = nc;
    }
    while (p->nbytes + n + 1 > p->capbytes) {
        char *b = cbrx_realloc(p->prog, p->bytes, p->capbytes * 2);
        if (!b)
            return CBRX_NONE;
        p->bytes = b;
        p->capbytes *= 2;
    }
    memcpy(p->bytes + p->nbytes, s, n);
    p->bytes[p->nbytes + n] = '\0';
    uint32_t id = p->n++;
    p->e[id] = (cbrx_pool_entry){(uint32_t)p->nbytes, (uint32_t)n, h, CBRX_NONE};
    p->nbytes += n + 1;
    *slot = id;
    if ((p->n - p->nbase) * 2 > p->tab_cap && !grow_tab(p))
        return CBRX_NONE;
    return id;
}
