/* check_rewards.c: rewards written as money expressions (`cashback EXPR
 * [up to EXPR]`), through the public interface from source and from a
 * bundle, all rows in one batch and each in a batch of its own; then the
 * rewards section of the bundle and what the verifier refuses of it.
 * Language reference: "Rewards are money expressions" (doc/language.md),
 * rounding (doc/semantics.md). */
#include "config.h"
#include "tests/unit/run_rows.h"
#include "tests/unit/bundle_bytes.h"
#include "vm/program.h"

#define ROW(tid, amount, cur) "tid=" tid ";user_id=u1;amount=" amount ";currency=" cur \
                              ";timestamp=2026-03-13T15:00:00Z\n"

/* ---- what a reward expression pays ---- */

START_TEST(rate_of_amount_rounds_with_the_offer_mode)
{
    CHECK_RUN("offer \"down\" { when amount > 0 then cashback amount * 2% }\n"
              "offer \"half\" { rounding half-up when amount > 0 then cashback amount * 2% }\n",
              ROW("t1", "20.25", "USD"),
              "t1 down 0.40 USD\n"
              "t1 half 0.41 USD\n",
              NULL);
}
END_TEST

/* Rounded once, at the end: two halves of a cent make a cent. */
START_TEST(rounded_once_not_per_term)
{
    CHECK_RUN("offer \"o\" { when amount > 0 then cashback amount * 1% + amount * 1% }\n",
              ROW("t1", "0.55", "USD"),
              "t1 o 0.01 USD\n",
              NULL);
}
END_TEST

START_TEST(marginal_tiers)
{
    /* 1% of the first 50, 2% of the next 150, 3% above 200. */
    CHECK_RUN("offer \"tiers\" { rounding half-up when amount > 0 then cashback\n"
              "  min(amount, 50.00) * 1% + min(max(amount - 50.00, 0.00), 150.00) * 2%\n"
              "  + max(amount - 200.00, 0.00) * 3% }\n",
              ROW("t1", "20.00", "USD") ROW("t2", "120.00", "USD") ROW("t3", "250.00", "USD"),
              "t1 tiers 0.20 USD\n"
              "t2 tiers 1.90 USD\n"
              "t3 tiers 5.00 USD\n",
              NULL);
}
END_TEST

START_TEST(capped_after_rounding)
{
    /* 12.5% of 15.47 is 1.93375, rounded up to 1.94, then capped at 1.93. */
    CHECK_RUN("offer \"o\" { rounding up when amount > 0 then cashback amount * 12.5% up to 1.93 }\n",
              ROW("t1", "15.47", "USD") ROW("t2", "10.00", "USD"),
              "t1 o 1.93 USD\n"
              "t2 o 1.25 USD\n",
              NULL);
}
END_TEST

START_TEST(cap_written_as_an_expression)
{
    CHECK_RUN("offer \"o\" { when amount > 0 then cashback 10% up to amount * 5% + 0.50 }\n",
              ROW("t1", "100.00", "USD") ROW("t2", "2.00", "USD"),
              "t1 o 5.50 USD\n"
              "t2 o 0.20 USD\n",
              NULL);
}
END_TEST

START_TEST(unknown_value_is_no_award)
{
    CHECK_RUN("field rate: decimal\n"
              "offer \"o\" { when amount > 0 then cashback amount * rate }\n",
              ROW("t1", "10.00", "USD")
              "tid=t2;user_id=u1;amount=10.00;currency=USD;timestamp=2026-03-13T15:00:00Z;rate=0.05\n",
              "t2 o 0.50 USD\n",
              NULL);
}
END_TEST

START_TEST(zero_or_negative_is_no_award)
{
    CHECK_RUN("offer \"over-50\" { when amount > 0 then cashback amount - 50.00 }\n"
              "offer \"rounds-to-zero\" { when amount > 0 then cashback amount * 0.01% }\n",
              ROW("t1", "20.00", "USD") ROW("t2", "50.00", "USD") ROW("t3", "70.00", "USD"),
              "t3 over-50 20.00 USD\n",
              NULL);
}
END_TEST

/* An amount with a currency pays only in that currency; without one it is
 * the transaction's, whose minor unit decides the rounding. */
START_TEST(currencies_and_minor_units)
{
    CHECK_RUN("offer \"usd-bonus\" { when amount > 0 then cashback 1.00 USD + amount * 1% }\n"
              "offer \"rate\" { rounding half-up when amount > 0 then cashback amount * 1.5% }\n",
              ROW("t1", "100.00", "USD") ROW("t2", "100.00", "EUR") ROW("t3", "1001", "JPY")
              ROW("t4", "1.000", "KWD"),
              "t1 rate 1.50 USD\n"
              "t1 usd-bonus 2.00 USD\n"
              "t2 rate 1.50 EUR\n"
              "t3 rate 15 JPY\n"
              "t4 rate 0.015 KWD\n",
              NULL);
}
END_TEST

START_TEST(overflow_is_no_award)
{
    CHECK_RUN("offer \"huge\" { when amount > 0 then cashback amount * 900000000000000 * 900000000 }\n"
              "offer \"small\" { when amount > 0 then cashback 1.00 }\n",
              ROW("t1", "99999999.99", "USD"),
              "t1 small 1.00 USD\n",
              NULL);
}
END_TEST

/* Limits apply to what the expression pays, after rounding and the cap. */
START_TEST(limits_cut_the_expression)
{
    CHECK_RUN("offer \"o\" { limit 1.00 per user when amount > 0 then cashback amount * 5% }\n",
              ROW("t1", "15.00", "USD") ROW("t2", "15.00", "USD"),
              "t1 o 0.75 USD\n"
              "t2 o 0.25 USD cut\n",
              "a|o|u1|-|*\t10000\n");
}
END_TEST

/* ---- the bundle ---- */

#define REWARDS 15

/* r0, r1 money (amount), r2 decimal (2%), r3 money (the product); clause 0 is
 * the expression, clause 1 a literal percent. */
static const char EXPR[] = "offer \"o\" { when amount > 100 then cashback amount * 2%\n"
                           "  when amount > 0 then cashback 1% }\n";

START_TEST(literal_rewards_keep_thirteen_sections)
{
    size_t n;
    uint8_t *d = bundle_of("offer \"o\" { when amount > 0 then cashback 10% up to 5.00\n"
                           "  when amount > 0 then cashback 2.00 USD }\n", &n);
    ck_assert_uint_eq(get32(d + 12), 13);
    free(d);
    d = bundle_of(EXPR, &n);
    ck_assert_uint_eq(get32(d + 12), 15);
    free(d);
}
END_TEST

START_TEST(damaged_rewards_section_is_refused)
{
    size_t n;
    uint8_t *good = bundle_of(EXPR, &n);
    uint8_t *d = malloc(n);
    ck_assert_ptr_nonnull(d);
    size_t at = sec_off(good, REWARDS);
    ck_assert_uint_eq(get32(good + at), 2);
    size_t c0 = at + 4, c1 = at + 4 + 8;
    struct { size_t off; int bytes; uint32_t v; const char *why; } cases[] = {
        {c0, 2, 60000, "register r60000 does not exist"},
        {c0, 2, 2, "register r2 is decimal, expected money"},
        {c0, 2, CBRX_NO_REG, "clause 0: bad reward registers or text"},
        {c0 + 2, 2, 2, "register r2 is decimal, expected money"},
        {c1, 2, 3, "clause 1: bad reward registers or text"},
        {c0 + 4, 4, 0x7fffffff, "clause 0: bad reward registers or text"},
        {c0 + 4, 4, CBRX_NONE, "clause 0: bad reward registers or text"},
        {at, 4, 3, "rewards"},
        {at, 4, 1, "its clauses are not the program's"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        memcpy(d, good, n);
        if (cases[i].bytes == 2)
            set16(d + cases[i].off, cases[i].v);
        else
            set32(d + cases[i].off, cases[i].v);
        cbrx_seal(d, n);
        ck_refused(d, n, cases[i].why);
    }
    /* Any single flipped byte is caught by the checksum. */
    for (size_t i = at; i < at + 4 + 16; i++) {
        memcpy(d, good, n);
        d[i] ^= 0x40;
        ck_refused(d, n, "checksum");
    }
    free(d);
    free(good);
}
END_TEST

/* The REWARD of an expression clause must come after its register is
 * written: moving the reward's register to one written later is refused. */
START_TEST(reward_register_written_before_reward)
{
    size_t n;
    uint8_t *d = bundle_of("offer \"o\" { when amount > 0 then cashback amount * 2% }\n"
                           "offer \"p\" { when amount > 0 then cashback amount * 3% + 1.00 }\n", &n);
    size_t at = sec_off(d, REWARDS);
    /* offer o's clause reads a register only offer p writes */
    set16(d + at + 4, 5);
    cbrx_seal(d, n);
    cbr_error e;
    memset(&e, 0, sizeof e);
    cbr_program *p = NULL;
    cbr_status st = cbr_program_load(NULL, d, n, &p, &e);
    cbr_program_free(p);
    ck_assert_int_eq(st, CBR_ERR_BUNDLE);
    ck_assert_msg(strstr(e.message, "before writing it") || strstr(e.message, "expected money"), "%s", e.message);
    free(d);
}
END_TEST

static Suite *make_suite(void)
{
    Suite *s = suite_create("rewards");
    UNIT_TCASE(s, "pays", rate_of_amount_rounds_with_the_offer_mode, rounded_once_not_per_term,
               marginal_tiers, capped_after_rounding, cap_written_as_an_expression,
               unknown_value_is_no_award, zero_or_negative_is_no_award, currencies_and_minor_units,
               overflow_is_no_award, limits_cut_the_expression);
    UNIT_TCASE(s, "bundle", literal_rewards_keep_thirteen_sections, damaged_rewards_section_is_refused,
               reward_register_written_before_reward);
    return s;
}

UNIT_MAIN(make_suite)
