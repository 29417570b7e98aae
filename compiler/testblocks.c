/* testblocks.c: runs the `test` blocks of rule files (cbrc test).
 *
 * A test is a small story: transactions given one at a time, each followed
 * by what it should earn.  Each given transaction goes through the same
 * batch and context API as any input, as a batch of one row, so a test
 * exercises exactly what `cbrc run` does, limits and budgets included; its
 * values are the literals of the source, turned back into the text an input
 * file would hold.  When an expect about one offer fails, the test is played
 * again in a fresh context up to that step and the library's explainer says
 * what the offer made of the transaction (the `why` of the result). */
#include "config.h"
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include "compiler/semaint.h"
#include "stdlib/currency.h"
#include "vm/vmint.h"

/* A stub's decimal result, as text the VM parses. */
typedef struct stub_text {
    char s[48];
} stub_text;

typedef struct run {
    cbr_compiler *c;
    const cbrsema *m;
    const cbr_program *p;
    cbr_batch *b;
    cbr_context *ctx;
    char msg[512];
    char why[320];              /* the explain verdict of the failing step's offer */
    size_t nawards;             /* of the last given transaction */
    int given_exp;              /* its currency's minor digits */
    /* The stubs of the test being run: its STEP_STUB steps, and each one's
     * decimal result as text. */
    const cbrstep **stubs;
    stub_text *stub_texts;
    uint32_t nstubs;
    char miss[200];             /* the first call no stub answered, or "" */
} run;

static void say(run *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void say(run *r, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(r->msg, sizeof r->msg, fmt, ap);
    va_end(ap);
}

/* The awards of the last transaction, as `offer 2.00, other 1.00`. */
static void list_awards(run *r, char *buf, size_t n)
{
    size_t na, k = 0;
    const cbr_award *a = cbr_context_awards(r->ctx, &na);
    buf[0] = '\0';
    if (na == 0)
        snprintf(buf, n, "no cashback");
    for (size_t i = 0; i < na && k < n; i++) {
        char amt[32];
        cbr_award_amount(&a[i], amt, sizeof amt);
        k += (size_t)snprintf(buf + k, n - k, "%s%s %s from \"%s\"", i ? ", " : "", amt, a[i].currency,
                              a[i].offer_id);
    }
}

/* The row of the fields of a step, as the only row of r->b, with dflt's
 * text (when not NULL) for each standard field the step leaves out. */
static bool fill_row(run *r, const cbrstep *st, const char *const *dflt)
{
    cbr_error err;
    cbr_batch_clear(r->b);
    cbr_batch_begin_row(r->b, NULL);
    for (int f = 0; dflt && f < FIELD_FIRST_DECLARED; f++) {
        bool given = false;
        for (uint32_t i = 0; i < st->nkv && !given; i++)
            given = cbr_program_field(r->p, st->kvs[i].key.s, st->kvs[i].key.n) == f;
        if (dflt[f] && !given)
            cbr_batch_set(r->b, (size_t)f, dflt[f], strlen(dflt[f]), NULL);
    }
    for (uint32_t i = 0; i < st->nkv; i++) {
        const cbrgiven_kv *kv = &st->kvs[i];
        int f = cbr_program_field(r->p, kv->key.s, kv->key.n);
        if (f < 0)
            continue; /* the checker reported it */
        const cbrval *v = &kv->value->value;
        char text[64];
        const char *s = text;
        size_t n;
        if (v->type == T_STRING) {
            s = v->u.s.s;
            n = v->u.s.n;
        } else if (v->type == T_MONEY) {
            n = cbrdec_format(v->u.m.amount, text, sizeof text);
        } else {
            cbrtc_const_text(v, text, sizeof text);
            n = strlen(text);
        }
        cbr_batch_set(r->b, (size_t)f, s, n, NULL);
    }
    if (cbr_batch_end_row(r->b, NULL, &err) != CBR_OK) {
        say(r, "the transaction cannot be read: %s", err.message);
        return false;
    }
    return true;
}

/* The row of one `given`. */
static bool given_row(run *r, const cbrstep *st)
{
    return fill_row(r, st, NULL);
}

/* One `given`: a batch of one row, evaluated. */
static bool given(run *r, const cbrstep *st)
{
    cbr_error err;
    if (!given_row(r, st))
        return false;
    r->miss[0] = '\0';
    if (cbr_eval(r->ctx, r->b, NULL, NULL, &err) != CBR_OK) {
        say(r, "evaluation failed: %s", err.message);
        return false;
    }
    if (r->miss[0]) {
        say(r, "%s has no stub in this test: add `stub %.*s(...) = VALUE`", r->miss,
            (int)strcspn(r->miss + 10, "("), r->miss + 10);
        return false;
    }
    return true;
}

/* ---- stubs ---- */

/* Whether argument a of a call equals the stub's literal of type t. */
static bool arg_is(const cbrx_arg *a, cbrtype t, const cbrexpr *lit)
{
    const cbrval *v = &lit->value;
    switch (t) {
    case T_BOOL: return (a->i != 0) == v->u.b;
    case T_INT: return a->l == v->u.i;
    case T_DATE: return a->l == v->u.date;
    case T_INSTANT: return a->l == v->u.inst.secs;
    case T_STRING: return a->s && strlen(a->s) == v->u.s.n && !memcmp(a->s, v->u.s.s, v->u.s.n);
    case T_DECIMAL: case T_MONEY: {
        cbrdec have, want = v->type == T_INT ? (cbrdec){v->u.i, 0} : v->type == T_MONEY ? v->u.m.amount : v->u.d;
        return a->s && cbrdec_parse(a->s, strlen(a->s), false, &have) && cbrdec_cmp(have, want) == 0;
    }
    default: return false;
    }
}

/* `f("u1", 3)`: a call as a message shows it. */
static void call_text(const run *r, uint32_t ext, const cbrx_arg *args, unsigned n, char *buf, size_t cap)
{
    const cbrextern *x = &r->m->externs[ext];
    size_t k = (size_t)snprintf(buf, cap, "extern fn %s(", x->item->name.s);
    for (unsigned i = 0; i < n && k < cap; i++) {
        const char *sep = i ? ", " : "";
        cbrtype t = x->params[i];
        if (t == T_STRING)
            k += (size_t)snprintf(buf + k, cap - k, "%s\"%s\"", sep, args[i].s ? args[i].s : "");
        else if (t == T_DECIMAL || t == T_MONEY)
            k += (size_t)snprintf(buf + k, cap - k, "%s%s", sep, args[i].s ? args[i].s : "");
        else if (t == T_BOOL)
            k += (size_t)snprintf(buf + k, cap - k, "%s%s", sep, args[i].i ? "true" : "false");
        else
            k += (size_t)snprintf(buf + k, cap - k, "%s%lld", sep, (long long)args[i].l);
    }
    if (k < cap)
        snprintf(buf + k, cap - k, ")");
}

/* The VM's stand-in for extern function ext: the test's first stub whose
 * arguments are these, else its stub for any arguments. */
static bool stub_call(void *ud, uint32_t ext, const cbrx_arg *args, unsigned n, cbrx_arg *ret)
{
    run *r = ud;
    const cbrextern *x = &r->m->externs[ext];
    int any = -1, hit = -1;
    for (uint32_t k = 0; k < r->nstubs && hit < 0; k++) {
        const cbrexpr *call = r->stubs[k]->call;
        if (call->sym != SYM_EXTERN || call->sym_index != ext)
            continue;
        if (call->kind == E_NAME) {
            if (any < 0)
                any = (int)k;
            continue;
        }
        bool same = call->args.n == n;
        for (unsigned i = 0; i < n && same; i++)
            same = arg_is(&args[i], x->params[i], call->args.items[i]);
        if (same)
            hit = (int)k;
    }
    if (hit < 0)
        hit = any;
    if (hit < 0) {
        if (!r->miss[0])
            call_text(r, ext, args, n, r->miss, sizeof r->miss);
        return false;
    }
    const cbrval *v = &r->stubs[hit]->value->value;
    switch (x->ret) {
    case T_BOOL: ret->i = v->u.b; break;
    case T_STRING: ret->s = v->u.s.s; break;
    case T_DECIMAL: case T_MONEY:
        if (v->type == T_INT)
            snprintf(r->stub_texts[hit].s, sizeof r->stub_texts[hit].s, "%lld", (long long)v->u.i);
        else
            cbrdec_format(v->u.d, r->stub_texts[hit].s, sizeof r->stub_texts[hit].s);
        ret->s = r->stub_texts[hit].s;
        break;
    case T_DATE: ret->l = v->u.date; break;
    case T_INSTANT: ret->l = v->u.inst.secs; break;
    default: ret->l = v->u.i; break;
    }
    return true;
}

/* Gathers the stubs of a test; false when memory runs out. */
static bool collect_stubs(run *r, const cbrsteps *ss)
{
    r->nstubs = 0;
    for (uint32_t k = 0; k < ss->n; k++)
        if (ss->items[k].kind == STEP_STUB) {
            const cbrstep **v = cbrcomp_alloc(r->c, (r->nstubs + 1) * sizeof *v);
            stub_text *t = cbrcomp_alloc(r->c, (r->nstubs + 1) * sizeof *t);
            if (!v || !t)
                return false;
            if (r->nstubs) {
                memcpy(v, r->stubs, r->nstubs * sizeof *v);
                memcpy(t, r->stub_texts, r->nstubs * sizeof *t);
            }
            v[r->nstubs++] = &ss->items[k];
            r->stubs = v;
            r->stub_texts = t;
        }
    return true;
}

/* A fresh context for a test: its stubs stand in for the extern functions
 * when it has any, or when the host registered none (cbrc test): then a
 * call no stub answers fails the step that made it, naming the call. */
static cbr_status new_context(run *r, cbr_context **out, cbr_error *err)
{
    cbr_status st = cbr_context_new(r->p, 1, out, err);
    if (st == CBR_OK && (r->nstubs || cbr_program_runnable(r->p, NULL) != CBR_OK))
        cbrx_context_set_stub(*out, stub_call, r);
    return st;
}

/* ---- what came before: `already` ---- */

/* The row of an `already` step: its fields, and what it leaves out made up
 * (a tid, the amount, a currency for a count), so that it reads as the
 * purchase that counted. */
static bool already_row(run *r, const cbrstep *st, const char *cur)
{
    char amount[48];
    cbrdec_format(st->amount.value, amount, sizeof amount);
    const char *dflt[FIELD_FIRST_DECLARED] = {[FIELD_TID] = "already", [FIELD_AMOUNT] = amount,
                                              [FIELD_CURRENCY] = cur};
    return fill_row(r, st, dflt);
}

/* The index of the program's offer, campaign or tally named by an
 * `already` step, or -1. */
static long target_of(run *r, const cbrstep *st)
{
    const cbrx_program *x = &r->p->x;
    if (st->kind == STEP_ALREADY_EARNED) {
        for (size_t i = 0; i < cbr_program_offer_count(r->p); i++)
            if (!strcmp(cbr_program_offer_id(r->p, i), st->offer.s))
                return (long)i;
    } else if (st->kind == STEP_ALREADY_SPENT) {
        for (uint32_t i = 0; i < x->ncampaigns; i++)
            if (!strcmp(cbrx_str(x, x->campaigns[i].id), st->offer.s))
                return (long)i;
    } else {
        for (size_t i = 0; i < cbr_program_tally_count(r->p); i++)
            if (!strcmp(cbr_program_tally_name(r->p, i), st->offer.s))
                return (long)i;
    }
    return -1;
}

/* One `already`: what it says came before is counted in the context's
 * store, as the purchase its fields describe would have been. */
static bool already(run *r, const cbrstep *st)
{
    /* The currency: the amount's code, else the fields'; a count has none,
     * and its made-up purchase any. */
    char cur[4] = "";
    memcpy(cur, st->amount.cur, 4);
    for (uint32_t i = 0; i < st->nkv && !cur[0]; i++)
        if (cbr_program_field(r->p, st->kvs[i].key.s, st->kvs[i].key.n) == FIELD_CURRENCY &&
            st->kvs[i].value->value.u.s.n == 3)
            memcpy(cur, st->kvs[i].value->value.u.s.s, 4);
    if (!cur[0])
        memcpy(cur, "USD", 4);
    long target = target_of(r, st);
    if (target < 0 || !already_row(r, st, cur)) {
        if (target < 0)
            say(r, "\"%s\" is not in the program", st->offer.s);
        return false;
    }
    int e = cbrcur_exponent(cur, 3);
    cbrdec v;
    bool count = st->kind == STEP_ALREADY_COUNTED && !st->amount.has_point && !st->amount.cur[0] &&
                 r->p->x.tallies[target].kind != XT_SUM;
    if (!cbrdec_rescale(st->amount.value, count ? st->amount.value.scale : (unsigned)(e < 0 ? 0 : e), &v)) {
        say(r, "the amount cannot be counted");
        return false;
    }
    static const int what[] = {[STEP_ALREADY_EARNED] = CBRX_SEED_AWARD, [STEP_ALREADY_SPENT] = CBRX_SEED_CAMPAIGN,
                               [STEP_ALREADY_COUNTED] = CBRX_SEED_TALLY};
    cbr_error err;
    if (cbrx_seed(r->ctx, r->b, what[st->kind], (uint32_t)target, v.m, &err) != CBR_OK) {
        say(r, "what came before cannot be counted: %s", err.message);
        return false;
    }
    return true;
}

typedef struct why_of {
    const cbrstr *offer;
    char *out;
    size_t n;
} why_of;

static void on_verdict(void *ud, const cbr_explanation *e)
{
    why_of *w = ud;
    if (strlen(e->offer_id) == w->offer->n && !memcmp(e->offer_id, w->offer->s, w->offer->n))
        snprintf(w->out, w->n, "%s", e->reason);
}

/* Fills r->why with what offer made of the transaction of step `at` (a
 * given) of ss: the steps before it are evaluated in a fresh context, then
 * that transaction is explained against the state they left.  Left empty
 * when it cannot be told. */
static void explain_step(run *r, const cbrsteps *ss, uint32_t at, const cbrstr *offer)
{
    cbr_context *saved = r->ctx, *ctx;
    char msg[sizeof r->msg];
    memcpy(msg, r->msg, sizeof msg);
    if (new_context(r, &ctx, NULL) != CBR_OK)
        return;
    r->ctx = ctx;
    bool ok = true;
    for (uint32_t k = 0; k < at && ok; k++)
        if (ss->items[k].kind == STEP_GIVEN)
            ok = given(r, &ss->items[k]);
        else if (ss->items[k].kind >= STEP_ALREADY_EARNED && ss->items[k].kind <= STEP_ALREADY_COUNTED)
            ok = already(r, &ss->items[k]);
    if (ok && given_row(r, &ss->items[at])) {
        why_of w = {offer, r->why, sizeof r->why};
        cbr_explain(ctx, r->b, on_verdict, &w, NULL);
    }
    cbr_context_free(ctx);
    r->ctx = saved;
    memcpy(r->msg, msg, sizeof msg);
}

/* The award of the named offer among the last transaction's, or NULL. */
static const cbr_award *award_of(run *r, const cbrstr *offer)
{
    size_t na;
    const cbr_award *a = cbr_context_awards(r->ctx, &na);
    for (size_t i = 0; i < na; i++)
        if (strlen(a[i].offer_id) == offer->n && !memcmp(a[i].offer_id, offer->s, offer->n))
            return &a[i];
    return NULL;
}

static bool expect(run *r, const cbrstep *st)
{
    size_t na;
    const cbr_award *a = cbr_context_awards(r->ctx, &na);
    char got[384];
    if (st->kind == STEP_EXPECT_NONE) {
        if (na == 0)
            return true;
        list_awards(r, got, sizeof got);
        say(r, "expected no cashback, got %s", got);
        return false;
    }
    if (st->kind == STEP_EXPECT_NONE_FROM) {
        if (!award_of(r, &st->offer))
            return true;
        list_awards(r, got, sizeof got);
        say(r, "expected no cashback from \"%s\", got %s", st->offer.s, got);
        return false;
    }
    char want[40];
    cbrdec_format(st->amount.value, want, sizeof want);
    for (size_t i = 0; i < na; i++) {
        if (strlen(a[i].offer_id) != st->offer.n || memcmp(a[i].offer_id, st->offer.s, st->offer.n))
            continue;
        /* Equal as numbers: 2.5 and 2.50 are the same cashback. */
        cbrdec have = {a[i].cashback, (uint8_t)a[i].exponent};
        bool same_cur = !st->amount.cur[0] || !memcmp(st->amount.cur, a[i].currency, 3);
        if (same_cur && cbrdec_cmp(have, st->amount.value) == 0)
            return true;
        break;
    }
    list_awards(r, got, sizeof got);
    say(r, "expected cashback %s%s%s from \"%s\", got %s", want, st->amount.cur[0] ? " " : "",
        st->amount.cur, st->offer.s, got);
    return false;
}

static void report(run *r, const cbrtest *t, const cbrstep *st, unsigned step, bool ok, cbr_test_fn fn,
                   void *ud)
{
    if (!fn)
        return;
    cbrloc loc = st ? st->loc : t->item->name_loc;
    unsigned line, col;
    cbrdiag_linecol(r->c, loc.file, loc.start, &line, &col);
    cbr_test_result res = {t->item->name.s, r->c->src[loc.file].name, line, col, ok, ok ? 0 : step,
                           ok ? NULL : r->msg, !ok && r->why[0] ? r->why : NULL};
    fn(ud, &res);
}

cbr_status cbr_compiler_run_tests(cbr_compiler *c, const cbr_program *p, cbr_test_fn fn, void *ud,
                                  unsigned *passed, unsigned *failed, cbr_error *err)
{
    return cbr_compiler_run_tests_covered(c, p, NULL, fn, ud, passed, failed, err);
}

cbr_status cbr_compiler_run_tests_covered(cbr_compiler *c, const cbr_program *p, cbr_coverage *cov,
                                          cbr_test_fn fn, void *ud, unsigned *passed, unsigned *failed,
                                          cbr_error *err)
{
    unsigned np = 0, nf = 0;
    if (passed)
        *passed = 0;
    if (failed)
        *failed = 0;
    if (!c || !p)
        return cbrx_fail(err, CBR_ERR_ARG, "no compiler or program"), CBR_ERR_ARG;
    const cbrsema *m = cbrsema_get(c);
    if (!c->checked || !m || c->nerr)
        return cbrx_fail(err, CBR_ERR_STATE, "the sources must be checked without errors first"),
               CBR_ERR_STATE;
    run r = {.c = c, .m = m, .p = p};
    cbr_status st = cbr_batch_new(p, 1, &r.b, err);
    if (st != CBR_OK)
        return st;
    for (unsigned i = 0; i < m->ntests && st == CBR_OK; i++) {
        const cbrtest *t = &m->tests[i];
        /* A fresh context: each test starts from empty limits and budgets. */
        if (!collect_stubs(&r, &t->item->u.test)) {
            cbrx_fail(err, CBR_ERR_NOMEM, "out of memory");
            st = CBR_ERR_NOMEM;
            break;
        }
        if ((st = new_context(&r, &r.ctx, err)) != CBR_OK)
            break;
        if (cov && (st = cbr_context_set_coverage(r.ctx, cov, err)) != CBR_OK) {
            cbr_context_free(r.ctx);
            break;
        }
        const cbrsteps *ss = &t->item->u.test;
        bool ok = true;
        unsigned step = 0;
        const cbrstep *bad = NULL;
        uint32_t at = 0; /* the last given */
        r.why[0] = '\0';
        for (uint32_t k = 0; k < ss->n && ok; k++) {
            const cbrstep *s = &ss->items[k];
            /* A step is a `given` and the `expect`s after it (language.md,
             * section 15): the number counts the givens, and the failing
             * expect is told apart by its line. */
            if (s->kind == STEP_STUB)
                continue; /* stubs hold for the whole test */
            if (s->kind >= STEP_ALREADY_EARNED) {
                ok = already(&r, s);
                if (!ok)
                    bad = s;
                continue;
            }
            if (s->kind == STEP_GIVEN || step == 0)
                step++;
            if (s->kind == STEP_GIVEN)
                at = k;
            ok = s->kind == STEP_GIVEN ? given(&r, s) : expect(&r, s);
            if (!ok)
                bad = s;
            if (!ok && s->kind != STEP_GIVEN && s->kind != STEP_EXPECT_NONE)
                explain_step(&r, ss, at, &s->offer);
        }
        if (ok)
            np++;
        else
            nf++;
        report(&r, t, bad, step, ok, fn, ud);
        cbr_context_free(r.ctx);
        r.ctx = NULL;
    }
    cbr_batch_free(r.b);
    if (passed)
        *passed = np;
    if (failed)
        *failed = nf;
    return st;
}
