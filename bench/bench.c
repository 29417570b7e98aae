/* bench.c: cbr-bench, the throughput benchmark behind `make bench`.
 *
 * For each generated offer set (1, 10, 100, 1000 offers) it compiles the
 * .cbr text through the public API, fills batches of 1,024 transactions
 * once, then times cbr_eval over all batches against the same offers
 * compiled as plain C (bench/baseline_*.c, written by cbr-bench-gen).  Both
 * sides must grant the same awards (count, cashback per currency and a
 * digest of row, offer and amount) or it prints MISMATCH and fails.
 * Timing: CLOCK_MONOTONIC, passes repeated until at least --min-time
 * seconds, the best of --reps such runs. */
#include "config.h"
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "cbr.h"
#include "bench/workload.h"

typedef void (*baseline_fn)(const struct bench_tx *tx, size_t n, award_sink sink);

#define OFFER_SET(N)                                                             \
    extern const unsigned bench_offers_##N;                                      \
    extern const char bench_rules_##N[];                                         \
    void baseline_eval_##N(const struct bench_tx *tx, size_t n, award_sink sink);
OFFER_SET(1)
OFFER_SET(10)
OFFER_SET(100)
OFFER_SET(1000)

static const struct offer_set {
    const char *name;
    const unsigned *offers;
    const char *rules;
    baseline_fn eval;
} sets[] = {
    {"1", &bench_offers_1, bench_rules_1, baseline_eval_1},
    {"10", &bench_offers_10, bench_rules_10, baseline_eval_10},
    {"100", &bench_offers_100, bench_rules_100, baseline_eval_100},
    {"1000", &bench_offers_1000, bench_rules_1000, baseline_eval_1000},
};
#define NSETS (sizeof sets / sizeof sets[0])

#define BATCH 1024

static struct options {
    size_t ntx;
    unsigned long long seed;
    double min_time;
    unsigned reps;
    const char *only;
} opt = {100000, 20260302, 0.5, 3, NULL};

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* ---- the two sides ---- */

struct vm {
    cbr_program *prog;
    cbr_context *ctx;
    cbr_batch **batches;
    size_t nbatches;
    unsigned *gen_index;   /* evaluation order -> generation order */
};

struct base {
    const struct bench_tx *tx;
    size_t ntx;
    baseline_fn eval;
};

static int currency_index(const char *cur)
{
    for (int i = 0; i < BENCH_CURRENCIES; i++)
        if (strcmp(cur, bench_currency_names[i]) == 0)
            return i;
    return -1;
}

/* One pass over every batch, from an empty state: the award ledger of the
 * pass before would refuse each transaction again as a duplicate. */
static int vm_pass(void *state, struct bench_sink *s)
{
    struct vm *v = state;
    memset(s, 0, sizeof *s);
    cbr_state *st;
    cbr_error err;
    if (cbr_state_new(NULL, &st, &err) != CBR_OK) {
        fprintf(stderr, "cbr-bench: %s\n", err.message);
        return -1;
    }
    cbr_store store = cbr_state_store(st);
    int rc = cbr_context_set_store(v->ctx, &store, &err) == CBR_OK ? 0 : -1;
    for (size_t b = 0; rc == 0 && b < v->nbatches; b++) {
        if (cbr_eval(v->ctx, v->batches[b], NULL, NULL, &err) != CBR_OK) {
            fprintf(stderr, "cbr-bench: cbr_eval: %s\n", err.message);
            rc = -1;
            break;
        }
        size_t n;
        const cbr_award *a = cbr_context_awards(v->ctx, &n);
        for (size_t i = 0; i < n; i++) {
            int cur = currency_index(a[i].currency);
            if (cur < 0) {
                fprintf(stderr, "cbr-bench: an award in an unknown currency `%s`\n", a[i].currency);
                return -1;
            }
            s->awards++;
            s->cashback[cur] += a[i].cashback;
            s->digest += bench_mix(b * BATCH + a[i].row, v->gen_index[a[i].offer], a[i].cashback);
        }
    }
    /* The context's own store again, before this one goes. */
    cbr_context_set_store(v->ctx, NULL, NULL);
    cbr_state_free(st);
    return rc;
}

static int base_pass(void *state, struct bench_sink *s)
{
    struct base *c = state;
    memset(s, 0, sizeof *s);
    c->eval(c->tx, c->ntx, s);
    return 0;
}

static int same(const struct bench_sink *a, const struct bench_sink *b)
{
    return a->awards == b->awards && a->digest == b->digest &&
           memcmp(a->cashback, b->cashback, sizeof a->cashback) == 0;
}

/* The best rate, in transactions per second, of opt.reps runs of passes
 * lasting opt.min_time each; -1 if a pass failed or disagreed with *expect. */
static double best_rate(int (*pass)(void *, struct bench_sink *), void *state,
                        const struct bench_sink *expect)
{
    double best = 0;
    for (unsigned rep = 0; rep < opt.reps; rep++) {
        unsigned long passes = 0;
        double t0 = now(), el;
        do {
            struct bench_sink s;
            if (pass(state, &s) != 0 || !same(&s, expect))
                return -1;
            passes++;
            el = now() - t0;
        } while (el < opt.min_time);
        double rate = (double)passes * (double)opt.ntx / el;
        if (rate > best)
            best = rate;
    }
    return best;
}

/* ---- building the engine's side ---- */

static int compile(const struct offer_set *set, cbr_program **out)
{
    cbr_compiler *c;
    cbr_error err;
    if (cbr_compiler_new(NULL, &c, &err) != CBR_OK)
        return -1;
    char name[32];
    snprintf(name, sizeof name, "bench-%s.cbr", set->name);
    int rc = 0;
    if (cbr_compiler_add_source(c, name, set->rules, strlen(set->rules), &err) != CBR_OK ||
        cbr_compiler_check(c, &err) != CBR_OK) {
        for (size_t i = 0; i < cbr_compiler_diagnostic_count(c); i++) {
            char *d = NULL;
            cbr_diagnostic_format(NULL, cbr_compiler_diagnostic(c, i), &d, NULL, NULL);
            fprintf(stderr, "%s\n", d ? d : "(out of memory)");
            cbr_free(d);
        }
        fprintf(stderr, "cbr-bench: offer set %s does not compile: %s\n", set->name, err.message);
        rc = -1;
    } else if (cbr_compiler_program(c, out, &err) != CBR_OK) {
        fprintf(stderr, "cbr-bench: offer set %s: %s\n", set->name, err.message);
        rc = -1;
    }
    cbr_compiler_free(c);
    return rc;
}

static int fill(struct vm *v, const struct bench_tx *tx, size_t ntx)
{
    int field[BENCH_NFIELDS];
    for (int f = 0; f < BENCH_NFIELDS; f++) {
        field[f] = cbr_program_field(v->prog, bench_field_names[f], strlen(bench_field_names[f]));
        if (field[f] < 0) {
            fprintf(stderr, "cbr-bench: the program has no field `%s`\n", bench_field_names[f]);
            return -1;
        }
    }
    v->nbatches = (ntx + BATCH - 1) / BATCH;
    v->batches = calloc(v->nbatches ? v->nbatches : 1, sizeof *v->batches);
    if (!v->batches)
        return -1;
    for (size_t b = 0; b < v->nbatches; b++) {
        if (cbr_batch_new(v->prog, BATCH, &v->batches[b], NULL) != CBR_OK)
            return -1;
        cbr_batch *batch = v->batches[b];
        for (size_t i = b * BATCH; i < ntx && i < (b + 1) * BATCH; i++) {
            cbr_error err;
            char buf[128];
            if (cbr_batch_begin_row(batch, &err) != CBR_OK)
                goto bad;
            for (int f = 0; f < BENCH_NFIELDS; f++) {
                int n = bench_tx_text(tx, i, f, buf, sizeof buf);
                if (n >= 0 && cbr_batch_set(batch, (size_t)field[f], buf, (size_t)n, &err) != CBR_OK)
                    goto bad;
            }
            if (cbr_batch_end_row(batch, NULL, &err) != CBR_OK)
                goto bad;
            continue;
        bad:
            fprintf(stderr, "cbr-bench: transaction %zu: %s\n", i, err.message);
            return -1;
        }
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
    cbr_context_free(v->ctx);
    cbr_program_free(v->prog);
    memset(v, 0, sizeof *v);
}

/* ---- output ---- */

/* n with thousands separators. */
static const char *grouped(double x, char *buf, size_t cap)
{
    char digits[32];
    snprintf(digits, sizeof digits, "%.0f", x);
    size_t n = strlen(digits), k = 0;
    for (size_t i = 0; i < n && k + 2 < cap; i++) {
        if (i && (n - i) % 3 == 0)
            buf[k++] = ',';
        buf[k++] = digits[i];
    }
    buf[k] = 0;
    return buf;
}

static void print_sink(const char *who, const struct bench_sink *s)
{
    printf("  %-8s awards %llu, cashback USD %lld EUR %lld JPY %lld (minor units), digest %016llx\n",
           who, (unsigned long long)s->awards, (long long)s->cashback[0], (long long)s->cashback[1],
           (long long)s->cashback[2], (unsigned long long)s->digest);
}

struct result {
    unsigned offers;
    double vm, base;
    double vm_all;          /* the VM with CBR_INDEX=off: every offer on every row */
    uint64_t awards;
    int ok;
};

static int usage(void)
{
    fprintf(stderr, "usage: cbr-bench [--tx N] [--seed S] [--min-time SECONDS] [--reps N] "
                    "[--only OFFERS]\n");
    return 2;
}

int main(int argc, char **argv)
{
    for (int i = 1; i < argc; i += 2) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : "";
        char *end = NULL;
        errno = 0;
        if (strcmp(a, "--only") == 0) {
            if (!*v)
                return usage();
            opt.only = v;
            continue;
        }
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
        return fprintf(stderr, "cbr-bench: out of memory\n"), 1;
    struct bench_tx *tx = calloc(opt.ntx, sizeof *tx);
    if (!tx)
        return fprintf(stderr, "cbr-bench: out of memory\n"), 1;
    bench_make_tx(opt.seed, tx, opt.ntx);

    printf("cbr %s bench: %zu transactions in %zu batches of %d, seed %llu;\n"
           "best of %u runs of at least %.2f s each (CLOCK_MONOTONIC)\n\n",
           cbr_version(), opt.ntx, (opt.ntx + BATCH - 1) / BATCH, BATCH, opt.seed, opt.reps,
           opt.min_time);
    fflush(stdout);

    struct result res[NSETS];
    size_t nres = 0;
    int failed = 0;
    for (size_t k = 0; k < NSETS; k++) {
        const struct offer_set *set = &sets[k];
        if (opt.only && strcmp(opt.only, set->name) != 0)
            continue;
        struct vm v = {0};
        struct base c = {tx, opt.ntx, set->eval};
        struct result *r = &res[nres++];
        memset(r, 0, sizeof *r);
        r->offers = *set->offers;

        double t0 = now();
        if (compile(set, &v.prog) != 0) {
            failed = 1;
            continue;
        }
        double t1 = now();
        size_t noffers = cbr_program_offer_count(v.prog);
        v.gen_index = calloc(noffers ? noffers : 1, sizeof *v.gen_index);
        if (!v.gen_index || noffers != r->offers) {
            fprintf(stderr, "cbr-bench: offer set %s: %zu offers in the program, %u generated\n",
                    set->name, noffers, r->offers);
            vm_free(&v);
            failed = 1;
            continue;
        }
        for (size_t o = 0; o < noffers; o++)
            v.gen_index[o] = (unsigned)strtoul(cbr_program_offer_id(v.prog, o) + 1, NULL, 10);
        if (fill(&v, tx, opt.ntx) != 0 || cbr_context_new(v.prog, BATCH, &v.ctx, NULL) != CBR_OK) {
            fprintf(stderr, "cbr-bench: offer set %s: cannot build the batches\n", set->name);
            vm_free(&v);
            failed = 1;
            continue;
        }
        double t2 = now();

        struct bench_sink sv, sb;
        if (vm_pass(&v, &sv) != 0 || base_pass(&c, &sb) != 0) {
            vm_free(&v);
            failed = 1;
            continue;
        }
        printf("%u offers: compiled in %.0f ms, batches filled in %.0f ms; %llu awards\n", r->offers,
               (t1 - t0) * 1e3, (t2 - t1) * 1e3, (unsigned long long)sb.awards);
        fflush(stdout);
        r->awards = sb.awards;
        if (!same(&sv, &sb)) {
            printf("MISMATCH: %u offers: the VM and the compiled-C baseline disagree\n", r->offers);
            print_sink("vm", &sv);
            print_sink("baseline", &sb);
            fflush(stdout);
            vm_free(&v);
            failed = 1;
            continue;
        }
        r->vm = best_rate(vm_pass, &v, &sv);
        /* The same program on a context made without the index. */
        cbr_context *indexed = v.ctx;
        setenv("CBR_INDEX", "off", 1);
        if (cbr_context_new(v.prog, BATCH, &v.ctx, NULL) != CBR_OK)
            v.ctx = NULL;
        unsetenv("CBR_INDEX");
        r->vm_all = v.ctx ? best_rate(vm_pass, &v, &sv) : -1;
        cbr_context_free(v.ctx);
        v.ctx = indexed;
        r->base = best_rate(base_pass, &c, &sb);
        if (r->vm < 0 || r->vm_all < 0 || r->base < 0) {
            printf("MISMATCH: %u offers: a timed pass gave different awards\n", r->offers);
            failed = 1;
        } else {
            r->ok = 1;
        }
        vm_free(&v);
    }

    printf("\n| offers | VM tx/s | VM offer-evals/s | baseline tx/s | VM/baseline | VM without index tx/s | "
           "index gain |\n| ---: | ---: | ---: | ---: | ---: | ---: | ---: |\n");
    for (size_t i = 0; i < nres; i++) {
        const struct result *r = &res[i];
        char a[32], b[32], c[32], d[32];
        if (!r->ok) {
            printf("| %u | failed | | | | | |\n", r->offers);
            continue;
        }
        printf("| %u | %s | %s | %s | %.3f | %s | %.2f |\n", r->offers, grouped(r->vm, a, sizeof a),
               grouped(r->vm * r->offers, b, sizeof b), grouped(r->base, c, sizeof c), r->vm / r->base,
               grouped(r->vm_all, d, sizeof d), r->vm / r->vm_all);
    }
    free(tx);
    bench_vocab_free();
    return failed;
}
