/* check_index.c: the cross-offer index (vm/index.c).  Which field and
 * values each offer hangs on, read from its code (`==`, `in`, table sets,
 * `or` as a union, `not` and `!=` as nothing known, several clauses), the
 * field chosen when an offer names several, the same awards with the index
 * as with CBR_INDEX=off, offers run only on their rows, valid windows that
 * miss a batch, and the listing cbrc disasm shows. */
#include "config.h"
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "tests/unit/unit.h"
#include "tests/unit/awards_of.h"
#include "vm/vmint.h"

#define TS "2026-03-13T15:00:00Z"

/* The index of the offer called id (offers are kept in evaluation order). */
static uint32_t of(const cbr_program *p, const char *id)
{
    for (size_t o = 0; o < cbr_program_offer_count(p); o++)
        if (!strcmp(cbr_program_offer_id(p, o), id))
            return (uint32_t)o;
    ck_abort_msg("no offer %s", id);
    return 0;
}

/* What offer o hangs on, as "merchant: A, B", "every row" or "no row". */
static const char *hung(const cbr_program *p, uint32_t o)
{
    static char buf[512];
    const cbrx_index *ix = &p->x.index;
    ck_assert(ix->built);
    ck_assert_uint_lt(o, p->x.noffers);
    uint32_t on = ix->on[o];
    if (on == CBRX_NONE)
        return "every row";
    if (on == CBRX_IX_NEVER)
        return "no row";
    const cbrx_field *f = &p->x.fields[on];
    size_t n = (size_t)snprintf(buf, sizeof buf, "%s:", cbrx_str(&p->x, f->name));
    for (uint32_t k = 0; k < ix->vn[o] && n < sizeof buf - 40; k++) {
        int64_t v = ix->vals[ix->vfirst[o] + k];
        if (f->type == X_STRING)
            n += (size_t)snprintf(buf + n, sizeof buf - n, " %s", cbrx_str(&p->x, (uint32_t)v));
        else
            n += (size_t)snprintf(buf + n, sizeof buf - n, " %lld", (long long)v);
    }
    return buf;
}

static const char *const OFFERS =
    "table partners: string = [\"Dune\", \"Acme\"]\n"
    "offer \"eq\" { when merchant == \"Acme\" and amount >= 10 then cashback 5% }\n"
    "offer \"or\" { when merchant in [\"Bolt\", \"Cafe\"] or merchant == \"Acme\" then cashback 1% }\n"
    "offer \"mixed-or\" { when merchant == \"Acme\" or channel == \"online\" then cashback 1% }\n"
    "offer \"not\" { when not (merchant == \"Acme\") then cashback 1% }\n"
    "offer \"ne\" { when merchant != \"Acme\" then cashback 1% }\n"
    "offer \"mcc\" { when mcc in [5411, 5812] then cashback 2% }\n"
    "offer \"set\" { when merchant in partners then cashback 2% }\n"
    "offer \"clauses\" {\n"
    "    when merchant == \"Bolt\" and amount >= 100 then cashback 5%\n"
    "    when merchant == \"Echo\" then cashback 1%\n"
    "}\n"
    "offer \"rarer\" { when channel == \"online\" and merchant == \"Echo\" then cashback 3% }\n"
    "offer \"in-and\" { when merchant in [\"Acme\", \"Bolt\"] and merchant in [\"Bolt\", \"Dune\"] then cashback 3% }\n"
    "offer \"weekday\" { when weekday == FRI then cashback 1% }\n";

START_TEST(offers_hang_on_what_their_code_needs)
{
    cbr_program *p = compile_ok(OFFERS);
    ck_assert_str_eq(hung(p, of(p, "eq")), "merchant: Acme");
    ck_assert_str_eq(hung(p, of(p, "or")), "merchant: Acme Bolt Cafe");
    ck_assert_str_eq(hung(p, of(p, "mixed-or")), "every row");
    ck_assert_str_eq(hung(p, of(p, "not")), "every row");
    ck_assert_str_eq(hung(p, of(p, "ne")), "every row");
    ck_assert_str_eq(hung(p, of(p, "mcc")), "mcc: 5411 5812");
    ck_assert_str_eq(hung(p, of(p, "set")), "merchant: Acme Dune");
    ck_assert_str_eq(hung(p, of(p, "clauses")), "merchant: Bolt Echo");
    /* channel is compared with one value in the whole program, merchant
     * with many: a merchant is the rarer value. */
    ck_assert_str_eq(hung(p, of(p, "rarer")), "merchant: Echo");
    ck_assert_str_eq(hung(p, of(p, "in-and")), "merchant: Bolt");
    /* A derived field (read in the offer's zone) is not indexed. */
    ck_assert_str_eq(hung(p, of(p, "weekday")), "every row");
    ck_assert_uint_eq(p->x.index.nalways, 4);
    ck_assert_uint_eq(p->x.index.nhung, 7);
    /* A bundle loaded back gets the same index from the same code. */
    cbr_program *q = reload(p);
    for (uint32_t o = 0; o < p->x.noffers; o++) {
        char a[512];
        snprintf(a, sizeof a, "%s", hung(p, o));
        ck_assert_str_eq(a, hung(q, o));
    }
    cbr_program_free(q);
    cbr_program_free(p);
}
END_TEST

static const char *const ROWS[] = {
    "tid=t1;amount=20;currency=USD;timestamp=" TS ";merchant=Acme;channel=online;mcc=5411",
    "tid=t2;amount=200;currency=USD;timestamp=" TS ";merchant=Bolt;channel=pos;mcc=5812",
    "tid=t3;amount=5;currency=USD;timestamp=" TS ";merchant=Echo;channel=online",
    "tid=t4;amount=50;currency=USD;timestamp=" TS ";merchant=Zed;channel=online;mcc=7011",
    "tid=t5;amount=50;currency=USD;timestamp=" TS ";channel=pos",
    "tid=t6;amount=70;currency=USD;timestamp=" TS ";merchant=Dune;mcc=5411",
    "tid=t7;amount=70;currency=USD;timestamp=" TS ";merchant=Cafe;channel=moto",
    NULL,
};

static char *eval_with(const cbr_program *p, bool index, size_t chunk)
{
    setenv("CBR_INDEX", index ? "on" : "off", 1);
    size_t n = 0;
    while (ROWS[n])
        n++;
    char *a = eval_rows(p, ROWS, n, chunk);
    unsetenv("CBR_INDEX");
    return a;
}

START_TEST(same_awards_with_and_without)
{
    cbr_program *p = compile_ok(OFFERS);
    char *on = eval_with(p, true, 0), *off = eval_with(p, false, 0), *one = eval_with(p, true, 1);
    ck_assert_str_eq(on, off);
    ck_assert_str_eq(on, one);
    /* Spot checks worked out by hand. */
    ck_assert_ptr_nonnull(strstr(on, "t1 eq 1.00 USD\n"));
    ck_assert_ptr_nonnull(strstr(on, "t2 clauses 10.00 USD\n"));
    ck_assert_ptr_nonnull(strstr(on, "t3 rarer 0.15 USD\n"));
    ck_assert_ptr_nonnull(strstr(on, "t6 set 1.40 USD\n"));
    ck_assert_ptr_null(strstr(on, "t4 eq"));
    free(on);
    free(off);
    free(one);
    cbr_program_free(p);
}
END_TEST

START_TEST(offers_run_only_on_their_rows)
{
    cbr_program *p = compile_ok(OFFERS);
    cbr_batch *b = t_batch_new(p, 16);
    setenv("CBR_INDEX", "on", 1);
    cbr_context *ctx = t_context_new(p, 16);
    unsetenv("CBR_INDEX");
    ck_assert(ctx->use_index);
    for (size_t i = 0; ROWS[i]; i++)
        ck_assert_int_eq(fill_row(b, p, ROWS[i], NULL, NULL), CBR_OK);
    ck_assert_int_eq(cbr_evaluate(ctx, b, NULL), CBR_OK);
    ck_assert_uint_eq(ctx->ix_n[of(p, "eq")], 1); /* eq: t1 */
    ck_assert_uint_eq(ctx->ix_n[of(p, "or")], 3); /* or: t1 t2 t7 */
    ck_assert_uint_eq(ctx->ix_n[of(p, "mcc")], 3); /* mcc: t1 t2 t6 */
    ck_assert_uint_eq(ctx->ix_rows[ctx->ix_at[of(p, "or")]], 0);
    ck_assert_uint_eq(ctx->ix_rows[ctx->ix_at[of(p, "or")] + 2], 6);
    cbr_context_free(ctx);
    cbr_batch_free(b);
    cbr_program_free(p);
}
END_TEST

START_TEST(valid_windows_that_miss_the_batch)
{
    const char *src = "campaign \"spring\" { valid 2026-03-01 to 2026-03-31 }\n"
                      "offer \"march\" { valid 2026-03-01 to 2026-03-31 when amount >= 1 then cashback 1% }\n"
                      "offer \"camp\" { campaign \"spring\" when amount >= 1 then cashback 1% }\n"
                      "offer \"may\" { valid 2026-05-01 to 2026-05-31 when amount >= 1 then cashback 1% }\n"
                      "offer \"edge\" { timezone \"Pacific/Kiritimati\" valid 2026-03-14 to 2026-03-14\n"
                      "    when amount >= 1 then cashback 1% }\n";
    cbr_program *p = compile_ok(src);
    ck_assert_int_eq(p->x.index.day_lo[of(p, "may")], 20574); /* 2026-05-01 */
    cbr_batch *b = t_batch_new(p, 4);
    setenv("CBR_INDEX", "on", 1);
    cbr_context *ctx = t_context_new(p, 4);
    unsetenv("CBR_INDEX");
    ck_assert(ctx->use_index);
    /* 13 March 15:00 UTC is already the 14th in Kiritimati (UTC+14). */
    ck_assert_int_eq(fill_row(b, p, "tid=t1;amount=10;currency=USD;timestamp=2026-03-13T15:00:00Z", NULL, NULL),
                     CBR_OK);
    ck_assert_int_eq(cbr_eval(ctx, b, NULL, NULL, NULL), CBR_OK);
    size_t n = 0;
    const cbr_award *a = cbr_context_awards(ctx, &n);
    ck_assert_uint_eq(n, 3);
    char got[64];
    snprintf(got, sizeof got, "%s %s %s", a[0].offer_id, a[1].offer_id, a[2].offer_id);
    ck_assert_str_eq(got, "camp edge march");
    cbr_context_free(ctx);
    cbr_batch_free(b);
    cbr_program_free(p);
}
END_TEST

static bool uses_index(const cbr_program *p, const char *env)
{
    if (env)
        setenv("CBR_INDEX", env, 1);
    cbr_context *ctx = t_context_new(p, 4);
    unsetenv("CBR_INDEX");
    ck_assert_ptr_nonnull(ctx);
    bool on = ctx->use_index;
    cbr_context_free(ctx);
    return on;
}

START_TEST(a_few_offers_run_without_it)
{
    cbr_program *few = compile_ok(OFFERS); /* 7 offers hang on values */
    ck_assert(!uses_index(few, NULL));
    ck_assert(uses_index(few, "on"));
    char src[2048] = "";
    for (int i = 0; i < 8; i++)
        snprintf(src + strlen(src), sizeof src - strlen(src),
                 "offer \"m%d\" { when merchant == \"M%d\" then cashback 1%% }\n", i, i);
    cbr_program *many = compile_ok(src);
    ck_assert(uses_index(many, NULL));
    ck_assert(uses_index(many, "1"));
    ck_assert(!uses_index(many, "off"));
    ck_assert(!uses_index(many, "0"));
    cbr_program_free(few);
    cbr_program_free(many);
}
END_TEST

START_TEST(disasm_lists_the_index)
{
    cbr_program *p = compile_ok(OFFERS);
    char *text = NULL;
    ck_assert_int_eq(cbr_program_disasm(p, &text, NULL, NULL), CBR_OK);
    ck_assert_ptr_nonnull(strstr(text, "; index: 7 of 11 offers hang on 7 values: merchant 6, mcc 1\n"));
    ck_assert_ptr_nonnull(strstr(text, "; index: 4 run on every row\n"));
    ck_assert_ptr_nonnull(strstr(text, "  ; index: rows with merchant in [\"Acme\", \"Bolt\", \"Cafe\"]\n"));
    ck_assert_ptr_nonnull(strstr(text, "  ; index: rows with mcc in [5411, 5812]\n"));
    ck_assert_ptr_nonnull(strstr(text, "  ; index: every row (no `==` or `in` on a field that every reward needs)\n"));
    cbr_free(text);
    cbr_program_free(p);
}
END_TEST

static Suite *make_suite(void)
{
    Suite *s = suite_create("index");
    UNIT_TCASE(s, "build", offers_hang_on_what_their_code_needs, disasm_lists_the_index);
    UNIT_TCASE(s, "run", same_awards_with_and_without, a_few_offers_run_without_it, offers_run_only_on_their_rows, valid_windows_that_miss_the_batch);
    return s;
}

UNIT_MAIN(make_suite)
