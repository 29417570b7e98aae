/* tables_bench.c: cbr-bench-tables, the benchmark behind `make bench-tables`.
 *
 * The workload of `make bench` (the same seeded transactions, 5,000
 * merchants drawn Zipf-like) against offers that read a 5,000-row merchant
 * table and two tallies:
 *
 *     table merchant_rate: string -> decimal = {...}     one rate per merchant
 *     tally visits = count per user per month
 *     tally spend = sum amount per user
 *
 * Part 1 times cbr_eval over four such offers against the same offers in
 * plain C: an open-addressing hash table from merchant name (the string,
 * hashed and compared per row as cbr gets it) to rate, and two hash maps of
 * per-user counters, (user, month) -> count and (user, currency) -> spend,
 * updated for each purchase before its offers are evaluated, as cbr does.
 * Both sides must grant the same awards (count, cashback per currency, a
 * digest of row, offer and amount) or it prints MISMATCH and fails.
 *
 * Part 2 prices one table lookup and one tally read against one field
 * compare: four programs with the same declarations and an anchor offer,
 * three of them adding twenty offers of one kind (`amount >= X`,
 * `merchant_rate[merchant] >= X`, `visits >= X`, with X out of reach so
 * that nothing is paid and only the compares differ).  It prints ns per row of
 * each, and (program - anchor) / 20 as the cost of one compare.  Then the
 * same without the tallies (anchor and field and table programs): their
 * counting costs far more a row than a compare, and hides it.
 *
 * In part 1 every pass starts from empty tally state on both sides (a new
 * context, or cleared maps, outside the timed region); the timed region is
 * the evaluation of all batches; best of --reps runs of at least --min-time
 * s.  In part 2 each program keeps one context, warmed by one pass (nothing
 * is paid, so awards stay 0 as counts grow); passes of the seven programs
 * are taken in turn, for --reps * --min-time s of evaluation in all and at
 * least 5 rounds, and the fastest pass of each kept.
 *
 *     cbr-bench-tables [--tx N] [--seed S] [--min-time S] [--reps N]
 */
#include "config.h"
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "cbr.h"
#include "bench/workload.h"

#define BATCH 1024
#define NCMP 20 /* compares per program in part 2 */

static struct {
    size_t ntx;
    unsigned long long seed;
    double min_time;
    unsigned reps;
} opt = {100000, 20260302, 0.5, 3};

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* The rate of merchant m in thousandths, 0.010 .. 0.100: drawn from the seed. */
static int64_t rate_of(uint32_t m)
{
    bench_rng r;
    bench_rng_seed(&r, opt.seed ^ 0x72617465u ^ ((uint64_t)m << 24)); /* "rate" */
    bench_rng_next(&r);
    return 10 + (int64_t)bench_rng_below(&r, 91);
}

/* ---- the rules ---- */

struct buf {
    char *p;
    size_t n, cap;
};

static void put(struct buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void put(struct buf *b, const char *fmt, ...)
{
    va_list ap;
    for (;;) {
        va_start(ap, fmt);
        int k = vsnprintf(b->p + b->n, b->cap - b->n, fmt, ap);
        va_end(ap);
        if (k >= 0 && (size_t)k < b->cap - b->n) {
            b->n += (size_t)k;
            return;
        }
        b->cap = b->cap * 2 + (size_t)k + 64;
        b->p = realloc(b->p, b->cap);
        if (!b->p) {
            fprintf(stderr, "cbr-bench-tables: out of memory\n");
            exit(1);
        }
    }
}

/* The declarations every program shares: the table (5,000 rows) and, when
 * tallies is set, the tallies. */
static void declarations(struct buf *b, int tallies)
{
    put(b, "table merchant_rate: string -> decimal = {\n");
    for (uint32_t m = 0; m < BENCH_MERCHANTS; m++)
        put(b, "    \"%s\": 0.%03lld%s\n", bench_merchant_name(m), (long long)rate_of(m),
            m + 1 < BENCH_MERCHANTS ? "," : "");
    put(b, "}\n");
    if (tallies)
        put(b, "tally visits = count per user per month\n"
               "tally spend = sum amount per user\n\n");
}

/* Part 1: offers o1..o4, in evaluation order. */
static const char MIXED[] =
    "offer \"o1\" {\n"
    "    when merchant in merchant_rate and amount >= 5.00\n"
    "        then cashback amount * merchant_rate[merchant]\n"
    "}\n"
    "offer \"o2\" { when visits == 3 then cashback 2.00 }\n"
    "offer \"o3\" { when spend >= 500.00 and merchant_rate[merchant] >= 0.050 then cashback 1.00 }\n"
    "offer \"o4\" { when visits >= 5 and spend >= 200.00 then cashback 1% }\n";

/* Part 2: the anchor reads both tallies and the table, and never pays. */
static const char ANCHOR[] =
    "offer \"o0\" { when visits == 1000000 and spend >= 0.00 and merchant_rate[merchant] >= 0 "
    "then cashback 0.01 }\n";

/* The same without tallies: the anchor reads the table only. */
static const char ANCHOR_NT[] =
    "offer \"o0\" { when merchant_rate[merchant] >= 1 then cashback 0.01 }\n";

enum { V_ANCHOR, V_FIELD, V_TABLE, V_TALLY, V_NT_ANCHOR, V_NT_FIELD, V_NT_TABLE, NVARIANTS };
static const char *const variant_name[NVARIANTS] = {
    "anchor only", "field compare", "table lookup", "tally read",
    "anchor only", "field compare", "table lookup"};

static void variant(struct buf *b, int v)
{
    int nt = v >= V_NT_ANCHOR;
    put(b, "%s", nt ? ANCHOR_NT : ANCHOR);
    if (nt)
        v -= V_NT_ANCHOR;
    /* Never true (amounts stay below 5,000.00, rates at or below 0.100, and
     * no customer has 100,000 visits), so no program pays: the difference is
     * the compares, not the awards. */
    for (int k = 1; k <= NCMP && v != V_ANCHOR; k++) {
        if (v == V_FIELD)
            put(b, "offer \"o%d\" { when amount >= %d0000.00 then cashback 0.01 }\n", k, k);
        else if (v == V_TABLE)
            put(b, "offer \"o%d\" { when merchant_rate[merchant] >= 0.%d then cashback 0.01 }\n", k,
                k + 100);
        else
            put(b, "offer \"o%d\" { when visits >= %d then cashback 0.01 }\n", k, 100000 + k);
    }
}

/* ---- the engine's side ---- */

struct vm {
    cbr_program *prog;
    cbr_batch **batches;
    size_t nbatches;
    unsigned *gen_index; /* program offer index -> the N of "oN" */
    cbr_context *keep;   /* part 2: one context for all passes (warm state) */
};

static int compile(const char *name, const char *src, cbr_program **out)
{
    cbr_compiler *c;
    cbr_error err;
    if (cbr_compiler_new(NULL, &c, &err) != CBR_OK)
        return -1;
    int rc = 0;
    if (cbr_compiler_add_source(c, name, src, strlen(src), &err) != CBR_OK ||
        cbr_compiler_check(c, &err) != CBR_OK) {
        for (size_t i = 0; i < cbr_compiler_diagnostic_count(c); i++) {
            char *d = NULL;
            cbr_diagnostic_format(NULL, cbr_compiler_diagnostic(c, i), &d, NULL, NULL);
            fprintf(stderr, "%s\n", d ? d : "(out of memory)");
            cbr_free(d);
        }
        fprintf(stderr, "cbr-bench-tables: %s does not compile: %s\n", name, err.message);
        rc = -1;
    } else if (cbr_compiler_program(c, out, &err) != CBR_OK) {
        fprintf(stderr, "cbr-bench-tables: %s: %s\n", name, err.message);
        rc = -1;
    }
    cbr_compiler_free(c);
    return rc;
}

static int vm_build(struct vm *v, const char *name, const char *src, const struct bench_tx *tx)
{
    memset(v, 0, sizeof *v);
    if (compile(name, src, &v->prog) != 0)
        return -1;
    size_t noffers = cbr_program_offer_count(v->prog);
    v->gen_index = calloc(noffers ? noffers : 1, sizeof *v->gen_index);
    if (!v->gen_index)
        return -1;
    for (size_t o = 0; o < noffers; o++)
        v->gen_index[o] = (unsigned)strtoul(cbr_program_offer_id(v->prog, o) + 1, NULL, 10);
    int field[BENCH_NFIELDS];
    for (int f = 0; f < BENCH_NFIELDS; f++) {
        field[f] = cbr_program_field(v->prog, bench_field_names[f], strlen(bench_field_names[f]));
    }
    v->nbatches = (opt.ntx + BATCH - 1) / BATCH;
    v->batches = calloc(v->nbatches, sizeof *v->batches);
    if (!v->batches)
        return -1;
    for (size_t b = 0; b < v->nbatches; b++) {
        cbr_error err;
        if (cbr_batch_new(v->prog, BATCH, &v->batches[b], &err) != CBR_OK)
            goto bad;
        for (size_t i = b * BATCH; i < opt.ntx && i < (b + 1) * BATCH; i++) {
            char text[128];
            if (cbr_batch_begin_row(v->batches[b], &err) != CBR_OK)
                goto bad;
            for (int f = 0; f < BENCH_NFIELDS; f++) {
                int n = bench_tx_text(tx, i, f, text, sizeof text);
                if (n >= 0 && field[f] >= 0 && /* a field no offer reads is not declared */
                    cbr_batch_set(v->batches[b], (size_t)field[f], text, (size_t)n, &err) != CBR_OK)
                    goto bad;
            }
            if (cbr_batch_end_row(v->batches[b], NULL, &err) != CBR_OK)
                goto bad;
        }
        continue;
    bad:
        fprintf(stderr, "cbr-bench-tables: %s: batch %zu: %s\n", name, b, err.message);
        return -1;
    }
    return 0;
}

static void vm_free(struct vm *v)
{
    if (v->batches)
        for (size_t b = 0; b < v->nbatches; b++)
            cbr_batch_free(v->batches[b]);
    free(v->batches);
    free(v->gen_index);
    cbr_context_free(v->keep);
    cbr_program_free(v->prog);
    memset(v, 0, sizeof *v);
}

static int currency_index(const char *cur)
{
    for (int i = 0; i < BENCH_CURRENCIES; i++)
        if (strcmp(cur, bench_currency_names[i]) == 0)
            return i;
    return -1;
}

/* One pass from empty tally state; *secs is the time of the evaluation. */
static int vm_pass(struct vm *v, struct bench_sink *s, double *secs)
{
    cbr_context *ctx;
    cbr_error err;
    memset(s, 0, sizeof *s);
    if (v->keep)
        ctx = v->keep;
    else if (cbr_context_new(v->prog, BATCH, &ctx, &err) != CBR_OK) {
        fprintf(stderr, "cbr-bench-tables: cbr_context_new: %s\n", err.message);
        return -1;
    }
    double el = 0;
    for (size_t b = 0; b < v->nbatches; b++) {
        double t0 = now();
        cbr_status st = cbr_eval(ctx, v->batches[b], NULL, NULL, &err);
        el += now() - t0;
        if (st != CBR_OK) {
            fprintf(stderr, "cbr-bench-tables: cbr_eval: %s\n", err.message);
            if (!v->keep)
                cbr_context_free(ctx);
            return -1;
        }
        size_t n;
        const cbr_award *a = cbr_context_awards(ctx, &n);
        for (size_t i = 0; i < n; i++) {
            int cur = currency_index(a[i].currency);
            if (cur < 0) {
                if (!v->keep)
                    cbr_context_free(ctx);
                return -1;
            }
            s->awards++;
            s->cashback[cur] += a[i].cashback;
            s->digest += bench_mix(b * BATCH + a[i].row, v->gen_index[a[i].offer], a[i].cashback);
        }
    }
    if (!v->keep)
        cbr_context_free(ctx);
    *secs = el;
    return 0;
}

/* ---- the C side ---- */

static uint64_t fnv1a(const char *s)
{
    uint64_t h = 0xcbf29ce484222325u;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 0x100000001b3u;
    return h;
}

/* merchant name -> rate in thousandths, open addressing, 8,192 slots. */
#define RATE_SLOTS 8192
static struct rate_slot {
    const char *name;
    int64_t rate;
} rates[RATE_SLOTS];

static void rates_build(void)
{
    for (uint32_t m = 0; m < BENCH_MERCHANTS; m++) {
        const char *name = bench_merchant_name(m);
        size_t i = fnv1a(name) & (RATE_SLOTS - 1);
        while (rates[i].name)
            i = (i + 1) & (RATE_SLOTS - 1);
        rates[i].name = name;
        rates[i].rate = rate_of(m);
    }
}

/* 1 and *rate when the table holds name. */
static inline int rate_lookup(const char *name, int64_t *rate)
{
    for (size_t i = fnv1a(name) & (RATE_SLOTS - 1); rates[i].name; i = (i + 1) & (RATE_SLOTS - 1))
        if (strcmp(rates[i].name, name) == 0) {
            *rate = rates[i].rate;
            return 1;
        }
    return 0;
}

/* uint64 key -> int64 counter, open addressing; key 0 is never used. */
#define CTR_SLOTS (1u << 19)
struct counters {
    uint64_t key[CTR_SLOTS];
    int64_t val[CTR_SLOTS];
};
static struct counters visits_map, spend_map;

static inline int64_t *counter(struct counters *c, uint64_t key)
{
    uint64_t h = key * 0x9E3779B97F4A7C15u;
    size_t i = (size_t)(h >> 45) & (CTR_SLOTS - 1);
    while (c->key[i] && c->key[i] != key)
        i = (i + 1) & (CTR_SLOTS - 1);
    if (!c->key[i])
        c->key[i] = key;
    return &c->val[i];
}

/* UTC year * 12 + month - 1 of a Unix time (H. Hinnant's civil_from_days). */
static inline int64_t month_of(int64_t ts)
{
    int64_t z = (ts >= 0 ? ts : ts - 86399) / 86400 + 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    unsigned doe = (unsigned)(z - era * 146097);
    unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    unsigned mp = (5 * doy + 2) / 153;
    unsigned m = mp < 10 ? mp + 3 : mp - 9;
    int64_t y = (int64_t)yoe + era * 400 + (m <= 2);
    return y * 12 + (int64_t)m - 1;
}

static inline int64_t money(const struct bench_tx *t, int64_t h) { return t->exp == 2 ? h : h / 100; }

/* A reward that comes to zero awards nothing (doc/semantics.md, step 1.6). */
static inline void award(struct bench_sink *s, const struct bench_tx *t, size_t row, unsigned offer,
                         int64_t cash)
{
    if (cash > 0)
        bench_award(s, t, row, offer, cash);
}

static void c_mixed(const struct bench_tx *tx, size_t n, struct bench_sink *s)
{
    for (size_t i = 0; i < n; i++) {
        const struct bench_tx *t = &tx[i];
        /* the tallies count the purchase first */
        int64_t visits = ++*counter(&visits_map, ((uint64_t)t->user + 1) << 20 | (uint64_t)month_of(t->ts));
        int64_t *sp = counter(&spend_map, ((uint64_t)t->user + 1) << 2 | (uint64_t)t->currency);
        *sp += t->amount_c;
        int64_t spend = *sp, rate;
        int known = rate_lookup(bench_merchant_name((uint32_t)t->merchant), &rate);
        if (known && t->amount_c >= 500)
            award(s, t, i, 1, t->amount * rate / 1000);
        if (visits == 3)
            award(s, t, i, 2, money(t, 200));
        if (spend >= 50000 && known && rate >= 50)
            award(s, t, i, 3, money(t, 100));
        if (visits >= 5 && spend >= 20000)
            award(s, t, i, 4, t->amount / 100);
    }
}

static double c_pass(const struct bench_tx *tx, struct bench_sink *s)
{
    memset(s, 0, sizeof *s);
    memset(&visits_map, 0, sizeof visits_map);
    memset(&spend_map, 0, sizeof spend_map);
    double t0 = now();
    c_mixed(tx, opt.ntx, s);
    return now() - t0;
}

static int same(const struct bench_sink *a, const struct bench_sink *b)
{
    return a->awards == b->awards && a->digest == b->digest &&
           memcmp(a->cashback, b->cashback, sizeof a->cashback) == 0;
}

static void print_sink(const char *who, const struct bench_sink *s)
{
    printf("  %-8s awards %llu, cashback USD %lld EUR %lld JPY %lld (minor units), digest %016llx\n",
           who, (unsigned long long)s->awards, (long long)s->cashback[0], (long long)s->cashback[1],
           (long long)s->cashback[2], (unsigned long long)s->digest);
}

/* Best ns per row over opt.reps runs of passes lasting opt.min_time (of
 * evaluation time) each; -1 on an error or awards that differ from *expect. */
static double best_vm(struct vm *v, const struct bench_sink *expect)
{
    double best = -1;
    for (unsigned rep = 0; rep < opt.reps; rep++) {
        double el = 0;
        unsigned long passes = 0;
        do {
            struct bench_sink s;
            double t;
            if (vm_pass(v, &s, &t) != 0 || !same(&s, expect))
                return -1;
            el += t;
            passes++;
        } while (el < opt.min_time);
        double ns = el * 1e9 / ((double)passes * (double)opt.ntx);
        if (best < 0 || ns < best)
            best = ns;
    }
    return best;
}

static double best_c(const struct bench_tx *tx, const struct bench_sink *expect)
{
    double best = -1;
    for (unsigned rep = 0; rep < opt.reps; rep++) {
        double el = 0;
        unsigned long passes = 0;
        do {
            struct bench_sink s;
            el += c_pass(tx, &s);
            if (!same(&s, expect))
                return -1;
            passes++;
        } while (el < opt.min_time);
        double ns = el * 1e9 / ((double)passes * (double)opt.ntx);
        if (best < 0 || ns < best)
            best = ns;
    }
    return best;
}

static int usage(void)
{
    fprintf(stderr, "usage: cbr-bench-tables [--tx N] [--seed S] [--min-time SECONDS] [--reps N]\n");
    return 2;
}

int main(int argc, char **argv)
{
    for (int i = 1; i < argc; i += 2) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : "";
        char *end = NULL;
        errno = 0;
        if (strcmp(a, "--tx") == 0)
            opt.ntx = strtoull(v, &end, 10);
        else if (strcmp(a, "--seed") == 0)
            opt.seed = strtoull(v, &end, 10);
        else if (strcmp(a, "--min-time") == 0)
            opt.min_time = strtod(v, &end);
        else if (strcmp(a, "--reps") == 0)
            opt.reps = (unsigned)strtoul(v, &end, 10);
        else
            return usage();
        if (errno || end == v || *end)
            return usage();
    }
    if (opt.ntx == 0 || opt.ntx > 10000000 || opt.reps == 0 || !(opt.min_time >= 0))
        return usage();
    if (bench_vocab_init(opt.seed) != 0)
        return fprintf(stderr, "cbr-bench-tables: out of memory\n"), 1;
    struct bench_tx *tx = calloc(opt.ntx, sizeof *tx);
    if (!tx)
        return fprintf(stderr, "cbr-bench-tables: out of memory\n"), 1;
    bench_make_tx(opt.seed, tx, opt.ntx);
    rates_build();

    printf("cbr %s bench-tables: %zu transactions in %zu batches of %d, seed %llu;\n"
           "a %d-row merchant table, tallies count per user per month and sum amount per user;\n"
           "every pass from empty tally state; best of %u runs of at least %.2f s each\n\n",
           cbr_version(), opt.ntx, (opt.ntx + BATCH - 1) / BATCH, BATCH, opt.seed, BENCH_MERCHANTS,
           opt.reps, opt.min_time);
    fflush(stdout);
    int failed = 0;

    /* Part 1 */
    struct buf src = {0};
    declarations(&src, 1);
    put(&src, "%s", MIXED);
    struct vm v;
    double t0 = now();
    if (vm_build(&v, "tables-mixed.cbr", src.p, tx) != 0)
        return 1;
    double t1 = now();
    struct bench_sink sv, sc;
    double dummy;
    if (vm_pass(&v, &sv, &dummy) != 0)
        return 1;
    c_pass(tx, &sc);
    printf("4 offers over the table and the tallies: compiled and filled in %.0f ms; %llu awards\n",
           (t1 - t0) * 1e3, (unsigned long long)sc.awards);
    if (!same(&sv, &sc)) {
        printf("MISMATCH: the VM and the C baseline disagree\n");
        print_sink("vm", &sv);
        print_sink("baseline", &sc);
        return 1;
    }
    double ns_vm = best_vm(&v, &sv), ns_c = best_c(tx, &sc);
    vm_free(&v);
    if (ns_vm < 0 || ns_c < 0) {
        printf("MISMATCH: a timed pass gave different awards\n");
        return 1;
    }
    printf("\n| offers | VM ns/tx | VM tx/s | C baseline ns/tx | C tx/s | VM/baseline (speed) |\n"
           "| --- | ---: | ---: | ---: | ---: | ---: |\n"
           "| table + 2 tallies, 4 offers | %.1f | %.0f | %.1f | %.0f | %.3f |\n\n",
           ns_vm, 1e9 / ns_vm, ns_c, 1e9 / ns_c, ns_c / ns_vm);
    fflush(stdout);

    /* Part 2: the four programs built first, each with one context kept for
     * all its passes, so the tally state is warm (every customer already
     * counted: a pass increments, it inserts nothing), then passes taken in turn
     * (one of each, round and round) for opt.reps * opt.min_time seconds of
     * evaluation at least, keeping the fastest pass of each: a load that
     * comes and goes falls on all four alike. */
    double ns[NVARIANTS];
    uint64_t awards[NVARIANTS];
    struct vm vs[NVARIANTS];
    struct bench_sink expect[NVARIANTS];
    for (int k = 0; k < NVARIANTS; k++) {
        src.n = 0;
        declarations(&src, k < V_NT_ANCHOR);
        variant(&src, k);
        char name[32];
        snprintf(name, sizeof name, "tables-cmp-%d.cbr", k);
        if (vm_build(&vs[k], name, src.p, tx) != 0 ||
            cbr_context_new(vs[k].prog, BATCH, &vs[k].keep, NULL) != CBR_OK ||
            vm_pass(&vs[k], &expect[k], &dummy) != 0) /* the warm-up pass */
            return 1;
        awards[k] = expect[k].awards;
        ns[k] = -1;
    }
    unsigned long rounds = 0;
    for (double total = 0; total < opt.reps * opt.min_time || rounds < 5; rounds++) {
        for (int k = 0; k < NVARIANTS; k++) {
            struct bench_sink s;
            double t;
            if (vm_pass(&vs[k], &s, &t) != 0 || !same(&s, &expect[k])) {
                printf("MISMATCH: %s: a timed pass gave different awards\n", variant_name[k]);
                return 1;
            }
            total += t;
            double per = t * 1e9 / (double)opt.ntx;
            if (ns[k] < 0 || per < ns[k])
                ns[k] = per;
        }
    }
    for (int k = 0; k < NVARIANTS; k++)
        vm_free(&vs[k]);
    printf("Each program: the table, both tallies and an anchor offer that reads them;\n"
           "the three others add %d offers of one compare each, none of which pays;\n"
           "one context per program, tally state warm; the fastest of %lu passes of each, in turn.\n\n",
           NCMP, rounds);
    for (int part = 0; part < 2; part++) {
        int a = part ? V_NT_ANCHOR : V_ANCHOR, f = part ? V_NT_FIELD : V_FIELD;
        int last = part ? V_NT_TABLE : V_TALLY;
        printf("%s| program | awards | VM ns/row | (ns/row - anchor) / %d = ns per compare | "
               "per compare / field compare |\n| --- | ---: | ---: | ---: | ---: |\n",
               part ? "The same with no tally declared (the table and the anchor only):\n\n" : "",
               NCMP);
        double field = (ns[f] - ns[a]) / NCMP;
        for (int k = a; k <= last; k++) {
            if (k == a) {
                printf("| %s | %llu | %.1f | | |\n", variant_name[k], (unsigned long long)awards[k],
                       ns[k]);
                continue;
            }
            double per = (ns[k] - ns[a]) / NCMP;
            printf("| %s | %llu | %.1f | %.2f | %.2f |\n", variant_name[k],
                   (unsigned long long)awards[k], ns[k], per, per / field);
        }
        if (part)
            printf("\nns/row ratio: table lookup / field compare %.3f\n", ns[V_NT_TABLE] / ns[V_NT_FIELD]);
        else
            printf("\nns/row ratios: table lookup / field compare %.3f, tally read / field compare "
                   "%.3f\n\n",
                   ns[V_TABLE] / ns[V_FIELD], ns[V_TALLY] / ns[V_FIELD]);
    }
    free(src.p);
    free(tx);
    bench_vocab_free();
    return failed;
}
