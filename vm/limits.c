/* limits.c: limits and budgets, applied to one candidate at a time in
 * settling order, against the counters of the context's store.
 *
 * Each limit or budget of the offer (and its campaign's budget) names one
 * counter key; the candidate's cashback is cut to the smallest room left
 * among them (dropped instead under `no partial`), dropped when one has no
 * room, and once awarded, added to every counter (an award counts as one
 * for `limit N` even when it was cut).  A money limit or budget with a
 * currency counts in that currency's minor units; one without is one pot
 * across currencies, in units of 10^-CBRX_POT_EXP (vmint.h).  A period
 * (of a limit or a paced budget) is part of the key, so each period starts
 * from zero: the offer's zone decides the local date, the campaign's for a
 * campaign budget.
 *
 * A row is settled all or nothing: what its candidates add is kept in the
 * row's pending list (read back by the row's later candidates, so two
 * offers of one campaign see each other), and cbrx_commit_row hands it to
 * the store in one reserve call, which applies it only if no counter passes
 * its maximum.  Nothing reaches the store before the row is decided.
 * A best-of group measures each member first (cbrx_measure_limits reads
 * the counters and adds nothing), then applies its winner's. */
#include "config.h"
#include <stdio.h>
#include <string.h>
#include "stdlib/currency.h"
#include "stdlib/date.h"
#include "stdlib/tz.h"
#include "vm/vmint.h"

/* Appends s to the key buffer with the separators escaped, so that ids and
 * user ids from input can never make two keys collide or break a line of
 * the snapshot. */
static bool put(cbr_context *ctx, const char *s, size_t n, bool escape)
{
    if (ctx->nkey + 2 * n + 1 > ctx->capkey) {
        size_t nc = (ctx->capkey + 2 * n + 1) * 2;
        char *q = cbrx_realloc(ctx->x, ctx->key, nc);
        if (!q)
            return false;
        ctx->key = q;
        ctx->capkey = nc;
    }
    if (escape) {
        ctx->nkey += cbr_key_escape(s, n, ctx->key + ctx->nkey, ctx->capkey - ctx->nkey);
    } else {
        if (n)
            memcpy(ctx->key + ctx->nkey, s, n);
        ctx->nkey += n;
    }
    return true;
}

static bool puts_(cbr_context *ctx, const char *s, bool escape) { return put(ctx, s, strlen(s), escape); }

static bool put_pool(cbr_context *ctx, uint32_t field, uint32_t row)
{
    uint32_t n;
    const char *s = cbrx_pool_str(&ctx->b->pool, (uint32_t)ctx->b->cols[field].v[row], &n);
    return put(ctx, s, n, true);
}

/* The first local date of the period that holds local_date. */
static int32_t period_start(uint8_t period, int32_t local_date)
{
    switch (period) {
    case XP_WEEK: return cbrdate_week_start(local_date);
    case XP_MONTH: return cbrdate_month_start(local_date);
    case XP_YEAR: return cbrdate_year_start(local_date);
    default: return local_date;
    }
}

/* `-` for all time, else the period's letter and first day: d2026-03-13,
 * w2026-03-09, m2026-03-01, y2026-01-01. */
static bool put_period(cbr_context *ctx, uint8_t period, int32_t local_date)
{
    char buf[16] = "-";
    if (period != XP_NONE && period <= XP_YEAR) {
        buf[0] = "-dwmy"[period];
        cbrdate_format(period_start(period, local_date), buf + 1);
    }
    return puts_(ctx, buf, false);
}

/* The local date of instant ts in time zone tz of the program. */
static int32_t date_at(const cbr_context *ctx, uint32_t tz, int64_t ts)
{
    int32_t days, sod;
    cbrtz_local(ctx->prog->zones[tz], ts, &days, &sod);
    return days;
}

/* A budget's key after its kind and id: `|CUR`, or `|PERIOD|CUR` when it
 * starts afresh each period. */
static bool put_budget_tail(cbr_context *ctx, uint8_t period, int32_t date, const char *cur, size_t ncur)
{
    bool ok = puts_(ctx, "|", false);
    if (period != XP_NONE)
        ok = ok && put_period(ctx, period, date) && puts_(ctx, "|", false);
    return ok && put(ctx, cur, ncur, true);
}

static int64_t pow10_of(int n)
{
    int64_t u = 1;
    while (n-- > 0)
        u *= 10;
    return u;
}

int64_t cbrx_pot_unit(const char *key, size_t n, int exponent)
{
    bool pot = n > 3 && (key[0] == 'a' || key[0] == 'b' || key[0] == 'c') && key[1] == '|' &&
               key[n - 2] == '|' && key[n - 1] == '*';
    return pot && exponent >= 0 && exponent <= CBRX_POT_EXP ? pow10_of(CBRX_POT_EXP - exponent) : 1;
}

/* A money counter's maximum and units for amount a in a row of exponent e:
 * in the currency's minor units, or a pot's (no currency written). */
static void money_bound(cbrx_counter *k, const cbrx_amount *a, int e)
{
    bool pot = !a->cur[0];
    k->max = cbrx_minor_units64(a, pot ? CBRX_POT_EXP : e, CBR_ROUND_DOWN);
    k->unit = pot && e >= 0 && e <= CBRX_POT_EXP ? pow10_of(CBRX_POT_EXP - e) : 1;
}

/* Appends the keys of every counter the candidate touches to ctx->key:
 *     n|OFFER|USER|PERIOD       awards per user        (limit N per user)
 *     a|OFFER|USER|PERIOD|CUR   cashback per user      (limit AMOUNT per user)
 *     t|OFFER|PERIOD            awards of all users    (limit N total)
 *     b|OFFER[|PERIOD]|CUR      the offer's budget     (budget AMOUNT [per PERIOD])
 *     c|CAMPAIGN[|PERIOD]|CUR   its campaign's budget
 * PERIOD is `-` for all time.  A total counter has no user part.  CUR is
 * `*` for a pot: an amount written without a currency. */
static int build(cbr_context *ctx, const cbrx_cand *c, cbrx_counter *out, bool *no_user)
{
    const cbrx_program *x = ctx->x;
    const cbrx_offer *o = &x->offers[c->offer];
    const char *oid = cbrx_str(x, o->id);
    int e = ctx->b->exp[c->row];
    int n = 0;
    int32_t date = 0;
    bool per_user = false;
    *no_user = false;
    for (uint32_t i = 0; i < o->nlimits; i++)
        per_user |= x->limits[o->first_limit + i].kind != XL_TOTAL;
    if (per_user && ctx->b->cols[XF_USER_ID].null[c->row]) {
        *no_user = true; /* a per-user limit cannot be kept without a user */
        return 0;
    }
    if (o->nlimits || o->budget_period)
        date = (int32_t)cbrx_local_date(ctx, o->tz, c->row);
    uint32_t ncur;
    const char *cur = cbrx_pool_str(&ctx->b->pool, (uint32_t)ctx->b->cols[XF_CURRENCY].v[c->row], &ncur);
    bool ok = true;
    for (uint32_t i = 0; i < o->nlimits; i++) {
        const cbrx_limit *l = &x->limits[o->first_limit + i];
        cbrx_counter *k = &out[n++];
        k->off = ctx->nkey;
        k->is_count = l->kind != XL_MONEY;
        k->max = l->count;
        k->unit = 1;
        if (!k->is_count)
            money_bound(k, &l->amount, e);
        static const char *const kinds[] = {[XL_MONEY] = "a|", [XL_COUNT] = "n|", [XL_TOTAL] = "t|"};
        ok = ok && puts_(ctx, kinds[l->kind], false) && puts_(ctx, oid, true) && puts_(ctx, "|", false);
        if (l->kind != XL_TOTAL)
            ok = ok && put_pool(ctx, XF_USER_ID, c->row) && puts_(ctx, "|", false);
        ok = ok && put_period(ctx, l->period, date);
        if (l->kind == XL_MONEY)
            ok = ok && puts_(ctx, "|", false) &&
                 (l->amount.cur[0] ? put(ctx, cur, ncur, true) : puts_(ctx, "*", false));
        k->len = ctx->nkey - k->off;
    }
    if (o->has_budget) {
        cbrx_counter *k = &out[n++];
        k->off = ctx->nkey;
        k->is_count = false;
        money_bound(k, &o->budget, e);
        ok = ok && puts_(ctx, "b|", false) && puts_(ctx, oid, true) &&
             put_budget_tail(ctx, o->budget_period, date, o->budget.cur[0] ? cur : "*",
                             o->budget.cur[0] ? ncur : 1);
        k->len = ctx->nkey - k->off;
    }
    if (o->campaign != CBRX_NONE && x->campaigns[o->campaign].has_budget) {
        const cbrx_campaign *cp = &x->campaigns[o->campaign];
        cbrx_counter *k = &out[n++];
        k->off = ctx->nkey;
        k->is_count = false;
        money_bound(k, &cp->budget, e);
        int32_t cdate = cp->budget_period ? (int32_t)cbrx_local_date(ctx, cp->tz, c->row) : 0;
        ok = ok && puts_(ctx, "c|", false) && puts_(ctx, cbrx_str(x, cp->id), true) &&
             put_budget_tail(ctx, cp->budget_period, cdate, cp->budget.cur[0] ? cur : "*",
                             cp->budget.cur[0] ? ncur : 1);
        k->len = ctx->nkey - k->off;
    }
    return ok ? n : -1;
}

/* A tally's counter, beside the limits' (tally.c reads and counts it):
 *     k|TALLY|USER|PERIOD       purchases counted      (count per user)
 *     s|TALLY|USER|PERIOD|CUR   their amounts, in minor units (sum amount per user) */
bool cbrx_tally_key(cbr_context *ctx, uint32_t t, uint32_t r)
{
    const cbrx_tally *tl = &ctx->x->tallies[t];
    int32_t date = tl->period ? (int32_t)cbrx_local_date(ctx, tl->tz, r) : 0;
    bool ok = puts_(ctx, tl->kind == XT_SUM ? "s|" : "k|", false) && puts_(ctx, cbrx_str(ctx->x, tl->name), true) &&
              puts_(ctx, "|", false) && put_pool(ctx, XF_USER_ID, r) && puts_(ctx, "|", false) &&
              put_period(ctx, tl->period, date);
    if (ok && tl->kind == XT_SUM) {
        uint32_t ncur;
        const char *cur = cbrx_pool_str(&ctx->b->pool, (uint32_t)ctx->b->cols[XF_CURRENCY].v[r], &ncur);
        ok = puts_(ctx, "|", false) && put(ctx, cur, ncur, true);
    }
    return ok;
}

/* The pending entry of the key at ctx->key + off, or -1. */
static long pending(const cbr_context *ctx, size_t off, size_t len)
{
    for (size_t i = 0; i < ctx->npend; i++) {
        const cbrx_pend *p = &ctx->pend[i];
        if (p->len == len && !memcmp(ctx->key + p->off, ctx->key + off, len))
            return (long)i;
    }
    return -1;
}

/* The counter's value as this row sees it: the store's, plus what the row's
 * earlier candidates added.  Each key is read from the store once a row. */
static cbr_status used_of(cbr_context *ctx, cbrx_counter *k, int64_t *used)
{
    long i = pending(ctx, k->off, k->len);
    if (i < 0) {
        if (!cbrx_grow(ctx->x, (void **)&ctx->pend, &ctx->cappend, ctx->npend, sizeof *ctx->pend, 16))
            return CBR_ERR_NOMEM;
        int64_t v = 0;
        cbr_status st = ctx->store.get(ctx->store.ud, ctx->key + k->off, k->len, &v);
        if (st != CBR_OK)
            return st;
        i = (long)ctx->npend++;
        ctx->pend[i] = (cbrx_pend){.off = k->off, .len = k->len, .base = v, .max = INT64_MAX};
    }
    k->pend = (size_t)i;
    const cbrx_pend *p = &ctx->pend[i];
    /* A host's store may hold anything; a sum past 64 bits is full. */
    if (__builtin_add_overflow(p->base, p->delta, used))
        *used = INT64_MAX;
    return CBR_OK;
}

/* The room a counter with this maximum and value leaves, never more than
 * the maximum itself (a negative value from a host's store gives no extra
 * room) and never negative. */
static int64_t room_of(int64_t max, int64_t used)
{
    if (used <= 0)
        return max > 0 ? max : 0;
    return used >= max ? 0 : max - used;
}

/* Cuts *cash to the room the candidate's counters leave, reading each one
 * (so that it has its pending entry), and adds nothing; *n is how many
 * counters ctx->counters now holds for it. */
static cbr_status measure(cbr_context *ctx, const cbrx_cand *c, int64_t *cash, bool *cut, int *n_out)
{
    const cbrx_offer *o = &ctx->x->offers[c->offer];
    bool has_campaign_budget = o->campaign != CBRX_NONE && ctx->x->campaigns[o->campaign].has_budget;
    *cut = false;
    *n_out = 0;
    ctx->bind = (cbrx_bind){.which = -1};
    if (!o->nlimits && !o->has_budget && !has_campaign_budget)
        return CBR_OK;
    cbrx_counter *ks = ctx->counters;
    bool no_user;
    int n = build(ctx, c, ks, &no_user);
    if (n < 0)
        return CBR_ERR_NOMEM;
    if (no_user) {
        *cash = 0;
        ctx->bind.no_user = true;
        return CBR_OK;
    }
    *n_out = n;
    bool whole = (o->flags & XO_NO_PARTIAL) != 0;
    for (int i = 0; i < n && *cash > 0; i++) {
        int64_t used;
        cbr_status s = used_of(ctx, &ks[i], &used);
        if (s != CBR_OK)
            return s;
        /* A pot's room in the row's currency: whole minor units of it. */
        int64_t unit = ks[i].is_count ? 1 : ks[i].unit;
        int64_t before = *cash, room = room_of(ks[i].max, used) / unit;
        bool dropped_whole = false;
        if (room <= 0)
            *cash = 0;
        else if (!ks[i].is_count && *cash > room) {
            /* `no partial`: an award that would be cut is not made. */
            dropped_whole = whole;
            *cash = whole ? 0 : room;
            *cut = !whole;
        }
        if (*cash != before) {
            /* Counters come in build's order: limits, offer budget, campaign budget. */
            bool campaign = has_campaign_budget && i == n - 1;
            ctx->bind = (cbrx_bind){.which = i, .budget = i >= (int)o->nlimits && !campaign,
                                    .campaign = campaign, .no_partial = dropped_whole, .used = used / unit,
                                    .max = ks[i].max / unit};
        }
    }
    return CBR_OK;
}

cbr_status cbrx_measure_limits(cbr_context *ctx, const cbrx_cand *c, int64_t *cash, bool *cut)
{
    int n;
    return measure(ctx, c, cash, cut, &n);
}

cbr_status cbrx_apply_limits(cbr_context *ctx, const cbrx_cand *c, int64_t *cash, bool *cut)
{
    int n;
    cbr_status st = measure(ctx, c, cash, cut, &n);
    if (st != CBR_OK || *cash <= 0)
        return st;
    const cbrx_counter *ks = ctx->counters;
    for (int i = 0; i < n; i++) {
        /* Two limits of one kind and period (10.00 and 19.25 per month)
         * share one counter, so one pending entry: it is counted once,
         * bounded by the smaller.  Every key was read above (the loop
         * stops early only when nothing is awarded). */
        bool seen = false;
        for (int j = 0; j < i && !seen; j++)
            seen = ks[j].pend == ks[i].pend;
        cbrx_pend *e = &ctx->pend[ks[i].pend];
        if (ks[i].max < e->max)
            e->max = ks[i].max;
        int64_t add;
        if (ks[i].is_count)
            add = 1;
        else if (__builtin_mul_overflow(*cash, ks[i].unit, &add))
            return CBR_ERR_LIMIT;
        if (!seen && __builtin_add_overflow(e->delta, add, &e->delta))
            return CBR_ERR_LIMIT;
        /* The ledger keeps which counters the award counted in, so that a
         * refund gives back its room (the award is added next). */
        if (!seen) {
            if (!cbrx_grow(ctx->x, (void **)&ctx->akeys, &ctx->capakeys, ctx->nakeys, sizeof *ctx->akeys, 16))
                return CBR_ERR_NOMEM;
            ctx->akeys[ctx->nakeys++] = (cbrx_akey){ctx->nawards, (uint32_t)ks[i].pend, ks[i].is_count};
        }
    }
    return CBR_OK;
}

void cbrx_begin_row(cbr_context *ctx)
{
    ctx->npend = 0;
    ctx->nkey = 0;
    ctx->nakeys = 0;
}

cbr_status cbrx_commit_row(cbr_context *ctx, bool *granted)
{
    *granted = true;
    size_t n = 0;
    if (ctx->npend > ctx->capresv) {
        cbr_reservation *r = cbrx_realloc(ctx->x, ctx->resv, ctx->npend * sizeof *r);
        if (!r)
            return CBR_ERR_NOMEM;
        ctx->resv = r;
        ctx->capresv = ctx->npend;
    }
    for (size_t i = 0; i < ctx->npend; i++) {
        const cbrx_pend *p = &ctx->pend[i];
        if (p->delta)
            ctx->resv[n++] = (cbr_reservation){ctx->key + p->off, p->len, p->delta, p->max, 0};
    }
    /* Explaining decides the row and counts nothing. */
    if (!n || ctx->dry)
        return CBR_OK;
    int ok = 0;
    cbr_status st = ctx->store.reserve(ctx->store.ud, ctx->resv, n, &ok);
    if (st != CBR_OK)
        return st;
    *granted = ok != 0;
    if (ok)
        return CBR_OK;
    /* A tally's maximum is the value evaluation counted on: past it, another
     * writer counted a purchase since, and the row's tally values (what its
     * conditions read) are stale.  Deciding the row again cannot help. */
    for (size_t i = 0, k = 0; i < ctx->npend; i++) {
        const cbrx_pend *p = &ctx->pend[i];
        if (!p->delta)
            continue;
        const cbr_reservation *rv = &ctx->resv[k++];
        int64_t sum;
        if (p->tally1 && p->delta > 0 &&
            (__builtin_add_overflow(rv->value, p->delta, &sum) || sum > p->max)) {
            ctx->tally_moved = p->tally1;
            return CBR_ERR_STATE;
        }
    }
    return CBR_OK;
}

/* ---- what came before a test ---- */

cbr_status cbrx_seed(cbr_context *ctx, cbr_batch *b, int what, uint32_t index, int64_t value, cbr_error *err)
{
    const cbrx_program *x = ctx->x;
    ctx->b = b;
    cbrx_begin_row(ctx);
    cbrx_counter *ks = ctx->counters, one;
    int n = 0;
    bool no_user = false, ok = true;
    uint32_t ncur;
    const char *cur = cbrx_pool_str(&b->pool, (uint32_t)b->cols[XF_CURRENCY].v[0], &ncur);
    int e = b->exp[0];
    if (what == CBRX_SEED_AWARD) {
        n = build(ctx, &(cbrx_cand){.row = 0, .offer = index}, ks, &no_user);
    } else if (what == CBRX_SEED_CAMPAIGN) {
        const cbrx_campaign *cp = &x->campaigns[index];
        int32_t date = cp->budget_period ? (int32_t)cbrx_local_date(ctx, cp->tz, 0) : 0;
        one = (cbrx_counter){.off = ctx->nkey};
        money_bound(&one, &cp->budget, e);
        ok = puts_(ctx, "c|", false) && puts_(ctx, cbrx_str(x, cp->id), true) &&
             put_budget_tail(ctx, cp->budget_period, date, cp->budget.cur[0] ? cur : "*",
                             cp->budget.cur[0] ? ncur : 1);
        one.len = ctx->nkey - one.off;
        ks = &one;
        n = 1;
    } else {
        no_user = b->cols[XF_USER_ID].null[0] != 0;
        one = (cbrx_counter){.off = ctx->nkey, .unit = 1, .is_count = x->tallies[index].kind != XT_SUM};
        ok = !no_user && cbrx_tally_key(ctx, index, 0);
        one.len = ctx->nkey - one.off;
        ks = &one;
        n = 1;
    }
    if (no_user)
        return cbrx_fail(err, CBR_ERR_RECORD, "a counter kept per user needs a user_id"), CBR_ERR_RECORD;
    if (n < 0 || !ok)
        return cbrx_fail(err, CBR_ERR_NOMEM, "out of memory"), CBR_ERR_NOMEM;
    if ((size_t)n > ctx->capresv) {
        cbr_reservation *r = cbrx_realloc(x, ctx->resv, (size_t)n * sizeof *r);
        if (!r)
            return cbrx_fail(err, CBR_ERR_NOMEM, "out of memory"), CBR_ERR_NOMEM;
        ctx->resv = r;
        ctx->capresv = (size_t)n;
    }
    cbr_reservation *rs = ctx->resv;
    size_t nr = 0;
    for (int i = 0; i < n; i++) {
        /* Two limits of one kind and period share a counter: counted once. */
        bool seen = false;
        for (size_t j = 0; j < nr && !seen; j++)
            seen = rs[j].len == ks[i].len && !memcmp(rs[j].key, ctx->key + ks[i].off, ks[i].len);
        int64_t add = value;
        if (what == CBRX_SEED_AWARD && ks[i].is_count)
            add = 1;
        else if (!ks[i].is_count && __builtin_mul_overflow(value, ks[i].unit, &add))
            return cbrx_fail(err, CBR_ERR_LIMIT, "the amount is too large to count"), CBR_ERR_LIMIT;
        if (!seen)
            rs[nr++] = (cbr_reservation){ctx->key + ks[i].off, ks[i].len, add, INT64_MAX, 0};
    }
    int granted = 0;
    cbr_status st = nr ? ctx->store.reserve(ctx->store.ud, rs, nr, &granted) : CBR_OK;
    if (st != CBR_OK)
        return cbrx_fail(err, st, "the store refused the counters"), st;
    return CBR_OK;
}

cbr_status cbr_context_budget_left(cbr_context *ctx, size_t offer, int of_campaign, const char *cur,
                                   int64_t *left, int64_t *total, int *exponent, cbr_error *err)
{
    if (!ctx || !cur || !left)
        return cbrx_status(err, CBR_ERR_ARG, "cbr_context_budget_left: no context, currency or result");
    if (offer >= ctx->x->noffers)
        return cbrx_status(err, CBR_ERR_ARG, "offer %zu of %u", offer, ctx->x->noffers);
    const cbrx_program *x = ctx->x;
    const cbrx_offer *o = &x->offers[offer];
    const cbrx_campaign *cp = o->campaign != CBRX_NONE ? &x->campaigns[o->campaign] : NULL;
    const cbrx_amount *budget = of_campaign ? (cp && cp->has_budget ? &cp->budget : NULL)
                                            : (o->has_budget ? &o->budget : NULL);
    int e = cbrcur_exponent(cur, strlen(cur));
    const char *oid = cbrx_str(x, o->id);
    if (!budget)
        return cbrx_status(err, CBR_ERR_ARG, of_campaign ? "offer \"%s\" has no campaign budget"
                                                         : "offer \"%s\" has no budget", oid);
    if (e < 0)
        return cbrx_status(err, CBR_ERR_ARG, "\"%.8s\" is not a currency code", cur);
    if (budget->cur[0] && strcmp(budget->cur, cur))
        return cbrx_status(err, CBR_ERR_ARG, "the budget of offer \"%s\" is in %s, not %s", oid, budget->cur, cur);
    cbrx_counter k;
    money_bound(&k, budget, e);
    uint8_t period = of_campaign ? cp->budget_period : o->budget_period;
    int64_t used = 0;
    /* A paced budget is read in the period of the latest row settled;
     * before any, all of it is left. */
    if (!period || ctx->has_latest) {
        /* The key as build() makes it. */
        int32_t date = period ? date_at(ctx, of_campaign ? cp->tz : o->tz, ctx->latest) : 0;
        ctx->nkey = 0;
        bool ok = of_campaign ? puts_(ctx, "c|", false) && puts_(ctx, cbrx_str(x, cp->id), true)
                              : puts_(ctx, "b|", false) && puts_(ctx, cbrx_str(x, o->id), true);
        if (!ok ||
            !put_budget_tail(ctx, period, date, budget->cur[0] ? cur : "*", budget->cur[0] ? strlen(cur) : 1))
            return cbrx_status(err, CBR_ERR_NOMEM, "out of memory reading a budget");
        cbr_status st = ctx->store.get(ctx->store.ud, ctx->key, ctx->nkey, &used);
        if (st != CBR_OK)
            return cbrx_status(err, st, "the store failed reading the budget of offer \"%s\"", oid);
    }
    /* A pot's in the currency asked for: whole minor units of it. */
    *left = room_of(k.max, used) / k.unit;
    if (total)
        *total = k.max / k.unit;
    if (exponent)
        *exponent = e;
    return CBR_OK;
}

cbr_status cbr_context_budget_period(cbr_context *ctx, size_t offer, int of_campaign, const char **per,
                                     char start[11], cbr_error *err)
{
    if (!ctx || !per || !start)
        return cbrx_status(err, CBR_ERR_ARG, "cbr_context_budget_period: no context or no place for the period");
    if (offer >= ctx->x->noffers)
        return cbrx_status(err, CBR_ERR_ARG, "offer %zu of %u", offer, ctx->x->noffers);
    const cbrx_program *x = ctx->x;
    const cbrx_offer *o = &x->offers[offer];
    const cbrx_campaign *cp = o->campaign != CBRX_NONE ? &x->campaigns[o->campaign] : NULL;
    if (of_campaign ? !cp || !cp->has_budget : !o->has_budget)
        return cbrx_status(err, CBR_ERR_ARG, of_campaign ? "offer \"%s\" has no campaign budget"
                                                         : "offer \"%s\" has no budget", cbrx_str(x, o->id));
    static const char *const names[] = {"", "day", "week", "month", "year"};
    uint8_t period = of_campaign ? cp->budget_period : o->budget_period;
    *per = period <= XP_YEAR ? names[period] : "";
    start[0] = '\0';
    if (period && ctx->has_latest)
        cbrdate_format(period_start(period, date_at(ctx, of_campaign ? cp->tz : o->tz, ctx->latest)), start);
    return CBR_OK;
}

/* ---- states from before pots ---- */

/* The parts of a counter key split at its unescaped `|`: starts and ends
 * (escapes included); at most max parts, the count returned. */
static int key_parts(const char *key, size_t n, size_t *start, size_t *end, int max)
{
    int k = 0;
    start[0] = 0;
    for (size_t i = 0; i < n; i++) {
        if (key[i] == '\\') {
            i++;
            continue;
        }
        if (key[i] == '|') {
            if (k + 1 == max)
                return -1;
            end[k++] = i;
            start[k] = i + 1;
        }
    }
    end[k] = n;
    return k + 1;
}

/* Whether the key part (escaped) is the text s. */
static bool part_is(const char *key, size_t from, size_t to, const char *s)
{
    size_t j = 0, sn = strlen(s);
    for (size_t i = from; i < to; i++, j++) {
        char c = key[i];
        if (c == '\\' && i + 1 < to) {
            c = key[++i];
            c = c == 't' ? '\t' : c == 'n' ? '\n' : c;
        }
        if (j >= sn || s[j] != c)
            return false;
    }
    return j == sn;
}

static char period_letter(uint8_t period) { return period <= XP_YEAR ? "-dwmy"[period] : '?'; }

int cbr_program_pot_key(const cbr_program *p, const char *key, size_t n, int64_t value, char *out, size_t cap,
                        size_t *out_len, int64_t *out_value)
{
    size_t st[6], en[6];
    int np = p && key && out && out_len && out_value ? key_parts(key, n, st, en, 6) : -1;
    if (np < 3 || en[0] != 1 || (key[0] != 'a' && key[0] != 'b' && key[0] != 'c'))
        return 0;
    size_t cl = en[np - 1] - st[np - 1];
    int e = cl == 3 ? cbrcur_exponent(key + st[np - 1], 3) : -1;
    if (e < 0 || e > CBRX_POT_EXP)
        return 0; /* a pot's already, or not a currency */
    const cbrx_program *x = &p->x;
    /* The period letter of the key: `-` for all time. */
    char per = np >= 4 ? key[st[np - 2]] : '-';
    bool pot = false;
    if (key[0] == 'c') {
        for (uint32_t i = 0; i < x->ncampaigns && !pot; i++) {
            const cbrx_campaign *cp = &x->campaigns[i];
            pot = cp->has_budget && !cp->budget.cur[0] && part_is(key, st[1], en[1], cbrx_str(x, cp->id)) &&
                  (np == 3 ? !cp->budget_period : np == 4 && period_letter(cp->budget_period) == per);
        }
    } else {
        for (uint32_t i = 0; i < x->noffers && !pot; i++) {
            const cbrx_offer *o = &x->offers[i];
            if (!part_is(key, st[1], en[1], cbrx_str(x, o->id)))
                continue;
            if (key[0] == 'b') {
                pot = o->has_budget && !o->budget.cur[0] &&
                      (np == 3 ? !o->budget_period : np == 4 && period_letter(o->budget_period) == per);
                continue;
            }
            /* a|OFFER|USER|PERIOD|CUR: a money limit of that period
             * without a currency, and none with one (they shared it). */
            bool bare = false, coded = false;
            for (uint32_t j = 0; np == 5 && j < o->nlimits; j++) {
                const cbrx_limit *l = &x->limits[o->first_limit + j];
                if (l->kind == XL_MONEY && period_letter(l->period) == per) {
                    coded |= l->amount.cur[0] != 0;
                    bare |= l->amount.cur[0] == 0;
                }
            }
            pot = bare && !coded;
        }
    }
    int64_t v;
    if (!pot || __builtin_mul_overflow(value, pow10_of(CBRX_POT_EXP - e), &v))
        return 0;
    *out_len = st[np - 1] + 1;
    if (*out_len > cap)
        return -1;
    memcpy(out, key, st[np - 1]);
    out[st[np - 1]] = '*';
    *out_value = v;
    return 1;
}
