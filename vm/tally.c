/* tally.c: tallies at run time, the per-customer history conditions read.
 *
 * cbr_evaluate of a program with tallies first runs each tally's condition
 * over the batch's rows that have a user (vectorised, in the tally's zone),
 * then walks the rows in order: a row's value of a tally is the store's
 * value of its counter (one get per distinct counter of the batch, cached
 * here), plus what the batch's earlier rows added, plus its own.  TALLY
 * reads those values like a column.
 *
 * Settling adds each row's tally deltas to the row's one reserve call, with
 * the value evaluation counted on as the maximum: if another writer moved
 * the counter since, the store refuses, and settling stops with
 * CBR_ERR_STATE rather than award on stale history (limits.c). */
#include "config.h"
#include <string.h>
#include "stdlib/hash.h"
#include "vm/vmint.h"

#define TV(ctx, t, r) ((ctx)->tval[(size_t)(t) * (ctx)->cap + (r)])
#define TD(ctx, t, r) ((ctx)->tdelta[(size_t)(t) * (ctx)->cap + (r)])

bool cbrx_tally_alloc(cbr_context *ctx)
{
    const cbrx_program *x = ctx->x;
    uint32_t n = x->ntallies;
    if (!n)
        return true;
    ctx->tcol = cbrx_alloc(x, n * sizeof *ctx->tcol);
    ctx->tval = cbrx_alloc(x, (size_t)n * ctx->cap * sizeof *ctx->tval);
    ctx->tdelta = cbrx_alloc(x, (size_t)n * ctx->cap * sizeof *ctx->tdelta);
    if (!ctx->tcol || !ctx->tval || !ctx->tdelta)
        return false;
    memset(ctx->tcol, 0, n * sizeof *ctx->tcol);
    memset(ctx->tdelta, 0, (size_t)n * ctx->cap * sizeof *ctx->tdelta);
    for (uint32_t t = 0; t < n; t++) {
        ctx->tcol[t].v = cbrx_alloc(x, ctx->cap * sizeof(int64_t));
        ctx->tcol[t].null = cbrx_alloc(x, ctx->cap);
        if (!ctx->tcol[t].v || !ctx->tcol[t].null)
            return false;
        memset(ctx->tcol[t].v, 0, ctx->cap * sizeof(int64_t));
        memset(ctx->tcol[t].null, 1, ctx->cap);
    }
    return true;
}

void cbrx_tally_free(cbr_context *ctx)
{
    const cbrx_program *x = ctx->x;
    if (ctx->tcol)
        for (uint32_t t = 0; t < x->ntallies; t++) {
            cbrx_dealloc(x, ctx->tcol[t].v);
            cbrx_dealloc(x, ctx->tcol[t].null);
        }
    cbrx_dealloc(x, ctx->tcol);
    cbrx_dealloc(x, ctx->tval);
    cbrx_dealloc(x, ctx->tdelta);
    cbrx_dealloc(x, ctx->tkeys);
    cbrx_dealloc(x, ctx->tbytes);
}

/* The cached counter of the key in ctx->key[0, nkey), read from the store
 * the first time the batch names it; NULL with *st set on failure. */
static cbrx_tkey *counter(cbr_context *ctx, cbr_status *st)
{
    const char *k = ctx->key;
    uint32_t len = (uint32_t)ctx->nkey;
    uint32_t h = cbrhash_fnv32(k, len);
    if ((ctx->ntkeys + 1) * 2 > ctx->captkeys) {
        size_t nc = ctx->captkeys ? ctx->captkeys * 2 : 64;
        cbrx_tkey *ns = cbrx_alloc(ctx->x, nc * sizeof *ns);
        if (!ns) {
            *st = CBR_ERR_NOMEM;
            return NULL;
        }
        memset(ns, 0, nc * sizeof *ns);
        for (size_t i = 0; i < ctx->captkeys; i++) {
            if (!ctx->tkeys[i].used)
                continue;
            size_t j = ctx->tkeys[i].hash & (nc - 1);
            while (ns[j].used)
                j = (j + 1) & (nc - 1);
            ns[j] = ctx->tkeys[i];
        }
        cbrx_dealloc(ctx->x, ctx->tkeys);
        ctx->tkeys = ns;
        ctx->captkeys = nc;
    }
    size_t i = h & (ctx->captkeys - 1);
    for (; ctx->tkeys[i].used; i = (i + 1) & (ctx->captkeys - 1)) {
        cbrx_tkey *e = &ctx->tkeys[i];
        if (e->hash == h && e->len == len && !memcmp(ctx->tbytes + e->off, k, len))
            return e;
    }
    if (ctx->ntbytes + len > ctx->captbytes) {
        size_t nc = (ctx->captbytes + len) * 2;
        char *q = cbrx_realloc(ctx->x, ctx->tbytes, nc);
        if (!q) {
            *st = CBR_ERR_NOMEM;
            return NULL;
        }
        ctx->tbytes = q;
        ctx->captbytes = nc;
    }
    int64_t v = 0;
    *st = ctx->store.get(ctx->store.ud, k, len, &v);
    if (*st != CBR_OK)
        return NULL;
    memcpy(ctx->tbytes + ctx->ntbytes, k, len);
    cbrx_tkey *e = &ctx->tkeys[i];
    *e = (cbrx_tkey){ctx->ntbytes, len, h, v, true};
    ctx->ntbytes += len;
    ctx->ntkeys++;
    return e;
}

/* What row r adds to tally t when its condition holds: one purchase, or
 * its amount in minor units (an amount of zero or below adds nothing, so a
 * sum never goes negative). */
static int64_t delta_of(const cbr_context *ctx, const cbrx_tally *t, uint32_t r)
{
    if (t->kind == XT_COUNT)
        return 1;
    int64_t a = ctx->b->cols[XF_AMOUNT].v[r];
    int e = ctx->b->exp[r];
    return a > 0 ? a / cbrdec_pow10[CBRX_MONEY_SCALE - e] : 0;
}

cbr_status cbrx_tally_prepass(cbr_context *ctx)
{
    const cbrx_program *x = ctx->x;
    const cbr_batch *b = ctx->b;
    uint32_t n = (uint32_t)b->n;
    const uint8_t *no_user = b->cols[XF_USER_ID].null;
    ctx->ntkeys = 0;
    ctx->ntbytes = 0;
    if (ctx->tkeys)
        memset(ctx->tkeys, 0, ctx->captkeys * sizeof *ctx->tkeys);
    for (uint32_t t = 0; t < x->ntallies; t++) {
        const cbrx_tally *tl = &x->tallies[t];
        cbrx_stretch_rows(ctx, true); /* refunds count in no tally */
        ctx->depth = 0;
        ctx->zone = tl->tz;
        cbrx_run_code(ctx, tl->code, tl->ncode);
        if (ctx->oom)
            return CBR_ERR_NOMEM;
        memset(&TD(ctx, t, 0), 0, n * sizeof(int64_t));
        for (uint32_t i = 0; i < ctx->nsel; i++)
            TD(ctx, t, ctx->sel[i]) = delta_of(ctx, tl, ctx->sel[i]);
    }
    /* A purchase the ledger already holds is refused by settling and
     * counts in no tally.  Found here, before counting, it leaves the later
     * rows' tallies as they will be; found only at settling, each one would
     * make the rest of the stretch be evaluated again (a batch of copies,
     * a producer's replay, would cost its square).  A copy within the batch
     * is still found at settling. */
    bool ledger = ctx->store.record_get && !ctx->dry;
    for (uint32_t r = ctx->from; ledger && r < ctx->to; r++) {
        bool refused = false;
        cbr_status st = b->kind[r] == XK_PURCHASE && !ctx->refused[r] ? cbrx_ledger_check(ctx, r, &refused) : CBR_OK;
        if (st != CBR_OK)
            return st;
    }
    for (uint32_t r = ctx->from; r < ctx->to; r++)
        for (uint32_t t = 0; t < x->ntallies; t++) {
            cbrx_col *c = &ctx->tcol[t];
            c->null[r] = 1;
            c->v[r] = 0;
            TV(ctx, t, r) = 0;
            if (ctx->refused[r])
                TD(ctx, t, r) = 0; /* a copy: refused, counted nowhere */
            if (no_user[r] || b->kind[r] != XK_PURCHASE || ctx->refused[r])
                continue; /* no user: every tally unknown, none counts it */
            ctx->nkey = 0;
            if (!cbrx_tally_key(ctx, t, r))
                return CBR_ERR_NOMEM;
            cbr_status st = CBR_OK;
            cbrx_tkey *k = counter(ctx, &st);
            if (!k)
                return st;
            /* A host's store may hold anything: past 64 bits the value is
             * unknown, and the row counts nothing more. */
            int64_t v;
            if (__builtin_add_overflow(k->value, TD(ctx, t, r), &v)) {
                TD(ctx, t, r) = 0;
                continue;
            }
            k->value = v;
            TV(ctx, t, r) = v;
            if (x->tallies[t].kind == XT_SUM) {
                int64_t scaled;
                if (__builtin_mul_overflow(v, cbrdec_pow10[CBRX_MONEY_SCALE - b->exp[r]], &scaled))
                    continue;
                v = scaled;
            }
            c->v[r] = v;
            c->null[r] = 0;
        }
    ctx->nkey = 0;
    return CBR_OK;
}

bool cbrx_tally_counts(const cbr_context *ctx, uint32_t r)
{
    for (uint32_t t = 0; t < ctx->x->ntallies; t++)
        if (TD(ctx, t, r))
            return true;
    return false;
}

cbr_status cbrx_tally_pend(cbr_context *ctx, uint32_t r)
{
    for (uint32_t t = 0; t < ctx->x->ntallies; t++) {
        int64_t d = TD(ctx, t, r);
        if (!d)
            continue;
        size_t off = ctx->nkey;
        if (!cbrx_tally_key(ctx, t, r) ||
            !cbrx_grow(ctx->x, (void **)&ctx->pend, &ctx->cappend, ctx->npend, sizeof *ctx->pend, 16))
            return CBR_ERR_NOMEM;
        int64_t v = TV(ctx, t, r);
        ctx->pend[ctx->npend++] = (cbrx_pend){.off = off, .len = ctx->nkey - off, .base = v - d, .delta = d,
                                              .max = v, .tally1 = t + 1};
    }
    return CBR_OK;
}
