/* txgen.c: cbr-bench-tx, a transaction file of any size from the seed of
 * `make bench`, for runs of cbrc itself (`make bench-run`).
 *
 *     cbr-bench-tx COUNT SEED > transactions.csv
 *
 * Rows are made 65,536 at a time, each chunk from its own seed, so memory
 * stays small whatever COUNT is; tids number the rows of the whole file. */
#include "config.h"
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "bench/workload.h"

#define CHUNK 65536

/* A CSV cell, quoted when it holds a comma, a quote or a line end. */
static void cell(const char *s, int n, FILE *f)
{
    if (strcspn(s, ",\"\r\n") == (size_t)n) {
        fwrite(s, 1, (size_t)n, f);
        return;
    }
    fputc('"', f);
    for (int i = 0; i < n; i++) {
        if (s[i] == '"')
            fputc('"', f);
        fputc(s[i], f);
    }
    fputc('"', f);
}

int main(int argc, char **argv)
{
    char *end;
    errno = 0;
    unsigned long long count = argc == 3 ? strtoull(argv[1], &end, 10) : 0;
    if (argc != 3 || errno || *end || argv[1][0] == '-') {
        fprintf(stderr, "usage: cbr-bench-tx COUNT SEED\n");
        return 2;
    }
    unsigned long long seed = strtoull(argv[2], &end, 10);
    if (*end || bench_vocab_init(seed) != 0) {
        fprintf(stderr, "cbr-bench-tx: bad seed or out of memory\n");
        return 2;
    }
    struct bench_tx *tx = malloc(CHUNK * sizeof *tx);
    if (!tx)
        return 1;
    for (int f = 0; f < BENCH_NFIELDS; f++)
        printf("%s%s", f ? "," : "", bench_field_names[f]);
    putchar('\n');
    for (unsigned long long done = 0, chunk = 0; done < count; chunk++) {
        size_t n = count - done < CHUNK ? (size_t)(count - done) : CHUNK;
        bench_make_tx(seed + chunk * 0x9E3779B97F4A7C15ULL, tx, n);
        for (size_t i = 0; i < n; i++, done++) {
            char buf[64];
            printf("t%09llu", done);
            for (int f = 1; f < BENCH_NFIELDS; f++) {
                int k = bench_tx_text(tx, i, f, buf, sizeof buf);
                putchar(',');
                if (k > 0)
                    cell(buf, k, stdout);
            }
            putchar('\n');
        }
    }
    free(tx);
    bench_vocab_free();
    return fflush(stdout) == 0 ? 0 : 1;
}
