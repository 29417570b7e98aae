/* fuzz_batch.c: the fixed transactions the evaluating fuzz targets run
 * (fuzz_bundle, fuzz_diff), and their evaluation into a plain list of
 * awards that two programs can be compared by. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "fuzz/fuzz.h"

void cbrfuzz_fail(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("fuzz invariant failed: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    abort();
}

/* The standard input fields of each row, in the order of cbr.h's field
 * list: tid, user_id, amount, currency, merchant, mcc, country, channel,
 * timestamp.  NULL leaves a field missing. */
static const char *const rows[][9] = {
    {"t1", "u1", "20.00", "USD", "Merchant X", "5411", "US", "pos", "2026-03-13T15:00:00Z"},
    {"t2", "u1", "120.00", "USD", "Merchant X", "5999", "US", "online", "2026-03-13T23:30:00Z"},
    {"t3", "u2", "80.5", "EUR", "Bakery", "5462", "DE", "pos", "2026-03-14T09:00:00+01:00"},
    {"t4", "u2", "3000", "JPY", "Konbini", "5411", "JP", "online", "2026-01-01T00:00:00Z"},
    {"t5", "u3", "0.01", "USD", NULL, NULL, NULL, NULL, "2026-12-31T23:59:59Z"},
    {"t6", "u1", "999999.99", "USD", "Orbit Air", "4511", "US", "online", "2026-03-15T12:00:00Z"},
    {"t7", NULL, "15.00", "USD", "Merchant X", "5411", "US", "pos", "2026-03-20T15:00:00Z"},
    {"t8", "u4", "12.345", "BHD", "Souq", "5311", "BH", "pos", "2026-06-05T18:00:00+03:00"},
    {"t9", "u1", "20.00", "USD", "Merchant X", "5411", "US", "pos", "2026-03-13T15:00:00Z"},
    {"t10", "u5", "-5.00", "USD", "Refund", "5411", "US", "pos", "2026-03-13T15:00:00Z"},
    {"t11", "u5", "1.001", "USD", "Bad", "5411", "US", "pos", "2026-03-13T15:00:00Z"},
    {"t12", "u6", "50.00", "USD", "Merchant X", "5411", "US", "pos", "not a time"},
};
#define NROWS (sizeof rows / sizeof rows[0])

/* Declared fields get a value by type, varied by row; every fourth row
 * leaves them missing. */
static const char *declared(cbr_type t, size_t row)
{
    if (row % 4 == 3)
        return NULL;
    switch (t) {
    case CBR_T_BOOL: return row % 2 ? "true" : "false";
    case CBR_T_INT: return row % 3 ? "7" : "-2";
    case CBR_T_DECIMAL: return row % 3 ? "1.5" : "250";
    case CBR_T_STRING: return row % 3 == 0 ? "gold" : row % 3 == 1 ? "platinum" : "basic";
    case CBR_T_DATE: return row % 2 ? "2026-03-13" : "2025-12-31";
    case CBR_T_INSTANT: return "2026-03-13T15:00:00Z";
    default: return "1";
    }
}

cbr_batch *cbrfuzz_batch(const cbr_program *p)
{
    cbr_batch *b;
    if (cbr_batch_new(p, NROWS, &b, NULL) != CBR_OK)
        return NULL;
    size_t nf = cbr_program_field_count(p);
    for (size_t r = 0; r < NROWS; r++) {
        cbr_error err;
        if (cbr_batch_begin_row(b, &err) != CBR_OK)
            break;
        for (size_t f = 0, std = 0; f < nf; f++) {
            if (!cbr_program_field_is_input(p, f))
                continue;
            const char *v = std < 9 ? rows[r][std] : declared(cbr_program_field_type(p, f), r);
            std++;
            if (v)
                cbr_batch_set(b, f, v, strlen(v), &err);
        }
        size_t row;
        cbr_batch_end_row(b, &row, &err);
    }
    return b;
}

void cbrfuzz_eval(const cbr_program *p, cbrfuzz_result *out)
{
    memset(out, 0, sizeof *out);
    cbr_error err = {0};
    if (cbr_program_runnable(p, &err) != CBR_OK) {
        out->status = err.status;
        snprintf(out->message, sizeof out->message, "%s", err.message);
        return;
    }
    cbr_batch *b = cbrfuzz_batch(p);
    cbr_context *ctx = NULL;
    if (!b || cbr_context_new(p, NROWS, &ctx, &err) != CBR_OK) {
        out->status = CBR_ERR_NOMEM;
    } else {
        out->status = cbr_eval(ctx, b, NULL, NULL, &err);
        snprintf(out->message, sizeof out->message, "%s", err.message);
        size_t n = 0;
        const cbr_award *a = cbr_context_awards(ctx, &n);
        if (out->status == CBR_OK && n) {
            out->awards = malloc(n * sizeof *a);
            if (out->awards) {
                memcpy(out->awards, a, n * sizeof *a);
                out->n = n;
            }
        }
        /* Every award names a row of the batch and an offer of the program. */
        for (size_t i = 0; i < out->n; i++) {
            CBRFUZZ_CHECK(out->awards[i].row < cbr_batch_rows(b), "award %zu: row %zu of %zu", i,
                          out->awards[i].row, cbr_batch_rows(b));
            CBRFUZZ_CHECK(out->awards[i].offer < cbr_program_offer_count(p), "award %zu: offer %zu of %zu",
                          i, out->awards[i].offer, cbr_program_offer_count(p));
            char buf[32];
            CBRFUZZ_CHECK(cbr_award_amount(&out->awards[i], buf, sizeof buf) < sizeof buf,
                          "award %zu: amount does not fit 32 bytes", i);
        }
    }
    cbr_context_free(ctx);
    cbr_batch_free(b);
}

void cbrfuzz_result_free(cbrfuzz_result *r)
{
    free(r->awards);
    r->awards = NULL;
    r->n = 0;
}
