/* strmap.c: the table of strmap.h.  Kept at most half full, so that a
 * probe ends quickly at an empty slot; keys are hashed once (FNV-1a, as
 * the rest of the hosts) and the hash kept, so that growing rehashes
 * nothing and a probe compares bytes only on a hash match. */
#include "config.h"
#include <stdlib.h>
#include <string.h>
#include "hosts/json.h"
#include "hosts/strmap.h"

void hsmap_init(hsmap *m, size_t size, size_t first)
{
    memset(m, 0, sizeof *m);
    m->size = size;
    m->first = first;
}

static hsmap_key *probe(const hsmap *m, const char *key, size_t n, uint64_t h)
{
    for (size_t i = h & (m->cap - 1);; i = (i + 1) & (m->cap - 1)) {
        hsmap_key *k = hsmap_slot(m, i);
        if (!k->key || (k->hash == h && k->n == n && !memcmp(k->key, key, n)))
            return k;
    }
}

void *hsmap_find(const hsmap *m, const char *key, size_t n)
{
    if (!m->cap)
        return NULL;
    hsmap_key *k = probe(m, key, n, hfnv64(key, n));
    return k->key ? k : NULL;
}

static bool grow(hsmap *m)
{
    size_t nc = m->cap ? m->cap * 2 : m->first;
    unsigned char *ne = calloc(nc, m->size);
    if (!ne)
        return false;
    for (size_t i = 0; i < m->cap; i++) {
        hsmap_key *k = hsmap_slot(m, i);
        if (!k->key)
            continue;
        size_t j = k->hash & (nc - 1);
        while (((hsmap_key *)(void *)(ne + j * m->size))->key)
            j = (j + 1) & (nc - 1);
        memcpy(ne + j * m->size, k, m->size);
    }
    free(m->e);
    m->e = ne;
    m->cap = nc;
    return true;
}

void *hsmap_get(hsmap *m, const char *key, size_t n, bool *added)
{
    if ((m->n + 1) * 2 > m->cap && !grow(m))
        return NULL;
    uint64_t h = hfnv64(key, n);
    hsmap_key *k = probe(m, key, n, h);
    if (added)
        *added = !k->key;
    if (k->key)
        return k;
    if (!(k->key = malloc(n ? n : 1)))
        return NULL;
    if (n)
        memcpy(k->key, key, n);
    k->n = n;
    k->hash = h;
    m->n++;
    return k;
}

void hsmap_clear(hsmap *m)
{
    for (size_t i = 0; i < m->cap; i++)
        free(((hsmap_key *)hsmap_slot(m, i))->key);
    free(m->e);
    m->e = NULL;
    m->n = m->cap = 0;
}
