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
#include "hosts/strmap.h"
#include "hosts/stream/stream.h"

typedef struct rec {
    hsmap_key k;
    char *data;          /* NULL: the store holds no record under key */
    size_t len;
    int64_t due, at;
    int32_t part;        /* the input partition the record belongs to; -1 unknown */
    bool loaded;         /* data is the store's (or what this batch put) */
    bool dirty;          /* put by this batch */
} rec;

struct stream_records {
    stream_store *store;
    hsmap recs;                 /* of rec */
};

stream_records *stream_records_new(stream_store *store)
{
    stream_records *r = calloc(1, sizeof *r);
    if (r) {
        r->store = store;
        hsmap_init(&r->recs, sizeof(rec), 256);
    }
    return r;
}

void stream_records_clear(stream_records *r)
{
    for (size_t i = 0; i < r->recs.cap; i++)
        free(((rec *)hsmap_slot(&r->recs, i))->data);
    hsmap_clear(&r->recs);
}

void stream_records_free(stream_records *r)
{
    if (!r)
        return;
    stream_records_clear(r);
    free(r);
}

/* The entry of key, made when absent; NULL when memory runs out. */
static rec *entry(stream_records *r, const char *key, size_t n)
{
    bool added;
    rec *e = hsmap_get(&r->recs, key, n, &added);
    if (e && added)
        e->part = -1;
    return e;
}

cbr_status stream_records_hint(stream_records *r, const char *key, size_t n, int32_t part)
{
    rec *e = entry(r, key, n);
    if (!e)
        return CBR_ERR_NOMEM;
    /* A refund's purchase is hinted with -1: it keeps what its own row said. */
    if (!e->loaded && part >= 0)
        e->part = part;
    return CBR_OK;
}

static int fetched(void *ud, const char *key, size_t n, const void *data, size_t len, int32_t part)
{
    stream_records *r = ud;
    rec *e = hsmap_find(&r->recs, key, n);
    if (!e || e->loaded)
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
    stream_key *keys = r->recs.n ? malloc(r->recs.n * sizeof *keys) : NULL;
    size_t n = 0;
    if (r->recs.n && !keys) {
        fprintf(stderr, STREAM_PROG ": out of memory reading the ledger\n");
        return -1;
    }
    for (size_t i = 0; i < r->recs.cap; i++) {
        const rec *e = hsmap_slot(&r->recs, i);
        if (e->k.key && !e->loaded)
            keys[n++] = (stream_key){e->k.key, e->k.n};
    }
    int rc = stream_store_get_records(r->store, keys, n, fetched, r);
    /* What the store did not name, it does not hold. */
    for (size_t i = 0; rc == 0 && i < r->recs.cap; i++) {
        rec *e = hsmap_slot(&r->recs, i);
        if (e->k.key)
            e->loaded = true;
    }
    free(keys);
    return rc;
}

cbr_status stream_records_get(stream_records *r, const char *key, size_t n, const void **data, size_t *len)
{
    rec *e = entry(r, key, n);
    if (!e)
        return CBR_ERR_NOMEM;
    if (!e->loaded) {
        char *d = NULL;
        size_t dl = 0;
        int32_t part = -1;
        int rc = stream_store_get_record(r->store, key, n, &d, &dl, &part);
        if (rc < 0)
            return CBR_ERR_IO;
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
    rec *e = entry(r, key, n);
    char *d = stream_dup(data, len);
    if (!e || !d) {
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
    int c = memcmp(x->k.key, y->k.key, x->k.n < y->k.n ? x->k.n : y->k.n);
    return c ? c : (x->k.n > y->k.n) - (x->k.n < y->k.n);
}

int stream_records_write(stream_records *r)
{
    /* In key order: each insert lands beside the last in the B-tree. */
    const rec **v = r->recs.n ? malloc(r->recs.n * sizeof *v) : NULL;
    size_t n = 0;
    if (r->recs.n && !v) {
        fprintf(stderr, STREAM_PROG ": out of memory writing the ledger\n");
        return -1;
    }
    for (size_t i = 0; i < r->recs.cap; i++) {
        const rec *e = hsmap_slot(&r->recs, i);
        if (e->k.key && e->dirty)
            v[n++] = e;
    }
    if (n > 1)
        qsort(v, n, sizeof *v, cmp_rec);
    int rc = 0;
    for (size_t i = 0; rc == 0 && i < n; i++)
        rc = stream_store_put_record(r->store, v[i]->k.key, v[i]->k.n, v[i]->data, v[i]->len, v[i]->due, v[i]->at,
                                     v[i]->part);
    free(v);
    return rc;
}
