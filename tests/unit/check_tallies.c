/* check_tallies.c: tallies end to end through the library (compiler/tallies.c,
 * vm/tally.c, the TALLY opcode, SEC_TALLIES): a program read from source and
 * from its bundle gives the same awards and counters; batches of one row, two
 * batches and a state saved and loaded between them all end where one batch
 * ends; a store another context moved refuses the row with CBR_ERR_STATE; and
 * the verifier refuses each damaged part of a tally. */
#include "config.h"
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "tests/unit/unit.h"
#include "vm/program.h"

static const char SRC[] =
    "tally spend = sum amount per user where merchant != \"Skip\"\n"
    "tally visits = count per user per day timezone \"America/New_York\"\n"
    "offer \"spend-100\" { limit 1 per user when spend >= 100.00 then cashback 20.00 }\n"
    "offer \"second\" { when visits == 2 then cashback 1.00 }\n"
    "offer \"half\" { when spend * 0.5% >= 0.60 and visits >= 1 then cashback 0.01 }\n";

static cbr_program *prog_of(const char *src)
{
    cbr_compiler *c = unit_compile(src);
    ck_assert_no_errors(c);
    cbr_program *p = NULL;
    cbr_error err;
    ck_assert_msg(cbr_compiler_program(c, &p, &err) == CBR_OK, "%s", err.message);
    cbr_compiler_free(c);
    return p;
}

/* tid, user ("-" none), amount, currency, merchant, timestamp */
#define NROWS 9
static const char *const rows[NROWS][6] = {
    {"t1", "u1", "60.00", "USD", "A", "2026-03-13T10:00:00Z"},
    {"t2", "u2", "99.00", "USD", "A", "2026-03-13T11:00:00Z"},
    {"t3", "-", "500.00", "USD", "A", "2026-03-13T12:00:00Z"},
    {"t4", "u1", "30.00", "USD", "Skip", "2026-03-13T13:00:00Z"},
    {"t5", "u1", "10.00", "USD", "A", "2026-03-13T14:00:00Z"},
    {"t6", "u1", "10.00", "EUR", "A", "2026-03-14T03:00:00Z"}, /* still the 13th in New York */
    {"t7", "u2", "1.00", "USD", "A", "2026-03-14T15:00:00Z"},
    {"t8", "u1", "100.00", "USD", "A", "2026-03-14T16:00:00Z"},
    {"t9", "u1", "95.00", "EUR", "A", "2026-03-15T16:00:00Z"},
};

static void fill(cbr_batch *b, const cbr_program *p, size_t from, size_t to)
{
    cbr_batch_clear(b);
    const char *names[] = {"tid", "user_id", "amount", "currency", "merchant", "timestamp"};
    for (size_t i = from; i < to; i++) {
        cbr_error err;
        ck_assert_int_eq(cbr_batch_begin_row(b, &err), CBR_OK);
        for (int k = 0; k < 6; k++) {
            if (k == 1 && !strcmp(rows[i][k], "-"))
                continue;
            int f = cbr_program_field(p, names[k], strlen(names[k]));
            ck_assert_int_ge(f, 0);
            ck_assert_int_eq(cbr_batch_set(b, (size_t)f, rows[i][k], strlen(rows[i][k]), &err), CBR_OK);
        }
        ck_assert_msg(cbr_batch_end_row(b, NULL, &err) == CBR_OK, "%s", err.message);
    }
}

typedef struct lines {
    char text[4096];
    size_t n;
    const cbr_batch *b;
    const cbr_program *p;
} lines;

static void on_award(void *ud, const cbr_award *a)
{
    lines *l = ud;
    char amount[32];
    cbr_award_amount(a, amount, sizeof amount);
    size_t tl;
    const char *tid = cbr_batch_string(l->b, a->row, (size_t)cbr_program_field(l->p, "tid", 3), &tl);
    int w = snprintf(l->text + l->n, sizeof l->text - l->n, "%.*s %s %s %.3s\n", (int)tl, tid, a->offer_id,
                     amount, a->currency);
    ck_assert(w > 0 && (size_t)w < sizeof l->text - l->n);
    l->n += (size_t)w;
}

static char *snapshot(const cbr_state *st)
{
    char *data = NULL;
    size_t len = 0;
    ck_assert_int_eq(cbr_state_save(st, &data, &len, NULL), CBR_OK);
    char *s = strdup(data);
    cbr_free(data);
    return s;
}

/* Evaluates rows [from, to) in batches of `step` rows on ctx, appending awards to l. */
static void run(cbr_context *ctx, const cbr_program *p, size_t from, size_t to, size_t step, lines *l)
{
    cbr_batch *b = t_batch_new(p, 0);
    l->b = b;
    l->p = p;
    for (size_t i = from; i < to; i += step) {
        fill(b, p, i, i + step < to ? i + step : to);
        cbr_error err;
        ck_assert_msg(cbr_eval(ctx, b, on_award, l, &err) == CBR_OK, "%s", err.message);
    }
    cbr_batch_free(b);
}

/* t4 is the second visit of u1 that New York day (its spend skips merchant
 * "Skip"); t7 takes u2 to 100.00; t8 takes u1 to 170.00 USD, the first of
 * its day; t9's 105.00 EUR meets the offer's `limit 1 per user`. */
static const char WANT[] =
    "t4 second 1.00 USD\n"
    "t7 spend-100 20.00 USD\n"
    "t8 half 0.01 USD\n"
    "t8 spend-100 20.00 USD\n";

static const char WANT_STATE[] =
    "k|visits|u1|d2026-03-13\t4\n"
    "k|visits|u1|d2026-03-14\t1\n"
    "k|visits|u1|d2026-03-15\t1\n"
    "k|visits|u2|d2026-03-13\t1\n"
    "k|visits|u2|d2026-03-14\t1\n"
    "n|spend-100|u1|-\t1\n"
    "n|spend-100|u2|-\t1\n"
    "s|spend|u1|-|EUR\t10500\n"
    "s|spend|u1|-|USD\t17000\n"
    "s|spend|u2|-|USD\t10000\n";

START_TEST(counts_and_sums_per_user_period_and_currency)
{
    cbr_program *p = prog_of(SRC);
    cbr_context *ctx = t_context_new(p, 0);
    lines l = {0};
    run(ctx, p, 0, NROWS, NROWS, &l);
    ck_assert_str_eq(l.text, WANT);
    char *snap = snapshot(cbr_context_state(ctx));
    ck_assert_str_eq(snap, WANT_STATE);
    free(snap);
    cbr_context_free(ctx);
    cbr_program_free(p);
}
END_TEST

/* From its bundle the program is the same: same awards, same counters. */
START_TEST(from_the_bundle_as_from_source)
{
    cbr_program *src = prog_of(SRC);
    void *d;
    size_t n;
    cbr_error err;
    ck_assert_int_eq(cbr_program_save(src, &d, &n, &err), CBR_OK);
    ck_assert_uint_eq(((const uint8_t *)d)[12], 17); /* up to the tallies section */
    cbr_program *p = NULL;
    ck_assert_msg(cbr_program_load(NULL, d, n, &p, &err) == CBR_OK, "%s", err.message);
    cbr_free(d);
    ck_assert_uint_eq(cbr_program_tally_count(p), 2);
    ck_assert_str_eq(cbr_program_tally_name(p, 0), "spend");
    ck_assert_str_eq(cbr_program_tally_name(p, 1), "visits");
    ck_assert_ptr_null(cbr_program_tally_name(p, 2));
    cbr_context *ctx = t_context_new(p, 0);
    lines l = {0};
    run(ctx, p, 0, NROWS, NROWS, &l);
    ck_assert_str_eq(l.text, WANT);
    char *snap = snapshot(cbr_context_state(ctx));
    ck_assert_str_eq(snap, WANT_STATE);
    free(snap);
    cbr_context_free(ctx);
    cbr_program_free(p);
    cbr_program_free(src);
}
END_TEST

START_TEST(batches_of_one_row_and_two_batches)
{
    cbr_program *p = prog_of(SRC);
    for (size_t step = 1; step <= 5; step += 4) {
        cbr_context *ctx = t_context_new(p, 0);
        lines l = {0};
        run(ctx, p, 0, NROWS, step, &l);
        ck_assert_msg(!strcmp(l.text, WANT), "batches of %zu rows:\n%s", step, l.text);
        char *snap = snapshot(cbr_context_state(ctx));
        ck_assert_str_eq(snap, WANT_STATE);
        free(snap);
        cbr_context_free(ctx);
    }
    cbr_program_free(p);
}
END_TEST

/* What cbrc run --state does: the snapshot of the first run is loaded into
 * the state of the second. */
START_TEST(a_saved_state_carries_the_tallies)
{
    cbr_program *p = prog_of(SRC);
    cbr_context *a = t_context_new(p, 0);
    lines l = {0};
    run(a, p, 0, 5, 5, &l);
    char *half = snapshot(cbr_context_state(a));
    cbr_context_free(a);
    cbr_context *b = t_context_new(p, 0);
    cbr_error err;
    ck_assert_int_eq(cbr_state_load(cbr_context_state(b), half, strlen(half), &err), CBR_OK);
    run(b, p, 5, NROWS, 4, &l);
    ck_assert_str_eq(l.text, WANT);
    char *snap = snapshot(cbr_context_state(b));
    ck_assert_str_eq(snap, WANT_STATE);
    free(snap);
    free(half);
    cbr_context_free(b);
    cbr_program_free(p);
}
END_TEST

/* Two contexts share one store: b counts a purchase of u1 after a evaluated
 * its batch, so a's values are stale and its settle stops there. */
START_TEST(a_tally_moved_by_another_writer_is_refused)
{
    cbr_program *p = prog_of(SRC);
    cbr_state *st = t_state_new();
    cbr_store s = cbr_state_store(st);
    cbr_context *a = t_context_new(p, 0), *b = t_context_new(p, 0);
    ck_assert_int_eq(cbr_context_set_store(a, &s, NULL), CBR_OK);
    ck_assert_int_eq(cbr_context_set_store(b, &s, NULL), CBR_OK);
    cbr_batch *ba = t_batch_new(p, 0), *bb = t_batch_new(p, 0);
    fill(ba, p, 1, 5); /* t2 (u2), t3 (no user), t4 and t5 (u1) */
    fill(bb, p, 0, 1); /* t1 (u1) */
    cbr_error err;
    ck_assert_int_eq(cbr_evaluate(a, ba, &err), CBR_OK);
    ck_assert_int_eq(cbr_eval(b, bb, NULL, NULL, &err), CBR_OK);
    lines l = {.b = ba, .p = p};
    ck_assert_int_eq(cbr_settle(a, on_award, &l, &err), CBR_ERR_STATE);
    ck_assert_msg(strstr(err.message, "tally visits changed since the batch was evaluated; evaluate it again"),
                  "%s", err.message);
    ck_assert_uint_eq(cbr_context_settled(a), 2); /* t2 and t3 stay settled */
    char *snap = snapshot(st);
    ck_assert_str_eq(snap, "k|visits|u1|d2026-03-13\t1\n"
                           "k|visits|u2|d2026-03-13\t1\n"
                           "s|spend|u1|-|USD\t6000\n"
                           "s|spend|u2|-|USD\t9900\n");
    free(snap);
    /* Evaluated again, the rest reads the new values. */
    fill(ba, p, 3, 5);
    ck_assert_int_eq(cbr_eval(a, ba, on_award, &l, &err), CBR_OK);
    ck_assert_str_eq(l.text, "t4 second 1.00 USD\n");
    cbr_batch_free(ba);
    cbr_batch_free(bb);
    cbr_context_free(a);
    cbr_context_free(b);
    cbr_state_free(st);
    cbr_program_free(p);
}
END_TEST

START_TEST(info_says_the_program_has_tallies)
{
    cbr_compiler *c = unit_compile(SRC);
    ck_assert_no_errors(c);
    cbr_program_info info = {.size = sizeof info};
    ck_assert_int_eq(cbr_compiler_info(c, &info, NULL), CBR_OK);
    ck_assert_uint_eq(info.tallies, 2);
    cbr_compiler_free(c);
}
END_TEST

/* ---- the verifier ---- */

static void *plain_alloc(void *ud, void *q, size_t n)
{
    (void)ud;
    if (n == 0) {
        free(q);
        return NULL;
    }
    return realloc(q, n);
}

static void load_x(cbrx_program *x)
{
    cbr_program *p = prog_of(SRC);
    void *d;
    size_t n;
    cbr_error err;
    ck_assert_int_eq(cbr_program_save(p, &d, &n, &err), CBR_OK);
    cbr_config cfg;
    cbr_config_init(&cfg);
    cfg.alloc = plain_alloc;
    ck_assert_msg(cbrx_load(&cfg, d, n, x, &err), "%s", err.message);
    ck_assert_msg(cbrx_verify(x, &err), "the good bundle: %s", err.message);
    cbr_free(d);
    cbr_program_free(p);
}

/* cbrx_verify refuses x with words in its message, and so does loading x
 * saved as a bundle.  Releases x. */
static void verify_refuses(cbrx_program *x, const char *words)
{
    cbr_error e;
    memset(&e, 0, sizeof e);
    ck_assert_msg(!cbrx_verify(x, &e), "verified; expected \"%s\"", words);
    ck_assert_msg(strstr(e.message, words) != NULL, "expected \"%s\" in: %s", words, e.message);
    uint8_t *d;
    size_t n;
    ck_assert_msg(cbrx_save(x, &d, &n, &e), "%s", e.message);
    cbr_program *p = NULL;
    cbr_status st = cbr_program_load(NULL, d, n, &p, &e);
    cbr_program_free(p);
    ck_assert_msg(st == CBR_ERR_BUNDLE && strstr(e.message, words), "loading: %s", e.message);
    cbr_free(d);
    cbrx_program_release(x);
}

static uint32_t first_op(const cbrx_program *x, unsigned op)
{
    for (uint32_t i = 0; i < x->ncode; i++)
        if (x->code[i].op == op)
            return i;
    ck_abort_msg("no such instruction");
    return 0;
}

START_TEST(the_verifier_refuses_damaged_tallies)
{
    cbrx_program x;
    load_x(&x);
    x.tallies[1].kind = 2;
    verify_refuses(&x, "tally 1 (\"visits\"): bad kind, period or time zone");
    load_x(&x);
    x.tallies[0].period = 9;
    verify_refuses(&x, "tally 0 (\"spend\"): bad kind, period or time zone");
    load_x(&x);
    x.tallies[1].tz = x.ntzs;
    verify_refuses(&x, "bad kind, period or time zone");
    load_x(&x);
    x.tallies[0].name = x.nstrings;
    verify_refuses(&x, "tally 0: name is string");
    /* A tally whose condition starts inside the offers' code. */
    load_x(&x);
    x.tallies[0].code -= 1;
    x.tallies[0].ncode += 1;
    verify_refuses(&x, "tally 0 (\"spend\"): code at");
    /* Code that belongs to nothing. */
    load_x(&x);
    x.tallies[0].ncode -= 1;
    verify_refuses(&x, "tally 1 (\"visits\"): code at");
    load_x(&x);
    x.tallies[1].code = x.tallies[0].code;
    x.tallies[0].ncode = 0;
    verify_refuses(&x, "belong to no offer or tally");
    /* TALLY of a tally that does not exist, into a register of another type. */
    load_x(&x);
    x.code[first_op(&x, XOP_TALLY)].k = 7;
    verify_refuses(&x, "tally 7 does not exist (2 tallies)");
    load_x(&x);
    {
        uint32_t i = first_op(&x, XOP_TALLY);
        x.code[i].k = x.code[i].k ? 0 : 1; /* the other tally: int for money or money for int */
    }
    verify_refuses(&x, "expected");
    /* A tally's condition that reads a tally or holds a reward. */
    load_x(&x);
    x.code[x.tallies[0].code] = (cbrx_insn){XOP_TALLY, 0, 0, 0, 1};
    verify_refuses(&x, "a tally's condition reads a tally");
    load_x(&x);
    x.code[x.tallies[0].code] = (cbrx_insn){XOP_REWARD, 0, 0, 0, 0};
    verify_refuses(&x, "a tally's condition holds a reward");
    load_x(&x);
    x.code[x.tallies[0].code] = (cbrx_insn){XOP_PUSH, 0, 0, 0, 0};
    verify_refuses(&x, "tally 0 (\"spend\"), instruction 0 (PUSH)");
}
END_TEST

/* A forged count is caught by the reader before anything is allocated. */
START_TEST(a_forged_tally_count_is_refused)
{
    cbr_program *p = prog_of(SRC);
    void *v;
    size_t n;
    ck_assert_int_eq(cbr_program_save(p, &v, &n, NULL), CBR_OK);
    uint8_t *d = malloc(n);
    memcpy(d, v, n);
    cbr_free(v);
    uint8_t *tab = d + 32 + 16 * 12; /* the 17th section's entry */
    uint32_t off = (uint32_t)tab[4] | (uint32_t)tab[5] << 8 | (uint32_t)tab[6] << 16 | (uint32_t)tab[7] << 24;
    d[off] = 0xff;
    d[off + 1] = 0xff;
    cbrx_seal(d, n);
    cbr_program *q = NULL;
    cbr_error err;
    ck_assert_int_eq(cbr_program_load(NULL, d, n, &q, &err), CBR_ERR_BUNDLE);
    ck_assert_msg(strstr(err.message, "section tallies"), "%s", err.message);
    d[off] = 3;
    d[off + 1] = 0;
    cbrx_seal(d, n);
    ck_assert_int_eq(cbr_program_load(NULL, d, n, &q, &err), CBR_ERR_BUNDLE);
    ck_assert_msg(strstr(err.message, "section tallies"), "%s", err.message);
    free(d);
    cbr_program_free(p);
}
END_TEST

/* Every byte of the tallies section and of the code changed, the checksum
 * forged to match: each bundle is refused, or verified and then runs a
 * batch without harm. */
START_TEST(any_changed_byte_of_a_tally_bundle_is_safe)
{
    cbr_program *p = prog_of(SRC);
    void *v;
    size_t n;
    ck_assert_int_eq(cbr_program_save(p, &v, &n, NULL), CBR_OK);
    uint8_t *d = malloc(n);
    memcpy(d, v, n);
    cbr_free(v);
    unsigned loaded = 0, refused = 0;
    const int secs[] = {11, 17}; /* code, tallies */
    for (int si = 0; si < 2; si++) {
        const uint8_t *tab = d + 32 + (size_t)(secs[si] - 1) * 12;
        uint32_t off = (uint32_t)tab[4] | (uint32_t)tab[5] << 8 | (uint32_t)tab[6] << 16 | (uint32_t)tab[7] << 24;
        uint32_t len = (uint32_t)tab[8] | (uint32_t)tab[9] << 8 | (uint32_t)tab[10] << 16 | (uint32_t)tab[11] << 24;
        for (uint32_t i = off; i < off + len; i++) {
            uint8_t was = d[i];
            d[i] ^= 0x5a;
            cbrx_seal(d, n);
            cbr_program *q = NULL;
            cbr_error err;
            if (cbr_program_load(NULL, d, n, &q, &err) == CBR_OK) {
                loaded++;
                cbr_context *ctx = t_context_new(q, 0);
                ck_assert_ptr_nonnull(ctx);
                lines l = {0};
                cbr_batch *b = t_batch_new(q, 0);
                l.b = b;
                l.p = q;
                fill(b, q, 0, NROWS);
                (void)cbr_eval(ctx, b, on_award, &l, &err);
                cbr_batch_free(b);
                cbr_context_free(ctx);
                cbr_program_free(q);
            } else {
                refused++;
                ck_assert_int_eq(err.status, CBR_ERR_BUNDLE);
            }
            d[i] = was;
        }
    }
    ck_assert_uint_gt(refused, 0);
    free(d);
    cbr_program_free(p);
}
END_TEST

/* A program without tallies keeps its bundle bytes: 13 sections. */
START_TEST(no_tallies_no_section)
{
    cbr_program *p = prog_of("offer \"o\" { when amount > 1 then cashback 1% }\n");
    void *d;
    size_t n;
    ck_assert_int_eq(cbr_program_save(p, &d, &n, NULL), CBR_OK);
    ck_assert_uint_eq(((const uint8_t *)d)[12], 13);
    cbr_free(d);
    cbr_program_free(p);
}
END_TEST

static Suite *make_suite(void)
{
    Suite *s = suite_create("tallies");
    TCase *tc = tcase_create("tallies");
    tcase_add_test(tc, counts_and_sums_per_user_period_and_currency);
    tcase_add_test(tc, from_the_bundle_as_from_source);
    tcase_add_test(tc, batches_of_one_row_and_two_batches);
    tcase_add_test(tc, a_saved_state_carries_the_tallies);
    tcase_add_test(tc, a_tally_moved_by_another_writer_is_refused);
    tcase_add_test(tc, info_says_the_program_has_tallies);
    tcase_add_test(tc, the_verifier_refuses_damaged_tallies);
    tcase_add_test(tc, a_forged_tally_count_is_refused);
    tcase_add_test(tc, no_tallies_no_section);
    tcase_add_test(tc, any_changed_byte_of_a_tally_bundle_is_safe);
    suite_add_tcase(s, tc);
    return s;
}

UNIT_MAIN(make_suite)
