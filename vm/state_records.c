/* state_records.c: the ledger records of the in-memory state (cbr_state),
 * an open-addressing table from record key to bytes, and the vesting of
 * its pending awards (cbr_state_vest). */
#include "config.h"
#include <stdlib.h>
#include <string.h>
#include "stdlib/alloc.h"
#include "stdlib/hash.h"
#include "vm/ledger.h"
#include "vm/program.h"
#include "vm/state_records.h"

typedef struct rslot {
    char *key;                  /* NULL: empty; the key, then the record's bytes */
    uint32_t klen, hash;
    size_t n;
    int64_t due, at;
} rslot;

struct cbrx_records {
    rslot *slots;
    size_t cap, count, bytes;
};

void cbrx_records_free(cbrx_records *rs, cbr_alloc_fn alloc, void *ud)
{
    if (!rs)
        return;
    for (size_t i = 0; i < rs->cap; i++)
        if (rs->slots[i].key)
            alloc(ud, rs->slots[i].key, 0);
    if (rs->slots)
        alloc(ud, rs->slots, 0);
    alloc(ud, rs, 0);
}

size_t cbrx_records_memory(const cbrx_records *rs)
{
    return rs ? sizeof *rs + rs->cap * sizeof *rs->slots + rs->bytes : 0;
}

size_t cbrx_records_count(const cbrx_records *rs) { return rs ? rs->count : 0; }

static rslot *find(const cbrx_records *rs, const char *key, size_t len, uint32_t h)
{
    if (!rs || !rs->cap)
        return NULL;
    for (size_t i = h & (rs->cap - 1);; i = (i + 1) & (rs->cap - 1)) {
        rslot *s = &rs->slots[i];
        if (!s->key || (s->hash == h && s->klen == len && !memcmp(s->key, key, len)))
            return s;
    }
}

cbr_status cbrx_records_get(const cbrx_records *rs, const char *key, size_t len, const void **data, size_t *n)
{
    rslot *s = find(rs, key, len, cbrhash_fnv32(key, len));
    *data = s && s->key ? s->key + s->klen : NULL;
    *n = s && s->key ? s->n : 0;
    return CBR_OK;
}

static bool grow(cbrx_records *rs, cbr_alloc_fn alloc, void *ud)
{
    size_t nc = rs->cap ? rs->cap * 2 : 256;
    rslot *ns = alloc(ud, NULL, nc * sizeof *ns);
    if (!ns)
        return false;
    memset(ns, 0, nc * sizeof *ns);
    for (size_t i = 0; i < rs->cap; i++) {
        rslot *s = &rs->slots[i];
        if (!s->key)
            continue;
        size_t j = s->hash & (nc - 1);
        while (ns[j].key)
            j = (j + 1) & (nc - 1);
        ns[j] = *s;
    }
    if (rs->slots)
        alloc(ud, rs->slots, 0);
    rs->slots = ns;
    rs->cap = nc;
    return true;
}

cbr_status cbrx_records_put(cbrx_records **rsp, cbr_alloc_fn alloc, void *ud, const char *key, size_t len,
                            const void *data, size_t n, int64_t due, int64_t at)
{
    if (len > UINT32_MAX)
        return CBR_ERR_LIMIT;
    cbrx_records *rs = *rsp;
    if (!rs) {
        rs = alloc(ud, NULL, sizeof *rs);
        if (!rs)
            return CBR_ERR_NOMEM;
        memset(rs, 0, sizeof *rs);
        *rsp = rs;
    }
    if ((rs->count + 1) * 4 > rs->cap * 3 && !grow(rs, alloc, ud))
        return CBR_ERR_NOMEM;
    uint32_t h = cbrhash_fnv32(key, len);
    rslot *s = find(rs, key, len, h);
    char *p = alloc(ud, NULL, len + n ? len + n : 1);
    if (!p)
        return CBR_ERR_NOMEM;
    memcpy(p, key, len);
    if (n)
        memcpy(p + len, data, n);
    if (s->key) {
        rs->bytes -= s->klen + s->n;
        alloc(ud, s->key, 0);
    } else {
        rs->count++;
    }
    *s = (rslot){p, (uint32_t)len, h, n, due, at};
    rs->bytes += len + n;
    return CBR_OK;
}

/* One vest event, kept until the events are sorted and told. */
typedef struct vev {
    cbr_award a;
    char *text;                 /* offer, campaign, tid, user: NUL-terminated, one block */
} vev;

typedef struct vcollect {
    vev *ev;
    size_t n, cap;
    cbr_alloc_fn alloc;
    void *ud;
    bool oom;
} vcollect;

static void collect(void *ud, const cbr_award *a)
{
    vcollect *c = ud;
    if (c->oom)
        return;
    if (c->n == c->cap) {
        size_t nc = c->cap ? c->cap * 2 : 16;
        vev *q = c->alloc(c->ud, c->ev, nc * sizeof *q);
        if (!q) {
            c->oom = true;
            return;
        }
        c->ev = q;
        c->cap = nc;
    }
    const char *parts[4] = {a->offer_id, a->campaign_id ? a->campaign_id : "", a->tid, a->user_id ? a->user_id : ""};
    size_t total = 0;
    for (int i = 0; i < 4; i++)
        total += strlen(parts[i]) + 1;
    char *t = c->alloc(c->ud, NULL, total);
    if (!t) {
        c->oom = true;
        return;
    }
    vev *e = &c->ev[c->n++];
    e->a = *a;
    e->text = t;
    const char **dst[4] = {&e->a.offer_id, &e->a.campaign_id, &e->a.tid, &e->a.user_id};
    for (int i = 0; i < 4; i++) {
        size_t k = strlen(parts[i]) + 1;
        memcpy(t, parts[i], k);
        *dst[i] = t;
        t += k;
    }
    if (!a->campaign_id)
        e->a.campaign_id = NULL;
    if (!a->user_id)
        e->a.user_id = NULL;
}

/* Vesting jobs print by vesting moment, then tid, then offer id. */
static int vev_cmp(const void *pa, const void *pb)
{
    const cbr_award *a = &((const vev *)pa)->a, *b = &((const vev *)pb)->a;
    if (a->vests_at != b->vests_at)
        return a->vests_at < b->vests_at ? -1 : 1;
    int c = strcmp(a->tid, b->tid);
    return c ? c : strcmp(a->offer_id, b->offer_id);
}

cbr_status cbrx_records_vest(cbrx_records *rs, cbr_alloc_fn alloc, void *ud, int64_t at, cbr_vest_fn fn,
                             void *fn_ud, cbr_error *err)
{
    vcollect c = {NULL, 0, 0, alloc, ud, false};
    cbr_config cfg = {0};
    cfg.size = sizeof cfg;
    cfg.alloc = alloc;
    cfg.alloc_ud = ud;
    cbr_status st = CBR_OK;
    for (size_t i = 0; rs && i < rs->cap && st == CBR_OK; i++) {
        rslot *s = &rs->slots[i];
        if (!s->key || s->due > at)
            continue;
        char *out;
        size_t n;
        int64_t due;
        st = cbr_ledger_vest(&cfg, s->key + s->klen, s->n, at, collect, &c, &out, &n, &due, err);
        if (st != CBR_OK || !out)
            continue;
        if (c.oom) {
            cbr_free(out);
            st = cbrx_status(err, CBR_ERR_NOMEM, "out of memory vesting");
            break;
        }
        /* In place: the slot keeps its key, its bytes are the new record's. */
        char *p = alloc(ud, NULL, s->klen + n);
        if (!p) {
            cbr_free(out);
            st = cbrx_status(err, CBR_ERR_NOMEM, "out of memory vesting");
            break;
        }
        memcpy(p, s->key, s->klen);
        memcpy(p + s->klen, out, n);
        cbr_free(out);
        rs->bytes += n - s->n;
        alloc(ud, s->key, 0);
        s->key = p;
        s->n = n;
        s->due = due;
    }
    if (st == CBR_OK && c.n)
        qsort(c.ev, c.n, sizeof *c.ev, vev_cmp);
    for (size_t i = 0; i < c.n; i++) {
        if (st == CBR_OK && fn)
            fn(fn_ud, &c.ev[i].a);
        alloc(ud, c.ev[i].text, 0);
    }
    if (c.ev)
        alloc(ud, c.ev, 0);
    return st;
}
