/* exec.c: the batch interpreter.
 *
 * cbr_eval runs each offer's instructions over the whole batch: dispatch is
 * paid once per instruction per batch, and the loops inside touch only the
 * selected rows.  Registers hold one value per row; LOAD makes a register
 * read a column in place, without a copy.  The verifier has already checked
 * every index and type, so the loops check nothing but missing values and
 * overflow; string ids are still checked against the pool, since a register
 * read before it was written in this batch may hold an id of an earlier one.
 *
 * Arithmetic that overflows, and division by zero, give a missing value:
 * the condition reading it is unknown and never earns cashback. */
#include "config.h"
#include <stddef.h>
#include <string.h>
#include "stdlib/date.h"
#include "stdlib/text.h"
#include "stdlib/tz.h"
#include "vm/vmint.h"


/* ---- contexts ---- */

cbr_status cbr_context_new(const cbr_program *prog, size_t capacity, cbr_context **out, cbr_error *err)
{
    if (out)
        *out = NULL;
    if (!prog || !out)
        return cbrx_status(err, CBR_ERR_ARG, "cbr_context_new: no program or no place for the context");
    if (capacity > CBRX_MAX_BATCH_ROWS)
        return cbrx_status(err, CBR_ERR_LIMIT, "a context holds at most %u rows, not %zu",
                           (unsigned)CBRX_MAX_BATCH_ROWS, capacity);
    const cbrx_program *x = &prog->x;
    if (capacity == 0)
        capacity = 1024;
    cbr_context *ctx = cbrx_alloc(x, sizeof *ctx);
    if (!ctx)
        return cbrx_status(err, CBR_ERR_NOMEM, "out of memory making a context of %zu rows", capacity);
    memset(ctx, 0, sizeof *ctx);
    ctx->prog = prog;
    ctx->x = x;
    ctx->cap = capacity;
    size_t nr = x->nregs ? x->nregs : 1;
    ctx->regs = cbrx_alloc(x, nr * sizeof *ctx->regs);
    ctx->own = cbrx_alloc(x, nr * sizeof *ctx->own);
    ctx->nonull = cbrx_alloc(x, capacity);
    ctx->sel = cbrx_alloc(x, capacity * sizeof *ctx->sel);
    ctx->all = cbrx_alloc(x, capacity * sizeof *ctx->all);
    ctx->tmp = cbrx_alloc(x, capacity * sizeof *ctx->tmp);
    ctx->frames = cbrx_alloc(x, (x->max_depth + 1) * sizeof *ctx->frames);
    ctx->local = cbrx_alloc(x, (x->ntzs + 1) * sizeof *ctx->local);
    ctx->row_first = cbrx_alloc(x, (capacity + 1) * sizeof *ctx->row_first);
    ctx->groups = cbrx_alloc(x, (x->noffers + 1) * sizeof *ctx->groups);
    ctx->winners = cbrx_alloc(x, (x->noffers + 1) * sizeof *ctx->winners);
    uint32_t most = 0;
    for (uint32_t o = 0; o < x->noffers; o++)
        if (x->offers[o].nlimits > most)
            most = x->offers[o].nlimits;
    ctx->counters = cbrx_alloc(x, (most + 2) * sizeof *ctx->counters);
    ctx->refused = cbrx_alloc(x, capacity * sizeof *ctx->refused);
    ctx->ix_n = cbrx_alloc(x, (x->noffers + 1) * sizeof *ctx->ix_n);
    ctx->ix_at = cbrx_alloc(x, (x->noffers + 1) * sizeof *ctx->ix_at);
    ctx->use_index = cbrx_index_wanted(x);
    ctx->own_state = cbrx_state_new(x->cfg.alloc, x->cfg.alloc_ud);
    if (ctx->own_state)
        ctx->store = cbr_state_store(ctx->own_state);
    bool ok = ctx->regs && ctx->own && ctx->nonull && ctx->sel && ctx->all && ctx->tmp &&
              ctx->frames && ctx->local && ctx->row_first && ctx->groups && ctx->winners && ctx->counters &&
              ctx->refused && ctx->ix_n && ctx->ix_at && ctx->own_state && cbrx_tally_alloc(ctx);
    if (ok) {
        memset(ctx->own, 0, nr * sizeof *ctx->own);
        memset(ctx->frames, 0, (x->max_depth + 1) * sizeof *ctx->frames);
        memset(ctx->local, 0, (x->ntzs + 1) * sizeof *ctx->local);
        memset(ctx->nonull, 0, capacity);
        memset(ctx->refused, 0, capacity * sizeof *ctx->refused);
        for (size_t i = 0; i < capacity; i++)
            ctx->all[i] = (uint32_t)i;
        for (uint32_t r = 0; ok && r < x->nregs; r++) {
            ctx->own[r].v = cbrx_alloc(x, capacity * sizeof(int64_t));
            ctx->own[r].null = cbrx_alloc(x, capacity);
            ok = ctx->own[r].v && ctx->own[r].null;
            if (ok) {
                /* Never-written registers read as missing, never as garbage. */
                memset(ctx->own[r].v, 0, capacity * sizeof(int64_t));
                memset(ctx->own[r].null, 1, capacity);
            }
            ctx->regs[r] = ctx->own[r];
        }
        for (uint32_t f = 0; ok && f <= x->max_depth; f++) {
            ctx->frames[f].base = cbrx_alloc(x, capacity * sizeof(uint32_t));
            ctx->frames[f].acc = cbrx_alloc(x, capacity * sizeof(uint32_t));
            ok = ctx->frames[f].base && ctx->frames[f].acc;
        }
        for (uint32_t z = 0; ok && z < x->ntzs; z++)
            for (int i = 0; ok && i < 7; i++)
                ok = (ctx->local[z].v[i] = cbrx_alloc(x, capacity * sizeof(int64_t))) != NULL;
    }
    if (!ok) {
        cbr_context_free(ctx);
        return cbrx_status(err, CBR_ERR_NOMEM, "out of memory making a context of %zu rows", capacity);
    }
    *out = ctx;
    return CBR_OK;
}

void cbr_context_free(cbr_context *ctx)
{
    if (!ctx)
        return;
    const cbrx_program *x = ctx->x;
    if (ctx->own)
        for (uint32_t r = 0; r < x->nregs; r++) {
            cbrx_dealloc(x, ctx->own[r].v);
            cbrx_dealloc(x, ctx->own[r].null);
        }
    if (ctx->frames)
        for (uint32_t f = 0; f <= x->max_depth; f++) {
            cbrx_dealloc(x, ctx->frames[f].base);
            cbrx_dealloc(x, ctx->frames[f].acc);
        }
    if (ctx->local)
        for (uint32_t z = 0; z < x->ntzs; z++)
            for (int i = 0; i < 7; i++)
                cbrx_dealloc(x, ctx->local[z].v[i]);
    void *arrays[] = {ctx->regs, ctx->own, ctx->nonull, ctx->sel, ctx->all, ctx->tmp,
                      ctx->frames, ctx->local, ctx->row_first, ctx->groups, ctx->winners, ctx->cands,
                      ctx->sorted, ctx->awards, ctx->counters, ctx->key, ctx->pend, ctx->resv,
                      ctx->refused, ctx->akeys, ctx->recbuf, ctx->encbuf, ctx->lkey, ctx->back,
                      ctx->ix_n, ctx->ix_at, ctx->ix_rows, ctx->ix_pairs};
    cbrl_rec_free(&ctx->rec, x->cfg.alloc, x->cfg.alloc_ud);
    cbrl_arena_reset(&ctx->text, x->cfg.alloc, x->cfg.alloc_ud);
    cbr_state_free(ctx->own_state);
    cbrx_tally_free(ctx);
    for (size_t i = 0; i < sizeof arrays / sizeof arrays[0]; i++)
        cbrx_dealloc(x, arrays[i]);
    cbrx_dealloc(x, ctx);
}

cbr_status cbr_context_set_store(cbr_context *ctx, const cbr_store *store, cbr_error *err)
{
    if (!ctx)
        return cbrx_status(err, CBR_ERR_ARG, "cbr_context_set_store: no context");
    if (!store) {
        ctx->store = cbr_state_store(ctx->own_state);
        return CBR_OK;
    }
    /* A store from a host built against an older cbr_store lacks fields
     * this library would read. */
    size_t first = offsetof(cbr_store, record_get);
    if (store->size < first)
        return cbrx_status(err, CBR_ERR_ARG, "the store is %zu bytes, from an older library; this one needs %zu",
                           store->size, first);
    if (!store->get || !store->reserve)
        return cbrx_status(err, CBR_ERR_ARG, "the store has no %s function", store->get ? "reserve" : "get");
    /* A store of 0.4 has no ledger: its record functions read as NULL. */
    memset(&ctx->store, 0, sizeof ctx->store);
    memcpy(&ctx->store, store, store->size < sizeof *store ? store->size : sizeof *store);
    ctx->store.size = sizeof ctx->store;
    if (!ctx->store.record_get || !ctx->store.record_put)
        ctx->store.record_get = NULL, ctx->store.record_put = NULL;
    return CBR_OK;
}

size_t cbr_context_settled(const cbr_context *ctx) { return ctx ? ctx->settled : 0; }

int cbr_context_latest(const cbr_context *ctx, int64_t *unix_seconds)
{
    if (!ctx || !ctx->has_latest)
        return 0;
    if (unix_seconds)
        *unix_seconds = ctx->latest;
    return 1;
}

cbr_state *cbr_context_state(cbr_context *ctx) { return ctx ? ctx->own_state : NULL; }

const cbr_award *cbr_context_awards(const cbr_context *ctx, size_t *n)
{
    if (n)
        *n = ctx ? ctx->nawards : 0;
    return ctx ? ctx->awards : NULL;
}

/* ---- derived fields ---- */

/* weekday hour minute date day month year of every row, in zone z. */
static void compute_local(cbr_context *ctx, uint32_t z)
{
    cbrx_local *l = &ctx->local[z];
    const cbr_batch *b = ctx->b;
    if (l->stamp == b->stamp)
        return;
    const struct cbrtz *zone = ctx->prog->zones[z];
    const int64_t *ts = b->cols[XF_TIMESTAMP].v;
    for (size_t r = 0; r < b->n; r++) {
        int32_t days, sod;
        cbrtz_local(zone, ts[r], &days, &sod);
        int y;
        unsigned m, d;
        cbrdate_to_civil(days, &y, &m, &d);
        l->v[0][r] = cbrdate_weekday(days);
        l->v[1][r] = sod / 3600;
        l->v[2][r] = sod / 60 % 60;
        l->v[3][r] = days;
        l->v[4][r] = d;
        l->v[5][r] = m;
        l->v[6][r] = y;
    }
    l->stamp = b->stamp;
}

int64_t cbrx_local_date(cbr_context *ctx, uint32_t tz, uint32_t row)
{
    compute_local(ctx, tz);
    return ctx->local[tz].v[3][row];
}

static void op_load(cbr_context *ctx, uint16_t d, uint32_t field)
{
    if (XF_IS_DERIVED(field)) {
        uint32_t z = ctx->zone;
        compute_local(ctx, z);
        ctx->regs[d].v = ctx->local[z].v[field - XF_WEEKDAY];
        ctx->regs[d].null = ctx->nonull;
    } else {
        ctx->regs[d] = ctx->b->cols[field];
    }
}

/* ---- numbers ---- */

/* v * 10^k, exactly, or false. */
static inline bool upscale(int64_t v, unsigned k, int64_t *out)
{
    if (k == 0) {
        *out = v;
        return true;
    }
    return !__builtin_mul_overflow(v, cbrdec_pow10[k], out);
}

/* Sign of a*10^-sa - b*10^-sb, exact whatever the scales. */
static inline int cmp_scaled(int64_t a, unsigned sa, int64_t b, unsigned sb)
{
    if (sa == sb)
        return (a > b) - (a < b);
    __int128 x = a, y = b;
    if (sa < sb)
        x *= (__int128)cbrdec_pow10[sb - sa];
    else
        y *= (__int128)cbrdec_pow10[sa - sb];
    return (x > y) - (x < y);
}

/* n / den rounded with mode. */
__int128 cbrx_div_round(__int128 n, __int128 den, cbrround mode)
{
    __int128 q = n / den, r = n % den;
    if (r == 0)
        return q;
    bool neg = (n < 0) != (den < 0);
    __int128 ar = r < 0 ? -r : r, ad = den < 0 ? -den : den;
    bool away;
    switch (mode) {
    case CBR_ROUND_UP: away = true; break;
    case CBR_ROUND_HALF_UP: away = 2 * ar >= ad; break;
    case CBR_ROUND_HALF_EVEN: away = 2 * ar > ad || (2 * ar == ad && (q & 1)); break;
    case CBR_ROUND_FLOOR: away = neg; break;
    case CBR_ROUND_CEIL: away = !neg; break;
    default: away = false; break;
    }
    return away ? (neg ? q - 1 : q + 1) : q;
}

static inline bool fits(__int128 v) { return v >= INT64_MIN && v <= INT64_MAX; }

static cbrx_col *wreg(cbr_context *ctx, uint16_t d)
{
    ctx->regs[d] = ctx->own[d];
    return &ctx->regs[d];
}

#define ROWS for (uint32_t i_ = 0, r; i_ < ctx->nsel && ((r = ctx->sel[i_]), 1); i_++)

static void op_arith(cbr_context *ctx, const cbrx_insn *in)
{
    const cbrx_reg *R = ctx->x->regs;
    unsigned sd = R[in->d].scale, sa = R[in->a].scale, sb = R[in->b].scale;
    const cbrx_col a = ctx->regs[in->a], b = ctx->regs[in->b];
    cbrx_col *d = wreg(ctx, in->d);
    switch (in->op) {
    case XOP_ADD:
    case XOP_SUB:
        ROWS {
            int64_t x, y, z;
            bool bad = a.null[r] | b.null[r] || !upscale(a.v[r], sd - sa, &x) ||
                       !upscale(b.v[r], sd - sb, &y) ||
                       (in->op == XOP_ADD ? __builtin_add_overflow(x, y, &z)
                                          : __builtin_sub_overflow(x, y, &z));
            d->null[r] = bad;
            d->v[r] = bad ? 0 : z;
        }
        break;
    case XOP_MUL:
        ROWS {
            int64_t z;
            bool bad = a.null[r] | b.null[r] || __builtin_mul_overflow(a.v[r], b.v[r], &z);
            d->null[r] = bad;
            d->v[r] = bad ? 0 : z;
        }
        break;
    case XOP_DIV: {
        /* a / b at scale sd: a * 10^(sd - sa + sb) / b, toward zero. */
        __int128 f = cbrdec_pow10[sd - sa + sb];
        ROWS {
            bool bad = a.null[r] | b.null[r] || b.v[r] == 0;
            __int128 q = bad ? 0 : ((__int128)a.v[r] * f) / b.v[r];
            bad = bad || !fits(q);
            d->null[r] = bad;
            d->v[r] = bad ? 0 : (int64_t)q;
        }
        break;
    }
    case XOP_MIN:
    case XOP_MAX:
        ROWS {
            int64_t x = 0;
            bool bad = a.null[r] | b.null[r];
            if (!bad) {
                int c = cmp_scaled(a.v[r], sa, b.v[r], sb);
                bool take_a = in->op == XOP_MIN ? c <= 0 : c >= 0;
                bad = take_a ? !upscale(a.v[r], sd - sa, &x) : !upscale(b.v[r], sd - sb, &x);
            }
            d->null[r] = bad;
            d->v[r] = bad ? 0 : x;
        }
        break;
    }
}

static void op_unary(cbr_context *ctx, const cbrx_insn *in)
{
    const cbrx_reg *R = ctx->x->regs;
    const cbrx_col a = ctx->regs[in->a];
    cbrx_col *d = wreg(ctx, in->d);
    if (in->op == XOP_ROUND) {
        __int128 den = cbrdec_pow10[R[in->a].scale - R[in->d].scale];
        ROWS {
            d->null[r] = a.null[r];
            d->v[r] = a.null[r] ? 0 : (int64_t)cbrx_div_round(a.v[r], den, (cbrround)in->k);
        }
        return;
    }
    ROWS {
        int64_t v = a.v[r];
        bool bad = a.null[r] || v == INT64_MIN;
        d->null[r] = bad;
        d->v[r] = bad ? 0 : (in->op == XOP_NEG || v < 0) ? -v : v;
    }
}

static inline bool cmp_holds(unsigned cmp, int c)
{
    switch (cmp) {
    case XC_EQ: return c == 0;
    case XC_NE: return c != 0;
    case XC_LT: return c < 0;
    case XC_LE: return c <= 0;
    case XC_GT: return c > 0;
    default: return c >= 0;
    }
}

static void op_cmp(cbr_context *ctx, const cbrx_insn *in)
{
    const cbrx_reg *R = ctx->x->regs;
    unsigned sa = R[in->a].scale, sb = R[in->b].scale, cmp = in->k;
    const cbrx_col a = ctx->regs[in->a], b = ctx->regs[in->b];
    cbrx_col *d = wreg(ctx, in->d);
    ROWS {
        bool bad = a.null[r] | b.null[r];
        d->null[r] = bad;
        d->v[r] = !bad && cmp_holds(cmp, cmp_scaled(a.v[r], sa, b.v[r], sb));
    }
}

/* A short list (most `in [...]` lists are a few codes) is scanned without
 * a branch per element; a binary search's unpredictable branches cost more
 * there.  make bench: 12% of the VM's time was this search before. */
#define IN_SCAN_MAX 16

static bool in_set(const int64_t *s, uint32_t n, int64_t v)
{
    if (n <= IN_SCAN_MAX) {
        unsigned hit = 0;
        for (uint32_t i = 0; i < n; i++)
            hit |= s[i] == v;
        return hit;
    }
    uint32_t lo = 0, hi = n;
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        if (s[mid] < v)
            lo = mid + 1;
        else if (s[mid] > v)
            hi = mid;
        else
            return true;
    }
    return false;
}

/* ---- filters ---- */

/* Keeps the selected rows where COND holds.  The selection is read through
 * locals: stores into sel could otherwise alias nsel, and the compiler would
 * reload it on every row. */
#define KEEP(COND)                                                          \
    do {                                                                    \
        uint32_t *restrict s_ = ctx->sel;                                   \
        const uint32_t n_ = ctx->nsel;                                      \
        uint32_t k_ = 0;                                                    \
        for (uint32_t i_ = 0; i_ < n_; i_++) {                              \
            uint32_t r = s_[i_];                                            \
            s_[k_] = r;                                                     \
            k_ += (COND) ? 1 : 0;                                           \
        }                                                                   \
        ctx->nsel = k_;                                                     \
    } while (0)

#define KEEP_CMP(X, Y)                                                              \
    switch (cmp) {                                                                  \
    case XC_EQ: KEEP(!an[r] && ((X) == (Y)) == want); break;                        \
    case XC_NE: KEEP(!an[r] && ((X) != (Y)) == want); break;                        \
    case XC_LT: KEEP(!an[r] && ((X) < (Y)) == want); break;                         \
    case XC_LE: KEEP(!an[r] && ((X) <= (Y)) == want); break;                        \
    case XC_GT: KEEP(!an[r] && ((X) > (Y)) == want); break;                         \
    default: KEEP(!an[r] && ((X) >= (Y)) == want); break;                           \
    }

static void op_fcmpk(cbr_context *ctx, const cbrx_insn *in)
{
    const int64_t *av = ctx->regs[in->a].v;
    const uint8_t *an = ctx->regs[in->a].null;
    const int64_t kv = ctx->x->consts[in->k];
    unsigned cmp = XF_CMP(in->d);
    bool want = XF_WANT(in->d);
    KEEP_CMP(av[r], kv);
}

static void op_fcmp(cbr_context *ctx, const cbrx_insn *in)
{
    const cbrx_reg *R = ctx->x->regs;
    unsigned sa = R[in->a].scale, sb = R[in->b].scale;
    const int64_t *av = ctx->regs[in->a].v, *bv = ctx->regs[in->b].v;
    const uint8_t *an0 = ctx->regs[in->a].null, *bn = ctx->regs[in->b].null;
    unsigned cmp = XF_CMP(in->d);
    bool want = XF_WANT(in->d);
    if (sa == sb)
        KEEP(!(an0[r] | bn[r]) && cmp_holds(cmp, (av[r] > bv[r]) - (av[r] < bv[r])) == want);
    else
        KEEP(!(an0[r] | bn[r]) && cmp_holds(cmp, cmp_scaled(av[r], sa, bv[r], sb)) == want);
}

/* ---- strings ---- */

static bool str_of(cbr_context *ctx, int64_t id, const char **s, uint32_t *n)
{
    if (!cbrx_pool_has(&ctx->b->pool, id))
        return false;
    *s = cbrx_pool_str(&ctx->b->pool, (uint32_t)id, n);
    return true;
}

typedef bool (*text_fn)(const char *s, size_t n, cbrtext_buf *out);

/* The id of the folded form of id, cached in the pool. */
static int64_t fold_id(cbr_context *ctx, int64_t id)
{
    cbrx_pool *p = &ctx->b->pool;
    if (p->e[id].fold != CBRX_NONE)
        return p->e[id].fold;
    const char *s;
    uint32_t n;
    str_of(ctx, id, &s, &n);
    cbrtext_buf buf;
    uint32_t f = CBRX_NONE;
    if (cbrtext_fold(s, n, &buf))
        f = cbrx_pool_intern(p, buf.p, buf.n);
    cbrtext_buf_free(&buf);
    if (f == CBRX_NONE) {
        ctx->oom = true;
        return -1;
    }
    p->e[id].fold = f;
    if (id < p->nbase && f >= p->nbase)
        p->base_folds = true;
    return f;
}

static void op_text(cbr_context *ctx, const cbrx_insn *in)
{
    const cbrx_col a = ctx->regs[in->a];
    cbrx_col *d = wreg(ctx, in->d);
    text_fn fn = in->op == XOP_LOWER ? cbrtext_lower : cbrtext_upper;
    ROWS {
        const char *s;
        uint32_t n;
        int64_t out = -1;
        if (!a.null[r] && str_of(ctx, a.v[r], &s, &n)) {
            if (in->op == XOP_FOLD) {
                out = fold_id(ctx, a.v[r]);
            } else if (in->op == XOP_LEN) {
                out = (int64_t)cbrtext_len(s, n);
            } else {
                cbrtext_buf buf;
                uint32_t id = CBRX_NONE;
                if (fn(s, n, &buf))
                    id = cbrx_pool_intern(&ctx->b->pool, buf.p, buf.n);
                cbrtext_buf_free(&buf);
                if (id == CBRX_NONE)
                    ctx->oom = true;
                else
                    out = id;
            }
        }
        d->null[r] = out < 0;
        d->v[r] = out < 0 ? 0 : out;
    }
}

static bool has_at(const char *s, uint32_t n, const char *p, uint32_t m, uint32_t at)
{
    return at <= n && m <= n - at && memcmp(s + at, p, m) == 0;
}

/* starts_with, ends_with, contains: byte comparisons of NFC texts, which is
 * exact for a prefix or suffix made of whole characters. */
static void op_textpred(cbr_context *ctx, const cbrx_insn *in)
{
    const cbrx_col a = ctx->regs[in->a], b = ctx->regs[in->b];
    cbrx_col *d = wreg(ctx, in->d);
    ROWS {
        const char *s, *p;
        uint32_t n, m;
        bool ok = !a.null[r] && !b.null[r] && str_of(ctx, a.v[r], &s, &n) && str_of(ctx, b.v[r], &p, &m);
        bool v = false;
        if (ok) {
            if (in->op == XOP_STARTS)
                v = has_at(s, n, p, m, 0);
            else if (in->op == XOP_ENDS)
                v = m <= n && has_at(s, n, p, m, n - m);
            else
                v = m == 0 || (m <= n && memmem(s, n, p, m) != NULL);
        }
        d->null[r] = !ok;
        d->v[r] = v;
    }
}

/* ---- selections ---- */

/* out = x - y, both sorted; returns the count.  out may alias x, not y. */
static uint32_t sel_minus(uint32_t *out, const uint32_t *x, uint32_t nx, const uint32_t *y, uint32_t ny)
{
    uint32_t i = 0, j = 0, k = 0;
    while (i < nx) {
        while (j < ny && y[j] < x[i])
            j++;
        if (j < ny && y[j] == x[i])
            i++;
        else
            out[k++] = x[i++];
    }
    return k;
}

/* out = x + y, disjoint and sorted; out must not alias either. */
static uint32_t sel_union(uint32_t *out, const uint32_t *x, uint32_t nx, const uint32_t *y, uint32_t ny)
{
    uint32_t i = 0, j = 0, k = 0;
    while (i < nx && j < ny)
        out[k++] = x[i] < y[j] ? x[i++] : y[j++];
    while (i < nx)
        out[k++] = x[i++];
    while (j < ny)
        out[k++] = y[j++];
    return k;
}

static void op_select(cbr_context *ctx, unsigned op)
{
    cbrx_frame *f = ctx->depth ? &ctx->frames[ctx->depth - 1] : NULL;
    uint32_t n;
    switch (op) {
    case XOP_PUSH:
        f = &ctx->frames[ctx->depth++];
        memcpy(f->base, ctx->sel, ctx->nsel * sizeof *ctx->sel);
        f->nbase = ctx->nsel;
        f->nacc = 0;
        break;
    case XOP_ORNEXT:
        n = sel_union(ctx->tmp, f->acc, f->nacc, ctx->sel, ctx->nsel);
        memcpy(f->acc, ctx->tmp, n * sizeof *ctx->tmp);
        f->nacc = n;
        ctx->nsel = sel_minus(ctx->sel, f->base, f->nbase, f->acc, f->nacc);
        break;
    case XOP_OREND:
        n = sel_union(ctx->tmp, f->acc, f->nacc, ctx->sel, ctx->nsel);
        memcpy(ctx->sel, ctx->tmp, n * sizeof *ctx->tmp);
        ctx->nsel = n;
        ctx->depth--;
        break;
    case XOP_RESTORE:
    case XOP_POP:
        memcpy(ctx->sel, f->base, f->nbase * sizeof *ctx->sel);
        ctx->nsel = f->nbase;
        if (op == XOP_POP)
            ctx->depth--;
        break;
    case XOP_NEXTCLAUSE:
        n = sel_minus(ctx->tmp, f->base, f->nbase, ctx->sel, ctx->nsel);
        memcpy(ctx->sel, ctx->tmp, n * sizeof *ctx->tmp);
        ctx->nsel = n;
        ctx->depth--;
        break;
    }
}

/* ---- the loop ---- */

/* Explain wants the values a filter compared: those of the first selected
 * row it ran on (explain runs batches of one row). */
static void trace_operands(cbr_context *ctx, cbrx_trace *t, const cbrx_insn *in)
{
    if (t->seen || ((in->op < XOP_FCMP || in->op > XOP_FNULL) && in->op != XOP_FTIN) || ctx->nsel == 0)
        return;
    uint32_t r = ctx->sel[0];
    t->seen = 1;
    t->a = ctx->regs[in->a].v[r];
    t->an = ctx->regs[in->a].null[r];
    if (in->op == XOP_FCMP) {
        t->b = ctx->regs[in->b].v[r];
        t->bn = ctx->regs[in->b].null[r];
    } else if (in->op == XOP_FCMPK) {
        t->b = ctx->x->consts[in->k];
    }
}

/* Runs offer o on rows[0..n) (ascending), or on the stretch's purchases
 * when rows is NULL. */
static void run_offer(cbr_context *ctx, uint32_t o, const uint32_t *rows, uint32_t n)
{
    const cbrx_offer *of = &ctx->x->offers[o];
    ctx->offer = o;
    ctx->zone = of->tz;
    ctx->depth = 0;
    if (rows) {
        memcpy(ctx->sel, rows, n * sizeof *ctx->sel);
        ctx->nsel = n;
    } else {
        cbrx_stretch_rows(ctx, false);
    }
    cbrx_run_code(ctx, of->code, of->ncode);
}

/* Every offer, each on the rows the index gives it (index.c): those with
 * its access predicate's values, or all of them; none when its valid
 * windows miss the stretch's dates. */
static void run_indexed(cbr_context *ctx)
{
    const cbrx_program *x = ctx->x;
    const cbrx_index *ix = &x->index;
    if (!cbrx_index_rows(ctx))
        return;
    for (uint32_t o = 0; o < x->noffers && !ctx->oom; o++) {
        uint32_t on = ix->on[o];
        if (on == CBRX_IX_NEVER || (on != CBRX_NONE && ctx->ix_n[o] == 0) || ix->day_hi[o] < ctx->ix_day_lo ||
            ix->day_lo[o] > ctx->ix_day_hi)
            continue;
        if (on == CBRX_NONE)
            run_offer(ctx, o, NULL, 0);
        else
            run_offer(ctx, o, ctx->ix_rows + ctx->ix_at[o], ctx->ix_n[o]);
    }
}

/* The rows of the stretch offers run on: its purchases (a refund is never
 * evaluated), with a user when with_user. */
void cbrx_stretch_rows(cbr_context *ctx, bool with_user)
{
    const cbr_batch *b = ctx->b;
    const uint8_t *no_user = b->cols[XF_USER_ID].null;
    uint32_t n = 0;
    for (uint32_t r = ctx->from; r < ctx->to; r++)
        if (b->kind[r] == XK_PURCHASE && !(with_user && no_user[r]))
            ctx->sel[n++] = r;
    ctx->nsel = n;
}

/* Where the stretch from row `from` ends.  A program without tallies reads
 * nothing of other rows while evaluating, so its stretch is the rest of the
 * batch.  With tallies, a refund changes what later rows read: it is a
 * stretch of its own, settled before the rows after it are evaluated. */
static uint32_t stretch_end(const cbr_context *ctx, const cbr_batch *b, uint32_t from)
{
    uint32_t n = (uint32_t)b->n;
    if (!ctx->x->ntallies || from >= n)
        return n;
    if (b->kind[from] == XK_REFUND)
        return from + 1;
    uint32_t r = from + 1;
    while (r < n && b->kind[r] != XK_REFUND)
        r++;
    return r;
}

void cbrx_run_code(cbr_context *ctx, uint32_t from, uint32_t ncode)
{
    const cbrx_program *x = ctx->x;
    for (uint32_t pc = from; pc < from + ncode; pc++) {
        const cbrx_insn *in = &x->code[pc];
        /* Nothing left to filter or value: skip to the end of the offer,
         * except for selection changes that may bring rows back. */
        if (ctx->nsel == 0 && in->op < XOP_PUSH)
            continue;
        uint32_t before = ctx->nsel;
        if (ctx->trace)
            trace_operands(ctx, &ctx->trace[pc], in);
        switch ((cbrx_opcode)in->op) {
        case XOP_LOAD: op_load(ctx, in->d, in->k); break;
        case XOP_CONST: {
            cbrx_col *d = wreg(ctx, in->d);
            int64_t v = x->consts[in->k];
            ROWS {
                d->v[r] = v;
                d->null[r] = 0;
            }
            break;
        }
        case XOP_CONSTM: {
            cbrx_col *d = wreg(ctx, in->d);
            int64_t v = x->consts[in->k], cur = x->consts[in->k + 1];
            const int64_t *rc = ctx->b->cols[XF_CURRENCY].v;
            ROWS {
                d->v[r] = v;
                d->null[r] = rc[r] != cur;
            }
            break;
        }
        case XOP_ADD: case XOP_SUB: case XOP_MUL: case XOP_DIV: case XOP_MIN: case XOP_MAX:
            op_arith(ctx, in);
            break;
        case XOP_NEG: case XOP_ABS: case XOP_ROUND: op_unary(ctx, in); break;
        case XOP_CMP: op_cmp(ctx, in); break;
        case XOP_IN: {
            const cbrx_col a = ctx->regs[in->a];
            const cbrx_set *s = &x->sets[in->k];
            cbrx_col *d = wreg(ctx, in->d);
            ROWS {
                d->null[r] = a.null[r];
                d->v[r] = !a.null[r] && in_set(x->consts + s->first, s->n, a.v[r]);
            }
            break;
        }
        case XOP_TGET: {
            const cbrx_col a = ctx->regs[in->a];
            const cbrx_table *t = &x->tables[in->k];
            cbrx_col *d = wreg(ctx, in->d);
            ROWS {
                uint32_t row = a.null[r] ? CBRX_NONE : cbrx_table_find(t, a.v[r]);
                d->null[r] = row == CBRX_NONE;
                d->v[r] = row == CBRX_NONE ? 0 : t->vals[row];
            }
            break;
        }
        case XOP_TIN: {
            const cbrx_col a = ctx->regs[in->a];
            const cbrx_table *t = &x->tables[in->k];
            cbrx_col *d = wreg(ctx, in->d);
            ROWS {
                d->null[r] = a.null[r];
                d->v[r] = !a.null[r] && cbrx_table_find(t, a.v[r]) != CBRX_NONE;
            }
            break;
        }
        case XOP_EXISTS: {
            const cbrx_col a = ctx->regs[in->a];
            cbrx_col *d = wreg(ctx, in->d);
            ROWS {
                d->null[r] = 0;
                d->v[r] = !a.null[r];
            }
            break;
        }
        case XOP_LOWER: case XOP_UPPER: case XOP_FOLD: case XOP_LEN: op_text(ctx, in); break;
        case XOP_STARTS: case XOP_ENDS: case XOP_CONTAINS: op_textpred(ctx, in); break;
        case XOP_CALL: cbrx_call(ctx, in); break;
        case XOP_SETNULL: {
            cbrx_col *d = wreg(ctx, in->d);
            ROWS d->null[r] = 1;
            break;
        }
        case XOP_MARK: {
            cbrx_col *d = wreg(ctx, in->d); /* never into a column a LOAD aliased */
            ROWS {
                d->v[r] = in->k;
                d->null[r] = 0;
            }
            break;
        }
        case XOP_FCMP: op_fcmp(ctx, in); break;
        case XOP_FCMPK: op_fcmpk(ctx, in); break;
        case XOP_FBOOL: {
            const int64_t *av = ctx->regs[in->a].v;
            const uint8_t *an = ctx->regs[in->a].null;
            int64_t want = XF_WANT(in->d);
            KEEP(!an[r] && av[r] == want);
            break;
        }
        case XOP_FIN: {
            const int64_t *av = ctx->regs[in->a].v;
            const uint8_t *an = ctx->regs[in->a].null;
            const cbrx_set *s = &x->sets[in->k];
            const int64_t *set = x->consts + s->first;
            bool want = XF_WANT(in->d);
            KEEP(!an[r] && in_set(set, s->n, av[r]) == want);
            break;
        }
        case XOP_FTIN: {
            const int64_t *av = ctx->regs[in->a].v;
            const uint8_t *an = ctx->regs[in->a].null;
            const cbrx_table *t = &x->tables[in->k];
            bool want = XF_WANT(in->d);
            KEEP(!an[r] && (cbrx_table_find(t, av[r]) != CBRX_NONE) == want);
            break;
        }
        case XOP_FNULL: {
            const uint8_t *an = ctx->regs[in->a].null;
            bool want = XF_WANT(in->d);
            KEEP(!an[r] == want);
            break;
        }
        case XOP_NONE: ctx->nsel = 0; break;
        case XOP_PUSH: case XOP_ORNEXT: case XOP_OREND: case XOP_RESTORE: case XOP_POP:
        case XOP_NEXTCLAUSE:
            op_select(ctx, in->op);
            break;
        case XOP_REWARD:
            if (ctx->nsel)
                cbrx_reward(ctx, in->k);
            break;
        case XOP_TALLY: ctx->regs[in->d] = ctx->tcol[in->k]; break;
        case XOP_COUNT: break;
        }
        if (ctx->trace) {
            ctx->trace[pc].in += before;
            ctx->trace[pc].out += ctx->nsel;
        }
    }
}

cbr_status cbr_evaluate(cbr_context *ctx, cbr_batch *b, cbr_error *err)
{
    if (!ctx || !b)
        return cbrx_fail(err, CBR_ERR_ARG, "no context or batch"), CBR_ERR_ARG;
    /* The same batch, settled part way: evaluate the rest (the next stretch,
     * or the rows after a failure). */
    bool resume = ctx->eb == b && b->stamp == ctx->eb_stamp && ctx->settled > 0 && ctx->settled < b->n;
    ctx->eb = NULL;
    if (b->prog != ctx->prog)
        return cbrx_fail(err, CBR_ERR_ARG, "the batch belongs to another program"), CBR_ERR_ARG;
    cbr_status ready = ctx->stub ? CBR_OK : cbr_program_runnable(ctx->prog, err);
    if (ready != CBR_OK)
        return ready;
    if (b->n > ctx->cap)
        return cbrx_fail(err, CBR_ERR_LIMIT, "the batch has %zu rows, the context takes %zu", b->n,
                         ctx->cap), CBR_ERR_LIMIT;
    ctx->b = b;
    /* A LOAD skipped in this batch (no row selected) must not leave its
     * register reading a column of an earlier batch. */
    for (uint32_t r = 0; r < ctx->x->nregs; r++)
        ctx->regs[r] = ctx->own[r];
    ctx->ncands = 0;
    if (!resume) {
        ctx->nawards = 0;
        ctx->settled = 0;
        if (b->n)
            memset(ctx->refused, 0, b->n * sizeof *ctx->refused);
        cbrl_arena_reset(&ctx->text, ctx->x->cfg.alloc, ctx->x->cfg.alloc_ud);
    }
    ctx->from = (uint32_t)ctx->settled;
    ctx->to = stretch_end(ctx, b, ctx->from);
    ctx->oom = false;
    ctx->tally_moved = 0;
    if (ctx->x->ntallies) {
        cbr_status st = cbrx_tally_prepass(ctx);
        if (st != CBR_OK) {
            ctx->b = NULL;
            if (st == CBR_ERR_NOMEM)
                return cbrx_fail(err, st, "out of memory reading the tallies"), st;
            return cbrx_fail(err, st, "the store failed reading the tallies: %s", cbr_status_text(st)), st;
        }
    }
    /* Explain and coverage count rows per instruction: they see every offer run on every row. */
    if (ctx->use_index && !ctx->trace)
        run_indexed(ctx);
    else
        for (uint32_t o = 0; o < ctx->x->noffers && !ctx->oom; o++)
            run_offer(ctx, o, NULL, 0);
    ctx->b = NULL;
    if (ctx->oom)
        return cbrx_fail(err, CBR_ERR_NOMEM, "out of memory while evaluating"), CBR_ERR_NOMEM;
    ctx->eb = b;
    ctx->eb_stamp = b->stamp;
    return CBR_OK;
}

cbr_status cbr_settle(cbr_context *ctx, cbr_award_fn fn, void *ud, cbr_error *err)
{
    if (!ctx)
        return cbrx_fail(err, CBR_ERR_ARG, "no context"), CBR_ERR_ARG;
    cbr_batch *b = ctx->eb;
    if (!b)
        return cbrx_fail(err, CBR_ERR_STATE, "nothing to settle: cbr_evaluate has not succeeded"), CBR_ERR_STATE;
    if (b->stamp != ctx->eb_stamp)
        return cbrx_fail(err, CBR_ERR_STATE, "the batch changed after it was evaluated"), CBR_ERR_STATE;
    size_t first = ctx->nawards;
    ctx->b = b;
    ctx->record_damaged = false;
    cbr_status st = cbrx_settle(ctx);
    ctx->b = NULL;
    /* The awards of the rows settled before a failure are counted in the
     * store: they are delivered, and cbr_context_settled says how far. */
    if (fn)
        for (size_t i = first; i < ctx->nawards; i++)
            fn(ud, &ctx->awards[i]);
    if (st == CBR_ERR_NOMEM)
        return cbrx_fail(err, st, "out of memory while settling row %zu", ctx->settled), st;
    if (st == CBR_ERR_STATE && ctx->tally_moved)
        return cbrx_fail(err, st, "tally %s changed since the batch was evaluated; evaluate it again (row %zu)",
                         cbrx_str(ctx->x, ctx->x->tallies[ctx->tally_moved - 1].name), ctx->settled), st;
    if (st == CBR_ERR_STATE && ctx->record_damaged)
        return cbrx_fail(err, st, "row %zu refunds a purchase whose ledger record in the store is damaged "
                                  "(not a record this library wrote)", ctx->settled), st;
    if (st == CBR_ERR_STATE)
        return cbrx_fail(err, st, "the limit and budget store kept refusing the reservations of row %zu",
                         ctx->settled), st;
    if (st != CBR_OK)
        return cbrx_fail(err, st, "the limit and budget store failed at row %zu: %s", ctx->settled,
                         cbr_status_text(st)), st;
    return CBR_OK;
}

cbr_status cbr_eval(cbr_context *ctx, cbr_batch *b, cbr_award_fn fn, void *ud, cbr_error *err)
{
    cbr_status st = cbr_evaluate(ctx, b, err);
    while (st == CBR_OK) {
        st = cbr_settle(ctx, fn, ud, err);
        if (st != CBR_OK || ctx->settled >= b->n)
            break;
        st = cbr_evaluate(ctx, b, err); /* the next stretch */
    }
    return st;
}

const char *cbr_context_refused(const cbr_context *ctx, size_t row)
{
    return ctx && row < ctx->settled ? ctx->refused[row] : NULL;
}
