/* check_tables.c: tables end to end.  The grammar and the checker on
 * `table` declarations, T[k] and k in T (compiler/tables.c), the code they
 * compile to (TGET, TIN, FTIN), the same awards from source, from a bundle
 * and row by row, and the bundle's tables section: written only when a
 * program has tables, read back byte for byte, and every damaged part of it
 * refused by the verifier (vm/tables.c). */
#include "config.h"
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "tests/unit/unit.h"
#include "tests/unit/awards_of.h"
#include "tests/unit/bundle_bytes.h"
#include "compiler/sema.h"
#include "vm/program.h"

/* Friday 2026-03-13 15:00 UTC. */
#define FRI_TS "2026-03-13T15:00:00Z"
#define TX(tid, amount, extra) "tid=" tid ";amount=" amount ";currency=USD;timestamp=" FRI_TS extra

#define SETTLEMENT 14

static void *plain_alloc(void *ud, void *p, size_t n)
{
    (void)ud;
    if (n == 0) {
        free(p);
        return NULL;
    }
    return realloc(p, n);
}

/* NEW read into x (tables only), verified. */
/* cbrx_verify refuses x with words in its message, and so does loading x
 * saved as a bundle.  Releases x. */
#define ck_verify_refuses(x_, words_)                                                        \
    do {                                                                                     \
        cbr_error ev_;                                                                       \
        memset(&ev_, 0, sizeof ev_);                                                         \
        bool okv_ = cbrx_verify((x_), &ev_);                                                 \
        ck_assert_msg(!okv_, "verified; expected \"%s\"", (words_));                         \
        ck_assert_msg(strstr(ev_.message, (words_)) != NULL, "expected \"%s\" in: %s",        \
                      (words_), ev_.message);                                                \
        uint8_t *dv_;                                                                        \
        size_t nv_;                                                                          \
        ck_assert_msg(cbrx_save((x_), &dv_, &nv_, &ev_), "%s", ev_.message);                 \
        ck_refused(dv_, nv_, (words_));                                                      \
        cbr_free(dv_);                                                                       \
        cbrx_program_release(x_);                                                            \
    } while (0)

static const char RULES[] =
    "field user_tier: string\n"
    "table merchant_rate: string -> decimal = {\"Acme\": 0.05, \"Caf\\u{E9} Z\": 2%, \"Book Nook\": 0.01}\n"
    "table tier_bonus: string -> money = {\"gold\": 5.00, \"silver\": 2}\n"
    "table vip_users: string = [\"u1\", \"u4\"]\n"
    "table mcc_rate: int -> decimal = {5411: 0.005, 5732: 1%}\n"
    "table promo_end: string -> date = {\"Acme\": 2026-03-31}\n"
    "let rate = merchant_rate[merchant]\n"
    "let bonus = tier_bonus[user_tier]\n"
    "offer \"merchant\" { when merchant in merchant_rate and amount * rate >= 1.00 then cashback 5% }\n"
    "offer \"tier\" { when bonus >= 5.00 then cashback 1.00 }\n"
    "offer \"vip\" { when user_id in vip_users then cashback 2% }\n"
    "offer \"not-vip\" { when user_id not in vip_users and mcc_rate[mcc] > 0.006 then cashback 3% }\n"
    "offer \"promo\" { when date <= promo_end[merchant] then cashback 0.50 }\n";

/* ---- parse and type ---- */

START_TEST(declarations_parse_and_type)
{
    cbr_compiler *c = unit_compile(RULES);
    ck_assert_no_errors(c);
    const cbrsema *m = cbrsema_get(c);
    ck_assert_uint_eq(m->ntables, 5);
    const cbrtable *t = &m->tables[0];
    ck_assert_int_eq(t->item->kind, I_TABLE);
    ck_assert_str_eq(t->item->name.s, "merchant_rate");
    ck_assert_int_eq(t->key, T_STRING);
    ck_assert_int_eq(t->value, T_DECIMAL);
    ck_assert_uint_eq(t->n, 3);
    ck_assert_uint_eq(t->scale, 2); /* 0.05, 2% (0.02) and 0.01 */
    /* sorted bytewise, the key NFC: "Caf\u00e9 Z" */
    ck_assert_str_eq(t->keys[0].s.s, "Acme");
    ck_assert_str_eq(t->keys[2].s.s, "Caf\xc3\xa9 Z");
    ck_assert_int_eq(m->tables[1].value, T_MONEY);
    ck_assert_int_eq(m->tables[2].value, T_NOTHING);
    ck_assert(m->tables[2].item->u.table.is_set);
    ck_assert_int_eq(m->tables[3].key, T_INT);
    ck_assert_int_eq(m->tables[4].value, T_DATE);
    /* amount * merchant_rate[merchant] and tier_bonus[user_tier] are money:
     * as rewards they need no more than that. */
    ck_assert_int_eq(m->lets[0].type, T_DECIMAL);
    ck_assert_int_eq(m->lets[1].type, T_MONEY);
    const cbrexpr *cond = m->offers[0].clauses[0]->cond;
    ck_assert_int_eq(cond->kind, E_AND);
    ck_assert_int_eq(cond->u.list.items[1]->u.kids.a->type, T_MONEY);
    ck_assert_int_eq(cond->u.list.items[0]->kind, E_IN);
    ck_assert_int_eq(cond->u.list.items[0]->sym, SYM_TABLE);
    cbr_compiler_free(c);
}
END_TEST

START_TEST(constant_keys_fold)
{
    cbr_compiler *c = unit_compile("table t: string -> money = {\"gold\": 5.00}\n"
                                   "let g = t[\"gold\"]\nlet h = \"gold\" in t\n"
                                   "offer \"o\" { when g > 1 and h then cashback 1% }\n");
    ck_assert_no_errors(c);
    const cbrsema *m = cbrsema_get(c);
    const cbrexpr *g = m->lets[0].item->u.let_expr, *h = m->lets[1].item->u.let_expr;
    ck_assert(g->is_const);
    ck_assert_int_eq(g->value.type, T_MONEY);
    ck_assert_int_eq(g->value.u.m.amount.m, 500);
    ck_assert_str_eq(g->value.u.m.cur, "");
    ck_assert(h->is_const && h->value.u.b);
    cbr_compiler_free(c);
}
END_TEST

START_TEST(inline_errors)
{
    struct { const char *src, *code; unsigned line, col; } cases[] = {
        {"table t: string -> int = {\"a\": 1.5}\n", "table-entry", 1, 32},
        {"table t: string -> int = [\"a\"]\n", "table-entry", 1, 27},
        {"table t: string = {\"a\": 1}\n", "table-entry", 1, 20},
        {"table t: string -> int = {merchant: 1}\n", "table-entry", 1, 27},
        {"table t: decimal -> int = {1: 1}\n", "bad-type", 1, 10},
        {"table t: string -> strng = {\"a\": \"b\"}\n", "bad-type", 1, 20},
        {"table t: int -> int = {1: 1}\noffer \"o\" { when t[1.5] > 0 then cashback 1% }\n", "table-key-type", 2, 20},
        {"table t: int -> int = {1: 1}\noffer \"o\" { when \"x\" in t then cashback 1% }\n", "table-key-type", 2, 18},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        cbr_compiler *c = unit_compile(cases[i].src);
        ck_assert_msg(unit_count(c, CBR_ERROR, cases[i].code) >= 1, "case %zu: no %s:\n%s", i, cases[i].code,
                      unit_dump(c));
        const cbr_diagnostic *d = cbr_compiler_diagnostic(c, 0);
        ck_assert_msg(d->line == cases[i].line && d->column == cases[i].col, "case %zu at %u:%u:\n%s", i, d->line,
                      d->column, unit_dump(c));
        cbr_compiler_free(c);
    }
}
END_TEST

/* ---- run: from source, from a bundle, row by row ---- */

START_TEST(lookups_award)
{
    ck_assert_str_eq(AWARDS(RULES,
                            /* Acme 0.05 * 100 = 5.00 >= 1.00; gold; vip; promo (03-13 <= 03-31) */
                            TX("t1", "100.00", ";user_id=u1;merchant=Acme;mcc=5411;user_tier=gold"),
                            /* Book Nook 0.01 * 50 = 0.50 < 1.00; not vip, mcc 5732 at 1% > 0.006 */
                            TX("t2", "50.00", ";user_id=u2;merchant=Book Nook;mcc=5732;user_tier=silver"),
                            /* the key written decomposed matches the NFC key */
                            TX("t3", "60.00", ";user_id=u3;merchant=Cafe\xcc\x81 Z;mcc=5411"),
                            /* no merchant, no tier, no mcc: every lookup unknown */
                            TX("t4", "100.00", ";user_id=u4")),
                     "t1 merchant 5.00 USD\nt1 promo 0.50 USD\nt1 tier 1.00 USD\nt1 vip 2.00 USD\n"
                     "t2 not-vip 1.50 USD\n"
                     "t3 merchant 3.00 USD\n"
                     "t4 vip 2.00 USD\n");
}
END_TEST

START_TEST(unknown_key_is_unknown_both_ways)
{
    const char *src = "table t: string -> int = {\"a\": 1}\n"
                      "offer \"pos\" { when t[merchant] == 1 then cashback 1.00 }\n"
                      "offer \"neg\" { when not (t[merchant] == 1) then cashback 2.00 }\n"
                      "offer \"out\" { when merchant not in t then cashback 3.00 }\n";
    ck_assert_str_eq(AWARDS(src, TX("t1", "10.00", ";merchant=a"), TX("t2", "10.00", ";merchant=b"),
                            TX("t3", "10.00", "")),
                     "t1 pos 1.00 USD\nt2 out 3.00 USD\n");
}
END_TEST

/* ---- the bundle ---- */

static size_t nsections(const uint8_t *d) { return get32(d + 12); }

START_TEST(tables_section_only_when_used)
{
    size_t n;
    uint8_t *d = bundle_of("offer \"o\" { when amount > 1 then cashback 1% }\n", &n);
    ck_assert_uint_lt(nsections(d), 16);
    free(d);
    d = bundle_of(RULES, &n);
    ck_assert_uint_eq(nsections(d), 16);
    ck_assert_uint_eq(get32(d + sec_off(d, 16)), 5);
    free(d);
}
END_TEST

static void load_tables(cbrx_program *x)
{
    size_t n;
    uint8_t *d = bundle_of(RULES, &n);
    cbr_config cfg;
    cbr_config_init(&cfg);
    cfg.alloc = plain_alloc;
    cbr_error err;
    ck_assert_msg(cbrx_load(&cfg, d, n, x, &err), "%s", err.message);
    ck_assert_msg(cbrx_verify(x, &err), "the good bundle: %s", err.message);
    free(d);
}

START_TEST(verifier_refuses_damaged_tables)
{
    cbrx_program x;
    load_tables(&x);
    ck_assert_uint_eq(x.ntables, 5);
    ck_assert_uint_eq(x.tables[0].n, 3);
    x.tables[0].keys[1] = x.tables[0].keys[0];
    ck_verify_refuses(&x, "table 0 (`merchant_rate`): keys are not sorted and unique at row 1");
    load_tables(&x);
    x.tables[0].keys[2] = x.nstrings + 7;
    ck_verify_refuses(&x, "table 0 (`merchant_rate`), row 2: key is string");
    load_tables(&x);
    x.tables[3].key = X_DECIMAL;
    ck_verify_refuses(&x, "table 3 (`mcc_rate`): keys of type 3");
    load_tables(&x);
    x.tables[1].value = X_INSTANT;
    ck_verify_refuses(&x, "table 1 (`tier_bonus`): values of type 7");
    load_tables(&x);
    x.tables[4].scale = 2;
    ck_verify_refuses(&x, "table 4 (`promo_end`): scale 2");
    load_tables(&x);
    x.tables[4].vals[0] = 99999999;
    ck_verify_refuses(&x, "row 0: value 99999999 is not a valid date");
    load_tables(&x);
    x.tables[2].name = x.nstrings;
    ck_verify_refuses(&x, "table 2: name is string");
    /* instructions: a table out of range, a key of the wrong type, a set read as a map, a scale */
    load_tables(&x);
    for (uint32_t pc = 0; pc < x.ncode; pc++)
        if (x.code[pc].op == XOP_FTIN) {
            x.code[pc].k = x.ntables;
            break;
        }
    ck_verify_refuses(&x, "(FTIN): table 5 does not exist (5 tables)");
    load_tables(&x);
    uint32_t tget = x.ncode;
    for (uint32_t pc = 0; pc < x.ncode; pc++)
        if (x.code[pc].op == XOP_TGET && x.code[pc].k == 0)
            tget = pc;
    ck_assert_uint_lt(tget, x.ncode);
    x.code[tget].k = 3; /* mcc_rate: int keys, the register holds a string */
    ck_verify_refuses(&x, "(TGET): register");
    load_tables(&x);
    x.code[tget].k = 2; /* vip_users, a set */
    ck_verify_refuses(&x, "is a set: it has no values to read");
    load_tables(&x);
    x.regs[x.code[tget].d].scale = 6;
    ck_verify_refuses(&x, "table `merchant_rate` holds scale 2");
}
END_TEST

START_TEST(forged_counts_and_flipped_bytes)
{
    size_t n;
    uint8_t *d = bundle_of(RULES, &n);
    size_t off = sec_off(d, 16), len = sec_len(d, 16);
    uint8_t *e = malloc(n);
    ck_assert_ptr_nonnull(e);
    /* the count of tables, and the rows of the first table */
    memcpy(e, d, n);
    set32(e + off, 0x7fffffff);
    cbrx_seal(e, n);
    ck_refused(e, n, "section tables");
    memcpy(e, d, n);
    set32(e + off + 4 + 4 + 3, 0x10000000);
    cbrx_seal(e, n);
    ck_refused(e, n, "section tables");
    memcpy(e, d, n);
    set32(e + off + 4 + 4 + 3, 2); /* fewer rows than written: trailing bytes */
    cbrx_seal(e, n);
    ck_refused(e, n, "section tables");
    /* every byte of the section flipped in turn: refused, or loaded and verified */
    for (size_t i = 0; i < len; i++) {
        memcpy(e, d, n);
        e[off + i] ^= 0x5a;
        cbrx_seal(e, n);
        cbr_program *p = NULL;
        cbr_error err;
        cbr_status st = cbr_program_load(NULL, e, n, &p, &err);
        ck_assert_msg(st == CBR_OK || st == CBR_ERR_BUNDLE, "byte %zu: status %d", i, (int)st);
        if (st == CBR_OK) {
            /* a changed key or value the verifier accepts still runs */
            cbr_batch *b = t_batch_new(p, 1);
            cbr_context *ctx = t_context_new(p, 1);
            ck_assert_int_eq(fill_row(b, p, TX("t1", "10.00", ";user_id=u1;merchant=Acme;mcc=5411"), NULL, &err),
                             CBR_OK);
            ck_assert_int_eq(cbr_eval(ctx, b, NULL, NULL, &err), CBR_OK);
            cbr_context_free(ctx);
            cbr_batch_free(b);
        }
        cbr_program_free(p);
    }
    free(e);
    free(d);
}
END_TEST

/* ---- cbrc fmt ---- */

START_TEST(fmt_lays_out_tables)
{
    const char *in = "table   tier_bonus :string->money={\"gold\":5.00,\"silver\":2.00,}\n"
                     "table mcc_rate: int -> decimal = {5411: 0.005, 5732: 1%, 5812: 0.02, 5999: 0.001, 4511: 0.03, "
                     "5311: 0.004, 5912: 0.01}\n"
                     "table s: string = [ \"a\" , \"b\" ]\n"
                     "table   f: string from  \"x.csv\"\n"
                     "offer \"o\" { when tier_bonus[ merchant ] > 1 then cashback 1% }\n";
    const char *want = "table tier_bonus: string -> money = {\"gold\": 5.00, \"silver\": 2.00}\n"
                       "table mcc_rate: int -> decimal = {\n"
                       "    5411: 0.005,\n    5732: 1%,\n    5812: 0.02,\n    5999: 0.001,\n"
                       "    4511: 0.03,\n    5311: 0.004,\n    5912: 0.01\n}\n"
                       "table s: string = [\"a\", \"b\"]\n"
                       "table f: string from \"x.csv\"\n"
                       "offer \"o\" {\n    when tier_bonus[merchant] > 1 then cashback 1%\n}\n";
    char *out = NULL;
    size_t n = 0;
    cbr_error err;
    ck_assert_msg(cbr_format(NULL, "t.cbr", in, strlen(in), &out, &n, &err) == CBR_OK, "%s", err.message);
    ck_assert_str_eq(out, want);
    char *again = NULL;
    ck_assert_int_eq(cbr_format(NULL, "t.cbr", out, n, &again, &n, &err), CBR_OK);
    ck_assert_str_eq(again, want);
    cbr_free(out);
    cbr_free(again);
}
END_TEST

static Suite *make_suite(void)
{
    Suite *s = suite_create("tables");
    UNIT_TCASE(s, "check", declarations_parse_and_type, constant_keys_fold, inline_errors, fmt_lays_out_tables);
    UNIT_TCASE(s, "run", lookups_award, unknown_key_is_unknown_both_ways);
    UNIT_TCASE(s, "bundle", tables_section_only_when_used, verifier_refuses_damaged_tables,
               forged_counts_and_flipped_bytes);
    return s;
}

UNIT_MAIN(make_suite)
