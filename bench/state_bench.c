/* state_bench.c: `make bench-state`, what limit state costs per customer.
 *
 * Fills the in-memory state (cbr_state, through its cbr_store) with the
 * counters of N customers, as `limit 1 per user per day` and `limit 50.00
 * per user per month` make them: two counters a customer.  Beside it, in
 * the same process, it fills the baseline: the design the state had before,
 * one open-addressing table of 24-byte slots each pointing to its key text
 * in its own malloc'ed block.  It prints the heap bytes each holds
 * (glibc's mallinfo2, so allocator overhead counts) per customer, and the
 * time per reservation, each as a ratio against the baseline.
 *
 *     cbr-bench-state [CUSTOMERS]          (default 1,000,000)
 */
#include <cbr.h>
#include <malloc.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* In use from the heap, large blocks mapped apart (hblkhd) included. */
static size_t heap(void)
{
    struct mallinfo2 m = mallinfo2();
    return m.uordblks + m.hblkhd;
}

/* ---- the baseline: a malloc'ed text key per counter ---- */

typedef struct bslot {
    char *key;
    uint32_t len, hash;
    int64_t value;
} bslot;

typedef struct base {
    bslot *s;
    size_t cap, n;
} base;

static uint32_t fnv(const char *s, size_t n)
{
    uint32_t h = 2166136261u;
    for (size_t i = 0; i < n; i++)
        h = (h ^ (uint8_t)s[i]) * 16777619u;
    return h;
}

static bslot *bfind(base *b, const char *k, size_t n, uint32_t h)
{
    for (size_t i = h & (b->cap - 1);; i = (i + 1) & (b->cap - 1))
        if (!b->s[i].key || (b->s[i].hash == h && b->s[i].len == n && !memcmp(b->s[i].key, k, n)))
            return &b->s[i];
}

static void badd(base *b, const char *k, size_t n, int64_t d)
{
    if ((b->n + 1) * 2 > b->cap) {
        base g = {calloc(b->cap * 2, sizeof *g.s), b->cap * 2, b->n};
        for (size_t i = 0; i < b->cap; i++)
            if (b->s[i].key)
                *bfind(&g, b->s[i].key, b->s[i].len, b->s[i].hash) = b->s[i];
        free(b->s);
        *b = g;
    }
    uint32_t h = fnv(k, n);
    bslot *s = bfind(b, k, n, h);
    if (!s->key) {
        s->key = malloc(n + 1);
        memcpy(s->key, k, n);
        s->key[n] = '\0';
        s->len = (uint32_t)n;
        s->hash = h;
        b->n++;
    }
    s->value += d;
}

/* The two keys of customer i. */
static void keys(long i, char *k1, int *l1, char *k2, int *l2)
{
    *l1 = snprintf(k1, 64, "n|friday-x|customer-%07ld|d2026-03-%02ld", i, 1 + i % 28);
    *l2 = snprintf(k2, 64, "a|friday-x|customer-%07ld|m2026-03-01|USD", i);
}

int main(int argc, char **argv)
{
    long n = argc > 1 ? atol(argv[1]) : 1000000;
    if (n <= 0) {
        fprintf(stderr, "usage: cbr-bench-state [CUSTOMERS]\n");
        return 2;
    }
    char k1[64], k2[64];
    int l1, l2;

    size_t h0 = heap();
    double t0 = now();
    base b = {calloc(1024, sizeof(bslot)), 1024, 0};
    for (long i = 0; i < n; i++) {
        keys(i, k1, &l1, k2, &l2);
        bfind(&b, k1, (size_t)l1, fnv(k1, (size_t)l1)); /* the read before the add */
        bfind(&b, k2, (size_t)l2, fnv(k2, (size_t)l2));
        badd(&b, k1, (size_t)l1, 1);
        badd(&b, k2, (size_t)l2, 250);
    }
    double tb = now() - t0;
    size_t mb = heap() - h0;

    h0 = heap();
    t0 = now();
    cbr_state *st;
    if (cbr_state_new(NULL, &st, NULL) != CBR_OK)
        return 1;
    cbr_store s = cbr_state_store(st);
    for (long i = 0; i < n; i++) {
        keys(i, k1, &l1, k2, &l2);
        int64_t v;
        s.get(s.ud, k1, (size_t)l1, &v); /* settling reads, then reserves */
        s.get(s.ud, k2, (size_t)l2, &v);
        cbr_reservation r[2] = {{k1, (size_t)l1, 1, 1, 0}, {k2, (size_t)l2, 250, 5000, 0}};
        int granted;
        if (s.reserve(s.ud, r, 2, &granted) != CBR_OK || !granted) {
            fprintf(stderr, "cbr-bench-state: a reservation failed at customer %ld\n", i);
            return 1;
        }
    }
    double ts = now() - t0;
    size_t ms = heap() - h0;
    if (cbr_state_count(st) != (size_t)(2 * n) || b.n != (size_t)(2 * n)) {
        fprintf(stderr, "cbr-bench-state: MISMATCH: %zu and %zu counters, want %ld\n", cbr_state_count(st), b.n,
                2 * n);
        return 1;
    }

    printf("cbr %s bench-state: %ld customers, 2 counters each (a count per day, cashback per month)\n\n",
           cbr_version(), n);
    printf("| store | heap bytes/customer | ns per customer (2 reads, 2 adds) |\n");
    printf("| --- | ---: | ---: |\n");
    printf("| baseline (a key text per counter) | %.1f | %.0f |\n", (double)mb / (double)n, tb * 1e9 / (double)n);
    printf("| cbr_state | %.1f | %.0f |\n", (double)ms / (double)n, ts * 1e9 / (double)n);
    printf("\ncbr_state/baseline: memory %.2f, time %.2f; cbr_state_memory says %.1f bytes/customer\n",
           (double)ms / (double)mb, ts / tb, (double)cbr_state_memory(st) / (double)n);
    cbr_state_free(st);
    for (size_t i = 0; i < b.cap; i++)
        free(b.s[i].key);
    free(b.s);
    return 0;
}
