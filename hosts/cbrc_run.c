/* cbrc_run.c: `cbrc run`, the batch job.
 *
 * Records stream from the reader into a batch; a full batch is evaluated and
 * its awards written before the next is filled, so memory stays flat
 * whatever the file size.  Every record is either added to a batch or
 * reported and written to --rejects: nothing is dropped without a word. */
#include "config.h"
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "hosts/cbrc.h"
#include "hosts/input.h"

#define prog cbrc_prog
#define MAX_UNKNOWN_REPORTED 10

typedef struct run {
    const char *input_name;
    cbr_program *p;
    cbr_batch *b;
    cbr_context *ctx;
    FILE *out, *rejects;
    bool rejects_header_done;
    cbrin_reader *reader;
    /* key -> field cache: CSV columns and most JSON records repeat their keys */
    struct { char *key; size_t n; int field; } *keys;
    size_t nkeys, capkeys;
    unsigned unknown_reported;
    uint64_t records, rejected, awards;
    bool io_error;
} run;

/* The field a key names, -1 for keys the rules do not know (reported once). */
static int field_of(run *r, const char *key, size_t n)
{
    for (size_t i = 0; i < r->nkeys; i++)
        if (r->keys[i].n == n && !memcmp(r->keys[i].key, key, n))
            return r->keys[i].field;
    int f = cbr_program_field(r->p, key, n);
    if (f >= 0 && !cbr_program_field_is_input(r->p, (size_t)f)) {
        if (r->unknown_reported++ < MAX_UNKNOWN_REPORTED)
            fprintf(stderr, "%s: %s: note: `%.*s` is computed from timestamp; the input's value is ignored\n",
                    prog, r->input_name, (int)n, key);
        f = -1;
    } else if (f < 0 && r->unknown_reported++ < MAX_UNKNOWN_REPORTED) {
        fprintf(stderr, "%s: %s: note: `%.*s` is not a field of the rules; ignored\n", prog, r->input_name,
                (int)n, key);
    }
    if (r->nkeys == r->capkeys) {
        size_t nc = r->capkeys ? r->capkeys * 2 : 32;
        void *q = realloc(r->keys, nc * sizeof *r->keys);
        if (!q)
            return f;
        r->keys = q;
        r->capkeys = nc;
    }
    char *copy = malloc(n + 1);
    if (!copy)
        return f;
    memcpy(copy, key, n);
    copy[n] = '\0';
    r->keys[r->nkeys].key = copy;
    r->keys[r->nkeys].n = n;
    r->keys[r->nkeys++].field = f;
    return f;
}

static void reject(run *r, const cbrin_record *rec, const char *why)
{
    r->rejected++;
    fprintf(stderr, "%s:%llu: error: %s\n", r->input_name, (unsigned long long)rec->line, why);
    if (!r->rejects)
        return;
    if (!r->rejects_header_done) {
        size_t n;
        const char *h = cbrin_header_raw(r->reader, &n);
        if (h) {
            fwrite(h, 1, n, r->rejects);
            fputc('\n', r->rejects);
        }
        r->rejects_header_done = true;
    }
    fwrite(rec->raw, 1, rec->rawlen, r->rejects);
    fputc('\n', r->rejects);
}

static void print_award(void *ud, const cbr_award *a)
{
    run *r = ud;
    size_t n;
    const char *tid = cbr_batch_string(r->b, a->row, 0, &n);
    char amount[32];
    cbr_award_amount(a, amount, sizeof amount);
    fputs("{\"tid\":", r->out);
    cbrc_json_strn(r->out, tid ? tid : "", tid ? n : 0);
    fputs(",\"offer\":", r->out);
    cbrc_json_str(r->out, a->offer_id);
    fprintf(r->out, ",\"cashback\":\"%s\",\"currency\":\"%.3s\"}\n", amount, a->currency);
    r->awards++;
}

static bool flush_batch(run *r)
{
    if (cbr_batch_rows(r->b) == 0)
        return true;
    cbr_error err;
    if (cbr_eval(r->ctx, r->b, print_award, r, &err) != CBR_OK) {
        fprintf(stderr, "%s: %s\n", prog, err.message);
        return false;
    }
    cbr_batch_clear(r->b);
    if (ferror(r->out)) {
        fprintf(stderr, "%s: writing awards: %s\n", prog, strerror(errno));
        return false;
    }
    return true;
}

static bool add_record(run *r, const cbrin_record *rec)
{
    r->records++;
    if (rec->error) {
        reject(r, rec, rec->error);
        return true;
    }
    cbr_error err;
    if (cbr_batch_begin_row(r->b, &err) != CBR_OK) {
        if (!flush_batch(r))
            return false;
        if (cbr_batch_begin_row(r->b, &err) != CBR_OK) {
            fprintf(stderr, "%s: %s\n", prog, err.message);
            return false;
        }
    }
    for (size_t i = 0; i < rec->ncells; i++) {
        const cbrin_cell *c = &rec->cells[i];
        int f = field_of(r, c->key, c->keylen);
        if (f >= 0 && !c->missing)
            cbr_batch_set(r->b, (size_t)f, c->val, c->len, NULL);
    }
    if (cbr_batch_end_row(r->b, NULL, &err) != CBR_OK)
        reject(r, rec, err.message);
    return true;
}

static int format_of(const char *name, const char *given, cbrin_format *fmt)
{
    const char *f = given;
    if (!f)
        f = cbrc_ends_with(name, ".csv") ? "csv" : cbrc_ends_with(name, ".jsonl") ? "jsonl"
          : cbrc_ends_with(name, ".ndjson") ? "jsonl" : NULL;
    if (!f)
        return cbrc_usage_error("run: cannot tell the format of %s; add --format csv or --format jsonl", name);
    if (!strcmp(f, "csv"))
        *fmt = CBRIN_CSV;
    else if (!strcmp(f, "jsonl"))
        *fmt = CBRIN_JSONL;
    else
        return cbrc_usage_error("run: unknown format %s (csv or jsonl)", f);
    return 0;
}

static int process(run *r, FILE *in, cbrin_format fmt)
{
    char msg[256];
    r->reader = cbrin_open(in, fmt, NULL, msg, sizeof msg);
    if (!r->reader) {
        fprintf(stderr, "%s: %s: %s\n", prog, r->input_name, msg);
        return EXIT_USAGE;
    }
    const cbrin_record *rec;
    int k;
    while ((k = cbrin_next(r->reader, &rec)) == 1)
        if (!add_record(r, rec))
            return EXIT_USAGE;
    if (k < 0) {
        uint64_t line = cbrin_error_line(r->reader);
        if (line)
            fprintf(stderr, "%s:%llu: error: %s\n", r->input_name, (unsigned long long)line, cbrin_error(r->reader));
        else
            fprintf(stderr, "%s: %s: %s\n", prog, r->input_name, cbrin_error(r->reader));
        flush_batch(r);
        return EXIT_USAGE;
    }
    if (!flush_batch(r))
        return EXIT_USAGE;
    return r->rejected ? EXIT_REJECTS : 0;
}

/* --state FILE: limits and budgets carried from one run to the next.  A
 * missing file is a first run. */
static int load_state(cbr_context *ctx, const char *path)
{
    size_t n;
    char *buf = (char *)cbrc_read_file(path, &n);
    if (!buf) {
        if (errno == ENOENT)
            return 0;
        fprintf(stderr, "%s: %s: %s\n", prog, path, strerror(errno));
        return EXIT_USAGE;
    }
    cbr_error err;
    int rc = 0;
    if (cbr_state_load(cbr_context_state(ctx), buf, n, &err) != CBR_OK) {
        /* The library says "line N: why"; the operator reads FILE:N: error: why. */
        unsigned long line;
        int at = 0;
        if (sscanf(err.message, "line %lu: %n", &line, &at) == 1 && at > 0)
            fprintf(stderr, "%s:%lu: error: %s\n", path, line, err.message + at);
        else
            fprintf(stderr, "%s: error: %s\n", path, err.message);
        rc = EXIT_USAGE;
    }
    free(buf);
    return rc;
}

static int save_state(cbr_context *ctx, const char *path)
{
    char *data;
    size_t len;
    if (cbr_state_save(cbr_context_state(ctx), &data, &len) != CBR_OK) {
        fprintf(stderr, "%s: out of memory saving the state\n", prog);
        return EXIT_USAGE;
    }
    bool ok = cbrc_write_atomically(path, data, len);
    if (!ok)
        fprintf(stderr, "%s: %s: %s\n", prog, path, strerror(errno));
    free(data);
    return ok ? 0 : EXIT_USAGE;
}

int cbrc_cmd_run(int argc, char **argv)
{
    const char **rules = calloc((size_t)argc + 1, sizeof *rules);
    const char *input = NULL, *output = NULL, *rejects = NULL, *format = NULL, *state = NULL;
    long batch = 1024;
    int nrules = 0;
    if (!rules)
        return EXIT_USAGE;
    for (int i = 0; i < argc; i++) {
        const char *a = argv[i];
        const char **slot = !strcmp(a, "--input") || !strcmp(a, "-i") ? &input
                          : !strcmp(a, "--output") || !strcmp(a, "-o") ? &output
                          : !strcmp(a, "--rejects") ? &rejects
                          : !strcmp(a, "--format") ? &format
                          : !strcmp(a, "--state") ? &state : NULL;
        if (slot || !strcmp(a, "--batch")) {
            if (i + 1 == argc) {
                free(rules);
                return cbrc_usage_error("run: %s needs a value", a);
            }
            if (slot) {
                *slot = argv[++i];
            } else {
                char *end;
                batch = strtol(argv[++i], &end, 10);
                if (*end || batch < 1 || batch > 1000000) {
                    free(rules);
                    return cbrc_usage_error("run: --batch takes a number from 1 to 1000000, not %s", argv[i]);
                }
            }
        } else if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            fputs(cbrc_help_for("run"), stdout);
            free(rules);
            return 0;
        } else if (a[0] == '-' && a[1]) {
            free(rules);
            return cbrc_usage_error("run: unknown option %s", a);
        } else {
            rules[nrules++] = a;
        }
    }
    int rc = 0;
    cbrin_format fmt = CBRIN_CSV;
    if (nrules == 0)
        rc = cbrc_usage_error("run: %s", "no rule files given");
    else if (!input)
        rc = cbrc_usage_error("run: %s", "no input: add --input FILE");
    else
        rc = format_of(input, format, &fmt);
    run r = {.input_name = input};
    if (rc == 0)
        r.p = cbrc_load_rules(rules, nrules, true, &rc);
    cbr_error why;
    if (r.p && cbr_program_runnable(r.p, &why) != CBR_OK) {
        /* cbrc registers no host functions; an embedding host does. */
        fprintf(stderr, "%s: %s; cbrc cannot run such rules (see doc/embedding.md)\n", prog, why.message);
        rc = EXIT_USAGE;
    }
    FILE *in = NULL;
    if (r.p && rc == 0) {
        in = !strcmp(input, "-") ? stdin : fopen(input, "rb");
        r.out = output ? fopen(output, "wb") : stdout;
        r.rejects = rejects ? fopen(rejects, "wb") : NULL;
        const char *bad = !in ? input : !r.out ? output : rejects && !r.rejects ? rejects : NULL;
        if (bad) {
            fprintf(stderr, "%s: %s: %s\n", prog, bad, strerror(errno));
            rc = EXIT_USAGE;
        }
    }
    if (r.p && rc == 0) {
        r.b = cbr_batch_new(r.p, (size_t)batch);
        r.ctx = cbr_context_new(r.p, (size_t)batch);
        if (!r.b || !r.ctx) {
            fprintf(stderr, "%s: out of memory\n", prog);
            rc = EXIT_USAGE;
        } else {
            rc = state ? load_state(r.ctx, state) : 0;
            if (rc == 0)
                rc = process(&r, in, fmt);
            /* A run that finished (rejects included) moves the state on; a
             * failed one leaves yesterday's file as it was. */
            if (state && (rc == 0 || rc == EXIT_REJECTS) && save_state(r.ctx, state) != 0)
                rc = EXIT_USAGE;
        }
    }
    if (r.out && r.out != stdout && fclose(r.out) != 0 && rc != EXIT_USAGE) {
        fprintf(stderr, "%s: %s: %s\n", prog, output, strerror(errno));
        rc = EXIT_USAGE;
    }
    if (r.out == stdout && fflush(stdout) != 0) {
        fprintf(stderr, "%s: writing awards: %s\n", prog, strerror(errno));
        rc = EXIT_USAGE;
    }
    if (r.rejects)
        fclose(r.rejects);
    if (in && in != stdin)
        fclose(in);
    cbrin_close(r.reader);
    cbr_context_free(r.ctx);
    cbr_batch_free(r.b);
    cbr_program_free(r.p);
    for (size_t i = 0; i < r.nkeys; i++)
        free(r.keys[i].key);
    free(r.keys);
    free(rules);
    return rc;
}
