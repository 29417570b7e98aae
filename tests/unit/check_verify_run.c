/* check_verify_run.c: bundles the verifier lets through run without a
 * fault (under ASan and UBSan in CI): every byte of the good bundle damaged
 * and resealed, and a register written in a branch that no row took. */
#include "config.h"
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "tests/unit/good_bundle.h"

static void set_field(cbr_batch *b, const cbr_program *p, const char *name, const char *v)
{
    int f = cbr_program_field(p, name, strlen(name));
    if (f >= 0)
        cbr_batch_set(b, (size_t)f, v, strlen(v), NULL);
}

static const char *const ROWS[][11] = {
    /* tid user amount currency merchant mcc country timestamp tier score vip */
    {"t1", "u1", "150.00", "USD", "X", "5411", "US", "2026-03-13T15:00:00Z", "gold", "2.1", "true"},
    {"t2", "u1", "60.00", "USD", "Acme z", "1", "FR", "2026-03-14T03:00:00Z", "silver", "0.2", "true"},
    {"t3", NULL, "7", "JPY", "x", NULL, NULL, "2025-12-31T23:59:59Z", NULL, NULL, "false"},
    {"t4", "u2", "0.01", "EUR", "\xe1\xba\x9eig Z", "2", NULL, "2026-06-01T00:00:00-05:00", "Gold", "-3", NULL},
};
static const char *const COLS[11] = {"tid", "user_id", "amount", "currency", "merchant", "mcc",
                                     "country", "timestamp", "tier", "score", "vip"};

static void fill(cbr_batch *b, const cbr_program *p)
{
    for (size_t r = 0; r < sizeof ROWS / sizeof ROWS[0]; r++) {
        if (cbr_batch_begin_row(b, NULL) != CBR_OK)
            return;
        for (size_t c = 0; c < 11; c++)
            if (ROWS[r][c])
                set_field(b, p, COLS[c], ROWS[r][c]);
        cbr_batch_end_row(b, NULL, NULL);
    }
}

static void touch_award(void *ud, const cbr_award *a)
{
    char buf[32];
    cbr_award_amount(a, buf, sizeof buf);
    *(size_t *)ud += strlen(buf) + strlen(a->offer_id) + (a->campaign_id ? strlen(a->campaign_id) : 0);
}

/* Evaluates a batch with p twice (limits see the first), and lists it. */
static void run_program(const cbr_program *p)
{
    char *text;
    ck_assert_int_eq(cbr_program_disasm(p, &text, NULL, NULL), CBR_OK);
    cbr_free(text);
    cbr_batch *b = t_batch_new(p, 8);
    cbr_context *ctx = t_context_new(p, 8);
    ck_assert_ptr_nonnull(b);
    ck_assert_ptr_nonnull(ctx);
    fill(b, p);
    size_t sum = 0;
    for (int i = 0; i < 2; i++)
        cbr_eval(ctx, b, touch_award, &sum, NULL);
    cbr_context_free(ctx);
    cbr_batch_free(b);
}

/* Flips each byte of the bundle in turn (two ways) and reseals it: every
 * result is refused as a bundle (or for a zone name it cannot load), or it
 * loads, lists and evaluates without a fault. */
START_TEST(run_every_byte_damaged_and_resealed)
{
    size_t n;
    uint8_t *d = copy_good(&n, 0);
    unsigned loaded = 0, refused = 0;
    const uint8_t masks[] = {0x01, 0xff};
    for (size_t i = 0; i < n; i++)
        for (size_t k = 0; k < 2; k++) {
            d[i] ^= masks[k];
            cbrx_seal(d, n);
            cbr_program *p = NULL;
            cbr_error err;
            memset(&err, 0, sizeof err);
            cbr_status st = cbr_program_load(NULL, d, n, &p, &err);
            ck_assert_msg(st == CBR_OK || st == CBR_ERR_BUNDLE || st == CBR_ERR_IO,
                          "byte %zu ^ 0x%02x: %s: %s", i, masks[k], cbr_status_text(st), err.message);
            ck_assert_msg(st != CBR_ERR_IO || strstr(err.message, "time zone") != NULL,
                          "byte %zu ^ 0x%02x: %s", i, masks[k], err.message);
            ck_assert_msg((st == CBR_OK) == (p != NULL), "byte %zu: status and program disagree", i);
            if (p) {
                loaded++;
                run_program(p);
                cbr_program_free(p);
            } else {
                refused++;
            }
            d[i] ^= masks[k];
        }
    /* some damage gets through (priorities, constants, clause lines ...),
     * and most does not */
    ck_assert_uint_gt(loaded, 0);
    ck_assert_uint_gt(refused, loaded);
    free(d);
}
END_TEST

/* A bundle whose only offer loads a field inside the first branch of an
 * `or` and reads that register in the second branch:
 *     PUSH; LOAD rs, merchant; FNULL rs exists; LOAD rm, mcc; ORNEXT;
 *     FNULL rm exists; OREND; REWARD
 * The verifier's linear pass sees the LOAD before the read.  When no row
 * passes the first branch, the LOAD is skipped, and the second branch reads
 * whatever rm last pointed at: the mcc column of an earlier batch. */
static cbr_program *skipped_branch_program(void)
{
    static const char src[] = "when merchant == \"M\" and mcc > 1 then cashback 1%\n";
    cbr_compiler *c = unit_compile(src);
    ck_assert_no_errors(c);
    cbr_program *p = NULL;
    cbr_error err;
    ck_assert_msg(cbr_compiler_program(c, &p, &err) == CBR_OK, "%s", err.message);
    cbr_compiler_free(c);
    cbrx_program *x = &p->x;
    ck_assert_uint_eq(x->noffers, 1);
    uint16_t rs = x->code[find_load(x, 0, XF_MERCHANT)].d;
    uint16_t rm = x->code[find_load(x, 0, XF_MCC)].d;
    const cbrx_insn code[] = {
        {XOP_PUSH, 0, 0, 0, 0},
        {XOP_LOAD, rs, 0, 0, XF_MERCHANT},
        {XOP_FNULL, XF_MAKE(0, 1), rs, 0, 0},
        {XOP_LOAD, rm, 0, 0, XF_MCC},
        {XOP_ORNEXT, 0, 0, 0, 0},
        {XOP_FNULL, XF_MAKE(0, 1), rm, 0, 0},
        {XOP_OREND, 0, 0, 0, 0},
        {XOP_REWARD, 0, 0, 0, x->offers[0].first_clause},
    };
    cbrx_insn *nc = cbrx_realloc(x, x->code, sizeof code);
    ck_assert_ptr_nonnull(nc);
    memcpy(nc, code, sizeof code);
    x->code = nc;
    x->ncode = x->offers[0].ncode = sizeof code / sizeof code[0];
    x->max_depth = 1;
    uint8_t *data;
    size_t len;
    ck_assert_msg(cbrx_save(x, &data, &len, &err), "%s", err.message);
    cbr_program *q = NULL;
    cbr_status st = cbr_program_load(NULL, data, len, &q, &err);
    cbr_free(data);
    cbr_program_free(p);
    if (st == CBR_ERR_BUNDLE)
        return NULL; /* refused: the verifier scopes writes to their branch */
    ck_assert_msg(st == CBR_OK, "%s: %s", cbr_status_text(st), err.message);
    return q;
}

/* A batch of n rows of 10.00 USD, each with merchant and mcc when given. */
static cbr_batch *rows(const cbr_program *p, size_t n, const char *merchant, const char *mcc)
{
    cbr_batch *b = t_batch_new(p, n);
    ck_assert_ptr_nonnull(b);
    for (size_t i = 0; i < n; i++) {
        ck_assert_int_eq(cbr_batch_begin_row(b, NULL), CBR_OK);
        set_field(b, p, "tid", "t1");
        set_field(b, p, "amount", "10.00");
        set_field(b, p, "currency", "USD");
        set_field(b, p, "timestamp", "2026-03-13T12:00:00Z");
        if (merchant)
            set_field(b, p, "merchant", merchant);
        if (mcc)
            set_field(b, p, "mcc", mcc);
        cbr_error err;
        ck_assert_msg(cbr_batch_end_row(b, NULL, &err) == CBR_OK, "%s", err.message);
    }
    return b;
}

static void count_award(void *ud, const cbr_award *a)
{
    (void)a;
    ++*(size_t *)ud;
}

/* Batch 1 (capacity 1) passes the first branch, so rm reads its mcc column;
 * batch 2 (4 rows) does not, and its second branch must not read rows 0..3
 * of batch 1's one-row column. */
START_TEST(run_register_of_a_skipped_branch_reads_no_other_batch)
{
    cbr_program *p = skipped_branch_program();
    if (!p)
        return;
    cbr_context *ctx = t_context_new(p, 4);
    ck_assert_ptr_nonnull(ctx);
    cbr_batch *b1 = rows(p, 1, "M", "5411");
    cbr_batch *b2 = rows(p, 4, NULL, NULL);
    size_t n1 = 0, n2 = 0;
    cbr_error err;
    ck_assert_int_eq(cbr_eval(ctx, b1, count_award, &n1, &err), CBR_OK);
    ck_assert_int_eq(cbr_eval(ctx, b2, count_award, &n2, &err), CBR_OK);
    ck_assert_uint_eq(n1, 1);
    cbr_batch_free(b1);
    cbr_batch_free(b2);
    cbr_context_free(ctx);
    cbr_program_free(p);
}
END_TEST

/* The same with batch 1 freed before batch 2 runs: a use after free. */
START_TEST(run_register_of_a_skipped_branch_after_its_batch_is_freed)
{
    cbr_program *p = skipped_branch_program();
    if (!p)
        return;
    cbr_context *ctx = t_context_new(p, 4);
    ck_assert_ptr_nonnull(ctx);
    cbr_batch *b1 = rows(p, 1, "M", "5411");
    size_t n1 = 0, n2 = 0;
    cbr_error err;
    ck_assert_int_eq(cbr_eval(ctx, b1, count_award, &n1, &err), CBR_OK);
    cbr_batch_free(b1);
    cbr_batch *b2 = rows(p, 1, NULL, NULL);
    ck_assert_int_eq(cbr_eval(ctx, b2, count_award, &n2, &err), CBR_OK);
    cbr_batch_free(b2);
    cbr_context_free(ctx);
    cbr_program_free(p);
}
END_TEST

static Suite *verify_run_suite(void)
{
    Suite *s = suite_create("verify-run");
    /* every byte position loads a bundle: more than Check's default 4 s */
    TCase *tc = tcase_create("run");
    tcase_set_timeout(tc, 300);
    tcase_add_test(tc, run_every_byte_damaged_and_resealed);
    tcase_add_test(tc, run_register_of_a_skipped_branch_reads_no_other_batch);
    tcase_add_test(tc, run_register_of_a_skipped_branch_after_its_batch_is_freed);
    suite_add_tcase(s, tc);
    return s;
}

UNIT_MAIN(verify_run_suite)
