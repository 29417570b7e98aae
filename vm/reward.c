/* reward.c: from a clause that holds to money, and from candidates to awards.
 *
 * cbrx_reward turns the selected rows of a clause into candidates: a percent
 * of the amount, or the money register of a reward expression, rounded to
 * the currency's minor unit with the offer's mode, then capped; or a fixed
 * amount.  cbrx_settle then walks the rows in input
 * order and each row's candidates in evaluation order (priority, then id),
 * which is the order offers ran in, and grants them: at most one per
 * exclusive group, the first that awards, or in a best-of group the
 * largest, decided where the group's first candidate comes up.  All amounts are integers in minor units; the only
 * rounding is the one the offer names. */
#include "config.h"
#include <string.h>
#include "stdlib/date.h"
#include "vm/vmint.h"

/* 10^k as a wide integer, k <= 38, from the one table of 10^0 .. 10^18. */
static __int128 pow10w(unsigned k)
{
    __int128 v = 1;
    for (; k > 18; k -= 18)
        v *= cbrdec_pow10[18];
    return v * cbrdec_pow10[k];
}

/* Whether an amount written with a currency may pay on this row. */
static bool currency_ok(const cbr_context *ctx, uint32_t row, const cbrx_amount *a)
{
    if (!a->cur[0])
        return true;
    uint32_t n;
    const char *cur = cbrx_pool_str(&ctx->b->pool, (uint32_t)ctx->b->cols[XF_CURRENCY].v[row], &n);
    return n == 3 && memcmp(cur, a->cur, 3) == 0;
}

/* An amount in minor units of a currency with e digits, rounded with mode
 * when it has more digits than the currency. */
__int128 cbrx_minor_units(const cbrx_amount *a, int e, cbrround mode)
{
    if (a->scale <= e)
        return (__int128)a->m * pow10w((unsigned)(e - a->scale));
    return cbrx_div_round(a->m, pow10w((unsigned)(a->scale - e)), mode);
}

int64_t cbrx_minor_units64(const cbrx_amount *a, int e, cbrround mode)
{
    __int128 v = cbrx_minor_units(a, e, mode);
    return v > INT64_MAX ? INT64_MAX : v < INT64_MIN ? INT64_MIN : (int64_t)v;
}

static bool add_cand(cbr_context *ctx, uint32_t row, uint32_t clause, bool capped, int64_t cash)
{
    if (!cbrx_grow(ctx->x, (void **)&ctx->cands, &ctx->capcands, ctx->ncands, sizeof *ctx->cands, 1024))
        return false;
    ctx->cands[ctx->ncands++] = (cbrx_cand){row, ctx->offer, clause, capped, cash, -1};
    return true;
}

__int128 cbrx_percent_of(int64_t amount, const cbrx_clause *cl, int e, cbrround mode)
{
    /* amount (scale 4) * pct (scale ps) / 100 has scale 4 + ps + 2. */
    unsigned pscale = CBRX_MONEY_SCALE + cl->pct_scale + 2;
    return cbrx_div_round((__int128)amount * cl->pct_m, pow10w(pscale - (unsigned)e), mode);
}

/* A money value at scale s in minor units of a currency with e digits,
 * rounded with mode: the one rounding of a reward expression. */
static __int128 minor_of(int64_t v, unsigned s, int e, cbrround mode)
{
    if (s <= (unsigned)e)
        return (__int128)v * pow10w((unsigned)e - s);
    return cbrx_div_round(v, pow10w(s - (unsigned)e), mode);
}

/* The cap of clause cl on row r in minor units, rounded down (never more
 * than the cap); false when the row cannot earn: a cap in another currency,
 * or a cap expression that is unknown.  *cap is INT64_MAX when uncapped. */
static bool cap_of(const cbr_context *ctx, const cbrx_clause *cl, uint32_t r, int e, __int128 *cap)
{
    *cap = INT64_MAX;
    if (cl->has_cap) {
        if (!currency_ok(ctx, r, &cl->amount))
            return false;
        *cap = cbrx_minor_units(&cl->amount, e, CBR_ROUND_DOWN);
    } else if (cl->cap_reg != CBRX_NO_REG) {
        const cbrx_col *c = &ctx->regs[cl->cap_reg];
        if (c->null[r])
            return false;
        *cap = minor_of(c->v[r], ctx->x->regs[cl->cap_reg].scale, e, CBR_ROUND_DOWN);
    }
    return true;
}

__int128 cbrx_clause_cash(const cbr_context *ctx, const cbrx_clause *cl, uint32_t r, cbrround mode,
                          bool *ok, bool *capped)
{
    int e = ctx->b->exp[r];
    *ok = false;
    *capped = false;
    if (cl->kind == XR_FIXED) {
        if (!currency_ok(ctx, r, &cl->amount))
            return 0;
        *ok = true;
        return cbrx_minor_units(&cl->amount, e, mode);
    }
    __int128 cash;
    if (cl->kind == XR_PERCENT) {
        cash = cbrx_percent_of(ctx->b->cols[XF_AMOUNT].v[r], cl, e, mode);
    } else {
        const cbrx_col *c = &ctx->regs[cl->reg];
        if (c->null[r])
            return 0;
        cash = minor_of(c->v[r], ctx->x->regs[cl->reg].scale, e, mode);
    }
    __int128 cap;
    if (!cap_of(ctx, cl, r, e, &cap))
        return 0;
    *ok = true;
    *capped = cash > cap;
    return cash > cap ? cap : cash;
}

void cbrx_reward(cbr_context *ctx, uint32_t k)
{
    const cbrx_program *x = ctx->x;
    const cbrx_clause *cl = &x->clauses[k];
    cbrround mode = (cbrround)x->offers[ctx->offer].rounding;
    const int64_t *amount = ctx->b->cols[XF_AMOUNT].v;
    for (uint32_t i = 0; i < ctx->nsel; i++) {
        uint32_t r = ctx->sel[i];
        if (amount[r] <= 0)
            continue;
        bool ok, capped;
        __int128 cash = cbrx_clause_cash(ctx, cl, r, mode, &ok, &capped);
        if (!ok)
            continue;
        if (cash <= 0 || cash > INT64_MAX)
            continue;
        int64_t vest = -1;
        if (cl->vest_reg != CBRX_NO_REG) {
            /* An unknown or negative vesting period is no award. */
            const cbrx_col *v = &ctx->regs[cl->vest_reg];
            if (v->null[r] || v->v[r] < 0)
                continue;
            vest = v->v[r];
        }
        if (!add_cand(ctx, r, k - x->offers[ctx->offer].first_clause, capped, (int64_t)cash)) {
            ctx->oom = true;
            return;
        }
        ctx->cands[ctx->ncands - 1].vest = vest;
    }
}

static bool add_award(cbr_context *ctx, const cbrx_cand *c, int64_t cash, bool cut)
{
    if (!cbrx_grow(ctx->x, (void **)&ctx->awards, &ctx->capawards, ctx->nawards, sizeof *ctx->awards, 1024))
        return false;
    const cbrx_program *x = ctx->x;
    const cbrx_offer *o = &x->offers[c->offer];
    cbr_award *a = &ctx->awards[ctx->nawards++];
    memset(a, 0, sizeof *a);
    a->row = c->row;
    a->offer = c->offer;
    a->offer_id = cbrx_str(x, o->id);
    a->campaign_id = o->campaign == CBRX_NONE ? NULL : cbrx_str(x, x->campaigns[o->campaign].id);
    a->cashback = cash;
    a->cut = cut;
    a->exponent = ctx->b->exp[c->row];
    uint32_t n;
    const char *cur = cbrx_pool_str(&ctx->b->pool, (uint32_t)ctx->b->cols[XF_CURRENCY].v[c->row], &n);
    memcpy(a->currency, cur, n < 3 ? n : 3);
    a->clause = c->clause;
    a->event = CBR_EVENT_AWARD;
    a->tid = a->event_tid = cbrx_pool_str(&ctx->b->pool, (uint32_t)ctx->b->cols[XF_TID].v[c->row], &n);
    a->user_id = ctx->b->cols[XF_USER_ID].null[c->row]
                     ? NULL : cbrx_pool_str(&ctx->b->pool, (uint32_t)ctx->b->cols[XF_USER_ID].v[c->row], &n);
    if (c->vest >= 0) {
        /* Pending until the start of the local date N days after the
         * purchase's, in the offer's zone; past year 9999 it is that. */
        int64_t day = cbrx_local_date(ctx, o->tz, c->row);
        int64_t last = 2932896; /* 9999-12-31 */
        int64_t vd = c->vest > last - day ? last : day + c->vest;
        a->pending = 1;
        a->vests_at = cbrx_day_start(ctx, o->tz, vd);
        cbrdate_format((int32_t)vd, a->vests);
    }
    return true;
}

/* Explain keeps what became of every candidate; evaluation does not. */
static bool note(cbr_context *ctx, const cbrx_cand *c, cbrx_fate fate, int64_t cash, uint32_t winner)
{
    if (!ctx->outcomes)
        return true;
    if (!cbrx_grow(ctx->x, (void **)&ctx->outcomes, &ctx->capoutcomes, ctx->noutcomes, sizeof *ctx->outcomes, 8))
        return false;
    const cbrx_bind *b = &ctx->bind;
    ctx->outcomes[ctx->noutcomes++] = (cbrx_outcome){*c, fate, cash, b->which < 0 ? CBRX_NONE : (uint32_t)b->which,
                                                     b->used, b->max, winner, 0, 0};
    return true;
}

/* What became of a candidate once its limits were applied. */
static cbrx_fate fate_of(const cbr_context *ctx, int64_t cash, bool cut)
{
    const cbrx_bind *b = &ctx->bind;
    return cash > 0 ? (cut ? XS_CUT : XS_AWARDED)
           : b->no_user ? XS_NO_USER
           : b->no_partial ? XS_NO_PARTIAL
           : b->campaign ? XS_CAMPAIGN_BUDGET
           : b->budget ? XS_BUDGET : XS_LIMIT;
}

/* A best-of group whose first candidate is sorted[at]: every candidate of
 * group g in sorted[at, to) is measured against the row's state as it
 * stands now, nothing added in between, and the largest award (the
 * earliest on a tie) is granted here, in the first candidate's place.
 * *winner is its offer, or CBRX_NONE when no member awards anything. */
static cbr_status settle_best(cbr_context *ctx, uint32_t at, uint32_t to, uint32_t g, uint32_t *winner)
{
    const cbrx_program *x = ctx->x;
    size_t first_note = ctx->noutcomes;
    uint32_t best = CBRX_NONE;
    int64_t best_cash = 0;
    for (uint32_t i = at; i < to; i++) {
        const cbrx_cand *c = &ctx->sorted[i];
        if (x->offers[c->offer].group != g)
            continue;
        int64_t cash = c->cashback;
        bool cut;
        cbr_status st = cbrx_measure_limits(ctx, c, &cash, &cut);
        if (st != CBR_OK)
            return st;
        if (!note(ctx, c, fate_of(ctx, cash, cut), cash > 0 ? cash : 0, CBRX_NONE))
            return CBR_ERR_NOMEM;
        if (cash > best_cash) {
            best = i;
            best_cash = cash;
        }
    }
    *winner = CBRX_NONE;
    if (best == CBRX_NONE)
        return CBR_OK; /* each member's own fate is noted */
    const cbrx_cand *w = &ctx->sorted[best];
    *winner = w->offer;
    for (size_t k = first_note; ctx->outcomes && k < ctx->noutcomes; k++) {
        cbrx_outcome *out = &ctx->outcomes[k];
        if (out->cand.offer == w->offer || out->cashback <= 0)
            continue;
        out->would = out->cashback;
        out->rival = best_cash;
        out->cashback = 0;
        out->fate = XS_OUTBID;
        out->winner = w->offer;
    }
    /* Nothing was added since it was measured, so it measures the same
     * again; this time its counters are added to the row's pending list. */
    int64_t cash = w->cashback;
    bool cut;
    cbr_status st = cbrx_apply_limits(ctx, w, &cash, &cut);
    if (st != CBR_OK)
        return st;
    if (cash != best_cash)
        return CBR_ERR_STATE;
    return add_award(ctx, w, cash, cut) ? CBR_OK : CBR_ERR_NOMEM;
}

/* Decides the awards of one row's candidates, sorted[from, to), and
 * reserves what they count in the store in one call. */
static cbr_status settle_row(cbr_context *ctx, uint32_t row, uint32_t from, uint32_t to, bool *granted)
{
    const cbrx_program *x = ctx->x;
    uint32_t ngroups = 0;
    cbrx_begin_row(ctx);
    for (uint32_t i = from; i < to; i++) {
        const cbrx_cand *c = &ctx->sorted[i];
        uint32_t g = x->offers[c->offer].group;
        bool best = g != CBRX_NONE && (x->offers[c->offer].flags & XO_BEST);
        uint32_t j = 0;
        while (j < ngroups && ctx->groups[j] != g)
            j++;
        if (j < ngroups) {
            /* A best-of group's members were all noted at its first. */
            if (!best && !note(ctx, c, XS_EXCLUDED, 0, ctx->winners[j]))
                return CBR_ERR_NOMEM;
            continue;
        }
        if (best) {
            cbr_status st = settle_best(ctx, i, to, g, &ctx->winners[ngroups]);
            if (st != CBR_OK)
                return st;
            ctx->groups[ngroups++] = g;
            continue;
        }
        int64_t cash = c->cashback;
        bool cut;
        cbr_status st = cbrx_apply_limits(ctx, c, &cash, &cut);
        if (st != CBR_OK)
            return st;
        if (!note(ctx, c, fate_of(ctx, cash, cut), cash > 0 ? cash : 0, CBRX_NONE))
            return CBR_ERR_NOMEM;
        if (cash <= 0)
            continue; /* the group's turn passes to its next candidate */
        if (!add_award(ctx, c, cash, cut))
            return CBR_ERR_NOMEM;
        if (g != CBRX_NONE) {
            ctx->winners[ngroups] = c->offer;
            ctx->groups[ngroups++] = g;
        }
    }
    /* The row's tallies count it whatever it was awarded. */
    cbr_status st = ctx->x->ntallies ? cbrx_tally_pend(ctx, row) : CBR_OK;
    return st != CBR_OK ? st : cbrx_commit_row(ctx, granted);
}

/* Row r is settled: the next settle starts after it, and its timestamp
 * may be the latest (the period cbr_context_budget_left reads), unless it
 * was only explained, which counts nothing. */
static void settled(cbr_context *ctx, size_t r)
{
    ctx->settled = r + 1;
    if (ctx->dry || ctx->b->cols[XF_TIMESTAMP].null[r])
        return;
    int64_t ts = ctx->b->cols[XF_TIMESTAMP].v[r];
    if (!ctx->has_latest || ts > ctx->latest)
        ctx->latest = ts;
    ctx->has_latest = true;
}

cbr_status cbrx_settle(cbr_context *ctx)
{
    const cbrx_program *x = ctx->x;
    size_t n = ctx->b->n;
    if (ctx->ncands > ctx->capsorted) {
        cbrx_cand *s = cbrx_realloc(x, ctx->sorted, ctx->ncands * sizeof *s);
        if (!s)
            return CBR_ERR_NOMEM;
        ctx->sorted = s;
        ctx->capsorted = ctx->ncands;
    }
    /* A stable counting sort by row keeps each row's candidates in the
     * order the offers ran. */
    uint32_t *first = ctx->row_first, *next = ctx->tmp;
    memset(first, 0, (n + 1) * sizeof *first);
    for (size_t i = 0; i < ctx->ncands; i++)
        first[ctx->cands[i].row + 1]++;
    for (size_t r = 0; r < n; r++)
        first[r + 1] += first[r];
    memcpy(next, first, n * sizeof *next);
    for (size_t i = 0; i < ctx->ncands; i++)
        ctx->sorted[next[ctx->cands[i].row]++] = ctx->cands[i];

    /* A settle that failed resumes at the first row it did not settle. */
    bool ledger = ctx->store.record_get && !ctx->dry;
    for (size_t r = ctx->settled; r < ctx->to; r++) {
        bool tallied = x->ntallies && cbrx_tally_counts(ctx, (uint32_t)r);
        if (ctx->b->kind[r] == XK_REFUND) {
            cbr_status st = ledger ? cbrx_refund(ctx, (uint32_t)r) : CBR_OK;
            if (st != CBR_OK)
                return st;
            settled(ctx, r);
            continue;
        }
        if (ledger && ctx->refused[r]) {
            settled(ctx, r); /* a copy found before the tallies counted */
            continue;
        }
        if (ledger) {
            bool refused;
            cbr_status st = cbrx_ledger_check(ctx, (uint32_t)r, &refused);
            if (st != CBR_OK)
                return st;
            if (refused) {
                settled(ctx, r);
                /* Later rows of the stretch counted it in their tallies:
                 * they are evaluated again. */
                if (tallied) {
                    ctx->to = (uint32_t)r + 1;
                    break;
                }
                continue;
            }
        }
        if (first[r] == first[r + 1] && !tallied) {
            settled(ctx, r);
            continue;
        }
        size_t nawards = ctx->nawards, noutcomes = ctx->noutcomes;
        for (unsigned attempt = 0;; attempt++) {
            bool granted;
            cbr_status st = settle_row(ctx, (uint32_t)r, first[r], first[r + 1], &granted);
            if (st != CBR_OK || !granted) {
                /* Nothing of this row reached the store. */
                ctx->nawards = nawards;
                ctx->noutcomes = noutcomes;
            }
            if (st != CBR_OK)
                return st;
            if (granted)
                break;
            /* Another writer of a shared store took the room this row
             * counted on; decide it again against the new values. */
            if (attempt + 1 == CBRX_MAX_RESERVE_TRIES)
                return CBR_ERR_STATE;
        }
        settled(ctx, r);
        /* The row is counted: a failure to record it now cannot undo that. */
        cbr_status st = ledger ? cbrx_ledger_record(ctx, (uint32_t)r, nawards) : CBR_OK;
        if (st != CBR_OK)
            return st;
    }
    return CBR_OK;
}

size_t cbr_award_amount(const cbr_award *a, char *buf, size_t n)
{
    cbrdec d = {a->cashback, (uint8_t)(a->exponent >= 0 && a->exponent <= 18 ? a->exponent : 0)};
    return cbrdec_format(d, buf, n);
}
