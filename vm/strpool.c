/* strpool.c: interning for batches (see strpool.h).  Two open-addressing
 * tables: the program's strings, built once per batch object, and the added
 * strings, emptied by a memset when the batch is cleared.  The added bytes
 * go into fixed chunks filled in turn, never reallocated: a string's
 * address is fixed from the time it is added until the clear. */
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

/* The slot of s in tab: its id, or an empty slot (CBRX_NONE) to fill. */
static uint32_t *probe(const cbrx_pool *p, uint32_t *tab, uint32_t cap, const char *s, size_t n,
                       uint32_t h)
{
    for (uint32_t i = h & (cap - 1);; i = (i + 1) & (cap - 1)) {
        uint32_t id = tab[i];
        if (id == CBRX_NONE)
            return &tab[i];
        if (p->e[id].hash == h && p->e[id].len == n && memcmp(p->e[id].s, s, n) == 0)
            return &tab[i];
    }
}

bool cbrx_pool_index(cbrx_program *prog)
{
    if (prog->str_tab)
        return true;
    uint32_t cap = pow2_above(prog->nstrings);
    uint32_t *h = cbrx_alloc(prog, ((size_t)prog->nstrings + 1) * sizeof *h);
    uint32_t *tab = cbrx_alloc(prog, (size_t)cap * sizeof *tab);
    if (!h || !tab) {
        cbrx_dealloc(prog, h);
        cbrx_dealloc(prog, tab);
        return false;
    }
    memset(tab, 0xff, (size_t)cap * sizeof *tab);
    for (uint32_t i = 0; i < prog->nstrings; i++) {
        const cbrx_string *s = &prog->strings[i];
        const char *b = prog->bytes + s->off;
        h[i] = cbrhash_fnv32(b, s->len);
        uint32_t j = h[i] & (cap - 1);
        for (;; j = (j + 1) & (cap - 1)) {
            uint32_t id = tab[j];
            if (id == CBRX_NONE) {
                tab[j] = i;
                break;
            }
            /* a repeated string keeps its first id */
            if (h[id] == h[i] && prog->strings[id].len == s->len &&
                memcmp(prog->bytes + prog->strings[id].off, b, s->len) == 0)
                break;
        }
    }
    prog->str_hash = h;
    prog->str_tab = tab;
    prog->str_cap = cap;
    return true;
}

bool cbrx_pool_init(cbrx_pool *p, const cbrx_program *prog)
{
    memset(p, 0, sizeof *p);
    p->prog = prog;
    p->nbase = prog->nstrings;
    p->cap = prog->nstrings + 1024;
    p->e = cbrx_alloc(prog, (size_t)p->cap * sizeof *p->e);
    p->shared_base = prog->str_tab != NULL;
    p->base_cap = p->shared_base ? prog->str_cap : pow2_above(prog->nstrings);
    p->base_tab = p->shared_base ? prog->str_tab : cbrx_alloc(prog, (size_t)p->base_cap * sizeof *p->base_tab);
    p->tab_cap = 4096;
    p->tab = cbrx_alloc(prog, (size_t)p->tab_cap * sizeof *p->tab);
    p->capchunks = 8;
    p->chunks = cbrx_alloc(prog, p->capchunks * sizeof *p->chunks);
    if (p->chunks) {
        p->chunks[0] = cbrx_alloc(prog, CBRX_POOL_CHUNK);
        p->nchunks = p->chunks[0] != NULL;
    }
    if (!p->e || !p->base_tab || !p->tab || !p->nchunks) {
        cbrx_pool_free(p);
        return false;
    }
    memset(p->tab, 0xff, (size_t)p->tab_cap * sizeof *p->tab);
    if (p->shared_base) {
        for (uint32_t i = 0; i < prog->nstrings; i++) {
            const cbrx_string *s = &prog->strings[i];
            p->e[i] = (cbrx_pool_entry){prog->bytes + s->off, s->len, prog->str_hash[i], CBRX_NONE};
        }
        p->n = p->nbase;
        return true;
    }
    memset(p->base_tab, 0xff, (size_t)p->base_cap * sizeof *p->base_tab);
    for (uint32_t i = 0; i < prog->nstrings; i++) {
        const cbrx_string *s = &prog->strings[i];
        const char *b = prog->bytes + s->off;
        p->e[i] = (cbrx_pool_entry){b, s->len, cbrhash_fnv32(b, s->len), CBRX_NONE};
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
    if (!p->shared_base)
        cbrx_dealloc(p->prog, p->base_tab);
    cbrx_dealloc(p->prog, p->tab);
    for (uint32_t i = 0; i < p->nchunks; i++)
        cbrx_dealloc(p->prog, p->chunks[i]);
    cbrx_dealloc(p->prog, p->chunks);
    for (uint32_t i = 0; i < p->nown; i++)
        cbrx_dealloc(p->prog, p->own[i]);
    cbrx_dealloc(p->prog, p->own);
    memset(p, 0, sizeof *p);
}

void cbrx_pool_clear(cbrx_pool *p)
{
    if (p->n == p->nbase)
        return;
    /* Only when some program string was folded to an added string: a
     * program with a table of a million string keys would otherwise pay a
     * million steps a batch here. */
    for (uint32_t i = 0; p->base_folds && i < p->nbase; i++)
        if (p->e[i].fold >= p->nbase && p->e[i].fold != CBRX_NONE)
            p->e[i].fold = CBRX_NONE; /* folded forms that were added strings */
    p->base_folds = false;
    p->n = p->nbase;
    p->cur = 0;
    p->used = 0;
    for (uint32_t i = 0; i < p->nown; i++)
        cbrx_dealloc(p->prog, p->own[i]);
    p->nown = 0;
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

/* Grows the array *v of *cap pointers to hold one more; false when out of memory. */
static bool room_for_one(const cbrx_pool *p, char ***v, uint32_t n, uint32_t *cap)
{
    if (n < *cap)
        return true;
    if (*cap > UINT32_MAX / 2)
        return false;
    uint32_t nc = *cap ? *cap * 2 : 8;
    char **q = cbrx_realloc(p->prog, *v, (size_t)nc * sizeof *q);
    if (!q)
        return false;
    *v = q;
    *cap = nc;
    return true;
}

/* Room for need bytes when the current chunk has too little: the next
 * chunk (kept from before a clear, or new), or for a string longer than a
 * chunk, an allocation of its own.  NULL when memory runs out. */
static char *place_slow(cbrx_pool *p, size_t need)
{
    if (need > CBRX_POOL_CHUNK) {
        if (!room_for_one(p, &p->own, p->nown, &p->capown))
            return NULL;
        char *m = cbrx_alloc(p->prog, need);
        if (m)
            p->own[p->nown++] = m;
        return m;
    }
    if (p->cur + 1 == p->nchunks) {
        if (!room_for_one(p, &p->chunks, p->nchunks, &p->capchunks))
            return NULL;
        char *m = cbrx_alloc(p->prog, CBRX_POOL_CHUNK);
        if (!m)
            return NULL;
        p->chunks[p->nchunks++] = m;
    }
    p->cur++;
    p->used = need;
    return p->chunks[p->cur];
}

uint32_t cbrx_pool_intern(cbrx_pool *p, const char *s, size_t n)
{
    if (n > UINT32_MAX / 2)
        return CBRX_NONE;
    uint32_t h = cbrhash_fnv32(s, n);
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
    char *dst;
    if (n < CBRX_POOL_CHUNK - p->used) {
        dst = p->chunks[p->cur] + p->used;
        p->used += n + 1;
    } else if (!(dst = place_slow(p, n + 1))) {
        return CBRX_NONE;
    }
    memcpy(dst, s, n);
    dst[n] = '\0';
    uint32_t id = p->n++;
    p->e[id] = (cbrx_pool_entry){dst, (uint32_t)n, h, CBRX_NONE};
    *slot = id;
    if ((p->n - p->nbase) * 2 > p->tab_cap && !grow_tab(p))
        return CBRX_NONE;
    return id;
}
