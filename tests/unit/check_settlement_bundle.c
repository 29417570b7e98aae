/* check_settlement_bundle.c: the bundle reader (vm/bundle.c) and the
 * verifier (vm/verify.c) on what `limit N total`, `per year`, budgets per
 * period, campaign zones, `no partial` and days_between add to a program:
 * the optional settlement section, new limit kinds and periods, and SUB of
 * two dates.  A program without them keeps its 13 sections; one with them
 * round-trips; each damaged field is refused with a message naming it.
 * (check_verify.c covers everything else of the format.) */
#include "config.h"
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "tests/unit/unit.h"
#include "tests/unit/bundle_bytes.h"
#include "vm/program.h"

static const char OLD[] = "campaign \"c\" { budget 100.00 }\n"
                          "offer \"o\" { campaign \"c\" limit 2 per user per month budget 50.00\n"
                          "  when amount > 10 then cashback 1% }\n";

static const char NEW[] = "field signup: date\n"
                          "campaign \"c\" { budget 100.00 per day timezone \"Asia/Tokyo\" }\n"
                          "offer \"o\" { campaign \"c\" limit 3 total per year limit 1 per user\n"
                          "  budget 50.00 per week no partial\n"
                          "  when days_between(signup, date) <= 90 then cashback 1% }\n";

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
static void load_x(cbrx_program *x)
{
    size_t n;
    uint8_t *d = bundle_of(NEW, &n);
    cbr_config cfg;
    cbr_config_init(&cfg);
    cfg.alloc = plain_alloc; /* cbrx_load takes the config as it is */
    cbr_error err;
    ck_assert_msg(cbrx_load(&cfg, d, n, x, &err), "%s", err.message);
    ck_assert_msg(cbrx_verify(x, &err), "the good bundle: %s", err.message);
    free(d);
}

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

/* ---- the sections ---- */

/* A program of the constructs that came before keeps its 13 sections (and
 * so its bytes and hash); one that uses the new ones has 14. */
START_TEST(settlement_section_only_when_used)
{
    size_t n;
    uint8_t *d = bundle_of(OLD, &n);
    ck_assert_uint_eq(get32(d + 12), 13);
    free(d);
    d = bundle_of(NEW, &n);
    ck_assert_uint_eq(get32(d + 12), 14);
    cbr_program *p = NULL;
    cbr_error err;
    ck_assert_msg(cbr_program_load(NULL, d, n, &p, &err) == CBR_OK, "%s", err.message);
    void *again;
    size_t m;
    ck_assert_int_eq(cbr_program_save(p, &again, &m, &err), CBR_OK);
    ck_assert_uint_eq(m, n);
    ck_assert(memcmp(again, d, n) == 0);
    cbr_free(again);
    cbr_program_free(p);
    free(d);
}
END_TEST

START_TEST(settlement_section_counts_are_the_programs)
{
    size_t n;
    uint8_t *d = bundle_of(NEW, &n);
    size_t at = sec_off(d, SETTLEMENT);
    ck_assert_uint_eq(get32(d + at), 1); /* one campaign */
    set32(d + at, 2);
    cbrx_seal(d, n);
    ck_refused(d, n, "section settlement: its campaigns are not the program's");
    set32(d + at, 1);
    size_t offers = at + 4 + 5;
    ck_assert_uint_eq(get32(d + offers), 1);
    set32(d + offers, 0);
    cbrx_seal(d, n);
    ck_refused(d, n, "section settlement: its offers are not the program's");
    free(d);
}
END_TEST

/* A settlement section cut short, whatever its declared length. */
START_TEST(settlement_section_truncated)
{
    size_t n;
    uint8_t *d = bundle_of(NEW, &n);
    size_t len = sec_len(d, SETTLEMENT);
    ck_assert_uint_eq(sec_off(d, SETTLEMENT) + len, n); /* the last section */
    for (size_t cut = 1; cut <= len; cut++) {
        size_t m = n - cut;
        uint8_t *q = malloc(m);
        ck_assert_ptr_nonnull(q);
        memcpy(q, d, m);
        set32(q + HEADER + (SETTLEMENT - 1) * 12 + 8, (uint32_t)(len - cut));
        for (int i = 0; i < 8; i++)
            q[16 + i] = (uint8_t)((uint64_t)m >> (8 * i));
        cbrx_seal(q, m);
        ck_refused(q, m, "section settlement is truncated");
        free(q);
    }
    free(d);
}
END_TEST

/* ---- what the verifier checks ---- */

START_TEST(campaign_zone_and_budget_period)
{
    cbrx_program x;
    load_x(&x);
    ck_assert_uint_eq(x.campaigns[0].budget_period, XP_DAY);
    ck_assert_str_eq(cbrx_str(&x, x.tzs[x.campaigns[0].tz]), "Asia/Tokyo");
    x.campaigns[0].tz = x.ntzs;
    ck_verify_refuses(&x, "campaign 0: bad time zone or budget period");
    load_x(&x);
    x.campaigns[0].budget_period = XP_YEAR + 1;
    ck_verify_refuses(&x, "campaign 0: bad time zone or budget period");
    load_x(&x);
    x.campaigns[0].has_budget = 0; /* a period of no budget */
    ck_verify_refuses(&x, "campaign 0: bad time zone or budget period");
}
END_TEST

START_TEST(offer_budget_period_and_flags)
{
    cbrx_program x;
    load_x(&x);
    ck_assert_uint_eq(x.offers[0].budget_period, XP_WEEK);
    ck_assert_uint_eq(x.offers[0].flags, XO_NO_PARTIAL);
    x.offers[0].budget_period = XP_YEAR + 1;
    ck_verify_refuses(&x, "offer 0 (\"o\"): bad time zone, rounding or budget");
    load_x(&x);
    x.offers[0].has_budget = 0;
    ck_verify_refuses(&x, "offer 0 (\"o\"): bad time zone, rounding or budget");
    load_x(&x);
    x.offers[0].flags = 0x80;
    ck_verify_refuses(&x, "offer 0 (\"o\"): unknown flags 0x80");
}
END_TEST

START_TEST(limit_kinds_and_periods)
{
    cbrx_program x;
    load_x(&x);
    ck_assert_uint_eq(x.nlimits, 2);
    ck_assert_uint_eq(x.limits[0].kind, XL_TOTAL);
    ck_assert_uint_eq(x.limits[0].period, XP_YEAR);
    ck_assert_uint_eq(x.limits[1].kind, XL_COUNT);
    x.limits[0].period = XP_YEAR + 1;
    ck_verify_refuses(&x, "limit 0: bad kind, period or amount");
    load_x(&x);
    x.limits[0].kind = XL_TOTAL + 1;
    ck_verify_refuses(&x, "limit 0: bad kind, period or amount");
    load_x(&x);
    x.limits[0].count = 0; /* a total of no award */
    ck_verify_refuses(&x, "limit 0: bad kind, period or amount");
}
END_TEST

/* days_between is SUB of two dates into an int of days, and nothing else. */
START_TEST(date_minus_date_is_an_int)
{
    cbrx_program x;
    load_x(&x);
    const cbrx_offer *o = &x.offers[0];
    uint32_t pc = o->code;
    while (pc < o->code + o->ncode && x.code[pc].op != XOP_SUB)
        pc++;
    ck_assert_uint_lt(pc, o->code + o->ncode);
    uint16_t d = x.code[pc].d, a = x.code[pc].a;
    ck_assert_uint_eq(x.regs[d].type, X_INT);
    ck_assert_uint_eq(x.regs[a].type, X_DATE);
    x.regs[d].type = X_DATE;
    ck_verify_refuses(&x, "(SUB): a date minus a date is an int of days; found date - date into date");
    load_x(&x);
    x.regs[x.code[pc].b].type = X_INT; /* the register the other date was loaded into */
    cbr_error err;
    ck_assert(!cbrx_verify(&x, &err));
    cbrx_program_release(&x);
}
END_TEST

static Suite *make_suite(void)
{
    Suite *s = suite_create("settlement-bundle");
    UNIT_TCASE(s, "sections", settlement_section_only_when_used, settlement_section_counts_are_the_programs,
               settlement_section_truncated);
    UNIT_TCASE(s, "verify", campaign_zone_and_budget_period, offer_budget_period_and_flags,
               limit_kinds_and_periods, date_minus_date_is_an_int);
    return s;
}

UNIT_MAIN(make_suite)
