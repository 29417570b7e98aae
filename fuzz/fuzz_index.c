/* fuzz_index.c: libFuzzer target, differential: the cross-offer index
 * against running every offer on every row.
 *
 * The bytes are read as choices, not as text: they pick a program that
 * always compiles (offers over merchant, mcc, channel, country, a declared
 * field and a table set, in `==`, `!=`, `in`, `not in`, `and`, `or`, `not`,
 * lets, valid windows, exclusive and best-of groups, limits, several
 * clauses) and a batch of transactions over the same values (some missing,
 * some of values no offer names, duplicates).  Both are evaluated on two
 * contexts, one made with CBR_INDEX=off in the environment, and the awards
 * must agree exactly: rows, offers, clauses, amounts, in order.  Any
 * difference aborts. */
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "fuzz/fuzz.h"

typedef struct bytes {
    const uint8_t *p;
    size_t n, at;
} bytes;

/* The next choice; zeros once the bytes run out, so every input is a program. */
static unsigned pick(bytes *b, unsigned n)
{
    unsigned v = b->at < b->n ? b->p[b->at++] : 0;
    return n ? v % n : 0;
}

typedef struct text {
    char *p;
    size_t n, cap;
} text;

static void put(text *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void put(text *t, const char *fmt, ...)
{
    if (!t->p) {
        t->p = malloc(t->cap = 256);
        CBRFUZZ_CHECK(t->p != NULL, "out of memory");
    }
    for (;;) {
        va_list ap;
        va_start(ap, fmt);
        int k = vsnprintf(t->p + t->n, t->cap - t->n, fmt, ap);
        va_end(ap);
        if (k >= 0 && (size_t)k < t->cap - t->n) {
            t->n += (size_t)k;
            return;
        }
        size_t nc = t->cap * 2 + (k > 0 ? (size_t)k : 0) + 256;
        char *q = realloc(t->p, nc);
        CBRFUZZ_CHECK(q != NULL, "out of memory");
        t->p = q;
        t->cap = nc;
    }
}

static const char *const merchants[] = {"Acme", "Bolt", "Café Nuit", "Dune", "Echo"};
static const char *const mccs[] = {"5411", "5812", "4111", "5999"};
static const char *const channels[] = {"pos", "online", "contactless"};
static const char *const countries[] = {"US", "DE", "FR"};
static const char *const tiers[] = {"gold", "silver", "basic"};
#define N(a) (sizeof a / sizeof *a)

/* A list of 1..3 of the n strings (quoted) or numbers. */
static void list(text *t, bytes *b, const char *const *v, unsigned n, bool quote)
{
    unsigned k = 1 + pick(b, 3), first = pick(b, n);
    put(t, "[");
    for (unsigned i = 0; i < k && i < n; i++)
        put(t, quote ? "%s\"%s\"" : "%s%s", i ? ", " : "", v[(first + i) % n]);
    put(t, "]");
}

static void atom(text *t, bytes *b, unsigned nlets)
{
    switch (pick(b, 13)) {
    case 0: put(t, "merchant == \"%s\"", merchants[pick(b, N(merchants))]); break;
    case 1: put(t, "merchant != \"%s\"", merchants[pick(b, N(merchants))]); break;
    case 2: put(t, "merchant in "); list(t, b, merchants, N(merchants), true); break;
    case 3: put(t, "merchant not in "); list(t, b, merchants, N(merchants), true); break;
    case 4: put(t, "mcc == %s", mccs[pick(b, N(mccs))]); break;
    case 5: put(t, "mcc in "); list(t, b, mccs, N(mccs), false); break;
    case 6: put(t, "channel == \"%s\"", channels[pick(b, N(channels))]); break;
    case 7: put(t, "country in "); list(t, b, countries, N(countries), true); break;
    case 8: put(t, "amount >= %u.00", pick(b, 60)); break;
    case 9: put(t, "weekday in [SAT, SUN]"); break;
    case 10: put(t, "tier == \"%s\"", tiers[pick(b, N(tiers))]); break;
    case 11: put(t, pick(b, 2) ? "merchant in partners" : "merchant not in partners"); break;
    default:
        if (nlets)
            put(t, "l%u", pick(b, nlets));
        else
            put(t, "mcc != 5999");
        break;
    }
}

static void cond(text *t, bytes *b, unsigned depth, unsigned nlets)
{
    unsigned k = depth < 3 ? pick(b, 5) : 0;
    switch (k) {
    case 1: case 2:
        put(t, "(");
        cond(t, b, depth + 1, nlets);
        put(t, k == 1 ? " and " : " or ");
        cond(t, b, depth + 1, nlets);
        put(t, ")");
        break;
    case 3:
        put(t, "not (");
        cond(t, b, depth + 1, nlets);
        put(t, ")");
        break;
    default:
        atom(t, b, nlets);
        break;
    }
}

static void program(text *t, bytes *b)
{
    put(t, "field tier: string\n");
    put(t, "table partners: string = [\"Acme\", \"Dune\"]\n");
    unsigned nlets = pick(b, 3);
    for (unsigned i = 0; i < nlets; i++) {
        put(t, "let l%u = ", i);
        cond(t, b, 1, i);
        put(t, "\n");
    }
    unsigned noffers = 1 + pick(b, 8);
    for (unsigned o = 0; o < noffers; o++) {
        put(t, "offer \"o%u\" {\n", o);
        if (pick(b, 4) == 0)
            put(t, "    valid 2026-03-%02u to 2026-03-%02u\n", 1 + pick(b, 10), 10 + pick(b, 20));
        if (pick(b, 3) == 0) {
            unsigned g = pick(b, 2); /* g1 is a best-of group, g0 is not: all its offers say so */
            put(t, "    exclusive \"g%u\"%s\n", g, g ? " best" : "");
        }
        if (pick(b, 3) == 0)
            put(t, "    priority %u\n", pick(b, 4));
        if (pick(b, 4) == 0)
            put(t, "    limit %u per user\n", 1 + pick(b, 3));
        unsigned nclauses = 1 + pick(b, 3);
        for (unsigned c = 0; c < nclauses; c++) {
            put(t, "    when ");
            cond(t, b, 0, nlets);
            switch (pick(b, 3)) {
            case 0: put(t, " then cashback %u%%\n", 1 + pick(b, 20)); break;
            case 1: put(t, " then cashback %u.%02u\n", pick(b, 5), pick(b, 100)); break;
            default: put(t, " then cashback %u%% up to %u.00\n", 1 + pick(b, 20), 1 + pick(b, 5)); break;
            }
        }
        put(t, "}\n");
    }
}

/* The batch: rows over the same values, some missing, some unknown. */
static cbr_batch *batch(const cbr_program *p, bytes *b, text *scratch)
{
    cbr_batch *bt;
    if (cbr_batch_new(p, 64, &bt, NULL) != CBR_OK)
        return NULL;
    unsigned nrows = 1 + pick(b, 64);
    for (unsigned r = 0; r < nrows; r++) {
        cbr_error err;
        if (cbr_batch_begin_row(bt, &err) != CBR_OK)
            break;
        size_t nf = cbr_program_field_count(p);
        for (size_t f = 0; f < nf; f++) {
            if (!cbr_program_field_is_input(p, f))
                continue;
            const char *name = cbr_program_field_name(p, f);
            scratch->n = 0;
            unsigned miss = pick(b, 16) == 0;
            if (!strcmp(name, "tid"))
                put(scratch, "t%u", pick(b, 4) == 0 && r ? r - 1 : r);
            else if (!strcmp(name, "user_id"))
                put(scratch, "u%u", pick(b, 5));
            else if (!strcmp(name, "amount"))
                put(scratch, "%u.%02u", pick(b, 80), pick(b, 100));
            else if (!strcmp(name, "currency"))
                put(scratch, "%s", pick(b, 8) ? "USD" : "EUR");
            else if (!strcmp(name, "timestamp"))
                put(scratch, "2026-03-%02uT%02u:%02u:00Z", 1 + pick(b, 28), pick(b, 24), pick(b, 60));
            else if (miss)
                continue;
            else if (!strcmp(name, "merchant"))
                put(scratch, "%s", pick(b, 6) ? merchants[pick(b, N(merchants))] : "Zed");
            else if (!strcmp(name, "mcc"))
                put(scratch, "%s", pick(b, 6) ? mccs[pick(b, N(mccs))] : "7011");
            else if (!strcmp(name, "channel"))
                put(scratch, "%s", channels[pick(b, N(channels))]);
            else if (!strcmp(name, "country"))
                put(scratch, "%s", pick(b, 6) ? countries[pick(b, N(countries))] : "JP");
            else if (!strcmp(name, "tier"))
                put(scratch, "%s", tiers[pick(b, N(tiers))]);
            else
                continue;
            cbr_batch_set(bt, f, scratch->p, scratch->n, &err);
        }
        cbr_batch_end_row(bt, NULL, &err);
    }
    return bt;
}

typedef struct run {
    cbr_status st;
    cbr_award *a;
    size_t n;
} run;

static void evaluate(const cbr_program *p, cbr_batch *bt, bool index, run *out)
{
    if (!index)
        setenv("CBR_INDEX", "off", 1);
    cbr_context *ctx = NULL;
    cbr_status st = cbr_context_new(p, 64, &ctx, NULL);
    if (!index)
        unsetenv("CBR_INDEX");
    CBRFUZZ_CHECK(st == CBR_OK, "no context");
    out->st = cbr_eval(ctx, bt, NULL, NULL, NULL);
    const cbr_award *a = cbr_context_awards(ctx, &out->n);
    out->a = calloc(out->n + 1, sizeof *out->a);
    CBRFUZZ_CHECK(out->a != NULL, "out of memory");
    for (size_t i = 0; i < out->n; i++) {
        out->a[i] = a[i];
        out->a[i].offer_id = NULL;      /* the program's; compared by index */
        out->a[i].campaign_id = NULL;
        out->a[i].tid = NULL;
        out->a[i].user_id = NULL;
        out->a[i].event_tid = NULL;
    }
    cbr_context_free(ctx);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    bytes b = {data, size, 0};
    text src = {0}, scratch = {0};
    program(&src, &b);
    cbr_compiler *c;
    if (cbr_compiler_new(NULL, &c, NULL) != CBR_OK)
        return 0;
    cbr_compiler_add_source(c, "index.cbr", src.p, src.n, NULL);
    cbr_program *p = NULL;
    cbr_error err;
    if (cbr_compiler_check(c, NULL) != CBR_OK || cbr_compiler_program(c, &p, &err) != CBR_OK) {
        /* Every program this makes is meant to compile: one that does not
         * is a bug of the generator, shown with its source. */
        const char *why = cbr_compiler_diagnostic_count(c) ? cbr_compiler_diagnostic(c, 0)->message : "";
        cbrfuzz_fail("the generated program does not compile: %s\n%.*s", why, (int)src.n, src.p);
    }
    cbr_batch *bt = batch(p, &b, &scratch);
    CBRFUZZ_CHECK(bt != NULL, "no batch");
    run on, off;
    evaluate(p, bt, true, &on);
    evaluate(p, bt, false, &off);
    CBRFUZZ_CHECK(on.st == off.st, "status %d with the index, %d without", (int)on.st, (int)off.st);
    CBRFUZZ_CHECK(on.n == off.n, "%zu awards with the index, %zu without\n%.*s", on.n, off.n, (int)src.n, src.p);
    for (size_t i = 0; i < on.n; i++) {
        const cbr_award *x = &on.a[i], *y = &off.a[i];
        CBRFUZZ_CHECK(x->row == y->row && x->offer == y->offer && x->clause == y->clause &&
                          x->cashback == y->cashback && x->cut == y->cut && !strcmp(x->currency, y->currency),
                      "award %zu: row %zu offer %zu clause %u %lld with the index, row %zu offer %zu clause %u "
                      "%lld without\n%.*s",
                      i, x->row, x->offer, x->clause, (long long)x->cashback, y->row, y->offer, y->clause,
                      (long long)y->cashback, (int)src.n, src.p);
    }
    free(on.a);
    free(off.a);
    cbr_batch_free(bt);
    cbr_program_free(p);
    cbr_compiler_free(c);
    free(src.p);
    free(scratch.p);
    return 0;
}
