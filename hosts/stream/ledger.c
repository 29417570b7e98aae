/* ledger.c: the limit and budget counters cbr-stream evaluates against.
 *
 * A cbr_store over an open-addressing hash table in memory.  Reads never
 * touch SQLite: the whole table is loaded at start (counters are a few
 * dozen bytes each, one per offer, user and period that ever earned).
 * Each reservation marks its keys dirty; store.c writes exactly the dirty keys inside
 * the batch's transaction, next to the outbox and the offsets, so the table
 * on disk always matches the offsets it was counted up to. */
#include "config.h"
#include <stdlib.h>
#include <string.h>
#include "hosts/stream/stream.h"

typedef struct slot {
    char *key;          /* NULL: empty */
    size_t len;
    uint64_t hash;
    int64_t value;
    size_t dirty_at;    /* 1 + index in the dirty list, 0 when clean */
} slot;

struct stream_ledger {
    slot *slots;
    size_t cap, count;  /* cap is a power of two, kept at most 70% full */
    size_t *dirty;      /* slot indexes written since the last clean */
    size_t ndirty, capdirty;
};

static uint64_t fnv1a(const char *s, size_t n)
{
    uint64_t h = 0xcbf29ce484222325u;
    for (size_t i = 0; i < n; i++)
        h = (h ^ (unsigned char)s[i]) * 0x100000001b3u;
    return h;
}

stream_ledger *stream_ledger_new(void)
{
    stream_ledger *l = calloc(1, sizeof *l);
    if (!l)
        return NULL;
    l->cap = 1024;
    l->slots = calloc(l->cap, sizeof *l->slots);
    if (!l->slots) {
        free(l);
        return NULL;
    }
    return l;
}

void stream_ledger_free(stream_ledger *l)
{
    if (!l)
        return;
    for (size_t i = 0; i < l->cap; i++)
        free(l->slots[i].key);
    free(l->slots);
    free(l->dirty);
    free(l);
}

size_t stream_ledger_count(const stream_ledger *l)
{
    return l->count;
}

static bool grow(stream_ledger *l)
{
    size_t nc = l->cap * 2;
    slot *ns = calloc(nc, sizeof *ns);
    if (!ns)
        return false;
    for (size_t i = 0; i < l->cap; i++) {
        slot *o = &l->slots[i];
        if (!o->key)
            continue;
        size_t j = o->hash & (nc - 1);
        while (ns[j].key)
            j = (j + 1) & (nc - 1);
        ns[j] = *o;
        if (o->dirty_at)
            l->dirty[o->dirty_at - 1] = j;
    }
    free(l->slots);
    l->slots = ns;
    l->cap = nc;
    return true;
}

/* The slot of key, created at 0 when create is set; NULL when absent (or
 * out of memory while creating). */
static slot *find(stream_ledger *l, const char *key, size_t len, bool create)
{
    uint64_t h = fnv1a(key, len);
    size_t i = h & (l->cap - 1);
    for (;; i = (i + 1) & (l->cap - 1)) {
        slot *s = &l->slots[i];
        if (!s->key)
            break;
        if (s->hash == h && s->len == len && !memcmp(s->key, key, len))
            return s;
    }
    if (!create)
        return NULL;
    if ((l->count + 1) * 10 > l->cap * 7) {
        if (!grow(l))
            return NULL;
        return find(l, key, len, true);
    }
    char *k = malloc(len + 1);
    if (!k)
        return NULL;
    memcpy(k, key, len);
    k[len] = '\0';
    l->slots[i] = (slot){.key = k, .len = len, .hash = h};
    l->count++;
    return &l->slots[i];
}

bool stream_ledger_load(stream_ledger *l, const char *key, size_t len, int64_t value)
{
    slot *s = find(l, key, len, true);
    if (!s)
        return false;
    s->value = value;
    return true;
}

static cbr_status get(void *ud, const char *key, size_t len, int64_t *value)
{
    slot *s = find(ud, key, len, false);
    *value = s ? s->value : 0;
    return CBR_OK;
}

/* The store's half of the contract (include/cbr.h): every delta or none. */
static cbr_status reserve(void *ud, cbr_reservation *items, size_t n, int *granted)
{
    stream_ledger *l = ud;
    *granted = 0;
    for (size_t i = 0; i < n; i++) {
        slot *s = find(l, items[i].key, items[i].len, false);
        items[i].value = s ? s->value : 0;
        __int128 v = (__int128)items[i].value + items[i].delta;
        if (v > INT64_MAX || v < INT64_MIN || (items[i].delta > 0 && v > items[i].max))
            return CBR_OK;
    }
    /* What can fail comes first: a counter created at 0 is no change. */
    if (l->ndirty + n > l->capdirty) {
        size_t nc = (l->ndirty + n) * 2 + 256;
        size_t *q = realloc(l->dirty, nc * sizeof *q);
        if (!q)
            return CBR_ERR_NOMEM;
        l->dirty = q;
        l->capdirty = nc;
    }
    for (size_t i = 0; i < n; i++)
        if (!find(l, items[i].key, items[i].len, true))
            return CBR_ERR_NOMEM;
    for (size_t i = 0; i < n; i++) {
        slot *s = find(l, items[i].key, items[i].len, false);
        if (!s->dirty_at) {
            l->dirty[l->ndirty++] = (size_t)(s - l->slots);
            s->dirty_at = l->ndirty;
        }
        s->value += items[i].delta;
    }
    *granted = 1;
    return CBR_OK;
}

cbr_store stream_ledger_store(stream_ledger *l)
{
    return (cbr_store){.size = sizeof(cbr_store), .ud = l, .get = get, .reserve = reserve};
}

int stream_ledger_each_dirty(stream_ledger *l, int (*fn)(void *ud, const char *key, size_t len, int64_t v),
                             void *ud)
{
    for (size_t i = 0; i < l->ndirty; i++) {
        slot *s = &l->slots[l->dirty[i]];
        int rc = fn(ud, s->key, s->len, s->value);
        if (rc)
            return rc;
    }
    return 0;
}

void stream_ledger_clean(stream_ledger *l)
{
    for (size_t i = 0; i < l->ndirty; i++)
        l->slots[l->dirty[i]].dirty_at = 0;
    l->ndirty = 0;
}
