/* runbundle.c: a host that only runs verified bundles, linked against the
 * runtime library alone: `cc runbundle.c $(pkg-config --cflags --libs
 * cbr-runtime)`.  No compiler is linked in: the bundle was made by `cbrc
 * compile` (or cbr_program_save) elsewhere, and cbr_program_load verifies
 * every byte of it before anything runs.  tests/embed.sh builds it so and
 * checks its awards are embed.c's.
 *
 *     runbundle RULES.cbrx TRANSACTIONS.tsv
 *
 * The input is embed.c's: a header of field names, then one record per
 * line, cells split at tabs.  Exit status: 0 done; 2 usage, I/O or a
 * refused bundle; 3 some rows were refused. */
#include <cbr.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_COLUMNS 64

static size_t split(char *line, char *cell[MAX_COLUMNS])
{
    size_t n = 0;
    for (;;) {
        if (n == MAX_COLUMNS)
            return MAX_COLUMNS + 1;
        cell[n++] = line;
        char *tab = strchr(line, '\t');
        if (!tab)
            return n;
        *tab = '\0';
        line = tab + 1;
    }
}

typedef struct host {
    cbr_batch *b;
    size_t tid;
} host;

static void on_award(void *ud, const cbr_award *a)
{
    const host *h = ud;
    size_t n;
    const char *tid = cbr_batch_string(h->b, a->row, h->tid, &n);
    char amount[32];
    cbr_award_amount(a, amount, sizeof amount);
    printf("%.*s %s %s %.3s\n", (int)n, tid, a->offer_id, amount, a->currency);
}

static cbr_program *load(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        fprintf(stderr, "runbundle: %s: %s\n", path, strerror(errno));
        return NULL;
    }
    static char data[1 << 22];
    size_t len = fread(data, 1, sizeof data, f);
    int bad = ferror(f) || !feof(f);
    fclose(f);
    if (bad) {
        fprintf(stderr, "runbundle: %s: cannot read it whole (at most %zu bytes)\n", path, sizeof data);
        return NULL;
    }
    cbr_program *p = NULL;
    cbr_error err;
    if (cbr_program_load(NULL, data, len, &p, &err) != CBR_OK) {
        fprintf(stderr, "runbundle: %s: refused: %s\n", path, err.message);
        return NULL;
    }
    return p;
}

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: runbundle RULES.cbrx TRANSACTIONS.tsv\n");
        return 2;
    }
    cbr_program *p = load(argv[1]);
    FILE *in = p ? fopen(argv[2], "r") : NULL;
    if (!in) {
        if (p)
            fprintf(stderr, "runbundle: %s: %s\n", argv[2], strerror(errno));
        cbr_program_free(p);
        return 2;
    }
    host h = {NULL, (size_t)cbr_program_field(p, "tid", 3)};
    cbr_context *ctx = NULL;
    char line[4096], *cell[MAX_COLUMNS];
    size_t field[MAX_COLUMNS], ncol = 0;
    unsigned long lineno = 0, refused = 0;
    cbr_error made;
    int rc = 0;
    if (cbr_batch_new(p, 0, &h.b, &made) != CBR_OK || cbr_context_new(p, 0, &ctx, &made) != CBR_OK) {
        fprintf(stderr, "runbundle: %s\n", made.message);
        rc = 2;
    }
    while (rc == 0 && fgets(line, sizeof line, in)) {
        line[strcspn(line, "\n")] = '\0';
        size_t n = split(line, cell);
        cbr_error err;
        if (++lineno == 1) {
            ncol = n <= MAX_COLUMNS ? n : 0;
            for (size_t i = 0; i < ncol; i++) {
                int f = cbr_program_field(p, cell[i], strlen(cell[i]));
                if (f < 0 || !cbr_program_field_is_input(p, (size_t)f)) {
                    fprintf(stderr, "%s:1: error: column `%s` is not an input field\n", argv[2], cell[i]);
                    rc = 2;
                }
                field[i] = (size_t)f;
            }
            continue;
        }
        if (n > ncol || cbr_batch_begin_row(h.b, &err) != CBR_OK) {
            fprintf(stderr, "%s:%lu: error: more cells than columns\n", argv[2], lineno);
            refused++;
            continue;
        }
        for (size_t i = 0; i < n; i++)
            if (cell[i][0])
                cbr_batch_set(h.b, field[i], cell[i], strlen(cell[i]), NULL);
        if (cbr_batch_end_row(h.b, NULL, &err) != CBR_OK) {
            fprintf(stderr, "%s:%lu: error: %s\n", argv[2], lineno, err.message);
            refused++;
        }
        if (cbr_batch_rows(h.b) == cbr_batch_capacity(h.b)) {
            if (cbr_eval(ctx, h.b, on_award, &h, &err) != CBR_OK)
                rc = 2;
            cbr_batch_clear(h.b);
        }
    }
    cbr_error err;
    if (rc == 0 && cbr_batch_rows(h.b) && cbr_eval(ctx, h.b, on_award, &h, &err) != CBR_OK)
        rc = 2;
    fclose(in);
    cbr_context_free(ctx);
    cbr_batch_free(h.b);
    cbr_program_free(p);
    return rc ? rc : refused ? 3 : 0;
}
