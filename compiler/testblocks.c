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
#include "vm/vmint.h"

typedef struct run {
    cbr_compiler *c;
    const cbr_program *p;
    cbr_batch *b;
    cbr_context *ctx;
    char msg[512];
    char why[320];              /* the explain verdict of the failing step's offer */
    size_t nawards;             /* of the last given transaction */
    int given_exp;              /* its currency's minor digits */
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

/* The row of one `given`, as the only row of r->b. */
static bool given_row(run *r, const cbrstep *st)
{
    cbr_error err;
    cbr_batch_clear(r->b);
    cbr_batch_begin_row(r->b, NULL);
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

/* One `given`: a batch of one row, evaluated. */
static bool given(run *r, const cbrstep *st)
{
    cbr_error err;
    if (!given_row(r, st))
        return false;
    if (cbr_eval(r->ctx, r->b, NULL, NULL, &err) != CBR_OK) {
        say(r, "evaluation failed: %s", err.message);
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
    if (cbr_context_new(r->p, 1, &ctx, NULL) != CBR_OK)
        return;
    r->ctx = ctx;
    bool ok = true;
    for (uint32_t k = 0; k < at && ok; k++)
        if (ss->items[k].kind == STEP_GIVEN)
            ok = given(r, &ss->items[k]);
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
    run r = {.c = c, .p = p};
    cbr_status st = cbr_batch_new(p, 1, &r.b, err);
    if (st != CBR_OK)
        return st;
    for (unsigned i = 0; i < m->ntests && st == CBR_OK; i++) {
        const cbrtest *t = &m->tests[i];
        /* A fresh context: each test starts from empty limits and budgets. */
        if ((st = cbr_context_new(p, 1, &r.ctx, err)) != CBR_OK)
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
