/* batch.c: batches of transactions, filled row by row from text.
 *
 * Reading a value is where bad input is caught: a NUL character, a string
 * that is not UTF-8, an amount that is not a decimal or has more digits than
 * its currency, an unknown currency, a timestamp without an offset.  Each
 * such value makes the row refused at cbr_batch_end_row with a message
 * naming the field and the value, so a host can report the record and go
 * on. */
#include "config.h"
#include <stdarg.h>
#include <stdio.h>
#include <stdatomic.h>
#include <string.h>
#include "stdlib/currency.h"
#include "stdlib/date.h"
#include "stdlib/text.h"
#include "vm/vmint.h"

#define DEFAULT_CAPACITY 1024

/* Stamps are unique in the process, not only per batch: a context caches
 * derived columns by stamp, and may be handed different batches. */
static _Atomic uint64_t last_stamp;

static void restamp(cbr_batch *b) { b->stamp = ++last_stamp; }

const cbrx_col *cbrx_batch_col(const cbr_batch *b, uint32_t field) { return &b->cols[field]; }

cbr_status cbr_batch_new(const cbr_program *prog, size_t capacity, cbr_batch **out, cbr_error *err)
{
    if (out)
        *out = NULL;
    if (!prog || !out)
        return cbrx_status(err, CBR_ERR_ARG, "cbr_batch_new: no program or no place for the batch");
    if (capacity > CBRX_MAX_BATCH_ROWS)
        return cbrx_status(err, CBR_ERR_LIMIT, "a batch holds at most %u rows, not %zu",
                           (unsigned)CBRX_MAX_BATCH_ROWS, capacity);
    const cbrx_program *x = &prog->x;
    if (capacity == 0)
        capacity = DEFAULT_CAPACITY;
    cbr_batch *b = cbrx_alloc(x, sizeof *b);
    if (!b)
        return cbrx_status(err, CBR_ERR_NOMEM, "out of memory making a batch of %zu rows", capacity);
    memset(b, 0, sizeof *b);
    b->prog = prog;
    b->cap = capacity;
    restamp(b);
    b->cols = cbrx_alloc(x, x->nfields * sizeof *b->cols);
    b->exp = cbrx_alloc(x, capacity);
    b->kind = cbrx_alloc(x, capacity);
    b->orig = cbrx_alloc(x, capacity * sizeof *b->orig);
    b->kind_field = b->orig_field = CBRX_NONE;
    for (uint32_t f = XF_FIRST_DECLARED; f < x->nfields; f++) {
        const char *name = cbrx_str(x, x->fields[f].name);
        if (x->fields[f].type == X_STRING && !strcmp(name, "kind"))
            b->kind_field = f;
        else if (x->fields[f].type == X_STRING && !strcmp(name, "original_tid"))
            b->orig_field = f;
    }
    bool ok = b->cols && b->exp && b->kind && b->orig && cbrx_pool_init(&b->pool, x);
    if (b->cols) {
        memset(b->cols, 0, x->nfields * sizeof *b->cols);
        for (uint32_t f = 0; ok && f < x->nfields; f++) {
            if (x->fields[f].derived)
                continue;
            b->cols[f].v = cbrx_alloc(x, capacity * sizeof(int64_t));
            b->cols[f].null = cbrx_alloc(x, capacity);
            ok = b->cols[f].v && b->cols[f].null;
        }
    }
    if (!ok) {
        cbr_batch_free(b);
        return cbrx_status(err, CBR_ERR_NOMEM, "out of memory making a batch of %zu rows", capacity);
    }
    *out = b;
    return CBR_OK;
}

void cbr_batch_free(cbr_batch *b)
{
    if (!b)
        return;
    const cbrx_program *x = &b->prog->x;
    if (b->cols)
        for (uint32_t f = 0; f < x->nfields; f++) {
            cbrx_dealloc(x, b->cols[f].v);
            cbrx_dealloc(x, b->cols[f].null);
        }
    cbrx_dealloc(x, b->cols);
    cbrx_dealloc(x, b->exp);
    cbrx_dealloc(x, b->kind);
    cbrx_dealloc(x, b->orig);
    cbrx_pool_free(&b->pool);
    cbrx_dealloc(x, b);
}

void cbr_batch_clear(cbr_batch *b)
{
    if (!b)
        return;
    b->n = 0;
    b->in_row = false;
    b->row_bad = false;
    restamp(b);
    cbrx_pool_clear(&b->pool);
}

size_t cbr_batch_rows(const cbr_batch *b) { return b ? b->n : 0; }
size_t cbr_batch_capacity(const cbr_batch *b) { return b ? b->cap : 0; }

/* A value of the row being added cannot be read: err gets this error, and
 * the row keeps its first one for cbr_batch_end_row.  Each error is formatted
 * for itself, so a later bad value is reported with its own field and not
 * with the row's first message. */
static cbr_status row_verror(cbr_batch *b, cbr_error *err, const char *fmt, va_list ap)
    __attribute__((format(printf, 3, 0)));
static cbr_status row_verror(cbr_batch *b, cbr_error *err, const char *fmt, va_list ap)
{
    cbr_error e;
    e.status = CBR_ERR_RECORD;
    vsnprintf(e.message, sizeof e.message, fmt, ap);
    if (!b->row_bad) {
        b->row_bad = true;
        b->row_err = e;
    }
    if (err)
        *err = e;
    return CBR_ERR_RECORD;
}

static cbr_status row_error(cbr_batch *b, cbr_error *err, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static cbr_status row_error(cbr_batch *b, cbr_error *err, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    cbr_status st = row_verror(b, err, fmt, ap);
    va_end(ap);
    return st;
}

/* What a message about a text is about: "field `NAME`", or the call
 * cbr_batch_intern when name is NULL; the three parts of a "%s%s%s". */
#define ABOUT(name) (name) ? "field `" : "", (name) ? (name) : "cbr_batch_intern", (name) ? "`" : ""

/* U+0000 makes a value unreadable in every field.  C hosts, extern functions
 * and state keys read strings up to their NUL, so "eve\0x" would be taken
 * for "eve" there (a limit kept under another user, a snapshot line without
 * its period). */
static cbr_status nul_error(cbr_batch *b, cbr_error *err, const char *name, const char *s,
                            const char *nul)
{
    return row_error(b, err, "%s%s%s: the text holds a NUL character (U+0000) at byte %zu", ABOUT(name),
                     (size_t)(nul - s) + 1);
}

/* A short, printable quote of a bad value for messages. */
static const char *quote(const char *s, size_t n, char *buf, size_t cap)
{
    size_t k = n < 40 ? n : 40;
    while (k > 0 && k < n && ((unsigned char)s[k] & 0xC0) == 0x80)
        k--;
    snprintf(buf, cap, "%.*s%s", (int)k, s, k < n ? "..." : "");
    cbrtext_printable(buf, strlen(buf));
    return buf;
}

/* A value of another type that does not parse, as "field `NAME`: `VALUE`"
 * and the tail fmt says.  A NUL in it is the reason given instead (the
 * quote would show the text only up to it): checked here, on the error
 * path, since no number, date or instant parses with a NUL in it. */
static cbr_status unreadable(cbr_batch *b, cbr_error *err, const char *name, const char *s, size_t n,
                             const char *fmt, ...) __attribute__((format(printf, 6, 7)));
static cbr_status unreadable(cbr_batch *b, cbr_error *err, const char *name, const char *s, size_t n,
                             const char *fmt, ...)
{
    const char *nul = memchr(s, '\0', n);
    if (nul)
        return nul_error(b, err, name, s, nul);
    char q[64], why[128];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(why, sizeof why, fmt, ap);
    va_end(ap);
    return row_error(b, err, "field `%s`: `%s`%s", name, quote(s, n, q, sizeof q), why);
}

cbr_status cbr_batch_begin_row(cbr_batch *b, cbr_error *err)
{
    if (!b)
        return cbrx_fail(err, CBR_ERR_ARG, "no batch"), CBR_ERR_ARG;
    if (b->n >= b->cap) {
        cbrx_fail(err, CBR_ERR_LIMIT, "the batch is full (%zu rows)", b->cap);
        return CBR_ERR_LIMIT;
    }
    const cbrx_program *x = &b->prog->x;
    for (uint32_t f = 0; f < x->nfields; f++)
        if (b->cols[f].null)
            b->cols[f].null[b->n] = 1;
    /* Nothing of an earlier row, refused or abandoned, carries over. */
    b->in_row = true;
    b->row_bad = false;
    b->row_err.status = CBR_OK;
    b->row_err.message[0] = '\0';
    b->amount = (cbrdec){0, 0};
    b->amount_minor = false;
    b->kind[b->n] = XK_PURCHASE;
    b->orig[b->n] = CBRX_NONE;
    restamp(b);
    return CBR_OK;
}

static bool parse_int(const char *s, size_t n, int64_t *out)
{
    size_t i = 0;
    bool neg = false;
    if (i < n && (s[i] == '-' || s[i] == '+'))
        neg = s[i++] == '-';
    if (i == n)
        return false;
    uint64_t v = 0, lim = neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX;
    for (; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return false;
        unsigned d = (unsigned)(s[i] - '0');
        if (v > (lim - d) / 10)
            return false;
        v = v * 10 + d;
    }
    *out = neg ? (int64_t)(0 - v) : (int64_t)v;
    return true;
}

/* Always inlined: with the NUL check GCC stopped inlining it into
 * cbr_batch_set, which cost 5.3M of 422M instructions (callgrind) filling
 * 61,440 rows of 7 fields. */
static inline __attribute__((always_inline)) cbr_status
intern_text(cbr_batch *b, const char *name, const char *s, size_t n, uint32_t *out, cbr_error *err)
{
    char q[64];
    const char *nul = memchr(s, '\0', n);
    if (nul)
        return nul_error(b, err, name, s, nul);
    size_t max = b->prog->x.cfg.limits.max_string_bytes;
    if (max && n > max)
        return row_error(b, err, "%s%s%s: the value is longer than %zu bytes", ABOUT(name), max);
    uint32_t id;
    if (cbrtext_ascii(s, n)) {
        /* Most values: valid, already NFC, interned as they are. */
        id = cbrx_pool_intern(&b->pool, s, n);
    } else {
        size_t bad;
        if (!cbrtext_valid(s, n, &bad))
            return row_error(b, err, "%s%s%s: invalid UTF-8 at byte %zu", ABOUT(name), bad + 1);
        cbrtext_buf nfc;
        if (!cbrtext_nfc_valid(s, n, &nfc)) {
            cbrtext_buf_free(&nfc);
            return row_error(b, err, "%s%s%s: out of memory", ABOUT(name));
        }
        id = cbrx_pool_intern(&b->pool, nfc.p, nfc.n);
        cbrtext_buf_free(&nfc);
    }
    if (id == CBRX_NONE)
        return row_error(b, err, "%s%s%s: out of memory storing %s", ABOUT(name), quote(s, n, q, sizeof q));
    *out = id;
    return CBR_OK;
}

static inline __attribute__((always_inline)) cbr_status
set_string(cbr_batch *b, size_t f, const char *name, const char *s, size_t n, cbr_error *err)
{
    uint32_t id = CBRX_NONE;
    cbr_status st = intern_text(b, name, s, n, &id, err);
    if (st == CBR_OK)
        b->cols[f].v[b->n] = id;
    return st;
}

int cbr_batch_refund(const cbr_batch *b, size_t row) { return b && row < b->n && b->kind[row] == XK_REFUND; }

/* The record's kind: empty or `purchase`, or `refund`; the rules' own
 * `kind` field, if they read it, gets the word. */
static cbr_status set_kind(cbr_batch *b, const char *s, size_t n, cbr_error *err)
{
    char q[64];
    uint8_t k;
    if (n == 0 || (n == 8 && !memcmp(s, "purchase", 8)))
        k = XK_PURCHASE;
    else if (n == 6 && !memcmp(s, "refund", 6))
        k = XK_REFUND;
    else if (memchr(s, '\0', n))
        return nul_error(b, err, "kind", s, memchr(s, '\0', n));
    else
        return row_error(b, err, "field `kind`: `%s` is not a record kind (purchase or refund)",
                         quote(s, n, q, sizeof q));
    b->kind[b->n] = k;
    return CBR_OK;
}

/* A refund's original_tid, interned as tids are. */
static cbr_status set_original(cbr_batch *b, const char *s, size_t n, cbr_error *err)
{
    uint32_t f = b->orig_field;
    if (f != CBRX_NONE) {
        cbr_status st = set_string(b, f, "original_tid", s, n, err);
        if (st != CBR_OK)
            return st;
        b->cols[f].null[b->n] = 0;
        b->orig[b->n] = (uint32_t)b->cols[f].v[b->n];
        return CBR_OK;
    }
    /* The tid column is set the same way; borrow its slot for this row. */
    cbrx_col *c = &b->cols[XF_TID];
    int64_t keep = c->v[b->n];
    cbr_status st = set_string(b, XF_TID, "original_tid", s, n, err);
    if (st == CBR_OK)
        b->orig[b->n] = (uint32_t)c->v[b->n];
    c->v[b->n] = keep;
    return st;
}

cbr_status cbr_batch_set(cbr_batch *b, size_t field, const char *s, size_t n, cbr_error *err)
{
    if (!b || !s)
        return cbrx_fail(err, CBR_ERR_ARG, "no batch or no text"), CBR_ERR_ARG;
    if (!b->in_row)
        return cbrx_fail(err, CBR_ERR_STATE, "cbr_batch_set outside a row"), CBR_ERR_STATE;
    if (field == CBR_FIELD_KIND || (field == b->kind_field && b->kind_field != CBRX_NONE))
        return set_kind(b, s, n, err);
    if (field == CBR_FIELD_ORIGINAL_TID || (field == b->orig_field && b->orig_field != CBRX_NONE))
        return set_original(b, s, n, err);
    const cbrx_program *x = &b->prog->x;
    if (field >= x->nfields || x->fields[field].derived)
        return cbrx_fail(err, CBR_ERR_ARG, "field %zu cannot be set", field), CBR_ERR_ARG;
    const char *name = cbrx_str(x, x->fields[field].name);
    cbrx_col *c = &b->cols[field];
    size_t r = b->n;
    cbr_status st = CBR_OK;
    int64_t v = 0;
    cbrdec d;
    switch ((cbrx_type)x->fields[field].type) {
    case X_STRING:
        st = set_string(b, field, name, s, n, err);
        v = c->v[r];
        break;
    case X_INT:
        if (!parse_int(s, n, &v))
            return unreadable(b, err, name, s, n, " is not a whole number");
        break;
    case X_MONEY:
        /* Scaled in end_row, once the currency is known. */
        if (!cbrdec_parse(s, n, false, &d))
            return unreadable(b, err, name, s, n, " is not a decimal number");
        b->amount = d;
        b->amount_minor = false;
        break;
    case X_DECIMAL:
        if (!cbrdec_parse(s, n, false, &d))
            return unreadable(b, err, name, s, n, " is not a decimal number");
        d = cbrdec_trim(d);
        if (d.scale > CBRX_DECIMAL_SCALE || !cbrdec_rescale(d, CBRX_DECIMAL_SCALE, &d))
            return unreadable(b, err, name, s, n, " has more than %d decimal places or is too large",
                              CBRX_DECIMAL_SCALE);
        v = d.m;
        break;
    case X_BOOL:
        if (n == 4 && !memcmp(s, "true", 4))
            v = 1;
        else if (n == 5 && !memcmp(s, "false", 5))
            v = 0;
        else
            return unreadable(b, err, name, s, n, " is not true or false");
        break;
    case X_DATE: {
        int32_t days;
        if (!cbrdate_parse(s, n, &days))
            return unreadable(b, err, name, s, n, " is not a date (YYYY-MM-DD)");
        v = days;
        break;
    }
    case X_INSTANT: {
        int off;
        cbrinst_err e = cbrinst_parse(s, n, &v, &off);
        if (e != CBRINST_OK)
            return unreadable(b, err, name, s, n, ": %s", cbrinst_errtext(e));
        break;
    }
    default:
        return row_error(b, err, "field `%s` cannot be read", name);
    }
    if (st != CBR_OK)
        return st;
    c->v[r] = v;
    c->null[r] = 0;
    return CBR_OK;
}

/* ---- typed setters: values a host already holds in binary ---- */

/* The field a typed setter may set: one of the rules' own, not derived,
 * of type want (kind and original_tid are set from text). */
static cbr_status typed_field(cbr_batch *b, size_t field, cbrx_type want, const char *fn, cbr_error *err)
{
    if (!b)
        return cbrx_fail(err, CBR_ERR_ARG, "%s: no batch", fn), CBR_ERR_ARG;
    if (!b->in_row)
        return cbrx_fail(err, CBR_ERR_STATE, "%s outside a row", fn), CBR_ERR_STATE;
    const cbrx_program *x = &b->prog->x;
    if (field >= x->nfields || x->fields[field].derived || field == b->kind_field || field == b->orig_field)
        return cbrx_fail(err, CBR_ERR_ARG, "%s: field %zu cannot be set this way", fn, field), CBR_ERR_ARG;
    if (x->fields[field].type != want)
        return cbrx_fail(err, CBR_ERR_ARG, "%s: field `%s` is not of this type", fn,
                         cbrx_str(x, x->fields[field].name)), CBR_ERR_ARG;
    return CBR_OK;
}

static cbr_status put_value(cbr_batch *b, size_t field, int64_t v)
{
    b->cols[field].v[b->n] = v;
    b->cols[field].null[b->n] = 0;
    return CBR_OK;
}

cbr_status cbr_batch_set_int(cbr_batch *b, size_t field, int64_t v, cbr_error *err)
{
    cbr_status st = typed_field(b, field, X_INT, "cbr_batch_set_int", err);
    return st != CBR_OK ? st : put_value(b, field, v);
}

cbr_status cbr_batch_set_minor(cbr_batch *b, size_t field, int64_t minor, cbr_error *err)
{
    cbr_status st = typed_field(b, field, X_MONEY, "cbr_batch_set_minor", err);
    if (st != CBR_OK)
        return st;
    /* The scale is the currency's, known in end_row. */
    b->amount = (cbrdec){minor, 0};
    b->amount_minor = true;
    return put_value(b, field, 0); /* the column gets the scaled amount in end_row */
}

/* The instants RFC 3339 text can name: years 0000 to 9999, in UTC. */
#define FIRST_INSTANT (-62167219200LL)
#define LAST_INSTANT 253402300799LL

cbr_status cbr_batch_set_instant(cbr_batch *b, size_t field, int64_t unix_seconds, cbr_error *err)
{
    cbr_status st = typed_field(b, field, X_INSTANT, "cbr_batch_set_instant", err);
    if (st != CBR_OK)
        return st;
    if (unix_seconds < FIRST_INSTANT || unix_seconds > LAST_INSTANT)
        return row_error(b, err, "field `%s`: %lld seconds is outside the years 0000 to 9999",
                         cbrx_str(&b->prog->x, b->prog->x.fields[field].name), (long long)unix_seconds);
    return put_value(b, field, unix_seconds);
}

cbr_status cbr_batch_intern(cbr_batch *b, const char *text, size_t len, uint32_t *id, cbr_error *err)
{
    if (!b || !text || !id)
        return cbrx_fail(err, CBR_ERR_ARG, "cbr_batch_intern: no batch, text or place for the id"), CBR_ERR_ARG;
    /* A text that cannot be a string is refused here; it is no value of the
     * row being added, so that row keeps its state. */
    bool bad = b->row_bad;
    cbr_error row_err = b->row_err;
    cbr_status st = intern_text(b, NULL, text, len, id, err);
    b->row_bad = bad;
    b->row_err = row_err;
    return st;
}

cbr_status cbr_batch_set_interned(cbr_batch *b, size_t field, uint32_t id, cbr_error *err)
{
    cbr_status st = typed_field(b, field, X_STRING, "cbr_batch_set_interned", err);
    if (st != CBR_OK)
        return st;
    if (!cbrx_pool_has(&b->pool, id))
        return cbrx_fail(err, CBR_ERR_ARG, "cbr_batch_set_interned: %u is not a string of this batch", id),
               CBR_ERR_ARG;
    return put_value(b, field, id);
}

static const char *const required[] = {"tid", "amount", "currency", "timestamp"};
static const uint32_t required_field[] = {XF_TID, XF_AMOUNT, XF_CURRENCY, XF_TIMESTAMP};

cbr_status cbr_batch_end_row(cbr_batch *b, size_t *row, cbr_error *err)
{
    if (!b)
        return cbrx_fail(err, CBR_ERR_ARG, "no batch"), CBR_ERR_ARG;
    if (!b->in_row)
        return cbrx_fail(err, CBR_ERR_STATE, "cbr_batch_end_row without a row"), CBR_ERR_STATE;
    b->in_row = false;
    if (b->row_bad) {
        if (err)
            *err = b->row_err;
        return CBR_ERR_RECORD;
    }
    size_t r = b->n;
    for (int i = 0; i < 4; i++)
        if (b->cols[required_field[i]].null[r])
            return row_error(b, err, "missing required field `%s`", required[i]);
    uint32_t len;
    const char *cur = cbrx_pool_str(&b->pool, (uint32_t)b->cols[XF_CURRENCY].v[r], &len);
    int e = cbrcur_exponent(cur, len);
    char q[64];
    if (e < 0)
        return row_error(b, err, "field `currency`: `%s` is not an ISO 4217 currency code",
                         quote(cur, len, q, sizeof q));
    if (b->amount_minor)
        b->amount.scale = (uint8_t)e; /* minor units of this currency */
    cbrdec a = cbrdec_trim(b->amount);
    if (a.scale > e) {
        char num[32];
        cbrdec_format(b->amount, num, sizeof num);
        return row_error(b, err, "field `amount`: %s has more decimal places than %s allows (%d)", num,
                         cur, e);
    }
    if (!cbrdec_rescale(a, CBRX_MONEY_SCALE, &a))
        return row_error(b, err, "field `amount`: the amount is too large");
    if (b->kind[r] == XK_REFUND) {
        if (b->orig[r] == CBRX_NONE)
            return row_error(b, err, "a refund needs `original_tid`: the tid of the purchase it refunds");
        if (a.m <= 0)
            return row_error(b, err, "field `amount`: a refund's amount is the amount refunded, above zero");
    }
    if (b->kind_field != CBRX_NONE) {
        const char *word = b->kind[r] == XK_REFUND ? "refund" : "purchase";
        uint32_t id = cbrx_pool_intern(&b->pool, word, strlen(word));
        if (id == CBRX_NONE)
            return row_error(b, err, "field `kind`: out of memory");
        b->cols[b->kind_field].v[r] = id;
        b->cols[b->kind_field].null[r] = 0;
    }
    b->cols[XF_AMOUNT].v[r] = a.m;
    b->exp[r] = (int8_t)e;
    b->n++;
    restamp(b);
    if (row)
        *row = r;
    return CBR_OK;
}

const char *cbr_batch_string(const cbr_batch *b, size_t row, size_t field, size_t *len)
{
    if (b && row < b->n && field == CBR_FIELD_ORIGINAL_TID) {
        if (b->orig[row] == CBRX_NONE)
            return NULL;
        uint32_t n;
        const char *s = cbrx_pool_str(&b->pool, b->orig[row], &n);
        if (len)
            *len = n;
        return s;
    }
    if (!b || row >= b->n || field >= b->prog->x.nfields || b->prog->x.fields[field].type != X_STRING ||
        b->cols[field].null[row])
        return NULL;
    uint32_t n;
    const char *s = cbrx_pool_str(&b->pool, (uint32_t)b->cols[field].v[row], &n);
    if (len)
        *len = n;
    return s;
}
