/* ledger_settle.c: the ledger's part of settling a row (reward.c calls it).
 *
 * Before a purchase is decided, its tid is looked up: one the ledger holds
 * is a duplicate, refused and counted nowhere.  Once its reservation is
 * granted, a purchase that changed anything (an award, a counter, a tally)
 * is recorded with what each award counted in.  A refund is never
 * evaluated: it reads its purchase's record, takes back from each award
 * what the refunded share says, gives the room back to the counters it
 * counted in and to the tallies that counted the purchase, in one reserve
 * call of decreases, and writes the record back with the refund's own
 * (so that a second copy of the refund is a duplicate).
 *
 * Records name offers and counters by their text, not by index: a refund
 * may come months later, under rules edited since. */
#include "config.h"
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include "stdlib/decimal.h"
#include "stdlib/tz.h"
#include "vm/vmint.h"

#define ALLOC(ctx) (ctx)->x->cfg.alloc, (ctx)->x->cfg.alloc_ud

int64_t cbrx_day_start(const cbr_context *ctx, uint32_t tz, int64_t days)
{
    const cbrtz *z = ctx->prog->zones[tz];
    int64_t local = days * 86400;
    int64_t s = local - cbrtz_offset(z, local);
    s = local - cbrtz_offset(z, s);
    int32_t d, sod;
    cbrtz_local(z, s, &d, &sod);
    /* Midnight may fall in a gap (a clock set forward at 00:00): the day
     * then starts when the gap ends. */
    if (d < days)
        s += 86400 - sod;
    else if (d == days)
        s -= sod;
    return s;
}

static const char *pool_str(const cbr_context *ctx, uint32_t field, uint32_t r, uint32_t *n)
{
    if (ctx->b->cols[field].null[r]) {
        *n = 0;
        return NULL;
    }
    return cbrx_pool_str(&ctx->b->pool, (uint32_t)ctx->b->cols[field].v[r], n);
}

/* The record of tid, or *data NULL; the store's buffer, valid until its
 * next call. */
static cbr_status lookup(cbr_context *ctx, const char *tid, uint32_t n, const void **data, size_t *len, size_t *klen)
{
    if (!cbrl_key_of(tid, n, ALLOC(ctx), &ctx->lkey, &ctx->lkeycap, klen))
        return CBR_ERR_NOMEM;
    *data = NULL;
    *len = 0;
    return ctx->store.record_get(ctx->store.ud, ctx->lkey, *klen, data, len);
}

static void refuse(cbr_context *ctx, uint32_t r, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void refuse(cbr_context *ctx, uint32_t r, const char *fmt, ...)
{
    char buf[320];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    const char *t = cbrl_arena_dup(&ctx->text, ALLOC(ctx), buf, strlen(buf));
    ctx->refused[r] = t ? t : "refused (no memory left for the reason)";
}

/* A tid in a message: at most 64 bytes of it. */
#define TIDF "%.*s%s"
#define TIDA(s, n) (int)((n) > 64 ? 64 : (n)), (s), (n) > 64 ? "..." : ""

cbr_status cbrx_ledger_check(cbr_context *ctx, uint32_t r, bool *refused)
{
    uint32_t n;
    const char *tid = pool_str(ctx, XF_TID, r, &n);
    const void *data;
    size_t len, klen;
    *refused = false;
    cbr_status st = lookup(ctx, tid, n, &data, &len, &klen);
    if (st != CBR_OK)
        return st;
    if (data) {
        refuse(ctx, r, "duplicate transaction " TIDF ": already in the ledger", TIDA(tid, n));
        *refused = true;
    }
    return CBR_OK;
}

/* The row's amount in minor units of its currency. */
static int64_t minor_amount(const cbr_context *ctx, uint32_t r)
{
    return ctx->b->cols[XF_AMOUNT].v[r] / cbrdec_pow10[CBRX_MONEY_SCALE - ctx->b->exp[r]];
}

static cbr_status put_record(cbr_context *ctx, const cbrl_rec *rec, const char *key, size_t klen, int64_t at)
{
    size_t len;
    if (!cbrl_encode(rec, ALLOC(ctx), &ctx->encbuf, &ctx->enccap, &len))
        return CBR_ERR_NOMEM;
    if (len > CBR_RECORD_MAX)
        return CBR_ERR_LIMIT;
    return ctx->store.record_put(ctx->store.ud, key, klen, ctx->encbuf, len, cbrl_due(rec), at);
}

static cbrl_str str_of(const char *s) { return (cbrl_str){s, s ? (uint32_t)strlen(s) : 0}; }

cbr_status cbrx_ledger_record(cbr_context *ctx, uint32_t r, size_t first)
{
    bool changed = ctx->nawards > first;
    for (size_t i = 0; i < ctx->npend && !changed; i++)
        changed = ctx->pend[i].delta != 0;
    if (!changed)
        return CBR_OK; /* a purchase that changed nothing is not kept */
    const cbrx_program *x = ctx->x;
    cbrl_rec *rec = &ctx->rec;
    cbrl_rec_reset(rec);
    uint32_t n;
    const char *s = pool_str(ctx, XF_TID, r, &n);
    rec->kind = CBRL_PURCHASE;
    rec->tid = (cbrl_str){s, n};
    s = pool_str(ctx, XF_USER_ID, r, &n);
    rec->user = (cbrl_str){s, n};
    rec->amount = minor_amount(ctx, r);
    rec->at = ctx->b->cols[XF_TIMESTAMP].v[r];
    rec->exponent = (uint8_t)ctx->b->exp[r];
    s = pool_str(ctx, XF_CURRENCY, r, &n);
    memcpy(rec->currency, s, n < 3 ? n : 3);
    for (size_t i = first; i < ctx->nawards; i++) {
        const cbr_award *a = &ctx->awards[i];
        cbrl_award la = {.offer = str_of(a->offer_id), .campaign = str_of(a->campaign_id),
                         .granted = a->cashback, .worth = a->cashback, .first_key = rec->nkeys};
        if (a->pending) {
            la.flags |= CBRL_PENDING;
            la.vests_at = a->vests_at;
            memcpy(la.vests, a->vests, 10);
        }
        if (x->offers[a->offer].flags & XO_REFUND_FULL)
            la.flags |= CBRL_REFUND_FULL;
        for (size_t k = 0; k < ctx->nakeys; k++) {
            const cbrx_akey *ak = &ctx->akeys[k];
            if (ak->award != i)
                continue;
            const cbrx_pend *p = &ctx->pend[ak->pend];
            cbrl_key key = {.is_count = ak->is_count, .key = {ctx->key + p->off, (uint32_t)p->len}};
            if (!cbrl_add_key(rec, ALLOC(ctx), &key))
                return CBR_ERR_NOMEM;
            la.nkeys++;
        }
        if (!cbrl_add_award(rec, ALLOC(ctx), &la))
            return CBR_ERR_NOMEM;
    }
    for (size_t i = 0; i < ctx->npend; i++) {
        const cbrx_pend *p = &ctx->pend[i];
        if (!p->tally1 || !p->delta)
            continue;
        cbrl_key key = {.is_count = x->tallies[p->tally1 - 1].kind == XT_COUNT, .delta = p->delta,
                        .key = {ctx->key + p->off, (uint32_t)p->len}};
        if (!cbrl_add_tally(rec, ALLOC(ctx), &key))
            return CBR_ERR_NOMEM;
    }
    size_t klen;
    if (!cbrl_key_of(rec->tid.p, rec->tid.n, ALLOC(ctx), &ctx->lkey, &ctx->lkeycap, &klen))
        return CBR_ERR_NOMEM;
    return put_record(ctx, rec, ctx->lkey, klen, rec->at);
}

/* Adds a decrease of key to the refund's reservation, merged with one of the
 * same key (the keys of one reserve call are distinct). */
static bool give_back(cbr_context *ctx, size_t *n, cbrl_str key, int64_t delta)
{
    for (size_t i = 0; i < *n; i++)
        if (ctx->back[i].len == key.n && !memcmp(ctx->back[i].key, key.p, key.n)) {
            ctx->back[i].delta -= delta;
            return true;
        }
    if (!cbrx_grow(ctx->x, (void **)&ctx->back, &ctx->capback, *n, sizeof *ctx->back, 16))
        return false;
    ctx->back[(*n)++] = (cbr_reservation){key.p, key.n, -delta, INT64_MAX, 0};
    return true;
}

static size_t offer_index(const cbrx_program *x, cbrl_str id)
{
    for (uint32_t o = 0; o < x->noffers; o++) {
        const cbrx_string *s = &x->strings[x->offers[o].id];
        if (s->len == id.n && !memcmp(x->bytes + s->off, id.p, id.n))
            return o;
    }
    return (size_t)-1;
}

static const char *dup_str(cbr_context *ctx, cbrl_str s, bool *oom)
{
    if (!s.p)
        return NULL;
    const char *t = cbrl_arena_dup(&ctx->text, ALLOC(ctx), s.p, s.n);
    *oom |= !t;
    return t;
}

cbr_status cbrx_refund(cbr_context *ctx, uint32_t r)
{
    uint32_t ntid, norig, ncur;
    const char *tid = pool_str(ctx, XF_TID, r, &ntid);
    const char *orig = cbrx_pool_str(&ctx->b->pool, ctx->b->orig[r], &norig);
    const char *cur = pool_str(ctx, XF_CURRENCY, r, &ncur);
    const void *data;
    size_t len, klen;
    cbr_status st = lookup(ctx, tid, ntid, &data, &len, &klen);
    if (st != CBR_OK)
        return st;
    if (data) {
        refuse(ctx, r, "duplicate transaction " TIDF ": already in the ledger", TIDA(tid, ntid));
        return CBR_OK;
    }
    st = lookup(ctx, orig, norig, &data, &len, &klen);
    if (st != CBR_OK)
        return st;
    if (!data)
        return CBR_OK; /* a purchase that changed nothing: nothing to take back */
    if (len > ctx->reccap) {
        unsigned char *q = cbrx_realloc(ctx->x, ctx->recbuf, len);
        if (!q)
            return CBR_ERR_NOMEM;
        ctx->recbuf = q;
        ctx->reccap = len;
    }
    memcpy(ctx->recbuf, data, len);
    cbrl_rec *rec = &ctx->rec;
    if (!cbrl_decode(ctx->recbuf, len, rec, ALLOC(ctx))) {
        ctx->record_damaged = true;
        return CBR_ERR_STATE;
    }
    if (rec->kind != CBRL_PURCHASE)
        return CBR_OK; /* the refund of a refund takes back nothing */
    if (ncur != 3 || memcmp(cur, rec->currency, 3)) {
        refuse(ctx, r, "refund in another currency than its purchase: " TIDF " was in %s, the refund is in %.*s",
               TIDA(orig, norig), rec->currency, (int)ncur, cur);
        return CBR_OK;
    }
    int64_t a = minor_amount(ctx, r), refunded;
    if (__builtin_add_overflow(rec->refunded, a, &refunded) || refunded > rec->amount) {
        char m1[32], m2[32], m3[32];
        cbrdec_format((cbrdec){rec->amount, rec->exponent}, m1, sizeof m1);
        cbrdec_format((cbrdec){rec->refunded, rec->exponent}, m2, sizeof m2);
        cbrdec_format((cbrdec){a, rec->exponent}, m3, sizeof m3);
        refuse(ctx, r, "refund past the purchase's amount: " TIDF " was %s %s, %s refunded before, this refund %s",
               TIDA(orig, norig), m1, rec->currency, m2, m3);
        return CBR_OK;
    }
    /* What each award is worth now, and the room that gives back. */
    size_t nback = 0, first = ctx->nawards;
    bool oom = false;
    for (uint32_t i = 0; i < rec->nawards; i++) {
        cbrl_award *w = &rec->awards[i];
        int64_t now = (w->flags & CBRL_REFUND_FULL)
                          ? 0 : (int64_t)((__int128)w->granted * (rec->amount - refunded) / rec->amount);
        int64_t diff = w->worth - now;
        if (diff <= 0)
            continue;
        w->worth = now;
        bool counts_back = now == 0 && !(w->flags & CBRL_COUNT_BACK);
        if (counts_back)
            w->flags |= CBRL_COUNT_BACK;
        for (uint32_t k = 0; k < w->nkeys; k++) {
            const cbrl_key *key = &rec->keys[w->first_key + k];
            /* A pot counts in its own units (vmint.h); diff cannot pass
             * what the award added to it, so the product fits. */
            if (!key->is_count ? !give_back(ctx, &nback, key->key,
                                            diff * cbrx_pot_unit(key->key.p, key->key.n, rec->exponent))
                               : counts_back && !give_back(ctx, &nback, key->key, 1))
                return CBR_ERR_NOMEM;
        }
        if (!cbrx_grow(ctx->x, (void **)&ctx->awards, &ctx->capawards, ctx->nawards, sizeof *ctx->awards, 1024))
            return CBR_ERR_NOMEM;
        cbr_award *ev = &ctx->awards[ctx->nawards++];
        memset(ev, 0, sizeof *ev);
        ev->row = r;
        ev->offer = offer_index(ctx->x, w->offer);
        ev->offer_id = dup_str(ctx, w->offer, &oom);
        ev->campaign_id = dup_str(ctx, w->campaign, &oom);
        ev->cashback = -diff;
        ev->exponent = rec->exponent;
        memcpy(ev->currency, rec->currency, 4);
        ev->event = CBR_EVENT_REVERSAL;
        ev->tid = dup_str(ctx, rec->tid, &oom);
        ev->user_id = dup_str(ctx, rec->user, &oom);
        ev->event_tid = tid;
    }
    for (uint32_t t = 0; t < rec->ntallies; t++) {
        cbrl_key *key = &rec->tallies[t];
        if (!key->is_count) {
            int64_t take = a < key->delta ? a : key->delta;
            key->delta -= take;
            if (take > 0 && !give_back(ctx, &nback, key->key, take))
                return CBR_ERR_NOMEM;
        } else if (refunded == rec->amount && !key->back) {
            key->back = 1;
            if (!give_back(ctx, &nback, key->key, 1))
                return CBR_ERR_NOMEM;
        }
    }
    if (oom) {
        ctx->nawards = first;
        return CBR_ERR_NOMEM;
    }
    /* Never below zero, whatever a host's store was made to hold since. */
    for (size_t i = 0; i < nback; i++) {
        int64_t v = 0;
        st = ctx->store.get(ctx->store.ud, ctx->back[i].key, ctx->back[i].len, &v);
        if (st != CBR_OK) {
            ctx->nawards = first;
            return st;
        }
        if (ctx->back[i].delta < -v)
            ctx->back[i].delta = v > 0 ? -v : 0;
    }
    int granted = 1;
    st = nback ? ctx->store.reserve(ctx->store.ud, ctx->back, nback, &granted) : CBR_OK;
    if (st == CBR_OK && !granted)
        st = CBR_ERR_STATE;
    if (st != CBR_OK) {
        ctx->nawards = first;
        return st;
    }
    /* The room is given back: from here on the row is settled, whatever
     * the record writes say. */
    ctx->settled = (size_t)r + 1;
    rec->refunded = refunded;
    if (!cbrl_key_of(orig, norig, ALLOC(ctx), &ctx->lkey, &ctx->lkeycap, &klen))
        return CBR_ERR_NOMEM;
    st = put_record(ctx, rec, ctx->lkey, klen, rec->at);
    if (st != CBR_OK)
        return st;
    cbrl_rec_reset(rec);
    rec->kind = CBRL_REFUND;
    rec->tid = (cbrl_str){orig, norig};
    if (!cbrl_key_of(tid, ntid, ALLOC(ctx), &ctx->lkey, &ctx->lkeycap, &klen))
        return CBR_ERR_NOMEM;
    return put_record(ctx, rec, ctx->lkey, klen, ctx->b->cols[XF_TIMESTAMP].v[r]);
}
