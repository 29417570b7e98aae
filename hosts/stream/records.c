/* records.c: the award ledger's records as one batch of cbr-stream sees them.
 *
 * A record is read from the store's ledger table the first time the batch
 * names it (a duplicate's tid, a refund's purchase) and kept here, with
 * what settling puts, until the batch's transaction has written the
 * changed ones beside the counters, the outbox and the offsets; then they
 * are all forgotten, so memory holds one batch's records, not the life of
 * the process.  Each record keeps the input partition of its purchase: in
 * a fleet, the instance that owns the partition vests it (vest.c). */
#include "config.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "hosts/json.h"
#include "hosts/stream/stream.h"

typedef struct rec {
    char *key;
    size_t n;
    uint64_t hash;
    char *data;          /* NULL: the store holds no record under key */
    size_t len;
    int64_t due, at;
    int32_t part;        /* the input partition the record belongs to; -1 unknown */
    bool loaded;         /* data is the store's (or what this batch put) */
    bool dirty;          /* put by this batch */
} rec;

struct stream_records {
    stream_store *store;
    rec *e;
    size_t n, cap;
};

stream_records *stream_records_new(stream_store *store)
{
    stream_records *r = calloc(1, sizeof *r);
    if (r)
        r->store = store;
    return r;
}

void stream_records_clear(stream_records *r)
{
    for (size_t i = 0; i < r->cap; i++) {
        free(r->e[i].key);
        free(r->e[i].data);
    }
    free(r->e);
    r->e = NULL;
    r->n = r->cap = 0;
}

void stream_records_free(stream_records *r)
{
    if (!r)
        return;
    stream_records_clear(r);
    free(r);
}

static rec *find(const stream_records *r, const char *key, size_t n, uint64_t h)
{
    for (size_t i = h & (r->cap - 1);; i = (i + 1) & (r->cap - 1)) {
        rec *e = &r->e[i];
        if (!e->key || (e->hash == h && e->n == n && !memcmp(e->key, key, n)))
            return e;
    }
}

/* The entry of key, empty (key NULL) when absent; NULL when memory runs out. */
static rec *slot(stream_records *r, const char *key, size_t n, uint64_t h)
{
    if ((r->n + 1) * 2 > r->cap) {
        size_t nc = r->cap ? r->cap * 2 : 256;
        rec *ne = calloc(nc, sizeof *ne);
        if (!ne)
            return NULL;
        for (size_t i = 0; i < r->cap; i++)
            if (r->e[i].key) {
                size_t j = r->e[i].hash & (nc - 1);
                while (ne[j].key)
                    j = (j + 1) & (nc - 1);
                ne[j] = r->e[i];
            }
        free(r->e);
        r->e = ne;
        r->cap = nc;
    }
    return find(r, key, n, h);
}

static bool claim(stream_records *r, rec *e, const char *key, size_t n, uint64_t h)
{
    if (!(e->key = stream_dup(key, n)))
        return false;
    e->n = n;
    e->hash = h;
    e->part = -1;
    r->n++;
    return true;
}

cbr_status stream_records_hint(stream_records *r, const char *key, size_t n, int32_t part)
{
    uint64_t h = hfnv64(key, n);
    rec *e = slot(r, key, n, h);
    if (!e || (!e->key && !claim(r, e, key, n, h)))
        return CBR_ERR_NOMEM;
    /* A refund's purchase is hinted with -1: it keeps what its own row said. */
    if (!e->loaded && part >= 0)
        e->part = part;
    return CBR_OK;
}

static int fetched(void *ud, const char *key, size_t n, const void *data, size_t len, int32_t part)
{
    stream_records *r = ud;
    rec *e = find(r, key, n, hfnv64(key, n));
    if (!e->key || e->loaded)
        return 0;
    if (!(e->data = stream_dup(data, len))) {
        fprintf(stderr, STREAM_PROG ": out of memory reading the ledger\n");
        return -1;
    }
    e->len = len;
    e->loaded = true;
    if (part >= 0)
        e->part = part;
    return 0;
}

int stream_records_fetch(stream_records *r)
{
    stream_key *keys = r->n ? malloc(r->n * sizeof *keys) : NULL;
    size_t n = 0;
    if (r->n && !keys) {
        fprintf(stderr, STREAM_PROG ": out of memory reading the ledger\n");
        return -1;
    }
    for (size_t i = 0; i < r->cap; i++)
        if (r->e[i].key && !r->e[i].loaded)
            keys[n++] = (stream_key){r->e[i].key, r->e[i].n};
    int rc = stream_store_get_records(r->store, keys, n, fetched, r);
    /* What the store did not name, it does not hold. */
    for (size_t i = 0; rc == 0 && i < r->cap; i++)
        if (r->e[i].key)
            r->e[i].loaded = true;
    free(keys);
    return rc;
}

cbr_status stream_records_get(stream_records *r, const char *key, size_t n, const void **data, size_t *len)
{
    uint64_t h = hfnv64(key, n);
    rec *e = slot(r, key, n, h);
    if (!e)
        return CBR_ERR_NOMEM;
    if (!e->loaded) {
        char *d = NULL;
        size_t dl = 0;
        int32_t part = -1;
        int rc = stream_store_get_record(r->store, key, n, &d, &dl, &part);
        if (rc < 0)
            return CBR_ERR_IO;
        if (!e->key && !claim(r, e, key, n, h)) {
            free(d);
            return CBR_ERR_NOMEM;
        }
        e->data = d;
        e->len = dl;
        e->loaded = true;
        /* A stored record keeps the partition of its purchase. */
        if (rc == 1 && part >= 0)
            e->part = part;
    }
    *data = e->data;
    *len = e->len;
    return CBR_OK;
}

cbr_status stream_records_put(stream_records *r, const char *key, size_t n, const void *data, size_t len,
                              int64_t due, int64_t at)
{
    uint64_t h = hfnv64(key, n);
    rec *e = slot(r, key, n, h);
    char *d = stream_dup(data, len);
    if (!e || !d || (!e->key && !claim(r, e, key, n, h))) {
        free(d);
        return CBR_ERR_NOMEM;
    }
    free(e->data);
    e->data = d;
    e->len = len;
    e->due = due;
    e->at = at;
    e->loaded = true;
    e->dirty = true;
    return CBR_OK;
}

static int cmp_rec(const void *a, const void *b)
{
    const rec *x = *(const rec *const *)a, *y = *(const rec *const *)b;
    int c = memcmp(x->key, y->key, x->n < y->n ? x->n : y->n);
    return c ? c : (x->n > y->n) - (x->n < y->n);
}

int stream_records_write(stream_records *r)
{
    /* In key order: each insert lands beside the last in the B-tree. */
    const rec **v = r->n ? malloc(r->n * sizeof *v) : NULL;
    size_t n = 0;
    if (r->n && !v) {
        fprintf(stderr, STREAM_PROG ": out of memory writing the ledger\n");
        return -1;
    }
    for (size_t i = 0; i < r->cap; i++)
        if (r->e[i].key && r->e[i].dirty)
            v[n++] = &r->e[i];
    if (n > 1)
        qsort(v, n, sizeof *v, cmp_rec);
    int rc = 0;
    for (size_t i = 0; rc == 0 && i < n; i++)
        rc = stream_store_put_record(r->store, v[i]->key, v[i]->n, v[i]->data, v[i]->len, v[i]->due, v[i]->at,
                                     v[i]->part);
    free(v);
    return rc;
}
