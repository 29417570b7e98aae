/* feed.c: records into batch rows, with bad records reported and set aside
 * (see feed.h). */
#include "config.h"
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "hosts/cbrc.h"
#include "hosts/json.h"
#include "hosts/feed.h"
#include "hosts/keyfield.h"

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
    bool keys = hkeys_init(&f->keys, p);
    f->reader = keys ? cbrin_open(in, fmt, NULL, msg, sizeof msg) : NULL;
    if (!keys)
        snprintf(msg, sizeof msg, "out of memory");
    if (!f->reader) {
        fprintf(stderr, "%s: %s: %s\n", prog, name, msg);
        hkeys_free(&f->keys);
        return false;
    }
    /* Unread keys may hold anything; a nested value is refused only where
     * the rules read it (cbrc_feed_row). */
    cbrin_keep_nested(f->reader, true);
    return true;
}

static void hold_note(cbrc_feed *f, const char *msg);

/* A note on a key: printed now, or held with the batch's rejects. */
static void note_key(cbrc_feed *f, const char *what, const char *key, size_t n)
{
    char msg[256];
    snprintf(msg, sizeof msg, "%s: %s: note: `%.*s` %s\n", prog, f->input_name, n > 64 ? 64 : (int)n, key, what);
    if (f->held)
        hold_note(f, msg);
    else
        fputs(msg, stderr);
}

/* The field a key names, -1 for keys the rules do not read; a key the
 * rules do not know, or one they compute, is noted the first times it is
 * seen afresh. */
static int field_of(cbrc_feed *f, size_t i, const char *key, size_t n)
{
    hkeys_found found;
    int fi = hkeys_field_at(&f->keys, i, key, n, &found);
    if (found == HKEYS_DERIVED && f->unknown_reported++ < MAX_UNKNOWN_REPORTED)
        note_key(f, "is computed from timestamp; the input's value is ignored", key, n);
    else if (found == HKEYS_UNKNOWN && f->unknown_reported++ < MAX_UNKNOWN_REPORTED)
        note_key(f, "is not a field of the rules; ignored", key, n);
    return fi;
}

/* The reason of a reject, for the tally: the message without the values
 * that make each one different ("field `amount`: `x1` is not a decimal
 * number" is "bad amount"). */
static void reason_of(const char *why, char *buf, size_t n)
{
    static const struct { const char *prefix, *reason; } fixed[] = {
        {"record is longer than", "record too long"},
        {"record has ", "wrong number of fields"},
        {"the quoted field", "unclosed quote"},
        {"duplicate key", "duplicate key"},
        {"the object has more than", "too many keys"},
        {"expected a JSON object", "not a JSON object"},
        {"parse error", "invalid JSON"},
        {"lexical error", "invalid JSON"},
        {"invalid JSON", "invalid JSON"},
        {"out of memory", "out of memory"},
        {"duplicate transaction", "duplicate"},
        {"refund past the purchase's amount", "refund past the purchase's amount"},
        {"refund in another currency", "refund in another currency"},
        {"a refund needs `original_tid`", "refund without original_tid"},
    };
    const char *k;
    int len = 0;
    for (size_t i = 0; i < sizeof fixed / sizeof fixed[0]; i++)
        if (!strncmp(why, fixed[i].prefix, strlen(fixed[i].prefix))) {
            snprintf(buf, n, "%s", fixed[i].reason);
            return;
        }
    if (sscanf(why, "field %*u: %n", &len) == 0 && len > 0) /* field N: a quote ... */
        snprintf(buf, n, "bad quoting");
    else if (!strncmp(why, "missing required field `", 24) && (k = strchr(why + 24, '`')))
        snprintf(buf, n, "missing %.*s", (int)(k - why - 24), why + 24);
    else if (!strncmp(why, "field `", 7) && (k = strchr(why + 7, '`')))
        snprintf(buf, n, "bad %.*s", (int)(k - why - 7), why + 7);
    else if (!strncmp(why, "key `", 5) && strstr(why, "nested") && (k = strchr(why + 5, '`')))
        snprintf(buf, n, "nested %.*s", (int)(k - why - 5), why + 5);
    else
        snprintf(buf, n, "other");
}

/* Counts a reject under its reason; true when it is to be reported. */
static bool tally(cbrc_feed *f, const char *why)
{
    char name[sizeof f->reasons[0].name];
    reason_of(why, name, sizeof name);
    size_t i = 0;
    while (i < f->nreasons && strcmp(f->reasons[i].name, name))
        i++;
    if (i == f->nreasons) {
        if (f->nreasons == CBRC_FEED_REASONS) /* the last slot gathers the rest */
            i = CBRC_FEED_REASONS - 1, snprintf(f->reasons[i].name, sizeof name, "other");
        else
            snprintf(f->reasons[f->nreasons++].name, sizeof name, "%s", name);
    }
    f->reasons[i].count++;
    bool show = f->max_errors == 0 || f->rejected <= f->max_errors;
    f->reasons[i].shown += show;
    return show;
}

/* The rejects file's first line: the input's header, once. */
static void write_header(cbrc_feed *f)
{
    if (f->rejects_header_done)
        return;
    size_t n;
    const char *h = cbrin_header_raw(f->reader, &n);
    if (h) {
        fwrite(h, 1, n, f->rejects);
        fputc('\n', f->rejects);
    }
    f->rejects_header_done = true;
}

/* Reports a reject and copies raw, n bytes, to the rejects file; `cut`
 * when they are only the first bytes of the record (its spill was lost). */
static void emit(cbrc_feed *f, uint64_t line, const char *why, const char *raw, size_t n, bool cut)
{
    f->rejected++;
    if (tally(f, why))
        fprintf(stderr, "%s:%llu: error: %s\n", f->input_name, (unsigned long long)line, why);
    if (!f->rejects || f->rejects_failed)
        return;
    if (cut)
        fprintf(stderr, "%s:%llu: warning: the rejects file keeps only the first %zu bytes of this record: "
                        "the temporary file for the rest failed\n",
                f->input_name, (unsigned long long)line, n);
    write_header(f);
    errno = 0;
    if ((n && fwrite(raw, 1, n, f->rejects) != n) || fputc('\n', f->rejects) == EOF || ferror(f->rejects)) {
        f->rejects_failed = true;
        f->rejects_errno = errno ? errno : EIO;
    }
}

static bool held_grow(void **p, size_t *cap, size_t need, size_t size)
{
    if (need <= *cap)
        return true;
    size_t nc = need * 2 + 16;
    void *q = realloc(*p, nc * size);
    if (!q)
        return false;
    *p = q;
    *cap = nc;
    return true;
}

/* Appends an entry to f->held: its text (with its NUL) and n bytes of raw. */
static void held_add(cbrc_feed *f, cbrc_held_rec e, const char *text, const char *raw, size_t n)
{
    cbrc_held *h = f->held;
    size_t wn = strlen(text) + 1;
    if (!held_grow((void **)&h->recs, &h->cap, h->n + 1, sizeof *h->recs)
        || !held_grow((void **)&h->bytes, &h->capbytes, h->nbytes + wn + n, 1)) {
        h->oom = true;
        return;
    }
    e.why = h->nbytes;
    e.raw = h->nbytes + wn;
    e.rawlen = n;
    h->recs[h->n++] = e;
    memcpy(h->bytes + h->nbytes, text, wn);
    if (n)
        memcpy(h->bytes + h->nbytes + wn, raw, n);
    h->nbytes += wn + n;
}

static void hold_note(cbrc_feed *f, const char *msg)
{
    held_add(f, (cbrc_held_rec){.note = true}, msg, NULL, 0);
}

/* Keeps a reject in f->held: its reason and, when there is a rejects file
 * to copy them to, its bytes, whole (an overlong record's through the
 * reader's spill, into a memory stream). */
static void hold(cbrc_feed *f, const cbrin_record *rec, const char *why)
{
    cbrc_held *h = f->held;
    const char *raw = rec->raw;
    size_t n = f->rejects ? rec->rawlen : 0;
    bool cut = false;
    if (f->rejects && cbrin_full_length(f->reader, rec) != rec->rawlen) {
        if (!f->mem && !(f->mem = open_memstream(&f->membuf, &f->memlen))) {
            h->oom = true;
            return;
        }
        rewind(f->mem);
        int k = cbrin_write_raw(f->reader, rec, f->mem);
        if (k < 0 || fflush(f->mem) != 0) {
            h->oom = true;
            return;
        }
        raw = f->membuf;
        n = f->memlen;
        cut = k > 0;
    }
    held_add(f, (cbrc_held_rec){.line = rec->line, .cut = cut}, why, raw, n);
}

void cbrc_feed_reject(cbrc_feed *f, const cbrin_record *rec, const char *why)
{
    if (f->held) {
        hold(f, rec, why);
        return;
    }
    f->rejected++;
    if (tally(f, why))
        fprintf(stderr, "%s:%llu: error: %s\n", f->input_name, (unsigned long long)rec->line, why);
    if (!f->rejects || f->rejects_failed)
        return;
    write_header(f);
    /* The bytes as read, whole, even past the reader's record limit. */
    errno = 0;
    int k = cbrin_write_raw(f->reader, rec, f->rejects);
    if (k > 0)
        fprintf(stderr, "%s:%llu: warning: the rejects file keeps only the first %zu bytes of this record: "
                        "the temporary file for the rest failed\n",
                f->input_name, (unsigned long long)rec->line, rec->rawlen + 1);
    if (k < 0 || fputc('\n', f->rejects) == EOF || ferror(f->rejects)) {
        f->rejects_failed = true;
        f->rejects_errno = errno ? errno : EIO;
    }
}

void cbrc_feed_reject_kept(cbrc_feed *f, uint64_t line, const char *raw, size_t n, const char *why)
{
    emit(f, line, why, raw, n, false);
}

void cbrc_feed_release(cbrc_feed *f, cbrc_held *h)
{
    for (size_t i = 0; i < h->n; i++) {
        const cbrc_held_rec *r = &h->recs[i];
        if (r->note)
            fputs(h->bytes + r->why, stderr);
        else
            emit(f, r->line, h->bytes + r->why, h->bytes + r->raw, r->rawlen, r->cut);
    }
    h->n = h->nbytes = 0;
}

void cbrc_held_free(cbrc_held *h)
{
    free(h->recs);
    free(h->bytes);
    memset(h, 0, sizeof *h);
}

/* 12345 as "12,345": the tally is read by people. */
const char *cbrc_grouped(uint64_t v, char buf[32])
{
    char digits[24];
    int n = snprintf(digits, sizeof digits, "%llu", (unsigned long long)v), k = 0;
    for (int i = 0; i < n; i++) {
        if (i && (n - i) % 3 == 0)
            buf[k++] = ',';
        buf[k++] = digits[i];
    }
    buf[k] = '\0';
    return buf;
}

static int by_count(const void *a, const void *b)
{
    const cbrc_reason *x = a, *y = b;
    return x->count != y->count ? (x->count < y->count ? 1 : -1) : strcmp(x->name, y->name);
}

void cbrc_feed_report_rest(cbrc_feed *f)
{
    qsort(f->reasons, f->nreasons, sizeof f->reasons[0], by_count);
    uint64_t rest = 0;
    for (size_t i = 0; i < f->nreasons; i++)
        rest += f->reasons[i].count - f->reasons[i].shown;
    if (rest == 0)
        return;
    char a[32];
    fprintf(stderr, "%s: ... and %s more rejected record%s:", f->input_name, cbrc_grouped(rest, a), rest == 1 ? "" : "s");
    const char *sep = " ";
    for (size_t i = 0; i < f->nreasons; i++) {
        uint64_t n = f->reasons[i].count - f->reasons[i].shown;
        if (n) {
            fprintf(stderr, "%s%s %s", sep, cbrc_grouped(n, a), f->reasons[i].name);
            sep = ", ";
        }
    }
    fputc('\n', stderr);
}

/* The first byte of s[0..n) that is not text (a control character or
 * invalid UTF-8): its offset, or n. */
static size_t not_text(const unsigned char *s, size_t n)
{
    for (size_t i = 0; i < n;) {
        unsigned c = s[i];
        size_t k = c < 0x80 ? 1 : c >= 0xC2 && c <= 0xDF ? 2 : c >= 0xE0 && c <= 0xEF ? 3
                 : c >= 0xF0 && c <= 0xF4 ? 4 : 0;
        if (k == 0 || (c < 0x20 && c != '\t') || c == 0x7F || i + k > n)
            return i;
        for (size_t j = 1; j < k; j++)
            if ((s[i + j] & 0xC0) != 0x80)
                return i;
        i += k;
    }
    return n;
}

/* A CSV header must name tid, amount, currency and timestamp, or no record
 * can be read: the file is refused once, at the header, rather than each
 * of its records.  false with the error printed. */
static bool check_header(cbrc_feed *f)
{
    static const char *const required[] = {"tid", "amount", "currency", "timestamp"};
    f->header_checked = true;
    size_t ncols, hn;
    const cbrin_cell *cols = cbrin_columns(f->reader, &ncols);
    const char *raw = cbrin_header_raw(f->reader, &hn);
    if (!cols)
        return true; /* JSON Lines, or a file without a header */
    char missing[128] = "";
    size_t k = 0, nmissing = 0;
    for (size_t r = 0; r < 4; r++) {
        size_t i = 0, len = strlen(required[r]);
        while (i < ncols && !(cols[i].keylen == len && !memcmp(cols[i].key, required[r], len)))
            i++;
        if (i < ncols)
            continue;
        nmissing++;
        k += (size_t)snprintf(missing + k, sizeof missing - k, "%s`%s`", k ? ", " : "", required[r]);
    }
    if (nmissing == 0)
        return true;
    fprintf(stderr, "%s:%llu: error: the header has no %s column%s", f->input_name,
            (unsigned long long)cbrin_header_line(f->reader), missing, nmissing == 1 ? "" : "s");
    size_t bad = not_text((const unsigned char *)raw, hn);
    if (bad < hn)
        fprintf(stderr, "; it is not text (byte 0x%02X at byte %zu): is this a CSV file?",
                (unsigned char)raw[bad], bad + 1);
    else if (ncols == 1 && (memchr(raw, ';', hn) || memchr(raw, '\t', hn)))
        fprintf(stderr, "; its columns are separated by `%s`, and cbrc reads commas (RFC 4180)",
                memchr(raw, ';', hn) ? ";" : "\\t");
    fprintf(stderr, "; no record of the file was read\n");
    return false;
}

int cbrc_feed_next(cbrc_feed *f, const cbrin_record **rec)
{
    int k;
    while ((k = cbrin_next(f->reader, rec)) == 1) {
        if (!f->header_checked && !check_header(f))
            return -1;
        f->records++;
        if (!(*rec)->error)
            return 1;
        cbrc_feed_reject(f, *rec, (*rec)->error);
    }
    if (k == 0 && !f->header_checked && !check_header(f))
        return -1;
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
    /* A nested value is skipped where the rules do not read its key; in a
     * field they read it cannot be a value. */
    for (size_t i = 0; i < rec->ncells; i++) {
        const cbrin_cell *c = &rec->cells[i];
        if (c->nested && field_of(f, i, c->key, c->keylen) >= 0) {
            char msg[160];
            snprintf(msg, sizeof msg, "key `%.*s`: nested objects and arrays are not supported",
                     c->keylen > 64 ? 64 : (int)c->keylen, c->key);
            cbrc_feed_reject(f, rec, msg);
            return false;
        }
    }
    if (cbr_batch_begin_row(b, &err) != CBR_OK) {
        cbrc_feed_reject(f, rec, err.message);
        return false;
    }
    for (size_t i = 0; i < rec->ncells; i++) {
        const cbrin_cell *c = &rec->cells[i];
        int fi = field_of(f, i, c->key, c->keylen);
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
    if (f->mem)
        fclose(f->mem);
    free(f->membuf);
    f->mem = NULL;
    f->membuf = NULL;
    hkeys_free(&f->keys);
}
