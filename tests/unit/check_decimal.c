/* check_decimal.c: stdlib/decimal (exact fixed-point numbers) and
 * stdlib/currency (ISO 4217 minor units).  Language reference: section 2
 * (numbers), section 3 (money is exact), section 9 (rounding). */
#include "config.h"
#include <stdint.h>
#include "tests/unit/unit.h"
#include "stdlib/currency.h"
#include "stdlib/decimal.h"

static cbrdec D(int64_t m, unsigned scale)
{
    return (cbrdec){m, (uint8_t)scale};
}

/* The value and scale of d, as "m/scale", for messages. */
#define ck_assert_dec(d_, m_, scale_)                                                       \
    do {                                                                                    \
        cbrdec dd_ = (d_);                                                                  \
        ck_assert_msg(dd_.m == (int64_t)(m_) && dd_.scale == (unsigned)(scale_),             \
                      "expected %lld (scale %u), got %lld (scale %u)", (long long)(m_),      \
                      (unsigned)(scale_), (long long)dd_.m, (unsigned)dd_.scale);           \
    } while (0)

static bool parse(const char *s, bool underscores, cbrdec *out)
{
    return cbrdec_parse(s, strlen(s), underscores, out);
}

static const char *fmt(cbrdec d)
{
    static char buf[4][32];
    static int k;
    char *b = buf[k++ & 3];
    cbrdec_format(d, b, 32);
    return b;
}

/* ---- parsing (language reference 2: numbers) ---- */

START_TEST(parse_plain_integers_and_decimals)
{
    cbrdec d;
    ck_assert(parse("15", false, &d));
    ck_assert_dec(d, 15, 0);
    ck_assert(parse("15.00", false, &d));
    ck_assert_dec(d, 1500, 2);
    ck_assert(parse("0.5", false, &d));
    ck_assert_dec(d, 5, 1);
    ck_assert(parse("0", false, &d));
    ck_assert_dec(d, 0, 0);
    ck_assert(parse("007", false, &d));
    ck_assert_dec(d, 7, 0);
    ck_assert(parse("0.000", false, &d));
    ck_assert_dec(d, 0, 3);
}
END_TEST

START_TEST(parse_signs)
{
    cbrdec d;
    ck_assert(parse("-12.50", false, &d));
    ck_assert_dec(d, -1250, 2);
    ck_assert(parse("+7", false, &d));
    ck_assert_dec(d, 7, 0);
    ck_assert(parse("-0.05", false, &d));
    ck_assert_dec(d, -5, 2);
    ck_assert(!parse("-", false, &d));
    ck_assert(!parse("+", false, &d));
    ck_assert(!parse("--1", false, &d));
    ck_assert(!parse("+-1", false, &d));
    ck_assert(!parse("1-", false, &d));
}
END_TEST

START_TEST(parse_rejects_bad_syntax)
{
    cbrdec d = D(42, 0);
    const char *bad[] = {"", ".5", "5.", "1.2.3", "1e5", "1,5", " 1", "1 ", "0x10", "1.-5", "abc", "1..2"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        ck_assert_msg(!parse(bad[i], false, &d), "\"%s\" parsed", bad[i]);
    /* A failed parse leaves the output alone. */
    ck_assert_dec(d, 42, 0);
    /* The length is respected: no NUL needed, trailing bytes ignored. */
    ck_assert(cbrdec_parse("12345", 2, false, &d));
    ck_assert_dec(d, 12, 0);
    ck_assert(!cbrdec_parse("12345", 0, false, &d));
}
END_TEST

START_TEST(parse_underscores_between_digits_only)
{
    cbrdec d;
    ck_assert(parse("1_000", true, &d));
    ck_assert_dec(d, 1000, 0);
    ck_assert(parse("1_000.50", true, &d));
    ck_assert_dec(d, 100050, 2);
    ck_assert(parse("1_2_3.4_5", true, &d));
    ck_assert_dec(d, 12345, 2);
    ck_assert(parse("-1_000", true, &d));
    ck_assert_dec(d, -1000, 0);
    const char *bad[] = {"1__000", "_1", "1_", "1_.5", "1._5", "-_1", "_", "1.5_", "1.5__0"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        ck_assert_msg(!parse(bad[i], true, &d), "\"%s\" parsed with underscores allowed", bad[i]);
}
END_TEST

START_TEST(parse_underscores_refused_when_not_allowed)
{
    cbrdec d;
    ck_assert(!parse("1_000", false, &d));
    ck_assert(!parse("1_000.50", false, &d));
}
END_TEST

START_TEST(parse_fraction_digits_limit)
{
    cbrdec d;
    ck_assert(parse("0.123456789012345678", false, &d)); /* 18 digits */
    ck_assert_dec(d, 123456789012345678LL, 18);
    ck_assert(!parse("0.1234567890123456789", false, &d)); /* 19 */
    ck_assert(!parse("0.0000000000000000001", false, &d));
    /* Trailing zeros count too: the scale is as written. */
    ck_assert(!parse("1.0000000000000000000", false, &d));
    ck_assert(parse("1.000000000000000000", false, &d));
    ck_assert_dec(d, 1000000000000000000LL, 18);
}
END_TEST

START_TEST(parse_int64_limits)
{
    cbrdec d;
    ck_assert(parse("9223372036854775807", false, &d));
    ck_assert_dec(d, INT64_MAX, 0);
    ck_assert(!parse("9223372036854775808", false, &d));
    ck_assert(parse("-9223372036854775808", false, &d));
    ck_assert_dec(d, INT64_MIN, 0);
    ck_assert(!parse("-9223372036854775809", false, &d));
    ck_assert(parse("9_223_372_036_854_775_807", true, &d));
    ck_assert_dec(d, INT64_MAX, 0);
    /* The mantissa is what overflows, wherever the point is. */
    ck_assert(parse("92233720368547758.07", false, &d));
    ck_assert_dec(d, INT64_MAX, 2);
    ck_assert(!parse("92233720368547758.08", false, &d));
    ck_assert(!parse("99999999999999999999999999999999999999999", false, &d));
    ck_assert(!parse("-99999999999999999999999999999999999999999", false, &d));
    /* Leading zeros are not digits that overflow. */
    ck_assert(parse("000000000000000000000000000001", false, &d));
    ck_assert_dec(d, 1, 0);
}
END_TEST

/* ---- conversions ---- */

START_TEST(from_int_and_rescale)
{
    cbrdec d;
    ck_assert(cbrdec_from_int(-42, &d));
    ck_assert_dec(d, -42, 0);
    ck_assert(cbrdec_rescale(D(15, 1), 3, &d));
    ck_assert_dec(d, 1500, 3);
    ck_assert(cbrdec_rescale(D(15, 1), 1, &d));
    ck_assert_dec(d, 15, 1);
    ck_assert(!cbrdec_rescale(D(15, 2), 1, &d));           /* would lose digits */
    ck_assert(!cbrdec_rescale(D(1, 0), 19, &d));           /* past the maximum scale */
    ck_assert(!cbrdec_rescale(D(INT64_MAX / 10 + 1, 0), 1, &d)); /* overflow */
    ck_assert(cbrdec_rescale(D(INT64_MAX / 10, 0), 1, &d));
    ck_assert_dec(d, INT64_MAX / 10 * 10, 1);
}
END_TEST

/* ---- comparison ---- */

START_TEST(cmp_is_exact_across_scales)
{
    ck_assert_int_eq(cbrdec_cmp(D(15, 1), D(150, 2)), 0);
    ck_assert_int_eq(cbrdec_cmp(D(105, 2), D(15, 1)), -1);
    ck_assert_int_eq(cbrdec_cmp(D(15, 1), D(105, 2)), 1);
    ck_assert_int_eq(cbrdec_cmp(D(-1, 1), D(-10, 2)), 0);
    ck_assert_int_eq(cbrdec_cmp(D(-1, 1), D(-9, 2)), -1);
    ck_assert_int_eq(cbrdec_cmp(D(0, 0), D(0, 18)), 0);
    ck_assert_int_eq(cbrdec_cmp(D(1, 18), D(0, 0)), 1);
    /* Alignment of extreme values must not overflow. */
    ck_assert_int_eq(cbrdec_cmp(D(INT64_MAX, 0), D(INT64_MAX, 18)), 1);
    ck_assert_int_eq(cbrdec_cmp(D(INT64_MIN, 0), D(INT64_MIN, 18)), -1);
    ck_assert_int_eq(cbrdec_cmp(D(INT64_MIN, 0), D(INT64_MAX, 0)), -1);
    ck_assert_int_eq(cbrdec_cmp(D(1000000000000000000LL, 18), D(1, 0)), 0);
}
END_TEST

/* ---- arithmetic ---- */

START_TEST(add_sub_exact)
{
    cbrdec d;
    ck_assert(cbrdec_add(D(1, 1), D(25, 2), &d));
    ck_assert_dec(d, 35, 2);
    ck_assert(cbrdec_sub(D(1, 1), D(25, 2), &d));
    ck_assert_dec(d, -15, 2);
    ck_assert(cbrdec_add(D(-5, 0), D(5, 0), &d));
    ck_assert_dec(d, 0, 0);
    ck_assert(cbrdec_sub(D(100, 0), D(1, 3), &d));
    ck_assert_dec(d, 99999, 3);
}
END_TEST

START_TEST(add_sub_detect_overflow)
{
    cbrdec d;
    ck_assert(!cbrdec_add(D(INT64_MAX, 0), D(1, 0), &d));
    ck_assert(!cbrdec_add(D(INT64_MIN, 0), D(-1, 0), &d));
    ck_assert(cbrdec_add(D(INT64_MAX, 0), D(0, 0), &d));
    ck_assert_dec(d, INT64_MAX, 0);
    ck_assert(cbrdec_add(D(INT64_MAX, 0), D(INT64_MIN, 0), &d));
    ck_assert_dec(d, -1, 0);
    /* Aligning INT64_MAX to one fraction digit does not fit. */
    ck_assert(!cbrdec_add(D(INT64_MAX, 0), D(1, 1), &d));
    ck_assert(!cbrdec_sub(D(INT64_MIN, 0), D(1, 0), &d));
    ck_assert(!cbrdec_sub(D(INT64_MAX, 0), D(-1, 0), &d));
    ck_assert(cbrdec_sub(D(INT64_MIN + 1, 0), D(1, 0), &d));
    ck_assert_dec(d, INT64_MIN, 0);
}
END_TEST

/* Regression test for a fixed bug: cbrdec_sub negates b first, so subtracting
 * INT64_MIN fails even when the exact result fits: -1 - INT64_MIN is
 * INT64_MAX.  decimal.h promises "false on overflow" only. */
START_TEST(sub_of_int64_min_when_result_fits)
{
    cbrdec d = D(0, 0);
    ck_assert_msg(cbrdec_sub(D(-1, 0), D(INT64_MIN, 0), &d),
                  "-1 - INT64_MIN (= INT64_MAX) reported as an overflow");
    ck_assert_dec(d, INT64_MAX, 0);
}
END_TEST

START_TEST(neg_detects_int64_min)
{
    cbrdec d;
    ck_assert(cbrdec_neg(D(1250, 2), &d));
    ck_assert_dec(d, -1250, 2);
    ck_assert(cbrdec_neg(D(INT64_MAX, 3), &d));
    ck_assert_dec(d, -INT64_MAX, 3);
    ck_assert(!cbrdec_neg(D(INT64_MIN, 0), &d));
}
END_TEST

START_TEST(mul_exact_and_overflow)
{
    cbrdec d;
    ck_assert(cbrdec_mul(D(15, 1), D(225, 2), &d));
    ck_assert_dec(d, 3375, 3);
    ck_assert(cbrdec_mul(D(-2, 0), D(5, 1), &d));
    ck_assert_dec(d, -10, 1);
    ck_assert(cbrdec_mul(D(INT64_MAX, 0), D(1, 0), &d));
    ck_assert_dec(d, INT64_MAX, 0);
    ck_assert(cbrdec_mul(D(-1, 0), D(INT64_MAX, 0), &d));
    ck_assert_dec(d, -INT64_MAX, 0);
    ck_assert(!cbrdec_mul(D(INT64_MAX, 0), D(2, 0), &d));
    ck_assert(!cbrdec_mul(D(INT64_MIN, 0), D(-1, 0), &d));
    ck_assert(!cbrdec_mul(D(INT64_MAX, 0), D(INT64_MAX, 0), &d));
    ck_assert(!cbrdec_mul(D(4294967296LL, 0), D(4294967296LL, 0), &d)); /* 2^64 */
    /* 10% of INT64_MAX: a scale of 1 is room enough. */
    ck_assert(cbrdec_mul(D(INT64_MAX, 0), D(1, 1), &d));
    ck_assert_dec(d, INT64_MAX, 1);
}
END_TEST

START_TEST(mul_scale_limit_drops_only_zeros)
{
    cbrdec d;
    /* 1e-9 * 1e-10 = 1e-19 needs 19 digits: refused. */
    ck_assert(!cbrdec_mul(D(1, 9), D(1, 10), &d));
    /* 1.0e-9 * 1e-9 written with a trailing zero: exact at scale 18. */
    ck_assert(cbrdec_mul(D(10, 10), D(1, 9), &d));
    ck_assert_dec(d, 1, 18);
    ck_assert_int_eq(cbrdec_cmp(d, D(1, 18)), 0);
}
END_TEST

/* a / b at `scale` digits in each mode, and the expected texts. */
static void check_div(cbrdec a, cbrdec b, unsigned scale, const char *const expect[6])
{
    static const char *const names[] = {"down", "up", "half-up", "half-even", "floor", "ceil"};
    for (int mode = CBR_ROUND_DOWN; mode <= CBR_ROUND_CEIL; mode++) {
        cbrdec q;
        ck_assert_msg(cbrdec_div(a, b, scale, (cbrround)mode, &q), "%s / %s (%s) failed", fmt(a),
                      fmt(b), names[mode]);
        ck_assert_msg(strcmp(fmt(q), expect[mode]) == 0, "%s / %s (%s) = %s, expected %s", fmt(a),
                      fmt(b), names[mode], fmt(q), expect[mode]);
        ck_assert_uint_eq(q.scale, scale);
    }
}

START_TEST(div_each_rounding_mode)
{
    /*                                           down     up      half-up  half-even floor    ceil */
    check_div(D(1, 0), D(3, 0), 2, (const char *const[]){"0.33", "0.34", "0.33", "0.33", "0.33", "0.34"});
    check_div(D(-1, 0), D(3, 0), 2, (const char *const[]){"-0.33", "-0.34", "-0.33", "-0.33", "-0.34", "-0.33"});
    check_div(D(2, 0), D(3, 0), 2, (const char *const[]){"0.66", "0.67", "0.67", "0.67", "0.66", "0.67"});
    check_div(D(1, 0), D(8, 0), 2, (const char *const[]){"0.12", "0.13", "0.13", "0.12", "0.12", "0.13"});
    check_div(D(3, 0), D(8, 0), 2, (const char *const[]){"0.37", "0.38", "0.38", "0.38", "0.37", "0.38"});
    check_div(D(-1, 0), D(8, 0), 2, (const char *const[]){"-0.12", "-0.13", "-0.13", "-0.12", "-0.13", "-0.12"});
    /* A negative divisor. */
    check_div(D(1, 0), D(-8, 0), 2, (const char *const[]){"-0.12", "-0.13", "-0.13", "-0.12", "-0.13", "-0.12"});
    check_div(D(-1, 0), D(-8, 0), 2, (const char *const[]){"0.12", "0.13", "0.13", "0.12", "0.12", "0.13"});
    /* Exact quotients are not touched by any mode. */
    check_div(D(7, 0), D(2, 0), 1, (const char *const[]){"3.5", "3.5", "3.5", "3.5", "3.5", "3.5"});
    /* Dividend with more digits than the result (negative shift). */
    check_div(D(12355, 4), D(1, 0), 2, (const char *const[]){"1.23", "1.24", "1.24", "1.24", "1.23", "1.24"});
    check_div(D(125, 3), D(1, 0), 2, (const char *const[]){"0.12", "0.13", "0.13", "0.12", "0.12", "0.13"});
    /* Money / money across scales: 10.00 / 0.3 = 33.333... */
    check_div(D(1000, 2), D(3, 1), 3, (const char *const[]){"33.333", "33.334", "33.333", "33.333", "33.333", "33.334"});
    /* 2.5 -> 0 digits: the half-even tie goes to 2, half-up to 3. */
    check_div(D(5, 0), D(2, 0), 0, (const char *const[]){"2", "3", "3", "2", "2", "3"});
    check_div(D(-5, 0), D(2, 0), 0, (const char *const[]){"-2", "-3", "-3", "-2", "-3", "-2"});
}
END_TEST

START_TEST(div_refuses_zero_overflow_and_scale)
{
    cbrdec d;
    ck_assert(!cbrdec_div(D(1, 0), D(0, 0), 2, CBR_ROUND_DOWN, &d));
    ck_assert(!cbrdec_div(D(1, 0), D(0, 5), 2, CBR_ROUND_DOWN, &d));
    ck_assert(!cbrdec_div(D(1, 0), D(3, 0), 19, CBR_ROUND_DOWN, &d));
    ck_assert(!cbrdec_div(D(INT64_MAX, 0), D(1, 1), 0, CBR_ROUND_DOWN, &d)); /* x 10 */
    ck_assert(!cbrdec_div(D(1, 0), D(1, 18), 2, CBR_ROUND_DOWN, &d));        /* 1e18 at scale 2 */
    ck_assert(!cbrdec_div(D(INT64_MIN, 0), D(-1, 0), 0, CBR_ROUND_DOWN, &d));
    ck_assert(cbrdec_div(D(INT64_MAX, 0), D(1, 0), 0, CBR_ROUND_DOWN, &d));
    ck_assert_dec(d, INT64_MAX, 0);
    ck_assert(cbrdec_div(D(INT64_MIN, 0), D(1, 0), 0, CBR_ROUND_DOWN, &d));
    ck_assert_dec(d, INT64_MIN, 0);
    ck_assert(cbrdec_div(D(1, 0), D(3, 0), 18, CBR_ROUND_DOWN, &d));
    ck_assert_dec(d, 333333333333333333LL, 18);
    /* A large dividend at a high scale goes through 128-bit steps. */
    ck_assert(cbrdec_div(D(1, 0), D(1, 18), 0, CBR_ROUND_DOWN, &d));
    ck_assert_dec(d, 1000000000000000000LL, 0);
}
END_TEST

/* ---- rounding (language reference 9) ---- */

static void check_round(cbrdec a, unsigned scale, cbrround mode, const char *expect)
{
    cbrdec r;
    ck_assert_msg(cbrdec_round(a, scale, mode, &r), "round(%s, %u, %d) failed", fmt(a), scale, mode);
    ck_assert_msg(strcmp(fmt(r), expect) == 0, "round(%s, %u, mode %d) = %s, expected %s", fmt(a),
                  scale, (int)mode, fmt(r), expect);
    ck_assert_uint_eq(r.scale, scale);
}

START_TEST(round_half_way_table)
{
    /* The table of the brief: 0.005, 0.025, -0.005 to two digits. */
    check_round(D(5, 3), 2, CBR_ROUND_DOWN, "0.00");
    check_round(D(5, 3), 2, CBR_ROUND_UP, "0.01");
    check_round(D(5, 3), 2, CBR_ROUND_HALF_UP, "0.01");
    check_round(D(5, 3), 2, CBR_ROUND_HALF_EVEN, "0.00");
    check_round(D(25, 3), 2, CBR_ROUND_DOWN, "0.02");
    check_round(D(25, 3), 2, CBR_ROUND_UP, "0.03");
    check_round(D(25, 3), 2, CBR_ROUND_HALF_UP, "0.03");
    check_round(D(25, 3), 2, CBR_ROUND_HALF_EVEN, "0.02");
    check_round(D(-5, 3), 2, CBR_ROUND_DOWN, "0.00");
    check_round(D(-5, 3), 2, CBR_ROUND_UP, "-0.01");
    check_round(D(-5, 3), 2, CBR_ROUND_HALF_UP, "-0.01");
    check_round(D(-5, 3), 2, CBR_ROUND_HALF_EVEN, "0.00");
    /* -0.025 mirrors 0.025. */
    check_round(D(-25, 3), 2, CBR_ROUND_DOWN, "-0.02");
    check_round(D(-25, 3), 2, CBR_ROUND_UP, "-0.03");
    check_round(D(-25, 3), 2, CBR_ROUND_HALF_UP, "-0.03");
    check_round(D(-25, 3), 2, CBR_ROUND_HALF_EVEN, "-0.02");
    /* Half-even with an odd last digit goes up. */
    check_round(D(15, 3), 2, CBR_ROUND_HALF_EVEN, "0.02");
    check_round(D(-15, 3), 2, CBR_ROUND_HALF_EVEN, "-0.02");
}
END_TEST

START_TEST(round_floor_and_ceil)
{
    check_round(D(5, 3), 2, CBR_ROUND_FLOOR, "0.00");
    check_round(D(5, 3), 2, CBR_ROUND_CEIL, "0.01");
    check_round(D(-5, 3), 2, CBR_ROUND_FLOOR, "-0.01");
    check_round(D(-5, 3), 2, CBR_ROUND_CEIL, "0.00");
    check_round(D(-2001, 3), 0, CBR_ROUND_FLOOR, "-3");
    check_round(D(-2001, 3), 0, CBR_ROUND_CEIL, "-2");
    check_round(D(2001, 3), 0, CBR_ROUND_FLOOR, "2");
    check_round(D(2001, 3), 0, CBR_ROUND_CEIL, "3");
}
END_TEST

START_TEST(round_language_reference_table)
{
    /* Section 9: the exact reward and each mode. */
    static const struct { cbrdec exact; unsigned scale; const char *down, *up, *hup, *heven; } t[] = {
        {{25, 3}, 2, "0.02", "0.03", "0.03", "0.02"},        /* 2.5% of 1.00 USD */
        {{1665, 3}, 2, "1.66", "1.67", "1.67", "1.66"},      /* 5% of 33.30 USD */
        {{7575, 4}, 2, "0.75", "0.76", "0.76", "0.76"},      /* 7.5% of 10.10 USD */
        {{25, 1}, 0, "2", "3", "3", "2"},                    /* 10% of 25 JPY */
        {{15015, 6}, 3, "0.015", "0.016", "0.015", "0.015"}, /* 1.5% of 1.001 BHD */
    };
    for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
        check_round(t[i].exact, t[i].scale, CBR_ROUND_DOWN, t[i].down);
        check_round(t[i].exact, t[i].scale, CBR_ROUND_UP, t[i].up);
        check_round(t[i].exact, t[i].scale, CBR_ROUND_HALF_UP, t[i].hup);
        check_round(t[i].exact, t[i].scale, CBR_ROUND_HALF_EVEN, t[i].heven);
    }
}
END_TEST

START_TEST(round_not_half_way)
{
    check_round(D(51, 4), 2, CBR_ROUND_HALF_EVEN, "0.01"); /* 0.0051 */
    check_round(D(49, 4), 2, CBR_ROUND_HALF_UP, "0.00");   /* 0.0049 */
    check_round(D(-51, 4), 2, CBR_ROUND_HALF_EVEN, "-0.01");
    check_round(D(1, 4), 2, CBR_ROUND_UP, "0.01");         /* up whenever something drops */
    check_round(D(-1, 4), 2, CBR_ROUND_UP, "-0.01");
    check_round(D(99, 4), 2, CBR_ROUND_DOWN, "0.00");
    check_round(D(1500, 3), 2, CBR_ROUND_UP, "1.50");      /* nothing dropped */
}
END_TEST

START_TEST(round_to_more_digits_rescales)
{
    check_round(D(15, 1), 3, CBR_ROUND_DOWN, "1.500");
    check_round(D(15, 1), 1, CBR_ROUND_UP, "1.5");
    cbrdec r;
    ck_assert(!cbrdec_round(D(15, 1), 19, CBR_ROUND_DOWN, &r));
    ck_assert(!cbrdec_round(D(INT64_MAX, 0), 1, CBR_ROUND_DOWN, &r));
    /* Rounding the largest values never overflows downward. */
    ck_assert(cbrdec_round(D(INT64_MAX, 1), 0, CBR_ROUND_UP, &r));
    ck_assert_dec(r, INT64_MAX / 10 + 1, 0);
    ck_assert(cbrdec_round(D(INT64_MIN, 1), 0, CBR_ROUND_FLOOR, &r));
    ck_assert_dec(r, INT64_MIN / 10 - 1, 0);
    ck_assert(cbrdec_round(D(INT64_MIN, 18), 0, CBR_ROUND_HALF_EVEN, &r));
    ck_assert_dec(r, -9, 0);
}
END_TEST

/* ---- trim and format ---- */

START_TEST(trim_drops_trailing_zero_digits)
{
    ck_assert_dec(cbrdec_trim(D(1500, 3)), 15, 1);
    ck_assert_dec(cbrdec_trim(D(-250, 2)), -25, 1);
    ck_assert_dec(cbrdec_trim(D(0, 3)), 0, 0);
    ck_assert_dec(cbrdec_trim(D(100, 0)), 100, 0); /* integer zeros stay */
    ck_assert_dec(cbrdec_trim(D(105, 2)), 105, 2);
    ck_assert_dec(cbrdec_trim(D(1000000000000000000LL, 18)), 1, 0);
}
END_TEST

START_TEST(format_plain_text)
{
    ck_assert_str_eq(fmt(D(-1250, 2)), "-12.50");
    ck_assert_str_eq(fmt(D(5, 2)), "0.05");
    ck_assert_str_eq(fmt(D(0, 0)), "0");
    ck_assert_str_eq(fmt(D(0, 2)), "0.00");
    ck_assert_str_eq(fmt(D(-5, 2)), "-0.05");
    ck_assert_str_eq(fmt(D(1500, 0)), "1500");
    ck_assert_str_eq(fmt(D(1, 18)), "0.000000000000000001");
    ck_assert_str_eq(fmt(D(INT64_MAX, 0)), "9223372036854775807");
    ck_assert_str_eq(fmt(D(INT64_MIN, 0)), "-9223372036854775808");
    ck_assert_str_eq(fmt(D(INT64_MIN, 18)), "-9.223372036854775808");
}
END_TEST

START_TEST(format_truncates_and_returns_needed_length)
{
    char buf[8];
    memset(buf, 'x', sizeof buf);
    ck_assert_uint_eq(cbrdec_format(D(-1250, 2), buf, 4), 6);
    ck_assert_str_eq(buf, "-12");
    ck_assert_int_eq(buf[4], 'x');
    ck_assert_uint_eq(cbrdec_format(D(-1250, 2), buf, 0), 6); /* writes nothing */
    ck_assert_int_eq(buf[0], '-');
    ck_assert_uint_eq(cbrdec_format(D(-1250, 2), buf, 7), 6);
    ck_assert_str_eq(buf, "-12.50");
    /* 24 bytes always suffice. */
    char big[24];
    ck_assert_uint_lt(cbrdec_format(D(INT64_MIN, 18), big, sizeof big), sizeof big);
    ck_assert_uint_lt(cbrdec_format(D(-1, 18), big, sizeof big), sizeof big);
    ck_assert_str_eq(big, "-0.000000000000000001");
}
END_TEST

START_TEST(parse_format_round_trip)
{
    const char *texts[] = {"0", "1", "-1", "12.50", "-12.50", "0.05", "100.000", "0.000000000000000001",
                           "9223372036854775807", "-9223372036854775808", "-0.5"};
    for (size_t i = 0; i < sizeof texts / sizeof texts[0]; i++) {
        cbrdec d;
        ck_assert_msg(parse(texts[i], false, &d), "%s", texts[i]);
        ck_assert_str_eq(fmt(d), texts[i]);
    }
}
END_TEST

/* ---- currency (language reference 3, 9) ---- */

static int exp3(const char *s)
{
    return cbrcur_exponent(s, strlen(s));
}

START_TEST(currency_exponents)
{
    ck_assert_int_eq(exp3("USD"), 2);
    ck_assert_int_eq(exp3("EUR"), 2);
    ck_assert_int_eq(exp3("JPY"), 0);
    ck_assert_int_eq(exp3("BHD"), 3);
    ck_assert_int_eq(exp3("CLF"), 4);
    ck_assert_int_eq(exp3("ISK"), 0);
}
END_TEST

START_TEST(currency_unknown_codes)
{
    ck_assert_int_eq(exp3("XYZ"), -1);
    ck_assert_int_eq(exp3("XAU"), -1); /* gold: not money */
    ck_assert_int_eq(exp3("usd"), -1); /* codes are capitals */
    ck_assert_int_eq(exp3("US"), -1);
    ck_assert_int_eq(exp3("USDX"), -1);
    ck_assert_int_eq(exp3(""), -1);
    ck_assert_int_eq(cbrcur_exponent("USDX", 3), 2); /* only n bytes are read */
    ck_assert_int_eq(cbrcur_exponent("USD", 2), -1);
}
END_TEST

START_TEST(currency_table_sorted_and_consistent)
{
    size_t n = cbrcur_count();
    ck_assert_uint_gt(n, 100);
    ck_assert_ptr_null(cbrcur_code(n));
    for (size_t i = 0; i < n; i++) {
        const char *code = cbrcur_code(i);
        ck_assert_ptr_nonnull(code);
        ck_assert_uint_eq(strlen(code), 3);
        for (int k = 0; k < 3; k++)
            ck_assert_msg(code[k] >= 'A' && code[k] <= 'Z', "code %zu is \"%s\"", i, code);
        /* Binary search needs strictly ascending codes. */
        if (i > 0)
            ck_assert_msg(memcmp(cbrcur_code(i - 1), code, 3) < 0, "%s before %s", cbrcur_code(i - 1),
                          code);
        int e = cbrcur_exponent(code, 3);
        ck_assert_msg(e >= 0 && e <= 4, "%s has exponent %d", code, e);
    }
}
END_TEST

static Suite *decimal_suite(void)
{
    Suite *s = suite_create("decimal");
    UNIT_TCASE(s, "parse", parse_plain_integers_and_decimals, parse_signs, parse_rejects_bad_syntax,
               parse_underscores_between_digits_only, parse_underscores_refused_when_not_allowed,
               parse_fraction_digits_limit, parse_int64_limits);
    UNIT_TCASE(s, "convert", from_int_and_rescale);
    UNIT_TCASE(s, "compare", cmp_is_exact_across_scales);
    UNIT_TCASE(s, "arith", add_sub_exact, add_sub_detect_overflow, sub_of_int64_min_when_result_fits,
               neg_detects_int64_min, mul_exact_and_overflow, mul_scale_limit_drops_only_zeros,
               div_each_rounding_mode, div_refuses_zero_overflow_and_scale);
    UNIT_TCASE(s, "round", round_half_way_table, round_floor_and_ceil, round_language_reference_table,
               round_not_half_way, round_to_more_digits_rescales);
    UNIT_TCASE(s, "text", trim_drops_trailing_zero_digits, format_plain_text,
               format_truncates_and_returns_needed_length, parse_format_round_trip);
    UNIT_TCASE(s, "currency", currency_exponents, currency_unknown_codes,
               currency_table_sorted_and_consistent);
    return s;
}

UNIT_MAIN(decimal_suite)
