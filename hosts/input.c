/* input.c: streaming record readers for transaction files (CSV through
 * libcsv in input_csv.c, JSON Lines through yajl in input_jsonl.c), between
 * the input file and the hosts that evaluate records (`cbrc run`, the
 * stream host).  This file holds what both share: buffers, errors, the
 * raw bytes of a record, cells, duplicate keys and the interface.
 *
 * Design: a small scanner of our own cuts the byte stream into records, and
 * libcsv or yajl then parses one record at a time.  libcsv reports cells
 * through callbacks that carry no byte offsets, so on its own it cannot give
 * a record's raw bytes or starting line, nor skip an over-long record without
 * buffering all of it.  The CSV scanner has libcsv's four states, strict and
 * with space trimming off, so the two agree on where every well-formed record
 * ends; a malformed record ends at the next line end outside quotes and
 * libcsv then says what is wrong with it.  For JSON Lines the cut is memchr
 * for LF, and a fresh yajl handle parses each line, because a yajl handle is
 * unusable after its first error. */
#include "config.h"
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include "hosts/input_int.h"
#include "hosts/json.h"

/* Room for n more bytes and a NUL after them. */
bool cbrin_reserve(strbuf *b, size_t n)
{
    if (n >= SIZE_MAX - 1 - b->len)
        return false;
    size_t need = b->len + n + 1;
    if (need <= b->cap)
        return true;
    size_t cap = b->cap ? b->cap : 256;
    while (cap < need)
        cap = cap > SIZE_MAX / 2 ? need : cap * 2;
    char *p = realloc(b->p, cap);
    if (!p)
        return false;
    b->p = p;
    b->cap = cap;
    return true;
}

/* Appends s[0..n) and a NUL that is not counted in len. */
bool cbrin_putz(strbuf *b, const void *s, size_t n)
{
    if (!cbrin_reserve(b, n))
        return false;
    if (n)
        memcpy(b->p + b->len, s, n);
    b->len += n;
    b->p[b->len] = '\0';
    return true;
}

/* Appends s[0..n) and its NUL, both counted: one string of the text arena. */
bool cbrin_addz(strbuf *b, const void *s, size_t n)
{
    if (!cbrin_putz(b, s, n))
        return false;
    b->len++;
    return true;
}

/* Stops the reader with a file-level error; returns -1 for cbrin_next. */
int cbrin_fail(cbrin_reader *r, uint64_t line, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(r->err, sizeof r->err, fmt, ap);
    va_end(ap);
    r->errline = line;
    r->failed = true;
    return -1;
}

/* Formats a bad-record message into r->msg and returns it. */
const char *cbrin_bad(cbrin_reader *r, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(r->msg, sizeof r->msg, fmt, ap);
    va_end(ap);
    return r->msg;
}

/* A key for a message, clipped so one wild key cannot crowd out the rest. */
int cbrin_keyw(size_t len)
{
    return len > KEY_IN_MSG ? KEY_IN_MSG : (int)len;
}

/* ---- reading ---- */

/* Reads the next chunk: 1 bytes available, 0 end of file, -1 I/O error. */
int cbrin_refill(cbrin_reader *r)
{
    if (r->eof)
        return 0;
    errno = 0;
    size_t n = fread(r->chunk, 1, CHUNK, r->f);
    r->cpos = 0;
    r->clen = n;
    r->bytes += n;
    if (n == 0) {
        if (ferror(r->f))
            return cbrin_fail(r, r->line, "cannot read the input: %s",
                        errno ? strerror(errno) : "I/O error");
        r->eof = true;
        return 0;
    }
    if (!r->started) {
        r->started = true;
        /* fread fills the chunk unless the file ends first, so a mark
         * is never split between two chunks. */
        if (n >= 3 && memcmp(r->chunk, "\xEF\xBB\xBF", 3) == 0)
            r->cpos = 3;
        if (r->cpos == r->clen) /* the file was only the mark */
            return cbrin_refill(r);
    }
    return 1;
}

int cbrin_more(cbrin_reader *r, bool in)
{
    if (r->cpos < r->clen)
        return 1;
    int k = cbrin_refill(r);
    return k != 0 ? k : in ? 2 : 0;
}

/* Starts a record at the current line. */
void cbrin_begin_raw(cbrin_reader *r)
{
    r->raw.len = 0;
    r->rawtot = 0;
    r->overlong = r->unclosed = false;
    r->spilled = 0;
    r->spill_lost = false;
    r->rec_line = r->line;
}

/* Writes the bytes of an over-long record past what raw keeps to the
 * temporary file, started afresh for each record.  A file that cannot be
 * made or written loses them (spill_lost), never the reading. */
static void spill(cbrin_reader *r, const void *s, size_t n)
{
    if (r->in_message || r->spill_lost)
        return;
    if (r->spilled == 0) {
        if (!r->spill)
            r->spill = tmpfile();
        if (!r->spill || fseeko(r->spill, 0, SEEK_SET) != 0) {
            r->spill_lost = true;
            return;
        }
    }
    if (fwrite(s, 1, n, r->spill) != n) {
        r->spill_lost = true;
        return;
    }
    r->spilled += n;
    r->spill_last = ((const unsigned char *)s)[n - 1];
}

/* Keeps s[0..n) of the record, up to max_record + 1 bytes: one more than
 * the limit, so a line of exactly max_record bytes plus CR still fits. */
bool cbrin_keep(cbrin_reader *r, const void *s, size_t n)
{
    r->rawtot += n;
    size_t room = r->lim.max_record + 1 - r->raw.len;
    size_t k = n > room ? room : n;
    if (k && !cbrin_putz(&r->raw, s, k))
        return false;
    if (k < n)
        spill(r, (const char *)s + k, n - k);
    return true;
}

/* Ends the record: marks it over-long and cuts it to the limit. */
void cbrin_end_raw(cbrin_reader *r)
{
    r->memlen = r->raw.len;
    if (r->rawtot > r->lim.max_record) {
        r->overlong = true;
        if (r->raw.len > r->lim.max_record) {
            r->raw.len = r->lim.max_record;
            r->cut_byte = (unsigned char)r->raw.p[r->raw.len]; /* the NUL below takes its place */
        }
    }
    r->raw.p[r->raw.len] = '\0';
}

/* ---- cells ---- */

/* Room for slot i. */
bool cbrin_slot_room(cbrin_reader *r, size_t i)
{
    if (i < r->slotcap)
        return true;
    size_t cap = r->slotcap ? r->slotcap * 2 : 16;
    if (cap <= i)
        cap = i + 1;
    if (cap > SIZE_MAX / sizeof(slot))
        return false;
    slot *s = realloc(r->slots, cap * sizeof *s);
    if (!s)
        return false;
    r->slots = s;
    cbrin_cell *c = realloc(r->cells, cap * sizeof *c);
    if (!c)
        return false;
    r->cells = c;
    r->slotcap = cap;
    return true;
}

/* The record's cells from its slots, now that the text no longer moves;
 * CSV keys come from the header. */
void cbrin_finish_cells(cbrin_reader *r, bool header_keys)
{
    for (size_t i = 0; i < r->nslots; i++) {
        const slot *s = &r->slots[i];
        cbrin_cell *c = &r->cells[i];
        if (header_keys) {
            c->key = r->cols[i].key;
            c->keylen = r->cols[i].keylen;
        } else {
            c->key = r->text.p + s->koff;
            c->keylen = s->klen;
        }
        c->missing = s->missing;
        c->nested = s->nested;
        c->val = s->missing ? "" : r->text.p + s->voff;
        c->len = s->missing ? 0 : s->vlen;
    }
}

/* ---- duplicate keys ---- */

static uint64_t hash(const char *s, size_t n) { return hfnv64(s, n); }

void cbrin_keys_clear(cbrin_reader *r)
{
    if (++r->gen == 0) { /* wrapped: old marks would look current */
        if (r->keys)
            memset(r->keys, 0, r->keycap * sizeof *r->keys);
        r->gen = 1;
    }
}

/* Puts slot i in the set, or finds the earlier slot with the same key:
 * that slot's index, SIZE_MAX when i is new. */
static size_t keys_probe(cbrin_reader *r, size_t i)
{
    const char *k = r->text.p + r->slots[i].koff;
    size_t n = r->slots[i].klen, mask = r->keycap - 1;
    for (size_t h = hash(k, n) & mask;; h = (h + 1) & mask) {
        keyslot *e = &r->keys[h];
        if (e->gen != r->gen) {
            e->gen = r->gen;
            e->idx = i;
            return SIZE_MAX;
        }
        const slot *o = &r->slots[e->idx];
        if (o->klen == n && memcmp(r->text.p + o->koff, k, n) == 0)
            return e->idx;
    }
}

/* Slots 0..i-1 are in the set and distinct.  Adds slot i: *dup is the
 * earlier slot with its key or SIZE_MAX; false when out of memory. */
bool cbrin_keys_add(cbrin_reader *r, size_t i, size_t *dup)
{
    if ((i + 1) * 2 > r->keycap) {
        size_t cap = r->keycap ? r->keycap * 2 : 64;
        while (cap < (i + 1) * 2)
            cap *= 2;
        keyslot *t = calloc(cap, sizeof *t);
        if (!t)
            return false;
        free(r->keys);
        r->keys = t;
        r->keycap = cap;
        r->gen = 1;
        for (size_t j = 0; j < i; j++)
            keys_probe(r, j);
    }
    *dup = keys_probe(r, i);
    return true;
}

/* ---- the interface ---- */

cbrin_reader *cbrin_open(FILE *f, cbrin_format fmt, const cbrin_limits *lim, char *err,
                         size_t errlen)
{
    if (fmt != CBRIN_CSV && fmt != CBRIN_JSONL) {
        if (err && errlen)
            snprintf(err, errlen, "unknown input format %d", (int)fmt);
        return NULL;
    }
    cbrin_reader *r = calloc(1, sizeof *r);
    unsigned char *chunk = f ? malloc(CHUNK) : NULL;
    if (!r || (f && !chunk)) {
        free(r);
        free(chunk);
        if (err && errlen)
            snprintf(err, errlen, "out of memory");
        return NULL;
    }
    r->f = f;
    r->fmt = fmt;
    r->chunk = chunk;
    r->line = 1;
    cbrin_csv_start(r);
    r->lim.max_record = lim && lim->max_record ? lim->max_record : CBRIN_DEFAULT_MAX_RECORD;
    r->lim.max_columns = lim && lim->max_columns ? lim->max_columns : CBRIN_DEFAULT_MAX_COLUMNS;
    /* cbrin_keep() holds one byte past the limit; leave room for it and a NUL. */
    if (r->lim.max_record > SIZE_MAX / 2)
        r->lim.max_record = SIZE_MAX / 2;
    if (r->lim.max_columns > SIZE_MAX / (4 * sizeof(slot)))
        r->lim.max_columns = SIZE_MAX / (4 * sizeof(slot));
    /* Allocated now so a record's raw is never NULL, even when empty. */
    if (!cbrin_reserve(&r->raw, 0)) {
        cbrin_close(r);
        if (err && errlen)
            snprintf(err, errlen, "out of memory");
        return NULL;
    }
    return r;
}

int cbrin_next(cbrin_reader *r, const cbrin_record **rec)
{
    if (r->failed)
        return -1;
    if (!r->f)
        return cbrin_fail(r, 0, "the reader has no input file");
    int k = r->fmt == CBRIN_CSV ? cbrin_csv_next(r) : cbrin_jsonl_next(r);
    if (k == 1)
        *rec = &r->out;
    return k;
}

int cbrin_parse_json(cbrin_reader *r, const char *buf, size_t len, const cbrin_record **rec)
{
    cbrin_begin_raw(r);
    r->in_message = true; /* the message is in memory: nothing to spill */
    bool kept = cbrin_keep(r, buf, len);
    r->in_message = false;
    if (!kept) {
        r->out = (cbrin_record){.raw = "", .error = "out of memory"};
        *rec = &r->out;
        return 0;
    }
    cbrin_end_raw(r); /* a message has no line end to drop; only the limit applies */
    bool ok = cbrin_json_record(r, 0);
    *rec = &r->out;
    return ok ? 1 : 0;
}

void cbrin_keep_nested(cbrin_reader *r, bool keep)
{
    r->keep_nested = keep;
}

uint64_t cbrin_full_length(const cbrin_reader *r, const cbrin_record *rec)
{
    return rec == &r->out && r->overlong ? r->rawtot : rec->rawlen;
}

int cbrin_write_raw(cbrin_reader *r, const cbrin_record *rec, FILE *to)
{
    bool whole = rec == &r->out && r->overlong && r->raw.p == rec->raw;
    if (rec->rawlen && fwrite(rec->raw, 1, rec->rawlen, to) != rec->rawlen)
        return -1;
    if (whole && r->memlen > rec->rawlen && fputc(r->cut_byte, to) == EOF)
        return -1;
    if (!whole || r->spilled == 0)
        return whole && r->spill_lost ? 1 : 0;
    if (r->spill_lost || fflush(r->spill) != 0 || fseeko(r->spill, 0, SEEK_SET) != 0)
        return 1;
    char buf[CHUNK];
    for (uint64_t left = r->spilled; left;) {
        size_t n = left < sizeof buf ? (size_t)left : sizeof buf;
        if (fread(buf, 1, n, r->spill) != n)
            return 1;
        if (fwrite(buf, 1, n, to) != n)
            return -1;
        left -= n;
    }
    return 0;
}

uint64_t cbrin_header_line(const cbrin_reader *r)
{
    return r->have_header ? r->hdr_line : 0;
}

const char *cbrin_error(const cbrin_reader *r)
{
    return r->err;
}

uint64_t cbrin_error_line(const cbrin_reader *r)
{
    return r->errline;
}

uint64_t cbrin_bytes_read(const cbrin_reader *r)
{
    return r->bytes;
}

const cbrin_cell *cbrin_columns(const cbrin_reader *r, size_t *ncols)
{
    *ncols = r->have_header ? r->ncols : 0;
    return r->have_header ? r->cols : NULL;
}

const char *cbrin_header_raw(const cbrin_reader *r, size_t *len)
{
    *len = r->have_header ? r->hdrraw.len : 0;
    return r->have_header ? r->hdrraw.p : NULL;
}

void cbrin_close(cbrin_reader *r)
{
    if (!r)
        return;
    csv_free(&r->csv);
    free(r->jarena);
    free(r->jprev.p);
    free(r->jprev_end);
    free(r->chunk);
    free(r->raw.p);
    free(r->text.p);
    free(r->hdrraw.p);
    free(r->hdrtext.p);
    free(r->slots);
    free(r->cells);
    free(r->cols);
    free(r->keys);
    if (r->spill)
        fclose(r->spill);
    free(r);
}
