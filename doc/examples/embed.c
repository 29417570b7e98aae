/* embed.c: a complete host of libcbr, written against <cbr.h> alone.
 *
 * It compiles a rules file (or loads a compiled .cbrx bundle), reads
 * transactions from a tab-separated file, evaluates them in batches and
 * prints one line per award.  doc/embedding.md walks through it;
 * tests/embed.sh builds it with `cc $(pkg-config --cflags --libs cbr)`.
 *
 *     embed [--batch N] [--bundle OUT.cbrx] RULES.cbr|RULES.cbrx TRANSACTIONS.tsv
 *
 * Exit status: 0 every row was evaluated; 1 the rules have errors; 2 usage,
 * I/O or any other failure; 3 some rows were refused (each is reported as
 * FILE:LINE: error: MESSAGE and skipped, the others are still evaluated).
 *
 * Threads.  The program is immutable once made: a host with several worker
 * threads compiles or loads it once and hands the same cbr_program * to all
 * of them.  Batches and contexts are not shared; each worker makes its own:
 *
 *     main:    p = compile or load (as below)
 *              start N workers with p, join them
 *              cbr_program_free(p)            (after every worker is done)
 *     worker:  cbr_batch_new(p, 0, &b, &err); cbr_context_new(p, 0, &ctx, &err)
 *              loop: fill b; cbr_eval(ctx, b, on_award, ud, &err); cbr_batch_clear(b)
 *              cbr_context_free(ctx); cbr_batch_free(b)
 *
 * Limit and budget counters live in each context unless the contexts share
 * a store (cbr_context_set_store); doc/embedding.md, "Threads", says when
 * that matters.  This example is single-threaded: one batch, one context.
 */
#include <cbr.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { EXIT_RULES = 1, EXIT_USAGE = 2, EXIT_REFUSED = 3 };

/* An example keeps the parsing trivial: one record per line, cells split at
 * tabs, no quoting.  Longer lines and wider files are refused. */
#define MAX_LINE 4096
#define MAX_COLUMNS 64

static const char *progname = "embed";

static int ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), k = strlen(suffix);
    return n >= k && strcmp(s + n - k, suffix) == 0;
}

/* ---- 1. getting a program: compile the sources, or load a bundle -------- */

/* Compiles one .cbr file.  Every diagnostic (errors and warnings) is printed
 * the way compilers print them; the strings belong to the compiler, the
 * formatted text is ours to release with cbr_free.  NULL with *rc set when
 * there is no program.  Every call that can fail returns a cbr_status and
 * fills the cbr_error passed last with a message that says where and why. */
static cbr_program *compile_rules(const cbr_config *cfg, const char *path, int *rc)
{
    cbr_compiler *c;
    cbr_error err;
    if (cbr_compiler_new(cfg, &c, &err) != CBR_OK) {
        fprintf(stderr, "%s: %s\n", progname, err.message);
        *rc = EXIT_USAGE;
        return NULL;
    }
    /* More files could be added here: they are checked as one program. */
    if (cbr_compiler_add_file(c, path, &err) != CBR_OK) {
        fprintf(stderr, "%s: %s\n", progname, err.message); /* names the file and why */
        cbr_compiler_free(c);
        *rc = EXIT_USAGE;
        return NULL;
    }
    cbr_status st = cbr_compiler_check(c, &err);
    for (size_t i = 0; i < cbr_compiler_diagnostic_count(c); i++) {
        char *text;
        if (cbr_diagnostic_format(cfg, cbr_compiler_diagnostic(c, i), &text, NULL, NULL) == CBR_OK)
            fputs(text, stderr);
        cbr_free(text);
    }
    unsigned ne = cbr_compiler_error_count(c), nw = cbr_compiler_warning_count(c);
    if (ne || nw)
        fprintf(stderr, "%u error%s, %u warning%s\n", ne, ne == 1 ? "" : "s", nw, nw == 1 ? "" : "s");

    cbr_program *p = NULL;
    if (st == CBR_OK) {
        st = cbr_compiler_program(c, &p, &err);
        if (st != CBR_OK)
            fprintf(stderr, "%s: %s: %s\n", progname, path, err.message);
    } else if (st != CBR_ERR_COMPILE) { /* not the rules' fault: out of memory, say */
        fprintf(stderr, "%s: %s: %s\n", progname, path, err.message);
    }
    if (st != CBR_OK)
        *rc = st == CBR_ERR_COMPILE ? EXIT_RULES : EXIT_USAGE;
    /* The program does not refer to the compiler: free it right away. */
    cbr_compiler_free(c);
    return p;
}

/* The whole file in a malloc'ed buffer; NULL with errno set on failure. */
static void *read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    size_t cap = 1 << 16, n = 0;
    char *data = malloc(cap);
    while (data && (n += fread(data + n, 1, cap - n, f)) == cap) {
        char *more = realloc(data, cap *= 2);
        if (!more)
            free(data);
        data = more;
    }
    if (!data || ferror(f)) {
        int e = data ? EIO : ENOMEM;
        free(data);
        fclose(f);
        errno = e;
        return NULL;
    }
    fclose(f);
    *len = n;
    return data;
}

/* Loads a bundle written by cbr_program_save (here: by --bundle, or by
 * `cbrc compile`).  The library verifies every byte before anything can run:
 * a truncated, corrupt or hostile file is refused with a message. */
static cbr_program *load_bundle(const cbr_config *cfg, const char *path, int *rc)
{
    size_t len;
    void *data = read_file(path, &len);
    if (!data) {
        fprintf(stderr, "%s: %s: %s\n", progname, path, strerror(errno));
        *rc = EXIT_USAGE;
        return NULL;
    }
    cbr_program *p = NULL;
    cbr_error err;
    if (cbr_program_load(cfg, data, len, &p, &err) != CBR_OK) {
        fprintf(stderr, "%s: %s: %s: %s\n", progname, path,
                err.status == CBR_ERR_BUNDLE ? "refused" : cbr_status_text(err.status), err.message);
        *rc = EXIT_USAGE;
    }
    free(data); /* the program keeps its own copy of what it needs */
    return p;
}

/* --bundle OUT: serialises the program, writes it, and, to show the round
 * trip, loads the bytes back: the loaded program has the same content hash.
 * A deployment compiles once (here, or with `cbrc compile`) and ships the
 * bundle; hosts then load it without the compiler. */
static int save_bundle(const cbr_config *cfg, const cbr_program *p, const char *path)
{
    void *data;
    size_t len;
    cbr_error err;
    if (cbr_program_save(p, &data, &len, &err) != CBR_OK) {
        fprintf(stderr, "%s: %s: %s\n", progname, path, err.message);
        return EXIT_USAGE;
    }
    int rc = 0;
    FILE *f = fopen(path, "wb");
    if (!f || fwrite(data, 1, len, f) != len || fclose(f) != 0) {
        fprintf(stderr, "%s: %s: %s\n", progname, path, strerror(errno));
        if (f)
            fclose(f);
        rc = EXIT_USAGE;
    }
    cbr_program *back = NULL;
    if (rc == 0 && cbr_program_load(cfg, data, len, &back, &err) != CBR_OK) {
        fprintf(stderr, "%s: %s: %s\n", progname, path, err.message);
        rc = EXIT_USAGE;
    }
    if (back && strcmp(cbr_program_hash(back), cbr_program_hash(p)) != 0) {
        fprintf(stderr, "%s: %s: the bundle does not load back as the same program\n", progname, path);
        rc = EXIT_USAGE;
    }
    if (rc == 0)
        fprintf(stderr, "%s: wrote %s: %zu bytes, program %s\n", progname, path, len, cbr_program_hash(p));
    cbr_program_free(back);
    cbr_free(data); /* every buffer the library hands over is released with cbr_free */
    return rc;
}

/* ---- 2. feeding transactions: a batch, filled row by row from text ------- */

typedef struct host {
    const char *input;             /* the TSV file's name, for messages */
    const cbr_program *p;
    cbr_batch *b;                  /* rows waiting to be evaluated */
    cbr_context *ctx;              /* this thread's evaluation state */
    size_t tid;                    /* the field index of `tid` */
    size_t ncolumns;
    size_t field[MAX_COLUMNS];     /* column -> field index, from the header */
    unsigned long refused;         /* rows reported and skipped */
} host;

/* One cell of a line: its bytes and their number.  A cell is kept by
 * length, never cut at a NUL: a value holding one reaches cbr_batch_set
 * whole, which refuses the row and says where the NUL is. */
typedef struct cell {
    const char *p;
    size_t len;
} cell;

/* Splits the len bytes of line at tabs.  Returns the number of cells, or
 * MAX_COLUMNS + 1 when there are more than that. */
static size_t split(const char *line, size_t len, cell c[MAX_COLUMNS])
{
    size_t n = 0;
    const char *end = line + len;
    for (;;) {
        if (n == MAX_COLUMNS)
            return MAX_COLUMNS + 1;
        const char *tab = memchr(line, '\t', (size_t)(end - line));
        c[n++] = (cell){line, (size_t)((tab ? tab : end) - line)};
        if (!tab)
            return n;
        line = tab + 1;
    }
}

/* Maps each column name to a field of the program.  Names are the fields'
 * names: the standard ones (tid, amount, currency, timestamp, ...) and those
 * the rules declare with `field`.  A column the rules do not know, or one
 * the engine computes itself, is refused rather than silently ignored. */
static int read_header(host *h, const char *line, size_t len)
{
    cell cell[MAX_COLUMNS];
    size_t n = split(line, len, cell);
    if (n > MAX_COLUMNS) {
        fprintf(stderr, "%s:1: error: more than %d columns\n", h->input, MAX_COLUMNS);
        return EXIT_USAGE;
    }
    for (size_t i = 0; i < n; i++) {
        int f = cbr_program_field(h->p, cell[i].p, cell[i].len);
        if (f < 0) {
            fprintf(stderr, "%s:1: error: unknown column `%.*s`: the rules have no such field\n", h->input,
                    (int)cell[i].len, cell[i].p);
            return EXIT_USAGE;
        }
        if (!cbr_program_field_is_input(h->p, (size_t)f)) {
            fprintf(stderr, "%s:1: error: column `%.*s`: the field is computed from timestamp, not read\n",
                    h->input, (int)cell[i].len, cell[i].p);
            return EXIT_USAGE;
        }
        for (size_t j = 0; j < i; j++)
            if (h->field[j] == (size_t)f) {
                fprintf(stderr, "%s:1: error: column `%.*s` appears twice\n", h->input, (int)cell[i].len,
                        cell[i].p);
                return EXIT_USAGE;
            }
        h->field[i] = (size_t)f;
    }
    h->ncolumns = n;
    return 0;
}

/* Called by cbr_eval for each award, in row order.  The award names its row;
 * the row's strings stay readable until the batch is cleared. */
static void on_award(void *ud, const cbr_award *a)
{
    const host *h = ud;
    size_t n;
    const char *tid = cbr_batch_string(h->b, a->row, h->tid, &n); /* never NULL: tid is required */
    char amount[32];                                              /* always enough */
    cbr_award_amount(a, amount, sizeof amount);                   /* 250 minor units -> "2.50" */
    printf("%.*s %s %s %.3s\n", (int)n, tid, a->offer_id, amount, a->currency);
}

/* Evaluates the rows gathered so far, then empties the batch for reuse (its
 * memory is kept, so a long run allocates nothing more per row). */
static int eval_batch(host *h)
{
    if (cbr_batch_rows(h->b) == 0)
        return 0;
    cbr_error err;
    if (cbr_eval(h->ctx, h->b, on_award, h, &err) != CBR_OK) {
        fprintf(stderr, "%s: %s: %s\n", progname, h->input, err.message);
        return EXIT_USAGE;
    }
    cbr_batch_clear(h->b);
    return 0;
}

static void refuse(host *h, unsigned long lineno, const char *why)
{
    fprintf(stderr, "%s:%lu: error: %s\n", h->input, lineno, why);
    h->refused++;
}

/* Adds one record.  Values are given as text, exactly as in a file; the
 * library parses and checks them.  cbr_batch_set fails on a value it cannot
 * read, and cbr_batch_end_row then refuses the whole row with that first
 * error (or a missing required field, or an amount with too many decimals
 * for its currency), so checking end_row alone is enough. */
static int add_row(host *h, const char *line, size_t len, unsigned long lineno)
{
    cell cell[MAX_COLUMNS];
    size_t n = split(line, len, cell);
    if (n > h->ncolumns) {
        refuse(h, lineno, "more cells than the header has columns");
        return 0;
    }
    cbr_error err;
    if (cbr_batch_begin_row(h->b, &err) != CBR_OK) { /* not full: we evaluate when it fills */
        fprintf(stderr, "%s: %s\n", progname, err.message);
        return EXIT_USAGE;
    }
    for (size_t i = 0; i < n; i++)
        if (cell[i].len > 0) /* an empty cell is a missing value: leave it unset */
            cbr_batch_set(h->b, h->field[i], cell[i].p, cell[i].len, NULL);
    if (cbr_batch_end_row(h->b, NULL, &err) != CBR_OK) {
        refuse(h, lineno, err.message);
        return 0;
    }
    return cbr_batch_rows(h->b) == cbr_batch_capacity(h->b) ? eval_batch(h) : 0;
}

/* Reads one line into line (MAX_LINE bytes at most), without its newline:
 * 1 a line of *len bytes, 0 the end of the file, 2 a line too long (the
 * rest of it is skipped).  Bytes are counted, not read up to a NUL. */
static int read_line(FILE *in, char *line, size_t *len)
{
    int ch;
    size_t n = 0;
    while ((ch = getc(in)) != EOF && ch != '\n') {
        if (n == MAX_LINE) {
            while ((ch = getc(in)) != EOF && ch != '\n')
                ;
            return 2;
        }
        line[n++] = (char)ch;
    }
    *len = n;
    return ch == EOF && n == 0 ? 0 : 1;
}

/* Reads the file line by line: the header, then one row per line. */
static int run(host *h, FILE *in)
{
    char line[MAX_LINE];
    unsigned long lineno = 0;
    int rc = 0, k;
    size_t len = 0;
    while (rc == 0 && (k = read_line(in, line, &len)) != 0) {
        lineno++;
        if (k == 2) { /* too long */
            if (lineno == 1) {
                fprintf(stderr, "%s:1: error: the header is longer than %d bytes\n", h->input, MAX_LINE);
                return EXIT_USAGE;
            }
            refuse(h, lineno, "the line is too long for this example");
            continue;
        }
        if (len > 0 && line[len - 1] == '\r')
            len--;
        if (lineno == 1)
            rc = read_header(h, line, len);
        else if (len > 0) /* blank lines are skipped */
            rc = add_row(h, line, len, lineno);
    }
    if (rc == 0 && ferror(in)) {
        fprintf(stderr, "%s: %s: %s\n", progname, h->input, strerror(errno));
        rc = EXIT_USAGE;
    }
    if (rc == 0 && lineno == 0) {
        fprintf(stderr, "%s: %s: the file is empty; the first line names the columns\n", progname, h->input);
        rc = EXIT_USAGE;
    }
    if (rc == 0)
        rc = eval_batch(h); /* the last, partly filled batch */
    if (rc == 0 && fflush(stdout) != 0) {
        fprintf(stderr, "%s: writing awards: %s\n", progname, strerror(errno));
        rc = EXIT_USAGE;
    }
    return rc != 0 ? rc : h->refused ? EXIT_REFUSED : 0;
}

/* ---- 3. putting it together ------------------------------------------------ */

static int usage(void)
{
    fprintf(stderr, "usage: %s [--batch N] [--bundle OUT.cbrx] RULES.cbr|RULES.cbrx TRANSACTIONS.tsv\n",
            progname);
    return EXIT_USAGE;
}

int main(int argc, char **argv)
{
    const char *bundle_out = NULL, *files[2];
    size_t nfiles = 0;
    long batch = 1024;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--bundle") && i + 1 < argc) {
            bundle_out = argv[++i];
        } else if (!strcmp(argv[i], "--batch") && i + 1 < argc) {
            char *end;
            batch = strtol(argv[++i], &end, 10);
            if (*end || batch < 1 || batch > 1000000)
                return usage();
        } else if (argv[i][0] == '-' || nfiles == 2) {
            return usage();
        } else {
            files[nfiles++] = argv[i];
        }
    }
    if (nfiles != 2)
        return usage();

    /* The configuration: defaults first, then what the host changes.  Every
     * handle made from it (compiler, program, batch, context) allocates
     * through cfg.alloc; a host with its own allocator sets it here:
     *     cfg.alloc = my_realloc; cfg.alloc_ud = my_heap;  */
    cbr_config cfg;
    cbr_config_init(&cfg);

    int rc = 0;
    cbr_program *p = ends_with(files[0], ".cbrx") ? load_bundle(&cfg, files[0], &rc)
                                                  : compile_rules(&cfg, files[0], &rc);
    if (!p)
        return rc;
    if (bundle_out)
        rc = save_bundle(&cfg, p, bundle_out);

    /* One batch and one context (per thread).  The context's capacity must
     * cover the batch's rows. */
    host h = {.input = files[1], .p = p, .tid = (size_t)cbr_program_field(p, "tid", 3)};
    FILE *in = NULL;
    if (rc == 0 && !(in = fopen(files[1], "rb"))) {
        fprintf(stderr, "%s: %s: %s\n", progname, files[1], strerror(errno));
        rc = EXIT_USAGE;
    }
    cbr_error err;
    if (rc == 0 && (cbr_batch_new(p, (size_t)batch, &h.b, &err) != CBR_OK ||
                    cbr_context_new(p, (size_t)batch, &h.ctx, &err) != CBR_OK)) {
        fprintf(stderr, "%s: %s\n", progname, err.message);
        rc = EXIT_USAGE;
    }
    if (rc == 0)
        rc = run(&h, in);

    /* Everything is freed in reverse order; the program last, once no batch
     * or context refers to it.  Each free function accepts NULL. */
    if (in)
        fclose(in);
    cbr_context_free(h.ctx);
    cbr_batch_free(h.b);
    cbr_program_free(p);
    return rc;
}
