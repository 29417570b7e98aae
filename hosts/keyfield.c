/* keyfield.c: the bounded, hashed key -> field cache of keyfield.h. */
#include "config.h"
#include <stdlib.h>
#include <string.h>
#include "hosts/json.h"
#include "hosts/keyfield.h"

bool hkeys_init(hkeys *k, const cbr_program *p)
{
    memset(k, 0, sizeof *k);
    k->p = p;
    k->slots = calloc(2 * HKEYS_MAX, sizeof *k->slots);
    return k->slots != NULL;
}

static void empty(hkeys *k)
{
    for (size_t i = 0; i < 2 * HKEYS_MAX; i++) {
        free(k->slots[i].key);
        k->slots[i].key = NULL;
    }
    k->n = 0;
}

void hkeys_free(hkeys *k)
{
    if (k->slots)
        empty(k);
    free(k->slots);
    k->slots = NULL;
}

int hkeys_field(hkeys *k, const char *key, size_t n, hkeys_found *found)
{
    const size_t mask = 2 * HKEYS_MAX - 1;
    uint64_t h = hfnv64(key, n);
    size_t at = h & mask;
    if (n <= HKEYS_KEY_LEN && k->slots)
        for (;; at = (at + 1) & mask) {
            const hkey *e = &k->slots[at];
            if (!e->key)
                break;
            if (e->hash == h && e->n == n && !memcmp(e->key, key, n)) {
                if (found)
                    *found = HKEYS_CACHED;
                return e->field;
            }
        }
    int f = cbr_program_field(k->p, key, n);
    hkeys_found what = f < 0 ? HKEYS_UNKNOWN : HKEYS_FIELD;
    if (f >= 0 && !cbr_program_field_is_input(k->p, (size_t)f)) {
        what = HKEYS_DERIVED;
        f = -1;
    }
    if (found)
        *found = what;
    if (n > HKEYS_KEY_LEN || !k->slots)
        return f; /* looked up each time rather than held */
    if (k->n == HKEYS_MAX) {
        empty(k);
        k->resets++;
        for (at = h & mask; k->slots[at].key; at = (at + 1) & mask)
            ;
    }
    char *copy = malloc(n + 1);
    if (!copy)
        return f;
    memcpy(copy, key, n);
    copy[n] = '\0';
    k->slots[at] = (hkey){.hash = h, .key = copy, .n = n, .field = f};
    k->n++;
    return f;
}

int hkeys_field_at(hkeys *k, size_t i, const char *key, size_t n, hkeys_found *found)
{
    if (i >= HKEYS_PLACES || n == 0 || n > HKEYS_PLACE_KEY)
        return hkeys_field(k, key, n, found);
    if (k->at[i].len == n && !memcmp(k->at[i].key, key, n)) {
        if (found)
            *found = HKEYS_CACHED;
        return k->at[i].field;
    }
    int f = hkeys_field(k, key, n, found);
    memcpy(k->at[i].key, key, n);
    k->at[i].len = n;
    k->at[i].field = f;
    return f;
}
