/* parallel.c: evaluating on two threads, settling in input order on one
 * store, written against <cbr.h> alone (doc/embedding.md, "Evaluate, then
 * settle").  tests/embed.sh builds it like embed.c and checks that its
 * awards are byte for byte those of embed.c, which evaluates on one thread.
 *
 *     parallel [--batch N] RULES.cbr TRANSACTIONS.tsv
 *
 * The input is cut into batches of N rows, numbered 0, 1, 2, ...; worker w
 * takes the batches k with k % 2 == w.  Each worker fills its batch and
 * runs cbr_evaluate, the pure stage, at the same time as the other.  Then
 * it waits for its turn: batch k is settled (cbr_settle) only after batch
 * k - 1, so limits and budgets are counted in input order and the awards
 * come out in input order, as from one thread.  Both contexts use one
 * store; only the worker holding the turn touches it, so it needs no lock
 * of its own.
 *
 * Exit status: 0 every row was evaluated; 1 the rules have errors; 2 usage,
 * I/O or any other failure; 3 some rows were refused.
 */
#define _POSIX_C_SOURCE 200809L /* strdup, pthreads */
#include <cbr.h>

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_COLUMNS 64

static const char *progname = "parallel";

typedef struct shared {
    const cbr_program *p;
    const char *input;
    char **lines;                  /* the records, header excluded */
    size_t nlines, batch;
    size_t ncolumns, field[MAX_COLUMNS];
    size_t tid;
    cbr_store store;               /* one store for both contexts */
    pthread_mutex_t mu;
    pthread_cond_t turn_changed;
    size_t turn;                   /* the batch whose turn it is to settle */
    int failed;
    unsigned long refused;
} shared;

typedef struct worker {
    shared *s;
    int id;
    cbr_batch *b;
    cbr_context *ctx;
} worker;

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

static void on_award(void *ud, const cbr_award *a)
{
    const worker *w = ud;
    size_t n;
    const char *tid = cbr_batch_string(w->b, a->row, w->s->tid, &n);
    char amount[32];
    cbr_award_amount(a, amount, sizeof amount);
    printf("%.*s %s %s %.3s\n", (int)n, tid, a->offer_id, amount, a->currency);
}

/* Fills the worker's batch with records [from, to); the records are copied
 * because splitting writes into them. */
static void fill(worker *w, size_t from, size_t to)
{
    shared *s = w->s;
    cbr_batch_clear(w->b);
    for (size_t i = from; i < to; i++) {
        char copy[4096], *cell[MAX_COLUMNS];
        snprintf(copy, sizeof copy, "%s", s->lines[i]);
        size_t n = split(copy, cell);
        cbr_error err;
        if (n > s->ncolumns || cbr_batch_begin_row(w->b, &err) != CBR_OK) {
            fprintf(stderr, "%s:%zu: error: more cells than the header has columns\n", s->input, i + 2);
            __atomic_add_fetch(&s->refused, 1, __ATOMIC_RELAXED);
            continue;
        }
        for (size_t c = 0; c < n; c++)
            if (cell[c][0] != '\0')
                cbr_batch_set(w->b, s->field[c], cell[c], strlen(cell[c]), NULL);
        if (cbr_batch_end_row(w->b, NULL, &err) != CBR_OK) {
            fprintf(stderr, "%s:%zu: error: %s\n", s->input, i + 2, err.message);
            __atomic_add_fetch(&s->refused, 1, __ATOMIC_RELAXED);
        }
    }
}

static void *work(void *arg)
{
    worker *w = arg;
    shared *s = w->s;
    size_t nbatches = (s->nlines + s->batch - 1) / s->batch;
    for (size_t k = (size_t)w->id; k < nbatches; k += 2) {
        fill(w, k * s->batch, k * s->batch + s->batch < s->nlines ? k * s->batch + s->batch : s->nlines);
        /* The pure stage: no store, no order, nothing shared but p. */
        cbr_error err;
        cbr_status st = cbr_evaluate(w->ctx, w->b, &err);
        pthread_mutex_lock(&s->mu);
        while (s->turn != k && !s->failed)
            pthread_cond_wait(&s->turn_changed, &s->mu);
        if (!s->failed) {
            /* The ordered stage, one batch at a time, in input order. */
            if (st == CBR_OK)
                st = cbr_settle(w->ctx, on_award, w, &err);
            if (st != CBR_OK) {
                fprintf(stderr, "%s: %s: %s\n", progname, s->input, err.message);
                s->failed = 1;
            }
            s->turn++;
        }
        pthread_cond_broadcast(&s->turn_changed);
        int stop = s->failed;
        pthread_mutex_unlock(&s->mu);
        if (stop)
            break;
    }
    return NULL;
}

static cbr_program *compile_rules(const char *path)
{
    cbr_compiler *c = NULL;
    cbr_program *p = NULL;
    cbr_error err;
    if (cbr_compiler_new(NULL, &c, &err) == CBR_OK && cbr_compiler_add_file(c, path, &err) == CBR_OK &&
        cbr_compiler_check(c, &err) == CBR_OK) {
        if (cbr_compiler_program(c, &p, &err) != CBR_OK)
            fprintf(stderr, "%s: %s: %s\n", progname, path, err.message);
    } else {
        for (size_t i = 0; i < cbr_compiler_diagnostic_count(c); i++) {
            char *text;
            if (cbr_diagnostic_format(NULL, cbr_compiler_diagnostic(c, i), &text, NULL, NULL) == CBR_OK)
                fputs(text, stderr);
            cbr_free(text);
        }
        fprintf(stderr, "%s: %s\n", progname, err.message);
    }
    cbr_compiler_free(c);
    return p;
}

/* The records of the file, one per line, the header first. */
static char **read_lines(const char *path, size_t *n)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return NULL;
    char **lines = NULL, buf[4096];
    size_t cap = 0;
    *n = 0;
    while (fgets(buf, sizeof buf, f)) {
        buf[strcspn(buf, "\n")] = '\0';
        if (*n == cap) {
            char **more = realloc(lines, (cap = cap * 2 + 64) * sizeof *lines);
            if (!more)
                break;
            lines = more;
        }
        if (!(lines[(*n)++] = strdup(buf)))
            break;
    }
    fclose(f);
    return lines;
}

int main(int argc, char **argv)
{
    size_t batch = 1024;
    int a = 1;
    if (a + 1 < argc && strcmp(argv[a], "--batch") == 0) {
        batch = (size_t)strtoul(argv[a + 1], NULL, 10);
        a += 2;
    }
    if (argc - a != 2 || batch == 0 || batch > 1u << 20) {
        fprintf(stderr, "usage: %s [--batch N] RULES.cbr TRANSACTIONS.tsv\n", progname);
        return 2;
    }
    cbr_program *p = compile_rules(argv[a]);
    if (!p)
        return 1;
    shared s = {.p = p, .input = argv[a + 1], .batch = batch};
    size_t nall = 0;
    char **all = read_lines(s.input, &nall);
    if (!all || nall == 0) {
        fprintf(stderr, "%s: %s: %s\n", progname, s.input, all ? "no header" : strerror(errno));
        cbr_program_free(p);
        return 2;
    }
    char *cell[MAX_COLUMNS];
    s.ncolumns = split(all[0], cell);
    int rc = s.ncolumns > MAX_COLUMNS ? 2 : 0;
    for (size_t i = 0; rc == 0 && i < s.ncolumns; i++) {
        int f = cbr_program_field(p, cell[i], strlen(cell[i]));
        if (f < 0 || !cbr_program_field_is_input(p, (size_t)f)) {
            fprintf(stderr, "%s:1: error: column `%s` is not an input field of the rules\n", s.input, cell[i]);
            rc = 2;
        }
        s.field[i] = (size_t)f;
    }
    s.tid = (size_t)cbr_program_field(p, "tid", 3);
    s.lines = all + 1;
    s.nlines = nall - 1;

    cbr_state *state = NULL;
    worker w[2];
    memset(w, 0, sizeof w);
    if (rc == 0 && cbr_state_new(NULL, &state, NULL) == CBR_OK) {
        s.store = cbr_state_store(state);
        pthread_mutex_init(&s.mu, NULL);
        pthread_cond_init(&s.turn_changed, NULL);
        pthread_t t[2];
        int started = 0;
        for (int i = 0; i < 2; i++) {
            w[i] = (worker){&s, i, NULL, NULL};
            cbr_error err;
            if (cbr_batch_new(p, batch, &w[i].b, &err) != CBR_OK ||
                cbr_context_new(p, batch, &w[i].ctx, &err) != CBR_OK ||
                cbr_context_set_store(w[i].ctx, &s.store, &err) != CBR_OK) {
                fprintf(stderr, "%s: %s\n", progname, err.message);
                rc = 2;
            }
        }
        for (int i = 0; rc == 0 && i < 2; i++)
            if (pthread_create(&t[i], NULL, work, &w[i]) == 0)
                started++;
        for (int i = 0; i < started; i++)
            pthread_join(t[i], NULL);
        if (rc == 0 && (started < 2 || s.failed))
            rc = 2;
        pthread_cond_destroy(&s.turn_changed);
        pthread_mutex_destroy(&s.mu);
    } else if (rc == 0) {
        rc = 2;
    }
    for (int i = 0; i < 2; i++) {
        cbr_context_free(w[i].ctx);
        cbr_batch_free(w[i].b);
    }
    cbr_state_free(state);
    for (size_t i = 0; i < nall; i++)
        free(all[i]);
    free(all);
    cbr_program_free(p);
    if (fflush(stdout) != 0)
        rc = 2;
    return rc ? rc : s.refused ? 3 : 0;
}
