/* gen.c: cbr-bench-gen, the offer-set writer of `make bench`.
 *
 *     cbr-bench-gen OFFERS NAME SEED OUT.cbr OUT.c
 *
 * writes OFFERS generated offers as cbr source to OUT.cbr and the same
 * offers as the C baseline (baseline_eval_NAME, bench_rules_NAME) to OUT.c. */
#include "config.h"
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "bench/workload.h"

static int parse_u64(const char *s, unsigned long long max, unsigned long long *out)
{
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno || end == s || *end || v > max || s[0] == '-')
        return -1;
    *out = v;
    return 0;
}

int main(int argc, char **argv)
{
    unsigned long long n, seed;
    if (argc != 6 || parse_u64(argv[1], 10000, &n) || parse_u64(argv[3], UINT64_MAX, &seed)) {
        fprintf(stderr, "usage: cbr-bench-gen OFFERS NAME SEED OUT.cbr OUT.c\n");
        return 2;
    }
    for (const char *p = argv[2]; *p; p++)
        if (!(*p == '_' || (*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'z'))) {
            fprintf(stderr, "cbr-bench-gen: NAME must be [a-z0-9_]: %s\n", argv[2]);
            return 2;
        }
    if (bench_vocab_init(seed) != 0) {
        fprintf(stderr, "cbr-bench-gen: out of memory\n");
        return 1;
    }
    FILE *cbr = fopen(argv[4], "w"), *c = fopen(argv[5], "w");
    if (!cbr || !c) {
        fprintf(stderr, "cbr-bench-gen: %s: %s\n", !cbr ? argv[4] : argv[5], strerror(errno));
        return 1;
    }
    int rc = bench_write_offers(seed, (unsigned)n, argv[2], cbr, c);
    if (fclose(cbr) != 0 || fclose(c) != 0)
        rc = -1;
    bench_vocab_free();
    if (rc != 0) {
        fprintf(stderr, "cbr-bench-gen: writing %s or %s failed\n", argv[4], argv[5]);
        return 1;
    }
    return 0;
}
