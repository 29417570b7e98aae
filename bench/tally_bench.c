/* tally_bench.c: `make bench-tally`, what tallies cost per customer.
 *
 * Runs N purchases of N distinct customers (one each, in batches of 1,000)
 * through a program with two tallies, a count per user per month and a sum
 * per user of all time, read by one offer, and prints the bytes the
 * context's in-memory state holds (cbr_state_memory) per customer and the
 * time per purchase.  Memory grows with customers, not with purchases: a
 * second pass of the same customers adds no counter.
 *
 *     cbr-bench-tally [CUSTOMERS]          (default 1,000,000)
 */
#include <cbr.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static const char SRC[] = "tally visits = count per user per month\n"
                          "tally spend = sum amount per user\n"
                          "offer \"loyal\" { when visits == 3 and spend >= 100.00 then cashback 1.00 }\n";

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static void die(const char *what, const cbr_error *e)
{
    fprintf(stderr, "cbr-bench-tally: %s: %s\n", what, e->message);
    exit(1);
}

static void set(cbr_batch *b, const cbr_program *p, const char *name, const char *v)
{
    cbr_error e;
    int f = cbr_program_field(p, name, strlen(name));
    if (f < 0 || cbr_batch_set(b, (size_t)f, v, strlen(v), &e) != CBR_OK)
        die(name, &e);
}

/* One purchase of each customer from first to first + n, in batches. */
static void pass(cbr_context *ctx, cbr_batch *b, const cbr_program *p, size_t n, unsigned day)
{
    char tid[32], user[32], ts[32];
    cbr_error e;
    for (size_t i = 0; i < n;) {
        cbr_batch_clear(b);
        for (size_t k = 0; k < 1000 && i < n; k++, i++) {
            if (cbr_batch_begin_row(b, &e) != CBR_OK)
                die("row", &e);
            snprintf(tid, sizeof tid, "t%u-%zu", day, i);
            snprintf(user, sizeof user, "customer-%zu", i);
            snprintf(ts, sizeof ts, "2026-03-%02uT12:00:00Z", day);
            set(b, p, "tid", tid);
            set(b, p, "user_id", user);
            set(b, p, "amount", "42.50");
            set(b, p, "currency", "USD");
            set(b, p, "timestamp", ts);
            if (cbr_batch_end_row(b, NULL, &e) != CBR_OK)
                die("row", &e);
        }
        if (cbr_eval(ctx, b, NULL, NULL, &e) != CBR_OK)
            die("eval", &e);
    }
}

int main(int argc, char **argv)
{
    size_t n = argc > 1 ? strtoul(argv[1], NULL, 10) : 1000000;
    cbr_compiler *c;
    cbr_program *p;
    cbr_error e;
    if (n == 0 || cbr_compiler_new(NULL, &c, &e) != CBR_OK ||
        cbr_compiler_add_source(c, "tally.cbr", SRC, strlen(SRC), &e) != CBR_OK ||
        cbr_compiler_check(c, &e) != CBR_OK ||
        cbr_compiler_program(c, &p, &e) != CBR_OK)
        die("compile", &e);
    cbr_context *ctx;
    cbr_batch *b;
    if (cbr_context_new(p, 1000, &ctx, &e) != CBR_OK || cbr_batch_new(p, 1000, &b, &e) != CBR_OK)
        die("context", &e);
    cbr_state *st = cbr_context_state(ctx);
    double t0 = now();
    pass(ctx, b, p, n, 13);
    double t1 = now();
    size_t first = cbr_state_memory(st), counters = cbr_state_count(st);
    pass(ctx, b, p, n, 14); /* the same customers, the same month */
    size_t second = cbr_state_memory(st);
    printf("customers %zu, counters %zu (%.1f each)\n", n, counters, (double)counters / (double)n);
    printf("state bytes/customer %.1f after one purchase each, %.1f after two\n", (double)first / (double)n,
           (double)second / (double)n);
    printf("ns per purchase %.0f (evaluate and settle, two tallies read and counted)\n",
           (t1 - t0) * 1e9 / (double)n);
    cbr_batch_free(b);
    cbr_context_free(ctx);
    cbr_program_free(p);
    cbr_compiler_free(c);
    return 0;
}
