/* good_bundle.h: the good bundle the verifier tests damage (check_verify.c
 * and check_verify_run.c): a program rich enough to use most opcodes,
 * every table and every selection op, compiled once per process. */
#ifndef CBR_TESTS_GOOD_BUNDLE_H
#define CBR_TESTS_GOOD_BUNDLE_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "tests/unit/unit.h"
#include "vm/program.h"

/* Rich enough to use most opcodes, every table and every selection op. */
static const char SRC[] =
    "field tier: string\n"
    "field score: decimal\n"
    "field vip: bool\n"
    "let big = amount >= 100\n"
    "campaign \"c\" { budget 1000.00 USD }\n"
    "offer \"a\" { campaign \"c\" priority 5 exclusive \"g\" timezone \"America/New_York\"\n"
    "  valid 2026-01-01 to 2026-12-31\n"
    "  when big and merchant in [\"X\", \"Y\"] and weekday == FRI then cashback 10% up to 20.00\n"
    "  when not (tier == \"gold\") or lower(merchant) ~= \"x\" then cashback 1.50 }\n"
    "offer \"b\" { exclusive \"g\"\n"
    "  when amount / 3 > 1.5 and len(merchant) between 1 and 20 then cashback 2% }\n"
    "offer \"m\" { limit 3 per user per day limit 50.00 per user per month budget 500.00 USD\n"
    "  when amount + 1.00 > 50 and amount * 2 < 10000 and abs(score - 1) >= 0.5\n"
    "       and max(amount, 5.00) > 6 and round(score) == 2 then cashback 1%\n"
    "  when (amount > 5) == (mcc in [1, 2]) and vip and exists(country)\n"
    "       and contains(merchant, \"z\") and ends_with(upper(merchant), \"Z\") and -score < 0\n"
    "       and min(timestamp, 2026-06-01T00:00:00Z) > 2026-01-01T00:00:00Z then cashback 1.00 }\n"
    "when mcc in [5411] or starts_with(merchant, \"Ac\") then cashback 0.5%\n";

/* ---- the good bundle ---- */

static uint8_t *good_data;
static size_t good_len;

static void drop_good(void)
{
    free(good_data);
    good_data = NULL;
}

/* The bundle of SRC, compiled once per process. */
static const uint8_t *good(size_t *len)
{
    if (!good_data) {
        cbr_compiler *c = unit_compile(SRC);
        ck_assert_no_errors(c);
        cbr_program *p = NULL;
        cbr_error err;
        ck_assert_msg(cbr_compiler_program(c, &p, &err) == CBR_OK, "%s", err.message);
        void *d;
        size_t n;
        ck_assert_msg(cbr_program_save(p, &d, &n, &err) == CBR_OK, "%s", err.message);
        good_data = malloc(n);
        ck_assert_ptr_nonnull(good_data);
        memcpy(good_data, d, n);
        good_len = n;
        cbr_free(d);
        cbr_program_free(p);
        cbr_compiler_free(c);
        atexit(drop_good);
    }
    *len = good_len;
    return good_data;
}

/* A malloc'ed copy of the good bundle, with room for `extra` more bytes. */
static uint8_t *copy_good(size_t *len, size_t extra)
{
    const uint8_t *g = good(len);
    uint8_t *d = malloc(*len + extra + 1);
    ck_assert_ptr_nonnull(d);
    memcpy(d, g, *len);
    memset(d + *len, 0, extra + 1);
    return d;
}

/* The first LOAD of field f in offer o. */
static uint32_t find_load(const cbrx_program *x, uint32_t o, uint32_t f)
{
    const cbrx_offer *of = &x->offers[o];
    for (uint32_t pc = of->code; pc < of->code + of->ncode; pc++)
        if (x->code[pc].op == XOP_LOAD && x->code[pc].k == f)
            return pc;
    ck_abort_msg("offer %u does not load field %u", o, f);
    return 0;
}

#endif
