/* testcheck.c: the checks of `test` blocks (language.md, section 15):
 * given transactions, expectations, the counters a test starts from
 * (`already`) and the extern functions it stands in for (`stub`).
 * compiler/testblocks.c runs what passes. */
#include "config.h"
#include <stdio.h>
#include <string.h>
#include "compiler/semaint.h"

/* The fields of a `given` or an `already` block: each a known field that
 * is not derived, given once, with a constant of its type.  have[f] is set
 * for each standard field given, *cur to a valid currency given ("" when
 * none), *amount to the amount's value (NULL when none). */
static void check_fields(cbrsema_ctx *s, const cbrstep *st, bool have[FIELD_FIRST_DECLARED], char cur[4],
                         const cbrexpr **amount)
{
    *amount = NULL;
    cur[0] = '\0';
    memset(have, 0, FIELD_FIRST_DECLARED * sizeof *have);
    for (uint32_t i = 0; i < st->nkv; i++) {
        const cbrgiven_kv *kv = &st->kvs[i];
        for (uint32_t j = 0; j < i; j++)
            if (st->kvs[j].key.n == kv->key.n && !memcmp(st->kvs[j].key.s, kv->key.s, kv->key.n)) {
                cbrdiag_error(s->c, kv->key_loc, "duplicate-key", "`%s` is given twice", kv->key.s);
                break;
            }
        cbrtype vt = cbrtc_expr(s, kv->value);
        int v = cbrmap_get(&s->names, kv->key.s, kv->key.n);
        if (v < 0 || NAMEKIND(v) != SYM_FIELD) {
            cbrdiag_error(s->c, kv->key_loc, "unknown-field", "unknown field `%s`", kv->key.s);
            cbrsuggest_map(s->c, kv->key.s, kv->key.n, &s->names, SYM_FIELD);
            continue;
        }
        const cbrfield *f = &s->m->fields[NAMEIDX(v)];
        if (f->origin == FIELD_DERIVED) {
            cbrdiag_error(s->c, kv->key_loc, "derived-field",
                          "`%s` is derived from `timestamp`; give the timestamp instead", kv->key.s);
            continue;
        }
        if (NAMEIDX(v) < FIELD_FIRST_DECLARED)
            have[NAMEIDX(v)] = true;
        if (vt == T_ERROR || f->type == T_ERROR)
            continue;
        if (!kv->value->is_const) {
            cbrdiag_error(s->c, kv->value->loc, "not-const", "a test gives fields constant values");
            continue;
        }
        bool fits = vt == f->type || (f->type == T_DECIMAL && vt == T_INT) ||
                    (f->type == T_MONEY && T_IS_NUM(vt));
        if (!fits) {
            cbrdiag_error(s->c, kv->value->loc, "type", "field `%s` is %s, given %s", kv->key.s,
                          cbrtype_name(f->type), cbrtype_name(vt));
            continue;
        }
        if (NAMEIDX(v) == FIELD_CURRENCY) {
            cbramount a = {.loc = kv->value->loc, .cur_loc = kv->value->loc};
            const cbrstr *c = &kv->value->value.u.s;
            if (c->n == 3)
                memcpy(a.cur, c->s, 3);
            else
                a.cur[0] = '?';
            if (cbrtc_amount(s, &a, "the currency"))
                memcpy(cur, a.cur, 4);
        } else if (NAMEIDX(v) == FIELD_AMOUNT) {
            *amount = kv->value;
        }
    }
}

/* Checks a given transaction; *cur gets its currency code ("" if none). */
static void check_given(cbrsema_ctx *s, const cbrstep *st, char cur[4])
{
    bool have[FIELD_FIRST_DECLARED];
    const cbrexpr *amount;
    check_fields(s, st, have, cur, &amount);
    /* The amount must be expressible in the currency: 2.001 USD is not. */
    if (amount && cur[0] && amount->type != T_MONEY) {
        cbramount a = {.loc = amount->loc, .cur_loc = amount->loc};
        if (amount->type == T_INT)
            a.value.m = amount->value.u.i;
        else
            a.value = amount->value.u.d;
        memcpy(a.cur, cur, 4);
        cbrtc_amount(s, &a, "the amount");
    }
    static const int required[] = {FIELD_TID, FIELD_AMOUNT, FIELD_CURRENCY, FIELD_TIMESTAMP};
    static const char *const req_names[] = {"tid", "amount", "currency", "timestamp"};
    for (int k = 0; k < 4 && !st->broken; k++)
        if (!have[required[k]]) {
            cbrdiag_error(s->c, st->loc, "missing-field", "this transaction has no `%s`; a test transaction needs tid, amount, currency and timestamp",
                          req_names[k]);
            break;
        }
}

static bool word_is(const cbrstr *w, const char *s)
{
    return w->s && w->n == strlen(s) && !memcmp(w->s, s, w->n);
}

/* A step that opens with a word that is none of the steps'. */
static void unknown_step(cbrsema_ctx *s, const cbrstep *st)
{
    static const char *const words[] = {"given", "expect", "already", "stub"};
    cbrdiag_error(s->c, st->word_loc, "unknown-step",
                  "a test step is `given`, `expect`, `already` or `stub`, not `%s`", st->word.s);
    cbrsuggest(s->c, st->word.s, st->word.n, words, 4);
}

/* Whether an offer keeps a counter per user: any limit but `N total`. */
static bool per_user(const cbroffer *o)
{
    for (unsigned i = 0; i < o->nlimits; i++)
        if (!o->limits[i].total)
            return true;
    return false;
}

/* already earned AMOUNT from "OFFER" { ... }, already spent AMOUNT from
 * campaign "C" { ... }, already counted N in TALLY { ... }: the target
 * exists and keeps what is said of it, the amount is in a currency it can
 * be counted in, and the fields place the earlier purchase. */
static void check_already(cbrsema_ctx *s, const cbrstep *st)
{
    if (!word_is(&st->word, "already")) {
        unknown_step(s, st);
        return;
    }
    static const char *const verbs[] = {[STEP_ALREADY_EARNED] = "earned", [STEP_ALREADY_SPENT] = "spent",
                                        [STEP_ALREADY_COUNTED] = "counted"};
    static const char *const forms[] = {
        [STEP_ALREADY_EARNED] = "already earned 45.00 from \"OFFER\" { user_id: ..., timestamp: ... }",
        [STEP_ALREADY_SPENT] = "already spent 490.00 from campaign \"C\" { timestamp: ... }",
        [STEP_ALREADY_COUNTED] = "already counted 3 in TALLY { user_id: ..., timestamp: ... }"};
    if (!word_is(&st->verb, verbs[st->kind])) {
        cbrdiag_error(s->c, st->verb_loc, "already-verb", "`already %s` cannot be said here", st->verb.s);
        cbrdiag_hint(s->c, "write `%s`", forms[st->kind]);
        return;
    }
    bool need_user = false, money = true;
    const char *what = "the amount";
    if (st->kind == STEP_ALREADY_EARNED) {
        int o = cbrmap_get(&s->offers, st->offer.s, st->offer.n);
        if (o < 0) {
            cbrdiag_error(s->c, st->offer_loc, "unknown-offer", "unknown offer \"%s\"", st->offer.s);
            cbrsuggest_map(s->c, st->offer.s, st->offer.n, &s->offers, -1);
            return;
        }
        need_user = per_user(&s->m->offers[o]);
    } else if (st->kind == STEP_ALREADY_SPENT) {
        int c = cbrmap_get(&s->campaigns, st->offer.s, st->offer.n);
        if (c < 0) {
            cbrdiag_error(s->c, st->offer_loc, "unknown-campaign", "unknown campaign \"%s\"", st->offer.s);
            cbrsuggest_map(s->c, st->offer.s, st->offer.n, &s->campaigns, -1);
            return;
        }
        if (!s->m->campaigns[c].has_budget) {
            cbrdiag_error(s->c, st->offer_loc, "already-no-budget",
                          "campaign \"%s\" has no budget to have spent from", st->offer.s);
            return;
        }
    } else {
        int v = cbrmap_get(&s->names, st->offer.s, st->offer.n);
        if (v < 0 || NAMEKIND(v) != SYM_TALLY) {
            cbrdiag_error(s->c, st->offer_loc, "unknown-tally", "unknown tally `%s`", st->offer.s);
            cbrsuggest_map(s->c, st->offer.s, st->offer.n, &s->names, SYM_TALLY);
            return;
        }
        need_user = true;
        const cbrtally *t = &s->m->tallies[NAMEIDX(v)];
        money = t->kind == TALLY_SUM;
        what = "the sum";
        if (!money && (st->amount.has_point || st->amount.cur[0])) {
            cbrdiag_error(s->c, st->amount.loc, "already-count",
                          "tally `%s` counts purchases: say how many, as a whole number", st->offer.s);
            return;
        }
    }
    bool have[FIELD_FIRST_DECLARED];
    char cur[4];
    const cbrexpr *amount;
    check_fields(s, st, have, cur, &amount);
    if (money) {
        cbramount a = st->amount;
        if (a.cur[0] && cur[0] && memcmp(a.cur, cur, 3)) {
            cbrdiag_error(s->c, a.cur_loc, "already-currency", "%s is in %s, the fields say currency %s", what,
                          a.cur, cur);
            return;
        }
        if (!a.cur[0])
            memcpy(a.cur, cur, 4);
        if (!a.cur[0]) {
            cbrdiag_error(s->c, a.loc, "already-currency", "%s needs a currency", what);
            cbrdiag_hint(s->c, "write it after the amount, as in `45.00 USD`, or give `currency: \"USD\"`");
            return;
        }
        if (!cbrtc_amount(s, &a, what))
            return;
    }
    if (!have[FIELD_TIMESTAMP] && !st->broken)
        cbrdiag_error(s->c, st->block_loc, "missing-field",
                      "`already` needs the `timestamp` of what came before: it says which period counted it");
    else if (need_user && !have[FIELD_USER_ID] && !st->broken)
        cbrdiag_error(s->c, st->block_loc, "missing-field",
                      "`already` needs the `user_id` it counted for: \"%s\" is kept per user", st->offer.s);
}

/* stub NAME(ARGS) = VALUE, stub NAME = VALUE: NAME is an extern function;
 * the arguments and the value are constants of its parameters' and its
 * result's types. */
static void check_stub(cbrsema_ctx *s, cbrstep *st)
{
    if (!word_is(&st->word, "stub")) {
        unknown_step(s, st);
        return;
    }
    cbrexpr *call = st->call;
    if (call->kind != E_CALL && call->kind != E_NAME) {
        cbrdiag_error(s->c, call->loc, "stub-form", "a stub names an extern function it stands in for");
        cbrdiag_hint(s->c, "write `stub f(\"u1\") = true`, or `stub f = true` for any arguments");
        return;
    }
    int v = cbrmap_get(&s->names, call->u.name.s, call->u.name.n);
    cbrloc name_loc = {call->loc.file, call->loc.start, call->loc.start + call->u.name.n};
    if (v < 0 || NAMEKIND(v) != SYM_EXTERN) {
        cbrdiag_error(s->c, name_loc, "unknown-extern", "`%s` is not an extern function", call->u.name.s);
        cbrsuggest_map(s->c, call->u.name.s, call->u.name.n, &s->names, SYM_EXTERN);
        return;
    }
    const cbrextern *x = &s->m->externs[NAMEIDX(v)];
    call->sym = SYM_EXTERN;
    call->sym_index = NAMEIDX(v);
    if (call->kind == E_CALL && call->args.n != x->nparams) {
        cbrdiag_error(s->c, call->loc, "stub-args", "extern fn %s takes %u argument%s, the stub gives %u",
                      call->u.name.s, x->nparams, x->nparams == 1 ? "" : "s", call->args.n);
        return;
    }
    for (uint32_t i = 0; call->kind == E_CALL && i < call->args.n; i++) {
        cbrexpr *a = call->args.items[i];
        cbrtype t = cbrtc_expr(s, a), want = x->params[i];
        if (t == T_ERROR)
            continue;
        if (!a->is_const)
            cbrdiag_error(s->c, a->loc, "not-const", "a stub's arguments are constants");
        else if (!(t == want || (want == T_DECIMAL && t == T_INT) || (want == T_MONEY && T_IS_NUM(t))))
            cbrdiag_error(s->c, a->loc, "type", "argument %u of %s is %s, the stub gives %s", i + 1,
                          call->u.name.s, cbrtype_name(want), cbrtype_name(t));
    }
    cbrtype t = cbrtc_expr(s, st->value);
    if (t != T_ERROR && !(t == x->ret || (x->ret == T_DECIMAL && t == T_INT) ||
                          (x->ret == T_MONEY && (t == T_INT || t == T_DECIMAL))))
        cbrdiag_error(s->c, st->value->loc, "type", "extern fn %s returns %s, the stub gives %s", call->u.name.s,
                      cbrtype_name(x->ret), cbrtype_name(t));
}

void cbrsema_check_test(cbrsema_ctx *s, const cbrtest *t)
{
    const cbrsteps *ss = &t->item->u.test;
    bool given = false;
    char cur[4] = "";
    if (ss->n == 0)
        cbrdiag_warning(s->c, t->item->name_loc, "empty-test", "test \"%s\" has no steps", t->item->name.s);
    for (uint32_t i = 0; i < ss->n; i++) {
        cbrstep *st = &ss->items[i];
        if (st->kind == STEP_STUB) {
            check_stub(s, st);
            continue;
        }
        if (st->kind >= STEP_ALREADY_EARNED) {
            if (given && word_is(&st->word, "already"))
                cbrdiag_error(s->c, st->word_loc, "already-after-given",
                              "`already` says what came before the test's first `given`");
            check_already(s, st);
            continue;
        }
        if (st->kind == STEP_GIVEN) {
            given = true;
            check_given(s, st, cur);
            continue;
        }
        if (!given)
            cbrdiag_error(s->c, st->loc, "expect-before-given", "`expect` needs a `given` transaction before it");
        if (st->kind == STEP_EXPECT_CASHBACK) {
            /* An expected cashback without a code is in the given currency. */
            cbramount a = st->amount;
            if (!a.cur[0])
                memcpy(a.cur, cur, 4);
            cbrtc_amount(s, &a, "the expected cashback");
        }
        if (st->kind == STEP_EXPECT_CASHBACK || st->kind == STEP_EXPECT_NONE_FROM) {
            if (cbrmap_get(&s->offers, st->offer.s, st->offer.n) < 0) {
                cbrdiag_error(s->c, st->offer_loc, "unknown-offer", "unknown offer \"%s\"", st->offer.s);
                cbrsuggest_map(s->c, st->offer.s, st->offer.n, &s->offers, -1);
            }
        }
    }
}
