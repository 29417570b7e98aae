/* explain.c: why an offer did or did not award one transaction.
 *
 * Explain does not evaluate the rules a second way: it runs the very code
 * cbr_eval runs, on a batch of one row, with a trace of what each
 * instruction did to the selection and what each filter compared.  Code
 * generation recorded which instructions test which condition as written
 * (cbrx_cond), so the first condition after which the row was no longer
 * selected is the one that failed, and the filters inside it that dropped
 * the row hold the values it saw.  Settling records what became of each
 * candidate: awarded, cut, or dropped by a limit, a budget or an exclusive
 * group.  Settling runs dry: each row is decided against the store but its
 * reservation is never made, so explaining never counts anything. */
#include "config.h"
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include "stdlib/date.h"
#include "vm/vmint.h"

static const char *const mode_names[] = {"down", "up", "half-up", "half-even", "floor", "ceil"};
static const char *const day_names[] = {"MON", "TUE", "WED", "THU", "FRI", "SAT", "SUN"};

/* ---- text ---- */

typedef struct text {
    char *b;
    size_t n, cap;
} text;

static void put(text *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void put(text *t, const char *fmt, ...)
{
    if (t->n >= t->cap)
        return;
    va_list ap;
    va_start(ap, fmt);
    int k = vsnprintf(t->b + t->n, t->cap - t->n, fmt, ap);
    va_end(ap);
    if (k > 0)
        t->n = t->n + (size_t)k < t->cap ? t->n + (size_t)k : t->cap - 1;
}

/* An amount in minor units of the row's currency, as "2.50 USD". */
static void put_minor(text *t, const cbr_context *ctx, int64_t v)
{
    char buf[40];
    cbr_award a = {.cashback = v, .exponent = ctx->b->exp[0]};
    cbr_award_amount(&a, buf, sizeof buf);
    uint32_t n;
    const char *cur = cbrx_pool_str(&ctx->b->pool, (uint32_t)ctx->b->cols[XF_CURRENCY].v[0], &n);
    put(t, "%s %.*s", buf, (int)n, cur);
}

static void put_amount(text *t, const cbrx_amount *a)
{
    char buf[40];
    cbrdec_format((cbrdec){a->m, a->scale}, buf, sizeof buf);
    put(t, "%s%s%s", buf, a->cur[0] ? " " : "", a->cur);
}

/* A value of register type `type` at `scale`, as the author would write it. */
static void put_value(text *t, const cbr_context *ctx, uint8_t type, uint8_t scale, int64_t v, bool missing)
{
    char buf[48];
    if (missing) {
        put(t, "missing");
        return;
    }
    switch ((cbrx_type)type) {
    case X_BOOL: put(t, "%s", v ? "true" : "false"); return;
    case X_INT: put(t, "%lld", (long long)v); return;
    case X_STRING:
        if (cbrx_pool_has(&ctx->b->pool, v)) {
            uint32_t n;
            const char *s = cbrx_pool_str(&ctx->b->pool, (uint32_t)v, &n);
            put(t, "\"%.*s\"", (int)(n > 120 ? 120 : n), s);
            if (n > 120)
                put(t, "...");
            return;
        }
        break;
    case X_WEEKDAY:
        if (v >= 1 && v <= 7) {
            put(t, "%s", day_names[v - 1]);
            return;
        }
        break;
    case X_DATE:
        if (v >= -719162 && v <= 2932896) {
            cbrdate_format((int32_t)v, buf);
            put(t, "%s", buf);
            return;
        }
        break;
    case X_INSTANT: {
        int64_t days = v / 86400, sod = v % 86400;
        if (sod < 0) {
            sod += 86400;
            days--;
        }
        if (days >= -719162 && days <= 2932896) {
            cbrdate_format((int32_t)days, buf);
            put(t, "%sT%02d:%02d:%02dZ", buf, (int)(sod / 3600), (int)(sod / 60 % 60), (int)(sod % 60));
            return;
        }
        break;
    }
    case X_DECIMAL:
    case X_MONEY: {
        cbrdec d = cbrdec_trim((cbrdec){v, scale});
        int e = ctx->b->exp[0];
        if (type == X_MONEY && d.scale < e) /* 12.5 USD reads 12.50 */
            d = (cbrdec){d.m * cbrdec_pow10[e - d.scale], (uint8_t)e};
        cbrdec_format(d, buf, sizeof buf);
        put(t, "%s", buf);
        if (type == X_MONEY) {
            uint32_t n;
            const char *cur = cbrx_pool_str(&ctx->b->pool, (uint32_t)ctx->b->cols[XF_CURRENCY].v[0], &n);
            put(t, " %.*s", (int)n, cur);
        }
        return;
    }
    }
    put(t, "%lld", (long long)v);
}

/* The instruction that last wrote register r before pc in the offer, or NULL. */
/* Instructions that write register d (the table ones were appended after
 * the filters), and filters that can drop a row. */
static bool writes_reg(unsigned op)
{
    return op < XOP_FCMP || op == XOP_TGET || op == XOP_TIN || op == XOP_TALLY;
}
static bool is_filter(unsigned op) { return (op >= XOP_FCMP && op <= XOP_NONE) || op == XOP_FTIN; }

static const cbrx_insn *writer(const cbrx_program *x, const cbrx_offer *of, uint32_t pc, uint16_t r)
{
    for (uint32_t i = pc; i-- > of->code;)
        if (writes_reg(x->code[i].op) && x->code[i].d == r)
            return &x->code[i];
    return NULL;
}

/* What register r holds at pc, in words: the field it was loaded from, or
 * the function of one; NULL when it is some other expression.  *field is
 * set to the field, or -1. */
static const char *reg_name(const cbrx_program *x, const cbrx_offer *of, uint32_t pc, uint16_t r,
                            int *field, const char **fn)
{
    *field = -1;
    *fn = NULL;
    for (uint32_t i = pc; i-- > of->code;) {
        const cbrx_insn *in = &x->code[i];
        if (!writes_reg(in->op) || in->d != r)
            continue;
        if (in->op == XOP_LOAD) {
            *field = (int)in->k;
            return cbrx_str(x, x->fields[in->k].name);
        }
        if (in->op == XOP_TALLY)
            return cbrx_str(x, x->tallies[in->k].name);
        if (in->op == XOP_FOLD || in->op == XOP_LOWER || in->op == XOP_UPPER || in->op == XOP_LEN) {
            const char *inner_fn;
            const char *inner = reg_name(x, of, i, in->a, field, &inner_fn);
            *fn = in->op == XOP_FOLD ? "casefold" : in->op == XOP_LOWER ? "lower"
                  : in->op == XOP_UPPER ? "upper" : "len";
            return inner;
        }
        return NULL;
    }
    return NULL;
}

/* An argument of days_between as written: the field, the date constant,
 * or `...` for another expression. */
static void put_date_arg(text *t, const cbr_context *ctx, const cbrx_offer *of, uint32_t pc, uint16_t r)
{
    const cbrx_program *x = ctx->x;
    int field;
    const char *fn;
    const char *name = reg_name(x, of, pc, r, &field, &fn);
    const cbrx_insn *w = writer(x, of, pc, r);
    if (name && !fn)
        put(t, "%s", name);
    else if (w && w->op == XOP_CONST)
        put_value(t, ctx, X_DATE, 0, x->consts[w->k], false);
    else
        put(t, "...");
}

/* One filter that dropped the row: "weekday was THU (in America/New_York)". */
static void describe_filter(text *t, const cbr_context *ctx, const cbrx_offer *of, uint32_t pc,
                            const cbrx_trace *tr)
{
    const cbrx_program *x = ctx->x;
    const cbrx_insn *in = &x->code[pc];
    if (in->op == XOP_NONE) {
        put(t, "it is always false");
        return;
    }
    const cbrx_reg *ra = &x->regs[in->a];
    int field;
    const char *fn;
    const char *name = reg_name(x, of, pc, in->a, &field, &fn);
    const cbrx_insn *wa = writer(x, of, pc, in->a);
    if (in->op == XOP_FTIN) {
        /* merchant "Acme" is not in merchant_rate */
        put(t, "%s ", name ? name : "the key");
        put_value(t, ctx, ra->type, ra->scale, tr->a, tr->an);
        if (!tr->an)
            put(t, " %s %s", XF_WANT(in->d) ? "is not in" : "is in", cbrx_str(x, x->tables[in->k].name));
        return;
    }
    if (!name && wa && wa->op == XOP_TGET) {
        /* merchant_rate[merchant] was missing (not a key) */
        int kf;
        const char *kfn;
        const char *key = reg_name(x, of, (uint32_t)(wa - x->code), wa->a, &kf, &kfn);
        const char *tn = cbrx_str(x, x->tables[wa->k].name);
        put(t, "%s[%s] was ", tn, key && !kfn ? key : "...");
        put_value(t, ctx, ra->type, ra->scale, tr->a, tr->an);
        if (tr->an)
            put(t, " (%s is not a key of %s, or is missing)", key && !kfn ? key : "the key", tn);
        if (in->op == XOP_FCMPK || in->op == XOP_FCMP)
            goto other_side;
        return;
    }
    if (!name && wa && wa->op == XOP_SUB && x->regs[wa->a].type == X_DATE) {
        /* days_between(d1, d2) is d2 - d1. */
        uint32_t at = (uint32_t)(wa - x->code);
        put(t, "days_between(");
        put_date_arg(t, ctx, of, at, wa->b);
        put(t, ", ");
        put_date_arg(t, ctx, of, at, wa->a);
        put(t, ") was ");
    } else if (name && fn)
        put(t, "%s(%s) was ", fn, name);
    else if (name)
        put(t, "%s was ", name);
    else
        put(t, "the value was ");
    if (in->op == XOP_FNULL) {
        put(t, "%s", tr->an ? "missing" : "present");
        return;
    }
    put_value(t, ctx, ra->type, ra->scale, tr->a, tr->an);
    if (field >= 0 && XF_IS_DERIVED((uint32_t)field) && !fn)
        put(t, " (in %s)", cbrx_str(x, x->tzs[of->tz]));
    const cbrx_insn *wt = writer(x, of, pc, in->a);
    if (in->op == XOP_FCMPK && wt && wt->op == XOP_TALLY && XF_WANT(in->d)) {
        /* A tally's value with this purchase, against what the offer asks. */
        static const char *const ops[] = {"", "not ", "under ", "at most ", "over ", ""};
        put(t, " (needs %s", ops[XF_CMP(in->d) < XC_COUNT ? XF_CMP(in->d) : 0]);
        put_value(t, ctx, ra->type, ra->scale, x->consts[in->k], false);
        put(t, ")");
    }
other_side:
    if (in->op == XOP_FCMP) {
        const cbrx_reg *rb = &x->regs[in->b];
        const char *bname = reg_name(x, of, pc, in->b, &field, &fn);
        const cbrx_insn *wb = writer(x, of, pc, in->b);
        if (!bname && wb && wb->op == XOP_TGET) {
            int kf;
            const char *kfn;
            const char *key = reg_name(x, of, (uint32_t)(wb - x->code), wb->a, &kf, &kfn);
            put(t, ", %s[%s] was ", cbrx_str(x, x->tables[wb->k].name), key && !kfn ? key : "...");
            put_value(t, ctx, rb->type, rb->scale, tr->b, tr->bn);
            return;
        }
        if (bname && fn)
            put(t, ", %s(%s) was ", fn, bname);
        else if (bname)
            put(t, ", %s was ", bname);
        else
            put(t, ", the other side was ");
        const cbrx_insn *w = writer(x, of, pc, in->b);
        if (tr->bn && w && w->op == XOP_CONSTM) /* an amount written in another currency */
            put(t, "in %s, not in the transaction's currency", cbrx_str(x, (uint32_t)x->consts[w->k + 1]));
        else
            put_value(t, ctx, rb->type, rb->scale, tr->b, tr->bn);
    }
}

/* ---- verdicts ---- */

typedef struct explainer {
    cbr_context *ctx;
    cbrx_trace *trace;
    cbr_failed_condition *failed;   /* room for one per clause, plus one */
    const cbrx_outcome *outcomes;   /* what settling made of each candidate */
    size_t noutcomes;
} explainer;

/* Whether condition k of the program dropped the row (it reached it and
 * the row was not selected after it). */
static bool cond_failed(const explainer *e, const cbrx_cond *k)
{
    return e->trace[k->code].in > 0 && e->trace[k->code + k->ncode - 1].out == 0;
}

static void fill_failed(explainer *e, const cbrx_offer *of, const cbrx_cond *k, cbr_failed_condition *f)
{
    const cbrx_program *x = e->ctx->x;
    memset(f, 0, sizeof *f);
    f->text = cbrx_str(x, k->text);
    f->file = k->file == CBRX_NONE ? NULL : cbrx_str(x, k->file);
    f->line = k->line;
    f->column = k->col;
    f->clause = k->clause == CBRX_NONE ? -1 : (int)(k->clause - of->first_clause);
    text t = {f->values, 0, sizeof f->values};
    /* Where each value said so far starts and ends in f->values: the
     * filters of `merchant == "A" or merchant == "B"` both saw merchant
     * "C", and a value is said once. */
    size_t said[sizeof f->values / 2][2];
    unsigned shown = 0;
    for (uint32_t pc = k->code; pc < k->code + k->ncode; pc++) {
        const cbrx_trace *tr = &e->trace[pc];
        unsigned op = x->code[pc].op;
        bool filter = is_filter(op);
        if (!filter || tr->in == 0 || tr->out != 0)
            continue;
        if (t.n + 1 >= t.cap || shown == sizeof said / sizeof said[0])
            break; /* full: nothing more would be shown */
        char one[sizeof f->values];
        text u = {one, 0, sizeof one};
        one[0] = '\0';
        describe_filter(&u, e->ctx, of, pc, tr);
        bool again = false;
        for (unsigned i = 0; i < shown && !again; i++)
            again = said[i][1] - said[i][0] == u.n && !memcmp(f->values + said[i][0], one, u.n);
        if (again)
            continue;
        if (shown)
            put(&t, "; ");
        size_t from = t.n;
        put(&t, "%s", one);
        said[shown][0] = from;
        said[shown][1] = t.n;
        shown++;
    }
    if (!shown)
        put(&t, "it was false");
}

static const char *per_text(uint8_t period)
{
    static const char *const periods[] = {"", " per day", " per week", " per month", " per year"};
    return period <= XP_YEAR ? periods[period] : "";
}

static void describe_limit(text *t, const cbrx_program *x, const cbrx_offer *of, const cbrx_outcome *o,
                           const cbr_context *ctx)
{
    if (o->limit == CBRX_NONE)
        return;
    if (o->limit < of->nlimits) {
        const cbrx_limit *l = &x->limits[of->first_limit + o->limit];
        const char *per = per_text(l->period);
        if (l->kind != XL_MONEY) {
            put(t, "limit %lld %s%s: %lld of %lld used", (long long)l->count,
                l->kind == XL_TOTAL ? "total" : "per user", per, (long long)o->used, (long long)o->max);
            return;
        }
        put(t, "limit ");
        put_amount(t, &l->amount);
        put(t, " per user%s: ", per);
    } else if (o->limit == of->nlimits && of->has_budget) {
        put(t, "the offer's budget of ");
        put_amount(t, &of->budget);
        put(t, "%s: ", per_text(of->budget_period));
    } else {
        const cbrx_campaign *cp = &x->campaigns[of->campaign];
        put(t, "the budget of campaign \"%s\" of ", cbrx_str(x, cp->id));
        put_amount(t, &cp->budget);
        put(t, "%s: ", per_text(cp->budget_period));
    }
    put_minor(t, ctx, o->used);
    put(t, " of ");
    put_minor(t, ctx, o->max);
    put(t, " used");
}

static void describe_reward(text *t, const cbr_context *ctx, const cbrx_offer *of, uint32_t clause,
                            int64_t earned, bool capped)
{
    const cbrx_program *x = ctx->x;
    const cbrx_clause *cl = &x->clauses[of->first_clause + clause];
    put(t, "clause %u (line %u) pays ", clause + 1, cl->line);
    if (cl->kind == XR_EXPR || cl->cap_reg != CBRX_NO_REG) {
        /* An expression is named as written: its parts are the author's. */
        put(t, "`%s`, rounded %s", cbrx_str(x, cl->text),
            of->rounding <= CBR_ROUND_CEIL ? mode_names[of->rounding] : "?");
        if (capped && cl->has_cap) {
            put(t, ", capped at ");
            put_amount(t, &cl->amount);
        } else if (capped) {
            put(t, ", capped");
        }
        return;
    }
    if (cl->kind == XR_FIXED) {
        put_amount(t, &cl->amount);
        if (!cl->amount.cur[0]) { /* paid in the transaction's currency */
            uint32_t n;
            const char *cur = cbrx_pool_str(&ctx->b->pool, (uint32_t)ctx->b->cols[XF_CURRENCY].v[0], &n);
            put(t, " %.*s", (int)n, cur);
        }
        return;
    }
    char pct[40];
    cbrdec_format((cbrdec){cl->pct_m, cl->pct_scale}, pct, sizeof pct);
    put(t, "%s%% of ", pct);
    put_value(t, ctx, X_MONEY, CBRX_MONEY_SCALE, ctx->b->cols[XF_AMOUNT].v[0], false);
    put(t, ", rounded %s", of->rounding <= CBR_ROUND_CEIL ? mode_names[of->rounding] : "?");
    if (cl->has_cap) {
        int e = ctx->b->exp[0];
        __int128 uncapped = cbrx_percent_of(ctx->b->cols[XF_AMOUNT].v[0], cl, e, (cbrround)of->rounding);
        if (uncapped > earned) {
            put(t, ", capped at ");
            put_amount(t, &cl->amount);
        }
    }
}

/* The reason a clause that held earned nothing (no candidate was made). */
static void describe_nothing(text *t, const cbr_context *ctx, const cbrx_offer *of, uint32_t clause)
{
    const cbrx_program *x = ctx->x;
    const cbrx_clause *cl = &x->clauses[of->first_clause + clause];
    uint32_t n;
    const char *cur = cbrx_pool_str(&ctx->b->pool, (uint32_t)ctx->b->cols[XF_CURRENCY].v[0], &n);
    put(t, "clause %u (line %u) held but earned nothing: ", clause + 1, cl->line);
    bool other = cl->amount.cur[0] && (n != 3 || memcmp(cl->amount.cur, cur, 3));
    if (ctx->b->cols[XF_AMOUNT].v[0] <= 0)
        put(t, "the amount is not positive");
    else if (other && (cl->kind == XR_FIXED || cl->has_cap))
        put(t, "its %s is in %s, the transaction in %.*s", cl->kind == XR_FIXED ? "reward" : "cap",
            cl->amount.cur, (int)n, cur);
    else if (cl->kind == XR_EXPR || cl->cap_reg != CBRX_NO_REG)
        put(t, "`%s` is unknown, or comes to zero or less, for this transaction", cbrx_str(x, cl->text));
    else
        put(t, "the cashback rounds to zero");
}

static void explain_offer(explainer *e, uint32_t o, cbr_explain_fn fn, void *ud)
{
    cbr_context *ctx = e->ctx;
    const cbrx_program *x = ctx->x;
    const cbrx_offer *of = &x->offers[o];
    cbr_explanation ex;
    memset(&ex, 0, sizeof ex);
    ex.offer = o;
    ex.offer_id = cbrx_str(x, of->id);
    ex.campaign_id = of->campaign == CBRX_NONE ? NULL : cbrx_str(x, x->campaigns[of->campaign].id);
    ex.time_zone = cbrx_str(x, x->tzs[of->tz]);
    ex.rounding = of->rounding <= CBR_ROUND_CEIL ? mode_names[of->rounding] : "?";
    ex.clause = -1;
    ex.exponent = ctx->b->exp[0];
    uint32_t n;
    const char *cur = cbrx_pool_str(&ctx->b->pool, (uint32_t)ctx->b->cols[XF_CURRENCY].v[0], &n);
    memcpy(ex.currency, cur, n < 3 ? n : 3);
    text t = {ex.reason, 0, sizeof ex.reason};

    const cbrx_outcome *out = NULL;
    for (size_t i = 0; i < e->noutcomes && !out; i++)
        if (e->outcomes[i].cand.offer == o)
            out = &e->outcomes[i];
    /* The clause that held: its REWARD saw the row. */
    int held = -1;
    for (uint32_t pc = of->code; pc < of->code + of->ncode && held < 0; pc++)
        if (x->code[pc].op == XOP_REWARD && e->trace[pc].in > 0)
            held = (int)(x->code[pc].k - of->first_clause);

    if (out) {
        static const cbr_verdict verdicts[] = {CBR_AWARDED, CBR_AWARDED_CUT, CBR_LIMIT_REACHED,
                                               CBR_BUDGET_SPENT, CBR_CAMPAIGN_BUDGET_SPENT,
                                               CBR_NO_USER, CBR_EXCLUDED, CBR_NO_PARTIAL, CBR_EXCLUDED};
        ex.verdict = verdicts[out->fate];
        ex.clause = (int)out->cand.clause;
        ex.clause_line = x->clauses[of->first_clause + out->cand.clause].line;
        ex.earned = out->cand.cashback;
        ex.cashback = out->cashback;
        switch (out->fate) {
        case XS_AWARDED:
            put(&t, "awarded ");
            put_minor(&t, ctx, ex.cashback);
            put(&t, ": ");
            describe_reward(&t, ctx, of, out->cand.clause, ex.earned, out->cand.capped);
            break;
        case XS_CUT:
            put(&t, "awarded ");
            put_minor(&t, ctx, ex.cashback);
            put(&t, ", cut from ");
            put_minor(&t, ctx, ex.earned);
            put(&t, " by ");
            describe_limit(&t, x, of, out, ctx);
            break;
        case XS_LIMIT: case XS_BUDGET: case XS_CAMPAIGN_BUDGET:
            put(&t, "not awarded (");
            put_minor(&t, ctx, ex.earned);
            put(&t, " earned): %s ", out->fate == XS_LIMIT ? "reached" : "spent");
            describe_limit(&t, x, of, out, ctx);
            break;
        case XS_NO_USER:
            put(&t, "not awarded: the offer has per-user limits and the transaction has no user_id");
            break;
        case XS_NO_PARTIAL:
            /* The counter that would have cut it had room, but not enough. */
            put(&t, "not awarded (");
            put_minor(&t, ctx, ex.earned);
            put(&t, " earned): the offer takes no partial awards, and ");
            put_minor(&t, ctx, out->max > out->used ? out->max - (out->used > 0 ? out->used : 0) : 0);
            put(&t, " is all that is left of ");
            describe_limit(&t, x, of, out, ctx);
            break;
        case XS_EXCLUDED:
            put(&t, "not awarded: offer \"%s\" of the same exclusive group \"%s\" awarded first",
                cbrx_str(x, x->offers[out->winner].id), cbrx_str(x, of->group));
            break;
        case XS_OUTBID:
            /* A tie goes to the earlier in evaluation order. */
            put(&t, "not awarded: %s would pay ", ex.offer_id);
            put_minor(&t, ctx, out->would);
            put(&t, "; %s pays %s (", cbrx_str(x, x->offers[out->winner].id),
                out->rival > out->would ? "more" : "as much");
            put_minor(&t, ctx, out->rival);
            put(&t, ")%s in best-of group %s", out->rival > out->would ? "" : " and comes first",
                cbrx_str(x, of->group));
            break;
        }
    } else if (held >= 0) {
        ex.verdict = CBR_NO_CASHBACK;
        ex.clause = held;
        ex.clause_line = x->clauses[of->first_clause + (uint32_t)held].line;
        put(&t, "not awarded: ");
        describe_nothing(&t, ctx, of, (uint32_t)held);
    } else {
        ex.verdict = CBR_NO_MATCH;
        size_t nf = 0;
        const cbrx_cond *wide = NULL;
        for (uint32_t c = of->first_cond; c < of->first_cond + of->nconds && !wide; c++)
            if (x->conds[c].clause == CBRX_NONE && cond_failed(e, &x->conds[c]))
                wide = &x->conds[c];
        if (wide) {
            fill_failed(e, of, wide, &e->failed[nf++]);
        } else {
            for (uint32_t k = 0; k < of->nclauses; k++) {
                uint32_t want = of->first_clause + k;
                for (uint32_t c = of->first_cond; c < of->first_cond + of->nconds; c++)
                    if (x->conds[c].clause == want && cond_failed(e, &x->conds[c])) {
                        fill_failed(e, of, &x->conds[c], &e->failed[nf++]);
                        break;
                    }
            }
        }
        ex.failed = e->failed;
        ex.nfailed = nf;
        if (nf == 0)
            put(&t, "not awarded: no clause held");
        else
            put(&t, "not awarded: `%s` was false: %s", e->failed[0].text, e->failed[0].values);
        if (nf > 1)
            put(&t, " (and %zu more clause%s failed)", nf - 1, nf > 2 ? "s" : "");
    }
    fn(ud, &ex);
}

cbr_status cbr_explain(cbr_context *ctx, cbr_batch *b, cbr_explain_fn fn, void *ud, cbr_error *err)
{
    if (!ctx || !b || !fn)
        return cbrx_fail(err, CBR_ERR_ARG, "no context, batch or callback"), CBR_ERR_ARG;
    if (b->n != 1)
        return cbrx_fail(err, CBR_ERR_ARG, "explain takes a batch of one transaction, not %zu", b->n),
               CBR_ERR_ARG;
    const cbrx_program *x = ctx->x;
    uint32_t most = 0;
    for (uint32_t o = 0; o < x->noffers; o++)
        if (x->offers[o].nclauses > most)
            most = x->offers[o].nclauses;
    explainer e = {.ctx = ctx};
    e.trace = cbrx_alloc(x, (x->ncode + 1) * sizeof *e.trace);
    e.failed = cbrx_alloc(x, (most + 1) * sizeof *e.failed);
    cbrx_outcome *outs = cbrx_alloc(x, 8 * sizeof *outs);
    cbr_status st = CBR_OK;
    if (!e.trace || !e.failed || !outs) {
        cbrx_fail(err, CBR_ERR_NOMEM, "out of memory explaining");
        st = CBR_ERR_NOMEM;
    } else {
        memset(e.trace, 0, (x->ncode + 1) * sizeof *e.trace);
        cbrx_trace *saved_trace = ctx->trace;
        ctx->dry = true;
        ctx->trace = e.trace;
        ctx->outcomes = outs;
        ctx->noutcomes = 0;
        ctx->capoutcomes = 8;
        st = cbr_eval(ctx, b, NULL, NULL, err);
        outs = ctx->outcomes; /* settling may have grown it */
        e.outcomes = outs;
        e.noutcomes = ctx->noutcomes;
        ctx->dry = false;
        ctx->trace = saved_trace;
        ctx->outcomes = NULL;
        ctx->b = b; /* the formatting below reads the row */
        for (uint32_t o = 0; st == CBR_OK && o < x->noffers; o++)
            explain_offer(&e, o, fn, ud);
        ctx->b = NULL;
        ctx->noutcomes = ctx->capoutcomes = 0;
    }
    cbrx_dealloc(x, outs);
    cbrx_dealloc(x, e.failed);
    cbrx_dealloc(x, e.trace);
    return st;
}
