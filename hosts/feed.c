/* feed.c: records into batch rows, with bad records reported and set aside
 * (see feed.h). */
#include "config.h"
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "hosts/cbrc.h"
#include "hosts/feed.h"

#define prog cbrc_prog
#define MAX_UNKNOWN_REPORTED 10

int cbrc_feed_format(const char *cmd, const char *name, const char *given, cbrin_format *fmt)
{
    char what[128];
    const char *f = given;
    if (!f)
        f = cbrc_ends_with(name, ".csv") ? "csv" : cbrc_ends_with(name, ".jsonl") ? "jsonl"
          : cbrc_ends_with(name, ".ndjson") ? "jsonl" : NULL;
    if (!f) {
        snprintf(what, sizeof what, "%s: cannot tell the format of %%s; add --format csv or --format jsonl", cmd);
        return cbrc_usage_error(what, name);
    }
    if (!strcmp(f, "csv"))
        *fmt = CBRIN_CSV;
    else if (!strcmp(f, "jsonl"))
        *fmt = CBRIN_JSONL;
    else {
        snprintf(what, sizeof what, "%s: unknown format %%s (csv or jsonl)", cmd);
        return cbrc_usage_error(what, f);
    }
    return 0;
}

bool cbrc_feed_open(cbrc_feed *f, const cbr_program *p, FILE *in, const char *name, cbrin_format fmt)
{
    char msg[256];
    memset(f, 0, sizeof *f);
    f->p = p;
    f->input_name = name;
    f->reader = cbrin_open(in, fmt, NULL, msg, sizeof msg);
    if (!f->reader)
        fprintf(stderr, "%s: %s: %s\n", prog, name, msg);
    return f->reader != NULL;
}

/* The field a key names, -1 for keys the rules do not know (reported once). */
static int field_of(cbrc_feed *f, const char *key, size_t n)
{
    for (size_t i = 0; i < f->nkeys; i++)
        if (f->keys[i].n == n && !memcmp(f->keys[i].key, key, n))
            return f->keys[i].field;
    int fi = cbr_program_field(f->p, key, n);
    if (fi >= 0 && !cbr_program_field_is_input(f->p, (size_t)fi)) {
        if (f->unknown_reported++ < MAX_UNKNOWN_REPORTED)
            fprintf(stderr, "%s: %s: note: `%.*s` is computed from timestamp; the input's value is ignored\n",
                    prog, f->input_name, (int)n, key);
        fi = -1;
    } else if (fi < 0 && f->unknown_reported++ < MAX_UNKNOWN_REPORTED) {
        fprintf(stderr, "%s: %s: note: `%.*s` is not a field of the rules; ignored\n", prog, f->input_name,
                (int)n, key);
    }
    if (f->nkeys == f->capkeys) {
        size_t nc = f->capkeys ? f->capkeys * 2 : 32;
        void *q = realloc(f->keys, nc * sizeof *f->keys);
        if (!q)
            return fi;
        f->keys = q;
        f->capkeys = nc;
    }
    char *copy = malloc(n + 1);
    if (!copy)
        return fi;
    memcpy(copy, key, n);
    copy[n] = '\0';
    f->keys[f->nkeys].key = copy;
    f->keys[f->nkeys].n = n;
    f->keys[f->nkeys++].field = fi;
    return fi;
}

void cbrc_feed_reject(cbrc_feed *f, const cbrin_record *rec, const char *why)
{
    f->rejected++;
    fprintf(stderr, "%s:%llu: error: %s\n", f->input_name, (unsigned long long)rec->line, why);
    if (!f->rejects)
        return;
    if (!f->rejects_header_done) {
        size_t n;
        const char *h = cbrin_header_raw(f->reader, &n);
        if (h) {
            fwrite(h, 1, n, f->rejects);
            fputc('\n', f->rejects);
        }
        f->rejects_header_done = true;
    }
    fwrite(rec->raw, 1, rec->rawlen, f->rejects);
    fputc('\n', f->rejects);
}

int cbrc_feed_next(cbrc_feed *f, const cbrin_record **rec)
{
    int k;
    while ((k = cbrin_next(f->reader, rec)) == 1) {
        f->records++;
        if (!(*rec)->error)
            return 1;
        cbrc_feed_reject(f, *rec, (*rec)->error);
    }
    if (k < 0) {
        uint64_t line = cbrin_error_line(f->reader);
        if (line)
            fprintf(stderr, "%s:%llu: error: %s\n", f->input_name, (unsigned long long)line,
                    cbrin_error(f->reader));
        else
            fprintf(stderr, "%s: %s: %s\n", prog, f->input_name, cbrin_error(f->reader));
    }
    return k;
}

bool cbrc_feed_row(cbrc_feed *f, cbr_batch *b, const cbrin_record *rec)
{
    cbr_error err;
    if (cbr_batch_begin_row(b, &err) != CBR_OK) {
        cbrc_feed_reject(f, rec, err.message);
        return false;
    }
    for (size_t i = 0; i < rec->ncells; i++) {
        const cbrin_cell *c = &rec->cells[i];
        int fi = field_of(f, c->key, c->keylen);
        if (fi >= 0 && !c->missing)
            cbr_batch_set(b, (size_t)fi, c->val, c->len, NULL);
    }
    if (cbr_batch_end_row(b, NULL, &err) != CBR_OK) {
        cbrc_feed_reject(f, rec, err.message);
        return false;
    }
    return true;
}

const char *cbrc_feed_cell(const cbrin_record *rec, const char *key, size_t *len)
{
    size_t n = strlen(key);
    for (size_t i = 0; i < rec->ncells; i++) {
        const cbrin_cell *c = &rec->cells[i];
        if (c->keylen == n && !memcmp(c->key, key, n) && !c->missing) {
            *len = c->len;
            return c->val;
        }
    }
    return NULL;
}

void cbrc_feed_close(cbrc_feed *f)
{
    cbrin_close(f->reader);
    f->reader = NULL;
    for (size_t i = 0; i < f->nkeys; i++)
        free(f->keys[i].key);
    free(f->keys);
    f->keys = NULL;
    f->nkeys = f->capkeys = 0;
}
